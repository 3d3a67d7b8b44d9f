import { paramName, shortName, type Located, type RuleContext } from '../context.js';
import type { CallFact, GuardFact } from '../../analyzers/facts.js';
import type { Finding } from '../types.js';
import { defineRule } from '../types.js';
import { agentLoops, GENERIC, isModelTurnCall, reachesFast } from '../shared/loop.js';
import { inputHistory, words } from '../shared/persist.js';
import { compactors, countsTokens, frameworkContext, historyPipelines, historySizeChecks, hookRun, limitGate, optInGate, loopReaches, projectionSites, type Compactor } from './context.js';
import { fnAt } from '../shared/resolve.js';

/** Words naming the conversation as a whole (not one message of it). */
const WHOLE_HISTORY = new Set(['messages', 'msgs', 'history', 'conversation', 'conversations', 'transcript', 'context', 'chat', 'session', 'turns', 'thread', 'memory', 'dialog', 'dialogue']);
/** Objects a summary or trim may be about that are not the conversation. */
const NOT_HISTORY = new Set(['document', 'doc', 'docs', 'file', 'files', 'schema', 'tool', 'result', 'results', 'output', 'outputs', 'image', 'images', 'diff', 'description', 'title', 'code', 'snippet', 'selection', 'prefix', 'suffix', 'lines', 'line', 'text', 'string', 'content']);

/** Call sites in user-command handlers are manual, not automatic. */
const MANUAL = /^(action|execute|run|handle\w*Command|\w*Command|on\w*)$/;
/** Names of the function that runs one turn of the agent. */
const STEP_WORDS = new Set(['step', 'turn', 'loop']);
const AUTO = new Set(['auto', 'check', 'maybe', 'ensure', 'try', 'should', 'prepare', 'before', 'overflow', 'threshold', 'manage', 'fit', 'build', 'process', 'turn', 'step', 'run', 'loop']);

/** An automatic trigger of the compactor: a call site under a condition, in a threshold/auto function, or from the loop. */
function trigger(ctx: RuleContext, c: Compactor, compacting: Set<string>): { file: string; line: number; why: string; path?: string[]; gated?: boolean } | undefined {
  const short = shortName(c.fn.name);
  const hit = loopReaches(ctx, c.fn.name, 2);
  // A summariser that recurses on halves of the history (`summarize_real()` calling itself) is not the agent loop,
  // nor is another compactor's pass over the messages (`for m in self.memory: m['content'] = self.summarize(…)`).
  if (hit && hit.loop !== c.fn.name && !compacting.has(hit.loop)) return { file: hit.file, line: hit.line, why: `the agent loop in ${hit.loop} reaches ${short}() (${hit.path.join(' → ')})`, path: [shortName(hit.loop), ...hit.path] };
  const callers = ctx.callsNamed(short).filter((x) => x.fn !== c.fn.name && !MANUAL.test(shortName(x.fn)));
  for (const call of callers) {
    const ws = words(shortName(call.fn));
    if (call.cond || ws.some((w) => AUTO.has(w))) return { file: call.file, line: call.line, why: `${call.fn}() calls ${short}() ${call.cond ? 'under a condition' : 'as part of the turn'}` };
    // In the body of an `if` that compares a size with a limit (`if len(content) > ctx * 1.5:` then `self.compress()`),
    // outside another compactor (`compress()` summarising each long message is that compactor's own work).
    // The function holding it must itself run (something calls it): an unused helper sets nothing off.
    const cmp = !compacting.has(call.fn) && ctx.callsNamed(shortName(call.fn)).some((u) => u.fn !== call.fn) && sizeCheckBefore(ctx, call);
    if (cmp) return { file: call.file, line: call.line, why: `${call.fn}() calls ${short}() when ${cmp}` };
  }
  // Two callers up: the agent's step asks a wrapper for the history it sends (`CodeActAgent.step()` →
  // `condenser.condensed_history(state)` → `condense(view)`), so the compactor runs every step.
  for (const call of callers.slice(0, 6)) {
    const mid = shortName(call.fn);
    if (GENERIC.has(mid)) continue;
    const up = ctx.callsNamed(mid).find((u) => u.fn !== call.fn && u.fn !== c.fn.name && !MANUAL.test(shortName(u.fn)) && words(shortName(u.fn)).some((w) => STEP_WORDS.has(w)));
    if (up) return { file: up.file, line: up.line, why: `${up.fn}() calls ${mid}(), which calls ${short}(), on every step` };
  }
  if (words(short).some((w) => w === 'auto' || w === 'try' || w === 'maybe') && callers.length > 0) {
    return { file: callers[0].file, line: callers[0].line, why: `${callers[0].fn}() calls ${short}() automatically` };
  }
  // Registered as a hook whose hook point the loop runs (`register_hook(TURN_POST, fn)` + `trigger_hook(TURN_POST)` in the loop).
  const hook = hookRun(ctx, c.fn);
  if (hook) {
    return { file: hook.reg.file, line: hook.reg.line, why: `${short}() is registered for the ${hook.reg.point} hook, which ${hook.run.fn}() runs (${hook.run.file.split('/').pop()}:${hook.run.line}) in the agent loop of ${hook.loop}` };
  }
  // After an early return on a size test or a check's answer (`const a = shouldCompact(history); if (!a.should) return history;`
  // then `summarize(…)`): the same as calling it under that condition.
  for (const call of callers) {
    const gate = thresholdGate(ctx, call);
    if (gate) return { file: gate.file, line: gate.line, why: `${call.fn}() returns early unless ${gate.cond.replace(/^!\s*|^not\s+/, '')} (line ${gate.line}), then calls ${short}() (line ${call.line})`, gated: true };
  }
  return undefined;
}

