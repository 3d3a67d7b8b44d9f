/** Design mode, offline: the reviewer on fixture proposals, negation and "later", formats, exit codes, --against. */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run, type Io } from '../src/cli.js';
import { review, sentences } from '../src/modes/design/review.js';
import { CHECK_IDS } from '../src/rules/catalog.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/design');
const read = (name: string) => fs.readFileSync(path.join(FIXTURES, `${name}.md`), 'utf8');
const reviewOf = (name: string) => review(read(name), `${name}.md`);
const ids = (name: string) => reviewOf(name).concerns.map((c) => c.id);
const concern = (name: string, id: string) => reviewOf(name).concerns.find((c) => c.id === id);

async function cli(argv: string[], extra: Partial<Io> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdoutTTY: false, stderrTTY: false, env: {}, cwd: path.resolve(import.meta.dirname, '..'), ...extra });
  return { code, stdout, stderr };
}

describe('the offline reviewer on fixture proposals', () => {
  it('pushes back on an over-engineered swarm, first, and names what it contradicts', () => {
    const r = reviewOf('swarm');
    expect(r.verdict).toBe('simplify-first');
    expect(r.concerns[0]).toMatchObject({ id: 'complexity.premature-multi-agent', severity: 'high', status: 'premature', quote: expect.stringContaining('swarm of eight specialist agents') });
    expect(r.concerns[0].question).toMatch(/one agent first.*permission gate.*resume.*caps/);
    expect(r.concerns[0].why).toMatch(/shared vector memory, self-rewriting prompts/);
    expect(concern('swarm', 'agents.tool-pools')).toMatchObject({ status: 'contradicted', severity: 'high', quote: expect.stringMatching(/^Every agent can call every tool/) });
    expect(concern('swarm', 'budget.hard-limits')).toMatchObject({ status: 'contradicted', quote: expect.stringContaining('runs until the ticket is solved') });
    expect(concern('swarm', 'permissions.shell-guard')).toMatchObject({ quote: expect.stringContaining('run shell commands directly') });
    expect(ids('swarm')).toEqual(expect.arrayContaining(['permissions.gate', 'persistence.resume']));
    // no checklist dump: a handful asked, the rest named as held back
    expect(r.concerns.length).toBeLessThanOrEqual(6);
    expect(r.heldBack).toContain('agents.subagent-limits');
    expect(r.covered).toEqual(['registry.tool-metadata', 'logging.structured-log']);
  });

  it('has nothing to ask of a sound single agent', () => {
    const r = reviewOf('single-agent');
    expect(r.concerns).toEqual([]);
    expect(r.verdict).toBe('ready');
    expect(r.covered).toEqual(expect.arrayContaining(['permissions.gate', 'permissions.shell-guard', 'persistence.resume', 'persistence.crash-safe', 'budget.hard-limits', 'verification.tests', 'verification.output-checks']));
    expect(r.coverage.find((c) => c.id === 'permissions.shell-guard')).toMatchObject({ source: 'proposal', quote: expect.stringContaining('parses each command'), line: 13 });
  });

  it('does not flag a router that has the fundamentals, nor ask about its agents', () => {
    const r = reviewOf('router');
    expect(r.verdict).toBe('ready');
    expect(r.concerns).toEqual([]);
    expect(r.covered).toEqual(expect.arrayContaining(['permissions.gate', 'persistence.resume', 'budget.hard-limits', 'agents.typed', 'agents.tool-pools', 'agents.subagent-limits']));
  });

  it('asks an in-between proposal only about its gaps: caps, resume left for v2, compaction for hours-long sessions', () => {
    const r = reviewOf('in-between');
    expect(r.verdict).toBe('needs-answers');
    expect(r.concerns.map((c) => c.id).sort()).toEqual(['budget.compaction', 'budget.hard-limits', 'persistence.resume', 'persistence.session-save']);
    expect(concern('in-between', 'persistence.resume')).toMatchObject({ status: 'deferred', quote: expect.stringContaining('resume in v2') });
    expect(concern('in-between', 'persistence.session-save')).toMatchObject({ status: 'contradicted', quote: expect.stringContaining('kept in memory') });
    expect(concern('in-between', 'budget.compaction')?.quote).toMatch(/last for hours/);
    expect(r.covered).toEqual(['permissions.gate', 'verification.tests']);
    expect(r.deferred.map((d) => d.line)).toEqual([10]);
  });

  it('leaves the shell guard open when shell commands run directly, and asks little else', () => {
    const r = reviewOf('unguarded-shell');
    expect(r.concerns[0]).toMatchObject({ id: 'permissions.shell-guard', severity: 'high', status: 'missing', quote: expect.stringContaining('runs shell commands directly'), line: 6 });
    expect(r.concerns.every((c) => c.id === 'permissions.shell-guard' || c.severity === 'low')).toBe(true);
    expect(ids('unguarded-shell')).not.toContain('complexity.premature-multi-agent');
    expect(r.covered).toEqual(expect.arrayContaining(['permissions.gate', 'persistence.resume', 'budget.hard-limits', 'logging.audit-trail']));
  });
});

