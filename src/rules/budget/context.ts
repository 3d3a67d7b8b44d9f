/**
 * Context-window facts shared by the projection and compaction checks: functions that compare a
 * token estimate with the model's window, and functions that compact or summarise the history.
 */
import type { CallFact, FunctionFact, GuardFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { agentLoops, GENERIC, isDirectModelCall, isModelTurnCall, loopReachable, loopReachResolved, modelTurnCalls, reachesFast } from '../shared/loop.js';
import { inputHistory, words } from '../shared/persist.js';
import { fnAt } from '../shared/resolve.js';
import { at } from '../shared/scan.js';
import { TEST_PATH } from '../shared/tests.js';

const WINDOW = /\b(context (window|limit|length|size|tokens|budget|max)|token limit|max (context|input|prompt) tokens?|input token limit|reserve tokens|model context|max context|context window tokens|n ctx|max model len)\b/;
const ESTIMATE = /\b(count|estimate|estimated|calculate|compute|num|get) (request |prompt |input |message |messages |context )?tokens?\b|\btokens? (count|estimate)\b|\b(used|spent|total|current|consumed|accumulated|running) tokens?\b|\b(tiktoken|tokenize|tokenizer|encode)\b/;
/**
 * A name for what the context holds now (`current_context_tokens`, `usedContextTokens`, `total_context_tokens`): an
 * estimate or a measured occupancy, not the window's limit, though it says "context tokens".
 */
const OCCUPANCY = /\b(current|used|total|consumed|accumulated|running|last|prev|previous) context tokens?\b/;
const windowName = (p: string) => WINDOW.test(p) && !OCCUPANCY.test(p);
const USAGE_READ = new Set(['usage', 'usageMetadata', 'usage_metadata', 'input_tokens', 'inputTokens', 'prompt_tokens', 'promptTokenCount', 'totalTokens', 'total_tokens', 'totalTokenCount', 'lastPromptTokenCount']);

/** Cheap pre-filter before splitting names into words. */
const QUICK = /token|context|window|usage|tiktoken|encode|n_ctx|model_len/i;

const phrase = (name: string) => words(name.replace(/^get(?=[A-Z])/, '')).join(' ');

export interface Projection {
  fn: Located<FunctionFact>;
  window: { line: number; text: string };
  estimate: { line: number; text: string };
}

const ACT = /\b(compact|compaction|compacting|compress|compression|summarize|summarise|summarization|summarisation|truncate|truncation|prune|trim|cut|drop|evict|shrink|refuse|overflow|condense)\b/;

/** Functions that hold both a context-window limit and a token estimate / usage figure. */
export function projections(ctx: RuleContext): Projection[] {
  return ctx.memo('budget:projections', () => {
    const win = new Map<string, { line: number; text: string }>();
    const est = new Map<string, { line: number; text: string }>();
    const put = (m: Map<string, { line: number; text: string }>, file: string, line: number, text: string) => {
      const fn = fnAt(ctx, file, line);
      if (!fn) return;
      const k = `${file}#${fn.name}#${fn.line}`;
      if (!m.has(k)) m.set(k, { line, text });
    };
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (!QUICK.test(c.name) && !QUICK.test(c.callee)) continue;
        // `raise ContextWindowOverflowException(…)`: the provider's overflow error, raised after it rejected the request, is no limit held before it.
        if (/(?:Error|Exception|Exceeded)$/.test(c.name)) continue;
        const p = phrase(c.name);
        if (windowName(p) || /\btoken limit\b/.test(phrase(c.callee))) put(win, f.path, c.line, `${c.callee}()`);
        else if ((ESTIMATE.test(p) || OCCUPANCY.test(p)) && !/^(format|display|render|print|log|show)\b/.test(p)) put(est, f.path, c.line, `${c.callee}()`);
      }
      for (const k in f.reads) {
        const lines = f.reads[k];
        if (!QUICK.test(k) || /(?:Error|Exception|Exceeded)$/.test(k)) continue;
        const p = phrase(k);
        if (windowName(p)) for (const l of lines) put(win, f.path, l, k);
        else if (USAGE_READ.has(k) || ESTIMATE.test(p) || OCCUPANCY.test(p)) for (const l of lines) put(est, f.path, l, k);
      }
      for (const c of f.consts) {
        if (c.kind === 'param' || !QUICK.test(c.name)) continue;
        // `contextSize = 50` (characters of text around a match) is no model's window.
        if (/^\d+$/.test(c.value) && Number(c.value) < 1000) continue;
        if (windowName(phrase(c.name))) put(win, f.path, c.line, c.name);
      }
    }
    const out: Projection[] = [];
    for (const [k, w] of win) {
      const e = est.get(k);
      if (!e) continue;
      const [file, name, line] = k.split('#');
      const fn = ctx.file(file)?.functions.find((x) => x.name === name && x.line === Number(line));
      // A UI component showing a context meter (`ChatComposer()` in a .tsx file) is not the harness projecting.
      if (!fn || (/\.[jt]sx$/.test(file) && /^[A-Z]/.test(shortName(fn.name)))) continue;
      // It must act on the projection: compact, truncate or refuse, being that action itself
      // (`history.truncate()` that checks the window first) or calling it within one hop.
      const acts = ACT.test(phrase(shortName(fn.name))) || !!reachesFast(ctx, file, fn.name, (c) => ACT.test(phrase(c.name)) && !stringTrim(c), 1);
      if (acts) out.push({ fn: { ...fn, file }, window: w, estimate: e });
    }
    return out;
  });
}

// ---------------------------------------------------------------------------------------------
// Projection by mechanism: a comparison between a token estimate and a context-window limit.

