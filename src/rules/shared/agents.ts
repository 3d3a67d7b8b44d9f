/**
 * Derived facts about agents for the agents checks and the premature-multi-agent flag:
 * - `agentDefinitions(ctx)`: agent types declared as data (name + prompt + tools) or as agent
 *   classes with their own prompt and tools;
 * - `subagentSites(ctx)`: places where an agent starts another agent (sub-agent tool, managed
 *   agents, sub-agent executor);
 * - `toolFilters(ctx)`: where a tool set is narrowed (allow-list, exclude list, per-agent pool).
 * Each is computed once per audit with ctx.memo and is linear in the facts.
 */
import type { BranchFact, CallFact, ConfigEntryFact, FileFacts, ObjectFact } from '../../analyzers/facts.js';
import { folderOf, paramName, shortName, type Located, type RuleContext } from '../context.js';
import type { Evidence } from '../types.js';
import { agentLoops, byFileInOrder, GENERIC, isDirectModelCall, modelCalls, modelTurnCalls, type AgentLoop } from './loop.js';
import { bySite, objectsWithAnyKey } from './scan.js';
import { resolveBareCall } from './imports.js';
import { classIndex, classOf, fieldClass } from './resolve.js';
import { callsPassing, EXEC_KEY, MCP_SERVER_MODULE, SCHEMA_KEY, toolDeclarations } from './tools.js';

