import { defineRule, detectOnce } from '../types.js';
import central from './central.js';
import { shortName, type RuleContext } from '../context.js';
import { EXEC_KEY, MCP_SERVER_MODULE, SCHEMA_KEY, schemaGetter, shellSinks, toolDeclarations, toolDispatch, toolLookups } from '../shared/tools.js';
import { actionSchemas, agentFrameworkUse, configTools, frameworkFunctionTools, introspectedMethods, listedTools, shapedTools, toolGenerators, unrecognisedDispatch } from './mechanisms.js';

const NOT_TOOL_SHAPE = /result|call|use|message|error|event|response|part|choice|delta|config|option|param|props|state|status|info|context|progress|approval|update|request/i;

/**
 * The type or base class that gives every tool its shape (name, description, input schema):
 * `interface Tool { name; description; input_schema }`, `abstract class BaseTool`. The clearest
 * evidence that tools are declared as data; the shortest name in a tools file wins.
 */
/** A member that holds or returns the input schema (`parameters`, `get_args_schema()`). */
const isSchemaMember = (m: string): boolean => SCHEMA_KEY.test(m) || schemaGetter(m);

function toolShape(ctx: RuleContext): { file: string; line: number; name: string; members: string[] } | undefined {
  return ctx.memo('registry:tool-shape', () => {
    // How many tool-declaring files use each name: imported, extended or implemented.
    const declFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    const uses = new Map<string, number>();
    const bump = (n: string) => uses.set(n, (uses.get(n) ?? 0) + 1);
    for (const file of declFiles) {
      const f = ctx.file(file);
      // An MCP client or server file types the tools of another process, not the harness's own.
      if (!f || bridges(ctx, file)) continue;
      const names = new Set<string>();
      for (const i of f.imports) for (const n of i.names) names.add(n);
      for (const c of f.classes) {
        if (c.extends) names.add(c.extends.replace(/<.*$/s, '').replace(/^.*\./, ''));
        for (const i of c.implements) names.add(i.replace(/<.*$/s, ''));
      }
      for (const n of names) bump(n);
    }
    // The schema keys the declarations use (`inputSchema`, `parameters`): a shape that names its schema
    // differently (a telemetry record's `parameters` beside tools declared with `inputSchema`) shapes other data.
    const decls = toolDeclarations(ctx);
    const declExec = decls.some((d) => d.hasExec);
    const declSchema = new Set(decls.filter((d) => d.hasExec || !declExec).flatMap((d) => d.keys.filter(isSchemaMember)));
    let best: { file: string; line: number; name: string; members: string[]; score: number } | undefined;
    for (const f of ctx.source) {
      const cands = [
        ...f.types.filter((t) => t.kind === 'interface' || t.kind === 'alias').map((t) => ({ name: t.name, line: t.line, members: t.members })),
        ...f.classes.map((c) => ({ name: c.name, line: c.line, members: c.members })),
      ];
      for (const c of cands) {
        if (!/tool/i.test(c.name) || NOT_TOOL_SHAPE.test(c.name.replace(/tool/i, ''))) continue;
        if (!c.members.includes('name') || !c.members.some((m) => /^(?:description|desc)$/.test(m)) || !c.members.some(isSchemaMember)) continue;
        // Used by the tool declarations (or declared beside them) before a short name.
        const used = (uses.get(c.name) ?? 0) + (declFiles.has(f.path) ? 1 : 0);
        if (!used) continue;
        if (declSchema.size && !c.members.some((m) => declSchema.has(m))) continue;
        // A shape that also carries the code the tool runs is the tool's own type, not only its schema.
        const score = used * 100 - c.name.length + (declExec && c.members.some((m) => EXEC_KEY.test(m)) ? 150 : 0);
        if (!best || score > best.score) best = { file: f.path, line: c.line, name: c.name, members: c.members, score };
      }
    }
    return best;
  });
}

/**
 * Modules of the MCP protocol, client or server side: a file importing one converts tools that come
 * from (or go to) another process, so its declarations and shapes are not the harness's own tools.
 */
