/** The safety stops themselves: denials deny, caps halt, bad input never runs, nothing runs twice. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AGENTS, toolsFor } from './agents/agents.js';
import type { HarnessEvent } from './events.js';
import { loadSession } from './persistence/session.js';
import { drainRun, jsonl, readJsonlFile, runScripted, tempWorkspace, writeSettings } from './test-helpers.js';
import { createToolRegistry } from './tools/index.js';
import { defineTool, ok, type Tool } from './tools/registry.js';
import { task } from './tools/task.js';
import { prepareRun } from './harness.js';
import { parseScript, ScriptedModel } from './scripted-model.js';

/** A tool that counts its executions in a file. */
function counter(ws: string, hints: Partial<Tool['hints']> = {}): Tool {
  return defineTool({
    name: 'count',
    description: 'append a line to counter.txt',
    inputSchema: z.object({ label: z.string() }),
    hints: { readOnly: false, destructive: false, concurrencySafe: false, ...hints },
    tier: 'builtin',
    subject: (input) => input.label,
    execute: async ({ label }) => {
      fs.appendFileSync(path.join(ws, 'counter.txt'), `${label}\n`);
      return ok(`counted ${label}`);
    },
  });
}
const counted = (ws: string) => (fs.existsSync(path.join(ws, 'counter.txt')) ? fs.readFileSync(path.join(ws, 'counter.txt'), 'utf8').split('\n').filter(Boolean) : []);
const results = (events: HarnessEvent[]) => events.flatMap((e) => (e.type === 'tool_result' ? [e] : []));
const permissions = (events: HarnessEvent[]) => events.flatMap((e) => (e.type === 'permission' ? [e] : []));

