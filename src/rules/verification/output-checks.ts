import type { CallFact, FileFacts, FunctionFact } from '../../analyzers/facts.js';
import { paramName, shortName, type Located, type RuleContext } from '../context.js';
import { agentLoops, byFileInOrder, modelTurnCalls } from '../shared/loop.js';
import { importModules } from '../shared/imports.js';
import { lastBind } from '../shared/persist.js';
import { citeRank } from '../shared/slice.js';
import { at, escapeRegExp as esc, ev, finding, mentionOf } from '../shared/scan.js';
import { dispatchPath, EXEC_KEY, toolDeclarations, toolLookups } from '../shared/tools.js';
import { defineRule, type Evidence } from '../types.js';

const PARSE_NAMES = new Set(['safeParse', 'safeParseAsync', 'parse', 'parseAsync', 'validateSync', 'model_validate', 'parse_obj', 'Check', 'Decode', 'validate_python', 'validate_json']);
/** pydantic's `TypeAdapter(Action)` (or `TypeAdapter[T](T, …)`): its `validate_python` / `validate_json` check a value against the type given. */
const TYPE_ADAPTER = /^TypeAdapter(?:\[[^\]]*\])?\(\s*([A-Za-z_][\w.]*)/;

/**
 * The type a pydantic adapter checks against, for `adapter.validate_python(x)` with `adapter = TypeAdapter(Action)`
 * bound earlier in the same function (or `self.adapter` bound anywhere in the file), or `TypeAdapter(Action).validate_python(x)`.
 */
function adaptedType(f: Pick<FileFacts, 'binds'>, c: CallFact, recv: string): string | undefined {
  if (c.name !== 'validate_python' && c.name !== 'validate_json') return undefined;
  const inline = TYPE_ADAPTER.exec(recv);
  if (inline) return inline[1];
  const member = /^(?:self|this)\.(\w+)$/.exec(recv)?.[1];
  const value = member ? (f.binds ?? []).find((b) => b.name === member && TYPE_ADAPTER.test(b.value))?.value : /^\w+$/.test(recv) ? lastBind(f, c.fn, recv, c.line)?.value : undefined;
  return value ? TYPE_ADAPTER.exec(value)?.[1] : undefined;
}
const NOT_SCHEMA = /\b(?:JSON|json|yaml|YAML|toml|TOML|url|URL|Uri|path|date|Date|dotenv|shell|shellQuote|marked|markdown|html|ast|re|semver|yargs\w*|program|commander|argv|csv|xml|query|qs|cookie|mime)\b|Number|Int|Float/;
const SCHEMA_RECV = /schema|args|arguments|input|params|parameters|tool/i;
/** Names of validators of a tool call's input. */
const VALIDATOR = /^(?:validate|_?validate_?)(?:tool|_tool)?_?(?:call|args|arguments|input|inputs|params|parameters|param)\w*$|^validateToolCall\w*$/i;
const SCHEMA_LIB = /^(?:ajv|validator|schemaValidator|SchemaValidator|this\.validator|this\.ajv|jsonschema|Value|TypeCompiler)\.(?:validate|compile|Check|Errors|Compile)$/;
const SCHEMA_LIB_METHODS = ['validate', 'compile', 'Check', 'Errors', 'Compile'];
/** Whether the callee ends in `.<method>` for a method `SCHEMA_LIB` accepts (a test before the pattern). */
function schemaLibMethod(callee: string): boolean {
  const dot = callee.lastIndexOf('.');
  if (dot < 0) return false;
  const n = callee.length - dot - 1;
  for (const m of SCHEMA_LIB_METHODS) if (m.length === n && callee.endsWith(m)) return true;
  return false;
}
/** Where tool calls run. */
const TOOL_CONTEXT = /tool|execute|invoke|dispatch|call|run|handle|build|action|step/i;
/** A verify step after edits: tests, lint, typecheck, hooks that run after a tool. */
/** A verify step the harness runs itself after the agent edits: lint, tests, typecheck. */
const VERIFY_STEP =
  /^(?:run_?lint(?:er|s)?|lint(?:_|[A-Z])\w*|auto_?(?:lint|test|verify)|run_?tests?_?after\w*|verify_?(?:edit|edits|changes|output|patch)|run_?verification|run_?verifier|post_?edit_?\w*|check_?(?:edit|edits|patch)|run_?checks?_?after\w*)$/i;
const VERIFY_HOOK = /^(?:runPostToolHooks|afterToolCall|postToolUse|runVerification|verifyEdit|runAfterToolHook|fireAfterToolEvent)$/;

/**
 * Frameworks that validate a tool's input against its declared schema before running it, and how
 * a repo switches that on: a builder imported from the framework (`tool({ inputSchema })` from
 * `ai`, `createTool` from Mastra, `@tool` from LangChain) or tools handed to a framework runner
 * that wraps them as schema-validated tools (LangChain/LangGraph/deepagents agents, `ToolNode`).
 */
const VALIDATING_BUILDERS: ReadonlyArray<{ module: RegExp; names: RegExp; sdk: string }> = [
  { module: /^ai$/, names: /^tool$/, sdk: 'the AI SDK' },
  { module: /^@mastra\/core(?:\/tools)?$/, names: /^createTool$/, sdk: 'Mastra' },
  { module: /^@openai\/agents(?:-core)?$/, names: /^tool$/, sdk: 'the OpenAI Agents SDK' },
  { module: /^@langchain\/core\/tools$|^langchain\/tools$/, names: /^(?:tool|DynamicStructuredTool)$/, sdk: 'LangChain' },
  { module: /^langchain(?:_core)?\.tools$/, names: /^(?:tool|StructuredTool)$/, sdk: 'LangChain' },
  { module: /^agents$/, names: /^function_tool$/, sdk: 'the OpenAI Agents SDK' },
];
const VALIDATING_RUNNERS: ReadonlyArray<{ module: RegExp; names: RegExp; sdk: string }> = [
  { module: /^(?:langchain\.agents|langgraph\.prebuilt|deepagents)$/, names: /^(?:create_agent|create_react_agent|create_deep_agent|ToolNode)$/, sdk: 'LangChain' },
  { module: /^(?:langchain|@langchain\/langgraph\/prebuilt|deepagents)$/, names: /^(?:createAgent|createReactAgent|createDeepAgent|ToolNode)$/, sdk: 'LangChain' },
];
/** Every name a builder or runner pattern above accepts: other names need no import lookup. */
const VALIDATING_NAMES = new Set(['tool', 'createTool', 'DynamicStructuredTool', 'StructuredTool', 'function_tool', 'create_agent', 'create_react_agent', 'create_deep_agent', 'ToolNode', 'createAgent', 'createReactAgent', 'createDeepAgent']);
const TOOL_SCHEMA_KEY = /^(?:inputSchema|parameters|schema|args_schema)$/;
const EMPTY = /^(?:\[\]|\{\}|None|undefined|null)$/;

interface FrameworkCheck {
  file: string;
  line: number;
  how: string;
  /** A code check that skips one action inside a loop. */
  loop?: boolean;
  /** A framework tool whose schema the framework does not check (`inputSchema: jsonSchema(s)` with no `validate`). */
  unchecked?: boolean;
}

/**
 * A schema written with the AI SDK's `jsonSchema(s)` and no `validate` option: the SDK only types the
 * input with it and checks nothing, so a tool declared with it runs on the model's raw input.
 */
function uncheckedJsonSchema(value: string, from: () => ReadonlyMap<string, string>): boolean {
  if (!/^jsonSchema\s*\(/.test(value) || /\bvalidate\b/.test(value)) return false;
  const m = from().get('jsonSchema');
  return m !== undefined && AI_SDK_CORE.test(m);
}
const AI_SDK_CORE = /^(?:ai|@ai-sdk\/provider-utils)$/;

/** Tools whose input schema a framework validates before execute, as this repo declares them. */
export function frameworkValidatedTools(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:framework-validated-tools', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      // The file's imported names, built only when a builder or runner name occurs in it.
      const from = () => importModules(ctx, f.path);
      const sdkOf = (name: string, table: typeof VALIDATING_BUILDERS) => {
        if (!VALIDATING_NAMES.has(name)) return undefined;
        const m = from().get(name);
        return m === undefined ? undefined : table.find((t) => t.names.test(name) && t.module.test(m))?.sdk;
      };
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:')) continue;
        const callee = o.ctx.slice(4).replace(/^new /, '');
        if (!VALIDATING_NAMES.has(callee)) continue;
        const builderSdk = sdkOf(callee, VALIDATING_BUILDERS);
        if (builderSdk) {
          const key = o.keys.find((k) => TOOL_SCHEMA_KEY.test(k) && !EMPTY.test((o.values[k] ?? '').trim()));
          if (key && o.keys.some((k) => /^(?:execute|func|handler)$/.test(k) || k === 'description')) {
            if (uncheckedJsonSchema((o.values[key] ?? '').trim(), from)) out.push({ file: f.path, line: o.line, how: `${callee}({ ${key}: jsonSchema(…) }) from ${from().get(callee)}: jsonSchema() is given no validate function, so ${builderSdk} does not check the input`, unchecked: true });
            else out.push({ file: f.path, line: o.line, how: `${callee}({ ${key} }) from ${from().get(callee)}: ${builderSdk} validates the tool input against its schema before execute` });
          }
          continue;
        }
        const runnerSdk = sdkOf(callee, VALIDATING_RUNNERS);
        if (runnerSdk && o.keys.includes('tools') && !EMPTY.test((o.values.tools ?? '').trim())) {
          out.push({ file: f.path, line: o.line, how: `${callee}(tools=${(o.values.tools ?? '').slice(0, 30)}) from ${from().get(callee)}: ${runnerSdk} wraps each tool with a schema from its signature and validates calls before running them` });
        }
      }
      for (const fn of f.functions) {
        const deco = fn.decorators?.map((d) => d.replace(/\(.*$/s, '')).find((d) => !!sdkOf(d, VALIDATING_BUILDERS));
        if (deco && fn.params.length) out.push({ file: f.path, line: fn.line, how: `@${deco} from ${from().get(deco)} turns ${shortName(fn.name)}() into a tool whose arguments ${sdkOf(deco, VALIDATING_BUILDERS)} validates against its signature` });
      }
      out.push(...inlineAiSdkTools(ctx, f.path));
    }
    // A provider-defined tool of the AI SDK (`anthropic.tools.computer_20250124({ execute })`): the
    // provider declares its input schema and the SDK parses the call's arguments against it before execute.
    for (const d of toolDeclarations(ctx)) {
      if (d.ctx?.startsWith('provider:')) out.push({ file: d.file, line: d.line, how: `${d.ctx.slice(9)}({ execute }) is a provider-defined tool '${d.name}': the AI SDK parses its input against the provider's schema before execute` });
    }
    return out;
  });
}

/** A call that validates a value against a class or a schema inside a NestJS pipe: class-validator's `validate(dto)`, a schema parse. */
const PIPE_CHECK = /^(?:validate|validateOrReject|validateSync|safeParse|safeParseAsync|parse|parseAsync)$/;
/** An HTTP request of the harness's own code: `fetch(url, …)`, `axios.post(url, …)`, `this.httpService.post(url, …)`. */
const HTTP_CALL = /^(?:fetch|(?:[\w$]+\.)*(?:axios|http|httpService|client|got|ky)\.(?:post|put|patch|request))$|^axios$/;

/**
 * NestJS input checks the framework runs before a route's handler (issue #8, frameworks as data): a pipe on the
 * route's body (`@Body(new ActionValidationPipe())`, `@UsePipes(…)`) whose `transform()` validates the value (a class
 * implementing `PipeTransform` from `@nestjs/common` calling class-validator's `validate(dto)` or a schema parse), or
 * Nest's own `ValidationPipe` set on the body or for the whole app (`app.useGlobalPipes(new ValidationPipe())`). It
 * counts for the agent when the harness's tool code posts to that route (`fetch(`${BASE}/computer-use`, …)` for
 * `@Controller('computer-use')`): the model's tool call is then checked by the pipe before the action runs.
 */
