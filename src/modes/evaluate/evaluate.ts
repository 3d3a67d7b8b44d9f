/**
 * Stage 3, evaluate: run each enabled rule over the facts and score the result.
 * A principle's score is the mean of its checks (present 1, partial 0.5, absent 0); the overall
 * score is the mean of the principles, 0–100. Checks turned off in the config are not run; checks
 * with nothing to apply to (`applies: false`) are reported but not scored.
 */
import type { RepoFacts } from '../../analyzers/facts.js';
import { CHECK_IDS, PRINCIPLES, type CheckId, type FlagId, type PrincipleId } from '../../rules/catalog.js';
import { inFileOrder, RuleContext, shortName } from '../../rules/context.js';
import { isStale, rankLive, staleDirs } from '../../rules/shared/stale.js';
import { agentSlice, outsideSlice, runsNowhere } from '../../rules/shared/slice.js';
import { agentLoops, LOOP_MEMOS, loopRunsTools, rankedLoops, toolImplementation } from '../../rules/shared/loop.js';
import type { Confidence, Evidence, Finding, FlagRule, Level, Rule } from '../../rules/types.js';
import type { ResolvedConfig } from './config.js';
import { toolDispatch } from '../../rules/shared/tools.js';
import { agentFrameworkUse } from '../../rules/registry/mechanisms.js';
import type { ReviewHook, ReviewMark } from '../review/apply.js';

export interface CheckResult {
  id: CheckId;
  principle: PrincipleId;
  title: string;
  level: Level | 'off';
  /** Set when the config marks the check required. */
  required: boolean;
  reason: string;
  /** `high` when the verdict rests on a resolved path or a configuration fact; `low` otherwise. */
  confidence: Confidence;
  /** `false` when the harness has nothing the check applies to: reported, but not scored. */
  applies: boolean;
  evidence: Evidence[];
  /** Sites the rule considered and did not count, with why (at most 5; only when there are any). */
  rejected?: Evidence[];
  remediation: string;
  exemplar: string;
  /** A reviewed judgement of this check (`.audit/review.json`): applied, or stale and shown beside the static verdict. */
  review?: ReviewMark;
}

export interface FlagResult {
  id: FlagId;
  title: string;
  reason: string;
  evidence: Evidence[];
}

export interface Evaluation {
  score: number;
  principles: Array<{ id: PrincipleId; title: string; score: number | null }>;
  checks: CheckResult[];
  flags: FlagResult[];
  /** Catalog checks with no rule yet: never reported as absent, only named. */
  notImplemented: CheckId[];
  /**
   * Where the harness runs, for reviewers: each agent loop (with its model call) and each site that
   * executes a tool looked up by name. Evidence packs show them beside a check's own evidence.
   */
  landmarks: Evidence[];
  /** Where results without a location are anchored (SARIF): the agent loop, else the harness entry file. */
  entry: string;
  /** The line of `entry` to anchor at: the agent loop's first line, else 1. */
  entryLine: number;
}

const POINTS: Record<Level, number> = { present: 1, partial: 0.5, absent: 0 };
const MAX_EVIDENCE = 6;
const MAX_REJECTED = 5;

function entryFile(ctx: RuleContext, checks: CheckResult[]): string {
  const counts = new Map<string, number>();
  for (const c of checks) for (const e of c.evidence) counts.set(e.file, (counts.get(e.file) ?? 0) + 1);
  const best = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  if (best) return best[0];
  return ctx.facts.manifests.find((m) => !m.path.includes('/'))?.path ?? ctx.source[0]?.path ?? 'package.json';
}

