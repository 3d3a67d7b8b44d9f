import type { FileFacts } from '../../analyzers/facts.js';
import { shortName, type RuleContext } from '../context.js';
import { NOT_AGENT_CLASS, agentClasses, agentDefinitions, agentRunners, agentRoleClasses, agentSpawns, agentTeam, agentSubclassRoles, graphRunsInNodes, heldAgentRuns, nestedSelfRuns, promptFileRoles, registeredAgentClasses, selfSpawningLoops, modelRoleClasses, DEPTH_STEP, subagentSites, toolSetBuilders, toolsRunningAgents, TOOLS_KEY, type HeldAgentRun, type SubagentSite } from '../shared/agents.js';
import { toolDeclarations, toolDispatch } from '../shared/tools.js';
import { at, ev, finding, objectsByKey } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';
import { ORCHESTRATION_MODULE } from '../flags/premature-multi-agent.js';
import { namedRoles } from './typed.js';
import { limitsIn, loopCaps, runCapKind } from '../budget/caps.js';
import { agentLoops, modelCalls } from '../shared/loop.js';
import { classIndex } from '../shared/resolve.js';

const CAP = /^(?:max_?(?:turns?|steps?|iterations?|iters?|time_?minutes|time_?ms|duration|depth|total_?tokens|budget|(?:model_?|llm_?)?calls|sub_?agent_?depth)|DEFAULT_MAX_(?:TURNS|STEPS|ITERATIONS|DEPTH|TIME\w*)|MAX_(?:TURNS|STEPS|ITERATIONS|DEPTH)\w*|\w*_MAX_(?:TURNS|STEPS|ITERATIONS|DEPTH)|token_?budget|timeout_?minutes|max_?agent_?depth|max_?nesting|\w*cost_?limit|tool_?call_?limit|toolCallLimit)$/i;
const RECURSION = /recursion(?!_?limit)|depth|nest|Kind\.Agent|cannot (?:call|spawn|delegate)|self\.name|same name|itself/i;

/** A cap read where the sub-agent is built (`config.cost_limit = remaining`, `maxTurns: def.maxTurns`). */
function capNear(f: FileFacts, near: Array<{ line: number; end: number }>): Evidence | undefined {
  for (const k in f.reads) {
    if (!CAP.test(k)) continue;
    const l = f.reads[k].find((x) => near.some((r) => x >= r.line && x <= r.end));
    if (l) return ev(f.path, l, `the sub-agent's own cap ${k} is set where it is built`);
  }
  return undefined;
}

/**
 * A turn or token cap handed to the child run where the sub-agent is started: a keyword or option of a
 * call there (`agent.run(prompt, usage_limits=UsageLimits(request_limit=n))`, `generateText({ stopWhen:
 * stepCountIs(75) })`, `run_task(max_steps_override=10)`). A time cap alone is not the child's own budget.
 */
function capArgNear(f: FileFacts, near: Array<{ line: number; end: number }>): Evidence | undefined {
  if (!near.length) return undefined;
  const inside = (l: number) => near.some((r) => l >= r.line && l <= r.end);
  const capKey = (k: string, v: string) => { const kind = runCapKind(k); return !!kind && kind !== 'time' && !!v.trim() && !EMPTY.test(v.trim()); };
  for (const c of f.calls) {
    if (!inside(c.line)) continue;
    for (const a of c.args) {
      const m = /^(\w+)\s*=\s*(.+)$/s.exec(a.trim());
      if (m && capKey(m[1], m[2])) return ev(f.path, c.line, `the sub-agent is run with its own cap ${m[1]}=${m[2].slice(0, 40)} (${c.callee.slice(0, 40)})`);
    }
  }
  for (const o of f.objects) {
    if (!o.ctx.startsWith('arg:') || !inside(o.line)) continue;
    const k = o.keys.find((x) => capKey(x, o.values[x] ?? ''));
    if (k) return ev(f.path, o.line, `the sub-agent is run with its own cap ${k}: ${(o.values[k] ?? '').slice(0, 40)} (${o.ctx.slice(4, 44)})`);
  }
  return undefined;
}

