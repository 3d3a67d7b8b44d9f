import type { FlagRule } from '../types.js';
import prematureMultiAgent from './premature-multi-agent.js';

export const FLAGS: readonly FlagRule[] = [prematureMultiAgent];
