/**
 * `audit design`: option declarations and exit codes. Returns 0 when the review ran, 1 when
 * `--fail-on` finds a concern at that severity still open, and throws UsageError (exit 2) for
 * usage problems; an API failure with `--llm` prints the offline review, one line on stderr, and
 * returns 2. The evaluate pipeline and the SDK load only when `--against` / `--llm` ask for them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { Spent } from '../../reference-harness/budget/budget.js';
import { lineReader, runSession } from './interactive.js';
import { atLeast, review, type CodeAudit, type Review } from './review.js';
import { DESIGN_FORMATS, DESIGN_REPORTERS, decisionRecord, type DesignFormat } from './reporters.js';
import { createSession, listSessions, loadSession, type DesignSession } from './session.js';
import { SEVERITIES, type Severity } from './signals.js';

/** What design mode needs from the CLI's Io; `stdin` defaults to process.stdin. */
export interface DesignIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin?: NodeJS.ReadableStream;
}

export interface DesignOptions {
  format: DesignFormat;
  failOn?: Severity;
  against?: string;
  llm?: boolean;
  model: string;
  maxTokens: number;
  budget: number;
  timeout: number;
  interactive?: boolean;
  resume?: string;
  list?: boolean;
}

/** Claude defaults: a current model, a per-call max_tokens, a budget for the whole review. */
export const DEFAULTS = { model: 'claude-sonnet-5-5', maxTokens: 4096, budget: 60_000, timeout: 120 } as const;

