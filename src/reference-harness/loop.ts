/**
 * The agent loop. Contract: yields HarnessEvents and ends with exactly one `stop` event (also
 * returned as the RunResult); never throws for model or tool failures. Every turn: the budget's
 * hard caps, a projection of the request (compacting near the context window), the model call,
 * usage recorded, the turn saved. Every tool call goes through `dispatch`, the single path:
 * journal lookup, schema validation, permission gate, journal intent, execute, verify after
 * edits, journal outcome, audit trail.
 */
import type { AgentType } from './agents/agents.js';
import type { Budget, StopReason } from './budget/budget.js';
import { compact } from './budget/compaction.js';
import type { HarnessEvent } from './events.js';
import type { Logger } from './logging/logger.js';
import { estimateRequestTokens, type Message, type Model, type ModelRequest, type ModelResponse, type ToolCall, type ToolResultBlock } from './model.js';
import type { PermissionGate, Verdict } from './permissions/gate.js';
import type { Session } from './persistence/session.js';
import { resolveWithinWorkspace } from './tools/context.js';
import { fail, ok, type ToolRegistry, type ToolResult } from './tools/registry.js';
import { validateInput, verifyAfterEdit } from './verify.js';

/** Answers an `ask` decision: true to allow. Contract: must not throw. */
export type Approver = (request: { tool: string; input: unknown; reason: string }) => Promise<boolean>;

export interface RunOptions {
  agent: AgentType;
  model: Model;
  /** This agent's pool (`toolsFor`): the model sees these and only these run. */
  tools: ToolRegistry;
  /** Every registered tool; sub-agent pools are filtered from it. */
  allTools: ToolRegistry;
  gate: PermissionGate;
  budget: Budget;
  session: Session;
  /** A new user message; omitted when resuming a session mid-task. */
  task?: string;
  /** 0 for the main agent, 1 for a sub-agent. */
  depth?: number;
  /** Without one, `ask` means deny. */
  approve?: Approver;
  verifyCommand?: string;
  maxOutputTokens?: number;
}

export interface RunResult {
  reason: StopReason;
  /** The last assistant text. */
  text: string;
}