/**
 * The class of a method that no shipped code builds: not constructed (`X(…)`, `new X(…)`), nor a subclass
 * of it, nor named as a value (`providers: [X]`, `default_factory=X`, `{"summarizing": X}`) outside tests,
 * examples and docs. An SDK's opt-in strategy (a summarising conversation manager beside the default
 * sliding window, a compaction capability the user adds) is reached through the interface the loop calls,
 * but runs only when the user builds it. A static or class method needs no instance, and the class
 * holding the agent loop is the default path however it is built.
 */
function unbuiltClass(ctx: RuleContext, file: string, fnName: string): { cls: string; file: string; line: number } | undefined {
  const dot = fnName.lastIndexOf('.');
  if (dot < 0) return undefined;
  const cls = fnName.slice(0, dot).split('.').pop()!;
  const f = ctx.file(file);
  const c = f?.classes.find((x) => x.name === cls);
  const m = f?.functions.find((x) => x.name === fnName);
  if (!f || !c || m?.decorators?.some((d) => /^(?:staticmethod|classmethod)$/.test(d))) return undefined;
  // The agent's own class: an SDK leaves building it to its user, and it is the default path.
  if (agentLoops(ctx).some((l) => l.fn.startsWith(`${cls}.`))) return undefined;
  const family = new Set([cls]);
  for (let i = 0; i < 3; i++) {
    for (const g of ctx.source) for (const k of g.classes) if (k.extends && family.has(k.extends.replace(/[<[].*$/s, '').split('.').pop()!.trim())) family.add(k.name);
  }
  const shipped = (path: string) => !NOT_SHIPPED.test(path);
  for (const name of family) {
    if (ctx.callsNamed(name).some((x) => shipped(x.file) && (x.callee === name || x.callee === `new ${name}` || x.callee.endsWith(`.${name}`)))) return undefined;
  }
  const ident = new RegExp(`(?:^|[^\\w$.'"])(?:${[...family].join('|')})(?![\\w$'"])`);
  for (const g of ctx.source) {
    if (!shipped(g.path)) continue;
    if (g.objects.some((o) => Object.values(o.values).some((v) => ident.test(v)))) return undefined;
    if ((g.binds ?? []).some((b) => ident.test(b.value))) return undefined;
  }
  return { cls, file, line: c.line };
}

/**
 * An early return in the caller's function before the call, on a size test against a limit
 * (`if total <= self.max_tokens: return messages`) or on a check's answer (`if (!analysis.should) return history;`):
 * the call runs only when the history is over the limit.
 */
function thresholdGate(ctx: RuleContext, call: Located<CallFact>): (GuardFact & { file: string }) | undefined {
  return limitGate(ctx, call.file, call.fn, 0, call.line);
}

/** A size comparison on the line of a call or just above it, in the same function: the `if` the call sits under. */
function sizeCheckBefore(ctx: RuleContext, call: Located<CallFact>): string | undefined {
  const cmp = (ctx.file(call.file)?.compares ?? []).find((c) => c.fn === call.fn && c.line <= call.line && c.line >= call.line - 2 && /[<>]/.test(c.text) && !/(?:>|>=)\s*[01]$|<\s*[01]$/.test(c.text.trim()));
  return cmp?.text;
}

/** Whether a function named `name` summarises with a model (directly or within two calls). */
function summarisesByName(ctx: RuleContext, name: string, cs: Compactor[]): string | undefined {
  const c = cs.find((x) => shortName(x.fn.name) === name && x.summarises);
  if (c) return c.via;
  for (const def of ctx.functionsNamed(name).slice(0, 3)) {
    const path = reachesFast(ctx, def.file, def.name, (x) => isModelTurnCall(ctx, x), 2);
    if (path) return path.map((x) => x.name).join(' → ');
  }
  return undefined;
}

/** Paths of configuration that does not ship with the harness: evaluation cases, tests, examples. */
const NOT_SHIPPED = /(?:^|\/)(?:tests?|evals?|auto_eval|benchmarks?|examples?|fixtures?|docs?)(?:\/|$)/i;

interface OffFlag {
  /** Where the flag is read before the call. */
  file: string;
  line: number;
  flag: string;
  /** Why it is off, and where that is set. */
  why: string;
  at: { file: string; line: number };
}

/**
 * A flag read on the call's line or just above it (`if self.memory_compression and …:` then `self.compress()`)
 * that is off wherever its value comes from: a setting read with a default of false (`self._get_bool("x", False)`)
 * that no shipped configuration turns on, or a constructor parameter stored on the object (`self.x = x` in
 * `__init__`) that every construction of the class passes as false.
 */
function offFlag(ctx: RuleContext, site: { file: string; line: number; fn: string }): OffFlag | undefined {
  const f = ctx.file(site.file);
  const def = fnAt(ctx, site.file, site.line);
  if (!f || !def) return undefined;
  for (const flag in f.reads) {
    const read = f.reads[flag].find((l) => l <= site.line && l >= Math.max(def.line, site.line - 3));
    if (read === undefined || !/^[a-z_$][\w$]*$/i.test(flag)) continue;
    const binds = ctx.source.flatMap((s) => (s.binds ?? []).filter((b) => b.name === flag).map((b) => ({ ...b, file: s.path })));
    if (!binds.length) continue;
    // A setting with a default of false, read under its own name.
    const getter = new RegExp(`^[\\w$.]+\\(\\s*(['"])${flag}\\1\\s*,\\s*(?:False|false)\\s*\\)$`);
    if (binds.every((b) => getter.test(b.value))) {
      const on = ctx.configEntries.find((e) => e.key.split('.').pop() === flag && /^true$/i.test(e.value) && !NOT_SHIPPED.test(e.file));
      if (!on) return { file: site.file, line: read, flag, why: `${flag} is a setting that defaults to false (${binds[0].value}) and no shipped configuration turns it on`, at: { file: binds[0].file, line: binds[0].line } };
      continue;
    }
    // A constructor parameter kept on the object, passed as false by every construction.
    if (binds.length !== 1) continue;
    const b = binds[0];
    const init = /^(.+)\.(?:__init__|constructor)$/.exec(b.fn);
    // `self._enable_x = enable_x`: the field keeps the parameter under a private name.
    if (!init || b.value.replace(/^_+/, '') !== flag.replace(/^_+/, '') || !/^[\w$]+$/.test(b.value)) continue;
    const param = b.value;
    const cls = init[1].split('.').pop()!;
    // A parameter that defaults to false (`enable_context_compression: bool = False`) which no call in the repo sets
    // to anything but itself or false (`enable_context_compression=enable_context_compression` in a subclass that
    // forwards its own parameter, itself defaulting to false, is no call that turns it on).
    const dflt = ctx.file(b.file)?.consts.find((c) => c.kind === 'param' && c.fn === b.fn && c.name === param);
    if (dflt && /^false$/i.test(dflt.value.trim())) {
      const set = new RegExp(`^${param}\\s*[=:]\\s*(.+)$`);
      // Calls that forward the caller's own parameter (`enable_x=enable_x`, `self.enable_x`) are kept to be checked below.
      const forwards: Array<{ file: string; fn: string }> = [];
      const turnedOn = ctx.source.some(
        (src) =>
          (src.path.endsWith('.py') || /\.[cm]?[jt]sx?$/.test(src.path)) &&
          src.calls.some((c) =>
            c.args.some((a) => {
              const v = set.exec(a.trim())?.[1].trim();
              if (v === undefined || /^(?:False|false)$/.test(v)) return false;
              if (v !== param && v !== `self.${param}` && v !== `self._${param}`) return true;
              forwards.push({ file: src.path, fn: c.fn });
              return false;
            }),
          ),
      );
      // Each forwarding function must itself take the parameter with a default of false.
      const forwardOff = forwards.every(({ file, fn }) => !!ctx.file(file)?.consts.some((c) => c.kind === 'param' && c.fn === fn && c.name === param && /^false$/i.test(c.value.trim())));
      if (!turnedOn && forwardOff) {
        return { file: site.file, line: read, flag, why: `${flag} is the constructor parameter ${param} of ${cls}, which defaults to False and no call in the repo turns on`, at: { file: b.file, line: dflt.line } };
      }
    }
    if (b.value !== flag) continue;
    // A module's own demo (`if __name__ == "__main__": Memory(…)` beside the class) is not a construction the app makes.
    const made = ctx.callsNamed(cls).filter((c) => (c.callee === cls || c.callee === `new ${cls}` || c.callee.endsWith(`.${cls}`)) && !(c.file === b.file && c.fn === '<top>'));
    const kw = new RegExp(`^${flag}\\s*=\\s*False$`);
    if (made.length && made.every((c) => c.args.some((a) => kw.test(a)))) {
      return { file: site.file, line: read, flag, why: `${flag} is a constructor parameter of ${cls} that every construction passes as False (${made.length}×, e.g. ${made[0].file.split('/').pop()}:${made[0].line})`, at: { file: made[0].file, line: made[0].line } };
    }
  }
  return undefined;
}

/**
 * A summarising compactor whose automatic call sits behind an off flag: its own callers, or (for a helper of
 * another compactor, `compress()` → `summarize()`) that compactor's callers.
 */
function summaryOff(ctx: RuleContext, cs: Compactor[]): { c: Compactor; call: Located<CallFact>; off: OffFlag; through?: string } | undefined {
  const names = new Set(cs.map((c) => c.fn.name));
  for (const c of cs) {
    if (!c.summarises) continue;
    const callers = ctx.callsNamed(shortName(c.fn.name)).filter((x) => x.fn !== c.fn.name && !MANUAL.test(shortName(x.fn)));
    const sites = callers.flatMap((x): Array<{ call: Located<CallFact>; through?: string }> =>
      names.has(x.fn) ? ctx.callsNamed(shortName(x.fn)).filter((y) => y.fn !== x.fn && !MANUAL.test(shortName(y.fn))).map((call) => ({ call, through: x.fn })) : [{ call: x }],
    );
    for (const { call, through } of sites.slice(0, 8)) {
      const off = offFlag(ctx, call);
      if (off) return { c, call, off, through };
    }
  }
  return undefined;
}

/** The call of the compactor that its trigger relies on (the caller at the trigger, or the loop path's last hop), when behind an off flag. */
function triggerOff(ctx: RuleContext, c: Compactor, t: { file: string; line: number; path?: string[] }): { c: Compactor; call: Located<CallFact>; off: OffFlag; through?: string } | undefined {
  const short = shortName(c.fn.name);
  const at = t.path ? t.path[t.path.length - 2] : shortName(fnAt(ctx, t.file, t.line)?.name ?? '');
  if (!at) return undefined;
  for (const call of ctx.callsNamed(short).filter((x) => x.fn !== c.fn.name && shortName(x.fn) === at).slice(0, 4)) {
    const off = offFlag(ctx, call);
    if (off) return { c, call, off };
  }
  return undefined;
}

const HISTORY_NAME = /^(?:messages|history|chat_?history|chatHistory|conversation|turns|memory)$/i;

/**
 * The history cut to its tail, alone or inside a longer value: `self.messages[-self.max_messages:]`,
 * `this.history.slice(-limit)`, `messages[:1] + messages[1 + max(0, len(messages) - n):]`,
 * `[messages[0], ...messages.slice(-n)]`, `history[len(history) - keep:]` (the sliced name is group 1).
 */
const TAIL_IN = /([\w$.]+)(?:\[(?:-[\w$.]+|[^\]:]*len\(\1\)-[^\]:]*):\]|\.slice\((?:-[\w$.]+|\1\.length-[\w$.]+)\))/;
/** A bound name that holds messages: `messages`, `truncated_messages`, `keptHistory`. */
const HOLDS_HISTORY = /messages|history|conversation/i;

