import { POOL_NAME, TOOLS_KEY, agentDefinitions, toolSieves, modeToolTables, modePickedToolSets, exclusionLoops, agentOwnToolPools, agentRoleClasses, agentSubclassRoles, conditionalToolSets, registeredAgentClasses, configToolPools, skipListPools, perAgentRegistries, perInstanceToolOption, poolVocabulary, subagentSites, namedToolSelections, perAgentToolLists, toolFilters, toolSetBuilders } from '../shared/agents.js';
import { paramName, shortName, type RuleContext } from '../context.js';
import { at, finding } from '../shared/scan.js';
import { rankLive } from '../shared/stale.js';
import { defineRule, type Evidence } from '../types.js';

const AI_SDK_RUNNER = /^(?:streamText|generateText|streamObject|generateObject|ToolLoopAgent|Experimental_Agent|Agent)$/;

/**
 * The AI SDK's `activeTools` / `experimental_activeTools` option on a model call: the tools the
 * model may use on this call. `narrows` unless it only switches between every tool and none
 * (`cond ? [] : [all]`).
 */
function activeToolsOption(ctx: RuleContext): (Evidence & { key: string; narrows: boolean }) | undefined {
  return ctx.memo('agents:active-tools', () => {
    for (const f of ctx.source) {
      const fromAi = new Set(f.imports.filter((i) => i.from === 'ai').flatMap((i) => i.names));
      if (!fromAi.size) continue;
      for (const o of f.objects) {
        const callee = o.ctx.replace(/^arg:(?:new )?/, '');
        if (!o.ctx.startsWith('arg:') || !AI_SDK_RUNNER.test(callee) || !fromAi.has(callee)) continue;
        const key = o.keys.find((k) => /^(?:experimental_)?activeTools$/.test(k));
        if (!key) continue;
        const v = (o.values[key] ?? '').trim();
        const allOrNothing = /\?\s*\[\s*\]\s*:|:\s*\[\s*\]\s*$/.test(v);
        return { file: f.path, line: o.line, key, narrows: !allOrNothing && v !== '', reason: `${callee}({ ${key}: ${v.slice(0, 50)} }) sets the tools the model may use on this call` };
      }
    }
    return undefined;
  });
}

/**
 * A model call whose tool choice switches tools off under a condition (`toolChoice: disabled ? 'none' : 'auto'`
 * in the AI SDK, `tool_choice="none" if … else "auto"` in the OpenAI and Anthropic-style APIs): the call gets
 * every tool or none, a per-call switch rather than a pool chosen per agent or session.
 */
function toolChoiceSwitch(ctx: RuleContext): Evidence | undefined {
  return ctx.memo('agents:tool-choice-switch', () => {
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:')) continue;
        const key = o.keys.find((k) => /^(?:toolChoice|tool_choice)$/.test(k));
        const v = key ? (o.values[key] ?? '').trim() : '';
        if (!v || !/['"]none['"]/.test(v) || !/\?[^:]*:|\bif\b.+\belse\b/.test(v)) continue;
        return { file: f.path, line: o.line, reason: `${o.ctx.slice(4, 40)}({ ${key}: ${v.slice(0, 50)} }) turns every tool off under a condition` };
      }
    }
    return undefined;
  });
}

/** Collections of tool sources a chat app offers: MCP servers, plugins, toolsets, connectors. */
const TOOL_SOURCE = /(?:servers?|plugins?|tools?|toolsets?|mcps?|connectors?|extensions?)$/i;
/** A selection's text (or what it is bound to) naming what was chosen. */
const SELECTION = /selected|enabled|allowed|active|chosen|plugin|input_?tools|tool_?ids|server_?names/i;
/** A selection kept on the session, the conversation, the agent or its mask/profile (not one request's choice). */
const SESSION_HELD = /session|mask|agent|conversation|thread|profile|persona|assistant/i;