export const PROMPT_KEY = /^(?:systemPrompt|system_prompt|prompt|instructions|roleDefinition|role_definition|promptConfig|prompt_config|prompt_templates|promptTemplates|systemMessage|system_message|basePrompt|base_prompt|persona|developerPrompt|agentPrompt)$/;
export const TOOLS_KEY = /^(?:tools|toolConfig|tool_config|allowedTools|allowed_tools|toolNames|tool_names|toolset|toolSet|availableTools|available_tools|enabledTools|disallowedTools|excludeTools|tool_ids|toolIds)$/;
const NAME_KEY = /^(?:name|agentType|agent_type|type|id|role|kind|displayName|slug)$/;
/** Keys of a model request or runtime state, not of a definition. */
const REQUEST_KEY = /^(?:messages|model_id|modelId|max_tokens|stream|isStreaming|pendingToolCalls|entries|contents|llmClient|signal)$/;
/** UI and display code that merely shows sub-agents. */
const DISPLAY = /display|progress|history|message|render|view|component|migrate|stop$|color|icon|format|template|prompt|error|exception|config|options|props|result|status|hooks?$|map$|pars(?:e|er|ing)|logging/i;
/** Code that reads or replays recorded sessions (parsers, serialisers), not code that starts agents. */
const PARSE_PATH = /(?:^|\/)\w*(?:[pP]arser|[sS]eriali[sz]er)s?(?:\/|\.\w+$)/;
const UI_PATH = /(?:^|\/)(?:ui|components|views|pages|app\/\(|webview)(?:\/|$)|\.tsx$/;
/** UI folders alone: a tool declared in a `.tsx` file (an Ink terminal harness renders each tool's messages with React) is still a tool. */
const UI_DIR = /(?:^|\/)(?:ui|components|views|pages|app\/\(|webview)(?:\/|$)/;

/** The words of an anchored alternation of plain words (`/^(?:a|b)$/`), for a Set lookup instead of the pattern. */
function wordSet(re: RegExp): Set<string> {
  const body = re.source.slice(4, -2);
  if (!re.source.startsWith('^(?:') || !re.source.endsWith(')$') || re.flags || !/^\w+(?:\|\w+)*$/.test(body)) throw new Error(`not a word alternation: ${re.source}`);
  return new Set(body.split('|'));
}
const PROMPT_KEYS = wordSet(PROMPT_KEY);
const TOOLS_KEYS = wordSet(TOOLS_KEY);
const NAME_KEYS = wordSet(NAME_KEY);
const REQUEST_KEYS = wordSet(REQUEST_KEY);

export interface AgentDef extends Evidence {
  name: string;
  /** A class or type that agents are built from (each agent a value of it), not one agent. */
  shape?: boolean;
  /** A class with no base of its own, taken as agents' shape by its fields (see `own` in agentDefinitions). */
  ownBase?: boolean;
  /** For a shape type: the factory or class that builds an agent from it. */
  builder?: Evidence;
  /** The definition's tool list as written (`['read', 'grep']`, `[BashTool, GrepTool]`, `tools`), when it has one. */
  tools?: string;
  /** The key the tool list sits under (`tools`, `allowedTools`, `groups`). */
  toolsKey?: string;
  /** Named by a literal or a constant in the code (a declared type), not by a value read at run time. */
  literal?: boolean;
}

/** A base class's own name, as written after `extends` / in a class's bases: `Base` of `pkg.Base<T>`, `Base[Params]`, `Base(…)`. */
const baseClassName = (ext: string): string => ext.replace(/[<[(].*$/s, '').split('.').pop()!.trim();

/** A value that sets nothing: `undefined`, `null`, `None`, an empty string. */
const EMPTY_VALUE = /^(?:undefined|null|None|''|""|``)$/;

/** An empty collection: `[]`, `{}`, `new Set()`, `new Map()`, `list()`, `dict()`, `set()`. */
export const EMPTY_COLLECTION = /^(?:\[\s*\]|\{\s*\}|\(\s*\)|new\s+(?:Set|Map|Array)\s*(?:<[^>]*>)?\(\s*\)|(?:list|dict|set|tuple)\(\s*\))$/;

/** A name written in the code: `'explore'`, `EXPLORE_AGENT_NAME`, `SubagentType.Explore`. */
const DECLARED_NAME = /^(?:['"`][\w .:/-]*[A-Za-z][\w .:/-]*['"`]|[A-Z][A-Z0-9_]*(?:\[['"]\w+['"]\]|\.\w+)?|[A-Z]\w*\.[A-Z]\w*)$/;

/** A prompt member of an agent's shape besides PROMPT_KEY: `instruction` (Google ADK, mcp-agent), `system`, `system_template`. */
const SHAPE_PROMPT = /^(?:instruction|system|system_?prompt\w*|system_?template|systemTemplate)$/i;
/** A tool member of an agent's shape besides TOOLS_KEY: its functions, the MCP servers it may use, its actions. */
const SHAPE_TOOLS = /^(?:functions|function_list|function_map|server_names|serverNames|mcp_servers|mcpServers|actions|toolkit)$/;
/** What names an agent in its shape. */
const SHAPE_ID = /^(?:name|id|agent_?id|agentId|agent_?name|agentName|slug)$/;
/** A type named as agents' shape: `AgentConfiguration`, `CreateReactAgentParams`, `SubagentDefinition`, `AgentSpec`. */
const AGENT_SHAPE_TYPE = /(?:^|[a-z_])(?:Agent|Subagent)(?:Config|Configuration|Params|Options|Spec|Definition|Def|Profile)?$/;
const NOT_SHAPE_TYPE = /State|Message|Event|Response|Result|Output|Status|Error|Props$/;
/** A call that declares an agent by name: `defAgent`, `defineAgent`, `declareSubagent`, `registerAgent`. */
const DEFINE_AGENT_CALL = /^(?:def|define|declare|register)_?(?:Sub_?)?[aA]gent$/;

/** `o` is one of two or more sibling objects (same parent span, same prompt and tools keys): a record of definitions. */
function recordOfDefs(objects: readonly ObjectFact[], o: ObjectFact): boolean {
  const parent = objects.find((p) => p !== o && p.line <= o.line && p.end >= o.end && p.keys.includes(o.ctx.slice(5)) && p.keys.length >= 2);
  if (!parent) return false;
  const siblings = objects.filter((x) => x !== o && x.line > parent.line && x.end <= parent.end && x.ctx.startsWith('prop:') && parent.keys.includes(x.ctx.slice(5)) && x.keys.some((k) => PROMPT_KEY.test(k)) && x.keys.some((k) => TOOLS_KEY.test(k)));
  return siblings.length >= 1;
}

/** A tool collection's class or constructor: `Toolkit`, `BaseToolkit`, `WebTools`, `ToolSet`. */
const TOOLKIT_CLASS = /(?:^|[a-z_])(?:Toolkit|Toolset|ToolSet|Tools)$/;

/** An object handed to a toolkit's constructor, directly or through `super()` in a class deriving from a toolkit. */
function toolkitRecord(f: FileFacts, o: ObjectFact): boolean {
  if (!o.ctx.startsWith('arg:')) return false;
  const callee = o.ctx.slice(4);
  if (TOOLKIT_CLASS.test(callee.replace(/^new\s+/, '').split('.').pop()!)) return true;
  if (!/^super\b/.test(callee)) return false;
  const cls = f.classes.filter((c) => c.line <= o.line && o.line <= c.end).sort((a, b) => b.line - a.line)[0];
  return !!cls && (TOOLKIT_CLASS.test(cls.name) || !!cls.extends && TOOLKIT_CLASS.test(baseClassName(cls.extends)));
}

/** A call that creates an agent from what its callback returns: `createAgent(cb)`, `defineAgent(cb)`, `make_agent(cb)`. */
const AGENT_FACTORY_CALL = /^(?:create|define|make|build)_?[aA]gent$/;
/** A function written inline as an argument: `async ({ payload }) => {`, `(ctx) =>`, `function (env) {`. */
const INLINE_FN = /^(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>|^(?:async\s+)?function\b/;

/**
 * The agent factory whose inline callback returns `o` at module level (`export default createAgent(async ({ env }) =>
 * { …; return { instructions, tools } })`): the last such call that opens at or before the object, in a module that
 * makes one agent.
 */
function moduleAgentFactory(f: FileFacts, o: ObjectFact): CallFact | undefined {
  if (o.ctx !== 'return' || o.fn !== '<top>') return undefined;
  const made = f.calls.filter((c) => c.fn === '<top>' && AGENT_FACTORY_CALL.test(c.name) && INLINE_FN.test((c.args[0] ?? '').trim()));
  if (made.length !== 1 || made[0].line > o.line) return undefined;
  return made[0];
}

/** A module's own name: `reviewer` of `src/agents/reviewer.ts`, the folder of an `index` file. */
function moduleName(path: string): string {
  const parts = path.replace(/\.[^./]+$/, '').split('/');
  const last = parts.pop()!;
  return last === 'index' || last === '__init__' ? parts.pop() ?? last : last;
}

export function agentDefinitions(ctx: RuleContext): AgentDef[] {
  return ctx.memo('agents:definitions', () => {
    const out: AgentDef[] = [];
    const membersOf = new Map<string, string[]>();
    for (const f of ctx.source) for (const c of f.classes) membersOf.set(c.name, c.members);
    // Every definition has a prompt key: only objects holding one (found through the key index), in their files.
    const { objs: prompted, files: promptedFiles } = objectsWithAnyKey(ctx, PROMPT_KEYS);
    for (const f of ctx.source) {
      for (const o of promptedFiles.has(f.path) ? f.objects : []) {
        if (!prompted.has(o)) continue;
        let prompt = '';
        let tools = '';
        let name = '';
        let request = false;
        for (const k of o.keys) {
          if (PROMPT_KEYS.has(k)) prompt ||= k;
          else if (TOOLS_KEYS.has(k)) tools ||= k;
          else if (NAME_KEYS.has(k)) name = name && (name === 'name' || k !== 'name') ? name : k;
          else if (REQUEST_KEYS.has(k)) request = true;
        }
        // Every definition has a prompt key: the rest is read only for objects with one.
        if (!prompt) continue;
        // A schema describing agent configs (`z.object({ slug: z.string(), roleDefinition: … })`) is not an agent.
        if (o.ctx.startsWith('type:') || o.ctx.startsWith('class:') || /^arg:(?:z|t|v|Type|yup|Joi|pydantic)\.|schema/i.test(o.ctx)) continue;
        // Modes as agent types (`{ slug, roleDefinition, groups: ['read', 'edit'] }`): the tool groups are its pool.
        if (!tools && /^role_?[dD]efinition$/.test(prompt) && o.keys.includes('groups')) tools = 'groups';
        // A record of definitions keyed by type (`{ [Type.Explore]: { tools, systemPrompt } }`): the key names it.
        if (!name && prompt && tools && !request && o.ctx.startsWith('prop:') && recordOfDefs(f.objects, o)) name = '<key>';
        // The configuration an agent factory's callback returns (`export default createAgent(({ env }) => ({ instructions,
        // tools }))`), one agent per module: the module names it.
        const factory = !name && prompt && tools && !request ? moduleAgentFactory(f, o) : undefined;
        if (factory) name = '<module>';
        if (!prompt || !tools || !name || request) continue;
        // A toolkit's own record (`Toolkit(name, tools, instructions)`, or `super().__init__(…)` in a class deriving
        // from a toolkit): the instructions tell an agent how to use the tools; the toolkit is no agent.
        if (toolkitRecord(f, o)) continue;
        // A record that leaves both empty (`systemPrompt: undefined, tools: undefined`, `system_prompt="", tools=None`) gives the agent nothing of its own.
        // Nor one that opens both as empty collections (`{ kind, instructions: [], tools: [], subagents: [] }`): an
        // accumulator a render or builder fills as it runs (a frame, a draft), not a type declared with its own prompt and tools.
        const blank = (k: string) => { const v = (o.values[k] ?? 'x').trim(); return EMPTY_VALUE.test(v) || EMPTY_COLLECTION.test(v); };
        if (blank(prompt) && blank(tools)) continue;
        // Nor one that leaves its name and its prompt empty (a prompt template's inputs defaulted: `role: undefined,
        // instructions: undefined, tools: …`): it names and instructs no agent.
        if (name !== '<key>' && EMPTY_VALUE.test((o.values[name] ?? 'x').trim()) && EMPTY_VALUE.test((o.values[prompt] ?? 'x').trim())) continue;
        const label = name === '<key>' ? o.ctx.slice(5) : name === '<module>' ? moduleName(f.path) : (o.values[name] ?? '').replace(/^['"`]|['"`]$/g, '') || o.ctx;
        // A type declared in the code names itself with a literal or a constant (`'explore'`,
        // `EXPLORE_AGENT`, `[Type.Explore]`); a record built at run time (`input.name`, `self.name`) is not a declaration.
        const literal = name === '<key>' || name === '<module>' || DECLARED_NAME.test((o.values[name] ?? '').trim());
        const how = name === '<key>' ? 'keyed by type' : name === '<module>' ? `returned to ${factory!.callee}() in its own module` : name;
        out.push({ file: f.path, line: o.line, name: label, tools: o.values[tools], toolsKey: tools, literal, reason: `agent definition ${label.slice(0, 40)} as data (${how}, ${prompt}, ${tools})` });
      }
      // Agent classes with their own prompt and tools (members, or passed up to the base class).
      for (const c of f.classes) {
        if (!/(?:^|[a-z_])Agent(?:Definition|Config|Spec|Profile)?$/.test(c.name) || /error|exception/i.test(c.name)) continue;
        // Fields inherited from a base class declared in the repo count too (Agent(AgentBase)).
        const base = c.extends?.replace(/[<[(].*$/s, '').split('.').pop();
        const members = base && membersOf.has(base) ? [...c.members, ...membersOf.get(base)!] : [...c.members];
        // A Python base class's constructor parameters are its fields too (`def __init__(self, name, system_prompt, toolkit)`);
        // a subclass's are mostly forwarded to a base it does not declare (an adapter's options), so only its members count.
        if (f.lang === 'py' && !c.extends) members.push(...(f.functions.find((fn) => fn.name === `${c.name}.__init__`)?.params.map(paramName) ?? []));
        const prompt = members.find((m) => PROMPT_KEY.test(m) || SHAPE_PROMPT.test(m)) ?? members.find((m) => /system_?prompt/i.test(m));
        const superArgs = f.objects.find((o) => o.line > c.line && o.line <= c.end && /^arg:super/.test(o.ctx) && o.keys.some((k) => PROMPT_KEY.test(k)) && o.keys.some((k) => TOOLS_KEY.test(k)));
        const tools = members.find((m) => TOOLS_KEY.test(m) || SHAPE_TOOLS.test(m));
        // A class of its own (no base) is agents' shape only when it names each agent and the code builds
        // several of them or leaves that to its users; one agent class built once is one agent.
        const own = !c.extends && members.some((m) => SHAPE_ID.test(m)) && manyAgentsOf(ctx, c.name);
        if (superArgs || (prompt && tools && (c.extends || own))) {
          out.push({ file: f.path, line: c.line, name: c.name, shape: true, ...(own && !superArgs && !c.extends ? { ownBase: true } : {}), reason: `agent class ${c.name}${c.extends ? ` extends ${c.extends}` : ''} with its own prompt and tools${superArgs ? '' : ` (${prompt}, ${tools})`}` });
        }
      }
      // Agents declared by a definition call with a literal name (`defAgent("fs", "query files", prompt, { tools: [...] })`).
      for (const c of f.calls) {
        if (!DEFINE_AGENT_CALL.test(c.name) || c.args.length < 3 || !/^['"`][\w .:/-]+['"`]$/.test(c.args[0]?.trim() ?? '')) continue;
        const opts = f.objects.find((o) => o.line >= c.line && o.ctx === `arg:${c.callee}` && o.keys.some((k) => TOOLS_KEYS.has(k)));
        if (!opts || c.args.slice(1).every((a) => EMPTY_VALUE.test(a.trim()))) continue;
        const tools = opts.keys.find((k) => TOOLS_KEYS.has(k))!;
        const name = c.args[0].trim().replace(/^['"`]|['"`]$/g, '');
        out.push({ file: f.path, line: c.line, name, tools: opts.values[tools], toolsKey: tools, literal: true, reason: `agent ${name} declared by ${c.callee}() with its own description, prompt and ${tools}` });
      }
    }
    out.push(...configAgentDefinitions(ctx));
    // Declared types first, then agent classes, then records built at run time (a loader's output, a serialiser).
    // A base class of its own (found by its fields) after the agent classes that derive from one, which show a kind of agent.
    const rank = (d: AgentDef) => (d.literal ? 0 : d.toolsKey ? 2 : d.ownBase ? 1.5 : 1);
    return out.map((d, i) => [d, i] as const).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([d]) => d);
  });
}

/** A folder that holds Markdown agent definitions (as config-files.ts finds them): `agents`, `subagents`, `agent-definitions`. */
const AGENT_MD_DIR = /^(?:sub-?)?agents?$|^agent-?definitions$/i;

/**
 * Whether the harness's code loads a Markdown file of agent definitions: a source file imports it
 * (`import explore from './builtin/explore.md'`, `…/SKILL.md?raw`), or a string in the code names its
 * agents folder as a path (`join(root, 'agents')`, `'.claude/agents/'`) for a loader to read.
 */
function markdownLoaded(ctx: RuleContext, file: string): boolean {
  const idx = ctx.memo('agents:markdown-loads', () => {
    const tails: string[] = [];
    const dirs = new Set<string>();
    for (const f of ctx.source) {
      for (const i of f.imports) {
        const spec = i.from.replace(/\?.*$/, '');
        if (/\.md$/i.test(spec)) tails.push(spec.replace(/^(?:(?:\.{1,2}|[@~])\/)+/, ''));
      }
      for (const x of f.strings) {
        if (x.value.length > 200 || !/agent|definition/i.test(x.value)) continue;
        for (const seg of x.value.split(/[\\/]/)) if (AGENT_MD_DIR.test(seg)) dirs.add(seg.toLowerCase());
      }
    }
    return { tails, dirs };
  });
  if (idx.tails.some((t) => file === t || file.endsWith(`/${t}`))) return true;
  return file.split('/').slice(0, -1).some((seg) => AGENT_MD_DIR.test(seg) && idx.dirs.has(seg.toLowerCase()));
}

/**
 * Agent definitions written as configuration: an entry with a name, a prompt and a tool list in
 * YAML / JSON / TOML (`agents: [{ name, instructions, tools }]`), or a Markdown file in an agents
 * folder whose front matter names the agent and describes it and whose body is its prompt.
 */
function configAgentDefinitions(ctx: RuleContext): AgentDef[] {
  const out: AgentDef[] = [];
  for (const c of ctx.facts.configs ?? []) {
    // Markdown agent files the harness's code never loads (a Claude Code plugin's `agents/*.md` shipped beside it) define no agent of this harness.
    if (c.format === 'markdown' && !markdownLoaded(ctx, c.path)) continue;
    const groups = new Map<string, Map<string, ConfigEntryFact>>();
    for (const e of c.entries) {
      if (e.path !== e.key && !e.path.endsWith(`.${e.key}`)) continue;
      const parent = e.path.slice(0, Math.max(0, e.path.length - e.key.length - 1));
      let g = groups.get(parent);
      if (!g) groups.set(parent, (g = new Map()));
      if (!g.has(e.key)) g.set(e.key, e);
    }
    for (const [parent, keys] of groups) {
      const name = keys.get('name') ?? keys.get('slug') ?? keys.get('agent_id') ?? keys.get('agentId');
      if (!name?.value) continue;
      const markdown = c.format === 'markdown' && parent === '';
      const prompt = [...keys.keys()].find((k) => PROMPT_KEYS.has(k)) ?? (markdown && keys.has('body') ? 'body' : undefined);
      // The tool list, or what stands for it in an agent's record: its MCP servers, its actions (`agent_id, system_prompt, actions`).
      const tools = [...keys.keys()].find((k) => TOOLS_KEYS.has(k)) ?? (prompt && /^system/.test(prompt) ? [...keys.keys()].find((k) => SHAPE_TOOLS.test(k)) : undefined);
      if (!prompt || !(tools || (markdown && keys.has('description')))) continue;
      out.push({
        file: c.path,
        line: name.line,
        name: name.value,
        tools: tools ? keys.get(tools)!.value : undefined,
        toolsKey: tools,
        literal: true,
        reason: `agent definition ${name.value.slice(0, 40)} as ${markdown ? 'Markdown front matter (name, description' : `configuration (${name.key}, ${prompt}`}${tools ? `, ${tools}` : ''})${markdown ? ' with its prompt as the body' : ''}`,
      });
    }
  }
  return out;
}

/**
 * The shape agents are built from, written as a type (`type CreateAgentParams = { name, prompt, tools,
 * llm }`, `interface AgentConfiguration { name; instructions; tools }`) and taken by the function or
 * constructor that builds an agent (`createReactAgent(params: CreateReactAgentParams)`): each agent is
 * a value of it, with its own prompt and tools. A type only loaded or saved is not how agents are built.
 */
export function agentShapeTypes(ctx: RuleContext): AgentDef[] {
  return ctx.memo('agents:shape-types', () => {
    const out: AgentDef[] = [];
    for (const f of ctx.source) {
      if (f.lang !== 'ts' || UI_PATH.test(f.path)) continue;
      for (const t of f.types) {
        if ((t.kind !== 'interface' && t.kind !== 'alias') || !AGENT_SHAPE_TYPE.test(t.name) || NOT_SHAPE_TYPE.test(t.name)) continue;
        const id = t.members.find((m) => SHAPE_ID.test(m));
        const prompt = t.members.find((m) => PROMPT_KEY.test(m) || SHAPE_PROMPT.test(m));
        const tools = t.members.find((m) => TOOLS_KEY.test(m) || SHAPE_TOOLS.test(m));
        if (!id || !prompt || !tools) continue;
        // Named for what it configures (`CreateReactAgentParams` of `createReactAgent`, `AgentConfiguration` of `class Agent`).
        const base = t.name.replace(/(?:Params|Parameters|Options|Opts|Config|Configuration|Args|Input)$/, '');
        if (base === t.name || !/Agent$/.test(base)) continue;
        const fn = ctx.functionsNamed(base[0].toLowerCase() + base.slice(1))[0];
        const cls = fn ? undefined : ctx.source.flatMap((g) => g.classes.filter((c) => c.name === base).map((c) => ({ file: g.path, line: c.line })))[0];
        const builder = fn ? { file: fn.file, line: fn.line, name: `${fn.name}()` } : cls && { ...cls, name: `new ${base}()` };
        if (!builder) continue;
        out.push({ file: f.path, line: t.line, name: t.name, shape: true, builder: { file: builder.file, line: builder.line, reason: `${builder.name} builds an agent from a ${t.name}` }, reason: `agent shape ${t.name}: each agent is a value with its own ${id}, ${prompt} and ${tools}, built by ${builder.name} (${builder.file.split('/').pop()}:${builder.line})` });
      }
    }
    return out;
  });
}

/** Names for things that start an agent from inside an agent. */
const SUB_NAME =
  /sub_?agents?|managed_?agents?|child_?agents?|spawn(?:ed)?_?(?:sub_?)?agents?|(?:^|_|[a-z])(?:Agent|_agent)_?(?:Tool|tool)$|^(?:Task|Delegate|Delegation|Handoff)_?Tool$|^(?:delegate|handoff)_?to_?agent|^run_?agent_?tool$|^handoffs$/i;
const SUB_TOOL_NAME = /^['"`](?:task|agent|sub[_-]?agent|delegate[\w-]*|spawn[_-]?(?:sub[_-]?)?agent|dispatch[_-]?agent|run[_-]?agent|handoff[\w-]*|new[_-]?task|sub[_-]?task)['"`]$/i;

/** A flag marking the agent a call builds as a sub-agent: `is_subagent`, `isSubAgent`. */
const SUBAGENT_FLAG = /^(?:is_?sub_?agent|isSub[aA]gent)$/;
const SUBAGENT_FLAG_ARG = /^(?:is_?sub_?agent|isSub[aA]gent)\s*=\s*True$/;

/** `/^(?:managed_?agents|managedAgents|sub_?agents|subAgents|subagents|handoffs)$/` as a Set. */
const SUB_PARAMS = new Set(['managed_agents', 'managedagents', 'managedAgents', 'sub_agents', 'subagents', 'subAgents', 'handoffs']);
/** Keys linking a child run to its parent. */
const PARENT_KEY = /^(?:parent_?(?:session|task|agent|thread|run)?_?(?:id|Id|ID)|parent(?:Session|Task|Agent|Thread|Run)(?:Id|ID)?)$/;
/** Framework options that take sub-agents. */
const FRAMEWORK_SUB_KEY = /^(?:subagents|subAgents|sub_agents|managed_agents|managedAgents|handoffs)$/;
const FRAMEWORK_SUB_KEYS = wordSet(FRAMEWORK_SUB_KEY);
/** Loops of model clients, summarisers and UIs, not of an agent. */
const NOT_AGENT_LOOP_FN = /query|send|complet|request|retr(?:y|ies)|summar|stream|commit_?message|chat_message|fetch|get_?action|review/i;
export const NOT_AGENT_CLASS = /Model|Client|Provider|LLM|Summar|Repo$|GUI|View|Component|Renderer|Parser|Comparison/;
const FACTORY_FN = /^(?:create|from_\w+|fromConfig|build|make|new|clone|copy|__new__)$/;

/** A function building text about sub-agents for a prompt (`build_remote_sub_agent_usage_notice`, `_build_available_subagents_description`), not starting one. */
const SUB_TEXT_FN = /(?:description|notice|usage|hint|text|instructions?|summary|docs?|help|info|section|guide|guidance)s?$/i;

export interface AgentSpawn extends Evidence {
  fn: string;
  /** The agent class that is built. */
  child: string;
}

/**
 * Agent classes: classes with a method that runs the model loop (not a model client's retry loop),
 * and `family(name)`: whether a class is one of them or derives from one (through classes in the repo).
 */
export function agentClasses(ctx: RuleContext): { loopClasses: Set<string>; parent: Map<string, string>; family: (name: string) => string | undefined } {
  return ctx.memo('agents:classes', () => {
    const loops: Array<{ cls: string; l: AgentLoop }> = [];
    for (const l of agentLoops(ctx)) {
      const dot = l.fn.lastIndexOf('.');
      if (dot <= 0 || NOT_AGENT_LOOP_FN.test(l.fn.slice(dot + 1))) continue;
      const cls = l.fn.slice(0, dot).split('.').pop()!;
      if (!NOT_AGENT_CLASS.test(cls)) loops.push({ cls, l });
    }
    const parent = new Map<string, string>();
    for (const f of ctx.source) for (const c of f.classes) if (c.extends) parent.set(c.name, baseClassName(c.extends));
    // A loop whose turn is a method of an agent the same function builds (`agent = WebAgent(…)`, then
    // `for step in steps: agent.run_step(step)`) drives that agent from outside: its class is a program
    // that runs an agent (a test generator, a CLI), not an agent.
    const first = new Set(loops.map((x) => x.cls));
    const drives = (cls: string, l: AgentLoop): boolean => {
      const recv = /^(\w+)\.\w+$/.exec(l.modelCall.callee)?.[1];
      if (!recv) return false;
      const bind = (ctx.file(l.file)?.binds ?? []).find((b) => b.fn === l.fn && b.name === recv && b.line < l.modelCall.line);
      const built = bind && /^(?:await\s+)?(?:new\s+)?([A-Z]\w*)(?:\.\w+)?\(/.exec(bind.value)?.[1];
      if (!built) return false;
      const own = lineage(cls, parent);
      return [...lineage(built, parent)].some((n) => first.has(n) && !own.has(n));
    };
    const loopClasses = new Set(loops.filter((x) => !drives(x.cls, x.l)).map((x) => x.cls));
    const family = (name: string): string | undefined => {
      for (let n: string | undefined = name, i = 0; n && i < 8; n = parent.get(n), i++) if (loopClasses.has(n)) return n;
      return undefined;
    };
    return { loopClasses, parent, family };
  });
}

/** Classes derived from an agent class that set their own prompt: roles as agent subclasses. */
export function agentSubclassRoles(ctx: RuleContext): Array<AgentDef & { base: string }> {
  return ctx.memo('agents:subclass-roles', () => {
    const { loopClasses, family, parent } = agentClasses(ctx);
    // Agent base classes that hold the prompt as a field (`abstract class BaseAgent { prompt; invoke() }`):
    // each subclass is built with its own prompt (`new PlannerAgent({ prompt: plannerPrompt })`).
    const promptBases = new Set<string>();
    for (const f of ctx.source) for (const c of f.classes) if (/Agent/.test(c.name) && !NOT_AGENT_CLASS.test(c.name) && c.members.some((m) => PROMPT_KEY.test(m))) promptBases.add(c.name);
    if (!loopClasses.size && !promptBases.size) return [];
    const builtWith = new Map<string, { file: string; line: number; value: string }>();
    if (promptBases.size) {
      for (const f of ctx.source) {
        for (const o of f.objects) {
          if (!o.ctx.startsWith('arg:new ')) continue;
          const k = o.keys.find((x) => PROMPT_KEY.test(x));
          if (k && o.values[k]) builtWith.set(o.ctx.slice(8), { file: f.path, line: o.line, value: o.values[k] });
        }
      }
    }
    const out: Array<AgentDef & { base: string }> = [];
    const seenPrompts = new Set<string>();
    for (const f of ctx.source) {
      for (const c of f.classes) {
        if (loopClasses.has(c.name) || !c.extends) continue;
        const base = family(c.name);
        const prompt = c.members.find((m) => (PROMPT_KEY.test(m) || /prompts?$/i.test(m)) && !formatsMessage(f, c.name, m));
        if (base && prompt) {
          out.push({ file: f.path, line: c.line, name: c.name, base, reason: `agent class ${c.name} (derives from ${base}) sets its own ${prompt}` });
          continue;
        }
        const p = parent.get(c.name);
        const built = builtWith.get(c.name);
        if (!p || !promptBases.has(p) || !built || seenPrompts.has(built.value)) continue;
        seenPrompts.add(built.value);
        out.push({ file: f.path, line: c.line, name: c.name, base: p, reason: `agent class ${c.name} (derives from ${p}) is built with its own prompt (${built.value.slice(0, 40)} at ${built.file.split('/').pop()}:${built.line})` });
      }
    }
    return out;
  });
}

/**
 * A prompt-named member that is a method taking the text it wraps (`def system_message(self, message):
 * return {"role": "system", "content": message}`): it formats any caller's message into the model's
 * message shape, so the class sets no prompt of its own (model-backend classes each have one).
 */
function formatsMessage(f: FileFacts, cls: string, member: string): boolean {
  return f.functions.some((fn) => fn.name === `${cls}.${member}` && fn.params.map(paramName).some((p) => p && p !== 'self' && p !== 'this' && p !== 'cls'));
}

/** Base classes of agent roles by name (`BaseAgent`, `Agent`, `Role`, `AgentBase`). */
const ROLE_BASE_NAME = /(?:Agent|Role)(?:Base)?$/;
/** Classes that hold settings, state or plumbing around agents, not a role. */
const NOT_ROLE_CLASS = /Config|Settings|Options|Error|Exception|Mixin|Test|Mock|Fake|Stub|Factory|Registry|Manager|State|Message|Event|Response|Result|Entry|Hub$/;
/** A class attribute (or a field the constructor sets) naming the role: `agent_type = "architect"`, `name = 'planner'`, `this.NAME = "BROWSER_AGENT"`. */
const IDENTITY_KEY = /^(?:agent_?type|agentType|name|role|alias|display_?name|displayName|type|kind|slug|role_?name|roleName|agent_?name|agentName|agent_?code|agentCode|NAME|ROLE)$/;
/** A literal naming something: `"architect"`, `'BROWSER_AGENT'`. */
const NAME_LITERAL = /^['"`][\w .:/-]*[A-Za-z][\w .:/-]*['"`]$/;
/** A module constant holding a prompt: `ROUTER_PROMPT`, `PROMPT_REACT`, `PLANNER_INSTRUCTIONS`. */
const PROMPT_CONST = /\b[A-Z0-9_]*(?:PROMPT|INSTRUCTIONS?|SYSTEM_MESSAGE)[A-Z0-9_]*\b/;

export interface RoleClass extends AgentDef {
  /** The agent or role base class it derives from (through classes in the repo). */
  base: string;
  /** The literal name the class gives itself, when it sets one. */
  identity?: string;
}

/**
 * Agent roles written as classes: classes deriving (through any of their bases, declared in the repo)
 * from an agent or role base class (a class named `…Agent` / `…Role`, or an agent-loop class) that
 * each give themselves their own identity or prompt: a literal type name as a class attribute
 * (`agent_type = "architect"`), a prompt member, a prompt handed to the base constructor
 * (`super().__init__(system_message=ROUTER_PROMPT…)`), or a module prompt constant used in the class.
 */
export function agentRoleClasses(ctx: RuleContext): RoleClass[] {
  return ctx.memo('agents:role-classes', () => {
    const { loopClasses } = agentClasses(ctx);
    const bases = new Map<string, string[]>();
    for (const f of ctx.source) for (const c of f.classes) if (!bases.has(c.name)) bases.set(c.name, [c.extends, ...(f.lang === 'py' ? c.implements : [])].filter((b): b is string => !!b).map(baseClassName));
    const isBase = (n: string) => bases.has(n) && !NOT_ROLE_CLASS.test(n) && ((ROLE_BASE_NAME.test(n) && !NOT_AGENT_CLASS.test(n)) || loopClasses.has(n));
    const rootOf = (name: string): string | undefined => {
      const seen = new Set([name]);
      let level = bases.get(name) ?? [];
      for (let depth = 0; depth < 6 && level.length; depth++) {
        const hit = level.find(isBase);
        if (hit) return hit;
        level = level.flatMap((b) => bases.get(b) ?? []).filter((b) => !seen.has(b) && (seen.add(b), true));
      }
      return undefined;
    };
    const out: Array<RoleClass & { rank: number }> = [];
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const c of f.classes) {
        if (NOT_ROLE_CLASS.test(c.name) || NOT_AGENT_CLASS.test(c.name)) continue;
        const base = rootOf(c.name);
        if (!base) continue;
        const inClass = (l: number) => l > c.line && l <= c.end;
        const body = f.objects.find((o) => o.ctx === `class:${c.name}` && o.line === c.line);
        const idKey = body?.keys.find((k) => IDENTITY_KEY.test(k) && NAME_LITERAL.test((body.values[k] ?? '').trim()));
        // Else a literal the constructor gives the instance (`self.name = "planner"`, `this.NAME = "BROWSER_AGENT"`).
        const ctorId = idKey ? undefined : f.consts.find((k) => k.kind === 'assign' && (k.fn === `${c.name}.__init__` || k.fn === `${c.name}.constructor`) && IDENTITY_KEY.test(k.name) && NAME_LITERAL.test(k.value.trim()));
        const idText = idKey ? body!.values[idKey].trim() : ctorId?.value.trim();
        const identity = idText?.slice(1, -1);
        // Strongest first: a literal name, a prompt handed to the base, a prompt constant, a prompt-named member.
        let how = idText ? `names itself ${idKey ?? ctorId!.name} = ${idText}` : '';
        let rank = 0;
        let line = ctorId?.line ?? c.line;
        if (!how) {
          const sup = f.objects.find((o) => inClass(o.line) && /^arg:super/.test(o.ctx) && o.keys.some((k) => PROMPT_KEY.test(k) && (o.values[k] ?? k).trim() !== k && !/^[a-z_]\w*$/.test((o.values[k] ?? '').trim())));
          const k = sup?.keys.find((x) => PROMPT_KEY.test(x));
          if (sup && k) [how, rank, line] = [`hands its own ${k} to the base class (${(sup.values[k] ?? '').slice(0, 40)})`, 1, sup.line];
        }
        if (!how) {
          const use = f.calls.find((x) => inClass(x.line) && PROMPT_CONST.test(`${x.callee} ${x.args.join(' ')}`));
          const m = use && PROMPT_CONST.exec(`${use.callee} ${use.args.join(' ')}`);
          if (m) [how, rank, line] = [`builds its prompt from ${m[0]}`, 2, use!.line];
        }
        const member = c.members.find((m) => (PROMPT_KEY.test(m) || /system_?prompt|prompts?$/i.test(m)) && !formatsMessage(f, c.name, m));
        if (!how && member) [how, rank] = [`sets its own ${member}`, 3];
        if (!how) continue;
        out.push({ file: f.path, line, name: c.name, base, identity, literal: !!identity, rank, reason: `agent role class ${c.name} (derives from ${base}) ${how}` });
      }
    }
    return out.map((r, i) => [r, i] as const).sort((a, b) => a[0].rank - b[0].rank || a[1] - b[1]).map(([{ rank: _r, ...r }]) => r);
  });
}

/** The constructions at `lines` exclude one another: each is returned, or each sits in its own literal-comparison branch. */
function alternatives(f: FileFacts, fn: string, lines: number[]): boolean {
  const calls = lines.map((l) => f.calls.find((c) => c.line === l && c.fn === fn));
  if (calls.every((c) => c?.cond)) return true;
  const branchOf = (l: number) => (f.branches ?? []).filter((b) => b.fn === fn && b.line <= l && l <= b.end).sort((a, b) => b.line - a.line)[0];
  const bs = lines.map(branchOf);
  return bs.every((b) => !!b) && new Set(bs).size === bs.length;
}

/** Some call of `name` sits inside a loop of its caller. */
function calledFromLoop(ctx: RuleContext, name: string): boolean {
  return ctx.callsNamed(name).some((c) => ctx.file(c.file)?.loops.some((l) => l.fn === c.fn && l.line <= c.line && c.line <= l.end));
}

/** A prompt template file named in the code: `"src/agents/coder/prompt.jinja2"`, `Path("revisor_prompt.txt")`. */
const PROMPT_FILE = /['"]([\w./-]+\.(?:txt|jinja2?|j2|md|prompt|tmpl|mustache|hbs))['"]/;

export interface PromptFileRole extends Evidence {
  /** The class (or else the function) that holds the prompt it reads from its file. */
  name: string;
  /** Whether `name` is a class. */
  isClass: boolean;
  /** The prompt file as written. */
  path: string;
}

/**
 * Roles written as code, each reading its own prompt template file: a binding whose name or file
 * says prompt and whose value names a template file (`PROMPT = open("src/agents/coder/prompt.jinja2")`,
 * `revisor_prompt_filename = Path("revisor_prompt.txt")`). The role is the class holding the
 * binding, or the one class of the module binding it at top level, or else the function.
 * One entry per distinct file; parsers and UI code are left out. Empty unless three or more
 * prompt files are bound in two or more modules.
 */
export function promptFileRoles(ctx: RuleContext): PromptFileRole[] {
  return ctx.memo('agents:prompt-file-roles', () => {
    const out: PromptFileRole[] = [];
    const seen = new Set<string>();
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path) || PARSE_PATH.test(f.path)) continue;
      for (const b of f.binds ?? []) {
        const m = PROMPT_FILE.exec(b.value);
        if (!m || seen.has(m[1]) || !(/prompt/i.test(b.name) || /prompt/i.test(m[1]))) continue;
        // Bound once for the module or the class (a role's fixed prompt), not rendered inside a method.
        const cls = f.classes.find((c) => c.line <= b.line && b.line <= c.end);
        if (b.fn !== '<top>' && b.fn !== cls?.name) continue;
        const own = f.classes.filter((c) => !NOT_ROLE_CLASS.test(c.name) && !NOT_AGENT_CLASS.test(c.name));
        const role = cls ?? (own.length === 1 ? own[0] : undefined);
        if (role && (NOT_ROLE_CLASS.test(role.name) || NOT_AGENT_CLASS.test(role.name))) continue;
        const name = role?.name ?? f.path.split('/').pop()!.replace(/\.\w+$/, '');
        seen.add(m[1]);
        out.push({ file: f.path, line: b.line, name, isClass: !!role, path: m[1], reason: `${role ? `role class ${role.name}` : `module ${name}`} reads its own prompt from ${m[1]} (${b.name} = ${b.value.slice(0, 50)})` });
      }
    }
    // Several roles: three or more prompt files, bound in two or more modules.
    return out.length >= 3 && new Set(out.map((r) => r.file)).size >= 2 ? out : [];
  });
}

/** A class or factory that builds an agent or a role: `LMMAgent(…)`, `SystemRole(…)`, `self._create_agent(…)`, `create_react_agent(…)`. */
const ROLE_BUILDER = /^(?:[A-Z]\w*(?:Agent|Role|Assistant|Persona)|_?(?:create|make|build|new)_?\w*(?:[Aa]gent|[Rr]ole))$/;
/** The parameter or keyword a builder takes its system prompt by. */
const PROMPT_PARAM = /^(?:system_?prompt|systemPrompt|system_?message|systemMessage|instructions|role_?prompt|rolePrompt|prompt|role|persona)$/;
/** A prompt constant, bare or read from a prompt module: `SHELL_ROLE`, `PROCEDURAL_MEMORY.CODE_AGENT_PROMPT`. */
const PROMPT_CONST_ARG = /^(?:[A-Za-z_]\w*\.)*[A-Z][A-Z0-9_]*(?:PROMPT|ROLE|INSTRUCTIONS?|SYSTEM_MESSAGE|PERSONA)[A-Z0-9_]*$/;
/** Prompts that serve one step of the work rather than a role: a summary, a title, a compaction, a classification. */
const NOT_ROLE_PROMPT = /summar|title|compact|compress|classif/i;

/**
 * Roles written as code by building agents (or role objects), each with its own system prompt:
 * an agent or role class, or a factory named for one, called two or more times with different
 * prompts (`SystemRole("Shell Command Generator", SHELL_ROLE)`, `self._create_agent(REFLECTION_PROMPT)`,
 * `LMMAgent(params, system_prompt=CODE_AGENT_PROMPT)`). The prompt is the argument given by a
 * prompt keyword, at the position of the builder's prompt parameter (resolved in the repo), or a
 * prompt constant; a parameter passed through is not a prompt of its own. Prompts for a summary, a
 * title or a classification are steps, not roles. Empty unless two distinct role prompts are written out
 * (prompt constants or literals).
 */
export function promptedRoleBuilds(ctx: RuleContext): Array<Evidence & { builder: string; prompt: string }> {
  return ctx.memo('agents:prompted-role-builds', () => {
    const out: Array<Evidence & { builder: string; prompt: string }> = [];
    const promptIndex = (name: string): number => {
      const defs = [...ctx.functionsNamed(`${name}.__init__`), ...ctx.functionsNamed(`${name}.constructor`), ...ctx.functionsNamed(name)];
      for (const d of defs) {
        const ps = d.params.map(paramName).filter((p) => p !== 'self' && p !== 'cls');
        const i = ps.findIndex((p) => PROMPT_PARAM.test(p));
        if (i >= 0) return i;
      }
      return -1;
    };
    for (const [name, calls] of ctx.callNames()) {
      if (!ROLE_BUILDER.test(name)) continue;
      let index: number | undefined;
      for (const c of calls) {
        const f = ctx.file(c.file);
        if (!f || UI_PATH.test(f.path)) continue;
        let value: string | undefined;
        for (const a of c.args) {
          const m = /^(\w+)\s*=\s*(.+)$/s.exec(a);
          if (m && PROMPT_PARAM.test(m[1])) value = m[2].trim();
        }
        if (value === undefined) {
          const o = f.objects.find((x) => x.line === c.line && x.ctx === `arg:${c.callee}`);
          const k = o?.keys.find((x) => PROMPT_PARAM.test(x));
          if (k) value = (o!.values[k] ?? '').trim();
        }
        if (value === undefined) {
          index ??= promptIndex(name);
          const positional = c.args.filter((a) => !/^\w+\s*=/.test(a) && !a.startsWith('*'));
          value = index >= 0 ? positional[index]?.trim() : positional.find((a) => PROMPT_CONST_ARG.test(a.trim()))?.trim();
        }
        if (!value || EMPTY_VALUE.test(value) || NOT_ROLE_PROMPT.test(value)) continue;
        // A parameter handed through is the caller's prompt, not one of its own.
        const caller = f.functions.find((x) => x.name === c.fn);
        const bare = /^(?:self\.|this\.)?(\w+)$/.exec(value)?.[1];
        if (bare && /^[a-z_]/.test(bare) && caller?.params.some((p) => paramName(p) === bare)) continue;
        out.push({ file: c.file, line: c.line, builder: c.callee, prompt: value, reason: `${c.callee}(…) builds a role with its own prompt ${value.slice(0, 50)}` });
      }
    }
    // Two distinct prompts written out (constants or literals): a local variable alone may hold the same prompt.
    if (new Set(out.map((x) => x.prompt).filter((p) => PROMPT_CONST_ARG.test(p) || /^[rfbu]?['"`]/i.test(p))).size < 2) return [];
    // One site per distinct prompt first, prompt constants before fields and expressions, in file order.
    const seen = new Set<string>();
    const rank = (x: { prompt: string }) => (seen.has(x.prompt) ? 2 : (seen.add(x.prompt), PROMPT_CONST_ARG.test(x.prompt) ? 0 : 1));
    const sorted = out.sort(bySite);
    const ranks = new Map(sorted.map((x) => [x, rank(x)]));
    return sorted.sort((a, b) => ranks.get(a)! - ranks.get(b)!);
  });
}

/** A function (not a role building itself) that constructs two or more distinct agent types: an orchestrator. */
export function agentTeam(ctx: RuleContext): { file: string; fn: string; agents: { name: string; line: number }[] } | undefined {
  return ctx.memo('agents:team', () => {
    const roles = new Set([...agentSubclassRoles(ctx), ...agentDefinitions(ctx), ...agentRoleClasses(ctx)].map((r) => r.name));
    // Role classes each reading their own prompt file (see promptFileRoles).
    for (const r of promptFileRoles(ctx)) if (r.isClass) roles.add(r.name);
    if (roles.size < 2) return undefined;
    // The constructions (`new PlannerAgent(…)`, `PlannerAgent(…)`), through the by-name index, in file order.
    const built: Located<CallFact>[] = [];
    for (const r of roles) {
      if (!/^[A-Z]\w*$/.test(r)) continue;
      for (const c of ctx.callsNamed(r)) if (c.callee === r || c.callee === `new ${r}`) built.push(c);
    }
    const byFile = byFileInOrder(ctx, built);
    for (const f of ctx.source) {
      const byFn = new Map<string, Map<string, number>>();
      for (const c of byFile.get(f.path) ?? []) {
        // A role building itself is not an orchestrator; a role class that builds other roles is (an orchestrating agent).
        const owner = classOf(c.fn);
        if ((owner.split('.').pop() ?? '') === c.name) continue;
        let agents = byFn.get(c.fn);
        if (!agents) byFn.set(c.fn, (agents = new Map()));
        if (!agents.has(c.name)) agents.set(c.name, c.line);
      }
      for (const [fn, agents] of byFn) {
        if (agents.size < 2) continue;
        // A selector (`if kind == "code": agent = CodeAgent(…) elif …`, `return Developer(…)` per state) builds one
        // agent per call: a team only when it is called again and again from a loop (an orchestrator's turn).
        if (alternatives(f, fn, [...agents.values()]) && !calledFromLoop(ctx, shortName(fn))) continue;
        return { file: f.path, fn, agents: [...agents].map(([name, line]) => ({ name, line })) };
      }
    }
    return undefined;
  });
}

/**
 * Agent loops that start copies of themselves as child agents: inside its loop statement the function
 * holding the turn loop calls itself (outside a `catch`) with a different first argument, so each
 * call is a child run on its own task (`subproblems.map((p) => research(p, …))`). A function that
 * recurses instead of looping is one agent's turns, and a retry passes the same task again.
 */
export function selfSpawningLoops(ctx: RuleContext): Array<Evidence & { fn: string; stop?: Evidence }> {
  return ctx.memo('agents:self-spawning-loops', () => {
    const out: Array<Evidence & { fn: string; stop?: Evidence }> = [];
    const seen = new Set<string>();
    for (const l of agentLoops(ctx)) {
      if (!l.loop || seen.has(`${l.file}#${l.fn}`)) continue;
      const own = shortName(l.fn);
      const c = l.body.find((x) => x.name === own && !x.inCatch && new RegExp(`^(?:(?:this|self)\\.)?${own}$`).test(x.callee));
      if (!c) continue;
      const def = ctx.file(l.file)?.functions.find((fn) => fn.name === l.fn);
      const first = def?.params.find((p) => p !== 'self' && p !== 'this');
      const arg = (c.args[0] ?? '').trim();
      if (!def || !first || !arg || arg === first || arg.startsWith(`${first}.`) || arg.startsWith('{')) continue;
      seen.add(`${l.file}#${l.fn}`);
      // The spawning is gated on a parameter (`if (teamSize > 1)`) that the child receives as a literal
      // failing the gate (`research(sub, …, 1)`): children cannot spawn again.
      const params = def.params.filter((p) => p !== 'self' && p !== 'this');
      let stop: Evidence | undefined;
      for (const cmp of ctx.file(l.file)!.compares ?? []) {
        if (cmp.fn !== l.fn || cmp.line > c.line || cmp.line < c.line - 12) continue;
        const m = /^([A-Za-z_]\w*)\s*(>=?)\s*(\d+)$/.exec(cmp.text.trim());
        const i = m ? params.indexOf(m[1]) : -1;
        const given = i >= 0 ? Number((c.args[i] ?? '').trim()) : NaN;
        if (!m || Number.isNaN(given) || (m[2] === '>' ? given > Number(m[3]) : given >= Number(m[3]))) continue;
        stop = { file: l.file, line: c.line, reason: `children are started with ${m[1]} = ${given}, which fails the gate ${cmp.text.trim()} (line ${cmp.line}) that lets an agent spawn, so nesting stops at one level` };
        break;
      }
      out.push({ file: l.file, line: c.line, fn: l.fn, stop, reason: `${l.fn}() starts copies of its own agent loop as child agents: ${c.callee}(${arg.slice(0, 40)}, …) inside its turn loop (line ${l.line})` });
    }
    return out;
  });
}

/** An object handed to a create/spawn/start call inside lines `from`..`to` that links a child run to its parent (`createSession({ parentSessionId })`). */
function childRunIn(f: FileFacts, from: number, to: number): { line: number; how: string } | undefined {
  const child = f.objects.find((x) => x.line >= from && x.line <= to && x.ctx.startsWith('arg:') && /create|spawn|start|launch|run|new /i.test(x.ctx) && x.keys.some((k) => PARENT_KEY.test(k)));
  return child && { line: child.line, how: `starts a child agent run linked to its parent (${child.ctx.slice(4, 44)}({ ${child.keys.find((k) => PARENT_KEY.test(k))} }))` };
}

/** A class and the classes it derives from (through classes in the repo). */
function lineage(name: string, parent: Map<string, string>): Set<string> {
  const out = new Set<string>();
  for (let n: string | undefined = name, i = 0; n && i < 8 && !out.has(n); n = parent.get(n), i++) out.add(n);
  return out;
}

/**
 * A holder, not a spawn: a method of a class outside the built agent's lineage (a protocol adapter,
 * a chat context, a session server) binds the agent it builds (`agent = Agent(...)` kept in a
 * session map, `self.agent0 = Agent(...)`) and calls nothing on it there. The holder drives that
 * agent as the top-level one; it does not start a sub-agent of a running agent.
 */
function heldNotRun(f: FileFacts, c: CallFact, child: string, parent: Map<string, string>): boolean {
  const dot = c.fn.lastIndexOf('.');
  const owner = dot > 0 ? c.fn.slice(0, dot).split('.').pop()! : '';
  if (!owner) return false;
  const own = lineage(owner, parent);
  for (const n of lineage(child, parent)) if (own.has(n)) return false;
  const bind = (f.binds ?? []).find((b) => b.line === c.line && b.fn === c.fn);
  if (!bind) return false;
  const v = bind.name.replace(/^(?:self|this)\./, '');
  const used = new RegExp(`^(?:(?:self|this)\\.)?${v.replace(/[^\w]/g, '')}\\.`);
  return !f.calls.some((x) => x.fn === c.fn && x.line > c.line && used.test(x.callee));
}

/**
 * The places where a method of an agent class (see agentClasses) builds another agent: `new Agent(...)`, `Agent.create(...)`,
 * `DefaultAgent.from_config(...)`. Factories (`Agent.create` itself) are not spawns.
 */
export function agentSpawns(ctx: RuleContext): AgentSpawn[] {
  return ctx.memo('agents:spawns', () => {
    const { loopClasses, family, parent } = agentClasses(ctx);
    if (!loopClasses.size) return [];
    const out: AgentSpawn[] = [];
    // Whether a function is a (non-factory) method of an agent class, once per function name.
    const inAgent = new Map<string, boolean>();
    const agentMethod = (fn: string): boolean => {
      const dot = fn.lastIndexOf('.');
      // A constructor that builds an agent holds it (a server or a wrapper around one session): it
      // starts no sub-agent of a running agent.
      if (dot <= 0 || FACTORY_FN.test(fn.slice(dot + 1)) || /^(?:__init__|constructor)$/.test(fn.slice(dot + 1))) return false;
      return !!family(fn.slice(0, dot).split('.').pop()!);
    };
    // A file's calls come in runs of one function: the look-up once per run.
    let lastFn: string | undefined;
    let ok = false;
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (c.fn !== lastFn) {
          lastFn = c.fn;
          const had = inAgent.get(c.fn);
          if (had === undefined) inAgent.set(c.fn, (ok = agentMethod(c.fn)));
          else ok = had;
        }
        if (!ok) continue;
        const m = /^(?:new\s+)?([A-Z]\w*)(?:\.(?:create|from_\w+|fromConfig|build|spawn))?$/.exec(c.callee);
        if (!m || !family(m[1])) continue;
        if (heldNotRun(f, c, m[1], parent)) continue;
        out.push({ file: f.path, line: c.line, fn: c.fn, child: m[1], reason: `${c.fn}() builds another agent: ${c.callee}(...)` });
      }
    }
    return out;
  });
}

/** The methods that add to a list, as an agent's handoff list is added to after it is built (HANDOFF_ADD). */
const HANDOFF_ADD_METHODS = ['append', 'extend', 'push', 'add', 'insert'];
/** Adding to an agent's handoff list after it is built: `agent.handoffs.append(x)`, `agent.handoffs.extend([…])`, `agent.handoffs.push(x)`. */
const HANDOFF_ADD = new RegExp(`(?:^|\\.)handoffs\\.(?:${HANDOFF_ADD_METHODS.join('|')})$`);
/** The module of a framework whose `handoff()` wraps an agent as a handoff target: OpenAI's Agents SDK (`agents`, `@openai/agents`). */
const HANDOFF_MODULE = /^(?:agents|agents\.\w+|@openai\/agents(?:-core)?)$/;

/**
 * Handoffs wired as calls rather than a `handoffs` option given at construction: an agent's handoff list added to
 * after the agents exist (they refer to one another, so the list is filled once all are built), or the framework's
 * `handoff(agent=…)` wrapping a target agent. The conversation moves to the other agent, which runs with its own
 * instructions and tools: a sub-agent the framework starts.
 */
export function handoffWiring(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:handoff-wiring', () => {
    const out: Evidence[] = [];
    for (const n of HANDOFF_ADD_METHODS) {
      for (const c of ctx.callsNamed(n)) {
        if (!HANDOFF_ADD.test(c.callee) || !c.args.some((a) => a.trim() && !EMPTY_COLLECTION.test(a.trim()))) continue;
        out.push({ file: c.file, line: c.line, reason: `${c.callee}(${c.args.join(', ').slice(0, 50)}) hands the conversation to other agents` });
      }
    }
    for (const c of ctx.callsNamed('handoff')) {
      if (c.callee !== 'handoff' || !c.args.length) continue;
      const f = ctx.file(c.file);
      if (!f?.imports.some((i) => HANDOFF_MODULE.test(i.from) && i.names.includes('handoff'))) continue;
      out.push({ file: c.file, line: c.line, reason: `handoff(${c.args.join(', ').slice(0, 50)}) makes another agent a handoff target` });
    }
    return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  });
}

export interface SubagentSite extends Evidence {
  name: string;
  /** Lower is stronger evidence: a sub-agent tool, a spawn function, a managed-agents parameter, a class. */
  rank: number;
}

export function subagentSites(ctx: RuleContext): SubagentSite[] {
  return ctx.memo('agents:subagents', () => {
    const out: SubagentSite[] = [];
    const seen = new Set<string>();
    const add = (f: FileFacts, line: number, name: string, reason: string, rank: number) => {
      const k = `${f.path}#${name}`;
      if (seen.has(k)) return;
      seen.add(k);
      out.push({ file: f.path, line, name, reason, rank });
    };
    const front = webFrontends(ctx);
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path) || PARSE_PATH.test(f.path) || inDirs(f.path, front)) continue;
      for (const c of f.classes) {
        if (SUB_NAME.test(c.name) && !DISPLAY.test(c.name)) add(f, c.line, c.name, `class ${c.name} runs another agent`, /sub_?agent|tool$/i.test(c.name) ? 2 : 4);
      }
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (SUB_NAME.test(short) && !DISPLAY.test(short) && !SUB_TEXT_FN.test(short) && /^_*(?:spawn|run|create|launch|start|invoke|delegate|execute|setup|call|build|make|new)/i.test(short)) {
          add(f, fn.line, fn.name, `${fn.name}() starts sub-agents`, 1);
        }
        for (const p of fn.params) if (SUB_PARAMS.has(p)) add(f, fn.line, p, `${fn.name}() takes ${p}`, 3);
      }
    }
    for (const d of toolDeclarations(ctx)) {
      const f = ctx.file(d.file);
      if (!f) continue;
      const o = f.objects.find((x) => x.line === d.line);
      const nameVal = o?.values.name ?? `'${d.name}'`;
      if (SUB_TOOL_NAME.test(nameVal)) {
        // A declaration carrying the code it runs before a schema written for the prompt only.
        add(f, d.line, d.name, `tool ${nameVal} starts a sub-agent`, d.hasExec ? 0 : 0.5);
        continue;
      }
      // A tool that creates a child run linked to the current one (`createSession({ parentSessionId })`).
      const end = d.end ?? d.line;
      const child = childRunIn(f, d.line, end);
      if (child) add(f, child.line, d.name, `tool ${d.name} ${child.how}`, 1);
    }
    // A tool whose own code runs the agent loop (through up to three calls): a sub-agent, whatever its name.
    for (const t of toolsRunningAgents(ctx)) {
      const f = ctx.file(t.file);
      if (f) add(f, t.line, t.name, t.reason, 0.5);
    }
    // The same for tool objects the declaration finder does not take (`{ name, handler, schema, toolSpec }`).
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const t of f.objects) {
        // A tool class named for starting sub-agents that runs code (`class NewTaskTool { name = 'new_task' as const; execute() }`).
        if (t.ctx.startsWith('class:') && t.keys.includes('name') && t.keys.some((k) => EXEC_KEY.test(k))) {
          const nv = (t.values.name ?? '').replace(/\s+as\s+const$/, '');
          if (SUB_TOOL_NAME.test(nv)) add(f, t.line, t.ctx.slice(6), `tool class ${t.ctx.slice(6)} (${nv}) starts a sub-agent`, 0);
        }
        if (t.end - t.line < 3 || !t.keys.includes('name') || !t.keys.some((k) => EXEC_KEY.test(k)) || !t.keys.some((k) => SCHEMA_KEY.test(k))) continue;
        const child = childRunIn(f, t.line + 1, t.end);
        const label = /^['"`]/.test(t.values.name ?? '') ? t.values.name.replace(/^['"`]|['"`]$/g, '') : t.ctx.replace(/^\w+:/, '');
        if (child) add(f, child.line, label, `tool ${label} ${child.how}`, 1);
      }
    }
    // Agent configuration handed to a framework: `create_deep_agent(subagents=[…])`, `new Agent({ handoffs: […] })`.
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:')) continue;
        const k = o.keys.find((x) => FRAMEWORK_SUB_KEYS.has(x));
        if (!k || /^(?:\[\s*\]|None|undefined|null|\{\s*\})$/.test((o.values[k] ?? '').trim())) continue;
        add(f, o.line, k, `${o.ctx.slice(4, 44)}(${k}=…) hands sub-agents to the framework`, 3);
      }
    }
    // Handoffs wired after the agents are built (see HANDOFF_ADD, handoffWiring): `triage.handoffs.append(faq)`,
    // `flights.handoffs.extend([handoff(agent=booking, on_handoff=…), triage])`.
    for (const h of handoffWiring(ctx)) {
      const f = ctx.file(h.file);
      if (f && !UI_PATH.test(f.path)) add(f, h.line, 'handoffs', h.reason, 3);
    }
    // An agent built or run flagged as a sub-agent (`Runner(profile, is_subagent=True)`, `createAgent({ isSubagent: true })`):
    // the call that starts a child agent, wherever it sits (a tool class whose name is not a sub-agent word).
    for (const f of ctx.source) {
      if (f.role !== 'source' || UI_PATH.test(f.path)) continue;
      for (const c of f.calls) {
        if (c.fn === '<top>' || !c.args.some((a) => SUBAGENT_FLAG_ARG.test(a.trim()))) continue;
        add(f, c.line, c.fn, `${c.fn}() starts an agent flagged as a sub-agent: ${c.callee.slice(0, 40)}(…, ${c.args.find((a) => SUBAGENT_FLAG_ARG.test(a.trim()))!.trim()})`, 1);
      }
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:') || o.fn === '<top>') continue;
        const k = o.keys.find((x) => SUBAGENT_FLAG.test(x) && (o.values[x] ?? '').trim() === 'true');
        if (k) add(f, o.line, o.fn, `${o.fn}() starts an agent flagged as a sub-agent: ${o.ctx.slice(4, 44)}({ ${k}: true })`, 1);
      }
    }
    // An agent loop that runs copies of itself on sub-tasks.
    for (const s of selfSpawningLoops(ctx)) {
      const f = ctx.file(s.file);
      if (f) add(f, s.line, s.fn, s.reason, 2);
    }
    // An agent class whose method builds and runs another agent (`Coder.create(...)`, `DefaultAgent.from_config(...)`).
    for (const s of agentSpawns(ctx)) {
      const f = ctx.file(s.file);
      if (f) add(f, s.line, s.fn, s.reason, 2);
    }
    return out.sort((a, b) => a.rank - b.rank);
  });
}

/** Where a tool set is narrowed: a filter over tools by membership, an allow/exclude list. */
const FILTER_ARG = /\.has\(|\.includes\(|[Aa]llow|[Ee]nabled|[Aa]ctive|[Ee]xclude|[Pp]ermit|[Cc]ategor|\bin\b|indexOf|[Dd]isabled|\.kind\b|readOnly|ReadOnly/;
const NOT_TOOLSET = /toolCalls|tool_calls|toolResults|toolMsg|toolExecution|toolUse|toolArgs|toolOutputs/i;
export const POOL_NAME =
  /^_?(?:(?:allowed|excluded?|disabled|enabled|active|included?|selected|permitted|core|main_?agent|initial_?active)_?tools?(?:_?names?|_?by_?name|_?list|_?set|_?ids)?|set_?active_?tools\w*|filter_?tools|get_?tools_?for_?\w+|tools_?for(?:_?(?:agent|session|mode|role|type))?|tool_?pool\w*|pool_?for\w*|tool_?allow_?list|tool_?deny_?list|tool_?filter|allowed-tools|disallowed_?tools|disallowedTools)$/i;

/** A function named for the allow- or deny-list of tools it applies: `_enforce_playbook_tool_allowlist`, `applyToolDenylist`. */
const LIST_POLICY_FN = /tools?_?(?:allow|deny|block|white|black)_?list|(?:allow|deny|block|white|black)_?list(?:ed)?_?tools?/i;
/** A parameter holding the tool list: `tools`, `tool_list`, `available_tools`. */
const TOOLS_PARAM = /^(?:\w+_)?tools?(?:_?list)?$|^\w*Tools$/;

/** A predicate comparing one field of the element with a literal: `(entry) => entry.category === "custom"`. */
const FIXED_PART = /^\(?\s*(\w+)\s*\)?\s*=>\s*\1\.\w+\s*[!=]==?\s*(['"])[^'"]*\2$/;

/**
 * A Python condition on the element alone: one of its fields compared with a literal (`t.kind == "builtin"`,
 * `t["type"] != 'mcp'`) or its own flag (`toolset.enabled`, `not t.is_disabled()`). A fixed part of the catalogue
 * as configured, not a selection made per agent or session.
 */
const FIXED_PART_PY = /^\w+(?:\.\w+|\[['"]\w+['"]\])+\s*[!=]=\s*(['"])[^'"]*\1$|^(?:not\s+)?\w+(?:\.\w+)+(?:\(\))?$/;
/**
 * A comprehension's condition naming the selection it keeps: an allow, enable or exclude list, a grant, or
 * membership in an agent's, profile's or mode's own list. Membership alone (`t.name not in seen`) is a dedup.
 */
const SIEVE_SELECTION = /allow|active|enabl|exclud|disabl|permit|selected|granted|\bin\s+[\w.]*(?:agent|profile|mode|role|spec|definition)\w*\.\w*tools?\b/i;

/** `onTools`: the filtered collection is itself named as tools (not servers or messages matched by the predicate). */
export function toolFilters(ctx: RuleContext): Array<Evidence & { strong: boolean; onTools?: boolean }> {
  return ctx.memo('agents:tool-filters', () => {
    const out: Array<Evidence & { strong: boolean; onTools?: boolean }> = [];
    const named: Array<Evidence & { strong: boolean; onTools?: boolean }> = [];
    const front = webFrontends(ctx);
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path) || inDirs(f.path, front)) continue;
      for (const c of f.calls) {
        if (c.name !== 'filter' && c.name !== 'select') continue;
        const recv = c.callee.slice(0, -c.name.length - 1);
        const arg = c.args.join(' ');
        if (!(/tool|registry|catalog/i.test(recv) || /\btools\b/.test(arg)) || NOT_TOOLSET.test(recv) || /\)\s*:\s*\w+ is /.test(arg) || !FILTER_ARG.test(arg)) continue;
        // A fixed part of the registry (`entries.filter((e) => e.category === "custom")`, all of whose tools are then
        // used): the predicate compares a field with a literal only, so nothing per agent, session or mode narrows it.
        if (FIXED_PART.test(arg.trim())) continue;
        const strong = /[Aa]llow|[Aa]ctive|[Ee]nabled|[Ee]xclude|[Pp]ermit|\bin\b|[Cc]ategor|[Ss]kill|[Aa]gent|[Mm]ode|readOnly|ReadOnly|\.kind\b/.test(arg);
        out.push({ file: f.path, line: c.line, reason: `${recv.slice(0, 40)}.filter(${(c.args[0] ?? '').slice(0, 50)}) narrows the tool set in ${c.fn}()`, strong, onTools: /tool/i.test(recv) });
      }
      // Python: [t for t in tools if t.name in allowed] is not a call; accept pool-named functions.
      // Only the name says what such a function does (an opt-in include/exclude helper, a settings
      // serialiser are named so too): it leads over weak filter calls but is not a strong finding.
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (POOL_NAME.test(short) && ctx.callsNamed(short).length) named.push({ file: f.path, line: fn.line, reason: `${fn.name}() selects the tool set and is called`, strong: false, onTools: true });
        // A function given the tool list and named for the allow- or deny-list it applies (`_enforce_playbook_tool_allowlist(self,
        // tools, ctx)`, `applyToolDenylist(tools, policy)`), whose result the caller binds back to the list it passed.
        else if (LIST_POLICY_FN.test(short) && fn.params.some((p) => TOOLS_PARAM.test(paramName(p)))) {
          const use = ctx.callsNamed(short).find((c) => { const a = (c.args[0] ?? '').trim(); return /^[A-Za-z_]\w*$/.test(a) && (ctx.file(c.file)?.binds ?? []).some((b) => b.line === c.line && b.fn === c.fn && b.name === a); });
          if (use) named.push({ file: use.file, line: use.line, reason: `${use.callee}(${(use.args[0] ?? '').trim()}, …) narrows the tool set through an ${/deny|block|black/i.test(short) ? 'exclude' : 'allow'} list and binds the result back (${fn.name} at ${f.path.split('/').pop()}:${fn.line})`, strong: false, onTools: true });
        }
      }
    }
    // A filter call over the tools shows the narrowing itself; a pool-named function only names it.
    return [...out.filter((x) => x.strong), ...named, ...out.filter((x) => !x.strong)];
  });
}

/**
 * Python's filter over the tools: a comprehension over the tools (or against a tool list) keeping those a selection
 * allows (`{n: c for n, c in self._tools.items() if n in enabled}`, `[t for t in tools if t.name in allowed]`), in
 * agent-slice order. Not a fixed part of the catalogue (`t.kind == "mcp"`, `t.enabled`) nor a dedup (`not in seen`).
 */
export function toolSieves(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:tool-sieves', () => {
    const out: Evidence[] = [];
    const front = webFrontends(ctx);
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path) || inDirs(f.path, front)) continue;
      for (const s of f.sieves ?? []) {
        const recv = s.coll.replace(/\.(?:items|values|keys)\(\)$/, '');
        if (!(/tool|registry|catalog/i.test(recv) || /tools?\b/i.test(s.cond)) || NOT_TOOLSET.test(recv) || !SIEVE_SELECTION.test(s.cond) || FIXED_PART_PY.test(s.cond.trim())) continue;
        out.push({ file: f.path, line: s.line, reason: `a comprehension over ${recv.slice(0, 40)} keeps the tools where ${s.cond.slice(0, 50)} in ${s.fn}()` });
      }
    }
    return out;
  });
}

/** An agent's tool section in a configuration file: `agent.tools`, `agents[2].tools`, `agent.allowed_tools`. */
const CONFIG_AGENT_TOOLS = /^(.*?(?:^|\.)agents?(?:\[\d+\])?\.(?:tools|toolset|tool_?names|allowed_?tools))(?=$|[.[])/;

/**
 * Tool sets declared per agent in configuration: each agent configuration lists its own tools
 * (bundles, names), and at least two of them list different tools. Returns one entry per distinct
 * tool set, at the line where its list starts.
 */
export function configToolPools(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:config-tool-pools', () => {
    const sets = new Map<string, Evidence>();
    for (const c of ctx.facts.configs ?? []) {
      const byAgent = new Map<string, { line: number; items: string[] }>();
      for (const e of c.entries) {
        const m = CONFIG_AGENT_TOOLS.exec(e.path);
        if (!m) continue;
        const rest = e.path.slice(m[1].length);
        // Only list items under the section name tools: `bundles[0].path`, `[1]`, `allowed[0]`.
        if (!rest.includes('[') || e.value === '') {
          if (!byAgent.has(m[1])) byAgent.set(m[1], { line: e.line, items: [] });
          continue;
        }
        const a = byAgent.get(m[1]) ?? { line: e.line, items: [] };
        a.items.push(e.value);
        byAgent.set(m[1], a);
      }
      for (const [path, a] of byAgent) {
        if (!a.items.length) continue;
        const sig = [...new Set(a.items)].sort().join('|');
        if (!sets.has(sig)) sets.set(sig, { file: c.path, line: a.line, reason: `${path} lists this agent's tools (${[...new Set(a.items)].slice(0, 3).join(', ').slice(0, 70)})` });
      }
    }
    return sets.size >= 2 ? [...sets.values()] : [];
  });
}

/**
 * An agent class whose tool set is a per-instance option: its constructor takes a tools parameter,
 * or its file declares the options type with a tools member (`interface AgentOptions { tools?: Tool[] }`).
 */
export function perInstanceToolOption(ctx: RuleContext): Evidence | undefined {
  return ctx.memo('agents:per-instance-tools', () => {
    const { loopClasses } = agentClasses(ctx);
    for (const f of ctx.source) {
      for (const c of f.classes) {
        if (!loopClasses.has(c.name)) continue;
        const ctor = f.functions.find((fn) => fn.name === `${c.name}.constructor` || fn.name === `${c.name}.__init__`);
        const p = ctor?.params.find((x) => TOOLS_KEY.test(x));
        if (ctor && p) return { file: f.path, line: ctor.line, reason: `${c.name} takes its tool set per instance (${p})` };
        const t = f.types.find((x) => /Options|Config|Params|Settings|Props|Init/.test(x.name) && x.members.some((m) => TOOLS_KEY.test(m.replace(/\?$/, ''))));
        if (t && ctor) return { file: f.path, line: t.line, reason: `${c.name} takes its tool set per instance (${t.name}.${t.members.find((m) => TOOLS_KEY.test(m.replace(/\?$/, '')))})` };
      }
    }
    return undefined;
  });
}

/** Pool-named identifiers (config keys, fields, params) anywhere in source: declared vocabulary. */
export function poolVocabulary(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:pool-vocab', () => {
    const out: Evidence[] = [];
    for (const f of ctx.source) {
      for (const c of f.consts) if (POOL_NAME.test(c.name)) out.push({ file: f.path, line: c.line, reason: `${c.name} = ${c.value}` });
      for (const o of f.objects) for (const k of o.keys) if (POOL_NAME.test(k)) out.push({ file: f.path, line: o.line, reason: `${k} declared` });
      for (const k in f.reads) if (POOL_NAME.test(k)) out.push({ file: f.path, line: f.reads[k][0], reason: `${k} read` });
      if (out.length > 20) break;
    }
    return out;
  });
}

/** The tool list of an agent definition or configuration: `definition.toolConfig.tools`, `config.tools`, `agent.allowed_tools`. */
const DEF_TOOL_LIST = /\b\w+(?:\.\w+)*\.(?:tools|toolConfig|tool_config|allowedTools|allowed_tools|toolNames|tool_names|toolset|toolSet|availableTools|available_tools|enabledTools)\b/;

/**
 * A fresh tool registry built for one agent and filled only from that agent's own tool list: in one
 * function, `new ToolRegistry(...)` and either a register call taking the definition's tools
 * (`registry.register(config.tools.map(...))`) or a loop over them (`for (const t of definition.toolConfig.tools)`).
 */
export function perAgentRegistries(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:per-agent-registries', () => {
    const out: Evidence[] = [];
    // Only files with a call named `…Registry` (a `new …Registry` callee is named so) are looked at.
    const gate = callsPassing(ctx, 'agents:registry-names', (n) => n.endsWith('Registry'));
    for (const f of ctx.source) {
      if (!gate.files.has(f.path) || UI_PATH.test(f.path)) continue;
      for (const c of f.calls) {
        // `new …Registry` only: the suffix test before the pattern.
        if (!c.callee.endsWith('Registry') || !c.callee.startsWith('new ') || !/^new \w*Tool\w*Registry$|^new \w*Registry$/.test(c.callee) || c.fn === '<top>') continue;
        if (!/tool/i.test(c.callee) && !f.calls.some((x) => x.fn === c.fn && /^register\w*Tools?$/i.test(x.name))) continue;
        const reg = f.calls.find((x) => x.fn === c.fn && x.line > c.line && /^register/i.test(x.name) && DEF_TOOL_LIST.test(x.args.join(' ')));
        const loop = f.loops.find((l) => l.fn === c.fn && l.line > c.line && DEF_TOOL_LIST.test(l.cond) && !/\bparent|getAll/i.test(l.cond));
        const src = reg ? reg.args.join(' ') : loop?.cond;
        if (!src) continue;
        const list = DEF_TOOL_LIST.exec(src)![0];
        out.push({ file: f.path, line: c.line, reason: `${c.fn}() builds a fresh ${c.callee.slice(4)} for the agent and fills it only from ${list.slice(0, 50)} (line ${reg?.line ?? loop!.line})` });
        break;
      }
    }
    return out;
  });
}