/** Calls and names that count or estimate tokens: tiktoken, litellm `token_counter`, `countTokens`, `estimateTokens`, `len_tokens` … */
const COUNT_CALL = /(?:count_?tokens|countTokens|token_?counter|tokenCounter|token_?count|tokenCount|\blen_?tokens|lenTokens|estimate\w*?_?tokens?|estimate\w*Tokens?|calculate\w*Tokens?|calculate_\w*tokens|num_tokens\w*|get_?num_?tokens|tiktoken|\bencode\s*\(|\.encode\(|tokeni[sz]e)/i;
/** A chars/4 heuristic: `text.length / 4`, `len(s) // 4`. */
const CHARS_HEURISTIC = /(?:\.length|len\([^)]*\))\s*\/\/?\s*[34](?:\.\d+)?\b/;
const EST_WORD = new Set(['count', 'counter', 'estimate', 'estimated', 'used', 'total', 'current', 'input', 'request', 'prompt', 'sum', 'usage', 'consumed', 'context', 'message', 'messages', 'conversation', 'history', 'size', 'projected', 'pending', 'accumulated']);
const LIMIT_WORD = new Set(['max', 'maximum', 'limit', 'limits', 'threshold', 'window', 'budget', 'capacity', 'usable', 'available', 'ceiling', 'allowed', 'trigger', 'reserve', 'n_ctx']);
const WINDOW_WORD = new Set(['token', 'tokens', 'context', 'window', 'ctx', 'input', 'prompt']);
/** Operands about one response, a tool result or a file, not the request sent to the model. */
const NOT_REQUEST = new Set(['byte', 'bytes', 'item', 'items', 'batch', 'pricing', 'price', 'tier', 'cache', 'output', 'completion', 'response', 'reasoning', 'thinking', 'tool', 'result', 'results', 'file', 'files', 'line', 'lines', 'chunk', 'chunks', 'page', 'image', 'images', 'embedding', 'embeddings', 'description', 'title', 'summary', 'retry', 'retries', 'attempt', 'attempts', 'step', 'steps', 'turn', 'turns', 'iteration', 'iterations', 'cost']);
const IDENTS = /[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*/g;

export interface Comparison {
  file: string;
  fn: string;
  line: number;
  text: string;
  estimate: string;
  window: string;
  /** For a ratio compared with a fraction: `used / limit`. */
  ratio?: string;
}

/** Whether the comparison is true when the estimate is over the limit (`est > win`, `win < est`); undefined if unclear. */
function overWhenTrue(c: Comparison): boolean | undefined {
  const m = /\s(<=|>=|<|>)\s/.exec(c.text);
  if (!m) return undefined;
  const estFirst = c.text.indexOf(c.estimate) < c.text.indexOf(c.window);
  const greater = m[1].startsWith('>');
  return estFirst === greater;
}

/** Binds of a file by name, in file order (memoised per file). */
function bindsOf(ctx: RuleContext, file: string): Map<string, Array<{ fn: string; value: string }>> {
  const all = ctx.memo('budget:binds', () => new Map<string, Map<string, Array<{ fn: string; value: string }>>>());
  let m = all.get(file);
  if (!m) {
    m = new Map();
    for (const b of ctx.file(file)?.binds ?? []) {
      const list = m.get(b.name);
      if (list) list.push(b);
      else m.set(b.name, [b]);
    }
    all.set(file, m);
  }
  return m;
}

/**
 * The values bound to `name` in function `fn` (or, for `*`, in any function: `this.x = …` / `self.x = …`
 * set in any method reads the same field), joined by spaces; undefined when none is.
 */
function boundValue(binds: Map<string, Array<{ fn: string; value: string }>>, fn: string, name: string): string | undefined {
  const list = binds.get(name);
  if (!list) return undefined;
  let v: string | undefined;
  for (const b of list) if (fn === '*' || b.fn === fn) v = v === undefined ? b.value : `${v} ${b.value}`;
  return v;
}

/** Word runs (`[\w$]+`) and what may follow one to make it a call (`\s*\(`). */
const WORD_RUN = /[\w$]+/g;
const CALL_OPEN = /\s*\(/y;
const NOT_HELPER = new Set(['Math', 'len', 'int', 'float', 'max', 'min', 'sum', 'round', 'floor', 'ceil', 'abs']);

/**
 * The names called in a text, as `text.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)` finds them, in linear
 * time: a match ends at the end of a word run followed by `\s*\(` and starts at the run's first
 * non-digit (the regex retries every position of a run that is not followed by a paren).
 */
function calledNames(text: string): string[] {
  const out: string[] = [];
  WORD_RUN.lastIndex = 0;
  for (let m = WORD_RUN.exec(text); m; m = WORD_RUN.exec(text)) {
    const run = m[0];
    CALL_OPEN.lastIndex = m.index + run.length;
    if (!CALL_OPEN.test(text)) continue;
    let i = 0;
    while (i < run.length && run.charCodeAt(i) >= 48 && run.charCodeAt(i) <= 57) i++;
    if (i < run.length) out.push(i ? run.slice(i) : run);
  }
  return out;
}

/** What a helper called by name calls (its first eight calls per definition), when the name picks out one or two definitions. */
function helperCalls(ctx: RuleContext, name: string): string {
  const idx = ctx.memo('budget:helper-calls', () => new Map<string, string>());
  let inner = idx.get(name);
  if (inner === undefined) {
    const defs = ctx.functionsNamed(name);
    inner = defs.length === 0 || defs.length > 2 ? '' : defs.flatMap((d) => ctx.callsIn(d.file, d.name).slice(0, 8).map((c) => `${c.callee}()`)).join(' ');
    idx.set(name, inner);
  }
  return inner;
}

/** An operand's text with the values its names are bound to, followed two steps back (memoised per function and text). */
function resolveOperand(ctx: RuleContext, file: string, fn: string, text: string): string {
  const memo = ctx.memo('budget:resolved-operands', () => new Map<string, string>());
  const key = `${file}\0${fn}\0${text}`;
  let r = memo.get(key);
  if (r === undefined) {
    r = resolveOperandUncached(ctx, file, fn, text);
    memo.set(key, r);
  }
  return r;
}

function resolveOperandUncached(ctx: RuleContext, file: string, fn: string, text: string): string {
  const binds = bindsOf(ctx, file);
  let out = text;
  let frontier = text;
  for (let step = 0; step < 2; step++) {
    let next = '';
    for (const id of frontier.match(IDENTS) ?? []) {
      // `a?.b.c` → `c`: segments are identifiers joined by `.` or `?.`.
      const last = id.slice(id.lastIndexOf('.') + 1);
      const field = id.startsWith('this.') || id.startsWith('self.');
      const v = (!field && boundValue(binds, fn, last)) || boundValue(binds, '*', last);
      if (v && !out.includes(v)) next += ` ${v}`;
    }
    // A call to a helper (`self.model.count_request(messages)`): what that helper calls
    // (`litellm.token_counter`), when the name picks out at most two definitions.
    for (const name of calledNames(frontier)) {
      if (GENERIC.has(name) || NOT_HELPER.has(name)) continue;
      const inner = helperCalls(ctx, name);
      if (inner && !out.includes(inner)) next += ` ${inner}`;
    }
    if (!next) break;
    out += next;
    frontier = next;
  }
  return out.length > 600 ? out.slice(0, 600) : out;
}

/** `token` in any case, or with the Kelvin sign that lower-cases to `k`. */
const TOKEN_TEXT = /to[k\u212A]en/i;
/** The last word of a list of recorded readings or events: its length counts entries. */
const READINGS = new Set(['history', 'log', 'logs', 'entries', 'records', 'samples', 'events', 'snapshots', 'readings', 'measurements']);

/** Whether an operand estimates the request's tokens; `resolve` gives its resolved text (asked only when its own words allow it). */
function isEstimate(own: string, resolve: () => string): boolean {
  // `result.tokenCount`: the field names the figure, its owner does not.
  const ws = words(/^[\w$]+(?:\??\.[\w$]+)+$/.test(own.trim()) ? own.trim().split(/\??\./).pop()! : own);
  if (ws.some((w) => LIMIT_WORD.has(w) || NOT_REQUEST.has(w))) return false;
  const resolved = resolve();
  if (COUNT_CALL.test(resolved) || CHARS_HEURISTIC.test(resolved)) return true;
  // The number of entries of a list of readings (`ctx.contextTokensHistory.length > MAX_CONTEXT_HISTORY`, `len(self.token_log)`):
  // how many were kept, not how many tokens a request holds.
  const list = /^(?:([\w$.]+)\.length|len\(\s*([\w$.]+)\s*\))$/.exec(resolved.trim());
  if (list && READINGS.has(words((list[1] ?? list[2]).split('.').pop()!).at(-1) ?? '')) return false;
  // Without `token` in the text no word of it is `token` or `tokens` (words are lower-cased pieces of it).
  if (!TOKEN_TEXT.test(resolved)) return false;
  const all = words(resolved);
  return all.some((w) => w === 'token' || w === 'tokens') && all.some((w) => EST_WORD.has(w)) && !all.some((w) => LIMIT_WORD.has(w));
}

/** Whether an operand is a context-window limit; `resolve` as for isEstimate. */
function isWindow(own: string, resolve: () => string): boolean {
  const ws = words(own);
  if (ws.some((w) => NOT_REQUEST.has(w)) || /^\s*-?\d[\d_.]*\s*$/.test(own)) return false;
  const all = words(resolve());
  if (WINDOW.test(all.join(' '))) return true;
  return all.some((w) => LIMIT_WORD.has(w)) && all.some((w) => WINDOW_WORD.has(w));
}

/** A name compared with zero: `diff <= 0` (groups 1, 2), `0 < excess` (groups 3, 4). */
const EXCESS_VS_ZERO = /^\s*(?:([A-Za-z_$][\w$]*)\s+(<=|>=|<|>)\s+0|0\s+(<=|>=|<|>)\s+([A-Za-z_$][\w$]*))\s*$/;

/** Size comparisons in source whose one side estimates the request's tokens and the other is a context-window limit. */
export function tokenComparisons(ctx: RuleContext): Comparison[] {
  return ctx.memo('budget:token-comparisons', () => {
    const out: Comparison[] = [];
    for (const f of ctx.source) {
      for (const c of f.compares ?? []) {
        // `diff = this.history.totalTokens - this.settings.maxInputTokens; if (diff <= 0) return`: the excess of the
        // estimate over the window compared with zero; the same as `totalTokens <= maxInputTokens`.
        const zero = EXCESS_VS_ZERO.exec(c.text);
        if (zero) {
          // z: the side zero is on; op: the operator.
          const z = zero[1] ? 1 : 0;
          const op = zero[2] ?? zero[3];
          const d = boundValue(bindsOf(ctx, f.path), c.fn, zero[1] ?? zero[4]);
          const m = d === undefined || !TOKEN_TEXT.test(d) ? null : /^\(?\s*([\w$.()]+)\s+-\s+([\w$.()]+)\s*\)?$/.exec(d.trim());
          if (m && isEstimate(m[1], () => resolveOperand(ctx, f.path, c.fn, m[1])) && isWindow(m[2], () => resolveOperand(ctx, f.path, c.fn, m[2]))) {
            // `excess > 0` is over when true; `excess <= 0` is the fit test, over when false.
            const over = (op.startsWith('>') && z === 1) || (op.startsWith('<') && z === 0);
            out.push({ file: f.path, fn: c.fn, line: c.line, text: over ? `${m[1]} > ${m[2]}` : `${m[1]} <= ${m[2]}`, estimate: m[1], window: m[2] });
          }
          continue;
        }
        if (!/token|context|window|ctx|limit|threshold|budget|max|length|len\(|count|ratio|usage|used|size|total|fraction|percent/i.test(c.text)) continue;
        const ops = c.text.split(/\s(?:<=|>=|<|>)\s/).map((o) => o.trim()).filter(Boolean);
        if (ops.length < 2) continue;
        // Operands are resolved when asked (resolveOperand is memoised and pure).
        const res = (i: number) => resolveOperand(ctx, f.path, c.fn, ops[i]);
        const e = ops.findIndex((o, i) => isEstimate(o, () => res(i)));
        const w = e < 0 ? -1 : ops.findIndex((o, i) => i !== e && isWindow(o, () => res(i)));
        if ((e < 0 || w < 0) && ops.length === 2) {
          // `max_tokens - tokens < token_buffer`: the room the request leaves in the window compared with a
          // reserve; the same as `tokens > max_tokens - token_buffer`.
          const h = ops.findIndex((o) => /^[\w$.()]+\s+-\s+[\w$.()]+$/.test(o));
          const m = h < 0 ? null : /^([\w$.()]+)\s+-\s+([\w$.()]+)$/.exec(ops[h]);
          if (m && TOKEN_TEXT.test(m[2]) && !/^\d/.test(ops[1 - h]) && isWindow(m[1], () => resolveOperand(ctx, f.path, c.fn, m[1]))) {
            const op = /\s(<=|>=|<|>)\s/.exec(c.text)![1];
            // `room < reserve` is over when true; `room > reserve` is the fit test, over when false.
            const over = (op.startsWith('<') && h === 0) || (op.startsWith('>') && h === 1);
            const window = `${m[1]} - ${ops[1 - h]}`;
            out.push({ file: f.path, fn: c.fn, line: c.line, text: over ? `${m[2]} > ${window}` : `${m[2]} <= ${window}`, estimate: m[2], window });
            continue;
          }
        }
        if (e < 0 || w < 0) {
          // `contextRatio >= 0.95` with `contextRatio = tokenCount / budget`: a used/limit ratio against a fraction.
          const lit = ops.findIndex((o) => /^0?\.\d+$|^1(\.0+)?$/.test(o));
          if (lit < 0 || ops.length !== 2) continue;
          const r = 1 - lit;
          const div = /([A-Za-z_$][\w$.]*)\s*\/\s*([A-Za-z_$][\w$.]*)/.exec(res(r));
          if (!div) continue;
          const [x, y] = [div[1], div[2]];
          if (!isEstimate(x, () => resolveOperand(ctx, f.path, c.fn, x)) || !isWindow(y, () => resolveOperand(ctx, f.path, c.fn, y))) continue;
          out.push({ file: f.path, fn: c.fn, line: c.line, text: c.text, estimate: ops[r], window: ops[lit], ratio: `${x} / ${y}` });
          continue;
        }
        out.push({ file: f.path, fn: c.fn, line: c.line, text: c.text, estimate: ops[e], window: ops[w] });
      }
    }
    return out;
  });
}

export interface ProjectionSite {
  cmp: Comparison;
  /** How the harness acts on it: refuses, compacts, or fits the request to the limit. */
  act: {
    file: string;
    line: number;
    why: string;
    tied?: boolean;
    /** The call that compacts or trims, when that is the act. */
    callee?: string;
    /** The act is a model call asked for a summary (its prompt names one): what names it. */
    summary?: string;
  };
  /** How it runs before each model call, if it does. */
  turn?: { file: string; line: number; why: string; resolved: boolean; /** The model call after the check runs many steps inside a framework. */ multi?: string };
  /**
   * Why it is not a projection of the request though the loop reaches it: it runs only from a catch block
   * (after the provider rejected the request), or it sizes a tool's output on the way through a tool runner.
   */
  notRequest?: { file: string; line: number; why: string };
}

/**
 * A name about the conversation, which a tool runner may call to fit it (`compact_history()`, `trimContext()`):
 * `context` alone names any text around a thing (`get_context_for_errors()`: lines of a file), so it needs a verb of fitting.
 */
function historyNamed(name: string): boolean {
  const ws = words(name);
  return ws.some((w) => HISTORY.has(w) && w !== 'context') || (ws.includes('context') && ws.some((w) => VERB.has(w) || w === 'fit' || w === 'manage' || w === 'reduce'));
}

/**
 * A function that runs the model's tools: `runToolCalls`, `execute_tool`, `_handle_tool_call`, `invokeTools`,
 * or one the loop asks for a tool's output (`get_tool_output(args)`, `getToolResult(call)`): what it reaches sizes that output.
 */
function toolRunner(name: string): boolean {
  const ws = words(name);
  return ws.some((w) => w === 'tool' || w === 'tools') && ws.some((w) => /^(run|runs|call|calls|execute|exec|invoke|process|handle|dispatch|output|outputs|result|results)$/.test(w));
}

/** Calls that tell the user, not act: `tool_error()`, `showWarning()`, `notify()`. */
const REPORT = /(error|warn|warning|output|message|notify|notification|toast|alert|show|display|print|log|telemetry|track|event|metric|debug|info)$/i;
const LOG_CALL = /^(log|debug|info|warn|warning|error|trace|print|format|emit|notify|toFixed|toString|toLocaleString|min|max|floor|ceil|round|abs|int|float|str|len|String|Number)$/;
const PREDICATE = /^(should|needs?|will|is|exceeds?|check|fits?|over|can|has|would|must)(?:[A-Z_]|$)/;

/** Options of a framework call that runs many model steps itself (AI SDK `stopWhen` / `maxSteps`, an agents SDK's `max_turns`). */
const MULTI_STEP_KEYS = ['stopWhen', 'maxSteps', 'max_steps', 'maxTurns', 'max_turns'];

/**
 * The option that makes a model call a run of many model steps inside the framework
 * (`streamText({ …, stopWhen: stepCountIs(400) })`), unless it also gives the harness a hook between
 * steps (`prepareStep`): a check before it runs once per run, not before each of its requests.
 */
function multiStepRun(ctx: RuleContext, call: Located<CallFact>): string | undefined {
  const f = ctx.file(call.file);
  if (!f) return undefined;
  for (const o of f.objects) {
    if (o.line < call.line || o.line > call.line + 2 || (o.ctx !== `arg:${call.callee}` && o.ctx !== `arg:${call.name}`)) continue;
    if (o.keys.includes('prepareStep') || o.keys.includes('onStepStart')) return undefined;
    const k = MULTI_STEP_KEYS.find((x) => o.keys.includes(x) && (o.values[x] ?? '').trim() !== '1');
    if (k) return `${call.callee}() runs many model steps itself (${k}${o.values[k] ? `: ${o.values[k]}` : ''})`;
  }
  return sdkAgentRun(ctx, call);
}

/** The AI SDK's agent classes: a tool loop of many model steps (`ToolLoopAgent` runs up to 20 by default). */
const SDK_AGENT = /^new\s+(?:ToolLoopAgent|Experimental_Agent|Agent)$/;

/**
 * A run of an AI SDK agent (`researchAgent.stream({ messages })`, `agent.generate(…)`): the receiver is bound in the
 * same function to `new ToolLoopAgent({ … })` or to a factory whose body builds one, imported from 'ai'. The agent's
 * own options decide: a hook between steps (`prepareStep`) makes each request checkable; `stopWhen` of one step makes it
 * one request.
 */
function sdkAgentRun(ctx: RuleContext, call: Located<CallFact>): string | undefined {
  if (call.name !== 'stream' && call.name !== 'generate') return undefined;
  const recv = /^([A-Za-z_$][\w$]*)\.(?:stream|generate)$/.exec(call.callee)?.[1];
  const f = ctx.file(call.file);
  if (!recv || !f) return undefined;
  const b = (f.binds ?? []).filter((x) => x.fn === call.fn && x.name === recv && x.line <= call.line).pop();
  const made = b && /^(?:await\s+)?(new\s+[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*)\s*[<(]/.exec(b.value.trim())?.[1];
  if (!made) return undefined;
  // The construction: in the binding itself, or in the factory the binding calls (one definition, followed by name).
  const builds: Located<CallFact>[] = [];
  if (SDK_AGENT.test(made)) builds.push(...ctx.callsIn(call.file, call.fn).filter((c) => c.line === b!.line && SDK_AGENT.test(c.callee)));
  else {
    let defs = ctx.functionsNamed(made).filter((d) => !TEST_PATH.test(d.file));
    // A factory exported under another name (`export const researcher = createResearcher`).
    if (!defs.length) {
      const aliases = ctx.memo('budget:top-aliases', () => {
        const m = new Map<string, string>();
        for (const g of ctx.source) for (const x of g.binds ?? []) if (x.fn === '<top>' && /^[A-Za-z_$][\w$]*$/.test(x.value.trim()) && !m.has(x.name)) m.set(x.name, x.value.trim());
        return m;
      });
      const alias = aliases.get(made);
      if (alias) defs = ctx.functionsNamed(alias).filter((d) => !TEST_PATH.test(d.file));
    }
    if (defs.length === 1) builds.push(...ctx.callsIn(defs[0].file, defs[0].name).filter((c) => SDK_AGENT.test(c.callee)));
  }
  for (const c of builds) {
    const g = ctx.file(c.file);
    const cls = c.callee.replace(/^new\s+/, '');
    if (!g?.imports.some((i) => i.from === 'ai' && (i.names.includes(cls) || (i.as ?? {})[cls] !== undefined))) continue;
    const o = g.objects.find((x) => x.line >= c.line && x.line <= c.line + 2 && x.ctx === `arg:${c.callee}`);
    if (o && (o.keys.includes('prepareStep') || o.keys.includes('onStepStart'))) return undefined;
    const stop = o?.values.stopWhen ?? o?.values.maxSteps;
    if (stop !== undefined && /^(?:stepCountIs|isStepCount)\(\s*1\s*\)$|^1$/.test(stop.trim())) return undefined;
    return `${call.callee}() runs the AI SDK agent built by ${c.callee}() (${at(c.file, c.line)}), a tool loop of many model steps${stop ? ` (stopWhen: ${stop})` : ''}`;
  }
  return undefined;
}

/**
 * A loop whose model call is a compaction (`await this.compactForContext()`, which summarises with the model):
 * it reaches the model only through the summary, so it is not evidence of the agent's turns.
 */
function compactionLoop(l: { modelCall: CallFact }): boolean {
  return words(l.modelCall.name).some((w) => VERB.has(w));
}

/** Agent loops of `file` whose statement is in function `fn`. */
function loopsIn(ctx: RuleContext, file: string, fn: string) {
  return agentLoops(ctx).filter((l) => l.file === file && l.fn === fn && l.loop);
}

/** When a function runs before each model call: inside the agent loop, in the model wrapper, or reached from the loop body. */
function perTurn(ctx: RuleContext, file: string, fn: string, line: number, depth = 2): ProjectionSite['turn'] {
  const inLoop = loopsIn(ctx, file, fn).find((l) => line >= l.line && line <= l.end && !compactionLoop(l));
  if (inLoop) {
    const multi = multiStepRun(ctx, inLoop.modelCall);
    // With a multi-step run, the run's call (`streamText({ stopWhen })`) is the line that shows it.
    return { file, line: multi ? inLoop.modelCall.line : inLoop.line, why: `it sits inside the agent loop of ${fn}`, resolved: true, ...(multi ? { multi } : {}) };
  }
  const recursive = agentLoops(ctx).find((l) => l.file === file && l.fn === fn && !l.loop);
  if (recursive) return { file, line: recursive.line, why: `${shortName(fn)}() is itself the agent turn (it calls the model and recurses)`, resolved: true };
  // The model call that follows in the same function: one request, not a whole run (a wrapper
  // that itself loops over model turns is the run, checked once before it).
  const runs = ctx.memo('budget:loop-fn-names', () => new Set(agentLoops(ctx).map((l) => shortName(l.fn))));
  // A summariser's own model call is not the agent's turn.
  const summariser = words(shortName(fn)).some((w) => VERB.has(w) || w === 'summary' || w === 'title');
  const candidates = summariser ? [] : ctx.callsIn(file, fn).filter((c) => c.line > line && !words(c.name).some((w) => VERB.has(w) || w === 'summary' || w === 'title'));
  // The model call must follow the check on the same path: a call inside a loop the check is outside of
  // (`fitContext(); while (true) { create() }`) runs many turns after one check.
  const loops = ctx.file(file)?.loops.filter((l) => l.fn === fn) ?? [];
  const sameTurn = (c: Located<CallFact>) => !loops.some((l) => c.line >= l.line && c.line <= l.end && !(line >= l.line && line <= l.end));
  // `this.sendMessageStream()` is the harness's own method that shares an SDK method's name.
  const direct = candidates.find((c) => isDirectModelCall(c) && !/^(this|self)\./.test(c.callee) && sameTurn(c));
  if (direct) {
    const multi = multiStepRun(ctx, direct);
    return { file, line: direct.line, why: `${shortName(fn)}() checks before its model call ${direct.callee}()`, resolved: true, ...(multi ? { multi } : {}) };
  }
  // An AI SDK agent's run that follows (`researchAgent.stream({ messages })`): the model call is the agent's tool loop.
  for (const c of candidates) {
    if ((c.name !== 'stream' && c.name !== 'generate') || !sameTurn(c)) continue;
    const multi = sdkAgentRun(ctx, c);
    if (multi) return { file, line: c.line, why: `${shortName(fn)}() checks before the agent run ${c.callee}()`, resolved: true, multi };
  }
  // By name first; where a name on the path has too many definitions to follow by name (a base runner's `step()`
  // overridden by each of its subclasses, called as `self.step()` in the loop), by the receiver's known class.
  const hit = loopReaches(ctx, fn, 2) ?? resolvedLoopReach(ctx, file, fn);
  const viaCompaction = !!hit && agentLoops(ctx).some((l) => l.fn === hit.loop && l.modelCall.line === hit.line && compactionLoop(l));
  // Reached only from a catch block of the loop: a recovery after the provider's error, not a check before the call.
  if (hit && !viaCompaction && !hit.inCatch && !(hit.path.length === 1 && shortName(hit.loop) === shortName(fn))) {
    // Through the tool runner, a text-sizing helper (`truncateTextToTokens()` under `runToolCall()`) cuts a tool's output.
    if (hit.path.slice(0, -1).some(toolRunner) && !historyNamed(shortName(fn))) return undefined;
    const unique = hit.path.every((n) => ctx.functionsNamed(n).length <= 1);
    return { file: hit.file, line: hit.line, why: `the agent loop in ${hit.loop} reaches ${shortName(fn)}() (${hit.path.join(' → ')})`, resolved: unique };
  }
  const own = candidates.find((c) => sameTurn(c) && isModelTurnCall(ctx, c) && !runs.has(c.name) && !/^(prompt|run|start|execute|invoke|chat|send|query|ask)$/i.test(c.name));
  if (own) return { file, line: own.line, why: `${shortName(fn)}() checks before its model call ${own.callee}()`, resolved: false };
  if (depth > 0) {
    // The caller that runs it just before its own model call (`prepareTurnForModelRequest()` in `generateAssistantMessage()`).
    const short = shortName(fn);
    if (!GENERIC.has(short)) {
      for (const c of ctx.callsNamed(short).slice(0, 6)) {
        // A call in a catch block runs after a failure (the provider's overflow error), not before the next call;
        // a text-sizing helper called by the tool runner cuts a tool's output, not the request.
        if (c.fn === fn || c.inCatch || (toolRunner(shortName(c.fn)) && !historyNamed(short))) continue;
        const t = perTurn(ctx, c.file, c.fn, c.line, depth - 1);
        if (t) return { ...t, why: `${c.fn}() calls ${short}() and ${t.why}`, resolved: t.resolved && ctx.functionsNamed(short).length === 1 };
      }
    }
    // A factory of a hook (`createContextCompactionPrepareTurn()`) whose product is called by the
    // hook's name (`this.config.prepareTurn(...)`) before a model call: linked by name only.
    const ws = words(short);
    if (/^(create|make|build|new)$/.test(ws[0] ?? '')) {
      for (let i = 1; i < ws.length - 1; i++) {
        const name = ws.slice(i).map((w, j) => (j === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join('');
        for (const c of ctx.callsNamed(name).slice(0, 6)) {
          if (/^(create|make|build|new)(?:[A-Z_]|$)/.test(shortName(c.fn))) continue;
          const t = perTurn(ctx, c.file, c.fn, c.line, depth);
          if (t) return { file: c.file, line: c.line, why: `${short}() builds the ${name} hook, and ${c.fn}() calls ${name}() where ${t.why} (linked by name)`, resolved: false };
        }
      }
    }
  }
  return undefined;
}

/** The regex `\b<id>\b`, built once per id (it keeps no state: no `g` or `y` flag). */
const WORD_REGEX = new Map<string, RegExp>();
function wordRegex(id: string): RegExp {
  let re = WORD_REGEX.get(id);
  if (!re) {
    re = new RegExp(`\\b${id}\\b`);
    WORD_REGEX.set(id, re);
  }
  return re;
}

/**
 * `question.trim()`: the string method that strips white space (no argument, on a value that is not a
 * history), not a cut of the conversation.
 */
function stringTrim(c: CallFact): boolean {
  if (c.args.length || !/^trim(?:Start|End|Left|Right)?$/.test(c.name)) return false;
  const dot = c.callee.lastIndexOf('.');
  return dot > 0 && !/messages|history|conversation|transcript|context|memory/i.test(c.callee.slice(0, dot));
}

/** A prompt that asks for a summary of the conversation: `SUMMARIZATION_SYSTEM_PROMPT`, `'Summarize the messages above'`. */
const SUMMARY_PROMPT = /summar|condens/i;

/** Words naming the conversation a request is built from. */
const WALKED = new Set(['message', 'messages', 'msg', 'msgs', 'history', 'conversation', 'chat', 'transcript', 'turns']);

/**
 * A loop in the comparison's function whose break exit is that comparison (or its negation): it adds the history's
 * messages one by one while the token total fits and stops at the first that would pass the limit. The function or
 * the estimate must name the conversation (`buildFinalMessages`, `message_tokens`), not a document or a chunk.
 */
function fitWalk(ctx: RuleContext, cmp: Comparison): { line: number } | undefined {
  if (![...words(shortName(cmp.fn)), ...words(cmp.estimate)].some((w) => WALKED.has(w))) return undefined;
  const t = cmp.text.replace(/\s+/g, '');
  for (const l of ctx.file(cmp.file)?.loops ?? []) {
    if (l.fn !== cmp.fn || cmp.line < l.line || cmp.line > l.end) continue;
    const e = l.exits.find((x) => x.kind === 'break' && x.cond && [t, `!(${t})`, `not(${t})`].includes(x.cond.replace(/\s+/g, '')));
    if (e) return { line: e.line };
  }
  return undefined;
}

/** Calls that take an element out of a list: `msgs.pop(0)`, `history.shift()`, `messages.splice(1, 1)`, `queue.popleft()`. */
const REMOVE_CALL = /^(?:pop|popleft|shift|splice|remove)$/;

/**
 * A `while` loop whose condition holds the comparison (over when true) and whose body takes elements out of the list
 * the estimate measures, or out of a list named for the conversation: it drops messages until the request fits.
 */
function dropWhileOver(ctx: RuleContext, cmp: Comparison): { line: number; callee: string } | undefined {
  if (overWhenTrue(cmp) !== true) return undefined;
  for (const l of ctx.file(cmp.file)?.loops ?? []) {
    if (l.fn !== cmp.fn || l.line !== cmp.line || (l.kind !== 'while' && l.kind !== 'do') || !l.cond.includes(cmp.text)) continue;
    for (const c of ctx.callsIn(cmp.file, cmp.fn)) {
      if (c.line < l.line || c.line > l.end || !REMOVE_CALL.test(c.name)) continue;
      const recv = c.callee.slice(0, c.callee.lastIndexOf('.'));
      if (!recv) continue;
      const last = recv.split(/\??\./).pop() ?? recv;
      if (wordRegex(last).test(cmp.estimate) || words(last).some((w) => WALKED.has(w))) return { line: c.line, callee: c.callee };
    }
  }
  return undefined;
}

/** Projections found by mechanism: a token estimate compared with a window limit, acted on, and (ideally) run every turn. */
export function projectionSites(ctx: RuleContext): ProjectionSite[] {
  return ctx.memo('budget:projection-sites', () => {
    const out: ProjectionSite[] = [];
    for (const cmp of tokenComparisons(ctx)) {
      const { file, fn } = cmp;
      // A UI component showing a context meter is not the harness projecting.
      if ((/\.[jt]sx$/.test(file) && /^[A-Z]/.test(shortName(fn))) || /^use[A-Z]/.test(shortName(fn))) continue;
      const short = shortName(fn);
      let act: ProjectionSite['act'] | undefined;
      // A predicate's `return True` is an answer, not a refusal: its caller decides.
      // `if (tokens <= limit) return history` is the path where it fits: the act is what follows.
      const fitsPath = overWhenTrue(cmp) === false;
      const guard = fitsPath ? undefined : ctx.file(file)?.guards.find((g) => g.fn === fn && g.line === cmp.line && (g.exit === 'throw' || (g.exit === 'return' && !PREDICATE.test(short))));
      if (guard) act = { file, line: cmp.line, why: `${short}() ${guard.exit === 'throw' ? 'raises' : 'returns'} instead of sending when over`, tied: true };
      // `while (tracker.total < budget) { … }`: the loop runs while the request fits, so it stops when over.
      if (!act && fitsPath && ctx.file(file)?.loops.some((l) => l.fn === fn && l.line === cmp.line && (l.kind === 'while' || l.kind === 'do') && l.cond.includes(cmp.text.split(/\s(?:<=|>=|<|>)\s/)[0].trim()))) {
        act = { file, line: cmp.line, why: `${short}() stops its loop when over`, tied: true };
      }
      // A walk over the history that keeps each message while it fits and stops at the first that would not
      // (`for (i = msgs.length - 1; i >= 0; i--) { if (tokens <= remaining) keep(msg) else break }`): the request is fitted to the limit.
      if (!act) {
        const walk = fitWalk(ctx, cmp);
        if (walk) act = { file, line: walk.line, why: `${short}() adds messages while they fit and stops at the first that would pass the limit (break at line ${walk.line})`, tied: true, callee: short };
      }
      // A loop that drops messages while the estimate is over (`while count_tokens(msgs) > limit: msgs.pop(0)`).
      if (!act) {
        const drop = dropWhileOver(ctx, cmp);
        if (drop) act = { file, line: drop.line, why: `${short}() drops messages (${drop.callee}()) while the estimate is over the limit`, tied: true, callee: short };
      }
      const calls = ctx.callsIn(file, fn);
      if (!act) {
        const winIds = new Set((cmp.window.match(IDENTS) ?? []).map((id) => id.split(/\??\./).pop() ?? id).filter((id) => !/^(this|self|Math)$/.test(id)));
        const fit = calls.find((c) => c.line >= cmp.line && c.line <= cmp.line + 30 && !LOG_CALL.test(c.name) && !REPORT.test(c.name) && !PREDICATE.test(c.name) && !stringTrim(c) && (ACT.test(phrase(c.name)) || c.args.some((a) => !/^[fbru]*['"`]/i.test(a) && [...winIds].some((id) => wordRegex(id).test(a)))));
        if (fit) act = { file, line: fit.line, why: `${short}() then calls ${fit.callee}() to ${ACT.test(phrase(fit.name)) ? phrase(fit.name) : 'fit the request to the limit'}`, tied: true, callee: fit.name };
      }
      // A model call right after the comparison whose prompt asks for a summary (`if (usage >= threshold) { … generate(
      // SUMMARIZATION_PROMPT, [...messages]) }`): the summary is the act, whatever the call is named.
      if (!act) {
        for (const c of calls) {
          if (c.line <= cmp.line || c.line > cmp.line + 30 || !isModelTurnCall(ctx, c)) continue;
          const named = c.args.find((a) => SUMMARY_PROMPT.test(a));
          if (!named) continue;
          act = { file, line: c.line, why: `${short}() then asks the model for a summary: ${c.callee}(${named.slice(0, 50)}, …)`, tied: true, callee: c.name, summary: named.slice(0, 50) };
          break;
        }
      }
      if (!act && ACT.test(phrase(short)) && !PREDICATE.test(short)) act = { file, line: cmp.line, why: `${short}() acts on the comparison itself`, callee: short };
      if (!act) {
        const r = reachesFast(ctx, file, fn, (c) => ACT.test(phrase(c.name)) && !PREDICATE.test(c.name) && !REPORT.test(c.name) && !stringTrim(c), 1);
        if (r) act = { file: r[r.length - 1].file, line: r[r.length - 1].line, why: `${short}() calls ${r.map((c) => c.name).join(' → ')}()`, callee: r[r.length - 1].name };
      }
      let turnFrom = fn;
      let turnFile = file;
      let turnLine = cmp.line;
      let own: ReturnType<typeof perTurn> | undefined;
      if (PREDICATE.test(short) || !act) {
        // A predicate (`check_tokens()`, `shouldCompact()`) whose caller branches on it and acts.
        // Or a compactor that asks it first (`compact()` → `getTokenInfo()` → `if (!info.shouldCompact) return`).
        const callers = ctx.callsNamed(short).filter((c) => c.fn !== fn && !(/\.[jt]sx$/.test(c.file) && /^(?:use[A-Z]|[A-Z])/.test(shortName(c.fn))));
        // Or one that stores the answer and returns early on it (`const analysis = shouldCompactify(h); if (!analysis.should) return h;`).
        const stored = (c: Located<CallFact>) => {
          const held = ctx.file(c.file)?.binds?.find((b) => b.fn === c.fn && b.line === c.line && new RegExp(`^(?:await\\s+)?[\\w$.]*\\b${short}\\(`).test(b.value))?.name;
          return held ? limitGate(ctx, c.file, c.fn, c.line, c.line + 6, held) : undefined;
        };
        let gate: ReturnType<typeof limitGate>;
        const caller =
          callers.find((c) => c.cond) ?? callers.find((c) => ACT.test(phrase(shortName(c.fn))) && !PREDICATE.test(shortName(c.fn))) ?? callers.find((c) => (gate = stored(c)));
        if (caller) {
          act ??= caller.cond
            ? { file: caller.file, line: caller.line, why: `${caller.fn}() branches on ${short}() and stops or compacts when over`, tied: true }
            : gate
              ? { file: gate.file, line: gate.line, why: `${caller.fn}() keeps the answer of ${short}() and returns early unless ${gate.cond.replace(/^!\s*|^not\s+/, '')}`, tied: true }
              : { file: caller.file, line: caller.line, why: `${caller.fn}() asks ${short}() before it compacts`, tied: true, callee: shortName(caller.fn) };
          own = perTurn(ctx, file, fn, cmp.line);
          if (!own) {
            turnFrom = caller.fn;
            turnFile = caller.file;
            turnLine = caller.line;
          }
        }
      }
      if (!act) continue;
      // The comparison's own function was already asked when a caller was found; ask only what is new.
      const turn = own !== undefined && turnFrom === fn ? own : perTurn(ctx, turnFile, turnFrom, turnLine);
      let notRequest: ProjectionSite['notRequest'];
      if (!turn) {
        // A function that is its own loop (a summariser calling the model per chunk) is asked through its callers.
        const own = (h: ReturnType<typeof loopReaches>, name: string) => !!h && h.path.length === 1 && shortName(h.loop) === shortName(name);
        let hit = loopReaches(ctx, turnFrom, 2) ?? (turnFrom !== fn ? loopReaches(ctx, fn, 2) : undefined);
        let caught: string | undefined;
        if (!hit || own(hit, turnFrom)) {
          for (const c of GENERIC.has(shortName(turnFrom)) ? [] : ctx.callsNamed(shortName(turnFrom)).slice(0, 6)) {
            if (c.fn === turnFrom) continue;
            const h = loopReaches(ctx, c.fn, 2);
            if (c.inCatch && h) {
              caught = `${shortName(c.fn)}() calls ${shortName(turnFrom)}() in a catch block and the agent loop in ${h.loop} reaches ${shortName(c.fn)}() (${h.path.join(' → ')})`;
              hit = { ...h, file: c.file, line: c.line, inCatch: true };
              break;
            }
            if (h?.inCatch) {
              hit = { ...h, path: [...h.path, shortName(turnFrom)] };
              break;
            }
            if (h && toolRunner(shortName(c.fn))) {
              hit = { ...h, path: [...h.path, shortName(turnFrom)] };
              break;
            }
          }
        }
        if (hit?.inCatch) notRequest = { file: hit.file, line: hit.line, why: `${caught ?? `the agent loop in ${hit.loop} reaches ${shortName(turnFrom)}() only from a catch block (${hit.path.join(' → ')})`}: it runs after the provider rejected a request, not before each call` };
        else if (hit && hit.path.slice(0, -1).some(toolRunner) && !historyNamed(shortName(turnFrom))) {
          const runner = hit.path.slice(0, -1).find(toolRunner)!;
          notRequest = { file: hit.file, line: hit.line, why: `the agent loop in ${hit.loop} reaches ${short}() through the tool runner ${runner}() (${hit.path.join(' → ')}): it sizes a tool's output, not the request` };
        }
      }
      out.push({ cmp, act, turn, ...(notRequest ? { notRequest } : {}) });
    }
    // The request's window first (`max_input_tokens`, `contextWindow`), then a history acted on.
    const score = (p: ProjectionSite) => {
      const w = words(resolveOperand(ctx, p.cmp.file, p.cmp.fn, p.cmp.window));
      const about = words(`${p.cmp.fn} ${p.act.why}`);
      return (p.act.tied ? 4 : 0) + (w.some((x) => x === 'context' || x === 'window' || x === 'input' || x === 'prompt' || x === 'ctx') ? 2 : 0) + (about.some((x) => HISTORY.has(x) || VERB.has(x)) ? 1 : 0) - (w.includes('memory') ? 1 : 0);
    };
    return out.map((p) => ({ p, s: score(p) })).sort((a, b) => b.s - a.s).map((x) => x.p);
  });
}

// ---------------------------------------------------------------------------------------------
// Context management a framework provides and this repo turns on.

export interface FrameworkContext {
  file: string;
  line: number;
  /** What it does: `summarise` (model summary replaces history), `truncate` (drops or trims), `server` (the provider trims). */
  does: 'summarise' | 'truncate' | 'server';
  /** Whether the framework projects the request against the window before each call. */
  projects: boolean;
  /** A provider told to drop what overflows (`truncation: 'auto'`): it sizes the request for the call, but compacts nothing. */
  drops?: true;
  why: string;
}

/** Calls that switch on a framework's context management, with the package they must come from. */
const FRAMEWORK_CALLS: Array<{ name: RegExp; from: RegExp; does: FrameworkContext['does']; why: string; projects?: false }> = [
  // deepagents adds SummarizationMiddleware to every agent it builds (tokens counted before each model call).
  { name: /^(create_deep_agent|createDeepAgent|async_create_deep_agent)$/, from: /^deepagents\b/, does: 'summarise', why: 'deepagents builds the agent with its SummarizationMiddleware, which counts tokens before each model call and summarises the history near the window' },
  { name: /^(SummarizationMiddleware|summarizationMiddleware)$/, from: /^(langchain|deepagents|@langchain)/, does: 'summarise', why: 'LangChain SummarizationMiddleware counts tokens before each model call and summarises older messages past its trigger' },
  { name: /^(trim_messages|trimMessages)$/, from: /^(langchain|@langchain)/, does: 'truncate', why: 'LangChain trim_messages counts tokens and drops old messages to fit max_tokens' },
  { name: /^TokenLimiter(Processor)?$/, from: /^@mastra\//, does: 'truncate', why: 'Mastra TokenLimiter counts tokens and drops old messages to fit its limit' },
  { name: /^(trim|trim_messages)$/, from: /^tokentrim$/, does: 'truncate', why: 'tokentrim counts tokens and trims the oldest messages to fit the window' },
  // The AI SDK's pruneMessages strips reasoning and older tool calls from the messages it is handed: a cut with no measure of size.
  { name: /^pruneMessages$/, from: /^ai$/, does: 'truncate', projects: false, why: "the AI SDK's pruneMessages() strips reasoning and older tool calls from the messages before they are sent, with no summary and no token measure" },
];

export function frameworkContext(ctx: RuleContext): FrameworkContext[] {
  return ctx.memo('budget:framework-context', () => {
    const out: FrameworkContext[] = [];
    for (const f of ctx.source) {
      // Local names bound to each package: `from deepagents import create_deep_agent`, `import tokentrim as tt`.
      const bound = new Map<string, string>();
      for (const im of f.imports) for (const n of im.names) bound.set(n === '*' || n === 'default' ? im.from.split(/[./]/).pop() ?? im.from : n, im.from);
      for (const c of f.calls) {
        const name = c.name.replace(/^new /, '');
        for (const fw of FRAMEWORK_CALLS) {
          if (!fw.name.test(name)) continue;
          const recv = c.callee.replace(/^new /, '').split('.');
          const from = bound.get(name) ?? (recv.length > 1 ? [...f.imports].find((im) => fw.from.test(im.from) && (im.names.includes(recv[0]) || im.from.split(/[./]/).pop() === recv[0] || im.names.includes('*')))?.from : undefined);
          if (!from || !fw.from.test(from)) continue;
          out.push({ file: f.path, line: c.line, does: fw.does, projects: fw.projects ?? true, why: fw.why });
        }
      }
      for (const o of f.objects) {
        // Mastra observational memory: an observer model condenses messages past a token threshold.
        if (o.keys.includes('observationalMemory') && f.imports.some((im) => /^@mastra\//.test(im.from))) {
          const v = (o.values.observationalMemory ?? '').trim();
          const nested = f.objects.find((x) => x.ctx === 'prop:observationalMemory' && x.line >= o.line && x.line <= o.end);
          const on = v === 'true' || (!!nested && nested.values.enabled !== 'false');
          if (on) out.push({ file: f.path, line: nested?.line ?? o.line, does: 'summarise', projects: true, why: 'Mastra observational memory counts message tokens before each step and has an observer model condense them past its threshold' });
        }
        // OpenAI Responses server-side context management: `context_management: [{ type: 'compaction', compact_threshold }]`, `truncation: 'auto'`.
        if (o.keys.includes('compact_threshold')) out.push({ file: f.path, line: o.line, does: 'server', projects: false, why: 'the request asks the provider to compact the context past compact_threshold (server-side)' });
        if (o.keys.includes('truncation') && /^['"]auto['"]$/.test((o.values.truncation ?? '').trim())) out.push({ file: f.path, line: o.line, does: 'server', projects: false, drops: true, why: "truncation: 'auto' lets the provider drop input that overflows the window (server-side)" });
      }
    }
    return out;
  });
}

/**
 * A history pipeline: `for processor in self.history_processors: messages = processor(messages)`,
 * the history passed through a configurable list of transforms each time it is built.
 */
export function historyPipelines(ctx: RuleContext): Array<{ file: string; line: number; fn: string; via: string }> {
  return ctx.memo('budget:history-pipelines', () => {
    const PIPE = new Set(['processor', 'processors', 'transform', 'transforms', 'transformer', 'transformers', 'filters', 'middleware', 'middlewares', 'reducer', 'reducers', 'compressor', 'compressors', 'condenser', 'condensers', 'trimmer', 'trimmers']);
    const out: Array<{ file: string; line: number; fn: string; via: string }> = [];
    for (const f of ctx.source) {
      for (const b of f.binds ?? []) {
        if (!words(b.name).some((w) => HISTORY.has(w))) continue;
        const m = /^(?:await\s+)?([\w.]+)\(\s*([\w.]+)\s*\)$/.exec(b.value.trim());
        if (!m || m[2].split('.').pop() !== b.name) continue;
        const loop = f.loops.find((l) => l.fn === b.fn && l.kind === 'for-of' && b.line >= l.line && b.line <= l.end && words(l.cond).some((w) => PIPE.has(w)));
        if (loop) out.push({ file: f.path, line: b.line, fn: b.fn, via: loop.cond });
      }
    }
    return out;
  });
}

/** A list of the conversation sent to the model: `messages`, `_messages`, `history_items`, `chat_history`, `conversation`. */
const HISTORY_LIST = /(?:^|[^\w$])[\w$.]*?(?:messages|history|conversation|transcript)[\w$]*/i;
/** A value made from the list's items as text: joined, mapped, reduced, serialised. */
const AS_TEXT = /\.join\(|\bjoin\(|stringify\(|\bdumps\(|\bstr\(|\.map\(|\.reduce\(|\bsum\(|\.flatMap\(/;
const SIZE_LIMIT = new Set(['max', 'maximum', 'limit', 'threshold', 'trigger', 'budget', 'ceiling', 'cap']);

export interface HistorySizeCheck {
  file: string;
  fn: string;
  line: number;
  text: string;
  /** The measured side (`totalChars`, `len(full_history_text)`) and what it is made from. */
  size: string;
  from: string;
  limit: string;
  /** What the check sets off: the function's own compaction verb or the compaction named next to it. */
  act: string;
}

/**
 * A size proxy for the request: the characters of the history's text compared with a threshold, and
 * the branch sets off a compaction (`if (totalChars > CHARACTER_MAX) return "summarizer"` with
 * `totalChars = state._messages.reduce(… c.length …)`; `if len('\n'.join(… history_items)) < trigger_char_count: return`
 * in `maybe_compact_messages()`). The history's size is measured, but not as tokens against the model's window.
 * Not the number of messages (`messages.length > 10`): the measured value is the items made into text.
 */
export function historySizeChecks(ctx: RuleContext): HistorySizeCheck[] {
  return ctx.memo('budget:history-size', () => {
    const out: HistorySizeCheck[] = [];
    for (const f of ctx.source) {
      for (const c of f.compares ?? []) {
        if (!/len\(|\.length|[A-Za-z]/.test(c.text) || inputHistory(c.fn, f.path)) continue;
        // A UI component showing how long the chat is.
        if (/\.[jt]sx$/.test(f.path) && /^[A-Z]/.test(shortName(c.fn))) continue;
        const ops = c.text.split(/\s(?:<=|>=|<|>)\s/).map((o) => o.trim());
        if (ops.length !== 2) continue;
        const binds = bindsOf(ctx, f.path);
        for (let i = 0; i < 2; i++) {
          const side = ops[i];
          const other = ops[1 - i];
          const m = /^len\(\s*([\w$.]+)\s*\)$/.exec(side) ?? /^([\w$.]+)\.length$/.exec(side) ?? /^([\w$.]+)$/.exec(side);
          if (!m) continue;
          const measured = m[0] !== m[1];
          const name = m[1].replace(/^(?:this|self)\./, '');
          let v = boundValue(binds, c.fn, name) ?? boundValue(binds, '*', name);
          if (v === undefined) continue;
          // The value is the text of the history's items (measured by the comparison) or their summed lengths.
          if (!AS_TEXT.test(v)) continue;
          if (!measured && !/\.length\b|\blen\(/.test(v)) continue;
          let from = HISTORY_LIST.exec(v)?.[0].replace(/^[^\w$]/, '');
          if (!from) continue;
          // The list the text is made of may be a local bound to the history one step back (`history_items = self.state.agent_history_items`).
          const back = boundValue(binds, c.fn, from);
          if (back && /^[\w$.]+$/.test(back.trim())) from = back.trim();
          // The other side is a named threshold or a large literal, not a token figure (a token comparison is a projection proper).
          const lw = words(other.replace(/^(?:this|self)\./, '').split('.').pop() ?? other);
          const limit = lw.some((w) => SIZE_LIMIT.has(w)) || /^[A-Z][A-Z0-9_]{3,}$/.test(other) || (/^\d[\d_]*$/.test(other) && Number(other.replace(/_/g, '')) >= 1000);
          if (!limit || TOKEN_TEXT.test(other)) continue;
          // It sets off a compaction: the function is one (`maybe_compact_messages()`), or a compaction is named where it branches.
          let act: string | undefined = COMPACT_TEXT.test(shortName(c.fn)) ? `${shortName(c.fn)}()` : undefined;
          if (!act) {
            const s = f.strings.find((x) => x.line >= c.line && x.line <= c.line + 2 && COMPACT_TEXT.test(x.value) && x.value.length <= 40);
            const k = f.calls.find((x) => x.fn === c.fn && x.line >= c.line && x.line <= c.line + 3 && COMPACT_TEXT.test(x.name) && x.name !== 'trim');
            act = k ? `${k.callee}()` : s ? `"${s.value}"` : undefined;
          }
          if (!act) continue;
          out.push({ file: f.path, fn: c.fn, line: c.line, text: c.text, size: side, from, limit: other, act });
          break;
        }
      }
    }
    return out;
  });
}

/**
 * loopReaches through calls resolved by the receiver's class (see loopReachResolved): `self.step()` in the loop
 * runs the loop's own class's `step()`, and `self.request_context_manager.process()` there runs the class
 * assigned to that field, however many other classes define `step` or `process`.
 */
export function resolvedLoopReach(ctx: RuleContext, file: string, fn: string): ReturnType<typeof loopReaches> {
  const r = loopReachResolved(ctx, 3).get(`${file}#${fn}`);
  if (!r || r.path.length === 0) return undefined;
  const first = r.path[0];
  return { loop: r.loop.fn, file: first.file, line: first.line, path: r.path.map((c) => c.name), inCatch: !!first.inCatch && first !== r.loop.modelCall };
}

/** Whether `fn` runs in (or within `hops` calls of) an agent loop body. */
export function loopReaches(ctx: RuleContext, fnName: string, hops = 2): { loop: string; file: string; line: number; path: string[]; inCatch: boolean } | undefined {
  const short = shortName(fnName);
  const r = loopReachable(ctx, hops + 1).get(short);
  if (!r) return undefined;
  // `except Exception as e: if is_context_length_exceeded(e): handle_context_length(…)`: the loop body's call that
  // starts the path sits in a catch block, so what it reaches runs after a model call failed, not before each one.
  return { loop: r.loop.fn, file: r.first.file, line: r.first.line, path: r.path, inCatch: r.first.inCatch && r.first !== r.loop.modelCall };
}

const VERB = new Set(['compact', 'compaction', 'compress', 'compression', 'summarize', 'summarise', 'summarization', 'condense', 'prune', 'truncate', 'trim', 'shrink', 'evict', 'collapse']);
/** Verbs that are about the context by themselves; `summarize` and `compress` also need a history word (`summarizeSchema` is not compaction). */
const CONTEXT_VERB = new Set(['compact', 'compaction', 'condense']);
const HISTORY = new Set(['messages', 'message', 'history', 'context', 'conversation', 'chat', 'transcript', 'memory', 'session', 'turns', 'window']);
const NOT_COMPACT = new Set(['format', 'render', 'get', 'is', 'should', 'abort', 'set', 'create', 'on', 'handle', 'display', 'output', 'error', 'text', 'content', 'string', 'utf', 'bytes', 'title', 'model', 'number', 'args', 'tool', 'result', 'line', 'lines', 'path', 'url', 'name', 'label', 'schema', 'file', 'files', 'diff', 'image', 'json', 'zod', 'type', 'types', 'stream', 'queue', 'buffer', 'cache', 'index', 'db', 'database', 'storage', 'whitespace', 'css', 'array', 'object', 'log', 'logs', 'contains', 'assert', 'validate', 'supports', 'serialize', 'serialized', 'deserialize', 'parse', 'normalize', 'count', 'estimate', 'items', 'item',
  // A cut back to a point the user picks (`_truncate_run_to_checkpoint(run, message_index)`, `rewindTo(turn)`) undoes turns; it does not fit the context.
  'checkpoint', 'rewind', 'revert', 'rollback', 'undo', 'fork']);

/** An argument that carries the conversation: `historyForCompaction`, `[...messages, prompt]`, `this.chatHistory`. */
const HISTORY_ARG = /history|messages|conversation|transcript/i;

/** Calls that only render a value as text. */
const FORMAT_CALL = /^(?:stringify|dumps|String|str|repr|toString|format)$/;

/** Text holding a VERB. */
const COMPACT_TEXT = /compact|compress|summari[sz]|condense|prune|truncate|trim|shrin[k\u212A]|evict|collapse/i;

/** Helper prefixes before the verb of a compactor's name. */
const ACTION_PREFIX = new Set(['auto', 'try', 'maybe', 'run', 'do', 'perform', 'apply', 'handle', 'trigger', 'force', 'async', 'should']);

/** A helper prefix glued to a verb in one word: `autocompact`, `autosummarize`, `maybetrim`. */
const GLUED_ACTION = /^(auto|maybe|try)(compact|compaction|compress|summarize|summarise|condense|prune|truncate|trim)$/;

/** A parameter's name without its annotation, default or spread (`messages: list[Message] = None` → `messages`). */
const paramName = (p: string): string => p.replace(/^[*.\s]+/, '').replace(/[?]?\s*[:=][\s\S]*$/, '').trim();

/**
 * The words a parameter says about what it holds: its name's words, and of each type it is annotated with
 * only the head noun (the last word: `BaseChatModel` is a model, `list[Message]` holds messages), so a chat
 * model handed to a page summariser does not make it about the chat.
 */
function paramWords(p: string): readonly string[] {
  const name = paramName(p);
  const type = p.slice(p.indexOf(name) + name.length).replace(/=[\s\S]*$/, '');
  const heads = [...type.matchAll(/[A-Za-z_$][\w$]*/g)].map((m) => words(m[0]).at(-1) ?? '').filter(Boolean);
  return [...words(name), ...heads];
}

/**
 * A history held elsewhere: `researcher_messages`, `chatHistory`, `self.messages`, `state["messages"]` (not a call
 * such as `HumanMessage(…)`, nor a bare local such as `conversation = read_yaml(path)` that a summariser of a record loads).
 */
const HELD_HISTORY = /(?:[\w$](?:_messages|_history|_conversation|_transcript|Messages|History|Conversation|Transcript)|(?:self|this|state)\.(?:messages|history|conversation|transcript)|\[\s*['"](?:messages|history)['"]\s*\])\b(?!\s*\()/;

/**
 * Whether an argument of a call in `fn` carries a conversation kept elsewhere, itself or through the local it
 * names (`messages=messages` where `messages = [system] + researcher_messages`).
 */
function carriesHistory(ctx: RuleContext, file: string, fn: string, arg: string): boolean {
  const v = arg.replace(/^[\w$]+\s*=(?!=)\s*/, '').trim();
  if (HELD_HISTORY.test(v)) return true;
  if (!/^[\w$]+$/.test(v)) return false;
  const bound = boundValue(bindsOf(ctx, file), fn, v);
  return !!bound && HELD_HISTORY.test(bound);
}

export interface Compactor {
  fn: Located<FunctionFact>;
  summarises: boolean;
  /** The model call (or summary helper) that makes it a summary. */
  via?: string;
}

/** Classes by name with the class each extends (source files only, memoised). */
function classParents(ctx: RuleContext): Map<string, string> {
  return ctx.memo('budget:class-parents', () => {
    const m = new Map<string, string>();
    for (const f of ctx.source) for (const c of f.classes) if (c.extends) m.set(c.name, c.extends.replace(/[<(\[].*$/, '').split('.').pop()!);
    return m;
  });
}

/**
 * A template method: the base class's compactor (`WindowCondenser.condense()`) calls a hook it leaves to its
 * subclasses (`self.get_condensation(view)`), and a subclass's override (`SummaryCondenser.get_condensation()`)
 * calls the model. The override's name alone picks out too many definitions to follow by name, so follow only
 * the overrides in classes that extend the compactor's class (up to three levels).
 */
function overrideSummarises(ctx: RuleContext, file: string, fnName: string, pred: (c: Located<CallFact>) => boolean, strong: (c: Located<CallFact>) => boolean): Located<CallFact>[] | undefined {
  const dot = fnName.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const base = fnName.slice(0, dot).split('.').pop()!;
  const parents = classParents(ctx);
  const extendsBase = (cls: string) => {
    let p = parents.get(cls);
    for (let i = 0; i < 3 && p; i++) {
      if (p === base) return true;
      p = parents.get(p);
    }
    return false;
  };
  let weak: Located<CallFact>[] | undefined;
  for (const c of ctx.callsIn(file, fnName)) {
    if (!/^(?:self|this)\.[\w$]+$/.test(c.callee)) continue;
    for (const def of ctx.functionsNamed(c.name)) {
      const d = def.name.lastIndexOf('.');
      if (d <= 0 || !extendsBase(def.name.slice(0, d).split('.').pop()!)) continue;
      // An override that calls the model itself wins over one that only calls a summarising name.
      const path = reachesFast(ctx, def.file, def.name, strong, 1);
      if (path) return [c, ...path];
      weak ??= ((w) => w && [c, ...w])(reachesFast(ctx, def.file, def.name, pred, 1));
    }
  }
  return weak;
}

/** A name that ends in the noun `summary` (`_build_ltm_summary`, `generateHistorySummary`). */
const SUMMARY_NOUN = /summary$/i;
/** Verbs that make a summary named by its noun. */
const SUMMARY_MAKER = new Set(['build', 'generate', 'make', 'update', 'compute', 'produce']);

/**
 * A summary of the older messages named by its noun (`_build_ltm_summary(past_messages)`,
 * `generateHistorySummary(olderMessages)`): a maker verb, a history word in its name or parameters, its own
 * model call (within two calls; a summarising name alone is not enough), and a token count in it or in a
 * caller (`TokenCounter.count_message_tokens(...)` while splitting the history at a budget): the summary is
 * made where the history is measured against the window, which a title or a report summary is not.
 */
function summaryBuilder(ctx: RuleContext, file: string, fn: Located<FunctionFact>, ws: readonly string[], modelCall: (c: Located<CallFact>) => boolean): Compactor | undefined {
  const w0 = ACTION_PREFIX.has(ws[0]) ? ws[1] : ws[0];
  if (!SUMMARY_MAKER.has(w0 ?? '') || ws.at(-1) !== 'summary' || ws.some((w) => NOT_COMPACT.has(w) && !HISTORY.has(w))) return undefined;
  if (![...ws, ...fn.params.flatMap(paramWords)].some((w) => HISTORY.has(w))) return undefined;
  const path = reachesFast(ctx, file, fn.name, modelCall, 2);
  if (!path) return undefined;
  const counts = (f: string, name: string) => ctx.callsIn(f, name).some((c) => COUNT_CALL.test(c.name) || COUNT_CALL.test(`${c.callee}(`));
  const short = shortName(fn.name);
  if (!counts(file, fn.name) && !ctx.callsNamed(short).some((c) => c.fn !== fn.name && counts(c.file, c.fn))) return undefined;
  return { fn, summarises: true, via: path.map((c) => c.name).join(' → ') };
}

/** Functions that compact, summarise or truncate the conversation history. */
export function compactors(ctx: RuleContext): Compactor[] {
  return ctx.memo('budget:compactors', () => {
    const out: Compactor[] = [];
    const late: Compactor[] = [];
    // The summary's model call: isModelTurnCall (as sets: reaches walks source calls), a Responses compaction, or a summarising name (once per name).
    const turns = modelTurnCalls(ctx);
    const summaryNames = new Map<string, boolean>();
    const summarising = (name: string) => {
      let v = summaryNames.get(name);
      if (v === undefined) {
        const ws = words(name);
        v = ws.some((w) => w === 'summary' || w === 'summarize' || w === 'summarise') && ws[0] !== 'create';
        summaryNames.set(name, v);
      }
      return v;
    };
    // `self.llm.completion(messages=…)`: a model wrapper's completion method (an attribute, not a def, so never linked).
    const wrapperCompletion = (c: Located<CallFact>) => (c.name === 'completion' || c.name === 'acompletion') && /(?:^|\.)_?(?:llm|model|lm)\.a?completion$/.test(c.callee);
    const modelCall = (c: Located<CallFact>) => turns.direct.has(c) || turns.linked.has(c) || wrapperCompletion(c);
    const summaryCall = (c: Located<CallFact>) =>
      modelCall(c) || (c.callee.endsWith('responses.compact') && /(^|\.)responses\.compact$/.test(c.callee)) || summarising(c.name);
    // The agent's own turn: the function an agent loop runs in (or calls for its model turn, when resolved).
    const loopTurns = new Set<string>();
    for (const l of agentLoops(ctx)) {
      loopTurns.add(shortName(l.fn));
      if (l.link !== 'word') loopTurns.add(l.modelCall.name);
    }
    for (const n of GENERIC) loopTurns.delete(n);
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        // A compactor's name holds one of the verbs (lower-cased words are pieces of the name; the Kelvin sign lower-cases to `k`).
        if (!COMPACT_TEXT.test(fn.name) && !SUMMARY_NOUN.test(fn.name)) continue;
        const short = shortName(fn.name);
        let ws = words(short);
        if (!COMPACT_TEXT.test(fn.name)) {
          const b = summaryBuilder(ctx, f.path, fn as Located<FunctionFact>, ws, modelCall);
          if (b) late.push(b);
          continue;
        }
        // A prefix written together with the verb (`autocompact_hook`, `autosummarize`) is the same as `auto_compact`.
        const glued = GLUED_ACTION.exec(ws[0] ?? '');
        if (glued) ws = [glued[1], glued[2], ...ws.slice(1)];
        // The verb names the action (`compactMessages`, `tryCompressChat`), not a lookup about it (`findLatestCompactionSource`).
        if (!(VERB.has(ws[0]) || (ACTION_PREFIX.has(ws[0]) && VERB.has(ws[1] ?? '')))) continue;
        if (!ws.some((w) => VERB.has(w)) || NOT_COMPACT.has(ws[0]) || ws.some((w) => NOT_COMPACT.has(w) && !HISTORY.has(w) && w !== 'get')) continue;
        const cls = fn.name.includes('.') ? words(fn.name.slice(0, fn.name.lastIndexOf('.'))) : [];
        const named = [...ws, ...cls, ...fn.params.flatMap(paramWords)].some((w) => HISTORY.has(w));
        // `compress_research(state)`: its own model call is handed a history the function took from elsewhere
        // (`messages = [SystemMessage(…)] + researcher_messages`), not a prompt it built from a text.
        const verbAbout = ws.some((w) => CONTEXT_VERB.has(w));
        const handed = !named && !verbAbout && ctx.callsIn(f.path, fn.name).some((c) => modelCall(c) && c.args.some((a) => carriesHistory(ctx, f.path, fn.name, a)));
        const aboutHistory = named || handed;
        const about = aboutHistory || verbAbout;
        if (!about) continue;
        const path =
          reachesFast(ctx, f.path, fn.name, summaryCall, 2) ??
          overrideSummarises(ctx, f.path, fn.name, summaryCall, modelCall) ??
          // The compactor hands the history to the agent's own turn (`streamChatResponse([...history, summaryPrompt], …)`):
          // the agent answers a summary request, however deep that turn's model call sits.
          reachesFast(ctx, f.path, fn.name, (c) => c.name !== short && loopTurns.has(c.name) && c.args.some((a) => HISTORY_ARG.test(a)), 1) ??
          (ws.some((w) => CONTEXT_VERB.has(w)) ? awaitedSummary(ctx, f.path, fn.name) : undefined);
        // `summarizeLlmPrompt(m) { return JSON.stringify(m) }` describes the history as text for a log; it compacts nothing.
        const own = ctx.callsIn(f.path, fn.name);
        if (!path && own.length > 0 && own.every((c) => FORMAT_CALL.test(c.name))) continue;
        // `compressMessages(messages)` that hands the serialised history to a codec (`compressWithLz4(bytes)`,
        // `zlib.gzipSync(buf)`) compresses bytes for storage or upload: the model's history is not shortened.
        if (!path && own.some((c) => CODEC_CALL.test(c.callee))) continue;
        // `compactRecorderSemantic(semantic)`, `compactValues(values)`: the context verb names its own object, which
        // the function takes as an argument, and no history word is in sight nor a model call: it shortens a value.
        if (!path && !aboutHistory && fn.params.some((p) => !/^(?:self|cls|this)$/.test(paramName(p))) && ws.some((w) => !VERB.has(w) && !ACTION_PREFIX.has(w) && !CONTEXT_VERB.has(w))) continue;
        // One recognised only by what its model call is handed ranks after those named for the history.
        (handed ? late : out).push({ fn: fn as Located<FunctionFact>, summarises: !!path, via: path ? path.map((c) => c.name).join(' → ') : undefined });
      }
    }
    return [...out, ...late];
  });
}

/** A result named for the summary it holds (`summary_result`, `summaryResponse`), and the other words such a name may hold. */
const SUMMARY_RESULT = new Set(['result', 'response', 'reply', 'completion', 'output', 'resp', 'res']);

/**
 * A compactor that awaits one of the harness's own functions and keeps the answer as the summary
 * (`summary_result = await self._chat(model_override=…)` in `compact()`): the agent's model wrapper asked for a
 * summary, though its model call sits behind a backend interface the audit cannot follow.
 */
function awaitedSummary(ctx: RuleContext, file: string, fn: string): Located<CallFact>[] | undefined {
  const f = ctx.file(file);
  for (const b of f?.binds ?? []) {
    if (b.fn !== fn) continue;
    const ws = words(b.name);
    if (!ws.includes('summary') || !ws.some((w) => SUMMARY_RESULT.has(w))) continue;
    const m = /^await\s+(?:(?:self|this)\.)?([A-Za-z_$][\w$]*)\(/.exec(b.value.trim());
    if (!m || !ctx.functionsNamed(m[1]).length) continue;
    const c = ctx.callsIn(file, fn).find((x) => x.line === b.line && x.name === m[1]);
    if (c) return [c];
  }
  return undefined;
}

/** A data-compression codec: a call on zlib / pako / fflate / lz4 / brotli / zstd / bz2 / lzma / gzip, or named for one. */
const CODEC_CALL = /^(?:zlib|pako|fflate|lz4|lz4js|brotli|zstd|bz2|lzma|gzip|snappy)\.|(?:lz4|gzip|deflate|brotli|zstd|snappy)/i;

/**
 * Whether the harness measures tokens at all: a provider usage field read, or a token counter or
 * tokenizer called. Without one there is nothing a projection or a threshold could compare.
 */
export function countsTokens(ctx: RuleContext): boolean {
  return ctx.memo('budget:counts-tokens', () => {
    for (const f of ctx.source) {
      for (const k in f.reads) if (USAGE_READ.has(k) || /token_?count|tokenCount|num_tokens|input_tokens|prompt_tokens/i.test(k)) return true;
      for (const c of f.calls) if (COUNT_CALL.test(c.name) || COUNT_CALL.test(`${c.callee}(`)) return true;
      for (const cmp of f.compares ?? []) if (CHARS_HEURISTIC.test(cmp.text)) return true;
    }
    return false;
  });
}

/** Hook points written in a registration: an enum member (`HookType.TURN_POST`) or a string literal (`'turn.post'`). */
const HOOK_POINT = /\b[A-Z]\w*\.[A-Z][A-Z0-9_]+\b|(['"])[\w.:/-]{3,40}\1/g;
/** Calls that run the hooks registered for a hook point. */
const RUN_HOOKS = /hook|^(?:emit|fire|trigger|dispatch|notify|publish|broadcast|run_?callbacks)/i;

export interface HookRun {
  /** Where the function is registered for the hook point. */
  reg: { file: string; line: number; point: string };
  /** The call that runs the hook point's hooks, on the agent loop's path. */
  run: Located<CallFact>;
  loop: string;
}

/**
 * A function registered as a hook (`register_hook(HookType.TURN_POST, fn)`, `hooks = {'x': (HookType.TURN_POST, fn, 100)}`,
 * `on('turn_end', fn)`) whose hook point is run from the agent loop (`trigger_hook(HookType.TURN_POST, …)` in the loop's
 * function or a function the loop reaches): the loop runs it though it never calls it by name.
 */
export function hookRun(ctx: RuleContext, fn: Located<FunctionFact>): HookRun | undefined {
  const short = shortName(fn.name);
  // Registrations sit in the function's own file or in a file importing it (the files importing each name, indexed once
  // per audit: this runs for every compactor, and each ask walked every import of the repo).
  const importers = ctx.memo('budget:files-importing-name', () => {
    const m = new Map<string, Set<string>>();
    for (const f of ctx.source) {
      for (const i of f.imports) {
        for (const n of i.names) {
          const set = m.get(n);
          if (set) set.add(f.path);
          else m.set(n, new Set([f.path]));
        }
      }
    }
    return m;
  }).get(short);
  const files = ctx.source.filter((f) => f.path === fn.file || !!importers?.has(f.path));
  const bare = new RegExp(`(?:^|[^\\w.])(?:(?:self|this)\\.)?${short.replace(/\$/g, '\\$')}\\b(?!\\s*\\()`);
  const regs: HookRun['reg'][] = [];
  for (const f of files) {
    for (const c of f.calls) {
      if (c.fn === fn.name || !c.args.some((a) => bare.test(a))) continue;
      for (const m of c.args.join(' ').matchAll(HOOK_POINT)) regs.push({ file: f.path, line: c.line, point: m[0] });
    }
    for (const o of f.objects) {
      for (const k of o.keys) {
        const v = o.values[k];
        if (!v || !bare.test(v)) continue;
        for (const m of v.matchAll(HOOK_POINT)) regs.push({ file: f.path, line: o.line, point: m[0] });
      }
    }
  }
  if (!regs.length) return undefined;
  // The calls that run hooks, by the first argument's text (once per audit).
  const runs = ctx.memo('budget:hook-runs', () => {
    const m = new Map<string, Located<CallFact>[]>();
    for (const [name, calls] of ctx.callNames()) {
      if (!RUN_HOOKS.test(name)) continue;
      for (const c of calls) {
        const a = (c.args[0] ?? '').replace(/\.value$/, '');
        if (!a) continue;
        const list = m.get(a);
        if (list) list.push(c);
        else m.set(a, [c]);
      }
    }
    return m;
  });
  const loopFns = ctx.memo('budget:loop-fns', () => new Set(agentLoops(ctx).map((l) => l.fn)));
  for (const reg of regs) {
    for (const run of runs.get(reg.point) ?? []) {
      if (run.fn === fn.name) continue;
      if (loopFns.has(run.fn)) return { reg, run, loop: run.fn };
      const hit = loopReaches(ctx, run.fn, 1);
      if (hit) return { reg, run, loop: hit.loop };
    }
  }
  return undefined;
}

/** A name of the history a step works on: `messages`, `history`, `chat_history`, `sanitizedMessages`, or its `context`. */
const HISTORY_WORD = new RegExp(`${HISTORY_ARG.source}|context`, 'i');
/** An enum member or literal that means the step is off: `CompressType.NO_COMPRESS`, `'none'`, `Mode.DISABLED`. */
const OFF_VALUE = /^(?:[\w$.]*\.)?(?:NO_\w+|NONE|DISABLED?|OFF)$|^(['"`])(?:none|off|disabled)\1$/i;

export interface OptInGate {
  file: string;
  line: number;
  /** The option tested: `summarization`, `compress_type`. */
  option: string;
  cond: string;
}

/**
 * An off switch at the top of a step that sizes or compacts the history: before `beforeLine`, the function returns
 * the history it was handed untouched when an option it receives is unset or set to its off value
 * (`if (!config) return messages` with `config = summarization` an argument; `if compress_type ==
 * CompressType.NO_COMPRESS: return messages`). The step runs only for callers that pass the option: opt-in. A
 * switch with an on default (`const enabled = config.enabled ?? true; if (!enabled) return messages`) is opt-out,
 * not counted, and nor is a field of the object (`if (!this.autoCompact) return`), whose default is set elsewhere.
 */
export function optInGate(ctx: RuleContext, file: string, fn: string, beforeLine: number): OptInGate | undefined {
  const f = ctx.file(file);
  const def = f?.functions.find((x) => x.name === fn && x.line <= beforeLine && x.end >= beforeLine);
  if (!f || !def) return undefined;
  const params = new Set(def.params.map((p) => p.replace(/^\*+/, '').split(/[\s:=?]/)[0]).filter(Boolean));
  // A destructured parameter (`({ messages, summarization }: {…}) =>`): its names, from the bind of the arrow or its first parameter's text.
  const destructured = (f.binds ?? []).find((b) => b.fn !== fn && b.name === shortName(fn) && b.line === def.line)?.value ?? def.params[0] ?? '';
  const brace = /^\s*(?:async\s*)?\(?\s*\{([^}]*)\}/.exec(destructured);
  if (brace) for (const n of brace[1].split(',')) params.add(n.trim().split(/[\s:=]/)[0]);
  const binds = (f.binds ?? []).filter((b) => b.fn === fn && b.line >= def.line && b.line < beforeLine);
  // The option a name stands for: a parameter, or a local bound straight to one (`const config = summarization`).
  const option = (name: string): string | undefined => {
    if (params.has(name)) return name;
    const b = binds.find((x) => x.name === name);
    if (!b) return undefined;
    // An on default makes it opt-out: `config.enabled ?? true`, `opts.get("x", True)`, `x or True`.
    if (/(?:\?\?|\|\||\bor)\s*(?:true|True)\s*$|,\s*True\s*\)$/.test(b.value)) return undefined;
    const v = b.value.trim();
    return params.has(v) ? v : undefined;
  };
  for (const g of f.guards) {
    if (g.fn !== fn || g.exit !== 'return' || g.line <= def.line || g.line >= beforeLine || !g.returns) continue;
    // It hands back the history as it came: a parameter named for the history.
    if (!params.has(g.returns) || !HISTORY_WORD.test(g.returns)) continue;
    const c = g.cond.trim();
    let m = /^(?:!|not\s+)([\w$]+)$/.exec(c) ?? /^([\w$]+)\s+is\s+None$/.exec(c) ?? /^([\w$]+)\s*===?\s*(?:undefined|null|false)$/.exec(c);
    let opt = m && option(m[1]);
    if (!opt) {
      m = /^([\w$]+)\s*(?:===?|is)\s*(.+)$/.exec(c);
      opt = m && OFF_VALUE.test(m[2].trim()) ? option(m[1]) : undefined;
    }
    // `if not messages: return messages`: the history it hands back is the name tested, so the guard skips an empty history; no option.
    if (opt && opt !== g.returns) return { file, line: g.line, option: opt, cond: c };
  }
  return undefined;
}

/** Words of a size test against a limit: `tokens < self.threshold`, `turns >= MAX_TURNS`. */
const GATE_WORDS = new Set(['exceed', 'exceeds', 'exceeded', 'over', 'threshold', 'limit', 'max', 'token', 'tokens', 'length', 'size', 'budget', 'full', 'overflow', 'trigger']);
/** Words of a check's answer tested as a flag: `!analysis.should`, `!needsCompaction`, `not self.is_over_limit`. */
const ANSWER_WORDS = new Set(['should', 'need', 'needs', 'exceed', 'exceeds', 'exceeded', 'over', 'full', 'overflow', 'trigger', 'triggered']);

/**
 * An early return in `fn` between lines `after` and `before` (exclusive), on a size test against a limit
 * (`if total <= self.max_tokens: return messages`) or on a check's answer (`if (!analysis.should) return history;`):
 * what follows runs only when the history is over the limit. A guard on an empty input (`if (!messages?.length) return`)
 * or on another flag is no trigger. `answer` is a name holding a check's result (`const analysis = shouldCompactify(…)`):
 * a guard testing it (or one field of it) for truth counts whatever its words.
 */
export function limitGate(ctx: RuleContext, file: string, fn: string, after: number, before: number, answer?: string): (GuardFact & { file: string }) | undefined {
  // The answer tested for truth, itself or one field of it: `!analysis.should`, `not result`.
  const held = answer ? new RegExp(`^(?:!\\s*|not\\s+)?${answer.replace(/\$/g, '\\$')}(?:\\??\\.[\\w$]+)?$`) : undefined;
  const g = (ctx.file(file)?.guards ?? []).find((x) => {
    if (x.fn !== fn || x.exit !== 'return' || x.line <= after || x.line >= before) return false;
    if (/\s(?:<=|>=|<|>)\s/.test(x.cond)) return words(x.cond).some((w) => GATE_WORDS.has(w)) && !/\.length\s*(?:<|<=)\s*[01]\b/.test(x.cond);
    if (held?.test(x.cond.trim())) return true;
    // A flag: the last name of each operand (`analysis.should` → should).
    return (x.cond.match(/[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*/g) ?? []).some((id) => words(id.split(/\??\./).pop()!).some((w) => ANSWER_WORDS.has(w)));
  });
  return g ? { ...g, file } : undefined;
}
