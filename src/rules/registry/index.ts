import type { Rule } from '../types.js';

/** The registry checks, in catalog order. */
export const REGISTRY_RULES: readonly Rule[] = [];
