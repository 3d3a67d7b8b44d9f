import type { CheckId } from '../catalog.js';
import type { RuleContext } from '../context.js';
import { agentDefinitions, agentRoleClasses, agentTeam, subagentSites } from '../shared/agents.js';
import { ev } from '../shared/scan.js';
import type { Evidence, FlagRule } from '../types.js';

const FUNDAMENTALS: readonly CheckId[] = ['permissions.gate', 'persistence.resume', 'budget.hard-limits'];
export const ORCHESTRATION_MODULE = /^(?:@langchain\/langgraph|langgraph(?:\.\w+)*|crewai(?:\.\w+)*|autogen(?:_\w+)?(?:\.\w+)*|swarm|openai_swarm|@openai\/agents|agents|llama_index\.core\.agent\.workflow|camel\.societies)$/;
const ORCHESTRATION_CALL = /^(?:StateGraph|new StateGraph|Crew|new Crew|Swarm|new Swarm|GroupChat|GroupChatManager|AgentWorkflow|handoff|Handoff|createSupervisor|create_supervisor|create_swarm|createSwarm)$/;

/** An orchestration call's agents argument holding one agent (`Crew(agents=[agent])`): a framework used for a single agent. */
const ONE_AGENT_ARG = /^(?:agents|participants|members|workers)\s*[=:]\s*\[\s*[\w.]+\s*,?\s*\]$/;

/** Where multi-agent orchestration sits: sub-agents, several agent types, routers, graphs, swarms. */
export function orchestration(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = subagentSites(ctx).slice(0, 3).map((s) => ev(s.file, s.line, s.reason));
  // An orchestrator that builds two or more agent types (`this.planner = new PlannerAgent(…); this.navigator = new NavigatorAgent(…)`).
  const team = agentTeam(ctx);
  if (team) out.push(ev(team.file, team.agents[0].line, `${team.fn}() builds ${team.agents.length} agent types (${team.agents.slice(0, 4).map((a) => a.name).join(', ')}) and runs them`));
  // A class or function of the repo's own that shares a framework's name (an ORM model `AgentWorkflow`,
  // a local `handoff()` helper) is not that framework: it counts when the file does not define it itself
  // and the repo declares nothing of that name.
  const own = ctx.memo('flags:own-class-names', () => new Set(ctx.source.flatMap((f) => f.classes.map((c) => c.name))));
  const framework = (callee: string) => {
    const name = callee.replace(/^new /, '');
    return !own.has(name) && !ctx.functionsNamed(name).some((fn) => fn.name === name);
  };
  for (const f of ctx.source) {
    // A framework driven with one agent (`Crew(agents=[agent])`) in this file orchestrates nothing.
    if (f.calls.some((c) => ORCHESTRATION_CALL.test(c.callee) && c.args.some((a) => ONE_AGENT_ARG.test(a.trim())))) continue;
    for (const i of f.imports) {
      if (ORCHESTRATION_MODULE.test(i.from) && (i.from !== 'agents' || i.names.some((n) => /handoff|Runner/.test(n)))) out.push(ev(f.path, i.line, `imports ${i.from} (multi-agent framework)`));
    }
    for (const c of f.calls) if (ORCHESTRATION_CALL.test(c.callee) && framework(c.callee)) out.push(ev(f.path, c.line, `${c.callee}() builds a multi-agent graph`));
    if (out.length >= 6) break;
  }
  if (!out.length) {
    const defs = agentDefinitions(ctx);
    if (new Set(defs.map((d) => d.name)).size >= 3) out.push(...defs.slice(0, 2));
  }
  if (!out.length) {
    // Three or more agent roles written as classes, each naming itself or carrying its own prompt.
    const roles = agentRoleClasses(ctx);
    if (new Set(roles.map((r) => r.identity ?? r.name)).size >= 3) out.push(...roles.slice(0, 2).map((r) => ev(r.file, r.line, r.reason)));
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
