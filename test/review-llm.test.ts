/**
 * `audit evaluate --llm`: the real @anthropic-ai/sdk against a local server that speaks the
 * Messages API, tool use included. A judgement is recorded only when every line it cites exists
 * and reads as quoted; Claude may read the code with read_file and search first, within a turn
 * cap and the run's token budget. No network beyond 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli as runCli, sseMessage } from './helpers.js';
import { MAX_MATCHES, MAX_READ_LINES, runTool } from '../src/modes/review/tools.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GATE_LINE = 'const decision = await gate.decide({ name, input }, tool.readOnly);';

type Mode = 'valid' | 'missing-line' | 'misquoted' | 'plain' | '401' | 'read' | 'escape' | 'search' | 'forever' | 'budget-stop' | 'budget-last';
let mode: Mode = 'valid';
type Block = { type: string; id?: string; tool_use_id?: string; content?: string; is_error?: boolean; text?: string; name?: string; input?: unknown };
interface Sent {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system: string;
  messages: Array<{ role: string; content: string | Block[] }>;
  tools?: Array<{ name: string; description: string; input_schema: unknown }>;
  tool_choice?: { type: string };
}
const seen: Sent[] = [];
/** The --budget of the run, for the budget-last mode's usage. */
let budget = 0;
let server: http.Server;
let baseURL = '';
let work: string;

function answer(): string {
  const cite = (line: number, code: string) => JSON.stringify({ level: 'partial', reason: 'the gate asks only for tools that are not read-only', evidence: [{ file: 'src/registry.ts', line, code }] });
  if (mode === 'missing-line') return cite(400, GATE_LINE);
  if (mode === 'misquoted') return cite(15, 'if (policy.allows(call)) return run(call);');
  if (mode === 'plain') return 'I would need to see the dispatcher to judge this.';
  return cite(15, GATE_LINE);
}

const lastUser = (body: Sent) => body.messages[body.messages.length - 1];
const hasToolResult = (body: Sent) => Array.isArray(lastUser(body).content) && (lastUser(body).content as Block[]).some((b) => b.type === 'tool_result');
const use = (name: string, input: unknown, n = 1) => ({ type: 'tool_use', id: `toolu_${seen.length}_${n}`, name, input });

/** The tool_use turn the mode asks for on this request, or undefined for the final answer. */
function toolTurn(body: Sent): { blocks: Array<ReturnType<typeof use>>; inputTokens?: number } | undefined {
  if (body.tool_choice?.type === 'none') return undefined; // the last turn: answer now
  if (mode === 'forever') return { blocks: [use('search', { pattern: 'gate' })] };
  if (hasToolResult(body)) return undefined;
  if (mode === 'read') return { blocks: [use('read_file', { path: 'src/registry.ts', start_line: 12, end_line: 16 })] };
  if (mode === 'search') return { blocks: [use('search', { pattern: 'gate\\.decide\\(', path_glob: '*.ts' })] };
  if (mode === 'escape') return { blocks: [use('read_file', { path: '../outside.txt' }, 1), use('read_file', { path: '/etc/passwd' }, 2), use('read_file', { path: 'src/leak.txt' }, 3), use('search', { pattern: 'x', path_glob: 'src/**' }, 4)] };
  if (mode === 'budget-stop') return { blocks: [use('read_file', { path: 'src/registry.ts' })], inputTokens: 1_000_000 };
  if (mode === 'budget-last') {
    // Spend all but enough for one more call of about this size: the next call must be the last.
    const request = Math.ceil((body.system.length + (body.messages[0].content as string).length + JSON.stringify(body.tools).length) / 4);
    return { blocks: [use('read_file', { path: 'src/registry.ts', start_line: 15, end_line: 15 })], inputTokens: budget - request - 1500 };
  }
  return undefined;
}

