/**
 * `audit evaluate --llm`: the real @anthropic-ai/sdk against a local server that speaks the
 * Messages API. A judgement is recorded only when every line it cites exists and reads as quoted.
 * No network beyond 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cli as runCli, sseMessage } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const GATE_LINE = 'const decision = await gate.decide({ name, input }, tool.readOnly);';

type Mode = 'valid' | 'missing-line' | 'misquoted' | 'plain' | '401';
let mode: Mode = 'valid';
const seen: Array<{ model: string; max_tokens: number; stream?: boolean; system: string; messages: Array<{ role: string; content: string }> }> = [];
let server: http.Server;
let baseURL = '';
let work: string;

function answer(): string {
  const cite = (line: number, code: string) => JSON.stringify({ level: 'partial', reason: 'the gate asks only for tools that are not read-only', evidence: [{ file: 'src/registry.ts', line, code }] });
  if (mode === 'valid') return cite(15, GATE_LINE);
  if (mode === 'missing-line') return cite(400, GATE_LINE);
  if (mode === 'misquoted') return cite(15, 'if (policy.allows(call)) return run(call);');
  return 'I would need to see the dispatcher to judge this.';
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
      const message = { id: `msg_${seen.length}`, type: 'message', role: 'assistant', model: body.model, stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text: answer() }], usage: { input_tokens: 900, output_tokens: 60 } };
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
    expect(r.stderr).toMatch(new RegExp(`Claude \\(claude-test\\): ${seen.length} calls?, ${seen.length} judgements? recorded`));
    // A second run sends only what is still uncertain: reviewed checks are not asked again.
    seen.length = 0;
    await evaluate();
    expect(seen.length).toBe(0);
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
    const request = Math.ceil((seen[0].system.length + seen[0].messages[0].content.length) / 4);
    expect(seen[0].max_tokens).toBe(3000 - request);
  });

  it('asks for a key, and says the audit itself needs none', async () => {
    const r = await runCli(['evaluate', work, '--llm'], { env: {} });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--llm needs ANTHROPIC_API_KEY');
    expect(r.stderr).toContain('without --llm');
  });
});