/** Parameters that name a mode or an agent kind: `mode`, `agentMode`, `kind`, `agent_type`, `role`, `profile`. */
const MODE_PARAM = /^(?:mode|\w*Mode|\w+_mode|kind|\w*Kind|\w+_kind|agent_?[tT]ype|\w*AgentType|subagent_?[tT]ype|role|\w+_role|\w*Role|profile|persona|preset|agent_?[nN]ame)$/;
/** Calls that add a tool to a collection being assembled. */
const ADD_TOOL = /^(?:push|append|add|extend|register|registerTool|registerTools|addTool|addTools|set|update|insert)$/;
const ADD_TOOL_NAMES = [...wordSet(ADD_TOOL)];
/** Collections of the model's tool calls and their results, not of tools offered. */
const TOOL_TRAFFIC = /tool_?(?:calls?|uses?|results?|outputs?|messages?|args|responses?)/i;
/**
 * A collection named for the tools or actions offered: `toolDict`, `actionSchemas`, `tools`, `function_map`; not one
 * tool's own record (`converted_tool["filters"] = …` fills in the fields of a single tool).
 */
const TOOL_RECORD = /tools|toolset|actions|functions|(?:tool|action|function)_?(?:dict|map|set|list|registry|schemas|table)/i;
/** The parameter a bare flag test reads (`allowSearch` in `if (!allowSearch)`, `enable_web` in `if not enable_web`), else ''. */
const flagParam = (cond: string): string => {
  const p = /^(?:!\s*|not\s+)?([A-Za-z_$][\w$]*)$/.exec(cond.trim())?.[1] ?? '';
  return BOOL_FLAG.test(p) ? p : '';
};
/** A name for a boolean switch: `allowSearch`, `enable_web`, `useReAct`, `include_browser`, `webEnabled`. */
const BOOL_FLAG = /^_?(?:allow|enable|use|include|with|can|should|has|is)(?:_|[A-Z])|(?:_?[eE]nabled|_?[aA]llowed|_?[aA]vailable)$/;
/** The object a flag test reads (`profile` in `!profile.useWebTools`, `features` in `features.has('x')`). */
const FLAG_HEAD = /^(?:!\s*|not\s+)?([A-Za-z_$][\w$]*)\??\./;

