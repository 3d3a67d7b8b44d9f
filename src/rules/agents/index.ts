import type { Rule } from '../types.js';

/** The agents checks, in catalog order. */
export const AGENTS_RULES: readonly Rule[] = [];
