import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTestText } from '../src/analyzers/typescript.js';
import { analyzePythonTestText } from '../src/analyzers/python.js';
import { anchors, BASELINE_FORMAT, mechanismKey } from '../src/modes/evaluate/baseline.js';
import { cli } from './helpers.js';

const REFERENCE = path.resolve(import.meta.dirname, '../src/reference-harness');

/** A copy of the reference harness in a temporary git repository (its root is `.`). */
function copyReference(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ref-'));
  fs.cpSync(REFERENCE, dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes(`${path.sep}.audit`) });
  fs.mkdirSync(path.join(dir, '.git'));
  return dir;
}

const edit = (dir: string, file: string, fn: (text: string) => string) => {
  const abs = path.join(dir, file);
  fs.writeFileSync(abs, fn(fs.readFileSync(abs, 'utf8')));
};

describe('skipped and todo tests are not tests', () => {
  it('JavaScript: .skip, xit, xdescribe, describe.skip, it.todo / test.todo, test.fixme', () => {
    const text = [
      "import { gate } from '../src/gate';", //                        1
      "describe.skip('permissions', () => {", //                        2
      "  it('denies a dangerous command', () => {", //                   3
      "    expect(gate('rm -rf /')).toBe('deny');", //                  4
      '  });', //                                                       5
      '});', //                                                         6
      "xit('blocks the (unbalanced command', () => { expect('(').toMatch(/\\(/); });", // 7
      "it.todo('max turns halts the loop');", //                       8
      "test.skip(`budget exceeded`, () => {", //                        9
      "  expect(run({ max: 1 })).toThrow('budget exceeded');", //       10
      '});', //                                                         11
      "xdescribe('x', () => { it('inner', () => {}); });", //           12
      "test.fixme('later', () => {});", //                              13
      "it('still runs', () => { expect(1).toBe(1); });", //            14
    ].join('\n');
    const f = analyzeTestText('gate.test.ts', text);
    expect(f.tests.map((t) => t.name)).toEqual(['still runs']);
    expect(f.asserts.map((a) => a.line)).toEqual([14]);
    expect(f.skippedTests?.map((t) => [t.name, t.line, t.how])).toEqual([
      ['permissions', 2, 'skip'],
      ['denies a dangerous command', 3, 'skip'],
      ['blocks the (unbalanced command', 7, 'skip'],
      ['max turns halts the loop', 8, 'todo'],
      ['budget exceeded', 9, 'skip'],
      ['x', 12, 'skip'],
      ['inner', 12, 'skip'],
      ['later', 13, 'skip'],
    ]);
  });

  it('conditional skips and .only are left alone', () => {
    const f = analyzeTestText('a.test.ts', "it.skipIf(isWindows)('denies', () => { expect(1).toBe(1); });\nit.only('caps', () => {});\n");
    expect(f.skippedTests ?? []).toEqual([]);
    expect(f.tests.map((t) => t.name)).toEqual(['caps']);
  });

  it('Python: @pytest.mark.skip, @unittest.skip, pytest.skip(), self.skipTest(), pytestmark', () => {
    const text = [
      'import pytest', //                                   1
      'from agent.gate import decide', //                   2
      '', //                                                3
      '@pytest.mark.skip(reason="flaky")', //               4
      'def test_denies_rm():', //                           5
      '    assert decide("rm -rf /") == "deny"', //         6
      '', //                                                7
      'def test_max_turns():', //                           8
      '    pytest.skip("later")', //                        9
      '    assert run(max_turns=1).stop == "max_turns"', // 10
      '', //                                                11
      '@unittest.skip("no")', //                            12
      'class TestBudget(unittest.TestCase):', //            13
      '    def test_budget_exceeded(self):', //             14
      '        self.assertRaises(BudgetExceeded, run)', //  15
      '', //                                                16
      'def test_conditional():', //                         17
      '    if sys.platform == "win32":', //                 18
      '        pytest.skip("posix only")', //               19
      '    assert decide("ls") == "allow"', //              20
      '', //                                                21
      '@pytest.mark.skipif(sys.version_info < (3, 9), reason="old")', // 22
      'def test_allows_ls():', //                           23
      '    assert decide("ls") == "allow"', //              24
    ].join('\n');
    const f = analyzePythonTestText('tests/test_gate.py', text);
    expect(f.tests.map((t) => t.name)).toEqual(['test_conditional', 'test_allows_ls']);
    expect(f.skippedTests?.map((t) => [t.name, t.line])).toEqual([
      ['test_denies_rm', 5],
      ['test_max_turns', 8],
      ['TestBudget', 13],
      ['test_budget_exceeded', 14],
    ]);
    expect(f.asserts.map((a) => a.line)).toEqual([20, 24]);
    const module = analyzePythonTestText('tests/test_x.py', 'import pytest\npytestmark = pytest.mark.skip\n\ndef test_denies():\n    assert deny()\n');
    expect(module.tests).toEqual([]);
    expect(module.skippedTests?.map((t) => t.name)).toEqual(['test_denies']);
  });
});

