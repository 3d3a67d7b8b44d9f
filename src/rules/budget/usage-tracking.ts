import type { CallFact, FileFacts } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';
import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { shortName } from '../context.js';
import { agentLoops, byFileInOrder, loopReachable, modelCalls } from '../shared/loop.js';
import { words } from '../shared/persist.js';
import { displayFile } from '../shared/ui.js';
import { mentionOf, objectsWithAnyKey } from '../shared/scan.js';

/** Usage fields of provider responses (Anthropic, OpenAI, Gemini, Bedrock, LiteLLM …). */
const USAGE_FIELDS = new Set([
  'usage', 'usageMetadata', 'usage_metadata', 'token_usage', 'tokenUsage', 'input_tokens', 'inputTokens', 'output_tokens',
  'outputTokens', 'prompt_tokens', 'promptTokens', 'completion_tokens', 'completionTokens', 'promptTokenCount',
  'candidatesTokenCount', 'totalTokenCount', 'total_tokens', 'totalTokens', 'cache_read_input_tokens', 'cachedContentTokenCount',
]);
const TOKENIZER = /^(count_?tokens|countTokens|estimate_?tokens|estimateTokens|approximate_?tokens(?:_?used)?|num_tokens_from_\w+|get_?num_?tokens|getTokenCount|tokenCount|calculateTokens|encoding_for_model|get_encoding|token_counter|completion_cost|cost_per_token|response_cost)$/i;
/** Functions whose zeroed usage record is a running total, not a placeholder on one message. */
const ACC_FN = new Set(['total', 'totals', 'accumulate', 'accumulated', 'aggregate', 'session', 'stats', 'statistics', 'empty', 'init', 'initial', 'zero', 'reset', 'create', 'new', 'tracker', 'meter', 'summary', 'cumulative']);
const ACC_WORDS = new Set(['token', 'tokens', 'usage', 'cost']);
/** Words of a local that holds a fallback value, not a total. */
const FALLBACK = new Set(['default', 'fallback', 'placeholder', 'blank']);
const RUNNING = new Set(['total', 'accumulated', 'cumulative', 'session', 'sum', 'spent', 'used', 'running']);
const ACC_VERB = new Set(['merge', 'add', 'accumulate', 'sum', 'record', 'track', 'aggregate', 'tally']);
/** A name whose first word may be in ACC_VERB: it starts, after any separators, with one (the Kelvin sign lower-cases to `k`). */
const ACC_PREFIX = /^[^A-Za-z0-9]*(?:merge|add|accumulate|sum|record|trac[k\u212A]|aggregate|tally)/i;
const NOT_ACC = new Set(['max', 'limit', 'budget', 'reserve', 'threshold', 'min', 'per', 'price', 'pricing', 'rate']);

/** Cheap pre-filter: an accumulation about tokens, usage or cost. */
const QUICK_ACC = /token|usage|cost|spen[dt]|usd|price/i;

/** The iterable of a loop over the conversation: `self.messages`, `this.history.messages`, `reversed(chat_history)`. */
const HISTORY_ITER = /(?:^|[.(\s])(?:\w*_)?(?:messages|history|conversation|transcript)\)?$|[a-z](?:Messages|History)\)?$/i;

/** Classes that are one reply of the model: a message, a response, a stream of one response, its events. */
const REPLY = new Set(['msg', 'message', 'response', 'streamed', 'stream', 'chunk', 'delta', 'completion', 'reply']);
/** Whether method `fn` (`Msg.append_event`, `BedrockStreamedResponse._get_event_iterator`) belongs to a class of one reply. */
function replyOwner(fn: string): boolean {
  const dot = fn.lastIndexOf('.');
  if (dot <= 0) return false;
  const ws = words(fn.slice(0, dot).split('.').pop()!);
  return ws.length > 0 && REPLY.has(ws[ws.length - 1]);
}

/** Presentation layers: what they add up is displayed, not accounted by the harness. */
const PRESENTATION = /\.[jt]sx$|(^|\/)(components?|ui|web-?ui|renderer|webview|views?|pages|templates?|export-html|frontend)\//;
const SHOWS = new Set(['render', 'display', 'format', 'show', 'print', 'view']);

/** Flags of a call name: an accumulator verb on usage, a tokenizer, an accumulator verb (or `add`). */
const ADDS_USAGE = 1;
const COUNTS_TOKENS = 2;
const ACC_OR_ADD = 4;

/** Words of a name that copies onto a tracing span's attributes. */
const spanCopy = (ws: readonly string[]) => ws.some((w) => w === 'span' || w === 'spans' || w === 'attribute' || w === 'attributes' || w === 'attrs');

/**
 * A metrics file: it imports the OpenTelemetry API or SDK (`@opentelemetry/api`, `opentelemetry.metrics`). There
 * `inputTokens.add(usage.inputTokens, attributes)` adds to a metric instrument (a Counter) that exports each
 * figure to a monitoring backend; the harness keeps no total it can read or hold a budget against.
 */
const OTEL = /^@opentelemetry\/|^opentelemetry(?:\.|$)/;
const metricsFile = (f: FileFacts): boolean => f.imports.some((i) => OTEL.test(i.from));

/**
 * A recorder named `record…` (`recordTokenUsage(instruments, input, output, attrs)`) whose every definition lives in a
 * metrics file: it hands the figures to OpenTelemetry instruments (`histogram.record(n)`), which export them.
 */
function metricRecorderIn(ctx: RuleContext, name: string): boolean {
  if (!/^record/i.test(name)) return false;
  return ctx.memo(`usage:metric-recorder:${name}`, () => {
    const defs = ctx.functionsNamed(name).filter((d) => d.end > d.line);
    return defs.length > 0 && defs.length <= 3 && defs.every((d) => { const g = ctx.file(d.file); return !!g && metricsFile(g); });
  });
}

/** What a call's name says (ADDS_USAGE, COUNTS_TOKENS, ACC_OR_ADD). */
function callNameFlags(name: string): number {
  // Split into words only a name whose first word may be an accumulator verb.
  const cw = ACC_PREFIX.test(name) ? words(name) : undefined;
  const verb = !!cw && ACC_VERB.has(cw[0]);
  // Every tokenizer name starts with a, c, e, n, g, t or r (any case).
  const first = name.charCodeAt(0) | 32;
  const tokenizer = (first === 97 || first === 99 || first === 101 || first === 110 || first === 103 || first === 116 || first === 114) && TOKENIZER.test(name);
  // `addMessageWithTokens(msg)` adds a message (that carries its token count) to the history, not usage to a total.
  const addsOther = !!cw && cw.some((w) => w === 'with' || w === 'message' || w === 'messages');
  // `recordToolUsage(toolName)`, `_trackToolUsage(name, ms, ok)`, `record_tool_usage(…)`: the usage of a tool is
  // how often (and how long) it was called, statistics about tools, not the model's token usage.
  const toolUsage = !!cw && cw.some((w, i) => w === 'usage' && cw[i - 1] === 'tool');
  // `_add_optional_usage_and_metrics_attributes(attributes, usage)`, `recordRootSpanUsageAndProviderCost(span, usage)`:
  // the usage is copied onto a tracing span's attributes, which export it; the harness keeps no total.
  const toSpan = !!cw && spanCopy(cw);
  return (verb && !addsOther && !toolUsage && !toSpan && cw.some((w) => w === 'usage' || w === 'tokens' || w === 'cost') ? ADDS_USAGE : 0) | (tokenizer ? COUNTS_TOKENS : 0) | (verb || name === 'add' ? ACC_OR_ADD : 0);
}

