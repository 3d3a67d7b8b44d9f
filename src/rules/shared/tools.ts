/**
 * Derived facts about a harness's tools, shared by the registry and permissions checks and
 * readable by any other rule (audit trail, output checks, tool pools):
 *
 * - `toolDeclarations(ctx)`: tools declared as data (object, class, builder) with name,
 *   description and an input schema;
 * - `toolLookups(ctx)`: places where a tool is looked up by a runtime name in a collection;
 * - `toolDispatch(ctx)`: the dispatch sites: a lookup by name followed (in the same function, its
 *   callees or its caller) by the call that executes the tool;
 * - `toolListSites(ctx)`: where the tool list sent to the model is generated from tool data;
 * - `shellSinks(ctx)`: process spawns and code execution fed by a runtime value (tool input).
 *
 * Every result is computed once per audit through `ctx.memo` and is linear in the facts.
 */
import type { CallFact, FileFacts, ObjectFact } from '../../analyzers/facts.js';
import { paramName, shortName, type Located, type RuleContext } from '../context.js';
import { importModules, resolveBareCall, resolveImportFile } from './imports.js';
import { classOf, fnAt, resolveLocal } from './resolve.js';

/** Keys that carry a tool's input schema. */
export const SCHEMA_KEY =
  /^(?:inputSchema|input_schema|parameters|parameterSchema|parametersSchema|parametersJsonSchema|parameters_json_schema|inputs|argsSchema|args_schema|schema|args|zodSchema|paramsSchema|argSchema|input_model|args_model|function_schema|params_json_schema)$/;
