/**
 * `audit design --llm`: the real @anthropic-ai/sdk against a local server that speaks the Messages
 * API (JSON and server-sent events). No network beyond 127.0.0.1.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../src/cli.js';
import { cli as runCli, sseMessage } from './helpers.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHELL = fs.readFileSync(path.join(ROOT, 'fixtures/design/unguarded-shell.md'), 'utf8');

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: { model: string; max_tokens: number; stream?: boolean; system: string; messages: Array<{ role: string; content: string }>; output_config?: { format: { type: string; schema: { properties: Record<string, unknown> } } } };
}

type Mode = 'json' | 'plain' | '401' | '429' | '500' | 'hang';
let mode: Mode = 'json';
const seen: Seen[] = [];
let baseURL = '';
let server: http.Server;

const REVIEW = {
  verdict: 'needs-answers',
  covered: ['permissions.gate', 'persistence.resume', 'not.a-check'],
  concerns: [
    { id: 'permissions.shell-guard', severity: 'high', question: 'Which commands may it run on the bastion, and what refuses the rest?', why: 'exec() of model output on a bastion host is root on production.', quote: 'The agent runs shell commands directly on the bastion host through child_process.exec, so it can restart services and tail logs.' },
    { id: 'budget.compaction', severity: 'medium', question: 'Incidents run long: what happens when the context fills?', why: 'Tailing logs fills the window fast.' },
    { id: 'made.up-id', severity: 'high', question: 'dropped', why: 'not in the catalog' },
  ],
};

function message(body: Seen['body'], text: string) {
  return { id: `msg_${seen.length}`, type: 'message', role: 'assistant', model: body.model, stop_reason: 'end_turn', stop_sequence: null, content: [{ type: 'text', text }], usage: { input_tokens: 1200, output_tokens: 300 } };
}

function sse(res: http.ServerResponse, body: Seen['body'], chunks: string[]) {
  sseMessage(res, { ...message(body, ''), usage: { input_tokens: 800, output_tokens: 40 } }, chunks);
}

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = JSON.parse(raw) as Seen['body'];
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      const error = (status: number, type: string) => {
        res.writeHead(status, { 'content-type': 'application/json', 'retry-after-ms': '10' });
        res.end(JSON.stringify({ type: 'error', error: { type, message: `${type} from the test server` } }));
      };
      if (mode === '401') return error(401, 'authentication_error');
      if (mode === '429') return error(429, 'rate_limit_error');
      if (mode === '500') return error(500, 'api_error');
      if (mode === 'hang') return; // never answers: the client times out
      if (body.stream) return sse(res, body, ['The sandbox ', 'answers the question for restarts. ', 'Resolution: accepted-risk']);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(message(body, mode === 'plain' ? 'This design looks mostly fine, but I would sandbox the shell.' : JSON.stringify(REVIEW))));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  mode = 'json';
});

/** The CLI with the key and the local server's address in its environment, run from the project root. */
const cli = (argv: string[], extra: Partial<Io> = {}) => runCli(argv, { env: { ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: baseURL }, cwd: ROOT, ...extra });

const ARGS = ['design', 'fixtures/design/unguarded-shell.md', '--llm', '--model', 'claude-test', '--max-tokens', '1000'];