export async function* runAgent(opts: RunOptions): AsyncGenerator<HarnessEvent, RunResult> {
  const { agent, model, budget, session } = opts;
  const depth = opts.depth ?? 0;
  const who = { agent: agent.name, depth };
  const log = session.log.child(who);
  const maxOutputTokens = opts.maxOutputTokens ?? 8192;
  let messages: Message[] = depth === 0 ? session.transcript.messages() : [];
  let lastText = '';

  const record = (message: Message, modelCall?: number) => {
    messages.push(message);
    session.transcript.append(message, who, modelCall);
  };
  async function* stop(reason: StopReason, detail?: string): AsyncGenerator<HarnessEvent, RunResult> {
    log.info('stop', { reason, detail, spent: budget.spent });
    yield { type: 'stop', agent: agent.name, reason, detail };
    return { reason, text: lastText };
  }

  if (opts.task) record({ role: 'user', text: opts.task });
  // Resuming after a crash: calls the transcript holds without results go through dispatch,
  // where the journal returns completed outcomes and reports interrupted calls.
  const pending = pendingCalls(messages);
  if (pending.length) record({ role: 'tool', results: yield* runTools(pending, opts, log) });

  for (;;) {
    const capped = budget.check();
    if (capped) return yield* stop(capped, `spent ${JSON.stringify(budget.spent)} of ${JSON.stringify(budget.limits)}`);

    let request: ModelRequest = { system: agent.prompt, messages, tools: opts.tools.toModelTools(), maxOutputTokens };
    const projection = budget.project(estimateRequestTokens(request), maxOutputTokens, model.contextWindow);
    if (projection.action === 'stop') return yield* stop(projection.stop, projection.reason);
    if (projection.action === 'compact') {
      const before = messages.length;
      const compacted = compact(messages);
      if (compacted) {
        messages = compacted.messages;
        session.transcript.appendCompaction(messages, who);
        request = { ...request, messages };
        log.info('compacted', { reason: projection.reason, before, after: messages.length });
        yield { type: 'compaction', agent: agent.name, reason: projection.reason, before, after: messages.length };
      }
      if (estimateRequestTokens(request) + maxOutputTokens > model.contextWindow) return yield* stop('context_overflow', projection.reason);
    }

    yield { type: 'turn_start', agent: agent.name, turn: budget.spent.turns + 1, depth };
    const modelCall = session.transcript.nextModelCall++;
    let response: ModelResponse;
    try {
      response = await model.complete(request);
    } catch (err) {
      const message = `model call failed: ${(err as Error).message}`;
      log.error('model call failed', { error: (err as Error).message });
      yield { type: 'error', agent: agent.name, message };
      return yield* stop('error', message);
    }
    budget.record(response.usage, model.pricing);
    record({ role: 'assistant', text: response.text, toolCalls: response.toolCalls }, modelCall);
    if (depth === 0) {
      session.state.step += 1;
      session.state.spent = { ...budget.spent };
      session.saveState();
    }
    log.info('model turn', { modelCall, usage: response.usage, toolCalls: response.toolCalls.map((c) => c.name), stopReason: response.stopReason });

    if (response.text) {
      lastText = response.text;
      yield { type: 'assistant_text', agent: agent.name, text: response.text };
    }
    if (!response.toolCalls.length) return yield* stop('end_turn');
    const results = yield* runTools(response.toolCalls, opts, log);
    record({ role: 'tool', results });
    const fatal = results.find((r) => r.fatal);
    if (fatal) {
      yield { type: 'error', agent: agent.name, message: fatal.content };
      return yield* stop('error', fatal.content);
    }
  }
}

/** The tool calls of a final assistant message that has no results yet. */
function pendingCalls(messages: Message[]): ToolCall[] {
  const last = messages[messages.length - 1];
  return last?.role === 'assistant' ? last.toolCalls : [];
}

/** Runs a turn's calls in order; consecutive concurrency-safe calls run together. */
async function* runTools(calls: ToolCall[], opts: RunOptions, log: Logger): AsyncGenerator<HarnessEvent, ToolResultBlock[]> {
  const results: ToolResultBlock[] = [];
  const safe = (c: ToolCall) => !!opts.tools.get(c.name)?.hints.concurrencySafe;
  for (let i = 0; i < calls.length; ) {
    let j = i + 1;
    if (safe(calls[i])) while (j < calls.length && safe(calls[j])) j++;
    const batch = calls.slice(i, j);
    i = j;
    if (batch.length === 1) {
      results.push(yield* dispatch(batch[0], opts, log));
      continue;
    }
    const done = await Promise.all(batch.map((c) => drain(dispatch(c, opts, log))));
    for (const d of done) {
      yield* d.events;
      results.push(d.result);
    }
  }
  return results;
}

async function drain<E, R>(gen: AsyncGenerator<E, R>): Promise<{ events: E[]; result: R }> {
  const events: E[] = [];
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, result: next.value };
    events.push(next.value);
  }
}

