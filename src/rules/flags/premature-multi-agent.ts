import type { CheckId } from '../catalog.js';
import type { RuleContext } from '../context.js';
import { agentDefinitions, subagentSites } from '../shared/agents.js';
import { ev } from '../shared/scan.js';
import type { Evidence, FlagRule } from '../types.js';

const FUNDAMENTALS: readonly CheckId[] = ['permissions.gate', 'persistence.resume', 'budget.hard-limits'];
const ORCHESTRATION_MODULE = /^(?:@langchain\/langgraph|langgraph(?:\.\w+)*|crewai(?:\.\w+)*|autogen(?:_\w+)?(?:\.\w+)*|swarm|openai_swarm|@openai\/agents|agents|llama_index\.core\.agent\.workflow|camel\.societies)$/;
const ORCHESTRATION_CALL = /^(?:StateGraph|new StateGraph|Crew|new Crew|Swarm|new Swarm|GroupChat|GroupChatManager|AgentWorkflow|handoff|Handoff|createSupervisor|create_supervisor|create_swarm|createSwarm)$/;

/** Where multi-agent orchestration sits: sub-agents, several agent types, routers, graphs, swarms. */
export function orchestration(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = subagentSites(ctx).slice(0, 3).map((s) => ev(s.file, s.line, s.reason));
  for (const f of ctx.source) {
    for (const i of f.imports) {
      if (ORCHESTRATION_MODULE.test(i.from) && (i.from !== 'agents' || i.names.some((n) => /handoff|Runner/.test(n)))) out.push(ev(f.path, i.line, `imports ${i.from} (multi-agent framework)`));
    }
    for (const c of f.calls) if (ORCHESTRATION_CALL.test(c.callee)) out.push(ev(f.path, c.line, `${c.callee}() builds a multi-agent graph`));
    if (out.length >= 6) break;
  }
  if (!out.length) {
    const defs = agentDefinitions(ctx);
    if (new Set(defs.map((d) => d.name)).size >= 3) out.push(...defs.slice(0, 2));
  }
  return out;
}

const flag: FlagRule = {
  id: 'complexity.premature-multi-agent',
  title: 'Multi-agent orchestration before the fundamentals',
  description:
    'Several agents (sub-agents, managed agents, routers, graphs, swarms) multiply cost and risk; without a permission gate, resumable sessions and hard budget caps the single-agent loop is not yet safe to replicate.',
  detect(ctx, results) {
    const missing = FUNDAMENTALS.filter((id) => results.get(id)?.level === 'absent');
    if (!missing.length) return undefined;
    const where = orchestration(ctx);
    if (!where.length) return undefined;
    return {
      reason: `multi-agent orchestration (${where[0].reason}) is present while ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} absent`,
      evidence: where.slice(0, 4),
    };
  },
};

export default flag;
