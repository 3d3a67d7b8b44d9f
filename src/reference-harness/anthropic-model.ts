/**
 * Claude through the official SDK. Contract: converts the harness's messages to the Messages API
 * (tool results go back as `tool_result` blocks in a user turn), sends the registry's tool list,
 * and returns the API's own usage numbers (cache reads and writes count as input) for the budget.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { Message, Model, ModelRequest, ModelResponse } from './model.js';

export interface AnthropicModelOptions {
  apiKey: string;
  baseURL?: string;
  model?: string;
  contextWindow?: number;
  pricing?: { inputPerMTok: number; outputPerMTok: number };
}

export class AnthropicModel implements Model {
  readonly name: string;
  readonly contextWindow: number;
  readonly pricing: { inputPerMTok: number; outputPerMTok: number };
  private readonly client: Anthropic;

  constructor(opts: AnthropicModelOptions) {
    this.client = new Anthropic({ apiKey: opts.apiKey, baseURL: opts.baseURL, maxRetries: 2 });
    this.name = opts.model ?? 'claude-sonnet-4-6';
    this.contextWindow = opts.contextWindow ?? 200_000;
    this.pricing = opts.pricing ?? { inputPerMTok: 3, outputPerMTok: 15 };
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const response = await this.client.messages.create({
      model: this.name,
      max_tokens: request.maxOutputTokens,
      system: request.system,
      tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema as Anthropic.Tool.InputSchema })),
      messages: toApiMessages(request.messages),
    });
    const u = response.usage;
    return {
      text: response.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n'),
      toolCalls: response.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, name: b.name, input: b.input }] : [])),
      usage: { inputTokens: u.input_tokens + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0), outputTokens: u.output_tokens },
      stopReason: response.stop_reason ?? 'end_turn',
    };
  }
}

/** The Messages API wants alternating roles: consecutive user-side messages are merged. */
export function toApiMessages(messages: Message[]): Anthropic.MessageParam[] {
  const out: Anthropic.MessageParam[] = [];
  for (const m of messages) {
    let param: Anthropic.MessageParam;
    if (m.role === 'user') param = { role: 'user', content: [{ type: 'text', text: m.text }] };
    else if (m.role === 'tool') {
      param = { role: 'user', content: m.results.map((r) => ({ type: 'tool_result' as const, tool_use_id: r.callId, content: r.content, is_error: r.isError })) };
    } else {
      const content: Anthropic.ContentBlockParam[] = [];
      if (m.text) content.push({ type: 'text', text: m.text });
      for (const c of m.toolCalls) content.push({ type: 'tool_use', id: c.id, name: c.name, input: c.input });
      param = { role: 'assistant', content: content.length ? content : [{ type: 'text', text: '(no text)' }] };
    }
    const prev = out[out.length - 1];
    if (prev && prev.role === param.role) prev.content = [...(prev.content as Anthropic.ContentBlockParam[]), ...(param.content as Anthropic.ContentBlockParam[])];
    else out.push(param);
  }
  return out;
}
