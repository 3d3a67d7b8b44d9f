/**
 * Assembles one run of the main agent from the workspace's settings: session (new or resumed),
 * tool registry and the agent's pool, permission gate, budget. The CLI and the tests both start
 * runs through here, so what is tested is what ships. Contract: throws SettingsError or
 * SessionNotFoundError for bad input; the returned options go straight to `runAgent`.
 */
import { AGENTS, toolsFor } from './agents/agents.js';
import { Budget, type BudgetLimits } from './budget/budget.js';
import type { Approver, RunOptions } from './loop.js';
import type { Model } from './model.js';
import { PermissionGate } from './permissions/gate.js';
import { loadSettings, Rules, type Mode } from './permissions/rules.js';
import { createSession, loadSession, type Session } from './persistence/session.js';
import { createToolRegistry } from './tools/index.js';
import type { Tool } from './tools/registry.js';

export interface HarnessOptions {
  workspace: string;
  task?: string;
  mode?: Mode;
  /** A session id to continue. */
  resume?: string;
  /** Built once the session is known (a scripted model resumes from its transcript). */
  model: (session: Session) => Model;
  approve?: Approver;
  /** Plugin or user tools on top of the built-ins. */
  extraTools?: readonly Tool[];
  /** Override the settings' limits (tests). */
  limits?: Partial<BudgetLimits>;
}

export function prepareRun(opts: HarnessOptions): RunOptions {
  const settings = loadSettings(opts.workspace);
  const session = opts.resume ? loadSession(opts.workspace, opts.resume) : createSession(opts.workspace, opts.task ?? '', opts.mode ?? settings.mode);
  const mode = opts.mode ?? session.state.mode;
  session.state.mode = mode;
  const model = opts.model(session);
  session.state.model = model.name;
  const allTools = createToolRegistry(opts.extraTools);
  const agent = AGENTS.general;
  return {
    agent,
    model,
    tools: toolsFor(agent, allTools),
    allTools,
    gate: new PermissionGate(new Rules(settings.permissions), mode, opts.workspace),
    budget: new Budget({ maxTurns: agent.maxTurns, ...settings.limits, ...opts.limits }, session.state.spent),
    session,
    task: newUserMessage(session, opts.task),
    approve: opts.approve,
    verifyCommand: settings.verifyCommand,
  };
}

/** On resume, the task becomes a new user message only if the last turn had finished. */
function newUserMessage(session: Session, task: string | undefined): string | undefined {
  const messages = session.transcript.messages();
  const last = messages[messages.length - 1];
  if (!last) return task;
  return task && last.role === 'assistant' && last.toolCalls.length === 0 ? task : undefined;
}