export interface ToolSetFactory extends Evidence {
  /** The factory function (`createTools`). */
  fn: string;
  /** A call of the factory from another function, with the mode it passes: the tool set chosen per agent or mode. */
  call?: Evidence;
  /** The call resolves to the factory through the caller's imports or file (not by name alone), and the factory branches on a mode or agent kind (not on flags of another parameter). */
  resolved: boolean;
}

/**
 * Conditional tool-set factories: a function taking a mode or agent kind (`createTools(bash, mode)`)
 * that declares or adds tools inside branches chosen by that parameter (`if (mode === 'agent') { tools.x = tool(…) }`,
 * `if mode != 'plan': return tools` followed by more tools), called from another function. Each
 * call then gets the tool set of the mode or agent it passes.
 */
export function conditionalToolSets(ctx: RuleContext): ToolSetFactory[] {
  return ctx.memo('agents:conditional-tool-sets', () => {
    const declLines = new Map<string, number[]>();
    for (const d of toolDeclarations(ctx)) {
      const l = declLines.get(d.file);
      if (l) l.push(d.line);
      else declLines.set(d.file, [d.line]);
    }
    const out: ToolSetFactory[] = [];
    for (const f of ctx.source) {
      if (!f.branches?.length && !f.guards.length && !f.flagIfs?.length) continue;
      const decls = declLines.get(f.path) ?? [];
      const flagsByFn = new Map<string, BranchFact[]>();
      for (const b of f.flagIfs ?? []) flagsByFn.set(b.fn, [...(flagsByFn.get(b.fn) ?? []), b]);
      for (const fn of f.functions) {
        // Python keeps a parameter's annotation and default in its text (`team_role: str | None = None`): test the name.
        const all = fn.params.map(paramName).filter((p) => p && p !== 'self' && p !== 'this');
        const params = all.filter((p) => MODE_PARAM.test(p));
        // Flag tests on one of the parameters (`profile.useWebTools`, `features.has('survey')`).
        // Or on a flag that is itself a parameter (`getSchema(allowSearch, allowRead)`: `if (allowSearch) …`, `if enable_web:`).
        const flagIfs = (flagsByFn.get(fn.name) ?? []).filter((b) => all.includes(FLAG_HEAD.exec(b.cond)?.[1] ?? '') || all.includes(flagParam(b.cond)));
        if (!params.length && flagIfs.length < 2) continue;
        const mentions = (cond: string) => params.some((p) => new RegExp(`(?:^|[^\\w.])${p}\\b`).test(cond));
        const inside = (l: number) => l > fn.line && l <= fn.end;
        // Tools added in this function: declarations, and add calls on a tool collection (`tools.push(…)`, `Object.assign(toolSet, …)`).
        const added = [
          ...decls.filter(inside),
          ...f.calls.filter((c) => c.fn === fn.name && ((ADD_TOOL.test(c.name) && /tool/i.test(c.callee.slice(0, -c.name.length))) || (c.callee === 'Object.assign' && /tool/i.test(c.args[0] ?? '')))).map((c) => c.line),
          // Entries set on a tool record (`toolDict[name] = tool`, `actionSchemas.search = z.object(…)`, `tools["web"] = WebTool()`).
          ...(f.entrySets ?? []).filter((x) => x.fn === fn.name && TOOL_RECORD.test(x.target) && !TOOL_TRAFFIC.test(x.target)).map((x) => x.line),
          // The record rebuilt with more entries spread in (`toolDict = { ...toolDict, ...browserTools }`).
          ...(f.binds ?? []).filter((b) => b.fn === fn.name && TOOL_RECORD.test(b.name) && !TOOL_TRAFFIC.test(b.name) && b.value.includes(`...${b.name}`)).map((b) => b.line),
        ];
        if (added.length < 2) continue;
        // Adds to the model's tool calls or results (`tool_result_content.append(…)`) assemble a message, not a tool set.
        const traffic = new Set(flagIfs.length ? f.calls.filter((c) => c.fn === fn.name && added.includes(c.line) && TOOL_TRAFFIC.test(c.name === 'assign' ? c.args[0] ?? '' : c.callee)).map((c) => c.line) : []);
        const offered = added.filter((l) => !traffic.has(l));
        let site: { line: number; cond: string; flags?: boolean } | undefined;
        // Tool groups switched on by two or more flags of one parameter (`if (profile.useAiderTools) Object.assign(toolSet, …)`,
        // `if features.has('survey'): tools.append(…)`): the set follows the profile or feature set the caller passes.
        const gated = new Map<string, Set<string>>();
        for (const b of flagIfs) {
          // Flags that are parameters themselves are grouped together: one flag per tool, all passed by the caller.
          const p = FLAG_HEAD.exec(b.cond)?.[1] ?? 'its flag parameters';
          // A one-line `if (config.useReAct) toolDict[name] = tool` adds on the test's own line.
          if (!offered.some((l) => (l > b.line || (l === b.line && b.end === b.line)) && l <= b.end)) continue;
          const s = gated.get(p) ?? new Set<string>();
          s.add(b.cond.replace(/^(?:!\s*|not\s+)/, ''));
          gated.set(p, s);
          if (s.size >= 2) {
            const first = flagIfs.find((x) => x.cond.replace(/^(?:!\s*|not\s+)/, '') === [...s][0])!;
            site = { line: first.line, cond: [...s].join(', '), flags: true };
            params.unshift(p);
            break;
          }
        }
        for (const b of site ? [] : f.branches ?? []) {
          if (b.fn !== fn.name || !mentions(b.cond)) continue;
          if (added.some((l) => l > b.line && l <= b.end)) {
            site = { line: b.line, cond: b.cond };
            break;
          }
        }
        // `if (mode !== 'plan') return tools;` with tools added after it: the later tools are for one mode only.
        if (!site) {
          const g = f.guards.find((x) => x.fn === fn.name && x.exit === 'return' && mentions(x.cond) && added.some((l) => l > x.line) && added.some((l) => l < x.line));
          if (g) site = { line: g.line, cond: g.cond };
        }
        if (!site) continue;
        const short = shortName(fn.name);
        const calls = ctx.callsNamed(short).filter((c) => c.fn !== fn.name && !(c.file === f.path && c.line >= fn.line && c.line <= fn.end));
        if (!calls.length) continue;
        const resolvedCalls = calls.filter((c) => resolveBareCall(ctx, c.file, c.callee).some((d) => d.file === f.path && d.line === fn.line));
        const pick = resolvedCalls.length ? resolvedCalls : calls;
        // The mode passed as a value (a child's mode, the session's mode), not a literal, shows a per-agent choice.
        // Else a call passing values rather than constants (`getSchema(allowSearch, …)`, not `getSchema(true, true)`).
        const call = pick.find((c) => c.args.some((a) => /^[A-Za-z_$][\w.$]*$/.test(a) && MODE_PARAM.test(a.split('.').pop()!)))
          ?? pick.find((c) => c.args.some((a) => /^[A-Za-z_$][\w.$]*$/.test(a.trim()) && !/^(?:true|false|True|False|None|null|undefined)$/.test(a.trim())))
          ?? pick[0];
        out.push({
          file: f.path,
          line: site.line,
          fn: fn.name,
          // Flags read from a parameter name no mode or agent kind: what they stand for (a profile, a deployment's features) is not known.
          resolved: resolvedCalls.length > 0 && !site.flags,
          call: { file: call.file, line: call.line, reason: `${call.fn}() builds its tool set with ${call.callee}(${call.args.join(', ').slice(0, 60)})` },
          reason: `${fn.name}() assembles a different tool set per ${params[0]}: tools are added only when ${site.cond.slice(0, 60)}`,
        });
      }
    }
    return out;
  });
}