describe('audit design --llm', () => {
  it('sends the proposal, a model and max_tokens, with the catalog and the offline findings in the system prompt', async () => {
    const r = await cli([...ARGS, '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(1);
    const req = seen[0];
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key'] ?? req.headers.authorization).toMatch(/test-key/);
    expect(req.body).toMatchObject({ model: 'claude-test', max_tokens: 1000 });
    expect(req.body.stream ?? false).toBe(false);
    expect(req.body.messages[0].content).toContain(SHELL.trim());
    expect(req.body.system).toContain('- agents.subagent-limits: Sub-agents are constrained. Present when: Sub-agents are constrained: restricted tools, no unbounded recursion, their own turn or token limits.');
    expect(req.body.system).toContain('complexity.premature-multi-agent');
    expect(req.body.system).toMatch(/Offline findings \(JSON\):[\s\S]*"id": "permissions.shell-guard"/);
    expect(req.body.output_config?.format.type).toBe('json_schema');
    expect(Object.keys(req.body.output_config!.format.schema.properties)).toEqual(['verdict', 'covered', 'concerns']);

    const j = JSON.parse(r.stdout);
    expect(j.verdict).toBe('needs-answers');
    expect(j.covered).toEqual(['permissions.gate', 'persistence.resume']);
    expect(j.concerns.map((c: { id: string }) => c.id)).toEqual(['permissions.shell-guard', 'budget.compaction']);
    expect(j.concerns[0]).toMatchObject({ question: REVIEW.concerns[0].question, line: 6, title: expect.any(String), status: 'missing' });
    expect(j.llm).toEqual({ model: 'claude-test', calls: 1, inputTokens: 1200, outputTokens: 300, budget: 60000 });
  });

  it('reports the tokens spent against the budget at the end of the text review', async () => {
    const r = await cli([...ARGS, '--budget', '20000']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Q: Which commands may it run on the bastion');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Claude (claude-test): 1 call, 1500 of 20000 budgeted tokens (1200 in, 300 out)');
  });

  it('keeps every call within the budget: max_tokens shrinks to what is left, and no call when nothing is', async () => {
    await cli([...ARGS, '--max-tokens', '8000', '--budget', '9000', '--format', 'json']);
    expect(seen).toHaveLength(1);
    expect(seen[0].body.max_tokens).toBeLessThan(8000);
    seen.length = 0;
    const r = await cli([...ARGS, '--budget', '1000']);
    expect(seen).toHaveLength(0);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Claude: token budget reached .* raise it with --budget/);
    expect(r.stdout).toContain('1. HIGH   permissions.shell-guard');
  });

  it('shows a plain-text answer as is, says so, and keeps the offline review', async () => {
    mode = 'plain';
    const r = await cli(ARGS);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Claude answered in plain text instead of the requested JSON; its answer as is');
    expect(r.stdout).toContain('This design looks mostly fine, but I would sandbox the shell.');
    expect(r.stdout).toContain('1. HIGH   permissions.shell-guard');
    const j = JSON.parse((await cli([...ARGS, '--format', 'json'])).stdout);
    expect(j.llm.plainText).toBe('This design looks mostly fine, but I would sandbox the shell.');
  });

  it.each([
    ['401', 1, /^audit: the Claude API refused the key \(401\): check ANTHROPIC_API_KEY, or drop --llm for the offline review, which needs no key\n$/],
    ['429', 3, /^audit: the Claude API is rate limiting \(429\) after 2 retries with backoff: wait a minute and run again, or drop --llm for the offline review\n$/],
    ['500', 3, /^audit: the Claude API failed with a server error \(500\) after 2 retries with backoff; try again later, or drop --llm for the offline review\n$/],
  ] as const)('answers HTTP %s with one clear line after %i request(s), exit 2, and still prints the offline review', async (status, requests, line) => {
    mode = status;
    const r = await cli(ARGS);
    expect(seen).toHaveLength(requests);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(line);
    expect(r.stdout).toContain('1. HIGH   permissions.shell-guard');
    expect(r.stdout).toContain('Claude review failed:');
  });

  it('gives one line when the API does not answer in time', async () => {
    mode = 'hang';
    const r = await cli([...ARGS, '--timeout', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^audit: the Claude API did not answer within 1 s \(--timeout\) after 2 retries with backoff; .*\n$/);
    expect(seen.length).toBe(3);
  }, 20_000);

  it('streams the follow-ups of an interactive session and records the suggested resolution', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'design-llm-'));
    fs.copyFileSync(path.join(ROOT, 'fixtures/design/unguarded-shell.md'), path.join(cwd, 'ops.md'));
    const answers = ['Every command runs in a bubblewrap sandbox with a read-only root.', '', 'We compact at 80% of the window.', 'r'];
    const r = await cli(['design', 'ops.md', '--llm', '--model', 'claude-test', '--interactive'], { cwd, stdin: Readable.from([answers.join('\n') + '\n']) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen.map((s) => s.body.stream ?? false)).toEqual([false, true, true]);
    expect(seen[1].body).toMatchObject({ model: 'claude-test', max_tokens: 4096 });
    expect(seen[1].body.messages[0].content).toContain('The author answers: Every command runs in a bubblewrap sandbox');
    expect(r.stdout).toContain('reviewer: The sandbox answers the question for restarts. Resolution: accepted-risk');
    expect(r.stdout).toContain('(Enter: accepted risk)');
    const [id] = fs.readdirSync(path.join(cwd, '.audit/sessions'));
    const state = JSON.parse(fs.readFileSync(path.join(cwd, '.audit/sessions', id, 'state.json'), 'utf8'));
    expect(state.answers['permissions.shell-guard']).toMatchObject({ resolution: 'accepted-risk', followUp: expect.stringContaining('The sandbox answers') });
    expect(state.answers['budget.compaction']).toMatchObject({ resolution: 'resolved' });
    expect(state.spent).toMatchObject({ turns: 3, inputTokens: 1200 + 800 + 800, outputTokens: 300 + 40 + 40 });
    expect(state.done).toBe(true);
    expect(fs.readFileSync(path.join(cwd, '.audit/sessions', id, 'decision.md'), 'utf8')).toContain('**Reviewer:** The sandbox answers the question for restarts.');
    expect(r.stdout).toContain('Claude (claude-test): 3 calls, 3180 of 60000 budgeted tokens');
  });
});
