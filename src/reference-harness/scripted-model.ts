/**
 * A Model that replays a turn file instead of calling an API, so the harness runs offline and
 * tests are deterministic. The turn file is JSON lines, one model turn per line:
 *   {"text"?: string, "toolCalls"?: [{"name": string, "input": object}], "delayMs"?: number,
 *    "ifFailed"?: {"text"?: string, "toolCalls"?: [...]}}
 * `ifFailed` replaces the turn when a tool call of the turn before failed or was denied, so that a
 * script can tell what really happened (a denied edit is reported as denied, not as done).
 * Blank lines and lines starting with `#` are skipped. Contract: call ids are `call_<turn>_<k>`,
 * stable across runs; `startAt` (on resume: the turn after the last one in the transcript) picks
 * the first turn; after the last turn the model ends the conversation. Usage is an estimate.
 */
import { z } from 'zod';
import { estimateRequestTokens, estimateTokens, type Model, type ModelRequest, type ModelResponse } from './model.js';

const ToolCallsSchema = z.array(z.object({ name: z.string().min(1), input: z.record(z.string(), z.unknown()).default({}) })).default([]);
export const ScriptedTurnSchema = z.object({
  text: z.string().optional(),
  toolCalls: ToolCallsSchema,
  delayMs: z.number().int().nonnegative().optional(),
  ifFailed: z.object({ text: z.string().optional(), toolCalls: ToolCallsSchema }).optional(),
});
export type ScriptedTurn = z.infer<typeof ScriptedTurnSchema>;

export class ScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export function parseScript(text: string, source = 'script'): ScriptedTurn[] {
  const turns: ScriptedTurn[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new ScriptError(`${source}:${i + 1}: not JSON (${(err as Error).message})`);
    }
    const parsed = ScriptedTurnSchema.safeParse(json);
    if (!parsed.success) throw new ScriptError(`${source}:${i + 1}: not a turn:\n${z.prettifyError(parsed.error)}`);
    turns.push(parsed.data);
  });
  return turns;
}

export class ScriptedModel implements Model {
  readonly name = 'scripted';
  readonly contextWindow: number;
  readonly pricing = { inputPerMTok: 3, outputPerMTok: 15 };
  private next: number;

  constructor(
    private readonly turns: readonly ScriptedTurn[],
    opts: { startAt?: number; contextWindow?: number } = {},
  ) {
    this.next = opts.startAt ?? 0;
    this.contextWindow = opts.contextWindow ?? 200_000;
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const index = this.next++;
    const scripted = this.turns[index] ?? { text: '(end of the script)', toolCalls: [] };
    if (scripted.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    const last = request.messages[request.messages.length - 1];
    const failed = last?.role === 'tool' && last.results.some((r) => r.isError);
    const turn = failed && scripted.ifFailed ? scripted.ifFailed : scripted;
    const toolCalls = turn.toolCalls.map((c, k) => ({ id: `call_${index}_${k}`, name: c.name, input: c.input }));
    return {
      text: turn.text ?? '',
      toolCalls,
      usage: { inputTokens: estimateRequestTokens(request), outputTokens: estimateTokens({ text: turn.text, toolCalls }) },
      stopReason: toolCalls.length ? 'tool_use' : 'end_turn',
    };
  }
}