export interface RegisteredAgentClass extends Evidence {
  name: string;
  /** The registration call (`Agent.register('ReadOnlyAgent', ReadOnlyAgent)`). */
  reg: Evidence;
  /** Members that give the class its own tool set / prompt (`_get_tools`, `prompt_manager`). */
  toolsMember?: string;
  promptMember?: string;
  /** Where the class builds its tools (the method's line), else the class line. */
  toolsLine?: number;
}

const REGISTER_CALL = /^(?:register|register_?agent|registerAgent|add_?agent|addAgent)$/;

/**
 * Agent classes registered under a name in a class registry (`Agent.register('CodeActAgent',
 * CodeActAgent)`, `registry.register_agent("explore", ExploreAgent)`), with the members through
 * which each class builds its own tool set and prompt. Agent types declared as classes, chosen by name.
 */
export function registeredAgentClasses(ctx: RuleContext): RegisteredAgentClass[] {
  return ctx.memo('agents:registered-classes', () => {
    const classes = new Map<string, { file: string; line: number; members: string[]; ext?: string }>();
    for (const f of ctx.source) for (const c of f.classes) classes.set(c.name, { file: f.path, line: c.line, members: c.members, ext: c.extends === undefined ? undefined : baseClassName(c.extends) });
    const out: RegisteredAgentClass[] = [];
    const seen = new Set<string>();
    for (const n of ['register', 'register_agent', 'registerAgent', 'add_agent', 'addAgent']) {
      for (const c of ctx.callsNamed(n)) {
        if (!REGISTER_CALL.test(c.name) || c.args.length < 2 || !/^['"]/.test(c.args[0])) continue;
        const cls = c.args[1].trim();
        const def = classes.get(cls);
        if (!def || seen.has(cls) || !/agent/i.test(`${cls} ${c.callee}`)) continue;
        // Members of the class, and of its ancestors below the registry's base, make its own tools and prompt.
        const toolsMember = def.members.find((m) => /tools?$|tool_?set$|toolset$/i.test(m) && !/^(?:set|add|remove)_?/i.test(m));
        const promptMember = def.members.find((m) => /prompt|instructions|system_?message/i.test(m));
        seen.add(cls);
        const toolsLine = toolsMember ? ctx.functionsNamed(toolsMember).find((fn) => fn.file === def.file && fn.name.endsWith(`${cls}.${toolsMember}`))?.line : undefined;
        out.push({ file: def.file, line: def.line, name: cls, toolsMember, promptMember, toolsLine, reg: { file: c.file, line: c.line, reason: `agent class ${cls} registered by name: ${c.callee}(${c.args[0]}, ${cls})` }, reason: `agent class ${cls} registered as ${c.args[0]}${toolsMember ? `, builds its own tools in ${toolsMember}` : ''}${promptMember ? `, its own prompt in ${promptMember}` : ''}` });
      }
    }
    return out;
  });
}

/** A call that builds an agent or binds tools to a model: `ChatAgent(…)`, `new Agent({…})`, `agent_model(…)`, `create_react_agent(…)`, `llm.bind_tools(…)`. */
const AGENT_BUILD = /^(?:new\s+)?(?:[\w.]*\.)?(?:\w*[aA]gent\w*|bind_tools|bindTools)$/;
/** The tool list handed to it: a `tools=` keyword or `tools:` key, or (for `create_react_agent(llm, […])`, `bind_tools([…])`) a positional list. */
const TOOLS_ARG = /^(?:tools)\s*[=:]\s*([\s\S]+)$/;

/** A tool collection class built from the tools passed to it: `ToolCollection(…)`, `new Toolkit(…)`, `ToolSet(…)`. */
const TOOL_GROUP = /^(?:new\s+)?(?:[\w.]*\.)?\w*(?:ToolCollection|Toolkit|ToolSet|Toolset|ToolBox|Toolbox)$/;

/** Adding to a list. */
const ADD_TO_LIST = /^(?:extend|append|push|concat|add)$/;
/** A demo entry point beside the package (`example.py`, `examples/…`, `demo.ts`). */
const EXAMPLE_FILE = /(?:^|\/)(?:examples?|demos?|samples?)(?:\/|\.\w+$)/;

/**
 * The items of a literal list (`[a, *b.get_tools(), C()]` → a, b.get_tools, C), top-level commas only. A bound
 * value is cut to 120 characters (BindFact): of a cut list, the items written out in full.
 */
function listItems(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  const whole = /\]$/.test(t);
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of whole ? t.slice(1, -1) : t.slice(1)) {
    if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  if (whole) out.push(cur);
  return out.map((x) => x.trim().replace(/^(?:\*{1,2}|\.\.\.)/, '').replace(/^await\s+/, '').replace(/^new\s+/, '').replace(/\([\s\S]*$/, '').trim()).filter((x) => /^[A-Za-z_][\w.]*$/.test(x));
}

/**
 * Agents built each with their own literal tool list in their own function: two or more functions that
 * construct an agent (or bind tools to a model) and hand it a list written out there, directly
 * (`create_react_agent(llm, [get_events])`) or through a list bound in the same function
 * (`tools = [*HumanToolkit.get_tools(), *note_toolkit.get_tools()]` … `ChatAgent(…, tools=tools)`), where
 * the lists differ. One factory function per agent role, each choosing that role's tools.
 */
export function perAgentToolLists(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:per-agent-tool-lists', () => {
    const byFn = new Map<string, Evidence & { items: string }>();
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path) || EXAMPLE_FILE.test(f.path)) continue;
      for (const c of f.calls) {
        if (c.fn === '<top>' || c.fn === '<anon>') continue;
        // A tool collection built from tool objects handed to it one by one (`ToolCollection(ComputerTool(), BashTool())`).
        if (TOOL_GROUP.test(c.callee) && c.args.length && c.args.every((a) => /^(?:new\s+)?[A-Z]\w*\(/.test(a.trim()))) {
          const items = listItems(`[${c.args.join(', ')}]`) ?? [];
          if (items.length) byFn.set(`${f.path}#${c.fn}`, { file: f.path, line: c.line, items: [...new Set(items)].sort().join('|'), reason: `${c.fn.replace(/\.(?:__init__|constructor)$/, '')} builds its own tool collection (${items.slice(0, 3).join(', ').slice(0, 60)}) with ${c.callee.replace(/^new\s+/, '')}()` });
          continue;
        }
        if (!AGENT_BUILD.test(c.callee)) continue;
        // The last such call in a function is the one that builds the agent (`return agent_model(…, tools=tools)`).
        const key = `${f.path}#${c.fn}`;
        const kw = c.args.map((a) => TOOLS_ARG.exec(a.trim())?.[1]).find(Boolean);
        const positional = /bind_?[tT]ools$|create_react_agent|createReactAgent/.test(c.callee) ? c.args.find((a) => /^\[/.test(a.trim())) ?? (/bind_?[tT]ools$/.test(c.callee) ? c.args[0] : undefined) : undefined;
        const arg = (kw ?? positional ?? '').trim();
        if (!arg) continue;
        let items = listItems(arg);
        let line = c.line;
        if (!items && /^[A-Za-z_]\w*$/.test(arg)) {
          const b = (f.binds ?? []).find((x) => x.fn === c.fn && x.name === arg && x.line <= c.line && /^\[/.test(x.value.trim()));
          items = b && listItems(b.value);
          if (b) line = b.line;
        }
        if (!items?.length) continue;
        // A list the caller's tools are added to (`agent_tools = [shim]; agent_tools.extend(tools)`) passes them on; it does not choose them.
        const fn = f.functions.find((x) => x.name === c.fn);
        const params = new Set((fn?.params ?? []).map(paramName));
        const bound = /^[A-Za-z_]\w*$/.test(arg) ? arg : '';
        if (bound && f.calls.some((x) => x.fn === c.fn && x.callee === `${bound}.${x.name}` && ADD_TO_LIST.test(x.name) && x.args.some((a) => params.has(a.trim().replace(/^\*+|^\.\.\./, ''))))) continue;
        const sig = [...new Set(items)].sort().join('|');
        byFn.set(key, { file: f.path, line, items: sig, reason: `${shortName(c.fn)}() builds its agent with its own tool list (${items.slice(0, 3).join(', ').slice(0, 60)}) for ${c.callee.replace(/^new\s+/, '')}()` });
      }
    }
    const lists = [...byFn.values()];
    // Two different lists, one of them naming two tools or more: agents given one tool each (the computer, in each entry point) are not pools.
    if (new Set(lists.map((x) => x.items)).size < 2 || !lists.some((x) => x.items.includes('|'))) return [];
    // Lists naming two tools or more lead: they show a choice.
    return lists.sort((a, b) => Number(!a.items.includes('|')) - Number(!b.items.includes('|'))).map(({ items: _i, ...e }) => e);
  });
}

/** A collection being assembled as a tool set: `tools`, `self.tools`, `allTools`, `tool_list`. */
const TOOLSET_RECV = /(?:^|\.)_?\w*[tT]ools?(?:_?(?:list|set))?$/;

export interface ToolSetBuilder extends Evidence {
  /** The builder function (`get_research_tools`). */
  fn: string;
  /** Where other functions call it (one per calling function). */
  calls: Evidence[];
}

/**
 * Tool-set builder functions that give different agents different, overlapping tool sets: two or
 * more functions that each assemble a tool list (add calls on a tool collection, constructions of
 * declared tool classes), whose lists share some tools and differ in others, and that are called
 * from different functions (`run_research_agent` uses `get_research_tools()`, `run_planning_agent`
 * uses `get_planning_tools()`; `createPlanModeToolRegistry` uses `getPlanModeTools()`). Builders
 * of disjoint categories (file tools, git tools) that one function concatenates are not pools.
 */
