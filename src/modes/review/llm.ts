/**
 * `audit evaluate --llm`: the reviewed audit without a coding agent. Each uncertain check's
 * evidence pack goes to Claude, which may open the code itself with two read-only tools
 * (read_file, search; see tools.ts) in a bounded loop, and answers with a level, a reason and the
 * lines it rests on, each quoted. A judgement is recorded (as `llm:<model>`, in the same review
 * file a person or an agent writes) only when every cited line exists and reads as quoted;
 * otherwise it is rejected and the static verdict stands. Calls go through the design review's
 * client: max_tokens shrinks to what is left of the run's token budget, no call is made when
 * nothing is, and a check gets at most `maxTurns` calls; the last one (by the cap, or because the
 * budget would not allow another) is sent with tool_choice none and asks for the answer now.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import type { CheckId } from '../../rules/catalog.js';
import type { AuditResult } from '../evaluate/index.js';
import { ClaudeClient, messagesText, messageText, parseJson, type ClaudeOptions } from '../design/claude.js';
import { evidencePack, packText } from './show.js';
import { citeLine, readReviews, writeReviews, type CitedLine } from './store.js';
import { confine, READ_TOOLS, runTool } from './tools.js';

/** The design review's options (key, base URL, model, max_tokens per call, budget for the run, timeout), and the turn cap. */
export interface LlmReviewOptions extends ClaudeOptions {
  /** Most calls per check, tool turns included (default 8); 1 sends the evidence pack alone, without tools. */
  maxTurns?: number;
  /** `low` (default): the low-confidence verdicts; `all`: the high ones too. */
  scope?: LlmScope;
}

export const DEFAULT_MAX_TURNS = 8;
/** Tokens kept for the answer when deciding whether the budget allows another tool turn after this one. */
const ANSWER_RESERVE = 2048;

export type Outcome = (
  | { id: CheckId; status: 'recorded'; level: string; staticLevel: string; reason: string }
  | { id: CheckId; status: 'rejected' | 'plain-text' | 'error' | 'not-sent' | 'no-answer'; detail: string }
) & { toolCalls?: number };

export interface LlmReviewReport {
  model: string;
  outcomes: Outcome[];
  calls: number;
  /** Tool calls Claude made over the run, by tool name. */
  toolCalls: Record<string, number>;
  inputTokens: number;
  outputTokens: number;
  budget: number;
}

const Answer = z.object({
  level: z.enum(['present', 'partial', 'absent']),
  reason: z.string().min(1),
  evidence: z.array(z.object({ file: z.string(), line: z.number().int(), code: z.string() })).min(1),
});
const OUTPUT_SCHEMA = (() => {
  const { $schema: _drop, ...schema } = z.toJSONSchema(Answer) as Record<string, unknown>;
  return schema;
})();

const SYSTEM = [
  'You review one verdict of a static audit of an AI agent harness. You are given the check\'s definition, what each level looks like, the judging rules, the audit\'s verdict, the code around each line it cites and the harness\'s agent loops and tool-execution sites (landmarks).',
  'Decide the level by the judging rules. Do not anchor on the audit: its evidence may not show what its reason claims (a sign-in scope is not an approval mode, a placeholder is not a cap), may sit on another object than the agent\'s, or may be missing.',
  'You can open the code yourself: read_file reads numbered lines of a file of the harness, search finds a pattern across its files (paths are relative to the audited root; nothing can be run or changed). Look for the mechanism on the agent\'s own path: start from the landmarks (the loop that calls the model, where tool calls are executed) and follow the calls, rather than trusting a name. You have a few turns: read what decides the level, then answer.',
  'Cite the lines your decision rests on, from the code shown or read, each with its file (relative to the audited root), its line number and the exact text of that line in `code` (without the line number). A citation whose text does not match the file is rejected, and so is your whole answer.',
  'When the code you could read is not enough to decide, keep the audit\'s level and say what a reviewer should open.',
  'Your final answer is JSON only: { "level": "present" | "partial" | "absent", "reason": "one sentence", "evidence": [{ "file", "line", "code" }] }.',
].join('\n');

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The cited line, when it exists and reads as the model quoted it; else why not. */
export function verifyCitation(root: string, e: { file: string; line: number; code: string }): CitedLine | string {
  const inside = confine(root, e.file);
  if ('error' in inside) return inside.error;
  let cited: CitedLine;
  try {
    cited = citeLine(root, `${e.file}:${e.line}`);
  } catch (err) {
    return (err as Error).message;
  }
  const said = squash(e.code);
  const is = squash(cited.text);
  if (said.length < 4 || !(is.includes(said) || said.includes(is))) return `${e.file}:${e.line} reads "${is.slice(0, 80)}", not "${said.slice(0, 80)}"`;
  return cited;
}