/**
 * The tool sources offered on a request narrowed to those the user selected: MCP servers or plugins
 * filtered by membership of their name or id in a selection (`servers.filter((s) => names.includes(s.name))`
 * with `names = body.selectedServerNames`), or the selected ids mapped to their entries
 * (`ids.map((id) => plugins[id])` in a function called with `currentSession().mask.plugin`). Chat web
 * apps with per-conversation plugin or MCP-server pickers do this; LibreChat's agent tools and
 * Open WebUI's `tool_ids` are the same shape. `session`: the selection is held by the session, the
 * agent or its mask (a pool per session), not only chosen on one request.
 */
function selectedToolSources(ctx: RuleContext): Array<Evidence & { session: boolean }> {
  return ctx.memo('agents:selected-tool-sources', () => {
    const out: Array<Evidence & { session: boolean }> = [];
    for (const c of ctx.callsNamed('filter')) {
      const recv = c.callee.replace(/\.filter$/, '').replace(/\?$/, '');
      if (!TOOL_SOURCE.test(recv.replace(/^.*\./, '')) || ctx.file(c.file)?.role !== 'source') continue;
      const m = /\(?\s*(\w+)\s*(?::[^)]*)?\)?\s*=>\s*([\w.?]+?)\.(?:includes|has)\(\s*\1\.(?:name|id|key|slug)\s*\)/.exec(c.args[0] ?? '');
      if (!m) continue;
      const sel = m[2];
      const bound = (ctx.file(c.file)?.binds ?? []).find((b) => b.name === sel && b.fn === c.fn)?.value ?? '';
      const text = `${sel} ${bound}`;
      if (!SELECTION.test(text)) continue;
      out.push({ file: c.file, line: c.line, session: SESSION_HELD.test(text), reason: `${recv} narrowed to the selected ones: ${recv}.filter(… ${sel}.includes(…)) in ${c.fn}()` });
    }
    for (const c of ctx.callsNamed('map')) {
      const m = /^\(?\s*(\w+)\s*(?::[^)]*)?\)?\s*=>\s*([\w.]+)\[\s*\1\s*\]$/.exec((c.args[0] ?? '').trim());
      if (!m || !TOOL_SOURCE.test(m[2].replace(/^.*\./, '')) || ctx.file(c.file)?.role !== 'source') continue;
      const fn = c.fn.replace(/^.*\./, '');
      if (!fn || fn === '<top>' || fn === '<anon>') continue;
      // The function is called with the session's (or agent's) selection.
      const use = ctx.callsNamed(fn).find((u) => u.file !== c.file || u.fn !== c.fn ? u.args.some((a) => SELECTION.test(a) && SESSION_HELD.test(a)) : false);
      if (!use) continue;
      out.push({ file: use.file, line: use.line, session: true, reason: `the request's tools are built from the ${m[2]} the session selected: ${fn}(${use.args[0].slice(0, 60)})` });
      out.push({ file: c.file, line: c.line, session: true, reason: `selected ids mapped to their ${m[2]} entries in ${fn}()` });
    }
    return out.sort((a, b) => Number(b.session) - Number(a.session));
  });
}

/** A test that a feature, entitlement or resource is there: `is_web_search_enabled()`, `!settings.browserAllowed`, `user_has_entries`. */
const FEATURE_TEST = /[eE]nabled|[aA]llowed|[aA]vailable|[pP]ermitted|[sS]upported|[cC]onfigured|[iI]nstalled|(?:^|[^A-Za-z])has_|_has_|\bhas[A-Z]/;
/** Words for the model's tool calls and their results (`tool_calls`, `toolUse`, `has_more_tool_calls`, `toolResults`). */
const TOOL_TRAFFIC = /tool_?(?:calls?|use|uses|results?)/gi;
/** Adding to a collection. */
const ADD_CALL = /^(?:push|append|add|extend|register|registerTool|addTool|set|insert)$/;