export function toolSetBuilders(ctx: RuleContext): ToolSetBuilder[] {
  return ctx.memo('agents:tool-set-builders', () => {
    const toolClasses = new Set<string>();
    for (const d of toolDeclarations(ctx)) {
      if (d.ctx?.startsWith('class:')) toolClasses.add(d.ctx.slice(6));
      else if (d.kind === 'subclass' || d.kind === 'class') toolClasses.add(d.name);
    }
    const items = new Map<string, { file: string; fn: string; line: number; items: Set<string> }>();
    const collects = new Set<string>();
    const note = (c: Located<CallFact>, got: string[], adds = false) => {
      if (!got.length || c.fn === '<top>' || c.fn === '<anon>' || UI_PATH.test(c.file)) return;
      const key = `${c.file}#${c.fn}`;
      let b = items.get(key);
      if (!b) items.set(key, (b = { file: c.file, fn: c.fn, line: c.line, items: new Set() }));
      for (const g of got) b.items.add(g);
      if (adds) collects.add(key);
    };
    // Through the by-name index: add calls on a tool collection, then constructions of declared tool classes.
    for (const n of ADD_TOOL_NAMES) {
      for (const c of ctx.callsNamed(n)) {
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        if (!recv || !TOOLSET_RECV.test(recv) || NOT_TOOLSET.test(recv)) continue;
        // `tools.extend([a, b])` adds a and b; `tools.append(x)`, `tools.push(new XTool())` add one.
        const a = (c.args[0] ?? '').trim();
        const got = /^\[.*\]$/s.test(a) ? a.slice(1, -1).split(',').map((x) => x.trim()).filter(Boolean) : a ? [a] : [];
        note(c, got.map((x) => x.replace(/^new\s+/, '').replace(/\(.*$/s, '')), true);
      }
    }
    for (const cls of toolClasses) for (const c of ctx.callsNamed(cls)) if (c.callee === cls || c.callee === `new ${cls}`) note(c, [cls]);
    // A set started from another builder's set (`tools = base_tools()`) holds that set's tools too.
    const builderFiles = new Set([...items.values()].map((b) => b.file));
    const candidates = new Set([...items.values()].map((b) => shortName(b.fn)));
    for (const path of builderFiles) {
      for (const b of ctx.file(path)?.binds ?? []) {
        const it = TOOLSET_RECV.test(b.name) ? items.get(`${path}#${b.fn}`) : undefined;
        if (!it) continue;
        // A tool list bound as such (`const tools = [new ReadTool(), …]`, `tools = base_tools()`) is being assembled.
        const m = /^(?:await\s+)?([A-Za-z_]\w*)\(/.exec(b.value);
        if (b.value.trim().startsWith('[') || (m && candidates.has(m[1]))) collects.add(`${path}#${b.fn}`);
        if (m) it.items.add(m[1]);
      }
    }
    // Only what names a tool or a set of tools counts: a declared tool, a tool class, a constant list
    // (`EXPERT_TOOLS`), or another function assembling tools; a loop variable (`tools.append(tool)`) copies, it does not choose.
    const toolNames = new Set(toolDeclarations(ctx).map((d) => d.name));
    const fnNames = new Set([...items.values()].map((b) => shortName(b.fn)));
    const names = (x: string) => toolNames.has(x) || toolClasses.has(x) || /^[A-Z][A-Z0-9_]{2,}$/.test(x) || fnNames.has(x);
    for (const b of items.values()) for (const i of [...b.items]) if (!names(i)) b.items.delete(i);
    // Tool classes only built here (`BrowserTool().name`) are read, not collected.
    const builders = [...items.values()].filter((b) => b.items.size >= 2 && collects.has(`${b.file}#${b.fn}`));
    if (builders.length < 2) return [];
    const keys = new Set(builders.map((b) => `${b.file}#${b.fn}`));
    const withCalls: Array<{ b: (typeof builders)[number]; def: number; callers: Map<string, Evidence> }> = [];
    for (const b of builders) {
      const short = shortName(b.fn);
      if (ctx.functionsNamed(short).length > 2) continue;
      const def = ctx.file(b.file)?.functions.find((fn) => fn.name === b.fn);
      const callers = new Map<string, Evidence>();
      for (const c of ctx.callsNamed(short)) {
        const k = `${c.file}#${c.fn}`;
        // Calls from other builders (a base set extended by each role's set) and from the builder itself do not choose a pool.
        if (keys.has(k) || c.fn === '<anon>' || callers.has(k)) continue;
        callers.set(k, { file: c.file, line: c.line, reason: `${c.fn}() takes its tools from ${short}()` });
      }
      if (def && callers.size) withCalls.push({ b, def: def.line, callers });
    }
    const pools = new Set<(typeof withCalls)[number]>();
    for (const x of withCalls) {
      for (const y of withCalls) {
        if (x === y) continue;
        const shared = [...x.b.items].some((i) => y.b.items.has(i));
        const differ = [...x.b.items].some((i) => !y.b.items.has(i)) || [...y.b.items].some((i) => !x.b.items.has(i));
        const ownCaller = [...x.callers.keys()].some((k) => !y.callers.has(k)) && [...y.callers.keys()].some((k) => !x.callers.has(k));
        if (shared && differ && ownCaller) pools.add(x).add(y);
      }
    }
    // Sets handed to a function that runs an agent come first; a union of the other sets (no tool of its own) goes last.
    const runners = agentRunners(ctx);
    const runs = (x: (typeof withCalls)[number]) => [...x.callers.keys()].some((k) => runners.has(k));
    const own = (x: (typeof withCalls)[number]) => [...x.b.items].some((i) => ![...pools].some((y) => y !== x && y.b.items.has(i)));
    return [...pools].sort((x, y) => Number(!runs(x)) - Number(!runs(y)) || Number(!own(x)) - Number(!own(y))).map(({ b, def, callers }) => ({
      file: b.file,
      line: def,
      fn: b.fn,
      calls: [...callers.values()],
      reason: `${b.fn}() assembles its own tool set (${[...b.items].slice(0, 4).join(', ').slice(0, 70)}) for ${[...callers.values()].map((c) => c.reason.replace(/\(\).*$/, '()')).slice(0, 2).join(', ')}`,
    }));
  });
}

/**
 * Functions that run an agent loop: those holding one, and those reaching one through up to three
 * calls (callers of callers, by name; names defined in more than three places are not followed).
 * A method with a generic name (`run`) is followed only where it is called on an instance of its
 * agent class built in the same function (`const sub = Agent.create(…); sub.run(…)`).
 * Keyed `file#fn`, with the depth and the call that leads one step closer to the loop.
 */
export function agentRunners(ctx: RuleContext): Map<string, { depth: number; via?: Located<CallFact> }> {
  return ctx.memo('agents:runners', () => {
    const out = new Map<string, { depth: number; via?: Located<CallFact> }>();
    let frontier: Array<{ file: string; fn: string }> = [];
    for (const l of agentLoops(ctx)) {
      const k = `${l.file}#${l.fn}`;
      if (out.has(k)) continue;
      out.set(k, { depth: 0 });
      frontier.push({ file: l.file, fn: l.fn });
    }
    for (let depth = 1; depth <= 3 && frontier.length; depth++) {
      const next: typeof frontier = [];
      const seenNames = new Set<string>();
      for (const { fn } of frontier) {
        const short = shortName(fn);
        if (seenNames.has(short) || short === '<top>' || short === '<anon>') continue;
        seenNames.add(short);
        const generic = GENERIC.has(short);
        if (!generic && ctx.functionsNamed(short).length > 3) continue;
        const cls = generic && fn.includes('.') ? fn.slice(0, fn.lastIndexOf('.')).split('.').pop()! : '';
        if (generic && !cls) continue;
        const built = cls ? new RegExp(`^(?:await\\s+)?(?:new\\s+)?${cls}(?:\\.\\w+)?\\(`) : undefined;
        for (const c of ctx.callsNamed(short)) {
          if (c.fn === '<top>' || c.fn === '<anon>' || !c.callee.endsWith(short)) continue;
          if (built) {
            const recv = c.callee.slice(0, -short.length - 1).split('.').pop() ?? '';
            if (!recv || !(ctx.file(c.file)?.binds ?? []).some((b) => b.fn === c.fn && b.name === recv && built.test(b.value))) continue;
          }
          const k = `${c.file}#${c.fn}`;
          if (out.has(k)) continue;
          out.set(k, { depth, via: c });
          next.push({ file: c.file, fn: c.fn });
        }
      }
      frontier = next.length > 400 ? [] : next;
    }
    return out;
  });
}

/**
 * Declared tools whose own function reaches an agent loop (see agentRunners): calling the tool starts
 * another agent run (`request_research` → `run_research_agent()` → … → the turn loop).
 */
export function toolsRunningAgents(ctx: RuleContext): Array<Evidence & { name: string; fn: string; via: Located<CallFact> }> {
  return ctx.memo('agents:tools-running-agents', () => {
    const runners = agentRunners(ctx);
    const out: Array<Evidence & { name: string; fn: string; via: Located<CallFact> }> = [];
    if (runners.size <= agentLoops(ctx).length) return out;
    for (const d of toolDeclarations(ctx)) {
      const f = ctx.file(d.file);
      if (!f || UI_DIR.test(f.path)) continue;
      // A tool registered on an MCP server the file builds (`@server.tool` beside `from mcp.server.fastmcp
      // import FastMCP`) serves the agent to an outside client; it is not a parent agent starting a child.
      if (d.ctx?.startsWith('decorator:') && f.imports.some((i) => MCP_SERVER_MODULE.test(i.from))) continue;
      const end = d.end ?? d.line;
      for (const fn of f.functions) {
        if (fn.line < d.line || fn.line > end) continue;
        const r = runners.get(`${d.file}#${fn.name}`);
        // The tool's function only reaches the loop; one holding the loop itself is the agent, not a tool starting one.
        if (!r?.via || r.depth === 0) continue;
        // Runners are keyed by function name: a call outside this definition is another function of the
        // same name in the file (another tool object's `execute`), not this tool's code.
        if (r.via.file === d.file && (r.via.line < fn.line || r.via.line > fn.end)) continue;
        out.push({ file: d.file, line: d.line, name: d.name, fn: fn.name, via: r.via, reason: `tool ${d.name} starts another agent run: ${r.via.callee.slice(0, 50)}() (line ${r.via.line}) reaches the agent loop` });
        break;
      }
    }
    return out;
  });
}

/** A collection of tools or a registry looked up by name: `tools_registry`, `allTools`, `TOOL_MAP`. */
const TOOL_REGISTRY_TARGET = /tool|registry/i;

/**
 * Tools picked by name from a registry, one per name of a configured list: the agent's tool set is
 * whatever the configuration or the command line names (`[tools_registry[n](…) for n in
 * agent_config.tools]`, `parsed.tools.map((name) => allTools[name])`). A list iterated out of the
 * registry itself (every tool) does not choose.
 */
export function namedToolSelections(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:named-tool-selections', () => {
    const out: Evidence[] = [];
    for (const f of ctx.source) {
      if (!f.lookups.length || UI_PATH.test(f.path)) continue;
      for (const l of f.lookups) {
        if (!TOOL_REGISTRY_TARGET.test(l.target) || NOT_TOOLSET.test(l.target) || !/^[A-Za-z_]\w*$/.test(l.key)) continue;
        const root = l.target.replace(/^(?:this|self)\./, '');
        // The list the names come from: a field of another object whose last part names tools (cut values may end in `too…`).
        const listOk = (list: string) => /\./.test(list) && !list.includes(root) && /(?:^|[._])(?:too|tool)\w*…?$|[a-z]Tools?$/i.test(list.replace(/…$/, ''));
        let list: string | undefined;
        for (const c of f.calls) {
          if (c.line !== l.line || c.fn !== l.fn || (c.name !== 'map' && c.name !== 'flatMap')) continue;
          const recv = c.callee.slice(0, -c.name.length - 1).replace(/\?$/, '');
          if (listOk(recv) && new RegExp(`^(?:async\\s+)?\\(?\\s*${l.key}\\b`).test((c.args[0] ?? '').trim())) list = recv;
        }
        if (!list) {
          for (const b of f.binds ?? []) {
            if (b.fn !== l.fn || b.line > l.line || b.line < l.line - 2) continue;
            const m = new RegExp(`\\bfor\\s+${l.key}\\s+in\\s+([\\w.]+…?)`).exec(b.value);
            if (m && listOk(m[1])) list = m[1];
          }
        }
        if (!list) continue;
        // A value cut short (`agent_config.too…`): the field read there completes it.
        if (list.endsWith('…')) {
          const seg = list.slice(list.lastIndexOf('.') + 1, -1);
          const full = Object.keys(f.reads).find((k) => k.startsWith(seg) && f.reads[k].some((x) => x >= l.line - 2 && x <= l.line + 2));
          list = full ? `${list.slice(0, list.lastIndexOf('.') + 1)}${full}` : list;
        }
        out.push({ file: f.path, line: l.line, reason: `${l.fn}() builds the tool set from the tools named in ${list}: ${l.target}[${l.key}] for each name` });
        break;
      }
    }
    return out;
  });
}

/** Front-end frameworks of a web page (not `react` alone: terminal UIs render with it too). */
const WEB_UI_DEP = /^(?:react-dom|next|vue|nuxt|svelte|@sveltejs\/kit|solid-js|@angular\/core|preact)$/;

/**
 * Folders of web front ends inside the harness: a package (not the root) whose manifest depends on a
 * web UI framework and whose files hold no agent loop. Its code shows, calls or edits the agent
 * over HTTP (`spawnAgent()` posting to the server, a conversation list filter); it does not run it.
 */
export function webFrontends(ctx: RuleContext): string[] {
  return ctx.memo('agents:web-frontends', () => {
    const loopFiles = agentLoops(ctx).map((l) => l.file);
    const out: string[] = [];
    for (const m of ctx.facts.manifests ?? []) {
      const dir = folderOf(m.path);
      if (!dir || !m.dependencies.some((d) => WEB_UI_DEP.test(d))) continue;
      if (loopFiles.some((f) => f.startsWith(dir))) continue;
      out.push(dir);
    }
    return out;
  });
}

function inDirs(path: string, dirs: string[]): boolean {
  for (const d of dirs) if (path.startsWith(d)) return true;
  return false;
}

/** Decorators that change how a method is bound or typed; they do not register it as an action. */
const PLAIN_DECORATOR = /^(?:property|staticmethod|classmethod|abstractmethod|abc\.abstractmethod|override|typing\.override|cached_property|functools\.\w+|\w+\.setter|\w+\.getter)$/;

export interface HeldAgentRun extends Evidence {
  /** `Class.method` that runs the held agent. */
  fn: string;
  /** The held agent's class. */
  child: string;
  /** The held agent's turn loop. */
  loop: AgentLoop;
}

/**
 * A part of an agent that runs another agent's turn loop through a field holding it:
 * `self.code_agent = CodeAgent(…)` in the constructor, then `self.code_agent.execute(task)` in a
 * method that is one of the actions the model picks (it carries the same registering decorator as
 * at least two sibling methods), or in a role's override of its base class's turn method when
 * other roles derive from that base (`class Explorer(Role): def reply(…)`). The held agent's loop
 * runs as a child of the agent that picked the action or sent to the role.
 */
export function heldAgentRuns(ctx: RuleContext): HeldAgentRun[] {
  return ctx.memo('agents:held-agent-runs', () => {
    const loops = new Map<string, AgentLoop>();
    for (const l of agentLoops(ctx)) if (l.loop && !loops.has(l.fn)) loops.set(l.fn, l);
    const out: HeldAgentRun[] = [];
    if (!loops.size) return out;
    const { parent } = agentClasses(ctx);
    const subclasses = new Map<string, number>();
    for (const b of parent.values()) subclasses.set(b, (subclasses.get(b) ?? 0) + 1);
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const c of f.calls) {
        const m = /^(?:self|this)\.(\w+)\.(\w+)$/.exec(c.callee);
        if (!m) continue;
        const dot = c.fn.lastIndexOf('.');
        if (dot <= 0 || FACTORY_FN.test(c.fn.slice(dot + 1)) || /^(?:__init__|constructor)$/.test(c.fn.slice(dot + 1))) continue;
        const cls = c.fn.slice(0, dot).split('.').pop()!;
        const child = fieldClass(ctx, f.path, cls, m[1]);
        const loop = child && loops.get(`${child}.${m[2]}`);
        if (!child || !loop) continue;
        // The caller is no part of the held agent's own class line.
        const own = lineage(cls, parent);
        if ([...lineage(child, parent)].some((n) => own.has(n))) continue;
        const def = f.functions.find((d) => d.name === c.fn);
        if (!def) continue;
        const method = c.fn.slice(dot + 1);
        const siblings = f.functions.filter((d) => d !== def && d.name.startsWith(`${c.fn.slice(0, dot)}.`) && !d.name.slice(dot + 1).includes('.'));
        const decorator = (def.decorators ?? []).find((d) => !PLAIN_DECORATOR.test(d) && siblings.filter((s) => s.decorators?.includes(d)).length >= 2);
        const base = parent.get(cls);
        const role = !!base && (subclasses.get(base) ?? 0) >= 3 && ctx.functionsNamed(`${base}.${method}`).length > 0;
        if (!decorator && !role) continue;
        const how = decorator ? `action ${method}() (@${decorator}, like ${siblings.filter((s) => s.decorators?.includes(decorator)).length} other methods of ${cls})` : `role ${cls}'s ${method}() (overriding ${base}.${method})`;
        out.push({ file: f.path, line: c.line, fn: c.fn, child, loop, reason: `${how} runs the ${child} agent held in self.${m[1]}: ${c.callee}() holds its own turn loop (${loop.file}:${loop.line})` });
      }
    }
    return out;
  });
}

/**
 * A compiled graph run from inside a node of another graph: `researcher_subgraph = builder.compile()`
 * and `await researcher_subgraph.ainvoke(…)` in a function registered with `add_node`/`addNode`.
 * Each such run is a child run of the graph whose node started it (a sub-agent in graph terms).
 */
export function graphRunsInNodes(ctx: RuleContext): Array<Evidence & { fn: string; graph: string; nodes: string[] }> {
  return ctx.memo('agents:graph-runs-in-nodes', () => {
    const out: Array<Evidence & { fn: string; graph: string; nodes: string[] }> = [];
    const graphs = new Map<string, string>();
    for (const f of ctx.source) for (const b of f.binds ?? []) if (b.value.includes('.compile(') && /^[A-Za-z_$][\w$]*$/.test(b.name) && /^(?!re\.|regex\.)[\w$.]+\.compile\(/.test(b.value.trim())) graphs.set(b.name, b.value.trim().slice(0, 40));
    if (!graphs.size) return out;
    const nodes = new Set<string>();
    // Node functions per builder (`researcher_builder.add_node("researcher", researcher)`).
    const byBuilder = new Map<string, string[]>();
    // From the by-name index (each list in file order); both names in one repo: every call, in file order.
    const addNode = ctx.callsNamed('add_node');
    const addNodeTs = ctx.callsNamed('addNode');
    const nodeCalls: Iterable<CallFact> = !addNode.length ? addNodeTs : !addNodeTs.length ? addNode : ctx.calls;
    for (const c of nodeCalls) {
      if (c.name !== 'add_node' && c.name !== 'addNode') continue;
      const recv = c.callee.slice(0, -c.name.length - 1);
      for (const a of c.args.slice(0, 2)) {
        if (!/^[A-Za-z_$][\w$]*$/.test(a)) continue;
        nodes.add(a);
        if (/^[A-Za-z_$][\w$]*$/.test(recv)) byBuilder.set(recv, [...(byBuilder.get(recv) ?? []), a]);
      }
    }
    if (!nodes.size) return out;
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const c of f.calls) {
        // Only calls made in a node function count (a set lookup before the regex).
        if (!nodes.has(c.fn)) continue;
        const m = /^([A-Za-z_$][\w$]*)\.(?:a?invoke|a?stream|astream_events|streamEvents)$/.exec(c.callee);
        if (!m || !graphs.has(m[1])) continue;
        const builder = /^([A-Za-z_$][\w$]*)\.compile\(/.exec(graphs.get(m[1]) ?? '')?.[1];
        out.push({ file: f.path, line: c.line, fn: c.fn, graph: m[1], nodes: (builder && byBuilder.get(builder)) || [], reason: `graph node ${c.fn}() runs the compiled graph ${m[1]} (${graphs.get(m[1])}) as a child run: ${c.callee}()` });
      }
    }
    return out;
  });
}

/** A field naming which agent an instance is. */
const IDENTITY_FIELD = /^(?:name|agent_?name|agentName)$/;
/** A field holding an instance's prompt (besides PROMPT_KEY): `system`, `instruction`. */
const PROMPT_FIELD = /^(?:system|instruction)$/;
/** A field holding an instance's own tools (besides TOOLS_KEY): `functions`, `function_list`, `function_map`, `tool_map`. */
const OWN_TOOLS_FIELD = /^(?:functions|function_list|function_map|functionMap|tool_map|toolMap|tools_map|toolsMap)$/;
/** The name of a call that hands a tool list to a model: `infer`, `_call_llm`, `chat`, `generate`, `bind_tools`. */
const MODEL_HANDOFF = /infer|chat|generat|complet|llm|model|invoke|predict|stream|respon|bind_?tools/i;
/** A tool list under its key in a request: `tools`, `functions`. */
const REQUEST_TOOLS_KEY = /^(?:tools|functions)$/;

export interface AgentOwnToolPool extends Evidence {
  /** The agent class whose instances carry their own name, prompt and tools. */
  cls: string;
  /** The tools field handed to the model. */
  field: string;
  /** Where the class declares its fields. */
  decl: Evidence;
}

/**
 * Agents as data whose own tool list is what the model gets: a class whose instances each carry a
 * name, a prompt and a tool list (fields, or constructor parameters kept on the instance), and a
 * function that hands that instance's list to the model call (`tools = [schema(f) for f in
 * agent.functions]` then `create(**{…, "tools": tools})`, `p.infer(…, this.tools.values())`,
 * `self._call_llm(functions=[… self.function_map.values()])`). Every agent built from the class
 * gets its own set, and switching the agent switches the set. The receiver is the instance itself
 * (`self`/`this` in the class or a subclass) or a parameter typed with the class or named for it.
 */
