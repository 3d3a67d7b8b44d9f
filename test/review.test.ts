/**
 * Evidence packs (`audit show`), reviewed judgements (`audit review …`) and how `audit evaluate`
 * honours them until the code they cite changes; and the skill that drives both.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GATE = path.join(ROOT, 'fixtures/permissions.gate/present');
let work: string;

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'review-'));
  fs.cpSync(GATE, work, { recursive: true });
});

const reviewFile = () => path.join(work, '.audit/review.json');
const evaluateJson = async (...extra: string[]) => {
  const r = await cli(['evaluate', work, '-f', 'json', ...extra]);
  expect(r.code).toBe(0);
  return { ...r, report: JSON.parse(r.stdout) as { checks: Array<{ id: string; level: string; reason: string; review?: { status: string; changed?: string; level: string }; evidence: Array<{ file: string; line: number; code?: { lines: string[] } }> }> } };
};
const check = (report: Awaited<ReturnType<typeof evaluateJson>>['report'], id: string) => report.checks.find((c) => c.id === id)!;

describe('audit show', () => {
  it('prints the definition, the judging rules, the verdict and the code of each evidence line', async () => {
    const r = await cli(['show', 'permissions.gate', GATE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('present  One permission decision (allow / deny / ask) runs before every tool execution');
    expect(r.stdout).toMatch(/^partial  /m);
    expect(r.stdout).toContain('- Part of the path.');
    expect(r.stdout).not.toContain('- Caps.');
    expect(r.stdout).toMatch(/Verdict: present \((high|low) confidence\)/);
    // The cited line is marked inside its enclosing function.
    expect(r.stdout).toMatch(/function \S+, lines \d+-\d+:/);
    expect(r.stdout).toMatch(/^> +\d+ \| .*decide/m);
    // Landmarks: where the loop calls the model and where tools run, with their code.
    expect(r.stdout).toContain('Where the harness runs');
    expect(r.stdout).toMatch(/Landmark \d: src\/agent.ts:8\n  agent loop in runAgent: calls the model with client.messages.create\(\)/);
    expect(r.stdout).toMatch(/Landmark \d: src\/registry.ts:17\n  tool executed in dispatch/);
  });

  it('gives ±N lines with --context and the same pack as JSON', async () => {
    const r = await cli(['show', 'permissions.gate', GATE, '--context', '2', '-f', 'json']);
    expect(r.code).toBe(0);
    const pack = JSON.parse(r.stdout);
    expect(pack.id).toBe('permissions.gate');
    expect(pack.verdict.level).toBe('present');
    expect(pack.evidence.length).toBeGreaterThan(0);
    for (const e of pack.evidence) {
      expect(e.code.scope).toBe('lines');
      expect(e.code.end - e.code.start).toBeLessThanOrEqual(4);
      expect(e.code.lines.length).toBe(e.code.end - e.code.start + 1);
    }
  });

  it('lists the candidate sites the rule considered and did not count, with why', async () => {
    fs.mkdirSync(path.join(work, 'test'), { recursive: true });
    fs.writeFileSync(
      path.join(work, 'test/registry.test.ts'),
      [
        "import { describe, it, expect } from 'vitest';",
        "import { dispatch } from '../src/registry.js';",
        '',
        "describe('dispatch', () => {",
        "  it.skip('denies a write outside the workspace', async () => {",
        "    expect(await dispatch('write_file', { path: '/etc/passwd' })).toMatch(/denied/);",
        '  });',
        '});',
        '',
      ].join('\n'),
    );
    const r = await cli(['show', 'verification.guardrail-tests', work]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Considered and not counted');
    expect(r.stdout).toMatch(/Rejected 1: test\/registry.test.ts:5\n  "denies a write outside the workspace" would test a permission denial, but it is skipped/);
    const json = JSON.parse((await cli(['show', 'verification.guardrail-tests', work, '-f', 'json'])).stdout);
    expect(json.rejected[0]).toMatchObject({ file: 'test/registry.test.ts', line: 5 });
    expect(json.rejected[0].code.lines.join('\n')).toContain('it.skip(');
  });

  it('refuses an unknown check id and suggests the full one', async () => {
    const r = await cli(['show', 'gate', GATE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown check: gate (did you mean permissions.gate?)');
    // Part of a check's name is enough for a suggestion.
    expect((await cli(['show', 'guardrail', GATE])).stderr).toContain('unknown check: guardrail (did you mean verification.guardrail-tests?)');
    expect((await cli(['show', 'xyz', GATE])).stderr).toMatch(/unknown check: xyz; `audit rules` lists the checks/);
  });

  it('embeds snippets in the JSON report with evaluate --context', async () => {
    const { report } = await evaluateJson('--context', '1');
    const e = check(report, 'permissions.gate').evidence[0];
    expect(e.code!.lines.length).toBeGreaterThanOrEqual(2);
  });
});

describe('audit review', () => {
  it('refuses bad input and writes nothing', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['review', 'set', 'permissions.nope', 'present', '--reason', 'x', '--evidence', 'src/gate.ts:10'], /unknown check/],
      [['review', 'set', 'permissions.gate', 'mostly', '--reason', 'x', '--evidence', 'src/gate.ts:10'], /level must be one of present, partial, absent/],
      [['review', 'set', 'permissions.gate', 'absent', '--reason', 'x', '--evidence', 'src/gate.ts:999'], /has no line 999/],
      [['review', 'set', 'permissions.gate', 'absent', '--reason', 'x', '--evidence', 'src/nope.ts:1'], /does not exist: src\/nope.ts/],
      [['review', 'set', 'permissions.gate', 'absent', '--reason', 'x', '--evidence', '../outside.ts:1'], /inside the audited folder/],
      [['review', 'set', 'permissions.gate', 'absent', '--reason', 'x'], /cite at least one line/],
      [['review', 'set', 'permissions.gate', 'absent', '--evidence', 'src/gate.ts:10'], /--reason/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli([...argv, '-C', work]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(message);
    }
    expect(fs.existsSync(reviewFile())).toBe(false);
  });

  it('is honoured by evaluate, then goes stale when a cited line changes', async () => {
    const before = check((await evaluateJson()).report, 'permissions.gate');
    expect(before.level).toBe('present');
    const cited = 'src/registry.ts:15';
    const set = await cli(['review', 'set', 'permissions.gate', 'partial', '--reason', 'the gate denies everything but read-only tools', '--evidence', cited, '--by', 'alice', '-C', work]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('src/registry.ts:15  const decision = await gate.decide({ name, input }, tool.readOnly);');
    const saved = JSON.parse(fs.readFileSync(reviewFile(), 'utf8'));
    expect(saved.judgements['permissions.gate']).toMatchObject({ level: 'partial', by: 'alice', evidence: [{ file: 'src/registry.ts', line: 15 }] });
    expect(saved.judgements['permissions.gate'].evidence[0].hash).toMatch(/^[0-9a-f]{16}$/);

    const reviewed = check((await evaluateJson()).report, 'permissions.gate');
    expect(reviewed).toMatchObject({ level: 'partial', review: { status: 'applied', by: 'alice', staticLevel: 'present' } });
    expect(reviewed.reason).toContain('reviewed by alice');
    const text = await cli(['evaluate', work]);
    expect(text.stdout).toMatch(/reviewed by alice/i);

    // --no-review shows the static verdict alone.
    expect(check((await evaluateJson('--no-review')).report, 'permissions.gate')).toMatchObject({ level: 'present' });
    expect(check((await evaluateJson('--no-review')).report, 'permissions.gate').review).toBeUndefined();

    // Change the cited line: the judgement is stale, the static verdict is used and the line named.
    const file = path.join(work, 'src/registry.ts');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[14] = lines[14] + ' // changed';
    fs.writeFileSync(file, lines.join('\n'));
    const stale = await evaluateJson();
    expect(check(stale.report, 'permissions.gate')).toMatchObject({ level: 'present', review: { status: 'stale', changed: cited, level: 'partial' } });
    expect(stale.stderr).toContain(`reviewed judgement of permissions.gate (partial, by alice) is stale: ${cited} changed`);
    const list = await cli(['review', 'list', '-C', work]);
    expect(list.stdout).toContain(`stale: ${cited} changed`);

    // A stale judgement is no shield against a baseline: the static level is compared.
    fs.writeFileSync(path.join(work, 'baseline.json'), JSON.stringify({ checks: [{ id: 'permissions.gate', level: 'present' }] }));
    expect((await cli(['evaluate', work, '-f', 'json', '--baseline', path.join(work, 'baseline.json')])).code).toBe(0);
  });

  it('scores a reviewed judgement of a check the rules found nothing to apply to', async () => {
    const before = check((await evaluateJson()).report, 'permissions.shell-guard') as { applies?: boolean };
    expect(before.applies).toBe(false); // no shell tool in this fixture, so the rules leave it unscored
    await cli(['review', 'set', 'permissions.shell-guard', 'absent', '--reason', 'the agent can run commands through the git helper, unguarded', '--evidence', 'src/agent.ts:9', '--by', 'carol', '-C', work]);
    const after = (await evaluateJson()).report;
    expect(check(after, 'permissions.shell-guard')).toMatchObject({ level: 'absent', applies: true, review: { status: 'applied' } });
  });

  it('lists and clears judgements', async () => {
    expect((await cli(['review', 'list', '-C', work])).stdout).toContain('no reviewed judgements');
    await cli(['review', 'set', 'budget.hard-limits', 'partial', '--reason', 'a turn cap only', '--evidence', 'src/agent.ts:8', '--by', 'bob', '-C', work]);
    const list = await cli(['review', 'list', '-C', work, '-f', 'json']);
    expect(JSON.parse(list.stdout)).toMatchObject([{ id: 'budget.hard-limits', level: 'partial', by: 'bob', stale: null }]);
    expect((await cli(['review', 'clear', 'budget.hard-limits', '-C', work])).code).toBe(0);
    expect((await cli(['review', 'clear', 'budget.hard-limits', '-C', work])).stderr).toContain('no judgement of budget.hard-limits');
  });

  it('refuses a review file of another format', async () => {
    fs.mkdirSync(path.join(work, '.audit'));
    fs.writeFileSync(reviewFile(), JSON.stringify({ format: 99, judgements: {} }));
    const r = await cli(['evaluate', work]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('format 99');
  });
});

describe('the skill', () => {
  const skill = fs.readFileSync(path.join(ROOT, 'skills/agent-audit/SKILL.md'), 'utf8');

  it('has Agent Skills front matter with a name and a description', () => {
    const m = /^---\n([\s\S]*?)\n---\n/.exec(skill);
    expect(m).not.toBeNull();
    const front = parseYaml(m![1]);
    expect(front.name).toBe('agent-audit');
    expect(front.description.length).toBeGreaterThan(40);
  });

  it('names only commands and flags the CLI has', async () => {
    const uses = [...skill.matchAll(/`audit ([a-z]+)(?: ([a-z]+))?([^`]*)`/g)];
    expect(uses.length).toBeGreaterThan(5);
    for (const [, command, sub, rest] of uses) {
      const argv = sub && command === 'review' ? [command, sub, '--help'] : [command, '--help'];
      const help = await cli(argv);
      expect(help.code, `audit ${argv.join(' ')}`).toBe(0);
      expect(help.stdout, `audit ${command}`).toContain('Usage: audit');
      for (const flag of (rest ?? '').match(/--[a-z][a-z-]*/g) ?? []) expect(help.stdout, `audit ${command} ${sub ?? ''} ${flag}`).toContain(flag);
    }
  });
});
