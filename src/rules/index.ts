/** Every rule, one literal per principle, in catalog order. A check without a rule is not reported. */
import { AGENTS_RULES } from './agents/index.js';
import { BUDGET_RULES } from './budget/index.js';
import { FLAGS } from './flags/index.js';
import { LOGGING_RULES } from './logging/index.js';
import { PERMISSIONS_RULES } from './permissions/index.js';
import { PERSISTENCE_RULES } from './persistence/index.js';
import { REGISTRY_RULES } from './registry/index.js';
import { sureOnSlice } from './shared/slice.js';
import { detectOnce, type FlagRule, type Rule } from './types.js';
import { VERIFICATION_RULES } from './verification/index.js';

/** Each rule's verdict, its confidence lowered where a loop mechanism was found only off the agent slice (shared/slice.ts). */
export const RULES: readonly Rule[] = [
  ...REGISTRY_RULES,
  ...PERMISSIONS_RULES,
  ...PERSISTENCE_RULES,
  ...BUDGET_RULES,
  ...LOGGING_RULES,
  ...VERIFICATION_RULES,
  ...AGENTS_RULES,
].map((r) => ({ ...r, detect: (ctx) => sureOnSlice(ctx, r.id, detectOnce(ctx, r)) }));

export const FLAG_RULES: readonly FlagRule[] = FLAGS;