function slidingWindow(ctx: RuleContext): { file: string; line: number; fn: string; name: string; value: string } | undefined {
  for (const f of ctx.source) {
    for (const b of f.binds ?? []) {
      if (!HOLDS_HISTORY.test(b.name) && !HISTORY_NAME.test(b.name)) continue;
      if (inputHistory(b.fn, f.path)) continue;
      // A UI component's list of messages to show (`displayMessages = messages.slice(-10)` in `TaskChat()`
      // of a .tsx file, or a render helper nested in it) is what the screen shows, not what is sent to the model.
      if (/\.[jt]sx$/.test(f.path) && f.functions.some((fn) => fn.line <= b.line && fn.end >= b.line && /^[A-Z]/.test(shortName(fn.name)))) continue;
      // The same name (`messages = messages[-n:]`) or another (`truncated_messages = messages[:1] + messages[len(messages) - n:]`).
      const t = TAIL_IN.exec(b.value.replace(/\s+/g, ''));
      if (t && HISTORY_NAME.test(t[1].split('.').pop()!)) return { file: f.path, line: b.line, fn: b.fn, name: b.name, value: b.value };
    }
  }
  return undefined;
}

/** A cut of a list of messages: `trim`, `truncate`, `prune`, `pop(i)` (a bare `pop()` takes the newest), `shift`, `splice`, `remove_first…`, `drop…`. */
const CUT_CALL = /^(?:trim|truncate|prune|pop|shift|splice|drop\w*|remove_?(?:first|oldest|old)\w*|removeOldest\w*|evict\w*)$/i;

