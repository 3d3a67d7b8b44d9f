/**
 * Kill -9 mid-session, resume, and prove no tool call ran twice. The child process runs compiled
 * JS: the sources are transpiled once into a temp folder (no tsx, no dist needed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { jsonl, readJsonlFile, tempWorkspace } from './test-helpers.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MODULES = path.resolve(SRC, '..', 'node_modules');
let root = '';

const CHILD = `
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { prepareRun } from './out/reference-harness/harness.js';
import { runAgent } from './out/reference-harness/loop.js';
import { parseScript, ScriptedModel } from './out/reference-harness/scripted-model.js';
import { defineTool, ok } from './out/reference-harness/tools/registry.js';

const [workspace, scriptFile, resume] = process.argv.slice(2);
const count = defineTool({
  name: 'count',
  description: 'append a line to counter.txt, then wait sleepMs',
  inputSchema: z.object({ label: z.string(), sleepMs: z.number().optional() }),
  hints: { readOnly: false, destructive: false, concurrencySafe: false },
  tier: 'builtin',
  async execute({ label, sleepMs }, ctx) {
    fs.appendFileSync(path.join(ctx.workspace, 'counter.txt'), label + '\\n');
    if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
    return ok('counted ' + label);
  },
});
const turns = parseScript(fs.readFileSync(scriptFile, 'utf8'));
const run = prepareRun({
  workspace, resume, task: resume ? undefined : 'count', mode: 'accept-edits', extraTools: [count],
  model: (s) => new ScriptedModel(turns, { startAt: s.transcript.nextModelCall }),
});
process.stdout.write(JSON.stringify({ session: run.session.id }) + '\\n');
for await (const event of runAgent(run)) process.stdout.write(JSON.stringify(event) + '\\n');
`;

/** Transpiles the harness (not its tests) into root/out, keeping the layout; node_modules via a symlink. */
function transpile(): void {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'harness-crash-')));
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, e.name);
      const out = path.join(root, 'out', path.relative(SRC, abs));
      if (e.isDirectory()) walk(abs);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const js = ts.transpileModule(fs.readFileSync(abs, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 }, fileName: abs }).outputText;
        fs.mkdirSync(path.dirname(out), { recursive: true });
        fs.writeFileSync(out.replace(/\.ts$/, '.js'), js);
      }
    }
  };
  walk(path.join(SRC, 'reference-harness'));
  fs.writeFileSync(path.join(root, 'package.json'), '{"type":"module"}\n');
  fs.symlinkSync(NODE_MODULES, path.join(root, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(root, 'child.mjs'), CHILD);
}

function start(args: string[]): { child: ChildProcess; lines: () => Record<string, unknown>[]; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [path.join(root, 'child.mjs'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c) => (out += c));
  child.stderr!.on('data', (c) => (err += c));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  exit.then(({ code }) => {
    if (code) console.error(`child exited ${code}:\n${err}`);
  });
  return { child, lines: () => out.split('\n').filter(Boolean).map((l) => JSON.parse(l)), exit };
}

async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(transpile);

describe('crash and resume', () => {
  it('after SIGKILL mid-call, the resumed session runs no call twice and reports the interrupted one', async () => {
    const ws = tempWorkspace();
    const script = path.join(ws, 'turns.jsonl');
    fs.writeFileSync(script, jsonl([
      { toolCalls: [{ name: 'count', input: { label: 'a' } }] },
      { toolCalls: [{ name: 'count', input: { label: 'b1' } }, { name: 'count', input: { label: 'b2', sleepMs: 60_000 } }] },
      { toolCalls: [{ name: 'count', input: { label: 'c' } }] },
      { text: 'done' },
    ]));
    const counter = () => (fs.existsSync(path.join(ws, 'counter.txt')) ? fs.readFileSync(path.join(ws, 'counter.txt'), 'utf8').split('\n').filter(Boolean) : []);

    const first = start([ws, script]);
    await until(() => counter().includes('b2'));
    first.child.kill('SIGKILL');
    expect(await first.exit).toMatchObject({ signal: 'SIGKILL' });
    const sessionId = first.lines()[0].session as string;
    const dir = path.join(ws, '.harness', 'sessions', sessionId);
    const journal = readJsonlFile(path.join(dir, 'journal.jsonl'));
    expect(journal.filter((l) => l.callId === 'call_1_1').map((l) => l.type)).toEqual(['intent']);
    expect(journal.filter((l) => l.callId === 'call_1_0').map((l) => l.type)).toEqual(['intent', 'outcome']);

    const second = start([ws, script, sessionId]);
    expect(await second.exit).toMatchObject({ code: 0 });
    expect(counter()).toEqual(['a', 'b1', 'b2', 'c']);
    const results = second.lines().filter((e) => e.type === 'tool_result');
    expect(results.map((r) => [r.callId, r.ok, r.replayed ?? false])).toEqual([
      ['call_1_0', true, true],
      ['call_1_1', false, false],
      ['call_2_0', true, false],
    ]);
    expect(results[1].content).toMatch(/^interrupted/);
    expect(second.lines().at(-1)).toMatchObject({ type: 'stop', reason: 'end_turn' });
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
    expect(state.step).toBe(4);
  });
});
