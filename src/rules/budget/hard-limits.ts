import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { agentLoops, GENERIC, modelCalls, type AgentLoop } from '../shared/loop.js';
import { feedsToolResults, isWaitLoop, limitsIn, loopCaps, type Cap } from './caps.js';
import { displayFile } from '../shared/ui.js';
import type { RuleContext } from '../context.js';
import { importedSources } from '../shared/tests.js';
import { words } from '../shared/persist.js';
import { citeRank } from '../shared/slice.js';

/**
 * A cap read from the loop's own condition or exits, a comparison in a check the loop calls, a raise
 * on the model-call path, or an option handed to a framework, whose default was found and whose link
 * to the loop was resolved, not guessed from a name one call away.
 */
/**
 * An option handed to a framework run (`sub_agent.run(max_steps=50)`) in a repo whose own agent loop runs
 * elsewhere: it bounds that run, which may be a sub-agent inside a tool, not surely the harness's own loop.
 */
const handedOn = (ctx: RuleContext, c: Cap) =>
  /^(option passed|keyword argument)/.test(c.where) && agentLoops(ctx).some((l) => l.file !== c.file || l.fn !== c.fn) && !agentLoops(ctx).some((l) => l.file === c.file && l.fn === c.fn);
/** A web route handler file: `app/api/chat/route.ts`, `pages/api/agent.ts`. */
const ROUTE_FILE = /(?:^|\/)(?:app\/(?:.*\/)?route|pages\/api\/.*)\.[cm]?[jt]sx?$/;

/** A route's wall-clock limit (`export const maxDuration = 800`) in the loop's own file or in a route importing it. */
function routeDuration(ctx: RuleContext, loopFile: string): { file: string; line: number; value: string } | undefined {
  for (const f of ctx.source) {
    if (!ROUTE_FILE.test(f.path)) continue;
    const c = f.consts.find((x) => x.name === 'maxDuration' && x.fn === '<top>' && /^\d+$/.test(x.value));
    if (!c) continue;
    // The route's imports resolved by path (relative, and the `@/` / `~/` root alias of a web app).
    if (f.path === loopFile || importedSources(ctx, f).includes(loopFile)) return { file: f.path, line: c.line, value: c.value };
  }
  return undefined;
}

const certain = (c: Cap) => !!c.resolved && c.def !== 'unknown' && !!c.defAt && /^(loop condition|loop range|return exit|break exit|throw exit|yield-return exit|raise guard|compared in|option passed|keyword argument|setting |LiteLLM)/.test(c.where);

const describe = (c: Cap) =>
  `${c.limit} (${c.kind} cap, ${c.where} at line ${c.line}${c.defAt ? `, default ${c.defAt.value}` : c.def === 'unlimited' ? ', off unless set' : ''})`;

/** One evidence entry per cap, each on its own comparison line, so a baseline records every cap as a mechanism. */
function capEvidence(caps: Cap[], max: number): Evidence[] {
  const out: Evidence[] = [];
  const lines = new Set<string>();
  for (const c of caps) {
    const k = `${c.file}:${c.line}`;
    if (lines.has(k)) continue;
    lines.add(k);
    out.push({ file: c.file, line: c.line, reason: c.retry ? `${c.where} tries one call at most ${c.limit} times (a retry, not a turn cap)` : `${c.where} compares against ${c.limit} (${c.kind} cap${c.defAt ? `, default ${c.defAt.value}` : c.def === 'unlimited' ? ', off unless set' : ''})` });
    if (out.length >= max) break;
  }
  return out;
}

/** A cap no agent loop runs: its function is no loop's and is reached from no loop's body. */
const offPath = (c: Cap) => !c.reach;

/** A limit on the attempts of one step (`maxAttempts`, `try_times`, `max_retries`): it bounds a retry loop, not the run's turns. */
const retryCap = (c: Cap) => !!c.retry || words(c.limit).some((w) => /^(?:attempts?|try|tries|retry|retries)$/.test(w));
/**
 * A limit on the passes of a recovery or repair step (`MAX_RECOVERY_PASSES`, `max_repair_rounds`): it bounds a side
 * loop settling what a turn left behind, not the run's turns. Ranked after the turn caps for the evidence and the
 * reason; the confidence still reads the order without it (what the level rests on is unchanged).
 */
const recoveryCap = (c: Cap) => words(c.limit).some((w) => /^(?:recover|recovery|repair|repairs)$/.test(w));