/**
 * A count-triggered cut: `if len(convo.messages) > 10: convo.trim(1, 2)`, `if (history.length > 40) history.splice(1, 2)`,
 * `if (state.messages.length > 20) state.messages = state.messages.slice(-15)`:
 * a comparison of the number of messages with a number, and within the next lines a cut on the same object.
 */
function countTriggeredCut(ctx: RuleContext): { file: string; line: number; fn: string; cond: string; cut: string } | undefined {
  for (const f of ctx.source) {
    for (const c of f.compares ?? []) {
      const m = /^(?:len\(\s*([\w$.]+)\s*\)|([\w$.]+)\.length)\s*(?:>|>=)\s*[\w$.]+$/.exec(c.text.trim());
      const list = m?.[1] ?? m?.[2];
      // `messages.length > 0` asks whether there is anything to remove, not whether the history grew too long.
      if (/(?:>|>=)\s*[01]$/.test(c.text.trim())) continue;
      if (!list || !HISTORY_NAME.test(list.split('.').pop()!) || inputHistory(c.fn, f.path)) continue;
      const root = list.split('.')[0];
      // Or the list replaced by its tail (`state.context.messages = state.context.messages.slice(-15)`).
      const tail = (x: CallFact) => x.name === 'slice' && x.args.length === 1 && /^-/.test(x.args[0].trim()) && x.callee === `${list}.slice`;
      const cut = f.calls.find(
        (x) => x.fn === c.fn && x.line > c.line && x.line <= c.line + 3 && ((CUT_CALL.test(x.name) && !(x.name === 'pop' && !x.args.length) && (x.callee === `${list}.${x.name}` || x.callee === `${root}.${x.name}`)) || tail(x)),
      );
      if (cut) return { file: f.path, line: c.line, fn: c.fn, cond: c.text, cut: `${cut.callee}(${cut.args.join(', ')})` };
    }
  }
  return undefined;
}