describe('permissions', () => {
  it('a deny rule denies and the tool never executes', async () => {
    const ws = tempWorkspace();
    writeSettings(ws, { mode: 'accept-edits', permissions: { deny: ['count(secret*)'] } });
    const { events, run } = await runScripted({
      workspace: ws, task: 't', extraTools: [counter(ws)],
      turns: [{ toolCalls: [{ name: 'count', input: { label: 'secret-1' } }, { name: 'count', input: { label: 'public' } }] }, { text: 'ok' }],
    });
    expect(counted(ws)).toEqual(['public']);
    expect(permissions(events)[0]).toMatchObject({ decision: 'deny', reason: expect.stringContaining('count(secret*)') });
    expect(results(events)[0]).toMatchObject({ ok: false, content: expect.stringMatching(/^permission denied/) });
    const journal = readJsonlFile(path.join(run.session.dir, 'journal.jsonl'));
    expect(journal.filter((l) => l.callId === 'call_0_0')).toEqual([]);
    expect(readJsonlFile(path.join(run.session.dir, 'audit.jsonl'))[0]).toMatchObject({ tool: 'count', decision: 'deny', outcome: 'denied' });
  });

  it('asks in default mode: no approver or a "no" denies, a "yes" allows and is remembered', async () => {
    const ws = tempWorkspace();
    const edit = (s: string) => ({ toolCalls: [{ name: 'edit_file', input: { path: 'n.txt', old_string: '', new_string: s } }] });
    const none = await runScripted({ workspace: ws, task: 't', turns: [edit('a'), { text: 'ok' }] });
    expect(permissions(none.events).map((p) => p.decision)).toEqual(['ask', 'deny']);
    expect(fs.existsSync(path.join(ws, 'n.txt'))).toBe(false);

    const no = await runScripted({ workspace: ws, task: 't', approve: async () => false, turns: [edit('a'), { text: 'ok' }] });
    expect(permissions(no.events).map((p) => p.decision)).toEqual(['ask', 'deny']);
    expect(fs.existsSync(path.join(ws, 'n.txt'))).toBe(false);

    let asked = 0;
    const yes = await runScripted({ workspace: ws, task: 't', approve: async () => (asked++, true), turns: [edit('a'), { text: 'ok' }] });
    expect(permissions(yes.events).map((p) => p.decision)).toEqual(['ask', 'allow']);
    expect(fs.readFileSync(path.join(ws, 'n.txt'), 'utf8')).toBe('a');
    expect(loadSession(ws, yes.run.session.id).state.granted).toEqual(['edit_file(n.txt)']);
    expect(asked).toBe(1);
  });

  it('plan mode blocks edit_file and run_shell but allows reading', async () => {
    const ws = tempWorkspace({ 'a.txt': 'a' });
    const { events } = await runScripted({
      workspace: ws, task: 't', mode: 'plan', approve: async () => true,
      turns: [{ toolCalls: [
        { name: 'edit_file', input: { path: 'a.txt', old_string: 'a', new_string: 'b' } },
        { name: 'run_shell', input: { command: 'echo hi > out.txt' } },
        { name: 'read_file', input: { path: 'a.txt' } },
      ] }, { text: 'ok' }],
    });
    expect(permissions(events).map((p) => [p.name, p.decision])).toEqual([['edit_file', 'deny'], ['run_shell', 'deny'], ['read_file', 'allow']]);
    expect(permissions(events)[0].reason).toMatch(/plan mode/);
    expect(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8')).toBe('a');
    expect(fs.existsSync(path.join(ws, 'out.txt'))).toBe(false);
  });

  it('the shell guard denies a dangerous command even with an allow rule and an approver', async () => {
    const ws = tempWorkspace();
    writeSettings(ws, { permissions: { allow: ['run_shell'] } });
    const { events } = await runScripted({
      workspace: ws, task: 't', approve: async () => true,
      turns: [{ toolCalls: [{ name: 'run_shell', input: { command: 'rm -rf / --no-preserve-root' } }] }, { text: 'ok' }],
    });
    expect(permissions(events)).toEqual([expect.objectContaining({ decision: 'deny', reason: expect.stringMatching(/^shell guard/) })]);
    expect(results(events)[0].ok).toBe(false);
  });

  it('runs a command the shell guard allows, confined to the workspace', async () => {
    const ws = tempWorkspace({ 'f.txt': 'x' });
    const { events } = await runScripted({
      workspace: ws, task: 't',
      turns: [{ toolCalls: [{ name: 'run_shell', input: { command: 'ls' } }, { name: 'run_shell', input: { command: 'ls', cwd: '..' } }, { name: 'read_file', input: { path: '../etc/passwd' } }] }, { text: 'ok' }],
    });
    const [ls, up, outside] = results(events);
    expect(ls).toMatchObject({ ok: true, content: expect.stringContaining('f.txt') });
    expect(up.ok).toBe(false);
    expect(outside).toMatchObject({ ok: false, content: expect.stringContaining('outside the workspace') });
  });

  it('plugin tools that write ask even in accept-edits mode', async () => {
    const ws = tempWorkspace();
    const plugin = { ...counter(ws), tier: 'plugin' as const };
    const { events } = await runScripted({ workspace: ws, task: 't', mode: 'accept-edits', extraTools: [plugin], turns: [{ toolCalls: [{ name: 'count', input: { label: 'x' } }] }, { text: 'ok' }] });
    expect(permissions(events)[0]).toMatchObject({ decision: 'ask', reason: expect.stringContaining('plugin tool') });
    expect(counted(ws)).toEqual([]);
  });

  it('rejects an invalid settings file with the field that is wrong', async () => {
    const ws = tempWorkspace();
    writeSettings(ws, { mode: 'yolo' });
    await expect(runScripted({ workspace: ws, task: 't', turns: [] })).rejects.toThrow(/mode/);
  });
});

describe('input validation', () => {
  it('an invalid tool input never executes and the model gets the schema error', async () => {
    const ws = tempWorkspace();
    const { events, run } = await runScripted({
      workspace: ws, task: 't', mode: 'accept-edits', extraTools: [counter(ws)],
      turns: [{ toolCalls: [{ name: 'count', input: { label: 42 } }, { name: 'nope', input: {} }] }, { text: 'ok' }],
    });
    expect(counted(ws)).toEqual([]);
    expect(results(events)[0]).toMatchObject({ ok: false, content: expect.stringContaining('invalid input for count') });
    expect(results(events)[1]).toMatchObject({ ok: false, content: expect.stringContaining('unknown tool nope') });
    expect(permissions(events)).toEqual([]);
    expect(fs.existsSync(path.join(run.session.dir, 'journal.jsonl'))).toBe(false);
  });
});

describe('tool failures', () => {
  it('a crashing tool ends the run with an error event and a typed stop', async () => {
    const ws = tempWorkspace();
    const boom = defineTool({
      name: 'boom',
      description: 'throws',
      inputSchema: z.object({}),
      hints: { readOnly: true, destructive: false, concurrencySafe: false },
      tier: 'builtin',
      execute: async () => {
        throw new Error('kaput');
      },
    });
    const { events, result } = await runScripted({ workspace: ws, task: 't', extraTools: [boom], turns: [{ toolCalls: [{ name: 'boom', input: {} }] }, { text: 'never' }] });
    expect(result.reason).toBe('error');
    expect(events.slice(-3).map((e) => e.type)).toEqual(['tool_result', 'error', 'stop']);
    expect(events.at(-2)).toMatchObject({ message: 'boom crashed: kaput' });
  });
});

describe('budget caps halt the loop with a typed reason', () => {
  const forever = (n: number) => Array.from({ length: n }, () => ({ toolCalls: [{ name: 'list_dir', input: {} }] }));

  it('max_turns', async () => {
    const { events, result } = await runScripted({ workspace: tempWorkspace(), task: 't', limits: { maxTurns: 3 }, turns: forever(10) });
    expect(result.reason).toBe('max_turns');
    expect(events.filter((e) => e.type === 'turn_start')).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({ type: 'stop', reason: 'max_turns' });
  });

  it('max_tokens', async () => {
    const { events, result } = await runScripted({ workspace: tempWorkspace(), task: 't', limits: { maxTokens: 5_000 }, turns: forever(50) });
    expect(result.reason).toBe('max_tokens');
    expect(events.filter((e) => e.type === 'stop')).toEqual([expect.objectContaining({ reason: 'max_tokens' })]);
  });

  it('max_cost', async () => {
    const { result, run } = await runScripted({ workspace: tempWorkspace(), task: 't', limits: { maxCostUsd: 0.01 }, turns: forever(50) });
    expect(result.reason).toBe('max_cost');
    expect(run.budget.spent.costUsd).toBeGreaterThanOrEqual(0.01);
    expect(run.budget.spent.turns).toBeLessThan(50);
  });

  it('the limits are on by default', async () => {
    const { run } = await runScripted({ workspace: tempWorkspace(), task: 't', turns: [{ text: 'ok' }] });
    expect(run.budget.limits).toMatchObject({ maxTurns: 40, maxTokens: 1_000_000, maxCostUsd: 5 });
  });
});

describe('sub-agents', () => {
  it('a sub-agent cannot call task, and its pool is its agent type minus task', async () => {
    const ws = tempWorkspace();
    const { events } = await runScripted({
      workspace: ws, task: 't',
      turns: [
        { toolCalls: [{ name: 'task', input: { agent: 'general', prompt: 'recurse' } }] },
        { toolCalls: [{ name: 'task', input: { agent: 'general', prompt: 'deeper' } }] },
        { text: 'could not recurse' },
        { text: 'done' },
      ],
    });
    const inner = results(events).find((r) => r.agent === 'general' && r.name === 'task' && r.content.includes('unknown tool'));
    expect(inner).toBeDefined();
    expect(events.filter((e) => e.type === 'turn_start').map((e) => e.type === 'turn_start' && e.depth)).toEqual([0, 1, 1, 0]);
    const all = createToolRegistry();
    expect(toolsFor(AGENTS.general, all).filter((t) => t.name !== 'task').get('task')).toBeUndefined();
    expect(toolsFor(AGENTS.explore, all).list().every((t) => t.hints.readOnly)).toBe(true);
  });

  it('task refuses past the depth limit and gives the sub-agent its own smaller budget', async () => {
    const ws = tempWorkspace();
    const run = prepareRun({ workspace: ws, task: 't', model: () => new ScriptedModel(parseScript(jsonl([{ text: 'sub answer' }]))) });
    const deep = await task.execute({ agent: 'explore', prompt: 'x' }, { workspace: ws, callId: 'c1', state: run.session.state, run: { ...run, depth: 1 }, emit: () => {} });
    expect(deep).toMatchObject({ ok: false, content: expect.stringContaining('depth limit') });
    const events: HarnessEvent[] = [];
    const sub = await task.execute({ agent: 'explore', prompt: 'x' }, { workspace: ws, callId: 'c2', state: run.session.state, run, emit: (e) => events.push(e) });
    expect(sub).toEqual({ ok: true, content: 'sub answer' });
    expect(events.at(-1)).toMatchObject({ type: 'stop', agent: 'explore', reason: 'end_turn' });
    expect(run.budget.spent.inputTokens).toBeGreaterThan(0);
  });
});

describe('crash safety', () => {
  it('a completed journalled call is not run again on resume; an interrupted one is reported, not re-run', async () => {
    const ws = tempWorkspace();
    const turns = [{ toolCalls: [{ name: 'count', input: { label: 'a' } }, { name: 'count', input: { label: 'b' } }] }, { text: 'done' }];
    const first = await runScripted({ workspace: ws, task: 't', mode: 'accept-edits', extraTools: [counter(ws)], limits: { maxTurns: 1 }, turns });
    expect(counted(ws)).toEqual(['a', 'b']);
    const dir = first.run.session.dir;
    // Simulate a crash after the calls ran: the transcript lost the results, the journal lost b's outcome.
    const transcript = fs.readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'transcript.jsonl'), transcript.slice(0, 2).join('\n') + '\n');
    const journal = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(dir, 'journal.jsonl'), journal.slice(0, 3).join('\n') + '\n');

    const resumed = prepareRun({
      workspace: ws, resume: first.run.session.id, extraTools: [counter(ws)],
      model: (s) => new ScriptedModel(parseScript(jsonl(turns)), { startAt: s.transcript.nextModelCall }),
    });
    const { events, result } = await drainRun(resumed);
    expect(counted(ws)).toEqual(['a', 'b']);
    const [a, b] = results(events);
    expect(a).toMatchObject({ callId: 'call_0_0', ok: true, replayed: true, content: 'counted a' });
    expect(b).toMatchObject({ callId: 'call_0_1', ok: false, content: expect.stringMatching(/^interrupted/) });
    expect(result).toMatchObject({ reason: 'end_turn', text: 'done' });
  });
});
