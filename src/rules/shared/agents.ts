/**
 * Derived facts about agents for the agents checks and the premature-multi-agent flag:
 * - `agentDefinitions(ctx)`: agent types declared as data (name + prompt + tools) or as agent
 *   classes with their own prompt and tools;
 * - `subagentSites(ctx)`: places where an agent starts another agent (sub-agent tool, managed
 *   agents, sub-agent executor);
 * - `toolFilters(ctx)`: where a tool set is narrowed (allow-list, exclude list, per-agent pool).
 * Each is computed once per audit with ctx.memo and is linear in the facts.
 */
import type { FileFacts } from '../../analyzers/facts.js';
import { shortName, type RuleContext } from '../context.js';
import type { Evidence } from '../types.js';
import { toolDeclarations } from './tools.js';

export const PROMPT_KEY = /^(?:systemPrompt|system_prompt|prompt|instructions|roleDefinition|role_definition|promptConfig|prompt_config|prompt_templates|promptTemplates|systemMessage|system_message|basePrompt|base_prompt|persona|developerPrompt|agentPrompt)$/;
export const TOOLS_KEY = /^(?:tools|toolConfig|tool_config|allowedTools|allowed_tools|toolNames|tool_names|toolset|toolSet|availableTools|available_tools|enabledTools|disallowedTools|excludeTools|tool_ids|toolIds)$/;
const NAME_KEY = /^(?:name|agentType|agent_type|type|id|role|kind|displayName|slug)$/;
/** Keys of a model request or runtime state, not of a definition. */
const REQUEST_KEY = /^(?:messages|model_id|modelId|max_tokens|stream|isStreaming|pendingToolCalls|entries|contents|llmClient|signal)$/;
/** UI and display code that merely shows sub-agents. */
const DISPLAY = /display|progress|history|message|render|view|component|migrate|stop$|color|icon|format|template|prompt|error|exception|config|options|props|result|status/i;
const UI_PATH = /(?:^|\/)(?:ui|components|views|pages|app\/\(|webview)(?:\/|$)|\.tsx$/;

export interface AgentDef extends Evidence {
  name: string;
}

export function agentDefinitions(ctx: RuleContext): AgentDef[] {
  return ctx.memo('agents:definitions', () => {
    const out: AgentDef[] = [];
    const membersOf = new Map<string, string[]>();
    for (const f of ctx.source) for (const c of f.classes) membersOf.set(c.name, c.members);
    for (const f of ctx.source) {
      for (const o of f.objects) {
        // A schema describing agent configs (`z.object({ slug: z.string(), roleDefinition: … })`) is not an agent.
        if (o.ctx.startsWith('type:') || o.ctx.startsWith('class:') || /^arg:(?:z|t|v|Type|yup|Joi|pydantic)\.|schema/i.test(o.ctx)) continue;
        let prompt = '';
        let tools = '';
        let name = '';
        let request = false;
        for (const k of o.keys) {
          if (PROMPT_KEY.test(k)) prompt ||= k;
          else if (TOOLS_KEY.test(k)) tools ||= k;
          else if (NAME_KEY.test(k)) name ||= k;
          else if (REQUEST_KEY.test(k)) request = true;
        }
        // Modes as agent types (`{ slug, roleDefinition, groups: ['read', 'edit'] }`): the tool groups are its pool.
        if (!tools && /^role_?[dD]efinition$/.test(prompt) && o.keys.includes('groups')) tools = 'groups';
        if (!prompt || !tools || !name || request) continue;
        const label = (o.values[name] ?? '').replace(/^['"`]|['"`]$/g, '') || o.ctx;
        out.push({ file: f.path, line: o.line, name: label, reason: `agent definition ${label.slice(0, 40)} as data (${name}, ${prompt}, ${tools})` });
      }
      // Agent classes with their own prompt and tools (members, or passed up to the base class).
      for (const c of f.classes) {
        if (!/(?:^|[a-z_])Agent(?:Definition|Config|Spec|Profile)?$/.test(c.name) || /error|exception/i.test(c.name)) continue;
        // Fields inherited from a base class declared in the repo count too (Agent(AgentBase)).
        const base = c.extends?.replace(/[<[(].*$/s, '').split('.').pop();
        const members = base && membersOf.has(base) ? [...c.members, ...membersOf.get(base)!] : c.members;
        const hasPrompt = members.some((m) => PROMPT_KEY.test(m) || /system_?prompt/i.test(m));
        const superArgs = f.objects.find((o) => o.line > c.line && o.line <= c.end && /^arg:super/.test(o.ctx) && o.keys.some((k) => PROMPT_KEY.test(k)) && o.keys.some((k) => TOOLS_KEY.test(k)));
        const hasTools = members.some((m) => TOOLS_KEY.test(m));
        if (superArgs || (hasPrompt && hasTools && c.extends)) {
          out.push({ file: f.path, line: c.line, name: c.name, reason: `agent class ${c.name}${c.extends ? ` extends ${c.extends}` : ''} with its own prompt and tools` });
        }
      }
    }
    return out;
  });
}

/** Names for things that start an agent from inside an agent. */
const SUB_NAME =
  /sub_?agents?|managed_?agents?|child_?agents?|spawn_?agents?|(?:^|_|[a-z])(?:Agent|_agent)_?(?:Tool|tool)$|^(?:Task|Delegate|Delegation|Handoff)_?Tool$|^(?:delegate|handoff)_?to_?agent|^run_?agent_?tool$|^handoffs$/i;
const SUB_TOOL_NAME = /^['"`](?:task|agent|sub_?agent|delegate\w*|spawn_?agent|dispatch_?agent|run_?agent|handoff\w*|new_?task|sub_?task)['"`]$/i;

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
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const c of f.classes) {
        if (SUB_NAME.test(c.name) && !DISPLAY.test(c.name)) add(f, c.line, c.name, `class ${c.name} runs another agent`, /sub_?agent|tool$/i.test(c.name) ? 2 : 4);
      }
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (SUB_NAME.test(short) && !DISPLAY.test(short) && /spawn|run|create|launch|start|invoke|delegate|execute|setup|call/i.test(short)) {
          add(f, fn.line, fn.name, `${fn.name}() starts sub-agents`, 1);
        }
        for (const p of fn.params) if (/^(?:managed_?agents|managedAgents|sub_?agents|subAgents|subagents|handoffs)$/.test(p)) add(f, fn.line, p, `${fn.name}() takes ${p}`, 3);
      }
    }
    for (const d of toolDeclarations(ctx)) {
      const f = ctx.file(d.file);
      if (!f) continue;
      const o = f.objects.find((x) => x.line === d.line);
      const nameVal = o?.values.name ?? `'${d.name}'`;
      if (SUB_TOOL_NAME.test(nameVal)) add(f, d.line, d.name, `tool ${nameVal} starts a sub-agent`, 0);
    }
    return out.sort((a, b) => a.rank - b.rank);
  });
}

