/**
 * Evidence packs: one check as a reviewer needs it. The catalog's definition and the judging rules
 * that apply, the verdict and its reason, and each evidence site with its code (the enclosing
 * function when it is short, else ±N lines), so that a person or a coding agent can confirm or
 * correct the verdict by reading a few dozen lines instead of crawling the tree.
 */
import path from 'node:path';
import { JUDGING_RULES, type CheckId } from '../../rules/catalog.js';
import { LEVELS, type LevelDocs } from '../../rules/levels.js';
import type { AuditResult } from '../evaluate/index.js';
import type { CheckResult } from '../evaluate/evaluate.js';
import type { ReviewMark } from './apply.js';
import { readLines } from './store.js';

export interface CodeExcerpt {
  /** `function Class.method` when the whole enclosing function is shown, else `lines`. */
  scope: string;
  start: number;
  end: number;
  lines: string[];
}

export interface EvidenceSite {
  file: string;
  line: number;
  reason: string;
  code?: CodeExcerpt;
}

export interface EvidencePack {
  id: CheckId;
  title: string;
  /** What present, partial and absent look like for this check (present is the catalog's definition). */
  levels: LevelDocs;
  judgingRules: Array<{ title: string; text: string }>;
  verdict: { level: CheckResult['level']; reason: string; confidence: CheckResult['confidence']; review?: ReviewMark };
  evidence: EvidenceSite[];
  /** Sites the rule considered and did not count, with why, and a few lines of code each. */
  rejected: EvidenceSite[];
  /** The agent loops and tool-execution sites, with a few lines each: where to look when the evidence is missing or off. */
  landmarks: EvidenceSite[];
  remediation: string;
  exemplar: string;
}

/** A function longer than this is shown as ±context lines around the cited line instead. */
const MAX_FUNCTION_LINES = 60;

/** The rules a reviewer needs for this check: the general ones, plus the two that speak to one check each. */
export function judgingRulesFor(id: CheckId): Array<{ title: string; text: string }> {
  return JUDGING_RULES.filter((r) => {
    if (r.title === 'Nothing to guard') return id === 'permissions.shell-guard';
    if (r.title === 'Caps') return id === 'budget.hard-limits';
    return true;
  });
}


async function enclosingFunction(rel: string, text: string, line: number): Promise<{ name: string; line: number; end: number } | undefined> {
  try {
    let facts;
    if (/\.py$/.test(rel)) {
      // Loaded on demand, as the TypeScript analyzer below: the CLI imports this module, and web-tree-sitter costs every run its load.
      const { analyzePython, initPython } = await import('../../analyzers/python.js');
      await initPython();
      facts = analyzePython(rel, text, 'source');
    } else if (/\.[cm]?[jt]sx?$/.test(rel)) {
      facts = (await import('../../analyzers/typescript.js')).analyzeTypeScript(rel, text, 'source');
    } else return undefined;
    // The innermost function around the line: the one that starts last.
    return facts.functions.filter((f) => f.line <= line && line <= f.end).sort((a, b) => b.line - a.line)[0];
  } catch {
    return undefined;
  }
}

/**
 * The code around `file:line`: the enclosing function when it is at most 60 lines long and
 * `context` was not asked for, else `context` lines either side (8 by default).
 */
export async function excerpt(root: string, file: string, line: number, context?: number): Promise<CodeExcerpt | undefined> {
  const lines = readLines(path.join(root, file));
  if (!lines || line < 1 || line > lines.length) return undefined;
  if (context === undefined) {
    const fn = await enclosingFunction(file, lines.join('\n'), line);
    if (fn && fn.end - fn.line < MAX_FUNCTION_LINES) return { scope: `function ${fn.name}`, start: fn.line, end: fn.end, lines: lines.slice(fn.line - 1, fn.end) };
  }
  const n = context ?? 8;
  const start = Math.max(1, line - n);
  const end = Math.min(lines.length, line + n);
  return { scope: 'lines', start, end, lines: lines.slice(start - 1, end) };
}

