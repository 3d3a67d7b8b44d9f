/**
 * A hook point on the tool executor whose result can refuse the call: the function that runs the
 * looked-up tool first calls a hook (`const decision = hooks.beforeExecute(ctx)`, `results = await
 * engine.trigger("PreToolUse", …)`), and a guard on that result ends the call before the tool runs
 * (`if (decision._tag === "Deny") return denied`, `for r in results: if r.action == "block": return`).
 *
 * Whether it decides by default depends on what fills the hook: an implementation the shipped code
 * installs by the hook's name (`{ beforeExecute: … }`, `setBeforeToolCall(…)`) while the harness's
 * own code builds the refusal the guard tests (`{ _tag: 'Deny', … }`) is a gate on by default; a hook
 * with no installed implementation, or one whose refusals are only built by user extensions, is not.
 */
import type { CallFact, GuardFact } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';
import { escapeRegExp as esc, mentionOf } from '../shared/scan.js';
import { toolDispatch } from '../shared/tools.js';

export interface HookGate {
  /** The hook consulted before the tool runs. */
  call: Located<CallFact>;
  /** The guard on its result that ends the call. */
  guard: GuardFact & { file: string };
  /** The tool's run the refusal prevents. */
  run: Located<CallFact>;
  /** Where the shipped code installs an implementation of the hook by its name. */
  installed?: { file: string; line: number; fn: string };
  /** Where the harness's own code (outside the dispatch file) builds the refusal the guard tests. */
  refusals: { file: string; line: number; fn: string }[];
  /** The hook is a bare function the harness defines (not reached through an object). */
  own: boolean;
}

