/**
 * The offline design review: a proposal (Markdown or plain text) → sentences → what each sentence
 * says about the checks of the catalog → concerns a reviewer would raise. Pure and deterministic:
 * no fs, no network, no clock. `--against` adds what the evaluate pipeline found in existing code.
 */
import { CHECK_IDS, type CheckId, type FlagId } from '../../rules/catalog.js';
import { FLAG_RULES, RULES } from '../../rules/index.js';
import type { Evidence } from '../../rules/types.js';
import {
  CLAUSE_BREAK,
  EXCLUDED_SECTION,
  EXTRAS,
  FUNDAMENTALS,
  LATER,
  LATER_SECTION,
  MAX_CONCERNS,
  MULTI_AGENT,
  NEGATED_AFTER,
  NEGATION,
  SEVERITIES,
  SIGNALS,
  type Severity,
} from './signals.js';

export type ConcernId = CheckId | FlagId;
export type Verdict = 'ready' | 'needs-answers' | 'simplify-first';
/**
 * `missing`: not addressed; `partial`: part of it (a turn cap, no token cap); `contradicted`: the
 * proposal says otherwise; `deferred`: left for later; `premature`: several agents before the fundamentals.
 */
export type ConcernStatus = 'missing' | 'partial' | 'contradicted' | 'deferred' | 'premature';

/** What the evaluate pipeline found for one check in the code named by `--against`. */
export interface CodeFinding {
  level: string;
  reason: string;
  evidence: Evidence[];
}

export interface Concern {
  id: ConcernId;
  severity: Severity;
  question: string;
  why: string;
  /** The proposal sentence the concern is about. */
  quote?: string;
  /** 1-based line of `quote` in the proposal. */
  line?: number;
  title: string;
  status: ConcernStatus;
  /** With `--against`: what the audit of the existing code found for this check. */
  code?: CodeFinding;
}

export interface Coverage {
  id: CheckId;
  source: 'proposal' | 'code';
  quote?: string;
  line?: number;
  evidence?: Evidence[];
}

/** The JSON contract: `verdict`, `covered` and `concerns` keep their names; fields are only added. */
export interface Review {
  verdict: Verdict;
  covered: CheckId[];
  concerns: Concern[];
  /** How each covered check is covered: a proposal sentence, or code evidence (`--against`). */
  coverage: Coverage[];
  /** Concerns of lower priority not asked now, so the review stays short. */
  heldBack: ConcernId[];
  /** Plans the proposal leaves for later (a quote per deferred multi-agent plan or check). */
  deferred: Array<{ quote: string; line: number }>;
  proposal: string;
  against?: { root: string; score: number };
  /** With `--llm`: who reviewed, what it spent, and its answer when it was not the requested JSON. */
  llm?: LlmReport;
}

export interface LlmReport {
  model: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** The token budget for the whole review. */
  budget: number;
  /** Set when the model answered in plain text instead of JSON: shown as is. */
  plainText?: string;
  /** Set when the API failed: one line. The offline review stands. */
  error?: string;
  /** Set when the budget stopped a call. */
  stopped?: string;
}

export interface Sentence {
  text: string;
  line: number;
  section: 'now' | 'later' | 'excluded';
}

export interface CodeAudit {
  root: string;
  score: number;
  checks: ReadonlyArray<{ id: CheckId; level: string; reason: string; evidence: Evidence[] }>;
}

const META = new Map(RULES.map((r) => [r.id as CheckId, r]));
const FLAG = FLAG_RULES.find((f) => f.id === 'complexity.premature-multi-agent');
const RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

const BULLET = /^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;

