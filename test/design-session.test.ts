/**
 * Interactive design sessions: driven through stdin in a child process, killed with SIGKILL after
 * the first answer, listed, and resumed at the second concern with the first answer kept. The child
 * runs the design command's sources transpiled into a temp folder (no build needed), like the
 * harness's crash test.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { run, type Io } from '../src/cli.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');
let out = '';

const CHILD = `
import { Command } from 'commander';
import { registerDesignCommand } from './out/modes/design/command.js';
let code = 0;
const program = new Command().exitOverride();
registerDesignCommand(program, { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t), env: process.env, cwd: process.cwd() }, (c) => (code = c));
await program.parseAsync(process.argv.slice(2), { from: 'user' });
process.exitCode = code;
`;

/** Transpiles what the design command imports (static imports from command.ts, followed), keeping the layout. */
beforeAll(() => {
  out = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'design-child-')));
  const todo = [path.join(SRC, 'modes/design/command.ts')];
  const done = new Set<string>();
  while (todo.length) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)\.js'/gm)) todo.push(path.resolve(path.dirname(file), `${m[1]}.ts`));
    const target = path.join(out, 'out', path.relative(SRC, file)).replace(/\.ts$/, '.js');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 }, fileName: file }).outputText);
  }
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(out, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(out, 'child.mjs'), CHILD);
}, 60_000);

function workspace(): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'design-ws-'));
  fs.copyFileSync(path.join(ROOT, 'fixtures/design/in-between.md'), path.join(ws, 'proposal.md'));
  return ws;
}

async function cli(argv: string[], cwd: string, stdin?: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdoutTTY: false, stderrTTY: false, env: {}, cwd, stdin: Readable.from(stdin ? [stdin.join('\n') + '\n'] : []) };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

const sessionDir = (ws: string) => {
  const [id] = fs.readdirSync(path.join(ws, '.audit/sessions'));
  return { id, dir: path.join(ws, '.audit/sessions', id) };
};
const state = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
const transcript = (dir: string) => fs.readFileSync(path.join(dir, 'transcript.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('audit design --interactive', () => {
  it('survives SIGKILL after the first answer: listed, then resumed at the second concern with the first answer kept', async () => {
    const ws = workspace();
    const child = spawn(process.execPath, [path.join(out, 'child.mjs'), 'design', 'proposal.md', '--interactive'], { cwd: ws, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(stdout)) {
            child.stdout.off('data', onData);
            resolve();
          }
        };
        const onData = (d: Buffer) => {
          stdout += d;
          check();
        };
        child.stdout.on('data', onData);
        child.once('exit', () => reject(new Error(`child exited early:\n${stdout}\n${stderr}`)));
        check();
      });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));

    await waitFor(/\[1\/4\][\s\S]*answer> $/);
    expect(stdout).toMatch(/\[1\/4\] HIGH  budget\.hard-limits/);
    child.stdin.write('A 200k-token cap per session, enforced by the loop.\n');
    await waitFor(/record as .*> $/);
    child.stdin.write('a\n');
    await waitFor(/\[2\/4\][\s\S]*answer> $/);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const { id, dir } = sessionDir(ws);
    expect(state(dir).answers).toEqual({ 'budget.hard-limits': { answer: 'A 200k-token cap per session, enforced by the loop.', resolution: 'accepted-risk', at: expect.any(String) } });
    expect(transcript(dir).map((l) => l.type)).toEqual(['review', 'question', 'answer', 'resolution', 'question']);

    const listed = await cli(['design', '--list', '--format', 'json'], ws);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ id, proposal: 'proposal.md', answered: 1, remaining: 3, updatedAt: expect.any(String) }]);
    expect((await cli(['design', '--list'], ws)).stdout).toMatch(new RegExp(`^${id}  1/4 answered  \\S+ \\S+  proposal\\.md\\n`));

    const second = state(dir).review.concerns[1].id;
    const resumed = await cli(['design', '--resume', id, '--fail-on', 'high'], ws, ['In memory until v2; a crash loses the run.', 'd', 'We write the transcript each turn.', '', 'We summarise older turns at 80%.', 'r']);
    expect(resumed.stdout).toMatch(new RegExp(`^Resuming session ${id} \\(proposal\\.md\\): 1 of 4 concerns answered; continuing at ${second}\\.`));
    expect(resumed.stdout).not.toContain('[1/4]');
    expect(resumed.stdout).toContain(`[2/4] MEDIUM  ${second}`);
    const final = state(dir);
    expect(final.done).toBe(true);
    expect(final.answers['budget.hard-limits']).toMatchObject({ answer: 'A 200k-token cap per session, enforced by the loop.', resolution: 'accepted-risk' });
    expect(Object.keys(final.answers)).toHaveLength(4);
    expect(final.answers[second]).toMatchObject({ answer: 'In memory until v2; a crash loses the run.', resolution: 'deferred' });
    const record = fs.readFileSync(path.join(dir, 'decision.md'), 'utf8');
    expect(record).toContain('### 1. `budget.hard-limits` (high): accepted risk');
    expect(record).toContain('**Answer:** A 200k-token cap per session, enforced by the loop.');
    expect(resumed.stdout).toContain('# Design decision record: proposal.md');
    // the high concern was accepted as a risk, not resolved: --fail-on high fails
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toBe('audit: failed: 1 concern at high severity or above still open: budget.hard-limits\n');
    expect(transcript(dir).map((l) => l.type)).toEqual(['review', 'question', 'answer', 'resolution', 'question', 'resumed', ...Array(3).fill(['question', 'answer', 'resolution']).flat(), 'closed']);
    expect(JSON.parse((await cli(['design', '--list', '--format', 'json'], ws)).stdout)[0]).toMatchObject({ answered: 4, remaining: 0 });
  }, 60_000);

  it('stops cleanly at the end of input and says how to continue', async () => {
    const ws = workspace();
    const r = await cli(['design', 'proposal.md', '--interactive'], ws, ['Caps at 100k tokens.', 'r']);
    const { id, dir } = sessionDir(ws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Session ${id} \\(saved in \\.audit/sessions/${id}\\)`));
    expect(r.stdout).toContain(`Stopped with 1 of 4 concerns answered; the answers are saved. Continue with: audit design --resume ${id}`);
    expect(Object.keys(state(dir).answers)).toEqual(['budget.hard-limits']);
  });

  it('says when there is no such session, and when there are none', async () => {
    const ws = workspace();
    const r = await cli(['design', '--resume', 'nope'], ws);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^audit: no design session nope in .*; list them with: audit design --list\n$/);
    expect((await cli(['design', '--list'], ws)).stdout).toMatch(/^No design sessions/);
    expect(JSON.parse((await cli(['design', '--list', '--format', 'json'], ws)).stdout)).toEqual([]);
  });
});