/**
 * Tools offered only when a feature, entitlement or resource is there: in the function that builds
 * the tool list, a skip guard (`continue`) whose test names the tool and a feature check
 * (`if tool == Tool.Browser and not is_browser_enabled(): continue`, `if (tool.name === 'search' &&
 * !config.searchEnabled) continue`), followed by an add to a collection, the collection or the function named for tools. The offered set
 * then differs by deployment, user or session; nothing here says it differs per agent.
 */
function featureGatedSkips(ctx: RuleContext): Array<Evidence & { fn: string; cond: string }> {
  return ctx.memo('agents:feature-gated-skips', () => {
    const out: Array<Evidence & { fn: string; cond: string }> = [];
    for (const f of ctx.source) {
      if (/(?:^|\/)(?:ui|components|views|pages|webview)\/|\.tsx$/.test(f.path)) continue;
      for (const g of f.guards) {
        // The test names an offered tool, not the model's tool calls or their results (`has_more_tool_calls`,
        // `toolResults.length`): those are what a turn did, not what it may use.
        if (g.exit !== 'continue' || !/tool/i.test(g.cond.replace(TOOL_TRAFFIC, '')) || !FEATURE_TEST.test(g.cond)) continue;
        // The list added to, or the function building it, is named for tools (`tools.append(…)`, `offered.push(…)` in `offeredTools()`).
        const add = f.calls.find((c) => c.fn === g.fn && c.line > g.line && ADD_CALL.test(c.name) && /tool/i.test(`${c.callee.slice(0, -c.name.length)} ${shortName(g.fn)}`));
        if (!add) continue;
        out.push({ file: f.path, line: g.line, fn: g.fn, cond: g.cond, reason: `${shortName(g.fn)}() leaves a tool out unless a feature is there: \`${g.cond.slice(0, 70)}\` → continue, before ${add.callee}() (line ${add.line})` });
      }
    }
    return out;
  });
}

/** A parameter naming who the request is for: the user, the session, the caller. */
const USER_PARAM = /^(?:user|current_?user|currentUser|principal|requester|caller|account|identity|session|user_?context|userContext)$/;
/** A check that someone may use something: `_validate_tool_permissions`, `canUse`, `has_access`, `isAllowed`. */
const ACCESS_CHECK = /permi|access|allow|authori[sz]|entitle|^_?(?:can|may)(?:_|[A-Z])/i;

/**
 * The tool list built per user: a function taking the user (or session) walks the tools and adds
 * each one only when an access check on that tool and that user passes (`for tool in self._tools.values():
 * if await self._validate_tool_permissions(tool, user): schemas.append(tool.get_schema())`, or the
 * same check followed by `continue`). Each user's requests are offered only the tools they may use.
 */
function userCheckedPools(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:user-checked-pools', () => {
    const out: Evidence[] = [];
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      for (const l of f.loops) {
        if (l.kind !== 'for-of' || !/tool/i.test(l.cond)) continue;
        const fn = f.functions.find((x) => x.name === l.fn);
        const user = fn?.params.map(paramName).find((p) => USER_PARAM.test(p));
        if (!user) continue;
        const inLoop = (line: number) => line >= l.line && line <= l.end;
        const check = f.calls.find((c) => c.fn === l.fn && c.cond && inLoop(c.line) && ACCESS_CHECK.test(c.name) && c.args.some((a) => a.trim() === user || a.trim().startsWith(`${user}.`)) && c.args.some((a) => /^[A-Za-z_]\w*$/.test(a.trim()) && a.trim() !== user));
        if (!check) continue;
        const add = f.calls.find((c) => c.fn === l.fn && inLoop(c.line) && c.line >= check.line && ADD_CALL.test(c.name));
        if (!add) continue;
        out.push({ file: f.path, line: check.line, reason: `${shortName(l.fn)}(${user}) offers only the tools that ${user} may use: ${check.callee}(${check.args.join(', ').slice(0, 40)}) decides each tool before ${add.callee}() (line ${add.line})` });
      }
    }
    return out;
  });
}

