import type { RuleMeta } from '../../../rules/types.js';
import type { AuditResult } from '../index.js';
import { jsonReport } from './json.js';
import { markdownReport } from './markdown.js';
import { sarifReport } from './sarif.js';
import { textReport } from './text.js';

export interface ReporterOptions {
  color: boolean;
  quiet?: boolean;
  /** Metadata of every rule, for formats that describe rules (SARIF). */
  rules: readonly RuleMeta[];
}

export type Reporter = (result: AuditResult, options: ReporterOptions) => string;

/** Reporters are pure functions of the result: no stdout, env or fs inside. */
export const REPORTERS = {
  json: jsonReport,
  markdown: markdownReport,
  sarif: sarifReport,
  text: textReport,
} as const satisfies Record<string, Reporter>;

export type Format = keyof typeof REPORTERS;
export const FORMATS = Object.keys(REPORTERS) as Format[];
