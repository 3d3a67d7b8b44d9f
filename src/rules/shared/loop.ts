/**
 * The agent loop, derived from facts: which calls reach a model, which loops (or self-recursive
 * functions) run a model call per iteration, and what each loop body reaches per turn.
 * Every function here is memoised on the RuleContext and near-linear over the facts.
 */
import type { CallFact, LoopFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';

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
    ['generate', 'generate_stream', 'agenerate', 'invoke', 'ainvoke', 'stream', 'astream', 'complete', 'chat', 'predict', 'call', '__call__', 'generate_content', 'generate_content_async', 'send_message', 'query', 'aquery'],
  ],
  ['ollama|genai|cohere|mistral|groq|bedrock|bedrock_runtime|bedrockRuntime', ['chat', 'generate', 'complete', 'converse', 'converse_stream', 'invoke_model', 'chat_stream']],
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
const MODEL_NAMES = new Set([
  'generateText', 'streamText', 'generateObject', 'streamObject', 'generateContent', 'generateContentStream',
  'sendMessageStream', 'acompletion', 'chat_completion', 'text_generation', 'streamSimple', 'completeSimple',
  // AWS Bedrock runtime commands (`client.send(new ConverseCommand(input))`).
  'ConverseCommand', 'ConverseStreamCommand', 'InvokeModelCommand', 'InvokeModelWithResponseStreamCommand',
]);

/** Names that, on a call inside a loop body, mark the call as a model turn even if unresolved. */
const MODEL_WORD = /(stream|generat|completion|chat|llm|model|assistant|inference|sendMessage|callModel|call_model|createMessage|response|predict)/i;
const NOT_MODEL = /^(is|has|should|can|on|handle|set|get|render|show|format|parse|to|update|emit|log|print|display|push|map|filter)([A-Z_]|$)/;

/** `client.stream("GET", url)` (httpx, undici) is an HTTP request, not a model call. */
const HTTP_ARG = /^['"`](?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)['"`]$|^['"`]https?:/;

export function isDirectModelCall(c: CallFact): boolean {
  const named = MODEL_NAMES.has(c.name);
  const receivers = MODEL_RECEIVERS.get(c.name);
  if (!named && !receivers) return false;
  if (c.args.length && HTTP_ARG.test(c.args[0])) return false;
  return named || !!receivers?.test(c.callee);
}

/** Every direct model call in source files. */
export function modelCalls(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('loop:model-calls', () => ctx.calls.filter(isDirectModelCall));
}

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
    const defs = new Map<string, number>();
    for (const f of ctx.source) for (const fn of f.functions) {
      const s = shortName(fn.name);
      defs.set(s, (defs.get(s) ?? 0) + 1);
    }
    // A name defined in many places (`check`, `process`) says nothing about which one is called.
    const specific = (n: string) => (defs.get(n) ?? 0) <= 3 || MODEL_WORD.test(n);
    for (const n of [...names]) if (!specific(n)) names.delete(n);
    for (let hop = 0; hop < 2; hop++) {
      const add: string[] = [];
      for (const c of ctx.calls) {
        if (names.has(c.name)) {
          const s = shortName(c.fn);
          if (!GENERIC.has(s) && !names.has(s) && specific(s)) add.push(s);
        }
      }
      for (const a of add) names.add(a);
    }
    return names;
  });
}

/** Whether a call sends (or wraps a call that sends) a request to a model. */
export function isModelTurnCall(ctx: RuleContext, c: CallFact): boolean {
  if (isDirectModelCall(c)) return true;
  if (modelFunctionNames(ctx).has(c.name)) return true;
  return false;
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
}

/** A loop bounded by retries (`retryAttempt <= MAX_RETRIES`, `range(self.max_retries)`). */
const RETRY_BOUND = /retr(?:y|ies)/i;

/**
 * Loops whose body runs a model turn: a `while`/`for`/`do` whose body calls a model (directly or
 * through a wrapper), or a function that calls itself and a model (recursive turn).
 */
export function agentLoops(ctx: RuleContext): AgentLoop[] {
  return ctx.memo('loop:agent-loops', () => {
    const out: AgentLoop[] = [];
    const modelNames = modelFunctionNames(ctx);
    for (const f of ctx.source) {
      for (const loop of f.loops) {
        if (loop.kind === 'for-in') continue;
        // `while (retryAttempt <= MAX_RETRIES)`, `for attempt in range(self.max_retries)`: a loop
        // bounded by retries repeats one model request until it succeeds; it is not the agent's turn loop.
        if (RETRY_BOUND.test(loop.cond)) continue;
        const calls = ctx.callsIn(f.path, loop.fn);
        const body = calls.filter((c) => c.line >= loop.line && c.line <= loop.end);
        let model = body.find((c) => isDirectModelCall(c) || modelNames.has(c.name));
        if (!model && (loop.kind === 'while' || loop.kind === 'do' || loop.infinite)) {
          model = body.find((c) => MODEL_WORD.test(c.name) && !NOT_MODEL.test(c.name) && !c.callee.startsWith('new '));
          // `while True: self.step()` → step → query → self.model.query(): follow own methods.
          model ??= body.find((c) => ownMethodReachesModel(ctx, f.path, loop.fn, c, 3));
        }
        if (!model) continue;
        out.push({ file: f.path, fn: loop.fn, line: loop.line, end: loop.end, loop, modelCall: model, body });
      }
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (GENERIC.has(short) || NOT_MODEL.test(short)) continue;
        const calls = ctx.callsIn(f.path, fn.name);
        // A function that calls itself again only from a `catch` retries one request; it is not a turn loop.
        if (!calls.some((c) => c.name === short && !c.inCatch && (c.callee === short || c.callee === `this.${short}` || c.callee === `self.${short}`))) continue;
        const model = calls.find((c) => isDirectModelCall(c) || (c.name !== short && modelNames.has(c.name)));
        if (!model) continue;
        out.push({ file: f.path, fn: fn.name, line: fn.line, end: fn.end, modelCall: model, body: calls });
      }
    }
    return out;
  });
}

/**
 * Whether `call` (made in method `fn` of `file`) is a `this.x()` / `self.x()` call to a method of
 * the same class that runs a model call within `depth` further own-method calls. Resolving through
 * the receiver is exact, unlike resolving by name, so it may go deeper.
 */
function ownMethodReachesModel(ctx: RuleContext, file: string, fn: string, call: CallFact, depth: number): boolean {
  const dot = fn.lastIndexOf('.');
  if (dot < 0 || !/^(this|self)\.\w+$/.test(call.callee)) return false;
  const cls = fn.slice(0, dot + 1);
  const seen = new Set<string>();
  const search = (name: string, d: number): boolean => {
    if (seen.has(name)) return false;
    seen.add(name);
    const calls = ctx.callsIn(file, cls + name);
    if (calls.some((c) => isDirectModelCall(c))) return true;
    if (d === 0) return false;
    return calls.some((c) => /^(this|self)\.\w+$/.test(c.callee) && search(c.name, d - 1));
  };
  return search(call.name, depth);
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
      if (!c.name || seen.has(c.name) || GENERIC.has(c.name)) continue;
      seen.add(c.name);
      for (const def of ctx.functionsNamed(c.name)) {
        const sub = reachesFast(ctx, def.file, def.name, pred, hops - 1);
        if (sub) return { loop, path: [c, ...sub] };
      }
    }
  }
  return undefined;
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
          for (const c of ctx.callsIn(def.file, def.name)) {
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
  return ctx.reaches(file, fn, pred, hops, (name, defs) => !GENERIC.has(name) && defs.length <= 4);
}
