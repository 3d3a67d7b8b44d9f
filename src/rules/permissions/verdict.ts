/**
 * Two shapes of a permission decision that are not a gate call on the dispatch path:
 *
 * - `tieredVerdicts(ctx)`: a function that decides by the tool's class: it returns early on
 *   branches that test the class (`if (isReadTool(name)) return settings.readFiles`,
 *   `if (alwaysAllowReadOnly && READ_ONLY_TOOLS.includes(tool)) return true`). The tier table the
 *   decision reads, and the settings that choose per class.
 * - `toolAsks(ctx)`: an approval request a tool awaits inside its own run, before its side effect,
 *   whose refusal ends the run (`const { response } = await ask('tool', …); if (response !== 'yes')
 *   return denied`): a gate each tool must remember to call.
 */
import type { CallFact, FileFacts, GuardFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { classOf } from '../shared/resolve.js';
import { toolDeclarations } from '../shared/tools.js';

/** A test of the tool's class in a condition: a classifier call, a risk-class set, a tier field. */
const CLASS_CALL =
  /\b(?:is|has)_?(?:ReadOnly|Read|Write|Edit|Mutating|Destructive|Command|Exec(?:ute)?|Shell|Mcp|MCP|Browser|Network|Builtin|BuiltIn|Plugin)[A-Za-z]*?(?:Tool|Action)\w*\s*\(|\bis_(?:read_only|readonly|read|write|edit|mutating|destructive|command|exec(?:ute)?|shell|mcp|browser|builtin|plugin)_[a-z_]*?(?:tool|action)\w*\s*\(|\.(?:readOnly|isReadOnly|read_only|readOnlyHint|destructiveHint|isDestructive|isMcp|is_mcp|isBuiltin|isBuiltIn)\b/;
/** A collection of tools named for a risk class, tested for membership: `READ_ONLY_TOOLS.includes(t)`, `t in SAFE_TOOLS`. */
const CLASS_SET_USE = /([A-Za-z_$][\w$]*)\.(?:includes|has)\(|\bin\s+(?:self\.)?([A-Za-z_][\w]*)/g;
const CLASS_SET_NAME = /^(?:[A-Z_]*(?:READ_ONLY|WRITE|MUTATING|DESTRUCTIVE|DANGEROUS|SAFE)[A-Z_]*(?:TOOLS?|ACTIONS?)|\w*(?:readOnly|ReadOnly|readonly|write|Write|mutating|Mutating|destructive|Destructive|dangerous|Dangerous|safe|Safe)\w*(?:Tools?|Actions?))$/;
const CLASS_TEST = { test: (cond: string): boolean => CLASS_CALL.test(cond) || [...cond.matchAll(CLASS_SET_USE)].some((m) => CLASS_SET_NAME.test(m[1] ?? m[2])) };

/** A cheap test every CLASS_TEST match passes, run first. */
const CLASS_HINT = { test: (c: string): boolean => /[Tt]ool|[Aa]ction|TOOL|ACTION|[Oo]nly|ONLY|[Dd]estructive|[Mm]cp|MCP|[Bb]uilt/.test(c) };
/** Names of a function that decides whether a call may run. */
export const DECIDING_NAME = /approv|accept|permi|allow|decid|polic|confirm|authori[sz]|consent|verdict/i;

export interface TieredVerdict {
  file: string;
  fn: string;
  /** The first branch on the tool's class. */
  guard: GuardFact;
  guards: GuardFact[];
}

/** Functions that decide by the tool's class, with their class branches; wired ones (called somewhere) only. */
export function tieredVerdicts(ctx: RuleContext): TieredVerdict[] {
  return ctx.memo('perm:tiered-verdicts', () => {
    const out: TieredVerdict[] = [];
    for (const f of ctx.source) {
      let byFn: Map<string, GuardFact[]> | undefined;
      for (const g of f.guards) {
        if (g.exit !== 'return' || !CLASS_HINT.test(g.cond) || !CLASS_TEST.test(g.cond)) continue;
        byFn ??= new Map();
        const list = byFn.get(g.fn);
        if (list) list.push(g);
        else byFn.set(g.fn, [g]);
      }
      if (!byFn) continue;
      for (const [fn, guards] of byFn) {
        const name = shortName(fn);
        if (fn === '<top>' || (guards.length < 2 && !DECIDING_NAME.test(name))) continue;
        if (!ctx.callsNamed(name).some((c) => !(c.file === f.path && c.fn === fn))) continue;
        out.push({ file: f.path, fn, guard: guards[0], guards });
      }
    }
    // Several class branches first: a table of tiers over a single test.
    return out.sort((a, b) => b.guards.length - a.guards.length);
  });
}

const SETTING_STOP = /^(?:includes|has|length|name|tool|tools|type|kind|text|value|args|input|params|command|state|settings|config|options|actions|then|get)$/;

/**
 * Settings a class branch reads (in its condition or its returned value, up to three lines on):
 * fields that the harness also declares by name elsewhere (a settings default, a stored key, a UI
 * toggle), i.e. a per-class switch the user sets: `return !!settings.actions.readFiles`.
 */
export function verdictSettings(ctx: RuleContext, v: TieredVerdict): { name: string; line: number; declared: { file: string; line: number } }[] {
  const f = ctx.file(v.file);
  if (!f) return [];
  const cands: { name: string; line: number }[] = [];
  for (const k in f.reads) {
    if (k.length < 5 || SETTING_STOP.test(k) || CLASS_FIELD.test(k)) continue;
    // A receiver (`this.stateManager.x`) or a dependency the file binds (`this.stateManager = …`) is not the setting.
    const asRecv = new RegExp(`\\b${k}\\??\\.`);
    if (v.guards.some((g) => asRecv.test(g.cond)) || (f.binds ?? []).some((b) => b.name === k)) continue;
    const l = f.reads[k].find((x) => v.guards.some((g) => x >= g.line && x <= g.line + 3));
    if (l !== undefined) cands.push({ name: k, line: l });
  }
  cands.sort((a, b) => a.line - b.line);
  const out: { name: string; line: number; declared: { file: string; line: number } }[] = [];
  for (const c of cands.slice(0, 12)) {
    let declared: { file: string; line: number } | undefined;
    for (const g of ctx.source) {
      if (g.path === v.file) continue;
      // A switch: a boolean default (`readFiles: true`), or the key stored by its name.
      const o = g.objects.find((x) => !x.ctx.startsWith('type:') && x.keys.includes(c.name) && /^(?:true|false|True|False)$/.test(x.values[c.name] ?? ''));
      const s = o ? undefined : g.strings.find((x) => x.value === c.name);
      if (o || s) {
        declared = { file: g.path, line: (o ?? s)!.line };
        break;
      }
    }
    if (declared) out.push({ ...c, declared });
  }
  return out;
}

/** Fields that carry the tool's own class, not a user's setting. */
const CLASS_FIELD = /^(?:readOnly|isReadOnly|read_only|readOnlyHint|destructiveHint|isDestructive|isMcp|is_mcp|isBuiltin|isBuiltIn|trusted|isTrusted|serverName|toolName)$/;

/** An approval request by name: the harness's own ask / confirm / approval function. */
const ASK_NAMES = [
  'ask', 'askUser', 'ask_user', 'askApproval', 'ask_approval', 'askForApproval', 'ask_for_approval', 'askPermission', 'ask_permission',
  'requestApproval', 'request_approval', 'requestPermission', 'request_permission', 'requestUserApproval', 'confirm', 'confirmAction',
  'confirm_action', 'getConfirmation', 'get_confirmation', 'promptApproval', 'prompt_approval', 'getApproval', 'get_approval',
  'waitForApproval', 'wait_for_approval',
];
/** The refusal test on the answer: `response !== "yesButtonTapped"`, `!approved`, `not ok`, `answer != 'y'`. */
const ANSWER_TEST = /^(?:(?:!|not\s+)\s*\(?\s*[\w$.]+\s*\)?|\(?\s*[\w$.]+\s*(?:!==?|is\s+not)\s*(?:['"`][^'"`]*['"`]|true|True|[\w$.]+)\s*\)?|\(?\s*[\w$.]+\s*(?:===?|is)\s*(?:false|False|None|null|undefined|['"`](?:n|no|deny|denied|reject|rejected|refuse|cancel|cancelled|noButtonTapped|decline|declined)['"`])\s*\)?)$/i;

export interface ToolAsk {
  /** The awaited approval request. */
  ask: Located<CallFact>;
  /** The guard that ends the run when the answer is not an approval, or the if / else on the answer ('else': the action runs in one arm only). */
  refusal: Pick<GuardFact, 'cond' | 'line' | 'fn'> & { exit: GuardFact['exit'] | 'else' };
  /** The class that holds the tool's run, or the file. */
  owner: string;
}

/**
 * A confirmation callback the harness hands its tools, by its name (`callback.onConfirmationNeeded(id, step)`,
 * `requestConfirmation`, `onApprovalRequired`): asked for one action, answered yes or no.
 */
const CONFIRM_CALLBACK = /^(?:on|request|ask|await|wait|get|need|prompt)(?:For|User)*(?:Confirmation|Approval|Permission)(?:Needed|Required|Requested)?$/;

/**
 * Approval requests a tool makes inside its own run: the harness's ask function is called as a
 * statement, and within the next lines of the same function a guard on the answer returns or
 * throws. Kept to functions that run a tool: a method of a class that extends a base (a tool
 * class), or a function named for running (`execute`, `run`, `call` …).
 */
export function toolAsks(ctx: RuleContext): ToolAsk[] {
  return ctx.memo('perm:tool-asks', () => {
    const out: ToolAsk[] = [];
    const asks = [...ASK_NAMES.flatMap((n) => ctx.callsNamed(n)), ...confirmCallbacks(ctx)];
    const toolFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    for (const c of asks) {
      if (c.fn === '<top>' || shortName(c.fn) === c.name) continue;
      // The harness's own approval function (a bound callback passed to tools resolves to it by name).
      if (!ctx.functionsNamed(c.name).length) continue;
      const f = ctx.file(c.file)!;
      // An if / else on the awaited answer comes first: it names the answer itself (`if (ok) … else …`).
      const answer = answerFork(f, c);
      const refusal = answer ? undefined : f.guards.find(
        (g) =>
          g.fn === c.fn &&
          (g.exit === 'return' || g.exit === 'throw') &&
          ((!c.cond && g.line > c.line && g.line <= c.line + 40 && ANSWER_TEST.test(g.cond.trim())) || (g.line === c.line && g.cond.includes(`${c.name}(`) && /^(?:!|not\s)/.test(g.cond.trim()))),
      );
      // (The if / else: the answer is awaited into a variable and the action taken in one arm only,
      // `const ok = await callback.onConfirmationNeeded(id, step); if (ok) approved.add(cmd) else reject(…)`.)
      if (!refusal && !answer) continue;
      const cls = classOf(c.fn);
      const klass = cls ? f.classes.find((k) => k.name === cls) : undefined;
      // A tool's run: a method of a tool subclass, a function named just for running, or one named
      // like it in a file that declares tools (not an installer's `runUninstall()` that confirms).
      const name = shortName(c.fn);
      const exact = /^_*(?:execute|run|call|invoke|handle|handler|perform|apply|arun|__call__|forward)$/i.test(name);
      const runs = /^(?:execute|run|call|invoke|handle|handler|perform|apply|_run|arun|__call__|forward)/i.test(name);
      if (!klass?.extends && !exact && !(runs && toolFiles.has(c.file))) continue;
      out.push({ ask: c, refusal: (refusal ?? answer)!, owner: klass ? klass.name : c.file });
    }
    return out;
  });
}

/** Calls of a confirmation callback the harness declares (an interface or handler method of that name). */
function confirmCallbacks(ctx: RuleContext): Located<CallFact>[] {
  const names = new Set<string>();
  for (const f of ctx.source) for (const c of f.calls) if (c.callee.includes('.') && CONFIRM_CALLBACK.test(c.name) && !ASK_NAMES.includes(c.name)) names.add(c.name);
  return [...names].flatMap((n) => ctx.callsNamed(n)).filter((c) => c.callee.includes('.'));
}

/**
 * The if / else on an awaited answer (`const ok = await ask(…)` then `if (ok) … else …` within the
 * next lines of the same function): the action is taken in one arm only.
 */
function answerFork(f: FileFacts, c: Located<CallFact>): ToolAsk['refusal'] | undefined {
  const b = (f.binds ?? []).find((x) => x.fn === c.fn && x.line === c.line && /^await\s/.test(x.value) && x.value.includes(`${c.name}(`));
  if (!b) return undefined;
  const tested = new RegExp(`^\\(?\\s*(?:!\\s*)?${b.name.replace(/\$/g, '\\$')}\\s*\\)?$|^\\(?\\s*${b.name.replace(/\$/g, '\\$')}(?:\\.\\w+)?\\s*(?:===?|!==?)`);
  const k = (f.forks ?? []).find((x) => x.fn === c.fn && x.line > c.line && x.line <= c.line + 40 && tested.test(x.cond.trim()));
  return k ? { cond: k.cond, line: k.line, fn: k.fn, exit: 'else' } : undefined;
}

/**
 * The tiered verdict the tools' own approval requests reach: the ask function they call (or the
 * function it calls) calls the verdict (`AskManager.ask` → `this.shouldAutoApprove(type, tool)`).
 */
export function askedVerdict(ctx: RuleContext): { ask: ToolAsk; verdict: TieredVerdict } | undefined {
  return ctx.memo('perm:asked-verdict', () => {
    const verdicts = tieredVerdicts(ctx);
    const asks = toolAsks(ctx);
    if (!verdicts.length || !asks.length) return undefined;
    const names = new Map(verdicts.map((v) => [shortName(v.fn), v]));
    for (const name of [...new Set(asks.map((a) => a.ask.name))]) {
      for (const def of ctx.functionsNamed(name).slice(0, 6)) {
        const p = ctx.reaches(def.file, def.name, (c) => names.has(c.name), 1, (_n, ds) => ds.length <= 3);
        if (p) return { ask: asks.find((a) => a.ask.name === name)!, verdict: names.get(p[p.length - 1].name)! };
      }
    }
    return undefined;
  });
}
