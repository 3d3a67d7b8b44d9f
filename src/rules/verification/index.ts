import type { Rule } from '../types.js';

/** The verification checks, in catalog order. */
export const VERIFICATION_RULES: readonly Rule[] = [];