/** A streamed tool_use turn: the text block, then each tool_use with its input as input_json deltas. */
function sseToolUse(res: http.ServerResponse, message: { content: Array<Record<string, unknown>>; usage: { input_tokens: number; output_tokens: number } } & Record<string, unknown>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('message_start', { type: 'message_start', message: { ...message, content: [], stop_reason: null, usage: { input_tokens: message.usage.input_tokens, output_tokens: 1 } } });
  message.content.forEach((b, index) => {
    if (b.type === 'text') {
      send('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: b.text } });
    } else {
      send('content_block_start', { type: 'content_block_start', index, content_block: { ...b, input: {} } });
      const json = JSON.stringify(b.input);
      for (const partial_json of [json.slice(0, 10), json.slice(10)]) send('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } });
    }
    send('content_block_stop', { type: 'content_block_stop', index });
  });
  send('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: message.usage.output_tokens } });
  send('message_stop', { type: 'message_stop' });
  res.end();
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw);
      seen.push(body);
      if (mode === '401') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }));
        return;
      }
      const toolUse = toolTurn(body);
      const message = toolUse
        ? { id: `msg_${seen.length}`, type: 'message', role: 'assistant', model: body.model, stop_reason: 'tool_use', stop_sequence: null, content: [{ type: 'text', text: 'Let me open the dispatcher.' }, ...toolUse.blocks], usage: { input_tokens: toolUse.inputTokens ?? 900, output_tokens: 40 } }
        : { id: `msg_${seen.length}`, type: 'message', role: 'assistant', model: body.model, stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text: answer() }], usage: { input_tokens: 900, output_tokens: 60 } };
      if (body.stream && toolUse) {
        sseToolUse(res, message);
        return;
      }
      if (body.stream) {
        const text = answer();
        sseMessage(res, message, [text.slice(0, 20), text.slice(20)]);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(message));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  mode = 'valid';
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-review-'));
  fs.cpSync(path.join(ROOT, 'fixtures/permissions.gate/present'), work, { recursive: true });
});

const env = () => ({ ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: baseURL });
const evaluate = (...extra: string[]) => runCli(['evaluate', work, '-f', 'json', '--llm', '--model', 'claude-test', '--max-tokens', '500', ...extra], { env: env() });
const reviewFile = () => path.join(work, '.audit/review.json');

