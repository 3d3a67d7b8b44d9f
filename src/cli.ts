/**
 * The command line: option declarations and exit codes, nothing else. `run` never calls
 * process.exit; it returns 0 (ok), 1 (a threshold failed) or 2 (usage, config or internal error).
 */
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, UsageError } from './errors.js';
import { baselineView, prepareBaseline, settleBaseline } from './modes/evaluate/baseline.js';
import { changeCommand } from './modes/evaluate/staged.js';
import { defaultCacheDir, FactCache } from './modes/evaluate/cache.js';
import { registerInitCommand } from './modes/evaluate/init.js';
import { findRepoRoot, reapplyReviews, resolveRoot, runAudit, thresholdFailures, type AuditResult } from './modes/evaluate/index.js';
import type { RepoFacts } from './analyzers/facts.js';
import { FORMATS, REPORTERS, writeReportFile, type Format } from './modes/evaluate/reporters/index.js';
import { FLAG_RULES, RULES } from './rules/index.js';
import { registerHarnessCommands } from './reference-harness/cli.js';
import { addClaudeOptions, positive, registerDesignCommand } from './modes/design/command.js';
import { registerRulesCommand } from './modes/evaluate/rules-command.js';
import { PACKAGE_ROOT } from './package-root.js';
import { parseContext, registerReviewCommands } from './modes/review/cli.js';
import { excerpt } from './modes/review/show.js';
import type { LlmScope } from './modes/review/llm.js';
import { TOOL } from './version.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout / stderr are terminals (colour, progress). */
  stdoutTTY: boolean;
  stderrTTY: boolean;
  /** The terminal's width in columns, when stdout is one. */
  columns?: number;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Where `audit design` reads a proposal given as `-` and interactive answers (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

export const processIo = (): Io => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdoutTTY: !!process.stdout.isTTY,
  stderrTTY: !!process.stderr.isTTY,
  columns: process.stdout.columns,
  env: process.env,
  cwd: process.cwd(),
});

interface EvaluateOptions {
  format: Format;
  output?: string;
  config?: string;
  failUnder?: number;
  baseline?: string;
  updateBaseline?: boolean;
  staged?: boolean;
  changed?: boolean;
  since?: string;
  cache: boolean;
  cacheDir?: string;
  quiet?: boolean;
  verbose?: boolean;
  debug?: boolean;
  progress: boolean;
  color?: boolean;
  review: boolean;
  context?: number;
  llm?: boolean;
  model: string;
  maxTokens: number;
  budget: number;
  timeout: number;
  maxTurns: number;
  llmScope: LlmScope;
}

function parseScore(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a number from 0 to 100');
  return n;
}

/**
 * The default token budget of `evaluate --llm`: each reviewed check is a short conversation that
 * resends the pack and what Claude read (about 15k tokens for a check with three turns), and a
 * harness has some 20-25 applicable checks (the low-confidence ones are sent first).
 */
const LLM_REVIEW_BUDGET = 400_000;