function clean(text: string): string {
  return text
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/(^|\s)[*_](\S[^*_]*?)[*_](?=\s|[.,;:!?]|$)/g, '$1$2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The proposal's prose as sentences with their line and the scope of their section. */
export function sentences(markdown: string): Sentence[] {
  const out: Sentence[] = [];
  const sections: Array<{ level: number; scope: Sentence['section'] }> = [];
  let block: Array<{ text: string; line: number }> = [];
  let fence = false;
  const flush = () => {
    if (!block.length) return;
    const section = sections.length ? sections[sections.length - 1].scope : 'now';
    let joined = '';
    const starts: Array<{ at: number; line: number }> = [];
    for (const b of block) {
      starts.push({ at: joined.length, line: b.line });
      joined += b.text + ' ';
    }
    let at = 0;
    for (const piece of joined.split(/(?<=[.!?])\s+(?=[A-Z0-9"'(\[])/)) {
      const offset = joined.indexOf(piece, at);
      at = offset + piece.length;
      const text = clean(piece);
      if (text.length <= 2) continue;
      const line = [...starts].reverse().find((s) => s.at <= offset)?.line ?? block[0].line;
      out.push({ text, line, section });
    }
    block = [];
  };
  markdown.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*(```|~~~)/.test(raw)) {
      flush();
      fence = !fence;
      return;
    }
    if (fence) return;
    const h = HEADING.exec(raw);
    if (h) {
      flush();
      const level = h[1].length;
      while (sections.length && sections[sections.length - 1].level >= level) sections.pop();
      const parent = sections.length ? sections[sections.length - 1].scope : 'now';
      const title = clean(h[2]);
      const scope = EXCLUDED_SECTION.test(title) ? 'excluded' : LATER_SECTION.test(title) ? 'later' : parent;
      sections.push({ level, scope });
      return;
    }
    if (!raw.trim() || /^\s*(?:---+|\*\*\*+|\|)/.test(raw)) {
      flush();
      if (/^\s*\|/.test(raw)) block.push({ text: raw.replace(/\|/g, ' ').replace(/[-:]{3,}/g, ' '), line }), flush();
      return;
    }
    if (BULLET.test(raw)) {
      flush();
      block.push({ text: raw.replace(BULLET, ''), line });
      return;
    }
    block.push({ text: raw.replace(/^\s*>\s?/, ''), line });
  });
  flush();
  return out;
}

type Reading = 'now' | 'later' | 'negated';

/** How a match reads in its sentence: said for now, left for later, or negated. */
export function reading(s: Sentence, index: number, length: number): Reading {
  if (s.section === 'excluded') return 'negated';
  if (s.section === 'later') return 'later';
  let start = 0;
  let end = s.text.length;
  for (const b of s.text.matchAll(CLAUSE_BREAK)) {
    const at = b.index ?? 0;
    if (at + b[0].length <= index) start = at + b[0].length;
    else if (at >= index + length) {
      end = at;
      break;
    }
  }
  // A parenthesis right after the clause scopes it: "Resume (v2)."
  if (s.text[end] === '(') end = s.text.indexOf(')', end) < 0 ? s.text.length : s.text.indexOf(')', end) + 1;
  const leadIn = /^([^,:;]{1,40})[,:]/.exec(s.text);
  if (LATER.test(s.text.slice(start, end)) || (leadIn && leadIn[1].split(/\s+/).length <= 5 && LATER.test(leadIn[1]))) return 'later';
  const negations = s.text.slice(start, index).match(NEGATION)?.length ?? 0;
  if (negations % 2 === 1 || NEGATED_AFTER.test(s.text.slice(index + length, end))) return 'negated';
  return 'now';
}

interface Hit {
  sentence: Sentence;
  reading: Reading;
  /** The pattern's name, or the matched words. */
  match: string;
}

/** The first pattern that matches each sentence, and how the match reads there. */
function hits(all: Sentence[], patterns: ReadonlyArray<RegExp | { pattern: RegExp; name?: string }>): Hit[] {
  const out: Hit[] = [];
  for (const s of all) {
    for (const p of patterns) {
      const { pattern, name } = p instanceof RegExp ? { pattern: p, name: undefined } : p;
      const m = pattern.exec(s.text);
      if (m) {
        out.push({ sentence: s, reading: reading(s, m.index, m[0].length), match: name ?? m[0] });
        break;
      }
    }
  }
  return out;
}

/** What the proposal says about one check. */
export interface CheckReading {
  id: CheckId;
  status: 'covered' | 'partial' | 'contradicted' | 'deferred' | 'missing';
  /** The sentence that decided the status. */
  sentence?: Sentence;
  /** For checks asked on a topic: the first sentence that raises the topic. */
  topic?: Sentence;
}

export interface Analysis {
  checks: CheckReading[];
  /** Sentences that plan several agents now, with the phrase that says so. */
  multiAgent: Hit[];
  /** Multi-agent plans left for later. */
  laterMultiAgent: Hit[];
  extras: string[];
}

export function analyse(text: string): Analysis {
  const all = sentences(text);
  const checks = CHECK_IDS.map((id): CheckReading => {
    const sig = SIGNALS[id];
    const cover = hits(all, sig.covers);
    const denial = hits(all, sig.contradicts ?? []).find((h) => h.reading === 'now');
    const topic = sig.ask instanceof RegExp ? hits(all, [sig.ask]).find((h) => h.reading === 'now')?.sentence : undefined;
    const pick = (r: Reading) => cover.find((h) => h.reading === r)?.sentence;
    if (denial) return { id, status: 'contradicted', sentence: denial.sentence, topic };
    if (pick('now')) return { id, status: 'covered', sentence: pick('now'), topic };
    const part = hits(all, sig.partial ?? []).find((h) => h.reading === 'now');
    if (part) return { id, status: 'partial', sentence: part.sentence, topic };
    if (pick('negated')) return { id, status: 'contradicted', sentence: pick('negated'), topic };
    if (pick('later')) return { id, status: 'deferred', sentence: pick('later'), topic };
    return { id, status: 'missing', topic };
  });
  const multi = hits(all, MULTI_AGENT);
  return {
    checks,
    multiAgent: multi.filter((h) => h.reading === 'now'),
    laterMultiAgent: multi.filter((h) => h.reading === 'later'),
    extras: EXTRAS.filter((e) => hits(all, [e.pattern]).some((h) => h.reading === 'now')).map((e) => e.name),
  };
}

const bump = (s: Severity): Severity => (s === 'low' ? 'medium' : 'high');

const list = (items: string[]) => (items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

/** The review of a proposal: `name` is how the proposal is referred to (its path, or "stdin"). */
export function review(text: string, name: string, code?: CodeAudit): Review {
  const a = analyse(text);
  const codeById = new Map(code?.checks.map((c) => [c.id, c]));
  const covered: Coverage[] = [];
  const concerns: Concern[] = [];
  const deferred: Review['deferred'] = [];
  const planned = a.multiAgent.length > 0;

  for (const r of a.checks) {
    const sig = SIGNALS[r.id];
    const meta = META.get(r.id);
    const found = codeById.get(r.id);
    if (r.status === 'covered') {
      covered.push({ id: r.id, source: 'proposal', quote: r.sentence?.text, line: r.sentence?.line });
      continue;
    }
    if (r.status === 'deferred' && r.sentence) deferred.push({ quote: r.sentence.text, line: r.sentence.line });
    if (found?.level === 'present' && r.status !== 'contradicted') {
      covered.push({ id: r.id, source: 'code', evidence: found.evidence.slice(0, 3) });
      continue;
    }
    const relevant = sig.ask === 'always' || (sig.ask === 'multi-agent' && planned) || (sig.ask instanceof RegExp && !!r.topic);
    if (r.status !== 'contradicted' && !relevant) continue;
    const quoted = r.sentence ?? r.topic ?? (sig.ask === 'multi-agent' ? a.multiAgent[0]?.sentence : undefined);
    concerns.push({
      id: r.id,
      severity: r.status === 'contradicted' ? bump(sig.severity) : sig.severity,
      question: sig.question,
      why: meta?.rationale ?? '',
      ...(quoted && { quote: quoted.text, line: quoted.line }),
      title: meta?.title ?? r.id,
      status: r.status,
      ...(found && { code: { level: found.level, reason: found.reason, evidence: found.evidence.slice(0, 3) } }),
    });
  }

  const has = new Set(covered.map((c) => c.id));
  // As in the evaluate flag, a fundamental counts as addressed when it is at least partial, in the
  // proposal or in the code, unless the proposal says otherwise.
  const addressed = (id: CheckId) => {
    const said = a.checks.find((r) => r.id === id)?.status;
    return said !== 'contradicted' && (has.has(id) || said === 'partial' || codeById.get(id)?.level === 'partial');
  };
  const lacking = FUNDAMENTALS.filter((f) => !addressed(f.id));
  if (planned && lacking.length) {
    const first = a.multiAgent[0];
    const inCode = code ? lacking.flatMap((f) => codeById.get(f.id) ?? []).filter((c) => c.level !== 'present') : [];
    const extras = a.extras.length ? [`The proposal also plans ${list(a.extras)}, each another moving part to secure.`] : [];
    const codeWhy = inCode.length ? [`The existing code at ${code!.root} has ${list(inCode.map((c) => `${c.id} ${c.level}`))}.`] : [];
    concerns.push({
      id: 'complexity.premature-multi-agent',
      severity: 'high',
      question: `Could this ship as one agent first, with ${list(lacking.map((f) => f.name))} in place, and add the ${first.match.toLowerCase()} once those hold?`,
      why: [FLAG?.description ?? '', ...extras, ...codeWhy].filter(Boolean).join(' '),
      quote: first.sentence.text,
      line: first.sentence.line,
      title: FLAG?.title ?? 'Multi-agent orchestration before the fundamentals',
      status: 'premature',
      ...(inCode.length && { code: { level: inCode.some((c) => c.level === 'absent') ? 'absent' : 'partial', reason: inCode.map((c) => `${c.id} ${c.level}: ${c.reason}`).join('; '), evidence: inCode.flatMap((c) => c.evidence.slice(0, 2)) } }),
    });
  }
  for (const h of a.laterMultiAgent) deferred.push({ quote: h.sentence.text, line: h.sentence.line });

  const order = (c: Concern) => (c.id.startsWith('complexity.') ? -1 : CHECK_IDS.indexOf(c.id as CheckId));
  concerns.sort((x, y) => RANK[x.severity] - RANK[y.severity] || order(x) - order(y));
  const asked = concerns.slice(0, MAX_CONCERNS);
  const verdict: Verdict = asked.some((c) => c.status === 'premature')
    ? 'simplify-first'
    : asked.some((c) => c.severity !== 'low')
      ? 'needs-answers'
      : 'ready';
  const coveredIds = CHECK_IDS.filter((id) => has.has(id));
  return {
    verdict,
    covered: coveredIds,
    concerns: asked,
    coverage: coveredIds.map((id) => covered.find((c) => c.id === id)!),
    heldBack: concerns.slice(MAX_CONCERNS).map((c) => c.id),
    deferred: dedupeQuotes(deferred),
    proposal: name,
    ...(code && { against: { root: code.root, score: code.score } }),
  };
}

function dedupeQuotes(items: Review['deferred']): Review['deferred'] {
  const seen = new Set<string>();
  return items.filter((d) => !seen.has(d.quote) && seen.add(d.quote)).sort((x, y) => x.line - y.line);
}

/** Concerns at or above `threshold`. */
export function atLeast(concerns: readonly Concern[], threshold: Severity): Concern[] {
  return concerns.filter((c) => RANK[c.severity] <= RANK[threshold]);
}

export { SEVERITIES };
