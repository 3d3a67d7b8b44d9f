import type { Rule } from '../types.js';

/** The budget checks, in catalog order. */
export const BUDGET_RULES: readonly Rule[] = [];