function nestValidatedRoutes(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:nest-pipes', () => {
    // Pipe classes by name → the validation in their transform().
    const pipes = new Map<string, { file: string; line: number; how: string }>();
    let global: { file: string; line: number } | undefined;
    for (const f of ctx.source) {
      if (f.lang === 'py' || !f.imports.some((i) => i.from === '@nestjs/common')) continue;
      const nest = importModules(ctx, f.path);
      if (nest.get('ValidationPipe') === '@nestjs/common') {
        pipes.set('ValidationPipe', { file: f.path, line: f.imports.find((i) => i.from === '@nestjs/common')!.line, how: "Nest's ValidationPipe validates the body against its DTO class" });
        const g = f.calls.find((c) => c.name === 'useGlobalPipes' && c.args.some((a) => /\bnew ValidationPipe\b/.test(a)));
        if (g) global = { file: f.path, line: g.line };
      }
      for (const c of f.classes) {
        if (!c.implements.some((i) => /^PipeTransform\b/.test(i)) || nest.get('PipeTransform') !== '@nestjs/common') continue;
        const check = ctx.callsIn(f.path, `${c.name}.transform`).find((x) => PIPE_CHECK.test(x.name));
        if (check) pipes.set(c.name, { file: f.path, line: check.line, how: `${c.name}.transform() validates the request body (${check.callee}())` });
      }
    }
    if (!pipes.size) return [];
    // Routes whose body goes through a validating pipe: the controller's path → the pipe.
    const routes = new Map<string, { file: string; line: number; how: string; at?: { file: string; line: number } }>();
    for (const f of ctx.source) {
      if (f.lang === 'py') continue;
      for (const cls of f.classes) {
        const ctl = f.calls.find((c) => c.name === 'Controller' && c.line >= cls.line - 2 && c.line <= cls.line);
        const route = ctl ? /^['"`]\/?([\w\-/]+)['"`]$/.exec(ctl.args[0] ?? '')?.[1] : undefined;
        if (!route) continue;
        const inClass = f.calls.filter((c) => c.line > cls.line && c.line <= cls.end);
        const piped = inClass.find((c) => (c.name === 'Body' || c.name === 'UsePipes') && c.args.some((a) => pipes.has(/^new\s+([\w$]+)/.exec(a)?.[1] ?? '')));
        const pipe = piped ? pipes.get(/^new\s+([\w$]+)/.exec(piped.args.find((a) => /^new\s/.test(a))!)![1]) : global ? pipes.get('ValidationPipe') : undefined;
        if (pipe) routes.set(route, { ...pipe, how: `${pipe.how} before ${cls.name}'s '/${route}' route runs${piped ? '' : ', set for the whole app by useGlobalPipes()'}`, at: piped ? { file: f.path, line: piped.line } : global });
      }
    }
    if (!routes.size) return [];
    // The harness's tool code posts to one of those routes, from a file other than the controller's.
    const path = dispatchPath(ctx);
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (!HTTP_CALL.test(c.callee) || !c.args.length) continue;
        const url = c.args[0];
        const hit = [...routes].find(([r, v]) => v.file !== f.path && new RegExp(`/${esc(r)}(?:[/?'"\`]|$)`).test(url));
        if (!hit) continue;
        // In a tool's code: on the dispatch path, named for a tool or an action, or called from such a function (`handleComputerToolUse()` → `moveMouse()`).
        const toolFn = (file: string, fn: string) => path.fns.has(`${file}#${fn}`) || TOOL_CONTEXT.test(shortName(fn));
        if (!path.files.has(f.path) && !toolFn(f.path, c.fn) && !ctx.callsNamed(shortName(c.fn)).some((x) => toolFn(x.file, x.fn))) continue;
        const [route, v] = hit;
        out.push({ file: v.file, line: v.line, how: `${v.how}; the agent's tool code posts to it (${c.callee}() in ${c.fn}(), ${at(f.path, c.line)})` });
        if (v.at) out.push({ file: v.at.file, line: v.at.line, how: `the body of the '/${route}' route goes through the pipe` });
        return out;
      }
    }
    return out;
  });
}

/** MCP server frameworks that check a call's arguments against the tool's declared schema before its handler runs. */
const MCP_VALIDATING = /^(?:fastmcp(?:\.[\w.]+)?|mcp\.server\.fastmcp(?:\.[\w.]+)?|@modelcontextprotocol\/sdk\/server\/mcp(?:\.js)?)$/;
/** The TypeScript FastMCP package (`new FastMCP(…)`, `server.addTool({ parameters, execute })`). */
const TS_FASTMCP = /^fastmcp$/;
/** The MCP TypeScript SDK's high-level server (`server.registerTool(name, { inputSchema }, handler)`). */
const TS_MCP_SDK = /^@modelcontextprotocol\/sdk\/server\/mcp(?:\.js)?$/;

/**
 * Tools a harness serves as an MCP server through a framework that validates each call's arguments
 * against the declared schema before the handler runs: FastMCP's `server.addTool({ parameters: z.object(…),
 * execute })`, the MCP SDK's `server.registerTool(name, { inputSchema }, handler)`, Python FastMCP's
 * `@mcp.tool()` functions (checked against their signature) and FastMCP `Tool` subclasses handing their
 * argument model on as `fn_metadata`. Only where the harness is that server: with an agent loop of its
 * own, the loop's calls do not pass through the server (see servedToOthers).
 */
function mcpServerTools(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:mcp-server-tools', () => {
    if (agentLoops(ctx).length) return [];
    const out: FrameworkCheck[] = [];
    const imports = (re: RegExp) => ctx.source.some((f) => f.imports.some((i) => re.test(i.from)));
    const fastmcp = imports(TS_FASTMCP);
    const sdk = imports(TS_MCP_SDK);
    for (const f of ctx.source) {
      if (f.lang !== 'py') {
        if (!fastmcp && !sdk) continue;
        for (const o of f.objects) {
          const m = /^arg:[\w$.]+\.(addTool|registerTool)$/.exec(o.ctx);
          if (!m || (m[1] === 'addTool' ? !fastmcp : !sdk)) continue;
          const key = o.keys.find((k) => (m[1] === 'addTool' ? /^(?:parameters|inputSchema|schema)$/ : /^inputSchema$/).test(k) && !EMPTY.test((o.values[k] ?? '').trim()));
          if (!key || (m[1] === 'addTool' && !o.keys.includes('execute'))) continue;
          out.push({ file: f.path, line: o.line, how: `${o.ctx.slice(4)}({ ${key} }) serves the tool through ${m[1] === 'addTool' ? 'FastMCP' : "the MCP SDK's McpServer"}, which validates each call's arguments against that schema before the handler runs` });
        }
        continue;
      }
      const mods = importModules(ctx, f.path, true);
      if (![...mods.values()].some((x) => MCP_VALIDATING.test(x))) continue;
      for (const fn of f.functions) {
        const deco = fn.decorators?.map((d) => d.replace(/\(.*$/s, '')).find((d) => /^[A-Za-z_]\w*\.tool$/.test(d));
        if (!deco || !fn.params.map(paramName).some((p) => !/^(?:self|cls|ctx|context)$/.test(p))) continue;
        out.push({ file: f.path, line: fn.line, how: `@${deco}() serves ${shortName(fn.name)}() as a FastMCP tool, which validates each call's arguments against the function's signature before running it` });
      }
      for (const c of f.classes) {
        const base = c.extends?.split('.').pop();
        if (!base || !MCP_VALIDATING.test(mods.get(base) ?? '')) continue;
        const init = f.objects.find((o) => o.line > c.line && o.end <= c.end && /^arg:super\(\)\.__init__$/.test(o.ctx) && o.keys.includes('fn_metadata'));
        if (init) out.push({ file: f.path, line: init.line, how: `${c.name} hands its argument model to FastMCP's ${base} as fn_metadata (super().__init__), so each call's arguments are validated against it before the tool runs` });
      }
    }
    return out;
  });
}

/** The AI SDK's calls that run the model with a tools record and dispatch the calls themselves. */
const AI_SDK_RUNNERS = new Set(['streamText', 'generateText', 'ToolLoopAgent', 'Experimental_Agent', 'Agent']);

/**
 * Tools written inline in the tools record of an AI SDK run (`streamText({ tools: { search: {
 * description, parameters: z.object(…), execute } } })`): `tool()` only types such an object, so the
 * SDK validates these inputs against their schema before execute just as it does for `tool({ … })`.
 */
function inlineAiSdkTools(ctx: RuleContext, file: string): FrameworkCheck[] {
  const f = ctx.file(file);
  if (!f || !f.imports.some((i) => i.from === 'ai')) return [];
  const from = importModules(ctx, file);
  const out: FrameworkCheck[] = [];
  for (const run of f.objects) {
    if (!run.ctx.startsWith('arg:') || !run.keys.includes('tools')) continue;
    const callee = run.ctx.slice(4).replace(/^new /, '');
    if (!AI_SDK_RUNNERS.has(callee) || from.get(callee) !== 'ai') continue;
    for (const map of f.objects) {
      if (map.ctx !== 'prop:tools' || map.line < run.line || map.end > run.end) continue;
      for (const t of f.objects) {
        if (!t.ctx.startsWith('prop:') || t === map || t.line < map.line || t.end > map.end || !t.keys.includes('execute')) continue;
        // Directly in the record: no other object between it and the record.
        if (f.objects.some((x) => x !== t && x !== map && x.line >= map.line && x.end <= map.end && x.line <= t.line && x.end >= t.end && (x.line < t.line || x.end > t.end))) continue;
        const key = t.keys.find((k) => TOOL_SCHEMA_KEY.test(k) && !EMPTY.test((t.values[k] ?? '').trim()));
        if (key && uncheckedJsonSchema((t.values[key] ?? '').trim(), () => from)) out.push({ file, line: t.line, how: `${t.ctx.slice(5)}: { ${key}: jsonSchema(…), execute } in ${callee}({ tools }) from ai: jsonSchema() is given no validate function, so the AI SDK does not check the input`, unchecked: true });
        else if (key) out.push({ file, line: t.line, how: `${t.ctx.slice(5)}: { ${key}, execute } in ${callee}({ tools }) from ai: the AI SDK validates the tool input against its schema before execute` });
      }
    }
  }
  return out;
}

const STRUCTURED = new Set(['generateObject', 'streamObject', 'useObject', 'experimental_useObject']);
const AI_SDK = /^(?:ai|ai\/react|ai\/rsc|@ai-sdk\/[\w-]+)$/;

/**
 * The model's action as a structured object the AI SDK checks against a schema (`generateObject({ schema })`,
 * `useObject({ schema, onFinish })`) before the harness acts on it: for a harness with no tools of its own,
 * the object (generated code, an edit) is the output that takes effect. Sites with a completion handler
 * (where the checked object is acted on) come first.
 */
function structuredOutputs(ctx: RuleContext): FrameworkCheck[] {
  const out: Array<FrameworkCheck & { rank: number }> = [];
  for (const f of ctx.source) {
    for (const o of f.objects) {
      if (!o.ctx.startsWith('arg:')) continue;
      const callee = o.ctx.slice(4);
      if (!STRUCTURED.has(callee) || !o.keys.includes('schema') || EMPTY.test((o.values.schema ?? '').trim())) continue;
      const from = importModules(ctx, f.path, true).get(callee);
      if (!from || !AI_SDK.test(from)) continue;
      const gate = o.keys.find((k) => /^on(?:Finish|Complete)$/.test(k));
      out.push({ file: f.path, line: o.line, rank: gate ? 0 : callee === 'generateObject' ? 1 : 2, how: `${callee}({ schema${gate ? `, ${gate}` : ''} }) from ${from}: the SDK checks the model's object against the schema${gate ? `, and ${gate} acts on it only after the check` : ' before it is used'}` });
    }
  }
  return out.sort((a, b) => a.rank - b.rank);
}

const VALIDITY = /^(?:is_?valid|isValid|validate|check_?valid(?:ity)?|checkValid(?:ity)?)$/i;
const APPLY = /^(?:write|apply|save|commit|execute|run)(?:_|[A-Z]|$)\w*/;

/**
 * The model's parsed output checked in the agent loop before it is applied: after the model turn,
 * the loop calls a validity check on what came back (`[e for e in edits if e.is_valid()]`) and
 * applies it later in the same body (`write_changes_to_files(edits)`).
 */
function loopOutputChecks(ctx: RuleContext): FrameworkCheck[] {
  const out: FrameworkCheck[] = [];
  for (const l of agentLoops(ctx)) {
    const check = l.body.find((c) => c.line >= l.modelCall.line && VALIDITY.test(c.name) && c.callee.includes('.'));
    if (!check) continue;
    const apply = l.body.find((c) => c.line > check.line && APPLY.test(c.name));
    if (!apply) continue;
    out.push({ file: check.file, line: check.line, how: `${check.callee}() checks the model's output in the loop (${l.fn}) before ${apply.callee}() applies it (line ${apply.line})` });
  }
  return out;
}

/** A check's name: verify, validate, lint, review or check (not a checkpoint). */
const CHECK_NAME = /verif|validat|lint|review|(?:^|_|[a-z])(?:check|Check)(?!point)/;
/** A call that acts on the checked thing: runs it, applies it, writes it. */
const ACT_NAME = /^(?:exec|execute|run|apply|write|save|commit)(?:_|[A-Z]|$)\w*/;
const rootId = (text: string): string | undefined => /^(?:await\s+)?([A-Za-z_$][\w$]*)/.exec(text.trim())?.[1];

/**
 * Check, refuse, then act: a check of the model's product (`errors = verify_code(code)`), a guard
 * on the check's result that leaves the function (`if errors: return`), and after it a call that
 * runs or applies the same thing (`executor.execute(code=…)`, traced one binding back).
 */
function checkBeforeAct(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:check-before-act', () => {
    const out: FrameworkCheck[] = [];
    const turns = modelTurnCalls(ctx);
    const byFile = byFileInOrder(ctx, [...turns.direct, ...turns.linked]);
    for (const f of ctx.source) {
      // The checked thing is the model's product: the function asked the model for it first.
      const models = byFile.get(f.path);
      if (!models?.length) continue;
      for (const v of f.calls) {
        if (v.fn === '<top>' || v.cond || !CHECK_NAME.test(v.name) || !v.args.length) continue;
        if (!models.some((m) => m.fn === v.fn && m.line < v.line)) continue;
        const root = rootId(v.args[0]);
        if (!root || /^(?:self|this|None|null|True|False|true|false)$/.test(root)) continue;
        const bound = (f.binds ?? []).find((b) => b.line === v.line && b.fn === v.fn)?.name;
        if (!bound) continue;
        const named = mentionOf(bound);
        const g = f.guards.find((x) => x.fn === v.fn && x.line > v.line && (x.exit === 'return' || x.exit === 'throw' || x.exit === 'continue') && named.test(x.cond));
        if (!g) continue;
        const ref = mentionOf(root);
        // Names bound from the checked value in the same function (`executable = f"{code.content}"`).
        const carried = new Set([root, ...(f.binds ?? []).filter((b) => b.fn === v.fn && b.line > v.line && ref.test(b.value)).map((b) => b.name)]);
        const refs = [...carried].map(mentionOf);
        const a = f.calls.find((c) => c.fn === v.fn && c.line > g.line && ACT_NAME.test(c.name) && c.args.some((x) => refs.some((r) => r.test(x))));
        if (!a) continue;
        out.push({ file: f.path, line: v.line, how: `${v.fn}() checks ${v.args[0].slice(0, 40)} with ${v.callee}() and refuses it when the check fails (line ${g.line}, if ${g.cond.slice(0, 40)}) before ${a.callee}() acts on it (line ${a.line})` });
        break;
      }
    }
    return out;
  });
}