/**
 * The caps in the order a reader should see them: those an agent loop runs first (its own exits, its callees, the model
 * call it makes), before a cap reached from no agent loop (a data visitor's recursion limit, an option handed to a side
 * helper); a retry's attempts after the turn caps (a loop retrying one item of a map is no turn loop); and a cap read
 * from an exit before a turn limit only compared in a loop's body (its branch sets what the condition reads). Stable
 * otherwise: loopCaps' own ranking (resolved, compared, on the path most loops share) decides.
 */
function mainLoopFirst(ctx: RuleContext, caps: Cap[], recovery = true): Cap[] {
  // First where the report's evidence order puts the cap's file: the agent's own code before another feature's
  // script (`app/qlib_rd_loop/factor_from_report.py`) or a copy nothing runs, so the reason names the line cited first.
  const key = (c: Cap) => [citeRank(ctx, c.file), offPath(c) ? 1 : 0, retryCap(c) || (recovery && recoveryCap(c)) ? 1 : 0, c.where === 'checked in the loop body' ? 1 : 0];
  return caps
    .map((c, i) => ({ c, i, k: key(c) }))
    .sort((a, b) => {
      for (let j = 0; j < a.k.length; j++) if (a.k[j] !== b.k[j]) return a.k[j] - b.k[j];
      return a.i - b.i;
    })
    .map((x) => x.c);
}

/**
 * The caps with no bounded default, in words: `; every cap found defaults to unlimited`, or `; max_turns defaults to
 * unlimited; the default of max_iterations was not resolved to a bound` when a default was not found or not
 * resolved (a CLI option's default is not followed): not a claim that it is unlimited.
 */
function noDefault(caps: Cap[]): string {
  const names = (cs: Cap[]) => [...new Set(cs.map((c) => c.limit))].slice(0, 3).join(', ');
  const off = caps.filter((c) => c.def === 'unlimited');
  const unknown = caps.filter((c) => c.def === 'unknown' && !off.some((o) => o.limit === c.limit));
  if (!unknown.length) return '; every cap found defaults to unlimited';
  const many = (cs: Cap[]) => new Set(cs.map((c) => c.limit)).size > 1;
  return `${off.length ? `; ${names(off)} default${many(off) ? '' : 's'} to unlimited` : ''}; the default${many(unknown) ? 's' : ''} of ${names(unknown)} ${many(unknown) ? 'were' : 'was'} not resolved to a bound`;
}

/** Constants named for a turn, step or request cap of the agent. */
const CAP_CONST = /^(?:DEFAULT_)?MAX_(?:\w+_)?(?:REQUESTS|TURNS|STEPS|ITERATIONS|TOOL_CALLS|ROUNDS)(?:_PER_\w+)?$/;

/** A cap constant with a number, declared in source and never read in a comparison anywhere. */
function unwiredCap(ctx: RuleContext): { name: string; value: string; file: string; line: number } | undefined {
  for (const f of ctx.source) {
    for (const k of f.consts) {
      if (k.kind !== 'var' || k.fn !== '<top>' || !CAP_CONST.test(k.name) || !/^\d+$/.test(k.value)) continue;
      const compared = ctx.source.some((g) => (g.compares ?? []).some((c) => c.text.includes(k.name)) || g.loops.some((l) => (l.cond ?? '').includes(k.name)));
      if (!compared) return { name: k.name, value: k.value, file: f.path, line: k.line };
    }
  }
  return undefined;
}

/** Calls that wait for the user's next line: `input()`, `click.prompt()`, `rl.question()`, `session.prompt_async()`. */
const READS_USER = /^(?:input|raw_input|prompt|prompt_async|question|readline|getpass|ask)$/;

/**
 * Whether an agent loop reads the user's input in its own body or one call away (`interaction.get_user()`
 * → `input(PROMPT)`): a chat REPL, whose every pass is driven by the user.
 */
function readsUser(ctx: RuleContext, l: AgentLoop): boolean {
  if (!l.loop || feedsToolResults(ctx, l)) return false;
  for (const c of l.body) {
    if (c.line < l.line || c.line > l.end) continue;
    if (READS_USER.test(c.name)) return true;
    const defs = c.name && !GENERIC.has(c.name) ? ctx.functionsNamed(c.name) : [];
    if (defs.length === 1 && ctx.callsIn(defs[0].file, defs[0].name).some((x) => READS_USER.test(x.name) && (x.callee === x.name || /^(?:click|rl|readline|Prompt|console|session|self\.session|inquirer|questionary|typer)\./.test(x.callee)))) return true;
  }
  return false;
}

