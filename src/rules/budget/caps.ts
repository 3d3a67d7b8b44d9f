/**
 * Loop caps shared by the budget checks: limits compared in the agent loop's condition or exits
 * (or in a condition one call away), what they bound (tokens/cost, turns, time) and their default.
 */
import { paramName, shortName, type Located, type RuleContext } from '../context.js';
import { classOf, methodOf, resolveLocal } from '../shared/resolve.js';
import type { CallFact, GuardFact } from '../../analyzers/facts.js';
import { agentLoops, GENERIC, modelCalls, rankedLoops, reachesModelResolved, type AgentLoop } from '../shared/loop.js';
import { EXEC_CALL, shellSinks } from '../shared/tools.js';
import { words } from '../shared/persist.js';
import { tokenComparisons } from './context.js';
import { mentionOf, objectsWithAnyKey } from '../shared/scan.js';
import { resolveImportFile } from '../shared/imports.js';

export type CapKind = 'token' | 'turn' | 'time';
export type CapDefault = 'bounded' | 'unlimited' | 'unknown';

export interface Cap {
  kind: CapKind;
  /** The limit's name (`maxTurns`, `max_steps`) or the literal compared against. */
  limit: string;
  file: string;
  line: number;
  /** Where it stops the loop: `loop condition`, `exit`, `guard in <fn>`, `framework option`. */
  where: string;
  fn: string;
  def: CapDefault;
  /** Where the default was found. */
  defAt?: { file: string; line: number; value: string };
  /** The link from the agent loop to the comparison was resolved (same function, own method, single definition), not guessed by name. */
  resolved?: boolean;
  /** How many agent loops run this cap (its function is the loop's or is reached from the loop body). */
  reach?: number;
  /**
   * A token/cost cap whose kind rests on the limit's name alone: what it is compared with names no tokens, cost
   * or usage (`classified >= llmBudget` counts items a side pass classified, not what the model spent).
   */
  nameOnly?: boolean;
  /** A bare count of attempts at one call (`for _ in range(3): coords = predict(); if coords: break`): it bounds a retry, not the run's turns. */
  retry?: boolean;
}

const LIMIT = new Set(['max', 'limit', 'limits', 'budget', 'cap', 'allowed', 'remaining', 'ceiling', 'maximum']);
/** A name whose words may hold a LIMIT word (any case, or with the Kelvin sign that lower-cases to `k`; none of these has a `k`). */
const LIMIT_TEXT = /max|limit|budget|cap|allowed|remaining|ceiling/i;
const TOKEN = new Set(['token', 'tokens', 'cost', 'usd', 'spend', 'spent', 'price', 'dollars', 'budget', 'credits']);
const TIME = new Set(['time', 'duration', 'timeout', 'deadline', 'seconds', 'ms', 'minutes', 'elapsed', 'wall']);
const TURN = new Set(['call', 'request', 'turn', 'turns', 'step', 'steps', 'iteration', 'iterations', 'iter', 'iters', 'round', 'rounds', 'loop', 'loops', 'calls', 'cycles', 'attempts', 'actions', 'requests', 'reflection', 'reflections', 'hops', 'episodes', 'failures', 'mistakes']);
const NOT_CAP = new Set(['retry', 'retries', 'backoff', 'reasoning', 'thinking', 'rate', 'throttle', 'debounce', 'interval', 'poll', 'width', 'height', 'length', 'lines', 'chars', 'size', 'depth', 'results', 'items', 'files', 'output', 'buffer', 'len', 'bytes', 'concurrency', 'history',
  // A context window (`maxInputTokens`, `contextLimit`) sizes one request; it does not stop the run.
  'input', 'context', 'window', 'prompt', 'ctx',
  // `maxTokensExceededCount` counts events; it is not a limit.
  'exceeded']);