describe('negation and scope', () => {
  it('does not take a negation or a plan for later as coverage', () => {
    const r = reviewOf('negation');
    expect(r.covered).not.toContain('persistence.session-save');
    expect(r.covered).not.toContain('permissions.gate');
    expect(concern('negation', 'persistence.session-save')).toMatchObject({ status: 'contradicted', quote: 'We do not persist sessions: a run that fails is simply started again.' });
    expect(concern('negation', 'permissions.gate')).toMatchObject({ status: 'deferred', severity: 'high', quote: expect.stringMatching(/^Later we will add a permission gate/) });
    expect(r.covered).toContain('budget.hard-limits');
    expect(concern('negation', 'persistence.resume')).toMatchObject({ status: 'contradicted', quote: expect.stringContaining('simply started again') });
  });

  it('does not count a denied or future swarm as a multi-agent plan', () => {
    const r = reviewOf('negation');
    expect(r.concerns.map((c) => c.id)).not.toContain('complexity.premature-multi-agent');
    expect(r.concerns.map((c) => c.id)).not.toContain('agents.tool-pools');
    expect(r.deferred.map((d) => d.quote)).toContain('A swarm of summariser agents, one per team.');
  });

  it.each([
    ['We will not add a permission gate.', 'contradicted'],
    ['We do not yet have a permission gate.', 'deferred'],
    ['There is no permission gate yet, tools run as soon as the model asks.', 'deferred'],
    ['There is no permission gate, tools run as soon as the model asks.', 'contradicted'],
    ['In v2, a permission gate will decide each tool call.', 'deferred'],
    ['A permission gate is out of scope for the MVP.', 'contradicted'],
    ['A permission gate decides each tool call (not yet built, post-MVP).', 'deferred'],
    ['A permission gate decides allow, deny or ask before every tool call.', 'covered'],
    ['Nothing runs without passing the permission gate.', 'covered'],
    ['No tool call bypasses the permission gate.', 'covered'],
  ])('%s → permissions.gate %s', (sentence, expected) => {
    const r = review(`# P\n\nOne agent reads files.\n\n${sentence}\n`, 'p.md');
    const status = r.covered.includes('permissions.gate') ? 'covered' : r.concerns.find((c) => c.id === 'permissions.gate')?.status;
    expect(status).toBe(expected);
  });

  it('takes a turn cap alone as partial, as the catalog does, and not as a missing fundamental', () => {
    const r = review('# P\n\nA planner agent hands each step to two worker sub-agents. A permission gate decides every tool call. Sessions can be resumed. The loop stops after 30 turns.\n', 'p.md');
    expect(r.concerns.find((c) => c.id === 'budget.hard-limits')).toMatchObject({ status: 'partial', severity: 'high', quote: 'The loop stops after 30 turns.' });
    expect(r.concerns.map((c) => c.id)).not.toContain('complexity.premature-multi-agent');
    expect(review('# P\n\nTwo worker sub-agents. A permission gate decides every tool call. The loop stops after 30 turns.\n', 'p.md').concerns[0]).toMatchObject({ id: 'complexity.premature-multi-agent', question: expect.stringMatching(/with sessions that resume after a crash in place/) });
  });

  it('takes approval of some actions as a partial gate, one decision before every call as a gate', () => {
    const partial = review('# P\n\nOne agent handles refunds. Refunds over $50 require a human to approve them.\n', 'p.md');
    expect(partial.concerns.find((c) => c.id === 'permissions.gate')).toMatchObject({ status: 'partial', quote: 'Refunds over $50 require a human to approve them.' });
    expect(review('# P\n\nOne agent. Every tool call passes the permission gate.\n', 'p.md').covered).toContain('permissions.gate');
  });

  it('is not triggered by words that only look like the topic', () => {
    const r = review('# CLI helper\n\nPatch is a command-line tool with a small web UI. An Express router that serves the UI sits in front of one agent. The agent reads files and answers questions.\n', 'p.md');
    const asked = r.concerns.map((c) => c.id);
    expect(asked).not.toContain('permissions.shell-guard');
    expect(asked).not.toContain('complexity.premature-multi-agent');
    expect(asked.filter((id) => id.startsWith('agents.'))).toEqual([]);
    expect(asked).toEqual(['permissions.gate', 'budget.hard-limits', 'persistence.resume', 'logging.typed-events', 'verification.tests']);
  });

  it('reads sections: future work is later, non-goals are excluded, code blocks are skipped', () => {
    const s = sentences('# P\nOne agent. Two, e.g. this one.\n\n## Non-goals\n- Resume.\n\n## Future work\nA swarm.\n\n```\nresume()\n```\n');
    expect(s.map((x) => [x.text, x.section, x.line])).toEqual([
      ['One agent.', 'now', 2],
      ['Two, e.g. this one.', 'now', 2],
      ['Resume.', 'excluded', 5],
      ['A swarm.', 'later', 8],
    ]);
  });
});

