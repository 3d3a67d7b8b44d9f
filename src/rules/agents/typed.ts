import { agentDefinitions, agentOwnToolPools, modeTableLookups, NOT_MODE_WORDS, roleFactoryBuilds, agentShapeTypes, manyAgentsOf, promptedModelClasses, agentRoleClasses, agentSubclassRoles, PROMPT_KEY, promptedRoleBuilds, promptFileRoles, registeredAgentClasses, TOOLS_KEY, toolSetBuilders } from '../shared/agents.js';
import { rankLive } from '../shared/stale.js';
import { allTypes, at, ev, finding, objectsWithAnyKey } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';
import type { RuleContext } from '../context.js';

/**
 * The registry that holds the declared types: an object whose values are two or more of the
 * variables the definitions are bound to (`{ explore: exploreAgent, plan: planAgent }`).
 */
function typeRegistry(ctx: RuleContext, defs: ReturnType<typeof agentDefinitions>): Evidence | undefined {
  const vars = new Set<string>();
  for (const d of defs) {
    const f = ctx.source.find((x) => x.path === d.file);
    const o = f?.objects.find((x) => x.line === d.line && x.ctx.startsWith('var:'));
    if (o) vars.add(o.ctx.slice(4));
  }
  if (vars.size < 2) return registeredByCalls(ctx, defs);
  for (const f of ctx.source) {
    for (const o of f.objects) {
      if (o.ctx.startsWith('type:')) continue;
      const held = o.keys.filter((k) => vars.has((o.values[k] ?? '').trim()));
      if (held.length >= 2) return { file: f.path, line: o.line, reason: `registry of agent types: ${held.slice(0, 4).map((k) => `${k} → ${o.values[k]}`).join(', ')}` };
    }
  }
  return undefined;
}

/**
 * Modes as data in parallel tables: an object (what a mode's configuration returns, what the model call is
 * given) whose tool list and prompt are both read from tables declared per mode with the same key
 * (`{ tools: groupTools[groupId], instructions: groupInstructions[groupId] }`). Each mode has its own
 * tool list and its own prompt, declared as data.
 */
function modeTables(ctx: RuleContext): (Evidence & { tools: Evidence; prompts: Evidence }) | undefined {
  const byLine = new Map<string, ReturnType<typeof modeTableLookups>>();
  for (const x of modeTableLookups(ctx)) byLine.set(`${x.file}:${x.fn}`, [...(byLine.get(`${x.file}:${x.fn}`) ?? []), x]);
  for (const [site, reads] of byLine) {
    const f = ctx.file(reads[0].file);
    for (const o of f?.objects ?? []) {
      if (`${f!.path}:${o.fn}` !== site) continue;
      const of = (re: RegExp, lists: boolean) => {
        const k = o.keys.find((x) => re.test(x));
        const v = k ? (o.values[k] ?? '').trim() : '';
        return reads.find((r) => v.startsWith(`${r.table.name}[`) && (lists ? r.table.lists >= 2 : r.table.texts >= 2));
      };
      const tools = of(TOOLS_KEY, true);
      const prompts = of(PROMPT_KEY, false);
      if (!tools || !prompts || tools.key !== prompts.key || tools.table === prompts.table) continue;
      const n = new Set([...tools.table.keys, ...prompts.table.keys].filter((k) => tools.table.keys.includes(k) && prompts.table.keys.includes(k))).size;
      if (n < 2) continue;
      return {
        file: f!.path, line: o.line,
        reason: `${o.fn}() gives the ${tools.key} its own tool list ${tools.table.name}[${tools.key}] and its own prompt ${prompts.table.name}[${prompts.key}] (${n} modes in both tables)`,
        tools: { file: tools.table.file, line: tools.table.line, reason: `${tools.table.name} declares a tool list per mode (${tools.table.keys.slice(0, 4).join(', ')}, …)` },
        prompts: { file: prompts.table.file, line: prompts.table.line, reason: `${prompts.table.name} declares a prompt per mode (${prompts.table.keys.slice(0, 4).join(', ')}, …)` },
      };
    }
  }
  return undefined;
}

