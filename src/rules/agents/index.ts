import type { Rule } from '../types.js';
import subagentLimits from './subagent-limits.js';
import toolPools from './tool-pools.js';
import typed from './typed.js';

/** The agents checks, in catalog order. */
export const AGENTS_RULES: readonly Rule[] = [typed, toolPools, subagentLimits];
