/**
 * Evidence is the product: for mechanisms where an audit once cited the wrong line, the first
 * evidence line must be the one that shows what its reason claims.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/modes/evaluate/index.js';
import { RULES } from '../src/rules/index.js';
import { RuleContext } from '../src/rules/context.js';
import { agentSlice } from '../src/rules/shared/slice.js';
import type { RepoFacts } from '../src/analyzers/facts.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

async function analyzeOnly(dir: string): Promise<RepoFacts> {
  let facts: RepoFacts | undefined;
  await runAudit(dir, { rules: [], flagRules: [], review: false, onFacts: (f) => (facts = f) });
  return facts!;
}

async function firstEvidence(id: string, caseDir: string) {
  const rule = RULES.find((r) => r.id === id)!;
  const result = await runAudit(path.join(FIXTURES, id, caseDir), { rules: [rule], flagRules: [], review: false });
  const check = result.checks.find((c) => c.id === id)!;
  return { check, first: check.evidence[0] };
}

describe('evidence lines', () => {
  it("cites the exec of the model's code, not the exec of the harness's own constant prelude", async () => {
    const { check, first } = await firstEvidence('permissions.shell-guard', 'absent-exec-after-constant-prelude');
    expect(check.level).toBe('absent');
    expect(first).toMatchObject({ file: 'src/notebook_mcp/server.py', line: 41 });
  });
});

describe('a framework runner handed the tools', () => {
  it("is the main loop's, not a background pass's handed one tool of its own", async () => {
    const { check, first } = await firstEvidence('registry.central', 'present-main-loop-runner-first');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'src/session.ts', line: 7 });
  });
});

describe('a read-or-create helper', () => {
  it('reads: the save is cited at the write helper, and the load it does counts as reading the session back', async () => {
    const { check, first } = await firstEvidence('persistence.session-save', 'present-read-or-create-helper-py');
    expect(check.level).toBe('present');
    // `_read_table` writes an empty table only in its `except FileNotFoundError:`; `_write_table` saves.
    expect(first).toMatchObject({ file: 'chatbot/store.py', line: 34 });
    const resume = await runAudit(path.join(FIXTURES, 'persistence.session-save', 'present-read-or-create-helper-py'), { rules: RULES.filter((r) => r.id === 'persistence.resume'), flagRules: [], review: false });
    const r = resume.checks.find((c) => c.id === 'persistence.resume')!;
    // chat(session_id) hands the id to the load and saves the turn: a saved session is selected and continued.
    expect(r.level).toBe('present');
    expect(r.evidence.map((e) => `${e.file}:${e.line}`)).toEqual(['chatbot/agent.py:13', 'chatbot/store.py:28']);
  });
});

describe('the agent loop', () => {
  it('is the turn loop, not the loop that retries one request', async () => {
    const { check } = await firstEvidence('budget.hard-limits', 'absent-retry-while-around-request');
    expect(check.level).toBe('absent');
    expect(check.reason).toContain('Task.run');
    const result = await runAudit(path.join(FIXTURES, 'budget.hard-limits', 'absent-retry-while-around-request'), { rules: [], flagRules: [], review: false });
    const loops = result.landmarks.filter((l) => l.reason.startsWith('agent loop'));
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['src/task.ts:13']);
  });

  it('is a loop that runs the tools, though one of its exits asks whether to retry after an API error', async () => {
    const result = await runAudit(path.join(FIXTURES, 'budget.hard-limits', 'partial-turn-loop-with-retry-exit'), { rules: [], flagRules: [], review: false });
    const loops = result.landmarks.filter((l) => l.reason.startsWith('agent loop'));
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['src/agent.ts:14']);
  });

  it('is not a function that calls itself again from its catch block (a retry)', async () => {
    const result = await runAudit(path.join(FIXTURES, 'budget.hard-limits', 'absent-recursive-retry-in-catch'), { rules: [], flagRules: [], review: false });
    const loops = result.landmarks.filter((l) => l.reason.startsWith('agent loop'));
    expect(loops.map((l) => `${l.file}:${l.line}`)).toContain('src/agent.ts:15');
    expect(loops.filter((l) => l.file === 'src/summarize.ts')).toEqual([]);
  });
});

describe('the agent loop, found through resolved calls', () => {
  const loopsOf = async (dir: string) => {
    const result = await runAudit(path.join(FIXTURES, 'budget.hard-limits', dir), { rules: [], flagRules: [], review: false });
    return result.landmarks.filter((l) => l.reason.startsWith('agent loop')).map((l) => `${l.file}:${l.line}`);
  };

  it('follows an import alias to the provider call, and is not a loop over re.search()', async () => {
    // `from .llm import chat as complete`; a tool named `search` reaches the model, `re.search` does not.
    expect(await loopsOf('partial-py-loop-through-alias')).toEqual(['agent/loop.py:13']);
    const { check } = await firstEvidence('budget.hard-limits', 'partial-py-loop-through-alias');
    expect(check.reason).toContain('max_steps');
  });

  it('follows a module-level instance imported from a config module to the SDK resource it calls create() on', async () => {
    // `from .config import action_model` where config.py binds `providers.GroqProvider(…)`; its inherited call() reaches
    // `self.client.create(messages=…, model=…)` on `OpenAI().chat.completions` held as `self.client`.
    expect(await loopsOf('partial-py-loop-through-module-instance')).toEqual(['desk_agent/agent.py:23']);
  });

  it('follows a call through an interface every provider client implements to their model calls', async () => {
    // `ctx.llm.invokeStructured()` where `llm: AgentModel` and four classes `implements AgentModel`, each calling its SDK.
    expect(await loopsOf('partial-loop-through-provider-interface')).toEqual(['src/agent.ts:23']);
  });

  it('follows a field holding an agent class to its inherited method that invokes the model', async () => {
    // `this.navigator = new Navigator(llm)`; Navigator.execute → BaseAgent.invoke → structuredLlm.invoke().
    expect(await loopsOf('partial-field-held-agent')).toEqual(['src/executor.ts:15']);
  });
});

describe('the agent loop, told from loops that only look like it', () => {
  const agentLandmarks = async (dir: string) =>
    (await runAudit(path.join(FIXTURES, 'budget.hard-limits', dir), { rules: [], flagRules: [], review: false })).landmarks.filter((l) => l.reason.startsWith('agent loop'));

  it('is the turn loop calling a per-provider step, not a provider adapter, a detector, a tool or a loop raising an exception', async () => {
    const loops = await agentLandmarks('absent-py-turn-loop-through-provider-step');
    // `GatewayRelay.acompletion` calls the imported litellm `acompletion()`, not itself; `raise errors.UnexpectedModelBehavior()`
    // and `ResponseDone()` construct objects; `self.model.predict()` on a YOLO detector is no language model.
    expect(loops.map((l) => l.file)).not.toContain('desk/providers/relay.py');
    expect(loops.map((l) => l.file)).not.toContain('desk/realtime.py');
    expect(loops.map((l) => l.file)).not.toContain('desk/detect.py');
    // The loop in a tool's own implementation (PolishNotesTool._execute) comes after the loop that runs the tools.
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['desk/agent.py:38', 'desk/tools/polish.py:12']);
  });

  it('is a step run as a queued job that queues the next step itself', async () => {
    const loops = await agentLandmarks('partial-py-requeued-step-job');
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['runner/executor.py:22']);
    expect(loops[0].reason).toContain('run_step.apply_async()');
    const { check } = await firstEvidence('budget.hard-limits', 'partial-py-requeued-step-job');
    expect(check.reason).toContain('max_steps');
  });

  it('needs more than a name: not a balancer calling its own predictor, nor a socket flushing its queue', async () => {
    // `this.predictLoad()` → `forecast.predict()` → `this.model.predict()` on the harness's LinearModel; `this.sendMessage()` in a send queue.
    const loops = await agentLandmarks('absent-ts-name-only-loops-are-not-turns');
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['src/agent.ts:8']);
  });

  it('is a turn that recurses after running the tools, with its model call in a closure handed to a retry wrapper', async () => {
    const loops = await agentLandmarks('absent-ts-recursive-turn-with-closure-model-call');
    expect(loops.map((l) => `${l.file}:${l.line} ${l.reason}`)).toEqual(['src/query.ts:7 agent loop in query: calls the model with askModel() at line 9']);
  });

  it("is not a tool executor's loop over selected_tool.stream(), though the model class also has a stream()", async () => {
    const loops = await agentLandmarks('partial-py-tool-stream-is-not-a-turn');
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['helper/agent.py:14']);
  });

  it('is the chat loop, not a thread that sleeps and pings the model to keep its prompt cache warm', async () => {
    const loops = await agentLandmarks('absent-py-cache-warming-ping-is-not-the-turn');
    expect(loops[0] && `${loops[0].file}:${loops[0].line}`).toBe('pair/coder.py:15');
  });

  it("is not a history repair loop calling this.collectToolResponses() (a collector, whatever its name holds)", async () => {
    const loops = await agentLandmarks('absent-ts-history-repair-loop-is-not-a-turn');
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['src/agent.ts:9']);
  });

  it('is the step loop, not a critic asking the model the same messages n times', async () => {
    const loops = await agentLandmarks('partial-py-resampling-loop-is-not-the-turn');
    expect(loops[0] && `${loops[0].file}:${loops[0].line}`).toBe('solver/runner.py:26');
  });

  it("is not a queue flush calling the AI SDK's generateId(): a name ending on a value (an id, a length, a cost) makes no turn", async () => {
    const loops = await agentLandmarks('partial-turn-cap-beside-id-loop');
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['src/agent.ts:10']);
  });

  it("is not a storage scan parsing rows with pydantic's model_validate_json (a BaseModel method, not a model call)", async () => {
    const loops = await agentLandmarks('absent-py-pydantic-parse-loop-is-not-a-turn');
    expect(loops.map((l) => `${l.file}:${l.line}`)).toEqual(['chatbot/agent.py:12']);
  });
});

describe('a loop the framework runs', () => {
  const landmarksOf = async (fixture: string) =>
    (await runAudit(path.join(FIXTURES, fixture), { rules: [], flagRules: [], review: false })).landmarks.map((l) => `${l.file}:${l.line} ${l.reason}`);

  it('is a landmark at the call that hands the framework its tools (AI SDK streamText)', async () => {
    expect(await landmarksOf('registry.central/present-framework-beside-mcp-lookup')).toContain('src/agent.ts:20 framework agent loop: streamText() is handed the tools and runs them');
  });

  it('is a landmark for a LangGraph prebuilt agent (create_react_agent)', async () => {
    expect(await landmarksOf('verification.output-checks/present-framework-runner-py')).toEqual(['notes_agent/agent.py:15 framework agent loop: create_react_agent() is handed the tools and runs them']);
  });

  it('is not invented where no framework runs the tools', async () => {
    const marks = await landmarksOf('budget.hard-limits/absent-retry-while-around-request');
    expect(marks[0]).toMatch(/^src\/task\.ts:13 agent loop in Task\.run/);
    expect(marks.some((m) => m.includes('framework agent loop'))).toBe(false);
  });
});

describe('configured lists', () => {
  it("cite the parameter's own line, not the decorator above an overloaded def", async () => {
    const { check, first } = await firstEvidence('permissions.rules', 'partial-py-domain-allowlist-param');
    expect(check.level).toBe('partial');
    expect(first.line).toBe(14);
  });
});

describe('the agent slice', () => {
  it("cites the agent's own command blocklist, not a chat upload's MIME allow-list elsewhere in the repo", async () => {
    // src/chat/ (a team chat room with attachments) comes first in path order; nothing of the agent imports it or is imported by it.
    const { check, first } = await firstEvidence('permissions.rules', 'partial-agent-blocklist-beside-upload-allowlist');
    expect(check.level).toBe('partial');
    expect(first).toMatchObject({ file: 'src/runner/tools.ts', line: 4 });
    expect(check.evidence.filter((e) => e.file.startsWith('src/chat/'))).toEqual([]);
  });

  it('holds the landmarks, what they import and what drives them, not a sibling feature', async () => {
    const facts = await analyzeOnly(path.join(FIXTURES, 'permissions.rules', 'partial-agent-blocklist-beside-upload-allowlist'));
    const ctx = new RuleContext(facts);
    const slice = agentSlice(ctx, ['src/runner/loop.ts']);
    expect([...slice].sort()).toEqual(['src/cli.ts', 'src/runner/loop.ts', 'src/runner/tools.ts', 'src/runner/transcript.ts']);
    expect(agentSlice(ctx, [])).toEqual(new Set());
  });
});

describe('shell sinks', () => {
  it("cite the tool's own handler, not a media player's fixed argv or another spawn in the same file", async () => {
    const { check, first } = await firstEvidence('permissions.shell-guard', 'absent-tool-handler-among-other-spawns');
    expect(check.level).toBe('absent');
    expect(first).toMatchObject({ file: 'engineer.py', line: 25 });
  });

  it("cite the editor terminal that runs the model's command", async () => {
    const { check, first } = await firstEvidence('permissions.shell-guard', 'absent-editor-terminal-send-text');
    expect(check.level).toBe('absent');
    expect(first).toMatchObject({ file: 'src/terminal.ts', line: 9 });
  });

  it('do not cite exec() in a class nothing constructs or extends (a library utility exported for users)', async () => {
    const { check } = await firstEvidence('permissions.shell-guard', 'absent-unconstructed-code-runner');
    expect(check.level).toBe('absent');
    expect(check.reason).toMatch(/no shell or code-execution tool/);
    expect(check.evidence.some((e) => e.file.includes('snippet_runner'))).toBe(false);
  });
});

describe('persistence.state-separate evidence', () => {
  it('cites the declaration of the table the state is written to, not a sign-in route that also updates it', async () => {
    const { check, first } = await firstEvidence('persistence.state-separate', 'present-task-table');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'lib/db/schema.ts', line: 8 });
    expect(check.evidence[1]).toMatchObject({ file: 'lib/runner.ts', line: 8 });
  });

  it('reads a table of executed tool calls as workflow state, and an uninstall plan object as no plan', async () => {
    const { check, first } = await firstEvidence('persistence.state-separate', 'present-tool-call-table');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'src/store.ts', line: 15 });
    expect(check.evidence.some((e) => e.file === 'src/uninstall.ts')).toBe(false);
  });

  it('cites the config file the settings are written to before a price cache', async () => {
    const { check, first } = await firstEvidence('persistence.state-separate', 'partial-config-over-cache');
    expect(check.level).toBe('partial');
    expect(first).toMatchObject({ file: 'shellpilot/config.py', line: 14 });
  });
});

describe('persistence.resume evidence', () => {
  it('cites the option guard that reaches the loader through two calls, and the option at its own line in a chain', async () => {
    const { check, first } = await firstEvidence('persistence.resume', 'present-continue-two-hops');
    expect(check.level).toBe('present');
    expect(check.confidence).toBe('high');
    expect(first).toMatchObject({ file: 'src/cli.ts', line: 17 });
    expect(check.evidence[1]).toMatchObject({ file: 'src/session-store.ts', line: 13 });
    expect(check.evidence[2]).toMatchObject({ file: 'src/cli.ts', line: 11 });
  });

  it('does not read a shell-history module as the saved conversation', async () => {
    const { check, first } = await firstEvidence('persistence.resume', 'partial-shell-history-module');
    expect(check.level).toBe('partial');
    expect(first).toMatchObject({ file: 'src/transcript.ts', line: 6 });
  });
});

describe('guardrail tests', () => {
  it('cite the test of the module whose permission check sits on the dispatch path, reached through the package entry', async () => {
    const { check, first } = await firstEvidence('verification.guardrail-tests', 'present-gate-site-through-entry');
    expect(check.level).toBe('present');
    // Not the test that reads deny rules from a settings file: the executor's own test of a denied call.
    expect(first).toMatchObject({ file: 'test/executor.test.ts', line: 9 });
    // "allows compound commands …" asserts what passes; the stop is the test that rejects.
    expect(check.evidence.find((e) => e.reason.startsWith('dangerous'))).toMatchObject({ file: 'test/bash.test.ts', line: 8 });
  });
});

describe('audit trail', () => {
  it('cites where a tool-call record is made and handed to the logger, not the class that declares it', async () => {
    const { check, first } = await firstEvidence('logging.audit-trail', 'present-record-made-where-logged');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'src/scheduler.ts', line: 18 });
  });
});

describe('structured logging', () => {
  it('cites the write of the whole record with its fields, not the level shorthands nor a JSON detail inside a message', async () => {
    const { check, first } = await firstEvidence('logging.structured-log', 'present-record-writer');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'src/logger.ts', line: 24 });
  });
});

describe('typed events', () => {
  it("cites the enum of the loop's own events (most kinds emitted), not an output format enum whose name says stream", async () => {
    const { check, first } = await firstEvidence('logging.typed-events', 'present-core-enum-over-output-enum');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'src/events.ts', line: 1 });
  });
});

describe('agent types', () => {
  it('cites the registry that holds the declared types together, before any one definition', async () => {
    const { check, first } = await firstEvidence('agents.typed', 'present-type-registry');
    expect(check.level).toBe('present');
    expect(first).toMatchObject({ file: 'src/agents/index.ts', line: 6 });
  });
});