const UNLIMITED = /^(-1|-1\.0|Infinity|Number\.POSITIVE_INFINITY|Number\.MAX_SAFE_INTEGER|Number\.MAX_VALUE|undefined|null|None|0|float\(['"]inf['"]\)|math\.inf)$/;
const GUARDED = /(>=?\s*0\s*(&&|and)|!==?\s*-1|!=\s*None|is not None|!==?\s*(undefined|null|Infinity))/;
const IDENT = /[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*|\(\))*/g;
const COMPARE = /[<>]=?/;
const AGENTISH = new Set(['agent', 'run', 'loop', 'step', 'turn', 'execute', 'chat', 'conversation', 'query', 'solve', 'task', 'runner', 'executor']);
const STEP_WORDS = new Set(['turn', 'turns', 'step', 'steps', 'iteration', 'iterations', 'iter', 'iters', 'round', 'rounds', 'call', 'calls', 'failures', 'mistakes']);
const BUDGET_RECV = new Set(['budget', 'budgets', 'limits', 'limiter', 'quota', 'caps', 'meter', 'governor', 'guard', 'guardrails']);
const CHECK_VERB = new Set(['check', 'enforce', 'assert', 'ensure', 'exceeded', 'exceeds', 'over', 'exhausted', 'should', 'stop', 'verify', 'allow', 'allows', 'can', 'remaining']);

/**
 * Limits declared beside the class behind a budget receiver (`budget.check()` → class Budget):
 * its token/cost/turn limit constants and their defaults.
 */
function budgetDefaults(ctx: RuleContext, recvWord: string, method: string): Array<{ name: string; kind: CapKind; def: CapDefault; at: { file: string; line: number; value: string } }> {
  const out: Array<{ name: string; kind: CapKind; def: CapDefault; at: { file: string; line: number; value: string } }> = [];
  for (const f of ctx.source) {
    const cls = f.classes.find((c) => words(c.name).includes(recvWord.replace(/s$/, '')) && c.members.includes(method));
    if (!cls) continue;
    for (const c of f.consts) {
      const ws = words(c.name);
      if (!ws.some((w) => LIMIT.has(w))) continue;
      const kind = kindOf(ws);
      if (!kind) continue;
      const v = c.value.trim();
      const def: CapDefault = UNLIMITED.test(v) ? 'unlimited' : /^\d[\d_]*(\.\d+)?$/.test(v) ? 'bounded' : 'unknown';
      out.push({ name: c.name, kind, def, at: { file: f.path, line: c.line, value: v } });
    }
    if (out.length) break;
  }
  return out;
}

// `maxSessionTurns`: the turn cap of a session a framework's config object runs (`new Config({ maxSessionTurns })`).
const FRAMEWORK_KEY_SET = new Set(['maxSteps', 'maxTurns', 'max_steps', 'max_turns', 'maxSessionTurns', 'max_session_turns', 'maxIterations', 'max_iterations', 'stopWhen', 'recursionLimit', 'recursion_limit', 'maxToolRoundtrips', 'max_tool_calls', 'maxToolCalls', 'max_budget_usd', 'maxBudgetUsd', 'max_cost', 'maxCost']);
const KEYED = /^['"](recursion_limit|max_steps|max_turns|max_iterations|maxSteps|maxTurns|maxIterations)['"]$/;
const LIMIT_MIDDLEWARE = /(?:Model|Tool|Step|Turn|Token|Cost)(?:Call)?Limit\w*$/;
const SETTERS = new Set(['setdefault', 'set', 'setdefault_', 'update', 'assign', 'put']);

/** `MaxTurns` (from `getMaxTurns`) → `maxTurns`; `MAX_TURNS` stays as written. */
const uncap = (n: string) => (/^[A-Z][a-z]/.test(n) ? n.charAt(0).toLowerCase() + n.slice(1) : n);

function kindOf(ws: readonly string[]): CapKind | undefined {
  if (ws.some((w) => NOT_CAP.has(w))) return undefined;
  if (ws.some((w) => TOKEN.has(w))) return 'token';
  if (ws.some((w) => TIME.has(w))) return 'time';
  if (ws.some((w) => TURN.has(w))) return 'turn';
  return undefined;
}

/**
 * The kind of run cap a setting's name gives (`request_limit`, `max_steps_override`, `maxTurns`, `stopWhen`,
 * `max_total_tokens`): a framework's run-cap key, or a name holding a limit word and a turn, token or time word.
 */
export function runCapKind(name: string): CapKind | undefined {
  if (FRAMEWORK_KEY_SET.has(name)) return /usd|cost|budget/i.test(name) ? 'token' : 'turn';
  const ws = words(name);
  return ws.some((w) => LIMIT.has(w)) ? kindOf(ws) : undefined;
}

/** Words of a quantity the model's use is measured in: a counter holding one is a spend, not a count of items. */
const MEASURED = new Set(['token', 'tokens', 'cost', 'costs', 'usd', 'spend', 'spent', 'price', 'dollars', 'credits', 'usage']);

/**
 * Whether a token cap's comparison names what it measures: the counters beside the limit in `cond` (its
 * identifiers holding no limit word) read tokens, cost or usage. Undefined when the condition has no such counter.
 */
function measuredSpend(cond: string): boolean | undefined {
  const counters = (cond.match(IDENT) ?? []).map((id) => id.replace(/\(\)/g, '').split(/\??\./)).filter((segs) => !words(segs[segs.length - 1]).some((w) => LIMIT.has(w)));
  if (!counters.length) return undefined;
  return counters.some((segs) => segs.some((seg) => words(seg).some((w) => MEASURED.has(w))));
}

/** Limit names compared in a condition text, with what they bound. */
export function limitsIn(cond: string): Array<{ name: string; kind: CapKind }> {
  if (!COMPARE.test(cond)) return [];
  const out: Array<{ name: string; kind: CapKind }> = [];
  // `limit > 0` only asks whether the limit is set: a cap compares the limit with a counter
  // (`0 < limit < spent`), so clauses comparing it with nothing but 0/-1 are left out.
  const clauses = cond
    .split(/&&|\|\||\band\b|\bor\b/)
    .filter((cl) => cl.split(/[<>]=?/).map((o) => o.trim().replace(/^[(!\s]+|[)\s]+$/g, '')).filter((o) => o && !/^-?[01](\.0)?$/.test(o)).length >= 2);
  const text = clauses.join(' ');
  const ids = text.match(IDENT) ?? [];
  for (const id of ids) {
    const last = id.replace(/\(\)/g, '').split(/\??\./).pop() ?? id;
    const name = last.replace(/^get(?=[A-Z])/, '').replace(/^get_/, '');
    const ws = words(name);
    if (!ws.some((w) => LIMIT.has(w))) continue;
    const kind = kindOf(ws);
    if (kind) out.push({ name: uncap(name), kind });
  }
  // `cost > limit`, `self.total_tokens >= self.cap`: a bare limit (its name says nothing of what it bounds) compared
  // with a spend counter (cost, tokens, usage) caps that spend.
  if (out.length === 0) {
    for (const cl of clauses) {
      const m = /^\s*\(?\s*([A-Za-z_$][\w$.]*)\s*([<>]=?)\s*([A-Za-z_$][\w$.]*)\s*\)?\s*$/.exec(cl);
      if (!m) continue;
      const [counter, limit] = m[2].startsWith('>') ? [m[1], m[3]] : [m[3], m[1]];
      const lw = words(lastName(limit));
      const cw = words(lastName(counter));
      if (!lw.some((w) => LIMIT.has(w)) || kindOf(lw) || lw.some((w) => NOT_CAP.has(w))) continue;
      if (cw.some((w) => LIMIT.has(w) || NOT_CAP.has(w)) || !cw.some((w) => MEASURED.has(w))) continue;
      out.push({ name: uncap(lastName(limit)), kind: 'token' });
    }
  }
  // `turn >= 50`: a counter compared with a literal.
  const lit = /\b([A-Za-z_$][\w$.]*)\s*(>=|>|<=|<)\s*(\d+)\b/.exec(text);
  if (out.length === 0 && lit) {
    const kind = kindOf(words(lit[1].split('.').pop() ?? ''));
    if (kind && Number(lit[3]) > 0) out.push({ name: lit[3], kind });
  }
  return out;
}

/**
 * A named maximum in a loop condition that compares it with a plain counter (`i < maxRuns`, `self.n < self.max_passes`),
 * found only when limitsIn() recognises no cap there: the name holds `max`/`limit` and no word that
 * makes it a size, a retry bound or a context window (NOT_CAP).
 */
function ownConditionCap(cond: string): string | undefined {
  if (limitsIn(cond).length) return undefined;
  const m = /^\s*((?:this\.|self\.)?[A-Za-z_$][\w$]*)\s*(<|<=)\s*((?:this\.|self\.)?[A-Za-z_$][\w$.]*)\s*$/.exec(cond) ?? /^\s*((?:this\.|self\.)?[A-Za-z_$][\w$.]*)\s*(>|>=)\s*((?:this\.|self\.)?[A-Za-z_$][\w$]*)\s*$/.exec(cond);
  if (!m) return undefined;
  const [counter, limit] = m[2].startsWith('<') ? [m[1], m[3]] : [m[3], m[1]];
  const lw = words(limit.split('.').pop() ?? limit);
  // A count of steps bounds the loop as well as a named maximum does: `i < numSteps`, `turn < this.turns`.
  if (!lw.some((w) => w === 'max' || w === 'maximum' || w === 'limit' || STEP_WORDS.has(w))) return undefined;
  if (lw.some((w) => NOT_CAP.has(w)) || words(counter.split('.').pop() ?? counter).some((w) => NOT_CAP.has(w))) return undefined;
  return uncap(limit.split('.').pop() ?? limit);
}

/**
 * A count of the run's passes compared with a named maximum, over-the-limit side first: `len(self.subtasks) >= self.max_subtasks`,
 * `this.steps.length >= this.maxSubtasks`, `n > max_rounds`. Found only where limitsIn() sees no cap; not a count of the
 * history's messages (a compaction trigger) or of a size (NOT_CAP).
 */
function bodyCountCap(text: string): Array<{ name: string; kind: CapKind }> {
  if (limitsIn(text).length) return [];
  const m = /^\s*(?:len\(\s*([\w.]+)\s*\)|([\w$.]+)\.length|([\w$.]+))\s*(?:>=|>)\s*((?:this\.|self\.)?[A-Za-z_$][\w$]*)\s*$/.exec(text);
  if (!m) return [];
  const counter = (m[1] ?? m[2] ?? m[3]).split('.').pop() ?? '';
  const limit = m[4].split('.').pop() ?? m[4];
  const lw = words(limit);
  const cw = words(counter);
  if (!lw.some((w) => w === 'max' || w === 'maximum' || w === 'limit')) return [];
  // Nor a count of errors in a row (`consecutiveErrors >= MAX_CONSECUTIVE_ERRORS`): that ends a failing run, not a long one.
  if ([...lw, ...cw].some((w) => NOT_CAP.has(w) || /^(?:messages?|msgs?|chunks?|tokens?|chars?|errors?|failures?|failed|consecutive|attempts?)$/.test(w))) return [];
  return [{ name: uncap(limit), kind: 'turn' }];
}

/** A folder of evaluation or benchmark drivers. */
const EVAL_DIR = /(?:^|\/)(?:\w+_)?(?:evals?|evaluations?|benchmarks?)\//;
/** A configuration getter with a literal default: `self._get_int("max_rounds", 10)`, `os.getenv("MAX_STEPS", 30)`, `cfg.get('limit', 5)`. */
const GETTER_DEFAULT = /^(?:[\w.]+\.)?_?get\w*\(\s*['"][\w.-]+['"]\s*,\s*(?:default\s*=\s*)?(-?[\d_.]+|None|null|undefined)\s*\)$/;

/**
 * A guard that hands back its function's own input when it is under the limit (`if (count(text) <=
 * maxTokens) return text`, `if total <= max_tokens: return items`) fits a text or a list to a size: a
 * trim or truncation, which lets the loop go on, not a cap that stops it.
 */
function returnsInput(ctx: RuleContext, file: string, g: GuardFact): boolean {
  if (!g.returns) return false;
  const fn = ctx.file(file)?.functions.find((f) => f.name === g.fn);
  // A parameter as declared carries its annotation or default (`content: str`, `text = ''`): compare its name.
  return !!fn?.params.some((p) => paramName(p).replace(/\?$/, '') === g.returns);
}

/**
 * The agent loops whose caps bound the harness: not the loop of an evaluation or benchmark driver
 * (`auto_eval/` running a simulated user against the agent), unless every loop is one.
 */
function capLoops(ctx: RuleContext): ReturnType<typeof agentLoops> {
  return ctx.memo('caps:harness-loops', () => {
    // The likeliest turn loop first (rankedLoops), so its caps lead: not a side agent's (a dialogue simulator's rounds).
    const all = rankedLoops(ctx).filter((l) => !isWaitLoop(l));
    const own = all.filter((l) => !EVAL_DIR.test(l.file));
    return own.length ? own : all;
  });
}

/** A call that pauses each pass: `asyncio.sleep(0.1)`, `time.sleep(1)`, `await delay(ms)`, `select.select(fds, [], [], 0.1)`. */
const PAUSE = /^(?:(?:\w+\.)?(?:sleep|delay)|select\.select)$/;

/**
 * A loop that waits for something outside the model (a command's output, a scheduled task, a device
 * login) and was taken for an agent loop only because a call in it has a model-like name
 * (`PrintStyle().stream(partial_output)`, `self._shell_stream_callback(line)`): it pauses on every pass.
 * Its timeout bounds one wait (one tool call), not the run's turns.
 */
export function isWaitLoop(l: AgentLoop): boolean {
  if (l.link !== 'word' || !l.loop) return false;
  return l.body.some((c) => c.line >= l.line && c.line <= l.end && !c.cond && !c.inCatch && PAUSE.test(c.callee.replace(/^await\s+/, '')));
}

/** Default values of a limit, found among const facts by normalised name. */
function defaultOf(ctx: RuleContext, name: string, cond: string, file?: string): Pick<Cap, 'def' | 'defAt'> {
  if (/^\d+$/.test(name)) return { def: 'bounded' };
  const ws = words(name);
  const key = ws.join('_');
  // Literal values by normalised name: constants first, then pydantic / dataclass field defaults
  // (`per_instance_cost_limit: float = Field(default=3.0, …)`), in one index. Every limit looked up
  // names a limit word (`max`, `limit`, `budget` …), so the index holds only such names (a name
  // matches the key only when its words are the key's words); any other name gets the full index.
  const limited = ws.some((w) => LIMIT.has(w));
  const idx = ctx.memo(limited ? 'caps:consts' : 'caps:consts-all', () => {
    const m = new Map<string, Array<{ file: string; line: number; value: string }>>();
    const add = (name: string, file: string, line: number, value: string) => {
      let k: string;
      if (limited) {
        if (!LIMIT_TEXT.test(name)) return;
        const nws = words(name);
        if (!nws.some((w) => LIMIT.has(w))) return;
        k = nws.join('_');
      } else k = words(name).join('_');
      const v = { file, line, value };
      const list = m.get(k);
      if (list) list.push(v);
      else m.set(k, [v]);
    };
    for (const f of ctx.source) for (const c of f.consts) add(c.name, f.path, c.line, c.value);
    for (const f of ctx.source) {
      for (const b of f.binds ?? []) {
        // The name first (short; a value is a slice of the file's text, costly to touch), then a value
        // starting (after any white space) with `pydantic.`, `Field(` or `field(`.
        if (limited && !LIMIT_TEXT.test(b.name)) continue;
        const v0 = b.value.charCodeAt(0);
        if (v0 > 32 && v0 < 127 && v0 !== 112 && v0 !== 70 && v0 !== 102 && !b.value.includes('get')) continue;
        const d = /^(?:pydantic\.)?(?:Field|field)\(\s*(?:default\s*=\s*)?(-?[\d_.]+|None|float\(['"]inf['"]\))\s*[,)]/.exec(b.value.trim()) ?? GETTER_DEFAULT.exec(b.value.trim().replace(/^(?:int|float)\((.*)\)$/, '$1'));
        if (d) add(b.name, f.path, b.line, d[1] === 'None' ? 'null' : d[1]);
        // A field defaulting to a constant of the same file: `max_subtasks: int = field(default=DEFAULT_MAX_STEPS)`.
        const named = d ? undefined : /^(?:pydantic\.)?(?:Field|field)\(\s*(?:default\s*=\s*)?([A-Z][A-Z0-9_]*)\s*[,)]/.exec(b.value.trim());
        const k = named ? f.consts.find((c) => c.name === named[1] && /^\d[\d_]*$/.test(c.value.trim())) : undefined;
        if (k) add(b.name, f.path, b.line, k.value.trim());
      }
    }
    return m;
  });
  // A default beside the comparison (the same file) decides; one of the same name elsewhere (another
  // class's `max_tokens = 1000`) only when the file has none.
  const all = idx.get(key) ?? [];
  const own = file ? all.filter((v) => v.file === file) : [];
  const vals = own.length ? own : all;
  const unl = vals.find((v) => UNLIMITED.test(v.value.trim()));
  const pos = vals.find((v) => /^\d[\d_]*(\.\d+)?$/.test(v.value.trim()) && Number(v.value.replace(/_/g, '')) > 0);
  if (unl && (GUARDED.test(cond) || !pos)) return { def: 'unlimited', defAt: unl };
  if (pos) return { def: 'bounded', defAt: pos };
  if (GUARDED.test(cond)) return { def: 'unlimited' };
  // A settings object built beside the comparison with the limit as a keyword argument: `Config(cost_limit=0.1, …)`.
  const kw = limited && file ? keywordDefault(ctx, file, name) : undefined;
  if (kw) return { def: UNLIMITED.test(kw.value) ? 'unlimited' : 'bounded', defAt: kw };
  return { def: 'unknown' };
}

/** A numeric keyword argument of that name handed to a call in the file (Python): `Settings(spend_limit=0.25)`. */
function keywordDefault(ctx: RuleContext, file: string, name: string): { file: string; line: number; value: string } | undefined {
  const f = ctx.file(file);
  if (!f || f.lang !== 'py') return undefined;
  const re = new RegExp(`^${name.replace(/[$]/g, '\\$')}\\s*=\\s*(-?[\\d_]+(?:\\.\\d+)?|None)$`);
  for (const c of f.calls) {
    for (const a of c.args) {
      if (!a.startsWith(name)) continue;
      const m = re.exec(a.trim());
      if (m) return { file, line: c.line, value: m[1] === 'None' ? 'null' : m[1] };
    }
  }
  return undefined;
}

/**
 * The limit a local name stands for: `const maxTurns = this.config.getMaxSessionTurns()` → `maxSessionTurns`,
 * so its default is looked up under the configured name, not under an unrelated constant of the same local name.
 */
function boundLimit(ctx: RuleContext, file: string, fn: string, name: string): string | undefined {
  if (/^\d+$/.test(name)) return undefined;
  const idx = ctx.memo('caps:binds', () => new Map<string, Map<string, string>>());
  let m = idx.get(file);
  if (!m) {
    m = new Map();
    for (const b of ctx.file(file)?.binds ?? []) if (!m.has(`${b.fn}#${b.name}`)) m.set(`${b.fn}#${b.name}`, b.value);
    idx.set(file, m);
  }
  const v = m.get(`${fn}#${name}`);
  if (!v) return undefined;
  // `limit = base * 0.85`, `limit = base - reserve`: a share of another limit stands for that limit.
  const id = /([A-Za-z_$][\w$]*)\s*(?:\(\s*\))?\s*(?:\?\?.*|\bor\b.*)?$/.exec(v.trim()) ?? /^(?:[A-Za-z_$][\w$]*\.)*([A-Za-z_$][\w$]*)\s*(?:[*/]\s*[\d_.]+|-\s*[\w$.]+)$/.exec(v.trim());
  if (!id) return undefined;
  const bound = uncap(id[1].replace(/^get(?=[A-Z])/, '').replace(/^get_/, ''));
  const ws = words(bound);
  return ws.some((w) => LIMIT.has(w)) && kindOf(ws) ? bound : undefined;
}

/** Short names reached from each agent loop's body within two calls (by name, specific names only). */
function loopReachSets(ctx: RuleContext): Array<{ fn: string; names: Set<string> }> {
  return ctx.memo('caps:loop-reach', () =>
    capLoops(ctx).map((loop) => {
      const names = new Set<string>([shortName(loop.fn)]);
      let frontier: Array<{ file: string; fn: string }> = [];
      for (const c of loop.body) {
        if (!c.name || names.has(c.name)) continue;
        names.add(c.name);
        if (GENERIC.has(c.name)) continue;
        const defs = ctx.functionsNamed(c.name);
        if (defs.length <= 4) for (const d of defs) frontier.push({ file: d.file, fn: d.name });
      }
      for (const { file, fn } of frontier) for (const c of ctx.callsIn(file, fn)) if (c.name) names.add(c.name);
      frontier = [];
      return { fn: loop.fn, names };
    }),
  );
}

/** Words of a counter of events of one kind (errors, empty replies, retries), not of the loop's passes. */
const EVENT = new Set(['error', 'errors', 'fail', 'fails', 'failed', 'failure', 'failures', 'empty', 'invalid', 'consecutive', 'retry', 'retries', 'exception', 'exceptions', 'mistake', 'mistakes', 'warning', 'warnings']);

/** Names moved by one: counted up (`count += 1`, `n = n + 1`) or down (`left -= 1`, `{ stepsRemaining: s.stepsRemaining - 1 }`). */
interface Stepped {
  up: Set<string>;
  down: Set<string>;
}

const STEP_BY_ONE = /^(?:[A-Za-z_$][\w$]*\??\.)*([A-Za-z_$][\w$]*)\s*([+-])\s*1$/;
const lastName = (t: string) => t.replace(/\s+/g, '').split(/\??\./).pop() ?? t;

/** Per file, by function: the names moved by one (`name`, `+`/`-`, line), indexed once. */
function stepIndex(ctx: RuleContext, file: string): Map<string, Array<{ name: string; up: boolean; line: number }>> {
  const all = ctx.memo('caps:step-index', () => new Map<string, Map<string, Array<{ name: string; up: boolean; line: number }>>>());
  let m = all.get(file);
  if (m) return m;
  m = new Map();
  all.set(file, m);
  const f = ctx.file(file);
  if (!f) return m;
  const put = (fn: string, name: string, up: boolean, line: number) => {
    const list = m!.get(fn);
    if (list) list.push({ name, up, line });
    else m!.set(fn, [{ name, up, line }]);
  };
  for (const a of f.adds ?? []) if (a.value.trim() === '1') put(a.fn, lastName(a.target), true, a.line);
  for (const a of f.subs ?? []) if (a.value.trim() === '1') put(a.fn, lastName(a.target), false, a.line);
  for (const b of f.binds ?? []) {
    // Only values ending in `± 1` (cheap test first).
    if (!b.value.endsWith('1')) continue;
    const x = STEP_BY_ONE.exec(b.value.trim());
    if (x && x[1] === b.name) put(b.fn, b.name, x[2] === '+', b.line);
  }
  for (const o of f.objects) {
    for (const k of o.keys) {
      const v = o.values[k];
      if (!v || !v.endsWith('1')) continue;
      const x = STEP_BY_ONE.exec(v.trim());
      if (x && x[1] === k) put(o.fn, k, x[2] === '+', o.line);
    }
  }
  return m;
}

/** The names a function moves by one (last name segments), within lines `from`..`to` when given. */
function steppedIn(ctx: RuleContext, file: string, fn: string, out: Stepped, from = 0, to = Number.MAX_SAFE_INTEGER): void {
  for (const s of stepIndex(ctx, file).get(fn) ?? []) if (s.line >= from && s.line <= to) (s.up ? out.up : out.down).add(s.name);
}

interface PassCounter {
  counter: string;
  limit: string;
  down: boolean;
}

/**
 * A clause comparing a counter moved by one each pass with its limit: counted up to a named limit or a
 * literal (`count >= self.chain_limit`, `visits < 5`), or counted down to zero (`calls_left > 0`,
 * `stepsRemaining <= 0`). Counters of errors, empty replies or retries, and sizes, are left out.
 */
function passCounter(cond: string, st: Stepped): PassCounter | undefined {
  const clean = (t: string) => !words(lastName(t)).some((w) => EVENT.has(w) || NOT_CAP.has(w));
  for (const cl of cond.split(/&&|\|\||\band\b|\bor\b/)) {
    const m = /^[\s(]*((?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*|\d+)\s*(<=?|>=?)\s*((?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*|\d+)[\s)]*$/.exec(cl);
    if (!m) continue;
    const [lo, hi] = m[2].startsWith('<') ? [m[1], m[3]] : [m[3], m[1]];
    const lit = (t: string) => /^\d+$/.test(t);
    // Counted up: `count < limit` keeps the loop on, `count >= limit` stops it; the counter is either side.
    for (const [c, l] of [[lo, hi], [hi, lo]]) {
      if (!lit(c) && st.up.has(lastName(c)) && clean(c) && clean(l) && (lit(l) ? Number(l) > 1 : words(lastName(l)).some((w) => LIMIT.has(w)))) {
        return { counter: lastName(c), limit: lit(l) ? l : uncap(lastName(l)), down: false };
      }
    }
    // `left > 0` / `0 < left` (on while positive), `left <= 0` / `left < 1` (stop at zero).
    const zeroSide = lit(lo) && (lo === '0' || (lo === '1' && m[2] === '>=')) ? hi : lit(hi) && (hi === '0' || (hi === '1' && m[2] === '<')) ? lo : undefined;
    if (zeroSide && !lit(zeroSide) && st.down.has(lastName(zeroSide)) && clean(zeroSide)) {
      return { counter: lastName(zeroSide), limit: uncap(lastName(zeroSide)), down: true };
    }
  }
  return undefined;
}

/** A loop condition counting attempts or retries (`attempt < max_attempts`, `retries < 2`, `range(self.max_tries)`). */
const ATTEMPTS = /retr(?:y|ies)|attempt|tries/i;

interface CorrectionLoop {
  file: string;
  fn: string;
  line: number;
  cond: string;
  limit: string;
  action: Located<CallFact>;
}

/**
 * Loops bounded by attempts whose body asks the model and then runs its answer (code, a command, a
 * tool) before asking again: `while attempt < max_attempts: answer = self.llm_request();
 * ok, feedback = self.execute_modules(answer)`. The agent loops leave out loops counting retries,
 * since most ask one request again until it succeeds; one that runs the answer is a turn loop, and
 * its attempts cap its turns. The answer is run where, after the model call, the body holds a process
 * or code-execution sink, or a call resolved to a function holding one or calling a tool's `execute`.
 */
function correctionLoops(ctx: RuleContext): CorrectionLoop[] {
  return ctx.memo('caps:correction-loops', () => {
    const out: CorrectionLoop[] = [];
    const sinks = ctx.memo('caps:sink-lines', () => {
      const at = new Set<string>();
      const fns = new Set<string>();
      for (const s of shellSinks(ctx)) {
        if (!s.fromInput) continue;
        at.add(`${s.file}:${s.line}`);
        fns.add(`${s.file}#${s.fn}`);
      }
      return { at, fns };
    });
    const runsTools = (file: string, fn: string) =>
      sinks.fns.has(`${file}#${fn}`) || ctx.callsIn(file, fn).some((c) => EXEC_CALL.test(c.name) && /tool/i.test(c.callee.slice(0, Math.max(0, c.callee.length - c.name.length))));
    for (const f of ctx.source) {
      for (const loop of f.loops) {
        if (loop.kind === 'for-in' || !ATTEMPTS.test(loop.cond)) continue;
        const body = ctx.callsIn(f.path, loop.fn).filter((c) => c.line >= loop.line && c.line <= loop.end);
        // The answer run first (rare in a loop that retries one request, so most loops stop here), then a model call before it.
        const actions = body.filter((c) => {
          if (c.inCatch) return false;
          if (sinks.at.has(`${f.path}:${c.line}`)) return true;
          const defs = calledFunctions(ctx, f.path, loop.fn, c);
          return defs.length === 1 && runsTools(defs[0].file, defs[0].name);
        });
        if (!actions.length) continue;
        const model = body.find((c) => !c.inCatch && c.line < actions[actions.length - 1].line && reachesModelVia(ctx, f.path, loop.fn, c, 2));
        if (!model) continue;
        const action = actions.find((c) => c.line > model.line);
        if (!action) continue;
        const limit = attemptLimit(loop.cond);
        if (limit) out.push({ file: f.path, fn: loop.fn, line: loop.line, cond: loop.cond, limit, action });
      }
    }
    return out;
  });
}

/** Agent command-line tools a harness may run as one step: `claude -p …`, `codex exec …`, `gemini -p …`. */
const AGENT_CLI = /^(?:claude|codex|gemini|aider|opencode|cursor-agent|goose|qwen|crush)$/;
/** Quoted literals in a value: `sandbox ? 'docker' : 'claude'`, `['claude', '-p', prompt]`. */
const QUOTED = /['"`]([\w-]+)['"`]/g;

/**
 * Where the harness starts an agent CLI as a process: a spawn (`spawnSync(command, args)`, `subprocess.run(["claude", …])`)
 * whose command is such a literal, a list starting with one, or a local the function binds to a value naming one
 * (`const command = sandbox ? 'docker' : 'claude'`). By the function holding it (`file#fn`).
 */
function agentCliSpawns(ctx: RuleContext): Map<string, { file: string; line: number; callee: string; cli: string }> {
  return ctx.memo('caps:agent-cli-spawns', () => {
    const out = new Map<string, { file: string; line: number; callee: string; cli: string }>();
    const cliIn = (text: string) => [...text.matchAll(QUOTED)].map((m) => m[1]).find((w) => AGENT_CLI.test(w));
    for (const s of shellSinks(ctx)) {
      if (s.kind !== 'spawn' || out.has(`${s.file}#${s.fn}`)) continue;
      const call = ctx.callsIn(s.file, s.fn).find((c) => c.line === s.line && c.callee === s.callee);
      const a0 = (call?.args[0] ?? '').trim();
      let cli = /^['"`[]/.test(a0) ? cliIn(a0.startsWith('[') ? (a0.split(',')[0] ?? '') : a0) : undefined;
      if (!cli && /^[A-Za-z_$][\w$]*$/.test(a0)) {
        const b = (ctx.file(s.file)?.binds ?? []).filter((x) => x.fn === s.fn && x.name === a0 && x.line <= s.line).pop();
        cli = b ? cliIn(b.value) : undefined;
      }
      if (cli) out.set(`${s.file}#${s.fn}`, { file: s.file, line: s.line, callee: s.callee, cli: `'${cli}'` });
    }
    return out;
  });
}

interface CliLoop {
  file: string;
  fn: string;
  line: number;
  cond: string;
  limit: string;
  cli: string;
  spawn: { file: string; line: number; callee: string };
}

/**
 * Loops whose step runs an agent CLI (`for (let i = 1; i <= config.iterations; i++) { … await this.executeIteration(prompt) }`,
 * where executeIteration spawns `claude`): the model's turns run in the child process, and the loop's own count of
 * iterations is what bounds the run. Found where the loop's body reaches the spawn within two resolved calls, and the
 * condition compares a counter with a limit (a named count of turns, steps or iterations, or a literal above 1).
 */
function agentCliLoops(ctx: RuleContext): CliLoop[] {
  return ctx.memo('caps:agent-cli-loops', () => {
    const spawns = agentCliSpawns(ctx);
    if (!spawns.size) return [];
    const out: CliLoop[] = [];
    const reach = (file: string, fn: string, c: Located<CallFact>, depth: number): ReturnType<typeof spawns.get> => {
      for (const d of calledFunctions(ctx, file, fn, c)) {
        const hit = spawns.get(`${d.file}#${d.name}`);
        if (hit) return hit;
        if (depth > 0) for (const inner of ctx.callsIn(d.file, d.name)) {
          const h = inner.name !== c.name ? reach(d.file, d.name, inner, depth - 1) : undefined;
          if (h) return h;
        }
      }
      return undefined;
    };
    for (const f of ctx.source) {
      for (const loop of f.loops) {
        if (loop.kind === 'for-in' || (loop.kind === 'for-of' && !/^range\(/.test(loop.cond.trim()))) continue;
        const limit = iterationLimit(loop.cond);
        if (!limit) continue;
        const body = ctx.callsIn(f.path, loop.fn).filter((c) => c.line >= loop.line && c.line <= loop.end && !c.inCatch);
        // The spawn in the loop's own body, else one reached from a call in it.
        const own = spawns.get(`${f.path}#${loop.fn}`);
        let hit = own && own.line >= loop.line && own.line <= loop.end ? own : undefined;
        for (const c of body) {
          if (hit) break;
          hit = reach(f.path, loop.fn, c, 1);
        }
        if (hit) out.push({ file: f.path, fn: loop.fn, line: loop.line, cond: loop.cond, limit, cli: hit.cli, spawn: hit });
      }
    }
    return out;
  });
}

/** The limit a loop condition counts its passes to: `i <= config.iterations` → `iterations`, `step < 30` → `30`, `range(max_runs)` → `max_runs`. */
function iterationLimit(cond: string): string | undefined {
  const r = /^range\(\s*(?:[^,()]+,\s*)?([\w.]+)\s*\)$/.exec(cond.trim());
  const limitOk = (l: string) => (/^\d+$/.test(l) ? Number(l) > 1 : !words(lastName(l)).some((w) => NOT_CAP.has(w) || EVENT.has(w)) && words(lastName(l)).some((w) => LIMIT.has(w) || TURN.has(w)));
  if (r) return limitOk(r[1]) ? (/^\d+$/.test(r[1]) ? r[1] : uncap(lastName(r[1]))) : undefined;
  for (const cl of cond.split(/&&|\|\||\band\b|\bor\b/)) {
    const m = /^[\s(]*((?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*|\d+)\s*(<=?|>=?)\s*((?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*|\d+)[\s)]*$/.exec(cl);
    if (!m) continue;
    const [c, l] = m[2].startsWith('<') ? [m[1], m[3]] : [m[3], m[1]];
    if (/^\d+$/.test(c) || words(lastName(c)).some((w) => NOT_CAP.has(w) || EVENT.has(w))) continue;
    if (limitOk(l)) return /^\d+$/.test(l) ? l : uncap(lastName(l));
  }
  return undefined;
}

/** What a call runs: the same file's function or the class's own method (inherited ones included), else the one definition of its name. */
function calledFunctions(ctx: RuleContext, file: string, fn: string, c: Located<CallFact>): Array<{ file: string; name: string }> {
  const local = resolveLocal(ctx, file, fn, c.callee);
  if (local) return [local];
  const own = /^(?:this|self)\.(\w+)$/.exec(c.callee);
  const cls = classOf(fn);
  if (own && cls) return methodOf(ctx, cls.slice(cls.lastIndexOf('.') + 1), own[1]);
  return c.name && !GENERIC.has(c.name) ? ctx.functionsNamed(c.name).slice(0, 2) : [];
}

/** Methods of the classes that call a model themselves (`Provider.respond` beside `Provider.openai_fn`), by short name. */
function modelClassMethods(ctx: RuleContext): Set<string> {
  return ctx.memo('caps:model-class-methods', () => {
    const classes = new Set(modelCalls(ctx).map((m) => `${m.file}#${classOf(m.fn)}`).filter((k) => !k.endsWith('#')));
    const names = new Set<string>();
    for (const f of ctx.source) for (const d of f.functions) if (classes.has(`${f.path}#${classOf(d.name)}`)) names.add(shortName(d.name));
    // Only names no other class or function defines.
    for (const n of [...names]) if (ctx.functionsNamed(n).some((d) => !classes.has(`${d.file}#${classOf(d.name)}`))) names.delete(n);
    return names;
  });
}

/**
 * Whether a call reaches the model, beyond the shared resolution: through a method of the class's own
 * that hands another of its methods on as a callback (`self.llm_request()` → `loop.run_in_executor(None,
 * self.sync_llm_request)`), or a call of a method only a model-calling class defines (`self.llm.respond()`
 * where `Provider.respond` sits beside `Provider.openai_fn`), within `depth` calls.
 */
function reachesModelVia(ctx: RuleContext, file: string, fn: string, c: Located<CallFact>, depth: number): boolean {
  if (reachesModelResolved(ctx, file, fn, c, 2) || (c.name && modelClassMethods(ctx).has(c.name) && c.callee !== c.name)) return true;
  if (depth === 0) return false;
  const defs = calledFunctions(ctx, file, fn, c);
  if (defs.length !== 1) return false;
  const d = defs[0];
  const cls = classOf(d.name);
  for (const inner of ctx.callsIn(d.file, d.name)) {
    if (inner.name !== c.name && reachesModelVia(ctx, d.file, d.name, inner, depth - 1)) return true;
    if (!cls) continue;
    for (const a of inner.args) {
      const ref = /^(?:this|self)\.(\w+)$/.exec(a.trim());
      if (!ref) continue;
      for (const m of methodOf(ctx, cls.slice(cls.lastIndexOf('.') + 1), ref[1])) {
        if (ctx.callsIn(m.file, m.name).some((x) => reachesModelVia(ctx, m.file, m.name, x, 0))) return true;
      }
    }
  }
  return false;
}

/** The limit an attempts condition compares with: `attempt < max_attempts` → `max_attempts`, `retries < 2` → `2`, `range(n)` → `n`. */
function attemptLimit(cond: string): string | undefined {
  const r = /^range\(\s*(?:[^,()]+,\s*)?([\w.]+)\s*\)$/.exec(cond.trim());
  if (r) return lastName(r[1]);
  for (const cl of cond.split(/&&|\|\||\band\b|\bor\b/)) {
    const m = /^[\s(]*((?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*|\d+)\s*(<=?|>=?)\s*((?:[A-Za-z_$][\w$]*\??\.)*[A-Za-z_$][\w$]*|\d+)[\s)]*$/.exec(cl);
    if (!m) continue;
    for (const [c, l] of [[m[1], m[3]], [m[3], m[1]]]) {
      if (!ATTEMPTS.test(lastName(c)) || /^\d+$/.test(c)) continue;
      if (/^\d+$/.test(l) ? Number(l) > 0 : words(lastName(l)).some((w) => LIMIT.has(w))) return /^\d+$/.test(l) ? l : uncap(lastName(l));
    }
  }
  return undefined;
}

/** A message carrying a tool's result back to the model: `{ type: 'tool_result' }`, `{ role: 'tool' }`. */
const TOOL_RESULT = /^['"`](?:tool_result|tool-result|tool|function|function_call_output|tool_response)['"`]$/;

/**
 * Whether a loop's own body runs tools and hands their results back (it builds a tool-result message, or
 * calls a tool executor): a loop that also reads the user's next line when the model stops calling tools
 * (`if (readUserInput) ask(); infer(); run tools`) is still the turn loop.
 */
export function feedsToolResults(ctx: RuleContext, l: AgentLoop): boolean {
  const inLoop = (x: { fn: string; line: number }) => x.fn === l.fn && x.line >= l.line && x.line <= l.end;
  if ((ctx.file(l.file)?.objects ?? []).some((o) => inLoop(o) && ['type', 'role'].some((k) => TOOL_RESULT.test((o.values[k] ?? '').trim())))) return true;
  return l.body.some((c) => inLoop(c) && /tool/i.test(c.callee) && /^(?:_?(?:run|execute|exec|call|handle|invoke|dispatch|process)\w*|__call__)$/i.test(c.name));
}

/** A name that says the run is over (`done`, `finished`, `is_complete`, `should_stop`): its test ends a turn loop, not a retry. */
const RUN_OVER = /^(?:done|finish|finished|complete|completed|stop|stopped|terminate|terminated|end|ended|exit|halt|final|success)$/;

/**
 * A loop run a bare few times (`for _ in range(3)`, at most 5) that asks for one thing until it has it: every exit leaves
 * on a plain truth test of a name bound from a call in the loop (`coords = predict_click(…)` … `if coords: break`), the
 * name is no run-over flag, and the body runs no tools. It retries one request; its count is no cap on the run's turns.
 */
function retryUntilFound(ctx: RuleContext, l: AgentLoop, n: number): boolean {
  if (!l.loop || !(n > 0 && n <= 5) || l.loop.exits.length === 0 || feedsToolResults(ctx, l)) return false;
  const binds = (ctx.file(l.file)?.binds ?? []).filter((b) => b.fn === l.fn && b.line > l.loop!.line && b.line <= l.loop!.end && /\(/.test(b.value));
  return l.loop.exits.every((e) => {
    const m = /^\s*([A-Za-z_$][\w$]*)(?:\s+is\s+not\s+None|\s*!==?\s*(?:None|null|undefined))?\s*$/.exec(e.cond ?? '');
    return (e.kind === 'break' || e.kind === 'return') && !!m && !words(m[1]).some((w) => RUN_OVER.test(w)) && binds.some((b) => b.name === m[1] && b.line < e.line);
  });
}

/**
 * The default of a limit a hook class compares (`self.max_budget`): what the harness hands the class where it builds it
 * (`BudgetManagerCallback(max_trajectory_budget)` → the default of `max_trajectory_budget`, None: off unless set), else
 * the limit's own default.
 */
function hookDefault(ctx: RuleContext, method: string, limit: string, cond: string, file: string): Pick<Cap, 'def' | 'defAt'> {
  const cls = classOf(method);
  const built = cls ? ctx.callsNamed(shortName(cls)).filter((c) => c.args.length > 0) : [];
  for (const c of built) {
    const arg = c.args[0].replace(/^\*+/, '').trim();
    if (!/^[A-Za-z_$][\w$.]*$/.test(arg) || arg.includes('=')) continue;
    const d = defaultOf(ctx, lastName(arg), '', c.file);
    if (d.def !== 'unknown') return d;
  }
  return defaultOf(ctx, limit, cond, file);
}

/**
 * The hooks an exit condition's answer comes from: the condition reads a call's result (`not await self._on_run_continue(…)`)
 * or a name bound to it before the exit (`should_continue = await self._on_run_continue(…)`); the called function, resolved
 * in its file or class, loops over a collection (`for callback in self.callbacks`) and calls one method on each item
 * (`callback.on_run_continue(…)`). That method's name is the hook.
 */
function hookDispatches(ctx: RuleContext, file: string, fn: string, cond: string, line: number): Array<{ hook: string; via: string; over: string }> {
  const out: Array<{ hook: string; via: string; over: string }> = [];
  const callees: string[] = [];
  for (const m of cond.matchAll(/((?:this|self)\.\w+|\b\w+)\s*\(/g)) callees.push(m[1]);
  for (const n of cond.match(/\b[A-Za-z_$][\w$]*\b/g) ?? []) {
    const b = (ctx.file(file)?.binds ?? []).filter((x) => x.fn === fn && x.name === n && x.line <= line).pop();
    const m = b && /^(?:await\s+)?((?:this|self)\.\w+|\w+)\s*\(/.exec(b.value);
    if (m) callees.push(m[1]);
  }
  for (const callee of new Set(callees)) {
    const def = resolveLocal(ctx, file, fn, callee);
    if (!def) continue;
    for (const lp of ctx.file(def.file)?.loops ?? []) {
      if (lp.fn !== def.name || lp.kind !== 'for-of' || !lp.var) continue;
      for (const c of ctx.callsIn(def.file, def.name)) {
        if (c.line < lp.line || c.line > lp.end || c.callee.replace(/^await\s+/, '') !== `${lp.var}.${c.name}` || !c.name) continue;
        out.push({ hook: c.name, via: shortName(def.name), over: lp.cond });
      }
    }
  }
  return out;
}

/** Every cap that can stop an agent loop, the best-linked first (resolved from the loop, then run by the most loops). */
export function loopCaps(ctx: RuleContext): Cap[] {
  return ctx.memo('caps:loop', () => {
    const out: Cap[] = [];
    const seen = new Map<string, Cap>();
    const push = (k: string, cap: Cap) => {
      const had = seen.get(k);
      if (had) {
        // Found again through a resolved link: the comparison is certain.
        if (cap.resolved && !had.resolved) had.resolved = true;
        if (cap.retry) had.retry = true;
        return;
      }
      seen.set(k, cap);
      out.push(cap);
    };
    const add = (cond: string, file: string, line: number, where: string, fn: string, resolved = true) => {
      for (const l of limitsIn(cond)) {
        const bound = boundLimit(ctx, file, fn, l.name);
        const nameOnly = l.kind === 'token' && measuredSpend(cond) === false;
        push(`${file}:${line}:${l.name}`, { kind: l.kind, limit: l.name, file, line, where, fn, resolved, ...defaultOf(ctx, bound ?? l.name, cond, file), ...(nameOnly && { nameOnly }) });
      }
    };
    const pushPassCap = (pc: PassCounter, cond: string, file: string, line: number, where: string, fn: string, resolved: boolean) => {
      const how = pc.down ? `${pc.counter} falls by one each pass` : `${pc.counter} rises by one each pass`;
      // A countdown starts from a limit: `calls_left = copy.deepcopy(MAX_LLM_CALLS)` → the default of MAX_LLM_CALLS.
      const init = pc.down ? (ctx.file(file)?.binds ?? []).find((b) => b.fn === fn && b.name === pc.counter && b.line <= line) : undefined;
      const from = init ? (init.value.match(IDENT) ?? []).map((n) => lastName(n.replace(/\(\)/g, ''))).find((n) => words(n).some((w) => LIMIT.has(w)) && kindOf(words(n))) : undefined;
      // The limit's default where it is imported from (`from pkg.settings import MAX_LLM_CALLS`), else beside the loop.
      const imp = from ? ctx.file(file)?.imports.find((i) => i.names.includes(from)) : undefined;
      const home = (imp && resolveImportFile(ctx, file, imp.from)) ?? file;
      const def = pc.down ? (from ? defaultOf(ctx, from, '', home) : { def: 'unknown' as const }) : defaultOf(ctx, boundLimit(ctx, file, fn, pc.limit) ?? pc.limit, cond, file);
      push(`${file}:${line}:${pc.limit}`, { kind: 'turn', limit: pc.limit, file, line, where: `${where} (${how}${from ? ` from ${from}` : ''})`, fn, resolved, ...def });
    };
    for (const loop of capLoops(ctx)) {
      if (loop.loop) {
        add(loop.loop.cond, loop.file, loop.loop.line, 'loop condition', loop.fn);
        // The agent loop's own condition holds a counter under a named maximum (`for (let i = 0; i < maxRuns; i++)`):
        // each pass is a turn, so the maximum caps turns whatever it counts, unless its name says it sizes something else.
        const own = ownConditionCap(loop.loop.cond);
        if (own && !seen.has(`${loop.file}:${loop.loop.line}:${own}`)) {
          push(`${loop.file}:${loop.loop.line}:${own}`, { kind: 'turn', limit: own, file: loop.file, line: loop.loop.line, where: 'loop condition', fn: loop.fn, resolved: true, ...defaultOf(ctx, boundLimit(ctx, loop.file, loop.fn, own) ?? own, loop.loop.cond, loop.file) });
        }
        // Python `for turn in range(max_turns)` / `range(30)`: a bounded turn loop.
        const r = /^range\(\s*(?:[^,()]+,\s*)?([\w.]+)\s*\)$/.exec(loop.loop.cond.trim());
        if (r && loop.loop.kind === 'for-of') {
          const name = r[1].split('.').pop() ?? r[1];
          const lit = /^\d+$/.test(name);
          const ws = words(name);
          // `range(self.max_retries)` bounds retries of one call, not the run's turns. The agent loop's own range
          // counts its passes, so a count of steps bounds it whatever the prefix: `range(n_steps)`, `range(num_turns)`.
          if (lit || ((ws.some((w) => LIMIT.has(w)) || ws.some((w) => STEP_WORDS.has(w))) && !ws.some((w) => NOT_CAP.has(w)))) {
            const kind = lit ? 'turn' : (kindOf(ws) ?? 'turn');
            push(`${loop.file}:${loop.loop.line}:${name}`, { kind, limit: name, file: loop.file, line: loop.loop.line, where: 'loop range', fn: loop.fn, resolved: true, ...defaultOf(ctx, name, ''), ...(lit && retryUntilFound(ctx, loop, Number(name)) && { retry: true }) });
          }
        }
        // Each exit at its condition's line (`if cost > limit:` above a `print(…)` and the `break`), where one was read.
        const cmps = ctx.file(loop.file)?.compares ?? [];
        const condLine = (cond: string, at: number) => cmps.filter((c) => c.fn === loop.fn && c.line >= loop.loop!.line && c.line <= at && cond.includes(c.text)).reduce((b, c) => Math.max(b, c.line), 0) || at;
        for (const e of loop.loop.exits) if (e.cond) add(e.cond, loop.file, condLine(e.cond, e.line), `${e.kind} exit`, loop.fn);
        // A named turn limit compared in the loop's own body, not as one of its exits: most often a branch that ends the
        // run by setting what the loop condition reads (`while subtask.output is None:` … `if len(self.subtasks) >=
        // self.max_subtasks: subtask.output = ErrorArtifact(…)`) or a done flag. What the branch does is not followed, so
        // hard-limits ranks these after every cap read from an exit. Only a turn cap: a token comparison in the body more
        // often triggers a compaction than ends the run.
        for (const cmp of ctx.file(loop.file)?.compares ?? []) {
          if (cmp.fn !== loop.fn || cmp.line <= loop.loop.line || cmp.line > loop.loop.end) continue;
          // A comparison that is an exit's own condition (`if count >= limit: raise …`) is read as that exit.
          if (loop.loop.exits.some((e) => e.cond && e.cond.includes(cmp.text))) continue;
          for (const l of [...limitsIn(cmp.text), ...bodyCountCap(cmp.text)]) {
            if (l.kind !== 'turn' || /^\d+$/.test(l.name) || seen.has(`${loop.file}:${cmp.line}:${l.name}`)) continue;
            const bound = boundLimit(ctx, loop.file, loop.fn, l.name);
            push(`${loop.file}:${cmp.line}:${l.name}`, { kind: 'turn', limit: l.name, file: loop.file, line: cmp.line, where: 'checked in the loop body', fn: loop.fn, resolved: true, ...defaultOf(ctx, bound ?? l.name, cmp.text, loop.file) });
          }
        }
      }
      // Guards in the loop's function and one call away: `if (turns > this.getMaxTurns()) return …`.
      // A callee resolved through `this.`/`self.` or the same file is certain; by name, only when it
      // names at most three definitions (`render()` defined everywhere picks out none of them).
      const loopKey = `${loop.file}#${loop.fn}`;
      const fns = new Map<string, boolean>([[loopKey, true]]);
      for (const c of loop.body) {
        if (!c.name) continue;
        const local = resolveLocal(ctx, loop.file, loop.fn, c.callee);
        if (local) {
          fns.set(`${local.file}#${local.name}`, true);
          continue;
        }
        if (GENERIC.has(c.name)) continue;
        const defs = ctx.functionsNamed(c.name);
        if (defs.length > 3) continue;
        for (const def of defs) if (!fns.has(`${def.file}#${def.name}`)) fns.set(`${def.file}#${def.name}`, defs.length === 1);
      }
      // Own methods two calls deep (`self.step()` → `self.query()`), resolved through the receiver.
      const cls = loop.fn.includes('.') ? loop.fn.slice(0, loop.fn.lastIndexOf('.') + 1) : '';
      if (cls) {
        let level = [...fns.keys()].filter((k) => k.startsWith(`${loop.file}#${cls}`));
        for (let d = 0; d < 2; d++) {
          const next: string[] = [];
          for (const k of level) for (const c of ctx.callsAt(k)) {
            const own = `${loop.file}#${cls}${c.name}`;
            if (/^(this|self)\.\w+$/.test(c.callee) && !fns.has(own)) { fns.set(own, true); next.push(own); }
          }
          level = next;
        }
      }
      // A counter moved by one on each pass, compared with a limit in the loop's own condition or exits
      // (`count += 1` … `if count >= self.chain_limit: raise`, `visits < 5`, `calls_left -= 1` … `while calls_left > 0`),
      // or in a guard of a step function the loop calls (`{ stepsRemaining: s.stepsRemaining - 1 }`, then
      // `const over = s.stepsRemaining <= 0; … if (over) return`): whatever its name, it counts turns.
      const stepped: Stepped = { up: new Set(), down: new Set() };
      if (loop.loop) steppedIn(ctx, loop.file, loop.fn, stepped, loop.loop.line, loop.loop.end);
      for (const k of fns.keys()) if (k !== loopKey) steppedIn(ctx, k.slice(0, k.indexOf('#')), k.slice(k.indexOf('#') + 1), stepped);
      if (stepped.up.size || stepped.down.size) {
        if (loop.loop) {
          for (const [cond, line, where] of [[loop.loop.cond, loop.loop.line, 'loop condition'] as const, ...loop.loop.exits.filter((e) => e.cond).map((e) => [e.cond!, e.line, `${e.kind} exit`] as const)]) {
            if (limitsIn(cond).length) continue;
            const pc = passCounter(cond, stepped);
            if (pc) pushPassCap(pc, cond, loop.file, line, where, loop.fn, true);
          }
        }
        for (const [k, resolved] of fns) {
          if (k === loopKey) continue;
          const [gf, gfn] = [k.slice(0, k.indexOf('#')), k.slice(k.indexOf('#') + 1)];
          for (const g of ctx.file(gf)?.guards ?? []) {
            if (g.fn !== gfn || (g.exit !== 'throw' && g.exit !== 'return')) continue;
            // `if (needsStop) return`: the condition is a name bound to the comparison in the same function.
            const bound = /^[A-Za-z_$][\w$]*$/.test(g.cond.trim()) ? (ctx.file(gf)?.binds ?? []).find((b) => b.fn === gfn && b.name === g.cond.trim() && b.line < g.line) : undefined;
            const cond = bound ? bound.value : g.cond;
            if (limitsIn(cond).length) continue;
            const pc = passCounter(cond, stepped);
            if (pc) pushPassCap(pc, cond, gf, bound ? bound.line : g.line, `${g.exit} guard in ${gfn}${bound ? ` (${bound.name} = ${cond}, line ${g.line})` : ''}`, gfn, resolved);
          }
        }
      }
      for (const [k, resolved] of fns) {
        // `if (0 < limits.cost_limit <= self.cost) raise LimitsExceeded(...)` in a step function.
        const [gf, gfn] = [k.slice(0, k.indexOf('#')), k.slice(k.indexOf('#') + 1)];
        const calls = ctx.callsIn(gf, gfn);
        // The loop's own guards are its exits; a recursive turn (no loop statement) has only guards.
        // (A recursive summariser, `summarize_real()` calling itself on halves, is not the agent's turn.)
        // A step that fits the context (`trim_for_context()`, `_maybe_auto_compact()`) returns early under its threshold:
        // that bounds the history it keeps, and the loop goes on, so its guards are no caps on the run.
        // Nor does a step named for retrying (`AixStreamRetry.shallRetry`: `if (this.attempts >= maxAttempts) return false`):
        // it bounds the retries of one failed request, and the loop it sits in goes on.
        if (k === loopKey ? !loop.loop && !fitsContext(loop.fn) : !fitsContext(gfn) && !retryStep(gfn)) {
          for (const g of ctx.file(gf)?.guards ?? []) {
            // Only named limits: a guard against a bare literal (`if (n > 1) return`) is not a cap.
            if (g.fn !== gfn || (g.exit !== 'throw' && g.exit !== 'return') || returnsInput(ctx, gf, g)) continue;
            if (limitsIn(g.cond).some((l) => !/^\d+$/.test(l.name))) add(g.cond, gf, g.line, `${g.exit} guard in ${gfn}`, gfn, resolved);
          }
        }
        for (const c of calls) {
          // A predicate about a limit (`shouldUseReasoningBudget()`) is not the limit itself.
          if (!c.cond || /^(?:should|is|has|can|use|supports?)(?:[A-Z_]|$)/.test(c.name)) continue;
          const ws = words(c.name.replace(/^get(?=[A-Z])/, ''));
          if (!ws.some((w) => LIMIT.has(w))) continue;
          const kind = kindOf(ws);
          if (!kind) continue;
          const name = c.name.replace(/^get(?=[A-Z])/, '');
          const lname = uncap(name);
          push(`${c.file}:${c.line}:${lname}`, { kind, limit: lname, file: c.file, line: c.line, where: `guard in ${c.fn}`, fn: c.fn, resolved, ...defaultOf(ctx, lname, c.args.join(' ')) });
        }
        // A loop-level budget check: `budget.check()`, `this.enforceBudget()`, `limits.exceeded()`.
        for (const c of calls) {
          const ws = words(c.name);
          const recv = words(c.callee.slice(0, Math.max(0, c.callee.length - c.name.length)));
          // A thinking/reasoning budget sizes one model response; it does not stop the run.
          // `checkAutoApprovalLimits()`, `enforceBudget()`: a check verb on limits or a budget.
          const onBudget = (ws.includes('budget') || ws.includes('limits') || ws.includes('quota') || recv.some((w) => BUDGET_RECV.has(w))) && !ws.some((w) => NOT_CAP.has(w));
          if (!onBudget || !ws.some((w) => CHECK_VERB.has(w))) continue;
          const key = `${c.file}:${c.line}:${c.name}`;
          if (seen.has(key)) continue;
          const recvWord = recv.find((w) => BUDGET_RECV.has(w)) ?? 'budget';
          // The check's own comparisons, one cap each (`if (spent.turns >= limits.maxTurns) return 'max_turns'`):
          // the method of the budget class the receiver names, or the one definition of that name.
          const method = checkMethod(ctx, c.file, c.fn, c.callee, c.name, recvWord);
          let compared = 0;
          if (method) {
            for (const cmp of ctx.file(method.file)?.compares ?? []) {
              if (cmp.fn !== method.name) continue;
              for (const l of limitsIn(cmp.text)) {
                if (/^\d+$/.test(l.name)) continue;
                compared++;
                push(`${method.file}:${cmp.line}:${l.name}`, { kind: l.kind, limit: l.name, file: method.file, line: cmp.line, where: `compared in ${method.name}(), which ${shortName(c.fn)}() calls as ${c.callee}() at ${c.file}:${c.line}`, fn: method.name, resolved: true, ...defaultOf(ctx, l.name, cmp.text, method.file) });
              }
            }
          }
          if (compared > 0) {
            seen.set(key, out[out.length - 1]);
            continue;
          }
          const found = budgetDefaults(ctx, recvWord, c.name);
          if (found.length === 0) {
            const kind: CapKind = ws.some((w) => TOKEN.has(w)) || recv.some((w) => TOKEN.has(w)) ? 'token' : 'turn';
            push(key, { kind, limit: c.callee, file: c.file, line: c.line, where: `limit check in ${c.fn}`, fn: c.fn, def: 'unknown', resolved });
          }
          for (const d of found) {
            push(`${key}:${d.name}`, { kind: d.kind, limit: d.name, file: c.file, line: c.line, where: `${c.callee}() in ${c.fn}`, fn: c.fn, def: d.def, defAt: d.at, resolved });
          }
        }
      }
    }
    // A loop exit on a predicate that compares a counter with a limit one call away:
    // `if (!this.state.canContinue()) throw new LoopExceededError()` → `return this.loopCount < this.config.maxLoops`.
    for (const loop of capLoops(ctx)) {
      if (!loop.loop) continue;
      for (const [cond, line, where] of [[loop.loop.cond, loop.loop.line, 'loop condition'] as const, ...loop.loop.exits.filter((e) => e.cond).map((e) => [e.cond!, e.line, `${e.kind} exit`] as const)]) {
        for (const m of cond.matchAll(/([A-Za-z_$][\w$]*)\(\s*\)/g)) {
          const name = m[1];
          if (GENERIC.has(name)) continue;
          const defs = ctx.functionsNamed(name);
          if (defs.length === 0 || defs.length > 3) continue;
          for (const def of defs) {
            for (const cmp of ctx.file(def.file)?.compares ?? []) {
              if (cmp.fn !== def.name) continue;
              for (const l of limitsIn(cmp.text)) {
                if (/^\d+$/.test(l.name)) continue;
                push(`${loop.file}:${line}:${l.name}`, { kind: l.kind, limit: l.name, file: loop.file, line, where: `${where} via ${name}() (${def.file}:${cmp.line}: ${cmp.text})`, fn: loop.fn, resolved: defs.length === 1, ...defaultOf(ctx, l.name, `${cond} ${cmp.text}`, def.file) });
              }
            }
          }
        }
      }
    }
    // A loop exit on a hook dispatched to callbacks: `should_continue = await self._on_run_continue(...)` … `if not
    // should_continue: break`, where `_on_run_continue` runs `for callback in self.callbacks: if not await
    // callback.on_run_continue(...): return False`; each class implementing that hook (`BudgetManagerCallback.on_run_continue`:
    // `if self.total_cost >= self.max_budget: return False`) bounds the loop by its comparison. The hook is registered by
    // whoever builds the callback, so its default is what that builder hands the class (hookDefault). `fn` is the loop's:
    // the cap runs on every pass of that loop.
    for (const loop of capLoops(ctx)) {
      if (!loop.loop) continue;
      for (const e of loop.loop.exits) {
        if (!e.cond || (e.kind !== 'break' && e.kind !== 'return' && e.kind !== 'throw')) continue;
        for (const h of hookDispatches(ctx, loop.file, loop.fn, e.cond, e.line)) {
          for (const impl of ctx.functionsNamed(h.hook)) {
            if (impl.name === h.hook || !impl.name.endsWith(`.${h.hook}`)) continue;
            for (const g of ctx.file(impl.file)?.guards ?? []) {
              if (g.fn !== impl.name || (g.exit !== 'return' && g.exit !== 'throw')) continue;
              for (const l of limitsIn(g.cond)) {
                if (/^\d+$/.test(l.name) || l.kind === 'time') continue;
                push(`${impl.file}:${g.line}:${l.name}`, { kind: l.kind, limit: l.name, file: impl.file, line: g.line, where: `compared in the hook ${impl.name}(), which ${h.via}() runs for each of ${h.over} and whose answer ends the loop in ${shortName(loop.fn)}() (${e.kind} exit at ${loop.file}:${e.line})`, fn: loop.fn, resolved: true, ...hookDefault(ctx, impl.name, l.name, g.cond, impl.file) });
              }
            }
          }
        }
      }
    }
    // A recursive turn bounded by a counter it passes down: `const next = depth - 1; if (next > 0) return research({ depth: next })`,
    // `if depth <= 0: return`. Each level lowers the argument and stops at zero; its starting value comes from the caller.
    for (const loop of capLoops(ctx)) {
      if (loop.loop) continue;
      const f = ctx.file(loop.file);
      if (!f) continue;
      for (const b of f.binds ?? []) {
        if (b.fn !== loop.fn) continue;
        const dec = /^([A-Za-z_$][\w$]*)\s*-\s*1$/.exec(b.value.trim());
        if (!dec) continue;
        const stops = (t: string, n: string) => new RegExp(`(?:^|[^\\w$.])${n}\\s*(?:>=?|<=?|===?|==)\\s*[01]\\b|\\b[01]\\s*(?:>=?|<=?|===?|==)\\s*${n}(?![\\w$])`).test(t);
        const cmp = (f.compares ?? []).find((c) => c.fn === loop.fn && (stops(c.text, b.name) || stops(c.text, dec[1]))) ?? f.guards.find((g) => g.fn === loop.fn && (stops(g.cond, b.name) || stops(g.cond, dec[1])));
        if (!cmp) continue;
        const text = 'text' in cmp ? cmp.text : cmp.cond;
        push(`${loop.file}:${cmp.line}:${dec[1]}`, { kind: 'turn', limit: dec[1], file: loop.file, line: cmp.line, where: `recursion depth in ${loop.fn} (${b.name} = ${b.value.trim()} at line ${b.line}, stops when ${text})`, fn: loop.fn, resolved: true, def: 'unknown' });
        break;
      }
    }
    // A cap on the model-call path: a guard that raises on a cost/token/call limit in the function
    // that calls the model, or in a method of its class it calls (`_single_query()` → `_update_stats()`).
    for (const mc of modelCalls(ctx)) {
      const cls = mc.fn.includes('.') ? mc.fn.slice(0, mc.fn.lastIndexOf('.') + 1) : '';
      const fns = new Set<string>([mc.fn]);
      if (cls) for (const c of ctx.callsIn(mc.file, mc.fn)) if (/^(this|self)\.\w+$/.test(c.callee)) fns.add(cls + c.name);
      for (const g of ctx.file(mc.file)?.guards ?? []) {
        if (!fns.has(g.fn) || g.exit !== 'throw') continue;
        for (const l of limitsIn(g.cond)) {
          if (/^\d+$/.test(l.name) || l.kind === 'time') continue;
          push(`${mc.file}:${g.line}:${l.name}`, { kind: l.kind, limit: l.name, file: mc.file, line: g.line, where: `raise guard in ${g.fn} on the model-call path`, fn: g.fn, resolved: true, ...defaultOf(ctx, l.name, g.cond) });
        }
      }
    }
    // LiteLLM's budget manager: `litellm.max_budget = …` makes every completion raise BudgetExceededError past it.
    const raisesBudgetExceeded = ctx.source.some((x) => x.reads.BudgetExceededError);
    for (const f of raisesBudgetExceeded ? ctx.source : []) {
      if (!f.reads.max_budget || !f.imports.some((im) => /^litellm\b/.test(im.from))) continue;
      out.push({ kind: 'token', limit: 'litellm.max_budget', file: f.path, line: f.reads.max_budget[f.reads.max_budget.length - 1], where: 'LiteLLM budget manager (raises BudgetExceededError)', fn: '', resolved: true, ...defaultOf(ctx, 'max_budget', '') });
    }
    // The model call may hide behind an unresolved wrapper: any loop in an agent-ish function that
    // compares a turn/step/iteration counter with a limit still bounds the run.
    if (out.length === 0) {
      for (const f of ctx.source) {
        for (const loop of f.loops) {
          const fw = words(loop.fn);
          if (!fw.some((w) => AGENTISH.has(w))) continue;
          // `for step in range(max_steps)`: a bounded step loop.
          const r = loop.kind === 'for-of' ? /^range\(\s*(?:[^,()]+,\s*)?([\w.]+)\s*\)$/.exec(loop.cond.trim()) : null;
          const rname = r ? (r[1].split('.').pop() ?? r[1]) : '';
          if (rname && words(rname).some((w) => LIMIT.has(w)) && words(rname).some((w) => STEP_WORDS.has(w))) {
            push(`${f.path}:${loop.line}:${rname}`, { kind: 'turn', limit: rname, file: f.path, line: loop.line, where: `range of the loop in ${loop.fn}`, fn: loop.fn, resolved: true, ...defaultOf(ctx, rname, '', f.path) });
          }
          for (const [text, line, where] of [[loop.cond, loop.line, 'condition'] as const, ...loop.exits.map((e) => [e.cond ?? '', e.line, `${e.kind} exit`] as const)]) {
            for (const l of limitsIn(text)) {
              if (l.kind !== 'turn' || !words(l.name).some((w) => STEP_WORDS.has(w))) continue;
              // The comparison is read from the loop itself; only its link to the model call is not resolved.
              push(`${f.path}:${line}:${l.name}`, { kind: 'turn', limit: l.name, file: f.path, line, where: `${where} of the loop in ${loop.fn}`, fn: loop.fn, resolved: true, ...defaultOf(ctx, l.name, text, f.path) });
            }
          }
        }
      }
    }
    // A correction loop bounded by its attempts: `while attempt < max_attempts: answer = llm(); ok = run(answer)`.
    for (const cl of correctionLoops(ctx)) {
      push(`${cl.file}:${cl.line}:${cl.limit}`, { kind: 'turn', limit: cl.limit, file: cl.file, line: cl.line, where: `attempts of the loop in ${cl.fn}, which runs the model's answer (${cl.action.callee}() at line ${cl.action.line}) and asks again`, fn: cl.fn, resolved: true, ...(/^\d+$/.test(cl.limit) ? { def: 'bounded' as const, defAt: { file: cl.file, line: cl.line, value: cl.limit } } : defaultOf(ctx, cl.limit, cl.cond, cl.file)) });
    }
    // A loop whose step runs an agent command-line tool (`spawnSync('claude', args)` once per iteration) is the run's turn loop.
    for (const cl of agentCliLoops(ctx)) {
      push(`${cl.file}:${cl.line}:${cl.limit}`, { kind: 'turn', limit: cl.limit, file: cl.file, line: cl.line, where: `loop condition of ${cl.fn}, whose step runs the agent CLI ${cl.cli} (${cl.spawn.callee}() at ${cl.spawn.file}:${cl.spawn.line})`, fn: cl.fn, resolved: true, ...(/^\d+$/.test(cl.limit) ? { def: 'bounded' as const, defAt: { file: cl.file, line: cl.line, value: cl.limit } } : defaultOf(ctx, cl.limit, cl.cond, cl.file)) });
    }
    // Framework options this repo sets (a scan of every object and call, kept in a function of its own).
    frameworkCaps(ctx, out);
    subclassCaps(ctx, out);
    // A harness that runs agents inside sandboxes instead of a loop of its own: a lifetime set on
    // the sandbox (`Sandbox.create({ timeout })`) is a wall-clock cap on the whole run.
    if (out.length === 0 && agentLoops(ctx).length === 0) {
      for (const f of ctx.source) {
        for (const o of f.objects) {
          if (!/^(?:var|arg|new):.*(?:sandbox|container|microvm|vm)/i.test(o.ctx)) continue;
          const key = o.keys.find((k) => /^(?:timeout|timeoutMs|timeout_ms|maxDuration|max_duration|lifetime|ttl)$/.test(k));
          if (!key) continue;
          out.push({ kind: 'time', limit: key, file: f.path, line: o.line, where: `lifetime of the sandbox (${o.ctx.slice(o.ctx.indexOf(':') + 1)})`, fn: o.fn, resolved: true, def: o.values[key] && !UNLIMITED.test(o.values[key].trim()) ? 'bounded' : 'unknown', defAt: o.values[key] ? { file: f.path, line: o.line, value: o.values[key] } : undefined });
        }
      }
    }
    // `estimatedRequestTokens > remainingTokenCount` (the window left) is a projection, not a cap on the run.
    const projected = new Set(tokenComparisons(ctx).map((c) => `${c.file}:${c.line}`));
    const caps = out.filter((c) => !(c.kind === 'token' && c.def === 'unknown' && projected.has(`${c.file}:${c.line}`) && !words(c.limit).some((w) => w === 'max' || w === 'budget' || w === 'maximum')));
    // Rank by mechanism: a comparison resolved from the loop first, then the one on the path most agent loops share.
    const reach = loopReachSets(ctx);
    for (const c of caps) {
      const short = shortName(c.fn);
      c.reach = short ? reach.filter((r) => r.fn === c.fn || r.names.has(short)).length : 0;
    }
    // A comparison that stops a loop before an option merely handed along (`self.follow_up(max_steps=max_steps)`).
    const compares = (c: Cap) => !/^(option passed|keyword argument|setting |lifetime of)/.test(c.where);
    const score = (c: Cap) => (c.resolved ? 2 : 0) + ((c.reach ?? 0) > 0 ? 1 : 0) + (compares(c) ? 2 : 0);
    // Then a cap in a class that itself calls the provider (`LiteLLMModel`) before one in a stand-in (`HumanModel`).
    const modelClasses = ctx.memo('caps:model-classes', () => new Set(modelCalls(ctx).map((m) => `${m.file}#${classOf(m.fn)}`)));
    // Outside any loop (a framework option, a sandbox lifetime): the builder more of the harness calls first.
    const callers = (c: Cap) => ((c.reach ?? 0) > 0 || !c.fn || c.fn === '<top>' ? 0 : Math.min(ctx.callsNamed(shortName(c.fn)).length, 5));
    const onModel = (c: Cap) => (classOf(c.fn) && modelClasses.has(`${c.file}#${classOf(c.fn)}`) ? 1 : 0);
    // A cap in an evaluation or benchmark driver (`evals/`, `auto_eval/`, `benchmarks/`) bounds the driver, not the harness: last.
    const driver = (c: Cap) => (EVAL_DIR.test(c.file) ? 1 : 0);
    const keyed = caps.map((c, i) => ({ c, i, s: score(c), r: c.reach ?? 0, m: onModel(c), n: callers(c), d: driver(c) }));
    return keyed.sort((a, b) => a.d - b.d || b.s - a.s || b.r - a.r || b.m - a.m || b.n - a.n || a.i - b.i).map((x) => x.c);
  });
}

/** A function named for fitting the context: it summarises, compresses, compacts, condenses, trims, truncates or prunes. */
const fitsContext = (fn: string) => words(shortName(fn)).some((w) => /^(summar|compress|compact|condens|trim|truncat|prun)/.test(w));
/** A function or method of a class named for retrying a request: `shallRetry`, `AixStreamRetry.next`, `retry_with_backoff`. */
const retryStep = (fn: string) => words(fn).some((w) => /^(?:retry|retries|retrying|backoff|reconnect)$/.test(w));

/** Packages whose base classes declare data shapes (a settings model), not a runtime that reads the field. */
const SCHEMA_BASE_FROM = /^(?:pydantic|pydantic_settings|attrs?|dataclasses|typing|enum|msgspec|marshmallow|zod|typeorm|sqlalchemy)\b/;

/**
 * A framework cap set as a field on a subclass of a class imported from a package: `class Builder extends AgentBase
 * { override maxSteps = 25 }`, `class Coder(ToolCallingAgent): max_steps = 20`. The base class's loop reads the field.
 */
function subclassCaps(ctx: RuleContext, out: Cap[]): void {
  for (const f of ctx.source) {
    if (!f.classes.some((c) => c.extends)) continue;
    for (const k of f.consts) {
      if (k.kind !== 'field' || !FRAMEWORK_KEY_SET.has(k.name) || !/^\d[\d_]*$/.test(k.value.trim())) continue;
      const kind = kindOf(words(k.name)) ?? (k.name.startsWith('recursion') ? 'turn' : undefined);
      if (!kind) continue;
      const cls = f.classes.find((c) => c.extends && k.line > c.line && k.line <= c.end);
      const base = cls?.extends?.replace(/<.*$/s, '').split(/[\s,(]/)[0].split('.')[0];
      if (!cls || !base) continue;
      const imp = f.imports.find((i) => i.names.includes(base));
      if (!imp || imp.from.startsWith('.') || /^[@~]\//.test(imp.from) || SCHEMA_BASE_FROM.test(imp.from) || resolveImportFile(ctx, f.path, imp.from)) continue;
      out.push({ kind, limit: k.name, file: f.path, line: k.line, where: `field set on ${cls.name}, a subclass of ${base} from ${imp.from}`, fn: cls.name, resolved: true, def: 'bounded', defAt: { file: f.path, line: k.line, value: k.value.trim() } });
    }
  }
}

/** Keys that make an options object the settings of a model run: what it runs with (tools, model, messages) or a run config. */
const RUN_KEYS = new Set(['tools', 'model', 'llm', 'messages', 'prompt', 'system', 'configurable', 'onStepFinish', 'toolChoice', 'tool_choice']);

/**
 * Run options built in a variable and handed on in the same function: `const options = { tools, maxSteps, onStepFinish }`
 * then `streamText({ messages, options })`; `run_config = {"configurable": …, "recursion_limit": n}` then
 * `agent.stream(…, config=run_config)`. The object holds a run key beside the framework key, and a call
 * in the same function takes the variable as (part of) an argument.
 */
function runOptionsVar(f: { calls: readonly CallFact[] }, o: { ctx: string; fn: string; keys: readonly string[] }): boolean {
  if (!o.ctx.startsWith('var:') || !o.keys.some((k) => RUN_KEYS.has(k))) return false;
  const name = o.ctx.slice(4);
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) return false;
  const re = mentionOf(name);
  return f.calls.some((c) => c.fn === o.fn && c.args.some((a) => re.test(a)));
}

/** Framework options this repo sets: `generateText({ maxSteps: 8 })`, `Agent(max_steps=20)`, in file order. */
function frameworkCaps(ctx: RuleContext, out: Cap[]): void {
  // Calls named as a setter or a `…Limit` middleware, by file (found through the name index).
  const namedCalls = new Map<string, Set<Located<CallFact>>>();
  const nameCall = (c: Located<CallFact>) => {
    const set = namedCalls.get(c.file);
    if (set) set.add(c);
    else namedCalls.set(c.file, new Set([c]));
  };
  // A setter matters only when it sets one of the keys; a middleware is looked at whole (no setter name holds `Limit`).
  for (const name of SETTERS) for (const c of ctx.callsNamed(name)) if (c.args[1] && KEYED.test(c.args[0] ?? '')) nameCall(c);
  const index = ctx.callNames();
  for (const name of index.keys()) if (name.includes('Limit') && LIMIT_MIDDLEWARE.test(name)) for (const c of index.get(name)!) nameCall(c);
  // Objects holding a framework key (found through the key index), and their files.
  const { objs: keyedObjs, files: keyedFiles } = objectsWithAnyKey(ctx, FRAMEWORK_KEY_SET);
  for (const f of ctx.source) {
    for (const o of keyedFiles.has(f.path) ? f.objects : []) {
      if (!keyedObjs.has(o)) continue;
      if (!o.ctx.startsWith('arg:') && !o.ctx.startsWith('new:') && o.ctx !== 'prop:options' && o.ctx !== 'prop:config' && !runOptionsVar(f, o)) continue;
      // Most objects hold no framework key: skip them before the schema test.
      let any = false;
      for (const key of o.keys) if (FRAMEWORK_KEY_SET.has(key)) { any = true; break; }
      if (!any) continue;
      // A schema declaring the option (`z.object({ maxTurns: z.number() })`) is not a cap.
      if (/(^|[.\s])(z|t|v|Type|yup|Joi)\s*\.\s*\w+$|schema|\bobject$/i.test(o.ctx.slice(o.ctx.indexOf(':') + 1))) continue;
      for (const key of o.keys) {
        if (!FRAMEWORK_KEY_SET.has(key)) continue;
        const v = (o.values[key] ?? '').trim();
        const kind = kindOf(words(key)) ?? (key === 'stopWhen' || key.startsWith('recursion') ? 'turn' : undefined);
        if (!kind) continue;
        // `tokenBudget: 1` is a placeholder (a renderer's minimum), not a cap on the run.
        if (kind === 'token' && /^\d+(\.\d+)?$/.test(v) && Number(v) < 100 && !/cost|usd|dollars|price|spend/i.test(key)) continue;
        // A setting read with an unlimited fallback (`settings.maxSessionTurns ?? -1`) is off unless the user sets it.
        const fallback = /(?:\?\?|\|\|)\s*([^?|]+)$/.exec(v)?.[1].trim();
        const def: CapDefault = !v ? 'unknown' : UNLIMITED.test(v) || (!!fallback && UNLIMITED.test(fallback)) ? 'unlimited' : /^\d/.test(v) || /\(\s*\d+\s*\)/.test(v) ? 'bounded' : 'unknown';
        // The key's own line where its value reads a setting of the same name (`maxSessionTurns: settings.maxSessionTurns ?? -1`
        // on line 43 of a `new Config({` opened on line 1); the facts keep no line per key otherwise.
        const at = v.includes(`.${key}`) ? (f.reads[key] ?? []).find((l) => l >= o.line && l <= o.end) : undefined;
        out.push({ kind, limit: key, file: f.path, line: at ?? o.line, where: `option passed to ${o.ctx.slice(o.ctx.indexOf(':') + 1)}`, fn: o.fn, resolved: true, def, defAt: v ? { file: f.path, line: at ?? o.line, value: v } : undefined });
      }
    }
    const named = namedCalls.get(f.path);
    // Keyword arguments (`max_steps=…`) are Python: elsewhere only the calls found by name are looked at, in file order.
    const scan: readonly CallFact[] = f.lang === 'py' ? f.calls : named ? [...named].sort((a, b) => a.line - b.line) : [];
    for (const c of scan) {
      // `config.setdefault("recursion_limit", 50)`, `ModelCallLimitMiddleware(run_limit=40)` (calls so named were found by name).
      if (named?.has(c as Located<CallFact>)) {
        const keyed = c.args[1] && SETTERS.has(c.name) ? KEYED.exec(c.args[0] ?? '') : null;
        if (keyed) {
          const v = c.args[1].trim();
          out.push({ kind: 'turn', limit: keyed[1], file: f.path, line: c.line, where: `setting ${keyed[1]} via ${c.callee}`, fn: c.fn, resolved: true, def: UNLIMITED.test(v) ? 'unlimited' : 'bounded', defAt: { file: f.path, line: c.line, value: v } });
        }
        if (c.name.includes('Limit') && LIMIT_MIDDLEWARE.test(c.name)) {
          const kind: CapKind = /Token|Cost/.test(c.name) ? 'token' : 'turn';
          const lim = c.args.map((a) => /^(\w*limit\w*)\s*=\s*(.+)$/.exec(a)).find((m) => m);
          if (lim) out.push({ kind, limit: `${c.name}(${lim[1]})`, file: f.path, line: c.line, where: `${c.callee} configured`, fn: c.fn, resolved: true, def: UNLIMITED.test(lim[2].trim()) ? 'unlimited' : 'bounded', defAt: { file: f.path, line: c.line, value: lim[2].trim() } });
        }
      }
      if (f.lang !== 'py') continue;
      for (const a of c.args) {
        // Each keyword starts with `m`, `r` or `t`, and `max_cost=…` is the shortest match (ten characters).
        if (a.length < 10) continue;
        const a0 = a.charCodeAt(0);
        if (a0 !== 109 && a0 !== 114 && a0 !== 116) continue;
        const m = /^(max_steps|max_turns|max_session_turns|max_iterations|recursion_limit|max_budget_usd|max_cost|token_budget)\s*=\s*(.+)$/.exec(a);
        if (!m) continue;
        const kind = kindOf(words(m[1])) ?? 'turn';
        const v = m[2].trim();
        out.push({ kind, limit: m[1], file: f.path, line: c.line, where: `keyword argument to ${c.callee}`, fn: c.fn, resolved: true, def: UNLIMITED.test(v) ? 'unlimited' : /^\d/.test(v) ? 'bounded' : 'unknown' });
      }
    }
  }
}

/**
 * The method a budget check call runs: `this.budget.check()` → `Budget.check`, picked by the class
 * the receiver names, or resolved locally, or the one definition of that name.
 */
function checkMethod(ctx: RuleContext, file: string, fn: string, callee: string, name: string, recvWord: string): { file: string; name: string } | undefined {
  const local = resolveLocal(ctx, file, fn, callee);
  if (local) return { file: local.file, name: local.name };
  const defs = ctx.functionsNamed(name).filter((d) => classOf(d.name));
  const stem = recvWord.replace(/s$/, '');
  const byClass = defs.filter((d) => words(classOf(d.name)).some((w) => w === stem || w === recvWord));
  const pick = byClass.length === 1 ? byClass[0] : defs.length === 1 ? defs[0] : undefined;
  return pick ? { file: pick.file, name: pick.name } : undefined;
}
