import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli as run, type CliRun } from './helpers.js';
import type { Io } from '../src/cli.js';

/** The CLI with its fact cache in the test's temporary folder (these tests run outside any Node project). */
const cli = (argv: string[], io: Partial<Io> = {}): Promise<CliRun> => run(argv, { env: { XDG_CACHE_HOME: os.tmpdir() }, ...io });

const REFERENCE = path.resolve(import.meta.dirname, '../src/reference-harness');
const git = (dir: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, encoding: 'utf8' });
const skipAll = (t: string) => t.replace(/\b(it|describe|test)\(/g, '$1.skip(');

/** A git repository holding the reference harness under harness/, one commit. */
function repo(): { dir: string; root: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'staged-'));
  const root = path.join(dir, 'harness');
  fs.cpSync(REFERENCE, root, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes(`${path.sep}.audit`) });
  fs.writeFileSync(path.join(dir, 'README.md'), '# a repo\n');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'harness');
  return { dir, root };
}

describe('audit evaluate --staged / --changed', () => {
  let r: { dir: string; root: string };
  beforeAll(() => {
    r = repo();
  });

  it('reports nothing to audit when no file under the root changed', async () => {
    fs.writeFileSync(path.join(r.dir, 'README.md'), '# changed outside the harness\n');
    git(r.dir, 'add', 'README.md');
    const res = await cli(['evaluate', r.root, '--staged'], { cwd: r.dir });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('No file under harness differs between HEAD and the index');
  });

  it('audits the index, not the working tree: a staged skip fails, the same skip only in the working tree does not', async () => {
    const file = path.join(r.root, 'guardrails.test.ts');
    const original = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, skipAll(original));
    git(r.dir, 'add', 'harness/guardrails.test.ts');
    fs.writeFileSync(file, original); // the working tree is back as committed; the index holds the skip

    const staged = await cli(['evaluate', 'harness', '--staged'], { cwd: r.dir });
    expect(staged.code).toBe(1);
    expect(staged.stdout).toContain('1 file under harness changed between HEAD and the index');
    expect(staged.stdout).toMatch(/✗ verification\.guardrail-tests {2}still present, \d+ mechanisms? gone/);
    expect(staged.stdout).toMatch(/- test skipped: [^\n]*test "budget caps halt the loop with a typed reason" \(was at guardrails\.test\.ts:\d+\)/);
    expect(staged.stderr).toMatch(/audit: failed: the staged change regresses [^\n]*verification.guardrail-tests[^\n]* since HEAD/);
    // The working tree differs from the index only by undoing the skip: against HEAD, nothing regresses.
    const changed = await cli(['evaluate', 'harness', '--changed', '-f', 'json'], { cwd: r.dir });
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toMatchObject({ mode: 'changed', changedFiles: [], changes: [] });
    git(r.dir, 'reset', '-q', 'harness/guardrails.test.ts');
  });

  it('--changed reports an uncommitted change; --since compares with an older commit; the JSON lists the changes', async () => {
    const file = path.join(r.root, 'permissions/gate.ts');
    const original = fs.readFileSync(file, 'utf8');
    fs.appendFileSync(file, '\n// a comment: lines move, nothing regresses\n');
    const harmless = await cli(['evaluate', 'harness', '--changed'], { cwd: r.dir });
    expect(harmless.code).toBe(0);
    expect(harmless.stdout).toContain('No check changed level or lost a mechanism.');
    fs.writeFileSync(file, original);

    const tests = path.join(r.root, 'guardrails.test.ts');
    fs.writeFileSync(tests, skipAll(fs.readFileSync(tests, 'utf8')));
    git(r.dir, 'commit', '-q', '-am', 'skip the guardrail tests');
    const sinceHead = await cli(['evaluate', 'harness', '--changed'], { cwd: r.dir });
    expect(sinceHead.code).toBe(0);
    const since = await cli(['evaluate', 'harness', '--changed', '--since', 'HEAD~1', '-f', 'json'], { cwd: r.dir });
    expect(since.code).toBe(1);
    const j = JSON.parse(since.stdout);
    expect(j).toMatchObject({ mode: 'changed', since: 'HEAD~1', changedFiles: ['guardrails.test.ts'] });
    expect(j.changes).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'verification.guardrail-tests', regression: true, gone: expect.arrayContaining([expect.objectContaining({ why: 'test skipped', file: 'guardrails.test.ts' })]) })]));
    const bad = await cli(['evaluate', 'harness', '--changed', '--since', 'no-such-ref'], { cwd: r.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since no-such-ref: no such commit');
  });

  it('--staged with --baseline compares the index with the baseline', async () => {
    const { dir, root } = repo();
    expect((await cli(['evaluate', 'harness', '--update-baseline', '-q'], { cwd: dir })).code).toBe(0);
    git(dir, 'add', 'harness/.audit-baseline.json');
    const gate = path.join(root, 'permissions/shell-guard.test.ts');
    fs.writeFileSync(gate, skipAll(fs.readFileSync(gate, 'utf8')));
    git(dir, 'add', 'harness/permissions/shell-guard.test.ts');
    const res = await cli(['evaluate', 'harness', '--staged', '--baseline', 'harness/.audit-baseline.json'], { cwd: dir });
    expect(res.code, res.stderr + res.stdout.slice(0, 3000)).toBe(1);
    expect(res.stderr).toContain('regressed since the baseline');
  });

  it('keeps the audit of the commit it starts from, by its tree, for the next run', async () => {
    const { dir, root } = repo();
    const cacheDir = path.join(dir, '.cache');
    const gate = path.join(root, 'permissions/gate.ts');
    fs.appendFileSync(gate, '\n// staged\n');
    git(dir, 'add', 'harness/permissions/gate.ts');
    const first = await cli(['evaluate', 'harness', '--staged', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir });
    expect(first.code).toBe(0);
    const [result] = fs.readdirSync(cacheDir).filter((n) => n.endsWith('.result'));
    expect(result).toBeDefined();
    // Tampered with, the kept audit shows through: it is what the next run starts from.
    const kept = JSON.parse(fs.readFileSync(path.join(cacheDir, result), 'utf8'));
    fs.writeFileSync(path.join(cacheDir, result), JSON.stringify({ ...kept, score: 12.5 }));
    const second = JSON.parse((await cli(['evaluate', 'harness', '--staged', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir })).stdout);
    expect(second.score.before).toBe(12.5);
    // Another commit is another tree: audited afresh.
    git(dir, 'commit', '-q', '-m', 'gate comment');
    fs.appendFileSync(gate, '// again\n');
    git(dir, 'add', 'harness/permissions/gate.ts');
    const third = JSON.parse((await cli(['evaluate', 'harness', '--staged', '-f', 'json', '--cache-dir', cacheDir], { cwd: dir })).stdout);
    expect(third.score.before).toBe(first.stdout && JSON.parse(first.stdout).score.before);
  });

  it('refuses outside a git repository, and --since without --staged or --changed', async () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'plain-'));
    fs.writeFileSync(path.join(plain, 'agent.ts'), 'export const x = 1;\n');
    const res = await cli(['evaluate', plain, '--staged']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('--staged needs a git repository');
    expect((await cli(['evaluate', plain, '--since', 'HEAD'])).stderr).toContain('--since goes with --staged or --changed');
  });
});