export function evaluate(facts: RepoFacts, rules: readonly Rule[], flagRules: readonly FlagRule[], config: ResolvedConfig, review?: ReviewHook): Evaluation {
  const ctx = new RuleContext(facts);
  ctx.liveFirst(staleDirs(ctx));
  // The agent's own code first: the landmarks' files and what they import or are imported by (shared/slice.ts).
  const marks = landmarks(ctx);
  const loop = rankedLoops(ctx)[0];
  ctx.agentFirst(agentSlice(ctx, marks.map((m) => m.file), (f) => !isStale(ctx, f)), { ...LOOP_MEMOS, ...LANDMARK_MEMOS });
  const byId = new Map(rules.map((r) => [r.id, r]));
  const findings = new Map<CheckId, Finding>();
  const checks: CheckResult[] = [];
  for (const id of CHECK_IDS) {
    const rule = byId.get(id);
    if (!rule) continue;
    const setting = config.checks[id];
    const base = { id, principle: rule.principle, title: rule.title, required: setting?.level === 'required', remediation: rule.remediation, exemplar: rule.exemplar };
    if (setting?.level === 'off') {
      checks.push({ ...base, level: 'off', reason: `turned off in the config: ${setting.reason}`, confidence: 'high', applies: true, evidence: [] });
      continue;
    }
    const detected = rule.detect(ctx);
    const reviewed = review?.(id, detected);
    const finding = reviewed?.finding ?? detected;
    findings.set(id, finding);
    // Evidence in retired code nothing live imports ranks after live evidence; resting only on it, the verdict is not sure.
    const ranked = rankLive(ctx, reachedFirst(ctx, agentFirst(ctx, dedupe(finding.evidence))));
    const evidence = ranked.evidence.slice(0, MAX_EVIDENCE);
    const cited = new Set(evidence.map((e) => `${e.file}:${e.line}`));
    const rejected = dedupe(rule.rejected?.(ctx, finding) ?? []).filter((e) => !cited.has(`${e.file}:${e.line}`)).slice(0, MAX_REJECTED);
    checks.push({
      ...base,
      level: finding.level,
      reason: finding.reason,
      confidence: ranked.allStale ? 'low' : finding.confidence ?? 'low',
      applies: finding.applies !== false,
      evidence,
      ...(rejected.length && { rejected }),
      ...(reviewed?.review && { review: reviewed.review }),
    });
  }
  const principles = PRINCIPLES.map((p) => {
    const scored = checks.filter((c) => c.principle === p.id && c.level !== 'off' && c.applies);
    const score = scored.length ? scored.reduce((s, c) => s + POINTS[c.level as Level], 0) / scored.length : null;
    return { id: p.id, title: p.title, score: score === null ? null : Math.round(score * 1000) / 10 };
  });
  const scoredPrinciples = principles.filter((p) => p.score !== null);
  const score = scoredPrinciples.length ? Math.round((scoredPrinciples.reduce((s, p) => s + (p.score ?? 0), 0) / scoredPrinciples.length) * 10) / 10 : 0;
  const flags: FlagResult[] = [];
  for (const f of flagRules) {
    const raised = f.detect(ctx, findings);
    if (raised) flags.push({ id: f.id, title: f.title, reason: raised.reason, evidence: dedupe(raised.evidence).slice(0, MAX_EVIDENCE) });
  }
  return {
    score,
    principles,
    checks,
    flags,
    notImplemented: CHECK_IDS.filter((id) => !byId.has(id)),
    landmarks: marks,
    entry: loop?.file ?? entryFile(ctx, checks),
    entryLine: loop?.line ?? 1,
  };
}

const MAX_LANDMARKS = 8;

/**
 * Lists the landmarks compute before the agent's files are put first, kept over that reorder rather than computed
 * again: each is in source-file order, and what one file contributes depends only on that file (its own objects,
 * calls, binds and lookups, and name indices it reads only for its own file's calls).
 */
const LANDMARK_MEMOS = {
  'loop:model-calls': inFileOrder,
  'loop:client-model-calls': inFileOrder,
  'loop:alias-model-calls': inFileOrder,
  'loop:handed-model-calls': inFileOrder,
  'tools:lookups': inFileOrder,
  'tools:framework-use': inFileOrder,
  'registry:agent-framework-use': inFileOrder,
} as const;

