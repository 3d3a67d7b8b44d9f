import { shortName, type RuleContext } from '../context.js';
import type { Finding } from '../types.js';
import { defineRule } from '../types.js';
import { GENERIC, isModelTurnCall, reachesFast } from '../shared/loop.js';
import { inputHistory, words } from '../shared/persist.js';
import { compactors, countsTokens, fnAt, frameworkContext, historyPipelines, historySizeChecks, hookRun, loopReaches, projectionSites, type Compactor } from './context.js';

/** Objects a summary or trim may be about that are not the conversation. */
const NOT_HISTORY = new Set(['document', 'doc', 'docs', 'file', 'files', 'schema', 'tool', 'result', 'results', 'output', 'outputs', 'image', 'images', 'diff', 'description', 'title', 'code', 'snippet', 'selection', 'prefix', 'suffix', 'lines', 'line', 'text', 'string', 'content']);

/** Call sites in user-command handlers are manual, not automatic. */
const MANUAL = /^(action|execute|run|handle\w*Command|\w*Command|on\w*)$/;
/** Names of the function that runs one turn of the agent. */
const STEP_WORDS = new Set(['step', 'turn', 'loop']);
const AUTO = new Set(['auto', 'check', 'maybe', 'ensure', 'try', 'should', 'prepare', 'before', 'overflow', 'threshold', 'manage', 'fit', 'build', 'process', 'turn', 'step', 'run', 'loop']);

/** An automatic trigger of the compactor: a call site under a condition, in a threshold/auto function, or from the loop. */
function trigger(ctx: RuleContext, c: Compactor): { file: string; line: number; why: string } | undefined {
  const short = shortName(c.fn.name);
  const hit = loopReaches(ctx, c.fn.name, 2);
  // A summariser that recurses on halves of the history (`summarize_real()` calling itself) is not the agent loop.
  if (hit && hit.loop !== c.fn.name) return { file: hit.file, line: hit.line, why: `the agent loop in ${hit.loop} reaches ${short}() (${hit.path.join(' → ')})` };
  const callers = ctx.callsNamed(short).filter((x) => x.fn !== c.fn.name && !MANUAL.test(shortName(x.fn)));
  for (const call of callers) {
    const ws = words(shortName(call.fn));
    if (call.cond || ws.some((w) => AUTO.has(w))) return { file: call.file, line: call.line, why: `${call.fn}() calls ${short}() ${call.cond ? 'under a condition' : 'as part of the turn'}` };
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
  return undefined;
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
 * A count-triggered cut: `if len(convo.messages) > 10: convo.trim(1, 2)`, `if (history.length > 40) history.splice(1, 2)`:
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
      const cut = f.calls.find((x) => x.fn === c.fn && x.line > c.line && x.line <= c.line + 3 && CUT_CALL.test(x.name) && !(x.name === 'pop' && !x.args.length) && (x.callee === `${list}.${x.name}` || x.callee === `${root}.${x.name}`));
      if (cut) return { file: f.path, line: c.line, fn: c.fn, cond: c.text, cut: `${cut.callee}(${cut.args.join(', ')})` };
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
    const triggered = cs.map((c) => ({ c, t: trigger(ctx, c) }));
    const best = triggered.find((x) => x.c.summarises && x.t);
    if (best && best.t) {
      // The comparison with the limit that sets it off, when one guards the compactor or its trigger.
      const short = shortName(best.c.fn.name);
      const tShort = shortName(fnAt(ctx, best.t.file, best.t.line)?.name ?? '');
      const gate = projectionSites(ctx).find((p) => p.act.callee === short || (p.cmp.file === best.c.fn.file && p.cmp.fn === best.c.fn.name) || (tShort && (p.act.callee === tShort || shortName(p.cmp.fn) === tShort)));
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
    // A projection that compacts when the request nears the window, every turn.
    // A threshold on the estimate triggers it, so it runs without being asked (best when the loop reaches it).
    // The action must be on the conversation, not on a document, a file or a tool result (`summarizeDocument()`).
    const all = projectionSites(ctx).filter((p) => p.act.callee && !MANUAL.test(shortName(p.cmp.fn)) && !words(p.act.callee).some((w) => NOT_HISTORY.has(w)));
    const sites = all.filter((p) => p.turn);
    for (const p of [...sites, ...all.filter((x) => !x.turn)]) {
      // The summary's model call may sit deeper than two calls (a renderer, a background worker):
      // a summarising name on the action the threshold triggers is then taken at its word.
      const via = summarisesByName(ctx, p.act.callee!, cs) ?? (words(p.act.callee!).some((w) => /^summar/.test(w)) ? `named ${p.act.callee}, model call not traced` : undefined);
      if (!via) continue;
      const what = p.cmp.ratio ? `${p.cmp.estimate} (${p.cmp.ratio}) reaches ${p.cmp.window}` : `${p.cmp.estimate} passes ${p.cmp.window}`;
      return {
        level: 'present',
        reason: `when ${what} in ${p.cmp.fn}(), ${p.act.callee}() summarises the history (${via})${p.turn ? `; ${p.turn.why}` : ''}`,
        evidence: [
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() triggers compaction when ${p.cmp.text}` },
          { file: p.act.file, line: p.act.line, reason: p.act.why },
          ...(p.turn ? [{ file: p.turn.file, line: p.turn.line, reason: p.turn.why }] : []),
        ],
        confidence: 'low',
      };
    }
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
    const ftrunc = fw.find((x) => x.does === 'truncate') ?? fw.find((x) => x.does === 'server');
    if (ftrunc) {
      return {
        level: 'partial',
        reason: `${ftrunc.does === 'server' ? 'the provider trims the context' : 'a library truncates the request'} automatically, but nothing summarises the history: ${ftrunc.why}`,
        evidence: fw.filter((x) => x.does === ftrunc.does).slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: x.why })),
        confidence: ftrunc.does === 'server' ? 'low' : 'high',
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
    if (cs.length > 0) {
      const c = cs.find((x) => x.summarises) ?? cs[0];
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
