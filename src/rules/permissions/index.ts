import type { Rule } from '../types.js';
import gate from './gate.js';
import rules from './rules.js';
import shellGuard from './shell-guard.js';
import tiers from './tiers.js';

/** The permissions checks, in catalog order. */
export const PERMISSIONS_RULES: readonly Rule[] = [gate, tiers, rules, shellGuard];
