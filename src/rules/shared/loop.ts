/**
 * The agent loop, derived from facts: which calls reach a model, which loops (or self-recursive
 * functions) run a model call per iteration, and what each loop body reaches per turn.
 * Every function here is memoised on the RuleContext and near-linear over the facts.
 */
import type { CallFact, FileFacts, FunctionFact, LoopFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { importedName, resolveBareCall, resolveImportFile } from './imports.js';
import { classBases, classOf, collectionCallees, fieldChainClass, fieldClass, fieldType, methodOf, methodsOfType, oneClassFamily, PY_PARAM_CLASS, resolveLocal, wrappedReference } from './resolve.js';
import { toolDispatch } from './tools.js';

/** Direct SDK / provider calls that send a request to a model: receivers (a pattern) and their methods. */
const MODEL_CALLEE: Array<[receiver: string, methods: string[]]> = [
  ['messages', ['create', 'stream', 'parse']],
  ['completions', ['create', 'parse', 'stream']],
  ['responses', ['create', 'stream', 'parse']],
  ['models', ['generateContent', 'generateContentStream', 'generate_content', 'generate_content_stream']],
  ['chat|client', ['complete', 'stream', 'completion', 'completions']],
  ['litellm', ['completion', 'acompletion']],
  [
    'model|llm|_model|_llm|chat_model|chatModel|lm',
    ['generate', 'generate_stream', 'agenerate', 'invoke', 'ainvoke', 'stream', 'astream', 'complete', 'chat', 'call', '__call__', 'generate_content', 'generate_content_async', 'send_message', 'query', 'aquery'],
  ],
  // `predict` on a receiver named `model` is a trained model's inference (an icon detector's YOLO, a load predictor's
  // regression); on a language-model receiver it is LangChain's old text call (`llm.predict(text)`).
  ['llm|_llm|chat_model|chatModel|lm', ['predict']],
  ['ollama|genai|cohere|mistral|groq|bedrock|bedrock_runtime|bedrockRuntime', ['chat', 'generate', 'complete', 'converse', 'converse_stream', 'invoke_model', 'chat_stream']],
  // The OpenAI Python SDK before 1.0: `openai.ChatCompletion.create(model=…, messages=…)`.
  ['ChatCompletion|Completion', ['create', 'acreate']],
];
/**
 * The callee patterns by method name: a call's name is the last segment of its callee, so only the
 * receivers that have that method are tried (one regex, not eight, and none for most calls).
 */
const MODEL_RECEIVERS = new Map<string, RegExp>(
  [...new Set(MODEL_CALLEE.flatMap(([, methods]) => methods))].map((m) => {
    const receivers = MODEL_CALLEE.filter(([, methods]) => methods.includes(m)).map(([r]) => r);
    return [m, new RegExp(`(?:^|\\.)(?:${receivers.join('|')})\\.${m}$`)];
  }),
);
/**
 * LangChain-style runnables held under any name ending in llm or model (`structuredLlm.invoke`,
 * `this.chatLLM.ainvoke`, `baseModel.generate`): methods too specific to be anything else on such a receiver.
 */
const MODEL_RUNNABLE = /(?:llm|model)\.(?:invoke|ainvoke|agenerate|astream|astream_events|generate_content|generate_content_async)$/i;
/**
 * The same runnables under a name that starts with llm or model and says what was made of it (`llm_with_tools =
 * llm.bind_tools(tools)`, `llmForGraph`, `modelWithStructuredOutput`): LangChain's bound model, invoked each turn.
 */
const MODEL_RUNNABLE_BOUND = /(?:^|\.)_?(?:llm|LLM|Llm|model|Model)(?:_[a-z]|[A-Z][a-z])\w*\.(?:invoke|ainvoke|agenerate|astream|astream_events)$/;
const RUNNABLE_METHODS = new Set(['invoke', 'ainvoke', 'agenerate', 'astream', 'astream_events', 'generate_content', 'generate_content_async']);
const MODEL_NAMES = new Set([
  'generateText', 'streamText', 'generateObject', 'streamObject', 'generateContent', 'generateContentStream',
  'sendMessageStream', 'acompletion', 'chat_completion', 'text_generation', 'streamSimple', 'completeSimple',
  // AWS Bedrock runtime commands (`client.send(new ConverseCommand(input))`).
  'ConverseCommand', 'ConverseStreamCommand', 'InvokeModelCommand', 'InvokeModelWithResponseStreamCommand',
]);

/** Names that, on a call inside a loop body, mark the call as a model turn even if unresolved. */
const MODEL_WORD = /(stream|generat|completion|chat|llm|model|assistant|inference|sendMessage|callModel|call_model|createMessage|response|predict)/i;
/**
 * Names that are no model turn however they read: getters, setters, renderers, finders and collectors
 * (`findModelIdForRequest`, `collectToolResponses`) and the like, and pydantic's `BaseModel`
 * API (`Msg.model_validate_json(raw)`, `reply.model_dump()`), which parses or dumps a data model.
 */
/**
 * Names that end on a value, not an act: an identifier, a key, a size, a setting (`generateTestCaseId`, `chat_context_length`,
 * `fill_response_cost`, `stripCompletionTags`, `openModelSelector`): the model word in them qualifies the value they
 * make or read. A turn's name ends on the act or what it returns (`streamAssistantResponse`, `executeLLMCall`, `chat`).
 */
const VALUE_TAIL =
  /(?:[a-z0-9](?:Ids?|ID|Keys?|Names?|Path|Url|URL|Uri|Hash|Uuid|UUID|Slug|Length|Len|Count|Size|Costs?|Tags?|Selector|Getter|Setter|Changed|Index|Config|Options|Settings|Schema|Format|Status|Limits?|Window|Fulfil+ment)|_(?:ids?|keys?|names?|path|url|uri|hash|uuid|slug|length|len|count|size|costs?|tags?|selector|getter|setter|changed|index|config|options|settings|schema|format|status|limits?|window|fulfil+ment))$/;

const NOT_MODEL = /^(is|has|should|can|on|handle|set|get|render|show|format|parse|to|update|emit|log|print|display|push|map|filter|close|abort|cancel|stop|end|clear|reset|read|write|save|load|find|collect|build|compute|resolve|select|pick|lookup|count|estimate|validate|check|normalize|convert|merge|sort|extract|serialize|deserialize|sanitize|track|record)([A-Z_]|$)|^model_(?:validate|dump|copy|construct|json_schema|rebuild|post_init|fields|computed_fields)/;

/** A class name: `UnexpectedModelBehavior`, `ResponseDone`, `ChatMessage` (not `MAX_TURNS`, not `run`). */
const PASCAL = /^_?[A-Z][A-Z0-9]*[a-z][A-Za-z0-9]*$/;

/**
 * A call that constructs a value of a class (`new StreamError()`, `raise exceptions.UnexpectedModelBehavior()`,
 * `ResponseDone()`): it builds an object, it never sends a request, so it is not a model turn however it is
 * named. The provider commands a client is then sent (`new ConverseCommand(input)`) are named in MODEL_NAMES.
 */
function isConstruction(c: CallFact): boolean {
  return (c.callee.startsWith('new ') || PASCAL.test(c.name)) && !MODEL_NAMES.has(c.name);
}

/** A hook the caller was handed (`on_done_callback`, `completionHandler`, `responseListener`): called back, not a model request. */
const CALLBACK = /(?:callback|handler|listener|hook)$/i;

/** `client.stream("GET", url)` (httpx, undici) is an HTTP request, not a model call. */
const HTTP_ARG = /^['"`](?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)['"`]$|^['"`]https?:/;

export function isDirectModelCall(c: CallFact): boolean {
  const named = MODEL_NAMES.has(c.name);
  const receivers = MODEL_RECEIVERS.get(c.name);
  if (!named && !receivers && !RUNNABLE_METHODS.has(c.name)) return false;
  if (c.args.length && HTTP_ARG.test(c.args[0])) return false;
  return named || !!receivers?.test(c.callee) || MODEL_RUNNABLE.test(c.callee) || MODEL_RUNNABLE_BOUND.test(c.callee);
}

/** Every direct model call in source files. */
export function modelCalls(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('loop:model-calls', () => {
    // Only calls of these names can be direct model calls: look them up by name, then restore file order.
    const found: Located<CallFact>[] = [];
    for (const n of MODEL_CALL_NAMES) for (const c of ctx.callsNamed(n)) if (isDirectModelCall(c)) found.push(c);
    found.push(...clientModelCalls(ctx), ...aliasModelCalls(ctx), ...handedModelCalls(ctx));
    if (found.length < 2) return found;
    const byFile = byFileInOrder(ctx, found);
    return ctx.source.flatMap((f) => byFile.get(f.path) ?? []);
  });
}

/** Calls (each once) grouped by file, each group in the file's call order. */
export function byFileInOrder(ctx: RuleContext, calls: Iterable<Located<CallFact>>): Map<string, Located<CallFact>[]> {
  const m = new Map<string, Located<CallFact>[]>();
  for (const c of calls) {
    const list = m.get(c.file);
    if (list) list.push(c);
    else m.set(c.file, [c]);
  }
  for (const [file, list] of m) {
    if (list.length < 2) continue;
    const all = ctx.file(file)?.calls ?? [];
    const pos = new Map(list.map((c) => [c, all.indexOf(c)]));
    list.sort((a, b) => pos.get(a)! - pos.get(b)!);
  }
  return m;
}

/** Keyword arguments of a chat request: a model and the message list (`model=model, messages=messages`). */
const MODEL_KWARG = /^model\s*=/;
const MESSAGES_KWARG = /^messages\s*=/;
/**
 * An SDK resource's request method, held under any name (`self.client = OpenAI().chat.completions` … `self.client.create(model=…, messages=…)`,
 * Mistral's `client.chat.complete_async(model=…, messages=…)`).
 */
const CLIENT_CREATE = new Set(['create', 'acreate', 'complete', 'acomplete', 'complete_async']);

/**
 * Calls into a model client the audit does not know by name: a library method (not defined in this
 * repo) named like a model turn, or an SDK resource's `create`, given both a model and the message list
 * as keyword arguments (`self.client.stream_response(model=model, messages=messages)`).
 */
function clientModelCalls(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('loop:client-model-calls', () => {
    const out: Located<CallFact>[] = [];
    for (const f of ctx.source) {
      if (f.lang !== 'py') continue;
      for (const c of f.calls as Located<CallFact>[]) {
        if (c.args.length < 2 || c.callee === c.name || MODEL_NAMES.has(c.name) || (MODEL_RECEIVERS.has(c.name) && (!CLIENT_CREATE.has(c.name) || isDirectModelCall(c)))) continue;
        if (!c.args.some((a) => MESSAGES_KWARG.test(a)) || !c.args.some((a) => MODEL_KWARG.test(a))) continue;
        if (!(MODEL_WORD.test(c.name) || CLIENT_CREATE.has(c.name)) || NOT_MODEL.test(c.name) || VALUE_TAIL.test(c.name) || ctx.functionsNamed(c.name).length) continue;
        out.push(c);
      }
    }
    return out;
  });
}

/** A dotted reference to a function, not a call: `client.chat.completions.create`, `litellm.completion`. */
const DOTTED_REF = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

/** A keyword argument's name in front of its value (`create_fn=client.messages.create`). */
const KWARG_NAME = /^[A-Za-z_]\w*\s*=\s*/;
/** `….bind(client)` after a method reference (TypeScript / JavaScript). */
const BOUND_TO = /\.bind\([\w$.]*\)$/;

/**
 * Calls handed a provider method by reference, which they call (a retry or backoff wrapper, a thread or executor, a
 * partial): `backoff_create(client.chat.completions.create, errors, messages=…)`, `self.retryer(self.client.chat.completions.create,
 * **kwargs)`, `functools.partial(anthropic.messages.create, **payload)`, `asyncio.to_thread(client.models.generate_content, …)`.
 * The request is sent from inside that call, so the call is the model call.
 */
function handedModelCalls(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('loop:handed-model-calls', () => {
    const out: Located<CallFact>[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls as Located<CallFact>[]) {
        if (!c.args.length || c.callee.startsWith('new ') || MODEL_CALL_NAME_SET.has(c.name)) continue;
        for (const arg of c.args) {
          // A method bound to its client first (`withRetry(client.messages.create.bind(client), …)`) is the same reference.
          const raw = arg.endsWith(')') ? arg.replace(BOUND_TO, '') : arg;
          // Only a reference ending in a name a direct model call can have (cheap tests before the regexes).
          const dot = raw.lastIndexOf('.');
          if (dot < 0 || raw.length > 160 || !MODEL_CALL_NAME_SET.has(raw.slice(dot + 1).trim())) continue;
          const v = raw.replace(KWARG_NAME, '').trim();
          if (!DOTTED_REF.test(v)) continue;
          if (!isDirectModelCall({ callee: v, name: v.slice(v.lastIndexOf('.') + 1), line: c.line, fn: c.fn, args: [], cond: false, optional: false, inCatch: false })) continue;
          out.push(c);
          break;
        }
      }
    }
    return out;
  });
}

/**
 * Calls of a name bound to a provider method rather than of the method itself: `completion =
 * client.chat.completions.create` (or `litellm.completion`, chosen by a setting), then
 * `completion(model=…, messages=…)`; `self._create = client.messages.create`, then `self._create(…)`.
 * The binding is in the same file, at module level or in the calling function or class.
 */
function aliasModelCalls(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('loop:alias-model-calls', () => {
    const out: Located<CallFact>[] = [];
    for (const f of ctx.source) {
      let aliases: Map<string, string[]> | undefined;
      for (const b of f.binds ?? []) {
        // Only a value ending in `)` can end in `.bind(…)`; only a name a direct model call can have can pass isDirectModelCall.
        const v = b.value.endsWith(')') ? b.value.replace(/\.bind\([^()]*\)$/, '') : b.value;
        const dot = v.lastIndexOf('.');
        if (dot < 0) continue;
        const name = v.slice(dot + 1);
        if (!MODEL_CALL_NAME_SET.has(name) || !DOTTED_REF.test(v)) continue;
        if (!isDirectModelCall({ callee: v, name, line: b.line, fn: b.fn, args: [], cond: false, optional: false, inCatch: false })) continue;
        const scopes = (aliases ??= new Map()).get(b.name);
        if (scopes) scopes.push(b.fn);
        else aliases.set(b.name, [b.fn]);
      }
      if (!aliases) continue;
      for (const [alias, scopes] of aliases) {
        for (const c of ctx.callsNamed(alias)) {
          if (c.file !== f.path) continue;
          const onSelf = c.callee === `self.${alias}` || c.callee === `this.${alias}`;
          // A bare name bound at module level or in the same function; a field bound by the same class.
          const bound = c.callee === alias ? scopes.some((s) => s === '<top>' || s === c.fn) : onSelf && scopes.some((s) => classOf(s) !== '' && classOf(s) === classOf(c.fn));
          if (bound) out.push(c);
        }
      }
    }
    return out;
  });
}

/** Every name a direct model call can have. */
const MODEL_CALL_NAMES = [...new Set([...MODEL_NAMES, ...MODEL_RECEIVERS.keys(), ...RUNNABLE_METHODS])];
const MODEL_CALL_NAME_SET = new Set(MODEL_CALL_NAMES);

/**
 * Names too common to resolve by name: entry points, and the methods every Map, Set and array has
 * (`toolsByName.delete()` does not call `HistoryManager.delete`).
 */
export const GENERIC = new Set([
  'constructor', '<top>', '<anon>', 'run', 'call', 'get', 'set', 'create', 'then', 'map', 'forEach', 'push', 'emit', 'next', 'handle', 'execute', 'main', 'default', 'init', 'start',
  'delete', 'has', 'add', 'clear', 'pop', 'shift', 'unshift', 'splice', 'filter', 'find', 'reduce', 'keys', 'values', 'entries',
]);

/**
 * Short names of functions that reach a direct model call within two hops (provider wrappers,
 * `streamAssistantResponse` → `stream` → `messages.stream`). Generic names are not propagated.
 */
export function modelFunctionNames(ctx: RuleContext): Set<string> {
  return ctx.memo('loop:model-fn-names', () => {
    const names = new Set<string>();
    for (const c of modelCalls(ctx)) {
      const s = shortName(c.fn);
      if (!GENERIC.has(s)) names.add(s);
    }
    // Functions by short name: the name index holds each function under its short name, and a
    // function named `.n` (a dot only in front) under `.n` alone.
    const defCount = (n: string) => {
      let k = ctx.functionsNamed(n).length;
      for (const d of ctx.functionsNamed(`.${n}`)) if (d.name === `.${n}`) k++;
      return k;
    };
    // A name defined in many places (`check`, `process`) says nothing about which one is called.
    // Overrides of one base method (`BaseAgent.step` and its subclasses' `step`) are one name, however many.
    // Provider modules defining one function each (`backend_openai.query`, `backend_anthropic.query`, and the `query` that picks
    // one of them from a table) are one name too: every definition but at most one calls a model itself.
    const callers = new Set(modelCalls(ctx).map((c) => `${c.file}#${c.fn}`));
    const providers = (n: string) => {
      const defs = ctx.functionsNamed(n);
      return defs.filter((d) => callers.has(`${d.file}#${d.name}`)).length >= Math.max(2, defs.length - 1);
    };
    const specific = (n: string) => defCount(n) <= 3 || MODEL_WORD.test(n) || oneClassFamily(ctx, n, ctx.functionsNamed(n)) || providers(n);
    for (const n of [...names]) if (!specific(n)) names.delete(n);
    // A call links to a name by its own name, or (a bare call of an import alias) by the imported
    // name: so only calls of a name in the set, and bare calls of aliases, can link to one.
    const aliased = aliasedCalls(ctx);
    // Each hop adds the callers of the names known before it, so the order calls are visited in does not matter.
    const linkTo = (c: Located<CallFact>, add: Set<string>) => {
      if (names.has(linkName(ctx, c)) && modelLinkable(ctx, c) && !isConstruction(c)) {
        const s = shortName(c.fn);
        if (!GENERIC.has(s) && !names.has(s) && !add.has(s) && specific(s)) add.add(s);
      }
    };
    for (let hop = 0; hop < 2; hop++) {
      const add = new Set<string>();
      for (const n of names) for (const c of ctx.callsNamed(n)) linkTo(c, add);
      for (const c of aliased) linkTo(c, add);
      for (const a of add) names.add(a);
    }
    return names;
  });
}