/**
 * A wall-clock bound set outside the loop: a lifetime on a sandbox or container the harness starts
 * (`Sandbox.create({ timeoutMs })`), or a top-level `maxDuration` (a serverless route's time limit).
 */
function wallClockBound(ctx: RuleContext): boolean {
  return ctx.memo('hard-limits:wall-clock', () =>
    ctx.source.some(
      (f) =>
        f.consts.some((k) => k.fn === '<top>' && /^(?:maxDuration|max_duration|MAX_DURATION)$/.test(k.name) && /^\d[\d_]*$/.test(k.value.trim())) ||
        f.objects.some((o) => /^(?:var|arg|new):.*(?:sandbox|container|microvm|vm)/i.test(o.ctx) && o.keys.some((k) => /^(?:timeout|timeoutMs|timeout_ms|maxDuration|max_duration|lifetime|ttl)$/.test(k))),
    ),
  );
}

/** Request options that cap one model call's output: `maxTokens`, `max_tokens`, `maxOutputTokens`, `max_completion_tokens`. */
const OUTPUT_CAP_KEYS = ['maxTokens', 'max_tokens', 'maxOutputTokens', 'max_output_tokens', 'maxCompletionTokens', 'max_completion_tokens', 'max_new_tokens', 'maxTokensToSample', 'max_tokens_to_sample'];
const OUTPUT_CAP = new RegExp(`^(?:${OUTPUT_CAP_KEYS.join('|')})$`);
/** The same options as a Python keyword argument (`max_tokens=4096`): the snake-case names, with the value. */
const OUTPUT_CAP_KWARG = new RegExp(`^(${OUTPUT_CAP_KEYS.filter((k) => k.includes('_')).join('|')})\\s*=\\s*(.+)$`);
/** A value that sets no bound. */
const NO_BOUND = /^(?:undefined|null|None|Infinity|-1|0)$/;

/**
 * Where no agent loop runs tools over several model turns, each request is one model call (or a fixed few), and
 * what bounds it is that call's own output cap: `streamText({ …, maxTokens: MAX_TOKENS })`,
 * `client.messages.create(model=…, max_tokens=4096)`. The first such option handed to a call in source, or a
 * keyword argument of a model call.
 */
function perCallOutputCap(ctx: RuleContext): { file: string; line: number; key: string; value: string; callee: string } | undefined {
  return ctx.memo('hard-limits:per-call-output-cap', () => {
    for (const c of modelCalls(ctx)) {
      for (const a of c.args) {
        const m = OUTPUT_CAP_KWARG.exec(a.trim());
        if (m && !NO_BOUND.test(m[2].trim())) return { file: c.file, line: c.line, key: m[1], value: m[2].trim(), callee: c.callee };
      }
    }
    for (const f of ctx.source) {
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:')) continue;
        const key = o.keys.find((k) => OUTPUT_CAP.test(k));
        if (!key) continue;
        const v = (o.values[key] ?? '').trim();
        if (NO_BOUND.test(v)) continue;
        return { file: f.path, line: o.line, key, value: v || '(computed)', callee: o.ctx.slice(4) };
      }
    }
    return undefined;
  });
}

