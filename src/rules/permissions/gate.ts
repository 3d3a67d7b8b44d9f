import type { FunctionFact } from '../../analyzers/facts.js';
import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { decisionNamed, permissionCalls, shellSinks, toolDeclarations, toolDispatch } from '../shared/tools.js';
import { shortName, type RuleContext } from '../context.js';
import { actionGates, confirmPrompts } from './action-gate.js';
import { resolveImportFile } from '../shared/imports.js';
import { toolAsks } from './verdict.js';
import { hookGates } from './hook-gate.js';
import { offPathUi } from '../shared/ui.js';
import { GENERIC, agentLoops, loopReachable, loopReachResolved } from '../shared/loop.js';
import { isStale } from '../shared/stale.js';
import { nameBranchDispatch } from './name-branch.js';
import { mentionOf } from '../shared/scan.js';

/** A refusal when a URL or domain is not allowed: `!isUrlAllowed(url, allow, deny)`, `not self._is_url_allowed(url)`. */
const URL_POLICY = /^(?:!|not\s+)\s*(?:await\s+)?(?:(?:self|this)\.)?_?(?:is_?url_?allowed|isUrlAllowed|is_?domain_?allowed|isDomainAllowed|url_?is_?allowed|is_?allowed_?url|isAllowedUrl)\(/i;

/** The names of the functions and classes around `line` (`Tool.apply_ex task`): what a nested function belongs to. */
function enclosing(f: { functions: Array<{ name: string; line: number; end: number }>; classes: Array<{ name: string; line: number; end: number }> }, line: number): string {
  return [...f.functions, ...f.classes].filter((x) => x.line <= line && x.end >= line).map((x) => x.name).join(' ');
}

/** A negated test that a tool is enabled / active / allowed: `not self.is_active()`, `!enabledTools.includes(name)`, `name not in self.allowed_tools`. */
const AVAILABILITY = /^(?:!|not\s+)\s*\(?\s*(?:await\s+)?[\w$.]*?\b_?(?:is_?[Aa]ctive|is_?[Ee]nabled|is_?[Aa]llowed|is_?[Tt]ool_?(?:[Aa]ctive|[Ee]nabled|[Aa]llowed|[Pp]ermitted))\(|^!\s*\(?\s*[\w$.]*(?:[Aa]llowed|[Ee]nabled|[Aa]ctive|[Pp]ermitted)_?(?:[Tt]ools?|[Tt]ool_?[Nn]ames)\w*\.(?:includes|has)\(|\bnot\s+in\s+[\w.]*(?:allowed|enabled|active|permitted)_?tools?(?:_?names)?\s*\)?$/;
/** A miss test on one looked-up name: `!tool`, `not tool`, `tool is None`, `tool === undefined`. */
const MISS_TEST = /^(?:!\s*([A-Za-z_$][\w$]*)|not\s+([A-Za-z_]\w*)|([A-Za-z_$][\w$]*)\s*(?:is\s+None|===?\s*(?:undefined|null)))$/;
/** A lookup in a list or map: `tools.find(t => …)`, `self.tools.get(name)`, `next((t for t in tools if …), None)`, `tools[name]`. */
const LIST_LOOKUP = /^(?:await\s+)?([\w$.]+?)(?:\.(?:find|get|filter)\(|\[)|^next\(\(?\s*\w+\s+for\s+\w+\s+in\s+([\w.]+)/;
/** A value narrowed by a mode or by what is enabled / allowed: `getToolClassesFromType(currentChatMode)`, `[c for c in cmds if c["enabled"]]`, `enabledTools`. */
const NARROWED = /mode\b|Mode|enabled|Enabled|allowed|Allowed|permitted|Permitted/;

/**
 * A refusal of a tool that is missing from a list narrowed by the chat mode or by what the user or
 * agent enabled, made where tools run: `const available = getToolClassesFromType(chatMode); const tool =
 * available.find(…); if (!tool) throw …`, `cmd = next((c for c in enabled_commands if …), None); if cmd is None: return …`.
 * The list is not the registry itself (a plain miss there is "unknown tool"), so this is a deny-only
 * availability check; the list or the name bound to it one step back must say mode / enabled / allowed.
 */
function narrowedListRefusal(ctx: RuleContext, f: NonNullable<ReturnType<RuleContext['file']>>): { line: number; fn: string; cond: string; exit: string; list: string; value: string } | undefined {
  for (const g of f.guards) {
    if ((g.exit !== 'return' && g.exit !== 'throw') || g.returns) continue;
    const m = MISS_TEST.exec(g.cond.trim());
    const name = m?.[1] ?? m?.[2] ?? m?.[3];
    if (!name) continue;
    const binds = (f.binds ?? []).filter((b) => b.fn === g.fn && b.line <= g.line);
    const hit = binds.filter((b) => b.name === name && b.line >= g.line - 4).pop();
    const lm = hit && LIST_LOOKUP.exec(hit.value);
    const list = lm?.[1] ?? lm?.[2];
    if (!hit || !list) continue;
    const base = list.replace(/^(?:this|self)\./, '');
    const listBind = binds.filter((b) => b.name === base && b.line < hit.line).pop();
    const narrowed = listBind && NARROWED.test(listBind.value) ? listBind.value : NARROWED.test(base) ? base : undefined;
    if (!narrowed) continue;
    if (!/tool|command|function/i.test(`${name} ${list} ${g.fn}`) || !reachedFromTools(ctx, f.path, g.fn)) continue;
    return { line: g.line, fn: g.fn, cond: g.cond, exit: g.exit, list, value: narrowed };
  }
  return undefined;
}

/** Classes that look like a permission component, and their decision methods. */
const GATE_CLASS = /permission|policy|approval|gate|guard|authori[sz]/i;
const GATE_METHOD = /^(?:check|decide|evaluate|isAllowed|canUse\w*|authori[sz]e|shouldAsk|needsApproval|requestApproval|checkPermission\w*|check_permission\w*|is_allowed|decide_\w+)$/;


/** A call's first argument that names a user (`user.uid`, `userId`): an authorisation of that user with an app, not of a tool call. */
const USER_ARG = /^(?:user|userId|user_id|uid|[\w$.]*\.(?:uid|userId|user_id)|user\.id)$/;
/** `composio.toolkits.authorize(user.uid, appSlug)`, `oauth.authorize(userId, …)`: the user signs in to an outside app (an OAuth connect); no tool call is decided. */
function userAuthorisation(ctx: RuleContext, c: { file: string; line: number; callee: string }): boolean {
  if (!/^authori[sz]e$/.test(shortName(c.callee))) return false;
  const call = ctx.file(c.file)?.calls.find((x) => x.line === c.line && x.callee === c.callee);
  return USER_ARG.test(call?.args[0]?.trim() ?? '');
}

const WRAP_TOOL_CALL = /^(?:a?wrap_tool_call|wrapToolCall)$/;
/** Tool options that make the framework ask before running the tool. */
const APPROVAL_OPTIONS = ['needsApproval', 'needs_approval', 'requireApproval', 'requiresApproval', 'require_approval', 'requires_approval', 'requireConfirmation', 'requiresConfirmation', 'needsConfirmation'];
const APPROVAL_OPTION = new RegExp(`^(?:${APPROVAL_OPTIONS.join('|')})$`);

/** A per-tool approval flag read where tool calls run (`if fc.function.requires_confirmation:`, `if (tool.needsApproval)`). */
const APPROVAL_FLAG = new RegExp(`^(?:${[...APPROVAL_OPTIONS, 'require_confirmation', 'requires_confirmation', 'needs_confirmation'].join('|')})$`);
/** A function that runs tool calls, by its own name (`run_function_calls`, `wrapper` in `ToolWrapper.wrap`, `executeTool`). */
const RUNS_VERB = /execut|run|call|dispatch|invoke|handle|wrap/i;
const TOOL_NOUN = /tool|function_?call|func_?call/i;

/**
 * Where the function that runs tool calls reads a per-tool approval flag (agno's
 * `if fc.function.requires_confirmation:` pausing the call, Upsonic's `if config.requires_confirmation:
 * raise ConfirmationPause()` in its tool wrapper): the framework stops flagged calls for a decision,
 * and only those. The innermost enclosing function must be named as running something, and it or
 * its class as being about tools; a serialiser of the flag (`ToolExecution.to_dict`) is not.
 */
function approvalFlagOnRun(ctx: RuleContext): { file: string; line: number; fn: FunctionFact; flag: string } | undefined {
  return ctx.memo('gate:approval-flag-on-run', () => {
    for (const f of ctx.source) {
      if (offPathUi(ctx, f.path) || isStale(ctx, f.path)) continue;
      for (const [flag, lines] of Object.entries(f.reads)) {
        if (!APPROVAL_FLAG.test(flag)) continue;
        for (const line of lines) {
          const inner = f.functions.filter((x) => x.line <= line && x.end >= line).sort((a, b) => b.line - a.line);
          if (!inner.length) continue;
          const own = shortName(inner[0].name);
          if (!RUNS_VERB.test(own) || !TOOL_NOUN.test(enclosing(f, line))) continue;
          return { file: f.path, line, fn: inner[0], flag };
        }
      }
    }
    return undefined;
  });
}

/** Files that declare tools, import a file of tool declarations (the handlers built from the schemas), or dispatch tools. */
function toolFilesOf(ctx: RuleContext): Set<string> {
  return ctx.memo('perm:tool-files', () => {
    const decl = new Set(toolDeclarations(ctx).map((d) => d.file));
    const s = new Set(decl);
    // A file that imports a file of tool declarations (the handlers built from the schemas) acts for them.
    for (const f of ctx.source) {
      if (s.has(f.path)) continue;
      for (const i of f.imports) {
        const target = resolveImportFile(ctx, f.path, i.from);
        if (target && decl.has(target)) {
          s.add(f.path);
          break;
        }
      }
    }
    for (const d of toolDispatch(ctx)) s.add(d.exec.file);
    return s;
  });
}

/**
 * Whether function `fn` of `file` runs on the way from a tool: the function itself is in a file that
 * declares tools or dispatches them, or is called (within three calls, by name) from one. An event
 * handler `on_NavigateToUrlEvent` / `onNavigateToUrlEvent` is reached through the event it handles:
 * wherever that event is constructed (`bus.dispatch(NavigateToUrlEvent(url=…))`) calls it.
 */
function reachedFromTools(ctx: RuleContext, file: string, fn: string): boolean {
  if (fn === '<top>') return false;
  const toolFiles = toolFilesOf(ctx);
  if (toolFiles.has(file)) return true;
  let frontier = [shortName(fn)];
  const seen = new Set(frontier);
  for (let hop = 0; hop < 3 && frontier.length; hop++) {
    const next: string[] = [];
    for (const n of frontier) {
      const event = /^on_?([A-Z]\w*Event)$/.exec(n)?.[1];
      // A tool file that hands the function over as a handler (`{ navigate: browser.navigate }`) runs it.
      const ref = new RegExp(`(?:^|[^\\w$'"\`])${n.replace(/\$/g, '\\$')}(?![\\w$('"\`])`);
      for (const t of toolFiles) if (ctx.file(t)?.objects.some((o) => Object.values(o.values).some((v) => ref.test(v)))) return true;
      const callers = [...ctx.callsNamed(n), ...(event ? ctx.callsNamed(event) : [])].slice(0, 60);
      for (const c of callers) {
        if (toolFiles.has(c.file)) return true;
        const up = shortName(c.fn);
        if (c.fn !== '<top>' && !seen.has(up)) {
          seen.add(up);
          next.push(up);
        }
      }
    }
    frontier = next.slice(0, 40);
  }
  return false;
}

/**
 * A check of a tool's own input named for what it keeps out (`ensure…Path` makes a folder, it checks nothing): a path outside the workspace
 * (`validateWorkspacePath`, `check_path_allowed`, `isWithinWorkspace`), a URL or domain on a deny list
 * (`isBannedUrl`, `is_blocked_domain`).
 */
const INPUT_REFUSAL_CALL =
  /^_*(?:validate|check|assert|verify)_?(?:[A-Z][a-z]+)*?(?:Path|Paths|FilePath|Workspace|Url|URL|Domain|Host|Hostname)(?:Allowed|Access|Safe|Within|Inside|Permission)?$|^_*(?:validate|check|assert|verify)_(?:[a-z]+_)*?(?:path|paths|file_path|workspace|url|domain|host|hostname)(?:_(?:allowed|access|safe|within|inside|permission))?$|^_*is_?(?:[A-Z]?[a-z]+_?)*?(?:Banned|Blocked|Forbidden|Denied|banned|blocked|forbidden|denied)_?(?:[Uu]rl|URL|[Dd]omain|[Hh]ost|[Pp]ath)?$|^_*is_?(?:[Pp]ath|[Uu]rl|URL|[Dd]omain|[Hh]ost)_?(?:[Aa]llowed|[Ww]ithin\w*|[Ii]nside\w*|[Ss]afe)$|^_*is_?(?:[Ww]ithin|[Ii]nside)_?(?:[Ww]orkspace|[Rr]oot|[Pp]roject|[Ss]andbox)\w*$/;

/**
 * Refusals made on the way from a tool to its effect, on the tool's own input: a guard that returns
 * or throws on a call of INPUT_REFUSAL_CALL (in the condition, or bound on the lines just before and
 * tested by it), where the same check refuses in two places or more. Live code first; one per check call.
 */
function toolInputRefusals(ctx: RuleContext): { file: string; line: number; fn: string; call: string; cond: string; exit: string }[] {
  return ctx.memo('gate:tool-input-refusals', () => {
    const out: { file: string; line: number; fn: string; call: string; cond: string; exit: string }[] = [];
    for (const f of ctx.source) {
      if (offPathUi(ctx, f.path)) continue;
      const checks = f.calls.filter((c) => INPUT_REFUSAL_CALL.test(c.name) && c.args.length > 0);
      if (!checks.length) continue;
      const seen = new Set<string>();
      for (const g of f.guards) {
        if (g.exit !== 'return' && g.exit !== 'throw') continue;
        const c = checks.find((x) => x.fn === g.fn && x.line <= g.line && x.line >= g.line - 3 && (g.cond.includes(`${x.name}(`) || (f.binds ?? []).some((b) => b.fn === g.fn && b.line === x.line && b.value.includes(`${x.name}(`) && mentionOf(b.name).test(g.cond))));
        if (!c || seen.has(`${c.line}`) || !reachedFromTools(ctx, f.path, g.fn)) continue;
        seen.add(`${c.line}`);
        out.push({ file: f.path, line: g.line, fn: g.fn, call: c.callee, cond: g.cond, exit: g.exit });
      }
    }
    // A check several tools make (the same helper refusing in two places or more): one refusal alone
    // is a single tool's own validation, not the shape of tools that each guard themselves.
    const uses = new Map<string, number>();
    for (const x of out) uses.set(shortName(x.call), (uses.get(shortName(x.call)) ?? 0) + 1);
    return out.filter((x) => (uses.get(shortName(x.call)) ?? 0) >= 2).sort((a, b) => Number(isStale(ctx, a.file)) - Number(isStale(ctx, b.file)));
  });
}

/** A test against a list of what is allowed or kept out: `fpath in state.exclude_files`, `isBannedUrl(url)`, `mode.allowed_commands == "none"`. */
const LIST_TEST =
  /\b(?:is_?)?(?:[Bb]anned|[Bb]locked|[Dd]enied|[Ff]orbidden|[Dd]isallowed)(?:_?[A-Z]?[a-z]+)?\(|\b[a-z_]*(?:allowed|excluded?|banned|blocked|denied|disallowed|forbidden)_[a-z]\w*|\b[a-z]\w*(?:Allowed|Excluded?|Banned|Blocked|Denied|Disallowed|Forbidden)[A-Z]?\w*|\b(?:allowed|excluded|banned|blocked|denied|disallowed|forbidden)[A-Z]\w*|\b(?:allow|deny|block|ban)_?[Ll]ist\b|\b(?:white|black)list\b/;
const SAMPLE_DIR = /(?:^|\/)(?:tutorials?|scaffold|examples?|samples?|demos?|cookbook)\//i;
/** Parameters that carry the caller's context rather than the call's input. */
const CONTEXT_PARAM = /^(?:self|cls|this|_?ctx|context|_)$/;
/** The text of a refusal: "You are not allowed to change this file", "Navigation to … is blocked". */
const REFUSAL_TEXT = /\bnot (?:allowed|permitted)\b|\bis (?:blocked|denied|forbidden)\b|\bpermission denied\b|\bforbidden\b|\brefus/i;

/**
 * Refusals a tool makes for itself on a list test before it acts: a guard that returns or throws a
 * refusal message (on the guard's line or the three after) when its condition tests the call's input
 * against an allow / deny list (`if fpath in state.exclude_files: return "You are not allowed…"`,
 * `if (isBannedUrl(url)) throw new Error("… is blocked")`), in code reached from the tools. Live code first.
 */
function toolListRefusals(ctx: RuleContext): { file: string; line: number; fn: string; cond: string; exit: string; text: string }[] {
  return ctx.memo('gate:tool-list-refusals', () => {
    const out: { file: string; line: number; fn: string; cond: string; exit: string; text: string }[] = [];
    for (const f of ctx.source) {
      // Not teaching or sample code (a tutorial plugin's tool).
      if (offPathUi(ctx, f.path) || SAMPLE_DIR.test(f.path)) continue;
      for (const g of f.guards) {
        if ((g.exit !== 'return' && g.exit !== 'throw') || g.returns || !LIST_TEST.test(g.cond)) continue;
        const text = f.strings.find((x) => x.line >= g.line && x.line <= g.line + 3 && REFUSAL_TEXT.test(x.value));
        // The refusal is the tool's answer (a message returned or thrown), not a validator's result
        // object (`return { valid: false, error: 'Email domain is not allowed' }`).
        if (!text || f.objects.some((o) => o.line <= text.line && o.end >= text.line && o.keys.some((k) => /^(?:valid|isValid|is_valid|ok|success)$/.test(k)))) continue;
        // The refusing function receives the call's input: its condition tests one of the function's own
        // parameters (`fpath` of `make_abs_path(ctx, fpath)`), not a value it looked up elsewhere (a
        // validator of settings or of a form that happens to sit behind a tool).
        const own = f.functions.find((x) => x.name === g.fn && x.line <= g.line && x.end >= g.line);
        const params = (own?.params ?? []).map((p) => /^\**([A-Za-z_$][\w$]*)/.exec(p)?.[1] ?? '').filter((p) => p && !CONTEXT_PARAM.test(p));
        if (!params.some((p) => mentionOf(p).test(g.cond))) continue;
        if (!reachedFromTools(ctx, f.path, g.fn)) continue;
        out.push({ file: f.path, line: g.line, fn: g.fn, cond: g.cond, exit: g.exit, text: text.value });
      }
    }
    return out.sort((a, b) => Number(isStale(ctx, a.file)) - Number(isStale(ctx, b.file)));
  });
}

/** An optional call of a callback the caller supplied: `this.options.authorize?.(…)`, `config.onApprove?.(…)`. */
const SUPPLIED_CALLBACK = /^(?:this\.)?_?(?:options|opts|config|settings|hooks|callbacks|params|props|handlers)\??\.[\w$]+$/;

/**
 * Whether the harness's decision method `c` only forwards to an optional callback its caller supplies
 * (`private async authorize(…) { const ok = await this.options.authorize?.(…); if (ok === false) throw … }`):
 * with no callback set nothing is decided, so it is a hook with no default, not a decision. Every
 * definition of that name in the call's file must do so, and call no decision of its own.
 */
function forwardsToOptionalHook(ctx: RuleContext, c: { file: string; callee: string }): boolean {
  const name = shortName(c.callee);
  const defs = ctx.functionsNamed(name).filter((d) => d.file === c.file);
  if (!defs.length) return false;
  return defs.every((d) => {
    const own = ctx.callsIn(d.file, d.name);
    return own.some((x) => x.optional && SUPPLIED_CALLBACK.test(x.callee)) && !own.some((x) => !x.optional && x.name !== name && decisionNamed(x.name));
  });
}

/** A dispatch whose lookup or run names a tool (or a function / action / command the model calls). */
export function namesTool(d: ReturnType<typeof toolDispatch>[number]): boolean {
  return /tool|function|action|command|skill|capabilit/i.test(`${d.lookup.text} ${d.exec.callee}`);
}

/**
 * The dispatch (lookup then run, naming a tool) that is the agent's own tool path: it runs inside an
 * agent loop or is reached from one by a distinctive name within three calls. Elsewhere (an MCP
 * client's direct call, a durable-execution replay of a tool, a live-streaming path) a dispatch may
 * be a side path, with the agent's own tool path, and whatever decides on it, not found.
 */
export function loopDispatch(ctx: RuleContext): ReturnType<typeof toolDispatch>[number] | undefined {
  return ctx.memo('permissions:loop-dispatch', () => {
    const dispatch = toolDispatch(ctx).filter((d) => !offPathUi(ctx, d.lookup.file)).filter(namesTool);
    if (!dispatch.length) return undefined;
    const reach = loopReachable(ctx, 3);
    // Or through calls resolved by the receiver's class (`hub.execute(…)` with `hub: ConnectorHub`), which a name as common as `execute` needs.
    const resolved = loopReachResolved(ctx, 3);
    const loops = agentLoops(ctx);
    const agents = (d: (typeof dispatch)[number]) =>
      loops.some((l) => l.file === d.exec.file && d.exec.line >= l.line && d.exec.line <= l.end) ||
      [d.execFn, d.lookupFn].some((k) => {
        const n = shortName(k.slice(k.indexOf('#') + 1));
        return (!GENERIC.has(n) && reach.has(n)) || resolved.has(k);
      });
    // A live dispatch before one in retired or experimental code that nothing live imports.
    return dispatch.find((d) => !isStale(ctx, d.exec.file) && agents(d)) ?? dispatch.find(agents);
  });
}

/** The agent's own dispatch (loopDispatch) when it lies in live code: a dispatch only in retired or experimental code leaves the shipped tool path unread. */
export function liveLoopDispatch(ctx: RuleContext): ReturnType<typeof toolDispatch>[number] | undefined {
  const d = loopDispatch(ctx);
  return d && !isStale(ctx, d.exec.file) ? d : undefined;
}

/** The evidence reason for a refusal made when nobody can be asked (see refusedByDefault). */
const REFUSED_BY_DEFAULT = 'with no one to ask, the call is refused by default';

/**
 * In the function that runs a tool, an approval set to a refusal when nobody can be asked
 * (`approval = { approved: false }` in the branch where no callback is set), before line `before`.
 */
export function refusedByDefault(ctx: RuleContext, file: string, fn: string, before: number): { line: number } | undefined {
  return ctx.file(file)?.objects.find((o) => o.fn === fn && o.line < before && o.keys.some((k) => /^(?:approved|allowed|permitted|granted)$/i.test(k) && /^(?:false|False)$/.test(o.values[k] ?? '')));
}

/** A call that runs the registered before-tool-call hooks (`run_before_tool_call_hooks`, `_invoke_before_tool_call_hook`). */
const BEFORE_HOOK_RUNNER = /^_*(?:run|invoke|fire|trigger|call|emit|execute)_?(?:[Bb]efore|[Pp]re)_?(?:Tool|tool)\w*$/;
/** A hook result that says the call is stopped: `event.cancel_tool`, `result.blocked`, `decision.deny`. */
const STOPPED = /\.(?:cancel\w*|block\w*|den(?:y|ied)\w*|skip\w*|reject\w*|abort\w*)\b/;

/** The first runner of before-tool-call hooks whose result is tested by a guard that ends the call (within ten lines). */
export function beforeHookRunner(ctx: RuleContext): { call: ReturnType<RuleContext['callsNamed']>[number]; line: number; cond: string; exit: string; what: string } | undefined {
  return ctx.memo('gate:before-hook-runner', () => {
    for (const [name, calls] of ctx.callNames()) {
      if (!BEFORE_HOOK_RUNNER.test(name)) continue;
      for (const c of calls.slice(0, 8)) {
        const f = ctx.file(c.file);
        if (!f || f.role !== 'source' || c.fn === '<top>') continue;
        const bound = (f.binds ?? []).filter((b) => b.fn === c.fn && b.line === c.line).flatMap((b) => b.name.split(/\s*,\s*/));
        const g = f.guards.find((x) => x.fn === c.fn && (x.exit === 'return' || x.exit === 'throw') && x.line >= c.line && x.line <= c.line + 10 && (x.cond.includes(`${c.name}(`) || bound.some((n) => new RegExp(`(?:^|[^\\w.])${n}${STOPPED.source}`).test(x.cond))));
        if (g) return { call: c, line: g.line, cond: g.cond, exit: g.exit, what: `${c.callee}()` };
      }
    }
    // The same hook point written as a loop over the registered callbacks (ADK's
    // `for callback in agent.canonical_before_tool_callbacks: response = callback(tool=…); if response: break`,
    // then `if not response: response = await call_tool(…)`): a response from any callback replaces the call.
    for (const f of ctx.source) {
      for (const l of f.loops) {
        if (!BEFORE_CALLBACKS.test(l.cond)) continue;
        // The loop stops on a callback's response (`if response: break`), and the tool is called just after it.
        const stop = l.exits.find((e) => e.kind === 'break' && !!e.cond);
        if (!stop) continue;
        const run = ctx.callsIn(f.path, l.fn).find((c) => c.line > l.end && c.line <= l.end + 6 && /tool/i.test(c.name));
        if (!run) continue;
        const hook = ctx.callsIn(f.path, l.fn).find((c) => c.line > l.line && c.line <= l.end);
        if (hook) return { call: { ...hook, line: l.line }, line: stop.line, cond: stop.cond!, exit: `break, and ${run.callee}() at line ${run.line} runs only without a response`, what: `each callback of ${l.cond.trim().slice(0, 50)}` };
      }
    }
    return undefined;
  });
}
/** A collection of registered before-tool callbacks or hooks: `agent.before_tool_callbacks`, `this.beforeToolHooks`. */
const BEFORE_CALLBACKS = /(?:^|[.\s])\w*(?:before|pre)_?[Tt]ool_?(?:[Cc]all_?)?(?:callbacks|hooks|Callbacks|Hooks)\s*$/;

/** A condition about the user's approval of a call. */
const APPROVAL_COND = /approv|confirm|consent|permi(?:t|ssion)|authori[sz]/i;

/** A dispatch whose execution sits inside a branch on an approval, or after a guard that exits unless approved. */
export function approvalOnDispatch(ctx: RuleContext): { d: ReturnType<typeof toolDispatch>[number]; line: number; cond: string } | undefined {
  for (const d of toolDispatch(ctx).slice(0, 8)) {
    const f = ctx.file(d.exec.file);
    if (!f) continue;
    const fn = d.exec.fn;
    const b = (f.branches ?? []).find((x) => x.fn === fn && x.line < d.exec.line && x.end >= d.exec.line && APPROVAL_COND.test(x.cond) && /===?|\bis\b/.test(x.cond) && !/!==?|\bnot\b|^\s*!/.test(x.cond));
    if (b) return { d, line: b.line, cond: b.cond };
    const g = f.guards.find((x) => x.fn === fn && x.line < d.exec.line && x.line >= d.exec.line - 30 && (x.exit === 'return' || x.exit === 'throw') && APPROVAL_COND.test(x.cond) && /!==?|\bnot\b|^\s*!/.test(x.cond));
    if (g) return { d, line: g.line, cond: g.cond };
  }
  return undefined;
}

export default defineRule({
  id: 'permissions.gate',
  principle: 'permissions',
  title: 'One permission decision before every tool call',
  rationale:
    'A tool call the model asks for is an action on the user\'s machine; one allow / deny / ask decision on the single dispatch path is the only place a policy can be enforced for every tool.',
  remediation:
    'Route every tool execution through one gate (a PermissionGate.decide(call) returning allow / deny / ask) called by the dispatcher after the registry lookup and before execute(), with a default decision rather than an optional hook; see the exemplar.',
  exemplar: 'src/reference-harness/permissions/gate.ts',
  detect(ctx) {
    // Not in a web front end that does not run the agent: its tool lookup picks a tool to show, and its
    // callbacks (`handleToolSelect(tool)`) select, they do not decide on a call.
    // Nor an authorisation of the user with an outside app (`toolkits.authorize(user.uid, app)`, an OAuth connect).
    const calls = permissionCalls(ctx).filter((c) => !offPathUi(ctx, c.file) && !userAuthorisation(ctx, c));
    // The dispatch that names a tool first: a lookup by a signal or event name in a generic handler
    // map (`signalHandlers.get(signalName)`) may be an event bus, not the agent's tool path.
    const dispatch = toolDispatch(ctx).filter((d) => !offPathUi(ctx, d.lookup.file)).sort((a, b) => Number(!namesTool(a)) - Number(!namesTool(b)));
    const onPath = calls.filter((c) => c.onPath);
    // A harness-level decision (a bare function or the harness's own gate object) before an SDK callback.
    const bare = (c: (typeof calls)[number]) => (!c.callee.includes('.') ? 0 : /^this\.\w+\.\w+$|^this\.\w+$/.test(c.callee) ? 1 : 2);
    // Of decisions called alike, the one made in the very function that looks the tool up or runs it first: elsewhere
    // on the path (the same check filtering the tools offered to the model) it is not the one that stops a call.
    const inDispatch = (c: (typeof calls)[number]) => !c.inCatch && dispatch.some((d) => d.lookupFn === `${c.file}#${c.fn}` || d.execFn === `${c.file}#${c.fn}`);
    const decisions = onPath.filter((c) => c.kind === 'decision' && c.defined && !c.optional && !forwardsToOptionalHook(ctx, c)).sort((a, b) => bare(a) - bare(b) || Number(!inDispatch(a)) - Number(!inDispatch(b)));
    /**
     * Where the harness's own source installs the hook `callee` (a `setX(…)` call or an `x: …`
     * property), with a permission decision made in the installing function.
     */
    const installedDecision = (callee: string): Evidence | undefined => {
      const name = shortName(callee);
      const core = name.replace(/^get/, '');
      if (core.length < 6) return undefined;
      const setter = new RegExp(`^(?:set|register|install|use|on)_?${core.replace(/[^\w]/g, '')}$`, 'i');
      const sites: { file: string; fn: string; line: number }[] = [];
      for (const f of ctx.source) {
        for (const c of f.calls) if (setter.test(c.name)) sites.push({ file: f.path, fn: c.fn, line: c.line });
        for (const o of f.objects) if (!o.ctx.startsWith('type:') && !o.ctx.startsWith('class:') && o.keys.includes(core)) sites.push({ file: f.path, fn: o.fn, line: o.line });
      }
      for (const s of sites.slice(0, 20)) {
        const d = calls.find((c) => c.file === s.file && c.fn === s.fn && c.kind === 'decision' && c.defined);
        if (d) return { file: s.file, line: s.line, reason: `${core} installed in ${s.fn}() with the decision ${d.callee}() at ${d.file}:${d.line}` };
      }
      return undefined;
    };
    const ev = (c: (typeof calls)[number], what: string): Evidence => ({ file: c.file, line: c.line, reason: `${what}: ${c.callee}() in ${c.fn}()` });
    const d0 = dispatch[0];
    const dispatchEv: Evidence[] = d0 ? [{ file: d0.lookup.file, line: d0.lookup.line, reason: `tool looked up by name (${d0.lookup.text}) and run by ${d0.exec.callee}() at ${d0.exec.file}:${d0.exec.line}` }] : [];
    if (decisions.length) {
      const c = decisions[0];
      return {
        level: 'present',
        reason: `tool dispatch passes through a permission decision: ${c.callee}() in ${c.fn}() at ${c.file}:${c.line}`,
        evidence: [ev(c, 'permission decision on the dispatch path'), ...dispatchEv, ...decisions.slice(1, 3).map((x) => ev(x, 'further decision on the path'))],
        // Resolved: the decision is made in the very function that looks the tool up or runs it, and
        // not in a catch block (there it runs after the tool failed: an error handler, not a gate).
        confidence: inDispatch(c) ? 'high' : 'low',
      };
    }
    // Hooks, and the decisions left out above (not defined in the harness, called optionally, or only forwarding
    // to an optional callback: `forwardsToOptionalHook`).
    const hooks = onPath.filter((c) => c.kind === 'hook' || c.kind === 'decision');
    // A hook the shipped code installs with a real decision (the CLI sets a handler that asks the
    // user) is a gate on by default.
    for (const h of hooks) {
      const installed = installedDecision(h.callee);
      if (installed) {
        return {
          level: 'present',
          reason: `tool dispatch consults ${h.callee}() (${h.file}:${h.line}), and the harness installs it with a decision: ${installed.reason}`,
          evidence: [ev(h, 'hook consulted before every tool call'), installed, ...dispatchEv],
        };
      }
    }
    // A harness that runs the model's actions in an environment (`self.env.execute(action)`)
    // decides just before that single call: it asks the user, or a deny-only filter ends the call.
    const actionGate = actionGates(ctx)[0];
    if (actionGate) {
      const { decision: d, action: a, prompt: p } = actionGate;
      const dEv: Evidence = { file: d.file, line: d.line, reason: actionGate.kind === 'ask' ? `${d.callee}() asks the user before the action runs` : `${d.callee}() refuses matching actions before they run` };
      const aEv: Evidence = { file: a.file, line: a.line, reason: `the model's action runs here: ${a.callee}()` };
      if (actionGate.kind === 'ask') {
        return {
          level: 'present',
          reason: `every action passes ${d.callee}() in ${d.fn}() (${d.file}:${d.line}), which asks the user (${p!.callee}() at ${p!.file}:${p!.line}), before ${a.callee}() runs it`,
          evidence: [dEv, aEv, { file: p!.file, line: p!.line, reason: `the user is asked: ${p!.callee}()` }],
          // Resolved: the decision precedes the action in the same function and reaches the prompt.
          confidence: 'high',
        };
      }
      return {
        level: 'partial',
        reason: `actions pass a deny-only filter ${d.callee}() (${d.file}:${d.line}) before ${a.callee}() runs them; there is no allow / ask decision`,
        evidence: [dEv, aEv],
        confidence: 'high',
      };
    }
    if (hooks.length) {
      const c = hooks[0];
      // The hook is the approval callback, and where none is set the dispatch refuses the call
      // itself (`approval = { approved: false }`): the default decision is a refusal.
      const run = dispatch.find((d) => d.exec.file === c.file && d.exec.fn === c.fn && d.exec.line > c.line);
      const fallback = run ? refusedByDefault(ctx, c.file, c.fn, run.exec.line) : undefined;
      if (run && fallback) {
        return {
          level: 'present',
          reason: `tool dispatch asks ${c.callee}() (${c.file}:${c.line}) before ${run.exec.callee}() and refuses the call by default when no approver is set (${c.file}:${fallback.line})`,
          evidence: [ev(c, 'approval asked before the tool runs'), { file: c.file, line: fallback.line, reason: REFUSED_BY_DEFAULT }, ...dispatchEv],
          // Which calls are asked about and which are allowed without asking is not read here.
          confidence: 'low',
        };
      }
      return {
        level: 'partial',
        reason: `the dispatch path only consults a pluggable hook or handler (${c.callee}() in ${c.fn}() at ${c.file}:${c.line}); the harness makes no allow / deny / ask decision of its own by default`,
        evidence: [ev(c, 'hook that may block, with no default decision'), ...dispatchEv],
        // The hook sits on the resolved dispatch path and no installer of it makes a decision.
        confidence: dispatch.length ? 'high' : 'low',
      };
    }
    // A hook on the executor whose result can refuse the call (`const decision = hooks.beforeExecute(ctx);
    // if (decision._tag === 'Deny') return …` before `tool.execute(…)`): a gate by default when the
    // shipped code installs an implementation and its own code builds the refusal.
    const hg = hookGates(ctx)[0];
    if (hg) {
      const { call: h, guard: g, run, installed, refusals } = hg;
      const hookEv: Evidence = { file: h.file, line: h.line, reason: `${h.callee}() is consulted before the tool runs (${run.callee}() at line ${run.line})` };
      const guardEv: Evidence = { file: g.file, line: g.line, reason: `its refusal ends the call: if (${g.cond.slice(0, 60)}) ${g.exit}` };
      const decides = (installed && refusals.length) || (hg.own && refusals.length);
      if (decides) {
        const r = refusals[0];
        return {
          level: 'present',
          reason: `every tool call passes ${h.callee}() in ${h.fn}() (${h.file}:${h.line}), whose refusal ends the call before ${run.callee}()${installed ? `; the harness installs it (${installed.file}:${installed.line})` : ''} and builds the refusal itself (${r.file}:${r.line})`,
          evidence: [hookEv, guardEv, ...(installed ? [{ file: installed.file, line: installed.line, reason: `the hook is installed in ${installed.fn}()` }] : []), { file: r.file, line: r.line, reason: `the harness builds the refusal in ${r.fn}()` }],
          // The installed implementation is linked to the hook by name, and to the refusal by its value.
          confidence: 'low',
        };
      }
      // Where no implementation is set, the executor refuses the call itself (`approval = { approved: false }`).
      const fallback = refusedByDefault(ctx, h.file, h.fn, run.line);
      if (fallback) {
        return {
          level: 'present',
          reason: `every tool call passes ${h.callee}() in ${h.fn}() (${h.file}:${h.line}), whose refusal ends the call before ${run.callee}(), and the call is refused by default when no approver is set (${h.file}:${fallback.line})`,
          evidence: [hookEv, { file: h.file, line: fallback.line, reason: REFUSED_BY_DEFAULT }, guardEv],
          confidence: 'low',
        };
      }
      return {
        level: 'partial',
        reason: `every tool call passes ${h.callee}() in ${h.fn}() (${h.file}:${h.line}), whose refusal ends the call, but ${installed ? `the implementation installed at ${installed.file}:${installed.line} builds no refusal of the harness's own` : 'the harness installs no implementation of it'}: nothing decides by default`,
        evidence: [hookEv, guardEv, ...(installed ? [{ file: installed.file, line: installed.line, reason: `the hook is installed in ${installed.fn}(), with no refusal of its own` }] : [])],
        confidence: 'low',
      };
    }
    // A framework middleware that wraps every tool call (LangChain `AgentMiddleware.wrap_tool_call`,
    // `wrapToolCall`) and is installed: a decision on the single path, unless it only looks at a
    // few tools by name (`if tool_name not in {"execute"}: return handler(request)`).
    for (const f of ctx.source) {
      for (const cls of f.classes) {
        if (!cls.members.some((m) => WRAP_TOOL_CALL.test(m))) continue;
        if (!ctx.callsNamed(cls.name).some((c) => c.callee === cls.name || c.callee === `new ${cls.name}`)) continue;
        const own = f.guards.filter((g) => g.fn.startsWith(`${cls.name}.`));
        // It decides: it blocks, refuses, asks for approval or interrupts (rather than only rewriting inputs).
        const decides = f.calls.some((c) => c.fn.startsWith(`${cls.name}.`) && /block|den(?:y|ied)|reject|refus|approv|interrupt|permi|forbid/i.test(c.name));
        if (!decides) continue;
        const filter = own.find((g) => g.exit === 'return' && /name/i.test(g.cond) && /\bnot in\b|!==?|\bnot\b.*==/.test(g.cond));
        const ev: Evidence = { file: f.path, line: cls.line, reason: `${cls.name} wraps each tool call (${cls.members.find((m) => WRAP_TOOL_CALL.test(m))})` };
        if (filter) {
          return {
            level: 'partial',
            reason: `${cls.name} (${f.path}:${cls.line}) wraps tool calls but decides only for some tools (${filter.cond.slice(0, 60)} at line ${filter.line}); other calls run with no decision`,
            // First the refusal inside the wrap method itself (`if blocked is not None: return blocked`
            // before `handler(request)`): where the decision stops a call; then the name filter.
            evidence: [
              ...own.filter((g) => g !== filter && WRAP_TOOL_CALL.test(g.fn.split('.').pop() ?? '') && (g.exit === 'return' || g.exit === 'throw')).slice(0, 1).map((g) => ({ file: f.path, line: g.line, reason: `${g.fn}() stops the call before its handler: if (${g.cond.slice(0, 50)}) ${g.exit}` })),
              ev,
              { file: f.path, line: filter.line, reason: `only named tools are judged: ${filter.cond.slice(0, 60)}` },
            ],
          };
        }
      }
    }
    // The agent's own dispatch (reached from its loop) returns or throws unless the call is approved,
    // before it runs the looked-up tool (`if (!autoApprove) return { awaitingUserApproval: true }` ahead
    // of `callTool[toolName](params)`): one decision on the single path every call takes. Ahead of the
    // decisions found in tool files, which in an app that hosts the agent (an editor, a chat app) are
    // often the host's own commands, off the agent's path.
    const own = liveLoopDispatch(ctx);
    const ownGuard = own && ctx.file(own.exec.file)?.guards.find((x) => x.fn === own.exec.fn && x.line < own.exec.line && (x.exit === 'return' || x.exit === 'throw') && APPROVAL_COND.test(x.cond) && /!==?|\bnot\b|^\s*!/.test(x.cond));
    if (own && ownGuard) {
      return {
        level: 'present',
        reason: `the agent's tool dispatch stops unless the call is approved (if (${ownGuard.cond.slice(0, 60)}) ${ownGuard.exit} at ${own.exec.file}:${ownGuard.line}) before it runs the looked-up tool (${own.lookup.text} then ${own.exec.callee}() at line ${own.exec.line})`,
        evidence: [
          { file: own.exec.file, line: ownGuard.line, reason: `the call stops here unless approved: if (${ownGuard.cond.slice(0, 60)}) ${ownGuard.exit}` },
          { file: own.exec.file, line: own.exec.line, reason: `the tool runs only past that check: ${own.exec.callee}()` },
        ],
        // Which calls need approval, and the approval's default, are not read here.
        confidence: 'low',
      };
    }
    // The function that runs tool calls reads a per-tool approval flag and stops flagged calls for a
    // decision (a framework's `requires_confirmation` / `needs_approval` tool option, off by default):
    // one check on the run path, but only the tools that set the flag are decided, so partial. Before
    // the decisions found in individual tool files, which in a framework are often a web route's or a
    // workflow step's confirmation beside the tool path. Where the harness's own tools set the flag,
    // the declaration branch below judges how many do.
    const flagRead = approvalFlagOnRun(ctx);
    // A tool with an implementation, not the record of a paused call (`ToolExecution(…, requires_confirmation=True)`).
    const setsFlag = !!flagRead && toolDeclarations(ctx).some((d) => {
      if (!d.hasExec || (d.file === flagRead.file && d.line >= flagRead.fn.line && d.line <= flagRead.fn.end)) return false;
      const k = d.keys.find((x) => APPROVAL_FLAG.test(x));
      const v = k ? ctx.file(d.file)?.objects.find((o) => o.line === d.line)?.values[k] : undefined;
      return !!k && !/^(?:false|False|None)$/.test(v ?? '') && !(d.kind === 'class' && v === undefined);
    });
    if (flagRead && !setsFlag) {
      const { file, line, flag } = flagRead;
      const fn = flagRead.fn.name;
      return {
        level: 'partial',
        reason: `tool calls are run past a per-tool approval flag (${flag} read in ${fn}() at ${file}:${line}): only tools that set it stop for a decision, and by default none does; no allow / deny / ask decision runs before every call`,
        evidence: [{ file, line, reason: `${fn}() reads the tool's approval flag ${flag} where it runs tool calls` }, ...dispatchEv.filter((e) => e.file !== file || e.line !== line).slice(0, 1)],
        // Linked to the tool path by the function's name.
        confidence: 'low',
      };
    }
    // Decisions made inside individual tools: each tool must remember to ask.
    const declFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    const inTools = calls.filter((c) => c.kind === 'decision' && declFiles.has(c.file));
    if (inTools.length) {
      const files = new Set(inTools.map((c) => c.file));
      // The harness's own ask function that most tool files call is the decision to open first (its
      // definition), then the tools that call it.
      // Grouped by the callee as written: a bare call of the harness's function (`get_confirmation(…)`),
      // not a library's prompt of the same last name (`questionary.confirm`).
      const spread = (callee: string) => new Set(inTools.filter((c) => c.callee === callee).map((c) => c.file)).size;
      const callees = [...new Set(inTools.map((c) => c.callee))].filter((x) => !x.includes('.')).sort((a, b) => spread(b) - spread(a));
      const shared = callees.find((n) => spread(n) >= 2 && /confirm|approv|ask|consent|permission/i.test(n));
      const def = shared ? ctx.functionsNamed(shared).find((d) => d.name === shared) : undefined;
      const ranked = shared && def ? [...inTools.filter((c) => c.callee === shared), ...inTools.filter((c) => c.callee !== shared)] : inTools;
      return {
        level: 'partial',
        reason: `permission is asked inside individual tools (${files.size} of ${declFiles.size} tool files, e.g. ${ranked[0].callee}() at ${ranked[0].file}:${ranked[0].line}) rather than by one gate on the dispatch path`,
        evidence: [
          ...(def ? [{ file: def.file, line: def.line, reason: `${def.name}(): the confirmation ${spread(shared!)} tool files call for themselves` }] : []),
          ...ranked.slice(0, def ? 2 : 3).map((c) => ev(c, 'a tool asks for permission itself')),
        ],
      };
    }
    // Decisions inside the implementations of the method the dispatch calls on the looked-up tool
    // (`fn = this.functions.get(name)` … `fn.handler(args)`, and several tools' `handler` awaiting
    // `this.super.requestToolApproval(…)`): tools declared in a shape the registry scan does not
    // read, each asking for itself.
    const viaExec = dispatch.filter(namesTool).map((d) => {
      // The method itself, not the `Function.prototype` call that runs it (`fn.handler.call(ctx, args)`).
      const m = shortName(d.exec.callee.replace(/\.(?:call|apply)$/, ''));
      const asking = m && !/^(?:call|apply|bind|then)$/.test(m) ? calls.filter((c) => c.kind === 'decision' && c.defined && !c.inCatch && c.file !== d.exec.file && shortName(c.fn) === m) : [];
      return { d, m, asking, files: new Set(asking.map((c) => c.file)) };
    }).find((x) => x.files.size >= 2);
    if (viaExec) {
      const { d, m, asking, files } = viaExec;
      const a = asking[0];
      return {
        level: 'partial',
        reason: `permission is asked inside individual tools (${files.size} tools' ${m}() call ${a.callee}(), e.g. ${a.file}:${a.line}), the method the dispatch runs after lookup (${d.lookup.text} then ${d.exec.callee}() at ${d.exec.file}:${d.exec.line}), rather than by one gate on the dispatch path`,
        evidence: [
          // Only the tools that ask: the dispatch line (named in the reason) sits in the agent's own
          // files and would be shown first, ahead of what the reason claims.
          ...asking.filter((x, i) => asking.findIndex((y) => y.file === x.file) === i).slice(0, 3).map((c) => ev(c, `a tool's ${m}() asks for permission itself`)),
        ],
        // The tools are linked to the dispatch by the method's name.
        confidence: 'low',
      };
    }
    // Each tool awaits an approval request inside its own run and returns on a refusal, before
    // its side effect (`const { response } = await ask('tool', …); if (response !== 'yes') return`):
    // a real decision, but one each tool must remember to make.
    let asks = toolAsks(ctx);
    if (asks.length) {
      // Cite first a tool whose run goes on to spawn a command (the side effect the ask guards).
      const sinkAt = new Set(shellSinks(ctx).filter((s) => s.fromInput).map((s) => `${s.file}:${s.line}`));
      const spawns = (x: (typeof asks)[number]) => !!ctx.reaches(x.ask.file, x.ask.fn, (c) => sinkAt.has(`${c.file}:${c.line}`), 2, (_n, ds) => ds.length <= 3);
      const ranked = asks.slice(0, 16).map((x) => ({ x, s: spawns(x) ? 0 : 1 }));
      asks = [...ranked.sort((a, b) => a.s - b.s).map((r) => r.x), ...asks.slice(16)];
      const owners = [...new Set(asks.map((a) => a.owner))];
      const a = asks[0];
      return {
        level: 'partial',
        reason: `each tool asks for approval inside its own run (${owners.length} tool${owners.length > 1 ? 's' : ''}, e.g. ${a.ask.callee}() in ${a.ask.fn}() at ${a.ask.file}:${a.ask.line}, ${a.refusal.exit === 'else' ? `which acts only when approved (if (${a.refusal.cond.slice(0, 40)}) … else at line ${a.refusal.line})` : `which returns on a refusal at line ${a.refusal.line}`}) rather than one gate on the dispatch path`,
        evidence: [
          ...asks.filter((x, i) => asks.findIndex((y) => y.owner === x.owner) === i).slice(0, 2).map((x) => ({ file: x.ask.file, line: x.ask.line, reason: `${x.owner} awaits ${x.ask.callee}() before it acts` })),
          { file: a.ask.file, line: a.refusal.line, reason: a.refusal.exit === 'else' ? `the action is taken only on approval: if (${a.refusal.cond.slice(0, 50)}) … else refused` : `a refusal ends the run: if (${a.refusal.cond.slice(0, 50)}) ${a.refusal.exit}` },
        ],
        // Resolved: each tool awaits the ask and a refusal ends its run (a guard that exits).
        confidence: 'high',
      };
    }
    // Tools run by a branch on the tool's name (`if (name === "shell") { … }`, `elif tool_name == "bash":`)
    // rather than a registry lookup: a decision made on an arm before its tool runs (in the arm or the
    // handler it calls: `handleExecCommand` asking `canAutoApprove(cmd)` first) gates that tool.
    const nb = nameBranchDispatch(ctx).find((x) => x.before || x.arms.some((a) => a.decision));
    if (nb) {
      const gated = nb.before ? nb.arms : nb.arms.filter((a) => a.decision);
      const c = nb.before ?? gated[0].decision!;
      const arm = gated[0];
      // A switch is one arm here (its cases are not told apart): a decision inside it may sit in one case only.
      const all = !!nb.before || (gated.length === nb.arms.length && !gated.some((a) => a.cond.startsWith('switch (')));
      return {
        level: all ? 'present' : 'partial',
        reason: all
          ? `tools are run by a branch on their name in ${nb.fn}() (${nb.file}:${arm.line}), and ${nb.arms.length > 1 ? `each of its ${nb.arms.length} arms` : 'that branch'} passes a permission decision before the tool runs: ${c.callee}() in ${c.fn}() at ${c.file}:${c.line}`
          : arm.cond.startsWith('switch (')
          ? `tools are run by a switch on their name in ${nb.fn}() (${nb.file}:${arm.line}), and a permission decision is made inside it (${c.callee}() at ${c.file}:${c.line}), but not before every case: no single gate before every tool call was found`
          : `tools are run by a branch on their name in ${nb.fn}() (${nb.file}:${arm.line}); ${gated.length} of its ${nb.arms.length} arms pass a permission decision (${c.callee}() at ${c.file}:${c.line}), the others run with none`,
        evidence: [
          ev(c, 'permission decision before the tool runs'),
          { file: nb.file, line: arm.line, reason: `the tool is chosen by name: ${arm.cond.slice(0, 60)}` },
          ...gated.slice(1, 2).map((a) => ev(a.decision!, 'further decision on another arm')),
        ],
        // The arm is linked to the decision by a call within one hop; the branch found by the name compared.
        confidence: 'low',
      };
    }
    // The user is asked before model-written commands or code run ("Run this code? (y/n)"): a
    // real stop, but made where that one kind of action is consumed, not by a gate on every call.
    // The question is the literal argument, or a string set just before (`prompt = "Run shell command?"`).
    for (const { call: c, question: q } of confirmPrompts(ctx).slice(0, 1)) {
      return {
        level: 'partial',
        reason: `the user is asked before model-written commands or code run (${c.callee}() in ${c.fn}() at ${c.file}:${c.line}), but no single allow / deny / ask gate runs before every tool call`,
        evidence: [{ file: c.file, line: c.line, reason: `confirmation prompt ${q.slice(0, 60)}` }],
      };
    }
    // A framework's approval option on the tool declarations (AI SDK / OpenAI Agents SDK
    // `needsApproval`): the framework pauses those calls for approval before `execute`.
    const decls = toolDeclarations(ctx);
    // A class whose approval member is only typed (`requires_approval: bool`, no value) is the tool type
    // declaring the option, not a tool setting it.
    const approving = decls.filter((d) => {
      const k = d.keys.find((x) => APPROVAL_OPTION.test(x));
      const v = k ? ctx.file(d.file)?.objects.find((o) => o.line === d.line)?.values[k] : undefined;
      return !!k && !/^(?:false|False)$/.test(v ?? '') && !(d.kind === 'class' && v === undefined);
    });
    if (approving.length) {
      const peers = decls.filter((d) => d.kind === approving[0].kind && d.hasExec);
      const all = peers.every((d) => approving.includes(d));
      const a = approving[0];
      const nameOf = (d: (typeof decls)[number]) => (d.kind === 'builder' && d.ctx === `arg:${d.name}` ? `the tool in ${d.file.replace(/^.*\//, '')}` : d.name);
      return {
        level: all ? 'present' : 'partial',
        reason: all
          ? `every tool sets the framework's approval option (e.g. ${nameOf(a)} at ${a.file}:${a.line}), so each call pauses for a decision before it runs`
          : `only ${approving.length} of ${peers.length} tools set the framework's approval option (${nameOf(a)} at ${a.file}:${a.line}); the others run with no decision`,
        evidence: approving.slice(0, 2).map((d) => ({ file: d.file, line: d.line, reason: `${nameOf(d)} declared with an approval option (${d.keys.find((k) => APPROVAL_OPTION.test(k))})` })),
        // A framework option this repo turns on, counted over its tool declarations.
        confidence: 'high',
      };
    }
    // The dispatch runs the looked-up tool only inside a branch on the user's approval of that call
    // (`if (invocation.result === APPROVAL.APPROVE) { tool.execute(args) } else if (… REJECT)`), or
    // after a guard that returns unless the outcome is an approval (`if (outcome !== 'approved')
    // return outcome`). This is the human-in-the-loop shape where only the tools the harness leaves
    // for approval come back through this path; tools the framework runs itself do not, so it is
    // one decision on one path rather than a gate before every call.
    const approved = approvalOnDispatch(ctx);
    if (approved) {
      const { d, line, cond } = approved;
      // A dispatch whose approval falls back to a refusal when nobody can be asked (`approval =
      // { approved: false }` when no callback is set): the harness decides itself, refusing by
      // default, rather than waiting for calls a framework routes back: a gate with a default decision.
      const fallback = namesTool(d) ? refusedByDefault(ctx, d.exec.file, d.exec.fn, d.exec.line) : undefined;
      if (fallback) {
        return {
          level: 'present',
          reason: `the looked-up tool runs only after an approval decision (${cond.slice(0, 60)} at ${d.exec.file}:${line}, before ${d.exec.callee}()), which refuses by default when nobody can be asked (${d.exec.file}:${fallback.line})`,
          evidence: [
            { file: d.exec.file, line, reason: `the tool runs only if the call was approved: ${cond.slice(0, 60)}` },
            { file: d.exec.file, line: fallback.line, reason: REFUSED_BY_DEFAULT },
            { file: d.exec.file, line: d.exec.line, reason: `the approved tool runs: ${d.exec.callee}()` },
          ],
          // Which calls are asked about and which are allowed without asking is not read here.
          confidence: 'low',
        };
      }
      return {
        level: 'partial',
        reason: `the looked-up tool runs only after the user's approval (${cond.slice(0, 70)} at ${d.exec.file}:${line}, before ${d.exec.callee}()), but only calls routed back through this path are decided; no single gate before every tool call was found`,
        evidence: [
          { file: d.exec.file, line, reason: `the tool runs only if the call was approved: ${cond.slice(0, 60)}` },
          { file: d.exec.file, line: d.exec.line, reason: `the approved tool runs: ${d.exec.callee}()` },
        ],
        confidence: 'low',
      };
    }
    // A runner of before-tool-call hooks whose result ends the call (`if run_before_tool_call_hooks(ctx):
    // return blocked`, `event = await _invoke_before_tool_call_hook(…); if event.cancel_tool: return`):
    // a hook point that can block each call, with nothing deciding when no hook is registered.
    const runner = beforeHookRunner(ctx);
    if (runner) {
      return {
        level: 'partial',
        reason: `tool calls pass ${runner.what} in ${runner.call.fn}() (${runner.call.file}:${runner.call.line}), whose result can end the call (if (${runner.cond.slice(0, 50)}) ${runner.exit} at line ${runner.line}), but that only runs the hooks a user registers: the harness makes no allow / deny / ask decision of its own by default`,
        evidence: [
          { file: runner.call.file, line: runner.call.line, reason: `before-tool-call hooks run: ${runner.what}` },
          { file: runner.call.file, line: runner.line, reason: `a hook's result ends the call: if (${runner.cond.slice(0, 50)}) ${runner.exit}` },
        ],
        confidence: 'low',
      };
    }
    // A permission component that exists but is never called on the tool path.
    for (const f of ctx.source) {
      for (const cls of f.classes) {
        if (!GATE_CLASS.test(cls.name)) continue;
        const m = cls.members.find((x) => GATE_METHOD.test(x));
        if (!m) continue;
        const used = ctx.callsNamed(m).some((c) => c.file !== f.path);
        return {
          level: 'partial',
          reason: `${cls.name}.${m}() exists but ${used ? 'is not called from the tool dispatch path' : 'is never called'}; tools run without a permission decision`,
          evidence: [{ file: f.path, line: cls.line, reason: `permission component ${cls.name} with ${m}(), not wired before tool execution` }],
        };
      }
    }
    // A URL or domain policy that refuses navigation (`if not self._is_url_allowed(url): return`):
    // one kind of action passes an allow / deny decision, the others run unchecked. Only a policy
    // on the way from a tool to its effect counts: a filter on a web route the user's page calls
    // (an SSRF check in a server endpoint) decides nothing about the model's tool calls.
    for (const f of ctx.source) {
      const g = f.guards.find((x) => (x.exit === 'return' || x.exit === 'throw') && URL_POLICY.test(x.cond) && reachedFromTools(ctx, f.path, x.fn));
      if (g) {
        return {
          level: 'partial',
          reason: `only navigation passes an allow / deny decision (${g.cond.slice(0, 60)} in ${g.fn}() at ${f.path}:${g.line}); other tool calls run without one`,
          evidence: [{ file: f.path, line: g.line, reason: `${g.fn}() refuses a URL its policy does not allow` }],
        };
      }
    }
    // A refusal of a tool that is not enabled for this agent, session or project, made where tools
    // run (`if not self.is_active(): raise ToolCallError(…)`, `if (!enabledTools.includes(name)) throw …`,
    // `if name not in self.allowed_tools: return error`): a deny-only availability check on the path,
    // with no allow / ask decision about the call itself.
    for (const f of ctx.source) {
      if (offPathUi(ctx, f.path)) continue;
      const g = f.guards.find((x) => (x.exit === 'return' || x.exit === 'throw') && !x.returns && AVAILABILITY.test(x.cond) && /tool/i.test(`${x.cond} ${enclosing(f, x.line)}`) && reachedFromTools(ctx, f.path, x.fn));
      if (g) {
        return {
          level: 'partial',
          reason: `a tool call is refused when the tool is not enabled (if (${g.cond.slice(0, 60)}) ${g.exit} in ${g.fn}() at ${f.path}:${g.line}), a deny-only availability check; no allow / deny / ask decision is made about the call itself`,
          evidence: [{ file: f.path, line: g.line, reason: `${g.fn}() refuses a tool that is not enabled: if (${g.cond.slice(0, 60)}) ${g.exit}` }],
          confidence: 'low',
        };
      }
    }
    // The same refusal made on a lookup miss in a list narrowed by the mode or by what is enabled
    // (`const tool = getToolClassesFromType(chatMode).find(…); if (!tool) throw …`).
    for (const f of ctx.source) {
      if (offPathUi(ctx, f.path) || isStale(ctx, f.path)) continue;
      const g = narrowedListRefusal(ctx, f);
      if (g) {
        return {
          level: 'partial',
          reason: `a tool call is refused when the tool is missing from ${g.list}, a list narrowed by mode or by what is enabled (${g.value.slice(0, 60)}), before it runs (if (${g.cond.slice(0, 40)}) ${g.exit} in ${g.fn}() at ${f.path}:${g.line}): a deny-only availability check; no allow / deny / ask decision is made about the call itself`,
          evidence: [{ file: f.path, line: g.line, reason: `${g.fn}() refuses a tool missing from the ${g.list} narrowed by ${g.value.slice(0, 50)}: if (${g.cond.slice(0, 40)}) ${g.exit}` }],
          confidence: 'low',
        };
      }
    }
    // A refusal a tool makes itself on its own input, before it acts: a path kept inside the workspace
    // (`const err = validateWorkspacePath(file_path, ctx); if (err) return err`), a URL or domain on a
    // deny list (`if (isBannedUrl(url)) throw …`). Each tool must remember to make it, and it only
    // denies: no single allow / deny / ask decision before every call.
    const selfChecks = toolInputRefusals(ctx);
    if (selfChecks.length) {
      const files = [...new Set(selfChecks.map((g) => g.file))];
      const g = selfChecks[0];
      return {
        level: 'partial',
        reason: `tools refuse some of their own inputs before acting (${g.call}() in ${g.fn}() at ${g.file}:${g.line}${files.length > 1 ? `, and in ${files.length - 1} more file${files.length > 2 ? 's' : ''}` : ''}), a deny-only check each tool makes for itself; no single allow / deny / ask decision runs before every tool call`,
        evidence: selfChecks.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: `${x.fn}() refuses its input on ${x.call}(): if (${x.cond.slice(0, 50)}) ${x.exit}` })),
        confidence: 'low',
      };
    }
    // A refusal a tool makes for itself on a list test (an excluded file, a banned URL, a mode's
    // allowed commands) before it acts: a decision each tool makes on its own, not a central gate.
    const listChecks = toolListRefusals(ctx);
    if (listChecks.length) {
      const g = listChecks[0];
      const fns = [...new Set(listChecks.map((x) => `${x.file}:${x.fn}`))];
      return {
        level: 'partial',
        reason: `tools refuse for themselves on an allow / deny list before acting (if (${g.cond.slice(0, 60)}) ${g.exit} in ${g.fn}() at ${g.file}:${g.line}${fns.length > 1 ? `, and in ${fns.length - 1} more function${fns.length > 2 ? 's' : ''}` : ''}); no single allow / deny / ask decision runs before every tool call`,
        evidence: listChecks.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: `${x.fn}() refuses on a list test: if (${x.cond.slice(0, 50)}) ${x.exit} '${x.text.slice(0, 40)}'` })),
        confidence: 'low',
      };
    }
    const agentsDispatch = loopDispatch(ctx);
    const dz = agentsDispatch ?? d0;
    return {
      level: 'absent',
      reason: dispatch.length && !namesTool(dz)
        ? `no permission decision (allow / deny / ask) before tool execution was found; the only dispatch by name found (${dz.lookup.text} then ${dz.exec.callee}() at ${dz.exec.file}:${dz.exec.line}) names no tool and may not be the tool path`
        : dispatch.length
        ? `tools are run straight after lookup (${dz.lookup.text} then ${dz.exec.callee}() at ${dz.exec.file}:${dz.exec.line}) with no allow / deny / ask decision${!agentsDispatch ? '; this dispatch was not reached from an agent loop, so the agent\'s own tool path may not have been found' : !liveLoopDispatch(ctx) ? '; this dispatch is in retired or experimental code nothing live imports, so the shipped harness\'s own tool path may not have been found' : ''}`
        : 'no permission decision (allow / deny / ask) before tool execution was found',
      evidence: [],
      // The agent's dispatch path was found and nothing on it decides; without it, or when the
      // dispatch found names no tool (a guess that may be an event bus) or is not reached from an
      // agent loop (a side path: wrong on 4 of 19 development repos before this condition), only no
      // keyword was seen.
      // Nor when that dispatch lies in retired or experimental code nothing live imports (an
      // experiment folder's loop beside the shipped one, whose own dispatch went unfound).
      confidence: liveLoopDispatch(ctx) ? 'high' : 'low',
    };
  },
});
