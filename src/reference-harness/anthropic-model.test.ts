/** The real @anthropic-ai/sdk against a local server that speaks the Messages API: no network. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicModel, toApiMessages } from './anthropic-model.js';
import { prepareRun } from './harness.js';
import { drainRun, tempWorkspace } from './test-helpers.js';

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; max_tokens: number; system: string; tools: Array<{ name: string; input_schema: unknown }>; messages: Array<{ role: string; content: unknown }> };
}

const seen: Seen[] = [];
let baseURL = '';
let server: http.Server;

/** First request: a tool_use; afterwards: a final text. */
function reply(body: Seen['body']) {
  const n = seen.length;
  const usage = { input_tokens: 100 + n, output_tokens: 20, cache_read_input_tokens: 5, cache_creation_input_tokens: 0 };
  const base = { id: `msg_${n}`, type: 'message', role: 'assistant', model: body.model, stop_sequence: null, usage };
  return n === 1
    ? { ...base, stop_reason: 'tool_use', content: [{ type: 'text', text: 'Listing.' }, { type: 'tool_use', id: 'toolu_01', name: 'list_dir', input: { path: '.' } }] }
    : { ...base, stop_reason: 'end_turn', content: [{ type: 'text', text: 'There is one file.' }] };
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${seen.length}` });
      res.end(JSON.stringify(reply(body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('AnthropicModel', () => {
  it('drives the loop through the SDK: tool list from the registry, tool results back, usage recorded', async () => {
    const ws = tempWorkspace({ 'only.txt': 'x' });
    const run = prepareRun({ workspace: ws, task: 'what is here?', model: () => new AnthropicModel({ apiKey: 'test-key', baseURL, model: 'claude-test' }) });
    const { events, result } = await drainRun(run);

    expect(result).toEqual({ reason: 'end_turn', text: 'There is one file.' });
    expect(seen).toHaveLength(2);
    expect(seen[0].path).toBe('/v1/messages');
    expect(seen[0].headers['x-api-key'] ?? seen[0].headers.authorization).toMatch(/test-key/);
    expect(seen[0].body).toMatchObject({ model: 'claude-test', max_tokens: 8192, system: expect.stringContaining('workspace') });
    expect(seen[0].body.tools.map((t) => t.name)).toContain('list_dir');
    expect(seen[0].body.tools.find((t) => t.name === 'read_file')?.input_schema).toMatchObject({ type: 'object', required: ['path'] });
    expect(seen[1].body.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(seen[1].body.messages[2].content).toEqual([{ type: 'tool_result', tool_use_id: 'toolu_01', content: 'only.txt', is_error: false }]);
    expect(events.find((e) => e.type === 'tool_result')).toMatchObject({ callId: 'toolu_01', ok: true });
    // usage from the API: (101 + 5) + (102 + 5) input, 20 + 20 output
    expect(run.budget.spent).toMatchObject({ turns: 2, inputTokens: 213, outputTokens: 40 });
    expect(run.budget.spent.costUsd).toBeCloseTo((213 * 3 + 40 * 15) / 1_000_000, 10);
  });

  it('reports an API error as an error event and a typed stop, not an exception', async () => {
    const ws = tempWorkspace();
    const run = prepareRun({ workspace: ws, task: 't', model: () => new AnthropicModel({ apiKey: 'k', baseURL: 'http://127.0.0.1:1' }) });
    (run.model as unknown as { client: { maxRetries: number } }).client.maxRetries = 0;
    const { events, result } = await drainRun(run);
    expect(result.reason).toBe('error');
    expect(events.map((e) => e.type)).toEqual(['turn_start', 'error', 'stop']);
  });

  it('merges consecutive user-side messages so roles alternate', () => {
    const api = toApiMessages([
      { role: 'user', text: 'a' },
      { role: 'assistant', text: '', toolCalls: [{ id: 't1', name: 'x', input: {} }] },
      { role: 'tool', results: [{ callId: 't1', name: 'x', content: 'r', isError: false }] },
      { role: 'user', text: 'b' },
    ]);
    expect(api.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(api[2].content).toHaveLength(2);
  });
});