/** A walk back from the newest message: `for (let i = msgs.length - 1; i >= 0; i--)`, `for m in reversed(history)`. */
const BACKWARD = /(?:^|&&\s*)[\w$]+\s*>=\s*0\b|^reversed\(/;
/**
 * The number of kept messages reaching a limit named for messages or the context: `prompts.length >= maxContextMessageCount + 1`,
 * `len(kept) >= self.max_history_messages`, or `kept.length < historyMessageCount` in the walk's own condition (group 1: the limit).
 */
const KEPT_AT_LIMIT = /(?:\.length|len\([\w$.]+\))\s*(?:>=|>)\s*([\w$.]+)/;
const KEPT_UNDER_LIMIT = /(?:\.length|len\([\w$.]+\))\s*(?:<=|<)\s*([\w$.]+)/;
const WINDOW_LIMIT_WORD = new Set(['max', 'maximum', 'limit', 'count', 'keep', 'window']);
const WINDOW_ABOUT_WORD = new Set(['message', 'messages', 'context', 'history', 'turns', 'turn', 'msg', 'msgs']);

/**
 * A count window built by walking the history back from the newest message and stopping when the kept
 * messages reach a maximum (`for (i = msgs.length - 1; i >= 0; i--) { if (prompts.length >= maxContextMessageCount) break; prompts = [msg, ...prompts] }`):
 * the request holds only the newest N messages. The function must be called (an unused helper cuts nothing),
 * and a UI component's list of messages to show is not the request.
 */
function backwardWindow(ctx: RuleContext): { file: string; line: number; fn: string; cond: string } | undefined {
  for (const f of ctx.source) {
    for (const l of f.loops) {
      if (!BACKWARD.test(l.cond.trim())) continue;
      if (/\.[jt]sx$/.test(f.path) && /^[A-Z]/.test(shortName(l.fn))) continue;
      if (inputHistory(l.fn, f.path)) continue;
      // The walk's own condition holds while under the limit; an exit is taken once at it.
      const conds = [{ c: l.cond, re: KEPT_UNDER_LIMIT }, ...l.exits.filter((e) => e.kind === 'break' || e.kind === 'return').map((e) => ({ c: e.cond ?? '', re: KEPT_AT_LIMIT }))];
      const hit = conds.find(({ c, re }) => {
        const m = re.exec(c);
        if (!m) return false;
        const ws = words(m[1].split('.').pop()!);
        return ws.some((w) => WINDOW_LIMIT_WORD.has(w)) && ws.some((w) => WINDOW_ABOUT_WORD.has(w));
      });
      if (!hit) continue;
      if (!ctx.callsNamed(shortName(l.fn)).some((c) => c.fn !== l.fn)) continue;
      return { file: f.path, line: l.line, fn: l.fn, cond: hit.c };
    }
  }
  return undefined;
}

/** A provider SDK's request, also through its raw-response wrapper (`client.beta.messages.with_raw_response.create`). */
const SDK_CREATE = /\.(?:messages|completions|responses)(?:\.with_raw_response|\.with_streaming_response)?\.create$/;
/** The type of a message's image part: `{"type": "image"}`, `image_url`, `input_image`. */
const IMAGE_PART = /^(?:image|image_url|input_image|imageUrl)$/;
/** A history parameter: `messages`, `history: list[Message]`, `chatHistory`. */
const HISTORY_PARAM = /^(?:messages|msgs|history|chat_?history|chatHistory|conversation|transcript|turns)$/i;
/**
 * The newest N kept: a tail slice (`idx[-keep:]`, `xs.slice(-keep)`) or a count less a number kept
 * (`images_to_remove = total_images - images_to_keep`).
 */
const KEEP_NEWEST = /\[\s*-\s*[\w$.]+\s*:\s*\]|\.slice\(\s*-\s*[\w$.]+\s*\)|^[\w$.]+\s*-\s*[A-Za-z_$][\w$.]*$/;

/**
 * Older screenshots dropped from the history before the model call: a function that takes the history,
 * tests its parts for the image type and keeps only the newest N of them (a tail slice of their places, or
 * the count less the number kept), reached from the agent loop or called before a model call in its
 * function. A cut by count every turn, with no summary and no measure of the context.
 */
function imageRetention(ctx: RuleContext): { file: string; line: number; fn: string; keep: string; via: { file: string; line: number; why: string } } | undefined {
  for (const f of ctx.source) {
    if (NOT_SHIPPED.test(f.path) || !f.strings.some((s) => IMAGE_PART.test(s.value))) continue;
    for (const fn of f.functions) {
      if (!fn.params.some((p) => HISTORY_PARAM.test(paramName(p)))) continue;
      if (!f.strings.some((s) => s.line >= fn.line && s.line <= fn.end && IMAGE_PART.test(s.value))) continue;
      const keep = (f.binds ?? []).find((b) => b.fn === fn.name && KEEP_NEWEST.test(b.value.trim()));
      if (!keep) continue;
      // Reached from the loop itself, or through the hook or wrapper that calls it (`on_llm_start()` → `_apply_…()`).
      const callers = ctx.callsNamed(shortName(fn.name)).filter((c) => c.fn !== fn.name && !NOT_SHIPPED.test(c.file));
      const hit = [fn.name, ...callers.slice(0, 4).map((c) => c.fn)].map((n) => loopReaches(ctx, n, 3)).find((h) => h && !h.inCatch);
      if (hit) {
        return { file: f.path, line: fn.line, fn: fn.name, keep: `${keep.name} = ${keep.value}`, via: { file: hit.file, line: hit.line, why: `the agent loop in ${hit.loop} reaches ${shortName(fn.name)}() (${[...hit.path.filter((x) => x !== shortName(fn.name)), shortName(fn.name)].join(' → ')})` } };
      }
      // Called in a function that then calls the model (`_filter_images(messages, n)` then `client.messages.create(…)`).
      const before = callers.find((c) => ctx.file(c.file)!.calls.some((m) => m.fn === c.fn && m.line > c.line && (isModelTurnCall(ctx, m) || SDK_CREATE.test(m.callee))));
      if (before) {
        return { file: f.path, line: fn.line, fn: fn.name, keep: `${keep.name} = ${keep.value}`, via: { file: before.file, line: before.line, why: `${before.fn}() calls ${shortName(fn.name)}() before its model call` } };
      }
    }
  }
  return undefined;
}

export default defineRule({
  id: 'budget.compaction',
  principle: 'budget',
  title: 'The transcript is compacted automatically',
  rationale:
    'Long sessions outgrow the context window; summarising older turns when the transcript nears the limit keeps the agent working instead of failing or silently forgetting.',
  remediation:
    'Build a compactor that, when the projected context passes a threshold, summarises older turns with the model (keeping recent ones verbatim) and is triggered from the loop, as in the exemplar compaction module.',
  exemplar: 'src/reference-harness/budget/compaction.ts',
  detect(ctx): Finding {
    const cs = compactors(ctx);
    const compacting = new Set(cs.map((c) => c.fn.name));
    const triggered = cs.map((c) => ({ c, t: trigger(ctx, c, compacting) }));
    // A projection that compacts when the request nears the window, every turn.
    // A threshold on the estimate triggers it, so it runs without being asked (best when the loop reaches it).
    // The action must be on the conversation, not on a document, a file or a tool result (`summarizeDocument()`).
    // A command handler's name (`run`, `execute`) is the agent's own turn when the comparison sits in an agent loop's function.
    const inLoop = (file: string, fn: string) => agentLoops(ctx).some((l) => l.file === file && l.fn === fn);
    const all = projectionSites(ctx).filter((p) => p.act.callee && (!MANUAL.test(shortName(p.cmp.fn)) || inLoop(p.cmp.file, p.cmp.fn)) && !words(p.act.callee).some((w) => NOT_HISTORY.has(w)));
    const sites = all.filter((p) => p.turn);
    const thresholdSummary = (): Finding | undefined => {
      for (const p of [...sites, ...all.filter((x) => !x.turn)]) {
        // The summary's model call may sit deeper than two calls (a renderer, a background worker):
        // a summarising name on the action the threshold triggers is then taken at its word.
        const via = p.act.summary ? `a model call whose prompt asks for a summary: ${p.act.summary}` : summarisesByName(ctx, p.act.callee!, cs) ?? (words(p.act.callee!).some((w) => /^summar/.test(w)) ? `named ${p.act.callee}, model call not traced` : undefined);
        if (!via) continue;
        // The summary it sets off sits behind a flag that is off wherever it is set (`if self._enable_summary and
        // tokens > limit:`): reported below as opt-in, not as a trigger that runs.
        if (offFlag(ctx, { file: p.act.file, line: p.act.line, fn: '' })) continue;
        const what = p.cmp.ratio ? `${p.cmp.estimate} (${p.cmp.ratio}) reaches ${p.cmp.window}` : `${p.cmp.estimate} passes ${p.cmp.window}`;
        return {
          level: 'present' as const,
          reason: `when ${what} in ${p.cmp.fn}(), ${p.act.callee}() summarises the history (${via})${p.turn ? `; ${p.turn.why}` : ''}`,
          evidence: [
            { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() triggers compaction when ${p.cmp.text}` },
            { file: p.act.file, line: p.act.line, reason: p.act.why },
            ...(p.turn ? [{ file: p.turn.file, line: p.turn.line, reason: p.turn.why }] : []),
          ],
          confidence: 'low',
        };
      }
      return undefined;
    };
    // A trigger read only from an early return in the caller ranks below a threshold that sets off a summary (its comparison shows the limit).
    const best = triggered.find((x) => x.c.summarises && x.t && !x.t.gated) ?? (thresholdSummary() ? undefined : triggered.find((x) => x.c.summarises && x.t));
    // The call that sets it off sits behind a flag that is off wherever it is set: the summary never runs as shipped.
    const bestOff = best?.t && triggerOff(ctx, best.c, best.t);
    // The compactor, or the hook that sets it off, belongs to a class no shipped code builds: opt-in.
    const unbuilt =
      best?.t && !bestOff
        ? unbuiltClass(ctx, best.c.fn.file, best.c.fn.name) ??
          (() => {
            // A hook callback (`before_model_request`, `onStepStart`) of a capability class the user adds; not the
            // agent's own class, which an SDK leaves to its user to build.
            const at = fnAt(ctx, best.t!.file, best.t!.line);
            const cls = at?.name.includes('.') ? at.name.slice(0, at.name.lastIndexOf('.')) : '';
            if (!at || best.t!.path || !/^(?:before|after|on|pre|post)(?:_|[A-Z])/.test(shortName(at.name))) return undefined;
            return cls ? unbuiltClass(ctx, best.t!.file, at.name) : undefined;
          })()
        : undefined;
    if (best && best.t && unbuilt) {
      return {
        level: 'partial',
        reason: `${best.c.fn.name}() summarises the history with the model (${best.c.via}) and would be set off automatically (${best.t.why}), but no shipped code builds ${unbuilt.cls}: it is an opt-in class the user must construct, and the default does not compact`,
        evidence: [
          { file: unbuilt.file, line: unbuilt.line, reason: `${unbuilt.cls} is never constructed by the harness itself (opt-in)` },
          { file: best.c.fn.file, line: best.c.fn.line, reason: `${best.c.fn.name}() summarises older turns via ${best.c.via}` },
          { file: best.t.file, line: best.t.line, reason: best.t.why },
        ],
        confidence: 'low',
      };
    }
    if (best && best.t && !bestOff) {
      // The comparison with the limit that sets it off, when one guards the compactor or its trigger.
      const short = shortName(best.c.fn.name);
      const tShort = shortName(fnAt(ctx, best.t.file, best.t.line)?.name ?? '');
      // A comparison that bounds a loop inside the compactor (`while (tokens(history) > available) prune…`) fits its
      // own request to the window; it does not decide when to compact.
      const loopBound = (p: { cmp: { file: string; line: number; text: string } }) => {
        const t = p.cmp.text.replace(/\s+/g, '').slice(0, 40);
        return (ctx.file(p.cmp.file)?.loops ?? []).some((l) => l.fn === best.c.fn.name && p.cmp.line >= l.line && p.cmp.line <= l.line + 2 && l.cond.replace(/\s+/g, '').includes(t));
      };
      // Or the check the trigger's function branches on (`if (!shouldAutoCompact(…)) return` in handleAutoCompaction()).
      const actIn = (p: { act: { file: string; line: number } }) => shortName(fnAt(ctx, p.act.file, p.act.line)?.name ?? '');
      const gate = projectionSites(ctx).find(
        (p) =>
          !loopBound(p) &&
          (p.act.callee === short || (p.cmp.file === best.c.fn.file && p.cmp.fn === best.c.fn.name) || (tShort && (p.act.callee === tShort || shortName(p.cmp.fn) === tShort || actIn(p) === tShort))),
      );
      // The compactor hands the history back untouched unless its caller passes an option (`if (!config) return messages`): opt-in.
      const sameFn = gate && gate.cmp.file === best.c.fn.file && gate.cmp.fn === best.c.fn.name;
      const optIn = optInGate(ctx, best.c.fn.file, best.c.fn.name, sameFn ? gate.cmp.line : best.c.fn.end);
      if (optIn) {
        return {
          level: 'partial',
          reason: `${best.c.fn.name}() summarises the history with the model (${best.c.via}) and is reached automatically (${best.t.why}), but only when the caller passes ${optIn.option}: it returns the history untouched when ${optIn.cond} (line ${optIn.line}), so compaction is opt-in`,
          evidence: [
            { file: optIn.file, line: optIn.line, reason: `${best.c.fn.name}() returns the history uncompacted when ${optIn.cond}: off unless ${optIn.option} is passed` },
            { file: best.c.fn.file, line: best.c.fn.line, reason: `${best.c.fn.name}() summarises older turns via ${best.c.via}` },
            { file: best.t.file, line: best.t.line, reason: best.t.why },
          ],
          confidence: 'low',
        };
      }
      return {
        level: 'present',
        reason: `${best.c.fn.name}() summarises the history with the model (${best.c.via}) and is triggered automatically: ${best.t.why}${gate ? `, when ${gate.cmp.text} in ${gate.cmp.fn}()` : ''}`,
        evidence: [

          { file: best.c.fn.file, line: best.c.fn.line, reason: `${best.c.fn.name}() summarises older turns via ${best.c.via}` },
          ...(gate ? [{ file: gate.cmp.file, line: gate.cmp.line, reason: `${gate.cmp.fn}() compares ${gate.cmp.estimate} with ${gate.cmp.window} and compacts when over` }] : []),
          { file: best.t.file, line: best.t.line, reason: best.t.why },
        ],
        confidence: 'low',
      };
    }
    // A framework's context management this repo turns on.
    const fw = frameworkContext(ctx);
    const fsum = fw.find((x) => x.does === 'summarise');
    if (fsum) {
      return {
        level: 'present',
        reason: `the repo turns on framework compaction: ${fsum.why}`,
        evidence: fw.filter((x) => x.does === 'summarise').slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: x.why })),
        confidence: 'high',
      };
    }
    const threshold = thresholdSummary();
    if (threshold) return threshold;
    // A size proxy that sets off a summary: the history's characters over a threshold route to or call a
    // summariser (`if (totalChars > CHARACTER_MAX) return "summarizer"`), taken at its word like the action above.
    const sized = historySizeChecks(ctx).find((h) => /summar/i.test(h.act) && !MANUAL.test(shortName(h.fn)));
    if (sized) {
      return {
        level: 'present',
        reason: `when ${sized.text} in ${sized.fn}() (the characters of ${sized.from}), it sets off ${sized.act}, which summarises the history (named so, model call not traced)`,
        evidence: [{ file: sized.file, line: sized.line, reason: `${sized.fn}() sets off ${sized.act} when ${sized.text}` }],
        confidence: 'low',
      };
    }
    // A summary the app would run automatically, were its flag not off wherever it is set.
    const off = bestOff || summaryOff(ctx, cs);
    if (off) {
      return {
        level: 'partial',
        reason: `${off.c.fn.name}() summarises the history (${off.c.via}), but ${off.call.fn}() calls ${off.through ? `${shortName(off.through)}(), which calls it,` : 'it'} only when ${off.off.flag} is on, and ${off.off.why}`,
        evidence: [
          { file: off.off.file, line: off.off.line, reason: `${off.call.fn}() compacts only when ${off.off.flag} is on` },
          { file: off.off.at.file, line: off.off.at.line, reason: off.off.why },
          { file: off.c.fn.file, line: off.c.fn.line, reason: `${off.c.fn.name}() summarises via ${off.c.via}` },
        ],
        confidence: 'low',
      };
    }
    const trunc = triggered.find((x) => x.t);
    if (trunc && trunc.t) {
      return {
        level: 'partial',
        reason: `${trunc.c.fn.name}() drops or truncates old messages automatically (${trunc.t.why}), but nothing summarises them`,
        evidence: [
          { file: trunc.c.fn.file, line: trunc.c.fn.line, reason: `${trunc.c.fn.name}() truncates the history without a summary` },
          { file: trunc.t.file, line: trunc.t.line, reason: trunc.t.why },
        ],
        confidence: 'low',
      };
    }
    // A cut that nothing calls (no caller, not on the loop's path) compacts nothing automatically.
    const called = (p: (typeof all)[number]) => ctx.callsNamed(shortName(p.cmp.fn)).some((c) => c.fn !== p.cmp.fn) || (!!p.act.callee && p.act.callee !== shortName(p.cmp.fn));
    const cut = sites.find((p) => p.act.callee) ?? all.find((p) => p.act.callee && called(p));
    if (cut) {
      return {
        level: 'partial',
        reason: `when ${cut.cmp.text}, ${cut.act.why}${cut.turn ? ` (${cut.turn.why})` : ''}, but nothing summarises the dropped messages`,
        evidence: [
          { file: cut.cmp.file, line: cut.cmp.line, reason: `${cut.cmp.fn}() compares ${cut.cmp.estimate} with ${cut.cmp.window}` },
          { file: cut.act.file, line: cut.act.line, reason: cut.act.why },
        ],
        confidence: 'low',
      };
    }
    // Not a provider told to drop what overflows (`truncation: 'auto'`): it fits one request and leaves the history as it was
    // (the projection check weighs it); a provider told to compact past a threshold (`compact_threshold`) does compact.
    const ftrunc = fw.find((x) => x.does === 'truncate') ?? fw.find((x) => x.does === 'server' && !x.drops);
    if (ftrunc) {
      return {
        level: 'partial',
        reason: `${ftrunc.does === 'server' ? 'the provider trims the context' : 'a library truncates the request'} automatically, but nothing summarises the history: ${ftrunc.why}`,
        evidence: fw.filter((x) => x.does === ftrunc.does && !x.drops).slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: x.why })),
        confidence: ftrunc.does === 'server' || !ftrunc.projects ? 'low' : 'high',
      };
    }
    const window = slidingWindow(ctx);
    if (window) {
      return {
        level: 'partial',
        reason: `${window.fn}() keeps only the newest messages each time (${window.name} = ${window.value}): a sliding window by count that drops old turns without a summary or a token measure`,
        evidence: [{ file: window.file, line: window.line, reason: `${window.fn}() cuts the history to its tail: ${window.value}` }],
        confidence: 'low',
      };
    }
    const counted = countTriggeredCut(ctx);
    if (counted) {
      return {
        level: 'partial',
        reason: `${counted.fn}() drops old messages when the history grows past a count (if ${counted.cond}: ${counted.cut}): a cut by message count, without a summary or a token measure`,
        evidence: [{ file: counted.file, line: counted.line, reason: `${counted.fn}() cuts the history when ${counted.cond}: ${counted.cut}` }],
        confidence: 'low',
      };
    }
    const back = backwardWindow(ctx);
    if (back) {
      return {
        level: 'partial',
        reason: `${back.fn}() builds the request from the newest message back and stops when ${back.cond}: a sliding window by count that drops old turns without a summary`,
        evidence: [{ file: back.file, line: back.line, reason: `${back.fn}() keeps only the newest messages (stops when ${back.cond})` }],
        confidence: 'low',
      };
    }
    const images = imageRetention(ctx);
    if (images) {
      return {
        level: 'partial',
        reason: `${images.fn}() drops all but the newest images from the history (${images.keep}) and runs before each model call (${images.via.why}): a cut by count every turn, without a summary or a measure of the context`,
        evidence: [
          { file: images.file, line: images.line, reason: `${images.fn}() keeps only the newest image parts of the history: ${images.keep}` },
          { file: images.via.file, line: images.via.line, reason: images.via.why },
        ],
        confidence: 'low',
      };
    }
    // On demand only: a function that names the conversation as a whole (`compactConversation()`, `trim_history(messages)`,
    // `Chat.compact()`) or summarises with the model; not one that trims a single message's text (`truncateMessage(message,
    // maxLength)`) or is named only for the verb (`_compact()` on a record), which no threshold or loop would show to be the history.
    const onDemand = cs.filter((c) => {
      if (c.summarises) return true;
      const n = c.fn.name;
      // The class counts by its head noun only (`ChatHistory.compact()`, not `ChatEditingEntry._collapse()`).
      const ws = [...words(shortName(n)), ...(n.includes('.') ? words(n.slice(0, n.lastIndexOf('.'))).slice(-1) : []), ...c.fn.params.flatMap((p) => words(paramName(p)))];
      return ws.some((w) => WHOLE_HISTORY.has(w));
    });
    if (onDemand.length > 0) {
      const c = onDemand.find((x) => x.summarises) ?? onDemand[0];
      return {
        level: 'partial',
        reason: `${c.fn.name}() ${c.summarises ? 'summarises' : 'truncates'} the history, but only when invoked by hand (no threshold or loop triggers it)`,
        evidence: [{ file: c.fn.file, line: c.fn.line, reason: `${c.fn.name}() compacts the history on demand only` }],
        confidence: 'low',
      };
    }
    const pipe = historyPipelines(ctx)[0];
    if (pipe) {
      return {
        level: 'partial',
        reason: `${pipe.fn}() passes the history through the configurable ${pipe.via} each time it is built, but no compaction is triggered by nearing the limit`,
        evidence: [{ file: pipe.file, line: pipe.line, reason: `${pipe.fn}() applies each of ${pipe.via} to the history` }],
        confidence: 'low',
      };
    }
    // Nothing compacts the history and nothing counts tokens that a threshold could compare: provably none.
    return { level: 'absent', reason: 'no function compacts, summarises or truncates the conversation history; it only grows', evidence: [], confidence: countsTokens(ctx) ? 'low' : 'high' };
  },
});
