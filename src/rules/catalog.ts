/**
 * The check catalog of ../shared/principles.md as data: its ids are the product's contract
 * (reports, config files, the labelled corpus and the reference harness all use them).
 */
export const PRINCIPLES = [
  { id: 'registry', title: 'Metadata-first tool registries' },
  { id: 'permissions', title: 'Multi-tiered permissions' },
  { id: 'persistence', title: 'Session and workflow state' },
  { id: 'budget', title: 'Strict token budgeting' },
  { id: 'logging', title: 'Structured logging and streaming' },
  { id: 'verification', title: 'Two-level verification' },
  { id: 'agents', title: 'Agent typing and tool pools' },
] as const;

export type PrincipleId = (typeof PRINCIPLES)[number]['id'];

export const CHECK_IDS = [
  'registry.tool-metadata',
  'registry.central',
  'registry.behavior-hints',
  'registry.user-commands',
  'permissions.gate',
  'permissions.tiers',
  'permissions.rules',
  'permissions.shell-guard',
  'persistence.session-save',
  'persistence.state-separate',
  'persistence.resume',
  'persistence.crash-safe',
  'budget.usage-tracking',
  'budget.hard-limits',
  'budget.projection',
  'budget.compaction',
  'logging.typed-events',
  'logging.structured-log',
  'logging.audit-trail',
  'verification.tests',
  'verification.guardrail-tests',
  'verification.output-checks',
  'agents.typed',
  'agents.tool-pools',
  'agents.subagent-limits',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export const FLAG_IDS = ['complexity.premature-multi-agent'] as const;
export type FlagId = (typeof FLAG_IDS)[number];

export function principleOf(id: CheckId): PrincipleId {
  return id.slice(0, id.indexOf('.')) as PrincipleId;
}

/**
 * What each check looks like when present, and how the catalog judges the hard cases: the text of
 * ../shared/principles.md as data, for `audit show`, `audit rules` and design reviews. Keep in step
 * with the catalog (test/catalog.test.ts compares them when ../shared is there).
 */
export const PRESENT_WHEN: Record<CheckId, string> = {
  'registry.tool-metadata':
    'Tools are declared as data (object, class or builder) carrying at least name, description and an input schema (zod, JSON Schema, pydantic, TypeBox …), not as branches of a `switch` on a name inside the loop.',
  'registry.central':
    'One registry (map, list, class) holds the tools; the tool list sent to the model is generated from it and calls are dispatched by looking the name up in it.',
  'registry.behavior-hints':
    'Tool metadata carries behavioural hints the harness acts on: read-only, destructive, concurrency-safe, needs-approval, or the like.',
  'registry.user-commands':
    'User-facing actions (slash commands, CLI verbs) have their own registry declared as data, parallel to the model-facing one.',
  'permissions.gate':
    'One permission decision (allow / deny / ask) runs before every tool execution, on a single code path that a tool cannot bypass.',
  'permissions.tiers':
    'Tools are treated differently by trust tier (built-in vs plugin/MCP vs user-defined) or by risk class (read-only vs write vs execute).',
  'permissions.rules':
    'Users or admins configure allow/deny/ask rules, or choose approval modes (e.g. ask every time, auto-accept edits, plan-only).',
  'permissions.shell-guard':
    'The shell tool analyses each command before running it: parsing or splitting compound commands, refusing dangerous patterns, confining paths, or sandboxing. A bare `exec(cmd)` of model output is `absent`.',
  'persistence.session-save':
    'The session is written to disk as it runs (each turn or event), not only on a clean exit.',
  'persistence.state-separate':
    'Workflow state (plan, todos, checkpoints, record of executed tool calls, settings, metrics) is stored apart from the conversation transcript.',
  'persistence.resume':
    'A saved session can be loaded and continued.',
  'persistence.crash-safe':
    'Writes are atomic or append-only (temp file + rename, JSONL journal, database transaction), and on resume completed tool calls are recognised so that they are not run twice.',
  'budget.usage-tracking':
    'Token usage (from API usage fields or a tokenizer/estimate) is accumulated per session.',
  'budget.hard-limits':
    'Hard caps (max turns/iterations, max tokens or cost) stop the loop with a clear reason rather than an exception or an endless loop.',
  'budget.projection':
    'Before a model call, the harness projects whether the request will exceed the context window or budget, and acts (compact, truncate, refuse).',
  'budget.compaction':
    'The transcript is compacted or summarised automatically when it nears the limit.',
  'logging.typed-events':
    'The loop emits typed events (a discriminated union, event classes, or an enum of event kinds) to its consumers, errors and stop reasons included.',
  'logging.structured-log':
    'Diagnostics go to a structured logger (JSON lines, levels, fields), not bare prints.',
  'logging.audit-trail':
    'What the agent did is recorded: tool calls with inputs and outcomes, permission decisions, routing/agent choice.',
  'verification.tests':
    'The harness has an automated test suite that exercises the loop or tools.',
  'verification.guardrail-tests':
    'Tests assert the safety stops themselves: a denied permission is denied, a dangerous command is blocked, a budget halts the loop.',
  'verification.output-checks':
    'The agent\'s output is verified before it takes effect: tool inputs validated against the schema before execution, or a verify step (tests, lint, diff review, hooks) after edits.',
  'agents.typed':
    'Agent types or roles (explore, plan, verify, general …) are declared as data with their own prompt and tool set.',
  'agents.tool-pools':
    'The tool set is assembled per agent or per session (filtered, allow-listed) instead of every agent getting every tool.',
  'agents.subagent-limits':
    'Sub-agents are constrained: restricted tools, no unbounded recursion, their own turn or token limits.',
};

/** How the labels judge the hard cases (the audit and its reviewers judge the same way). */
export const JUDGING_RULES: ReadonlyArray<{ title: string; text: string }> = [
  { title: 'Default matters', text: 'On by default in the shipped entry point (CLI, extension, app) is `present`, even if the library default is off. Opt-in only (a flag, a setting defaulting to off or unlimited) is `partial`.' },
  { title: 'Wired matters', text: 'A mechanism that exists but is never connected on the main path (a hook with no default implementation, a handler only set in tests, a validator only called from its own tests) is `partial`. Code only under `examples/`, docs or tests is `absent` (except for the verification checks).' },
  { title: 'Part of the path', text: 'A gate that some built-in tools bypass, or a check that each tool must remember to call, is `partial`; one path every tool passes through is `present`.' },
  { title: 'Nothing to guard', text: 'Where no tool runs shell commands or code, `permissions.shell-guard` is `absent` and the reason says there is no shell or code-execution tool. A mandatory sandbox around every command counts as a guard; an opt-in one is `partial`.' },
  { title: 'Frameworks', text: 'A mechanism that a framework provides (an SDK\'s `maxSteps` / `stopWhen`, a graph checkpointer, a framework\'s tool schema validation) counts when this repo\'s code turns it on or configures it; framework behaviour the repo never touches does not, since the audit reads this repo.' },
  { title: 'Caps', text: 'For `budget.hard-limits`, a token or cost cap on by default is `present`; a turn, step or time cap alone is `partial`.' },
];
