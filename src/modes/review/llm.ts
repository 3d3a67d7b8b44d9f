/**
 * `audit evaluate --llm`: the reviewed audit without a coding agent. Each uncertain check's
 * evidence pack goes to Claude, which answers with a level, a reason and the lines it rests on,
 * each quoted. A judgement is recorded (as `llm:<model>`, in the same review file a person or an
 * agent writes) only when every cited line exists and reads as quoted; otherwise it is rejected
 * and the static verdict stands. Calls go through the design review's client (ClaudeClient):
 * max_tokens shrinks to what is left of the run's token budget, and no call is made when nothing is.
 */
import { z } from 'zod';
import type { CheckId } from '../../rules/catalog.js';
import type { AuditResult } from '../evaluate/index.js';
import { ClaudeClient, parseJson, type ClaudeOptions } from '../design/claude.js';
import { evidencePack, packText } from './show.js';
import { citeLine, readReviews, writeReviews, type CitedLine } from './store.js';

/** The same options as the design review's: key, base URL, model, max_tokens per call, budget for the run, timeout. */
export type LlmReviewOptions = ClaudeOptions;

export type Outcome =
  | { id: CheckId; status: 'recorded'; level: string; staticLevel: string; reason: string }
  | { id: CheckId; status: 'rejected' | 'plain-text' | 'error' | 'not-sent'; detail: string };

export interface LlmReviewReport {
  model: string;
  outcomes: Outcome[];
  calls: number;
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
  'You review one verdict of a static audit of an AI agent harness. You are given the check\'s definition, what each level looks like, the judging rules, the audit\'s verdict and the code around each line it cites.',
  'Decide the level by the judging rules, from the code shown. Do not anchor on the audit: its evidence may not show what its reason claims (a sign-in scope is not an approval mode, a placeholder is not a cap).',
  'Cite the lines your decision rests on, from the code shown, each with its file, its line number and the exact text of that line in `code`. A citation whose text does not match the file is rejected, and so is your whole answer.',
  'When the code shown is not enough to decide, keep the audit\'s level and say what a reviewer should open.',
  'Answer with JSON only: { "level": "present" | "partial" | "absent", "reason": "one sentence", "evidence": [{ "file", "line", "code" }] }.',
].join('\n');

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The cited line, when it exists and reads as the model quoted it; else why not. */
export function verifyCitation(root: string, e: { file: string; line: number; code: string }): CitedLine | string {
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

/** The checks worth a second look: low confidence, applicable, not already reviewed. */
export function uncertainChecks(result: AuditResult): CheckId[] {
  return result.checks.filter((c) => c.level !== 'off' && c.applies !== false && c.confidence === 'low' && c.review?.status !== 'applied').map((c) => c.id);
}

/**
 * Reviews each uncertain check with Claude. `onCheck` is told which check is next; with `onText`
 * the answers are streamed and each piece of text is handed to it as it arrives (for progress).
 */
export async function llmReview(
  result: AuditResult,
  opts: LlmReviewOptions,
  onCheck?: (id: CheckId, i: number, n: number) => void,
  onText?: (delta: string) => void,
): Promise<LlmReviewReport> {
  const claude = new ClaudeClient(opts);
  const outcomes: Outcome[] = [];
  const ids = uncertainChecks(result);
  const by = `llm:${opts.model}`;
  for (const [i, id] of ids.entries()) {
    onCheck?.(id, i, ids.length);
    const answer = await claude.ask(SYSTEM, packText(await evidencePack(result, id, undefined)), OUTPUT_SCHEMA, onText);
    if ('stopped' in answer) {
      outcomes.push({ id, status: 'not-sent', detail: answer.stopped }); // a smaller pack may still fit
      continue;
    }
    if ('error' in answer) {
      outcomes.push({ id, status: 'error', detail: answer.error });
      break; // an auth or connection failure will fail every check alike: stop at the first
    }
    const parsed = Answer.safeParse(parseJson(answer.text));
    if (!parsed.success) {
      outcomes.push({ id, status: 'plain-text', detail: answer.text.trim() || `(no text; stop reason ${answer.stopReason})` });
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
      outcomes.push({ id, status: 'rejected', detail: `cited lines that do not check out: ${wrong.join('; ')}` });
      continue;
    }
    const reviews = readReviews(result.root);
    reviews.judgements[id] = { level: parsed.data.level, reason: parsed.data.reason.trim(), evidence: cited, by, at: new Date().toISOString() };
    writeReviews(result.root, reviews);
    const staticLevel = result.checks.find((c) => c.id === id)!.level;
    outcomes.push({ id, status: 'recorded', level: parsed.data.level, staticLevel, reason: parsed.data.reason.trim() });
  }
  const { model, calls, inputTokens, outputTokens, budget } = claude.report();
  return { model, outcomes, calls, inputTokens, outputTokens, budget };
}

/** The run in a few lines for stderr: what was recorded, rejected or not sent, and the tokens spent. */
export function llmReportText(r: LlmReviewReport): string {
  const out: string[] = [];
  for (const o of r.outcomes) {
    if (o.status === 'recorded') out.push(`  ${o.id}: ${o.staticLevel === o.level ? `confirmed ${o.level}` : `${o.staticLevel} → ${o.level}`}: ${o.reason}`);
    else if (o.status === 'plain-text') out.push(`  ${o.id}: Claude answered in plain text instead of the requested JSON, so nothing was recorded; its answer as is:\n    ${o.detail.replace(/\n/g, '\n    ')}`);
    else out.push(`  ${o.id}: ${o.status === 'rejected' ? 'rejected' : o.status === 'not-sent' ? 'not sent' : 'failed'}: ${o.detail}`);
  }
  const recorded = r.outcomes.filter((o) => o.status === 'recorded').length;
  out.push(`Claude (${r.model}): ${r.calls} call${r.calls === 1 ? '' : 's'}, ${recorded} judgement${recorded === 1 ? '' : 's'} recorded in .audit/review.json, ${r.inputTokens + r.outputTokens} of ${r.budget} budgeted tokens (${r.inputTokens} in, ${r.outputTokens} out)`);
  return out.join('\n') + '\n';
}
