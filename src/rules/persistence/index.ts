import type { Rule } from '../types.js';

/** The persistence checks, in catalog order. */
export const PERSISTENCE_RULES: readonly Rule[] = [];