/** Which verdicts --llm reviews: the low-confidence ones (default), or every one. */
export type LlmScope = 'low' | 'all';

/**
 * The checks worth a second look: applicable, not already reviewed, and low confidence unless `scope`
 * is `all`; the low-confidence ones first, so a budget that runs out leaves the surer verdicts unsent.
 */
export function uncertainChecks(result: AuditResult, scope: LlmScope = 'low'): CheckId[] {
  const open = result.checks.filter((c) => c.level !== 'off' && c.applies !== false && (scope === 'all' || c.confidence === 'low') && c.review?.status !== 'applied');
  return [...open.filter((c) => c.confidence === 'low'), ...open.filter((c) => c.confidence !== 'low')].map((c) => c.id);
}

/** What the tool loop for one check came back with: the final answer's text, or one line on why there is none. */
type Looped = ({ text: string; stopReason: string | null } | { error: string } | { stopped: string } | { noAnswer: string }) & { toolCalls: number };

/**
 * One check's conversation: the pack, then as many tool turns as Claude asks for, up to
 * `maxTurns` calls and within the run's budget. Every tool_use block goes through `runTool` and
 * comes back as a tool_result (errors as is_error). The last call is sent with tool_choice none
 * and a line asking for the answer now: at the turn cap, or when the budget would not allow
 * another call after it.
 */
async function converse(
  claude: ClaudeClient,
  root: string,
  pack: string,
  maxTurns: number,
  onText?: (delta: string) => void,
  onTool?: (name: string, input: unknown) => void,
  tally?: Record<string, number>,
): Promise<Looped> {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: pack }];
  const tools = JSON.stringify(READ_TOOLS);
  let toolCalls = 0;
  for (let turn = 1; ; turn++) {
    const request = ClaudeClient.estimate(SYSTEM, messagesText(messages), tools);
    const byCap = turn >= maxTurns;
    const byBudget = claude.tokensLeft < 2 * request + ANSWER_RESERVE;
    const last = byCap || byBudget;
    if (last && turn > 1) {
      const why = byCap ? `This is the last turn for this check (--max-turns ${maxTurns})` : 'The token budget allows one more call';
      const content = messages[messages.length - 1].content as Anthropic.ContentBlockParam[];
      content.push({ type: 'text', text: `${why}: no more tool calls. Answer now with the JSON, from what you have read.` });
    }
    const r = await claude.turn(SYSTEM, messages, { schema: OUTPUT_SCHEMA, tools: READ_TOOLS, ...(last && { toolChoice: { type: 'none' as const } }), onText });
    if ('stopped' in r) return { stopped: toolCalls ? `${r.stopped} (after ${toolCalls} tool call${toolCalls === 1 ? '' : 's'})` : r.stopped, toolCalls };
    if ('error' in r) return { ...r, toolCalls };
    const uses = r.message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    const text = messageText(r.message);
    if (r.message.stop_reason !== 'tool_use' || !uses.length) return { text, stopReason: r.message.stop_reason, toolCalls };
    if (last) return { noAnswer: `asked for more tools after its last turn (${turn} of --max-turns ${maxTurns}${byBudget && !byCap ? ', the budget allowing no more' : ''})`, toolCalls };
    const results: Anthropic.ToolResultBlockParam[] = uses.map((u) => {
      onTool?.(u.name, u.input);
      toolCalls++;
      if (tally) tally[u.name] = (tally[u.name] ?? 0) + 1;
      const out = runTool(root, u.name, u.input);
      return { type: 'tool_result', tool_use_id: u.id, content: out.content, ...(out.isError && { is_error: true }) };
    });
    messages.push({ role: 'assistant', content: r.message.content as Anthropic.ContentBlockParam[] });
    messages.push({ role: 'user', content: results });
  }
}

/**
 * Reviews each uncertain check with Claude. `onCheck` is told which check is next; with `onText`
 * the answers are streamed and each piece of text is handed to it as it arrives (for progress);
 * `onTool` is told of each tool call.
 */
