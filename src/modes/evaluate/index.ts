/**
 * The evaluate pipeline: discover → analyse → evaluate. Reporting is a pure function of the
 * result (./reporters). The audited code is only read, never run or imported.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { FLAG_RULES, RULES } from '../../rules/index.js';
import type { FlagRule, Rule } from '../../rules/types.js';
import { TOOL } from '../../version.js';
import { analyze, type Progress } from './analyze.js';
import { loadConfig, type ResolvedConfig } from './config.js';
import { discover } from './discover.js';
import { evaluate, type Evaluation } from './evaluate.js';

export interface AuditResult extends Evaluation {
  tool: { name: string; version: string };
  /** The audited folder as given (absolute). */
  root: string;
  config?: string;
  /** From the config: the score below which the run fails. */
  failUnder?: number;
  stats: {
    files: number;
    sourceFiles: number;
    testFiles: number;
    skipped: number;
    examples: number;
    parseErrors: number;
    durationMs: number;
    /** Peak resident memory of the process so far, in MB. */
    peakRssMB: number;
  };
  skipped: Array<{ path: string; reason: string }>;
}

export interface AuditOptions {
  configPath?: string;
  config?: ResolvedConfig;
  rules?: readonly Rule[];
  flagRules?: readonly FlagRule[];
  onProgress?: Progress;
}

export function resolveRoot(target: string): string {
  const root = path.resolve(target);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(root);
  } catch {
    throw new UsageError(`no such file or folder: ${target}`);
  }
  if (!stat.isDirectory()) throw new UsageError(`not a folder: ${target} (audit a harness's root folder)`);
  return root;
}

export async function runAudit(target: string, options: AuditOptions = {}): Promise<AuditResult> {
  const t0 = performance.now();
  const root = resolveRoot(target);
  const config = options.config ?? (await loadConfig(root, options.configPath && path.resolve(options.configPath)));
  const discovery = discover(root, config);
  const facts = await analyze(discovery, options.onProgress);
  const evaluation = evaluate(facts, options.rules ?? RULES, options.flagRules ?? FLAG_RULES, config);
  const sourceFiles = facts.files.filter((f) => f.role === 'source').length;
  return {
    tool: { ...TOOL },
    root,
    config: config.file ? path.relative(root, config.file).split(path.sep).join('/') : undefined,
    failUnder: config.failUnder,
    ...evaluation,
    stats: {
      files: facts.files.length,
      sourceFiles,
      testFiles: facts.files.length - sourceFiles,
      skipped: facts.skipped.length,
      examples: discovery.examples,
      parseErrors: facts.files.reduce((n, f) => n + (f.parseErrors ? 1 : 0), 0),
      durationMs: Math.round(performance.now() - t0),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    skipped: facts.skipped,
  };
}