/** A comparison of a count with a number or a constant: `history.length >= 50`, `len(steps) > MAX_STEPS`, `n >= 3`. */
const COUNT_VS_BOUND = /(?:[<>]=?)\s*\(?\s*(?:[2-9]|\d{2,}|[A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/;

/** Whether the loop's own exits compare something with a number or a constant (a bound, whatever it counts). */
function countedExit(l: AgentLoop): boolean {
  return !!l.loop && l.loop.exits.some((e) => !!e.cond && COUNT_VS_BOUND.test(e.cond));
}

/** Words of a retry or attempt counter. */
const RETRY_WORD = /^(?:retry|retries|attempt|attempts|tries)$/;

/**
 * Whether a comparison in the harness (not a web page) holds a count against a turn or token cap
 * (`count >= LLM_CALL_LIMIT_PER_THREAD`) or a retry counter against its bound (`retry++ < (config.retry ?? RETRY)`),
 * on both sides: a cap the harness enforces somewhere, even where it is not tied to the loop found.
 */
function untiedBound(ctx: RuleContext): boolean {
  return ctx.memo('hard-limits:untied-bound', () =>
    ctx.source.some((f) => !displayFile(ctx, f.path) && (f.compares ?? []).some((c) => {
      if (limitsIn(c.text).some((x) => x.kind === 'turn' || x.kind === 'token')) return true;
      const sides = c.text.split(/[<>]=?/);
      return sides.length === 2 && sides.every((side) => words(side.replace(/[^A-Za-z0-9_$]+/g, ' ')).some((w) => RETRY_WORD.test(w)));
    })),
  );
}

export default defineRule({
  id: 'budget.hard-limits',
  principle: 'budget',
  title: 'Hard caps stop the loop',
  rationale:
    'An agent loop that only ends when the model stops calling tools can run forever or burn an unbounded budget; a turn cap plus a token or cost cap, on by default, bounds every run.',
  remediation:
    'Build a budget with a max-turns cap and a token/cost cap that are on by default and checked in the loop, ending the run with a typed stop reason, as in the exemplar budget module.',
  exemplar: 'src/reference-harness/budget/budget.ts',
  detect(ctx) {
    // A cap set in a web page that runs no agent (a chat hook's step option) bounds the page, not the harness.
    // A turn limit only compared in a loop's body (its branch sets what the condition reads) comes after every cap read from an exit.
    const found0 = loopCaps(ctx).filter((c) => !displayFile(ctx, c.file));
    const caps = mainLoopFirst(ctx, found0);
    const tokenOn = caps.filter((c) => c.kind === 'token' && c.def === 'bounded');
    if (tokenOn.length > 0) {
      const first = tokenOn[0];
      const others = caps.filter((c) => c.kind !== 'token');
      return {
        level: 'present',
        reason: `a token/cost cap on by default stops the loop: ${describe(first)}${others.length ? `; also ${describe(others[0])}` : ''}`,
        evidence: [
          ...capEvidence([first, ...caps.filter((c) => c !== first)], 5),
          ...(first.defAt ? [{ file: first.defAt.file, line: first.defAt.line, reason: `${first.limit} defaults to ${first.defAt.value}` }] : []),
        ],
        // Not when the cap is a token cap by its name only (the count it is compared with is no spend).
        confidence: certain(first) && !first.nameOnly ? 'high' : 'low',
      };
    }
    if (caps.length > 0) {
      // Caps come ranked by how they reach the loop; prefer a named limit (`maxTurns`) over a counter compared with a literal (`turn > 1`).
      const named = (c: Cap) => !/^\d+$/.test(c.limit);
      const bounded = caps.filter((c) => c.def === 'bounded');
      // Named first, within the caps as near the main loop as the first: not a named option handed to a helper off its path.
      const pick = (cs: Cap[]) => cs.find((c) => named(c) && citeRank(ctx, c.file) === citeRank(ctx, cs[0].file) && offPath(c) === offPath(cs[0]) && retryCap(c) === retryCap(cs[0]) && recoveryCap(c) === recoveryCap(cs[0])) ?? cs[0];
      const best = pick(caps);
      // The confidence reads the cap the order without the recovery rank would lead with.
      const lead = pick(mainLoopFirst(ctx, found0, false));
      const missing = caps.some((c) => c.kind === 'token') ? 'the token/cost cap is off unless configured' : 'there is no token or cost cap';
      // Say which caps default to unlimited and which had no default the audit could resolve (a CLI option's default is
      // not followed), rather than claim every cap is unlimited.
      const unl = bounded.length === 0 ? noDefault(caps) : '';
      return {
        level: 'partial',
        reason: `the loop is bounded only by ${describe(best)}; ${missing}${unl}`,
        evidence: [
          ...capEvidence([best, ...caps.filter((c) => c !== best)], 5),
          ...(best.defAt ? [{ file: best.defAt.file, line: best.defAt.line, reason: `${best.limit} defaults to ${best.defAt.value}` }] : []),
        ],
        // Partial is certain only when no token/cost cap was seen at all and the turn cap is resolved.
        confidence: certain(lead) && !caps.some((c) => c.kind === 'token') && !handedOn(ctx, lead) ? 'high' : 'low',
      };
    }
    // A loop that waits on a command or task each pass is not the turn loop to report as uncapped.
    const found = agentLoops(ctx);
    const turnLoops = found.filter((l) => !isWaitLoop(l));
    const loops = turnLoops.length ? turnLoops : found;
    // A cap declared as a constant (`DEFAULT_MAX_REQUESTS_PER_TASK = 20`) that no comparison reads: it exists, unwired.
    const unwired = unwiredCap(ctx);
    if (unwired) {
      return {
        level: 'partial',
        reason: `a cap is declared (${unwired.name} = ${unwired.value} at ${unwired.file}:${unwired.line}) but nothing compares against it, so the loop runs uncapped`,
        evidence: [{ file: unwired.file, line: unwired.line, reason: `${unwired.name} = ${unwired.value} is declared and never enforced` }],
      };
    }
    if (loops.length > 0) {
      // The run's turn loop is an open loop (`while`, `for (;;)`, a counted `for`) that is not a REPL
      // waiting on the user each pass; a loop over a collection (`for model of models`) handles items.
      const kind = (x: (typeof loops)[number]) => (!x.loop ? 2 : x.loop.kind === 'for-of' && !/^range\(/.test(x.loop.cond) ? 3 : readsUser(ctx, x) ? 1 : 0);
      const ranked = loops.map((x, i) => ({ x, i, k: kind(x), inf: x.loop?.infinite ? 0 : 1 })).sort((a, b) => a.k - b.k || a.inf - b.inf || a.i - b.i);
      const l = ranked[0].x;
      const k = ranked[0].k;
      const what = k === 1 ? ' (a loop that waits on the user each pass)' : k === 3 ? ' (a loop over a collection)' : '';
      // The loop runs inside a web request whose route sets a wall-clock limit (`export const maxDuration = 800`):
      // the platform ends the run after that time. A time cap only, without a reason the loop can give.
      const route = routeDuration(ctx, l.file);
      if (route) {
        return {
          level: 'partial',
          reason: `the agent loop in ${l.fn} (${l.file}:${l.line}) has no turn, token or cost cap; the only bound is the wall-clock limit of the route that runs it (maxDuration = ${route.value} s at ${route.file}:${route.line}), which ends the request without a reason`,
          evidence: [
            { file: route.file, line: route.line, reason: `the route running the agent loop sets maxDuration = ${route.value} (a wall-clock cap)` },
            { file: l.file, line: l.line, reason: `agent loop ${l.loop ? `while (${l.loop.cond || ';;'})` : 'by recursion'} with no cap in its exits` },
          ],
          confidence: 'low',
        };
      }
      return {
        level: 'absent',
        reason: `the agent loop in ${l.fn} (${l.file}:${l.line})${what} has no turn, token or cost cap; it runs until the model stops calling tools`,
        evidence: [{ file: l.file, line: l.line, reason: `agent loop ${l.loop ? `while (${l.loop.cond || ';;'})` : 'by recursion'} with no cap in its exits` }],
        // The loop statement and its exits were read, and nothing it calls compares a limit. The verdict is
        // certain only when that loop is plainly the turn loop: an open loop that does not read the user's
        // input; a REPL, a loop over items, or a recursive turn leaves the real turn loop a guess.
        // And nothing bounds the run's wall-clock from outside the loop: a lifetime set on a sandbox the
        // run lives in, or a route's maximum duration (`export const maxDuration = 800`).
        // Nor when a bound the audit could not tie to this loop is in sight: the loop's own exit compares a count with a
        // number (`history.length >= 50`), or a comparison elsewhere holds a count against a turn cap or a retry bound
        // (`count >= LLM_CALL_LIMIT_PER_THREAD`, `retry++ < config.retry`): the run may well be capped through it.
        confidence: loops.every((x) => x.loop) && k === 0 && !wallClockBound(ctx) && !countedExit(l) && !untiedBound(ctx) ? 'high' : 'low',
      };
    }
    // No loop runs the model over several turns: a request is one call, bounded by its own output cap. Some of a
    // cap (a token bound on each call), none on the session: partial, as a turn cap without a token cap is.
    const perCall = perCallOutputCap(ctx);
    if (perCall) {
      return {
        level: 'partial',
        reason: `no agent loop runs the model over several turns, so a request is one model call bounded only by its own output cap (${perCall.key} = ${perCall.value} handed to ${perCall.callee} at ${perCall.file}:${perCall.line}); there is no session token or cost cap`,
        evidence: [{ file: perCall.file, line: perCall.line, reason: `${perCall.key} = ${perCall.value} caps the output of one model call (${perCall.callee})` }],
        confidence: 'low',
      };
    }
    return { level: 'absent', reason: 'no agent loop with a turn, token or cost cap was found', evidence: [] };
  },
});