/** The single path from a model's tool call to its result. */
async function* dispatch(call: ToolCall, opts: RunOptions, log: Logger): AsyncGenerator<HarnessEvent, ToolResultBlock> {
  const { session, gate } = opts;
  const agent = opts.agent.name;
  const started = Date.now();
  const finish = (result: ToolResult, verdict: Verdict | undefined, outcome: 'ok' | 'error' | 'denied' | 'invalid' | 'interrupted' | 'replayed' | 'unknown-tool'): ToolResultBlock => {
    session.audit.record({
      event: 'tool', agent, depth: opts.depth ?? 0, callId: call.id, tool: call.name, input: call.input,
      decision: verdict?.decision ?? 'none', reason: verdict?.reason ?? outcome, outcome, result: result.content.slice(0, 2000), ms: Date.now() - started,
    });
    log.info('tool call', { callId: call.id, tool: call.name, outcome, ms: Date.now() - started });
    return { callId: call.id, name: call.name, content: result.content, isError: !result.ok, ...(!result.ok && result.kind === 'fatal' && { fatal: true as const }) };
  };
  const resultEvent = (block: ToolResultBlock, replayed?: boolean): HarnessEvent => ({ type: 'tool_result', agent, callId: call.id, name: call.name, ok: !block.isError, content: block.content, replayed });

  yield { type: 'tool_call', agent, callId: call.id, name: call.name, input: call.input };

  const prior = session.journal.lookup(call.id);
  if (prior?.status === 'completed') {
    const block = finish(prior.result, undefined, 'replayed');
    yield resultEvent(block, true);
    return block;
  }
  if (prior?.status === 'interrupted') {
    const block = finish(fail('interrupted: this call started before the session stopped and its outcome is unknown. It was NOT run again; check its effects before retrying.'), undefined, 'interrupted');
    yield resultEvent(block);
    return block;
  }

  const tool = opts.tools.get(call.name);
  if (!tool) {
    const block = finish(fail(`unknown tool ${call.name}; available: ${opts.tools.list().map((t) => t.name).join(', ')}`), undefined, 'unknown-tool');
    yield resultEvent(block);
    return block;
  }
  const valid = validateInput(tool, call.input);
  if (!valid.ok) {
    const block = finish(fail(valid.error), undefined, 'invalid');
    yield resultEvent(block);
    return block;
  }

  let verdict = await gate.decide(tool, valid.data, { granted: session.state.granted });
  yield { type: 'permission', agent, callId: call.id, name: tool.name, decision: verdict.decision, reason: verdict.reason };
  if (verdict.decision === 'ask') {
    const yes = opts.approve ? await opts.approve({ tool: tool.name, input: valid.data, reason: verdict.reason }) : false;
    if (yes) {
      session.state.granted.push(gate.grantKey(tool, valid.data));
      session.saveState();
    }
    verdict = yes
      ? { decision: 'allow', reason: `approved by the user (${verdict.reason})` }
      : { decision: 'deny', reason: opts.approve ? `the user declined (${verdict.reason})` : 'approval needed but no one can be asked: add an allow rule to .harness/settings.json or use --mode accept-edits' };
    yield { type: 'permission', agent, callId: call.id, name: tool.name, decision: verdict.decision, reason: verdict.reason };
  }
  if (verdict.decision !== 'allow') {
    const block = finish(fail(`permission denied: ${verdict.reason}`), verdict, 'denied');
    yield resultEvent(block);
    return block;
  }

  session.journal.intent(call);
  const childEvents: HarnessEvent[] = [];
  let result: ToolResult;
  try {
    result = await tool.execute(valid.data, { workspace: session.workspace, callId: call.id, state: session.state, run: opts, emit: (e) => childEvents.push(e) });
  } catch (err) {
    result = fail(`${tool.name} crashed: ${(err as Error).message}`, 'fatal');
  }
  if (result.ok && tool.name === 'edit_file') {
    const file = resolveWithinWorkspace(session.workspace, tool.subject!(valid.data));
    const check = file ? await verifyAfterEdit(file, { workspace: session.workspace, command: opts.verifyCommand }) : { ok: false, message: 'file vanished' };
    result = check.ok ? ok(`${result.content}; verify: ${check.message}`) : fail(`${result.content}, but verification failed: ${check.message}`);
  }
  session.journal.outcome(call.id, result);
  session.saveState();
  yield* childEvents;
  const block = finish(result, verdict, result.ok ? 'ok' : 'error');
  yield resultEvent(block);
  return block;
}