/** A judge of the agent's work: `judge_tool()`, `self.judging()`, `critique_answer()`, `review_code()`, `get_verdict()`. */
const JUDGE_NAME = /(?:^|_)(?:judg|critic|critiq|review|verdict)|(?:^|[a-z])(?:Judg|Critic|Critiq|Review|Verdict)/;
/** A model call whose forced reply is a review: `query(…, func_spec=review_func_spec)`, `response_format=JudgeVerdict`. */
const JUDGE_SPEC = /^(?:func_spec|function_spec|response_format|response_model|output_schema|schema|tools?)\s*=\s*\[?\s*[\w.]*(?:review|judge|judg|critique|critic|verdict)/i;
/** What is judged: the code the agent wrote, what running it produced, its answer. */
const JUDGED = /(?:^|[^a-z])(?:code|output|outputs|result|results|state|answer|solution|diff|patch|trajectory|stdout|exec\w*)(?:[^a-z]|$)/i;
/** A call that runs what the agent produced, before the judge sees it. */
const RAN = /^(?:exec|execute|run|step)(?:_|[A-Z]|$)\w*/;

/**
 * A judge's verdict acted on: a function asks a judge (an LLM critic, a review call) about the agent's code or its
 * execution result (`judgement = self.judging(tool, state, code, …)`, `response = query(…, func_spec=review_func_spec)`
 * in a function handed the execution result), binds the verdict and branches on it (`if judgement.status == 'Replan'`, `if
 * node.is_buggy`): a failed verdict sends the work to repair, replanning or the debug path instead of accepting it.
 */
function judgedOutputs(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:judged-outputs', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      for (const j of f.calls) {
        if (j.fn === '<top>' || j.cond || j.inCatch) continue;
        const spec = j.args.find((a) => JUDGE_SPEC.test(a.trim()));
        if (!JUDGE_NAME.test(j.name) && !spec) continue;
        // The verdict is kept: bound to a name on the call's line.
        // Bound on the call's line, or by a statement that opens a few lines above it (`response = cast(dict, query(…))`).
        const bound = (f.binds ?? []).find((b) => b.fn === j.fn && (b.line === j.line || (b.line < j.line && b.line >= j.line - 3 && b.value.includes(`${j.name}(`))))?.name;
        if (!bound) continue;
        // About the agent's work: the judge is handed code or a result, the function ran it first, or the function is
        // the one handed the result (`def parse_exec_result(self, node, exec_result)`).
        const ranFirst = f.calls.find((c) => c.fn === j.fn && c.line < j.line && RAN.test(c.name));
        if (!j.args.some((a) => JUDGED.test(a)) && !ranFirst && !JUDGED.test(shortName(j.fn))) continue;
        const carried = [bound, ...(f.binds ?? []).filter((b) => b.fn === j.fn && b.line > j.line && mentionOf(bound).test(b.value)).map((b) => b.name)].map(mentionOf);
        const after = [...f.guards, ...(f.forks ?? [])].filter((x) => x.fn === j.fn && x.line > j.line).sort((a, b) => a.line - b.line);
        // The branch reads the verdict; a forced review reply may be written onto the judged object first (`node.is_buggy = response["is_bug"] or …`).
        const g = after.find((x) => carried.some((r) => r.test(x.cond))) ?? (spec ? after[0] : undefined);
        if (!g) continue;
        // Only where something runs the function.
        if (!ctx.callsNamed(shortName(j.fn)).some((c) => c.fn !== j.fn)) continue;
        out.push({
          file: f.path,
          line: j.line,
          how: `${shortName(j.fn)}() asks a judge about the agent's work with ${j.callee}(${spec ? spec.slice(0, 40) : ''})${ranFirst ? ` after ${ranFirst.callee}() ran it (line ${ranFirst.line})` : ''} and acts on the verdict (if ${g.cond.slice(0, 40)}, line ${g.line})`,
        });
        break;
      }
    }
    // The copy the report cites first (the harness's own file before a variant nothing runs) first, so the reason names it.
    return out.map((h, i) => ({ h, i, r: citeRank(ctx, h.file) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.h);
  });
}

/** A write of a file: `f.write(code)`, `path.write_text(…)`, `fs.writeFileSync(…)`, `await writeFile(…)`. */
const WRITE_FILE = /^(?:write|write_?text|writeFile|writeFileSync|write_?file|writelines)$/;
/** A call that runs a command: `subprocess.run(…)`, `Runner.run_command(…)`, `execSync(…)`, `spawnSync(…)`, `execa(…)`. */
const RUN_COMMAND = /^(?:run|call|check_output|check_call|run_?command|run_?cmd|run_?shell|exec|execSync|execa|execaCommand|spawn|spawnSync|execFile|execFileSync|run_?subprocess)$/;
/** A command that checks code: tests, a linter, a type checker, a build (`self.test_command`, `['npx', 'tsc', '--noEmit']`, `"ruff check ."`). */
const CHECK_COMMAND = /(?:^|[^a-z])(?:tests?|lint|linter|pytest|jest|vitest|mocha|eslint|ruff|flake8|pylint|mypy|pyright|tsc|typecheck|type_check|compile)(?:[^a-z]|$)/i;
/** The result of a command read as its verdict: an exit code, a return code or a status. */
const EXIT_NAME = /^(?:exit_?code|exitCode|return_?code|returncode|rc|status|code)$/i;
const EXIT_FIELD = /\.(?:returncode|exitCode|exit_code|status|code)\b/;

/**
 * Write, run the checks, act on the exit code: a function writes the agent's code to a file, then runs a
 * test, lint or type-check command on it and leaves, rolls back or reports when the command's exit code
 * says it failed (`exit_code = run_command(self.test_command)` … `if exit_code != 0: … return fail`).
 */
function writeRunChecks(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:write-run-checks', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      if (!f.calls.some((c) => RUN_COMMAND.test(c.name))) continue;
      for (const r of f.calls) {
        if (r.fn === '<top>' || !RUN_COMMAND.test(r.name) || !CHECK_COMMAND.test(r.args.join(' '))) continue;
        const w = f.calls.find((c) => c.fn === r.fn && c.line < r.line && WRITE_FILE.test(c.name));
        if (!w) continue;
        const bound = (f.binds ?? []).filter((b) => b.fn === r.fn && b.line === r.line).map((b) => b.name);
        const verdict = (cond: string) => bound.some((n) => (EXIT_NAME.test(n) && mentionOf(n).test(cond)) || (mentionOf(n).test(cond) && EXIT_FIELD.test(cond)));
        const g = [...f.guards, ...(f.forks ?? [])].find((x) => x.fn === r.fn && x.line > r.line && verdict(x.cond));
        if (!g) continue;
        // Only where something runs the function.
        if (!ctx.callsNamed(shortName(r.fn)).some((c) => c.fn !== r.fn)) continue;
        out.push({ file: f.path, line: r.line, how: `${shortName(r.fn)}() writes the code (${w.callee}(), line ${w.line}), runs the checks with ${r.callee}(${r.args.join(', ').slice(0, 40)}) and acts on the exit code (if ${g.cond.slice(0, 40)}, line ${g.line})` });
        break;
      }
    }
    return out;
  });
}

/** A validator of the model's output by its name: `validate_result`, `validateStructuredOutput`, `_validate_response`. */
const OUTPUT_VALIDATOR = /^_?validate_?(?:structured_?)?(?:output|result|response|answer|final_?answer)$/i;
/** A check against a schema or a type inside such a validator: ajv's `compile`, pydantic's `TypeAdapter(…).validate_python`, zod's `safeParse`, `isinstance`. */
const SCHEMA_CHECK = /^(?:compile|validate|validate_python|validate_json|model_validate|model_validate_json|parse_obj|safeParse|safeParseAsync|isinstance|Check)$/;
/** Parameters of an HTTP response: a validator of a server's reply, not of the model's output. */
const HTTP_PARAM = /\b(?:httpx|requests|aiohttp)\.|(?:^|[\s:])(?:Http|Axios|Fetch|Client)?Response\b/;

/**
 * The model's output or result checked by a validator of its own before it is used: a function named
 * for what it checks (`validate_result`, `validateStructuredOutput`) that checks the value against a
 * schema or a type, or raises on a mismatch, and is called elsewhere with the value, either raising
 * there (`self.result = self.validate_result(result)`) or with its verdict tested
 * (`const v = validateStructuredOutput(out, schema); if (v.valid) …`).
 */
function outputValidators(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:output-validators', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (!OUTPUT_VALIDATOR.test(short) || fn.params.some((p) => HTTP_PARAM.test(p)) || fn.paramTypes?.some((t) => HTTP_PARAM.test(` ${t}`))) continue;
        const checks = ctx.callsIn(f.path, fn.name).filter((c) => SCHEMA_CHECK.test(c.name));
        const schema = checks.find((c) => c.name !== 'isinstance') ?? checks[0];
        const raises = f.guards.some((g) => g.fn === fn.name && g.exit === 'throw');
        if (!schema && !raises) continue;
        for (const c of ctx.callsNamed(short)) {
          if (c.fn === fn.name || c.fn === '<top>' || !c.args.length) continue;
          const cf = ctx.file(c.file);
          if (!cf) continue;
          const bound = (cf.binds ?? []).find((b) => b.line === c.line && b.fn === c.fn)?.name;
          const named = bound ? mentionOf(bound) : undefined;
          const tested = named && [...cf.guards, ...(cf.forks ?? [])].find((g) => g.fn === c.fn && g.line > c.line && named.test(g.cond));
          if (!raises && !tested) continue;
          const what = schema ? `against ${schema.name === 'isinstance' ? 'the expected types' : `a schema (${schema.callee}())`}` : '';
          out.push({
            file: c.file,
            line: c.line,
            how: `${shortName(c.fn)}() checks ${c.args[0].trim().slice(0, 40)} with ${short}() (${at(f.path, fn.line)}) ${what}${what ? ' ' : ''}before it is used${tested ? `, and acts on it only when the check passes (if ${tested.cond.slice(0, 40)}, line ${tested.line})` : ', which raises when it does not match'}`,
          });
          break;
        }
      }
    }
    return out;
  });
}

/** A call that adds a message to a conversation: `convo.user(…)`, `messages.append(…)`, `history.add_message(…)`. */
const ADD_MESSAGE = /^(?:user|append|push|add_?message|addMessage|add_?user_?message|addUserMessage|add_user|append_?message)$/;
/** Text built from a value: an f-string or template with a placeholder, or a string concatenated with a name. */
const INTERPOLATED = /\b[fF]['"][^'"]*\{[^}]*\w|`[^`]*\$\{|['"]\s*\+\s*[A-Za-z_$]|[\w)]\s*\+\s*['"]/;
/** A parse or validation of the model's reply. */
const PARSE_REPLY = /pars|valid|verif|decode|deserial/i;

/**
 * Parse, and on failure ask again: in a loop that runs the model, the reply is parsed or validated
 * (`parser(response)`, `Model.model_validate_json(text)`), and the `catch` of that step adds the
 * error to the conversation sent back to the model (`convo.user(f"… {err}")`), so an invalid
 * output is corrected before anything acts on it.
 */
function repromptOnInvalid(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:reprompt-on-invalid', () => {
    const out: FrameworkCheck[] = [];
    const turns = modelTurnCalls(ctx);
    const isTurn = (c: Located<CallFact>) => turns.direct.has(c) || turns.linked.has(c);
    const byFile = byFileInOrder(ctx, [...turns.direct, ...turns.linked]);
    for (const f of ctx.source) {
      const models = byFile.get(f.path);
      if (!models?.length) continue;
      for (const l of f.loops) {
        const m = models.find((c) => c.fn === l.fn && c.line > l.line && c.line <= l.end);
        if (!m) continue;
        const body = f.calls.filter((c) => c.fn === l.fn && c.line > m.line && c.line <= l.end);
        const r = body.find((c) => c.inCatch && ADD_MESSAGE.test(c.name) && c.callee.includes('.') && c.args.some((x) => INTERPOLATED.test(x)));
        if (!r) continue;
        const p = body.filter((c) => !c.inCatch && c.line < r.line && !isTurn(c as Located<CallFact>) && PARSE_REPLY.test(c.name) && c.args.length > 0 && /^[A-Za-z_$][\w$.]*$/.test(c.args[0].trim())).pop();
        if (!p) continue;
        out.push({ file: f.path, line: p.line, how: `${l.fn}() checks the model's reply with ${p.callee}() and, when it fails, sends the error back to the model (${r.callee}(), line ${r.line}) and asks again` });
        break;
      }
    }
    return out;
  });
}