export function agentOwnToolPools(ctx: RuleContext): AgentOwnToolPool[] {
  return ctx.memo('agents:own-tool-pools', () => {
    const classes: Array<{ name: string; file: string; line: number; fields: string[] }> = [];
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const c of f.classes) {
        const fields = new Set(c.members);
        if (f.lang === 'py') {
          const ctor = f.functions.find((fn) => fn.name === `${c.name}.__init__`);
          if (ctor) {
            for (const p of ctor.params) fields.add(paramName(p));
            for (const b of f.binds ?? []) if (b.fn === ctor.name) fields.add(b.name);
          }
        }
        let id = false;
        let prompt = false;
        const tools: string[] = [];
        for (const m of fields) {
          if (IDENTITY_FIELD.test(m)) id = true;
          else if (PROMPT_KEYS.has(m) || PROMPT_FIELD.test(m)) prompt = true;
          else if ((TOOLS_KEYS.has(m) || OWN_TOOLS_FIELD.test(m)) && !/^(?:disallowed|exclude)/i.test(m)) tools.push(m);
        }
        if (id && prompt && tools.length) classes.push({ name: c.name, file: f.path, line: c.line, fields: tools });
      }
    }
    if (!classes.length) return [];
    const { parent } = agentClasses(ctx);
    const derives = (cls: string, base: string): boolean => {
      for (let n: string | undefined = cls, i = 0; n && i < 8; n = parent.get(n), i++) if (n === base) return true;
      return false;
    };
    const out: AgentOwnToolPool[] = [];
    for (const k of classes) {
      const fieldAlt = k.fields.join('|');
      const lower = k.name.toLowerCase();
      for (const f of ctx.source) {
        if (UI_PATH.test(f.path) || !k.fields.some((x) => f.reads[x])) continue;
        for (const g of f.functions) {
          const dot = g.name.lastIndexOf('.');
          const own = dot > 0 && derives(g.name.slice(0, dot).split('.').pop()!, k.name);
          // Receivers standing for an instance: itself in the class's methods, a parameter typed with the class or named for it.
          const recv: string[] = own ? ['self', 'this'] : [];
          for (const p of g.params) {
            const m = /^\*{0,2}(\w+)\s*(?::\s*(.*))?$/s.exec(p.replace(/\s*=.*$/s, ''));
            if (!m || m[1] === 'self') continue;
            if ((m[2] && new RegExp(`\\b${k.name}\\b`).test(m[2])) || m[1].toLowerCase().replace(/_/g, '').endsWith(lower)) recv.push(m[1]);
          }
          for (const b of f.binds ?? []) if (b.fn === g.name && new RegExp(`^(?:${recv.join('|') || '\\0'})$`).test(b.value.trim())) recv.push(b.name);
          if (!recv.length) continue;
          const read = new RegExp(`\\b(?:${[...new Set(recv)].join('|')})\\.(?:${fieldAlt})\\b`);
          const calls = f.calls.filter((c) => c.fn === g.name && c.line >= g.line && c.line <= g.end);
          const handed = (text: string): boolean => read.test(text);
          let hit: { line: number; how: string } | undefined;
          // The read inside a model call's arguments, or bound to a name those arguments (or a request's tools key) use.
          for (const c of calls) {
            if (!(isDirectModelCall(c) || MODEL_HANDOFF.test(c.name))) continue;
            if (handed(c.args.join(' '))) { hit = { line: c.line, how: `${c.callee}() is handed ${read.exec(c.args.join(' '))![0]}` }; break; }
          }
          if (!hit) {
            const direct = calls.some((c) => isDirectModelCall(c) || MODEL_HANDOFF.test(c.name));
            for (const b of f.binds ?? []) {
              if (b.fn !== g.name || !handed(b.value)) continue;
              const word = new RegExp(`(?:^|[^\\w.])${b.name}\\b`);
              const viaCall = calls.find((c) => (isDirectModelCall(c) || MODEL_HANDOFF.test(c.name)) && word.test(c.args.join(' ')));
              const viaObj = direct && f.objects.some((o) => o.fn === g.name && o.keys.some((x) => REQUEST_TOOLS_KEY.test(x) && word.test(o.values[x] ?? '')));
              if (viaCall || viaObj) { hit = { line: b.line, how: `${b.name} = ${read.exec(b.value)![0]}… is the tool list sent to the model${viaCall ? ` by ${viaCall.callee}()` : ''}` }; break; }
            }
          }
          if (!hit) {
            const o = f.objects.find((x) => x.fn === g.name && /^arg:/.test(x.ctx) && MODEL_HANDOFF.test(x.ctx) && x.keys.some((y) => REQUEST_TOOLS_KEY.test(y) && handed(x.values[y] ?? '')));
            const key = o?.keys.find((y) => REQUEST_TOOLS_KEY.test(y) && handed(o.values[y] ?? ''));
            if (o && key) hit = { line: o.line, how: `${o.ctx.slice(4)}({ ${key}: ${read.exec(o.values[key])![0]} })` };
          }
          if (hit) {
            out.push({ file: f.path, line: hit.line, cls: k.name, field: /\.(\w+)/.exec(read.exec(hit.how)?.[0] ?? '')?.[1] ?? k.fields[0], decl: { file: k.file, line: k.line, reason: `class ${k.name}: each instance carries its own name, prompt and ${k.fields.join('/')}` }, reason: `${g.name}() sends the model only the agent's own tools: ${hit.how}` });
            break;
          }
        }
        if (out.some((x) => x.cls === k.name)) break;
      }
    }
    // One agent built once from the class is one fixed list: the class must be a kind of agent the
    // code builds several of (subclasses, two or more constructions) or that it never builds itself
    // (a library's agent type, built by its users).
    return out.filter((x) => manyAgentsOf(ctx, x.cls));
  });
}

/**
 * `cls` is a kind of agent the code builds several of (subclasses, two or more constructions) or
 * never builds itself (a library's agent type, built by its users), not one agent built once.
 */
export function manyAgentsOf(ctx: RuleContext, cls: string): boolean {
  const { parent } = agentClasses(ctx);
  for (const n of parent.keys()) {
    for (let p = parent.get(n), i = 0; p && i < 8; p = parent.get(p), i++) if (p === cls && n !== cls) return true;
  }
  // A factory that only forwards its own parameters (`createAgent = (opts) => new Agent(opts)`) builds no agent of its own.
  const built = ctx.callsNamed(cls).filter((c) => {
    if (c.callee !== cls && c.callee !== `new ${cls}`) return false;
    const params = new Set(ctx.file(c.file)?.functions.find((fn) => fn.name === c.fn)?.params.map(paramName) ?? []);
    return !c.args.length || !c.args.every((a) => params.has(a.replace(/^\*+|^\.\.\./g, '').replace(/^\w+=/, '').trim()));
  }).length;
  return built !== 1;
}

/** An argument that hands a call its own prompt: a keyword or a value named for one (`system_message=…`, `DEVELOPER_SYS_PROMPT`). */
const ROLE_PROMPT_ARG = /prompt|instructions?|system_?message|systemMessage|persona/i;
/** A prompt written in the code: a prompt constant, or a string literal given as the prompt itself. */
const ROLE_PROMPT_CONST = /\b[A-Z][A-Z0-9_]*(?:PROMPT|INSTRUCTIONS?|SYSTEM_MESSAGE)[A-Z0-9_]*\b|^(?:\w+\s*=\s*)?[rfbu]?['"`]/;
/** An argument that hands a call its own tool list. */
const ROLE_TOOLS_ARG = /^(?:\w+\s*=\s*)?\[?\s*(?:\*|\.\.\.)?\w*tools?\w*\b/i;

/**
 * The functions that build the roles of agent class `cls`, one function per role: each calls the class
 * (or a function that only forwards its parameters to it, `agent_model(name, system_message, options,
 * tools)`) with a prompt and a tool list of its own (`developer_agent()` → `agent_model(…, content=
 * system_message), options, tools)`, `browser_agent()` → `agent_model(…)`). Empty unless two or more
 * distinct functions do.
 */
export function roleFactoryBuilds(ctx: RuleContext, cls: string): Array<Evidence & { fn: string }> {
  return ctx.memo(`agents:role-factory-builds:${cls}`, () => {
    // The class and the classes deriving from it (`CrewAgent(BaseChatAgent)`).
    const { parent } = agentClasses(ctx);
    const kinds = [cls, ...[...parent.keys()].filter((n) => { for (let p = parent.get(n), i = 0; p && i < 8; p = parent.get(p), i++) if (p === cls) return true; return false; })];
    const builds = kinds.flatMap((k) => ctx.callsNamed(k).filter((c) => c.callee === k || c.callee === `new ${k}`));
    // The class itself, and each function that builds it with the prompt and the tools its caller hands it (a forwarding builder).
    const targets = new Set<string>(kinds);
    for (const c of builds) {
      const def = ctx.file(c.file)?.functions.find((fn) => fn.name === c.fn);
      const params = new Set(def?.params.map(paramName) ?? []);
      const passed = c.args.map((a) => a.replace(/^\*+|^\.\.\./g, '').replace(/^\w+\s*=\s*/, '').trim()).filter((a) => params.has(a));
      if (def && passed.some((a) => ROLE_PROMPT_ARG.test(a)) && passed.some((a) => ROLE_TOOLS_ARG.test(a))) targets.add(shortName(def.name));
    }
    const out: Array<Evidence & { fn: string }> = [];
    const seen = new Set<string>();
    for (const t of targets) {
      for (const c of ctx.callsNamed(t)) {
        if (c.callee !== t && c.callee !== `new ${t}` && !c.callee.endsWith(`.${t}`)) continue;
        if (c.fn === '<top>' || targets.has(shortName(c.fn)) || seen.has(`${c.file}#${c.fn}`)) continue;
        const f = ctx.file(c.file);
        if (!f || f.role !== 'source') continue;
        const params = new Set(f.functions.find((fn) => fn.name === c.fn)?.params.map(paramName) ?? []);
        // The prompt and the tools are the function's own (not parameters it passes through).
        const prompt = c.args.find((a) => ROLE_PROMPT_ARG.test(a) && !params.has(a.replace(/^\w+\s*=\s*/, '').trim()));
        const tools = c.args.find((a) => ROLE_TOOLS_ARG.test(a) && !params.has(a.replace(/^\w+\s*=\s*/, '').replace(/^\*+|^\.\.\./, '').trim()));
        if (!prompt || !tools) continue;
        // A role's prompt is written in the code: a prompt constant or a literal, directly or through a local bound to one
        // (`system_message = DEVELOPER_SYS_PROMPT.format(…)`), not a value read from a loaded card or a caller.
        const ids: string[] = prompt.match(/[A-Za-z_]\w*/g) ?? [];
        if (!ROLE_PROMPT_CONST.test(prompt) && !(f.binds ?? []).some((b) => b.fn === c.fn && ids.includes(b.name) && ROLE_PROMPT_CONST.test(b.value))) continue;
        seen.add(`${c.file}#${c.fn}`);
        out.push({ file: c.file, line: c.line, fn: shortName(c.fn), reason: `${shortName(c.fn)}() builds its ${cls} role with its own prompt and tool list through ${c.callee}()` });
      }
    }
    return out.length >= 2 ? out.sort(bySite) : [];
  });
}

/** A membership test that skips an item: `name not in allowed`, `x.name in self.exclude`, `!allowed.includes(t.name)`, `skip.has(t.name)`. */
const SKIP_TEST_PY = /^(?:[\w.]+\s+is\s+not\s+None\s+and\s+|[\w.]+\s+and\s+)?(?:not\s+)?([\w.]+)\s+(?:not\s+)?in\s+(?:set\()?((?:self\.|this\.)?[\w.]+)\)?$/;
const SKIP_TEST_TS = /^(?:[\w.]+\s*&&\s*)?!?((?:this\.)?[\w.]+)\.(?:includes|has)\(([\w.]+)\)$/;
/** The item tested is named by its name: `name`, `tool.name`, `func.__name__`, `attr_name`, `toolName`. */
const ITEM_NAME = /(?:^|\.)(?:name|__name__)$|^\w*_name$|^\w*Name$/;
/** A list that says which to keep or leave out. */
const CHOICE_LIST = /skip|exclu|inclu|allow|disabl|enabl|select|filter|block|deny|permit|only|white_?list|black_?list/i;

/**
 * Where a tool (or action) set is assembled while leaving out the names a caller hands in: a skip
 * guard (`continue` / early `return`) in the building function whose test is the item's name
 * against a list that is the function's parameter, a name bound from one, the instance's field
 * filled from a constructor parameter, or a configuration read (`if attr_name in
 * skipped_actions: continue`, `if name not in include_actions: continue`, `if mcp_tool.name not
 * in set(configurable.mcp_config.tools): continue`, `if (disallowedSet.has(tool.name)) continue`).
 * The list or the item must be named for tools, actions or functions.
 */
export function skipListPools(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:skip-list-pools', () => {
    const out: Evidence[] = [];
    const front = webFrontends(ctx);
    for (const f of ctx.source) {
      if (!f.guards.length || UI_PATH.test(f.path) || inDirs(f.path, front)) continue;
      for (const g of f.guards) {
        if (g.exit !== 'continue' && g.exit !== 'return') continue;
        const cond = g.cond.trim();
        let item: string | undefined;
        let list: string | undefined;
        const py = SKIP_TEST_PY.exec(cond);
        if (py) [, item, list] = py;
        else {
          const ts = SKIP_TEST_TS.exec(cond);
          if (ts) [, list, item] = ts;
        }
        if (!item || !list || !ITEM_NAME.test(item)) continue;
        if (!/tool|action|function/i.test(`${list} ${item}`)) continue;
        // A list that chooses (skip, exclude, include, allow, disable, select …), or a configured tool list;
        // not the tools already held (`existing_names`, `function_map`: a duplicate or unknown-name check).
        if (!CHOICE_LIST.test(list.split('.').pop()!) && !/(?:^|\.)(?:config\w*|configurable|settings|options|opts)\.(?:\w+\.)*tools$/i.test(list)) continue;
        const fn = f.functions.find((x) => x.name === g.fn && x.line <= g.line && g.line <= x.end);
        if (!fn) continue;
        const params = new Set(fn.params.map(paramName));
        const own = list.replace(/^(?:self|this)\./, '');
        let supplied = '';
        if (!list.includes('.') && params.has(list)) supplied = `the parameter ${list}`;
        else if (!list.includes('.')) {
          const b = (f.binds ?? []).find((x) => x.fn === g.fn && x.name === list && x.line < g.line && [...params].some((p) => p && new RegExp(`\\b${p}\\b`).test(x.value)));
          if (b) supplied = `${list}, bound from a parameter (${b.value.slice(0, 40)})`;
        } else if (/^(?:self|this)\.\w+$/.test(list)) {
          // The instance's field, filled from a constructor parameter.
          const cls = g.fn.includes('.') ? g.fn.slice(0, g.fn.lastIndexOf('.')) : f.classes.find((c) => c.line <= g.line && g.line <= c.end)?.name;
          const ctor = cls && f.functions.find((x) => x.name === `${cls}.__init__` || x.name === `${cls}.constructor`);
          const ctorParams = ctor ? ctor.params.map(paramName).filter(Boolean) : [];
          const b = ctor && (f.binds ?? []).find((x) => x.fn === ctor.name && x.name === own && ctorParams.some((p) => new RegExp(`\\b${p}\\b`).test(x.value)));
          if (b || ctorParams.includes(own)) supplied = `${list}, set from the constructor's ${own}`;
        } else if (/(?:^|\.)(?:config\w*|configurable|settings|options|opts)\./i.test(list)) supplied = `the configured ${list}`;
        if (!supplied) continue;
        out.push({ file: f.path, line: g.line, reason: `${g.fn}() leaves out of the tool set the names not chosen by its caller: \`${cond.slice(0, 70)}\` → ${g.exit} (${supplied})` });
      }
    }
    return out;
  });
}

/** A list of names to leave out: `excluded_tools`, `disabledTools`, `definition.excluded_tools`, `settings.disabledTools`. */
const EXCLUDE_LIST = /exclu|disabl|deny|denied|block|skip|remov|omit|disallow/i;
/** Taking one item out of a collection. */
const REMOVE_CALL = new Set(['remove', 'discard', 'delete', 'pop']);

/**
 * A tool set narrowed by walking a list of names to leave out and taking each out of the set:
 * `for name in definition.excluded_tools: tool_names.remove(name)`, `for (const n of
 * settings.disabledTools) allowedToolNames.delete(resolve(n))`. The removal sits inside the loop
 * over the exclude list, on a collection named for tools, in a function something calls.
 */
export function exclusionLoops(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:exclusion-loops', () => {
    const out: Evidence[] = [];
    const front = webFrontends(ctx);
    for (const n of REMOVE_CALL) {
      for (const c of ctx.callsNamed(n)) {
        const recv = c.callee.slice(0, -c.name.length - 1);
        if (!recv || !/tool/i.test(recv.split('.').pop()!) || NOT_TOOLSET.test(recv) || c.args.length !== 1 && !(n === 'pop' && c.args.length === 2)) continue;
        if (UI_PATH.test(c.file) || inDirs(c.file, front)) continue;
        const f = ctx.file(c.file);
        const loop = f?.loops.find((l) => (l.kind === 'for-of' || l.kind === 'for-in') && l.fn === c.fn && l.line <= c.line && c.line <= l.end && EXCLUDE_LIST.test(l.cond.split('.').pop() ?? ''));
        if (!f || !loop) continue;
        const short = shortName(c.fn);
        if (!ctx.callsNamed(short).length) continue;
        out.push({ file: c.file, line: c.line, reason: `${c.fn}() takes each name of ${loop.cond.slice(0, 50)} out of the tool set (${c.callee}(${(c.args[0] ?? '').slice(0, 40)}))` });
      }
    }
    return out.sort(bySite);
  });
}

/** A key naming a mode, group or kind of request or agent: `searchMode`, `groupId`, `chat_type`, `agent.role`. */
const MODE_KEY = /(?:^|[._])(?:mode|group|kind|type|role|persona|profile|preset)(?:_?(?:id|name|key)|Id|Name|Key)?$|[a-z](?:Mode|Group|Kind|Type|Role|Persona|Profile|Preset)(?:Id|Name|Key)?$/;
/** Words of a key or kind naming something other than an agent's mode: a provider, a model, a content or event format, a node, a store. */
export const NOT_MODE_WORDS = 'provider|model|llm|vendor|platform|lang|locale|mime|content|message|msg|file|media|format|output|response|event|error|node|block|part|token|auth|env|db|storage';
/** Keys naming something other than an agent's mode: those, and a UI item's status or style. */
const NOT_MODE_KEY = new RegExp(`${NOT_MODE_WORDS}|item|status|style|color|icon|theme`, 'i');

/** A table declared as an object literal: two or more entries, at least two of them lists (`{ web: ['web_search', …], x: [...] }`) or texts. */
interface ModeTable { file: string; line: number; name: string; lists: number; texts: number; keys: string[] }