describe('mechanism keys', () => {
  it('do not depend on lines or counts', () => {
    expect(mechanismKey('budget.check() in runAgent compares against maxTokens (token cap, budget.check() in runAgent at line 76, default 1_000_000)')).toBe(
      mechanismKey('budget.check() in runAgent compares against maxTokens (token cap, budget.check() in runAgent at line 81, default 2_000_000)'),
    );
    expect(mechanismKey('tool looked up (x.get(y)) and run by tool.execute() at loop.ts:232')).toBe('tool looked up (x.get(y)) and run by tool.execute() at loop.ts');
    expect(mechanismKey('permission denial: test "denies"')).not.toBe(mechanismKey('permission denial: test "allows"'));
    expect(mechanismKey('22 test case(s), e.g. "permissions"')).toBe(mechanismKey('23 test case(s), e.g. "a renamed first test"'));
  });

  it('anchor on the names that point into code', () => {
    expect(anchors('permission decision on the dispatch path: gate.decide() in dispatch()').sort()).toEqual(['decide', 'dispatch', 'gate']);
    expect(anchors("hint 'readOnly' declared on tool edit_file")).toEqual(expect.arrayContaining(['readOnly', 'edit_file']));
  });
});

describe('audit evaluate --baseline: regressions that matter', () => {
  it('names guardrail tests that were skipped, turned into todos or deleted, and ignores moved lines', async () => {
    const dir = copyReference();
    const base = path.join(dir, '.audit-baseline.json');
    const written = await cli(['evaluate', dir, '--update-baseline', '-f', 'json']);
    expect(written.code).toBe(0);
    expect(written.stderr).toContain('wrote baseline');
    const saved = JSON.parse(fs.readFileSync(base, 'utf8'));
    expect(saved).toMatchObject({ agentAuditBaseline: BASELINE_FORMAT, root: '.', tool: { name: 'agent-audit' } });
    const guard = saved.checks.find((c: { id: string }) => c.id === 'verification.guardrail-tests');
    expect(guard.mechanisms.length).toBeGreaterThan(0);
    expect((await cli(['evaluate', dir, '--baseline', base, '-q'])).code).toBe(0);

    // Lines move (a header added above every test): no regression.
    for (const f of ['guardrails.test.ts', 'permissions/shell-guard.test.ts', 'loop.ts', 'budget/budget.ts']) edit(dir, f, (t) => `// moved\n// down\n${t}`);
    const moved = await cli(['evaluate', dir, '--baseline', base, '-q']);
    expect(moved.stderr).toBe('');
    expect(moved.code).toBe(0);

    // Every test of the guardrail files skipped: the run fails and names the tests.
    for (const f of ['guardrails.test.ts', 'permissions/shell-guard.test.ts']) edit(dir, f, (t) => t.replace(/\b(it|describe|test)\(/g, '$1.skip('));
    const skipped = await cli(['evaluate', dir, '--baseline', base, '-q']);
    expect(skipped.code).toBe(1);
    expect(skipped.stderr).toContain('regressed since the baseline: ');
    expect(skipped.stderr).toContain('verification.guardrail-tests');
    expect(skipped.stderr).toMatch(/test skipped: [^\n]*test "[^"]+" \(was at (?:guardrails|permissions\/shell-guard)\.test\.ts:\d+\)/);
  });

  it('names a guardrail test turned into a todo, and one deleted', async () => {
    const dir = copyReference();
    const base = path.join(dir, 'b.json');
    await cli(['evaluate', dir, '--baseline', base, '--update-baseline', '-q']);
    const saved = JSON.parse(fs.readFileSync(base, 'utf8'));
    const cited = saved.checks
      .find((c: { id: string }) => c.id === 'verification.guardrail-tests')
      .mechanisms.map((m: { reason: string; file: string }) => ({ file: m.file, name: /test "([^"]+)"/.exec(m.reason)?.[1] }))
      .find((m: { name?: string }) => m.name);
    expect(cited).toBeDefined();
    // The cited name may be cut short (a long test name): the case is the one whose name starts with it.
    const call = new RegExp(`\\b(it|describe|test)\\((['"\`])(${cited.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[^'"\`]*)\\2`);
    edit(dir, cited.file, (t) => t.replace(call, '$1.todo($2$3$2); $1.skip($2$3 (old)$2'));
    const todo = await cli(['evaluate', dir, '--baseline', base, '-q']);
    expect(todo.code).toBe(1);
    expect(todo.stderr).toContain(`test turned into a todo: `);
    expect(todo.stderr).toContain(`test "${cited.name}`);

    edit(dir, cited.file, (t) => t.split(cited.name).join('renamed case'));
    const deleted = await cli(['evaluate', dir, '--baseline', base, '-q']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toContain(`test deleted: `);
    expect(deleted.stderr).toContain(`(was at ${cited.file}:`);

    // Accepting the change: --update-baseline rewrites it, and the next run passes.
    const accepted = await cli(['evaluate', dir, '--baseline', base, '--update-baseline', '-q']);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toContain('accepted since the previous baseline');
    expect((await cli(['evaluate', dir, '--baseline', base, '-q'])).code).toBe(0);
  });

  it('names a cap that disappears while the level holds', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'caps-'));
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'capped', dependencies: { '@anthropic-ai/sdk': '1' } }));
    const agent = (caps: string) => `import Anthropic from '@anthropic-ai/sdk';
const client = new Anthropic();
export const MAX_TURNS = 30;
export const MAX_TOKENS_BUDGET = 200_000;
export const MAX_COST_USD = 2;
export async function runAgent(task: string) {
  const messages: any[] = [{ role: 'user', content: task }];
  let turns = 0;
  let tokens = 0;
  let costUsd = 0;
  while (true) {
${caps}
    const res = await client.messages.create({ model: 'm', max_tokens: 1024, messages });
    turns++;
    tokens += res.usage.input_tokens + res.usage.output_tokens;
    costUsd += tokens * 0.000003;
    if (res.stop_reason !== 'tool_use') return res;
  }
}
`;
    const both = '    if (turns >= MAX_TURNS) return { stop: "max_turns" };\n    if (tokens >= MAX_TOKENS_BUDGET) return { stop: "max_tokens" };\n    if (costUsd >= MAX_COST_USD) return { stop: "max_cost" };';
    fs.writeFileSync(path.join(dir, 'src/agent.ts'), agent(both));
    const base = path.join(dir, 'baseline.json');
    await cli(['evaluate', dir, '--baseline', base, '--update-baseline', '-q']);
    const hard = JSON.parse(fs.readFileSync(base, 'utf8')).checks.find((c: { id: string }) => c.id === 'budget.hard-limits');
    expect(hard.level).toBe('present');
    const cited = hard.mechanisms.filter((m: { reason: string }) => /MAX_COST_USD|MAX_TOKENS_BUDGET/.test(m.reason));
    expect(cited.length).toBeGreaterThanOrEqual(2);
    // Remove the cost cap: the token cap keeps the level at present, the cap is named.
    fs.writeFileSync(path.join(dir, 'src/agent.ts'), agent(both.split('\n').filter((l) => !l.includes('MAX_COST_USD')).join('\n')));
    const r = await cli(['evaluate', dir, '--baseline', base, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/budget\.hard-limits still present, but 1 mechanism gone:\n {4}- no longer found: [^\n]*MAX_COST_USD[^\n]*\(was at src\/agent\.ts:\d+\)/);
  });

  it('reads a JSON report as a baseline, and refuses one from another root or an older format', async () => {
    const dir = copyReference();
    const report = path.join(dir, 'report.json');
    await cli(['evaluate', dir, '-f', 'json', '-o', report, '-q']);
    expect((await cli(['evaluate', dir, '--baseline', report, '-q'])).code).toBe(0);
    edit(dir, 'guardrails.test.ts', (t) => t.replace(/\b(it|describe)\(/g, '$1.skip('));
    const r = await cli(['evaluate', dir, '--baseline', report, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('test skipped: ');

    // Another root: the report of the whole copy used on its budget folder.
    const other = await cli(['evaluate', path.join(dir, 'permissions'), '--baseline', report, '-q']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/baseline .*report\.json was recorded for the repository root, not for permissions audited now/);

    const old = path.join(dir, 'old.json');
    fs.writeFileSync(old, JSON.stringify({ agentAuditBaseline: 0, tool: { name: 'agent-audit', version: '0.0.1' }, root: '.', checks: [] }));
    const refused = await cli(['evaluate', dir, '--baseline', old, '-q']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`is in format 0 (written by agent-audit 0.0.1), and this version reads format ${BASELINE_FORMAT}; rewrite it with --update-baseline`);
    // --update-baseline replaces an older format, never another root's baseline.
    const replaced = await cli(['evaluate', dir, '--baseline', old, '--update-baseline', '-q']);
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toContain('replacing');
    expect(JSON.parse(fs.readFileSync(old, 'utf8')).agentAuditBaseline).toBe(BASELINE_FORMAT);
    expect((await cli(['evaluate', path.join(dir, 'permissions'), '--baseline', old, '--update-baseline', '-q'])).code).toBe(2);
  });
});
