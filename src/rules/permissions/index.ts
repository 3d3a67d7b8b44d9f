import type { Rule } from '../types.js';

/** The permissions checks, in catalog order. */
export const PERMISSIONS_RULES: readonly Rule[] = [];