export async function llmReview(
  result: AuditResult,
  opts: LlmReviewOptions,
  onCheck?: (id: CheckId, i: number, n: number) => void,
  onText?: (delta: string) => void,
  onTool?: (name: string, input: unknown) => void,
): Promise<LlmReviewReport> {
  const claude = new ClaudeClient(opts);
  const maxTurns = opts.maxTurns ?? DEFAULT_MAX_TURNS;
  const outcomes: Outcome[] = [];
  const tally: Record<string, number> = {};
  const ids = uncertainChecks(result, opts.scope);
  const by = `llm:${opts.model}`;
  for (const [i, id] of ids.entries()) {
    onCheck?.(id, i, ids.length);
    const answer = await converse(claude, result.root, packText(await evidencePack(result, id, undefined)), maxTurns, onText, onTool, tally);
    const toolCalls = answer.toolCalls;
    if ('stopped' in answer) {
      outcomes.push({ id, status: 'not-sent', detail: answer.stopped, toolCalls }); // a smaller pack may still fit
      continue;
    }
    if ('error' in answer) {
      outcomes.push({ id, status: 'error', detail: answer.error, toolCalls });
      break; // an auth or connection failure will fail every check alike: stop at the first
    }
    if ('noAnswer' in answer) {
      outcomes.push({ id, status: 'no-answer', detail: answer.noAnswer, toolCalls });
      continue;
    }
    const parsed = Answer.safeParse(parseJson(answer.text));
    if (!parsed.success) {
      outcomes.push({ id, status: 'plain-text', detail: answer.text.trim() || `(no text; stop reason ${answer.stopReason})`, toolCalls });
      continue;
    }
    const cited: CitedLine[] = [];
    const wrong: string[] = [];
    for (const e of parsed.data.evidence) {
      const v = verifyCitation(result.root, e);
      if (typeof v === 'string') wrong.push(v);
      else cited.push(v);
    }
    if (wrong.length) {
      outcomes.push({ id, status: 'rejected', detail: `cited lines that do not check out: ${wrong.join('; ')}`, toolCalls });
      continue;
    }
    const reviews = readReviews(result.root);
    reviews.judgements[id] = { level: parsed.data.level, reason: parsed.data.reason.trim(), evidence: cited, by, at: new Date().toISOString() };
    writeReviews(result.root, reviews);
    const staticLevel = result.checks.find((c) => c.id === id)!.level;
    outcomes.push({ id, status: 'recorded', level: parsed.data.level, staticLevel, reason: parsed.data.reason.trim(), toolCalls });
  }
  const { model, calls, inputTokens, outputTokens, budget } = claude.report();
  return { model, outcomes, calls, toolCalls: tally, inputTokens, outputTokens, budget };
}

/** The run in a few lines for stderr: what was recorded, rejected or not sent, and the tokens spent. */
export function llmReportText(r: LlmReviewReport): string {
  const out: string[] = [];
  for (const o of r.outcomes) {
    const read = o.toolCalls ? ` (after ${o.toolCalls} tool call${o.toolCalls === 1 ? '' : 's'})` : '';
    if (o.status === 'recorded') out.push(`  ${o.id}: ${o.staticLevel === o.level ? `confirmed ${o.level}` : `${o.staticLevel} → ${o.level}`}${read}: ${o.reason}`);
    else if (o.status === 'plain-text') out.push(`  ${o.id}: Claude answered in plain text instead of the requested JSON, so nothing was recorded; its answer as is:\n    ${o.detail.replace(/\n/g, '\n    ')}`);
    else out.push(`  ${o.id}: ${o.status === 'rejected' ? 'rejected' : o.status === 'not-sent' ? 'not sent' : o.status === 'no-answer' ? 'no answer' : 'failed'}${o.status === 'not-sent' ? '' : read}: ${o.detail}`);
  }
  const recorded = r.outcomes.filter((o) => o.status === 'recorded').length;
  const tools = Object.values(r.toolCalls).reduce((a, b) => a + b, 0);
  const byTool = Object.entries(r.toolCalls).map(([name, n]) => `${name} ${n}`).join(', ');
  out.push(`Claude (${r.model}): ${r.calls} call${r.calls === 1 ? '' : 's'} with ${tools} tool call${tools === 1 ? '' : 's'}${tools ? ` (${byTool})` : ''}, ${recorded} judgement${recorded === 1 ? '' : 's'} recorded in .audit/review.json, ${r.inputTokens + r.outputTokens} of ${r.budget} budgeted tokens (${r.inputTokens} in, ${r.outputTokens} out)`);
  return out.join('\n') + '\n';
}
