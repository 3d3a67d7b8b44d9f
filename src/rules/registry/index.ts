import type { Rule } from '../types.js';
import behaviorHints from './behavior-hints.js';
import central from './central.js';
import toolMetadata from './tool-metadata.js';
import userCommands from './user-commands.js';

/** The registry checks, in catalog order. */
export const REGISTRY_RULES: readonly Rule[] = [toolMetadata, central, behaviorHints, userCommands];