/** A cap the sub-agent's runner takes from its definition with a default (`maxTurns = def.runConfig.maxTurns ?? DEFAULT_MAX_TURNS`). */
function capBound(f: FileFacts): Evidence | undefined {
  const b = (f.binds ?? []).find((x) => CAP.test(x.name) && /\?\?|\|\||or|min\(|Math\.min/.test(x.value) && /\./.test(x.value));
  return b && ev(f.path, b.line, `the sub-agent runs under its own ${b.name} = ${b.value.slice(0, 60)}`);
}

function capIn(f: FileFacts): Evidence | undefined {
  // A turn, time or token cap before a nesting-depth one (that bounds recursion, not the child's own run).
  const caps = f.consts.filter((x) => CAP.test(x.name) && !/^(?:-1|0|Infinity|undefined|null|None)$/.test(x.value));
  const c = caps.find((x) => !/depth|nesting/i.test(x.name)) ?? caps[0];
  if (c) return ev(f.path, c.line, `sub-agent cap ${c.name} = ${c.value}`);
  // A read of an enum member or constant (`AgentTerminateMode.MAX_TURNS`) names a cap; it does not set one.
  for (const k in f.reads) if (CAP.test(k) && !/^[A-Z0-9_]+$/.test(k)) return ev(f.path, f.reads[k][0], `sub-agent run reads its own cap ${k}`);
  for (const o of f.objects) for (const k of o.keys) if (CAP.test(k)) return ev(f.path, o.line, `sub-agent config sets ${k}`);
  return undefined;
}

/**
 * A guard that keeps agent tools out of a sub-agent or stops nesting: `if (tool.kind === Kind.Agent) return`, `if depth >= max_depth: raise`,
 * or one that refuses to start any agent whose type is not a sub-agent type (`if profile.agent_type != AgentType.SUBAGENT: raise`):
 * primary agents, the ones holding the delegation tool, cannot be started as children.
 */
const RECURSION_GUARD = /\.kind\s*[!=]==?\s*\w*\.Agent\b|\bkind\s*[!=]==?\s*['"]agent|(?:\b|_)(?:depth|nesting|level)\w*\s*(?:>=?|<=?)|[a-z](?:Depth|Nesting)\w*\s*(?:>=?|<=?)|(?:>=?|<=?)\s*\w*(?:[dD]epth|[nN]esting)\b|\bis_?sub_?agent\b|\bisSubagent\b|(?:[!=]==?|\bis(?:\s+not)?)\s*(?:\w+\.)*(?:SUB_?AGENT|[sS]ub_?[aA]gent)\b|[!=]==?\s*['"]sub_?-?agent['"]/;
/** A depth counter compared with a named cap: `self.depth >= MAX_DEPTH`, `depth < maxNestingDepth`. */
const DEPTH_CAP = /(?:\b|_)(?:depth|nesting)\w*\s*(?:>=?|<=?)\s*(?:[\w.]*\.)?(?:[A-Z][A-Z0-9_]*(?:DEPTH|NESTING)\w*|max\w*|\w*_?[mM]ax\w*|\w*[lL]imit\w*)\b|(?:[A-Z][A-Z0-9_]*(?:DEPTH|NESTING)\w*|max\w*|\w*[lL]imit\w*)\s*(?:>=?|<=?)\s*(?:[\w.]*\.)?\w*(?:[dD]epth|[nN]esting)\b/;
function recursionGuardIn(f: FileFacts): Evidence | undefined {
  const g = f.guards.find((x) => RECURSION_GUARD.test(x.cond));
  if (g) return ev(f.path, g.line, `recursion guard: ${g.cond.slice(0, 60)} → ${g.exit}`);
  // The nesting depth compared with a cap where the spawn tool is offered or withheld (`if self.depth < MAX_DEPTH: tools.append(…)`).
  const c = (f.compares ?? []).find((x) => DEPTH_CAP.test(x.text));
  return c && ev(f.path, c.line, `nesting depth compared with a cap: ${c.text.slice(0, 60)}`);
}

/**
 * A child run built with a nesting depth and the tools of the definition chosen for it (`{ agentTools: taskAgent?.tools
 * ?? [], delegationDepth: options.depth }`): the child gets only its own profile's tools, never the parent's.
 */
function childPoolWithDepth(ctx: RuleContext): Evidence | undefined {
  for (const [k, objs] of objectsByKey(ctx)) {
    if (!/^(?:\w+_)?depth$|^[a-z]+Depth$/.test(k)) continue;
    for (const o of objs) {
      const t = o.keys.find((x) => /(?:^|[a-z_])(?:tools|Tools)$/.test(x) && /^[A-Za-z_$][\w$]*\??\.tools\b/.test((o.values[x] ?? '').trim()) && !/^(?:this|self)\b/.test((o.values[x] ?? '').trim()));
      if (t) return ev(o.file, o.line, `the child run is built with its nesting depth (${k}) and only its definition's tools (${t}: ${(o.values[t] ?? '').slice(0, 40)})`);
    }
  }
  return undefined;
}

/** A nesting depth refused against a named constant cap: `if (this.delegationDepth >= MAX_DELEGATION_DEPTH) throw …`. */
const NAMED_DEPTH_CAP = /[a-z_](?:[dD]epth|[nN]esting)\w*\s*>=?\s*(?:[\w.]*\.)?[A-Z][A-Z0-9_]*(?:DEPTH|NESTING)\w*\b/;

/**
 * Where the spawn site hands the work to a callback (`createTaskTool(runTask)`) the runner is not followed: a refusal
 * anywhere in the harness of a nesting depth at a named cap, which only a harness that nests agents keeps.
 */
function namedDepthCap(ctx: RuleContext): Evidence | undefined {
  for (const f of ctx.source) {
    const g = f.guards.find((x) => x.exit === 'throw' && NAMED_DEPTH_CAP.test(x.cond));
    if (g) return ev(f.path, g.line, `nesting depth refused at a named cap: ${g.cond.slice(0, 60)} → throw`);
  }
  return undefined;
}

/**
 * The sub-agent's own runner: agent classes (or sub-agent classes) that the site files build
 * (`LocalAgentExecutor.create(…)`, `new SearchLoop(…)`, `createInstance(SearchLoop, …)`), in other files.
 */
function runnerFiles(ctx: RuleContext, siteFiles: FileFacts[], sites: SubagentSite[]): FileFacts[] {
  const { family } = agentClasses(ctx);
  const siteClasses = new Set(sites.filter((s) => s.reason.startsWith('class ')).map((s) => s.name));
  const classFile = ctx.memo('agents:class-files', () => {
    const m = new Map<string, string>();
    for (const f of ctx.source) for (const c of f.classes) if (!m.has(c.name)) m.set(c.name, f.path);
    return m;
  });
  const out: FileFacts[] = [];
  const seen = new Set(siteFiles.map((f) => f.path));
  for (const f of siteFiles) {
    for (const c of f.calls) {
      const m = /^(?:new\s+)?([A-Z]\w*)(?:\.(?:create|from_\w+|fromConfig|build|spawn))?$/.exec(c.callee);
      const name = m ? m[1] : /^createInstance$/.test(c.name) && /^[A-Z]\w*$/.test(c.args[0] ?? '') ? c.args[0] : undefined;
      if (!name || !(family(name) || siteClasses.has(name))) continue;
      const p = classFile.get(name);
      const rf = p && !seen.has(p) ? ctx.file(p) : undefined;
      if (!rf) continue;
      seen.add(p!);
      out.push(rf);
    }
  }
  return out;
}

function toolsIn(f: FileFacts): Evidence | undefined {
  for (const c of f.calls) {
    if ((c.name === 'filter' && /tool/i.test(c.callee) && !/tool_?(?:calls?|results?|uses?|outputs?|messages?)\b/i.test(c.callee)) || /^new \w*ToolRegistry$/.test(c.callee)) return ev(f.path, c.line, `sub-agent tool set built by ${c.callee.slice(0, 50)}`);
  }
  for (const fn of f.functions) if (fn.params.some((p) => TOOLS_KEY.test(p)) && /agent|init|constructor/i.test(fn.name)) return ev(f.path, fn.line, `${fn.name}() gives each agent its own ${fn.params.find((p) => TOOLS_KEY.test(p))} list`);
  for (const o of f.objects) {
    const k = o.keys.find((x) => TOOLS_KEY.test(x) && x !== 'tools');
    if (k) return ev(f.path, o.line, `sub-agent definition restricts tools via ${k}`);
    // `"tools": [t for t in tools if not excluded(t)]`, `tools: tools.filter(...)`.
    const v = o.values.tools ?? '';
    if (/\bfor\b.+\bin\b.+\bif\b|\.filter\(/.test(v)) return ev(f.path, o.line, `sub-agent tools are a filtered subset: ${v.slice(0, 60)}`);
  }
  return undefined;
}

/**
 * Structural recursion stops. The sub-agent cannot start another one when: the agent class it
 * builds starts no agents itself; or every agent type's explicit tool list leaves out the
 * sub-agent tool; or the framework builds sub-agents without its delegation tool (deepagents).
 */
function structuralRecursionStop(ctx: RuleContext, sites: SubagentSite[]): Evidence | undefined {
  // An agent loop that starts copies of itself with a parameter value that forbids further spawning.
  for (const s of selfSpawningLoops(ctx)) if (s.stop && sites.some((x) => x.file === s.file && x.line === s.line)) return s.stop;
  const spawns = agentSpawns(ctx);
  const spawners = new Set(spawns.map((s) => s.fn.slice(0, s.fn.lastIndexOf('.')).split('.').pop()));
  for (const s of spawns) {
    if (!sites.some((x) => x.file === s.file && x.line === s.line)) continue;
    if (!spawners.has(s.child) && !/\.(?:create|build)$/.test(s.reason.replace(/\(\.\.\.\)$/, ''))) {
      const def = ctx.source.flatMap((f) => f.classes.filter((c) => c.name === s.child).map((c) => ev(f.path, c.line, '')))[0] ?? ev(s.file, s.line, '');
      return { ...def, reason: `the agent ${s.fn}() builds (${s.child}) starts no agents itself, so nesting stops at one level` };
    }
  }
  const tool = sites.find((s) => s.rank <= 1);
  if (tool) {
    const names = new Set([tool.name, ...(ctx.file(tool.file)?.classes.filter((c) => c.line <= tool.line && c.end >= tool.line).map((c) => c.name) ?? [])]);
    const lists = explicitLists(ctx);
    const mentions = (v: string) => [...names].some((n) => new RegExp(`(?:^|[^\\w-])${n.replace(/[^\w-]/g, '')}(?:$|[^\\w-])`).test(v));
    if (lists.length && !lists.some((d) => mentions(d.tools!))) {
      return ev(lists[0].file, lists[0].line, `no agent type's tool list (${lists.length} explicit lists, e.g. ${lists[0].name}: ${lists[0].tools!.slice(0, 40)}) includes the sub-agent tool ${tool.name}, so sub-agents cannot nest`);
    }
  }
  for (const s of sites) {
    const f = ctx.file(s.file);
    if (s.rank === 3 && f?.imports.some((i) => /^deepagents(?:\.|$)/.test(i.from))) {
      return ev(s.file, s.line, 'deepagents builds these sub-agents without its task tool, so they cannot start further sub-agents');
    }
  }
  return undefined;
}

/**
 * The sub-agent tool's pool leaves the tool itself out: a filter on the tool's own name in its file or in
 * a function the file calls (`getAgentTools()` → `tools.filter(t => t.name !== AgentTool.name)`), so a
 * sub-agent cannot start another one.
 */
function selfExcluded(ctx: RuleContext, sites: SubagentSite[]): (Evidence & { pool?: Evidence }) | undefined {
  for (const s of sites.filter((x) => x.rank <= 1).slice(0, 3)) {
    const f = ctx.file(s.file);
    if (!f) continue;
    const o = f.objects.find((x) => x.line === s.line);
    const own = [s.name, ...(o?.ctx.startsWith('var:') ? [o.ctx.slice(4)] : []), ...(o?.values.name && /^[A-Za-z_][\w.]*$/.test(o.values.name.trim()) ? [o.values.name.trim()] : [])].filter((n) => /^[A-Za-z_][\w.]*$/.test(n));
    if (!own.length) continue;
    const mentionsOwn = (a: string) => /!==?|\bnot in\b|!\s*\w+\.(?:has|includes)\(/.test(a) && own.some((n) => new RegExp(`(?:^|[^\\w.])${n.replace(/\./g, '\\.')}(?:\\.name)?(?:$|[^\\w])`).test(a));
    const fns: Array<{ file: string; name: string }> = f.functions.map((x) => ({ file: f.path, name: x.name }));
    for (const c of f.calls) for (const d of ctx.functionsNamed(c.name).slice(0, 2)) if (d.file !== f.path) fns.push({ file: d.file, name: d.name });
    for (const fn of fns) {
      const c = ctx.callsIn(fn.file, fn.name).find((x) => x.name === 'filter' && x.args.some(mentionsOwn));
      if (!c) continue;
      // The same pool narrowed further (`getReadOnlyTools()`, `.filter(t => t.readOnly)`): the sub-agent's tools are restricted too.
      const narrow = ctx.callsIn(fn.file, fn.name).find((x) => x !== c && (/read_?only|allowed|permitted/i.test(x.name) || (x.name === 'filter' && x.args.some((a) => /read_?only|allow|permit|\.has\(|\.includes\(/i.test(a)))));
      return {
        ...ev(fn.file, c.line, `the sub-agent's tool set leaves out the sub-agent tool ${s.name} itself (.filter(${c.args.find(mentionsOwn)!.slice(0, 50)})), so sub-agents cannot nest`),
        pool: narrow && ev(fn.file, narrow.line, `the sub-agent's tool set is narrowed in ${shortName(fn.name)}(): ${narrow.callee.slice(0, 50)}`),
      };
    }
  }
  return undefined;
}

const strip = (e: (Evidence & { pool?: Evidence }) | undefined): Evidence | undefined => e && { file: e.file, line: e.line, reason: e.reason };

/** Definitions whose tool list is a literal list of tools (no spread of other lists, no permission groups). */
function explicitLists(ctx: RuleContext) {
  return agentDefinitions(ctx).filter((d) => d.tools && d.toolsKey !== 'groups' && /^\[/.test(d.tools.trim()) && !d.tools.includes('...') && !/^\[\s*\[/.test(d.tools.trim()));
}

/**
 * A sub-agent tool whose runner takes its tools from a tool-set builder of its own (see
 * toolSetBuilders): `request_research` runs `run_research_agent()`, which builds its tools with
 * `get_research_tools()` while another role's runner uses another builder.
 */
function runnerPool(ctx: RuleContext, sites: SubagentSite[]): Evidence | undefined {
  const builders = toolSetBuilders(ctx);
  if (!builders.length) return undefined;
  const names = new Set(builders.map((b) => shortName(b.fn)));
  for (const t of toolsRunningAgents(ctx)) {
    if (!sites.some((s) => s.file === t.file && s.line === t.line)) continue;
    for (const def of ctx.functionsNamed(t.via.name).slice(0, 3)) {
      const c = ctx.callsIn(def.file, def.name).find((x) => names.has(x.name));
      if (c) return ev(def.file, c.line, `the agent that tool ${t.name} starts runs in ${def.name}(), which takes its own tool set from ${c.name}()`);
    }
  }
  return undefined;
}

/** Sub-agent types that each carry their own tool list. */
function typedPools(ctx: RuleContext): Evidence | undefined {
  const lists = agentDefinitions(ctx).filter((d) => d.tools && /^\[/.test(d.tools.trim()));
  if (!lists.length) return undefined;
  return ev(lists[0].file, lists[0].line, `agent types carry their own tool lists (${lists[0].name}: ${lists[0].tools!.slice(0, 50)})`);
}

function recursionIn(f: FileFacts): Evidence | undefined {
  for (const c of f.calls) {
    if ((c.cond || c.name.startsWith('_validate') || /^validate/.test(c.name)) && RECURSION.test(c.args.join(' ') + ' ' + c.callee)) return ev(f.path, c.line, `recursion guard ${c.callee.slice(0, 50)}`);
  }
  for (const l of f.loops) for (const x of l.exits) if (x.cond && RECURSION.test(x.cond)) return ev(f.path, x.line, `recursion guard: ${x.cond.slice(0, 60)}`);
  for (const fn of f.functions) if (/validate\w*(?:managed|sub)_?agents?|check\w*recurs|\w*depth\w*/i.test(fn.name)) return ev(f.path, fn.line, `${fn.name}() guards sub-agent nesting`);
  for (const o of f.objects) if (Object.values(o.values).some((v) => RECURSION.test(v))) return ev(f.path, o.line, 'sub-agent tool set excludes agent tools');
  // `tool.kind === Kind.Agent` style exclusions: an agent-kind member read next to a kind check.
  if (f.reads['Agent'] && (f.reads['kind'] || f.reads['type'])) return ev(f.path, f.reads['Agent'][0], 'agent-kind tools are excluded from the sub-agent (no recursion)');
  for (const s of f.strings) if (/recursi|cannot (?:call|spawn|delegate)|own name|same name/i.test(s.value)) return ev(f.path, s.line, `recursion guard: "${s.value.slice(0, 60)}"`);
  return undefined;
}

export default defineRule({
  id: 'agents.subagent-limits',
  principle: 'agents',
  title: 'Sub-agents are constrained',
  rationale:
    'A sub-agent that inherits every tool, may spawn further agents and has no cap of its own multiplies cost and risk; each one needs a restricted pool, a recursion stop and its own turn or token limit.',
  remediation:
    'Start sub-agents through one tool that gives them a restricted tool pool (excluding the sub-agent tool itself), a nesting limit and their own max turns and tokens; see the exemplar task.ts.',
  exemplar: 'src/reference-harness/tools/task.ts',
  detect(ctx) {
    const held = heldAgentRuns(ctx);
    const sites = heldSites(ctx, held);
    // Searched structurally (tools that start agents, spawn functions, framework sub-agent options, agent classes building agents).
    if (!sites.length) {
      // An orchestrator that builds two or more agent types and runs them (`this.planner = new PlannerAgent(…)`,
      // `this.navigator = new NavigatorAgent(…)`): the agents run under its loop and share its caps.
      const team = agentTeam(ctx);
      if (team) {
        return finding(
          'partial',
          `${team.fn}() builds ${team.agents.length} agents (${team.agents.map((a) => a.name).join(', ')}) that run under one orchestrator: they share its caps and have no limits or tool pools of their own`,
          team.agents.slice(0, 3).map((a) => ev(team.file, a.line, `${team.fn}() builds the ${a.name} agent`)),
        );
      }
      // Several agent types or roles (declared, subclassed, registered by name, named in a role enum,
      // each reading its own prompt file), an agent built where a tool is declared, or a multi-agent
      // framework: sub-agents may be started by a path not recognised here (roles run by a worker
      // pool, a spawn tool found only through a by-name table), so finding no site is not high.
      const typed = agentSubclassRoles(ctx).length + agentDefinitions(ctx).length >= 2 || registeredAgentClasses(ctx).length >= 2 || agentRoleClasses(ctx).length >= 2 || promptFileRoles(ctx).length > 0 || namedRoles(ctx).length > 0;
      // Two or more classes that each play a model role: one may run as another's child by a path not recognised here.
      const roles = modelRoleClasses(ctx);
      if (roles.length >= 2) {
        return { ...finding('absent', `no sub-agent tool, managed agents or agent executor was found, but the harness builds ${roles.length} classes that each play a model role (${roles.slice(0, 3).map((r) => `${r.name} at ${at(r.file, r.line)}`).join(', ')}); one may run under another without limits recognised here`, roles.slice(0, 3).map(({ name: _n, ...e }) => e), 'low'), applies: false };
      }
      return { ...finding('absent', 'the harness starts no sub-agents (no sub-agent tool, managed agents or agent executor), so there is nothing to constrain', [], typed || agentBuiltBesideTools(ctx) || orchestrationFramework(ctx) || !singleAgentLoop(ctx) || dispatchReachesLoop(ctx) || otherChildRuns(ctx) ? 'low' : 'high'), applies: false };
    }
    // Limits must sit where sub-agents are started: the strongest sites' files, not anywhere.
    const best = sites[0].rank;
    const files = [...new Set(sites.filter((s) => s.rank <= best + 1).slice(0, 6).map((s) => s.file))].map((p) => ctx.file(p)).filter((f): f is FileFacts => !!f);
    const runners = runnerFiles(ctx, files, sites);
    const all = [...files, ...runners];
    const near = (f: FileFacts) => f.functions.filter((fn) => sites.some((x) => x.file === f.path && x.line >= fn.line && x.line <= fn.end));
    // The code a site's declaration carries (`tool({ …, execute: async () => { … } })`): its object's span.
    const declared = (f: FileFacts) => f.objects.filter((o) => sites.some((x) => x.file === f.path && x.line === o.line) && o.end > o.line).map((o) => ({ line: o.line, end: o.end }));
    const first = <T,>(probe: (f: FileFacts) => T | undefined, over: FileFacts[] = all): T | undefined => {
      for (const f of over) {
        const e = probe(f);
        if (e) return e;
      }
      return undefined;
    };
    let childLimits: ReturnType<typeof childRunLimits> | undefined;
    const childRun = () => (childLimits ??= childRunLimits(ctx, sites));
    const found: Array<[string, Evidence]> = [];
    // Strongest first: a cap set where the sub-agent is built, then the runner's own cap with its default, then caps named in the site files.
    const heldRun = held.find((h) => h.file === sites[0].file && h.line === sites[0].line);
    const graphRun = graphRunsInNodes(ctx).find((g) => g.file === sites[0].file && g.line === sites[0].line);
    const cap = (heldRun && heldLoopCap(ctx, heldRun)) ?? (graphRun && childGraphCap(ctx, graphRun)) ?? first((f) => capNear(f, near(f)), files) ?? first((f) => capArgNear(f, [...near(f), ...declared(f)]), files) ?? first(capBound, runners) ?? first(capIn, files) ?? first(capBound, files) ?? childClassCap(ctx, sites) ?? reachedLoopCap(ctx, sites) ?? childRun().cap;
    if (cap) found.push(['own cap', cap]);
    const tools = first(toolsIn, files) ?? typedPools(ctx) ?? runnerPool(ctx, sites) ?? first(toolsIn, runners) ?? strip(selfExcluded(ctx, sites)?.pool) ?? childRun().tools ?? childPoolWithDepth(ctx);
    if (tools) found.push(['restricted tools', tools]);
    // A guard in the code that stops nesting comes before structural reasoning and before names.
    let self: (Evidence & { pool?: Evidence }) | undefined;
    const structural = first(recursionGuardIn) ? undefined : (heldRun && heldLeaf(ctx, heldRun, sites)) ?? (graphRun && childGraphLeaf(ctx, graphRun)) ?? structuralRecursionStop(ctx, sites) ?? (self = strip(selfExcluded(ctx, sites)));
    const guard = first(recursionGuardIn) ?? (structural ? undefined : first(recursionIn, files) ?? namedDepthCap(ctx));
    const recursion = guard ?? structural;
    if (recursion) found.push(['recursion guard', recursion]);
    const kinds = found.map(([k]) => k);
    const missing = ['own cap', 'restricted tools', 'recursion guard'].filter((k) => !kinds.includes(k));
    const site = ev(sites[0].file, sites[0].line, sites[0].reason);
    if (kinds.length >= 2) {
      // The limits themselves come first (the cap set where the sub-agent is built), then the spawn site.
      const evid = [...(guard ? [guard] : []), ...found.filter(([, e]) => e !== guard).map(([, e]) => e), site];
      // A limit shown at the spawn call itself (the child started with a value that forbids nesting) leads.
      const atSite = evid.findIndex((e) => e !== site && e.file === site.file && e.line === site.line);
      if (atSite > 0) evid.unshift(...evid.splice(atSite, 1));
      // The first site's own pool leaving the sub-agent tool out shows that site's limit, where another site's filter does not.
      else if (self && recursion === self) evid.unshift(...evid.splice(evid.indexOf(self), 1));
      // All three limits found where the sub-agent is started: high; two of three leave the verdict open.
      return finding('present', `sub-agents (${sites[0].name} at ${at(sites[0].file, sites[0].line)}) have ${kinds.join(', ')}${missing.length ? `; no ${missing.join(', ')}` : ''}`, evid, missing.length ? 'low' : 'high');
    }
    const evid = [site, ...found.map(([, e]) => e)];
    return finding('partial', `sub-agents exist (${sites[0].name} at ${at(sites[0].file, sites[0].line)}) but ${kinds.length ? `only ${kinds[0]} was found` : 'no limits were found'}; missing ${missing.join(', ')}`, evid);
  },
});

/**
 * The agent class a spawn site builds (or a class it inherits from) runs its own turn loop with a
 * cap (`while num_llm_calls_available > 0` in the base agent's run method, `for i in range(max_reflections)`):
 * each built sub-agent is a fresh instance whose loop counts its own turns.
 */
function childClassCap(ctx: RuleContext, sites: SubagentSite[]): Evidence | undefined {
  const { parent } = agentClasses(ctx);
  const caps = loopCaps(ctx);
  if (!caps.length) return undefined;
  for (const s of agentSpawns(ctx)) {
    if (!sites.some((x) => x.file === s.file && x.line === s.line)) continue;
    const line: string[] = [];
    for (let n: string | undefined = s.child, i = 0; n && i < 8 && !line.includes(n); n = parent.get(n), i++) line.push(n);
    const cap = caps.find((c) => line.some((n) => c.fn.startsWith(`${n}.`)));
    if (cap) return ev(cap.file, cap.line, `the ${s.child} agent that ${s.fn}() builds runs its own turn loop with its own cap ${cap.limit} (${cap.where})`);
  }
  return undefined;
}

/**
 * The agent turn loop that a sub-agent tool reaches (see toolsRunningAgents) stops at a cap of its own
 * (`while (turn < maxTurns)` in the run function the tool calls again): each sub-agent run enters the
 * loop afresh and counts its own turns, so the child has its own turn limit.
 */
function reachedLoopCap(ctx: RuleContext, sites: SubagentSite[]): Evidence | undefined {
  const runners = agentRunners(ctx);
  const caps = loopCaps(ctx);
  if (!caps.length) return undefined;
  for (const t of toolsRunningAgents(ctx)) {
    if (!sites.some((s) => s.file === t.file && s.line === t.line)) continue;
    // Follow the calls one step closer to the loop each time, down to the function holding it.
    let key = `${t.file}#${t.fn}`;
    let r = runners.get(key);
    for (let i = 0; r && r.depth > 0 && r.via && i < 4; i++) {
      const via: string = r.via.name;
      const d: number = r.depth - 1;
      const next = [...runners.entries()].find(([k, v]) => v.depth === d && shortName(k.slice(k.indexOf('#') + 1)) === via);
      if (!next) break;
      [key, r] = next;
    }
    if (!r || r.depth !== 0) continue;
    const file = key.slice(0, key.indexOf('#'));
    const fn = key.slice(key.indexOf('#') + 1);
    // The cap compared in the loop's function, or in a helper the loop body calls each turn (`prepareTurn()` throwing past maxTurns).
    const body = new Set(agentLoops(ctx).filter((l) => l.file === file && l.fn === fn).flatMap((l) => l.body.map((c) => c.name)));
    const cap = caps.find((c) => c.kind !== 'time' && ((c.file === file && c.fn === fn) || body.has(shortName(c.fn))));
    if (cap) return ev(cap.file, cap.line, `the agent run that tool ${t.name} starts goes through ${shortName(fn)}(), whose turn loop stops each run at its own cap ${cap.limit} (${cap.where})`);
  }
  return undefined;
}

/** Sub-agent sites, with agents held in a field and run from an action or a role's turn method (see heldAgentRuns) and graphs run from another graph's node (see graphRunsInNodes). */
function heldSites(ctx: RuleContext, held: HeldAgentRun[]): SubagentSite[] {
  const sites = subagentSites(ctx);
  const runs = [...held, ...graphRunsInNodes(ctx)];
  // A child run of the agent's own class or function, one level deeper (see nestedSelfRuns).
  const nested = nestedSelfRuns(ctx).filter((h) => !sites.some((s) => s.file === h.file && s.line === h.line)).map((h) => ({ file: h.file, line: h.line, name: h.fn, reason: h.reason, rank: 2 }));
  if (!runs.length && !nested.length) return sites;
  const extra = runs.filter((h) => !sites.some((s) => s.file === h.file && s.line === h.line)).map((h) => ({ file: h.file, line: h.line, name: h.fn, reason: h.reason, rank: 1 }));
  return [...sites, ...extra, ...nested].sort((a, b) => a.rank - b.rank);
}

/** The held agent's own turn cap: a comparison that stops its loop (`while step_count < self.budget`). */
function heldLoopCap(ctx: RuleContext, h: HeldAgentRun): Evidence | undefined {
  const cap = loopCaps(ctx).find((c) => c.file === h.loop.file && c.fn === h.loop.fn);
  if (!cap) return undefined;
  const cond = cap.line === h.loop.line && h.loop.loop?.cond ? `: ${h.loop.loop.cond.slice(0, 50)}` : '';
  return ev(cap.file, cap.line, `the ${h.child} sub-agent's turn loop has its own cap ${cap.limit} (${cap.where}${cond})`);
}

type GraphRun = ReturnType<typeof graphRunsInNodes>[number];

/** A turn cap compared in a node of the child graph (`tool_call_iterations >= max_react_tool_calls` routes it to its end). */
function childGraphCap(ctx: RuleContext, g: GraphRun): Evidence | undefined {
  if (!g.nodes.length) return undefined;
  const nodes = new Set(g.nodes);
  for (const f of ctx.source) {
    for (const c of f.compares ?? []) {
      if (!nodes.has(c.fn)) continue;
      const lim = limitsIn(c.text).find((x) => x.kind === 'turn' || x.kind === 'token');
      if (lim) return ev(f.path, c.line, `the ${g.graph} sub-agent's node ${c.fn}() stops it at its own cap ${lim.name}: ${c.text.slice(0, 60)}`);
    }
  }
  return undefined;
}

/** No node of the child graph runs a graph itself, so nesting stops at one level. */
function childGraphLeaf(ctx: RuleContext, g: GraphRun): Evidence | undefined {
  if (!g.nodes.length) return undefined;
  const nodes = new Set(g.nodes);
  if (graphRunsInNodes(ctx).some((x) => nodes.has(x.fn))) return undefined;
  const def = ctx.functionsNamed(g.nodes[0])[0];
  return def && ev(def.file, def.line, `no node of the ${g.graph} sub-agent (${g.nodes.slice(0, 3).join(', ')}) runs a graph itself, so nesting stops at one level`);
}

/** The held agent starts no agent itself (no sub-agent site in its class), so nesting stops at one level. */
function heldLeaf(ctx: RuleContext, h: HeldAgentRun, sites: SubagentSite[]): Evidence | undefined {
  const { parent } = agentClasses(ctx);
  const line = new Set<string>();
  for (let n: string | undefined = h.child, i = 0; n && i < 8 && !line.has(n); n = parent.get(n), i++) line.add(n);
  const inChild = (fn: string) => { const d = fn.lastIndexOf('.'); return d > 0 && line.has(fn.slice(0, d).split('.').pop()!); };
  const siteFns = sites.map((s) => ctx.file(s.file)?.functions.filter((d) => d.line <= s.line && s.line <= d.end).map((d) => d.name) ?? []).flat();
  if (siteFns.some(inChild) || agentSpawns(ctx).some((s) => inChild(s.fn))) return undefined;
  return ev(h.loop.file, h.loop.line, `the ${h.child} sub-agent's turn loop starts no agent itself (no sub-agent action or spawn in ${h.child}), so nesting stops at one level`);
}

/**
 * At most one agent turn loop (a loop that only wraps another loop's function, a REPL around the
 * agent, counts as that loop): with two or more, one may run as a child of another by a path not
 * recognised here. With none there is no loop to start a child (measured: right on every corpus
 * and development repo where no loop was found).
 */
function singleAgentLoop(ctx: RuleContext): boolean {
  const loops = agentLoops(ctx);
  const fns = new Set(loops.map((l) => l.fn));
  const shorts = new Set([...fns].map((f) => shortName(f)));
  const own = new Set(loops.filter((l) => !(shorts.has(l.modelCall.name) && l.modelCall.name !== shortName(l.fn))).map((l) => `${l.file}#${l.fn}`));
  return own.size <= 1;
}

/**
 * The function that runs a looked-up tool itself reaches the agent loop (through the calls agentRunners
 * follows): running a tool can start another agent run by a path the sub-agent sites do not show.
 */
function dispatchReachesLoop(ctx: RuleContext): boolean {
  const runners = agentRunners(ctx);
  return toolDispatch(ctx).some((d) => (runners.get(d.execFn)?.depth ?? 0) >= 1);
}

/**
 * Child runs of shapes the sub-agent sites do not take for one, which make "no sub-agents" unsure:
 * - a child job one level deeper: in a file that calls a model, an object (a job record, a call's options) whose
 *   depth key moves the counter one level (`{ …, depth: depth - 1 }`, `depth=new_depth` with `new_depth = depth - 1`);
 * - a class running another instance of itself: in its own methods, one of its methods called on a value other than
 *   self or this that the code checked is an instance of that class (`if isinstance(cap, Agent): await cap.arun(v)`).
 */
function otherChildRuns(ctx: RuleContext): boolean {
  return ctx.memo('agents:other-child-runs', () => {
    const modelFiles = new Set(modelCalls(ctx).map((c) => c.file));
    // A module's name without folder or extension: a file importing it reaches the model through it.
    const stem = (p: string) => p.replace(/^.*\//, '').replace(/\.\w+$/, '');
    const stems = (files: Iterable<string>) => new Set([...files].map(stem).filter((n) => n !== 'index' && n !== '__init__'));
    const imports = (f: FileFacts, of: Set<string>) => f.imports.some((i) => of.has(stem(i.from.replace(/\./g, '/'))));
    // Files reaching the model: those calling it, and those importing such a file, two modules deep.
    const near = stems(modelFiles);
    const reach = new Set([...modelFiles, ...ctx.source.filter((f) => imports(f, near)).map((f) => f.path)]);
    const far = stems(reach);
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      const agentFile = reach.has(f.path) || imports(f, far);
      if (agentFile || f.classes.some((c) => /Agent$/.test(c.name))) {
        const stepped = new Set([...(f.binds ?? []), ...f.consts].filter((b) => DEPTH_STEP.test(b.value)).map((b) => b.name));
        for (const o of f.objects) {
          // Else the record is built by an agent class's own method (`class ResearchAgent: … jobs.push({ depth: depth - 1 })`).
          if (!agentFile && !/(?:^|\.)\w*Agent\./.test(o.fn)) continue;
          for (const k of o.keys) {
            if (!/depth|level|nesting/i.test(k)) continue;
            const v = (o.values[k] ?? k).trim();
            if (DEPTH_STEP.test(v) || stepped.has(v)) return true;
          }
        }
      }
      for (const c of f.classes) {
        const methods = new Set(f.functions.filter((d) => d.name.startsWith(`${c.name}.`) && d.name.split('.').length === 2).map((d) => d.name.split('.')[1]).filter((m) => !/^(?:__\w+__|constructor)$/.test(m)));
        if (!methods.size) continue;
        const checked = new Set<string>();
        for (const x of f.calls) if (x.name === 'isinstance' && x.line > c.line && x.line <= c.end && (x.args[1] ?? '').trim() === c.name) checked.add((x.args[0] ?? '').trim());
        for (const b of [...(f.branches ?? []), ...(f.guards ?? [])]) {
          const m = new RegExp(`^!?\\(?([A-Za-z_$][\\w$]*) instanceof ${c.name}\\b`).exec(b.cond);
          if (m && b.line > c.line && b.line <= c.end) checked.add(m[1]);
        }
        if (!checked.size) continue;
        for (const x of f.calls) {
          if (x.line <= c.line || x.line > c.end) continue;
          const m = /^(?:await\s+)?([A-Za-z_$][\w$]*)\.(\w+)$/.exec(x.callee);
          if (m && checked.has(m[1]) && methods.has(m[2]) && !/^(?:self|this)$/.test(m[1])) return true;
        }
      }
    }
    return false;
  });
}

/** The harness imports a framework built to run several agents or graphs (LangGraph, CrewAI, AutoGen …): runs it starts may be sub-agents by a path not recognised here. */
function orchestrationFramework(ctx: RuleContext): boolean {
  return ctx.source.some((f) => f.imports.some((i) => ORCHESTRATION_MODULE.test(i.from) && i.from !== 'agents'));
}

/** An agent-loop class constructed in a file that declares tools: a tool handler that runs an agent. */
function agentBuiltBesideTools(ctx: RuleContext): boolean {
  const toolFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
  for (const cls of agentClasses(ctx).loopClasses) {
    for (const c of ctx.callsNamed(cls)) if ((c.callee === cls || c.callee === `new ${cls}`) && toolFiles.has(c.file) && c.fn !== '<top>') return true;
  }
  return false;
}

const EMPTY = /^(?:-1|0|Infinity|undefined|null|None|false|False)$/;

/**
 * Where the child actually runs, followed from the spawn site (limits often live there, not in the site's file):
 * - an executor: a function taking the sub-agent class as a typed parameter (`_execute_handoff(tool: HandoffTool)`)
 *   that runs the child with a cap of its own passed as a keyword (`run_agent(…, max_steps=n, tools=toolset)`),
 *   and with a tool set built for it by a function that leaves tools out (a `continue` or a filter);
 * - the child agent's class: the site calls a method of an agent class (`selected.execute_task(task)` →
 *   `Agent.execute_task`), and that class (or a base) declares its own cap field with a default
 *   (`max_iter: int = Field(default=25)`) and its own tools field starting empty (each instance gets only its tools).
 */
function childRunLimits(ctx: RuleContext, sites: SubagentSite[]): { cap?: Evidence; tools?: Evidence } {
  const out: { cap?: Evidence; tools?: Evidence } = {};
  const siteClasses = [...new Set(sites.filter((s) => s.reason.startsWith('class ')).map((s) => s.name))].filter((n) => /^[A-Za-z_]\w*$/.test(n));
  if (siteClasses.length) {
    const typed = new RegExp(`:\\s*['"]?(?:${siteClasses.join('|')})['"]?\\s*$`);
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const i = fn.params.findIndex((p, k) => typed.test(p) || siteClasses.includes(fn.paramTypes?.[k] ?? ''));
        if (i < 0) continue;
        const cls = siteClasses.find((n) => fn.params[i].includes(n) || fn.paramTypes?.[i] === n);
        for (const c of ctx.callsIn(f.path, fn.name)) {
          const capArg = c.args.map((a) => /^(\w+)\s*[=:]\s*(.+)$/.exec(a)).find((m) => m && CAP.test(m[1]) && !EMPTY.test(m[2].trim()));
          if (capArg && !out.cap) out.cap = ev(f.path, c.line, `the ${cls} sub-agent is run by ${shortName(fn.name)}() with its own cap ${capArg[1]}=${capArg[2].slice(0, 40)}`);
          const toolsArg = c.args.map((a) => /^tools\s*[=:]\s*(\w+)$/.exec(a)).find(Boolean);
          if (toolsArg && !out.tools) {
            const bind = (f.binds ?? []).find((b) => b.fn === fn.name && b.name === toolsArg[1] && b.line < c.line);
            const builder = bind && /^(?:\w+\.)*(\w+)\(/.exec(bind.value)?.[1];
            const def = builder ? ctx.functionsNamed(builder).find((d) => d.file === f.path) ?? ctx.functionsNamed(builder)[0] : undefined;
            const df = def && ctx.file(def.file);
            const narrows = df && (df.guards.some((g) => g.fn === def!.name && g.exit === 'continue') || ctx.callsIn(def!.file, def!.name).some((x) => x.name === 'filter' || x.name === 'isinstance'));
            if (narrows) out.tools = ev(f.path, bind!.line, `the ${cls} sub-agent is run with its own tool set from ${builder}(), which leaves tools out (${at(def!.file, def!.line)})`);
          }
        }
        if (out.cap && out.tools) return out;
      }
    }
  }
  const { family, parent } = agentClasses(ctx);
  for (const s of sites.slice(0, 6)) {
    const f = ctx.file(s.file);
    if (!f) continue;
    const fns = f.functions.filter((fn) => (fn.line <= s.line && s.line <= fn.end) || (s.reason.startsWith('class ') && fn.name.startsWith(`${s.name}.`)));
    for (const fn of fns) {
      for (const c of ctx.callsIn(f.path, fn.name)) {
        if (!c.callee.includes('.') || /^(?:self|this|cls|super\(\))\./.test(c.callee)) continue;
        for (const d of ctx.functionsNamed(c.name).slice(0, 4)) {
          const dot = d.name.lastIndexOf('.');
          if (dot <= 0) continue;
          const cls = d.name.slice(0, dot).split('.').pop()!;
          if (!family(cls) && !(/Agent/.test(cls) && !NOT_AGENT_CLASS.test(cls))) continue;
          const chain: string[] = [];
          for (let n: string | undefined = cls, i = 0; n && i < 8 && !chain.includes(n); n = parent.get(n), i++) chain.push(n);
          for (const n of chain) {
            for (const k of classIndex(ctx).get(n) ?? []) {
              const x = ctx.file(k.file)!;
              const inCls = (l: number) => l > k.line && l <= k.end;
              if (!out.cap) {
                const capField = x.consts.find((v) => v.kind === 'field' && inCls(v.line) && CAP.test(v.name) && !EMPTY.test(v.value));
                if (capField) out.cap = ev(x.path, capField.line, `the ${cls} agent that ${shortName(fn.name)}() runs (${c.callee.slice(0, 40)}) has its own cap ${capField.name} = ${capField.value}`);
              }
              if (!out.tools) {
                const tf = (x.binds ?? []).find((b) => b.name === 'tools' && b.fn === '<top>' && inCls(b.line) && /default_factory\s*=\s*list|^\[\s*\]$/.test(b.value))
                  ?? x.consts.find((v) => v.kind === 'field' && v.name === 'tools' && inCls(v.line) && /^\[\s*\]$/.test(v.value));
                if (tf) out.tools = ev(x.path, tf.line, `each ${cls} agent that ${shortName(fn.name)}() runs carries its own tools list (empty by default)`);
              }
            }
          }
          if (out.cap || out.tools) return out;
        }
      }
    }
  }
  return out;
}
