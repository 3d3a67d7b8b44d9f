import type { Rule } from '../types.js';
import compaction from './compaction.js';
import hardLimits from './hard-limits.js';
import projection from './projection.js';
import usageTracking from './usage-tracking.js';

/** The budget checks, in catalog order. */
export const BUDGET_RULES: readonly Rule[] = [usageTracking, hardLimits, projection, compaction];
