/**
 * Context-window facts shared by the projection and compaction checks: functions that compare a
 * token estimate with the model's window, and functions that compact or summarise the history.
 */
import type { CallFact, FunctionFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { isModelTurnCall, loopReachable, reachesFast } from '../shared/loop.js';
import { words } from '../shared/persist.js';

const WINDOW = /\b(context (window|limit|length|size|tokens|budget|max)|token limit|max (context|input|prompt) tokens?|input token limit|reserve tokens|model context|max context|context window tokens|n ctx|max model len)\b/;
const ESTIMATE = /\b(count|estimate|estimated|calculate|compute|num|get) (request |prompt |input |message |messages |context )?tokens?\b|\btokens? (count|estimate)\b|\b(used|spent|total|current|consumed|accumulated|running) tokens?\b|\b(tiktoken|tokenize|tokenizer|encode)\b/;
const USAGE_READ = new Set(['usage', 'usageMetadata', 'usage_metadata', 'input_tokens', 'inputTokens', 'prompt_tokens', 'promptTokenCount', 'totalTokens', 'total_tokens', 'totalTokenCount', 'lastPromptTokenCount']);

/** Cheap pre-filter before splitting names into words. */
const QUICK = /token|context|window|usage|tiktoken|encode|n_ctx|model_len/i;

const phrase = (name: string) => words(name.replace(/^get(?=[A-Z])/, '')).join(' ');

/** The innermost function of `file` containing `line`. */
export function fnAt(ctx: RuleContext, file: string, line: number): FunctionFact | undefined {
  const idx = ctx.memo('budget:fn-spans', () => {
    const m = new Map<string, FunctionFact[]>();
    for (const f of ctx.source) m.set(f.path, [...f.functions].sort((a, b) => a.line - b.line));
    return m;
  });
  let best: FunctionFact | undefined;
  for (const fn of idx.get(file) ?? []) {
    if (fn.line > line) break;
    if (fn.end >= line && (!best || fn.line >= best.line)) best = fn;
  }
  return best;
}

export interface Projection {
  fn: Located<FunctionFact>;
  window: { line: number; text: string };
  estimate: { line: number; text: string };
}

const ACT = /\b(compact|compaction|compress|compression|summarize|summarise|truncate|prune|trim|drop|evict|shrink|refuse|overflow|condense)\b/;

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
        const p = phrase(c.name);
        if (WINDOW.test(p) || /\btoken limit\b/.test(phrase(c.callee))) put(win, f.path, c.line, `${c.callee}()`);
        else if (ESTIMATE.test(p) && !/^(format|display|render|print|log|show)\b/.test(p)) put(est, f.path, c.line, `${c.callee}()`);
      }
      for (const k in f.reads) {
        const lines = f.reads[k];
        if (!QUICK.test(k)) continue;
        const p = phrase(k);
        if (WINDOW.test(p)) for (const l of lines) put(win, f.path, l, k);
        else if (USAGE_READ.has(k) || ESTIMATE.test(p)) for (const l of lines) put(est, f.path, l, k);
      }
      for (const c of f.consts) {
        if (c.kind === 'param' || !QUICK.test(c.name)) continue;
        if (WINDOW.test(phrase(c.name))) put(win, f.path, c.line, c.name);
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
      const acts = ACT.test(phrase(shortName(fn.name))) || !!reachesFast(ctx, file, fn.name, (c) => ACT.test(phrase(c.name)), 1);
      if (acts) out.push({ fn: { ...fn, file }, window: w, estimate: e });
    }
    return out;
  });
}

/** Whether `fn` runs in (or within `hops` calls of) an agent loop body. */
export function loopReaches(ctx: RuleContext, fnName: string, hops = 2): { loop: string; file: string; line: number; path: string[] } | undefined {
  const short = shortName(fnName);
  const r = loopReachable(ctx, hops + 1).get(short);
  if (!r) return undefined;
  return { loop: r.loop.fn, file: r.first.file, line: r.first.line, path: r.path };
}

const VERB = new Set(['compact', 'compaction', 'compress', 'compression', 'summarize', 'summarise', 'summarization', 'condense', 'prune', 'truncate', 'trim', 'shrink', 'evict']);
/** Verbs that are about the context by themselves; `summarize` and `compress` also need a history word (`summarizeSchema` is not compaction). */
const CONTEXT_VERB = new Set(['compact', 'compaction', 'condense']);
const HISTORY = new Set(['messages', 'message', 'history', 'context', 'conversation', 'chat', 'transcript', 'memory', 'session', 'turns', 'window']);
const NOT_COMPACT = new Set(['format', 'render', 'get', 'is', 'should', 'abort', 'set', 'create', 'on', 'handle', 'display', 'output', 'error', 'text', 'content', 'string', 'utf', 'bytes', 'title', 'model', 'number', 'args', 'tool', 'result', 'line', 'lines', 'path', 'url', 'name', 'label', 'schema', 'file', 'files', 'diff', 'image', 'json', 'zod', 'type', 'types', 'stream', 'queue', 'buffer', 'cache', 'index', 'db', 'database', 'storage', 'whitespace', 'css', 'array', 'object', 'log', 'logs', 'contains', 'assert', 'validate', 'supports', 'serialize', 'serialized', 'deserialize', 'parse', 'normalize', 'count', 'estimate', 'items', 'item']);

/** Helper prefixes before the verb of a compactor's name. */
const ACTION_PREFIX = new Set(['auto', 'try', 'maybe', 'run', 'do', 'perform', 'apply', 'handle', 'trigger', 'force', 'async', 'should']);

export interface Compactor {
  fn: Located<FunctionFact>;
  summarises: boolean;
  /** The model call (or summary helper) that makes it a summary. */
  via?: string;
}

/** Functions that compact, summarise or truncate the conversation history. */
export function compactors(ctx: RuleContext): Compactor[] {
  return ctx.memo('budget:compactors', () => {
    const out: Compactor[] = [];
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        const ws = words(short);
        // The verb names the action (`compactMessages`, `tryCompressChat`), not a lookup about it (`findLatestCompactionSource`).
        if (!(VERB.has(ws[0]) || (ACTION_PREFIX.has(ws[0]) && VERB.has(ws[1] ?? '')))) continue;
        if (!ws.some((w) => VERB.has(w)) || NOT_COMPACT.has(ws[0]) || ws.some((w) => NOT_COMPACT.has(w) && !HISTORY.has(w) && w !== 'get')) continue;
        const cls = fn.name.includes('.') ? words(fn.name.slice(0, fn.name.lastIndexOf('.'))) : [];
        const about = ws.some((w) => CONTEXT_VERB.has(w)) || [...ws, ...cls, ...fn.params.flatMap((p) => words(p))].some((w) => HISTORY.has(w));
        if (!about) continue;
        const path = reachesFast(ctx, f.path, fn.name, (c) => isModelTurnCall(ctx, c) || /(^|\.)responses\.compact$/.test(c.callee) || (words(c.name).some((w) => w === 'summary' || w === 'summarize' || w === 'summarise') && words(c.name)[0] !== 'create'), 2);
        out.push({ fn: fn as Located<FunctionFact>, summarises: !!path, via: path ? path.map((c) => c.name).join(' → ') : undefined });
      }
    }
    return out;
  });
}