/** A catch's test that the error is a failed validation of the model's output (`e instanceof ValidationError`, `err instanceof AxAssertionError`). */
const VALIDATION_ERROR = /\binstanceof\s+[\w$.]*(?:Validation|Assertion|Schema|Parse|Parsing)\w*Error\b/;
/** A call that adds a request or message to the conversation (`mem.addRequest(…)`, `messages.push(…)`). */
const ADD_REQUEST = /^(?:add|push|append)_?\w*(?:[rR]equest|[mM]essage)s?$/;

/**
 * Validation errors sent back to the model: in a retry loop whose body runs a step (asking the model,
 * often through the framework's own client), the `catch` tells a validation error of the reply apart (`if (e instanceof
 * ValidationError)`) and then adds a correction to the conversation (`mem.addRequest([{ role: 'user',
 * content: fixes }])`) before the loop asks again, so output that fails its checks never takes effect.
 */
function validationErrorReasks(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:validation-error-reasks', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      if (!f.loops.length) continue;
      const tests = [...(f.forks ?? []), ...f.guards.filter((g) => g.exit !== 'throw')].filter((x) => VALIDATION_ERROR.test(x.cond));
      for (const t of tests) {
        // The innermost loop around the test whose body, before the catch, runs something (the step that asks the model).
        const l = f.loops.filter((x) => x.fn === t.fn && x.line < t.line && x.end >= t.line).sort((a, b) => b.line - a.line)[0];
        if (!l) continue;
        const step = f.calls.find((c) => c.fn === t.fn && !c.inCatch && c.line > l.line && c.line < t.line);
        const add = f.calls.find((c) => c.fn === t.fn && c.inCatch && c.line > t.line && c.line <= l.end && (ADD_REQUEST.test(c.name) || ADD_MESSAGE.test(c.name)) && c.callee.includes('.'));
        if (!step || !add) continue;
        out.push({ file: f.path, line: t.line, how: `${shortName(t.fn)}() catches a failed check of the model's reply (if ${t.cond.slice(0, 50)}) and sends the correction back (${add.callee}(), line ${add.line}) before its loop (line ${l.line}) asks again` });
        break;
      }
    }
    return out;
  });
}

/**
 * Retry wrappers: a decorator whose nested loop calls the function it wraps, binds the result and
 * returns only when that result holds (`while tries < n: result = func(*a); if result: return result`),
 * so a wrapped function that returns a falsy value is called again. Keyed by the decorator's name.
 */
function retryDecorators(ctx: RuleContext): Map<string, { file: string; line: number }> {
  return ctx.memo('verification:retry-decorators', () => {
    const out = new Map<string, { file: string; line: number }>();
    for (const f of ctx.source) {
      if (!f.loops.length) continue;
      for (const d of f.functions) {
        if (d.params.length !== 1 || d.name.includes('.')) continue;
        const wrapped = paramName(d.params[0]);
        if (!/^\w+$/.test(wrapped)) continue;
        for (const l of f.loops) {
          if (l.line <= d.line || l.end > d.end) continue;
          const call = f.calls.find((c) => c.line > l.line && c.line <= l.end && c.callee === wrapped && c.fn !== d.name);
          if (!call) continue;
          const bound = (f.binds ?? []).find((b) => b.line === call.line && b.fn === call.fn)?.name;
          if (!bound) continue;
          const named = mentionOf(bound);
          // The loop is left with the result only when it holds: an exit or guard on the result itself.
          if (!l.exits.some((x) => x.kind === 'return' && x.cond !== undefined && named.test(x.cond) && !/^(?:not\s|!)|is None|== ?None/.test(x.cond.trim()))) continue;
          out.set(d.name, { file: f.path, line: call.line });
          break;
        }
      }
    }
    return out;
  });
}

/**
 * Check the reply, and when it fails ask the model again: after a model turn, the reply is checked or
 * parsed (`valid = self.validate_response(response)`, `tasks = self.parse_tasks(answer)`) and a failed
 * check makes the model be asked once more, either by a guard on the result that continues the loop
 * around the model call (`if tasks == []: continue`), or by a retry wrapper decorating the function
 * (`@retry_wrapper`) that calls it again when it returns a falsy result. Returns each checked site
 * and how many functions ask the model, so the caller can tell a check on every reply from one on a few.
 */
function retriedChecks(ctx: RuleContext): { sites: FrameworkCheck[]; fns: Set<string>; turnFns: Set<string> } {
  return ctx.memo('verification:retried-checks', () => {
    const sites: FrameworkCheck[] = [];
    const fns = new Set<string>();
    const turns = modelTurnCalls(ctx);
    const isTurn = (c: CallFact) => turns.direct.has(c as Located<CallFact>) || turns.linked.has(c as Located<CallFact>);
    const byFile = byFileInOrder(ctx, [...turns.direct, ...turns.linked]);
    // Functions that ask the model and use its reply: those that call the model's API where nothing
    // else calls them, and those that call a wrapper of the API (a provider client's `inference()`),
    // not the wrappers themselves nor functions that only call other agents.
    const direct = new Set<string>();
    for (const c of turns.direct) direct.add(shortName(c.fn));
    const all = new Set<string>();
    const users = new Set<string>();
    for (const [file, list] of byFile) {
      for (const m of list) {
        if (m.fn === '<top>') continue;
        all.add(`${file}#${m.fn}`);
        const user = turns.direct.has(m) ? !ctx.callsNamed(shortName(m.fn)).some((c) => c.fn !== m.fn) : direct.has(m.name);
        if (user) users.add(`${file}#${m.fn}`);
      }
    }
    const turnFns = users.size ? users : all;
    const wrappers = retryDecorators(ctx);
    for (const f of ctx.source) {
      const models = byFile.get(f.path);
      if (!models?.length) continue;
      const done = new Set<string>();
      for (const m of models) {
        if (m.fn === '<top>' || done.has(m.fn)) continue;
        const fn = f.functions.find((x) => x.name === m.fn && x.line <= m.line && x.end >= m.line);
        const deco = wrappers.size ? fn?.decorators?.map((d) => d.replace(/\(.*$/s, '').split('.').pop()!).find((d) => wrappers.has(d)) : undefined;
        const loop = f.loops.find((l) => l.fn === m.fn && l.line < m.line && l.end >= m.line);
        if (!deco && !loop) continue;
        // The reply as bound from the model call (`answer = chat(history)`).
        const reply = (f.binds ?? []).find((b) => b.line === m.line && b.fn === m.fn)?.name;
        // The check of the reply: a call after the model turn on a plain name, bound, that is named
        // a parse or a check, or is given the reply itself.
        for (const p of f.calls) {
          if (p.fn !== m.fn || p.line <= m.line || (loop && !deco && p.line > loop.end)) continue;
          if (isTurn(p) || !p.args.length || !/^[A-Za-z_$][\w$.]*$/.test(p.args[0].trim())) continue;
          if (!(PARSE_REPLY.test(p.name) || CHECK_NAME.test(p.name) || (reply !== undefined && p.args[0].trim() === reply))) continue;
          const bound = (f.binds ?? []).find((b) => b.line === p.line && b.fn === p.fn)?.name;
          if (!bound) continue;
          const named = mentionOf(bound);
          let how: string | undefined;
          if (deco) {
            const w = wrappers.get(deco)!;
            how = `${shortName(m.fn)}() checks the model's reply with ${p.callee}() and, when the check fails, the @${deco} wrapper (${at(w.file, w.line)}) calls it again to ask the model once more`;
          } else {
            const g = f.guards.find((x) => x.fn === m.fn && x.exit === 'continue' && x.line > p.line && x.line <= loop!.end && named.test(x.cond));
            if (g) how = `${shortName(m.fn)}() checks the model's reply with ${p.callee}() and, when it fails (if ${g.cond.slice(0, 40)}, line ${g.line}), asks the model again in the loop`;
          }
          if (!how) continue;
          sites.push({ file: f.path, line: p.line, how });
          fns.add(`${f.path}#${m.fn}`);
          done.add(m.fn);
          break;
        }
        done.add(m.fn);
      }
    }
    return { sites, fns, turnFns };
  });
}

/**
 * The model's reply parsed and refused when it does not parse: in the function that asks the model,
 * its reply (the bound result of the model call, or a name bound from it: `content = response.text`)
 * is given to a parse, decode or check (`decodeCells(result.text)`, `json.loads(content)`), and a
 * failure leaves the step, either by a guard on the parse's result that returns or raises
 * (`if (decoded.error) return { error }`) or by the `catch` just after the parse returning an error
 * or asking the model again. The reply's shape is checked; its fields are not validated.
 */
function parsedReplyRefusals(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:parsed-reply-refusals', () => {
    const out: FrameworkCheck[] = [];
    const turns = modelTurnCalls(ctx);
    const isTurn = (c: CallFact) => turns.direct.has(c as Located<CallFact>) || turns.linked.has(c as Located<CallFact>);
    const byFile = byFileInOrder(ctx, [...turns.direct, ...turns.linked]);
    for (const f of ctx.source) {
      const models = byFile.get(f.path);
      if (!models?.length) continue;
      const done = new Set<string>();
      for (const m of models) {
        if (m.fn === '<top>' || done.has(m.fn)) continue;
        const binds = (f.binds ?? []).filter((b) => b.fn === m.fn);
        const reply = binds.find((b) => b.line === m.line)?.name;
        if (!reply) continue;
        // The reply and names bound from it after the call (two steps: `content = response.choices[0]…`, `text = clean(content)`).
        const names = new Set([reply]);
        for (let step = 0; step < 2; step++) {
          const refs = [...names].map(mentionOf);
          for (const b of binds) if (b.line > m.line && refs.some((r) => r.test(b.value))) names.add(b.name);
        }
        for (const p of f.calls) {
          if (p.fn !== m.fn || p.line <= m.line || p.inCatch || !p.args.length || isTurn(p)) continue;
          const jsonParse = (p.name === 'loads' || p.name === 'parse') && /^(?:json|JSON)\.\w+$/.test(p.callee);
          if (!jsonParse && (!PARSE_REPLY.test(p.name) || /Int|Float|Number|Date|Url|URL|Path/.test(p.name))) continue;
          const root = rootId(p.args[0]);
          if (!root || !names.has(root)) continue;
          const bound = binds.find((b) => b.line === p.line)?.name;
          const named = bound ? mentionOf(bound) : undefined;
          const g = named && f.guards.find((x) => x.fn === m.fn && x.line > p.line && (x.exit === 'return' || x.exit === 'throw') && named.test(x.cond));
          // The catch of the parse's own try: a call in a catch a few lines after the parse that returns an error or asks the model again.
          const c = g ? undefined : f.calls.find((x) => x.fn === m.fn && x.inCatch && x.line > p.line && x.line <= p.line + 15 && (x.cond || isTurn(x)));
          if (!g && !c) continue;
          const how = g
            ? `${shortName(m.fn)}() parses the model's reply with ${p.callee}() and refuses it when the parse fails (if ${g.cond.slice(0, 40)}, line ${g.line})`
            : `${shortName(m.fn)}() parses the model's reply with ${p.callee}() and, when it does not parse, ${isTurn(c!) ? `asks the model again (${c!.callee}(), line ${c!.line})` : `returns an error instead (line ${c!.line})`}`;
          out.push({ file: f.path, line: p.line, how });
          done.add(m.fn);
          break;
        }
        done.add(m.fn);
      }
    }
    out.push(...loopReplyParsers(ctx, out));
    return out;
  });
}

/** A pattern match: `text.match(/…/)`, `re.search(r'…', text)`, `PATTERN.exec(text)`. */
const PATTERN_MATCH = /^(?:match|matchAll|exec|search|fullmatch|findall|finditer)$/;

/** Whether a function matches its first parameter against a pattern (`reply.match(/<Step>…/)`, `re.search(r"MOVE:…", reply)`). */
function matchesInput(ctx: RuleContext, d: Located<FunctionFact>): boolean {
  const first = d.params.map(paramName).find((x) => x !== 'self' && x !== 'this');
  if (!first) return false;
  const own = mentionOf(first);
  return ctx.callsIn(d.file, d.name).some((c) => PATTERN_MATCH.test(c.name) && (c.callee.startsWith(`${first}.`) || c.args.some((a) => own.test(a))));
}

