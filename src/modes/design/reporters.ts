/**
 * Design reports: pure functions of the review (no stdout, env or fs inside). JSON is the
 * contract `{ verdict, covered, concerns: [{ id, severity, question, why, quote? }] }`, with fields
 * only ever added.
 */
import { CHECK_IDS } from '../../rules/catalog.js';
import { wrap } from '../evaluate/reporters/text.js';
import type { Concern, ConcernStatus, Review, Verdict } from './review.js';
import type { SessionState } from './session.js';

export const DESIGN_FORMATS = ['text', 'json', 'markdown'] as const;
export type DesignFormat = (typeof DESIGN_FORMATS)[number];

const VERDICT: Record<Verdict, string> = {
  ready: 'ready: nothing here blocks building it',
  'needs-answers': 'needs answers before code is written',
  'simplify-first': 'simplify first: the fundamentals before more agents',
};

const STATUS: Record<ConcernStatus, string> = {
  missing: 'not addressed',
  partial: 'only partly addressed',
  contradicted: 'the proposal says otherwise',
  deferred: 'left for later',
  premature: 'planned before the fundamentals',
};

const WIDTH = 100;

function counts(concerns: readonly Concern[]): string {
  if (!concerns.length) return 'no concerns';
  const by = (s: string) => concerns.filter((c) => c.severity === s).length;
  const parts = (['high', 'medium', 'low'] as const).filter((s) => by(s)).map((s) => `${by(s)} ${s}`);
  return `${concerns.length} concern${concerns.length > 1 ? 's' : ''}: ${parts.join(', ')}`;
}

export function designText(r: Review): string {
  const out: string[] = [];
  out.push(`Design review of ${r.proposal}${r.against ? ` against ${r.against.root} (audit score ${r.against.score}/100)` : ''}`);
  out.push(`Verdict: ${VERDICT[r.verdict]} (${counts(r.concerns)}; ${r.covered.length} of ${CHECK_IDS.length} checks covered)`);
  r.concerns.forEach((c, i) => {
    out.push('', `${i + 1}. ${c.severity.toUpperCase().padEnd(6)} ${c.id}  ${c.title} (${STATUS[c.status]})`);
    if (c.quote) out.push(...wrap(`"${c.quote}"${c.line ? ` (line ${c.line})` : ''}`, WIDTH, '   '));
    out.push(...wrap(c.question, WIDTH, '   Q: ', '      '));
    out.push(...wrap(c.why, WIDTH, '   why: ', '        '));
    if (c.code) {
      out.push(...wrap(`${c.code.level}: ${c.code.reason}`, WIDTH, '   code: ', '         '));
      for (const e of c.code.evidence) out.push(...wrap(`${e.file}:${e.line}  ${e.reason}`, WIDTH, '         '));
    }
  });
  if (r.coverage.length) {
    out.push('', 'Covered:');
    for (const c of r.coverage) {
      const where = c.source === 'code' ? `in the code: ${c.evidence?.map((e) => `${e.file}:${e.line}`).join(', ') || r.against?.root}` : c.line ? `line ${c.line}` : 'the proposal';
      out.push(`  ✓ ${c.id} (${where})`);
    }
  }
  if (r.deferred.length) {
    out.push('', 'Left for later (not counted as covered):');
    for (const d of r.deferred) out.push(...wrap(`line ${d.line}: "${d.quote}"`, WIDTH, '  - ', '    '));
  }
  if (r.heldBack.length) out.push('', ...wrap(`Held back until these are answered: ${r.heldBack.join(', ')}`, WIDTH, ''));
  out.push(...llmText(r));
  return out.join('\n') + '\n';
}

function llmText(r: Review): string[] {
  const l = r.llm;
  if (!l) return [];
  const out = [''];
  if (l.error) out.push(`Claude review failed: ${l.error}; the review above is the offline one.`);
  if (l.plainText !== undefined) {
    out.push('Claude answered in plain text instead of the requested JSON; its answer as is (the concerns above are the offline review):', '', l.plainText.trim(), '');
  }
  if (l.stopped) out.push(`Claude: ${l.stopped}`);
  out.push(`Claude (${l.model}): ${l.calls} call${l.calls === 1 ? '' : 's'}, ${l.inputTokens + l.outputTokens} of ${l.budget} budgeted tokens (${l.inputTokens} in, ${l.outputTokens} out)`);
  return out;
}

