/**
 * The design review with Claude through @anthropic-ai/sdk. Contract: every call carries
 * `max_tokens`, is projected against the review's token budget first (the reference harness's
 * Budget) and records the API's usage after; the system prompt carries the catalog and the offline
 * findings. Nothing here throws at the caller: API failures come back as one line in `error`, a
 * plain-text answer comes back in `plainText`, and the offline review stands in both cases.
 */
import Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { CHECK_IDS, FLAG_IDS, PRESENT_WHEN, PRINCIPLES, principleOf, type CheckId } from '../../rules/catalog.js';
import { FLAG_RULES, RULES } from '../../rules/index.js';
import { Budget, type Spent } from '../../reference-harness/budget/budget.js';
import { MAX_CONCERNS, SEVERITIES, type Severity } from './signals.js';
import type { Concern, ConcernId, LlmReport, Review } from './review.js';
import { sentences } from './review.js';
import { RESOLUTIONS, type Resolution } from './session.js';

export const MAX_RETRIES = 2;
const CONTEXT_WINDOW = 200_000;
/** Usage is reported in tokens; cost is not estimated, so the budget's cost cap is off. */
const NO_PRICING = { inputPerMTok: 0, outputPerMTok: 0 };

export interface ClaudeOptions {
  apiKey: string;
  /** undefined: the SDK reads ANTHROPIC_BASE_URL itself, else uses the public API. */
  baseURL?: string;
  model: string;
  maxTokens: number;
  budget: number;
  timeoutMs: number;
}

const IDS = [...CHECK_IDS, ...FLAG_IDS] as [ConcernId, ...ConcernId[]];

const ConcernSchema = z.object({
  id: z.enum(IDS),
  severity: z.enum(SEVERITIES as [Severity, ...Severity[]]),
  question: z.string().min(1),
  why: z.string(),
  quote: z.string().optional(),
});
const VerdictSchema = z.enum(['ready', 'needs-answers', 'simplify-first']);
/** What the model is asked to return: the review contract itself. */
const ClaudeReviewSchema = z.object({ verdict: VerdictSchema, covered: z.array(z.enum(CHECK_IDS)), concerns: z.array(ConcernSchema) });
/** What is accepted back: the same, with unknown ids and malformed concerns dropped one by one. */
const LenientReviewSchema = z.object({
  verdict: VerdictSchema,
  covered: z.array(z.string()).transform((ids) => CHECK_IDS.filter((id) => ids.includes(id))),
  concerns: z.array(z.unknown()).transform((items) => items.flatMap((c) => {
    const parsed = ConcernSchema.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  })),
});
const OUTPUT_SCHEMA = (() => {
  const { $schema: _drop, ...schema } = z.toJSONSchema(ClaudeReviewSchema) as Record<string, unknown>;
  return schema;
})();

/** The catalog as the model reads it: principles, checks with title, what present means and why, the flag. */
export function catalogText(): string {
  const out = ['The check catalog (ids are a contract: use them exactly):'];
  for (const p of PRINCIPLES) {
    out.push(`\n${p.id}: ${p.title}`);
    for (const r of RULES.filter((r) => principleOf(r.id) === p.id)) out.push(`- ${r.id}: ${r.title}. Present when: ${PRESENT_WHEN[r.id]} Why: ${r.rationale}`);
  }
  for (const f of FLAG_RULES) out.push(`\n${f.id}: ${f.title}. ${f.description}`);
  return out.join('\n');
}

