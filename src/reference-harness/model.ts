/**
 * The model boundary. Contract: `complete` sends one request and returns one assistant turn with
 * the API's usage; it must not execute tools or keep conversation state (the loop owns both).
 * Messages are the harness's own shape; each Model converts them to its provider's format.
 */

export interface ToolCall {
  /** Stable across resume: the journal keys on it. */
  id: string;
  name: string;
  input: unknown;
}

export interface ToolResultBlock {
  callId: string;
  name: string;
  content: string;
  isError: boolean;
  /** The failure ends the run (the tool crashed); set only when true. */
  fatal?: true;
}

export type Message =
  | { role: 'user'; text: string }
  | { role: 'assistant'; text: string; toolCalls: ToolCall[] }
  | { role: 'tool'; results: ToolResultBlock[] };

export interface ModelTool {
  name: string;
  description: string;
  /** JSON Schema of the input, generated from the tool's zod schema. */
  inputSchema: Record<string, unknown>;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelRequest {
  system: string;
  messages: Message[];
  tools: ModelTool[];
  maxOutputTokens: number;
}

export interface ModelResponse {
  text: string;
  toolCalls: ToolCall[];
  usage: Usage;
  /** The provider's stop reason, e.g. `end_turn`, `tool_use`, `max_tokens`. */
  stopReason: string;
}

export interface Model {
  readonly name: string;
  /** Tokens the model accepts per request (input + output). */
  readonly contextWindow: number;
  /** US dollars per million tokens. */
  readonly pricing: { inputPerMTok: number; outputPerMTok: number };
  complete(request: ModelRequest): Promise<ModelResponse>;
}

/** A rough token estimate (4 characters per token) used for projection before a call. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return Math.ceil(text.length / 4);
}

export function estimateRequestTokens(request: ModelRequest): number {
  return estimateTokens(request.system) + estimateTokens(request.messages) + estimateTokens(request.tools);
}