describe('audit evaluate --llm', () => {
  it('sends each low-confidence evidence pack with a model and max_tokens, and records verified judgements', async () => {
    const r = await evaluate();
    expect(r.code, r.stderr).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    for (const req of seen) {
      expect(req).toMatchObject({ model: 'claude-test', max_tokens: 500 });
      expect(req.system).toContain('judging rules');
      expect(req.messages[0].content).toMatch(/^[a-z]+\.[a-z-]+: /);
      expect(req.messages[0].content).toContain('Verdict:');
    }
    const report = JSON.parse(r.stdout);
    const reviewed = report.checks.filter((c: { review?: { status: string } }) => c.review?.status === 'applied');
    expect(reviewed.length).toBe(seen.length);
    expect(reviewed[0]).toMatchObject({ level: 'partial', review: { by: 'llm:claude-test' } });
    const saved = JSON.parse(fs.readFileSync(reviewFile(), 'utf8'));
    expect(Object.keys(saved.judgements).length).toBe(seen.length);
    expect(r.stderr).toMatch(new RegExp(`Claude \\(claude-test\\): ${seen.length} calls? with 0 tool calls, ${seen.length} judgements? recorded`));
    // The tools are offered, declared as data: read_file and search, each with a schema.
    expect(seen[0].tools?.map((t) => t.name)).toEqual(['read_file', 'search']);
    expect(seen[0].tools?.every((t) => t.description && t.input_schema)).toBe(true);
    expect(seen[0].system).toContain('read_file');
    // A second run sends only what is still uncertain: reviewed checks are not asked again.
    seen.length = 0;
    await evaluate();
    expect(seen.length).toBe(0);
  });

  it('reviews every applicable verdict by default, the low-confidence ones first; --llm-scope low only those', async () => {
    const plain = await runCli(['evaluate', work, '-f', 'json'], { env: env() });
    const checks = (JSON.parse(plain.stdout).checks as Array<{ id: string; level: string; confidence: string; applies: boolean }>).filter((c) => c.level !== 'off' && c.applies !== false);
    expect(checks.some((c) => c.confidence === 'high')).toBe(true);
    const low = checks.filter((c) => c.confidence === 'low').map((c) => c.id);
    // One request per check here (the server answers at once), in the order the checks were sent.
    const sent = () => seen.map((q) => /^([a-z]+\.[a-z-]+):/.exec(q.messages[0].content as string)![1]);
    expect((await evaluate()).code).toBe(0);
    expect(sent()).toEqual([...low, ...checks.filter((c) => c.confidence !== 'low').map((c) => c.id)]);
    fs.rmSync(path.join(work, '.audit'), { recursive: true, force: true });
    seen.length = 0;
    expect((await evaluate('--llm-scope', 'low')).code).toBe(0);
    expect(sent()).toEqual(low);
    expect((await evaluate('--llm-scope', 'some')).code).toBe(2);
  });

  it('rejects an answer that cites a line that does not exist, or misquotes one', async () => {
    for (const m of ['missing-line', 'misquoted'] as const) {
      mode = m;
      const r = await evaluate();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(m === 'missing-line' ? /rejected: cited lines that do not check out: .*has no line 400/ : /rejected: .*src\/registry.ts:15 reads "const decision/);
      expect(fs.existsSync(reviewFile())).toBe(false);
    }
  });

  it('shows a plain-text answer and says so, recording nothing', async () => {
    mode = 'plain';
    const r = await evaluate();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('answered in plain text instead of the requested JSON');
    expect(r.stderr).toContain('I would need to see the dispatcher');
    expect(fs.existsSync(reviewFile())).toBe(false);
  });

  it('streams the answers on a terminal, showing how far each has come, and records the same judgement', async () => {
    const r = await runCli(['evaluate', work, '-f', 'json', '--llm', '--model', 'claude-test', '--max-tokens', '500'], { env: env(), stderrTTY: true });
    expect(r.code, r.stderr).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.stream === true)).toBe(true);
    expect(r.stderr).toMatch(/reviewing 1\/\d+ with Claude: [\w.-]+ \(\d+ characters\)/);
    const review = JSON.parse(fs.readFileSync(path.join(work, '.audit/review.json'), 'utf8'));
    expect(Object.values(review.judgements)).toContainEqual(expect.objectContaining({ level: 'partial', by: 'llm:claude-test' }));
    // Off a terminal the same review asks for plain JSON answers.
    seen.length = 0;
    await evaluate();
    expect(seen.every((s) => !s.stream)).toBe(true);
  });

  it('turns a 401 into one clear line and still prints the static report', async () => {
    mode = '401';
    const r = await evaluate();
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).checks.length).toBe(25);
    expect(r.stderr).toContain('refused the key (401)');
    expect(seen.length).toBe(1);
  });

  it('stays within the token budget: max_tokens shrinks to what is left, and no call when nothing is', async () => {
    const r = await evaluate('--budget', '1200');
    expect(r.code).toBe(0);
    expect(seen.length).toBeLessThanOrEqual(1);
    expect(r.stderr).toMatch(/not sent: token budget/);
    seen.length = 0;
    await evaluate('--budget', '3000', '--max-tokens', '4000');
    expect(seen.length).toBeGreaterThan(0);
    // The request as counted: system, messages and the tool declarations sent with them.
    const request = Math.ceil((seen[0].system.length + (seen[0].messages[0].content as string).length + JSON.stringify(seen[0].tools).length) / 4);
    expect(seen[0].max_tokens).toBe(3000 - request);
    // No room for a second call after this one: it is the last, so tools are off.
    expect(seen[0].tool_choice).toEqual({ type: 'none' });
  });

  it('lets Claude read the code: a read_file tool_use is answered with numbered lines, then the final answer is recorded', async () => {
    mode = 'read';
    const r = await evaluate();
    expect(r.code, r.stderr).toBe(0);
    const checks = seen.filter((s) => !hasToolResult(s)).length;
    expect(checks).toBeGreaterThan(0);
    expect(seen.length).toBe(2 * checks); // per check: the pack, then the tool result
    const second = seen[1];
    // The history is sent back: the pack, Claude's tool_use turn, and the tool_result for it.
    expect(second.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    const asked = (second.messages[1].content as Block[]).find((b) => b.type === 'tool_use')!;
    const result = (second.messages[2].content as Block[]).find((b) => b.type === 'tool_result')!;
    expect(result.tool_use_id).toBe(asked.id);
    expect(result.is_error).toBeUndefined();
    const lines = fs.readFileSync(path.join(work, 'src/registry.ts'), 'utf8').split('\n');
    expect(result.content).toContain('src/registry.ts (lines 12-16 of');
    expect(result.content).toContain(`15 | ${lines[14]}`);
    expect(result.content).toContain(`12 | ${lines[11]}`);
    expect(result.content).not.toContain(`17 | `);
    expect(result.content).not.toContain(`11 | `);
    const saved = JSON.parse(fs.readFileSync(reviewFile(), 'utf8'));
    expect(Object.keys(saved.judgements).length).toBe(checks);
    expect(r.stderr).toMatch(/\(after 1 tool call\): the gate asks/);
    expect(r.stderr).toMatch(new RegExp(`${2 * checks} calls with ${checks} tool calls? \\(read_file ${checks}\\)`));
  });

  it('runs the same tool loop when streaming on a terminal, and shows which file is being read', async () => {
    mode = 'read';
    const r = await runCli(['evaluate', work, '-f', 'json', '--llm', '--model', 'claude-test', '--max-tokens', '500'], { env: env(), stderrTTY: true });
    expect(r.code, r.stderr).toBe(0);
    expect(seen.every((s) => s.stream === true)).toBe(true);
    expect(r.stderr).toMatch(/reviewing 1\/\d+ with Claude: [\w.-]+: read_file src\/registry.ts/);
    const result = (seen[1].messages[2].content as Block[]).find((b) => b.type === 'tool_result')!;
    expect(result.content).toMatch(/^15 \| +const decision = await gate\.decide/m);
    expect(JSON.parse(fs.readFileSync(reviewFile(), 'utf8')).judgements).not.toEqual({});
  });

  it('rejects paths that leave the audited root as tool errors Claude sees, and reads nothing outside it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET\n');
    fs.writeFileSync(path.join(path.dirname(work), 'outside.txt'), 'TOP-SECRET\n');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(work, 'src/leak.txt'));
    mode = 'escape';
    const r = await evaluate();
    expect(r.code, r.stderr).toBe(0);
    const results = (seen[1].messages[2].content as Block[]).filter((b) => b.type === 'tool_result');
    expect(results.length).toBe(4);
    expect(results[0]).toMatchObject({ is_error: true, content: expect.stringContaining('".." is not allowed') });
    expect(results[1]).toMatchObject({ is_error: true, content: expect.stringContaining('absolute paths are not allowed') });
    expect(results[2]).toMatchObject({ is_error: true, content: expect.stringContaining('leads outside the audited root') });
    expect(results[3].is_error).toBeUndefined(); // the search ran, and did not follow the symlink
    for (const b of results) expect(b.content).not.toContain('TOP-SECRET');
    // The review went on: the answer after the errors is recorded.
    expect(fs.existsSync(reviewFile())).toBe(true);
  });

  it('budgets the whole review at 400,000 tokens by default (a few tool turns per check), the design review at 60,000', async () => {
    mode = 'search';
    const r = await evaluate();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ of 400000 budgeted tokens/);
    const design = await runCli(['design', '--help'], { env: env() });
    expect(design.stdout).toMatch(/--budget <tokens>[\s\S]*?\(default: 60000\)/);
  });

  it('answers a search with file:line: text matches', async () => {
    mode = 'search';
    const r = await evaluate();
    expect(r.code, r.stderr).toBe(0);
    const result = (seen[1].messages[2].content as Block[]).find((b) => b.type === 'tool_result')!;
    expect(result.content).toContain(`src/registry.ts:15: ${GATE_LINE}`);
    expect(result.content).toMatch(/^1 matches for regular expression/);
  });

  it('caps the turns per check: the last one is sent with tool_choice none and asks for the answer', async () => {
    mode = 'forever';
    const r = await evaluate('--max-turns', '3');
    expect(r.code, r.stderr).toBe(0);
    const checks = seen.filter((s) => s.messages.length === 1).length;
    expect(checks).toBeGreaterThan(0);
    expect(seen.length).toBe(3 * checks);
    expect(seen[0].tool_choice).toBeUndefined();
    expect(seen[1].tool_choice).toBeUndefined();
    expect(seen[2].tool_choice).toEqual({ type: 'none' });
    const last = lastUser(seen[2]).content as Block[];
    expect(last[last.length - 1]).toMatchObject({ type: 'text', text: expect.stringContaining('last turn for this check (--max-turns 3)') });
    expect(r.stderr).toMatch(/\(after 2 tool calls\)/);
    // --max-turns 1: the pack alone, no tool turn.
    seen.length = 0;
    fs.rmSync(path.join(work, '.audit'), { recursive: true, force: true });
    await evaluate('--max-turns', '1');
    expect(seen.every((s) => s.tool_choice?.type === 'none' && s.messages.length === 1)).toBe(true);
    const bad = await evaluate('--max-turns', '0');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a whole number above 0');
  });

  it('stops mid-loop when the budget is spent, saying after how many tool calls', async () => {
    mode = 'budget-stop';
    const r = await evaluate('--budget', '60000');
    expect(r.code, r.stderr).toBe(0);
    expect(seen.length).toBe(1);
    expect(r.stderr).toMatch(/not sent: token budget reached .*\(after 1 tool call\)/);
    expect(fs.existsSync(reviewFile())).toBe(false);
  });

  it('makes the call the budget still allows the last one: tools off, answer now', async () => {
    mode = 'budget-last';
    budget = 30000;
    const r = await evaluate('--budget', String(budget));
    expect(r.code, r.stderr).toBe(0);
    expect(seen[0].tool_choice).toBeUndefined();
    expect(hasToolResult(seen[1])).toBe(true);
    expect(seen[1].tool_choice).toEqual({ type: 'none' });
    const last = lastUser(seen[1]).content as Block[];
    expect(last[last.length - 1].text).toContain('token budget allows one more call');
    // What is left of the budget allows no tool turn for the next checks either.
    expect(seen.slice(2).every((s) => s.tool_choice?.type === 'none')).toBe(true);
    expect(Object.keys(JSON.parse(fs.readFileSync(reviewFile(), 'utf8')).judgements).length).toBeGreaterThanOrEqual(1);
  });

  it('asks for a key, and says the audit itself needs none', async () => {
    const r = await runCli(['evaluate', work, '--llm'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--llm needs ANTHROPIC_API_KEY');
    expect(r.stderr).toContain('without --llm');
  });
});