const EXAMPLES = `
Examples:
  $ audit evaluate                          audit the current folder, text report
  $ audit evaluate ./my-agent --format json --output audit.json
  $ audit evaluate . --format sarif --output audit.sarif   upload to GitHub code scanning
  $ audit evaluate . --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ audit evaluate . --fail-under 70        exit 1 when the score is below 70
  $ audit evaluate . --update-baseline      write .audit-baseline.json (accept this run)
  $ audit evaluate . --baseline .audit-baseline.json   exit 1 if a check regressed
  $ audit evaluate src/reference-harness    see what 100/100 looks like
  $ audit rules permissions.gate            what a check looks for, its levels and the fix

Exit codes: 0 ok, 1 a threshold failed (--fail-under, failUnder, a required check
not present, or a check that regressed since --baseline), 2 usage, configuration or
internal error.

Configuration: audit.config.yaml (or .yml/.json) at the audited root, or --config FILE:
  exclude: ["legacy/**"]          # on top of .gitignore and built-in excludes
  harness: ["packages/core/src"]  # where the harness lives (default: all source)
  failUnder: 70
  checks:
    permissions.shell-guard: required
    agents.subagent-limits: { level: off, reason: "single-agent by design" }
JSON Schema for editors: schema/audit.config.schema.json in this package.`;

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  let exitCode = 0;
  let debug = argv.includes('--debug');
  const program = new Command()
    .name('audit')
    .description('Audit the architecture of an AI agent harness: tool registries, permissions, persistence, budgets, logging, verification and agent typing.')
    .version(TOOL.version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  const evaluate = program
    .command('evaluate')
    .alias('eval')
    .description('statically analyse a harness against the 25 checks and report each as present, partial or absent')
    .argument('[path]', 'root folder of the harness to audit', '.')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'configuration file (default: audit.config.{yaml,yml,json} at the root)')
    .option('--fail-under <score>', 'exit 1 when the overall score (0-100) is below this', parseScore)
    .option('-b, --baseline <file>', 'a baseline (--update-baseline) or JSON report from an earlier run: exit 1 if a check dropped a level or lost a mechanism since')
    .option('--update-baseline', 'accept this run: write it as the baseline (--baseline FILE, default .audit-baseline.json at the root)')
    .option('--staged', 'audit the tree as the index would commit it and report only what the change does to the checks')
    .option('--changed', 'the same for the working tree: what the uncommitted change does to the checks')
    .option('--since <ref>', '--staged / --changed: the commit the change starts from (default HEAD)')
    .option('--cache-dir <dir>', 'where per-file facts are cached (default node_modules/.cache/agent-audit, outside a Node project ~/.cache/agent-audit)')
    .option('--no-cache', 'neither read nor write the fact cache')
    .option('-q, --quiet', 'text report: show only checks that are not present; no progress')
    .option('--verbose', 'text report: name every skipped file and show all evidence')
    .option('--no-progress', 'no progress on stderr')
    .option('--no-color', 'no colours in the text report (also off under NO_COLOR or when not a terminal)')
    .option('--no-review', 'ignore reviewed judgements (.audit/review.json): the static verdicts alone')
    .option('--context <n>', 'JSON report: embed N lines of code either side of each evidence line', parseContext);
  addClaudeOptions(evaluate, { llm: 'review the verdicts with Claude, the low-confidence ones first (needs ANTHROPIC_API_KEY), and record the judgements whose cited lines check out in .audit/review.json', budget: 'the whole --llm review', suffix: ' (--llm)', budgetDefault: LLM_REVIEW_BUDGET })
    .option('--max-turns <n>', 'most Claude calls per reviewed check, its read_file / search tool turns included; 1 sends the evidence pack alone, without tools (--llm)', positive('a number of turns'), 8)
    .addOption(new Option('--llm-scope <which>', 'which verdicts --llm reviews: all (the low-confidence ones first, then the high ones: on harnesses it was not tuned on, 10 of 69 high verdicts were wrong), or only the low ones (cheaper)').choices(['all', 'low'] satisfies LlmScope[]).default('all'))
    .option('--debug', 'print stack traces for internal errors')
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, opts: EvaluateOptions) => {
      debug = !!opts.debug;
      exitCode = await evaluateCommand(target, opts, io);
    });

  registerRulesCommand(program, io);
  registerInitCommand(program, io);
  registerHarnessCommands(program);
  registerDesignCommand(program, io, (code) => (exitCode = code));
  registerReviewCommands(program, io);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode || (typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : 2;
    }
    if (err instanceof UsageError || err instanceof ConfigError) {
      io.stderr(`audit: ${err.message}\n`);
      return 2;
    }
    io.stderr(`audit: internal error: ${(err as Error)?.message ?? String(err)}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(err.stack + '\n');
    else io.stderr('(run again with --debug for a stack trace; please report it)\n');
    return 2;
  }
}

async function evaluateCommand(target: string, opts: EvaluateOptions, io: Io): Promise<number> {
  if (opts.since && !opts.staged && !opts.changed) throw new UsageError('--since goes with --staged or --changed');
  const cache = opts.cache === false ? undefined : FactCache.open(opts.cacheDir ? path.resolve(io.cwd, opts.cacheDir) : defaultCacheDir(io.cwd, io.env), path.resolve(io.cwd, target));
  try {
    return opts.staged || opts.changed ? await changeCommand(target, opts, io, { cache }) : await evaluateTree(target, opts, io, cache);
  } finally {
    await cache?.flush(); // the fact cache is written in the background while the rules run
  }
}

async function evaluateTree(target: string, opts: EvaluateOptions, io: Io, cache: FactCache | undefined): Promise<number> {
  const showProgress = opts.progress && !opts.quiet && io.stderrTTY;
  const started = Date.now();
  let shown = false;
  const onProgress = showProgress
    ? (done: number, total: number) => {
        if (Date.now() - started < 1000) return;
        shown = true;
        io.stderr(`\rfiles analysed ${done}/${total}`);
      }
    : undefined;
  const auditRoot = resolveRoot(path.resolve(io.cwd, target));
  const baseline = prepareBaseline(opts.baseline, !!opts.updateBaseline, io.cwd, auditRoot, findRepoRoot(auditRoot));
  let facts: RepoFacts | undefined;
  let llmFailed = false;
  const auditOptions = { configPath: opts.config && path.resolve(io.cwd, opts.config), onProgress, review: opts.review, onFacts: (f: RepoFacts) => void (facts = f), cache };
  let result: AuditResult = await runAudit(path.resolve(io.cwd, target), auditOptions);
  if (shown) io.stderr('\r\x1b[K');
  if (opts.llm) {
    if (!opts.review) throw new UsageError('--llm records reviewed judgements, so it cannot run with --no-review');
    const apiKey = io.env.ANTHROPIC_API_KEY;
    if (!apiKey) throw new UsageError('--llm needs ANTHROPIC_API_KEY in the environment; the audit itself needs no key: run the same command without --llm');
    const { llmReview, llmReportText } = await import('./modes/review/llm.js');
    // On a terminal the answers stream in, and the line shows how far the current one has come.
    const live = io.stderrTTY && opts.progress;
    let current = '';
    let received = 0;
    const report = await llmReview(
      result,
      { apiKey, baseURL: io.env.ANTHROPIC_BASE_URL || undefined, model: opts.model, maxTokens: opts.maxTokens, budget: opts.budget, timeoutMs: opts.timeout * 1000, maxTurns: opts.maxTurns, scope: opts.llmScope },
      (id, i, n) => {
        current = `reviewing ${i + 1}/${n} with Claude: ${id}`;
        received = 0;
        if (live) io.stderr(`\r${current}\x1b[K`);
      },
      live ? (delta) => io.stderr(`\r${current} (${(received += delta.length)} characters)\x1b[K`) : undefined,
      live
        ? (name, input) => {
            const what = (input as { path?: unknown; pattern?: unknown } | null) ?? {};
            const arg = String(what.path ?? what.pattern ?? '').slice(0, 60);
            io.stderr(`\r${current}: ${name} ${arg}\x1b[K`);
          }
        : undefined,
    );
    if (io.stderrTTY && opts.progress) io.stderr('\r\x1b[K');
    io.stderr(llmReportText(report));
    // The recorded judgements apply like any other review: evaluate the same facts again so every format shows them.
    if (report.outcomes.some((o) => o.status === 'recorded') && facts) result = await reapplyReviews(result, facts, auditOptions);
    llmFailed = report.outcomes.some((o) => o.status === 'error');
  }
  for (const c of result.checks) {
    if (c.review?.status === 'stale') io.stderr(`audit: warning: the reviewed judgement of ${c.id} (${c.review.level}, by ${c.review.by}) is stale: ${c.review.changed} changed since; using the static verdict (${c.level}). Review it again: audit show ${c.id}\n`);
  }
  const context = opts.context ?? (opts.format === 'html' ? 3 : undefined);
  if (context !== undefined) {
    for (const c of result.checks) for (const e of c.evidence) Object.assign(e, { code: await excerpt(result.root, e.file, e.line, context) });
  }

  const color = opts.color !== false && !opts.output && opts.format === 'text' && io.stdoutTTY && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '');
  if (result.stats.sourceFiles === 0) {
    const found = [result.stats.testFiles && `${result.stats.testFiles} test files`, result.stats.examples && `${result.stats.examples} example or script files`, result.skipped.length && `${result.skipped.length} skipped`].filter(Boolean);
    throw new UsageError(`no harness source under ${target}: no .ts, .js or .py file outside tests, examples and ignored folders${found.length ? ` (found ${found.join(', ')})` : ''}; audit the folder that holds the agent's code, or set harness: in audit.config.yaml`);
  }
  const width = !opts.output && io.stdoutTTY && io.columns ? io.columns : 100;
  // Only the HTML report shows the baseline comparison; settleBaseline below decides the exit code.
  const report = REPORTERS[opts.format](result, { color, quiet: opts.quiet, verbose: opts.verbose, rules: RULES, flagRules: FLAG_RULES, cwd: io.cwd, width, exemplarRoot: PACKAGE_ROOT, baseline: opts.format === 'html' ? baselineView(baseline, result.checks, facts) : undefined });
  if (opts.output) {
    writeReportFile(io.cwd, opts.output, report);
    if (!opts.quiet) io.stderr(`wrote ${opts.format} report to ${opts.output} (score ${result.score}/100)\n`);
  } else {
    io.stdout(report);
  }

  const failures = thresholdFailures(result, opts.failUnder);
  const regressed = settleBaseline(baseline, result, facts, (line) => io.stderr(`audit: ${line}\n`));
  if (regressed) failures.push(regressed);
  if (failures.length) {
    io.stderr(`audit: failed: ${failures.join('; ')}\n`);
    return 1;
  }
  // The report above is the static one where Claude could not be reached: say so in the exit code.
  return llmFailed ? 2 : 0;
}