describe('audit design: the command', () => {
  it('prints the text review and exits 0', async () => {
    const r = await cli(['design', 'fixtures/design/unguarded-shell.md']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^Design review of fixtures\/design\/unguarded-shell\.md\nVerdict: needs answers/);
    expect(r.stdout).toContain('1. HIGH   permissions.shell-guard');
    expect(r.stdout).toContain('Q: Before a shell command runs');
    expect(r.stdout).toContain('✓ permissions.gate (line 9)');
  });

  it('keeps the JSON contract: verdict, covered, concerns with id, severity, question, why, quote?', async () => {
    const r = await cli(['design', 'fixtures/design/swarm.md', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('simplify-first');
    expect(j.covered.every((id: string) => (CHECK_IDS as readonly string[]).includes(id))).toBe(true);
    for (const c of j.concerns) {
      expect(c).toMatchObject({ id: expect.stringMatching(/^(complexity\.|[a-z]+\.)/), severity: expect.stringMatching(/^(high|medium|low)$/), question: expect.any(String), why: expect.any(String) });
      expect([...CHECK_IDS, 'complexity.premature-multi-agent']).toContain(c.id);
      if ('quote' in c) expect(read('swarm').replace(/\s+/g, ' ')).toContain(c.quote.slice(0, 30));
    }
  });

  it('writes Markdown for a PR comment', async () => {
    const r = await cli(['design', 'fixtures/design/in-between.md', '--format', 'markdown']);
    expect(r.stdout).toMatch(/^## Design review: fixtures\/design\/in-between\.md/);
    expect(r.stdout).toContain('| 1 | high | `budget.hard-limits` (not addressed) |');
  });

  it('reads the proposal from stdin with -', async () => {
    const r = await cli(['design', '-', '--format', 'json'], { stdin: Readable.from([read('single-agent')]) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'ready', proposal: 'stdin', concerns: [] });
  });

  it('--fail-on high exits 1 while a high concern remains, 0 when none does', async () => {
    const failing = await cli(['design', 'fixtures/design/unguarded-shell.md', '--fail-on', 'high']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toBe('audit: failed: 1 concern at high severity or above still open: permissions.shell-guard\n');
    expect((await cli(['design', 'fixtures/design/router.md', '--fail-on', 'low'])).code).toBe(0);
    expect((await cli(['design', 'fixtures/design/unguarded-shell.md', '--fail-on', 'medium'])).code).toBe(1);
  });

  it('exits 2 on usage errors, with one line', async () => {
    for (const argv of [['design'], ['design', 'nope.md'], ['design', 'fixtures/design'], ['design', 'x.md', '--format', 'sarif'], ['design', 'fixtures/design/swarm.md', '--fail-on', 'critical'], ['design', '-', '--interactive'], ['design', 'fixtures/design/swarm.md', '--budget', '0']]) {
      const r = await cli(argv, { stdin: Readable.from(['x']) });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
    }
    expect((await cli(['design', 'nope.md'])).stderr).toBe('audit: cannot read the proposal nope.md: no such file\n');
  });

  it('tells --llm without a key that the offline review needs none', async () => {
    const r = await cli(['design', 'fixtures/design/swarm.md', '--llm']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^audit: --llm needs ANTHROPIC_API_KEY.*offline review needs no key.*without --llm\n$/);
  });

  it('teaches through --help', async () => {
    const r = await cli(['design', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['--format', '--against', '--llm', '--interactive', '--resume', '--list', '--fail-on', 'Examples:', '$ audit design docs/agent-proposal.md', 'Exit codes:']) expect(r.stdout).toContain(s);
  });
});

describe('audit design --against', () => {
  it('credits what the code already does with its evidence, and tells a multi-agent plan that the code has no gate', async () => {
    const r = await cli(['design', 'fixtures/design/swarm.md', '--against', 'fixtures/sample-harness', '--format', 'json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.against).toMatchObject({ root: 'fixtures/sample-harness', score: expect.any(Number) });
    // the sample harness has a central registry and tests: credited from code, with evidence
    const registry = j.coverage.find((c: { id: string }) => c.id === 'registry.central');
    expect(registry).toMatchObject({ source: 'code', evidence: expect.arrayContaining([expect.objectContaining({ file: expect.stringMatching(/^src\//), line: expect.any(Number) })]) });
    expect(j.covered).toContain('verification.tests');
    expect(j.concerns.map((c: { id: string }) => c.id)).not.toContain('verification.tests');
    // the swarm is told the harness has no gate, with the evaluate evidence
    const premature = j.concerns.find((c: { id: string }) => c.id === 'complexity.premature-multi-agent');
    expect(premature.why).toMatch(/existing code at fixtures\/sample-harness has permissions\.gate absent/);
    expect(premature.code.reason).toMatch(/permissions\.gate absent: tools are run straight after lookup/);
    // the code's turn cap does not excuse a proposal that says the swarm runs until it is done
    expect(premature.question).toMatch(/hard token or cost caps in place/);
    expect(j.concerns.find((c: { id: string }) => c.id === 'permissions.gate').code).toMatchObject({ level: 'absent', reason: expect.any(String) });
  });

  it('drops the concerns the code answers: an unguarded-shell proposal against the reference harness', async () => {
    const plain = review(read('unguarded-shell'), 'p');
    expect(plain.concerns.map((c) => c.id)).toContain('permissions.shell-guard');
    const r = await cli(['design', 'fixtures/design/unguarded-shell.md', '--against', 'src/reference-harness', '--format', 'json']);
    const j = JSON.parse(r.stdout);
    expect(j.concerns).toEqual([]);
    expect(j.coverage.find((c: { id: string }) => c.id === 'permissions.shell-guard')).toMatchObject({ source: 'code', evidence: expect.arrayContaining([expect.objectContaining({ file: expect.stringContaining('shell-guard') })]) });
  });
});
