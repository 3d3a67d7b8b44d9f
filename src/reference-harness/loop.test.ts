import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatEvent } from './events.js';
import { userCommands } from './commands.js';
import { loadSession } from './persistence/session.js';
import { parseScript } from './scripted-model.js';
import { DEMO_SCRIPT } from './scripted-demo.js';
import { readJsonlFile, runScripted, tempWorkspace } from './test-helpers.js';
import { createToolRegistry } from './tools/index.js';
import { defineTool, ok } from './tools/registry.js';

describe('the agent loop with a scripted model', () => {
  it('runs tools, streams events in order and persists transcript, state, journal, audit and log', async () => {
    const ws = tempWorkspace({ 'a.txt': 'hello\nworld\n' });
    const { events, result, run } = await runScripted({
      workspace: ws,
      task: 'change hello to bye',
      mode: 'accept-edits',
      turns: [
        { text: 'Planning.', toolCalls: [{ name: 'todo', input: { todos: [{ text: 'edit a.txt', status: 'in_progress' }] } }, { name: 'read_file', input: { path: 'a.txt' } }] },
        { toolCalls: [{ name: 'edit_file', input: { path: 'a.txt', old_string: 'hello', new_string: 'bye' } }] },
        { text: 'Done.' },
      ],
    });

    expect(result).toEqual({ reason: 'end_turn', text: 'Done.' });
    expect(fs.readFileSync(path.join(ws, 'a.txt'), 'utf8')).toBe('bye\nworld\n');
    expect(events.map((e) => e.type)).toEqual([
      'turn_start', 'assistant_text',
      'tool_call', 'permission', 'tool_result',
      'tool_call', 'permission', 'tool_result',
      'turn_start', 'tool_call', 'permission', 'tool_result',
      'turn_start', 'assistant_text', 'stop',
    ]);
    expect(events.filter((e) => e.type === 'tool_result').every((e) => e.type === 'tool_result' && e.ok)).toBe(true);

    const dir = run.session.dir;
    const transcript = readJsonlFile(path.join(dir, 'transcript.jsonl'));
    expect(transcript.map((e) => (e.message as { role: string }).role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool', 'assistant']);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    expect(state).toMatchObject({ step: 3, mode: 'accept-edits', todos: [{ text: 'edit a.txt', status: 'in_progress' }] });
    expect(state.spent.turns).toBe(3);
    expect(state.spent.inputTokens).toBeGreaterThan(0);
    const journal = readJsonlFile(path.join(dir, 'journal.jsonl'));
    expect(journal.map((l) => `${l.type}:${l.callId}`)).toEqual([
      'intent:call_0_0', 'outcome:call_0_0', 'intent:call_0_1', 'outcome:call_0_1', 'intent:call_1_0', 'outcome:call_1_0',
    ]);
    const audit = readJsonlFile(path.join(dir, 'audit.jsonl'));
    expect(audit.map((a) => [a.tool, a.decision, a.outcome])).toEqual([
      ['todo', 'allow', 'ok'], ['read_file', 'allow', 'ok'], ['edit_file', 'allow', 'ok'],
    ]);
    expect(audit[2].input).toEqual({ path: 'a.txt', old_string: 'hello', new_string: 'bye' });
    const log = readJsonlFile(path.join(dir, 'log.jsonl'));
    expect(log.every((l) => typeof l.level === 'string' && typeof l.msg === 'string' && l.session === run.session.id)).toBe(true);
    expect(log.some((l) => l.msg === 'stop' && l.reason === 'end_turn')).toBe(true);
  });

  it('generates the model tool list from the registry with JSON Schemas', () => {
    const tools = createToolRegistry().toModelTools();
    expect(tools.map((t) => t.name)).toEqual(['read_file', 'list_dir', 'search', 'edit_file', 'run_shell', 'todo', 'task']);
    expect(tools[0].inputSchema).toMatchObject({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
  });

  it('verifies after an edit and reports a broken file to the model', async () => {
    const ws = tempWorkspace({ 'c.json': '{"a": 1}\n' });
    const { events } = await runScripted({
      workspace: ws,
      task: 'break it',
      mode: 'accept-edits',
      turns: [{ toolCalls: [{ name: 'edit_file', input: { path: 'c.json', old_string: '"a": 1', new_string: '"a": ' } }] }, { text: 'oops' }],
    });
    const result = events.find((e) => e.type === 'tool_result');
    expect(result).toMatchObject({ ok: false });
    expect(result?.type === 'tool_result' && result.content).toMatch(/verification failed: invalid JSON/);
  });

  it('runs consecutive concurrency-safe calls together and keeps their order', async () => {
    const ws = tempWorkspace({ 'x.txt': 'x', 'y.txt': 'y' });
    const { events } = await runScripted({
      workspace: ws,
      task: 'read both',
      turns: [{ toolCalls: [{ name: 'read_file', input: { path: 'x.txt' } }, { name: 'read_file', input: { path: 'y.txt' } }, { name: 'list_dir', input: {} }] }, { text: 'ok' }],
    });
    const results = events.flatMap((e) => (e.type === 'tool_result' ? [e.content] : []));
    expect(results[0]).toContain('x');
    expect(results[1]).toContain('y');
    expect(results[2]).toBe('x.txt\ny.txt');
  });

  it('compacts automatically when the projection nears the context window', async () => {
    const ws = tempWorkspace({ 'big.txt': 'lorem ipsum dolor sit amet\n'.repeat(80) });
    const read = { toolCalls: [{ name: 'read_file', input: { path: 'big.txt' } }] };
    const { events, result, run } = await runScripted({ workspace: ws, task: 'read a lot', contextWindow: 20_000, limits: { maxTokens: 10_000_000 }, turns: [read, read, read, read, read, read, read, read, read, read, { text: 'done' }] });
    const compactions = events.filter((e) => e.type === 'compaction');
    expect(compactions.length).toBeGreaterThan(0);
    expect(result.reason).toBe('end_turn');
    const messages = run.session.transcript.messages();
    expect(messages[0]).toMatchObject({ role: 'user', text: expect.stringContaining('[Summary of the earlier conversation') });
    expect(readJsonlFile(path.join(run.session.dir, 'transcript.jsonl')).some((e) => e.kind === 'compaction')).toBe(true);
  });

  it('delegates to a typed sub-agent through task, with its own events and audit entry', async () => {
    const ws = tempWorkspace({ 'src/a.ts': 'export const answer = 42;\n' });
    const { events, result, run } = await runScripted({
      workspace: ws,
      task: 'where is answer defined?',
      turns: [
        { toolCalls: [{ name: 'task', input: { agent: 'explore', prompt: 'find answer' } }] },
        { toolCalls: [{ name: 'search', input: { pattern: 'answer' } }] },
        { text: 'src/a.ts:1' },
        { text: 'It is in src/a.ts:1.' },
      ],
    });
    expect(result.text).toBe('It is in src/a.ts:1.');
    expect(events.filter((e) => e.agent === 'explore').map((e) => e.type)).toEqual(['turn_start', 'tool_call', 'permission', 'tool_result', 'turn_start', 'assistant_text', 'stop']);
    expect(events.find((e) => e.type === 'tool_result' && e.name === 'task')).toMatchObject({ ok: true, content: 'src/a.ts:1' });
    const audit = readJsonlFile(path.join(run.session.dir, 'audit.jsonl'));
    expect(audit.find((a) => a.event === 'agent')).toMatchObject({ agent: 'explore', parent: 'general', tools: ['read_file', 'list_dir', 'search'] });
    expect(run.budget.spent.inputTokens).toBeGreaterThan(0);
  });

  it('resumes a finished session with a new task, continuing the script', async () => {
    const ws = tempWorkspace();
    const turns = [{ text: 'first' }, { text: 'second' }];
    const first = await runScripted({ workspace: ws, task: 'one', turns });
    const second = await runScripted({ workspace: ws, task: 'two', resume: first.run.session.id, turns });
    expect(second.result.text).toBe('second');
    expect(second.run.session.transcript.messages().map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(loadSession(ws, first.run.session.id).state.step).toBe(2);
  });

  it('accepts plugin tools through the same registry and pool', async () => {
    const ws = tempWorkspace();
    const hello = defineTool({
      name: 'hello',
      description: 'say hello',
      inputSchema: z.object({ who: z.string() }),
      hints: { readOnly: true, destructive: false, concurrencySafe: true },
      tier: 'plugin',
      execute: async ({ who }) => ok(`hello ${who}`),
    });
    const { events } = await runScripted({ workspace: ws, task: 'greet', extraTools: [hello], turns: [{ toolCalls: [{ name: 'hello', input: { who: 'you' } }] }, { text: 'ok' }] });
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ ok: true, content: 'hello you' });
  });

  it('dispatches user commands from their own registry', async () => {
    const ws = tempWorkspace();
    const { run } = await runScripted({ workspace: ws, task: 'plan it', turns: [{ toolCalls: [{ name: 'todo', input: { todos: [{ text: 'step one', status: 'pending' }] } }] }, { text: 'ok' }] });
    const ctx = { workspace: ws, session: loadSession(ws, run.session.id) };
    expect(userCommands.run('/status', ctx)).toContain('[ ] step one');
    expect(userCommands.run('/mode plan', ctx)).toBe('mode set to plan');
    expect(loadSession(ws, run.session.id).state.mode).toBe('plan');
    expect(userCommands.run('/resume', ctx)).toContain(run.session.id);
    expect(userCommands.run('/help', ctx)).toContain('/compact');
    expect(() => userCommands.run('/nope', ctx)).toThrow(/unknown command/);
  });

  it('ships a demo script that parses and formats', () => {
    const turns = parseScript(DEMO_SCRIPT);
    expect(turns.length).toBeGreaterThan(5);
    expect(formatEvent({ type: 'stop', agent: 'general', reason: 'max_turns' })).toContain('stop: max_turns');
  });
});
