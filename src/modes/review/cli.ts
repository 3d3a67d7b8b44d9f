/**
 * `audit show` and `audit review …`: evidence packs for one check, and reviewed judgements that
 * `audit evaluate` honours until the code they cite changes. Contract as for every command: never
 * calls process.exit; bad input is a UsageError (exit 2) and nothing is written.
 */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { RULES } from '../../rules/index.js';
import { runAudit } from '../evaluate/index.js';
import { evidencePack, packText } from './show.js';
import { citeLine, parseCheckId, parseLevel, readReviews, REVIEW_FILE, staleness, writeReviews } from './store.js';

export interface ReviewIo {
  stdout: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export function parseContext(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 200) throw new InvalidArgumentError('expected a whole number of lines from 0 to 200');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const SHOW_HELP = `
Prints what a reviewer needs to confirm or correct one verdict: the catalog's definition and the
judging rules that apply, the verdict with its reason and confidence, and each evidence site with
its code (the enclosing function, or ±N lines with --context N).

Examples:
  $ audit show permissions.gate                 the gate check of the harness in this folder
  $ audit show budget.hard-limits ./agent --context 5
  $ audit show persistence.resume . --format json   for a coding agent`;

const REVIEW_HELP = `
A reviewed judgement replaces the static verdict in every report, marked as reviewed, until one of
the lines it cites changes; then it is stale, and the static verdict is used again with a warning.
Commit ${REVIEW_FILE} so that CI applies the same judgements.

Examples:
  $ audit review set permissions.gate present --reason "every call passes ToolRunner.run's decide()" \\
      --evidence src/tools/runner.ts:42 --by alice
  $ audit review list
  $ audit review clear permissions.gate`;

export function registerReviewCommands(program: Command, io: ReviewIo): void {
  program
    .command('show')
    .description("one check's evidence pack: definition, judging rules, verdict and the code behind each evidence line")
    .argument('<check-id>', 'a check id, e.g. permissions.gate (audit rules lists them)')
    .argument('[path]', 'root folder of the harness', '.')
    .option('--context <n>', 'show N lines either side of each evidence line instead of the enclosing function', parseContext)
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'configuration file (default: audit.config.{yaml,yml,json} at the root)')
    .option('--no-review', 'ignore reviewed judgements: the static verdict alone')
    .addHelpText('after', SHOW_HELP)
    .action(async (idArg: string, target: string, opts: { context?: number; format: 'text' | 'json'; config?: string; review: boolean }) => {
      const id = parseCheckId(idArg);
      const rule = RULES.find((r) => r.id === id)!;
      const result = await runAudit(path.resolve(io.cwd, target), { rules: [rule], flagRules: [], configPath: opts.config && path.resolve(io.cwd, opts.config), review: opts.review });
      const pack = await evidencePack(result, id, opts.context);
      io.stdout(opts.format === 'json' ? JSON.stringify(pack, null, 2) + '\n' : packText(pack));
    });

  const review = program.command('review').description(`record, list and clear reviewed judgements (${REVIEW_FILE})`).addHelpText('after', REVIEW_HELP);
  const rootOption = () => new Option('-C, --root <path>', 'root folder of the harness (where .audit/ lives)').default('.');

  review
    .command('set')
    .description('record a judgement of one check, citing the lines it rests on')
    .argument('<check-id>', 'the check judged')
    .argument('<level>', 'present, partial or absent')
    .requiredOption('--reason <text>', 'why, in one sentence a reviewer can check against the cited lines')
    .option('--evidence <file:line>', 'a line the judgement rests on (repeat for several); required', collect)
    .option('--by <name>', 'who reviewed it (default: $USER); an agent writes e.g. agent:claude')
    .addOption(rootOption())
    .action((idArg: string, levelArg: string, opts: { reason: string; evidence?: string[]; by?: string; root: string }) => {
      const root = path.resolve(io.cwd, opts.root);
      const id = parseCheckId(idArg);
      const level = parseLevel(levelArg);
      if (!opts.reason.trim()) throw new UsageError('--reason must say why');
      if (!opts.evidence?.length) throw new UsageError('cite at least one line with --evidence FILE:LINE: a judgement goes stale when its cited lines change');
      const evidence = opts.evidence.map((spec) => citeLine(root, spec));
      const reviews = readReviews(root);
      const by = opts.by?.trim() || io.env.USER || io.env.USERNAME || 'unknown';
      reviews.judgements[id] = { level, reason: opts.reason.trim(), evidence, by, at: new Date().toISOString() };
      writeReviews(root, reviews);
      io.stdout(`recorded ${id}: ${level} (by ${by}) in ${REVIEW_FILE}, citing:\n${evidence.map((e) => `  ${e.file}:${e.line}  ${e.text}\n`).join('')}`);
    });

  review
    .command('list')
    .description('the recorded judgements, each marked current or stale')
    .addOption(rootOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((opts: { root: string; format: 'text' | 'json' }) => {
      const root = path.resolve(io.cwd, opts.root);
      const rows = Object.entries(readReviews(root).judgements).map(([id, j]) => ({ id, ...j!, stale: staleness(root, j!) ?? null }));
      if (opts.format === 'json') {
        io.stdout(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      if (!rows.length) {
        io.stdout(`no reviewed judgements in ${REVIEW_FILE}\n`);
        return;
      }
      for (const r of rows) {
        io.stdout(`${r.id}: ${r.level} — ${r.reason}\n  by ${r.by} on ${r.at.slice(0, 10)}; cites ${r.evidence.map((e) => `${e.file}:${e.line}`).join(', ')}\n`);
        if (r.stale) io.stdout(`  stale: ${r.stale.changed} changed${r.stale.now === undefined ? ' (the line is gone)' : ''}; the static verdict is used until it is reviewed again\n`);
      }
    });

  review
    .command('clear')
    .description('drop the judgement of one check')
    .argument('<check-id>', 'the check')
    .addOption(rootOption())
    .action((idArg: string, opts: { root: string }) => {
      const root = path.resolve(io.cwd, opts.root);
      const id = parseCheckId(idArg);
      const reviews = readReviews(root);
      if (!reviews.judgements[id]) throw new UsageError(`no judgement of ${id} is recorded in ${REVIEW_FILE}`);
      delete reviews.judgements[id];
      writeReviews(root, reviews);
      io.stdout(`cleared ${id}\n`);
    });
}