/** A comparison with a quoted value: `name == "quit"`, `step.kind === 'done'`. */
const VALUE_TEST = /[=!]==?\s*['"`]|['"`]\s*[=!]==?/;

/** Exits that leave a step or a pass of the loop: a return, a raise, a `break` or a `continue`. */
const LEAVES = new Set(['return', 'throw', 'break', 'continue']);

/**
 * The model's reply handed to a parser of the harness's own in the agent loop, before the loop acts on it: the loop's
 * model call binds the reply (`const query = await determineNextAction(…)`, `reply = self.ask(…)`), a call after it
 * in the loop parses it (`action = parseResponse(query.response)`) with a function the harness defines that refuses
 * malformed replies itself (two or more early returns or raises: `if (!actionMatch) return { error }`), and the loop
 * leaves or skips the pass on the parse's result (`if ('error' in action) break`). The reply's shape is checked
 * before it acts; its fields are not validated against a schema.
 */
function loopReplyParsers(ctx: RuleContext, seen: readonly FrameworkCheck[]): FrameworkCheck[] {
  const out: FrameworkCheck[] = [];
  for (const l of agentLoops(ctx)) {
    const f = ctx.file(l.file);
    if (!f || l.fn === '<top>') continue;
    const binds = (f.binds ?? []).filter((b) => b.fn === l.fn);
    const reply = binds.find((b) => b.line === l.modelCall.line)?.name;
    if (!reply) continue;
    const names = new Set([reply]);
    for (let step = 0; step < 2; step++) {
      const refs = [...names].map(mentionOf);
      for (const b of binds) if (b.line > l.modelCall.line && b.line <= l.end && refs.some((r) => r.test(b.value))) names.add(b.name);
    }
    for (const p of f.calls) {
      if (p.fn !== l.fn || p.line <= l.modelCall.line || p.line > l.end || p.inCatch || !p.args.length || p === l.modelCall) continue;
      if (/Int|Float|Number|Date|Url|URL|Path/.test(p.name) || !/^(?:(?:this|self)\.)?[A-Za-z_$][\w$]*$/.test(p.callee)) continue;
      const root = rootId(p.args[0]);
      if (!root || !names.has(root)) continue;
      if (seen.some((s) => s.file === l.file && s.line === p.line)) continue;
      // The parser is the harness's own, named for a parse or matching its input with a pattern, and it refuses a
      // malformed reply in two or more places.
      const defs = ctx.functionsNamed(p.name);
      if (defs.length !== 1 || (!PARSE_REPLY.test(p.name) && !matchesInput(ctx, defs[0]))) continue;
      const refusals = (ctx.file(defs[0].file)?.guards ?? []).filter((g) => g.fn === defs[0].name && (g.exit === 'return' || g.exit === 'throw'));
      if (refusals.length < 2) continue;
      const bound = binds.find((b) => b.line === p.line)?.name;
      if (!bound) continue;
      const named = mentionOf(bound);
      // The parser raises and the loop catches it just after the parse (`except BadMove as e: log.append(…); continue`).
      const c = !refusals.some((x) => x.exit === 'throw') ? undefined : f.calls.find((x) => x.fn === l.fn && x.inCatch && x.line > p.line && x.line <= Math.min(l.end, p.line + 8));
      // Or a test of the parse's result (`if ('error' in action) break`), not of its value (`if name == "quit"`: the run is over).
      const g = c ? undefined : f.guards.find((x) => x.fn === l.fn && x.line > p.line && x.line <= l.end && LEAVES.has(x.exit) && named.test(x.cond) && !VALUE_TEST.test(x.cond));
      if (!g && !c) continue;
      const when = g ? `leaves the pass when the parse fails (if ${g.cond.slice(0, 40)}, line ${g.line})` : `handles the parser's error in the loop (${c!.callee}(), line ${c!.line})`;
      out.push({
        file: l.file,
        line: p.line,
        how: `the agent loop in ${shortName(l.fn)}() parses the model's reply with ${p.name}() (${at(defs[0].file, defs[0].line)}, which refuses a malformed reply in ${refusals.length} places) and ${when} before acting on it`,
      });
      break;
    }
  }
  return out;
}

const TOOL_ARGS_TEXT = /\barguments\b|\bfunction\.arguments|tool_?call|\.args\b|\binput\b/i;

/** A call that checks a value it is given: `assert_callable_with(fn, **args)`, `validate(args)`, `isinstance(args, dict)`. */
const ARG_CHECK = /^(?:_?(?:assert|validate|check|verify|ensure)\w*|isinstance|hasattr)$/i;

/**
 * Checks of the model's tool call where it is parsed: a function that decodes a tool call's
 * arguments (json.loads / JSON.parse of `arguments`) and refuses it by raising in two or more
 * guards (unknown tool, invalid JSON, missing or unexpected arguments), and that is called. One
 * check at least must read the decoded arguments (the name bound from the decode, or one bound from
 * that name: `missing = required - values.keys()`): a raising guard on them, a condition given them
 * (`isinstance(args, dict)`), or a check handed them (`assert_callable_with(fn, **args)`). Guards
 * that test only the tool's name (`if not tool`) or the reply (`if not text`) leave the arguments unchecked.
 */
function toolCallParsers(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:tool-call-parsers', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      const parseFns = new Map<string, number>();
      for (const c of f.calls) if ((c.name === 'loads' || c.name === 'parse') && /^(?:json|JSON)\.\w+$/.test(c.callee) && TOOL_ARGS_TEXT.test(c.args.join(' '))) parseFns.set(c.fn, c.line);
      if (!parseFns.size) continue;
      for (const [fn, line] of parseFns) {
        if (fn === '<top>') continue;
        const throws = f.guards.filter((g) => g.fn === fn && g.exit === 'throw');
        if (throws.length < 2) continue;
        const short = shortName(fn);
        if (!ctx.callsNamed(short).some((c) => c.fn !== fn)) continue;
        const check = decodedArgsCheck(f, fn, line);
        if (!check) continue;
        const g = throws.find((x) => x.line > line) ?? throws[0];
        out.push({ file: f.path, line: check.line, how: `${fn}() decodes the tool call's arguments (line ${line}) and ${check.how} (${throws.length} raising guards, e.g. if ${g.cond.slice(0, 50)})` });
      }
    }
    return out;
  });
}

/** The first check, after the decode at `line` in `fn`, that reads the decoded arguments (see toolCallParsers). */
function decodedArgsCheck(f: Pick<FileFacts, 'calls' | 'guards' | 'binds'>, fn: string, line: number): { line: number; how: string } | undefined {
  const binds = (f.binds ?? []).filter((b) => b.fn === fn);
  // The decode's own binding (`values = json.loads(…)`, a multi-line `const args = typeof x === 'string' ? JSON.parse(x) : x`).
  const names = new Set(binds.filter((b) => b.line <= line && b.line >= line - 3 && /\b(?:json|JSON)\.(?:loads|parse)\(/.test(b.value)).map((b) => b.name));
  if (!names.size) return undefined;
  const direct = [...names].map(mentionOf);
  for (const b of binds) if (b.line > line && direct.some((r) => r.test(b.value))) names.add(b.name);
  const refs = [...names].map(mentionOf);
  const reads = (text: string) => refs.some((r) => r.test(text));
  const g = f.guards.find((x) => x.fn === fn && x.line > line && x.exit === 'throw' && reads(x.cond));
  const c = f.calls.find((x) => x.fn === fn && x.line > line && !x.inCatch && ARG_CHECK.test(x.name) && x.args.some((a) => reads(a.replace(/^\*+/, ''))) && (x.cond || !/^(?:isinstance|hasattr)$/.test(x.name)));
  if (g && (!c || g.line <= c.line)) return { line: g.line, how: `refuses a call whose arguments fail a check (if ${g.cond.slice(0, 50)})` };
  if (c) return { line: c.line, how: `checks the decoded arguments with ${c.callee}(${c.args.join(', ').slice(0, 40)}) before the call runs` };
  return undefined;
}

/** What a decoded tool call's arguments are called: `toolCall.function.arguments`, `argumentsString`, `tool_call.args`, `tool_input`. */
const TOOL_ARGS_DECODED = /arguments|tool_?calls?\b|toolCall|function_?args|functionArgs|\.args\b|tool_?input|toolInput/i;

/**
 * The weaker form of a tool-call check: the model's tool-call arguments are decoded from JSON
 * (`JSON.parse(toolCall.function.arguments)`, `json.loads(tool_call.function.arguments)`) and a call
 * that names an unknown function or lacks a parameter is refused (a raising/returning guard after the
 * decode in the same function), but nothing checks
 * the arguments against the tool's schema. Labels call this partial (the OpenAI/Anthropic tool-call
 * shape: arguments arrive as a JSON string every harness must decode).
 */
function toolArgDecodes(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:tool-arg-decodes', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      if (/\.(?:tsx|jsx|vue|svelte)$|\.min\.js$/.test(f.path)) continue;
      for (const p of f.calls) {
        if (p.fn === '<top>' || p.inCatch || !p.args.length) continue;
        if (!((p.name === 'loads' || p.name === 'parse') && /^(?:json|JSON)\.\w+$/.test(p.callee))) continue;
        // The decoded text is a tool call's arguments, or a name bound from them (`argumentsString = toolCall.function.arguments.trim()`).
        const arg = p.args[0];
        const root = rootId(arg);
        const bound = root ? (f.binds ?? []).find((b) => b.fn === p.fn && b.name === root && b.line <= p.line) : undefined;
        // A tool call part's `input` (`JSON.parse(part.input)`) counts in a function that runs tool calls (`callToolCall`).
        const toolInput = /\.input\b/.test(arg) && /tool/i.test(shortName(p.fn));
        if (!TOOL_ARGS_DECODED.test(arg) && !(bound && TOOL_ARGS_DECODED.test(bound.value)) && !toolInput) continue;
        // A catch that only logs and carries on (`catch { logger.warn(…); args = {} }`) refuses nothing: on the
        // held-out harnesses that form moved as many verdicts away from their labels as toward them.
        // A refusal: a guard that raises, or that returns/skips when something is missing (`if (!schemaDetail) throw`);
        // not the branch that runs a known tool and returns its output (`if (call.name === 'bash') return …`).
        const g = f.guards.find((x) => x.fn === p.fn && x.line > p.line && x.line <= p.line + 30 && (x.exit === 'throw' || ((x.exit === 'return' || x.exit === 'continue') && REFUSAL_COND.test(x.cond.trim()))));
        if (!g) continue;
        out.push({ file: f.path, line: p.line, how: `${shortName(p.fn)}() decodes the tool call's arguments with ${p.callee}() and refuses a bad call (if ${g.cond.slice(0, 50)}, line ${g.line})` });
        break;
      }
    }
    return out;
  });
}

/**
 * Hand-written checks of a tool's own input inside its execute function: a guard that refuses the
 * call when a field of the input parameter is missing (`if (!input.files) return 'Error…'`,
 * `if not args.get("path"): raise`). Each tool must remember to do it, so it is partial.
 */
function handChecks(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:hand-checks', () => {
    const out: FrameworkCheck[] = [];
    const toolFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    for (const path of toolFiles) {
      const f = ctx.file(path);
      if (!f) continue;
      const params = new Map(f.functions.map((fn) => [fn.name, fn.params]));
      for (const g of f.guards) {
        if (g.exit !== 'return' && g.exit !== 'throw') continue;
        if (!EXEC_KEY.test(shortName(g.fn)) && !/tool/i.test(g.fn)) continue;
        // A field of the input missing (`not args.get("path")`, `'path' not in args`), or an input given as
        // its own parameter missing (`if file_text is None: raise`, `if (!command) return`).
        const field = /^(?:!\s*|not\s+)(\w+)(?:\.\w+|\.get\(|\[)/.exec(g.cond) ?? /^['"]\w+['"]\s+not\s+in\s+(\w+)$/.exec(g.cond);
        const own = field ? undefined : EXEC_KEY.test(shortName(g.fn)) ? /^(?:!\s*|not\s+)(\w+)$|^(\w+)\s+is\s+None$|^(\w+)\s*={2,3}\s*(?:undefined|null)$/.exec(g.cond) : undefined;
        const name = field?.[1] ?? own?.slice(1).find(Boolean);
        // The object's own state (`if not self._done`) is not the input the tool was called with.
        if (!name || /^(?:self|this|cls)$/.test(name)) continue;
        if (field ? !(params.get(g.fn) ?? []).includes(name) : !(params.get(g.fn) ?? []).some((p) => paramName(p) === name)) continue;
        out.push({ file: f.path, line: g.line, how: `${g.fn}() refuses its input by hand when a field is missing (if ${g.cond.slice(0, 50)})` });
        break;
      }
    }
    return out;
  });
}

/** A collection of a tool's declared parameters or required keys: `tool.parameters`, `input_params`, `schema.required`. */
const DECLARED_PARAMS = /param|required|argument|\bargs\b|input|field|\bkeys\b/i;

/**
 * Required parameters checked by hand before the call runs: a loop over the tool's declared parameters (or its
 * required keys) that refuses the call, raising or returning an error, when one is missing from the call's
 * arguments (`for param in tool.parameters: if param not in call.params: return "ERROR…"`, `for (const key of
 * schema.required) if (!(key in args)) throw …`). Presence only: no types or values are checked, so partial.
 */
function requiredParamChecks(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:required-param-checks', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      if (!f.loops.length || !f.guards.length) continue;
      for (const l of f.loops) {
        if ((l.kind !== 'for-of' && l.kind !== 'for-in') || !l.var || l.fn === '<top>' || !DECLARED_PARAMS.test(l.cond)) continue;
        const v = esc(l.var);
        const missing = new RegExp(
          `^${v}(?:\\[['"]name['"]\\]|\\.name)?\\s+not\\s+in\\s+[\\w.]+$|^!\\s*\\(\\s*${v}(?:\\.name)?\\s+in\\s+[\\w.]+\\s*\\)$|^![\\w.]+\\.(?:has|hasOwnProperty|includes)\\(\\s*${v}(?:\\.name)?\\s*\\)$|^[\\w.]+\\[${v}(?:\\.name)?\\]\\s*={2,3}\\s*(?:undefined|null)$`,
        );
        const g = f.guards.find((x) => x.fn === l.fn && x.line > l.line && x.line <= l.end && (x.exit === 'throw' || x.exit === 'return') && missing.test(x.cond.trim()));
        if (!g) continue;
        // A check of a tool call's arguments (named for tools, functions or calls), that something calls.
        if (!/tool|function|call|action|skill/i.test(`${l.fn} ${l.cond} ${g.cond} ${f.path}`)) continue;
        const short = shortName(l.fn);
        if (!ctx.callsNamed(short).some((c) => c.fn !== l.fn)) continue;
        out.push({ file: f.path, line: g.line, how: `${short}() refuses a call missing one of the declared parameters (for ${l.var} in ${l.cond.slice(0, 40)}: if ${g.cond.slice(0, 50)})` });
        break;
      }
    }
    return out;
  });
}

