import type { Rule } from '../types.js';
import guardrailTests from './guardrail-tests.js';
import outputChecks from './output-checks.js';
import tests from './tests.js';

/** The verification checks, in catalog order. */
export const VERIFICATION_RULES: readonly Rule[] = [tests, guardrailTests, outputChecks];
