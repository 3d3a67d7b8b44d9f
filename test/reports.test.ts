/**
 * Reports a user can trust (issue 10): SARIF that validates and lands on the right lines and
 * files, checks that do not apply reported as n/a and left out of the score, every skipped file
 * named, text that fits the terminal, and checks that explain themselves (`audit rules`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import { RULES } from '../src/rules/index.js';
import { cli } from './helpers.js';

const REPO = path.resolve(import.meta.dirname, '..');
const SAMPLE = path.join(REPO, 'fixtures/sample-harness');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'audit-reports-'));
const json = async (dir: string, extra: string[] = []) => JSON.parse((await cli(['evaluate', dir, '--format', 'json', ...extra])).stdout);
const sarif = async (dir: string, cwd = REPO) => JSON.parse((await cli(['evaluate', dir, '--format', 'sarif'], { cwd })).stdout);

function tree(files: Record<string, string>, root = tmp()): string {
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  return root;
}

describe('SARIF', () => {
  it('validates against the SARIF 2.1.0 schema (OASIS errata 01)', async () => {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, 'test/data/sarif-schema-2.1.0.json'), 'utf8'));
    // A CommonJS module: under NodeNext its default import is module.exports, the class is `.default`.
    const Ajv = AjvDraft04.default;
    const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);
    for (const dir of [SAMPLE, path.join(REPO, 'src/reference-harness')]) {
      const log = await sarif(dir);
      expect(validate(log), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    }
  });

  it('locates each result at its first evidence, else at a file:line its reason names, else at the agent loop', async () => {
    const log = await sarif(SAMPLE);
    const j = await json(SAMPLE);
    const results = log.runs[0].results;
    for (const res of results) {
      const check = j.checks.find((c: { id: string }) => c.id === res.ruleId);
      if (!check) continue;
      const loc = res.locations[0].physicalLocation;
      const first = check.evidence[0];
      const named = /\b(src\/[\w./-]+):(\d+)/.exec(check.reason);
      if (first) expect([loc.artifactLocation.uri, loc.region.startLine]).toEqual([`fixtures/sample-harness/${first.file}`, first.line]);
      else if (named) expect([loc.artifactLocation.uri, loc.region.startLine]).toEqual([`fixtures/sample-harness/${named[1]}`, Number(named[2])]);
      else expect(loc.region.startLine).toBeGreaterThan(1);
      expect(res.properties.confidence).toMatch(/^(high|low)$/);
    }
    // The sample's gate verdict names src/agent.ts:39; it used to land on line 1.
    const gate = results.find((r: { ruleId: string }) => r.ruleId === 'permissions.gate');
    expect(gate.locations[0].physicalLocation.region.startLine).toBe(39);
  });

  it('makes URIs relative to the repository root with %SRCROOT%, so a subfolder audit lands on the right files', async () => {
    const repo = tmp();
    fs.mkdirSync(path.join(repo, '.git'));
    fs.cpSync(SAMPLE, path.join(repo, 'packages/core'), { recursive: true });
    const log = await sarif(path.join(repo, 'packages/core'), repo);
    const run = log.runs[0];
    expect(run.originalUriBaseIds['%SRCROOT%'].uri).toBe(`file://${repo}/`);
    for (const res of run.results) {
      const art = res.locations[0].physicalLocation.artifactLocation;
      expect(art.uriBaseId).toBe('%SRCROOT%');
      expect(art.uri).toMatch(/^packages\/core\/src\//);
      expect(fs.existsSync(path.join(repo, art.uri))).toBe(true);
    }
    // Without a .git above it, the audited folder is the base.
    const alone = tmp();
    fs.cpSync(SAMPLE, alone, { recursive: true });
    const bare = await sarif(alone, alone);
    if (!fs.existsSync(path.join(path.dirname(alone), '.git'))) expect(bare.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toMatch(/^src\//);
  });

  it('gives every rule its full help as markdown, and no helpUri that nothing backs', async () => {
    const log = await sarif(SAMPLE);
    const driver = log.runs[0].tool.driver;
    expect(driver.informationUri).toBeUndefined();
    for (const rule of driver.rules) {
      expect(rule.helpUri).toBeUndefined();
      expect(rule.help.markdown.length).toBeGreaterThan(60);
    }
    const gate = driver.rules.find((r: { id: string }) => r.id === 'permissions.gate');
    expect(gate.help.markdown).toContain('**Present** when');
    expect(gate.help.markdown).toContain('src/reference-harness/permissions/gate.ts');
    // Flags are rules too, so their results resolve.
    for (const res of log.runs[0].results) expect(driver.rules[res.ruleIndex].id).toBe(res.ruleId);
  });
});

describe('checks with nothing to apply to', () => {
  it('keep their level in JSON with applies: false, show as n/a in text and are left out of the score', async () => {
    const j = await json(SAMPLE);
    const sub = j.checks.find((c: { id: string }) => c.id === 'agents.subagent-limits');
    expect(sub).toMatchObject({ level: 'absent', applies: false });
    const agents = j.checks.filter((c: { principle: string; applies: boolean }) => c.principle === 'agents' && c.applies);
    const points = { present: 1, partial: 0.5, absent: 0 } as Record<string, number>;
    const expected = Math.round((agents.reduce((s: number, c: { level: string }) => s + points[c.level], 0) / agents.length) * 1000) / 10;
    expect(j.principles.find((p: { id: string }) => p.id === 'agents').score).toBe(expected);
    const text = (await cli(['evaluate', SAMPLE], { cwd: REPO })).stdout;
    expect(text).toMatch(/– n\/a\s+agents\.subagent-limits/);
    expect(text).toContain('1 not applicable');
    expect(JSON.stringify((await sarif(SAMPLE)).runs[0].results.map((r: { ruleId: string }) => r.ruleId))).not.toContain('agents.subagent-limits');
  });

  it('a harness with no shell or code-execution tool gets permissions.shell-guard as n/a, and a required n/a check does not fail the run', async () => {
    const dir = tree({
      'src/agent.ts': `import Anthropic from '@anthropic-ai/sdk';\nconst client = new Anthropic();\nexport async function run(q: string) {\n  const messages = [{ role: 'user', content: q }];\n  while (true) {\n    const r = await client.messages.create({ model: 'x', max_tokens: 100, messages });\n    if (r.stop_reason === 'end_turn') return r;\n  }\n}\n`,
      'audit.config.yaml': 'checks:\n  permissions.shell-guard: required\n',
    });
    const r = await cli(['evaluate', dir, '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.checks.find((c: { id: string }) => c.id === 'permissions.shell-guard')).toMatchObject({ level: 'absent', applies: false });
    expect(r.stderr).not.toContain('permissions.shell-guard');
  });
});

describe('skipped files and empty matches', () => {
  it('names every skipped file with its reason, symlinks, minified bundles and parse errors included', async () => {
    const root = tree({
      'src/agent.ts': `export const tool = { name: 'read', description: 'read a file', inputSchema: {} };\n`,
      'src/vendor.min.js': 'var a=1;',
      'src/broken.ts': 'export function (( {\n',
    });
    const outside = tree({ 'x.ts': 'export const x = 1;\n' });
    fs.symlinkSync(outside, path.join(root, 'src/linked'));
    fs.symlinkSync(root, path.join(root, 'src/loop'));
    fs.symlinkSync(path.join(outside, 'x.ts'), path.join(root, 'src/x.ts'));
    fs.symlinkSync(path.join(root, 'src/self-a'), path.join(root, 'src/self-b'));
    fs.symlinkSync(path.join(root, 'src/self-b'), path.join(root, 'src/self-a'));
    const j = await json(root);
    const reasons = Object.fromEntries(j.skipped.map((s: { path: string; reason: string }) => [s.path, s.reason]));
    expect(reasons).toMatchObject({
      'src/vendor.min.js': 'minified (by its name)',
      'src/linked': 'symlink to a folder (not followed)',
      'src/loop': 'symlink to a folder (not followed)',
      'src/x.ts': 'symlink (not followed)',
      'src/self-a': 'symlink loop (not followed)',
    });
    expect(j.stats.skipped).toBe(j.skipped.length);
    expect(j.parseErrorFiles).toEqual([{ path: 'src/broken.ts', errors: expect.any(Number) }]);

    const text = (await cli(['evaluate', root], { cwd: root })).stdout;
    expect(text).toMatch(/Skipped 6 files \(5 shown; --verbose lists all\):/);
    expect(text).toContain('src/vendor.min.js: minified (by its name)');
    expect(text).toMatch(/Read with syntax errors[^\n]*\n\s+src\/broken\.ts: \d+ syntax errors?/);
    const verbose = (await cli(['evaluate', root, '--verbose'], { cwd: root })).stdout;
    for (const p of Object.keys(reasons)) expect(verbose).toContain(`${p}: `);
  });

  it('rejects a config glob that matches nothing, naming it, with exit 2', async () => {
    const dir = tmp();
    fs.cpSync(SAMPLE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'audit.config.yaml'), 'harness: ["nonexistent/**", "src"]\ntests: ["qa/**"]\n');
    const r = await cli(['evaluate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('harness: "nonexistent/**"');
    expect(r.stderr).toContain('tests: "qa/**"');
    expect(r.stderr).not.toContain('"src"');
    // A harness glob (not only a folder prefix) works.
    fs.writeFileSync(path.join(dir, 'audit.config.yaml'), 'harness: ["src/*.ts"]\n');
    expect((await cli(['evaluate', dir])).code).toBe(0);
  });

  it('says so and exits 2 for a tree with no harness source', async () => {
    const empty = await cli(['evaluate', tmp()]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^audit: no harness source under /);
    const onlyDocs = await cli(['evaluate', tree({ 'README.md': '# x\n', 'examples/demo.ts': 'export {};\n', 'test/a.test.ts': 'it("x", () => {});\n' })]);
    expect(onlyDocs.code).toBe(2);
    expect(onlyDocs.stderr).toContain('found 1 test files, 1 example or script files');
  });
});

describe('text report', () => {
  it('fits 100 columns when piped and the terminal width on a terminal', async () => {
    const widest = (s: string) => Math.max(...s.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => l.length));
    expect(widest((await cli(['evaluate', SAMPLE], { cwd: REPO })).stdout)).toBeLessThanOrEqual(100);
    expect(widest((await cli(['evaluate', SAMPLE], { cwd: REPO, stdoutTTY: true, columns: 80 })).stdout)).toBeLessThanOrEqual(80);
  });

  it('shows titles, paths relative to the current folder and confidence', async () => {
    const fromFixtures = (await cli(['evaluate', 'sample-harness'], { cwd: path.join(REPO, 'fixtures') })).stdout;
    expect(fromFixtures).toContain('agent-audit 0.1.0  sample-harness\n');
    expect(fromFixtures).toContain('sample-harness/src/tools.ts:39  tool bash runs the command');
    expect(fromFixtures).toContain('Example: ../src/reference-harness/permissions/shell-guard.ts');
    for (const r of RULES) expect(fromFixtures).toContain(r.title.slice(0, 30));
    const j = await json(SAMPLE);
    const low = j.checks.filter((c: { confidence: string }) => c.confidence === 'low').length;
    if (low) expect(fromFixtures).toContain(`${low} of ${j.checks.length} verdicts rest on names`);
    for (const c of j.checks) if (c.confidence === 'low' && c.applies) expect(fromFixtures).toMatch(new RegExp(`${c.level}\\?\\s+${c.id.replace('.', '\\.')}`));
  });

  it('pins the report on the sample harness (golden)', async () => {
    const text = (await cli(['evaluate', 'fixtures/sample-harness'], { cwd: REPO })).stdout.replace(/; \d+ ms\)/, '; N ms)');
    await expect(text).toMatchFileSnapshot('./golden/sample-harness.txt');
  });
});

describe('audit rules', () => {
  it('lists every check with its title', async () => {
    const r = await cli(['rules']);
    expect(r.code).toBe(0);
    for (const rule of RULES) expect(r.stdout).toMatch(new RegExp(`${rule.id.replace('.', '\\.')}\\s+${rule.title.split(' ')[0]}`));
  });

  it('explains one check: rationale, levels, fix and the exemplar with an excerpt', async () => {
    const r = await cli(['rules', 'permissions.gate'], { cwd: REPO });
    expect(r.code).toBe(0);
    const gate = RULES.find((x) => x.id === 'permissions.gate')!;
    expect(r.stdout).toContain(gate.rationale.slice(0, 40));
    expect(r.stdout).toMatch(/^present\s+One permission decision/m);
    expect(r.stdout).toMatch(/^partial\s+/m);
    expect(r.stdout).toMatch(/^absent\s+/m);
    expect(r.stdout).toContain('Example: src/reference-harness/permissions/gate.ts');
    expect(r.stdout).toMatch(/^\s+\d+ │ export /m);
    const bad = await cli(['rules', 'gate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('did you mean permissions.gate');
  });
});

describe('the package', () => {
  it('has an agent-audit bin, and ships every exemplar a remediation names', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(pkg.bin['agent-audit']).toBe(pkg.bin.audit);
    const packed = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    const files = new Set(packed[0].files.map((f: { path: string }) => f.path));
    for (const r of RULES) expect(files.has(r.exemplar), r.exemplar).toBe(true);
  });

  it('names in each remediation the exemplar where this copy of the package has it', async () => {
    const j = await json(SAMPLE);
    for (const c of j.checks) expect(fs.existsSync(c.exemplarPath), c.exemplarPath).toBe(true);
    const text = (await cli(['evaluate', SAMPLE], { cwd: os.tmpdir() })).stdout;
    for (const m of text.matchAll(/Example: (\S+)/g)) expect(fs.existsSync(path.resolve(os.tmpdir(), m[1])), m[1]).toBe(true);
  });
});
