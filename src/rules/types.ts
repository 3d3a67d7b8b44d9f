import type { CheckId, FlagId, PrincipleId } from './catalog.js';
import type { RuleContext } from './context.js';

export type Level = 'present' | 'partial' | 'absent';

export interface Evidence {
  /** POSIX path relative to the audited root. */
  file: string;
  /** 1-based. */
  line: number;
  /** One line a reviewer can check against the code: what is there and why it counts. */
  reason: string;
}

export interface Finding {
  level: Level;
  /** One-line verdict: what was found, and for partial/absent what is missing. */
  reason: string;
  evidence: Evidence[];
  /**
   * How sure the verdict is. `high`: it rests on a resolved call path, a configuration fact or a
   * framework option this repo turns on. `low`: it rests on names, a link guessed by name, or a
   * mechanism the rule only half recognises. Rules that do not say are `low`.
   */
  confidence?: Confidence;
  /**
   * `false` when the harness has nothing the check could apply to (no sub-agents, no shell or
   * code-execution tool): the level is kept but the check is left out of the score.
   */
  applies?: boolean;
}

export type Confidence = 'high' | 'low';

export interface RuleMeta {
  id: CheckId;
  principle: PrincipleId;
  title: string;
  /** Why the check matters, one or two sentences. */
  rationale: string;
  /** What to do when the check is not present. */
  remediation: string;
  /** The reference-harness file that shows the mechanism, relative to this repo's root. */
  exemplar: string;
}

export interface Rule extends RuleMeta {
  /** Reads facts only; never throws for odd input (no facts → absent with a reason). */
  detect(ctx: RuleContext): Finding;
  /**
   * Candidate sites the rule considered and did not count, each with why (a retry counter that is
   * not a turn cap, a write of settings rather than the conversation …): shown in evidence packs so
   * a reviewer can overrule the rule where it was wrong to reject them.
   */
  rejected?(ctx: RuleContext, finding: Finding): Evidence[];
}

export interface FlagRule {
  id: FlagId;
  title: string;
  description: string;
  /** Returns a reason and evidence when the flag is raised, undefined otherwise. */
  detect(ctx: RuleContext, results: ReadonlyMap<CheckId, Finding>): { reason: string; evidence: Evidence[] } | undefined;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}

/**
 * A rule's own finding (its raw `detect`), computed once per context and audit: the run of the rules (rules/index.ts)
 * and a rule that asks another's verdict (the audit trail asks the session rule, tool metadata the central registry)
 * share one finding object instead of running the other rule again. A rule's finding depends only on the facts and the
 * context's file order, which is fixed before the rules run (a reorder drops every memo, this one included).
 */
export function detectOnce(ctx: RuleContext, rule: Pick<Rule, 'id' | 'detect'>): Finding {
  return ctx.memo(`detect:${rule.id}`, () => rule.detect(ctx));
}