const MCP_BRIDGE = /^(?:mcp|fastmcp|langchain_mcp_adapters)(?:\.[\w.]+)?$|^@modelcontextprotocol\/sdk(?:\/[\w./-]+)?$|^@ai-sdk\/mcp$/;
const bridges = (ctx: RuleContext, file: string): boolean =>
  ctx.memo('registry:mcp-bridge-files', () => new Set(ctx.source.filter((f) => f.imports.some((i) => MCP_BRIDGE.test(i.from))).map((f) => f.path))).has(file);

/** Methods that run a tool, on the class that also returns its schema. */
const RUN_MEMBER = /^(?:execute|run|call|invoke|forward|__call__|handle|handler|_run|arun|_arun)$/;

/**
 * A schema object returned by a method of a class that also has the method running the tool
 * (`class Function(BaseModel)` with `execute()` and `openai_schema()` returning name, description,
 * parameters): the declaration and its implementation are one class.
 */
function classRuns(ctx: RuleContext, d: { kind: string; file: string; line: number }): boolean {
  if (d.kind !== 'object') return false;
  const f = ctx.file(d.file);
  const o = f?.objects.find((x) => x.line === d.line);
  const dot = o ? o.fn.lastIndexOf('.') : -1;
  if (!f || !o || dot <= 0) return false;
  const cls = o.fn.slice(0, dot);
  const c = f.classes.find((x) => x.name === cls && x.line <= o.line && x.end >= o.end);
  return !!c && c.members.some((m) => RUN_MEMBER.test(m) && m !== o.fn.slice(dot + 1));
}


/** Tools obtained as data from MCP servers' listings or OpenAPI plugin specs (see listedTools). */
function listedVerdict(ctx: RuleContext) {
  const all = listedTools(ctx);
  const listed = all[0];
  return {
    level: 'present' as const,
    reason: `tools are declared as data generated from ${listed.kind === 'mcp' ? "MCP servers' tool listings" : 'OpenAPI plugin operations'} (${listed.source.file}:${listed.source.line}), each normalised into name, description and input schema${listed.call ? ` and run by name through the MCP client (${listed.call.file}:${listed.call.line})` : ''}`,
    evidence: [
      { file: listed.file, line: listed.line, reason: listed.reason },
      ...(listed.call ? [listed.call] : []),
      ...(all.find((x) => x.kind !== listed.kind) ? [all.find((x) => x.kind !== listed.kind)!] : [listed.source]),
    ],
    confidence: 'low' as const,
  };
}

/** A member that gives the model a tool's description or usage text. */
const DOC_MEMBER = /^(?:documentation|get_?documentation|getDocumentation|docs?|docstring|description|get_?description|getDescription|describe|help|usage)$/;
/** A member that runs the tool. */
const TOOL_RUN_MEMBER = /^(?:function|run|_run|arun|execute|exec|call|__call__|invoke|ainvoke|handle|handler|apply)$/;

/**
 * Tools as subclasses of a tool base class that names each tool and documents it in prose (members
 * `name`, `documentation()` or `description`, and a run method), with three or more subclasses in the
 * repo: each tool carries its name, its description and its code, but no input schema (arguments are
 * read from text). LangChain's `BaseTool` subclasses without `args_schema`, Devon- and SWE-style
 * command classes are this shape.
 */
