/**
 * The offline demo tells the truth: it says it is a replay that ignores the task, prepares the file it
 * works on, reports a denied edit as denied (never as done), and /status calls its usage scripted.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSession } from './persistence/session.js';
import { harnessRun } from './run.js';
import { DEMO_FILE, DEMO_SCRIPT, prepareDemo } from './scripted-demo.js';
import { parseScript } from './scripted-model.js';
import { runScripted, tempWorkspace } from './test-helpers.js';

const demoTurns = () => parseScript(DEMO_SCRIPT);

describe('the offline demo', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('says that it replays a script and does not send the task to a model, and prepares its file', async () => {
    vi.stubEnv('ANTHROPIC_API_KEY', '');
    const ws = tempWorkspace();
    let out = '';
    await harnessRun('list the files', {}, ws, (s) => void (out += s));
    expect(out).toMatch(/offline: this run replays the bundled scripted demo .*the task is not sent to any model/);
    expect(out).toContain(`demo: wrote ${DEMO_FILE}`);
    expect(fs.existsSync(path.join(ws, DEMO_FILE))).toBe(true);
    let status = '';
    await harnessRun('/status', {}, ws, (s) => void (status += s));
    expect(status).toContain('scripted replay: no model was called and nothing was spent');
    expect(status).not.toMatch(/\$\d/);
  });

  it('reports a denied edit as denied, leaves the todos open and claims no fix', async () => {
    const ws = tempWorkspace();
    prepareDemo(ws);
    const before = fs.readFileSync(path.join(ws, DEMO_FILE), 'utf8');
    const { result, run } = await runScripted({ workspace: ws, task: 'fix the bug', mode: 'default', turns: demoTurns() });
    expect(result.reason).toBe('end_turn');
    expect('text' in result && result.text).toMatch(/was denied.*the bug is still there/);
    expect(fs.readFileSync(path.join(ws, DEMO_FILE), 'utf8')).toBe(before);
    const state = loadSession(ws, run.session.id).state;
    expect(state.todos.some((t) => t.status === 'done')).toBe(false);
  });

  it('applies and checks the fix when edits are allowed, and only then says so', async () => {
    const ws = tempWorkspace();
    prepareDemo(ws);
    const { result, run } = await runScripted({ workspace: ws, task: 'fix the bug', mode: 'accept-edits', turns: demoTurns() });
    expect('text' in result && result.text).toMatch(/the fix starts it at 0/);
    expect(fs.readFileSync(path.join(ws, DEMO_FILE), 'utf8')).toContain('let i = 0;');
    expect(loadSession(ws, run.session.id).state.todos.every((t) => t.status === 'done')).toBe(true);
    expect(prepareDemo(ws)).toMatch(/^reset /);
  });
});