/**
 * Agent role classes (see agentRoleClasses, agentSubclassRoles) that each override a tool-list class
 * attribute with a literal list of their own (`tools: list[str] = ["Plan", "Editor:read"]`,
 * `allowed_tools = [...]`): the tool set is declared per role in the class, and two roles list
 * different tools. The class form of "each agent type carries its own tool list".
 */
function roleClassToolLists(ctx: RuleContext): Array<Evidence & { cls: string }> {
  return ctx.memo('agents:role-class-tool-lists', () => {
    const classes = new Map<string, string>();
    for (const r of [...agentRoleClasses(ctx), ...agentSubclassRoles(ctx)]) if (!classes.has(r.name)) classes.set(r.name, r.file);
    const out: Array<Evidence & { cls: string; list: string }> = [];
    for (const [name, path] of classes) {
      const f = ctx.file(path);
      const c = f?.classes.find((x) => x.name === name);
      if (!f || !c) continue;
      const body = f.objects.find((o) => o.ctx === `class:${name}` && o.line === c.line);
      const key = body?.keys.find((k) => TOOLS_KEY.test(k));
      const list = key ? (body!.values[key] ?? '').trim() : '';
      // A literal list naming at least one tool; an empty list (`[]`, "all tools") does not narrow.
      if (!/^\[/.test(list) || /^\[\s*\]$/.test(list)) continue;
      const line = (f.binds ?? []).find((b) => b.name === key && b.line > c.line && b.line <= c.end)?.line ?? c.line;
      out.push({ file: f.path, line, cls: name, list, reason: `agent role class ${name} declares its own ${key} = ${list.slice(0, 60)}` });
    }
    if (new Set(out.map((x) => x.list)).size < 2) return [];
    return out.map(({ list: _l, ...e }) => e);
  });
}

/** A method returning an agent's tool list: `get_available_tools`, `getActions`, `get_tools`, `allowedTools`. */
const TOOL_LIST_METHOD = /^_?(?:get_?|list_?)?(?:available_?|allowed_?|enabled_?|own_?)?(?:tools?|actions?|functions?|skills?|toolsets?)(?:_?(?:list|names?))?$/i;

/**
 * Agent classes that each override a method returning their own tool list (`def get_available_tools(self):
 * return ["read_file", "grep"]` in each agent subclass, `getActions() { return { click: …, end: … } }`):
 * the tool set is declared per agent type in code. Two classes or more (named for agents, or deriving from
 * a class that is) must override the method with different contents (the strings, returned keys and
 * object keys in its body); a method only returning its parent's list is not a pool.
 */
function agentToolMethods(ctx: RuleContext): Array<Evidence & { cls: string }> {
  return ctx.memo('agents:agent-tool-methods', () => {
    const byMethod = new Map<string, Array<Evidence & { cls: string; sig: string }>>();
    for (const f of ctx.source) {
      if (f.role !== 'source' || !f.classes.length) continue;
      for (const c of f.classes) {
        if (!/agent/i.test(`${c.name} ${c.extends ?? ''}`)) continue;
        for (const fn of f.functions) {
          if (fn.line < c.line || fn.end > c.end || !fn.name.startsWith(`${c.name}.`)) continue;
          const m = fn.name.slice(c.name.length + 1);
          if (!TOOL_LIST_METHOD.test(m)) continue;
          const inBody = (line: number) => line > fn.line && line <= fn.end;
          const items = new Set<string>();
          for (const s of f.strings) if (inBody(s.line) && /^[A-Za-z_][\w.:-]{1,60}$/.test(s.value)) items.add(s.value);
          for (const o of f.objects) if (inBody(o.line) && o.fn === fn.name && (o.ctx === 'return' || o.ctx.startsWith('var:'))) for (const k of o.keys) items.add(k);
          if (!items.size) continue;
          const list = byMethod.get(m) ?? [];
          list.push({ file: f.path, line: fn.line, cls: c.name, sig: [...items].sort().join('|'), reason: `agent class ${c.name} returns its own tool list from ${m}() (${[...items].slice(0, 3).join(', ').slice(0, 60)})` });
          byMethod.set(m, list);
        }
      }
    }
    let best: Array<Evidence & { cls: string; sig: string }> = [];
    for (const list of byMethod.values()) {
      // Different lists in two classes or more, one naming two tools or more.
      if (new Set(list.map((x) => x.cls)).size < 2 || new Set(list.map((x) => x.sig)).size < 2 || !list.some((x) => x.sig.includes('|'))) continue;
      if (list.length > best.length) best = list;
    }
    return best.map(({ sig: _s, ...e }) => e);
  });
}

/** A collection named as the chosen tools: `selectedTools`, `enabled_tool_names`, `allowed_functions`. */
const CHOSEN_POOL = /^_?(?:selected|enabled|allowed|active|chosen|permitted)_?(?:tools?|functions?|plugins?)(?:_?names?|_?ids?)?$/i;
const ADD_TO = /^(?:push|append|extend|concat|add|register|registerTool|addTool)$/;

/**
 * A tool set built by walking the chosen tools: a loop over a selection (`for (const t of selectedTools)`,
 * `for name in enabled_tool_names`) that adds each one's tool definitions to a tool list
 * (`allTools = allTools.concat(fns)`, `tools.append(schema)`). The set sent is the selection itself,
 * so it is narrowed per request or session without a filter over a catalogue.
 */
function selectionBuiltPools(ctx: RuleContext): Evidence[] {
  return ctx.memo('agents:selection-built-pools', () => {
    const out: Evidence[] = [];
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      for (const l of f.loops) {
        if (l.kind !== 'for-of') continue;
        const iter = l.cond.trim().replace(/^await\s+/, '');
        if (!/^[\w.?]+$/.test(iter)) continue;
        const last = iter.split(/\??\./).pop()!;
        if (!CHOSEN_POOL.test(last) && !POOL_NAME.test(last)) continue;
        const add = f.calls.find((c) => c.fn === l.fn && c.line > l.line && c.line <= l.end && ADD_TO.test(c.name) && /tool|function/i.test(c.callee.slice(0, -c.name.length)));
        if (!add) continue;
        out.push({ file: f.path, line: l.line, reason: `the tool list is built from the chosen tools only: a loop over ${iter} adds each to ${add.callee.slice(0, -add.name.length - 1)} (line ${add.line})` });
      }
    }
    return out;
  });
}

