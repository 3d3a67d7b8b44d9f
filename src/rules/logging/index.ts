import type { Rule } from '../types.js';
import auditTrail from './audit-trail.js';
import structuredLog from './structured-log.js';
import typedEvents from './typed-events.js';

/** The logging checks, in catalog order. */
export const LOGGING_RULES: readonly Rule[] = [typedEvents, structuredLog, auditTrail];