/** Bare calls of import aliases (`complete()` for `import { chat as complete }`): the only calls linked by a name other than their own. */
function aliasedCalls(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('loop:aliased-calls', () => {
    const aliased: Located<CallFact>[] = [];
    for (const f of ctx.source) {
      for (const i of f.imports) {
        if (!i.as) continue;
        for (const l in i.as) {
          for (const c of ctx.callsNamed(l)) if (c.file === f.path && c.callee === l) aliased.push(c);
        }
      }
    }
    return aliased;
  });
}

/**
 * The source calls isModelTurnCall holds for, as sets: direct model calls, and calls linked by
 * name to a function that reaches one (found through the name index, then tested one by one).
 */
export function modelTurnCalls(ctx: RuleContext): { direct: Set<Located<CallFact>>; linked: Set<Located<CallFact>> } {
  return ctx.memo('loop:model-turn-calls', () => {
    const direct = new Set(modelCalls(ctx));
    const names = modelFunctionNames(ctx);
    const linked = new Set<Located<CallFact>>();
    const test = (c: Located<CallFact>) => {
      if (names.has(linkName(ctx, c)) && modelLinkable(ctx, c) && !isConstruction(c)) linked.add(c);
    };
    for (const n of names) for (const c of ctx.callsNamed(n)) test(c);
    for (const c of aliasedCalls(ctx)) test(c);
    return { direct, linked };
  });
}