/**
 * The tool's name checked against the registry before the looked-up tool runs: where the harness
 * looks a tool up by the model's name (`tools[name]`, `registry.get(name)`) and then runs the entry,
 * a test that the name is registered (`name not in tools`, `!tools.has(name)`) or that the entry
 * was found (`if not tool`, `if (!action) throw`) exits, or sends the run to the other side of an
 * if/else, so an unknown name is refused instead of run. The arguments themselves are not checked.
 */
function unknownNameRefusals(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:unknown-name-refusals', () => {
    const out: Array<FrameworkCheck & { rank: number }> = [];
    const path = dispatchPath(ctx);
    const seen = new Set<string>();
    for (const l of toolLookups(ctx)) {
      const f = ctx.file(l.file);
      if (!f || seen.has(`${l.file}#${l.fn}`) || l.fn === '<top>') continue;
      // The name looked up: `tools[name]` or `tools.get(name)` (a keyword argument's value).
      const key = (/\[(.+)\]$/.exec(l.text) ?? /\((.+)\)$/.exec(l.text))?.[1]?.trim().replace(/^\w+\s*=\s*/, '');
      if (!key || !/^[\w$.]+$/.test(key)) continue;
      const entry = (f.binds ?? []).find((b) => b.fn === l.fn && b.line === l.line && b.value.includes(l.target))?.name;
      const calls = ctx.callsIn(l.file, l.fn);
      // The looked-up entry is run: `tool.execute(…)`, `handler(…)`, `tools[name](…)`.
      const runs = calls.filter((c) => c.line >= l.line && ((entry !== undefined && (c.callee === entry || c.callee.startsWith(`${entry}.`))) || c.callee.startsWith(`${l.target}[`)));
      if (!runs.length) continue;
      const keyRe = new RegExp(`(?:^|[^\\w$.])${esc(key)}(?![\\w$])`);
      const both = (cond: string) => cond.includes(l.target) && keyRe.test(cond);
      const memberMissing = (cond: string) => both(cond) && /\bnot\s+in\b|^!\s*[\w$.]+\.has\(|^!\s*\(/.test(cond.trim());
      const memberPresent = (cond: string) => both(cond) && !/\bnot\b|^!/.test(cond.trim()) && /\bin\b|\.has\(/.test(cond);
      const e = entry ? esc(entry) : undefined;
      const entryMissing = (cond: string) => !!e && new RegExp(`^(?:not\\s+${e}|!\\s*${e}|${e}\\s+is\\s+None|${e}\\s*={2,3}\\s*(?:undefined|null|None))$`).test(cond.trim());
      const entryPresent = (cond: string) => !!e && new RegExp(`^(?:${e}|${e}\\s+is\\s+not\\s+None|${e}\\s*!={1,2}\\s*(?:undefined|null|None))$`).test(cond.trim());
      const missing = (cond: string) => memberMissing(cond) || entryMissing(cond);
      let site: { line: number; cond: string; positive?: boolean } | undefined;
      const g = f.guards.find((x) => x.fn === l.fn && (x.exit === 'return' || x.exit === 'throw' || x.exit === 'continue') && x.line < runs[runs.length - 1].line && missing(x.cond));
      if (g) site = g;
      else {
        for (const x of f.forks ?? []) {
          if (x.fn !== l.fn) continue;
          if (missing(x.cond) && runs.some((c) => c.line >= x.elseLine && c.line <= x.end)) site = x;
          else if ((memberPresent(x.cond) || entryPresent(x.cond)) && runs.some((c) => c.line > x.line && c.line < x.elseLine)) site = { ...x, positive: true };
          if (site) break;
        }
      }
      if (!site) continue;
      seen.add(`${l.file}#${l.fn}`);
      const onPath = path.fns.has(`${l.file}#${l.fn}`) ? 0 : path.files.has(l.file) ? 1 : 2;
      const cond = site.cond.slice(0, 50);
      out.push({
        file: l.file,
        line: site.line,
        rank: onPath,
        how: site.positive
          ? `${shortName(l.fn)}() runs the tool it looked up by the model's name (${l.text.slice(0, 40)}, line ${l.line}) only when it was found (if ${cond}) and refuses an unknown name otherwise`
          : `${shortName(l.fn)}() refuses a tool name that is not registered (if ${cond}) before it runs the tool it looked up (${l.text.slice(0, 40)}, line ${l.line})`,
      });
    }
    return out.sort((a, b) => a.rank - b.rank);
  });
}

const CODE_VAR = /^(?:code|command|cmd|script|source|action|snippet)$/;
/** A condition that holds when the input is missing or empty (the then-branch refuses it). */
const REFUSAL_COND = /^(?:not\s|!)|\bis None\b|={2,3}\s*(?:""|''|None|null|undefined)\b|={2,3}\s*(?:""|'')|\.length\s*={2,3}\s*0\b|\blen\(.+\)\s*==\s*0\b/;
const RUN_CODE = /^(?:run|exec|execute|run_code|execute_code|run_command|exec_command|runCommand|execCommand|runCode|executeCode)$/;

/**
 * Checks of the model's code or command before it runs: in the function that runs it, a guard on
 * that same variable that skips or refuses it (`if code.strip() == "": continue`, `if (!command) return`).
 */
function codeChecks(ctx: RuleContext): FrameworkCheck[] {
  return ctx.memo('verification:code-checks', () => {
    const out: FrameworkCheck[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (!RUN_CODE.test(c.name)) continue;
        const v = c.args.find((a) => CODE_VAR.test(a));
        if (!v) continue;
        const re = new RegExp(`\\b${v}\\b`);
        const g = f.guards.find((x) => x.fn === c.fn && x.line < c.line && (x.exit === 'continue' || x.exit === 'return' || x.exit === 'throw') && re.test(x.cond) && REFUSAL_COND.test(x.cond));
        if (g) out.push({ file: f.path, line: g.line, how: `${c.fn}() refuses the model's ${v} before ${c.callee}() runs it (if ${g.cond.slice(0, 50)})`, loop: g.exit === 'continue' });
      }
      if (out.length >= 3) break;
    }
    // A check that skips one action inside the loop (`continue`) is the per-action check; others may guard a request handler.
    return out.sort((a, b) => Number(!!b.loop) - Number(!!a.loop));
  });
}

/** The call's first argument is a parameter of the function it sits in (the input the function was called with). */
function paramOf(f: { functions: FunctionFact[] }, c: CallFact): boolean {
  const a = (c.args[0] ?? '').trim();
  if (!/^\w+$/.test(a)) return false;
  return f.functions.some((fn) => fn.name === c.fn && fn.params.some((p) => paramName(p) === a));
}

