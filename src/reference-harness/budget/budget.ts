/**
 * Token and cost budget for one agent run. Contract: `record` is called with the API's usage after
 * every model call; `check` is called before every turn and returns why the loop must stop, or
 * undefined; `project` is called before every model call with the estimated request size. All
 * three limits are on by default; a sub-agent gets its own, smaller Budget.
 */
import type { Usage } from '../model.js';

export type StopReason =
  | 'end_turn' // the model answered without tool calls
  | 'max_turns'
  | 'max_tokens'
  | 'max_cost'
  | 'context_overflow' // still too large after compaction
  | 'error';

export interface BudgetLimits {
  maxTurns: number;
  maxTokens: number;
  maxCostUsd: number;
}

export const DEFAULT_LIMITS: BudgetLimits = { maxTurns: 40, maxTokens: 1_000_000, maxCostUsd: 5 };

export interface Spent {
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export type Projection =
  | { action: 'proceed' }
  | { action: 'compact'; reason: string }
  | { action: 'stop'; stop: StopReason; reason: string };

export interface Pricing {
  inputPerMTok: number;
  outputPerMTok: number;
}

export class Budget {
  readonly limits: BudgetLimits;
  readonly spent: Spent;

  constructor(
    limits: Partial<BudgetLimits> = {},
    spent: Partial<Spent> = {},
    /** Fraction of the context window at which the conversation is compacted. */
    readonly compactAt = 0.8,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.spent = { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, ...spent };
  }

  get totalTokens(): number {
    return this.spent.inputTokens + this.spent.outputTokens;
  }

  /** Accumulates one model call's usage (from the API response) and its cost. */
  record(usage: Usage, pricing: Pricing): void {
    this.spent.turns += 1;
    this.spent.inputTokens += usage.inputTokens;
    this.spent.outputTokens += usage.outputTokens;
    this.spent.costUsd += (usage.inputTokens * pricing.inputPerMTok + usage.outputTokens * pricing.outputPerMTok) / 1_000_000;
  }

  /** Adds what a sub-agent spent, so the parent's caps cover its children. */
  absorb(child: Spent): void {
    this.spent.inputTokens += child.inputTokens;
    this.spent.outputTokens += child.outputTokens;
    this.spent.costUsd += child.costUsd;
  }

  /** The hard caps: a typed reason to stop, or undefined to go on. */
  check(): StopReason | undefined {
    if (this.spent.turns >= this.limits.maxTurns) return 'max_turns';
    if (this.totalTokens >= this.limits.maxTokens) return 'max_tokens';
    if (this.spent.costUsd >= this.limits.maxCostUsd) return 'max_cost';
    return undefined;
  }

  /** Before a model call: will the request (+ the reply) fit the model's context window and the budget? */
  project(requestTokens: number, replyTokens: number, contextWindow: number): Projection {
    // The request plus the room kept for the reply, held against the window.
    const projectedTokens = requestTokens + replyTokens;
    if (this.totalTokens + requestTokens > this.limits.maxTokens) {
      return { action: 'stop', stop: 'max_tokens', reason: `request of ~${requestTokens} tokens would pass the budget of ${this.limits.maxTokens} (spent ${this.totalTokens})` };
    }
    if (projectedTokens > contextWindow * this.compactAt) {
      return { action: 'compact', reason: `~${projectedTokens} tokens pass ${Math.round(this.compactAt * 100)}% of the context window (${contextWindow})` };
    }
    return { action: 'proceed' };
  }
}