export const positive = (what: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected ${what} (a whole number above 0)`);
  return n;
};

const EXAMPLES = `
Examples:
  $ audit design docs/agent-proposal.md            offline review: covered checks, one question per gap
  $ cat proposal.md | audit design -               the proposal from stdin
  $ audit design proposal.md --format json         { verdict, covered: [checkId], concerns: [{ id, severity, question, why, quote? }] }
  $ audit design proposal.md --format markdown >> "$GITHUB_STEP_SUMMARY"
  $ audit design proposal.md --fail-on high        exit 1 while a high-severity concern is open
  $ audit design proposal.md --against .           credit what the existing code already does (evaluate pipeline)
  $ ANTHROPIC_API_KEY=… audit design proposal.md --llm --budget 40000
  $ audit design proposal.md --interactive         one concern at a time; saved under .audit/sessions/<id>/
  $ audit design --list                            saved sessions (--format json for scripts)
  $ audit design --resume 20261204T101500-a1b2c3   continue at the first unanswered concern

The offline review needs no key and no network. With --llm, Claude deepens it: the system prompt
carries the check catalog and the offline findings; every call has max_tokens and the whole review
stays within --budget tokens, reported at the end. ANTHROPIC_BASE_URL is read as the SDK reads it.

Exit codes: 0 the review ran, 1 --fail-on found an open concern at that severity or above,
2 usage error, or the Claude API failed (one line on stderr; the offline review is still printed).`;

/**
 * The Claude options of a command that can call the model (design, evaluate): --llm, --model,
 * --max-tokens, --budget, --timeout, with the defaults above (`budgetDefault` overrides the budget's).
 * `suffix` marks the options as belonging to --llm on a command that mostly runs without it.
 */
export function addClaudeOptions(cmd: Command, help: { llm: string; budget: string; suffix: string; budgetDefault?: number }): Command {
  return cmd
    .option('--llm', help.llm)
    .option('--model <id>', 'Claude model for --llm', DEFAULTS.model)
    .option('--max-tokens <n>', `max_tokens of each Claude call${help.suffix}`, positive('a token count'), DEFAULTS.maxTokens)
    .option('--budget <tokens>', `token budget for ${help.budget} (input + output)`, positive('a token count'), help.budgetDefault ?? DEFAULTS.budget)
    .option('--timeout <seconds>', `timeout of each Claude call${help.suffix}, in seconds`, positive('seconds'), DEFAULTS.timeout);
}

export function registerDesignCommand(program: Command, io: DesignIo, setExit: (code: number) => void): void {
  const design = program
    .command('design')
    .description('review an agent design proposal before code exists: what it covers, one question per gap, push-back on premature multi-agent plans')
    .argument('[proposal]', 'Markdown or plain-text proposal file, or - for stdin')
    .addOption(new Option('-f, --format <format>', 'report format (and --list format)').choices(DESIGN_FORMATS).default('text'))
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a concern at this severity or above is open').choices(SEVERITIES))
    .option('--against <path>', 'also audit the existing harness at this path and credit what its code already does');
  addClaudeOptions(design, { llm: 'review with Claude (needs ANTHROPIC_API_KEY)', budget: 'the whole Claude review', suffix: '' })
    .option('-i, --interactive', 'answer the concerns one at a time; the session is saved under .audit/sessions/<id>/')
    .option('--resume <id>', 'continue a saved interactive session at its first unanswered concern')
    .option('--list', 'list saved sessions')
    .addHelpText('after', EXAMPLES)
    .action(async (proposal: string | undefined, opts: DesignOptions) => {
      setExit(await designCommand(proposal, opts, io));
    });
}

export async function designCommand(proposal: string | undefined, opts: DesignOptions, io: DesignIo): Promise<number> {
  if (opts.list) return list(opts, io);
  const stdin = io.stdin ?? process.stdin;
  if (opts.resume) {
    if (proposal) throw new UsageError('--resume continues a saved session: give no proposal with it');
    const session = loadSession(io.cwd, opts.resume);
    return continueSession(session, opts, io, stdin);
  }
  if (!proposal) throw new UsageError('give a proposal file (or - for stdin), --resume <id> or --list; see audit design --help');
  if (opts.interactive && proposal === '-') throw new UsageError('--interactive reads your answers from stdin: give the proposal as a file');
  const text = await readProposal(proposal, io.cwd, stdin);
  const name = proposal === '-' ? 'stdin' : proposal;
  const key = opts.llm ? apiKey(io) : undefined;

  let result = review(text, name, opts.against ? await auditCode(opts.against, io.cwd) : undefined);
  let reviewer = key ? await claude(key, opts, io) : undefined;
  if (reviewer) result = await reviewer.review(text, result);

  if (!opts.interactive) {
    io.stdout(DESIGN_REPORTERS[opts.format](result));
    if (result.llm?.error) {
      io.stderr(`audit: ${result.llm.error}\n`);
      return 2;
    }
    return failOn(result, opts, io, () => true);
  }
  if (result.llm?.error) {
    io.stderr(`audit: ${result.llm.error}; the session goes on with the offline review, without Claude\n`);
    reviewer = undefined;
  }
  if (result.llm?.plainText !== undefined) io.stdout(`Claude answered in plain text instead of the requested JSON; its answer as is:\n\n${result.llm.plainText.trim()}\n\nThe session goes on with the offline concerns.\n`);
  const session = createSession(io.cwd, { name, text }, result, reviewer ? { model: opts.model, budget: opts.budget, maxTokens: opts.maxTokens } : null);
  if (reviewer) session.state.spent = { ...reviewer.budget.spent };
  session.save();
  const r = session.state.review;
  io.stdout(
    `Design review of ${name}: ${r.concerns.length} concern${r.concerns.length === 1 ? '' : 's'} to answer, highest severity first` +
      `${r.covered.length ? `; covered: ${r.covered.join(', ')}` : ''}.\n` +
      `Session ${session.id} (saved in ${path.relative(io.cwd, session.dir) || session.dir}); stop any time with Ctrl-D and continue with: audit design --resume ${session.id}\n`,
  );
  return runInteractive(session, opts, io, stdin, reviewer);
}

async function continueSession(session: DesignSession, opts: DesignOptions, io: DesignIo, stdin: NodeJS.ReadableStream): Promise<number> {
  const r = session.state.review;
  if (session.state.done) {
    io.stdout(`Session ${session.id} is closed; its decision record:\n\n${decisionRecord(session.state)}`);
    return failOn(r, opts, io, (id) => session.state.answers[id]?.resolution !== 'resolved');
  }
  const next = session.next() ?? 0;
  const answered = r.concerns.filter((c) => session.state.answers[c.id]).length;
  io.stdout(`Resuming session ${session.id} (${session.state.proposal.name}): ${answered} of ${r.concerns.length} concerns answered; continuing at ${r.concerns[next]?.id}.\n`);
  session.log({ type: 'resumed', next: r.concerns[next].id });
  let reviewer;
  if (opts.llm) {
    const key = apiKey(io);
    const llm = session.state.llm ?? { model: opts.model, budget: opts.budget, maxTokens: opts.maxTokens };
    reviewer = await claude(key, { ...opts, model: llm.model, budget: llm.budget, maxTokens: llm.maxTokens }, io, session.state.spent ?? undefined);
  }
  return runInteractive(session, opts, io, stdin, reviewer);
}

async function runInteractive(session: DesignSession, opts: DesignOptions, io: DesignIo, stdin: NodeJS.ReadableStream, reviewer?: Awaited<ReturnType<typeof claude>>): Promise<number> {
  const lines = lineReader(stdin);
  try {
    await runSession(session, { stdout: io.stdout, stderr: io.stderr, lines }, reviewer);
  } finally {
    lines.close();
  }
  if (reviewer) {
    const s = reviewer.budget.spent;
    io.stdout(`Claude (${reviewer.opts.model}): ${s.turns} call${s.turns === 1 ? '' : 's'}, ${s.inputTokens + s.outputTokens} of ${reviewer.opts.budget} budgeted tokens (${s.inputTokens} in, ${s.outputTokens} out)\n`);
  }
  return failOn(session.state.review, opts, io, (id) => session.state.answers[id]?.resolution !== 'resolved');
}

function failOn(r: Review, opts: DesignOptions, io: DesignIo, open: (id: Review['concerns'][number]['id']) => boolean): number {
  if (!opts.failOn) return 0;
  const failing = atLeast(r.concerns, opts.failOn).filter((c) => open(c.id));
  if (!failing.length) return 0;
  io.stderr(`audit: failed: ${failing.length} concern${failing.length > 1 ? 's' : ''} at ${opts.failOn} severity or above still open: ${failing.map((c) => c.id).join(', ')}\n`);
  return 1;
}

function list(opts: DesignOptions, io: DesignIo): number {
  const sessions = listSessions(io.cwd);
  if (opts.format === 'json') {
    io.stdout(JSON.stringify(sessions, null, 2) + '\n');
    return 0;
  }
  if (!sessions.length) {
    io.stdout(`No design sessions in ${path.join('.audit', 'sessions')}; start one with: audit design <proposal.md> --interactive\n`);
    return 0;
  }
  const rows = sessions.map((s) => [s.id, `${s.answered}/${s.answered + s.remaining} answered`, s.updatedAt.replace('T', ' ').replace(/\..*/, ''), s.proposal]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) io.stdout(`${r.slice(0, 3).map((c, i) => c.padEnd(widths[i])).join('  ')}  ${r[3]}\n`);
  io.stdout('Continue one with: audit design --resume <id>\n');
  return 0;
}

async function readProposal(proposal: string, cwd: string, stdin: NodeJS.ReadableStream): Promise<string> {
  let text: string;
  if (proposal === '-') {
    let raw = '';
    for await (const chunk of stdin) raw += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    text = raw;
  } else {
    const file = path.resolve(cwd, proposal);
    try {
      if (fs.statSync(file).isDirectory()) throw new UsageError(`${proposal} is a folder: give the proposal's Markdown file (to audit code, use audit evaluate ${proposal})`);
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read the proposal ${proposal}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { cause: err });
    }
  }
  if (!text.trim()) throw new UsageError(`the proposal ${proposal === '-' ? 'on stdin' : proposal} is empty`);
  return text;
}

function apiKey(io: DesignIo): string {
  const key = io.env.ANTHROPIC_API_KEY;
  if (!key) throw new UsageError('--llm needs ANTHROPIC_API_KEY in the environment; the offline review needs no key: run the same command without --llm');
  return key;
}

async function claude(key: string, opts: DesignOptions, io: DesignIo, spent?: Partial<Spent>) {
  const { ClaudeReviewer } = await import('./claude.js');
  return new ClaudeReviewer({ apiKey: key, baseURL: io.env.ANTHROPIC_BASE_URL || undefined, model: opts.model, maxTokens: opts.maxTokens, budget: opts.budget, timeoutMs: opts.timeout * 1000 }, spent);
}

async function auditCode(target: string, cwd: string): Promise<CodeAudit> {
  const { runAudit } = await import('../evaluate/index.js');
  const result = await runAudit(path.resolve(cwd, target));
  return {
    root: target,
    score: result.score,
    checks: result.checks.filter((c) => c.level !== 'off').map((c) => ({ id: c.id, level: c.level, reason: c.reason, evidence: c.evidence })),
  };
}
