/**
 * Agent types as data: each has its own prompt, tool allow-list and turn cap. Contract:
 * `toolsFor` is the only way a run gets its tools; a read-only agent never receives a tool that
 * is not read-only, whatever its list says.
 */
import type { ToolRegistry } from '../tools/registry.js';

export interface AgentType {
  name: string;
  description: string;
  prompt: string;
  /** Tool names, or `*` for every registered tool (built-in, plugin and user). */
  tools: readonly string[] | '*';
  readOnly: boolean;
  maxTurns: number;
}

const BASE = 'You work in a code repository (the workspace) through tools. Be brief. Stop when the task is done.';

export const AGENTS = {
  explore: {
    name: 'explore',
    description: 'Finds files and facts in the workspace; never changes anything.',
    prompt: `${BASE} You are an explorer: answer the question with file paths and short quotes. You cannot edit or run anything.`,
    tools: ['read_file', 'list_dir', 'search'],
    readOnly: true,
    maxTurns: 12,
  },
  plan: {
    name: 'plan',
    description: 'Reads the code and writes a step-by-step plan as todos; never changes files.',
    prompt: `${BASE} You are a planner: read what you need, then record a short plan with the todo tool. Do not edit.`,
    tools: ['read_file', 'list_dir', 'search', 'todo'],
    readOnly: true,
    maxTurns: 12,
  },
  verify: {
    name: 'verify',
    description: 'Checks a change: reads the diff and runs the tests; reports pass or fail with evidence.',
    prompt: `${BASE} You are a verifier: run the relevant checks and report PASS or FAIL with the evidence. Do not edit files.`,
    tools: ['read_file', 'list_dir', 'search', 'run_shell'],
    readOnly: false,
    maxTurns: 10,
  },
  general: {
    name: 'general',
    description: 'Does the task end to end: plans, edits, runs commands, delegates research to sub-agents.',
    prompt: `${BASE} Plan multi-step work with the todo tool, make small edits, verify them, and delegate broad searches with the task tool.`,
    tools: '*',
    readOnly: false,
    maxTurns: 40,
  },
} as const satisfies Record<string, AgentType>;

export type AgentName = keyof typeof AGENTS;
export const AGENT_NAMES = Object.keys(AGENTS) as [AgentName, ...AgentName[]];

/** The agent's tool pool: its allow-list, and only read-only tools for a read-only agent. */
export function toolsFor(agent: AgentType, registry: ToolRegistry): ToolRegistry {
  return registry.filter((t) => (agent.tools === '*' || agent.tools.includes(t.name)) && (!agent.readOnly || t.hints.readOnly));
}