export function designJson(r: Review): string {
  return JSON.stringify(r, null, 2) + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function designMarkdown(r: Review): string {
  const out: string[] = [];
  out.push(`## Design review: ${r.proposal}`, '', `**Verdict:** ${VERDICT[r.verdict]} (${counts(r.concerns)}; ${r.covered.length} of ${CHECK_IDS.length} checks covered)`);
  if (r.against) out.push('', `Checked against \`${r.against.root}\` (audit score ${r.against.score}/100).`);
  if (r.concerns.length) {
    out.push('', '| # | Severity | Check | Question | Why |', '|---:|---|---|---|---|');
    r.concerns.forEach((c, i) => {
      const q = `${c.question}${c.quote ? `<br>> _"${c.quote}"_` : ''}${c.code ? `<br>code: ${c.code.level}: ${c.code.reason}` : ''}`;
      out.push(`| ${i + 1} | ${c.severity} | \`${c.id}\` (${STATUS[c.status]}) | ${cell(q)} | ${cell(c.why)} |`);
    });
  }
  if (r.covered.length) out.push('', `**Covered:** ${r.covered.map((id) => `\`${id}\``).join(', ')}`);
  if (r.deferred.length) out.push('', '**Left for later:**', ...r.deferred.map((d) => `- line ${d.line}: "${d.quote}"`));
  if (r.heldBack.length) out.push('', `_Held back until these are answered: ${r.heldBack.map((id) => `\`${id}\``).join(', ')}._`);
  if (r.llm) out.push('', ...llmText(r).filter(Boolean).map((l) => (l.startsWith('Claude') ? `_${l}_` : l)));
  return out.join('\n') + '\n';
}

export const DESIGN_REPORTERS: Record<DesignFormat, (r: Review) => string> = { text: designText, json: designJson, markdown: designMarkdown };

const RESOLUTION = { resolved: 'resolved', 'accepted-risk': 'accepted risk', deferred: 'deferred' } as const;

/** The decision record an interactive session ends with. */
export function decisionRecord(s: SessionState): string {
  const r = s.review;
  const out: string[] = [];
  out.push(`# Design decision record: ${s.proposal.name}`, '', `Session \`${s.id}\`, started ${s.createdAt}, closed ${s.updatedAt}.`, '', `Review verdict: ${VERDICT[r.verdict]} (${counts(r.concerns)}).`);
  if (r.covered.length) out.push('', `Covered by the proposal: ${r.covered.map((id) => `\`${id}\``).join(', ')}.`);
  out.push('', '## Decisions');
  r.concerns.forEach((c, i) => {
    const a = s.answers[c.id];
    out.push('', `### ${i + 1}. \`${c.id}\` (${c.severity}): ${a ? RESOLUTION[a.resolution] : 'open'}`);
    if (c.quote) out.push('', `> ${c.quote}`);
    out.push('', `**Question:** ${c.question}`);
    if (a) {
      out.push('', `**Answer:** ${a.answer || '(no answer)'}`);
      if (a.followUp) out.push('', `**Reviewer:** ${a.followUp.trim()}`);
    }
  });
  const open = r.concerns.filter((c) => s.answers[c.id]?.resolution !== 'resolved');
  if (open.length || r.heldBack.length) {
    out.push('', '## Still open');
    for (const c of open) {
      const a = s.answers[c.id];
      out.push(`- \`${c.id}\` (${c.severity}): ${a ? RESOLUTION[a.resolution] : 'not answered'}`);
    }
    for (const id of r.heldBack) out.push(`- \`${id}\`: held back, not discussed`);
  }
  if (s.spent) out.push('', `_Claude (${s.llm?.model}): ${s.spent.turns} calls, ${s.spent.inputTokens + s.spent.outputTokens} tokens._`);
  return out.join('\n') + '\n';
}
