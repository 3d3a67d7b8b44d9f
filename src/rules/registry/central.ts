import { shortName, type RuleContext } from '../context.js';
import { defineRule } from '../types.js';
import { EXEC_KEY, frameworkToolUse, SCHEMA_KEY, toolDeclarations, toolDispatch, toolListSites, toolLookups } from '../shared/tools.js';

import { actionSchemas, agentFrameworkUse, branchDispatch, configTools, elementListSites, indexedListSite, nameIndexedLookups, registryListSite, searchLookups } from './mechanisms.js';

/** A provider's model call, which returns the tool calls for the harness to run: not a runner. */
const RAW_MODEL_CALL = /(?:^|\.)(?:messages|completions|responses|chat)\.(?:create|stream|parse)$|^(?:[\w.]+\.)?(?:chat|create|completion|acompletion)$/;

export default defineRule({
  id: 'registry.central',
  principle: 'registry',
  title: 'One registry lists the tools for the model and dispatches calls',
  rationale:
    'When the tool list sent to the model and the dispatch of its calls both come from one registry, a tool cannot be advertised without being runnable, nor run without being declared.',
  remediation:
    'Keep the tools in one registry (a Map keyed by name): generate the model-facing tool list from it and dispatch each tool call by looking its name up in it; see the exemplar.',
  exemplar: 'src/reference-harness/tools/registry.ts',
  detect(ctx) {
    const decls = toolDeclarations(ctx);
    // The dispatch of the model's calls first: a lookup keyed by the runtime call's name
    // (`toolCall.name`, `block.name`) in a tools collection, before lookups of one known tool
    // (`refs.find((r) => r.name === CodebaseTool.toolName)`) or of something else by id.
    const score = (d: ReturnType<typeof toolDispatch>[number]) => {
      const t = d.lookup.text;
      const rhs = /===?\s*([\w.]+)/.exec(t)?.[1] ?? '';
      let v = d.execFn === d.lookupFn ? 2 : 0;
      // The key names the model's call (`toolCall.name`, `block.name`); the collection's own name does not count.
      const key = t.slice(d.lookup.target.length);
      if (/call|\bfc\b|block|invocation|tool_?use|\bpart\b|request\.name|req\.name/i.test(key)) v += 2;
      if (/^[A-Z][A-Z0-9_]+$|^[A-Z]\w*\.\w+$/.test(rhs)) v -= 3;
      if (/tools\b|registry/i.test(d.lookup.target)) v += 1;
      // A registry of the user's commands (`_command_registry[name]`) runs slash commands, not the model's tools.
      if (/command|cmd|slash/i.test(d.lookup.target) && !/tool/i.test(d.lookup.target)) v -= 4;
      // A lookup inside one tool's own declaration (a tool that routes to its own sub-tools) is
      // that tool's implementation, not the harness's dispatch of the model's calls.
      if (insideTool(d.lookup.file, d.lookup.line)) v -= 3;
      return v;
    };
    const spans = ctx.memo('registry:tool-decl-spans', () => {
      const m = new Map<string, Array<[number, number]>>();
      for (const x of decls) if (x.end && x.end > x.line) m.set(x.file, [...(m.get(x.file) ?? []), [x.line, x.end]]);
      return m;
    });
    const insideTool = (file: string, line: number) => !!spans.get(file)?.some(([a, b]) => line > a && line <= b);
    // Ties: the lookup in the module most imported by the harness (its core, not a side entry point).
    const fanIn = ctx.memo('registry:import-fan-in', () => {
      const m = new Map<string, number>();
      for (const f of ctx.source) {
        for (const i of f.imports) {
          if (!i.from.startsWith('.')) continue;
          const base = i.from.replace(/\.[cm]?[jt]sx?$/, '').replace(/^.*\//, '');
          m.set(base, (m.get(base) ?? 0) + 1);
        }
      }
      return m;
    });
    const fileFanIn = (file: string) => fanIn.get(file.replace(/^.*\//, '').replace(/\.\w+$/, '')) ?? 0;
    const dispatch = toolDispatch(ctx)
      .map((d, i) => ({ d, i, s: score(d), f: fileFanIn(d.lookup.file) }))
      .sort((a, b) => b.s - a.s || b.f - a.f || a.i - b.i)
      .map((x) => x.d);
    const lists = toolListSites(ctx);
    const d = dispatch[0];
    // The list built by iterating the very collection the dispatch looks names up in: one registry.
    const own = d ? registryListSite(ctx, d.lookup.target) : undefined;
    // Or the dispatch map is the model's tool list indexed by name (`new Map(tools.map((t) => [t.name, t]))`).
    const indexed = d && !own ? indexedListSite(ctx, d.lookup.target) : undefined;
    const l = own ?? indexed ?? lists[0] ?? (d ? elementListSites(ctx)[0] : undefined);
    // Built-in tools run by one branch each (a switch on the name) beside a registry: partial.
    const branch = d && (branchDispatch(ctx, d.lookupFn) ?? branchDispatch(ctx, d.execFn));
    if (d && l && branch) {
      return {
        level: 'partial',
        reason: `the model's tool list is generated from tool data, but tool calls run through one branch per tool (${branch.receivers.length} tools called by .${branch.method}() in ${branch.fn}()); only ${d.lookup.text} is looked up by name`,
        evidence: [
          { file: branch.file, line: branch.lines[0], reason: `tool run by its own branch: ${branch.receivers[0]}.${branch.method}()` },
          { file: branch.file, line: branch.lines[1], reason: `tool run by its own branch: ${branch.receivers[1]}.${branch.method}()` },
          { file: l.file, line: l.line, reason: l.reason },
        ],
        confidence: 'low',
      };
    }
    // The name looked up in a table written inside the dispatch function itself (`const toolMap =
    // { read_file: ReadFileTool, … }; toolMap[params.name]`) while the model's list comes from
    // another collection: two lists of the tools kept apart by hand, not one registry.
    const table = d && !own && !indexed ? localDispatchTable(ctx, d.lookup) : undefined;
    if (d && l && table) {
      return {
        level: 'partial',
        reason: `calls are dispatched through a name table written inside ${shortName(d.lookup.fn)}() (${table.keys} entries), apart from the collection the model's tool list is generated from (${l.reason})`,
        evidence: [
          { file: d.lookup.file, line: d.lookup.line, reason: `tool looked up by name in a local table: ${d.lookup.text}` },
          { file: table.file, line: table.line, reason: `dispatch table declared in ${shortName(d.lookup.fn)}(), separate from the tool list` },
          { file: l.file, line: l.line, reason: l.reason },
        ],
        confidence: 'low',
      };
    }
    if (d && l) {
      return {
        level: 'present',
        reason: `calls are dispatched by name lookup (${d.lookup.text} in ${d.lookup.fn}()) and the model's tool list is generated from tool data (${l.reason})`,
        evidence: [
          { file: d.lookup.file, line: d.lookup.line, reason: `tool looked up by name: ${d.lookup.text}` },
          ...(indexed ? [indexed.index] : [{ file: d.exec.file, line: d.exec.line, reason: `looked-up tool executed: ${d.exec.callee}()` }]),
          { file: l.file, line: l.line, reason: l.reason },
        ],
        // The lookup and the call on what it returned sit in one function, or the model's list is
        // generated from the very collection the name is looked up in: the dispatch is resolved.
        confidence: d.execFn === d.lookupFn || own ? 'high' : 'low',
      };
    }
    // Tools handed to a framework (AI SDK, Agents SDK, LangGraph) that lists and dispatches them.
    // A raw model API call (`client.messages.create(tools=…)`, `chat.completions.create`, `chat(…)`)
    // only sends the list: it returns tool calls and dispatches none.
    const fw = frameworkToolUse(ctx).filter((x) => !RAW_MODEL_CALL.test(x.runner) && !schemasOnly(ctx, x));
    // A runner handed tools of its own package (declared beside it or imported from a tools module)
    // first; a runner anywhere else (an integration example handing its own tools, a model client
    // forwarding `options.tools`) only when no runner is handed the harness's declared tools.
    const execFiles = decls.filter((x) => x.hasExec).map((x) => x.file);
    const handed = d ? [] : fw.filter((x) => handsOwnTools(ctx, x.file, execFiles));
    if (!d && handed.length) {
      // A runner imported from an agent framework that lists and dispatches the tools itself.
      const imported = (x: (typeof fw)[number]) => agentFrameworkUse(ctx).includes(x);
      const u = handed.find(imported) ?? handed[0];
      return {
        level: 'present',
        reason: `the declared tools are handed as one collection to ${u.runner}() (${u.file}:${u.line}), which lists them for the model and dispatches calls by name`,
        evidence: [
          { file: u.file, line: u.line, reason: `tool collection passed to ${u.runner}()` },
          ...decls.filter((x) => x.hasExec).slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `tool ${x.name} declared with its execute function` })),
        ],
        // High when the runner is imported from an agent framework and is handed tools declared
        // beside it (its own package), not tools of another package of a monorepo.
        confidence: imported(u) && handsOwnTools(ctx, u.file, decls.filter((x) => x.hasExec).map((x) => x.file)) ? 'high' : 'low',
      };
    }
    // Tools declared in configuration, loaded into a model; the list is generated from the models
    // and calls are looked up in a collection indexed by name.
    const cfg = configTools(ctx).filter((t) => t.model);
    if (!d && cfg.length) {
      const el = elementListSites(ctx)[0];
      const lk = nameIndexedLookups(ctx)[0];
      if (el && lk) {
        return {
          level: 'present',
          reason: `${cfg.length} tools declared in configuration are loaded into ${cfg[0].model!.name}; the model's tool list is generated from them (${el.file}:${el.line}) and calls are looked up by name (${lk.file}:${lk.line})`,
          evidence: [
            { file: lk.file, line: lk.line, reason: lk.reason },
            { file: el.file, line: el.line, reason: el.reason },
            { file: cfg[0].file, line: cfg[0].line, reason: `tool '${cfg[0].name}' declared in configuration` },
          ],
          // Configuration facts loaded into a model class, a list built from its entries and a lookup by name.
          confidence: 'high',
        };
      }
    }
    // Tools declared in configuration and loaded into a model class, with no lookup by name found:
    // the configuration is one collection of tools, but no dispatch through it is seen.
    if (!d && cfg.length) {
      const t = cfg[0];
      return {
        level: 'partial',
        reason: `${cfg.length} tools declared in configuration are loaded into ${t.model!.name} (${t.model!.file}:${t.model!.line}), one collection of tools, but no dispatch of the model's calls by looking a name up in it was found`,
        evidence: [
          { file: t.model!.file, line: t.model!.line, reason: `tool model ${t.model!.name} loaded from each configured tool` },
          { file: t.file, line: t.line, reason: `tool '${t.name}' declared in configuration` },
        ],
        confidence: 'low',
      };
    }
    // A registry searched by a loop (`for f in functions: if f.name == name: return f.execute`) whose
    // result a caller runs, with the model's list generated in the same module.
    const search = d ? undefined : searchLookups(ctx)[0];
    if (search) {
      const list = search.list ?? l;
      return {
        level: list ? 'present' : 'partial',
        reason: list
          ? `calls are dispatched by searching ${search.collection} for the called name (${shortName(search.fn)}()) and the model's tool list is generated from it (${list.reason})`
          : `calls are dispatched by searching ${search.collection} for the called name (${shortName(search.fn)}()) but no tool list generated from the same data was found`,
        evidence: [
          { file: search.file, line: search.line, reason: `tool found by name in ${search.collection}` },
          { file: search.exec.file, line: search.exec.line, reason: `found tool executed: ${search.exec.text}` },
          ...(list ? [{ file: list.file, line: list.line, reason: list.reason }] : []),
        ],
        confidence: 'low',
      };
    }
    // Framework runners exist, but each is handed tools other than the ones the harness declares
    // (an integration handing its own tools, a model client forwarding `options.tools`).
    if (!d && fw.length && execFiles.length) {
      const u = fw[0];
      const t = decls.find((x) => x.hasExec)!;
      return {
        level: 'partial',
        reason: `${decls.filter((x) => x.hasExec).length} tools are declared with their code (e.g. ${t.file}:${t.line}), but neither a lookup by name nor a framework runner handed them was found; the runner ${u.runner}() at ${u.file}:${u.line} is handed other tools`,
        evidence: [
          { file: t.file, line: t.line, reason: `tool ${t.name} declared with its execute function` },
          { file: u.file, line: u.line, reason: `${u.runner}() is handed tools not declared in its package` },
        ],
        confidence: 'low',
      };
    }
    if (d) {
      return {
        level: 'partial',
        reason: `calls are dispatched by name lookup (${d.lookup.text}) but no tool list generated from the same data was found`,
        evidence: [{ file: d.lookup.file, line: d.lookup.line, reason: `tool looked up by name: ${d.lookup.text}` }],
      };
    }
    if (l && decls.length) {
      return {
        level: 'partial',
        reason: `the model's tool list is generated from tool data (${l.reason}) but calls are not dispatched by looking the name up in a registry`,
        evidence: [{ file: l.file, line: l.line, reason: l.reason }],
      };
    }
    // No tools, but the actions the model may choose are offered from one collection
    // (`z.enum(Object.keys(actionSchemas))`) and run by a branch per action.
    const acts = decls.length ? undefined : actionSchemas(ctx).find((a) => a.generated);
    if (acts) {
      return {
        level: 'partial',
        reason: `${acts.generated!.reason}, but the chosen action is run by a branch per action (${acts.branches.length} branches on '${acts.disc}'), not looked up in that collection`,
        evidence: [acts.generated!, ...acts.branches.slice(0, 2)],
        confidence: 'low',
      };
    }
    return {
      level: 'absent',
      reason: decls.length ? 'tools are declared but no registry both builds the model\'s tool list and dispatches calls by name' : 'no tool registry: no tools declared as data, no dispatch by name lookup',
      evidence: [],
      // Nothing anywhere looks a tool up by a runtime name and no framework is handed the tools.
      confidence: !toolLookups(ctx).length && !agentFrameworkUse(ctx).length && !configTools(ctx).length && !searchLookups(ctx).length ? 'high' : 'low',
    };
  },
});