/** A value naming which agent runs: `agentName`, `agent_type`, `role`, `subagent_kind`. */
const AGENT_KIND_VAR = /(?:^|[._])(?:agent|sub_?agent|subAgent|role|persona)(?:_?(?:name|type|kind|role|id))?$|(?:^|[._])(?:agent|role)(?:Name|Type|Kind|Role|Id)$/i;
/** A call or constant that yields a system prompt: `PLANNER_SYSTEM_PROMPT(...)`, `buildReviewerPrompt()`. */
const PROMPT_NAME = /prompt|instructions|system_?message/i;

/** A value naming a mode or a kind of request (`searchMode`, `chatType`, `task_kind`): modes the code may give their own prompt. */
const MODE_KIND_VAR = /(?:^|[._])(?:mode|type|kind|\w*(?:Mode|Type|Kind)|\w+_(?:mode|type|kind))$/;
/** Kinds that pick a provider's, a model's or a content format's prompt, not a role's: those of NOT_MODE_WORDS, an OS, and a grader's. */
const NOT_ROLE_KIND = new RegExp(`${NOT_MODE_WORDS}|os_?|eval|check|test|judge|grade|score|metric`, 'i');
/** A prompt of its own: a call that builds one (`getAskModeSystemPrompt()`, `code_writer_prompt(…)`), not one that runs one (`_run_prompt`). */
const PROMPT_BUILDER = /(?:prompt|instructions|system_?message)$/i;
const RUNS_PROMPT = /^_?(?:run|exec|execute|send|call|invoke|ask|complete|stream|eval|evaluate|test|load|save|get_?prompt_?by)/i;
/** A prompt held in a constant or named for one (`ARCHITECT_PROMPT`, `agent_config.CREATION_PROMPT`, `code_writer_prompt`), not a prompt's name or id. */
const PROMPT_VALUE = /^(?:[A-Za-z_]\w*\.)*(?:[A-Z][A-Z0-9_]*(?:PROMPT|INSTRUCTIONS|SYSTEM_MESSAGE)[A-Z0-9_]*|\w*(?:_prompt|Prompt|_instructions|Instructions))$/;

/**
 * Roles chosen by a switch (or an if-chain of literal or constant comparisons) over the agent's kind, whose
 * branches build different system prompts: `switch (agentName) { case "planner": systemPrompt =
 * PLANNER_PROMPT(); … }`, `if agent_type == "reviewer": prompt = REVIEWER_PROMPT`. The roles are
 * typed by code rather than data, but each gets its own prompt. `agent` when the switch is over an
 * agent's kind; otherwise over a mode or request kind (`switch (chatType) { case ChatType.ASK: return
 * getAskModeSystemPrompt() … }`): modes written as code, each with its own prompt.
 */