const NAME_KEY = /^(?:name|toolName|tool_name|id)$/;
const DESC_KEY = /^(?:description|desc|summary)$/;
/** MCP server SDK modules: the TypeScript SDK's server entry points, the Python SDK's `mcp.server` and FastMCP. */
export const MCP_SERVER_MODULE = /^(?:mcp\.server(?:\.[\w.]+)?|fastmcp(?:\.[\w.]+)?|@modelcontextprotocol\/sdk\/server(?:\/[\w./-]+)?)$/;
/** Keys under which a schema or an API description gives sample data. */
const EXAMPLE_KEY = /^(?:examples?|sample|samples)$/;
/** Keys of a prompt's or an agent's instructions, beside a `model` key (not a tool's). */
const PROMPT_KEY = /^(?:system|system_?prompt|systemPrompt|prompt|messages|instructions?)$/;
/** Keys or members that hold the code a tool runs. */
export const EXEC_KEY = /^(?:execute|handler|handle|run|call|invoke|fn|func|function|forward|action|callback|impl|_run|_arun|arun|_call|__call__|executor|perform|createInvocation|build|cb)$/;
/** Builders whose object argument is a tool declaration even without a `name` key. */
/** An AI SDK provider's tool builder: `anthropic.tools.bash_20250124` (the tool is `bash`), `openai.tools.webSearchPreview`. */
const PROVIDER_TOOL = /^([A-Za-z_$][\w$]*)\.tools\.([A-Za-z][A-Za-z]*?)(?:_\d{8})?$/;
const TOOL_BUILDER = /(?:^|[.\s])(?:tool|createTool|defineTool|makeTool|buildTool|registerTool|addTool|dynamicTool|betaTool|betaZodTool|zodTool|StructuredTool|DynamicStructuredTool|FunctionTool|Tool)$/;
/** Collections that hold tools, judged by the expression text. */
const TOOLISH = /tool|function_?map|(?:^|\.)functions$|handlers|capabilit|registry|actions/i;
const NAMEISH = /(?:^|[._\s(])(?:name|tool_?name|toolName|fn_?name|function_?name|call\.name|name\.id)\b|Name\b|name\s*[=!]==?/;
/** Names of calls that execute a tool once it is looked up. */
export const EXEC_CALL =
  /^(?:execute|executeTool|execute_tool|runTool|run_tool|callTool|call_tool|invoke|invokeTool|ainvoke|run|arun|call|__call__|forward|handler|handle|fn|func|impl|perform|buildAndExecute|validateBuildAndExecute|executeToolCall|execute_tool_call|tool|apply)$/;

export interface ToolDecl {
  file: string;
  line: number;
  /** The tool's name when it is a literal, else the declaring class or variable. */
  name: string;
  kind: 'object' | 'class' | 'subclass' | 'builder';
  /** Keys or members found on the declaration. */
  keys: string[];
  /** The declaration carries the code it runs (execute/handler/forward …). */
  hasExec: boolean;
  /** Where the object goes (ObjectFact.ctx), for objects. */
  ctx?: string;
  /** Last line of the declaration, for objects. */
  end?: number;
  /**
   * The name is the factory's that returns the builder call (`createBashOutputTool` → `bash_output`), not one the
   * tool is given: it says what the factory makes, not that the tool runs what it names.
   */
  fromFactory?: boolean;
}

export interface ToolLookup {
  file: string;
  line: number;
  fn: string;
  /** `tools.get(name)`, `tools[name]`, `tools.find(t => t.name === x)`. */
  text: string;
  /** The collection expression: `this._tools`, `available_tools`. */
  target: string;
}

export interface ToolDispatch {
  /** The lookup by name. */
  lookup: ToolLookup;
  /** The call that runs the tool, with its file and function. */
  exec: Located<CallFact>;
  /** The function that holds the lookup (`file#fn`), and the one holding the exec call. */
  lookupFn: string;
  execFn: string;
}

export interface ToolListSite {
  file: string;
  line: number;
  fn: string;
  reason: string;
}

export interface ShellSink {
  file: string;
  line: number;
  fn: string;
  callee: string;
  kind: 'spawn' | 'code' | 'sandbox';
  /** The command or code comes from a runtime value, not a literal. */
  fromInput: boolean;
  /** The file declares a tool, or a tool file reaches this function within two calls. */
  toolFed: boolean;
  /** A write into a persistent shell: where that shell was started (`spawn('/bin/bash')`). */
  shellStart?: { line: number; callee: string };
  /** A run on a sandbox a harness helper returns: where that helper creates or connects it. */
  sandboxMade?: { file: string; line: number; callee: string; fn: string };
  /** What makes the run a sandboxed one when its receiver does not say so: the SDK package, or the container API endpoint. */
  via?: string;
  /**
   * Code run in an isolate, said how: inside an iframe or worker that exchanges only messages with its
   * host, or in a node:vm context holding only the globals the harness gives it.
   */
  isolate?: string;
  /** A code sink that is a spawn running a file the function wrote first (`tmp.write(script)`, then `Popen([python, tmp.name])`): where it was written. */
  script?: { line: number; callee: string };
}

/**
 * The call names that pass `test`, and the source files holding a call so named (memoised under
 * `key`): a scan of the calls that can only match such calls skips every other file and call, in
 * the same order.
 */
export function callsPassing(ctx: RuleContext, key: string, test: (name: string) => boolean): { names: Set<string>; files: Set<string> } {
  return ctx.memo(key, () => {
    const names = new Set<string>();
    const files = new Set<string>();
    for (const [name, calls] of ctx.callNames()) {
      if (!test(name)) continue;
      names.add(name);
      for (const c of calls) files.add(c.file);
    }
    return { names, files };
  });
}

/** `callsPassing` for a fixed list of names: looked up in the by-name index, no pass over all names. */
export function callsNamedAny(ctx: RuleContext, key: string, names: readonly string[]): { names: Set<string>; files: Set<string> } {
  return ctx.memo(key, () => {
    const files = new Set<string>();
    for (const n of names) for (const c of ctx.callsNamed(n)) files.add(c.file);
    return { names: new Set(names), files };
  });
}

const WEAK_SCHEMA_KEY = /^(?:inputs|schema|args)$/;
const SCHEMA_VALUE = /\bz\.|\bType\.|\bt\.|schema|Schema|^\{|^\[|object\(|BaseModel|Joi\.|yup\.|v\.object|s\.object|jsonSchema|\bdict\b/;
// … also a dict's `.get("name")`, with or without a fallback (`func_def.get("name") or ""`), and a nested
// subscript (`tool["function"]["name"]`): a provider adapter's wire-format conversion of a tool declared elsewhere.
const READ_OF_NAME = /^[\w$]+(?:\?)?\.(?:name|tool_name|toolName)$|^[\w$]+(?:\[['"]\w+['"]\])*\[['"]name['"]\]$|^[\w$]+\.get\(\s*['"](?:name|tool_name)['"]\s*\)(?:\s*(?:or|\|\||\?\?)\s*(?:''|""))?$/;

function schemaValue(key: string, value: string | undefined, isClass: boolean): boolean {
  if (value === undefined || value === '<fn>') return isClass || !WEAK_SCHEMA_KEY.test(key);
  if (WEAK_SCHEMA_KEY.test(key)) return SCHEMA_VALUE.test(value);
  return true;
}

const firstLiteral = (v: string | undefined): string | undefined => {
  if (!v) return undefined;
  const m = /^['"`]([^'"`]{1,60})['"`](?:\s+as\s+const)?$/.exec(v.trim());
  return m?.[1];
};

/** A method that returns a tool's schema: `get_args_schema`, `getInputSchema`, `get_parameters`. */
export function schemaGetter(k: string): boolean {
  const m = /^get_?(\w+)$/.exec(k);
  return !!m && SCHEMA_KEY.test(m[1][0].toLowerCase() + m[1].slice(1));
}

/** The class whose constructor `fn` is (`Tool.constructor`, Python's `Tool.__init__`), or undefined. */
const ctorClass = (fn: string): string | undefined => /^(.+)\.(?:constructor|__init__)$/.exec(fn)?.[1];

/** Constructors whose parameters take a name, a description and a schema: tool base classes. */
function toolBaseClasses(ctx: RuleContext): Set<string> {
  return ctx.memo('tools:base-classes', () => {
    const bases = new Set<string>();
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const cls = ctorClass(fn.name);
        // A Python constructor takes its metadata as parameters only in a class named as a tool
        // (`class Tool: def __init__(self, name: str, description: str, parameters=…)`).
        if (!cls || (fn.name.endsWith('.__init__') && !/tool/i.test(cls))) continue;
        const ps = fn.params.map(paramName);
        if (ps.some((p) => /^(?:name|toolName)$/.test(p)) && ps.some((p) => DESC_KEY.test(p)) && ps.some((p) => SCHEMA_KEY.test(p) || /schema/i.test(p))) {
          bases.add(cls);
        }
      }
      for (const c of f.classes) {
        const m = c.members;
        // `params` counts here only as a member of a tool class (the model its subclasses fill in), not as an object key.
        // The schema may be a getter method (`def get_args_schema(self)`, `getParameters()`).
        if (/tool/i.test(c.name) && m.some((k) => NAME_KEY.test(k)) && m.some((k) => DESC_KEY.test(k)) && m.some((k) => SCHEMA_KEY.test(k) || k === 'params' || schemaGetter(k))) bases.add(c.name);
      }
    }
    return bases;
  });
}

const TOOL_DECORATOR = /^(?:[\w.]+\.)?(?:tool|function_tool|register_tool|registerTool|Tool|ai_function|kernel_function|llm_tool|agent_tool)(?:\(.*)?$/;

// Type arguments are dropped first: `BaseTool<Input>` (TS) and `CallableTool[Params]` (Python) name the base `BaseTool` / `CallableTool`.
const baseName = (ext: string | undefined) => (ext ? ext.replace(/[<[].*$/s, '').replace(/^.*\./, '').trim() : '');

/**
 * A tool's name from the factory that returns it (`createBashOutputTool`, `make_search_tool`): the factory's
 * name without its verb and a trailing `Tool`, in snake case (`bash_output`); the whole name when nothing is left.
 */
function factoryToolName(fn: string): string {
  const short = shortName(fn);
  const core = short.replace(/^_*(?:create|make|build|new|get|init)_?(?=[A-Z_]|$)/, '').replace(/_?Tool$/, '').replace(/^_+|_+$/g, '');
  return core ? core.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '_').toLowerCase() : short;
}

/**
 * The name of a tool made by a builder call that is bound to a variable
 * (`const bashTool = tool({ … })`): the literal `name` of the object that exports it under a name
 * (`{ name: 'execute_bash', tool: bashTool }`), else the variable's own name.
 * A builder call that is not bound: the key of the tools map it is a value of (`{ run_shell: tool({ … }) }`),
 * else the factory that returns it (`const makeSearch = (deps) => tool({ … })`, `return tool({ … })` after
 * other statements), marked `factory`.
 */
function builderName(f: FileFacts, o: ObjectFact): { name: string; factory?: boolean } | undefined {
  const line = o.line;
  const bound = f.binds?.find((b) => b.line === line && /^(?:await\s+)?[\w$.]+(?:<[^>]*>)?\(/.test(b.value))?.name;
  if (!bound) {
    if (o.key) return { name: o.key };
    if (o.returned && o.fn !== '<top>' && o.fn !== '<anon>' && f.functions.some((fn) => fn.name === o.fn && fn.line <= line && fn.end >= line)) return { name: factoryToolName(o.fn), factory: true };
    return undefined;
  }
  for (const o of f.objects) {
    if (o.line === line || !o.keys.some((k) => o.values[k] === bound)) continue;
    const named = firstLiteral(o.values.name ?? o.values.id);
    if (named) return { name: named };
  }
  return { name: bound };
}

/** Python classes that declare a type, not a value: `class X(TypedDict)`, `class X(Protocol)`. */
const TYPE_ONLY_BASE = /^(?:typing\.|typing_extensions\.)?(?:TypedDict|Protocol|NamedTuple)$/;
function typeOnlyClass(f: FileFacts, name: string, line: number): boolean {
  if (f.lang !== 'py') return false;
  const c = f.classes.find((x) => x.name === name && x.line === line);
  return !!c && [c.extends ?? '', ...c.implements].some((b) => TYPE_ONLY_BASE.test(b.replace(/\[.*$/, '').trim()));
}

/** The last word of a name (`curateCommand` → `command`, `SLASH_COMMANDS` → `commands`). */
const lastWord = (name: string): string => name.split(/(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+/).filter(Boolean).at(-1)?.toLowerCase() ?? '';

/**
 * An object declared as a user command, in a file that imports a command API's types (`SlashCommand`,
 * `CommandHandlerTable`, `ParsedCommandParams`): named for a command (`export const curateCommand: SlashCommand =
 * { name, description, args, action }`), or an entry of a `commands` table (`commands: { server: { description,
 * parameters, run } }`).
 */
function userCommandEntry(f: FileFacts, o: ObjectFact): boolean {
  // A type, not a function that runs commands (`import { executeCommand }` beside a shell tool named `executeCommand`).
  if (!/^(?:var|prop):/.test(o.ctx) || !f.imports.some((i) => i.names.some((n) => /^[A-Z]\w*Command/.test(n)))) return false;
  // Named for a command, with no model-facing input schema (a slash command's `args`, `flags`).
  if (/^commands?$/.test(lastWord(o.ctx.slice(o.ctx.indexOf(':') + 1))) && !o.keys.some((k) => /^(?:inputSchema|input_schema|parameters)$/.test(k))) return true;
  let parent: ObjectFact | undefined;
  for (const p of f.objects) if (p !== o && p.line <= o.line && p.end >= o.end && (!parent || p.line >= parent.line)) parent = p;
  return !!parent && /^(?:var|prop):/.test(parent.ctx) && lastWord(parent.ctx.slice(parent.ctx.indexOf(':') + 1)) === 'commands';
}

/** Whether a file imports the AI SDK's tool type (`import type { Tool } from 'ai'`) to declare tools with. */
const typesSdkTool = (f: FileFacts): boolean => f.imports.some((i) => i.from === 'ai' && (i.names.includes('Tool') || i.names.includes('CoreTool')));

/**
 * One pass over every source object for toolDeclarations and toolListSites: both need a
 * description key (`description`, `desc`, `summary`), so other objects are skipped at once.
 */
function objectScan(ctx: RuleContext): { decls: ToolDecl[]; sites: ToolListSite[] } {
  return ctx.memo('tools:object-scan', () => {
    const decls: ToolDecl[] = [];
    const sites: ToolListSite[] = [];
    for (const f of ctx.source) {
      for (const o of f.objects) {
        const keys = o.keys;
        // A provider-defined tool of the AI SDK (`anthropic.tools.bash_20250124({ execute })` with
        // `anthropic` from '@ai-sdk/anthropic'): the provider declares its name, description and input
        // schema, the repo supplies the code it runs.
        const provider = o.ctx.startsWith('arg:') && keys.includes('execute') ? PROVIDER_TOOL.exec(o.ctx.slice(4)) : null;
        if (provider && f.imports.some((i) => i.from.startsWith('@ai-sdk/') && (i.names.includes(provider[1]) || Object.keys(i.as ?? {}).includes(provider[1])))) {
          decls.push({ file: f.path, line: o.line, name: o.key ?? provider[2], kind: 'builder', keys, hasExec: true, ctx: `provider:${o.ctx.slice(4)}`, end: o.end });
          continue;
        }
        if (!keys.includes('description') && !keys.includes('desc') && !keys.includes('summary')) continue;
        // A tool schema built from tool data (toolListSites): its name read from a tool.
        const siteName = o.values.name;
        if (siteName && !o.ctx.startsWith('type:') && !o.ctx.startsWith('class:') && /(?:^|\.)name$|^name$/.test(siteName.trim()) && !firstLiteral(siteName)) {
          let desc = false;
          let schema = false;
          for (const k of keys) {
            if (DESC_KEY.test(k)) desc = true;
            else if (SCHEMA_KEY.test(k)) schema = true;
          }
          if (desc && schema) sites.push({ file: f.path, line: o.line, fn: o.fn, reason: `tool schema built from tool data (name: ${siteName.slice(0, 30)}) in ${o.fn}()` });
        }
        // A declaration (toolDeclarations).
        if (keys.length < 2 || o.ctx.startsWith('type:')) continue;
        const isClass = o.ctx.startsWith('class:');
        // A `TypedDict` / `Protocol` class only types a payload (an API's function-call shape), as an interface does.
        if (isClass && typeOnlyClass(f, o.ctx.slice(6), o.line)) continue;
        let hasName = false;
        let hasDesc = false;
        let hasSchema = false;
        let hasExec = false;
        for (const k of keys) {
          if (NAME_KEY.test(k)) hasName = true;
          else if (DESC_KEY.test(k)) hasDesc = true;
          else if (SCHEMA_KEY.test(k) && schemaValue(k, o.values[k], isClass)) hasSchema = true;
          if (EXEC_KEY.test(k) || (isClass && /^(?:execute|forward|run|call|invoke|_run|__call__|handler)$/.test(k))) hasExec = true;
        }
        if (!hasDesc || !hasSchema) continue;
        // A prompt or agent configuration picks a model and its instructions (`ExecutablePrompt(name=…,
        // description=…, input_schema=…, model=…, system=…, messages=…)`); a tool declaration does neither.
        if (!isClass && keys.includes('model') && keys.some((k) => PROMPT_KEY.test(k))) continue;
        // `{ name: tool.name, description: tool.description, parameters: … }` converts a tool for
        // the model (see toolListSites); it is not a declaration.
        if (READ_OF_NAME.test(o.values.name ?? '')) continue;
        const builder = o.ctx.startsWith('arg:') && TOOL_BUILDER.test(o.ctx.slice(4).replace(/^new /, ''));
        // An object typed with the AI SDK's tool type (`export const viewTool: Tool = { description, parameters }`):
        // a tool as the SDK declares one, its name the key it is given in the tool set.
        const typed = o.ctx.startsWith('var:') && typesSdkTool(f);
        if (!hasName && !builder && !typed && !(o.ctx.startsWith('prop:') && hasExec)) continue;
        // A schema literal describing a property (`{ type: 'string', description }`) is not a tool.
        if (!isClass && keys.includes('type') && !hasExec && /^['"]?(?:object|string|number|boolean|array|integer)/.test(o.values.type ?? '')) continue;
        // Sample data inside an `example` (an OpenAPI response example on an HTTP route, a schema's
        // `examples`) shows what an endpoint returns; it declares nothing.
        if (f.objects.some((p) => p !== o && p.line <= o.line && (p.end ?? p.line) >= (o.end ?? o.line) && p.keys.some((k) => EXAMPLE_KEY.test(k)))) continue;
        // A user's command (a slash command, a `@agent cmd` handler) declared beside types of a command API is run by
        // the user, not offered to the model.
        if (!builder && userCommandEntry(f, o)) continue;
        const literal = firstLiteral(o.values.name ?? o.values.toolName ?? o.values.tool_name ?? o.values.id);
        const built = literal === undefined && builder ? builderName(f, o) : undefined;
        const name = literal ?? built?.name ?? (isClass ? o.ctx.slice(6) : o.ctx.replace(/^\w+:/, '')) ?? '';
        decls.push({ file: f.path, line: o.line, name, kind: builder ? 'builder' : isClass ? 'class' : 'object', keys, hasExec: hasExec || builder, ctx: o.ctx, end: o.end, ...(built?.factory ? { fromFactory: true } : {}) });
      }
    }
    return { decls, sites };
  });
}

/**
 * A decorator call whose arguments give the function a description and an input schema, whatever
 * the decorator is called: `@activity(config={"description": …, "schema": Schema(…)})` on a tool
 * class's method, `@skill(description=…, parameters={…})`. The description and the schema may sit in
 * the call's keyword arguments or one object nested in them (both in the same one). Its name (without
 * arguments) is returned.
 */
function describingDecorator(f: FileFacts, line: number, decos: string[]): string | undefined {
  const deco = decos.find((d) => /^[\w.]+\(/.test(d));
  if (!deco) return undefined;
  const callee = deco.slice(0, deco.indexOf('('));
  const args = f.objects.find((o) => o.line === line && o.ctx === `arg:${callee}`);
  if (!args) return undefined;
  // Both in one object: an HTTP route's decorator (`@router.get(summary=…, responses={200: {"description": …,
  // "content": {…: {"schema": …}}}})`) describes a response and its body apart, not a tool.
  for (const o of f.objects) {
    if (o.line < args.line || o.line > (args.end ?? args.line) || (o !== args && !o.ctx.startsWith('prop:'))) continue;
    if (o.keys.some((k) => DESC_KEY.test(k)) && o.keys.some((k) => SCHEMA_KEY.test(k) && k !== 'args')) return callee;
  }
  return undefined;
}

/**
 * Tools declared as data: objects or classes with a name, a description and an input schema,
 * builder calls (`tool({ description, parameters })`), and subclasses of a tool base class whose
 * constructor takes (name, description, schema).
 */
export function toolDeclarations(ctx: RuleContext): ToolDecl[] {
  return ctx.memo('tools:declarations', () => {
    const out: ToolDecl[] = objectScan(ctx).decls.slice();
    // Functions turned into tools by a decorator (`@tool`, `@mcp.tool()`, `@function_tool`): the
    // docstring or decorator carries the description and the signature the schema.
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        if (!fn.decorators?.length) continue;
        const deco = fn.decorators.find((d) => TOOL_DECORATOR.test(d)) ?? describingDecorator(f, fn.line, fn.decorators);
        if (!deco) continue;
        out.push({ file: f.path, line: fn.line, name: shortName(fn.name), kind: 'builder', keys: ['name', 'description', 'parameters', `@${deco}`], hasExec: true, ctx: `decorator:${deco}` });
      }
    }
    const bases = toolBaseClasses(ctx);
    if (bases.size) {
      // Subclasses, transitively (a base's subclass is itself a base for the next level).
      const all = new Map<string, { file: string; line: number; ext: string; members: string[] }>();
      for (const f of ctx.source) for (const c of f.classes) if (c.extends) all.set(c.name, { file: f.path, line: c.line, ext: baseName(c.extends), members: c.members });
      const isTool = (name: string, depth: number): boolean => {
        if (bases.has(name)) return true;
        const c = all.get(name);
        return !!c && depth < 4 && isTool(c.ext, depth + 1);
      };
      const seen = new Set(out.filter((d) => d.kind === 'class').map((d) => `${d.file}:${d.line}`));
      for (const [name, c] of all) {
        if (seen.has(`${c.file}:${c.line}`) || !isTool(c.ext, 0)) continue;
        out.push({ file: c.file, line: c.line, name, kind: 'subclass', keys: c.members, hasExec: true });
      }
    }
    return out;
  });
}

/**
 * A collection written out of identifiers (`[ListFilesTool, ReadFileTool, …]`): the leading names, the
 * value text being cut at 120 characters (a last name cut short fails the tool-class test).
 */
const IDENT_LIST = /^(?:(?:frozenset|set|new Set|Set|tuple|list)\(\s*)?[[{(]\s*((?:[A-Za-z_]\w*\s*(?:,\s*|(?=[\]})])|$))+)/;

export interface ToolClassList {
  file: string;
  line: number;
  /** The bound name: `readOnlyToolClasses`, `READ_ONLY_TOOLS`. */
  name: string;
  /** The tool classes listed, in order. */
  classes: string[];
}

/**
 * Lists of tool classes bound once, at module level or as a constant (`const readOnlyToolClasses =
 * [ListFilesTool, ReadFileTool]`, `READ_ONLY_TOOLS = [ReadFileTool, GrepTool]`): two or more classes that
 * declare tools, where the list is used as one (handed to a call, e.g. the one building a tool set, or
 * imported elsewhere), not only spread into another list. A tool declared by a class is known to
 * `toolDeclarations` by its tool name; here by its class name.
 */
export function toolClassLists(ctx: RuleContext): ToolClassList[] {
  return ctx.memo('tools:class-lists', () => {
    const toolClasses = new Set<string>();
    for (const d of toolDeclarations(ctx)) {
      if (d.kind !== 'class' && d.kind !== 'subclass') continue;
      const c = ctx.file(d.file)?.classes.find((x) => x.line <= d.line && x.end >= d.line);
      if (c) toolClasses.add(c.name);
    }
    const out: ToolClassList[] = [];
    if (toolClasses.size < 2) return out;
    for (const f of ctx.source) {
      for (const b of f.binds ?? []) {
        if (b.fn !== '<top>' && !/^[A-Z_]+$/.test(b.name)) continue;
        const ids = IDENT_LIST.exec(b.value);
        if (!ids) continue;
        const classes = ids[1].split(',').map((x) => x.trim()).filter((x) => toolClasses.has(x));
        if (classes.length < 2) continue;
        const word = new RegExp(`\\b${b.name}\\b`);
        const used = f.calls.some((c) => c.args.some((a) => word.test(a))) || ctx.source.some((g) => g !== f && g.imports.some((i) => i.names.includes(b.name)));
        if (used) out.push({ file: f.path, line: b.line, name: b.name, classes });
      }
    }
    return out;
  });
}

/** Lookups of a tool by a runtime name: `tools.get(name)`, `tools[name]`, `tools.find(t => t.name === n)`. */
export function toolLookups(ctx: RuleContext): ToolLookup[] {
  return ctx.memo('tools:lookups', () => {
    const out: ToolLookup[] = [];
    // The lookup-named calls from the shared by-name index (not a regex over every call), per file in source order.
    const named = new Map<string, Located<CallFact>[]>();
    for (const n of ['get', 'find', 'getTool', 'get_tool', 'lookup', 'resolve', 'getToolByName', 'findTool', 'getByName', 'getHandler', 'getToolInstance']) {
      for (const c of ctx.callsNamed(n)) {
        const list = named.get(c.file);
        if (list) list.push(c);
        else named.set(c.file, [c]);
      }
    }
    for (const f of ctx.source) {
      const calls = named.get(f.path) ?? [];
      if (calls.length > 1) calls.sort((a, b) => a.line - b.line);
      for (const c of calls) {
        const target = c.callee.slice(0, c.callee.length - c.name.length - 1);
        const arg = c.args[0] ?? '';
        if (!arg || /^['"`\d]/.test(arg)) continue;
        const toolish = TOOLISH.test(target) || /tool/i.test(c.name);
        if (!toolish || !NAMEISH.test(arg)) continue;
        out.push({ file: f.path, line: c.line, fn: c.fn, text: `${c.callee}(${arg.slice(0, 50)})`, target: target || c.callee });
      }
      for (const l of f.lookups) {
        if (!NAMEISH.test(l.key) || !(TOOLISH.test(l.target) || indexedByName(f, l))) continue;
        out.push({ file: f.path, line: l.line, fn: l.fn, text: `${l.target}[${l.key}]`, target: l.target });
      }
    }
    return out;
  });
}

/** A map built in the lookup's function by indexing functions by their names: `{f.__name__: f for f in skills}`. */
const FN_INDEX = /^\{\s*(\w+)\.__name__\s*:\s*\1\s+for\s+\1\s+in\s+[\w.]+\s*\}$/;
const indexedByName = (f: FileFacts, l: { target: string; fn: string }): boolean =>
  /^\w+$/.test(l.target) && (f.binds ?? []).some((b) => b.fn === l.fn && b.name === l.target && FN_INDEX.test(b.value));

/**
 * The calls in `file#fn` that may execute a tool, from line `after` on, best first. The ranked
 * list of a function is built once: dispatch asks about the same callers for many lookups.
 */
function execCallsIn(ctx: RuleContext, file: string, fn: string, after = 0): Located<CallFact>[] {
  const cache = ctx.memo('tools:exec-calls', () => new Map<string, Located<CallFact>[]>());
  const key = `${file}#${fn}`;
  let ranked = cache.get(key);
  if (!ranked) {
    ranked = ctx
      .callsIn(file, fn)
      .filter((c) => EXEC_CALL.test(c.name) && !/^(?:this|self|super)\.(?:run|call|handle)$/.test(c.callee) && !/^(?:Promise|process|Reflect|Function|Object|console|app|router|server)\./.test(c.callee));
    // Prefer the call on the tool itself (`tool.execute`, `invocation.execute`) over other callbacks.
    ranked.sort((a, b) => rank(a) - rank(b));
    cache.set(key, ranked);
  }
  return after > 0 ? ranked.filter((c) => c.line >= after) : ranked;
}

/**
 * The exec call's receiver holds what the lookup returned: it is named for one element of the
 * looked-up collection (`const actionInstance = registry.getAction(name)` over `this.actions`,
 * then `actionInstance.call(input)`; `handler` from `handlers`).
 */
function holdsLookedUp(exec: CallFact, l: ToolLookup): boolean {
  const recv = exec.callee.slice(0, Math.max(0, exec.callee.length - exec.name.length - 1));
  if (!/^[A-Za-z_$][\w$]*$/.test(recv)) return false;
  const stem = shortName(l.target).replace(/^[_#$]+/, '').toLowerCase().replace(/(?:es|s)$/, '');
  return stem.length >= 4 && recv.toLowerCase().includes(stem);
}

/**
 * The looked-up entry is itself called: `function_map[name](**args)`, `handlers[name as ToolName](args)`
 * (a name → function map whose values are the tools).
 */
const calledEntry = (c: CallFact, l: ToolLookup): boolean =>
  !c.name && c.callee.startsWith(`${l.target}[`) && c.callee.endsWith(']') && CALL_ARGS.test(c.args[0] ?? '');
/**
 * The entry is handed the call's arguments (`**args`, `...input`, `toolArgs`): a tool run, not a
 * class in a registry instantiated from configuration (`TOOL_REGISTRY[name](cfg)`, `registry[name]()`).
 */
const CALL_ARGS = /^(?:\*\*|\.\.\.)|^\w*(?:args|Args|arguments|Arguments|params|Params|input|Input)\b/;
/** Callable fields of a registry entry (beyond EXEC_CALL), called on the entry looked up by name. */
const ENTRY_CALLABLE = /^(?:function|callback|fn|func|handler|impl|coroutine|method)$/;
const rank = (c: CallFact) => (/tool|invocation|executor|registry/i.test(c.callee) ? 0 : /^(?:execute|invoke|forward|__call__|tool)$/.test(c.name) ? 1 : 2);
/** Method names too common to follow from a lookup up to its callers. */
const GENERIC_FN = /^(?:get|find|has|set|run|call|execute|handle|handler|lookup|resolve|<top>|<anon>|default|constructor|__init__|main|init)$/;

/**
 * Where a tool is executed after being looked up by name: the lookup's function when it also runs
 * the tool, else a function it calls, else its caller (which runs what the lookup returned).
 */
export function toolDispatch(ctx: RuleContext): ToolDispatch[] {
  return ctx.memo('tools:dispatch', () => {
    const out: ToolDispatch[] = [];
    const seen = new Set<string>();
    for (const l of toolLookups(ctx)) {
      const key = `${l.file}#${l.fn}`;
      if (seen.has(key)) continue;
      // The looked-up entry's own callable: `action = registry.actions[name]` then `action.function(**params)`.
      let exec = execCallsIn(ctx, l.file, l.fn, l.line)[0] ?? ctx.callsIn(l.file, l.fn).find((c) => c.line > l.line && ENTRY_CALLABLE.test(c.name) && holdsLookedUp(c, l)) ?? ctx.callsIn(l.file, l.fn).find((c) => c.line >= l.line && calledEntry(c, l));
      let execFn = key;
      if (!exec) {
        for (const c of ctx.callsIn(l.file, l.fn)) {
          if (c.line < l.line || !c.name || GENERIC_FN.test(c.name)) continue;
          const defs = ctx.functionsNamed(c.name);
          // A function of that name in the lookup's own file first (a nested `_call()` defined there).
          const near = defs.filter((d) => d.file === l.file);
          for (const def of defs.length > 3 ? near : [...near, ...defs.filter((d) => d.file !== l.file)]) {
            const e = execCallsIn(ctx, def.file, def.name)[0];
            if (e) {
              exec = e;
              execFn = `${def.file}#${def.name}`;
              break;
            }
          }
          if (exec) break;
        }
      }
      if (!exec && !GENERIC_FN.test(shortName(l.fn))) {
        for (const caller of ctx.callsNamed(shortName(l.fn)).slice(0, 20)) {
          const e = execCallsIn(ctx, caller.file, caller.fn, caller.line)[0];
          if (e) {
            exec = e;
            execFn = `${caller.file}#${caller.fn}`;
            break;
          }
          for (const c of ctx.callsIn(caller.file, caller.fn)) {
            if (c.line < caller.line || !c.name || c.name === shortName(l.fn)) continue;
            if (GENERIC_FN.test(c.name)) continue;
            const defs = ctx.functionsNamed(c.name);
            const def = defs.find((d) => d.file === caller.file) ?? (defs.length === 1 ? defs[0] : undefined);
            const e2 = def && execCallsIn(ctx, def.file, def.name)[0];
            if (e2) {
              exec = e2;
              execFn = `${def.file}#${def.name}`;
              break;
            }
          }
          if (exec) break;
        }
      }
      if (!exec || (rank(exec) > 1 && execFn !== key && !holdsLookedUp(exec, l))) continue;
      seen.add(key);
      out.push({ lookup: l, exec, lookupFn: key, execFn });
    }
    // The clearest evidence first: a function that both looks the tool up and runs it.
    return out.sort((a, b) => Number(a.execFn !== a.lookupFn) - Number(b.execFn !== b.lookupFn));
  });
}

const CONVERTER =
  /^(?:get)?(?:Function|Tool)(?:Declarations?|Definitions?|Schemas?|Specs?|Defs?|Params)$|^(?:toJSONSchema|zodToJsonSchema|toJsonSchema|get_tool_json_schema|get_json_schema|to_tool_schema|convert_to_openai_tool|convertTools?|formatTools?|toolsToSchema|toolToSchema|toolToFunction|toOpenAITool|toAnthropicTool|toolDefinitions|tool_to_dict|to_openai_function)$/i;
/** UI helpers that format tools for display, not for the model. */
const NOT_CONVERTER = /^format|^render|^display|^print/i;

/**
 * Where the tool list sent to the model is generated from tool data: an object with name,
 * description and schema whose name is read from a tool (`tool.name`), or a converter call
 * (`getFunctionDeclarations()`, `zodToJsonSchema(tool.schema)`).
 */
export function toolListSites(ctx: RuleContext): ToolListSite[] {
  return ctx.memo('tools:list-sites', () => {
    const out: ToolListSite[] = [];
    const gate = callsPassing(ctx, 'tools:converter-names', (n) => CONVERTER.test(n) && !NOT_CONVERTER.test(n));
    // The schema objects (all files, in order) from the shared pass; the converter calls after them,
    // as the sort below orders them anyway.
    out.push(...objectScan(ctx).sites);
    for (const f of ctx.source) {
      if (!gate.files.has(f.path)) continue;
      for (const c of f.calls) {
        if (!gate.names.has(c.name)) continue;
        if (c.fn === c.name || c.fn.endsWith(`.${c.name}`)) continue;
        out.push({ file: f.path, line: c.line, fn: c.fn, reason: `tool list generated by ${c.callee}() in ${c.fn}()` });
      }
    }
    // Schema objects built from tool data first: they show what is generated, a converter call only where.
    out.sort((a, b) => Number(a.reason.startsWith('tool list')) - Number(b.reason.startsWith('tool list')));
    return out;
  });
}

const SPAWN_MODULE = /^(?:node:)?child_process$|^execa$|^node-pty$|^@homebridge\/node-pty|^cross-spawn$|^shelljs$|^zx$|^bun$|^subprocess$|^os$|^asyncio$|^pexpect$|^sh$|^plumbum$|^tinyexec$|^nano-spawn$/;
const SPAWN_CALL = /^(?:exec|execSync|execAsync|execPromise|execFile|execFileSync|execFileAsync|spawn|spawnSync|spawnAsync|fork|execa|execaSync|execaCommand|execaCommandSync|system|popen|Popen|run|call|check_output|check_call|getoutput|getstatusoutput|create_subprocess_shell|create_subprocess_exec|spawnPty)$/;
const CODE_CALL = /^(?:exec|eval|run_code|execute_code|exec_code|runPython|runInContext|runInNewContext|runInThisContext|evaluate_python_code|evaluate_code)$/;
/** Modules of a Jupyter kernel client: its `execute(code)` runs the code in the kernel. */
const KERNEL_MODULE = /^(?:jupyter_client|ipykernel|nbclient|@jupyterlab\/services)(?:[./]|$)/;
const KERNEL_CALL = /^(?:execute|execute_interactive|requestExecute|run_cell)$/;
/** An argv that manages a container (`['docker', 'stop', container_id]`, `['podman', 'logs', id]`): the harness's own command, which runs nothing the model wrote. */
const CONTAINER_ADMIN_ARGV = /^\[\s*['"](?:docker|podman)['"]\s*,\s*['"](?:stop|rm|rmi|ps|logs|images|build|pull|push|inspect|kill|info|version|--version|start|restart|pause|unpause|wait|top|stats|tag|network|volume|cp)['"]/;
/** An argv that starts a container (`['docker', 'run', '-d', …]`). */
const CONTAINER_RUN_ARGV = /^\[\s*['"](?:docker|podman)['"]\s*,\s*['"]run['"]/;

/** Where a file starts a container by an argv bound to a name or passed to a call (`['docker', 'run', …]`). */
function containerRunIn(f: FileFacts): { line: number; text: string } | undefined {
  const b = (f.binds ?? []).find((x) => CONTAINER_RUN_ARGV.test(x.value.trim()));
  if (b) return { line: b.line, text: `${b.name} = ${b.value.slice(0, 30)}…` };
  const c = f.calls.find((x) => CONTAINER_RUN_ARGV.test((x.args[0] ?? '').trim()));
  return c ? { line: c.line, text: `${c.callee}(${(c.args[0] ?? '').slice(0, 30)}…)` } : undefined;
}

/** Node's vm module. */
const VM_MODULE = /^(?:node:)?vm$/;
/** A value that compiles a runtime string into a vm script: `new vm.Script(code, …)`. */
const VM_SCRIPT = /^new\s+(?:[\w$]+\.)?Script\(\s*(?!['"`][^'"`$]*['"`]\s*[,)])/;
/** A context handed what reaches the host: `require`, `process`, `child_process`, `globalThis` itself. */
const HOST_REACH = /\b(?:require|process|child_process|globalThis|global|module)\b\s*[,:}]/;

/**
 * A run of runtime code in a node:vm context (`vm.runInContext(code, ctx)`, `vm.runInNewContext(code, {…})`,
 * `script.runInContext(ctx)` on a `new vm.Script(code)`): the code sees only the globals the context
 * is given, not `require` or `process`. Not `runInThisContext` (the host's own globals), nor a context
 * handed `require` or `process`. Where the context is made (`vm.createContext(sandbox)`) or the run line.
 */
function vmContextRun(f: FileFacts, c: CallFact): number | undefined {
  if (!/^(?:runInContext|runInNewContext)$/.test(c.name)) return undefined;
  const vm = f.imports.find((i) => VM_MODULE.test(i.from));
  if (!vm) return undefined;
  const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
  const ns = new Set(['vm', ...Object.keys(vm.as ?? {})]);
  const direct = c.callee === c.name ? vm.names.includes(c.name) : ns.has(recv);
  // `script.runInContext(ctx)`: the receiver is bound in the file to `new vm.Script(code)`.
  const script = !direct && /^[A-Za-z_$][\w$]*$/.test(recv) && (f.binds ?? []).some((b) => b.name === recv && VM_SCRIPT.test(b.value.trim()));
  if (!direct && !script) return undefined;
  const ctxArg = c.args[direct ? 1 : 0] ?? '';
  if (HOST_REACH.test(ctxArg)) return undefined;
  if (c.name === 'runInNewContext') return c.line;
  const made = f.calls.find((x) => x.name === 'createContext' && (x.callee === 'createContext' || ns.has(x.callee.slice(0, -'.createContext'.length))));
  if (!made || made.args.some((a) => HOST_REACH.test(a))) return undefined;
  return made.line;
}
/** Calls that write a value into a file: `tmp.write(code)`, `path.write_text(code)`, `fs.writeFileSync(file, code)`. */
const FILE_WRITE = /^(?:write|write_text|write_bytes|writelines|writeFile|writeFileSync)$/;
/** Calls that open or make the file written: `open(path, 'w')`, `tempfile.NamedTemporaryFile(suffix='.py')`, `mkstemp()`. */
const FILE_OPEN = /^(?:open|NamedTemporaryFile|mkstemp|TemporaryFile|SpooledTemporaryFile|Path|join|resolve)$/;
/** An interpreter run on a file: a program named for one, or a file name with a script suffix. */
const INTERPRETER = /python|node\b|\bbash\b|\bsh\b|\bzsh\b|ruby|perl|deno|\bbun\b|\btsx?\b|ts-node|pwsh|powershell|osascript|sys\.executable|process\.execPath|interpreter|['"`][^'"`]*\.(?:py|sh|js|mjs|cjs|ts|rb|pl|ps1)['"`]/i;
const ROOT_NAME = /(?:^|[^\w$.'"`])((?:self\.|this\.)?[A-Za-z_$][\w$]*)/g;
/** The names an argument's expressions start from (string literals dropped). */
const rootsOf = (args: readonly string[]): Set<string> =>
  new Set(args.flatMap((a) => [...a.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`/g, "''").matchAll(ROOT_NAME)].map((m) => m[1].replace(/^(?:self|this)\./, ''))));

/**
 * A spawn that runs a file its own function wrote just before (`tmp.write(script)`, then
 * `subprocess.Popen([python_executable, tmp.name])`; `fs.writeFileSync(file, code)`, then
 * `spawn('node', [file])`): the harness runs code it was handed, through an interpreter. The spawn's
 * arguments (or the names they are bound to in the function) mention what the write wrote to, and
 * name an interpreter or a script file.
 */
function scriptRun(f: FileFacts, c: CallFact): ShellSink['script'] {
  const before = f.calls.filter((x) => x.fn === c.fn && x.line < c.line && x.line >= c.line - 40);
  const writes = before.filter((x) => FILE_WRITE.test(x.name) && x.args.length > 0 && !/^(?:[rfbu]?['"`][^'"`$]*['"`])$/.test((x.args[x.name.startsWith('writeFile') ? 1 : 0] ?? '').trim()));
  if (!writes.length) return undefined;
  // The names the spawn's arguments start from, and those the function binds them to (`tmp_script_name = tmp_script.name`).
  const used = rootsOf(c.args);
  const binds = (f.binds ?? []).filter((b) => b.fn === c.fn && b.line < c.line);
  for (const b of binds) if (used.has(b.name)) for (const r of rootsOf([b.value])) used.add(r);
  const text = [...c.args, ...binds.filter((b) => used.has(b.name)).map((b) => b.value)].join(' ');
  for (const w of writes) {
    const recv = w.callee.slice(0, Math.max(0, w.callee.length - w.name.length - 1)).replace(/^(?:self|this)\./, '');
    const targets = new Set<string>([...(recv && !/^(?:fs|fsp|fs\.promises|promises)$/.test(recv) ? [recv.replace(/\..*$/, '')] : []), ...(w.name.startsWith('writeFile') ? rootsOf([w.args[0]]) : [])]);
    // `with open(path, 'w') as f: f.write(code)`: the file the write goes to was opened just before it.
    const opened = before.filter((x) => FILE_OPEN.test(x.name) && x.line <= w.line && x.line >= w.line - 3);
    for (const o of opened) for (const r of rootsOf(o.args)) targets.add(r);
    if (![...targets].some((t) => used.has(t))) continue;
    if (!INTERPRETER.test(text) && !opened.some((o) => INTERPRETER.test(o.args.join(' ')))) continue;
    return { line: w.line, callee: w.callee };
  }
  return undefined;
}
/**
 * Names of the calls that run a command in a sandbox object (SANDBOX_CALL); SINK_NAME adds `spawnSync` and `Command`
 * (Bun, pty, Deno). Daytona's process API names its runs `codeRun` / `code_run` (code) and `executeCommand` / `exec` (a command).
 */
const SANDBOX_CALLS = String.raw`runCommand|run_command|exec|execute|run|run_code|runCode|codeRun|code_run|execCommand|executeCommand|execute_command|commands\.run|spawn|process\.exec`;
const SANDBOX_CALL = new RegExp(`^(?:${SANDBOX_CALLS})$`);
const SINK_NAME = new RegExp(`^(?:${SANDBOX_CALLS}|spawnSync|Command)$`);
/** A value that creates or connects a sandbox: `await Sandbox.create(tpl)`, `new Sandbox()`, `CodeInterpreter.connect(id)`. */
const SANDBOX_MADE = /^(?:await\s+)?(?:new\s+)?[\w.]*?(?:Sandbox|CodeInterpreter|Container|MicroVM|Microvm)\w*(?:\.(?:create|connect|start|new|spawn|resume|get))?\(/;
const SANDBOX = /sandbox|container|docker|e2b|modal|daytona|firecracker|microvm|vm2|isolate/i;
/** A sandbox SDK package (`@cloudflare/sandbox`, `e2b`, `@e2b/code-interpreter`, `@daytonaio/sdk`, `@vercel/sandbox`, `modal`): its objects run commands in a remote sandbox. */
const SANDBOX_SDK = /^(?:@[\w-]+\/)?[\w-]*sandbox[\w-]*$|^(?:@e2b\/[\w.-]+|e2b(?:[_-][\w-]+)?|e2b_code_interpreter|@daytonaio\/[\w.-]+|daytona(?:[_-]sdk)?|modal)$/i;
/** An argument that is the command or code itself (`command`, `cmd`, `opts.command`, `code`). */
const COMMAND_VALUE = /^(?:[\w$]+\.)?(?:cmd|command|commandLine|code|script|shellCommand|shell_command)$/;
/** The Docker Engine API's exec endpoint (`POST /containers/{id}/exec`): a command run inside a container over HTTP. */
const CONTAINER_EXEC_ENDPOINT = /^f?[`'"][^`'"]*\/containers\/[^`'"]*\/exec\b/;

/** Whether `name` is bound, in function `fn` (or at the top of the file), to a sandbox the harness creates or connects. */
function sandboxBound(f: FileFacts, fn: string, name: string): boolean {
  if (!name || name === 'this' || name === 'self') return false;
  return (f.binds ?? []).some((b) => b.name === name && (b.fn === fn || b.fn === '<top>') && SANDBOX_MADE.test(b.value));
}

/** A call that creates or connects a sandbox: `Sandbox.create(…)`, `new Sandbox(…)`, `Sandbox(…)`, `CodeInterpreter.connect(id)`. */
const SANDBOX_MAKE_CALLEE = /^(?:new\s+)?(?:([A-Za-z_$][\w$]*)\.)?([A-Z][\w$]*)(?:\.(?:create|connect|start|new|spawn|resume|get))?$/;
const SANDBOX_CLASS = /(?:Sandbox|CodeInterpreter|Container|MicroVM|Microvm)\w*$/;

/**
 * Whether `name` is bound, in function `fn` (or at the top of the file), to the result of a harness
 * function that creates or connects a sandbox from a package it imports
 * (`const desktop = await getDesktop(id)`, where `getDesktop` returns `await Sandbox.create(…)` and
 * `Sandbox` comes from a sandbox SDK): the receiver is that sandbox though its name does not say so.
 */
function sandboxFromHelper(ctx: RuleContext, f: FileFacts, fn: string, name: string): ShellSink['sandboxMade'] {
  if (!name || name === 'this' || name === 'self') return undefined;
  const cache = ctx.memo('tools:sandbox-from-helper', () => new Map<string, ShellSink['sandboxMade'] | null>());
  const key = `${f.path}#${fn}#${name}`;
  let hit = cache.get(key);
  if (hit === undefined) {
    hit = helperMakesSandbox(ctx, f, fn, name) ?? null;
    cache.set(key, hit);
  }
  return hit ?? undefined;
}

function helperMakesSandbox(ctx: RuleContext, f: FileFacts, fn: string, name: string): ShellSink['sandboxMade'] {
  for (const b of f.binds ?? []) {
    if (b.name !== name || (b.fn !== fn && b.fn !== '<top>')) continue;
    const made = /^(?:await\s+)?((?:this\.|self\.)?[A-Za-z_$][\w$]*)\(/.exec(b.value)?.[1];
    if (!made) continue;
    const defs = made.includes('.') ? [resolveLocal(ctx, f.path, b.fn, made)].filter((d): d is NonNullable<typeof d> => !!d) : resolveBareCall(ctx, f.path, made);
    for (const d of defs.slice(0, 3)) {
      const mods = importModules(ctx, d.file, true);
      // The helper calls a sandbox class's factory, and that class comes from a package, not the harness.
      const makes = ctx.callsIn(d.file, d.name).find((c) => {
        const m = SANDBOX_MAKE_CALLEE.exec(c.callee);
        if (!m || !SANDBOX_CLASS.test(m[2])) return false;
        // `e2b.Sandbox.create()`: the namespace is what was imported.
        const from = mods.get(m[1] ?? m[2]);
        return !!from && !/^[.@~]\/|^\./.test(from);
      });
      if (makes) return { file: d.file, line: makes.line, callee: makes.callee, fn: d.name };
    }
  }
  return undefined;
}

/** A shell program named by a literal: `'/bin/bash'`, `["bash"]`, `"cmd.exe /v:on"`, `os.environ.get("SHELL", "bash")`. */
const SHELL_PROGRAM =
  /^\[?\s*(?:f?['"`](?:\/(?:usr\/)?(?:local\/)?bin\/)?(?:ba|z|da|fi|j|k|tc|c)?sh(?:\s[^'"`]*)?['"`]|f?['"`](?:pwsh|powershell|cmd)(?:\.exe)?(?:\s[^'"`]*)?['"`]|(?:os\.environ\.get|os\.getenv|process\.env)\W+['"]?SHELL\b)/;
/** An interactive shell inside a container: `f"docker exec -it {id} /bin/bash"`. */
const CONTAINER_SHELL = /^f?['"`](?:docker|podman)\s+exec\b/;
/** A write into a running process's input: `proc.stdin.write(x)`, `proc.input.write(x)`, pexpect `child.sendline(x)`. */
const INPUT_WRITE = /(?:^|\.)(?:stdin|input)\.write$|(?:^|\.)sendline$/;
/** A pexpect start: `pexpect.spawn(cmd)`, `pexpect.spawnu(…)`, `PopenSpawn(…)` — a process driven through its terminal, whatever program it names. */
const PEXPECT_START = /^(?:pexpect\.)?(?:spawnu?|popen_spawn\.PopenSpawn|PopenSpawn)$/;
/** pexpect's raw `send(x)` on a receiver named for the process it drives (`self._shell.send(s)`, `child.send(cmd)`). */
const PEXPECT_SEND = /(?:^|\.)_*(?:\w*(?:shell|child|proc|process|pty|term|terminal|session|bash|spawn)\w*)\.send$/i;

/**
 * A shell started once and fed commands afterwards: the file spawns a shell by its literal name or
 * path (directly, or through a class attribute or local bound to it) with no command of its own
 * (`-c`), and writes a runtime value into a process's input (`proc.stdin.write(cmd)`, a writer got
 * from `proc.input.getWriter()`, `child.sendline(cmd)`). Each such write is a sink; the start of a
 * shell is then the harness's own program, not the model's command, and stops counting as one.
 */
function persistentShellWrites(
  f: FileFacts,
  started: { line: number; callee: string; kind: ShellSink['kind']; fn: string; arg: string; args: string[] }[],
  out: ShellSink[],
  fileStart: number,
  toolFed: boolean,
): void {
  const pexpect = f.imports.some((i) => i.from === 'pexpect' || i.from.startsWith('pexpect.'));
  const program = (st: (typeof started)[number]): 'shell' | 'container' | undefined => {
    if (st.args.some((a) => /['"`](?:-\w*c|\/c|-Command)['"`]/.test(a))) return undefined;
    // The shell named by the `executable=` option (`create_subprocess_exec(*argv, stdin=PIPE, executable="bash")`).
    if (st.args.some((a) => /^executable\s*=\s*/.test(a) && SHELL_PROGRAM.test(a.replace(/^executable\s*=\s*/, '')))) return 'shell';
    let v = st.arg.trim().replace(/^\*/, '');
    if (!SHELL_PROGRAM.test(v) && !CONTAINER_SHELL.test(v)) {
      const name = /^(?:self\.|this\.)?([A-Za-z_$][\w$]*)$/.exec(v)?.[1];
      const bound = name ? (f.binds ?? []).find((b) => b.name === name && (b.fn === st.fn || b.fn === '<top>') && b.line <= st.line)?.value
        ?? f.objects.find((o) => o.ctx.startsWith('class:') && o.values[name] !== undefined && o.values[name] !== '<fn>')?.values[name] : undefined;
      if (bound) v = bound.trim();
    }
    // A process started through pexpect is driven through its terminal: what is sent to it runs there,
    // whichever program it names (a configured shell path, `bash -r`).
    return CONTAINER_SHELL.test(v) ? 'container' : SHELL_PROGRAM.test(v) || (pexpect && PEXPECT_START.test(st.callee)) ? 'shell' : undefined;
  };
  const shells = started.map((st) => ({ st, p: program(st) })).filter((x) => x.p);
  if (!shells.length) return;
  // Writers taken from a process's input stream: `const input = proc.input.getWriter()`.
  const writers = new Set((f.binds ?? []).filter((b) => /\.(?:stdin|input)\.getWriter\(\)$/.test(b.value)).map((b) => b.name));
  const writes: ShellSink[] = [];
  for (const c of f.calls) {
    if (c.name !== 'write' && c.name !== 'sendline' && c.name !== 'send') continue;
    const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1)).replace(/^(?:this|self)\./, '');
    // (`send` only on an attribute, or on a local bound to the pexpect start: `bash_state.send(cmd)` calls the harness's own wrapper.)
    const sendOn = () => pexpect && PEXPECT_SEND.test(c.callee) && (/^(?:this|self)\.[\w$]+$/.test(c.callee.slice(0, -5)) || (f.binds ?? []).some((b) => b.fn === c.fn && b.name === recv && PEXPECT_START.test(/^(?:await\s+)?([\w$.]+)\(/.exec(b.value)?.[1] ?? '')));
    if (c.name === 'send' ? !sendOn() : !INPUT_WRITE.test(c.callee) && !(c.name === 'write' && writers.has(recv))) continue;
    const arg = (c.args[0] ?? '').trim();
    // A literal, or a module constant (`shell.sendline(PROMPT_STATEMENT)`): the harness's own set-up line.
    if (!arg || /^b?['"`][^'"`$]*['"`]$/.test(arg) || /^_?[A-Z][A-Z0-9_]*$/.test(arg)) continue;
    const start = shells.find((x) => x.st.fn === c.fn) ?? shells[0];
    const kind: ShellSink['kind'] = start.p === 'container' || start.st.kind === 'sandbox' ? 'sandbox' : 'spawn';
    writes.push({ file: f.path, line: c.line, fn: c.fn, callee: c.callee, kind, fromInput: true, toolFed, shellStart: { line: start.st.line, callee: start.st.callee } });
  }
  if (!writes.length) return;
  // A write of what its function is handed (`def sendline(self, s): self._shell.sendline(s)`) before
  // one the harness words itself (`sendline(f"screen -S {id}")`): the former is where the command enters.
  const param = (w: ShellSink) => {
    const arg = /^[\w$]+$/.exec(f.calls.find((c) => c.line === w.line && c.callee === w.callee)?.args[0]?.trim() ?? '')?.[0];
    return arg && f.functions.some((fn) => fn.name === w.fn && fn.params.some((p) => paramName(p) === arg)) ? 0 : 1;
  };
  writes.sort((a, b) => param(a) - param(b));
  const starts = new Set(shells.map((x) => x.st.line));
  for (let i = fileStart; i < out.length; i++) if (starts.has(out[i].line)) out[i].fromInput = false;
  // The writes first: they are where the model's command enters the shell.
  out.splice(fileStart, 0, ...writes);
}

/**
 * A file that runs inside an iframe or a worker: it posts its results to its host (`parent.postMessage`,
 * `self.postMessage`, `port.postMessage`) and takes its work from message events.
 */
const messageRuntime = (f: FileFacts): boolean =>
  f.calls.some((c) => c.name === 'postMessage') && f.calls.some((c) => c.name === 'addEventListener' && /^['"`]message['"`]$/.test((c.args[0] ?? '').trim()));

/**
 * Process spawns and code execution: child_process / execa / node-pty / subprocess / os.system
 * sinks, `exec`/`eval` of runtime code, and commands run through a sandbox object
 * (`sandbox.runCommand(cmd)`). `toolFed` marks sinks in a tool's file or reached from one.
 */
export function shellSinks(ctx: RuleContext): ShellSink[] {
  return ctx.memo('tools:shell-sinks', () => {
    const declFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    const out: ShellSink[] = [];
    // The SDK is a package, not the harness's own module of that name (`agents.sandbox`, `./sandbox`).
    const sdkFile = (f: FileFacts): string | undefined => {
      if (f.imports.some((i) => /^(?:node:)?child_process$|^execa$|^subprocess$/.test(i.from))) return undefined;
      const sdk = f.imports.find((i) => SANDBOX_SDK.test(i.from) && !/^[.~]/.test(i.from) && !resolveImportFile(ctx, f.path, i.from));
      return sdk ? `on an object of the sandbox SDK '${sdk.from}'` : undefined;
    };
    // Only files with a call that can be a sink by its name are scanned.
    const gate = callsPassing(ctx, 'tools:sink-names', (n) => SINK_NAME.test(n) || SPAWN_CALL.test(n) || CODE_CALL.test(n) || KERNEL_CALL.test(n) || n === 'Function' || /^(?:sendText|executeCommand)$/i.test(n));
    for (const f of ctx.source) {
      if (!gate.files.has(f.path)) continue;
      const spawnNames = new Set<string>();
      let spawnModule = false;
      for (const i of f.imports) {
        if (SPAWN_MODULE.test(i.from)) {
          spawnModule = true;
          for (const n of i.names) spawnNames.add(n);
        }
      }
      const kernel = f.imports.some((i) => KERNEL_MODULE.test(i.from));
      let isolate: boolean | undefined;
      let containerRun: { line: number; text: string } | null | undefined;
      const started: { line: number; callee: string; kind: ShellSink['kind']; fn: string; arg: string; args: string[] }[] = [];
      const fileStart = out.length;
      for (const c of f.calls) {
        if (!gate.names.has(c.name)) continue;
        const arg = c.args[0] ?? '';
        // `spawn('bash', ['-c', command])` runs a runtime string through a shell like `exec(command)`.
        const viaShell = /^['"`](?:\/(?:usr\/)?(?:local\/)?bin\/)?(?:ba|z|da|fi)?sh|^['"`](?:pwsh|powershell|cmd)(?:\.exe)?['"`]/.test(arg) && /['"`](?:-c|-lc|\/c|-Command)['"`]\s*,\s*[^'"`\s\]]/.test(c.args[1] ?? '');
        // `spawn('docker', ['run', …, command])`: the command runs inside a container or jail.
        const boxed = /^['"`](?:docker|podman|bwrap|bubblewrap|firejail|nsjail|sandbox-exec|runsc|gvisor)['"`]$/.test(arg.trim()) && !!c.args[1] && !/^\[\s*(?:['"][^'"`$]*['"]\s*,?\s*)*\]$/.test(c.args[1]);
        // A string literal, a list of them (`Popen(["mpv", "--no-cache", "-"])`), or a module constant
        // (`exec(_PRELUDE, ns)`) is the harness's own command, not the model's.
        // So is a shell given a literal script (`execFile(shell, ['-lc', 'printf "$PATH"'])`).
        const literalScript = LITERAL_LIST.test((c.args[1] ?? '').trim()) && /['"`]-\w*c['"`]/.test(c.args[1] ?? '');
        const literal = (/^['"][^'"]*['"]$/.test(arg.trim()) || LITERAL_LIST.test(arg.trim()) || CONTAINER_ADMIN_ARGV.test(arg.trim()) || /^_?[A-Z][A-Z0-9_]*$/.test(arg.trim()) || arg === '' || literalScript) && !viaShell && !boxed;
        let kind: ShellSink['kind'] | undefined;
        let made: ShellSink['sandboxMade'];
        let via: string | undefined;
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        let script: ShellSink['script'];
        let inIsolate: string | false = false;
        let vmAt: number | undefined;
        let fed = !literal;
        if (SANDBOX.test(recv) && SANDBOX_CALL.test(c.name)) kind = 'sandbox';
        // Python's own `exec(code)` / `eval(expr)` runs code, also in a file that imports subprocess or os.
        // (Not `eval(m.group(0))`: a literal a regex cut out of a program's output, read back as a value.)
        else if (f.lang === 'py' && c.callee === c.name && /^(?:exec|eval)$/.test(c.name) && !spawnNames.has(c.name)) kind = literal || (c.name === 'eval' && /^[\w.]+\.group\([^()]*\)$/.test(arg.trim())) ? undefined : 'code';
        // `new Function('ctx', `with (ctx) { ${code} }`)` compiles a runtime string into a function.
        // (Its body is the last argument; the first ones name its parameters.)
        // In the runtime of an iframe or worker that talks to its host only by messages, the code runs in
        // that isolate: a sandbox the browser or the worker runtime provides.
        else if (f.lang !== 'py' && (c.callee === 'new Function' || c.callee === 'Function')) {
          if (c.args.length && !/^(?:['"][^'"]*['"]|`[^`$]*`)$/.test((c.args[c.args.length - 1] ?? '').trim())) {
            [kind, fed] = ['code', true];
            inIsolate = (isolate ??= messageRuntime(f)) && 'inside an iframe or worker that exchanges only messages with its host';
          }
        }
        // A Jupyter kernel client's `kc.execute(code)`: the code runs in the kernel.
        else if (kernel && recv && KERNEL_CALL.test(c.name) && !literal) {
          kind = 'code';
          // The file starts the kernel inside a container (`docker_run_cmd = ['docker', 'run', …]`): the code runs there.
          const box = (containerRun ??= containerRunIn(f) ?? null);
          if (box) [kind, via] = ['sandbox', `in a Jupyter kernel the file starts inside a container (${box.text} at line ${box.line})`];
        }
        // The receiver is a local bound to a sandbox the function creates (`const sbx = await Sandbox.create(…)`, then `sbx.commands.run(cmd)`).
        else if (recv && SANDBOX_CALL.test(c.name) && sandboxBound(f, c.fn, /^[A-Za-z_$][\w$]*/.exec(recv)?.[0] ?? '')) kind = 'sandbox';
        // The receiver is a local bound to what a harness helper returns, and that helper creates or
        // connects a sandbox from an SDK (`const desktop = await getDesktop(id)`, then `desktop.commands.run(cmd)`).
        else if (recv && SANDBOX_CALL.test(c.name) && (made = sandboxFromHelper(ctx, f, c.fn, /^[A-Za-z_$][\w$]*/.exec(recv)?.[0] ?? ''))) kind = 'sandbox';
        // A call on an object of an imported sandbox SDK, handed the command (`session.exec(command)`
        // where the file imports `@cloudflare/sandbox`, `e2b`, `@daytonaio/sdk`): the command runs in that
        // remote sandbox, whatever the local's name.
        else if (recv && !/^(?:this|self)$/.test(recv) && !/(?:re|rx|regexp?|pattern|matcher)$/i.test(recv) && SANDBOX_CALL.test(c.name) && COMMAND_VALUE.test(arg.trim()) && (via = sdkFile(f))) kind = 'sandbox';
        else if (spawnModule && SPAWN_CALL.test(c.name)) {
          // `re.exec`, `this.run`, `agent.run` are not spawns: the callee must be the imported
          // function or the module's namespace.
          const bare = c.callee === c.name || spawnNames.has(c.name) || /^(?:child_process|cp|childProcess|subprocess|os|asyncio|execa|pty|shell|Bun|sh|zx|pexpect)\./.test(c.callee) || /^(?:promisify|util\.promisify)/.test(c.callee);
          if (bare && !(f.lang === 'py' && /^(?:run|call)$/.test(c.name) && !c.callee.startsWith('subprocess.'))) kind = 'spawn';
        } else if (/^(?:Bun\.spawn|Bun\.spawnSync|pty\.spawn|Deno\.Command|new Deno\.Command)$/.test(c.callee)) kind = 'spawn';
        // An editor terminal runs the text in the user's shell: `terminal.sendText(cmd)`, `shellIntegration.executeCommand(cmd)`.
        else if (/(?:^|\.)(?:terminal|shellIntegration)\.(?:sendText|executeCommand)$/i.test(c.callee) && !literal) kind = 'spawn';
        // `this.db.exec(sql)` and `pattern.exec(text)` are not code execution: only `exec(…)`, `vm.x(…)`, `this.exec(…)`.
        else if (CODE_CALL.test(c.name) && (c.callee === c.name || /^(?:vm|self|this)\.\w+$/.test(c.callee)) && !literal) kind = 'code';
        // A run in a node:vm context given only the harness's globals: the context is its isolate.
        if ((kind === 'code' || (!kind && recv)) && (vmAt = vmContextRun(f, c)) !== undefined) [kind, fed, inIsolate] = ['code', true, `in a node:vm context holding only the globals it is given (${vmAt === c.line ? c.callee : 'vm.createContext'}() at line ${vmAt})`];
        if (!kind) continue;
        if (boxed) kind = 'sandbox';
        // A spawn that runs a script file the function has just written: code execution, not a shell
        // command, and fed by what was written whatever names the interpreter (`execFile('node', [file])`).
        if (kind === 'spawn' && (script = scriptRun(f, c))) [kind, fed] = ['code', true];
        if (kind !== 'code') started.push({ line: c.line, callee: c.callee, kind, fn: c.fn, arg, args: c.args });
        out.push({ file: f.path, line: c.line, fn: c.fn, callee: c.callee, kind, fromInput: fed, toolFed: declFiles.has(f.path), ...(made ? { sandboxMade: made } : {}), ...(via && kind === 'sandbox' ? { via } : {}), ...(script ? { script } : {}), ...(inIsolate ? { isolate: inIsolate } : {}) });
      }
      if (started.length) persistentShellWrites(f, started, out, fileStart, declFiles.has(f.path));
    }
    // A request to the Docker Engine API's exec endpoint (`POST /containers/{id}/exec`, its body the
    // command): the command runs inside the container. Looked up by the calls whose first argument
    // is a literal path, once per audit: one pass over the calls in source order (walking them by name, scattered
    // over the heap, took three times as long), the few found then put in the by-name index's order (ctx.callNames:
    // names in order of first use, each name's calls in source order), in which they are cited.
    const endpoints: Located<CallFact>[] = [];
    for (const c of ctx.calls) {
      const a = c.args[0] ?? '';
      if (a.length < 16 || !a.includes('/containers/') || !CONTAINER_EXEC_ENDPOINT.test(a.trim())) continue;
      endpoints.push(c);
    }
    if (endpoints.length > 1) {
      const rank = new Map<string, number>();
      for (const name of ctx.callNames().keys()) rank.set(name, rank.size);
      endpoints.sort((x, y) => rank.get(x.name)! - rank.get(y.name)!);
    }
    for (const c of endpoints) {
      if (out.some((s) => s.file === c.file && s.line === c.line)) continue;
      out.push({ file: c.file, line: c.line, fn: c.fn, callee: c.callee, kind: 'sandbox', fromInput: true, toolFed: declFiles.has(c.file), via: "to the Docker Engine API's container exec endpoint" });
    }
    // Mark sinks whose function is reached (up to two calls) from a tool declaration's file.
    if (out.some((s) => !s.toolFed)) {
      for (const s of out) {
        if (s.toolFed || s.fn === '<top>') continue;
        let frontier = [shortName(s.fn)];
        for (let hop = 0; hop < 2 && !s.toolFed && frontier.length; hop++) {
          const next: string[] = [];
          for (const n of frontier) {
            for (const c of ctx.callsNamed(n).slice(0, 40)) {
              if (declFiles.has(c.file)) s.toolFed = true;
              else if (c.fn !== '<top>') next.push(shortName(c.fn));
            }
          }
          frontier = [...new Set(next)].slice(0, 40);
        }
      }
    }
    return out;
  });
}

export interface PermissionCall {
  file: string;
  line: number;
  fn: string;
  callee: string;
  /** `decision`: a call that decides (checkPolicy, canUseTool); `hook`: a pluggable callback that may decide (beforeToolCall, a confirmation handler). */
  kind: 'decision' | 'hook';
  /** A function of that name is defined in the harness source. */
  defined: boolean;
  /** The call sits in a dispatch function, its caller or callee, or the dispatch's file. */
  onPath: boolean;
  optional: boolean;
  /** The call's statement is inside a `catch` / `except` block: it runs after the tool failed, not before it runs. */
  inCatch?: boolean;
}

/**
 * A call named for a permission decision: a verb (as a whole word: `cancelAuthorization` is no `can…`) and what is decided;
 * or `validate` / `verify` with the permission as the last word (`_validate_tool_permissions(tool, user)`), where a
 * policy or mode that ends the name is configuration being validated (`validatePolicy`, `_validate_permission_mode`).
 */
const DECISION_CALL =
  /^_*(?:check|request|ask|evaluate|decide|is|can|should|needs?|requires?|enforce|ensure|prompt|verify|get)(?=[A-Z_])_?[A-Za-z_]*?(?:Permission|permission|Approv|approv|Polic|polic|Consent|consent|Confirm|confirm|Authori[sz]|authori[sz]|Allowed|allowed|Denied|denied)\w*$|^_*(?:validate|verify)_?[A-Za-z_]*?(?:Permissions?|permissions?|Approval|approval|Consent|consent|Authori[sz]ation|authori[sz]ation)$|^_*(?:checkPolicy|canUseTool|can_use_tool|shouldConfirmExecute|should_confirm|isToolAllowed|confirm|approve|authorize|authorise|decide|askUser|ask_user|requestApproval|hasPermission|permissionCheck)$/;
const NOT_DECISION = /[Ii]mport|[Mm]odule|[Uu]rl|[Dd]omain|[Oo]rigin|Cors|cors|Dialog|String|Dir$|Dirs$|Path$|Paths$|Stats|Mode$|Modes$|Integrity|Engine$|Request$|Details$|Message$|Url$|Metadata|Flow$|Status$|Count$|State$|Chain$|Error$|Errors$|Config$|Settings$|Files?$/;
/** Whether a call's name is one of a permission decision (`DECISION_CALL`, not naming configuration: `NOT_DECISION`). */
export const decisionNamed = (name: string): boolean => DECISION_CALL.test(name) && !NOT_DECISION.test(name.replace(/_+([a-z])/g, (_m, x: string) => x.toUpperCase()));
const HOOK_CALL = /^(?:before|pre|on|handle)_?(?:Tool|tool)\w*$|^(?:beforeToolCall|before_tool_call|preToolUse|pre_tool_use|onToolCall|canUseTool|can_use_tool)$|(?:Confirm|confirm|Approv|approv|Permission|permission)\w*(?:Handler|Hook|Callback|Fn|Listener)$/;
/**
 * A hook named for a tool call's outcome (`handle_tool_failure`, `handleToolError`, `onToolResult`, `on_tool_end`):
 * it reports what happened to a call (a failure to parse its arguments, an exception, a result) and decides nothing,
 * though its body branches (on a verbose flag, on its listeners).
 */
const OUTCOME_HOOK = /(?:Error|Errors|Exception|Failure|Failed|Fail|Success|Succeeded|Result|Results|Complete|Completed|Completion|End|Ended|Finish|Finished|Done|Output|Outputs)$/;
/**
 * A hook named for a running call's progress (`on_tool_progress`, `onToolUpdate`, `handleToolStreamDelta`): it
 * forwards a step count or a partial output to a listener while the tool runs, and decides nothing.
 */
const PROGRESS_HOOK = /(?:Progress|Update|Updates|Stream|Streaming|Delta|Deltas|Chunk|Chunks)$/;
/** A yes/no question about setting the harness up (`Package missing. Install it?`): the CLI asks about its own install, not about a tool call. */
export const INSTALL_PROMPT = /\b(?:install|reinstall|upgrade)\b/i;
export const PROMPT_CALL = /^(?:input|question|prompt|ask|confirm|raw_input|Confirm|ask_user|askUser)$/;
const PROMPT_TEXT = /\b(?:allow|approve|confirm|proceed|permit|execute|run|continue)\b|y\/n|\[y\/N\]|\(y\/n\)|yes\/no/i;
const DECISION_METHOD = /^(?:check|decide|evaluate|isAllowed|canUse|authorize|allows|permits|shouldAsk|needsApproval)$/;
const DECISION_RECEIVER = /polic|permission|gate|guard|approv|authori[sz]/i;

/** Function keys (`file#fn`) and files on the path from a tool lookup to its execution. */
export function dispatchPath(ctx: RuleContext): { fns: Set<string>; files: Set<string>; names: Set<string> } {
  return ctx.memo('tools:dispatch-path', () => {
    const fns = new Set<string>();
    const files = new Set<string>();
    const names = new Set<string>();
    const add = (file: string, fn: string) => {
      fns.add(`${file}#${fn}`);
      names.add(shortName(fn));
    };
    for (const d of toolDispatch(ctx)) {
      if (rank(d.exec) > 1 && d.execFn !== d.lookupFn) continue;
      for (const k of [d.lookupFn, d.execFn]) {
        const i = k.indexOf('#');
        const file = k.slice(0, i);
        const fn = k.slice(i + 1);
        // A lookup that runs a generic callee (`handler(...)`) marks its functions, not its whole file.
        if (rank(d.exec) <= 1) files.add(file);
        add(file, fn);
        if (!GENERIC_FN.test(shortName(fn))) for (const c of ctx.callsNamed(shortName(fn)).slice(0, 20)) add(c.file, c.fn);
        else {
          // A generic method (`ToolRegistry.execute`) is followed up to the callers whose receiver is
          // named after its class (`this.config.toolRegistry.execute(…)`): the executor that wraps
          // the registry, where a gate usually sits, is on the path too.
          const cls = fn.includes('.') ? fn.slice(0, fn.lastIndexOf('.')).replace(/^.*\./, '') : '';
          if (cls.length >= 6) {
            const want = cls.toLowerCase();
            for (const c of ctx.callsNamed(shortName(fn)).slice(0, 200)) {
              const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1)).replace(/^.*\./, '').replace(/^_+/, '').toLowerCase();
              if (recv !== want || c.file === file) continue;
              add(c.file, c.fn);
              files.add(c.file);
            }
          }
        }
      }
    }
    return { fns, files, names };
  });
}

/**
 * Whether a harness function named like a hook (`handleToolCall`, `pre_tool_use`) decides: some
 * definition of it (other than the caller) branches or exits early, and is not a function that looks
 * a tool up by name (the dispatch itself).
 */
function hookBodyDecides(ctx: RuleContext, name: string, file: string, fn: string): boolean {
  const lookupFns = ctx.memo('tools:lookup-fns', () => new Set(toolLookups(ctx).map((l) => `${l.file}#${l.fn}`)));
  return ctx.functionsNamed(name).some((d) => {
    if ((d.file === file && d.name === fn) || lookupFns.has(`${d.file}#${d.name}`)) return false;
    const g = ctx.file(d.file);
    return !!g && (g.guards.some((x) => x.fn === d.name) || (g.branches ?? []).some((x) => x.fn === d.name));
  });
}

/**
 * Permission decisions and hooks in the harness: calls that decide allow / deny / ask
 * (`checkPolicy(…)`, `policy.check(…)`, `canUseTool(…)`) and pluggable hooks that may
 * (`config.beforeToolCall(…)`, a confirmation handler), marked when they sit on the dispatch path.
 */
export function permissionCalls(ctx: RuleContext): PermissionCall[] {
  return ctx.memo('tools:permission-calls', () => {
    const path = dispatchPath(ctx);
    const out: PermissionCall[] = [];
    // Only files with a call named like a hook, a decision or a prompt are scanned.
    const gate = callsPassing(ctx, 'tools:permission-names', (n) => HOOK_CALL.test(n) || DECISION_CALL.test(n) || DECISION_METHOD.test(n) || PROMPT_CALL.test(n));
    // The last line where each dispatching function runs the looked-up tool: a call in that function
    // once the tool has run (after that line, or in a `catch` around the run) reports on the call
    // (`onToolCallError(…)`, `onToolSuccess?.(…)`) and decides nothing before it.
    const lastRun = new Map<string, number>();
    for (const d of toolDispatch(ctx)) {
      const k = `${d.exec.file}#${d.exec.fn}`;
      lastRun.set(k, Math.max(lastRun.get(k) ?? 0, d.exec.line));
    }
    for (const f of ctx.source) {
      if (!gate.files.has(f.path)) continue;
      for (const c of f.calls) {
        if (!gate.names.has(c.name)) continue;
        const ran = lastRun.get(`${f.path}#${c.fn}`);
        if (ran !== undefined && (c.inCatch || c.line > ran)) continue;
        let kind: PermissionCall['kind'] | undefined;
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        if (HOOK_CALL.test(c.name)) {
          const camel = c.name.replace(/_+([a-z])/g, (_m, x: string) => x.toUpperCase());
          if (OUTCOME_HOOK.test(camel) || PROGRESS_HOOK.test(camel)) continue;
        }
        if (HOOK_CALL.test(c.name)) kind = 'hook';
        // The object words are tested on the name's camel form, so `_is_allowed_image_path` reads as `isAllowedImagePath`.
        else if (decisionNamed(c.name)) kind = 'decision';
        else if (DECISION_METHOD.test(c.name) && DECISION_RECEIVER.test(recv)) kind = 'decision';
        // A yes/no question to the user: `input('Run this? [y/n]')`, `rl.question('Allow …?')`.
        const asksUser = PROMPT_CALL.test(c.name) && PROMPT_TEXT.test(c.args[0] ?? '');
        if (asksUser) kind = 'decision';
        if (!kind) continue;
        if (PROMPT_CALL.test(c.name) && INSTALL_PROMPT.test(c.args[0] ?? '')) continue;
        // A question asked in a constructor (`click.confirm(…)` in a tool's `__init__`) is asked when the
        // object is built (to install a missing package), not before a call runs.
        if (PROMPT_CALL.test(c.name) && /(?:^|\.)(?:__init__|constructor)$/.test(c.fn)) continue;
        // Defined in the harness, or a prompt imported from a library (inquirer, @clack/prompts …).
        const imported = !c.callee.includes('.') && f.imports.some((i) => i.names.includes(c.name) && !i.from.startsWith('.'));
        const defined = asksUser || imported || ctx.functionsNamed(c.name).some((d) => !(d.file === f.path && d.name === c.fn));
        // A decision reached through an options/config property or a getter for a handler is a hook.
        if (kind === 'decision' && !defined && /^(?:config|options|opts|this\.config|this\.options|this\.opts|hooks|this\.hooks|params|props|callbacks)\./.test(c.callee)) kind = 'hook';
        if (kind === 'decision' && /^get\w*(?:Handler|Hook|Callback)$/.test(c.name)) kind = 'hook';
        // A hook-named function the harness defines itself (`canUseTool(tool, input)`) decides.
        if (kind === 'hook' && defined && !/^get/.test(c.name) && !/^(?:config|options|opts|this\.config|this\.options|this\.opts|hooks|this\.hooks|params|props|callbacks)\./.test(c.callee) && !c.optional) {
          // Only when its body decides: a function named like a hook that builds an event payload
          // (no branch at all) or is itself the tool dispatch (looks the tool up and runs it) is
          // neither a decision nor a hook.
          if (!hookBodyDecides(ctx, c.name, f.path, c.fn)) continue;
          kind = 'decision';
        }
        const onPath = path.files.has(f.path) || path.fns.has(`${f.path}#${c.fn}`);
        out.push({ file: f.path, line: c.line, fn: c.fn, callee: c.callee, kind, defined, onPath, optional: c.optional, ...(c.inCatch ? { inCatch: true } : {}) });
      }
    }
    return out;
  });
}

/** Per-tool flags saying that the tool asks before it runs (`needsApproval`, `requiresHuman`): one of the hints below. */
const APPROVAL_FLAGS =
  'needsApproval|needs_approval|requiresHuman|requires_human|requiresHumanInput|requires_human_input|needsHuman|needs_human|requiresApproval|requires_approval|requireApproval|require_approval|requiresConfirmation|requireConfirmation|needsConfirmation|requires_confirmation|needsPermission|requiresPermission|requires_permission|approval|autoApprove';
/** A per-tool approval flag: it says that a tool asks, not what class of tool it is. */
export const APPROVAL_FLAG = new RegExp(`^(?:${APPROVAL_FLAGS})$`);
/** Behavioural hints a tool can carry: read-only, destructive, concurrency-safe, needs approval … */
export const HINT_KEY = new RegExp(
  `^(?:readOnly|isReadOnly|read_only|is_read_only|readonly|readOnlyHint|destructive|isDestructive|is_destructive|destructiveHint|dangerous|isDangerous|is_dangerous|${APPROVAL_FLAGS}|permission_required|permissionRequired|confirmation_required|confirmationRequired|isConcurrencySafe|concurrencySafe|concurrency_safe|is_concurrency_safe|parallelSafe|isParallelSafe|idempotent|idempotentHint|isIdempotent|openWorldHint|sideEffects|hasSideEffects|side_effects|mutating|isMutating|mutates|riskLevel|risk_level|risk|permissionLevel|permission_level|safe|isSafe|is_safe|kind)$`,
);
/** Keys of a tool that group its hints in a nested object. */
const HINT_CONTAINER = /^(?:hints|annotations|toolAnnotations|behavior|behaviour|traits|flags|safety|capabilities)$/;
/** `kind` is only a hint when its value names a risk class (`Kind.Read`, `'execute'`). */
const KIND_VALUE = /\b(?:read|edit|write|delete|execute|exec|fetch|search|think|move|other|mutat|readonly|destructive)\b/i;

export interface HintSite {
  file: string;
  line: number;
  key: string;
  /** Where it is declared: on a tool object/class, a tool base class, or a tool interface. */
  on: 'tool' | 'base' | 'interface';
  owner: string;
  /** The hints are a set of tags (`hints=frozenset({"destructive"})`), read by membership tests. */
  tags?: boolean;
}

/** A tool key holding hint tags, and a tag literal that names a behaviour. */
const TAG_CONTAINER = /^(?:hints|tags|traits|flags|capabilities|labels)$/;
export const HINT_TAG = /['"](?:read[-_ ]?only|readonly|destructive|dangerous|code[-_]exec|idempotent|mutating|mutates|side[-_]effects?|needs[-_]approval|requires[-_]approval|concurrency[-_]safe|parallel[-_]safe|open[-_]world)['"]/i;

/** Hint keys declared on tools, on tool base classes, or on the tool interface. */
export function toolHints(ctx: RuleContext): HintSite[] {
  return ctx.memo('tools:hints', () => {
    const out: HintSite[] = [];
    for (const d of toolDeclarations(ctx)) {
      // Hints grouped in a nested object: `hints: { readOnly: true }`, MCP `annotations: { readOnlyHint }`.
      if (d.end && d.keys.some((k) => HINT_CONTAINER.test(k))) {
        for (const o of ctx.file(d.file)?.objects ?? []) {
          if (o.line < d.line || o.line > d.end || !o.ctx.startsWith('prop:') || !HINT_CONTAINER.test(o.ctx.slice(5))) continue;
          for (const k of o.keys) if (HINT_KEY.test(k) || /Hint$/.test(k)) out.push({ file: d.file, line: o.line, key: k, on: 'tool', owner: d.name });
        }
      }
      for (const k of d.keys) {
        // Hints as tags: `hints=frozenset({"code-exec", "destructive"})`, `tags: ['read-only']`.
        if (TAG_CONTAINER.test(k) && d.kind !== 'class' && d.kind !== 'subclass') {
          const v = ctx.file(d.file)?.objects.find((x) => x.line === d.line)?.values[k] ?? '';
          if (HINT_TAG.test(v)) out.push({ file: d.file, line: d.line, key: k, on: 'tool', owner: d.name, tags: true });
          continue;
        }
        if (!HINT_KEY.test(k)) continue;
        if (k === 'kind' && d.kind !== 'subclass') {
          const o = ctx.file(d.file)?.objects.find((x) => x.line === d.line);
          if (!KIND_VALUE.test(o?.values.kind ?? '')) continue;
        }
        out.push({ file: d.file, line: d.line, key: k, on: 'tool', owner: d.name });
      }
    }
    const bases = toolBaseClasses(ctx);
    for (const f of ctx.source) {
      for (const c of f.classes) {
        if (!bases.has(c.name)) continue;
        for (const k of c.members) if (HINT_KEY.test(k) && k !== 'kind') out.push({ file: f.path, line: c.line, key: k, on: 'base', owner: c.name });
        // A hint the base class takes in its constructor (`def __init__(self, name, description, parameters, dangerous: bool = False)`),
        // which each tool passes up (`super().__init__(NAME, DESCRIPTION, parameters=P, dangerous=True)`).
        const ctor = f.functions.find((fn) => fn.line >= c.line && fn.end <= c.end && ctorClass(fn.name) === c.name);
        for (const k of (ctor?.params ?? []).map(paramName)) if (HINT_KEY.test(k) && k !== 'kind' && !c.members.includes(k)) out.push({ file: f.path, line: ctor!.line, key: k, on: 'base', owner: c.name });
      }
      for (const t of f.types) {
        if (t.kind !== 'interface' && t.kind !== 'alias') continue;
        if (!/tool/i.test(t.name) || !t.members.includes('name') || !t.members.some((m) => DESC_KEY.test(m) || SCHEMA_KEY.test(m))) continue;
        for (const k of t.members) if (HINT_KEY.test(k) && k !== 'kind') out.push({ file: f.path, line: t.line, key: k, on: 'interface', owner: t.name });
      }
    }
    return out;
  });
}

/** Where a hint key is read (property read or method call), outside the lines that declare it. */
export function hintReads(ctx: RuleContext, key: string, exclude: Set<string>): { file: string; line: number }[] {
  const out: { file: string; line: number }[] = [];
  for (const f of ctx.source) {
    for (const line of f.reads[key] ?? []) if (!exclude.has(`${f.path}:${line}`)) out.push({ file: f.path, line });
  }
  for (const c of ctx.callsNamed(key)) if (!exclude.has(`${c.file}:${c.line}`)) out.push({ file: c.file, line: c.line });
  return out;
}

const FRAMEWORK_RUNNER =
  /^(?:generateText|streamText|generateObject|streamObject|ToolLoopAgent|Experimental_Agent|Agent|createAgent|createReactAgent|create_react_agent|create_tool_calling_agent|initialize_agent|AgentExecutor|ToolNode|Runner\.run|run|query|ChatAgent|Assistant|bind_tools|bindTools|chat|create|responses\.create|completions\.create)$/;

export interface FrameworkToolUse {
  file: string;
  line: number;
  runner: string;
}

/** An array or list written out of string literals only. */
const LITERAL_LIST = /^\[\s*(?:['"][^'"`$]*['"]\s*,?\s*)*\]$/;

/** Framework agent factories that list the tools for the model and dispatch them, with the package each comes from. */
const IMPORTED_RUNNER: ReadonlyMap<string, RegExp> = new Map([
  ['create_agent', /^langchain\.agents$/],
  ['create_deep_agent', /^deepagents(?:\.|$)/],
]);

/** Calls that hand a framework its tools (a set lookup: this runs over every call of the repo). */
const FRAMEWORK_TOOL_CALLS = new Set(['bind_tools', 'bindTools', 'create_react_agent', 'createReactAgent', 'ToolNode']);

/** A callback written as the first argument of a call: `async ({ payload }) => {`, `() => ({`, `function (ctx) {`. */
const CALLBACK_ARG = /^(?:async\s+)?(?:\([^()]*(?:\([^()]*\)[^()]*)*\)|[A-Za-z_$][\w$]*)\s*(?::\s*[^=]+)?=>|^(?:async\s+)?function\b/;

/**
 * The options returned by a callback handed to a runner imported from a package (`createAgent(async
 * ({ env }) => { …; return { model, tools: [...] } })`): the runner calls it to get its options, tools
 * included. The nearest call before the returned object, in the same function, whose first argument is
 * a callback; within 60 lines.
 */
function callbackRunner(f: FileFacts, o: FileFacts['objects'][number]): string | undefined {
  let best: CallFact | undefined;
  for (const c of f.calls) {
    if (c.fn !== o.fn || c.line > o.line || o.line - c.line > 60 || !CALLBACK_ARG.test((c.args[0] ?? '').trim())) continue;
    if (!best || c.line > best.line) best = c;
  }
  if (!best) return undefined;
  const root = best.callee.replace(/^new /, '').split('.')[0];
  return f.imports.some((i) => !i.from.startsWith('.') && i.names.includes(root)) ? best.callee.replace(/^new /, '') : undefined;
}

/**
 * Tools handed to a framework that lists them for the model and dispatches calls itself:
 * `generateText({ tools })`, `new Agent({ tools })`, `createReactAgent({ tools })`, `bind_tools(tools)`.
 */
export function frameworkToolUse(ctx: RuleContext): FrameworkToolUse[] {
  return ctx.memo('tools:framework-use', () => {
    const out: FrameworkToolUse[] = [];
    for (const f of ctx.source) {
      for (const o of f.objects) {
        if (!o.keys.includes('tools')) continue;
        // The options written in the call, or bound to a variable first and handed to the runner in the
        // same function (`const config = { model, tools, maxSteps }; streamText(config)`).
        let runner: string | undefined;
        if (o.ctx.startsWith('arg:')) runner = o.ctx.slice(4).replace(/^new /, '');
        else if (o.ctx.startsWith('var:')) {
          const name = o.ctx.slice(4);
          runner = f.calls.find((c) => c.fn === o.fn && c.line >= o.line && c.args[0]?.trim() === name)?.callee.replace(/^new /, '');
        } else if (o.ctx === 'return') runner = callbackRunner(f, o);
        if (!runner) continue;
        const last = shortName(runner);
        const v = (o.values.tools ?? '').trim();
        if (!FRAMEWORK_RUNNER.test(last) && !FRAMEWORK_RUNNER.test(runner)) continue;
        if (v === '[]' || v === '{}' || v === 'undefined' || v === 'None') continue;
        out.push({ file: f.path, line: o.line, runner });
      }
      for (const c of f.calls) {
        if (FRAMEWORK_TOOL_CALLS.has(c.name) && c.args.length) out.push({ file: f.path, line: c.line, runner: c.callee });
        // LangChain's `create_agent(model, tools=…)` and deepagents' `create_deep_agent(…)`: names common enough
        // to be the repo's own factory, so only when the file imports them from the framework.
        else if (c.args.length && IMPORTED_RUNNER.has(c.name) && f.imports.some((i) => IMPORTED_RUNNER.get(c.name)!.test(i.from) && i.names.includes(c.name))) out.push({ file: f.path, line: c.line, runner: c.callee });
      }
    }
    return out;
  });
}

/** A filter over the tools one source offers: `tool_filter` / `toolFilter` / `tool_filters` of an MCP server or toolset. */
const TOOL_FILTER = /^_*(?:tool_?filters?|toolFilters?)$/;

export interface ToolSourceFilter {
  /** Where the source takes the filter (a constructor or list function parameter). */
  file: string;
  line: number;
  fn: string;
  param: string;
  /** Where the filter is applied to the listed tools: a read of the stored filter, or a guard on it. */
  applied: { file: string; line: number; fn: string };
}

/**
 * Tool filters a tool source takes from whoever configures it (OpenAI Agents SDK `toolFilter` with
 * allowed / blocked tool names, Google ADK `BaseToolset(tool_filter=…)`, Strands
 * `MCPClient(tool_filters={"allowed": …, "rejected": …})`) and applies when it lists its tools: a
 * parameter named for the filter, and a read of the stored filter (`self.tool_filter`,
 * `server.toolFilter`) in another function, or a guard on the parameter in its own function.
 */
export function toolSourceFilters(ctx: RuleContext): ToolSourceFilter[] {
  return ctx.memo('tools:source-filters', () => {
    const out: ToolSourceFilter[] = [];
    const takes: { f: FileFacts; fn: FileFacts['functions'][number]; param: string }[] = [];
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const p = fn.params.map((x) => x.replace(/^\*+/, '').split(/[:=?]/)[0].trim()).find((x) => TOOL_FILTER.test(x));
        if (p) takes.push({ f, fn, param: p });
      }
    }
    // A field of a server's configuration class (`tool_filter: ToolFilter | None = Field(…)` on an MCP
    // server config), applied where the configuration is used (`if mcp_config.tool_filter:`).
    const fields: { f: FileFacts; cls: FileFacts['classes'][number]; param: string }[] = [];
    for (const f of ctx.source) for (const cls of f.classes) {
      const m = cls.members.find((x) => TOOL_FILTER.test(x));
      if (m) fields.push({ f, cls, param: m });
    }
    if (!takes.length && !fields.length) return out;
    // Reads of a stored filter, by key (`tool_filter`, `_tool_filters`, `toolFilter`).
    const reads: { file: string; line: number }[] = [];
    for (const f of ctx.source) for (const k in f.reads) if (TOOL_FILTER.test(k)) for (const l of f.reads[k]) reads.push({ file: f.path, line: l });
    const isCtor = (name: string) => /(?:^|\.)(?:__init__|constructor)$/.test(name);
    for (const t of takes.slice(0, 20)) {
      const within = (x: { file: string; line: number }) => x.file === t.f.path && x.line >= t.fn.line && x.line <= t.fn.end;
      const word = new RegExp(`\\b${t.param}\\b`);
      // A function given the filter with each call applies it itself (`if tool_name in tool_filter[…]: return True`).
      const guard = isCtor(t.fn.name) ? undefined : t.f.guards.find((g) => g.fn === t.fn.name && word.test(g.cond));
      // A constructor stores it: read in the source's own file, or in the file of the class it extends
      // (`super().__init__(tool_filter=tool_filter)` in an MCP toolset, read by the base toolset).
      // Not where a constructor stores it; first where a function that selects tools reads it.
      const using = (file: string) => {
        const here = reads.filter((r) => r.file === file && !within(r) && fnAt(ctx, r.file, r.line) && !isCtor(fnAt(ctx, r.file, r.line)!.name));
        return here.find((r) => /filter|select|include|keep|allow|match/i.test(shortName(fnAt(ctx, r.file, r.line)!.name))) ?? here[0];
      };
      let read = using(t.f.path);
      if (!read && isCtor(t.fn.name)) {
        const base = t.f.classes.find((c) => c.name === shortName(classOf(t.fn.name)))?.extends?.replace(/^.*\./, '');
        const baseFile = base ? ctx.source.find((g) => g.classes.some((c) => c.name === base))?.path : undefined;
        if (baseFile) read = using(baseFile);
      }
      const applied = guard ? { file: t.f.path, line: guard.line, fn: t.fn.name } : read ? { ...read, fn: fnAt(ctx, read.file, read.line)!.name } : undefined;
      if (applied) out.push({ file: t.f.path, line: t.fn.line, fn: t.fn.name, param: t.param, applied });
    }
    for (const t of fields.slice(0, 20)) {
      const use = reads.filter((r) => !(r.file === t.f.path && r.line >= t.cls.line && r.line <= t.cls.end) && fnAt(ctx, r.file, r.line) && !isCtor(fnAt(ctx, r.file, r.line)!.name));
      const r = use.find((x) => ctx.file(x.file)?.guards.some((g) => g.line === x.line)) ?? use[0];
      if (!r) continue;
      const line = t.f.consts.find((k) => k.name === t.param && k.line >= t.cls.line && k.line <= t.cls.end)?.line ?? t.cls.line;
      out.push({ file: t.f.path, line, fn: t.cls.name, param: t.param, applied: { ...r, fn: fnAt(ctx, r.file, r.line)!.name } });
    }
    // A filter taken by an MCP client or toolset first.
    return out.sort((a, b) => Number(!mcpSource(a)) - Number(!mcpSource(b)));
  });
}

/** A tool filter taken by an MCP client or toolset: named so in its class or function, or its file's own name. */
export function mcpSource(x: ToolSourceFilter): boolean {
  return /mcp/i.test(`${x.file.replace(/^.*\//, '')} ${x.fn}`);
}
