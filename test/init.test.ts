import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BASELINE_FORMAT } from '../src/modes/evaluate/baseline.js';
import { loadConfig } from '../src/modes/evaluate/config.js';
import { TOOL } from '../src/version.js';
import { cli as run, type CliRun } from './helpers.js';
import type { Io } from '../src/cli.js';

/** The CLI with its fact cache in the test's temporary folder (these tests run outside any Node project). */
const cli = (argv: string[], io: Partial<Io> = {}): Promise<CliRun> => run(argv, { env: { XDG_CACHE_HOME: os.tmpdir() }, ...io });

const ROOT = path.resolve(import.meta.dirname, '..');
const SAMPLE = path.join(ROOT, 'fixtures/sample-harness');

function gitRepo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'init-'));
  execFileSync('git', ['init', '-q'], { cwd: dir });
  return dir;
}

describe('audit init', () => {
  it('in an empty repository: config, baseline, a plain git hook and a workflow; never overwrites without --force', async () => {
    const dir = gitRepo();
    const r = await cli(['init'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const f of ['audit.config.yaml', '.audit-baseline.json', '.git/hooks/pre-commit', '.github/workflows/agent-audit.yml']) expect(r.stdout).toMatch(new RegExp(`created +${f.replace(/\./g, '\\.')}`));
    const hook = fs.readFileSync(path.join(dir, '.git/hooks/pre-commit'), 'utf8');
    expect(hook).toMatch(/^#!\/bin\/sh\n/);
    expect(hook).toContain(`npx --yes ${TOOL.name}@${TOOL.version} evaluate . --staged --baseline .audit-baseline.json`);
    expect(fs.statSync(path.join(dir, '.git/hooks/pre-commit')).mode & 0o111).not.toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.audit-baseline.json'), 'utf8'))).toMatchObject({ agentAuditBaseline: BASELINE_FORMAT, root: '.' });
    const wf = parse(fs.readFileSync(path.join(dir, '.github/workflows/agent-audit.yml'), 'utf8'));
    expect(Object.keys(wf.on)).toContain('pull_request');
    expect(wf.permissions['security-events']).toBe('write');
    const steps = wf.jobs.audit.steps as Array<{ run?: string; uses?: string; with?: Record<string, string> }>;
    expect(steps.some((s) => s.run?.includes('--format sarif --output agent-audit.sarif --baseline .audit-baseline.json'))).toBe(true);
    expect(steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))?.with?.sarif_file).toBe('agent-audit.sarif');
    // The config written is valid: an audit with it runs.
    expect((await loadConfig(dir)).file).toBe(path.join(dir, 'audit.config.yaml'));
    // The hook's command works in the empty repository: nothing staged regresses.
    const staged = await cli(['evaluate', '.', '--staged', '--baseline', '.audit-baseline.json', '-q'], { cwd: dir });
    expect(staged.stderr).toBe('');
    expect(staged.code).toBe(0);

    // Again: everything is kept; with --force, overwritten.
    fs.writeFileSync(path.join(dir, 'audit.config.yaml'), 'failUnder: 10\n');
    const again = await cli(['init'], { cwd: dir });
    expect(again.stdout).toMatch(/kept +audit\.config\.yaml +\(exists/);
    expect(again.stdout).toContain('--force');
    expect(fs.readFileSync(path.join(dir, 'audit.config.yaml'), 'utf8')).toBe('failUnder: 10\n');
    const forced = await cli(['init', '--force'], { cwd: dir });
    expect(forced.stdout).toMatch(/overwritten +audit\.config\.yaml/);
    expect(fs.readFileSync(path.join(dir, 'audit.config.yaml'), 'utf8')).toContain('checks: {}');
  });

  it('with husky: adds the audit to .husky/pre-commit after what is there, once', async () => {
    const dir = gitRepo();
    fs.cpSync(SAMPLE, path.join(dir, 'agent'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', devDependencies: { husky: '^9' } }));
    fs.mkdirSync(path.join(dir, '.husky'));
    fs.writeFileSync(path.join(dir, '.husky/pre-commit'), 'npm test\n');
    const r = await cli(['init', 'agent'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/updated +\.husky\/pre-commit/);
    expect(r.stdout).toMatch(/created +agent\/audit\.config\.yaml/);
    expect(r.stdout).toMatch(/created +agent\/\.audit-baseline\.json/);
    expect(fs.readFileSync(path.join(dir, '.husky/pre-commit'), 'utf8')).toBe(`npm test\nnpx --yes ${TOOL.name}@${TOOL.version} evaluate agent --staged --baseline agent/.audit-baseline.json --quiet --no-progress\n`);
    expect(fs.existsSync(path.join(dir, '.git/hooks/pre-commit'))).toBe(false);
    const baseline = JSON.parse(fs.readFileSync(path.join(dir, 'agent/.audit-baseline.json'), 'utf8'));
    expect(baseline.root).toBe('agent');
    expect(baseline.checks.some((c: { level: string }) => c.level === 'present')).toBe(true);
    // The baseline it wrote is the one the hook compares with: no regression right after init.
    expect((await cli(['evaluate', 'agent', '--baseline', 'agent/.audit-baseline.json', '-q'], { cwd: dir })).code).toBe(0);
    const again = await cli(['init', 'agent', '--force'], { cwd: dir });
    expect(again.stdout).toMatch(/kept +\.husky\/pre-commit +\(already runs agent-audit\)/);
    expect(fs.readFileSync(path.join(dir, '.husky/pre-commit'), 'utf8').match(/agent-audit/g)).toHaveLength(1);
  });

  it('with lefthook: adds a pre-commit command to lefthook.yml, keeping the rest', async () => {
    const dir = gitRepo();
    fs.writeFileSync(path.join(dir, 'lefthook.yml'), '# hooks\npre-commit:\n  commands:\n    lint:\n      run: npm run lint\n');
    const r = await cli(['init'], { cwd: dir });
    expect(r.stdout).toMatch(/updated +lefthook\.yml/);
    const y = parse(fs.readFileSync(path.join(dir, 'lefthook.yml'), 'utf8'));
    expect(y['pre-commit'].commands.lint.run).toBe('npm run lint');
    expect(y['pre-commit'].commands['agent-audit'].run).toContain('evaluate . --staged');
    expect(fs.readFileSync(path.join(dir, 'lefthook.yml'), 'utf8')).toMatch(/^# hooks/);
  });

  it('refuses outside a git repository', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nogit-'));
    const r = await cli(['init'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not in a git repository');
  });
});

describe('shipped integrations', () => {
  it('.pre-commit-hooks.yaml runs the staged audit without file names', () => {
    const hooks = parse(fs.readFileSync(path.join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Array<Record<string, unknown>>;
    expect(hooks.map((h) => h.id)).toEqual(['agent-audit', 'agent-audit-baseline']);
    for (const h of hooks) {
      expect(h).toMatchObject({ language: 'node', pass_filenames: false });
      expect(String(h.entry)).toMatch(/^agent-audit evaluate --staged /);
      expect(() => new RegExp(String(h.files))).not.toThrow();
    }
  });

  it('action.yml is a composite action that audits, and uploads SARIF even when the audit fails', () => {
    const action = parse(fs.readFileSync(path.join(ROOT, 'action.yml'), 'utf8'));
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(expect.arrayContaining(['path', 'baseline', 'fail-under', 'sarif', 'upload-sarif']));
    const steps = action.runs.steps as Array<{ run?: string; uses?: string; if?: string; shell?: string }>;
    for (const s of steps.filter((x) => x.run)) expect(s.shell).toBe('bash');
    expect(steps.some((s) => s.run?.includes('--format sarif'))).toBe(true);
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'));
    expect(upload?.if).toContain('always()');
    // Inputs reach the shell through the environment, never pasted into the script.
    for (const s of steps) expect(s.run ?? '').not.toContain('${{');
  });
});