function promptSwitches(ctx: RuleContext): Array<Evidence & { agent: boolean }> {
  return ctx.memo('agents:prompt-switches', () => {
    const out: Array<Evidence & { agent: boolean }> = [];
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      const groups = new Map<string, Array<{ line: number; end: number }>>();
      for (const b of f.branches ?? []) {
        const m = /^switch \(([\w.]+)\)$/.exec(b.cond) ?? /^([\w.]+)\s*(?:===?|==|\bis)\s*(?:['"][\w-]+['"]|[A-Za-z_$][\w$]*\.[A-Z][A-Z0-9_]+)$/.exec(b.cond);
        if (!m) continue;
        const agent = AGENT_KIND_VAR.test(m[1]);
        if (!agent && (!MODE_KIND_VAR.test(m[1]) || NOT_ROLE_KIND.test(m[1].split('.').pop()!))) continue;
        const key = `${b.fn}\0${m[1]}`;
        groups.set(key, [...(groups.get(key) ?? []), { line: b.line, end: b.end }]);
      }
      for (const [key, bs] of groups) {
        bs.sort((a, b) => a.line - b.line);
        const lo = bs[0].line;
        const hi = Math.max(...bs.map((b) => b.end));
        // Prompts built per branch: distinct prompt calls or prompt constants in the switch's lines.
        const prompts = new Set<string>();
        for (const c of f.calls) if (c.line > lo && c.line <= hi && PROMPT_BUILDER.test(c.name) && !RUNS_PROMPT.test(c.name) && !NOT_ROLE_PROMPT.test(c.name)) prompts.add(c.name);
        for (const k of [...f.consts, ...(f.binds ?? [])]) if (k.line > lo && k.line <= hi && PROMPT_VALUE.test(k.value) && !NOT_ROLE_PROMPT.test(k.value)) prompts.add(k.value);
        if (prompts.size < 2) continue;
        const v = key.split('\0')[1];
        const agent = AGENT_KIND_VAR.test(v);
        out.push({ ...ev(f.path, lo, `the ${agent ? "agent's kind" : 'mode'} (${v}) picks its own system prompt per ${agent ? 'role' : 'mode'}: ${[...prompts].slice(0, 3).join(', ')}`), agent });
      }
    }
    return out.sort((a, b) => Number(b.agent) - Number(a.agent));
  });
}

/** Prompts that serve one step of the work rather than a role: a summary, a title, a compaction, a classification. */
const NOT_ROLE_PROMPT = /summar|title|compact|compress|classif/i;

/**
 * The registry filled by calls: one function that registers two or more of the factories the
 * definitions are returned from (`register(explorerAgent(config)); register(plannerAgent(config))`).
 */
function registeredByCalls(ctx: RuleContext, defs: ReturnType<typeof agentDefinitions>): Evidence | undefined {
  const factories = new Set<string>();
  for (const d of defs) {
    const f = ctx.file(d.file);
    const fn = f?.functions.filter((x) => x.line <= d.line && d.line <= x.end).sort((a, b) => b.line - a.line)[0];
    const short = fn?.name.split('.').pop() ?? '';
    if (fn && /^[A-Za-z_]\w{2,}$/.test(short) && short !== '<anon>') factories.add(short);
  }
  if (factories.size < 2) return undefined;
  const byFn = new Map<string, { file: string; line: number; names: Set<string> }>();
  for (const name of factories) {
    for (const c of ctx.callsNamed(name)) {
      if (c.callee !== name || c.fn === '<top>') continue;
      const key = `${c.file}#${c.fn}`;
      let g = byFn.get(key);
      if (!g) byFn.set(key, (g = { file: c.file, line: c.line, names: new Set() }));
      g.names.add(name);
      if (c.line < g.line) g.line = c.line;
    }
  }
  // The factories' results handed one by one to the same registering call (not listed once as a run's argument).
  for (const [key, g] of [...byFn.entries()].filter(([, g]) => g.names.size >= 2).sort((a, b) => b[1].names.size - a[1].names.size)) {
    const fn = key.slice(key.indexOf('#') + 1);
    const regs = new Map<string, number[]>();
    for (const c of ctx.callsIn(g.file, fn)) {
      const a = (c.args[0] ?? '').trim();
      const m = /^(?:new\s+)?([A-Za-z_]\w*)\s*\(/.exec(a);
      if (!m || !factories.has(m[1]) || factories.has(c.name)) continue;
      regs.set(c.callee, [...(regs.get(c.callee) ?? []), c.line]);
    }
    const reg = [...regs.entries()].find(([, lines]) => lines.length >= 2);
    if (reg) return { file: g.file, line: Math.min(...reg[1]), reason: `registry of agent types: ${fn}() registers ${[...g.names].slice(0, 4).join(', ')} through ${reg[0]}()` };
  }
  return undefined;
}

/** Keys naming what a definition is. */
const DEF_NAME_KEY = /^(?:name|id|slug|agentType|agent_type|displayName|display_name)$/;
/** Keys of a model request or a run record, not of a definition. */
const RUN_KEY = /^(?:messages|userId|user_id|sessionId|session_id|stream|max_tokens|usage|response|chunk|fingerprintId|authToken|conversation|datetime_utc)$/;

/**
 * The shape agent definitions are validated against when they are loaded as data (from files, a
 * database or a user's folder) rather than written in the code: a schema (`z.object({ id,
 * systemPrompt, toolNames })`, a pydantic or dataclass model) with a name, a prompt and a tool list.
 * `agent` when the schema or class is named for agents or roles.
 */
function definitionSchemas(ctx: RuleContext): Array<Evidence & { agent: boolean }> {
  return ctx.memo('agents:definition-schemas', () => {
    const out: Array<Evidence & { agent: boolean }> = [];
    const words = PROMPT_KEY.source.slice(4, -2).split('|');
    const { objs, files } = objectsWithAnyKey(ctx, words);
    for (const f of ctx.source) {
      if (!files.has(f.path)) continue;
      for (const o of f.objects) {
        if (!objs.has(o)) continue;
        const zod = /^arg:(?:z|t|v|yup|Joi)\.(?:object|strictObject|interface)$/.test(o.ctx);
        if (!zod && !o.ctx.startsWith('class:')) continue;
        const name = o.keys.find((k) => DEF_NAME_KEY.test(k));
        const prompt = o.keys.find((k) => PROMPT_KEY.test(k));
        const tools = o.keys.find((k) => TOOLS_KEY.test(k));
        if (!name || !prompt || !tools || o.keys.some((k) => RUN_KEY.test(k))) continue;
        // The schema's own name: the class, or the constant it is bound to.
        const own = zod ? ((f.binds ?? []).find((b) => b.line === o.line)?.name ?? '') : o.ctx.slice(6);
        out.push({ file: f.path, line: o.line, agent: /agent|role/i.test(own), reason: `${own || 'a schema'} validates definitions with ${name}, ${prompt} and ${tools} (${o.keys.slice(0, 6).join(', ')}${o.keys.length > 6 ? ', …' : ''})` });
      }
    }
    return out.sort((a, b) => Number(b.agent) - Number(a.agent));
  });
}

/** A class named for agents (`Agent`, `CustomAssistant`, `Persona`). */
const AGENT_CLASS = /(?:^|[a-z_])(?:Agent|Assistant|Persona)$/;
/** A base class of stored records: an ORM model, entity or document. */
const STORED_BASE = /(?:^|\.)(?:\w*Model|Base|\w*Entity|Document|SQLModel|\w*Table|\w*Record)$/;
const MODEL_PROMPT = /^(?:prompt|system_?prompt|instructions?|personality|persona|system_?message)$/i;
const MODEL_TOOLS = /^(?:tools|input_?tools|toolset|toolsets|allowed_?tools|functions|plugins|skills)$/i;

/** Stored-record classes for agents, each with a name, a prompt field and a tools field. */
function storedAgentModels(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  for (const f of ctx.source) {
    for (const c of f.classes) {
      if (!AGENT_CLASS.test(c.name) || !c.extends || !STORED_BASE.test(c.extends) || /Config|Settings|Options|State|Message|Event/.test(c.name)) continue;
      const prompt = c.members.find((m) => MODEL_PROMPT.test(m));
      const tools = c.members.find((m) => MODEL_TOOLS.test(m));
      if (!prompt || !tools || !c.members.some((m) => /^(?:name|title|slug)$/.test(m))) continue;
      out.push(ev(f.path, c.line, `stored model ${c.name} (${c.extends}) holds each agent's name, ${prompt} and ${tools}`));
    }
  }
  return out;
}

const ROLE_WORD = /^(?:plan|planner|planning|build|builder|explore|explorer|general|generalist|general-purpose|review|reviewer|research|researcher|code|coder|architect|debug|debugger|verify|verifier|ask|orchestrator|executor|writer|tester|investigator|analyst|critic|summarizer|browser)$/i;

/** Agent roles named in a type or enum (`type RoleId = 'planner' | 'coder' | 'reviewer'`): two or more role words. */
export function namedRoles(ctx: RuleContext) {
  return allTypes(ctx).filter((t) => /agent|role|persona|mode|phase/i.test(t.name) && t.tags.filter((x) => ROLE_WORD.test(x)).length >= 2);
}

/** A value written in the code: a quoted string, a template, a constant, a call building a prompt from constants. */
const WRITTEN_VALUE = /^(?:['"`]|[A-Z][A-Z0-9_]*\b|f['"]|dedent\(|\(?\s*['"`])/;

/**
 * The only agent definition is a record whose name and prompt are both values read at run time
 * (`{ name, prompt: settings.prompt, tools: selected }`, `Agent(name=row.name, instructions=row.prompt, tools=…)`):
 * the form or loader through which users make their own agents, each with its own prompt and tools.
 */
function userDefinedAgent(ctx: RuleContext, defs: ReturnType<typeof agentDefinitions>, distinct: number): (Evidence & { name: string; prompt: string }) | undefined {
  if (distinct !== 1 || !defs.length || defs.some((d) => d.literal || !d.toolsKey)) return undefined;
  const d = defs[0];
  const o = ctx.file(d.file)?.objects.find((x) => x.line === d.line);
  if (!o) return undefined;
  const nameKey = o.keys.find((k) => /^(?:name|displayName|display_name)$/.test(k)) ?? o.keys.find((k) => DEF_NAME_KEY.test(k));
  const promptKey = o.keys.find((k) => PROMPT_KEY.test(k));
  if (!nameKey || !promptKey) return undefined;
  const nameVal = (o.values[nameKey] ?? nameKey).trim();
  const promptVal = (o.values[promptKey] ?? promptKey).trim();
  const toolsVal = (o.values[d.toolsKey!] ?? d.toolsKey!).trim();
  if (!nameVal || !promptVal || WRITTEN_VALUE.test(nameVal) || WRITTEN_VALUE.test(promptVal) || /^(?:\[\s*\]|None|null|undefined)$/.test(toolsVal)) return undefined;
  return { file: d.file, line: d.line, name: d.name.slice(0, 30), prompt: promptKey, reason: `agent record built from input: ${nameKey} = ${nameVal.slice(0, 30)}, ${promptKey} = ${promptVal.slice(0, 40)}, ${d.toolsKey} = ${toolsVal.slice(0, 30)}` };
}

export default defineRule({
  id: 'agents.typed',
  principle: 'agents',
  title: 'Agent types are declared as data',
  rationale:
    'Roles such as explore, plan or verify need different prompts and different tools; declaring them as data keeps each role reviewable and lets the harness pick one without forking the loop.',
  remediation:
    'Declare agent types as data (name, description, system prompt, tool allow-list, limits) in one registry and have the harness start agents from those definitions; see the exemplar agents.ts.',
  exemplar: 'src/reference-harness/agents/agents.ts',
  detect(ctx) {
    const defs = agentDefinitions(ctx);
    const names = new Set(defs.map((d) => d.name));
    if (names.size >= 2) {
      // Two or more types written in the code as data (literal names, own prompt and tool list) are a configuration fact.
      const declared = new Set(defs.filter((d) => d.literal).map((d) => d.name)).size >= 2;
      // The registry that holds the declared types together leads: it shows every type in one place.
      const registry = typeRegistry(ctx, defs);
      return finding('present', `${names.size} agent types are declared with their own prompt and tools (${defs.slice(0, 3).map((d) => `${d.name.slice(0, 30)} at ${at(d.file, d.line)}`).join(', ')})${registry ? `, held in one registry (${at(registry.file, registry.line)})` : ''}`, [...(registry ? [registry] : []), ...defs.slice(0, registry ? 3 : 4)], declared ? 'high' : 'low');
    }
    // One shape every agent is a value of (`class LlmAgent(BaseAgent): name, instruction, tools`, `type
    // CreateAgentParams = { name, prompt, tools }`): agents are declared as data, each with its own prompt and
    // tools, when the code builds several of them or leaves building them to its users (a framework's agent type).
    // A type taken by the agent factory counts when no agent is declared with a name of its own (one would be one agent).
    const shape = (names.size === 1 ? defs.find((d) => d.shape && manyAgentsOf(ctx, d.name)) : undefined) ?? (names.size <= 1 && defs.every((d) => !d.literal) ? agentShapeTypes(ctx)[0] : undefined);
    if (shape) {
      // One function per role building an instance with its own prompt and tools: the roles themselves lead.
      const roles = roleFactoryBuilds(ctx, shape.name);
      const built = roles.length ? ` by one function per role (${roles.slice(0, 3).map((r) => `${r.fn}() at ${at(r.file, r.line)}`).join(', ')})` : ' several times or by the library\'s users rather than one fixed agent';
      return finding('present', `agents are declared as data: each agent is ${/^agent shape/.test(shape.reason) ? 'a value of' : 'an instance of'} ${shape.name}, with its own prompt and tools (${at(shape.file, shape.line)}), built${built}`, [...roles.slice(0, 2), shape, ...(shape.builder ? [shape.builder] : []), ...defs.filter((d) => d !== shape).slice(0, 2)], 'low');
    }
    // Agent classes registered by name in a class registry, each building its own prompt or tools.
    const registered = registeredAgentClasses(ctx).filter((x) => x.toolsMember || x.promptMember);
    if (registered.length >= 2) {
      const x = registered[0];
      return finding('present', `${registered.length} agent classes are registered by name and each builds its own prompt or tools (${registered.slice(0, 3).map((r) => `${r.name} at ${at(r.file, r.line)}`).join(', ')})`, [x.reg, ...registered.slice(0, 3).map((r) => ev(r.file, r.line, r.reason))]);
    }
    // Roles as subclasses of the agent class, each with its own prompt (`class AskCoder(Coder): gpt_prompts = AskPrompts()`).
    const sub = agentSubclassRoles(ctx);
    if (new Set(sub.map((d) => d.name)).size >= 2) {
      return finding('present', `${sub.length} agent classes derive from ${sub[0].base}, each with its own prompt (${sub.slice(0, 3).map((d) => `${d.name} at ${at(d.file, d.line)}`).join(', ')})`, sub.slice(0, 4));
    }
    // Roles as classes deriving from an agent or role base, each naming itself or carrying its own prompt
    // (`class Architect(BaseAgent): agent_type = "architect"`, `super().__init__(system_message=ROUTER_PROMPT)`).
    const roleClasses = agentRoleClasses(ctx);
    if (new Set(roleClasses.map((r) => r.identity ?? r.name)).size >= 2) {
      const named = roleClasses.filter((r) => r.identity).length >= 2;
      return finding('present', `${roleClasses.length} agent role classes derive from ${roleClasses[0].base}, each ${named ? 'naming its own type' : 'with its own prompt'} (${roleClasses.slice(0, 3).map((r) => `${r.name} at ${at(r.file, r.line)}`).join(', ')})`, roleClasses.slice(0, 4), 'low');
    }
    // An agent class as the definition: each instance carries its own name, prompt and tool list, and the model gets that list.
    const own = agentOwnToolPools(ctx)[0];
    if (own) {
      return finding('present', `agents are declared as data: ${own.cls} instances each carry their own name, prompt and ${own.field} (${at(own.decl.file, own.decl.line)}), and the model is sent that agent's own tools (${at(own.file, own.line)})`, [own.decl, { file: own.file, line: own.line, reason: own.reason }], 'low');
    }
    const roles = namedRoles(ctx);
    // Roles picked by a switch on the agent's kind, each branch building its own system prompt.
    const switches = defs.length ? [] : promptSwitches(ctx).filter((s) => s.agent);
    if (switches.length) {
      const s = switches[0];
      return finding('present', `agent roles are chosen by a switch on the agent's kind, each with its own system prompt (${at(s.file, s.line)}): ${s.reason.replace(/^.*: /, '')}`, [...switches.slice(0, 2), ...roles.slice(0, 1).map((t) => ev(t.file, t.line, `${t.name}: ${t.tags.join(' | ')}`))], 'low');
    }
    // Agents kept as rows of a stored model (a Django or SQLAlchemy model, an ORM entity) with a name,
    // a prompt and a tool list: users or admins create agents as data, each run with its own prompt and tools.
    const stored = defs.length ? undefined : storedAgentModels(ctx)[0];
    if (stored) return finding('present', `agents are data: ${stored.reason} (${at(stored.file, stored.line)}), each created as a record rather than written as code`, [stored], 'low');
    // Definitions loaded as data and validated against a schema with a name, a prompt and a tool list.
    const schema = defs.length ? undefined : definitionSchemas(ctx)[0];
    if (schema?.agent) {
      return finding('present', `agent types are data loaded and validated against a definition schema: ${schema.reason} (${at(schema.file, schema.line)})`, [schema], 'low');
    }
    if (schema) {
      return finding('partial', `presets bundling a prompt and a tool list are data validated against a schema (${schema.reason} at ${at(schema.file, schema.line)}), but they are not declared as agent types or roles`, [schema]);
    }
    // Modes or groups declared as data in parallel tables, one with a tool list per mode and one with a prompt per mode, read together.
    const modes = defs.length ? undefined : modeTables(ctx);
    if (modes) {
      return finding('present', `modes are declared as data, each with its own prompt and tool list: ${modes.reason} (${at(modes.file, modes.line)})`, [modes.prompts, modes.tools, { file: modes.file, line: modes.line, reason: modes.reason }], 'low');
    }
    // One definition filled entirely from input (its name and its prompt are values read at run time, not
    // written in the code): the record users create their own agents with, each with its own prompt and tools.
    const userMade = userDefinedAgent(ctx, defs, names.size);
    if (userMade) {
      return finding('present', `agents are user-defined data: the one agent definition (${at(userMade.file, userMade.line)}) is a record built from input, each agent with its own name, ${userMade.prompt} and tools, rather than one fixed agent`, [userMade], 'low');
    }
    if (defs.length) {
      return finding('partial', `one agent definition (${defs[0].name.slice(0, 30)} at ${at(defs[0].file, defs[0].line)}) but no set of typed roles`, [defs[0], ...roles.slice(0, 1).map((t) => ev(t.file, t.line, `${t.name}: ${t.tags.join(' | ')}`))]);
    }
    // Modes written as code: a switch over a mode or request kind, each branch with its own system prompt.
    const modeSwitch = promptSwitches(ctx).find((s) => !s.agent);
    if (modeSwitch) {
      return finding('partial', `modes are chosen in code, each with its own system prompt (${modeSwitch.reason.replace(/^the mode \(([\w.]+)\).*?: /, '$1 → ')} at ${at(modeSwitch.file, modeSwitch.line)}), but they are not agent types declared as data with their own tool set`, [modeSwitch], 'low');
    }
    // Roles written as code, each module reading its own prompt template file.
    const fileRoles = promptFileRoles(ctx);
    if (fileRoles.length) {
      return finding('partial', `${new Set(fileRoles.map((r) => `${r.file}#${r.name}`)).size} roles are written as code, each reading its own prompt file (${fileRoles.slice(0, 3).map((r) => `${r.name} ← ${r.path.split('/').pop()}`).join(', ')}), but they are not declared as data with their own tool set`, fileRoles.slice(0, 3));
    }
    if (roles.length) {
      const t = roles[0];
      return finding('partial', `agent roles are named (${t.name}: ${t.tags.join(' | ')} at ${at(t.file, t.line)}) but not declared as data with their own prompt and tool set`, roles.slice(0, 2).map((r) => ev(r.file, r.line, `${r.name}: ${r.tags.join(' | ')}`)));
    }
    // Roles written as code: each agent-running function takes a tool set of its own from its own builder.
    const builders = toolSetBuilders(ctx);
    if (builders.length >= 2) {
      const calls = builders.slice(0, 3).map((b) => b.calls[0]);
      return finding('partial', `agent roles are hand-written functions, each taking its own tool set (${calls.map((c) => c.reason.replace(/ takes its tools from /, ' ← ')).join(', ')}), not types declared as data`, calls);
    }
    // Roles written as code: agents or role objects built one by one, each with its own system prompt.
    const built = rankLive(ctx, promptedRoleBuilds(ctx)).evidence as ReturnType<typeof promptedRoleBuilds>;
    if (built.length) {
      const prompts = [...new Set(built.map((b) => b.prompt))];
      return finding('partial', `${prompts.length} roles are built in code, each with its own system prompt (${built.slice(0, 3).map((b) => `${b.builder}(${b.prompt.slice(0, 30)}) at ${at(b.file, b.line)}`).join(', ')}), but they are not declared as data with their own tool set`, built.slice(0, 3), 'low');
    }
    // Roles written as classes without a common agent base, each sending its own model request with its own prompt.
    const classes = promptedModelClasses(ctx);
    if (classes.length) {
      return finding('partial', `${classes.length} roles are written as classes, each sending the model its own prompt (${classes.slice(0, 3).map((c) => `${c.name} ← ${c.prompt} at ${at(c.file, c.line)}`).join(', ')}), but they are not declared as data with their own tool set`, classes.slice(0, 3), 'low');
    }
    return finding('absent', 'no agent types or roles were found: no definitions with name, prompt and tools, no agent classes, no role enum');
  },
});