export default defineRule({
  id: 'agents.tool-pools',
  principle: 'agents',
  title: 'Tool sets are assembled per agent or session',
  rationale:
    'Giving every agent every tool widens the blast radius and the prompt; a pool filtered per agent or session keeps a read-only explorer from writing files.',
  remediation:
    "Assemble each agent's tools from the registry through an allow-list (per agent type, mode or session flag) and pass only that pool to the model and to dispatch; see the exemplar agents.ts.",
  exemplar: 'src/reference-harness/agents/agents.ts',
  detect(ctx) {
    // A table of tool names declared per mode or group, its entry read with the request's mode and handed on as the tool list.
    const perMode = modeToolTables(ctx);
    if (perMode.length) {
      const x = perMode[0];
      return finding('present', `the tool set is chosen per mode from a table of tool lists: ${x.reason} (${at(x.file, x.line)})`, [x, { file: x.table.file, line: x.table.line, reason: `${x.table.name} declares a tool list per ${x.key.split('.').pop()}` }, ...perMode.slice(1, 2)].map(({ file, line, reason }) => ({ file, line, reason })));
    }
    // A tool collection picked over another by a test on the mode (`chatType === ChatType.ASK ? readOnlyToolset : allToolset`).
    const picked = modePickedToolSets(ctx);
    if (picked.length) {
      const x = picked[0];
      return finding('present', `the tool set is chosen per mode: ${x.reason} (${at(x.file, x.line)})${x.call ? `, and ${x.call.reason} (${at(x.call.file, x.call.line)})` : ''}`, [x, ...(x.call ? [x.call] : []), ...picked.slice(1, 2)].map(({ file, line, reason }) => ({ file, line, reason })));
    }
    const active = activeToolsOption(ctx);
    if (active && active.narrows) {
      // A framework option resolved, but whether its value makes a pool per agent or session (rather
      // than one agent's per-request switch) is read from the value's text: not 'high'.
      return finding('present', `the tool set is narrowed per call through the AI SDK's ${active.key} option (${at(active.file, active.line)})`, [active], 'low');
    }
    // High when the first filter is an allow/exclude/mode test over a collection named as tools.
    const first = toolFilters(ctx)[0];
    // A pool-named function (`filterTools()`) is never strong (see toolFilters): only its name says it narrows.
    const strongFirst = !!first?.strong && !!first.onTools;
    const filters = toolFilters(ctx).map(({ strong: _s, onTools: _t, ...e }) => e);
    const perAgent = agentDefinitions(ctx);
    // A registry built where a sub-agent is started (the sub-agent tool's own file) first.
    const siteFiles = new Set(subagentSites(ctx).map((x) => x.file));
    const registries = perAgentRegistries(ctx).slice().sort((a, b) => Number(siteFiles.has(b.file)) - Number(siteFiles.has(a.file)));
    if (registries.length) {
      return finding('present', `each agent gets its own tool registry filled from its own tool list (${at(registries[0].file, registries[0].line)})`, [...registries.slice(0, 2), ...filters.slice(0, 2), ...perAgent.slice(0, 1)], 'high');
    }
    if (filters.length) {
      return finding('present', `the tool set is narrowed before use: ${filters[0].reason} (${at(filters[0].file, filters[0].line)})`, [...filters.slice(0, 3), ...perAgent.slice(0, 1)], strongFirst ? 'high' : 'low');
    }
    // A tool-set factory that takes the mode or agent kind and adds tools only in some modes, called with the agent's mode.
    const factories = conditionalToolSets(ctx);
    if (factories.length) {
      const x = factories[0];
      return finding('present', `${x.reason} (${at(x.file, x.line)}), and ${x.call!.reason.replace(/ builds/, ' builds')} (${at(x.call!.file, x.call!.line)})`, [{ file: x.file, line: x.line, reason: x.reason }, x.call!, ...perAgent.slice(0, 1)], x.resolved ? 'high' : 'low');
    }
    // Tools instantiated one by one from the names a configuration or the command line lists.
    const named = namedToolSelections(ctx);
    if (named.length) {
      return finding('present', `the tool set is chosen by name: ${named[0].reason} (${at(named[0].file, named[0].line)})`, [...named.slice(0, 2), ...perAgent.slice(0, 1)]);
    }
    // Tool-set builder functions, one per agent role, that assemble overlapping but different tool lists.
    const builders = toolSetBuilders(ctx);
    if (builders.length) {
      const b = builders[0];
      return finding('present', `${builders.length} functions each assemble a different tool set for the agent that calls them (${builders.slice(0, 3).map((x) => `${x.fn}() at ${at(x.file, x.line)}`).join(', ')})`, [...builders.slice(0, 3).map(({ fn: _f, calls: _c, ...e }) => e), ...b.calls.slice(0, 1)]);
    }
    if (new Set(perAgent.map((d) => d.name)).size >= 2) {
      return finding('present', `each agent type carries its own tool list (${perAgent[0].name.slice(0, 30)} at ${at(perAgent[0].file, perAgent[0].line)})`, perAgent.slice(0, 3));
    }
    // Agents as data: each instance carries its own name, prompt and tools, and the model call is handed that instance's list.
    const own = agentOwnToolPools(ctx);
    if (own.length) {
      const x = own[0];
      return finding('present', `each agent sends the model only its own tool list: ${x.reason.replace(/^.*?: /, '')} (${at(x.file, x.line)}), and ${x.cls} instances each carry their own ${x.field}`, [x, x.decl, ...perAgent.slice(0, 1)].map(({ file, line, reason }) => ({ file, line, reason })));
    }
    // Agent classes registered by name, each assembling its own tool list in its own method.
    const registered = registeredAgentClasses(ctx).filter((x) => x.toolsMember);
    if (registered.length >= 2) {
      return finding('present', `${registered.length} agent classes registered by name each assemble their own tool set (${registered.slice(0, 3).map((r) => `${r.name}.${r.toolsMember}`).join(', ')})`, registered.slice(0, 3).map((r) => ({ file: r.file, line: r.toolsLine ?? r.line, reason: `${r.name}.${r.toolsMember}() assembles the tool set of agent type ${r.name}` })));
    }
    const configured = configToolPools(ctx);
    if (configured.length) {
      return finding('present', `agent configurations list different tool sets (${configured.length} distinct sets, e.g. ${at(configured[0].file, configured[0].line)})`, configured.slice(0, 3), 'high');
    }
    // Agent factory functions, each building its agent with a tool list written out there, the lists differing.
    const built = perAgentToolLists(ctx);
    if (built.length) {
      return finding('present', `${built.length} functions each build an agent with their own tool list (${built[0].reason}, ${at(built[0].file, built[0].line)})`, built.slice(0, 3));
    }
    // A tool or action set assembled while leaving out the names its caller (or the configuration) chooses.
    const skips = rankLive(ctx, skipListPools(ctx)).evidence;
    if (skips.length) {
      return finding('present', `the tool set is assembled without the names its caller chooses: ${skips[0].reason} (${at(skips[0].file, skips[0].line)})`, skips.slice(0, 3));
    }
    // Names the configuration (or the caller) leaves out, taken out of the tool set one by one.
    const removed = exclusionLoops(ctx);
    if (removed.length) {
      return finding('present', `the tool set is narrowed by an exclude list: ${removed[0].reason} (${at(removed[0].file, removed[0].line)})`, removed.slice(0, 3));
    }
    // The tools offered to each user decided one by one by an access check on that user.
    const perUser = userCheckedPools(ctx);
    if (perUser.length) {
      return finding('present', `the tool set is assembled per user: ${perUser[0].reason} (${at(perUser[0].file, perUser[0].line)})`, perUser.slice(0, 3));
    }
    // Tools left out of the list being built unless a feature, entitlement or resource is there.
    const gated = featureGatedSkips(ctx);
    if (gated.length) {
      const conds = new Set(gated.filter((g) => g.fn === gated[0].fn).map((g) => g.cond));
      const ev = gated.slice(0, 3).map(({ fn: _f, cond: _c, ...e }) => e);
      return conds.size >= 2
        ? finding('present', `the tool set is assembled per deployment and session: ${conds.size} tools are left out unless their feature is there (${gated[0].reason}, ${at(gated[0].file, gated[0].line)})`, ev)
        : finding('partial', `one tool is left out unless a feature is there (${gated[0].reason}, ${at(gated[0].file, gated[0].line)}); no per-agent or per-session allow-list`, ev);
    }
    // Tool sources (MCP servers, plugins) narrowed to the ones the session, agent or request selected.
    const selected = selectedToolSources(ctx);
    if (selected.length) {
      const x = selected[0];
      const ev = selected.slice(0, 2).map(({ session: _s, ...e }) => e);
      return x.session
        ? finding('present', `the tools offered on each request are only those of the sources the session selected: ${x.reason} (${at(x.file, x.line)})`, ev)
        : finding('partial', `the tools offered on a request are narrowed to the sources the request selected (${x.reason} at ${at(x.file, x.line)}), but the selection is one request's choice of sources, not a pool held per agent or session`, ev);
    }
    // The tool list built by walking a selection of tools.
    const chosen = selectionBuiltPools(ctx);
    if (chosen.length) {
      return finding('present', `the tool set is assembled from a selection: ${chosen[0].reason} (${at(chosen[0].file, chosen[0].line)})`, chosen.slice(0, 3));
    }
    if (active) {
      return finding('partial', `the AI SDK's ${active.key} option only switches between all tools and none (${at(active.file, active.line)}); no per-agent or per-session allow-list`, [active], 'high');
    }
    // Role classes that each declare their own literal tool list as a class attribute.
    const classLists = rankLive(ctx, roleClassToolLists(ctx)).evidence as ReturnType<typeof roleClassToolLists>;
    if (classLists.length) {
      return finding('present', `${classLists.length} agent role classes each declare their own tool list (${classLists.slice(0, 3).map((x) => `${x.cls} at ${at(x.file, x.line)}`).join(', ')})`, classLists.slice(0, 3).map(({ cls: _c, ...e }) => e));
    }
    // Agent classes that each override a method returning their own tool list.
    const methods = rankLive(ctx, agentToolMethods(ctx)).evidence as ReturnType<typeof agentToolMethods>;
    if (methods.length) {
      return finding('present', `${methods.length} agent classes each return their own tool list (${methods.slice(0, 3).map((x) => `${x.cls} at ${at(x.file, x.line)}`).join(', ')})`, methods.slice(0, 3).map(({ cls: _c, ...e }) => e));
    }
    // A per-call switch between every tool and none through the tool-choice option.
    const choice = toolChoiceSwitch(ctx);
    if (choice) {
      return finding('partial', `the model call's tool choice only switches between every tool and none (${choice.reason}, ${at(choice.file, choice.line)}); no per-agent or per-session allow-list`, [choice]);
    }
    // Roles as agent subclasses change what the agent may do (their own edit/apply methods) without a tool list per role.
    const roles = agentSubclassRoles(ctx);
    if (new Set(roles.map((r) => r.name)).size >= 2) {
      return finding('partial', `agent roles are subclasses of ${roles[0].base} (${roles.slice(0, 3).map((r) => r.name).join(', ')}) whose capabilities differ by class, but no tool list is assembled per role`, roles.slice(0, 2));
    }
    // Role classes (each naming itself or carrying its own prompt) whose abilities are written in each class's code.
    const roleClasses = agentRoleClasses(ctx);
    if (new Set(roleClasses.map((r) => r.identity ?? r.name)).size >= 2) {
      return finding('partial', `agent roles are classes deriving from ${roleClasses[0].base} (${roleClasses.slice(0, 3).map((r) => r.name).join(', ')}) whose capabilities differ by class, but no tool list is assembled per role`, roleClasses.slice(0, 2));
    }
    // Python: a comprehension keeping the tools an allow, enable or exclude list selects.
    const sieves = toolSieves(ctx);
    if (sieves.length) {
      return finding('present', `the tool set is narrowed before use: ${sieves[0].reason} (${at(sieves[0].file, sieves[0].line)})`, sieves.slice(0, 3), 'low');
    }
    const vocab = poolVocabulary(ctx);
    if (vocab.length) {
      return finding('partial', `tool allow/exclude settings are declared (${vocab[0].reason} at ${at(vocab[0].file, vocab[0].line)}) but no code narrows the tool set with them`, vocab.slice(0, 3));
    }
    const option = perInstanceToolOption(ctx);
    if (option) {
      return finding('partial', `a tool set can be passed per agent (${option.reason} at ${at(option.file, option.line)}) but no code narrows or chooses it per agent or session`, [option]);
    }
    return finding('absent', 'every agent gets every tool: no allow-list, exclude list or per-agent tool filtering was found');
  },
});