export async function evidencePack(result: AuditResult, id: CheckId, context?: number): Promise<EvidencePack> {
  const check = result.checks.find((c) => c.id === id);
  if (!check) throw new Error(`the audit has no result for ${id}`);
  const evidence: EvidenceSite[] = [];
  for (const e of check.evidence) evidence.push({ ...e, code: await excerpt(result.root, e.file, e.line, context) });
  const rejected: EvidenceSite[] = [];
  for (const e of check.rejected ?? []) rejected.push({ ...e, code: await excerpt(result.root, e.file, e.line, 2) });
  const landmarks: EvidenceSite[] = [];
  for (const l of result.landmarks) landmarks.push({ ...l, code: await excerpt(result.root, l.file, l.line, 2) });
  const review = check.review;
  return {
    id,
    title: check.title,
    levels: LEVELS[id],
    judgingRules: judgingRulesFor(id),
    verdict: { level: check.level, reason: check.reason, confidence: check.confidence, review },
    evidence,
    rejected,
    landmarks,
    remediation: check.remediation,
    exemplar: check.exemplar,
  };
}

/** Plain text, no colour: meant to be read by a person or pasted into an agent's context. */
export function packText(p: EvidencePack): string {
  const out: string[] = [];
  out.push(`${p.id}: ${p.title}`, '');
  for (const [level, meaning] of Object.entries(p.levels)) out.push(`${level.padEnd(8)} ${meaning}`);
  out.push('', 'Judging rules:');
  for (const r of p.judgingRules) out.push(`  - ${r.title}. ${r.text}`);
  out.push('', `Verdict: ${p.verdict.level} (${p.verdict.confidence} confidence)`, `  ${p.verdict.reason}`);
  const rv = p.verdict.review;
  if (rv?.status === 'applied') out.push(`  reviewed by ${rv.by} on ${rv.at.slice(0, 10)}; the rules alone said ${rv.staticLevel}`);
  if (rv?.status === 'stale') out.push(`  a review by ${rv.by} said ${rv.level}, but ${rv.changed} has changed since, so the static verdict stands`);
  if (!p.evidence.length) out.push('', 'Evidence: none (the rules found nothing to cite; search for the mechanism the definition names)');
  const site = (title: string, e: EvidenceSite) => {
    out.push('', `${title}: ${e.file}:${e.line}`, `  ${e.reason}`);
    if (!e.code) {
      out.push('  (the cited line could not be read)');
      return;
    }
    out.push(`  ${e.code.scope === 'lines' ? `lines ${e.code.start}-${e.code.end}` : `${e.code.scope}, lines ${e.code.start}-${e.code.end}`}:`);
    const width = String(e.code.end).length;
    e.code.lines.forEach((l, k) => {
      const n = e.code!.start + k;
      out.push(`${n === e.line ? '>' : ' '} ${String(n).padStart(width)} | ${l}`);
    });
  };
  p.evidence.forEach((e, i) => site(`Evidence ${i + 1}`, e));
  if (p.rejected.length) {
    out.push('', 'Considered and not counted (the rule looked at these and decided they are not the mechanism; overrule it if it was wrong):');
    p.rejected.forEach((e, i) => site(`Rejected ${i + 1}`, e));
  }
  if (p.landmarks.length) {
    out.push('', 'Where the harness runs (its agent loops and tool-execution sites): start here when the evidence is missing, sits on another loop, or does not show what its reason claims.');
    p.landmarks.forEach((e, i) => site(`Landmark ${i + 1}`, e));
  }
  out.push('', `Remediation: ${p.remediation}`, `Exemplar: ${p.exemplar}`);
  out.push('', `To record a judgement: audit review set ${p.id} <present|partial|absent> --reason "…" --evidence FILE:LINE`);
  return out.join('\n') + '\n';
}