/**
 * Methods of the language's own values (strings, regexes, lists, maps, promises, files): a call
 * `x.search(…)` on a receiver the audit cannot type is far more likely `re.search` or
 * `pattern.search` than the harness's own `search` tool, so it is not linked to a function by name.
 */
const VALUE_METHODS = new Set([
  'search', 'match', 'matchAll', 'fullmatch', 'findall', 'finditer', 'sub', 'test', 'exec', 'replace', 'replaceAll', 'split', 'join', 'strip', 'trim', 'format',
  'find', 'includes', 'indexOf', 'slice', 'substring', 'startswith', 'endswith', 'startsWith', 'endsWith', 'lower', 'upper', 'encode', 'decode',
  'append', 'extend', 'insert', 'remove', 'sort', 'reverse', 'copy', 'update', 'items', 'get', 'setdefault', 'some', 'every', 'concat', 'flatMap',
  'read', 'write', 'readline', 'readlines', 'close', 'open', 'send', 'recv', 'load', 'loads', 'dump', 'dumps', 'parse', 'stringify', 'resolve', 'reject',
  'all', 'any', 'race', 'allSettled', 'wait', 'sleep', 'info', 'debug', 'warn', 'warning', 'error', 'log',
]);

/**
 * Whether a call may be linked by its last name to a function of the harness: not when its
 * receiver is a module imported from outside the repo (`re.search`, `os.path.join`), nor a
 * value method called on a receiver of unknown type (`pattern.search`, `text.split`).
 */
export function linkableByName(ctx: RuleContext, c: Located<CallFact>): boolean {
  const dot = c.callee.lastIndexOf('.');
  if (dot < 0) return true;
  const receiver = c.callee.slice(0, dot);
  if (receiver === 'this' || receiver === 'self' || receiver === 'cls' || receiver === 'super' || receiver === 'super()') return true;
  if (VALUE_METHODS.has(c.name)) return false;
  return !externalModuleBindings(ctx, c.file).has(receiver.split('.')[0]);
}

/** Module names the repo itself holds: every folder on a source path, and each top-level `name.py`. */
function repoModules(ctx: RuleContext): Set<string> {
  return ctx.memo('loop:repo-modules', () => {
    const out = new Set<string>();
    for (const f of ctx.source) {
      const parts = f.path.split('/');
      for (let k = 0; k < parts.length - 1; k++) out.add(parts[k]);
      if (parts.length === 1 && f.path.endsWith('.py')) out.add(f.path.slice(0, -3));
    }
    return out;
  });
}

/** The names a file binds to whole modules from outside the repo (`import re`, `import os.path` → `os`). */
function externalModuleBindings(ctx: RuleContext, file: string): Set<string> {
  const byFile = ctx.memo('loop:external-modules', () => new Map<string, Set<string>>());
  let names = byFile.get(file);
  if (!names) {
    names = new Set();
    for (const i of ctx.file(file)?.imports ?? []) {
      if (i.from.startsWith('.') || !(i.names.includes('*') || i.names.includes('default'))) continue;
      // Python `import a.b` binds `a`; a module the repo itself holds is not external.
      const head = i.from.replace(/^node:/, '').split(/[./]/)[0];
      if (!head || repoModules(ctx).has(head)) continue;
      const bound = Object.entries(i.as ?? {}).filter(([, n]) => n === '*' || n === 'default').map(([l]) => l);
      for (const b of bound.length ? bound : i.names.includes('*') ? [head] : []) names.add(b);
    }
    byFile.set(file, names);
  }
  return names;
}

/** The name a call is linked by: its last name, or for a bare call of an import alias the imported name. */
export function linkName(ctx: RuleContext, c: Located<CallFact>): string {
  return c.callee === c.name ? importedName(ctx, c.file, c.name) : c.name;
}

/** Whether a call sends (or wraps a call that sends) a request to a model. */
export function isModelTurnCall(ctx: RuleContext, c: CallFact): boolean {
  if (isDirectModelCall(c)) return true;
  if (!('file' in c)) return modelFunctionNames(ctx).has(c.name);
  const located = c as Located<CallFact>;
  return modelFunctionNames(ctx).has(linkName(ctx, located)) && modelLinkable(ctx, located);
}

/** A receiver named for a tool (`selected_tool`, `this.tool`, `mcpTool`): its `stream()` or `invoke()` runs the tool. */
const TOOL_RECEIVER = /(?:^|[._])tool$|[a-z]Tool$/;

/**
 * Whether a call may be linked by its name to a function that reaches the model: as linkableByName, and not a method
 * of a tool (`selected_tool.stream()` is the tool's own stream, however many model classes also define `stream`).
 */
function modelLinkable(ctx: RuleContext, c: Located<CallFact>): boolean {
  return linkableByName(ctx, c) && !onTool(c);
}

/** Whether a call is a method of a receiver named for a tool. */
function onTool(c: CallFact): boolean {
  const dot = c.callee.lastIndexOf('.');
  return dot > 0 && TOOL_RECEIVER.test(c.callee.slice(0, dot));
}

/**
 * The call that runs the model turn in a loop body: a direct model call when there is one (the
 * loop may also call a summariser that reaches a model), else a call linked to a function that
 * reaches one, preferring one named like a model turn.
 */
function turnCall(ctx: RuleContext, body: Located<CallFact>[], except?: string): Located<CallFact> | undefined {
  // Body calls are source calls, so the sets stand for isDirectModelCall and the link by name.
  const turns = modelTurnCalls(ctx);
  const direct = body.find((c) => turns.direct.has(c));
  if (direct) return direct;
  const linked = body.filter((c) => c.name !== except && turns.linked.has(c));
  return linked.find((c) => MODEL_WORD.test(c.name) && !/compact|summar/i.test(c.name)) ?? linked[0];
}

export interface AgentLoop {
  file: string;
  /** Enclosing function, `Class.method` or name. */
  fn: string;
  line: number;
  end: number;
  /** The loop statement, or undefined when the loop is a self-recursive function. */
  loop?: LoopFact;
  /** The call in the body that runs the model turn. */
  modelCall: Located<CallFact>;
  /** Calls in the loop body (same function, within the loop's lines). */
  body: Located<CallFact>[];
  /**
   * How the model call was recognised: a direct SDK call, a call linked by name to a function that
   * reaches one, a call resolved through `this`/`self` or the file's imports, or a guess from the
   * callee's name alone (a `while` loop calling `generateReply()`).
   */
  link: 'direct' | 'name' | 'resolved' | 'word';
  /** For a step run as a queued job: the call that enqueues the job running the next step. */
  requeue?: Located<CallFact>;
}

/** A loop bounded by retries (`retryAttempt <= MAX_RETRIES`, `range(self.max_retries)`, `range(max_attempts)`). */
const RETRY_BOUND = /retr(?:y|ies)|attempt/i;

/** A loop whose exits are a `break`/`return` under no condition after the model call and a way out counting retries. */
function isRetryUntilSuccess(loop: LoopFact, modelLine: number): boolean {
  return (
    loop.exits.some((e) => (e.kind === 'break' || e.kind === 'return') && !e.cond && e.line >= modelLine) &&
    loop.exits.some((e) => !!e.cond && RETRY_BOUND.test(e.cond))
  );
}

/** A function named for shortening a history: `_summarize`, `summarize_history`, `compactMessages`, `condense`. */
const SHORTENER = /^_*(?:summari[sz]e|compact|condense|compress)(?:$|[A-Z_])/;

/**
 * Loops whose body runs a model turn: a `while`/`for`/`do` whose body calls a model (directly or
 * through a wrapper), or a function that calls itself and a model (recursive turn).
 */