/** The object literal a lookup reads when it is declared in the lookup's own function: a local dispatch table. */
function localDispatchTable(ctx: RuleContext, l: { file: string; fn: string; target: string; line: number }): { file: string; line: number; keys: number } | undefined {
  if (!/^[A-Za-z_$][\w$]*$/.test(l.target)) return undefined;
  const o = ctx.file(l.file)?.objects.find((x) => x.fn === l.fn && x.ctx === `var:${l.target}` && x.line <= l.line && x.keys.length >= 3);
  return o ? { file: l.file, line: o.line, keys: o.keys.length } : undefined;
}

/**
 * The tools handed to a framework runner are built in the same function as schemas only
 * (`{ description, inputSchema: jsonSchema(t.inputSchema) }`, no execute): the framework returns the
 * model's tool calls to the caller and dispatches none itself.
 */
function schemasOnly(ctx: RuleContext, u: { file: string; line: number }): boolean {
  const objs = ctx.file(u.file)?.objects ?? [];
  const fn = objs.find((o) => o.line === u.line && o.ctx.startsWith('arg:'))?.fn;
  if (!fn || fn === '<top>') return false;
  let schemas = 0;
  for (const o of objs) {
    if (o.fn !== fn || o.line > u.line) continue;
    if (o.keys.some((k) => EXEC_KEY.test(k))) return false;
    if (o.keys.some((k) => /^(?:description|desc)$/.test(k)) && o.keys.some((k) => SCHEMA_KEY.test(k))) schemas++;
  }
  return schemas > 0;
}

/** The runner's file declares executable tools or imports a module that does (`@/lib/ai/tools/get-weather`, `../tools/index.js`). */
function handsOwnTools(ctx: RuleContext, file: string, declFiles: string[]): boolean {
  if (declFiles.includes(file)) return true;
  const stems = declFiles.map((d) => d.replace(/\.[cm]?[jt]sx?$|\.py$/, ''));
  for (const i of ctx.file(file)?.imports ?? []) {
    const tail = i.from.replace(/^(?:@|~)\//, '').replace(/^(?:\.\.?\/)+/, '').replace(/\.[cm]?[jt]sx?$/, '').replace(/\/index$/, '');
    if (tail.length < 3 || !/[/.]/.test(i.from)) continue;
    const dotted = tail.replace(/\./g, '/');
    if (stems.some((s) => s.endsWith(tail) || s.endsWith(`${tail}/index`) || s.endsWith(dotted) || s.startsWith(`${tail}/`) || s.includes(`/${tail}/`))) return true;
  }
  return false;
}
