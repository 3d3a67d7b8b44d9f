/**
 * The command line: option declarations and exit codes, nothing else. `run` never calls
 * process.exit; it returns 0 (ok), 1 (a threshold failed) or 2 (usage, config or internal error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, UsageError } from './errors.js';
import { readBaseline, regressions } from './modes/evaluate/baseline.js';
import { runAudit, type AuditResult } from './modes/evaluate/index.js';
import { FORMATS, REPORTERS, type Format } from './modes/evaluate/reporters/index.js';
import { RULES } from './rules/index.js';
import { registerHarnessCommands } from './reference-harness/cli.js';
import { TOOL } from './version.js';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout / stderr are terminals (colour, progress). */
  stdoutTTY: boolean;
  stderrTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIo = (): Io => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  stdoutTTY: !!process.stdout.isTTY,
  stderrTTY: !!process.stderr.isTTY,
  env: process.env,
  cwd: process.cwd(),
});

interface EvaluateOptions {
  format: Format;
  output?: string;
  config?: string;
  failUnder?: number;
  baseline?: string;
  quiet?: boolean;
  debug?: boolean;
  progress: boolean;
  color?: boolean;
}

function parseScore(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a number from 0 to 100');
  return n;
}

const EXAMPLES = `
Examples:
  $ audit evaluate                          audit the current folder, text report
  $ audit evaluate ./my-agent --format json --output audit.json
  $ audit evaluate . --format sarif --output audit.sarif   upload to GitHub code scanning
  $ audit evaluate . --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ audit evaluate . --fail-under 70        exit 1 when the score is below 70
  $ audit evaluate . --format json --output .audit-baseline.json
  $ audit evaluate . --baseline .audit-baseline.json   exit 1 if a check regressed
  $ audit evaluate src/reference-harness    see what 100/100 looks like

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

  program
    .command('evaluate')
    .alias('eval')
    .description('statically analyse a harness against the 25 checks and report each as present, partial or absent')
    .argument('[path]', 'root folder of the harness to audit', '.')
    .addOption(new Option('-f, --format <format>', 'report format').choices(FORMATS).default('text'))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('-c, --config <file>', 'configuration file (default: audit.config.{yaml,yml,json} at the root)')
    .option('--fail-under <score>', 'exit 1 when the overall score (0-100) is below this', parseScore)
    .option('-b, --baseline <file>', 'a JSON report from an earlier run: exit 1 if any check dropped a level since')
    .option('-q, --quiet', 'text report: show only checks that are not present; no progress')
    .option('--no-progress', 'no progress on stderr')
    .option('--no-color', 'no colours in the text report (also off under NO_COLOR or when not a terminal)')
    .option('--debug', 'print stack traces for internal errors')
    .addHelpText('after', EXAMPLES)
    .action(async (target: string, opts: EvaluateOptions) => {
      debug = !!opts.debug;
      exitCode = await evaluateCommand(target, opts, io);
    });

  registerHarnessCommands(program);

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
  const baseline = opts.baseline ? readBaseline(path.resolve(io.cwd, opts.baseline)) : undefined;
  const result: AuditResult = await runAudit(path.resolve(io.cwd, target), { configPath: opts.config && path.resolve(io.cwd, opts.config), onProgress });
  if (shown) io.stderr('\r\x1b[K');

  const color = opts.color !== false && !opts.output && opts.format === 'text' && io.stdoutTTY && !('NO_COLOR' in io.env && io.env.NO_COLOR !== '');
  const report = REPORTERS[opts.format](result, { color, quiet: opts.quiet, rules: RULES });
  if (opts.output) {
    const out = path.resolve(io.cwd, opts.output);
    try {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, report);
    } catch (err) {
      throw new UsageError(`cannot write ${opts.output}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
    if (!opts.quiet) io.stderr(`wrote ${opts.format} report to ${opts.output} (score ${result.score}/100)\n`);
  } else {
    io.stdout(report);
  }

  const failUnder = opts.failUnder ?? result.failUnder;
  const failures: string[] = [];
  if (failUnder !== undefined && result.score < failUnder) failures.push(`score ${result.score} is below ${failUnder}`);
  const missing = result.checks.filter((c) => c.required && c.level !== 'present');
  if (missing.length) failures.push(`required check${missing.length > 1 ? 's' : ''} not present: ${missing.map((c) => `${c.id} (${c.level})`).join(', ')}`);
  const dropped = baseline ? regressions(baseline, result.checks) : [];
  if (dropped.length) failures.push(`regressed since the baseline: ${dropped.map((r) => `${r.id} ${r.from} → ${r.to}`).join(', ')}`);
  if (failures.length) {
    io.stderr(`audit: failed: ${failures.join('; ')}\n`);
    return 1;
  }
  return 0;
}