export function reviewSystemPrompt(offline: Review): string {
  const findings = { verdict: offline.verdict, covered: offline.covered, concerns: offline.concerns.map(({ id, severity, question, quote, status, code }) => ({ id, severity, status, question, quote, code })), heldBack: offline.heldBack, deferred: offline.deferred, against: offline.against };
  return [
    'You are a seasoned reviewer of AI agent harness designs. You review a design proposal before any code exists.',
    'Credit what the proposal covers. Ask one concrete question per real gap, highest severity first, quoting the proposal sentence it is about.',
    `Ask few questions when few are needed (at most ${MAX_CONCERNS}); never dump the checklist. Negated plans ("we do not …") are not coverage; plans for later ("in v2", "future work") are not coverage now.`,
    'Push back (complexity.premature-multi-agent) on several agents, routers, swarms or agents created at run time while a permission gate, resumable sessions or hard budget caps are not addressed; do not flag a sound single agent, nor a multi-agent design that has those fundamentals.',
    '',
    catalogText(),
    '',
    'An offline, rule-based review already ran. Deepen it: confirm, correct or sharpen its concerns and add what it missed; do not start over.',
    'Offline findings (JSON):',
    JSON.stringify(findings, null, 2),
    '',
    'Answer with JSON only: { "verdict": "ready" | "needs-answers" | "simplify-first", "covered": [check id], "concerns": [{ "id", "severity": "high" | "medium" | "low", "question", "why", "quote"? }] }.',
  ].join('\n');
}

/** One line for an API failure: what failed and what to do. */
export function apiErrorLine(err: unknown, opts: { model: string; timeoutMs: number; baseURL?: string }): string {
  const retried = `after ${MAX_RETRIES} retries with backoff`;
  const offline = 'or drop --llm for the offline review';
  if (err instanceof Anthropic.AuthenticationError) return `the Claude API refused the key (401): check ANTHROPIC_API_KEY, ${offline}, which needs no key`;
  if (err instanceof Anthropic.PermissionDeniedError) return `the Claude API denied access (403): check the key's workspace and permissions, ${offline}`;
  if (err instanceof Anthropic.RateLimitError) return `the Claude API is rate limiting (429) ${retried}: wait a minute and run again, ${offline}`;
  if (err instanceof Anthropic.NotFoundError) return `the Claude API does not know model ${opts.model} (404): pick another with --model`;
  if (err instanceof Anthropic.APIConnectionTimeoutError) return `the Claude API did not answer within ${Math.round(opts.timeoutMs / 1000)} s (--timeout) ${retried}; try again, ${offline}`;
  if (err instanceof Anthropic.APIConnectionError) return `cannot reach the Claude API at ${opts.baseURL ?? 'https://api.anthropic.com'} (${(err.cause as Error | undefined)?.message ?? err.message}); check ANTHROPIC_BASE_URL and the network, ${offline}`;
  if (err instanceof Anthropic.APIError && (err.status ?? 0) >= 500) return `the Claude API failed with a server error (${err.status}) ${retried}; try again later, ${offline}`;
  if (err instanceof Anthropic.APIError) return `the Claude API rejected the request (${err.status ?? 'no status'}): ${firstLine(err.message)}`;
  return `the Claude review failed: ${firstLine((err as Error)?.message ?? String(err))}`;
}

const firstLine = (s: string) => s.split('\n')[0].slice(0, 300);

/** JSON in the answer, possibly fenced; undefined when there is none. */
export function parseJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  try {
    return JSON.parse((fenced ? fenced[1] : text).trim());
  } catch {
    return undefined;
  }
}

export type FollowUp = { text: string; suggestion?: Resolution } | { error: string } | { stopped: string };

/** What one call came back with: the answer's text, or one line on why there was none. */
export type Asked = { text: string; stopReason: string | null } | { error: string } | { stopped: string };

/**
 * One Claude conversation partner under one token budget, for the design review and for
 * `evaluate --llm`: every call is projected against the budget first (max_tokens shrinks to what
 * is left, and no call is made when nothing is), records the API's usage after, and never throws.
 */
export class ClaudeClient {
  readonly budget: Budget;
  protected readonly client: Anthropic;