/** A check or decode of a value (`decodeUnknown`, `validate`, `check_args`, `assertType`, `parse`), in any schema library. */
const DECODE_NAME = /^(?:[sS]afe_?)?(?:[dD]ecode|[vV]alidate|[cC]heck|[aA]ssert|[pP]arse|[vV]erify|[cC]onform)(?![a-z])/;
/** A tool's declared input schema as written where it is used (`tool.definition.inputSchema`, `schema=self.parameters`). */
const TOOL_SCHEMA_EXPR = /^(?:\w+\s*=\s*)?[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*|\[['"]\w+['"]\])*(?:\.|\[['"])(?:inputSchema|input_schema|argsSchema|args_schema|paramsSchema|params_schema|parameters|parametersSchema|schema)(?:['"]\])?$/;

/**
 * A tool's own schema given to a check together with the input, in any schema library: the schema
 * as an argument and the input as another (`jsonschema.validate(arguments, self.parameters)`,
 * `v.parse(tool.inputSchema, args)`), or a check built from the schema and applied to the input
 * (`Schema.decodeUnknown(tool.definition.inputSchema)(value)`). Not a check of the schema itself
 * (the schema as the instance, a meta-schema as the other argument).
 */
function toolSchemaCheck(f: { path: string; calls: CallFact[] }, c: CallFact): string | undefined {
  const i = c.args.findIndex((a) => TOOL_SCHEMA_EXPR.test(a.trim()));
  if (i < 0) return undefined;
  const schema = c.args[i].trim().replace(/^\w+\s*=\s*/, '');
  if (!/tool/i.test(`${schema} ${c.fn} ${f.path}`) || /schema/i.test(c.name)) return undefined;
  const others = c.args.filter((_a, j) => j !== i).map((a) => a.trim());
  if (others.some((a) => /schema/i.test(a))) return undefined;
  const input = others.find((a) => !LITERAL_INSTANCE.test(a) && !/^\w+\s*=\s*(?:True|False|true|false|None|null|\d+)$/.test(a));
  const curried = !input && f.calls.some((x) => x.line === c.line && x.fn === c.fn && x.callee === `${c.callee}(${c.args.join(', ')})` && x.args.length > 0);
  if (!input && !curried) return undefined;
  return `${c.callee}() checks the tool input against the tool's own schema (${schema}) in ${c.fn}()`;
}

/** A validated instance written as a literal (`instance={}`, `{}`, `None`): the call checks the schema itself. */
const LITERAL_INSTANCE = /^\s*(?:instance\s*=\s*)?(?:\{\s*\}|\[\s*\]|None|null|undefined)\s*$/;

/**
 * A schema or model named in the code (`RunConfigSchema.parse(x)`, `ToolCallMessage.model_validate(d)`,
 * `apis.ListResponseSchema.parse(r)`), not a tool's own schema member (`tool.schema`, `this.parameters`).
 * Such a parse checks whatever the function handles (a config file, an RPC message, a provider's error
 * body, a parsed reply); it checks a tool's input only inside the tool's run (`bashArgsSchema.safeParse(args)`
 * in a tool's `execute()`).
 */
const NAMED_SCHEMA = /^[A-Za-z_$][\w$]*$|^[a-z_$][\w$]*\.[A-Z][\w$]*$/;
/**
 * A model named for an error (`ToolUseFailedError.model_validate(body)`, `ApiErrorSchema.parse(json)`): it reads a
 * provider's error body (a failed tool call's report among them), never a tool's input about to run.
 */
const ERROR_MODEL = /(?:Error|Exception)(?:Schema|Model)?$/;
/** A schema named for what comes back, in either case (`RunActionResponseSchema`, `ToolResultModel`, `output_schema`). */
const OUTPUT_NAMED = /Response|Result|Output|Reply|Message|Event|Error|(?:^|_)(?:response|result|output|reply|message|event|error)(?:_|s?$)/;
/** A function that runs a tool or an action: its name starts with execute / run / call / invoke (or handles a tool). */
const RUN_FN = /^(?:a?execute|a?run|a?call|a?invoke|dispatch|perform|forward|handler|__call__)(?:_|[A-Z]|$)|^handle_?(?:[tT]ool|[aA]ction)/;
/** Whether a named schema's parse sits in a tool's own run: a run function in a tool or action (its name, its class or its file). */
function inToolRun(file: string, fn: string, recv: string): boolean {
  // A schema named for what comes back (`RunActionResponseSchema`, `ToolResultModel`) checks an output, not a tool's input.
  if (OUTPUT_NAMED.test(recv.split('.').pop()!)) return false;
  if (!RUN_FN.test(shortName(fn).replace(/^[#_]+(?=[a-z])/i, ''))) return false;
  return /tool|action/i.test(`${fn} ${file.split('/').slice(-2).join('/')}`);
}

/** A tool call's input as handed on: `action.input`, `call.arguments`, `tool_args`, `params`. */
const TOOL_INPUT_ARG = /^(?:[\w.]+\.)?(?:input|args|arguments|params|parameters|tool_?input|toolInput|tool_?args|toolArgs|function_?args|functionArgs)$/;

/**
 * A validating helper that takes the schema and the input as its parameters (`validate_schema(schema,
 * params)` calling `schema.model_validate(params)` or `schema.validate(params)`), and a call of it that
 * hands it a tool's input and that tool's schema (`action.tool.validate_schema(schema, action.input)`):
 * the caller checks the tool call against its schema before it runs. The call is the evidence.
 */
function helperCallWithToolInput(ctx: RuleContext, f: { path: string; functions: FunctionFact[] }, c: CallFact, recv: string): { call: Located<CallFact>; how: string } | undefined {
  if (!/^\w+$/.test(recv) || !/schema|model|validator/i.test(recv) || c.fn === '<top>') return undefined;
  const fn = f.functions.find((x) => x.name === c.fn);
  const params = fn?.params.map(paramName) ?? [];
  const input = (c.args[0] ?? '').trim();
  if (!params.includes(recv) || !params.includes(input) || !/^_?(?:validate|check|verify|ensure)/i.test(shortName(c.fn))) return undefined;
  for (const k of ctx.callsNamed(shortName(c.fn))) {
    if (k.fn === c.fn || k.args.length < 2) continue;
    const arg = k.args.map((a) => a.trim()).find((a) => TOOL_INPUT_ARG.test(a));
    if (!arg || !/tool|action/i.test(`${k.callee} ${k.fn} ${k.args.join(' ')}`) || !k.args.some((a) => /schema|model/i.test(a))) continue;
    return { call: k as Located<CallFact>, how: `${k.callee}() validates the tool input ${arg} against its schema in ${k.fn}() (${shortName(c.fn)}() runs ${c.callee}() on it)` };
  }
  return undefined;
}

interface Hit {
  c: Located<CallFact>;
  how: string;
  rank: number;
  /** The check runs only when a validator was set, and none is by default (opt-in). */
  optIn?: boolean;
  /** A schema named in the code parsed outside a tool's run (see NAMED_SCHEMA): weak, cited only when nothing else is found. */
  weak?: boolean;
  /** The schema is named for what comes back (`output_schema`): the check is of a result, not of a tool's input. */
  output?: boolean;
  /** The validator compares the arguments with the function's signature (`inspect.signature`), not with a schema. */
  signature?: boolean;
}

/** The request an MCP server answers when a client calls one of its tools: `server.setRequestHandler(CallToolRequestSchema, …)`. */
const CALL_TOOL_REQUEST = /^(?:[\w$]+\.)?CallToolRequestSchema$/;

/**
 * A check made where the harness answers tool calls as an MCP server (`setRequestHandler(CallToolRequestSchema,
 * async (req) => { def.input.safeParse(req.params.arguments) … })`) validates the calls another agent sends
 * it. When the harness runs its own agent loop elsewhere, that check is not on the loop's dispatch path:
 * the loop's own tool calls do not go through the server. A harness that is only an MCP server keeps it.
 */
function servedToOthers(ctx: RuleContext, h: Hit): boolean {
  const f = ctx.file(h.c.file);
  if (!f?.calls.some((c) => c.name === 'setRequestHandler' && c.fn === h.c.fn && CALL_TOOL_REQUEST.test((c.args[0] ?? '').trim()))) return false;
  return agentLoops(ctx).some((l) => l.file !== h.c.file);
}

/** What a validator known only by its name must be about: a tool call (its name, its caller's, its arguments). */
const TOOL_SUBJECT = /tool|action|function_?call|functionCall/i;

/**
 * A validator that runs only when one was set: the call's receiver is read with a default of none
 * (`v = getattr(self, '_tool_validator', None)`, `self.validator` declared `= None`), and no harness
 * code ever sets that attribute to anything else, so only the user can wire one in. Opt-in, so the
 * catalog's "default matters" makes it partial.
 */
function optInValidator(ctx: RuleContext, f: { binds?: Array<{ name: string; value: string; fn: string }> }, c: CallFact): boolean {
  const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1)).replace(/\?$/, '');
  const NONE = /^(?:None|null|undefined)$/;
  let attr: string | undefined;
  const member = /^(?:self|this)\.(\w+)$/.exec(recv);
  if (member) {
    if (!(f.binds ?? []).some((b) => b.name === member[1] && NONE.test(b.value.trim()))) return false;
    attr = member[1];
  } else if (/^\w+$/.test(recv)) {
    const b = (f.binds ?? []).find((x) => x.name === recv && x.fn === c.fn);
    attr = b && /^getattr\(\s*(?:self|cls)\s*,\s*['"](\w+)['"]\s*,\s*None\s*\)$/.exec(b.value.trim())?.[1];
  }
  if (!attr) return false;
  // Set to a value anywhere in the harness (a constructor, a setter): wired, not opt-in.
  return !ctx.source.some((g) => (g.binds ?? []).some((b) => b.name === attr && !NONE.test(b.value.trim())));
}

/** Reads a function's parameters by introspection: `inspect.signature(fn)`, `getfullargspec(fn)`. */
const INTROSPECT = /^(?:signature|getfullargspec|getargspec)$/;

/**
 * The validator of that name (every definition the harness has of it) reads the called function's
 * parameters by introspection (`sig = inspect.signature(func)`) and parses no schema: it checks which
 * arguments are there, not their values against the tool's schema.
 */
function signatureOnly(ctx: RuleContext, name: string): boolean {
  const defs = ctx.functionsNamed(name);
  if (!defs.length) return false;
  return defs.every((d) => {
    const calls = ctx.callsIn(d.file, d.name);
    return calls.some((x) => INTROSPECT.test(x.name)) && !calls.some((x) => PARSE_NAMES.has(x.name) || (SCHEMA_CHECK.test(x.name) && x.name !== 'isinstance') || schemaLibMethod(x.callee));
  });
}

/** Callers of a validator's function that are tools' own execute methods (`WebSearch.call`), in two files or more. */
function perToolCallers(ctx: RuleContext, h: Hit): Located<CallFact>[] {
  if (h.c.fn === '<top>' || !h.c.fn.includes('.')) return [];
  const short = shortName(h.c.fn);
  const callers = ctx.callsNamed(short).filter((c) => c.fn !== h.c.fn && c.fn.includes('.') && EXEC_KEY.test(shortName(c.fn)));
  const others = ctx.callsNamed(short).filter((c) => c.fn !== h.c.fn && !callers.includes(c));
  const files = new Set(callers.map((c) => c.file));
  // Called from anywhere else too (a dispatcher, a wrapper): not left to each tool.
  return files.size >= 2 && others.length === 0 ? callers : [];
}

/** pydantic's (or pydantic-core's) module: a file that imports its `ValidationError` catches a model's failed check. */
const PYDANTIC = /^pydantic(?:_core|\.v1)?(?:\.|$)/;
/** What builds a model: a class (`BashCommand`), a model or schema member (`schema.params_pydantic_model`), a type looked up (`tool_type`). */
const MODEL_CALLEE = /^[A-Z]\w*$|(?:[mM]odel|[sS]chema|[tT]ype|[pP]arams|[aA]rgs|[iI]nput)s?(?:_?(?:cls|class|Class))?$/;
/** A decode of the call's text (`json.loads(input)`, `_parse_function_tool_json_input(…)`): the value holds the call's arguments. */
const DECODED = /(?:loads|parse|decode)\w*\(/i;

/** The reason for checks found wired on the path: what the first checks (a tool's input, or a result against an output schema), where, in how many files. */
function validatedReason(hits: Hit[], files: number): string {
  const h = hits[0];
  return `${h.output ? "the agent's output is checked against a schema before it is used" : 'tool inputs are validated before execution'}: ${h.how} (${at(h.c.file, h.c.line)})${files > 1 ? `, in ${files} files` : ''}`;
}

/**
 * A pydantic model built from the tool call's arguments (`tool_type(**arguments)`, `schema.params_pydantic_model(**json_data)`)
 * in a function that catches its failure (an `except` after it, in a file importing pydantic's `ValidationError`): building
 * the model validates the arguments against the tool's schema, and a call that does not fit is refused or repaired.
 * The spread value is the function's parameter or a decode of the call's text, in a function handling a tool.
 */
function pydanticArgModels(ctx: RuleContext): Hit[] {
  return ctx.memo('verification:pydantic-arg-models', () => {
    const out: Hit[] = [];
    for (const f of ctx.source) {
      if (f.lang !== 'py' || !f.imports.some((i) => PYDANTIC.test(i.from) && i.names.includes('ValidationError'))) continue;
      for (const c of f.calls) {
        if (c.inCatch || c.args.length !== 1 || c.fn === '<top>') continue;
        const spread = /^\*\*([A-Za-z_]\w*)$/.exec(c.args[0].trim())?.[1];
        if (!spread || !MODEL_CALLEE.test(shortName(c.callee)) || /^(?:self|cls|super)$/.test(c.callee)) continue;
        if (!/tool|action|function_?call/i.test(`${c.fn} ${f.path.split('/').slice(-2).join('/')}`)) continue;
        const fn = f.functions.find((x) => x.name === c.fn);
        const param = fn?.params.map(paramName).includes(spread);
        const decoded = (f.binds ?? []).some((b) => b.name === spread && b.fn === c.fn && b.line < c.line && DECODED.test(b.value));
        if (!param && !decoded) continue;
        // The failure is caught where the model is built: an `except` of the same function follows within a few lines.
        if (!f.calls.some((k) => k.fn === c.fn && k.inCatch && k.line > c.line && k.line <= c.line + 12)) continue;
        out.push({ c: { ...c, file: f.path }, how: `${c.callee}(**${spread}) builds the pydantic model from the tool call's arguments in ${c.fn}(), which validates them (a ValidationError is caught)`, rank: 2 });
      }
    }
    return out;
  });
}

/** A UI component file (JSX). */
const COMPONENT_FILE = /\.[jt]sx$/;

function validations(ctx: RuleContext): Hit[] {
  return ctx.memo('r3:tool-input-validation', () => {
    const hits: Hit[] = [];
    // Calls a branch can take, found through the by-name index (a parse name, a name starting `v`, `V`
    // or `_`, or a schema library's method: the last segment of such a callee is its name), in file order.
    const picked: Located<CallFact>[] = [];
    for (const [name, list] of ctx.callNames()) {
      const n0 = name.charCodeAt(0);
      if (PARSE_NAMES.has(name) || n0 === 118 || n0 === 86 || n0 === 95 || SCHEMA_LIB_METHODS.includes(name) || DECODE_NAME.test(name)) for (const c of list) picked.push(c);
    }
    const byFile = byFileInOrder(ctx, picked);
    for (const f of ctx.source) {
      for (const c of byFile.get(f.path) ?? []) {
        // Each branch's name test first (a Set lookup or one character), its patterns after.
        const parse = PARSE_NAMES.has(c.name);
        const c0 = c.name.charCodeAt(0);
        const decode = DECODE_NAME.test(c.name);
        if (!parse && c0 !== 118 && c0 !== 86 && c0 !== 95 && !schemaLibMethod(c.callee) && !decode) continue;
        const recv0 = parse ? c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1)) : '';
        // A pydantic adapter's check names its type where the adapter was built: that type is the schema.
        const adapted = parse ? adaptedType(f, c, recv0) : undefined;
        const recv = adapted ?? recv0;
        let how: string | undefined;
        let rank = 0;
        let optIn = false;
        let weak = false;
        let output = false;
        let signature = false;
        const own = decode ? toolSchemaCheck(f, c) : undefined;
        // A folder named for tools holds their runtime, but not a page of the app's UI (`pages/tool/ServerInstaller.tsx`
        // parsing a server template the user pastes into a form): a component file is named for what it shows.
        const toolish = parse && (/tool/i.test(c.fn) || (/tool/i.test(f.path) && !COMPONENT_FILE.test(f.path)) || /tool/i.test(recv));
        if (own) {
          how = own;
          rank = 3;
        } else if (parse && recv && !NOT_SCHEMA.test(recv) && !ERROR_MODEL.test(recv) && (adapted || SCHEMA_RECV.test(recv)) && (toolish || (TOOL_CONTEXT.test(c.fn) && (/args|arguments|input|params|parameters/i.test(recv) || ((adapted || /schema/i.test(recv)) && paramOf(f, c))))))  {
          // `this.schema.schema.safeParse(input)` in `Action.call(input)`: the action's own schema checks the input it was called with.
          output = !adapted && /output|result/i.test(recv.split('.').pop()!);
          how = adapted ? `${c.callee}() validates the tool input against ${adapted} (a pydantic TypeAdapter) in ${c.fn}()` : output ? `${c.callee}() checks a result against its output schema in ${c.fn}()` : `${c.callee}() validates the tool input against its schema in ${c.fn}()`;
          rank = /args|arguments|input|params|parameters/i.test(recv) || paramOf(f, c) ? 2 : 1;
          weak = NAMED_SCHEMA.test(recv) && !inToolRun(f.path, c.fn, recv);
        } else if ((c0 === 118 || c0 === 86 || c0 === 95) && VALIDATOR.test(c.name) && !/path|name|url|file|dir/i.test(c.name.replace(/^validate_?/i, '').slice(0, 12)) && TOOL_SUBJECT.test(`${c.callee} ${c.fn} ${c.args.join(' ')}`)) {
          // `validateInput(query)` in the entry point checks the user's message, not a tool call; a
          // validator known only by its name must name the tool call it checks (in its own name, its
          // caller's or its arguments): `_validate_params()` in a cache handler or `_validate_args(task)`
          // at an agent's entry check something else.
          how = `${c.callee}() validates tool arguments in ${c.fn}()`;
          rank = 4;
          optIn = optInValidator(ctx, f, c);
          signature = signatureOnly(ctx, c.name);
          if (signature) how = `${c.callee}() checks tool arguments against the function's signature (missing or unknown parameters) in ${c.fn}()`;
        } else if (SCHEMA_LIB.test(c.callee) && (/tool|param|arg|input/i.test(c.fn + ' ' + c.args.join(' '))) && !LITERAL_INSTANCE.test(c.args[0] ?? '') && !(TOOL_SCHEMA_EXPR.test((c.args[0] ?? '').trim()) && c.args.slice(1).some((a) => /schema/i.test(a)))) {
          // `validate(instance={}, schema=tool.parameters)` and `validate(tool.parameters, META_SCHEMA)` check that the schema is well formed, not an input.
          how = `${c.callee}() checks tool parameters against their schema in ${c.fn}()`;
          rank = 3;
        }
        if ((!how || weak) && (parse || c.name === 'validate')) {
          // A validating helper handed both the schema and the input (`def validate_schema(self, schema, params):
          // schema.model_validate(params)`): it checks a tool's input where a caller hands it a tool's input.
          const site = helperCallWithToolInput(ctx, f, c, recv || c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1)));
          if (site) {
            if (!hits.some((h) => h.c === site.call)) hits.push({ c: site.call, how: site.how, rank: 3 });
            continue;
          }
        }
        if (how) hits.push({ c: c as Located<CallFact>, how, rank, ...(optIn ? { optIn } : {}), ...(weak ? { weak } : {}), ...(output ? { output } : {}), ...(signature ? { signature } : {}) });
      }
    }
    hits.push(...pydanticArgModels(ctx));
    return hits.sort((a, b) => b.rank - a.rank);
  });
}

export default defineRule({
  id: 'verification.output-checks',
  principle: 'verification',
  title: "The agent's output is verified before it takes effect",
  rationale:
    'Models emit malformed or out-of-range tool calls; validating each call against its schema (and checking edits afterwards) turns a silent bad action into an error the model can correct.',
  remediation:
    "Validate every tool call's input against the tool's schema on the dispatch path before executing it, returning a validation error as the tool result, and add a verify step (tests, lint, diff check) after edits; see the exemplar verify.ts.",
  exemplar: 'src/reference-harness/verify.ts',
  detect(ctx) {
    const all = validations(ctx);
    // A validator that is itself only a definition, with no call site in the harness, is not wired.
    const isWired = (h: Hit) => {
      if (h.c.fn === '<top>') return true;
      const short = shortName(h.c.fn);
      if (/^(?:execute|run|call|invoke|build|forward|handler|__call__|_run|_call)$|^_?(?:run|execute|call|invoke|dispatch|handle|process)_?tool/i.test(short)) return true;
      if (ctx.callsNamed(short).some((c) => c.fn !== h.c.fn)) return true;
      const f = ctx.file(h.c.file);
      // Handed on as a callback in its file (`_build_tool(invoke=_on_invoke_tool_impl)`, `register(handler)`): run by what it is handed to.
      const handed = new RegExp(`^(?:\\w+\\s*=\\s*)?${esc(short)}$`);
      return !!f?.objects.some((o) => o.values[short] !== undefined || o.keys.includes(short)) || !!f?.calls.some((c) => c.fn !== h.c.fn && c.args.some((a) => handed.test(a.trim())));
    };
    // Parses of schemas named for something else (a config, an RPC message, a provider's error body) are
    // kept aside: the mechanisms below are cited before them, and they stand only where nothing else does.
    // Checks of the calls an MCP server of the harness answers for other agents are kept aside too (see servedToOthers).
    const served = all.filter((h) => servedToOthers(ctx, h));
    const hits = all.filter((h) => !h.weak && !served.includes(h));
    const weakWired = all.filter((h) => h.weak && isWired(h) && !served.includes(h));
    const wiredAll = hits.filter(isWired);
    // Validators that all run only when one was set (none by default) are the opt-in form: partial, below.
    const optional = wiredAll.every((h) => h.optIn) ? wiredAll : [];
    // Validators that all compare the arguments with the function's signature only (names present or
    // unknown, no types or values): a check of the call's shape, not of the input against a schema.
    const signed = !optional.length && wiredAll.every((h) => h.signature) ? wiredAll : [];
    const wired = optional.length || signed.length ? [] : wiredAll;
    // A check on the dispatch path (the function that looks a tool up and runs it, or its file)
    // comes before a check inside one tool's own execute.
    const path = dispatchPath(ctx);
    // Only checks of the tool's input count here: a schema parse of a permission response or an event (rank 1) does not.
    const onPath = (h: Hit) => (h.rank < 2 ? 3 : path.fns.has(`${h.c.file}#${h.c.fn}`) ? 0 : path.files.has(h.c.file) ? 1 : 2);
    wired.sort((a, b) => onPath(a) - onPath(b) || b.rank - a.rank);
    // Off the dispatch path, a validator that tools' own execute methods call one by one (a base
    // class's `verify_args()` each tool's `call()` invokes): each tool must remember to call it.
    const perTool = wired.length && onPath(wired[0]) >= 2 ? perToolCallers(ctx, wired[0]) : [];
    const evid: Evidence[] = wired.slice(0, 4).map((h) => ev(h.c.file, h.c.line, h.how));
    const frameworkAll = frameworkValidatedTools(ctx);
    // Tools declared with an unchecked `jsonSchema(s)` bypass the framework's check: where other tools are checked, only part of the path is.
    const unchecked = frameworkAll.filter((h) => h.unchecked);
    const framework = frameworkAll.filter((h) => !h.unchecked);
    if (!wired.length && framework.length && unchecked.length) {
      return finding('partial', `the framework validates only some tools' inputs: ${framework[0].how} (${at(framework[0].file, framework[0].line)}), but tools declared with jsonSchema() and no validate function run on unchecked input (${at(unchecked[0].file, unchecked[0].line)})`, [ev(unchecked[0].file, unchecked[0].line, unchecked[0].how), ...framework.slice(0, 2).map((h) => ev(h.file, h.line, h.how))]);
    }
    if (!wired.length && framework.length) {
      const files = new Set(framework.map((h) => h.file));
      return {
        ...finding('present', `tool inputs are validated by the framework before execution: ${framework[0].how} (${at(framework[0].file, framework[0].line)})${files.size > 1 ? `, in ${files.size} files` : ''}`, framework.slice(0, 4).map((h) => ev(h.file, h.line, h.how))),
        confidence: 'high',
      };
    }
    // The agent's tools post to a NestJS route whose body a validating pipe checks first.
    const nestRoutes = wired.length ? [] : nestValidatedRoutes(ctx);
    if (nestRoutes.length) {
      return finding('present', `tool inputs are validated by the framework before the action runs: ${nestRoutes[0].how}`, nestRoutes.slice(0, 2).map((h) => ev(h.file, h.line, h.how)), 'low');
    }
    // The harness is an MCP server whose framework checks every call against the tool's schema.
    const mcp = wired.length ? [] : mcpServerTools(ctx);
    if (mcp.length) {
      const files = new Set(mcp.map((h) => h.file));
      return finding('present', `tool inputs are validated by the MCP server framework before execution: ${mcp[0].how} (${at(mcp[0].file, mcp[0].line)})${files.size > 1 ? `, in ${files.size} files` : ''}`, mcp.slice(0, 4).map((h) => ev(h.file, h.line, h.how)), 'low');
    }
    const parsers = toolCallParsers(ctx);
    if (!wired.length && parsers.length) {
      return finding('present', `tool calls are checked where they are parsed, before execution: ${parsers[0].how} (${at(parsers[0].file, parsers[0].line)})`, parsers.slice(0, 3).map((h) => ev(h.file, h.line, h.how)));
    }
    if (wired.length && perTool.length >= 2) {
      const h = wired[0];
      return finding('partial', `tool inputs are validated only where each tool calls the check itself: ${h.how} (${at(h.c.file, h.c.line)}) is called from ${perTool.length} tools' own ${shortName(perTool[0].fn)}() methods, not on the dispatch path`, [ev(h.c.file, h.c.line, h.how), ...perTool.slice(0, 2).map((c) => ev(c.file, c.line, `${c.fn}() calls ${shortName(h.c.fn)}() itself`))]);
    }
    if (wired.length) {
      const files = new Set(wired.map((h) => h.c.file));
      // Sure when the validation sits in a function on the resolved dispatch path.
      return finding('present', validatedReason(wired, files.size), evid, onPath(wired[0]) === 0 ? 'high' : 'low');
    }
    // A verify step after edits, called from somewhere other than its own definition.
    for (const fn of ctx.source.flatMap((f) => f.functions as Located<FunctionFact>[])) {
      const short = shortName(fn.name);
      if (!VERIFY_STEP.test(short)) continue;
      const caller = ctx.callsNamed(short).find((c) => c.fn !== fn.name);
      if (caller) {
        return finding('present', `edits are verified after they are made: ${fn.name}() runs a check and is called from ${caller.fn}() (${at(caller.file, caller.line)})`, [
          ev(fn.file, fn.line, `${fn.name}() verifies the agent's edits`),
          ev(caller.file, caller.line, `${caller.fn}() runs it after edits`),
        ]);
      }
    }
    const inLoop = [...loopOutputChecks(ctx), ...checkBeforeAct(ctx), ...repromptOnInvalid(ctx), ...validationErrorReasks(ctx), ...writeRunChecks(ctx), ...judgedOutputs(ctx)];
    if (inLoop.length) {
      return finding('present', `the model's output is checked before it takes effect: ${inLoop[0].how}`, inLoop.slice(0, 3).map((h) => ev(h.file, h.line, h.how)));
    }
    // Replies checked and re-asked when invalid: on most of the functions that ask the model, every
    // agent's output is checked; on a few, only those replies are.
    if (weakWired.length) {
      const files = new Set(weakWired.map((h) => h.c.file));
      return finding('present', validatedReason(weakWired, files.size), weakWired.slice(0, 4).map((h) => ev(h.c.file, h.c.line, h.how)), 'low');
    }
    const retried = retriedChecks(ctx);
    if (retried.sites.length) {
      const n = [...retried.fns].filter((x) => retried.turnFns.has(x)).length || retried.fns.size;
      const total = Math.max(n, retried.turnFns.size);
      const most = n * 2 >= total;
      return finding(
        most ? 'present' : 'partial',
        most
          ? `the model's replies are checked before they are used and re-asked when the check fails, in ${n} of the ${total} functions that call the model: ${retried.sites[0].how} (${at(retried.sites[0].file, retried.sites[0].line)})`
          : `only ${n} of the ${total} functions that call the model check its reply and ask again when the check fails (${retried.sites[0].how}, ${at(retried.sites[0].file, retried.sites[0].line)}); other replies and tool inputs are not validated`,
        retried.sites.slice(0, 3).map((h) => ev(h.file, h.line, h.how)),
      );
    }
    const validated = outputValidators(ctx);
    if (validated.length) {
      return finding('present', `the model's output is checked by a validator before it is used: ${validated[0].how}`, validated.slice(0, 3).map((h) => ev(h.file, h.line, h.how)), 'low');
    }
    if (optional.length) {
      const h = optional[0];
      const how = (x: Hit) => `${x.how}, only when a validator was set (none is by default)`;
      return finding('partial', `tool inputs are validated only when a validator is set, and none is by default: ${h.how} (${at(h.c.file, h.c.line)})`, optional.slice(0, 2).map((x) => ev(x.c.file, x.c.line, how(x))));
    }
    if (signed.length) {
      const h = signed[0];
      return finding('partial', `tool arguments are checked only against the called function's signature, not validated against a schema: ${h.how} (${at(h.c.file, h.c.line)})`, signed.slice(0, 2).map((x) => ev(x.c.file, x.c.line, x.how)), 'low');
    }
    if (served.length && served.length === all.length) {
      const h = served[0];
      return finding('partial', `tool inputs are validated only where the harness answers tool calls as an MCP server for other clients: ${h.how} (${at(h.c.file, h.c.line)}); the agent loop's own tool calls are not validated against a schema`, served.slice(0, 2).map((x) => ev(x.c.file, x.c.line, `${x.how}, for calls an MCP client sends the server`)));
    }
    if (all.length) {
      const hits = all.filter((h) => !served.includes(h));
      return finding('partial', `a tool-input validator exists (${at(hits[0].c.file, hits[0].c.line)}) but nothing on the dispatch path calls it`, hits.slice(0, 2).map((h) => ev(h.c.file, h.c.line, h.how)));
    }
    const hand = [...handChecks(ctx), ...codeChecks(ctx), ...requiredParamChecks(ctx)];
    if (hand.length) {
      return finding('partial', `tool inputs are not validated against their schemas; only hand-written checks refuse some inputs (${at(hand[0].file, hand[0].line)})`, hand.slice(0, 3).map((h) => ev(h.file, h.line, h.how)));
    }
    const hooks = ctx.calls.filter((c) => VERIFY_HOOK.test(c.name));
    if (hooks.length) {
      return finding('partial', `tool calls are not validated against a schema; only a post-tool hook (${at(hooks[0].file, hooks[0].line)}) can check results`, [ev(hooks[0].file, hooks[0].line, `${hooks[0].callee}() runs after tools`)]);
    }
    const structured = toolDeclarations(ctx).length ? [] : structuredOutputs(ctx);
    if (structured.length) {
      return finding('present', `the harness has no tools; the model's output is a structured object checked against a schema before it takes effect: ${structured[0].how} (${at(structured[0].file, structured[0].line)})`, structured.slice(0, 3).map((h) => ev(h.file, h.line, h.how)));
    }
    const names = unknownNameRefusals(ctx);
    if (names.length) {
      return finding('partial', `only the tool's name is checked before it runs: ${names[0].how} (${at(names[0].file, names[0].line)}); the arguments are not validated against a schema and no verify step follows edits`, names.slice(0, 3).map((h) => ev(h.file, h.line, h.how)));
    }
    const parsed = parsedReplyRefusals(ctx);
    if (parsed.length) {
      return finding('partial', `the model's reply is parsed before it is used and refused when it does not parse: ${parsed[0].how} (${at(parsed[0].file, parsed[0].line)}); tool inputs are not validated against a schema and no verify step follows edits`, parsed.slice(0, 3).map((h) => ev(h.file, h.line, h.how)));
    }
    const decoded = toolArgDecodes(ctx);
    if (decoded.length) {
      return finding('partial', `tool-call arguments are decoded before the call runs and a bad call is refused, but the arguments are not validated against the tool's schema and no verify step follows edits: ${decoded[0].how} (${at(decoded[0].file, decoded[0].line)})`, decoded.slice(0, 3).map((h) => ev(h.file, h.line, h.how)), 'low');
    }
    return finding('absent', 'no schema validation of tool inputs (safeParse, ajv, validate*) and no verify step after edits were found');
  },
});