function documentedToolClasses(ctx: RuleContext): { base: { file: string; line: number; name: string }; subs: Array<{ file: string; line: number; name: string }> } | undefined {
  return ctx.memo('registry:documented-tool-classes', () => {
    const bases = new Map<string, { file: string; line: number; name: string }>();
    for (const f of ctx.source) {
      for (const c of f.classes) {
        if (!/Tool$/.test(c.name) || !c.members.includes('name') || !c.members.some((m) => DOC_MEMBER.test(m)) || !c.members.some((m) => TOOL_RUN_MEMBER.test(m))) continue;
        if (c.members.some((m) => SCHEMA_KEY.test(m))) continue;
        bases.set(c.name, { file: f.path, line: c.line, name: c.name });
      }
    }
    if (!bases.size) return undefined;
    const subs = new Map<string, Array<{ file: string; line: number; name: string }>>();
    for (const f of ctx.source) {
      for (const c of f.classes) {
        const b = c.extends?.replace(/[<[(].*$/s, '').split('.').pop()?.trim();
        if (!b || !bases.has(b)) continue;
        subs.set(b, [...(subs.get(b) ?? []), { file: f.path, line: c.line, name: c.name }]);
      }
    }
    const best = [...subs.entries()].sort((a, b) => b[1].length - a[1].length)[0];
    return best && best[1].length >= 3 ? { base: bases.get(best[0])!, subs: best[1] } : undefined;
  });
}

export default defineRule({
  id: 'registry.tool-metadata',
  principle: 'registry',
  title: 'Tools are declared as data with name, description and input schema',
  rationale:
    'A tool declared as data (name, description, input schema, execute) can be listed for the model, validated, permission-checked and tested uniformly; a branch of a switch inside the loop can only be run.',
  remediation:
    'Declare each tool as one object or class with name, description, an input schema (zod / JSON Schema / pydantic) and its execute function, and keep behaviour out of the loop; see the exemplar.',
  exemplar: 'src/reference-harness/tools/registry.ts',
  detect(ctx) {
    // A declaration built from a function parameter by a generator applied to every tool is the
    // generator, not one tool's schema.
    const gens = toolGenerators(ctx);
    const genAt = new Set(gens.map((g) => `${g.file}:${g.line}`));
    const decls = toolDeclarations(ctx).filter((d) => !genAt.has(`${d.file}:${d.line}`));
    // The harness's own tools are the generated ones when every other declaration with its code is
    // one it serves to, or takes from, another process over MCP.
    const g = gens[0];
    if (g && !decls.some((d) => d.hasExec && !bridges(ctx, d.file) && !ctx.file(d.file)?.imports.some((i) => MCP_SERVER_MODULE.test(i.from)))) {
      return {
        level: 'present',
        reason: g.hints
          ? `each tool is a function registered as a declaration with its name and description by one generator, ${shortName(g.fn)}() (${g.file}:${g.line}); its input schema is derived from the function's type hints (${g.hints.file}:${g.hints.line}); ${g.use.reason}`
          : `each tool is a function turned into a declaration with name, description and input schema by one generator, ${shortName(g.fn)}() (${g.file}:${g.line}); ${g.use.reason}`,
        evidence: [
          { file: g.file, line: g.line, reason: g.reason },
          { file: g.use.file, line: g.use.line, reason: g.use.reason },
          ...(g.hints ? [g.hints] : []),
        ],
        confidence: 'low',
      };
    }
    // Tools declared against a shape the repo types itself, under member names of its own (a description
    // built by a method, a `…Params` schema): the declarations the key-based scan misses carry the code they run.
    const shaped = decls.some((d) => d.hasExec || classRuns(ctx, d)) ? undefined : shapedTools(ctx)[0];
    if (shaped) {
      const s = shaped.shape;
      const files = new Set(shaped.tools.map((t) => t.file));
      return {
        level: 'present',
        reason: `${shaped.tools.length} tools are declared as ${s.name} (${s.file}:${s.line}), each with its ${s.nameKey}, ${s.desc}, input schema (${s.schema}) and the code it runs (${s.exec}), in ${files.size} file${files.size > 1 ? 's' : ''}`,
        evidence: [
          { file: s.file, line: s.line, reason: `tool shape ${s.name} declares ${s.nameKey}, ${s.desc}, ${s.schema} and ${s.exec}` },
          ...shaped.tools.slice(0, 2).map((t) => ({ file: t.file, line: t.line, reason: t.reason })),
        ],
        confidence: 'low',
      };
    }
    if (!decls.length) {
      // Tools declared in configuration (tool bundles: name, docstring, arguments) and loaded into a model class.
      const cfg = configTools(ctx);
      const loaded = cfg.filter((t) => t.model);
      if (loaded.length || cfg.length >= 2) {
        const t = (loaded.length ? loaded : cfg)[0];
        const files = new Set(cfg.map((x) => x.file));
        return {
          level: 'present',
          reason: `${cfg.length} tools are declared as data in configuration (${files.size} file${files.size > 1 ? 's' : ''}) with a name, a ${t.descKey} and ${t.argsKey}${t.model ? `, loaded into ${t.model.name} (${t.model.file}:${t.model.line})` : ''}`,
          evidence: [
            ...(t.model ? [{ file: t.model.file, line: t.model.line, reason: `tool model ${t.model.name}, loaded from each configured tool's name, ${t.descKey} and ${t.argsKey}` }] : []),
            ...cfg.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `tool '${x.name}' declared in configuration with ${x.descKey} and ${x.argsKey}` })),
          ],
          confidence: t.model ? 'high' : 'low',
        };
      }
      // Typed functions handed to an agent framework, which derives the schema from signature and docstring.
      const fns = frameworkFunctionTools(ctx);
      if (fns.length >= 2) {
        const v = fns[0].via;
        return {
          level: 'present',
          reason: `${fns.length} typed functions are handed as tools to ${v.callee}() from ${v.module} (${v.file}:${v.line}), which builds each tool's name, description and input schema from its signature and docstring`,
          evidence: [
            ...fns.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `typed function ${x.name}() used as a tool` })),
            { file: v.file, line: v.line, reason: `functions passed as tools to ${v.callee}() (${v.module})` },
          ],
          // A framework option the repo turns on: typed functions handed to the framework's agent.
          confidence: fns.length >= 3 ? 'high' : 'low',
        };
      }
      // Methods of one class are the model's actions, read by introspection: their signature and
      // docstring written into the instructions (declared as data in the code itself), or only their
      // parameters checked against the model's call (no description or schema is declared).
      const intro = introspectedMethods(ctx)[0];
      if (intro) {
        const m = intro.methods[0];
        return intro.documented
          ? {
              level: 'present',
              reason: `${intro.methods.length} methods are the model's actions, each with its name, typed signature and docstring; the action list in the instructions is generated from them (${intro.site.file}:${intro.site.line})`,
              evidence: [m, intro.site, ...intro.methods.slice(1, 2)],
              confidence: 'low',
            }
          : {
              level: 'partial',
              reason: `${intro.methods.length} public methods of ${intro.owner} are the model's actions and its calls are checked against their parameters (${intro.site.file}:${intro.site.line}), but no description or input schema is declared as data`,
              evidence: [m, intro.site, ...intro.methods.slice(1, 2)],
              confidence: 'low',
            };
      }
      // Tools listed by MCP servers (or an OpenAPI spec) in files that only bridge to them.
      if (listedTools(ctx).length) return listedVerdict(ctx);
      // The model's actions as a structured-output schema: each action's input is declared, but no
      // tool binds a name, a description and its behaviour (that lives in branches on the choice).
      const acts = actionSchemas(ctx);
      if (acts.length) {
        const a = acts[0];
        return {
          level: 'partial',
          reason: `${a.reason}: each action's input has a schema, but no tool declaration binds a name, a description and the code it runs${a.branches.length ? ` (the behaviour is a branch per action, e.g. ${a.branches[0].file}:${a.branches[0].line})` : ''}`,
          evidence: [{ file: a.file, line: a.line, reason: a.reason }, ...a.branches.slice(0, 2)],
          confidence: 'low',
        };
      }
      const documented = documentedToolClasses(ctx);
      if (documented) {
        const { base, subs } = documented;
        return {
          level: 'partial',
          reason: `${subs.length} tools are subclasses of ${base.name} (${base.file}:${base.line}), each with its name, a prose description and the code it runs, but no input schema is declared`,
          evidence: [
            { file: base.file, line: base.line, reason: `tool base class ${base.name}: name, description, run method; no input schema` },
            ...subs.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `tool ${x.name} extends ${base.name}` })),
          ],
          confidence: 'low',
        };
      }
      // The central-registry check finds the tools held in one collection by name, where no declaration above was
      // found: each tool is an entry with a name the model calls it by (and what it runs), so the tools are data of a
      // kind, but no description or input schema was found beside them. Asked only on the way to 'absent'.
      const registry = detectOnce(ctx, central);
      if (registry.level !== 'absent' && registry.evidence.length) {
        const first = registry.evidence[0];
        return {
          level: 'partial',
          reason: `the tools are held in one registry by name (${first.file}:${first.line}), but no declaration of a tool with a description and an input schema was found`,
          evidence: [{ file: first.file, line: first.line, reason: `${first.reason}: tools kept as named entries, without a declared description or input schema` }],
          confidence: 'low',
        };
      }
      return { level: 'absent', reason: 'no tool declared as data with a name, a description and an input schema', evidence: [], confidence: 'low' };
    }
    const withExec = decls.filter((d) => d.hasExec || classRuns(ctx, d));
    const files = new Set((withExec.length ? withExec : decls).map((d) => d.file));
    // Named objects and tool classes make the clearest evidence; builder calls and base classes after.
    // First the tool whose own file runs a process from its input (the shell tool, the one a reader
    // checks first and the one permissions.shell-guard cites), then by form.
    const sinks = shellSinks(ctx).filter((s) => s.kind !== 'code');
    const spawnFiles = new Set(sinks.filter((s) => s.fromInput).map((s) => s.file));
    // …or whose body calls a function defined beside a process spawn (`runShell(input.command)` in a shell runner module).
    // The called function must be the only one of its name and hold the spawn itself.
    const spawnFns = new Set(sinks.map((s) => `${s.file}#${s.fn}`));
    const spawning = (name: string) => {
      const defs = ctx.functionsNamed(name).filter((f) => f.name === name);
      return defs.length === 1 && spawnFns.has(`${defs[0].file}#${defs[0].name}`);
    };
    const spawns = (d: (typeof decls)[number]) =>
      spawnFiles.has(d.file) || (!!d.end && (ctx.file(d.file)?.calls ?? []).some((c) => c.line > d.line && c.line <= d.end! && c.callee === c.name && spawning(c.name)));
    // Tools a harness serves to other agents over MCP (a file importing an MCP server module) are not the ones its own loop offers.
    const served = (file: string) => !!ctx.file(file)?.imports.some((i) => MCP_SERVER_MODULE.test(i.from));
    const scores = new Map<(typeof decls)[number], number>();
    const score = (d: (typeof decls)[number]) => scores.get(d) ?? scores.set(d, rawScore(d)).get(d)!;
    // A declaration whose description is copied from another tool (`description: originalTool.description`
    // in a wrapper or an adapter stripping execute) re-declares a tool written elsewhere: it comes after.
    // Also a schema copied under its own key (`inputSchema: tool.inputSchema`, an MCP listing's tool re-wrapped).
    const copied = (d: (typeof decls)[number]) => {
      const v = ctx.file(d.file)?.objects.find((o) => o.line === d.line)?.values;
      if (!v) return false;
      if (/^[\w$]+(?:\.[\w$]+)*\.description\b/.test(v.description ?? '')) return true;
      return Object.entries(v).some(([k, x]) => SCHEMA_KEY.test(k) && new RegExp(`^[\\w$]+(?:\\.[\\w$]+)*\\.${k}$`).test(x.trim()));
    };
    const rawScore = (d: (typeof decls)[number]) => (served(d.file) || bridges(ctx, d.file) ? 6 : 0) + (copied(d) ? 4 : 0) + (spawns(d) ? 0 : 3) + (d.kind === 'object' && d.keys.includes('name') ? 0 : d.kind === 'subclass' || d.kind === 'class' ? 1 : 2);
    const sampled = (withExec.length ? withExec : decls).slice().sort((a, b) => score(a) - score(b)).slice(0, 3);
    const sampleClass = sampled[0]?.kind === 'subclass' || sampled[0]?.kind === 'class';
    const sample = sampled.map((d) => ({
      file: d.file,
      line: d.line,
      reason: `tool ${d.name ? `'${d.name}' ` : ''}declared as ${d.kind === 'subclass' ? 'a subclass of a tool base class' : d.ctx?.startsWith('decorator:') ? `a function decorated with @${d.ctx.slice(10)}` : d.ctx?.startsWith('provider:') ? `a provider-defined tool (${d.ctx.slice(9)}: the provider declares its description and input schema)` : d.kind === 'builder' ? 'a builder call' : d.kind === 'class' ? 'a class' : 'an object'} with ${d.keys.filter((k) => !k.startsWith('...')).slice(0, 6).join(', ')}`,
    }));
    // Schemas as data with the handlers in a map looked up by name is still metadata-first.
    const byLookup = toolDispatch(ctx)[0];
    // One hard-wired tool schema (the same name declared once or twice) is not a registry of tools.
    const names = new Set(decls.map((d) => d.name));
    // Nothing looks a tool up by name and no framework runs the tools: the schemas are all there is.
    // … and every schema names its tool with a literal (not `{ name: entry.name }` built from other data).
    const literalNamed = decls.every((d) => /^['"`]/.test(ctx.file(d.file)?.objects.find((o) => o.line === d.line)?.values.name ?? ''));
    const noRegistry = literalNamed && !toolLookups(ctx).length && !agentFrameworkUse(ctx).length && !unrecognisedDispatch(ctx);
    if (!withExec.length && names.size === 1 && !listedTools(ctx).length) {
      return {
        level: 'partial',
        reason: `a single tool schema ('${decls[0].name}') is declared as data; the other behaviour is not declared as tools with their own metadata`,
        evidence: sample,
        confidence: noRegistry ? 'high' : 'low',
      };
    }
    if (!withExec.length && byLookup) {
      return {
        level: 'present',
        reason: `${decls.length} tool schemas are declared as data and calls are dispatched through a lookup by name (${byLookup.lookup.text} at ${byLookup.lookup.file}:${byLookup.lookup.line})`,
        evidence: [...sample.slice(0, 2), { file: byLookup.lookup.file, line: byLookup.lookup.line, reason: `handler looked up by tool name: ${byLookup.lookup.text}` }],
        // Several distinct schemas plus a resolved lookup whose result is executed.
        confidence: names.size >= 3 ? 'high' : 'low',
      };
    }
    // (After a lookup by name over the harness's own schemas, which is the stronger reading.)
    // Tools obtained as data from MCP servers' listings or OpenAPI plugin specs: each is normalised into
    // name, description and schema, and runs by name through the MCP client (or the operation's function);
    // no branch per tool is possible, the implementation is the server's.
    const listed = withExec.length ? undefined : listedTools(ctx)[0];
    if (listed) return listedVerdict(ctx);
    if (withExec.length) {
      const shape = toolShape(ctx);
      // A shape in the other language's files (a Python SDK's `class Tool` beside TypeScript tools) types none of them.
      const typesFirst = () => !!shape && !!sampled[0] && shape.file.endsWith('.py') === sampled[0].file.endsWith('.py');
      const shapeEv = shape ? [{ file: shape.file, line: shape.line, reason: `tool shape ${shape.name} declares ${shape.members.filter((m) => m === 'name' || /^(?:description|desc)$/.test(m) || isSchemaMember(m)).slice(0, 3).join(', ')}` }] : [];
      return {
        level: 'present',
        reason: `${withExec.length} tool declarations carry name, description, input schema and the code they run (in ${files.size} file${files.size > 1 ? 's' : ''})${shape ? `, shaped by ${shape.name}` : ''}`,
        // The shape first where it is the tools' own type: it carries the code they run too (`execute`), or the tools are
        // classes built on it. A shape of name, description and schema only (a wire type for another process's tools, the
        // schema half of a provider's tool) comes after one declaration that carries its code.
        // Either way only when it can type the declaration cited first (both in the same language).
        evidence: ((sampleClass || shape?.members.some((m) => EXEC_KEY.test(m))) && typesFirst() ? [...shapeEv, ...sample] : [...sample.slice(0, 1), ...shapeEv, ...sample.slice(1)]).slice(0, 3),
        // Several declarations each carrying all four parts is a structural fact, not a name match.
        confidence: withExec.filter((d) => d.kind !== 'builder' || !d.ctx?.startsWith('decorator:')).length >= 3 ? 'high' : 'low',
      };
    }
    return {
      level: 'partial',
      reason: `${decls.length} tool schemas (name, description, schema) are declared, but none carries its implementation: the behaviour lives elsewhere (e.g. a branch on the tool name)`,
      evidence: sample,
      confidence: noRegistry ? 'high' : 'low',
    };
  },
});
