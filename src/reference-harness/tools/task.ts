/**
 * task: delegate a sub-task to a typed sub-agent. Contract: the sub-agent gets its own agent
 * type's pool minus `task` (no recursion), runs only one level deep, and has its own smaller
 * Budget whose spending is then charged to the parent. Its tool calls pass the same gate and
 * journal as the parent's. Returns the sub-agent's final answer.
 */
import { z } from 'zod';
import { AGENT_NAMES, AGENTS, toolsFor } from '../agents/agents.js';
import { Budget } from '../budget/budget.js';
import { runAgent, type RunResult } from '../loop.js';
import { defineTool, fail, ok } from './registry.js';

export const MAX_SUBAGENT_DEPTH = 1;
export const SUBAGENT_LIMITS = { maxTokens: 200_000, maxCostUsd: 1 };

export const task = defineTool({
  name: 'task',
  description: `Delegate a self-contained sub-task to a sub-agent and get its answer. Agents: ${AGENT_NAMES.map((n) => `${n} (${AGENTS[n].description})`).join('; ')}`,
  inputSchema: z.object({
    agent: z.enum(AGENT_NAMES),
    prompt: z.string().min(1).describe('everything the sub-agent needs to know; it does not see this conversation'),
  }),
  // The sub-agent's own calls are gated one by one; starting it changes nothing.
  hints: { readOnly: true, destructive: false, concurrencySafe: false },
  tier: 'builtin',
  subject: (input) => input.agent,
  async execute({ agent, prompt }, ctx) {
    const parent = ctx.run;
    const depth = (parent.depth ?? 0) + 1;
    if (depth > MAX_SUBAGENT_DEPTH) return fail(`a sub-agent cannot start another sub-agent (depth limit ${MAX_SUBAGENT_DEPTH})`);
    const type = AGENTS[agent];
    const pool = toolsFor(type, parent.allTools).filter((t) => t.name !== 'task');
    const left = parent.budget.limits;
    const budget = new Budget(
      {
        maxTurns: type.maxTurns,
        maxTokens: Math.min(SUBAGENT_LIMITS.maxTokens, left.maxTokens - parent.budget.totalTokens),
        maxCostUsd: Math.min(SUBAGENT_LIMITS.maxCostUsd, left.maxCostUsd - parent.budget.spent.costUsd),
      },
    );
    parent.session.audit.record({ event: 'agent', agent: type.name, depth, parent: parent.agent.name, callId: ctx.callId, task: prompt, tools: pool.list().map((t) => t.name) });

    const child = runAgent({ ...parent, agent: type, tools: pool, budget, task: prompt, depth });
    let result: RunResult;
    for (;;) {
      const next = await child.next();
      if (next.done) {
        result = next.value;
        break;
      }
      ctx.emit(next.value);
    }
    parent.budget.absorb(budget.spent);
    return result.reason === 'end_turn'
      ? ok(result.text || '(the sub-agent gave no answer)')
      : fail(`the ${agent} sub-agent stopped early (${result.reason}). Its last words: ${result.text || '(none)'}`);
  },
});
