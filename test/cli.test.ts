import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECK_IDS } from '../src/rules/catalog.js';
import { FLAG_RULES, RULES } from '../src/rules/index.js';
import { cli } from './helpers.js';

const SAMPLE = path.resolve(import.meta.dirname, '../fixtures/sample-harness');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'audit-cli-'));
const ANSI = /\x1b\[[0-9;]*m/;

describe('audit evaluate: formats', () => {
  it('prints a text report by default and exits 0', async () => {
    const r = await cli(['evaluate', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Score \d+(\.\d)?\/100/);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stderr).toBe('');
  });

  it('colours the text report on a terminal, and not under NO_COLOR', async () => {
    expect((await cli(['evaluate', SAMPLE], { stdoutTTY: true })).stdout).toMatch(ANSI);
    expect((await cli(['evaluate', SAMPLE], { stdoutTTY: true, env: { NO_COLOR: '1' } })).stdout).not.toMatch(ANSI);
    expect((await cli(['evaluate', SAMPLE, '--no-color'], { stdoutTTY: true })).stdout).not.toMatch(ANSI);
  });

  it('keeps the JSON contract', async () => {
    const r = await cli(['evaluate', SAMPLE, '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.tool).toEqual({ name: 'agent-audit', version: expect.any(String) });
    expect(j.root).toBe(SAMPLE);
    expect(j.score).toBeGreaterThanOrEqual(0);
    expect(j.score).toBeLessThanOrEqual(100);
    expect(j.principles.map((p: { id: string }) => p.id)).toEqual(['registry', 'permissions', 'persistence', 'budget', 'logging', 'verification', 'agents']);
    expect(j.checks.map((c: { id: string }) => c.id)).toEqual(CHECK_IDS.filter((id) => RULES.some((r) => r.id === id)));
    for (const c of j.checks) {
      expect(c).toMatchObject({ id: expect.any(String), principle: expect.any(String), level: expect.stringMatching(/^(present|partial|absent)$/), remediation: expect.any(String) });
      for (const e of c.evidence) {
        expect(e.file).not.toMatch(/^\/|\\|node_modules/);
        expect(fs.existsSync(path.join(SAMPLE, e.file))).toBe(true);
        expect(e.line).toBeGreaterThan(0);
        expect(e.reason).toEqual(expect.any(String));
      }
    }
    expect(j.stats).toMatchObject({ files: 4, skipped: 0, durationMs: expect.any(Number) });
    expect(Array.isArray(j.flags)).toBe(true);
  });

  it('writes SARIF 2.1.0 with every rule and a result for each check not present', async () => {
    const r = await cli(['evaluate', SAMPLE, '--format', 'sarif']);
    const s = JSON.parse(r.stdout);
    expect(s.version).toBe('2.1.0');
    const run = s.runs[0];
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual([...RULES.map((x) => x.id), ...FLAG_RULES.map((x) => x.id)]);
    for (const rule of run.tool.driver.rules) expect(rule.help.text.length).toBeGreaterThan(20);
    expect(Array.isArray(run.results)).toBe(true);
    const json = JSON.parse((await cli(['evaluate', SAMPLE, '--format', 'json'])).stdout);
    // Checks with nothing to apply to (applies: false) are not results.
    const notPresent = json.checks.filter((c: { level: string; applies: boolean }) => c.level !== 'present' && c.applies).map((c: { id: string }) => c.id);
    expect(run.results.filter((x: { ruleId: string }) => !x.ruleId.startsWith('complexity.')).map((x: { ruleId: string }) => x.ruleId)).toEqual(notPresent);
    for (const res of run.results) {
      const loc = res.locations[0].physicalLocation;
      expect(loc.region.startLine).toBeGreaterThanOrEqual(1);
      expect(loc.artifactLocation.uri).not.toMatch(/^\/|^file:|\\/);
    }
    expect(r.stdout).toBe((await cli(['evaluate', SAMPLE, '--format', 'sarif'])).stdout);
  });

  it('writes a markdown summary table per principle', async () => {
    const r = await cli(['evaluate', SAMPLE, '--format', 'markdown']);
    expect(r.stdout).toMatch(/^## agent-audit: [\d.]+\/100/);
    expect(r.stdout).toContain('| Principle | Score |');
  });

  it('writes the report to --output and says so on stderr', async () => {
    const out = path.join(tmp(), 'nested', 'report.json');
    const r = await cli(['evaluate', SAMPLE, '--format', 'json', '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).tool.name).toBe('agent-audit');
    expect(r.stderr).toContain('wrote json report');
  });
});

describe('audit evaluate: exit codes', () => {
  it('exits 1 when the score is under --fail-under, 0 when it is not', async () => {
    const j = JSON.parse((await cli(['evaluate', SAMPLE, '--format', 'json'])).stdout);
    const under = await cli(['evaluate', SAMPLE, '--fail-under', String(Math.min(100, j.score + 1))]);
    expect(under.code).toBe(j.score >= 100 ? 0 : 1);
    if (j.score < 100) expect(under.stderr).toMatch(/failed: score [\d.]+ is below/);
    expect((await cli(['evaluate', SAMPLE, '--fail-under', String(j.score)])).code).toBe(0);
  });

  it('exits 2 with one line for a missing path, and no stack trace', async () => {
    const r = await cli(['evaluate', '/no/such/harness']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['audit: no such file or folder: /no/such/harness']);
  });

  it('exits 2 for a file instead of a folder, a bad format and a bad threshold', async () => {
    expect((await cli(['evaluate', path.join(SAMPLE, 'package.json')])).code).toBe(2);
    expect((await cli(['evaluate', SAMPLE, '--format', 'xml'])).code).toBe(2);
    const bad = await cli(['evaluate', SAMPLE, '--fail-under', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected a number from 0 to 100');
    expect((await cli(['evaluate', SAMPLE, '--fail-under', '101'])).code).toBe(2);
    expect((await cli(['frobnicate'])).code).toBe(2);
  });

  it('exits 0 for --help and --version', async () => {
    const help = await cli(['evaluate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes');
    const v = await cli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('audit evaluate: configuration', () => {
  const withConfig = (name: string, text: string) => {
    const dir = tmp();
    fs.cpSync(SAMPLE, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    return dir;
  };

  it('exits 1 when a required check is not present', async () => {
    const j = JSON.parse((await cli(['evaluate', SAMPLE, '--format', 'json'])).stdout);
    const missing = j.checks.find((c: { level: string }) => c.level !== 'present');
    if (!missing) return;
    const dir = withConfig('audit.config.yaml', `checks:\n  ${missing.id}: required\n`);
    const r = await cli(['evaluate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`required check not present: ${missing.id}`);
  });

  it('reads failUnder and off-with-reason from the config', async () => {
    const id = RULES[0]?.id;
    if (!id) return;
    const dir = withConfig('audit.config.yml', `failUnder: 100\nchecks:\n  ${id}:\n    level: off\n    reason: not relevant here\n`);
    const r = await cli(['evaluate', dir, '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.checks.find((c: { id: string }) => c.id === id)).toMatchObject({ level: 'off', reason: expect.stringContaining('not relevant here') });
    expect(r.code).toBe(j.score < 100 ? 1 : 0);
  });

  it('points at the field of an invalid config and exits 2', async () => {
    const dir = withConfig('audit.config.yaml', 'checks:\n  budget.hard-limits: sometimes\n');
    const r = await cli(['evaluate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('checks.budget.hard-limits: expected one of');
  });

  it('rejects unknown checks, off without a reason, and unknown keys', async () => {
    const unknown = await cli(['evaluate', withConfig('audit.config.yaml', 'checks:\n  budget.vibes: off\n')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('budget.vibes');
    const noReason = await cli(['evaluate', withConfig('audit.config.yaml', 'checks:\n  budget.compaction: off\n')]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('checks.budget.compaction: a check turned off needs a reason');
    const typo = await cli(['evaluate', withConfig('audit.config.json', '{"failUnder": 50, "exclud": []}')]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/exclud/);
  });

  it('reports a config that does not parse, and a --config that does not exist', async () => {
    const broken = await cli(['evaluate', withConfig('audit.config.yaml', 'checks: [unclosed\n')]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/cannot parse config file .*audit\.config\.yaml/);
    const missing = await cli(['evaluate', SAMPLE, '--config', '/no/such/config.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read config file /no/such/config.yaml');
  });

  it('ships a JSON Schema that matches the config schema', async () => {
    const { configJsonSchema } = await import('../src/modes/evaluate/config-schema.js');
    const shipped = JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../schema/audit.config.schema.json'), 'utf8'));
    expect(shipped).toEqual(configJsonSchema());
  });
});

describe('audit evaluate: baselines', () => {
  it('exits 1 when a check dropped a level since the baseline, 0 when none did', async () => {
    const dir = tmp();
    const base = path.join(dir, 'baseline.json');
    await cli(['evaluate', SAMPLE, '--format', 'json', '--output', base]);
    expect((await cli(['evaluate', SAMPLE, '--baseline', base])).code).toBe(0);
    const j = JSON.parse(fs.readFileSync(base, 'utf8'));
    const lower = j.checks.find((c: { level: string }) => c.level !== 'present');
    if (!lower) return;
    lower.level = 'present';
    fs.writeFileSync(base, JSON.stringify(j));
    const r = await cli(['evaluate', SAMPLE, '--baseline', base]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`regressed since the baseline: ${lower.id} present →`);
  });

  it('exits 2 for a baseline that is missing or not a report', async () => {
    expect((await cli(['evaluate', SAMPLE, '--baseline', '/no/such.json'])).code).toBe(2);
    const bad = path.join(tmp(), 'bad.json');
    fs.writeFileSync(bad, '{"hello": 1}');
    const r = await cli(['evaluate', SAMPLE, '--baseline', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not an agent-audit JSON report');
  });
});
