import type { FlagRule } from '../types.js';

export const FLAGS: readonly FlagRule[] = [];