/** Top-level tables by name: object literals bound to a name with two or more keys, in source files. */
function declaredTables(ctx: RuleContext): Map<string, ModeTable[]> {
  return ctx.memo('agents:declared-tables', () => {
    const out = new Map<string, ModeTable[]>();
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      for (const o of f.objects) {
        if (!o.ctx.startsWith('var:') || o.keys.length < 2) continue;
        const vals = o.keys.map((k) => (o.values[k] ?? '').trim());
        const lists = vals.filter((v) => v.startsWith('[')).length;
        const texts = vals.filter((v) => /^[`'"]/.test(v)).length;
        const name = o.ctx.slice(4);
        out.set(name, [...(out.get(name) ?? []), { file: f.path, line: o.line, name, lists, texts, keys: o.keys }]);
      }
    }
    return out;
  });
}

export interface ModeTableLookup extends Evidence {
  /** The table read (`groupTools`), its declaration, and the key it is read with (`groupId`). */
  table: ModeTable;
  key: string;
  fn: string;
}

/**
 * Tables of lists or texts declared as data, one entry per mode, group or kind, read with the mode of
 * the request or agent (`groupTools[groupId]`, `SEARCH_MODE_TOOLS[searchMode]`, `PROMPTS[agent.role]`).
 * Each mode then gets its own entry: its own tool names, its own instructions.
 */
export function modeTableLookups(ctx: RuleContext): ModeTableLookup[] {
  return ctx.memo('agents:mode-table-lookups', () => {
    const tables = declaredTables(ctx);
    const out: ModeTableLookup[] = [];
    for (const f of ctx.source) {
      if (f.role !== 'source' || /(?:^|\/)(?:ui|components|views|pages|webview)\/|\.tsx$/.test(f.path)) continue;
      for (const l of f.lookups) {
        const key = l.key.replace(/\s+as\s+.*$/, '').trim();
        // A tool's own kind (`TOOL_STYLES[toolType]`, `ICONS[tool.type]`) is not the request's mode.
        if (!/^[\w$.]+$/.test(key) || !MODE_KEY.test(key) || NOT_MODE_KEY.test(key.split('.').pop()!) || /tool/i.test(key)) continue;
        const cands = tables.get(l.target) ?? [];
        // The table in the lookup's own file first, else the one declaration of that name elsewhere.
        const table = cands.find((t) => t.file === f.path) ?? (cands.length === 1 ? cands[0] : undefined);
        if (!table || table.lists + table.texts < 2) continue;
        out.push({ file: f.path, line: l.line, fn: l.fn, key, table, reason: `${l.target}[${key}] reads the entry of the ${key} from a table declared per ${key.split('.').pop()} (${table.keys.slice(0, 4).join(', ')}${table.keys.length > 4 ? ', …' : ''})` });
      }
    }
    return out;
  });
}

/**
 * A tool list chosen per mode from a table of tool names: the table is named for tools, holds lists, and
 * the entry read becomes the tool set (`tools: groupTools[groupId]`, `const toolNames = SEARCH_MODE_TOOLS[searchMode]`).
 */
export function modeToolTables(ctx: RuleContext): ModeTableLookup[] {
  return ctx.memo('agents:mode-tool-tables', () => {
    const keyed: ModeTableLookup[] = [];
    const bound: ModeTableLookup[] = [];
    for (const x of modeTableLookups(ctx)) {
      if (!/tool/i.test(x.table.name) || x.table.lists < 2) continue;
      const f = ctx.file(x.file);
      const read = new RegExp(`^${x.table.name.replace(/[$.]/g, '\\$&')}\\[`);
      // The entry is handed on as a tool list: a tools key of an object (first), or a name for tools bound to it.
      if ((f?.objects ?? []).some((o) => o.line <= x.line && o.end >= x.line && o.keys.some((k) => TOOLS_KEY.test(k) && read.test((o.values[k] ?? '').trim())))) keyed.push(x);
      else if ((f?.binds ?? []).some((b) => b.line === x.line && /(?:^|_)tools(?:$|_|[A-Z])|[a-z]Tools(?:$|[A-Z_])|[tT]ool_?(?:[nN]ames?|[sS]et|[lL]ist|[iI]ds)$/.test(b.name) && read.test(b.value.trim()))) bound.push(x);
    }
    return [...keyed, ...bound];
  });
}

/** A name for a collection of tools: `readOnlyToolset`, `allToolClasses`, `read_only_tools`, `self.plan_tools`, `READ_ONLY_TOOLS`. */
const TOOL_COLLECTION = /(?:^|[._a-z])(?:[tT]ools|[tT]oolset|[tT]oolSet|[tT]ool_?[cC]lasses|[tT]ool_?[lL]ist|[tT]oolkits?)$|(?:^|[._])(?:TOOLS|TOOLSET|TOOL_LIST|TOOLKITS?)$/;

/**
 * A tool set picked by the mode: a conditional expression testing the mode, the chat type or the agent's
 * role that chooses between two tool collections (`chatType === ChatType.ASK ? readOnlyToolset : allToolset`,
 * `plan_tools if self.mode == "plan" else all_tools`). In a named function, the function must be called
 * from elsewhere (the mode passed in); a test on a flag or a model name is not a mode.
 */
export function modePickedToolSets(ctx: RuleContext): Array<Evidence & { call?: Evidence }> {
  return ctx.memo('agents:mode-picked-tool-sets', () => {
    const out: Array<Evidence & { call?: Evidence }> = [];
    for (const f of ctx.source) {
      // Screens and widgets (`textual_ui/widgets/`) pick what to show, not what the model is offered.
      if (f.role !== 'source' || !f.picks?.length || /(?:^|\/)(?:\w+_)?(?:ui|components|views|pages|webview|widgets)\/|\.tsx$/.test(f.path)) continue;
      for (const p of f.picks) {
        if (!TOOL_COLLECTION.test(p.then) || !TOOL_COLLECTION.test(p.else)) continue;
        const mode = (p.cond.match(/[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*/g) ?? []).find((t) => MODE_KEY.test(t) && !NOT_MODE_KEY.test(t.split('.').pop()!) && !/tool/i.test(t));
        if (!mode) continue;
        const short = shortName(p.fn);
        let call: Evidence | undefined;
        if (p.fn !== '<top>' && p.fn !== '<anon>') {
          const c = ctx.callsNamed(short).find((x) => !(x.file === f.path && x.fn === p.fn));
          if (!c) continue;
          call = { file: c.file, line: c.line, reason: `${shortName(c.fn)}() takes its tool set from ${c.callee}(${c.args.join(', ').slice(0, 50)})` };
        }
        out.push({ file: f.path, line: p.line, call, reason: `the ${mode.split('.').pop()} picks the tool set: \`${f.lang === 'py' ? `${p.then} if ${p.cond.slice(0, 50)} else ${p.else}` : `${p.cond.slice(0, 50)} ? ${p.then} : ${p.else}`}\`${call ? ` in ${short}()` : ''}` });
      }
    }
    return out;
  });
}

/** A class named for a role an agent or model plays: `SearcherAgent`, `ShowUIActor`, `LocalVLMPlanner`, `CodeReviewer`. */
const ROLE_CLASS = /(?:Agent|Actor|Planner|Executor|Worker|Searcher|Researcher|Critic|Reviewer|Navigator|Orchestrator|Coder)$/;

/**
 * Classes that each play a model role: a class named for a role (see ROLE_CLASS) that sends a model request in
 * its own methods, is one of the agent classes, or derives from an agent class it imports (`class
 * SearcherAgent(StreamingAgentForInternLM)`), built somewhere outside itself. Two or more such roles, none
 * deriving from another (variants of one agent are one role), built by one harness (a planner handing each step
 * to an actor, a search graph building a searcher agent per node) may run one as the child of another by a path
 * the sub-agent sites do not show.
 */
export function modelRoleClasses(ctx: RuleContext): Array<Evidence & { name: string }> {
  return ctx.memo('agents:model-role-classes', () => {
    const { family, parent } = agentClasses(ctx);
    const names = new Set<string>();
    for (const c of modelCalls(ctx)) {
      if (ctx.file(c.file)?.role !== 'source') continue;
      const cls = classOf(c.fn).split('.').pop() ?? '';
      if (cls) names.add(cls);
    }
    // Classes deriving (through classes of the repo) from an agent class of a framework the harness imports.
    const classes = classIndex(ctx);
    const framed = new Map<string, boolean>();
    const fromFramework = (n: string, depth = 0): boolean => {
      if (framed.has(n)) return framed.get(n)!;
      framed.set(n, false);
      const infos = classes.get(n) ?? [];
      const yes = depth < 8 && infos.some((k) => ctx.file(k.file)?.role === 'source' && k.bases.some((b) => (classes.has(b) ? fromFramework(b, depth + 1) : /Agent/.test(b) && ctx.file(k.file)!.imports.some((i) => i.names.includes(b)))));
      framed.set(n, yes);
      return yes;
    };
    for (const [n] of classes) if (ROLE_CLASS.test(n) && (family(n) || fromFramework(n))) names.add(n);
    const out: Array<Evidence & { name: string }> = [];
    for (const n of names) {
      if (!ROLE_CLASS.test(n) || NOT_AGENT_CLASS.test(n)) continue;
      // A variant of another counted role (`class InteractiveAgent(DefaultAgent)`) is the same role.
      let up = parent.get(n);
      for (let i = 0; up && i < 8 && !names.has(up); i++) up = parent.get(up);
      if (up && names.has(up) && ROLE_CLASS.test(up)) continue;
      const built = ctx.callsNamed(n).find((c) => (c.callee === n || c.callee === `new ${n}`) && ctx.file(c.file)?.role === 'source' && (classOf(c.fn).split('.').pop() ?? '') !== n);
      if (built) out.push({ name: n, file: built.file, line: built.line, reason: `${built.fn}() builds ${n}, a class that runs the model` });
    }
    return out;
  });
}

/** A depth counter moved one level for the child: `depth + 1`, `level - 1`, `nesting_depth=self.depth + 1`. */
export const DEPTH_STEP = /(?:^|[^\w.])(?:[\w.]*\.)?(?:\w*_)?(?:depth|level|nesting)(?:_\w+)?\s*[-+]\s*1\b|(?:^|[^\w.])(?:[\w.]*\.)?[a-z]\w*(?:Depth|Level|Nesting)\s*[-+]\s*1\b/i;

/**
 * Nested runs of the same agent, the child started by the code that runs the parent:
 * - a method of a class builds another instance of that same class handing it the running one
 *   (`subtask = Task(manager, parent=self)`, `const child = new Session({ parent: this })`) and calls a
 *   method on it: a tree of runs of one kind;
 * - a function that reaches a model calls itself with a depth counter moved one level
 *   (`deepResearch({ query, depth: depth - 1 })`, `self.solve(sub, depth=depth + 1)`).
 * Constructors and factories only build; a copy made in a `catch` is a retry of the same run.
 */
export function nestedSelfRuns(ctx: RuleContext): Array<Evidence & { fn: string }> {
  return ctx.memo('agents:nested-self-runs', () => {
    const out: Array<Evidence & { fn: string }> = [];
    const seen = new Set<string>();
    const modelFiles = new Set(modelCalls(ctx).map((c) => c.file));
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path) || PARSE_PATH.test(f.path)) continue;
      const classes = new Set(f.classes.map((c) => c.name));
      for (const c of f.calls) {
        if (c.inCatch || c.fn === '<top>' || c.fn === '<anon>' || seen.has(`${f.path}#${c.fn}`)) continue;
        const dot = c.fn.lastIndexOf('.');
        const method = c.fn.slice(dot + 1);
        const cls = dot > 0 ? c.fn.slice(0, dot).split('.').pop()! : '';
        if (cls && classes.has(cls) && !FACTORY_FN.test(method) && !/^(?:__\w+__|constructor)$/.test(method) && new RegExp(`^(?:new\\s+)?${cls}$`).test(c.callee)) {
          // The running instance handed to the child: `parent=self`, `{ parent: this }`, `Task(self, …)`.
          const linked = c.args.some((a) => /^(?:\w+\s*=\s*)?(?:self|this)$/.test(a.trim()) || /^\{.*\b\w+\s*:\s*this\b.*\}$/.test(a.trim()))
            || f.objects.some((o) => o.line === c.line && o.ctx.startsWith('arg:') && Object.values(o.values).some((v) => v.trim() === 'this'));
          const b = linked ? (f.binds ?? []).find((x) => x.fn === c.fn && x.line === c.line) : undefined;
          const child = b?.name;
          if (child && /^[\w.$]+$/.test(child)) {
            const recv = new RegExp(`^(?:await\\s+)?${child.replace(/[.$]/g, '\\$&')}\\.\\w+$`);
            const run = f.calls.find((x) => x.fn === c.fn && x.line > c.line && x.line <= c.line + 40 && recv.test(x.callee) && !x.inCatch);
            if (run) {
              seen.add(`${f.path}#${c.fn}`);
              out.push({ file: f.path, line: c.line, fn: c.fn, reason: `${c.fn}() starts a child run of its own ${cls}: ${child} = ${c.callee}(…, linked to the running one), then ${run.callee}() (line ${run.line})` });
              continue;
            }
          }
        }
        // Self-recursion with the depth counter moved one level, in a file that calls a model.
        if (!modelFiles.has(f.path) || c.name !== method || !new RegExp(`^(?:(?:this|self)\\.)?${method}$`).test(c.callee)) continue;
        const step = c.args.find((a) => DEPTH_STEP.test(a));
        const obj = step ? undefined : f.objects.find((o) => o.line >= c.line && o.line <= c.line + 3 && o.ctx.startsWith('arg:') && o.keys.some((k) => /depth|level|nesting/i.test(k) && DEPTH_STEP.test(`${k} ${o.values[k] ?? ''}`.replace(/^\S+\s/, ''))));
        const bound = step || obj ? undefined : c.args.concat(f.objects.filter((o) => o.line >= c.line && o.line <= c.line + 3 && o.ctx.startsWith('arg:')).flatMap((o) => Object.values(o.values)))
          .map((a) => a.trim().replace(/^\w+\s*[=:]\s*/, ''))
          .find((a) => /^[A-Za-z_]\w*$/.test(a) && /depth|level|nesting/i.test(a) && (f.binds ?? []).some((b) => b.fn === c.fn && b.name === a && DEPTH_STEP.test(b.value)));
        if (!step && !obj && !bound) continue;
        seen.add(`${f.path}#${c.fn}`);
        out.push({ file: f.path, line: c.line, fn: c.fn, reason: `${c.fn}() runs itself as a child one level deeper: ${c.callee}(…${(step ?? bound ?? 'depth').slice(0, 40)}…)` });
      }
    }
    return out;
  });
}

/** A prompt a class builds or holds for the model: a prompt constant (`PLANNER_SYSTEM_PROMPT`), a prompt-named member or field (`self.system_prompt`, `this.promptTemplate`). */
const OWN_PROMPT = /\b[A-Z0-9_]*(?:PROMPT|INSTRUCTIONS?|SYSTEM_MESSAGE)[A-Z0-9_]*\b|\b(?:self|this)\.(?:_?[a-z]\w*_)?(?:system_?prompt|prompt_?template|prompt|instructions?|system_?message)s?\b|\b(?:self|this)\.[a-z]\w*(?:SystemPrompt|PromptTemplate|Prompt|Instructions|SystemMessage)s?\b/;

/** A member that tests, counts or fetches prompts rather than holding one (`this.hasQueuedPrompts`, `self.get_prompt`). */
const PROMPT_HELPER = /\.(?:get|has|is|set|build|make|create|load|render|update|add|count|num|queued|pending|last)[A-Z_]/;

/** The role's own prompt named in `text` (see OWN_PROMPT), unless it is a side task's (a summary, a title) or a prompt helper. */
function ownPrompt(text: string): string | undefined {
  const m = OWN_PROMPT.exec(text);
  if (!m || NOT_ROLE_PROMPT.test(m[0]) || PROMPT_HELPER.test(m[0])) return undefined;
  // One entry of a table of prompts the role holds (`self.prompt['_SYSTEM_PLAN_PROMPT']`): the entry is the role's prompt.
  const key = /^\[\s*['"]([\w.-]+)['"]\s*\]/.exec(text.slice(m.index + m[0].length));
  return key && !NOT_ROLE_PROMPT.test(key[1]) ? `${m[0]}[${key[1]}]` : m[0];
}

/**
 * Roles written as classes without a common agent base: two or more classes (not deriving from one another)
 * whose own methods send the model a request, each with a prompt of its own (a prompt constant it reads, a
 * prompt field it sets): a planner class and an actor class, a navigation engine and an extraction engine.
 * The roles are typed by code, each with its own prompt, rather than declared as data.
 */
export function promptedModelClasses(ctx: RuleContext): Array<Evidence & { name: string; prompt: string }> {
  return ctx.memo('agents:prompted-model-classes', () => {
    const { parent } = agentClasses(ctx);
    const seen = new Set<string>();
    const out: Array<Evidence & { name: string; prompt: string }> = [];
    const direct = modelCalls(ctx);
    // Methods of model wrappers (`class OpenAI: def chat(self, messages)` sending the request): a role class reaches
    // the model through a field holding one (`self.llm = OpenAI()`, set by it or by a base class it derives from).
    const wrappers = new Set<string>();
    for (const c of direct) {
      const cls = classOf(c.fn).split('.').pop() ?? '';
      if (cls && c.fn.includes('.')) wrappers.add(`${cls}.${c.fn.slice(c.fn.lastIndexOf('.') + 1)}`);
    }
    const classes = classIndex(ctx);
    const heldBy = (file: string, cls: string, field: string): string | undefined => {
      let level = [{ file, name: cls }];
      for (let depth = 0; depth < 5 && level.length; depth++) {
        for (const k of level) {
          const held = fieldClass(ctx, k.file, k.name, field);
          if (held) return held;
        }
        level = level.flatMap((k) => (classes.get(k.name) ?? []).filter((i) => i.file === k.file || classes.get(k.name)!.length === 1).flatMap((i) => i.bases)).flatMap((b) => (classes.get(b) ?? []).slice(0, 1).map((i) => ({ file: i.file, name: b })));
      }
      return undefined;
    };
    const via: Array<Located<CallFact>> = [];
    if (wrappers.size) {
      for (const f of ctx.source) {
        if (f.role !== 'source' || UI_PATH.test(f.path)) continue;
        for (const c of f.calls) {
          const m = /^(?:await\s+)?(?:this|self)\.(\w+)\.(\w+)$/.exec(c.callee);
          const cls = m ? classOf(c.fn).split('.').pop() ?? '' : '';
          if (!m || !cls) continue;
          const held = heldBy(f.path, cls, m[1]);
          if (held && held !== cls && wrappers.has(`${held}.${m[2]}`)) via.push({ ...c, file: f.path });
        }
      }
    }
    // A class method calling the harness's own request helper (`send_chat_prompts(sys, user, self.llm)`, `self.provider.create_completion(…)`
    // reaching the SDK within two calls, see modelFunctionNames): the role's request, sent through the helper.
    const helped = [...modelTurnCalls(ctx).linked].filter((c) => c.fn.includes('.'));
    for (const c of [...direct, ...via, ...helped]) {
      const f = ctx.file(c.file);
      if (!f || f.role !== 'source' || UI_PATH.test(f.path)) continue;
      const name = classOf(c.fn).split('.').pop() ?? '';
      if (!name || seen.has(`${f.path}#${name}`) || NOT_AGENT_CLASS.test(name) || NOT_ROLE_CLASS.test(name)) continue;
      seen.add(`${f.path}#${name}`);
      const k = f.classes.find((x) => x.name === name);
      if (!k) continue;
      const inClass = (l: number) => l > k.line && l <= k.end;
      let prompt: string | undefined;
      let line = k.line;
      for (const x of f.calls) {
        if (!inClass(x.line)) continue;
        // The prompt is an argument or the receiver (`self.prompt_template.format(…)`), not the method called (`this.getFilesContentForPrompt()`).
        const m = ownPrompt(`${x.callee.replace(/\.?[\w$]+$/, '')} ${x.args.join(' ')}`);
        if (m) { prompt = m; line = x.line; break; }
      }
      if (!prompt) {
        for (const x of [...f.consts, ...(f.binds ?? [])]) {
          if (!inClass(x.line)) continue;
          const m = ownPrompt(`${x.name} = ${x.value}`);
          if (m) { prompt = m; line = x.line; break; }
        }
      }
      if (!prompt) continue;
      out.push({ file: f.path, line, name, prompt, reason: `${name} sends its own model request (line ${c.line}) with its own prompt ${prompt}` });
    }
    // Variants of one role (a class deriving from another counted one) are one role.
    const names = new Set(out.map((x) => x.name));
    const roles = out.filter((x) => {
      let up = parent.get(x.name);
      for (let i = 0; up && i < 8; i++, up = parent.get(up)) if (names.has(up)) return false;
      return true;
    });
    return new Set(roles.map((r) => r.prompt)).size >= 2 ? roles : [];
  });
}