/** Where a tool set is narrowed: a filter over tools by membership, an allow/exclude list. */
const FILTER_ARG = /\.has\(|\.includes\(|[Aa]llow|[Ee]nabled|[Aa]ctive|[Ee]xclude|[Pp]ermit|[Cc]ategor|\bin\b|indexOf|[Dd]isabled|\.kind\b|readOnly|ReadOnly/;
const NOT_TOOLSET = /toolCalls|tool_calls|toolResults|toolMsg|toolExecution|toolUse|toolArgs|toolOutputs/i;
export const POOL_NAME =
  /^_?(?:(?:allowed|excluded?|disabled|enabled|active|included?|selected|permitted|core|main_?agent|initial_?active)_?tools?(?:_?names?|_?by_?name|_?list|_?set|_?ids)?|set_?active_?tools\w*|filter_?tools|get_?tools_?for_?\w+|tools_?for(?:_?(?:agent|session|mode|role|type))?|tool_?pool\w*|pool_?for\w*|tool_?allow_?list|tool_?deny_?list|tool_?filter|allowed-tools|disallowed_?tools|disallowedTools)$/i;

export function toolFilters(ctx: RuleContext): Array<Evidence & { strong: boolean }> {
  return ctx.memo('agents:tool-filters', () => {
    const out: Array<Evidence & { strong: boolean }> = [];
    for (const f of ctx.source) {
      if (UI_PATH.test(f.path)) continue;
      for (const c of f.calls) {
        if (c.name !== 'filter' && c.name !== 'select') continue;
        const recv = c.callee.slice(0, -c.name.length - 1);
        const arg = c.args.join(' ');
        if (!(/tool|registry|catalog/i.test(recv) || /\btools\b/.test(arg)) || NOT_TOOLSET.test(recv) || /\)\s*:\s*\w+ is /.test(arg) || !FILTER_ARG.test(arg)) continue;
        const strong = /[Aa]llow|[Aa]ctive|[Ee]nabled|[Ee]xclude|[Pp]ermit|\bin\b|[Cc]ategor|[Ss]kill|[Aa]gent|[Mm]ode|readOnly|ReadOnly|\.kind\b/.test(arg);
        out.push({ file: f.path, line: c.line, reason: `${recv.slice(0, 40)}.filter(${(c.args[0] ?? '').slice(0, 50)}) narrows the tool set in ${c.fn}()`, strong });
      }
      // Python: [t for t in tools if t.name in allowed] is not a call; accept pool-named functions.
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (POOL_NAME.test(short) && ctx.callsNamed(short).length) out.push({ file: f.path, line: fn.line, reason: `${fn.name}() selects the tool set and is called`, strong: true });
      }
    }
    return out.sort((a, b) => Number(b.strong) - Number(a.strong));
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
