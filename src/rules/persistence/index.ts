import type { Rule } from '../types.js';
import crashSafe from './crash-safe.js';
import resume from './resume.js';
import sessionSave from './session-save.js';
import stateSeparate from './state-separate.js';

/** The persistence checks, in catalog order. */
export const PERSISTENCE_RULES: readonly Rule[] = [sessionSave, stateSeparate, resume, crashSafe];
