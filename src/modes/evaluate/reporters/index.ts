import path from 'node:path';
import fs from 'node:fs';
import { UsageError } from '../../../errors.js';
import type { RuleMeta } from '../../../rules/types.js';
import type { AuditResult } from '../index.js';
import { htmlReport, type HtmlBaseline } from './html.js';
import { jsonReport } from './json.js';
import { markdownReport } from './markdown.js';
import { sarifReport } from './sarif.js';
import { textReport } from './text.js';

export interface ReporterOptions {
  color: boolean;
  quiet?: boolean;
  /** Text: every skipped file and every piece of evidence, not the first few. */
  verbose?: boolean;
  /** Metadata of every rule, for formats that describe rules (SARIF). */
  rules: readonly RuleMeta[];
  /** Metadata of the flags (warnings), for formats that describe rules (SARIF). */
  flagRules?: ReadonlyArray<{ id: string; title: string; description: string }>;
  /** Text: the folder paths are shown relative to (where the user stands); default: the audited root. */
  cwd?: string;
  /** Text: columns to wrap at (the terminal's width; 100 when piped). */
  width?: number;
  /**
   * The folder that exemplar paths (`src/reference-harness/…`) are relative to: this package's
   * root, so that a fix names a file that exists in the installed copy.
   */
  exemplarRoot?: string;
  /** HTML: the comparison with a baseline (`--baseline`). */
  baseline?: HtmlBaseline;
}

export type Reporter = (result: AuditResult, options: ReporterOptions) => string;

/** Reporters are pure functions of the result: no stdout, env or fs inside. */
export const REPORTERS = {
  html: htmlReport,
  json: jsonReport,
  markdown: markdownReport,
  sarif: sarifReport,
  text: textReport,
} as const satisfies Record<string, Reporter>;

export type Format = keyof typeof REPORTERS;
export const FORMATS = Object.keys(REPORTERS) as Format[];

/**
 * `abs` as a user at `cwd` would type it: relative (POSIX separators) unless that climbs more
 * than two folders, then absolute. Without `cwd`, the path is returned as given.
 */
export function displayPath(abs: string, cwd: string | undefined): string {
  if (!cwd) return abs;
  const rel = path.relative(cwd, abs);
  if (rel === '') return '.';
  if (path.isAbsolute(rel) || rel.startsWith(`..${path.sep}..${path.sep}..`)) return abs;
  return rel.split(path.sep).join('/');
}

/** Writes a report to `file` (relative to `cwd`), creating its folder; a failure is a usage error naming the file. */
export function writeReportFile(cwd: string, file: string, report: string): void {
  const out = path.resolve(cwd, file);
  try {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, report);
  } catch (err) {
    throw new UsageError(`cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}
