import type { Rule } from '../types.js';

/** The logging checks, in catalog order. */
export const LOGGING_RULES: readonly Rule[] = [];