  constructor(
    readonly opts: ClaudeOptions,
    spent: Partial<Spent> = {},
  ) {
    this.client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: MAX_RETRIES, timeout: opts.timeoutMs });
    this.budget = new Budget({ maxTokens: opts.budget, maxTurns: Number.MAX_SAFE_INTEGER, maxCostUsd: Number.POSITIVE_INFINITY }, spent);
  }

  report(extra: Partial<LlmReport> = {}): LlmReport {
    const s = this.budget.spent;
    return { model: this.opts.model, calls: s.turns, inputTokens: s.inputTokens, outputTokens: s.outputTokens, budget: this.opts.budget, ...extra };
  }

  /** Tokens of the run's budget not yet spent. */
  get tokensLeft(): number {
    return this.budget.limits.maxTokens - this.budget.totalTokens;
  }

  /** The request's size in tokens as the budget counts it: its characters / 4. */
  static estimate(...parts: string[]): number {
    return Math.ceil(parts.reduce((n, p) => n + p.length, 0) / 4);
  }

  /** max_tokens for the next call, or why the budget forbids it; `parts` are the request's texts. */
  protected plan(...parts: string[]): { maxTokens: number } | { stopped: string } {
    const request = ClaudeClient.estimate(...parts);
    const projection = this.budget.project(request, this.opts.maxTokens, CONTEXT_WINDOW);
    const left = this.tokensLeft - request;
    if (projection.action === 'stop' || left < 256) {
      return { stopped: `token budget reached (${this.budget.totalTokens} of ${this.opts.budget} spent, next request ~${request} tokens); raise it with --budget` };
    }
    return { maxTokens: Math.min(this.opts.maxTokens, left) };
  }

  protected record(usage: Anthropic.Usage | undefined): void {
    const input = (usage?.input_tokens ?? 0) + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
    this.budget.record({ inputTokens: input, outputTokens: usage?.output_tokens ?? 0 }, NO_PRICING);
  }

  /**
   * One call; with `schema`, the answer is asked for as JSON of that schema (structured output).
   * With `onText`, the answer is streamed and each piece of text handed to it as it arrives.
   */
  async ask(system: string, user: string, schema?: Record<string, unknown>, onText?: (delta: string) => void): Promise<Asked> {
    const r = await this.turn(system, [{ role: 'user', content: user }], { schema, onText });
    return 'message' in r ? { text: messageText(r.message), stopReason: r.message.stop_reason } : r;
  }

  /**
   * One turn of a conversation, tools optional: the whole history is sent (and counted against the
   * budget, tool declarations included), and the message comes back as is, tool_use blocks and all.
   * With `onText`, it is streamed and each piece of text handed to it as it arrives.
   */
  async turn(system: string, messages: Anthropic.MessageParam[], o: TurnOptions = {}): Promise<Turned> {
    const plan = this.plan(system, messagesText(messages), o.tools ? JSON.stringify(o.tools) : '');
    if ('stopped' in plan) return plan;
    const request: Anthropic.MessageCreateParamsNonStreaming = {
      model: this.opts.model,
      max_tokens: plan.maxTokens,
      system,
      messages,
      ...(o.tools && { tools: o.tools }),
      ...(o.toolChoice && { tool_choice: o.toolChoice }),
      ...(o.schema && { output_config: { format: { type: 'json_schema' as const, schema: o.schema } } }),
    };
    let message: Anthropic.Message;
    try {
      if (o.onText) {
        const onText = o.onText;
        const stream = this.client.messages.stream(request);
        stream.on('text', (delta) => onText(delta));
        message = await stream.finalMessage();
      } else message = await this.client.messages.create(request);
    } catch (err) {
      return { error: apiErrorLine(err, this.opts) };
    }
    this.record(message.usage);
    return { message };
  }
}

/** What one turn of a conversation came back with: the whole message, or one line on why there was none. */
export type Turned = { message: Anthropic.Message } | { error: string } | { stopped: string };

/** The characters of a conversation as the budget counts them: text as is, blocks as their JSON. */
export const messagesText = (messages: Anthropic.MessageParam[]): string =>
  messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');

/** A message's text blocks, joined. */
export const messageText = (message: Anthropic.Message): string => message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');

