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
import type { RepoFacts } from '../../analyzers/facts.js';
import type { FactCache } from './cache.js';
import { analyze, type Progress } from './analyze.js';
import { loadConfig, type ResolvedConfig } from './config.js';
import { discover } from './discover.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { withoutOptimizer } from './jit.js';
import { reviewHook } from '../review/apply.js';
import { readReviews } from '../review/store.js';

export interface AuditResult extends Evaluation {
  tool: { name: string; version: string };
  /** The audited folder as given (absolute). */
  root: string;
  /** The repository the folder is in: the nearest folder above it with `.git`, else `root`. */
  repoRoot: string;
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
  /** Files with syntax errors: analysed anyway, so what they hold may be missed. */
  parseErrorFiles: Array<{ path: string; errors: number }>;
}

/** The git top level of `dir` (the nearest folder at or above it holding `.git`), else `dir`. */
export function findRepoRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

export interface AuditOptions {
  configPath?: string;
  config?: ResolvedConfig;
  rules?: readonly Rule[];
  flagRules?: readonly FlagRule[];
  onProgress?: Progress;
  /** Called with the facts once they are read (baselines use them to tell a removed mechanism from an uncited one). */
  onFacts?: (facts: RepoFacts) => void;
  /** Per-file facts from earlier runs (see ./cache.ts); the caller saves it. */
  cache?: FactCache;
  /** Apply the reviewed judgements in `.audit/review.json` at the root (default true). */
  review?: boolean;
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
  const facts = await analyze(discovery, options.onProgress, options.cache);
  options.onFacts?.(facts);
  const review = options.review === false ? undefined : reviewHook(root, readReviews(root));
  const evaluation = withoutOptimizer(() => evaluate(facts, options.rules ?? RULES, options.flagRules ?? FLAG_RULES, config, review));
  const sourceFiles = facts.files.filter((f) => f.role === 'source').length;
  return {
    tool: { ...TOOL },
    root,
    repoRoot: findRepoRoot(root),
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
    parseErrorFiles: facts.files.filter((f) => f.parseErrors).map((f) => ({ path: f.path, errors: f.parseErrors })),
  };
}

/**
 * The same audit with the reviewed judgements read again (after `evaluate --llm` recorded some):
 * the rules run again over the facts already extracted, so nothing is discovered, read or parsed
 * twice.
 */
export async function reapplyReviews(result: AuditResult, facts: RepoFacts, options: AuditOptions = {}): Promise<AuditResult> {
  const config = options.config ?? (await loadConfig(result.root, options.configPath && path.resolve(options.configPath)));
  const evaluation = withoutOptimizer(() => evaluate(facts, options.rules ?? RULES, options.flagRules ?? FLAG_RULES, config, reviewHook(result.root, readReviews(result.root))));
  return { ...result, ...evaluation };
}

/** The thresholds a result fails: the score under `failUnder` (the option, else the config), and required checks not present. */
export function thresholdFailures(result: AuditResult, failUnderOption?: number): string[] {
  const failures: string[] = [];
  const failUnder = failUnderOption ?? result.failUnder;
  if (failUnder !== undefined && result.score < failUnder) failures.push(`score ${result.score} is below ${failUnder}`);
  const missing = result.checks.filter((c) => c.required && c.level !== 'present' && c.applies);
  if (missing.length) failures.push(`required check${missing.length > 1 ? 's' : ''} not present: ${missing.map((c) => `${c.id} (${c.level})`).join(', ')}`);
  return failures;
}