/**
 * A string literal that is text, not a key: `"#### Usage:"` in a prompt is a word, while
 * `resp["usage"]` and `mu.get("input_tokens", 0)` read a field by name and are kept.
 */
const TEXT_LITERAL = /(\[\s*|\bget\(\s*)?[fbrFBR]{0,2}(["'`])(?:\\.|(?!\2)[^\\])*\2/g;

/** Whether an expression reads a provider usage field (`response.usage.input_tokens`, `usage.promptTokenCount`). */
function readsUsage(text: string): boolean {
  // Words inside text literals are what the text says, not a read of a response.
  const code = /["'`]/.test(text) ? text.replace(TEXT_LITERAL, (m, key: string | undefined) => (key ? m : '""')) : text;
  for (const m of code.matchAll(/[A-Za-z_$][\w$]*/g)) if (USAGE_FIELDS.has(m[0]) || m[0] === 'usage' || m[0] === 'Usage') return true;
  return false;
}

/** A call that counts or estimates tokens itself: `countTotalTokens(…)`, `estimate_tokens(…)`, `len(enc.encode(…))`. */
const OWN_COUNT = /(?:count|estimate|approximate|calculate|compute)\w*tokens?\s*\(|tokeni[sz]e\w*\s*\(|\.encode\(/i;

/** A property named for a running total of cost or tokens: `total_cost`, `totalCost`, `session_cost`, `cumulative_tokens`. */
const CLIENT_TOTAL = /^(?:total_?cost|totalCost|session_?(?:cost|tokens)|sessionCost|sessionTokens|cumulative_?(?:cost|tokens)|cumulativeCost|cumulativeTokens|accumulated_?(?:cost|tokens)|accumulatedCost|accumulatedTokens)$/;

/** An accumulator or recorder call: `add…`, `record…`, `track…`, `observe`, `inc…` (metric counters). */
const RECORDS = /^(?:add|record|track|accumulate|sum|tally|observe|inc|increment|update_?usage|log_?usage)/i;

/**
 * Whether a tokenizer call's result is kept beyond the one decision: added with `+=` (directly or
 * through the name it is bound to) or passed to an accumulator or metric call in the same function.
 */
function countRecorded(f: FileFacts, c: CallFact): boolean {
  if ((f.adds ?? []).some((a) => a.line === c.line && a.fn === c.fn)) return true;
  const bound = (f.binds ?? []).find((b) => b.line === c.line && b.fn === c.fn)?.name;
  if (!bound || !/^[A-Za-z_$][\w$]*$/.test(bound)) return false;
  const ref = mentionOf(bound);
  if ((f.adds ?? []).some((a) => a.fn === c.fn && a.line > c.line && ref.test(a.value))) return true;
  return f.calls.some((k) => k.fn === c.fn && k.line >= c.line && RECORDS.test(k.name) && k.args.some((x) => ref.test(x)));
}

/** Whether lines of a file add: a `+=`, a name bound to a sum, or an object built from sums (`{ inputTokens: a.inputTokens + b.inputTokens }`). */
const sums = (f: FileFacts, inside: (x: { line: number }) => boolean): boolean =>
  (f.adds ?? []).some(inside) ||
  (f.binds ?? []).some((b) => inside(b) && /[+]/.test(b.value)) ||
  f.objects.some((o) => inside(o) && Object.values(o.values).some((v) => /[^+]\+(?![+=])/.test(v)));

/** Reads of a record and type tests: not a helper a recorder hands the figure on to. */
const ACCESSOR = new Set(['get', 'getattr', 'hasattr', 'isinstance', 'items', 'keys', 'values', 'copy', 'dict', 'int', 'float', 'len']);

/** Calls that keep what they are handed somewhere else (a list, a store, a log, an event): not a plain overwrite. */
const KEEPS = /^(?:push|append|insert|save|write|put|upsert|create|extend|concat|set|emit|send|log|persist|store)/i;

/**
 * A recorder whose every definition only stores the figure it is handed (`recordUsage(store, id, args)` →
 * `updateState(store, id, (state) => { state.usedTokens = args.totalTokens })`): inside its lines a usage field is read,
 * nothing is added (`+=`, `x = x + n`, in its own code or a callback it hands on) and nothing keeps the figure elsewhere
 * (another recorder, a list, a store, an event). It holds the latest response's usage (a context meter), not a running
 * total. A definition that only hands on to another of the same name (`recordUsage: (a) => commands.recordUsage(a)`)
 * defers to that one. Unknown (false) when the name has no definition with a body, or more than three.
 */
function overwritesOnly(ctx: RuleContext, name: string): boolean {
  return ctx.memo(`usage:overwrites:${name}`, () => {
    const defs = ctx.functionsNamed(name).filter((d) => d.end > d.line);
    if (defs.length === 0 || defs.length > 3) return false;
    let stores = 0;
    for (const d of defs) {
      const f = ctx.file(d.file);
      if (!f) return false;
      const inside = (x: { line: number }) => x.line >= d.line && x.line <= d.end;
      if (sums(f, inside)) return false;
      const calls = f.calls.filter(inside);
      if (calls.some((c) => c.name !== name && (RECORDS.test(c.name) || ACC_PREFIX.test(c.name) || KEEPS.test(c.name)))) return false;
      if (calls.some((c) => c.args.some((a) => /\+=|[^+]\+(?!\+)/.test(a)))) return false;
      // A helper of the repo it hands on to (`this.applyUsage(…)` → `totals.prompt_tokens += …`) must add nothing either.
      for (const c of calls) {
        // A read of the response record (`raw.get("usage")`, `isinstance(usage, dict)`) hands nothing on.
        if (c.name === name || ACCESSOR.has(c.name)) continue;
        const helpers = ctx.functionsNamed(c.name).filter((h) => h.end > h.line);
        if (helpers.length > 3) return false;
        for (const h of helpers) {
          const g = ctx.file(h.file);
          const within = (x: { line: number }) => x.line >= h.line && x.line <= h.end;
          if (!g || sums(g, within)) return false;
        }
      }
      if (calls.some((c) => c.name === name)) continue;
      let readsUsage = false;
      for (const u of USAGE_FIELDS) if ((f.reads[u] ?? []).some((l) => l >= d.line && l <= d.end)) readsUsage = true;
      if (!readsUsage) return false;
      stores++;
    }
    return stores > 0;
  });
}

/** Evidence of a call handing a response's usage to a recorder that only overwrites the latest figure (see overwritesOnly). */
const storedAt = (f: FileFacts, c: CallFact): Evidence => ({
  file: f.path,
  line: c.line,
  reason: `${c.callee}() in ${c.fn} hands a response's usage to ${c.name}(), which stores the latest figure and keeps no total`,
});

/** Calls that run a callback once per element of a collection (`rows.forEach((r) => …)`, `rows.reduce((acc, r) => …)`). */
const ITERATES = new Set(['forEach', 'reduce', 'reduceRight', 'map', 'flatMap', 'each', 'for_each']);

/**
 * Whether `value` (an added figure, `task.tokens || 0`, `r.totalTokens`) is read off the element of an iteration over a
 * collection in function `fn` around `line`: a for-of loop's variable, or a parameter of a per-element callback
 * (`tasks.forEach((task) => …)`, `rows.reduce((acc, r) => …)`). Summing a field of each fetched record (history rows, a
 * telemetry query's result) aggregates records after the fact; a running total is added to as the agent's calls return.
 * A `usage` record on the element (`step.usage.inputTokens`, `m.usage`) is each response's own usage and is not counted.
 */
function elementRooted(f: FileFacts, fn: string, line: number, value: string): boolean {
  if (/\b(usage|usageMetadata|usage_metadata|token_usage|tokenUsage|response|result|completion|chunk|delta|event)\b/.test(value)) return false;
  // Through a conversion (`Number(s.values[0].value)`, `int(row["tokens"])`).
  const root = /^[\s(]*(?:(?:Number|parseInt|parseFloat|int|float|Decimal)\s*\(\s*)?([A-Za-z_$][\w$]*)\s*(?:\.|\[|\?\.)/.exec(value)?.[1];
  if (!root) return false;
  if (f.loops.some((l) => l.kind === 'for-of' && l.fn === fn && l.var === root && l.line <= line && line <= l.end)) return true;
  let near: CallFact | undefined;
  for (const c of f.calls) {
    if (c.fn !== fn || c.line > line) continue;
    if (!ITERATES.has(c.name) || !c.callee.includes('.')) continue;
    if (!near || c.line >= near.line) near = c;
  }
  if (!near) return false;
  const params = /^\s*(?:async\s+)?(?:function\s*\w*\s*)?\(?\s*([\w$]+(?:\s*(?::[^,)]*)?,\s*[\w$]+)*)/.exec(near.args[0] ?? '');
  if (!params || !/=>|function/.test(near.args[0] ?? '')) return false;
  const names = params[1].split(',').map((x) => x.replace(/:.*$/, '').trim());
  // The reduce's accumulator is the total being built, not an element.
  const els = near.name.startsWith('reduce') ? names.slice(1) : names.slice(0, 1);
  return els.includes(root);
}

/** A running-total property the harness reads but never writes (no `+=`, assignment or zero start of that name). */
function clientTotal(ctx: RuleContext): { name: string; file: string; line: number } | undefined {
  return ctx.memo('budget:client-total', () => {
    let found: { name: string; file: string; line: number } | undefined;
    const written = new Set<string>();
    for (const f of ctx.source) {
      if (PRESENTATION.test(f.path) || displayFile(ctx, f.path)) continue;
      for (const k in f.reads) if (CLIENT_TOTAL.test(k) && !found) found = { name: k, file: f.path, line: f.reads[k][0] };
    }
    if (!found) return undefined;
    const name = found.name;
    for (const f of ctx.source) {
      for (const a of f.adds ?? []) if (a.target.slice(a.target.lastIndexOf('.') + 1) === name) written.add(name);
      // A copy read from a record under the same name (`total_cost = data["total_cost"]`) is a read, not a write.
      for (const b of f.binds ?? []) if (b.name === name && !b.value.includes(`.${name}`) && !b.value.includes(`"${name}"`) && !b.value.includes(`'${name}'`)) written.add(name);
      for (const c of f.consts) if (c.name === name && c.kind !== 'param' && c.kind !== 'prop') written.add(name);
    }
    // A record the harness builds under that name (`return { totalCost: cost, tokensIn }` from an analytics query's sums):
    // the harness produces the figure, no model client keeps it. A copy (`totalCost: data.totalCost`) is still a read.
    if (!written.has(name)) {
      for (const o of objectsWithAnyKey(ctx, [name]).objs as Set<{ ctx: string; values: Record<string, string> }>) {
        const v = o.values[name] ?? '';
        if (o.ctx.startsWith('type:') || o.ctx.startsWith('class:') || !v || v.includes(`.${name}`) || v.includes(`"${name}"`) || v.includes(`'${name}'`)) continue;
        written.add(name);
        break;
      }
    }
    return written.has(name) ? undefined : found;
  });
}

/** Hook names a framework or an event source calls by convention: `on_usage`, `onFinish`, `handleLLMEnd`, `__call__`. */
const HOOK = /^(?:on|handle)(?:[A-Z_]|$)|^__\w+__$/;

/**
 * Whether the accounting helper `fn` of `file` runs at no point: no call anywhere in the source names it (its own recursion
 * aside), nothing reads it as a value (`this.updateUsage` handed on as a callback, `self.record` in a dict), no call
 * argument, object value or bound value mentions it, and nothing calls it by convention: it is not decorated (a
 * route, a registered tool), not a hook (`on_usage`, `handleLLMEnd`), not an exported function (a library's entry
 * point its users call) and not a method of a class extending one the repo does not define (a framework's callback
 * class, whose methods the framework calls). A method declared and never wired: `protected updateUsageStats()` that
 * no provider subclass calls.
 */
function neverCalled(ctx: RuleContext, file: string, fn: string): boolean {
  const short = shortName(fn);
  if (!/^[A-Za-z_$][\w$]*$/.test(short) || short.length < 4 || HOOK.test(short)) return false;
  // Only a helper named for the accounting (`updateUsageStats`, `_accumulate_usage`, `record_cost`), which exists to be
  // called by the harness: a feature's own method (`MailDigest.summarise()`) may be an entry point run from outside.
  const ws = words(short);
  if (!ws.some((w) => ACC_WORDS.has(w) || ACC_VERB.has(w) || w === 'stats' || w === 'metrics')) return false;
  return ctx.memo(`usage:never-called:${file}#${fn}`, () => {
    const f = ctx.file(file);
    const def = f?.functions.find((d) => d.name === fn);
    if (!f || !def || def.exported || (def.decorators ?? []).length > 0) return false;
    if (fn.includes('.')) {
      const cls = f.classes.find((c) => c.name === fn.slice(0, fn.lastIndexOf('.')));
      if (!cls || (cls.extends && !ctx.source.some((g) => g.classes.some((c) => c.name === shortName(cls.extends!.replace(/[<(].*$/, '')))))) return false;
    }
    if ((ctx.callNames().get(short) ?? []).some((c) => !(c.file === file && c.line >= def.line && c.line <= def.end))) return false;
    const ref = mentionOf(short);
    for (const g of ctx.source) {
      if (short in g.reads) return false;
      if (g.calls.some((c) => c.args.some((a) => a.includes(short) && ref.test(a)))) return false;
      if (g.objects.some((o) => Object.values(o.values).some((v) => v.includes(short) && ref.test(v)))) return false;
      if ((g.binds ?? []).some((b) => b.value.includes(short) && ref.test(b.value))) return false;
    }
    return true;
  });
}

export default defineRule({
  id: 'budget.usage-tracking',
  principle: 'budget',
  title: 'Token usage is accumulated per session',
  rationale:
    'Without a running total of tokens (or cost) there is nothing to enforce a budget against, and no way to tell a user what a run cost.',
  remediation:
    'Build a usage accumulator that adds each response\'s usage fields (input, output, cache tokens, cost) to a per-session total the loop can read, as in the exemplar budget module.',
  exemplar: 'src/reference-harness/budget/budget.ts',
  detect(ctx) {
    // Functions that hold an agent loop: a local total there spans the run's turns.
    let loopFnSet: Set<string> | undefined;
    const loopFns = () => (loopFnSet ??= new Set(agentLoops(ctx).map((l) => `${l.file}#${l.fn}`)));
    // Members something adds to: `self.stats.total_tokens += n`, `usage.prompt_tokens += …`, or rebuilt from
    // themselves (`self.total = self.total + n`). A bare local `total_tokens += …` adds to no object's member.
    let memberSet: Set<string> | undefined;
    // `project.total_tokens += task.tokens` inside `tasks.forEach((task) => …)`: a local (or a local map's entry) summing a
    // field of each record of a collection, in a function that runs no agent loop, aggregates fetched records.
    const aggregatesRecords = (f: FileFacts, a: { target: string; value: string; line: number; fn: string }): boolean =>
      !/^(?:this|self)\./.test(a.target) && !loopFns().has(`${f.path}#${a.fn}`) && elementRooted(f, a.fn, a.line, a.value);
    const addedMembers = () =>
      (memberSet ??= new Set(
        ctx.source.flatMap((f) => [
          ...(f.adds ?? []).filter((a) => a.target.includes('.') && !aggregatesRecords(f, a)).map((a) => a.target.slice(a.target.lastIndexOf('.') + 1)),
          ...(f.binds ?? []).filter((b) => b.value.includes(`.${b.name}`) && /[+]/.test(b.value)).map((b) => b.name),
        ]),
      ));
    const reads: Evidence[] = [];
    let ownEstimate: Evidence | undefined;
    const readFiles = new Set<string>();
    // Files that read a count (`input_tokens`, `totalTokens`), not only a bare `usage` property.
    const countReadFiles = new Set<string>();
    const accs: Evidence[] = [];
    const estimators: Evidence[] = [];
    // A tokenizer count that is added to a sum or handed to a recorder (`total += count_tokens(m)`,
    // `metrics.add_prompt_size(size=n)`); counts that only size one request against a limit track nothing.
    let recorded: Evidence | undefined;
    // A recorder handed a response's usage that only overwrites the latest figure (`recordUsage()` → `state.usedTokens = …`).
    let stored: Evidence | undefined;
    // What a call's name says, worked out once per distinct name (a repo calls a few thousand names
    // tens of thousands of times); the calls each pass looks at, found by name and put back in file
    // order: an accumulator verb on usage or a tokenizer (pass one); an accumulator verb or `add`
    // with arguments on usage or cost (pass two).
    const flagsByName = new Map<string, number>();
    const nameFlags = (name: string): number => flagsByName.get(name) ?? 0;
    const metricRecorder = (name: string) => metricRecorderIn(ctx, name);
    const picked1: Located<CallFact>[] = [];
    const picked2: Located<CallFact>[] = [];
    const index = ctx.callNames();
    for (const name of index.keys()) {
      const flags = callNameFlags(name);
      if (flags === 0) continue;
      flagsByName.set(name, flags);
      const list = index.get(name)!;
      if (flags & (ADDS_USAGE | COUNTS_TOKENS)) for (const c of list) picked1.push(c);
      if (flags & ACC_OR_ADD) for (const c of list) if (c.args.length && QUICK_ACC.test(c.callee)) picked2.push(c);
    }
    const calls1 = byFileInOrder(ctx, picked1);
    const calls2 = byFileInOrder(ctx, picked2);
    // Totals the harness also takes from (`this.totalTokens -= msg.tokens` when a message leaves the history):
    // the size of what the context holds now, not usage spent over the session. By last name segment.
    const shrinks = new Map<string, Evidence[]>();
    for (const f of ctx.source) {
      for (const d of f.subs ?? []) {
        const last = d.target.slice(d.target.lastIndexOf('.') + 1);
        if (!QUICK_ACC.test(last)) continue;
        const e = { file: f.path, line: d.line, reason: `${d.target} -= ${d.value.length > 40 ? `${d.value.slice(0, 40)}…` : d.value} in ${d.fn} takes tokens back off the total` };
        const list = shrinks.get(last);
        if (!list) shrinks.set(last, [e]);
        else if (list.length < 4) list.push(e);
      }
    }
    // Functions that take a stored size off a member token total (the value is not a response's usage: a budget's
    // `remaining -= usage.total_tokens` spends, and a local `remainingTokens -= n` sizes one request; neither evicts).
    const takesOffIn = (f: FileFacts, fn: string): boolean =>
      (f.subs ?? []).some((d) => d.fn === fn && /^(?:this|self)\.\w*tokens?$/i.test(d.target) && !readsUsage(d.value) && !/^\s*-?\d/.test(d.value));
    // Totals added to only where such a function evicts (`this.summaryTokens += countTokens(summary)` beside
    // `this.totalTokens -= evictedTokens`): sizes of what the context holds, by last name segment.
    const evictSized = new Set<string>();
    if (shrinks.size) for (const f of ctx.source) for (const a of f.adds ?? []) {
      if (!/^(?:this|self)\./.test(a.target) || !QUICK_ACC.test(a.target) || readsUsage(a.value) || !takesOffIn(f, a.fn)) continue;
      evictSized.add(a.target.slice(a.target.lastIndexOf('.') + 1));
    }
    // A field (`this.totalTokens`, `self.history.total_tokens`) named in two words or more: a bare `tokens` may be anything's.
    const shrinking = (target: string) => {
      if (shrinks.size === 0) return false;
      const last = target.slice(target.lastIndexOf('.') + 1);
      return (shrinks.has(last) || evictSized.has(last)) && words(last).length > 1;
    };
    const sizeMeters: Evidence[] = [];
    // Objects holding a usage field (found through the key index): both object passes look at no other.
    const { objs: usageObjs, files: usageObjFiles } = objectsWithAnyKey(ctx, USAGE_FIELDS);
    for (const f of ctx.source) {
      // A web page that runs no agent shows usage the harness reported; it does not track it.
      if (displayFile(ctx, f.path)) continue;
      // Most files read no usage field: a look-up per field before walking every name the file reads.
      let readsAny = false;
      for (const u of USAGE_FIELDS) if (u in f.reads) { readsAny = true; break; }
      // `const totalTokens = options?.totalTokens ?? countTotalTokens(messages)`: in a file that binds the name to
      // its own count, reading it is reading the harness's estimate, not a response's usage.
      const ownCount = (k: string) => (f.binds ?? []).some((b) => b.name === k && OWN_COUNT.test(b.value) && !/\busage/i.test(b.value));
      if (readsAny) for (const k in f.reads) {
        const lines = f.reads[k];
        if (!USAGE_FIELDS.has(k) || shrinking(k)) continue;
        if (ownCount(k)) {
          ownEstimate ??= { file: f.path, line: lines[0], reason: `${k} is the harness's own token count, not a response's usage` };
          continue;
        }
        readFiles.add(f.path);
        if (k !== 'usage' && k !== 'Usage') countReadFiles.add(f.path);
        if (reads.length < 3) reads.push({ file: f.path, line: lines[0], reason: `reads the response's ${k}` });
      }
      for (const c of f.consts) {
        // A literal's property (`usage: { totalTokens: 0 }` on one message) is a record, not a running total.
        if (c.kind === 'param' || c.kind === 'prop' || (c.value !== '0' && c.value !== '0.0') || shrinking(c.name)) continue;
        // A class field declared at 0 (`auto_context_tokens: int = attr.field(default=0)`) is a setting
        // unless something adds to it (`self.total_tokens += …`).
        // Likewise a member zeroed in a constructor or reset (`self._total_tokens = 0`) that is only ever
        // overwritten (`self._total_tokens = usage.total_tokens`): it holds the latest response's figure.
        // A bare local of the same name (`total_tokens += n` in an estimate) adds to no member.
        if ((c.kind === 'field' || c.kind === 'assign') && !addedMembers().has(c.name)) continue;
        const ws = words(c.name);
        if (ws.some((w) => ACC_WORDS.has(w)) && !ws.some((w) => NOT_ACC.has(w))) {
          const score = (ws.some((w) => RUNNING.has(w)) ? 2 : 0) + (ws.some((w) => w === 'input' || w === 'output' || w === 'prompt' || w === 'completion') ? 1 : 0) - (ws.some((w) => w === 'memory' || w === 'system' || w === 'context' || w === 'conversation') ? 2 : 0);
          accs.push({ file: f.path, line: c.line, reason: `${c.name} starts at 0 in ${c.fn} and accumulates usage`, score, persistent: c.kind === 'field' || c.kind === 'assign', ...(c.kind === 'field' || c.kind === 'assign' ? { members: [c.name] } : {}), local: c.kind === 'var' && c.fn !== '<top>' && !loopFns().has(`${f.path}#${c.fn}`) } as Evidence & { score: number });
        }
      }
      // A zeroed usage record (`{ inputTokens: 0, outputTokens: 0 }`) that totals are added into.
      for (const o of usageObjFiles.has(f.path) ? f.objects : []) {
        if (!usageObjs.has(o)) continue;
        // Most objects hold no usage field: count before building the list.
        let n = 0;
        for (const k of o.keys) if (USAGE_FIELDS.has(k) && (o.values[k] === '0' || o.values[k] === '0.0')) n++;
        if (n < 2) continue;
        const zeroed = o.keys.filter((k) => USAGE_FIELDS.has(k) && (o.values[k] === '0' || o.values[k] === '0.0'));
        // A zeroed usage on a synthetic message (`{ role, usage: { input: 0 … }, stopReason: 'error' }`) is a placeholder.
        // So is a local named as the fallback (`const defaultUsage = { inputTokens: 0, … }` for `usage ?? defaultUsage`).
        // Likewise one in a conditional's branch (`usage: r.usage ? { … } : { inputTokens: 0, … }`): a fallback. Not in
        // Python, where that place also holds `prev = usage or { "input_tokens": 0, … }`, the start of a running total.
        const branch = o.ctx === 'other' && f.lang !== 'py';
        const placeholder = ((o.ctx.startsWith('prop:') || branch) && !words(o.fn).some((w) => ACC_FN.has(w))) || (o.ctx.startsWith('var:') && words(o.ctx.slice(4)).some((w) => FALLBACK.has(w)));
        // A record class's defaults (`class TokenUsage(BaseModel): prompt_tokens: int = 0`) are what each
        // instance starts with: a total only when something adds to one of those members.
        if (o.ctx.startsWith('class:') && !zeroed.some((k) => addedMembers().has(k))) continue;
        // `let usage = { inputTokens: 0, … }` later replaced whole by one response's figures (`usage = { inputTokens:
        // event.usage.promptTokens ?? 0, … }`) and never added to: it holds the latest response's usage, not a total.
        const latestOnly = o.ctx.startsWith('var:') && (() => {
          const name = o.ctx.slice(4);
          if (!/^[A-Za-z_$][\w$]*$/.test(name) || (f.adds ?? []).some((a) => a.target === name || a.target.startsWith(`${name}.`) || a.target.startsWith(`${name}[`))) return false;
          const later = f.objects.filter((x) => x !== o && x.ctx === o.ctx && x.line > o.line);
          return later.length > 0 && later.every((x) => x.keys.some((k) => USAGE_FIELDS.has(k) && readsUsage(x.values[k] ?? '')) && !x.keys.some((k) => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\.`).test(x.values[k] ?? '')));
        })();
        // `const existing = stats.get(key) || { inputTokens: 0, … }` added to only by a fold over fetched records.
        const folded = (() => {
          const into = (f.adds ?? []).filter((a) => a.line > o.line && a.line <= o.line + 20 && a.target.includes('.') && zeroed.includes(a.target.slice(a.target.lastIndexOf('.') + 1)));
          return into.length > 0 && into.every((a) => aggregatesRecords(f, a));
        })();
        if (zeroed.length >= 2 && !o.ctx.startsWith('type:') && !placeholder && !latestOnly && !folded) {
          accs.push({ file: f.path, line: o.line, reason: `usage record {${zeroed.join(', ')}} starts at 0 in ${o.fn} (${o.ctx}) and accumulates usage`, score: /usage|total|accum|session/i.test(o.ctx) ? 4 : 1, ...(o.ctx.startsWith('class:') ? { members: zeroed } : {}) } as Evidence & { score: number });
        }
      }
      for (const c of calls1.get(f.path) ?? []) {
        const flags = nameFlags(c.name);
        // A recorder in a metrics file hands the figure to an exported instrument (see metricsFile), not to a total.
        if (flags & ADDS_USAGE && metricsFile(f) && metricRecorder(c.name)) { /* exported, not kept */ }
        else if (flags & ADDS_USAGE && overwritesOnly(ctx, c.name)) stored ??= storedAt(f, c);
        else if (flags & ADDS_USAGE) {
          accs.push({ file: f.path, line: c.line, reason: `${c.callee}() in ${c.fn} adds a response's usage to a running total`, score: 3 } as Evidence & { score: number });
        }
        if (flags & COUNTS_TOKENS) {
          if (estimators.length < 8) estimators.push({ file: f.path, line: c.line, reason: `${c.callee}() counts tokens` });
          if (!recorded && countRecorded(f, c)) recorded = { file: f.path, line: c.line, reason: `${c.callee}() counts tokens and the count is added to a total or recorded` };
        }
      }
    }
    // The accumulation itself: `self.total_cost += cost`, `totals.input += response.usage.input_tokens`,
    // `context.usage.add(response.usage)`. What is added reads a provider usage field, or the running
    // total is named for tokens or cost; a total on an object or field outlives one call.
    let reachedSet: ReturnType<typeof loopReachable> | undefined;
    const reached = { has: (n: string) => (reachedSet ??= loopReachable(ctx, 3)).has(n) };
    // `total += turnTokens` where `const turnTokens = response.usage?.prompt_tokens`: the added name traced one step back.
    const boundUsage = (f: (typeof ctx.source)[number], fn: string, value: string): boolean => {
      const id = /^[A-Za-z_$][\w$]*$/.exec(value.trim())?.[0];
      if (!id) return false;
      const b = (f.binds ?? []).find((x) => x.fn === fn && x.name === id);
      return !!b && readsUsage(b.value);
    };
    // A bare local added to inside a loop over a list of messages (`for (const m of this.history.messages)`),
    // in a function that does not run the agent loop.
    const overHistory = (f: (typeof ctx.source)[number], a: { target: string; line: number; fn: string }): boolean =>
      /^[A-Za-z_$][\w$]*$/.test(a.target) &&
      f.loops.some((l) => l.kind === 'for-of' && l.fn === a.fn && l.line <= a.line && a.line <= l.end && HISTORY_ITER.test(l.cond.trim())) &&
      !loopFns().has(`${f.path}#${a.fn}`);
    // A helper declared inside the function that calls it (a closure over that function's locals).
    const nestedHelper = (f: FileFacts, c: CallFact): boolean => {
      const outer = f.functions.find((x) => x.name === c.fn && x.line <= c.line && c.line <= x.end);
      return !!outer && f.functions.some((h) => h.name === c.name && h.line > outer.line && h.end <= outer.end && h.end < c.line);
    };
    // Inside such a closure: `callsUsage = addUsage(callsUsage, usage)` adds into a bare local of the function around it.
    const inClosureOnLocal = (f: FileFacts, c: CallFact): boolean => {
      if (!/^[A-Za-z_$][\w$]*$/.test((c.args[0] ?? '').trim())) return false;
      const own = f.functions.find((x) => x.name === c.fn && x.line <= c.line && c.line <= x.end);
      if (!own || own.params.some((p) => p.replace(/[?]?\s*[:=][\s\S]*$/, '').trim() === c.args[0].trim())) return false;
      const outer = f.functions.find((x) => x !== own && x.line < own.line && own.end <= x.end);
      return !!outer && !loopFns().has(`${f.path}#${outer.name}`);
    };
    // Every accumulation found, with the function it sits in; the best is the highest-scoring one whose function runs.
    const offers: Array<{ e: Evidence; direct: boolean; score: number; kept: boolean; file: string; fn: string; i: number }> = [];
    const offer = (e: Evidence, score: number, direct: boolean, kept = true, fn = '') => {
      offers.push({ e, score, direct, kept, file: e.file, fn, i: offers.length });
    };
    for (const f of ctx.source) {
      // A UI component or export template summing what it displays is not the harness accounting for its run.
      if (PRESENTATION.test(f.path)) continue;
      for (const a of f.adds ?? []) {
        // A number literal adds nothing measured; a string (`header += f"Tokens: {n}"`) builds text.
        // `prompt += ("#### Usage:\n" …)`: text in parentheses is still text.
        if (/^[\s(]*-?\d|^[\s(]*[fbru]?['"`]/i.test(a.value) || !QUICK_ACC.test(a.target + a.value)) continue;
        const tw = words(a.target);
        if (tw.some((w) => NOT_ACC.has(w) || w === 'chars' || w === 'length' || w === 'bytes')) continue;
        const usage = readsUsage(a.value) || boundUsage(f, a.fn, a.value);
        if (!usage && !tw.some((w) => ACC_WORDS.has(w))) continue;
        // `for m in self.messages: total += len(enc.encode(m.content))`: a local summed over the messages the
        // history holds now is the size of the context, not usage spent over the session (unless what it adds
        // is each response's own usage record, `m.usage.input`, which rebuilds the session's total).
        if (overHistory(f, a) && !/\b(usage|usageMetadata|usage_metadata|token_usage|tokenUsage)\b/.test(a.value)) continue;
        // A field of each fetched record summed into a local (history rows grouped per project): no running total.
        if (aggregatesRecords(f, a)) continue;
        // A total that messages are also taken off measures the context as it stands, not the session's usage.
        // So does one added only where stored sizes are taken off a token total (see evictSized).
        if (shrinking(a.target)) {
          if (sizeMeters.length < 2) sizeMeters.push({ file: f.path, line: a.line, reason: `${a.target} += ${a.value.length > 40 ? `${a.value.slice(0, 40)}…` : a.value} in ${a.fn} adds to the size of the current context` });
          continue;
        }
        // Usage of an embedding request is not the agent's model usage.
        if (words(a.fn).some((w) => SHOWS.has(w) || /^embed/.test(w))) continue;
        // A field (`this.total…`, `self.stats.cost`) outlives the call; `state.usage.x` likely does; a local
        // (`acc.input` in a reduce callback, `aggregated.prompt_tokens` over one stream) sums one thing.
        // A subscript's own dots (`token_count[event.index]`) say nothing of where the total lives: the slot of a local map.
        const slot = a.target.includes('[') ? a.target.replace(/\[[^\]]*\]/g, '') : a.target;
        let field = /^(this|self)\./.test(slot) ? 2 : slot.includes('.') && !/^(acc|accumulator|sum|memo|prev|a|aggregated\w*)\./.test(slot) ? 1 : 0;
        // `message.prompt_tokens += next_chunk.usage.prompt_tokens`: a member of a local reply (a message, a response,
        // a completion being assembled from a stream) sums one response's usage, not the session's.
        const head = slot.includes('.') && !/^(this|self)\./.test(slot) ? words(slot.slice(0, slot.indexOf('.'))) : [];
        const localReply = head.length > 0 && REPLY.has(head[head.length - 1]);
        // `self.usage.input_tokens += event.input_tokens` in `Msg.append_event()`, `self._usage += …` in a
        // `…StreamedResponse` event iterator: a member of one reply (message, response, stream) summed over its
        // chunks; the reply outlives the call, but its total is one response's usage, not the session's.
        const oneReply = field > 0 && ((/^(this|self)\./.test(a.target) && replyOwner(a.fn)) || localReply);
        if (oneReply) field = 0;
        // `self.input_tokens += input_tokens` where input_tokens is the function's parameter: the figure arrives from
        // a caller (perhaps an estimate), not read here from a response's usage.
        const param = /^[A-Za-z_$][\w$]*$/.test(a.value.trim()) && (ctx.file(f.path)?.functions.find((x) => x.name === a.fn)?.params ?? []).some((p) => p.replace(/^[*.\s]+/, '').replace(/[?]?\s*[:=][\s\S]*$/, '').trim() === a.value.trim());
        const score = (usage ? 2 : 0) + (/\b(usage|usageMetadata|usage_metadata|token_usage|tokenUsage)\b/.test(a.value) ? 1 : 0) + field + (tw.some((w) => ACC_WORDS.has(w)) ? 1 : 0) + (reached.has(shortName(a.fn)) ? 1 : 0) - (localReply ? 1 : 0);
        offer({ file: f.path, line: a.line, reason: `${a.target} += ${a.value.length > 60 ? `${a.value.slice(0, 60)}…` : a.value} in ${a.fn} adds ${usage ? "a response's usage" : 'tokens or cost'} to a running total${oneReply ? ' (a member of one reply, summed over its chunks)' : ''}` }, score, usage && field > 0 && !param, field > 0 || oneReply || loopFns().has(`${f.path}#${a.fn}`) || usage, a.fn);
      }
      // `this.state.usage = { inputTokens: this.state.usage.inputTokens + (usage.inputTokens ?? 0), … }`: a new total built from the old one plus a response's usage.
      for (const o of usageObjFiles.has(f.path) ? f.objects : []) {
        if (!usageObjs.has(o)) continue;
        let k = '';
        for (const key of o.keys) {
          if (!USAGE_FIELDS.has(key)) continue;
          const v = o.values[key] ?? '';
          const i = v.indexOf(`.${key}`);
          const rest = v.slice(i + key.length + 1);
          if (i > 0 && /^\s*\+/.test(rest) && readsUsage(rest)) {
            k = key;
            break;
          }
        }
        if (!k) continue;
        const v = o.values[k];
        // `rows.reduce((acc, r) => ({ totalTokens: acc.totalTokens + r.totalTokens }))`: a fold over fetched records.
        const added = v.slice(v.indexOf(`.${k}`) + k.length + 1).replace(/^\s*\+\s*/, '');
        if (!/^(this|self)\./.test(v) && !loopFns().has(`${f.path}#${o.fn}`) && elementRooted(f, o.fn, o.line, added)) continue;
        const field = /^(this|self)\./.test(v) ? 2 : 1;
        const score = 3 + field + (reached.has(shortName(o.fn)) ? 1 : 0);
        offer({ file: f.path, line: o.line, reason: `${o.fn}() builds the running total from the previous one plus the response's usage (${k}: ${v.length > 60 ? `${v.slice(0, 60)}…` : v})` }, score, field === 2, true, o.fn);
      }
      // `usage.add(response.usage)`, `mergeUsage(total, result.usage)`: a usage record added into a total.
      for (const c of calls2.get(f.path) ?? []) {
        const usageArg = c.args.some((x) => readsUsage(x));
        const onUsage = words(c.callee).some((w) => w === 'usage' || w === 'tokens' || w === 'cost');
        if (!usageArg || !onUsage || words(c.fn).some((w) => /^embed/.test(w)) || spanCopy(words(c.name))) continue;
        // A recorder that stores the latest figure (`state.usedTokens = args.totalTokens`) keeps no total.
        if (overwritesOnly(ctx, c.name)) {
          stored ??= storedAt(f, c);
          continue;
        }
        // `counter.add(usage.inputTokens, attributes)` in a metrics file: an OpenTelemetry instrument, exported, not kept.
        // So is a helper named for recording in such a file (`recordTokenUsage(instruments, usage.input, …)` → `histogram.record(…)`).
        if (c.args.length >= 2 && (c.name === 'add' || c.name === 'record' || metricRecorder(c.name)) && metricsFile(f)) continue;
        // `addCallUsage(result.usage)` where `const addCallUsage = (u) => { total = … }` is declared inside the calling
        // function: the total is that function's local (the calls of one compaction, one request), unless it runs the loop.
        if (!c.callee.includes('.') && !loopFns().has(`${f.path}#${c.fn}`) && (nestedHelper(f, c) || inClosureOnLocal(f, c))) {
          offer({ file: f.path, line: c.line, reason: `${c.callee}() in ${c.fn} adds usage into a local of ${c.fn} (the calls of one run of it), not a session total` }, 1, false, false);
          continue;
        }
        const score = 4 + (c.callee.includes('.') ? 1 : 0) + (reached.has(shortName(c.fn)) ? 1 : 0);
        offer({ file: f.path, line: c.line, reason: `${c.callee}() in ${c.fn} adds a response's usage to a running total` }, score, true, true, c.fn);
      }
    }
    // Highest score first, the first found among equals. An accumulation in a function nothing calls (a
    // `protected updateUsageStats()` no provider ever calls) keeps no total at run time: the next one is asked.
    offers.sort((a, b) => b.score - a.score || a.i - b.i);
    let acc: (typeof offers)[number] | undefined;
    let dead: (typeof offers)[number] | undefined;
    const deadFns = new Set<string>();
    for (const o of offers.slice(0, 8)) {
      if (o.fn && neverCalled(ctx, o.file, o.fn)) {
        dead ??= o;
        deadFns.add(`${o.file}#${o.fn}`);
        continue;
      }
      acc = o;
      break;
    }
    if (!acc && !dead) acc = offers[0];
    // The accumulation that never runs, said where the verdict falls short of present.
    const deadNote: Evidence | undefined = dead && (!acc || !acc.kept)
      ? { file: dead.e.file, line: dead.e.line, reason: `${shortName(dead.fn)}() would add a response's usage to a total, but nothing calls it` }
      : undefined;
    accs.sort((a, b) => (b as Evidence & { score: number }).score - (a as Evidence & { score: number }).score);
    const persistent = new Set(accs.filter((a) => (a as Evidence & { persistent?: boolean }).persistent));
    // A local total in a function that runs no loop (`tokensKept = 0` while choosing a cut-off) sums one request.
    const local = new Set(accs.filter((a) => (a as Evidence & { local?: boolean }).local));
    // Members zeroed for a total (`self.total_prompt_tokens = 0`) that only a function nothing calls adds to: no total is kept.
    const liveAdded = deadFns.size === 0 ? undefined : new Set(ctx.source.flatMap((f) => (f.adds ?? []).filter((a) => a.target.includes('.') && !deadFns.has(`${f.path}#${a.fn}`)).map((a) => a.target.slice(a.target.lastIndexOf('.') + 1))));
    const unwired = (a: Evidence) => {
      const ms = (a as Evidence & { members?: string[] }).members;
      return !!liveAdded && !!ms && !ms.some((m) => liveAdded.has(m));
    };
    const unwiredSet = new Set(accs.filter(unwired));
    for (const a of accs) {
      delete (a as Partial<Evidence & { score: number }>).score;
      delete (a as Partial<Evidence & { persistent: boolean }>).persistent;
      delete (a as Partial<Evidence & { local: boolean }>).local;
      delete (a as Partial<Evidence & { members: string[] }>).members;
    }
    const kept = accs.filter((a) => !local.has(a) && !unwiredSet.has(a));
    // Without provider usage, a local sum inside a counting function (`tokens_used += count_tokens(m)`) measures one request, not the run.
    // The sum named first must itself outlive the call; otherwise the kept accumulators below carry the verdict.
    if (acc && acc.kept && (readFiles.size > 0 || estimators.length > 0)) {
      return {
        level: 'present',
        reason: `${readFiles.size > 0 ? `provider usage is read in ${readFiles.size} file(s)` : 'tokens or cost are computed per call'} and summed into running totals: ${acc.e.reason} (${acc.e.file}:${acc.e.line})`,
        evidence: [acc.e, ...kept.filter((a) => a.file !== acc.e.file || a.line !== acc.e.line).slice(0, 1), ...reads.slice(0, 2), ...(readFiles.size ? [] : estimators.slice(0, 1))],
        // A response's usage field added into a total that outlives the call: the accumulation is in the code.
        confidence: acc.direct ? 'high' : 'low',
      };
    }
    if (readFiles.size > 0 && kept.length > 0) {
      return {
        level: 'present',
        reason: `provider usage is read in ${readFiles.size} file(s) and summed into running totals (${kept.length} token/cost accumulators, e.g. ${kept[0].file}:${kept[0].line})`,
        evidence: [...kept.slice(0, 2), ...reads.slice(0, 2)],
      };
    }
    // Usage from a tokenizer or cost function (litellm `token_counter`, `completion_cost`) added to
    // per-run stats in the same file: `self.stats.tokens_sent += input_tokens`.
    const estFiles = new Set(estimators.map((e) => e.file));
    // A local sum inside a counting function (`tokens_used = 0` in `count_messages_tokens`) measures one request, not the run.
    const near = accs.find((a) => estFiles.has(a.file) && persistent.has(a) && !unwiredSet.has(a));
    if (near) {
      const e = estimators.find((x) => x.file === near.file)!;
      return {
        level: 'present',
        reason: `tokens or cost are computed per call (${e.reason}) and summed into per-run totals (${near.file}:${near.line})`,
        evidence: [near, e],
      };
    }
    // A running total the model client keeps (`ctx.llm.client.total_cost`, a LangChain callback's `cb.total_cost`):
    // read by the harness but never added to, assigned or zeroed by it, so a library accumulates it per session.
    const libTotal = clientTotal(ctx);
    if (libTotal) {
      return {
        level: 'present',
        reason: `the model client keeps the session's running total and the harness reads it: ${libTotal.name} (${libTotal.file}:${libTotal.line}) is read but never written by the harness`,
        evidence: [{ file: libTotal.file, line: libTotal.line, reason: `reads the client's running total ${libTotal.name}` }, ...reads.slice(0, 1)],
        confidence: 'low',
      };
    }
    if (sizeMeters.length > 0) {
      const m = sizeMeters[0];
      const target = m.reason.split(' += ')[0];
      // The subtraction from the same total, in the same file when there is one.
      const downs = shrinks.get(target.slice(target.lastIndexOf('.') + 1)) ?? [];
      const down = downs.find((d) => d.file === m.file) ?? downs[0];
      return {
        level: 'partial',
        reason: `${target} estimates the tokens the context holds now (added as messages come in, taken off as they leave), but no usage is accumulated over the session${readFiles.size > 0 ? '' : '; provider usage fields are never read'}`,
        evidence: [m, ...(down ? [down] : [])],
        confidence: 'low',
      };
    }
    // Tokenizer counts that only decide whether one request or chunk fits (compared, subtracted from a
    // limit, stored on a chunk) measure a size, not the session's consumption.
    if (readFiles.size === 0 && estimators.length > 0 && !recorded) {
      const e = estimators[0];
      return { level: 'absent', reason: `tokens are counted with a tokenizer only to size a request or a chunk (e.g. ${e.file}:${e.line}); no count is added to a total or recorded, and provider usage is never read`, evidence: [], confidence: 'low' };
    }
    // A bare `usage` property with no count read anywhere (a storage quota's `info.usage`, a response's
    // `usage.server_tool_use` read to see which server tool ran) is not token consumption.
    if (readFiles.size > 0 && countReadFiles.size === 0 && estimators.length === 0) {
      const e = reads[0];
      return { level: 'absent', reason: `only a bare usage property is read (${e.file}:${e.line}); no token or cost count of a model response is read or accumulated`, evidence: [], confidence: 'low' };
    }
    if (readFiles.size > 0 || estimators.length > 0) {
      return {
        level: 'partial',
        reason: readFiles.size > 0
          ? `usage fields of model responses are read, but no running token or cost total is kept for the session${stored ? ` (${stored.reason})` : ''}${deadNote ? `; ${deadNote.reason}` : ''}`
          : 'tokens are estimated with a tokenizer, but provider usage is never read or accumulated per session',
        evidence: readFiles.size > 0 ? [...(stored ? [stored] : []), ...(deadNote ? [...reads.slice(0, 2), deadNote] : reads), ...estimators].slice(0, 3) : [recorded!, ...estimators.filter((e) => e.file !== recorded!.file || e.line !== recorded!.line)].slice(0, 3),
      };
    }
    // Every source file was searched for provider usage fields and token counters; with a model call
    // found, the responses are known and none of their usage is read.
    if (ownEstimate) {
      return { level: 'absent', reason: `no usage field of a model response is read and nothing is accumulated: the only token figure is the harness's own per-request estimate (${ownEstimate.file}:${ownEstimate.line})`, evidence: [], confidence: 'low' };
    }
    return { level: 'absent', reason: 'no usage field of a model response is read and no tokenizer is used; token consumption is not tracked', evidence: [], confidence: modelCalls(ctx).length > 0 || agentLoops(ctx).length > 0 ? 'high' : 'low' };
  },
});