export interface TurnOptions {
  schema?: Record<string, unknown>;
  tools?: Anthropic.Tool[];
  toolChoice?: Anthropic.ToolChoice;
  onText?: (delta: string) => void;
}

export class ClaudeReviewer extends ClaudeClient {
  /** The whole-proposal review: Claude's concerns when it answers in the contract, else the offline ones. */
  async review(proposal: string, offline: Review): Promise<Review> {
    const answer = await this.ask(reviewSystemPrompt(offline), `Review this design proposal (${offline.proposal}):\n\n${proposal}`, OUTPUT_SCHEMA);
    if (!('text' in answer)) return { ...offline, llm: this.report(answer) };
    const parsed = LenientReviewSchema.safeParse(parseJson(answer.text));
    if (!parsed.success) return { ...offline, llm: this.report({ plainText: answer.text || `(no text; stop reason ${answer.stopReason})` }) };
    return merge(offline, parsed.data, proposal, this.report());
  }

  /** The reviewer's follow-up on one answer, streamed through `onText` as it arrives. */
  async followUp(review: Review, concern: Concern, answer: string, onText: (delta: string) => void): Promise<FollowUp> {
    const system = [
      'You are a seasoned reviewer of AI agent harness designs, following up on one concern of a design review in an interactive session.',
      'Say in at most four sentences whether the answer settles the concern and what, concretely, remains open.',
      `End with one line: "Resolution: ${RESOLUTIONS.join(' | ')} | open".`,
      '',
      catalogText(),
    ].join('\n');
    const user = [`Proposal: ${review.proposal}`, `Concern ${concern.id} (${concern.severity}): ${concern.question}`, concern.quote ? `The proposal says: "${concern.quote}"` : '', `Why it matters: ${concern.why}`, '', `The author answers: ${answer}`].filter(Boolean).join('\n');
    const reply = await this.ask(system, user, undefined, onText);
    if (!('text' in reply)) return reply;
    const m = /resolution:\s*\**\s*(resolved|accepted-risk|deferred|open)/i.exec(reply.text);
    const suggestion = m && m[1].toLowerCase() !== 'open' ? (m[1].toLowerCase() as Resolution) : undefined;
    return { text: reply.text, ...(suggestion && { suggestion }) };
  }
}

/** Claude's review in the offline review's shape: titles, statuses, lines and code evidence kept. */
function merge(offline: Review, claude: z.infer<typeof ClaudeReviewSchema>, proposal: string, llm: LlmReport): Review {
  const all = sentences(proposal);
  const before = new Map(offline.concerns.map((c) => [c.id, c]));
  const titles = new Map<string, string>([...RULES.map((r) => [r.id, r.title] as const), ...FLAG_RULES.map((f) => [f.id, f.title] as const)]);
  const concerns: Concern[] = claude.concerns.slice(0, MAX_CONCERNS).map((c) => {
    const was = before.get(c.id);
    const line = c.quote ? all.find((s) => s.text.includes(c.quote!.slice(0, 40)) || c.quote!.includes(s.text.slice(0, 40)))?.line : undefined;
    return {
      id: c.id,
      severity: c.severity,
      question: c.question,
      why: c.why,
      ...(c.quote && { quote: c.quote }),
      ...(line && { line }),
      title: titles.get(c.id) ?? c.id,
      status: was?.status ?? (c.id.startsWith('complexity.') ? 'premature' : 'missing'),
      ...(was?.code && { code: was.code }),
    };
  });
  const covered = CHECK_IDS.filter((id) => claude.covered.includes(id) || offline.coverage.some((c) => c.id === id && c.source === 'code'));
  const asked = new Set(concerns.map((c) => c.id));
  return {
    ...offline,
    verdict: claude.verdict,
    covered,
    concerns,
    coverage: covered.map((id) => offline.coverage.find((c) => c.id === id) ?? { id: id as CheckId, source: 'proposal' as const }),
    heldBack: offline.heldBack.filter((id) => !asked.has(id)),
    llm,
  };
}