function landmarks(ctx: RuleContext): Evidence[] {
  const dispatch = toolDispatch(ctx);
  const ranked = rankedLoops(ctx).map((l) => ({
    file: l.file,
    line: l.line,
    reason: l.requeue
      ? `agent loop in ${l.fn}: one step per queued job, which calls the model with ${l.modelCall.callee}() at line ${l.modelCall.line} and queues the next step with ${l.requeue.callee}() at line ${l.requeue.line}`
      : `agent loop in ${l.fn}: calls the model with ${l.modelCall.callee}() at line ${l.modelCall.line}${l.link === 'word' ? ' (recognised by its name only)' : ''}`,
  }));
  // A loop the framework runs (`streamText({ tools })`, `createReactAgent(model, tools)`) has no loop of its own in the
  // repo: the call that hands the framework its tools is where a reviewer starts. After the loops that run tools, before the rest.
  const toolLoops = agentLoops(ctx).filter((l) => loopRunsTools(ctx, l) && !toolImplementation(ctx, l)).length;
  const frameworkRuns = agentFrameworkUse(ctx).map((x) => ({ file: x.file, line: x.line, reason: `framework agent loop: ${x.runner}() is handed the tools and runs them` }));
  const execs = dedupe(dispatch.map((d) => ({ file: d.exec.file, line: d.exec.line, reason: `tool executed in ${d.exec.fn} after the lookup ${d.lookup.text} at ${d.lookup.file}:${d.lookup.line}` })));
  // Both kinds of place matter to a reviewer: the loops never crowd out every execution site.
  const loops = dedupe([...ranked.slice(0, toolLoops), ...frameworkRuns, ...ranked.slice(toolLoops)]).slice(0, MAX_LANDMARKS - Math.min(3, execs.length));
  return dedupe([...loops, ...execs]).slice(0, MAX_LANDMARKS);
}

/**
 * The evidence with the agent slice's lines first (stable): a source file outside the slice is another
 * feature's code. Lines outside source files (configuration, manifests, tests) keep their place among the slice's.
 * A verdict resting only on lines outside the slice keeps its level and confidence: on the 30 labelled repos, 27
 * present or partial checks do, and 21 of them carry the labelled level (12 of the 14 present ones), so lowering
 * present to partial, or the confidence, would have lost more than it fixed.
 */
function agentFirst(ctx: RuleContext, evidence: Evidence[]): Evidence[] {
  if (!ctx.agentFiles || evidence.length < 2) return evidence;
  const outside = (e: Evidence) => outsideSlice(ctx, e.file);
  const away = evidence.filter(outside);
  return away.length && away.length < evidence.length ? [...evidence.filter((e) => !outside(e)), ...away] : evidence;
}

/**
 * The evidence with lines in code nothing runs (shared/slice.ts `unreached`: outside the agent slice, imported by no
 * harness file, no entry, beside files that are imported; `unusedTwin`: also inside the slice, a numbered or suffixed
 * copy of a file beside it that is imported) after the rest (stable). Level and confidence stay: the
 * rule's mechanism is there; the first line a reader sees should be one the harness runs.
 */
function reachedFirst(ctx: RuleContext, evidence: Evidence[]): Evidence[] {
  if (evidence.length < 2) return evidence;
  const dead = evidence.filter((e) => runsNowhere(ctx, e.file));
  return dead.length && dead.length < evidence.length ? [...evidence.filter((e) => !dead.includes(e)), ...dead] : evidence;
}

/** Each cited line once, as the report's evidence shape (file, line, reason): a rule's own bookkeeping fields stay in the rule. */
function dedupe(evidence: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  const out: Evidence[] = [];
  for (const e of evidence) {
    const k = `${e.file}:${e.line}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ file: e.file, line: e.line, reason: e.reason });
  }
  return out;
}