/** A guard condition that tests a refusal: a refusing literal, a refusing flag, or a missing approval. */
const REFUSAL_LITERAL = /['"`](deny|denied|block|blocked|reject|rejected|refuse|refused|forbid|forbidden|disallow|disallowed|cancel|cancelled|abort)['"`]/i;
const REFUSAL_FLAG = /\.(block|blocked|deny|denied|rejected|refused|forbidden|cancelled|canceled)\b(?!\s*(?:===?|!==?)\s*(?:false|False|null|undefined|None))/;
const NOT_APPROVED = /(?:^|[^\w$])(?:!|not\s+)\s*\(?[\w$.?]*\.(allow|allowed|approved|permitted)\b/;
/** Calls that run what the executor looked up. */
const RUN_NAME = /^(?:execute|call|run|invoke|ainvoke|arun|__call__|forward|handler|handle|apply|fn|func|function|callback)$/;
/** Calls that check the input's shape, not whether it may run. */
const NOT_HOOK = /valid|parse|schema|decode|encode|normali[sz]e|get$|find$|lookup|resolve/i;

function refusalOf(cond: string): { literal?: string; flag?: string } | undefined {
  const lit = REFUSAL_LITERAL.exec(cond)?.[1];
  if (lit) return { literal: lit };
  const flag = REFUSAL_FLAG.exec(cond)?.[1];
  if (flag) return { flag };
  if (NOT_APPROVED.test(cond)) return {};
  return undefined;
}

/** The hook gates found on the executors of the dispatch paths, at most one per executor. */
export function hookGates(ctx: RuleContext): HookGate[] {
  return ctx.memo('perm:hook-gates', () => {
    const out: HookGate[] = [];
    const seen = new Set<string>();
    for (const d of toolDispatch(ctx).slice(0, 8)) {
      const i = d.execFn.indexOf('#');
      const places: { file: string; fn: string; runLine: number }[] = [{ file: d.execFn.slice(0, i), fn: d.execFn.slice(i + 1), runLine: d.exec.line }];
      // The executor the dispatch calls (`executeTool(call)` defined in the same file): its body runs the tool.
      for (const def of ctx.functionsNamed(d.exec.name).filter((x) => x.file === d.exec.file).slice(0, 2)) places.push({ file: def.file, fn: def.name, runLine: Number.MAX_SAFE_INTEGER });
      for (const p of places) {
        const key = `${p.file}#${p.fn}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const hit = hookIn(ctx, p.file, p.fn, p.runLine, d.lookup.line);
        if (hit) {
          out.push(hit);
          break;
        }
      }
    }
    return out;
  });
}

function hookIn(ctx: RuleContext, file: string, fn: string, runLimit: number, lookupLine: number): HookGate | undefined {
  const f = ctx.file(file);
  if (!f?.binds?.length) return undefined;
  const calls = ctx.callsIn(file, fn);
  for (const b of f.binds) {
    if (b.fn !== fn || b.line >= runLimit) continue;
    // The guard on the bound result (or on each element when the result is iterated).
    const loops = f.loops.filter((l) => l.fn === fn && l.line > b.line && l.cond.trim() === b.name);
    const mention = mentionOf(b.name);
    const elem = /^(\w+?)s$/.exec(b.name)?.[1];
    const guard = f.guards.find(
      (g) =>
        g.fn === fn &&
        (g.exit === 'return' || g.exit === 'throw') &&
        g.line > b.line &&
        g.line <= b.line + 20 &&
        g.line < runLimit &&
        (mention.test(g.cond) || (loops.some((l) => g.line >= l.line && g.line <= l.end) && (!elem || mentionOf(elem).test(g.cond)))) &&
        !!refusalOf(g.cond),
    );
    if (!guard) continue;
    // The tool runs after the guard in the same function.
    const run = calls.find((c) => c.line > guard.line && c.line < runLimit + 1 && RUN_NAME.test(c.name) && !/^(?:self|this|super)\.(?:run|call|handle)$/.test(c.callee));
    if (!run) continue;
    // The hook: the innermost call the bound value is made of.
    const made = calls.filter((c) => c.line >= b.line && c.line <= b.line + 3 && c.line !== lookupLine && b.value.includes(`${c.callee}(`) && !NOT_HOOK.test(c.name));
    // A call handed over as a named argument (`input_data=events.pre_tool_use(…)`) is the payload, not the hook.
    const hooks = made.filter((c) => !made.some((o) => o !== c && o.args.some((a) => new RegExp(`^\\w+\\s*[=:]\\s*(?:await\\s+)?${esc(c.callee)}\\(`).test(a.trim()))));
    const call = hooks.find((c) => !hooks.some((o) => o !== c && c.args.some((a) => a.includes(`${o.callee}(`))));
    if (!call) continue;
    const own = !call.callee.includes('.') && ctx.functionsNamed(call.name).length > 0;
    return { call, guard: { ...guard, file }, run, installed: installedHook(ctx, call, file), refusals: refusalsBuilt(ctx, guard.cond, file), own };
  }
  return undefined;
}

/** An implementation installed by the hook's (compound) name: an object key or a setter call. */
function installedHook(ctx: RuleContext, call: CallFact, dispatchFile: string): HookGate['installed'] {
  const name = call.name;
  if (name.length < 8 || !/[a-z][A-Z]|[a-z]_[a-z]/.test(name)) return undefined;
  const cap = name.replace(/^_+/, '').replace(/^./, (x) => x.toUpperCase());
  for (const setter of [`set${cap}`, `register${cap}`, `install${cap}`, `set_${name}`]) {
    const c = ctx.callsNamed(setter).find((x) => x.file !== dispatchFile && x.args.length > 0);
    if (c) return { file: c.file, line: c.line, fn: c.fn };
  }
  for (const f of ctx.source) {
    if (f.path === dispatchFile) continue;
    const o = f.objects.find((x) => !x.ctx.startsWith('type:') && !x.ctx.startsWith('class:') && x.keys.includes(name));
    if (o) return { file: f.path, line: o.line, fn: o.fn };
  }
  return undefined;
}

/** Where the harness's own code builds the refusal a guard tests: `{ _tag: 'Deny' }`, `{ block: true }`, `Result(action="block")`. */
function refusalsBuilt(ctx: RuleContext, cond: string, dispatchFile: string): HookGate['refusals'] {
  const r = refusalOf(cond);
  if (!r || (!r.literal && !r.flag)) return [];
  const field = r.literal ? new RegExp(`\\.?(\\w+)\\s*(?:===?|==)\\s*['"\`]${r.literal}['"\`]`).exec(cond)?.[1] : r.flag;
  const quoted = r.literal ? new RegExp(`^['"\`]${r.literal}['"\`]$`) : undefined;
  const out: HookGate['refusals'] = [];
  for (const f of ctx.source) {
    if (f.path === dispatchFile) continue;
    for (const o of f.objects) {
      if (o.ctx.startsWith('type:') || o.ctx.startsWith('class:')) continue;
      const hit = quoted ? o.keys.some((k) => (!field || k === field) && quoted.test(o.values[k] ?? '')) : o.keys.includes(field!) && /^(?:true|True)$/.test(o.values[field!] ?? '');
      if (hit) out.push({ file: f.path, line: o.line, fn: o.fn });
    }
    if (quoted && field) {
      const kw = new RegExp(`^${field}\\s*=\\s*['"]${r.literal}['"]$`);
      for (const c of f.calls) if (c.args.some((a) => kw.test(a.trim())) && !out.some((x) => x.file === f.path && x.line === c.line)) out.push({ file: f.path, line: c.line, fn: c.fn });
    }
    if (out.length >= 6) break;
  }
  return out;
}