export function agentLoops(ctx: RuleContext): AgentLoop[] {
  return ctx.memo('loop:agent-loops', () => {
    const out: AgentLoop[] = [];
    for (const f of ctx.source) {
      for (const loop of f.loops) {
        if (loop.kind === 'for-in') continue;
        // `while (retryAttempt <= MAX_RETRIES)`, `for attempt in range(self.max_retries)`: a loop
        // bounded by retries repeats one model request until it succeeds; it is not the agent's turn loop.
        if (RETRY_BOUND.test(loop.cond)) continue;
        // A loop inside a function that summarises or compacts (`BrainMemory._summarize`: summarise chunk by chunk until
        // the text fits) calls the model to shorten a history, not to take the agent's turns.
        if (SHORTENER.test(shortName(loop.fn))) continue;
        const calls = ctx.callsIn(f.path, loop.fn);
        const body = calls.filter((c) => c.line >= loop.line && c.line <= loop.end);
        // A loop whose only turn is a recursive call of its own function (`for chunk in stream: … yield from
        // self.get_completion(…)`) iterates over one response; the recursive function is the turn loop.
        const own = shortName(loop.fn);
        let model = turnCall(ctx, body, own);
        let link: AgentLoop['link'] = model && isDirectModelCall(model) ? 'direct' : 'name';
        // A loop that repeats until something stops it, or counts turns rather than items
        // (`for (step = 0; step < maxSteps; step++)`, `for step in range(max_steps)`), may reach its
        // model call through the harness's own functions.
        const open = loop.kind === 'while' || loop.kind === 'do' || loop.infinite;
        const counts = (loop.kind === 'for' || /^range\(/.test(loop.cond)) && !/\.length\b|\.size\b|\blen\(/.test(loop.cond);
        if (!model && (open || counts)) {
          // `while True: self.step()` → step → query → self.model.query(): follow calls resolved through
          // the class, its fields and the file's imports; else (open loops only) guess by name.
          // The turn's result feeds the loop (`outcome = await self._step()`): a call whose result is
          // kept is preferred to one whose result is dropped (a compaction when the context is full).
          const kept = (c: Located<CallFact>) => (f.binds ?? []).some((b) => b.line === c.line && b.fn === loop.fn && b.value.includes(`${c.callee}(`));
          let dropped: Located<CallFact> | undefined;
          for (const c of body) {
            if (c.name === own || !resolvedReachesModel(ctx, f.path, loop.fn, c, 3)) continue;
            if (kept(c)) {
              model = c;
              break;
            }
            dropped ??= c;
          }
          model ??= dropped;
          link = 'resolved';
          if (!model && open) {
            const named = body.filter((c) => c.name !== own && MODEL_WORD.test(c.name) && !NOT_MODEL.test(c.name.replace(/^_+/, '')) && !VALUE_TAIL.test(c.name) && !isConstruction(c) && !onTool(c));
            link = 'word';
            // A name alone needs more. A call that runs the model's tools too (`this.executeLLMCall()` → `handleResponse()`
            // → `executeToolCalls()`) is the turn, as is a named call beside a tool runner in the same body. Else the name
            // stands only where nothing contradicts it: not a call that resolves to the harness's own function (which was
            // followed above and reaches no model: a socket's `this.sendMessage()` flushing its queue), nor a callback
            // (`self._task_completion_callback()` in a task queue).
            model = named.find((c) => callRunsTools(ctx, f.path, loop.fn, c, 2));
            if (!model && named.length && !body.some((c) => c !== named[0] && RUNS_TOOLS.test(c.name))) {
              model = named.find((c) => !CALLBACK.test(c.name) && resolvedCallees(ctx, f.path, loop.fn, c).length === 0);
            } else model ??= named[0];
          }
        }
        if (!model) continue;
        // `for chunk in stream(...)`: iterating over one model response is not a turn loop.
        if (loop.kind === 'for-of' && model.line === loop.line) continue;
        // `while (true) { try { r = await model(); break } catch { if (retriesLeft === 0) throw e; retriesLeft-- } }`:
        // a loop left unconditionally after the model call, whose only other way out counts retries,
        // asks again until one request succeeds; it is not a turn loop.
        // A loop that also runs the model's tools (`this.executeToolCall(call)` in its body) is a turn loop, whatever its
        // exits say (`if (!shouldRetry) return` after an API error sits beside the answer's plain `return`).
        if (isRetryUntilSuccess(loop, model.line) && !body.some((c) => c !== model && (RUNS_TOOLS.test(c.name) || TOOL_LOOKUP.test(c.name)))) continue;
        out.push({ file: f.path, fn: loop.fn, line: loop.line, end: loop.end, loop, modelCall: model, body, link });
      }
      // Functions holding a call of their own short name outside a `catch` (found in one pass over the
      // file's calls, without building names): only they can be self-recursive turns.
      let selfCalling: Set<string> | undefined;
      for (const c of f.calls) {
        if (c.inCatch) continue;
        const fname = c.fn;
        const n = c.name;
        if (fname.length - fname.lastIndexOf('.') - 1 !== n.length || !fname.endsWith(n)) continue;
        (selfCalling ??= new Set()).add(fname);
      }
      const recursive = new Set<string>();
      for (const fn of selfCalling ? f.functions : []) {
        if (!selfCalling!.has(fn.name)) continue;
        const short = shortName(fn.name);
        if (GENERIC.has(short)) continue;
        const calls = ctx.callsIn(f.path, fn.name);
        // A method reaches itself only through its object: a bare `acompletion()` in `Adapter.acompletion` calls the
        // imported provider function of that name (an adapter wrapping it), not the method.
        const bare = !isMethod(f, fn.name);
        // A function that calls itself again only from a `catch` retries one request; it is not a turn loop.
        if (!calls.some((c) => c.name === short && !c.inCatch && ((bare && c.callee === short) || c.callee === `this.${short}` || c.callee === `self.${short}`))) continue;
        const model = turnCall(ctx, calls, short) ?? turnCall(ctx, closureCalls(ctx, f, fn, calls), short);
        // A name like a helper (`get_completion`, `handleResponse`) is a recursive turn only when it calls the model itself.
        if (!model || (NOT_MODEL.test(short) && !modelTurnCalls(ctx).direct.has(model))) continue;
        recursive.add(fn.name);
        out.push({ file: f.path, fn: fn.name, line: fn.line, end: fn.end, modelCall: model, body: calls, link: isDirectModelCall(model) ? 'direct' : 'name' });
      }
      // A method that holds a turn loop statement has its turn; a cycle through it is a nested run (an agent as a tool).
      for (const l of out) if (l.file === f.path && l.loop) recursive.add(l.fn);
      out.push(...mutualTurns(ctx, f.path, f.calls as Located<CallFact>[], f.functions, recursive));
    }
    out.push(...requeuedSteps(ctx, out));
    return out;
  });
}

/**
 * The calls of named functions a function defines inside itself and uses (calls, or hands on as a
 * callback: `function getResponse() { return callModel(…) }` … `withFeedback(ctx, getResponse)`):
 * the closure's code is the enclosing turn's, run through a wrapper.
 */
function closureCalls(ctx: RuleContext, f: FileFacts, fn: FunctionFact, calls: Located<CallFact>[]): Located<CallFact>[] {
  const out: Located<CallFact>[] = [];
  for (const inner of f.functions) {
    if (inner === fn || inner.line <= fn.line || inner.end > fn.end) continue;
    const short = shortName(inner.name);
    if (short === '<anon>' || !calls.some((c) => c.name === short || c.args.some((a) => a.trim() === short))) continue;
    out.push(...ctx.callsIn(f.path, inner.name));
  }
  return out;
}

/** A call in a loop body that runs the model's tool calls (`executeToolCalls()`, `handle_tool_use()`). */
const RUNS_TOOLS = /(?:exec|run|call|handle|invoke|dispatch|process|use)\w*tool|tool\w*(?:exec|run|call|handle|invoke|dispatch)/i;

/** Handing a background job to its queue: Celery `task.apply_async(…)` / `task.delay(…)`, RQ `queue.enqueue(fn, …)`, Dramatiq `actor.send(…)`. */
const ENQUEUE = new Set(['apply_async', 'delay', 'send', 'enqueue', 'enqueue_call', 'kiq']);
/** A decorator that makes a function a queued job: `@app.task(…)`, `@shared_task`, `@celery.task`, `@dramatiq.actor`, `@job(…)`. */
const JOB_DECORATOR = /^(?:[\w.]+\.)?(?:task|shared_task|actor|job)\b/;

/**
 * Steps run as queued jobs that queue the next step themselves: a function (`AgentExecutor.execute_next_step`)
 * that runs one model turn and ends by enqueueing a job (`execute_agent.apply_async((id, now))`) whose function
 * calls it again. No loop statement repeats the turn; the queue does, so the step is the agent loop.
 */
function requeuedSteps(ctx: RuleContext, found: AgentLoop[]): AgentLoop[] {
  const out: AgentLoop[] = [];
  const seen = new Set(found.map((l) => `${l.file}#${l.fn}`));
  for (const n of ENQUEUE) {
    for (const c of ctx.callsNamed(n)) {
      const dot = c.callee.lastIndexOf('.');
      if (dot < 0 || seen.has(`${c.file}#${c.fn}`)) continue;
      // The job: the receiver of `.apply_async` / `.delay` / `.send`, or the function handed to `enqueue`.
      const job = n === 'enqueue' || n === 'enqueue_call' ? c.args[0] : c.callee.slice(0, dot);
      if (!job || !/^[\w.]+$/.test(job)) continue;
      const jobName = shortName(job);
      const short = shortName(c.fn);
      if (GENERIC.has(short) || GENERIC.has(jobName)) continue;
      const defs = ctx.functionsNamed(jobName).filter((d) => n.startsWith('enqueue') || d.decorators?.some((x) => JOB_DECORATOR.test(x)));
      // The job calls this step again (`AgentExecutor().execute_next_step(agent_execution_id=…)`).
      if (!defs.some((d) => ctx.callsIn(d.file, d.name).some((j) => j.name === short))) continue;
      const def = ctx.file(c.file)?.functions.find((d) => d.name === c.fn);
      if (!def) continue;
      const body = ctx.callsIn(c.file, c.fn);
      const model = turnCall(ctx, body, short) ?? body.find((b) => b !== c && resolvedReachesModel(ctx, c.file, c.fn, b, 3));
      if (!model) continue;
      seen.add(`${c.file}#${c.fn}`);
      out.push({ file: c.file, fn: c.fn, line: def.line, end: def.end, modelCall: model, body, link: isDirectModelCall(model) ? 'direct' : 'resolved', requeue: c });
    }
  }
  return out;
}

/** Whether `fn` is a method of a class the file defines (`Adapter.acompletion`), not a free or nested function. */
function isMethod(f: FileFacts, fn: string): boolean {
  const cls = classOf(fn);
  if (!cls) return false;
  const short = cls.slice(cls.lastIndexOf('.') + 1);
  return f.classes.some((c) => c.name === short || c.name === cls);
}

/**
 * The memo entries behind agentLoops that survive a new order of the source files (RuleContext.agentFirst):
 * sets of names and calls, and per-file or per-call maps, do not depend on the order; the loops themselves
 * are found file by file, so the new order re-sorts them by file (keeping each file's order). So the loops
 * found for the landmarks are not searched for again.
 */
export const LOOP_MEMOS = {
  'loop:model-fn-names': true,
  'loop:model-turn-calls': true,
  'loop:resolved-reach': true,
  'loop:resolved-reach-parts': true,
  'loop:ref-binds': true,
  'loop:param-classes': true,
  'loop:module-instances': true,
  'loop:top-instances': true,
  'loop:external-modules': true,
  'loop:repo-modules': true,
  'imports:aliases': true,
  'resolve:fns-by-file': true,
  'resolve:field-classes': true,
  'resolve:bases': true,
  'resolve:interfaces': true,
  'resolve:one-family': true,
  'resolve:file-fills': true,
  'slice:file-targets': true,
  'loop:agent-loops': (loops: AgentLoop[], position: (file: string) => number): AgentLoop[] =>
    loops.map((l, i) => ({ l, i, p: position(l.file) })).sort((a, b) => a.p - b.p || a.i - b.i).map(({ l }) => l),
} as const;

/**
 * Methods of one class that call each other in a cycle through `this`/`self` outside a `catch`
 * (`this.request()` runs the model and hands the stream to `this.handleResponse()`, whose end-of-stream
 * callback calls `this.finish()`, which runs the tools and calls `this.request()` again): the method
 * that runs the model turn is a recursive turn. A callback's own calls count as its enclosing method's
 * (an arrow function keeps the method's `this`). Cycles of up to three methods, none of which already
 * recurses as a turn or holds a turn loop (`skip`).
 */
function mutualTurns(ctx: RuleContext, file: string, calls: Located<CallFact>[], functions: FunctionFact[], skip: Set<string>): AgentLoop[] {
  let own: Map<string, Set<string>> | undefined;
  let methods: FunctionFact[] | undefined;
  for (const c of calls) {
    // `this.name` / `self.name`, tested without building strings (this runs over every call of the repo).
    if (c.inCatch || c.callee.length !== c.name.length + 5 || !(c.callee.startsWith('this.') || c.callee.startsWith('self.'))) continue;
    let fn = c.fn;
    if (!classOf(fn)) {
      // A callback inside a method: the innermost method whose lines hold the call.
      methods ??= functions.filter((d) => classOf(d.name) !== '');
      let best: FunctionFact | undefined;
      for (const d of methods) if (d.line <= c.line && c.line <= d.end && (!best || d.line >= best.line)) best = d;
      if (!best) continue;
      fn = best.name;
    }
    const s = (own ??= new Map()).get(fn);
    if (s) s.add(c.name);
    else own.set(fn, new Set([c.name]));
  }
  if (!own) return [];
  const out: AgentLoop[] = [];
  const turns = modelTurnCalls(ctx);
  for (const [fname, callees] of own) {
    const short = shortName(fname);
    if (skip.has(fname) || GENERIC.has(short) || callees.has(short)) continue;
    const body = ctx.callsIn(file, fname);
    if (!body.some((c) => turns.direct.has(c) || turns.linked.has(c))) continue;
    // Methods on a way back to this one within three calls.
    const cls = classOf(fname);
    let path: string[] | undefined;
    for (const g of callees) {
      const back = own.get(`${cls}.${g}`);
      // A cycle through a method that already recurses as a turn (`sendMessage` → `processTurn` → `sendMessage`) is that turn's.
      if (!back || skip.has(`${cls}.${g}`)) continue;
      if (back.has(short)) path = [g];
      else for (const h of back) if (h !== g && !skip.has(`${cls}.${h}`) && own.get(`${cls}.${h}`)?.has(short)) path = [g, h];
      if (path) break;
    }
    if (!path) continue;
    const model = turnCall(ctx, body.filter((c) => !path!.includes(c.name)), short);
    if (!model || (NOT_MODEL.test(short) && !turns.direct.has(model))) continue;
    const def = functions.find((d) => d.name === fname);
    if (!def) continue;
    out.push({ file, fn: fname, line: def.line, end: def.end, modelCall: model, body, link: isDirectModelCall(model) ? 'direct' : 'name' });
  }
  return out;
}

/**
 * The harness functions a call resolves to without guessing by name: `this.m()` / `self.m()` → the
 * class's own or inherited method; `this.f.m()` → method `m` of the class the code assigns to field
 * `f` (`this.f = new F()`); a bare `m()` → the function of that name in the file or its imports.
 */
function resolvedCallees(ctx: RuleContext, file: string, fn: string, call: Located<CallFact>): Located<FunctionFact>[] {
  // Asked about the call's own file and function (every caller but a decorator's wrapped calls in reaches), the
  // answer is kept per call: the loop searches, loopReachResolved at 3 and 4 hops and reaches ask again for the
  // same calls (on gemini-cli 5,500 asks for 3,810 calls). Built again after a reorder, as computing it anew would.
  if (call.file !== file || call.fn !== fn) return calleesResolved(ctx, file, fn, call);
  const known = ctx.memo('loop:callees', () => new Map<Located<CallFact>, Located<FunctionFact>[]>());
  let defs = known.get(call);
  if (!defs) {
    defs = calleesResolved(ctx, file, fn, call);
    known.set(call, defs);
  }
  return defs;
}

function calleesResolved(ctx: RuleContext, file: string, fn: string, call: Located<CallFact>): Located<FunctionFact>[] {
  const own = ownCallees(ctx, file, fn, call);
  const passed = passedFunctions(ctx, file, fn, call);
  return passed.length ? [...own, ...passed] : own;
}

/** An argument that names a function rather than calling it: `_run_once`, `self._safe_chat`, `this.request`. */
const FN_REF = /^(?:(?:self|this)\.)?[A-Za-z_$][\w$]*$/;
/** A local bound to one of two function references: `call = self._stream if stream else self._once`, `const f = s ? this.a : this.b`. */
const REF_CHOICE = /^((?:(?:self|this)\.)?[A-Za-z_$][\w$]*)(?:\s+if\s+.+\s+else\s+|\s*\?\s*[\w$.]+\s*:\s*)((?:(?:self|this)\.)?[A-Za-z_$][\w$]*)$/;

/**
 * The harness functions a call is handed by reference (a retry or recovery wrapper, a task runner:
 * `self._run_with_retry(self._safe_chat, …)`, `await recover("step", _run_once)`): the callee runs
 * them, so they run on the caller's path. A reference is a nested or module function of the file (or
 * one it imports) or a method of the caller's class, named directly or through a local bound to it.
 */
function passedFunctions(ctx: RuleContext, file: string, fn: string, call: Located<CallFact>): Located<FunctionFact>[] {
  let out: Located<FunctionFact>[] | undefined;
  for (const a of call.args) {
    if (!FN_REF.test(a)) continue;
    let refs = [a];
    if (!a.includes('.')) {
      // A local bound to a choice of references (`call = self._a if s else self._b`).
      const v = refBinds(ctx, file).get(`${fn}#${a}`);
      const m = v ? REF_CHOICE.exec(v) : null;
      if (m) refs = [m[1], m[2]];
      else if (v) refs = [v];
    }
    for (const r of refs) {
      const dot = r.indexOf('.');
      const name = dot < 0 ? r : r.slice(dot + 1);
      if (GENERIC.has(name)) continue;
      const cls = classOf(fn);
      const defs = dot < 0 ? resolveBareCall(ctx, file, name) : cls ? methodOf(ctx, cls.slice(cls.lastIndexOf('.') + 1), name) : [];
      if (defs.length) (out ??= []).push(...defs);
    }
  }
  return out ?? [];
}

/**
 * The harness function a method call on a receiver the audit cannot type runs, when the harness
 * defines exactly one function of that name (and the name is neither generic nor a method of the
 * language's own values, and the receiver is no external module).
 */
function onlyDefinition(ctx: RuleContext, call: Located<CallFact>): Located<FunctionFact>[] {
  const n = call.name;
  if (!n || GENERIC.has(n) || VALUE_METHODS.has(n) || call.callee.startsWith('new ')) return [];
  const defs = ctx.functionsNamed(n);
  if (defs.length !== 1 || !linkableByName(ctx, call)) return [];
  return defs;
}

/** A file's locals bound to a bare reference or a choice of two (`fn#name` → value), built once per file. */
function refBinds(ctx: RuleContext, file: string): Map<string, string> {
  return ctx.perFile('loop:ref-binds', file, () => {
    const m: Map<string, string> = new Map();
    for (const b of ctx.file(file)?.binds ?? []) {
      const v = b.value;
      // A choice holds `?` or `if` (cheap tests before the regex).
      if (FN_REF.test(v) || ((v.includes('?') || v.includes('if')) && REF_CHOICE.test(v))) m.set(`${b.fn}#${b.name}`, v);
    }
    return m;
  });
}

function ownCallees(ctx: RuleContext, file: string, fn: string, call: Located<CallFact>): Located<FunctionFact>[] {
  const callee = call.callee;
  // `ai.next()` where the enclosing function declares `ai: AI`: method `next` of the harness's class `AI`.
  const param = /^(\w+)\.(\w+)$/.exec(callee);
  if (param && param[1] !== 'this' && param[1] !== 'self') {
    const typed = nameClass(ctx, file, fn, param[1]);
    if (typed) return methodsOfType(ctx, typed, param[2]);
    // `for cb in self.callbacks: cb.on_step(…)`: the methods of the classes put in the collection (see collectionCallees).
    const members = collectionCallees(ctx, file, fn, callee, call.line);
    if (members.length) return members;
    // A TypeScript parameter's declared type (`service: MessagesService`): its class's method, else (an interface the
    // harness does not implement itself, a library's type) the one function of that name, as for an untyped receiver.
    const declared = declaredParamType(ctx, file, fn, param[1]);
    const defs = declared ? methodsOfType(ctx, declared, param[2]) : [];
    return defs.length ? defs : onlyDefinition(ctx, call);
  }
  // Neither through the receiver nor bare (`spec.runtime.provider.chat_with_retry()`): the one function of that name, if only one.
  if (callee !== call.name && !callee.startsWith('this.') && !callee.startsWith('self.')) return onlyDefinition(ctx, call);
  const cls = classOf(fn);
  const short = cls.slice(cls.lastIndexOf('.') + 1);
  const own = /^(?:this|self)\.(\w+)$/.exec(call.callee);
  if (own) {
    const defs = short ? methodOf(ctx, short, own[1]) : [];
    if (defs.length || !short) return defs;
    // A field bound to a wrapper of a method (`this.autosave = debounce(this.save, 500)`, `self._flush = partial(self._save, path)`).
    const ref = wrappedReference(ctx, file, fn, callee);
    const wrapped = ref && ref !== callee ? /^(?:this|self)\.(\w+)$/.exec(ref) : null;
    if (wrapped) return methodOf(ctx, short, wrapped[1]);
    if (!file.endsWith('.py')) return defs;
    // A field holding a callable object (`self.model(messages)` with `self.model: ChatModelBase`): its class's `__call__`.
    const held = fieldClass(ctx, file, short, own[1]) ?? fieldType(ctx, file, short, own[1]);
    return held ? methodsOfType(ctx, held, '__call__') : [];
  }
  const field = /^(?:this|self)\.(\w+)\.(\w+)$/.exec(call.callee);
  if (field) {
    const held = short ? fieldClass(ctx, file, short, field[1]) : undefined;
    if (held) return methodsOfType(ctx, held, field[2]);
    // A field's declared type, or a typed constructor parameter stored in it (see fieldType); as for parameters above.
    const declared = short ? fieldType(ctx, file, short, field[1]) : undefined;
    const defs = declared ? methodsOfType(ctx, declared, field[2]) : [];
    return defs.length ? defs : onlyDefinition(ctx, call);
  }
  if (call.callee !== call.name) return onlyDefinition(ctx, call);
  const bare = resolveBareCall(ctx, file, call.name);
  if (bare.length) return bare;
  // A name bound to a wrapper of a function (`const syncSoon = debounce(syncToFile)`): the wrapped function.
  const ref = wrappedReference(ctx, file, fn, callee);
  if (ref && ref !== callee && /^[\w$]+$/.test(ref)) return resolveBareCall(ctx, file, ref);
  if (!file.endsWith('.py')) return bare;
  // A callable object (`client(msg)` where `client` holds an instance of a class with `__call__`): that method.
  const held = nameClass(ctx, file, fn, call.name);
  return held ? methodsOfType(ctx, held, '__call__') : [];
}

/** The class of the object a name holds in `file#fn`: an annotated parameter, a local instance, a local taken from fields, a module-level instance. */
const nameClass = (ctx: RuleContext, file: string, fn: string, name: string): string | undefined =>
  paramClass(ctx, file, fn, name) ?? localInstanceClass(ctx, file, fn, name) ?? localFieldClass(ctx, file, fn, name) ?? moduleInstanceClass(ctx, file, name);

/**
 * The harness class of the object a local takes from the class's fields (`client = self.task.client`, `const store =
 * this.session.store`): the class the chain of fields ends on (see fieldChainClass). The last such binding in the function.
 */
function localFieldClass(ctx: RuleContext, file: string, fn: string, name: string): string | undefined {
  const m = ctx.perFile('loop:local-field-refs', file, () => {
    const m: Map<string, string[]> = new Map();
    // The names some binding took from the fields: a later binding of any other name has nothing to undo.
    const taken = new Set<string>();
    for (const b of ctx.file(file)?.binds ?? []) {
      if (b.fn === '<top>') continue;
      const v = b.value.trim();
      const chain = v.startsWith('self.') || v.startsWith('this.') ? /^(?:self|this)((?:\.[A-Za-z_$][\w$]*){1,3})$/.exec(v) : null;
      if (chain) {
        m.set(`${b.fn}#${b.name}`, chain[1].slice(1).split('.'));
        taken.add(b.name);
      } else if (taken.has(b.name)) m.delete(`${b.fn}#${b.name}`);
    }
    return m;
  });
  const fields = m.get(`${fn}#${name}`);
  const cls = fields ? shortName(classOf(fn)) : '';
  return cls ? fieldChainClass(ctx, file, cls, fields!) : undefined;
}

/** `name = GroqProvider("llama")`, `export const client = new Client()`: a module-level instance of a class, `…(` as written. */
const INSTANCE_OF = /^(?:new\s+)?(?:[A-Za-z_$][\w$]*\.)*([A-Z][\w$]*)\(/;

/**
 * The class of a module-level instance a file uses by name: bound at the top of this file, or imported
 * from a module of the repo that binds it there (`from .config import action_model`, where config.py
 * holds `action_model = providers.GroqProvider("llama-3.3")`). The last top-level binding wins.
 */
function moduleInstanceClass(ctx: RuleContext, file: string, name: string): string | undefined {
  const all = ctx.memo('loop:module-instances', () => new Map<string, string | undefined>());
  const key = `${file}#${name}`;
  if (all.has(key)) return all.get(key);
  // Each file's top-level bindings by name, the last one's class (or none) kept: one pass per file, not one per name asked.
  const topClass = (f: string, n: string) =>
    ctx
      .perFile('loop:top-instances', f, () => {
        const m = new Map<string, string | undefined>();
        for (const b of ctx.file(f)?.binds ?? []) if (b.fn === '<top>') m.set(b.name, INSTANCE_OF.exec(b.value)?.[1]);
        return m;
      })
      .get(n);
  let cls = topClass(file, name);
  if (!cls) {
    for (const i of ctx.file(file)?.imports ?? []) {
      const imported = i.as?.[name] ?? (i.names.includes(name) ? name : undefined);
      if (!imported || imported === '*' || imported === 'default') continue;
      const target = resolveImportFile(ctx, file, i.from);
      if (target) cls = topClass(target, imported);
      break;
    }
  }
  all.set(key, cls);
  return cls;
}

/**
 * The class of an instance the function itself builds and keeps in a local (`handler = AgentToolStepHandler(session, llm=…)`,
 * `const runner = new StepRunner(cfg)`): the last such binding in the function. The caller checks the class is the harness's.
 */
function localInstanceClass(ctx: RuleContext, file: string, fn: string, name: string): string | undefined {
  const m = ctx.perFile('loop:local-instances', file, () => {
    const m: Map<string, string> = new Map();
    for (const b of ctx.file(file)?.binds ?? []) {
      if (b.fn === '<top>') continue;
      const cls = INSTANCE_OF.exec(b.value)?.[1];
      if (cls) m.set(`${b.fn}#${b.name}`, cls);
    }
    return m;
  });
  return m.get(`${fn}#${name}`);
}

/** The class a parameter of `file#fn` is annotated with, if any (the caller checks that the class is the harness's). */
function paramClass(ctx: RuleContext, file: string, fn: string, name: string): string | undefined {
  const m = ctx.perFile('loop:param-classes', file, () => {
    const m: Map<string, string> = new Map();
    for (const d of ctx.file(file)?.functions ?? []) {
      for (const p of d.params) {
        if (!p.includes(':')) continue;
        const t = PY_PARAM_CLASS.exec(p);
        if (t) m.set(`${d.name}#${t[1]}`, t[2]);
      }
    }
    return m;
  });
  return m.get(`${fn}#${name}`);
}

/** The class a TypeScript parameter of `file#fn` is declared with (`paramTypes`), if any. */
function declaredParamType(ctx: RuleContext, file: string, fn: string, name: string): string | undefined {
  const m = ctx.perFile('loop:declared-param-types', file, () => {
    const m: Map<string, string> = new Map();
    for (const d of ctx.file(file)?.functions ?? []) d.paramTypes?.forEach((t, i) => t && m.set(`${d.name}#${d.params[i]}`, t));
    return m;
  });
  return m.get(`${fn}#${name}`);
}

/** Whether a call reaches a model turn through calls resolved by receiver, field, parameter type or import (up to `depth` further calls). */
export function reachesModelResolved(ctx: RuleContext, file: string, fn: string, call: Located<CallFact>, depth = 3): boolean {
  return isModelTurnCall(ctx, call) || resolvedReachesModel(ctx, file, fn, call, depth);
}

/** Whether a call runs a model turn within `depth` further resolved calls (see resolvedCallees). */
function resolvedReachesModel(ctx: RuleContext, file: string, fn: string, call: Located<CallFact>, depth: number): boolean {
  // Per depth, by the function's calls (callsIn hands out one list per function of a file; a function
  // without calls gets a fresh empty list, and ends the search at once).
  const memo = ctx.memo('loop:resolved-reach', () => [] as Array<Map<Located<CallFact>[], boolean>>);
  const { direct, callees } = ctx.memo('loop:resolved-reach-parts', () => ({
    // Whether a function's own calls include a model turn call (the same at every depth).
    direct: new Map<Located<CallFact>[], boolean>(),
    // What each call resolves to (a call's file and function are those it is asked about).
    callees: new Map<Located<CallFact>, Located<FunctionFact>[]>(),
  }));
  const turns = modelTurnCalls(ctx);
  const calleesOf = (f: string, name: string, c: Located<CallFact>) => {
    let defs = callees.get(c);
    if (!defs) {
      defs = resolvedCallees(ctx, f, name, c);
      callees.set(c, defs);
    }
    return defs;
  };
  const search = (def: Located<FunctionFact>, d: number): boolean => {
    const calls = ctx.callsIn(def.file, def.name);
    const byCalls = (memo[d] ??= new Map());
    const known = byCalls.get(calls);
    if (known !== undefined) return known;
    byCalls.set(calls, false); // cycles end here
    let own = direct.get(calls);
    if (own === undefined) {
      own = calls.some((c) => turns.direct.has(c) || turns.linked.has(c));
      direct.set(calls, own);
    }
    const hit = own || (d > 0 && calls.some((c) => calleesOf(def.file, def.name, c).some((next) => search(next, d - 1))));
    byCalls.set(calls, hit);
    return hit;
  };
  return calleesOf(file, fn, call).some((def) => search(def, depth));
}

/**
 * Whether a call matching `pred` is reached from the body of an agent loop within `hops` calls.
 * Returns the loop and the call path (first element is the call in the loop body).
 */
export function reachedFromLoop(
  ctx: RuleContext,
  pred: (c: Located<CallFact>) => boolean,
  hops = 2,
): { loop: AgentLoop; path: Located<CallFact>[] } | undefined {
  for (const loop of agentLoops(ctx)) {
    for (const c of loop.body) if (pred(c)) return { loop, path: [c] };
  }
  if (hops === 0) return undefined;
  for (const loop of agentLoops(ctx)) {
    const seen = new Set<string>();
    for (const c of loop.body) {
      if (!c.name || seen.has(c.name)) continue;
      // A generic name (`this.store.add()`) only where the receiver's class resolves it.
      const defs = GENERIC.has(c.name) ? resolvedCallees(ctx, c.file, c.fn, c) : ctx.functionsNamed(c.name);
      if (!GENERIC.has(c.name)) seen.add(c.name);
      for (const def of defs) {
        const sub = reachesFast(ctx, def.file, def.name, pred, hops - 1);
        if (sub) return { loop, path: [c, ...sub] };
      }
    }
  }
  return undefined;
}

/** A function reached from an agent loop's body through resolved calls, and the calls that reach it. */
export interface ResolvedReach {
  loop: AgentLoop;
  /** The calls from the loop body to the function: the first is in the loop body, the last calls the function. */
  path: Located<CallFact>[];
}

/**
 * Every function an agent loop's body reaches within `hops` calls resolved without guessing by name (see
 * resolvedCallees: the receiver's class from `this.x = new X()`, a declared field or constructor parameter type, a
 * typed parameter, an import), keyed `file#function`, each with the first path found. Unlike loopReachable this
 * follows names too common to follow by name (`this.messages.create()`, `self.store.save()`) when the receiver's
 * class is known, and links a call to the one function it runs, not to every function of its name.
 */
export function loopReachResolved(ctx: RuleContext, hops = 4): Map<string, ResolvedReach> {
  return ctx.memo(`loop:reach-resolved:${hops}`, () => {
    const out = new Map<string, ResolvedReach>();
    let frontier: Array<{ def: Located<FunctionFact>; r: ResolvedReach }> = [];
    const follow = (file: string, fn: string, c: Located<CallFact>, loop: AgentLoop, base: Located<CallFact>[], next: typeof frontier) => {
      for (const def of resolvedCallees(ctx, file, fn, c)) {
        const k = `${def.file}#${def.name}`;
        if (out.has(k)) continue;
        const r = { loop, path: [...base, c] };
        out.set(k, r);
        next.push({ def, r });
      }
    };
    for (const loop of agentLoops(ctx)) for (const c of loop.body) follow(c.file, c.fn, c, loop, [], frontier);
    for (let h = 1; h < hops && frontier.length > 0; h++) {
      const next: typeof frontier = [];
      for (const { def, r } of frontier) for (const c of ctx.callsIn(def.file, def.name)) follow(def.file, def.name, c, r.loop, r.path, next);
      frontier = next;
    }
    return out;
  });
}

export interface LoopReach {
  loop: AgentLoop;
  /** Call names from the loop body to the function (first is the call in the body). */
  path: string[];
  /** The call in the loop body that starts the path. */
  first: Located<CallFact>;
}

/**
 * Short names of every function reachable from an agent loop body within `hops` calls (breadth
 * first, by name), each with the first path found. Built once; lookups are O(1).
 */
export function loopReachable(ctx: RuleContext, hops = 3): Map<string, LoopReach> {
  return ctx.memo(`loop:reachable:${hops}`, () => {
    const out = new Map<string, LoopReach>();
    let frontier: Array<{ name: string; reach: LoopReach }> = [];
    for (const loop of agentLoops(ctx)) {
      const self = shortName(loop.fn);
      if (!out.has(self)) out.set(self, { loop, path: [self], first: loop.modelCall });
      // The wrapper a decorator puts around the loop's function, or around an override of it that the loop recurses into.
      for (const def of GENERIC.has(self) ? [] : ctx.functionsNamed(self)) {
        for (const c of ctx.wrappedCalls(def.file, def.name)) {
          if (!c.name || out.has(c.name)) continue;
          const r = { loop, path: [self, c.name], first: loop.modelCall };
          out.set(c.name, r);
          frontier.push({ name: c.name, reach: r });
        }
      }
      for (const c of loop.body) {
        if (!c.name || out.has(c.name)) continue;
        const r = { loop, path: [c.name], first: c };
        out.set(c.name, r);
        frontier.push({ name: c.name, reach: r });
      }
    }
    for (let h = 1; h < hops && frontier.length > 0; h++) {
      const next: typeof frontier = [];
      for (const { name, reach } of frontier) {
        if (GENERIC.has(name)) continue;
        const defs = ctx.functionsNamed(name);
        if (defs.length > 4) continue;
        for (const def of defs) {
          // A decorated function runs its decorator's wrapper too (see wrappedCalls).
          const around = ctx.wrappedCalls(def.file, def.name);
          const own = ctx.callsIn(def.file, def.name);
          for (const c of around.length ? [...own, ...around] : own) {
            if (!c.name || out.has(c.name)) continue;
            const r = { loop: reach.loop, path: [...reach.path, c.name], first: reach.first };
            out.set(c.name, r);
            next.push({ name: c.name, reach: r });
          }
        }
      }
      frontier = next;
    }
    return out;
  });
}

/**
 * ctx.reaches that does not expand generic names (`run`, `get`) or names defined in more than
 * four places: whether a call matching `pred` is reachable from `fn` of `file` within `hops` calls.
 */
export function reachesFast(ctx: RuleContext, file: string, fn: string, pred: (c: Located<CallFact>) => boolean, hops = 2): Located<CallFact>[] | undefined {
  // Those names are followed where the receiver's class is known instead (`this.messages.create()`, see resolvedCallees).
  return ctx.reaches(file, fn, pred, hops, (name, defs) => !GENERIC.has(name) && defs.length <= 4, (f, name, c) => resolvedCallees(ctx, f, name, c));
}

/** A call that looks one tool up by name for running it (`self._get_tool(item["name"])`, `findTool(name)`): not the plural listing sent to the model. */
const TOOL_LOOKUP = /^_*(?:get|find|lookup|resolve)_?tool(?:_?by_?name)?$/i;

/**
 * Whether an agent loop also runs the model's tools: its body calls a tool runner (`executeToolCalls()`) or a
 * tool execution site of the dispatch lies in the loop, or a function its body calls on its own object or in its
 * file (`self._handle_item(item)`) looks a tool up by name, runs tools or holds such a site.
 */
export function loopRunsTools(ctx: RuleContext, l: AgentLoop): boolean {
  const cache = ctx.memo('loop:runs-tools', () => new Map<AgentLoop, boolean>());
  let hit = cache.get(l);
  if (hit !== undefined) return hit;
  const dispatch = toolDispatch(ctx);
  const { execFns, execAt } = ctx.memo('loop:exec-fns', () => ({
    execFns: new Set(dispatch.flatMap((d) => [shortName(d.exec.fn), shortName(d.lookupFn.slice(d.lookupFn.indexOf('#') + 1))])),
    execAt: new Set(dispatch.map((d) => `${d.exec.file}#${d.exec.fn}`)),
  }));
  const runs = (c: Located<CallFact>) => c !== l.modelCall && (execFns.has(c.name) || RUNS_TOOLS.test(c.name) || TOOL_LOOKUP.test(c.name));
  hit = l.body.some(runs) || dispatch.some((d) => d.exec.file === l.file && d.exec.line >= l.line && d.exec.line <= l.end);
  if (!hit) {
    for (const c of l.body) {
      if (c === l.modelCall || c.name === shortName(l.fn)) continue;
      const def = resolveLocal(ctx, l.file, l.fn, c.callee);
      // A getter or formatter (`getFullState` naming each tool) reads tools; it does not run them.
      if (def && !READS_ONLY.test(shortName(def.name)) && (execAt.has(`${def.file}#${def.name}`) || ctx.callsIn(def.file, def.name).some(runs))) {
        hit = true;
        break;
      }
    }
  }
  cache.set(l, hit);
  return hit;
}

/** Whether a call on the function's own object or in its file (`this.executeLLMCall()`) runs tools within `depth` such calls. */
function callRunsTools(ctx: RuleContext, file: string, fn: string, c: Located<CallFact>, depth: number): boolean {
  const def = resolveLocal(ctx, file, fn, c.callee);
  if (!def || def.name === fn) return false;
  const memo = ctx.memo('loop:call-runs-tools', () => new Map<string, boolean>());
  const key = `${def.file}#${def.name}#${depth}`;
  let hit = memo.get(key);
  if (hit !== undefined) return hit;
  memo.set(key, false); // cycles end here
  const calls = ctx.callsIn(def.file, def.name);
  hit = calls.some((x) => RUNS_TOOLS.test(x.name)) || (depth > 1 && calls.some((x) => callRunsTools(ctx, def.file, def.name, x, depth - 1)));
  memo.set(key, hit);
  return hit;
}

/** Names of functions that read or describe state: `getFullState`, `to_dict`, `format_tools`, `build_schema`. */
const READS_ONLY = /^_*(?:get|is|has|to|build|create|format|render|serialize|describe|list|show|print|log)(?:[A-Z_]|$)/;

/** A tool's class: `ImproveCodeTool(BaseTool)`, `class SearchTool extends StructuredTool`. */
const TOOL_CLASS = /(?:^|[a-z_])Tool$/;

/**
 * Whether a loop lies in a tool's own implementation (a method of a class that is a tool, or extends one): the
 * tool calls a model for its own work (improving a file, reviewing a diff), once per model tool call; it is not
 * the agent's turn loop, which is the one running the tool.
 */
export function toolImplementation(ctx: RuleContext, l: AgentLoop): boolean {
  const cls = classOf(l.fn);
  if (!cls) return false;
  const bases = classBases(ctx);
  for (let c: string | undefined = cls.slice(cls.lastIndexOf('.') + 1), level = 0; c && level < 4; c = bases.get(c), level++) if (TOOL_CLASS.test(c)) return true;
  return false;
}

/**
 * The agent loops, the likeliest turn loop first: loops outside a tool's implementation, then those that also run
 * the model's tools, then loops no other loop's model call leads into (one provider's step or completion method of
 * several, run by the turn loop: `agent_loop.predict_step()`), then loops that repeat until stopped or count turns rather than
 * iterate over items (`for scale in scales: model.predict(…)`), then by how surely the model call was recognised.
 */
export function rankedLoops(ctx: RuleContext): AgentLoop[] {
  return ctx.memo('loop:ranked', () => {
    const loops = agentLoops(ctx);
    // Names each loop's model call leads to (its own name and the calls of the functions of that name): per loop, so a loop is not inner to itself.
    const leadsTo = new Map<string, Set<string>>();
    for (const l of loops) {
      const n = l.modelCall.name;
      if (!n || GENERIC.has(n)) continue;
      const add = (name: string) => {
        const s = leadsTo.get(name);
        if (s) s.add(l.fn);
        else leadsTo.set(name, new Set([l.fn]));
      };
      add(n);
      const defs = ctx.functionsNamed(n);
      if (defs.length <= 4) for (const d of defs) for (const c of ctx.callsIn(d.file, d.name)) if (c.name) add(c.name);
    }
    // Inner: a method one of several classes define (one per provider) that another loop's model call leads to. A
    // function of its own (`callClaude`, recursing once per tool call, called by a REPL) stays the turn loop.
    const inner = (l: AgentLoop) =>
      [...(leadsTo.get(shortName(l.fn)) ?? [])].some((fn) => fn !== l.fn) && new Set(ctx.functionsNamed(shortName(l.fn)).map((d) => classOf(d.name)).filter(Boolean)).size >= 2;
    const items = (l: AgentLoop) => !!l.loop && (l.loop.kind === 'for-of' || l.loop.kind === 'for-in') && !/^range\(/.test(l.loop.cond);
    // A loop that sleeps each pass (`while ok: time.sleep(1); … completion(…)`) is a periodic job, a cache-warming ping
    // or a poller, not the turn: a turn loop waits on the model, and sleeps, if at all, in a retry's `except`.
    const sleeps = (l: AgentLoop) => !!l.loop && l.body.some((c) => !c.inCatch && SLEEP.test(c.callee));
    // A loop that asks the model the same messages each pass (`for _ in range(n): answer = model.query(messages)`,
    // nothing in the body adds to `messages` or hands it on) samples or retries one question; a turn grows its history.
    const resamples = (l: AgentLoop): boolean => {
      if (!l.loop) return false;
      const held = l.modelCall.args.map((a) => /^(?:messages\s*=\s*)?([A-Za-z_]\w*)$/.exec(a.trim())?.[1]).filter((x): x is string => !!x && x !== 'self' && x !== 'this');
      if (!held.length) return false;
      const f = ctx.file(l.file);
      return held.every((x) => {
        const word = new RegExp(`(?:^|[^\\w.])${x}\\b`);
        if (f?.binds?.some((b) => b.name === x && b.fn === l.fn && b.line >= l.line && b.line <= l.end)) return false;
        return !l.body.some((c) => c !== l.modelCall && (c.callee.startsWith(`${x}.`) || c.args.some((a) => word.test(a))));
      });
    };
    const key = (l: AgentLoop) => {
      const tools = loopRunsTools(ctx, l);
      return [toolImplementation(ctx, l) ? 1 : 0, tools ? 0 : 1, !tools && inner(l) ? 1 : 0, sleeps(l) || resamples(l) ? 1 : 0, items(l) ? 1 : 0, LINK_RANK[l.link]];
    };
    const keyed = loops.map((l, i) => ({ l, i, k: key(l) }));
    keyed.sort((a, b) => {
      for (let j = 0; j < a.k.length; j++) if (a.k[j] !== b.k[j]) return a.k[j] - b.k[j];
      return a.i - b.i;
    });
    return keyed.map((x) => x.l);
  });
}

/** A pause: `time.sleep(1)`, `await asyncio.sleep(5)`, `await sleep(1000)`, `setTimeout(…)`. */
const SLEEP = /(?:^|\.)(?:sleep|setTimeout|delay)$/;

/** Loops whose model call is surest first: a direct SDK call, then one resolved through the code, linked by name, guessed from a name. */
const LINK_RANK = { direct: 0, resolved: 1, name: 2, word: 3 } as const;