describe('the review tools', () => {
  const tree = () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-tools-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/long.ts'), Array.from({ length: 500 }, (_, i) => `export const v${i + 1} = ${i + 1}; // maxTurns`).join('\n') + '\n');
    fs.mkdirSync(path.join(root, 'node_modules/dep'), { recursive: true });
    fs.writeFileSync(path.join(root, 'node_modules/dep/index.js'), 'maxTurns\n');
    fs.writeFileSync(path.join(root, 'src/blob.bin'), Buffer.from([0x6d, 0x61, 0x78, 0x00, 0x01]));
    fs.writeFileSync(path.join(root, 'src/call.py'), 'run(foo(\n');
    return root;
  };

  it('read_file returns at most 200 numbered lines, and says how to read on', () => {
    const root = tree();
    const out = runTool(root, 'read_file', { path: 'src/long.ts', start_line: 101, end_line: 900 });
    expect(out.isError).toBe(false);
    const lines = out.content.split('\n');
    expect(lines[0]).toBe('src/long.ts (lines 101-300 of 500):');
    expect(lines[1]).toBe('101 | export const v101 = 101; // maxTurns');
    expect(lines.filter((l) => /^\s*\d+ \| /.test(l)).length).toBe(MAX_READ_LINES);
    expect(lines[lines.length - 1]).toContain('start_line 301');
    expect(runTool(root, 'read_file', { path: 'src/long.ts', start_line: 501 })).toMatchObject({ isError: true });
    expect(runTool(root, 'read_file', { path: 'src/nope.ts' })).toMatchObject({ isError: true, content: expect.stringContaining('no such file') });
    expect(runTool(root, 'read_file', { path: 'src' }).content).toContain('long.ts');
  });

  it('search caps its matches, skips node_modules and binaries, and takes an invalid regex as a literal', () => {
    const root = tree();
    const out = runTool(root, 'search', { pattern: 'maxTurns' });
    const hits = out.content.split('\n').slice(1);
    expect(hits.length).toBe(MAX_MATCHES);
    expect(hits[0]).toBe('src/long.ts:1: export const v1 = 1; // maxTurns');
    expect(out.content).toContain('narrow the pattern');
    expect(out.content).not.toContain('node_modules');
    expect(runTool(root, 'search', { pattern: 'max' }).content).not.toContain('blob.bin');
    expect(runTool(root, 'search', { pattern: 'foo(' }).content).toContain('src/call.py:1: run(foo(');
    expect(runTool(root, 'search', { pattern: 'maxTurns', path_glob: '*.py' }).content).toMatch(/^no match/);
  });

  it('answers a bad input or an unknown tool with a tool error, never a throw', () => {
    const root = tree();
    expect(runTool(root, 'read_file', { start_line: 3 })).toMatchObject({ isError: true, content: expect.stringContaining('path') });
    expect(runTool(root, 'search', null)).toMatchObject({ isError: true });
    expect(runTool(root, 'bash', { command: 'rm -rf /' })).toMatchObject({ isError: true, content: expect.stringContaining('no tool named bash') });
  });
});
