import { paramName, shortName, type RuleContext } from '../context.js';
import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { callsNamedAny } from '../shared/tools.js';
import { GENERIC } from '../shared/loop.js';
import { ENTRY_STRING, RESUME_WORD, stringHits, words } from '../shared/persist.js';
import { harnessPersistOps, offPathUi } from '../shared/ui.js';
import { classOf, methodOf } from '../shared/resolve.js';
import { callersOf, cliCommandFn, passedByReference, conversationLink, readIntoConversation, mastraThreadOpens, mastraThreadStore, optInCheckpointer, platformCheckpointer, runStateRestores, sessionClientStore, threadRuns, writesNothing, type PersistOp } from '../shared/persist.js';

const ENTRY_FN = /^(resume|restore|reopen|continue|switch)_?(session|chat|conversation|thread|history|transcript)s?$|^resume(_?chat)?$/i;

interface Entry {
  file: string;
  line: number;
  what: string;
  /** The load this entry was found from, when it was found by following the loader's callers. */
  load?: PersistOp;
  /** The option whose value is handed to the loader (`resume` for `argv.resume`). */
  option?: string;
  /** The entry is the load itself (a dynamic route's handler reading the saved conversation): no caller was followed. */
  own?: boolean;
  /** A dynamic route's GET handler: it reads the saved conversation to show or export it, not to continue it. */
  view?: boolean;
  /** Found by an id the caller is given and hands to the loader: a request's id, judged by its name. */
  byId?: boolean;
  /** A decorated route's GET handler reading by its path's id: it shows the saved item; any other entry comes before it. */
  idView?: boolean;
  /** The page's chat state is seeded from its own web storage when it mounts: found by the hook's shape, not by a call path to a choice. */
  hydrate?: boolean;
}

/** Calls that navigate to or request a URL path, and object keys that hold one. */
const URL_CALL = /^(?:navigate|fetch|push|replace|redirect|href|open|request|get|post|put|patch|delete|goto|navigateTo|Link)$/;
const URL_KEY = /^(?:url|path|href|to|endpoint|route|pathname|redirect|redirectTo)$/;

/** The literal paths a file navigates to or requests: `navigate('/sessions')`, `fetch("/api/x")`, `{ url: "/session" }`. */
function urlPaths(f: { calls: readonly { name: string; args: string[] }[]; objects: readonly { keys: string[]; values: Record<string, string> }[] }): Set<string> {
  const out = new Set<string>();
  const lit = (a: string | undefined) => (a && /^(['"`])\/[^'"`]*\1$/.test(a) ? a.slice(1, -1) : undefined);
  for (const c of f.calls) {
    const v = URL_CALL.test(c.name) ? lit(c.args[0]) : undefined;
    if (v) out.add(v);
  }
  for (const o of f.objects) {
    for (const k of o.keys) {
      const v = URL_KEY.test(k) ? lit(o.values[k]) : undefined;
      if (v) out.add(v);
    }
  }
  return out;
}

/**
 * The first argument of an option or command that resumes: `--resume`, `"continue"`, `--restore-chat-history`,
 * `--session <id>`, `--session-id`. Not a dotted command id's namespace (`"continue.rejectJump"`); and `session` only
 * alone or naming the session (`-id`, `-name`, `-file`, `-path`): `--session-timeout` sets a limit, it selects nothing,
 * as `--continue-on-error` goes on past a failure.
 */
const OPTION_VERB = /^['"`](?:--?)?(?:(?:resume|restore)(?![.\w])|continue(?![.\w]|[-_]on\b)|session(?:(?=[-_](?:id|name|file|path)\b)|(?![.\w-])))/;

const OPTION_NAMES = ['option', 'addOption', 'command', 'flag', 'argument', 'add_argument', 'addCommand', 'registerCommand'];

/**
 * A flag written as an element of an argument list the harness hands to another program (`run(["--json",
 * "--session", name, "stream", "status"])`, `spawn('tool', ['--resume', id])`): it drives that program's
 * session, it is no option of this harness.
 */
function argvElement(f: { calls: readonly { line: number; args: string[] }[] }, value: string, line: number): boolean {
  const quoted = [`"${value}"`, `'${value}'`, `\`${value}\``];
  return f.calls.some((c) => c.line <= line && line - c.line <= 5 && c.args.some((a) => a.startsWith('[') && quoted.some((q) => a.includes(q))));
}

function entries(ctx: RuleContext): Entry[] {
  const out: Entry[] = [];
  for (const f of ctx.source) {
    // The file's candidate strings from the shared pass; the option strings go after the file's
    // entry strings, as two passes over the strings would put them.
    let options: Entry[] | undefined;
    let urls: Set<string> | undefined;
    for (const s of stringHits(ctx).get(f.path)?.entry ?? []) {
      const v = s.value;
      // A path the file navigates to or requests (`navigate('/sessions')`, `{ url: "/session" }`) is a URL, not a command.
      if (v.startsWith('/') && (urls ??= urlPaths(f)).has(v)) continue;
      if (ENTRY_STRING.test(v) && !argvElement(f, v, s.line)) out.push({ file: f.path, line: s.line, what: `'${v}'` });
      else if (RESUME_WORD.test(v) && f.calls.some((c) => c.line === s.line && /^(option|command|flag|argument)$/.test(c.name))) (options ??= []).push({ file: f.path, line: s.line, what: `option '${v}'` });
    }
    if (options) out.push(...options);
    for (const o of f.objects) {
      const name = o.values.name ?? o.values.command;
      if (name && name.length >= 8 && name.length <= 10 && /^['"`](resume|continue|restore|sessions?)['"`]$/.test(name)) out.push({ file: f.path, line: o.line, what: `command ${name}` });
    }
  }
  const gate = callsNamedAny(ctx, 'persistence:option-calls', OPTION_NAMES);
  for (const f of ctx.source) {
    if (!gate.files.has(f.path)) continue;
    for (const c of f.calls) {
      if (!gate.names.has(c.name)) continue;
      const a = c.args[0] ?? '';
      // The verb itself, not a dotted command id's namespace (`"continue.rejectJump"`); or any of
      // the flags an option declares (`"-s, --session <id>"`, `add_argument("-c", "--continue")`).
      const flags = c.args.slice(0, 2).flatMap((x) => (/^['"`]-/.test(x) ? x.slice(1, -1).split(/[,\s]+/) : []));
      if (OPTION_VERB.test(a) || flags.some((x) => /^--?(resume|continue|restore|session)$/.test(x))) {
        // A chained call (`yargs.positional(…).option('resume', …)`) carries the chain's first line: the option's own string has the line of the option.
        const v = a.slice(1, -1);
        const own = f.strings.find((x) => x.line >= c.line && x.value === v);
        out.unshift({ file: f.path, line: own && own.line - c.line < 400 ? own.line : c.line, what: `${c.callee.length > 40 ? `.${c.name}` : c.callee}(${a})` });
      }
    }
  }
  // A commander command declared as a class (`class ResumeCommand extends Command { constructor() { super('resume'); … } }`):
  // the name handed to the base constructor is the command's.
  for (const c of ctx.callsNamed('super')) {
    const a = c.args[0] ?? '';
    if (!OPTION_VERB.test(a)) continue;
    const cls = ctx.file(c.file)?.classes.find((k) => c.fn.startsWith(`${k.name}.`));
    if (cls && /^(?:commander\.)?Command$/.test(cls.extends ?? '')) out.unshift({ file: c.file, line: c.line, what: `command ${a} (${cls.name} extends Command)` });
  }
  for (const f of ctx.source) {
    for (const fn of f.functions) {
      // ENTRY_FN names start with re, co or sw, in any case (resume, restore, reopen, continue, switch).
      const at = fn.name.lastIndexOf('.') + 1;
      const c0 = fn.name.charCodeAt(at) | 32;
      const c1 = fn.name.charCodeAt(at + 1) | 32;
      if (!((c0 === 114 && c1 === 101) || (c0 === 99 && c1 === 111) || (c0 === 115 && c1 === 119)) || !ENTRY_FN.test(shortName(fn.name))) continue;
      // A bare `resume()` with nothing to say what it resumes un-pauses a running task (`executor.resume()`), it loads nothing.
      if (/^resume$/i.test(shortName(fn.name)) && fn.params.filter((p) => p !== 'self' && p !== 'cls').length === 0) continue;
      // A `resume` of a class that runs a machine (a VM, container or sandbox runtime: `DockerRuntime.resume(image, name)`),
      // or of one that also suspends or pauses, wakes that machine or task up: it reopens no saved conversation.
      if (/^resume$/i.test(shortName(fn.name)) && machineLifecycle(f, fn.name)) continue;
      const callers = ctx.callsNamed(shortName(fn.name)).filter((c) => c.fn !== fn.name);
      if (callers.length > 0) out.push({ file: f.path, line: fn.line, what: `${fn.name}() (called from ${callers[0].fn})` });
    }
  }
  return out;
}

/** Words naming something that runs rather than a conversation: a VM, a container, a sandbox, its runtime. */
const MACHINE_WORD = /^(?:runtime|runtimes|sandbox|sandboxes|vm|vms|container|containers|docker|machine|emulator|pod|instance|hypervisor|qemu|lume|computer)$/;

/**
 * The method's class runs a machine (its name or its base's names one: `DockerRuntime`, `BaseSandbox`) or pairs the
 * method with `suspend`/`pause`: its `resume` wakes the machine, not a saved session.
 */
function machineLifecycle(f: { classes: readonly { name: string; extends?: string; members: string[] }[] }, method: string): boolean {
  const owner = classOf(method);
  if (!owner) return false;
  const cls = f.classes.find((c) => c.name === shortName(owner));
  const names = [owner, cls?.extends ?? ''].flatMap((n) => words(n));
  return names.some((w) => MACHINE_WORD.test(w)) || !!cls?.members.some((m) => /^(?:suspend|pause)$/i.test(m));
}

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });

/** Calls named for ending or removing something: their argument is not a session to continue. */
const ENDS_CALL = /^_*(?:cancel|delete|remove|clear|purge|drop|stop|abort|kill|archive)(?:_|[A-Z]|$)/;
/** Acts on a conversation that set it aside or hand it out rather than continue it: leave, close, export, rename, share, pin, rate. */
const SETS_ASIDE = /^_*(?:leave|close|exit|export|rename|share|unshare|download|pin|unpin|star|unstar|mute|hide|rate|vote)(?:_|[A-Z]|$)/;

/** What a read names when it reads the messages themselves. */
const MESSAGES_READ = /messages|history|transcript|conversation/i;

/** Options read off the parsed command line itself (`args.project`, `argv.session`), not a function's `options` parameter. */
const PARSED_ARGS = /^(?:args|argv|cli_args|parsed_args|parsedArgs|cliArgs)\./;

/** A call of a function named for loading or reopening something: `load_project`, `resumeTask`, `restore_run`. */
const LOADER_CALL = /^_*(?:load|resume|restore|reopen|continue)(?:_|[A-Z]|$)/;

/** A condition on a parsed command-line option: `args.conversations`, `options.resume`, `argv.session`. */
const CLI_OPTION = /\b(?:args|argv|options|opts|flags|cli_args|parsed_args|parsed|cliArgs|parsedArgs)\.(\w+)/;

/** An option that may reopen a session (`args.conversations`, `parsed.continue`, `opts.resume`), not one that starts afresh (`options.forceNewSession`). */
function resumeOption(cond: string, direct: boolean): boolean {
  const m = CLI_OPTION.exec(cond);
  if (!m) return false;
  const ws = words(m[1]);
  if (ws.some((w) => /^(?:new|force|clear|reset|delete|fresh|list)$/.test(w))) return false;
  // Right above the loader's call, any option (`if args.pick:`); further up, one named for what it reopens.
  return direct || ws.some((w) => /^(?:resume|continue|restore|load|conversations?|chats?|history|threads?|sessions?)$/.test(w));
}

/**
 * A command-line option that opens the loader: the call of the function that reads the saved
 * session sits right under `if args.<option>:` (whatever the option is called).
 */
function cliEntries(ctx: RuleContext, loads: PersistOp[]): Entry[] {
  const out: Entry[] = [];
  for (const o of loads.slice(0, 10)) {
    // Up the loader's callers (at most three levels): `if (parsed.continue) return SessionManager.continueRecent(…)`
    // → `loadEntriesFromFile` → readFile.
    const own = commandParamEntry(ctx, o.call, o);
    if (own) {
      out.push(own);
      continue;
    }
    const found = upCallers(ctx, o.call.fn, 3, 60, (depth) => depth > 0, (c, depth) => {
      // A call that ends or removes what it is given (`cancelSubagent(args.thread_id)`) reopens nothing.
      if (ENDS_CALL.test(c.name)) return 'skip';
      const cmd = commandParamEntry(ctx, c, o);
      if (cmd) return cmd;
      const g = ctx.file(c.file)?.guards.find((x) => x.fn === c.fn && x.line <= c.line && x.line >= c.line - 3 && resumeOption(x.cond, depth === 0));
      if (g) return { file: c.file, line: g.line, what: `the option ${CLI_OPTION.exec(g.cond)![0]} (it calls ${c.callee}, which loads a saved conversation)`, load: o };
      // The option's value handed to the loader: `load_project(sm, args.project, args.branch)`, `resume(opts.session)`.
      // A value, not a method called on the options (`options.toSessionOptions()`); any option of the parsed
      // command line when the callee is named for loading, else one named for what it reopens.
      const passed = c.args.map((a) => CLI_OPTION.exec(a)).find((m) => !!m && m.input[m.index + m[0].length] !== '(');
      // A tool's `execute(args, ctx)` receives the model's arguments, not the command line.
      if (passed && shortName(c.fn) === 'execute' && /^args\./.test(passed[0])) return 'skip';
      if (passed && resumeOption(passed[0], LOADER_CALL.test(c.name) && PARSED_ARGS.test(passed[0]))) {
        return { file: c.file, line: c.line, what: `the option ${passed[0]} (passed to ${c.callee}, which loads the saved ${o.subject === 'state' ? 'state' : 'conversation'})`, load: o, option: passed[1] };
      }
      return undefined;
    });
    if (found) out.push(found);
  }
  return out;
}

/**
 * Up the callers of `start`, linked by name: at most `depth` levels and about `budget` functions, skipping anonymous
 * and top-level code, names defined more than three times and, where `generic(level)` says so, generic names
 * (`run`, `handle`). `visit` judges each call: the entry it proves, `'skip'` (not followed further up), or undefined
 * (its function is followed). The first entry found, if any.
 */
function upCallers(
  ctx: RuleContext,
  start: string,
  depth: number,
  budget: number,
  generic: (level: number) => boolean,
  visit: (c: ReturnType<typeof callersOf>[number], level: number, callee: string) => Entry | 'skip' | undefined,
): Entry | undefined {
  let frontier = [start];
  const seen = new Set<string>();
  for (let level = 0; level < depth && frontier.length > 0; level++) {
    const next: string[] = [];
    for (const name of frontier) {
      const fn = shortName(name);
      if (seen.has(name) || /^(<anon>|<top>)$/.test(fn) || ctx.functionsNamed(fn).length > 3 || (generic(level) && GENERIC.has(fn))) continue;
      seen.add(name);
      for (const c of callersOf(ctx, name)) {
        const v = visit(c, level, name);
        if (v === 'skip') continue;
        if (v) return v;
        if (seen.size + next.length < budget) next.push(c.fn);
      }
    }
    frontier = next;
  }
  return undefined;
}

/** A parameter named for reopening a saved run: `resume`, `continue_from`, `restore_session`, `session_file`. */
const RESUME_PARAM = /^(?:resume|continue|restore|reopen|load)$/;

/**
 * A command's own parameter that opens the loader: the call sits under `if resume:` in a function registered as a
 * command-line command by its decorator (Typer / Click `@app.command() def loop(resume: Optional[str] = None)`), whose
 * parameters are the command's options. The call is the load itself or a call of the function that makes it.
 */
function commandParamEntry(ctx: RuleContext, c: { file: string; fn: string; line: number }, o: PersistOp): Entry | undefined {
  if (!cliCommandFn(ctx, c.file, c.fn)) return undefined;
  const def = ctx.functionsNamed(shortName(c.fn)).find((d) => d.file === c.file && d.name === c.fn);
  const params = new Set((def?.params ?? []).map(paramName));
  const flag = (ctx.file(c.file)?.flagIfs ?? []).find((b) => {
    if (b.fn !== c.fn || b.line > c.line || c.line > b.end) return false;
    const name = b.cond.replace(/^(?:!\s*|not\s+)/, '');
    return b.cond === name && params.has(name) && words(name).some((w) => RESUME_PARAM.test(w));
  });
  return flag ? { file: c.file, line: flag.line, what: `the option ${flag.cond} (the command ${c.fn} reads back the saved ${o.subject === 'state' ? 'state' : 'conversation'} under \`if ${flag.cond}:\`)`, load: o, option: flag.cond } : undefined;
}

/** Router hooks that read the current URL's parameters: React Router / Remix, Next.js, nuqs. */
const URL_PARAMS = new Set(['useParams', 'useLoaderData', 'useSearchParams', 'useQueryState']);

/** The function reads the page URL's parameters through a router hook. */
function urlParamsRead(ctx: RuleContext, file: string, fn: string): boolean {
  return ctx.callsIn(file, fn).some((c) => URL_PARAMS.has(c.name));
}

/**
 * The call's function, or a component it is nested in, reads the page URL's parameters: a React component calls
 * `useParams()` at its top and loads the saved conversation in a function it defines (`const fetchMessages = async () =>
 * getMessages(params.chatId)`, run from an effect), since hooks may only be called at a component's top level.
 */
function urlParamsReadAround(ctx: RuleContext, call: { file: string; fn: string; line: number }): boolean {
  if (urlParamsRead(ctx, call.file, call.fn)) return true;
  const fns = ctx.file(call.file)?.functions ?? [];
  const own = fns.filter((f) => f.name === call.fn && f.line <= call.line && call.line <= f.end).sort((a, b) => b.line - a.line)[0];
  if (!own) return false;
  return fns.some((f) => f !== own && f.line < own.line && f.end >= own.end && f.name !== own.name && urlParamsRead(ctx, call.file, f.name));
}

/** An id passed on as a name or read off one (`chatId`, `params.chatid as string`, `params?.id`). */
const ID_ARG = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*(?:\s+as\s+\w+)?$/;

/** A web route with a dynamic segment (`app/chat/[id]/page.tsx`, `pages/c/[threadId].tsx`): the URL names the saved item. */
const DYNAMIC_ROUTE = /(?:^|\/)(?:app|pages|routes)\/(?:.*\/)?\[[^\]/]+\]/;

/** A route module of a file-system router: `route.ts`, `page.tsx`, `+page.server.ts`, or any file under `pages/`. */
const ROUTE_FILE = /(?:^|\/)(?:\+?page(?:\.server)?|route|\+server)\.[cm]?[jt]sx?$|(?:^|\/)pages\/.*\.[cm]?[jt]sx?$/;

/**
 * A route a web framework registers by decorator with an id in its path: FastAPI/Flask/aiohttp
 * `@app.get("/messages/load/{message_id}")`, `@bp.route("/chat/<chat_id>")`, NestJS `@Get(':id')`. The framework calls
 * the handler with the id from the URL, so the handler has no callers in the code.
 */
const ID_ROUTE_DECORATOR = /^(?:[\w.]+\.)?(?:get|post|put|patch|route|api_route|websocket|Get|Post|Put|Patch)\(\s*['"`][^'"`]*?(?:\{(\w+)(?::\w+)?\}|<(?:\w+:)?(\w+)>|:(\w+))/;
const ID_PARAM = /(?:^|_)id$|[a-z]Id$|^(?:session|chat|conversation|thread)s?$/i;

/** The path-parameter id of the decorated web route whose handler is `fn` in `file`, if it is one. */
function idRouteOf(ctx: RuleContext, file: string, fn: string): { param: string; method: string } | undefined {
  // A handler named for ending, leaving or handing out the conversation (`leave_conversation`, `delete_chat`,
  // `export_thread`) loads it by id to do that, not to continue it.
  if (ENDS_CALL.test(shortName(fn)) || SETS_ASIDE.test(shortName(fn))) return undefined;
  const def = ctx.file(file)?.functions.find((f) => f.name === fn);
  for (const d of def?.decorators ?? []) {
    const m = ID_ROUTE_DECORATOR.exec(d);
    const param = m ? m[1] ?? m[2] ?? m[3] : undefined;
    if (!m || !param || !ID_PARAM.test(param)) continue;
    // Flask's `route` without `methods=` (as far as the clipped text shows) answers GET.
    const verb = (/(\w+)\($/.exec(d.slice(0, d.indexOf('(') + 1))?.[1] ?? '').toLowerCase();
    return { param, method: /^(?:api_)?route$/.test(verb) ? (/POST|PUT|PATCH/.test(d) ? 'post' : 'get') : verb };
  }
  return undefined;
}

/**
 * Web apps resume by URL: a page or handler under a dynamic route segment calls the function that
 * loads the saved conversation, so opening `/chat/<id>` continues that chat.
 */
function routeEntries(ctx: RuleContext, loads: PersistOp[]): Entry[] {
  const out: Entry[] = [];
  // The first loads, and any later one that a dynamic route's own handler makes to take a new message (not a GET).
  const own = (o: PersistOp) => DYNAMIC_ROUTE.test(o.call.file) && ROUTE_FILE.test(o.call.file) && /^(?:POST|PUT|PATCH)$/.test(shortName(o.call.fn));
  for (const o of [...loads.slice(0, 10), ...loads.slice(10).filter(own).slice(0, 2), ...loads.slice(10).filter((x) => !!idRouteOf(ctx, x.call.file, x.call.fn)).slice(0, 2)]) {
    const fn = shortName(o.call.fn);
    // The load is the dynamic route's own handler (`app/api/chats/[id]/route.ts` GET, a `[chatId]/page.tsx`): it reads
    // the saved conversation named by the URL's id.
    if (DYNAMIC_ROUTE.test(o.call.file) && ROUTE_FILE.test(o.call.file) && /^(?:GET|POST|default|loader|load|<top>)$|Page$/.test(fn)) {
      out.push({ file: o.call.file, line: o.call.line, what: `the route ${o.call.file.replace(/\/[^/]+$/, '')} (its ${fn} handler loads the saved conversation by the id in the URL)`, load: o, own: true, ...(fn === 'GET' ? { view: true } : {}) });
      continue;
    }
    // The load is a decorated route's handler with the saved item's id in its path (`@app.get("/messages/load/{message_id}")`).
    const idRoute = idRouteOf(ctx, o.call.file, o.call.fn);
    if (idRoute) {
      // One entry per handler: its open and its parse are one load.
      if (out.some((e) => e.own && e.load?.call.file === o.call.file && e.load.call.fn === o.call.fn)) continue;
      out.push({ file: o.call.file, line: o.call.line, what: `the route handler ${fn} (it loads the saved conversation by the {${idRoute.param}} in its URL)`, load: o, own: true, ...(idRoute.method === 'get' ? { view: true, idView: true } : {}) });
      continue;
    }
    if (/^(<anon>|<top>)$/.test(fn) || ctx.functionsNamed(fn).length > 3) continue;
    const direct = callersOf(ctx, o.call.fn);
    const c = direct.find((k) => DYNAMIC_ROUTE.test(k.file));
    if (c) {
      out.push({ file: c.file, line: c.line, what: `the route ${c.file.replace(/\/[^/]+$/, '')} (${c.callee} loads the saved conversation by the id in the URL)`, load: o, ...(ROUTE_FILE.test(c.file) && shortName(c.fn) === 'GET' ? { view: true } : {}) });
      continue;
    }
    // Or a component that reads the id from the URL (`useLoaderData()`, `useParams()`) and passes it to the loader,
    // directly or through one function that wraps it (`getMessages(db, id)` → `getMessagesById`).
    const up = [...direct, ...direct.filter((k) => !/^(<anon>|<top>)$/.test(shortName(k.fn)) && ctx.functionsNamed(shortName(k.fn)).length <= 3).flatMap((k) => callersOf(ctx, k.fn))];
    const passesId = (k: (typeof up)[number]) => k.args.some((a) => ID_ARG.test(a) && !/^(?:db|this|self|ctx|context)(?:\.|$)/.test(a));
    // A route module under a dynamic segment (`app/chat/[thread]/page.tsx`) is handed the URL's id as its params (no
    // router hook), and passes it through a wrapper (a server action `selectThreadWithMessages(id)`) to the loader.
    const r = up.find((k) => !direct.includes(k) && DYNAMIC_ROUTE.test(k.file) && ROUTE_FILE.test(k.file) && passesId(k));
    if (r) {
      out.push({ file: r.file, line: r.line, what: `the route ${r.file.replace(/\/[^/]+$/, '')} (${r.callee}, called with the id in the URL, loads the saved conversation)`, load: o, ...(shortName(r.fn) === 'GET' ? { view: true } : {}) });
      continue;
    }
    const u = up.find((k) => passesId(k) && urlParamsReadAround(ctx, k));
    if (u) out.push({ file: u.file, line: u.line, what: `${u.fn} (it passes the id read from the page's URL to ${u.callee}, which loads the saved conversation)`, load: o });
  }
  // A handler that takes the next message for the stored conversation (POST) before one that only reads it (GET).
  return [...out.filter((e) => !e.view), ...out.filter((e) => e.view)];
}

/** A parameter or argument naming a saved conversation's id: `conversation_id`, `sessionId`, `request.chat_id`, `thread_id`. */
const SESSION_ID = /^(?:[\w$]+\.)*(?:conversation|session|chat|thread)_?id$/i;
/** Callers named for ending, listing or exporting: their id is not a session to continue. */
const NOT_CONTINUE = /^_*(?:delete|remove|clear|purge|drop|list|export|download|archive|rename|share|cancel|stop|fork|clone|copy|duplicate)(?:_|[A-Z]|$)/i;
/** A callee named for writing: it reads the stored record only to change it (`updateRequestDetails`), it loads nothing to continue. */
const WRITE_CALLEE = /^_*(?:update|save|set|write|append|add|record|put|persist|store|upsert|insert|mark|touch|patch)(?:_|[A-Z]|$)/i;

/**
 * A server harness resumes by id: the request names a saved conversation (`conversation_id`, `sessionId`) and the
 * handler hands it to the store's loader before running the turn, so the next message continues that conversation.
 * Found by following the loader's callers (at most two levels) out of the store's own file, to a function that takes
 * the id as a parameter and passes it on: the id comes from outside (a request, a caller), not from the store.
 */
function idEntries(ctx: RuleContext, loads: PersistOp[]): Entry[] {
  const out: Entry[] = [];
  if (loads.length === 0) return out;
  // The turn goes on and is saved: the function handing on the id also calls the session's writer (or a function that
  // calls it). A view that only prints or exports the stored messages continues nothing.
  const writers = new Set<string>();
  for (const o of harnessPersistOps(ctx)) {
    // A commit of the conversation's rows counts (`row = await sess.get(ConversationRow, id); row.messages = …; await sess.commit()`).
    if (o.subject !== 'session' || (o.kind !== 'write' && o.kind !== 'append' && o.kind !== 'db-write' && o.kind !== 'transaction')) continue;
    const fn = shortName(o.call.fn);
    if (/^(<anon>|<top>)$/.test(fn)) continue;
    writers.add(fn);
    for (const c of callersOf(ctx, o.call.fn).slice(0, 10)) if (!/^(<anon>|<top>)$/.test(shortName(c.fn))) writers.add(shortName(c.fn));
  }
  const continues = (c: { file: string; fn: string }) => ctx.callsIn(c.file, c.fn).some((k) => writers.has(k.name));
  for (const o of loads.slice(0, 6)) {
    const found = upCallers(ctx, o.call.fn, 2, 40, () => true, (c, _level, callee) => {
      if (c.fn === callee || NOT_CONTINUE.test(shortName(c.fn)) || NOT_CONTINUE.test(c.name) || WRITE_CALLEE.test(c.name)) return 'skip';
      const id = c.args.map((a) => a.replace(/^\w+\s*=\s*/, '').trim()).find((a) => SESSION_ID.test(a));
      const param = id?.split('.')[0];
      const own = param ? ctx.functionsNamed(shortName(c.fn)).find((d) => d.file === c.file && d.name === c.fn && d.line <= c.line && c.line <= d.end) : undefined;
      if (id && c.file !== o.call.file && continues(c) && own?.params.some((p) => p.replace(/[:=?].*$/, '').trim() === param)) {
        return { file: c.file, line: c.line, what: `${c.fn} (it passes the ${id} it is given to ${c.callee}, which loads that saved conversation)`, load: o, byId: true };
      }
      return undefined;
    });
    if (found) out.push(found);
  }
  return out;
}

/** A call that fetches a stored item by what it is given: `getChat(auth, sessionID)`, `load_session(id)`, `store.find(threadId)`. */
const GETTER_CALL = /^_*(?:get|load|read|fetch|find|lookup|restore|open|hydrate|deserialize|from)(?:_|[A-Z]|$)/;

/**
 * A resume entry point that loads the session it is given by id: a function named for reopening a session
 * (`restoreSession(sessionID)`, `resume_chat(chat_id)`, `switchThread(threadId)`) takes the session's id and hands it to
 * the call that fetches the saved conversation (`chatHistory.getChat(auth, sessionID)`), and the harness calls it. The
 * store may be one the audit does not see as a file or a database (an editor's storage API, a remote service): the
 * entry itself shows a saved session selected by id and reopened.
 */
function idRestores(ctx: RuleContext): { fn: { file: string; line: number; name: string }; load: { file: string; line: number; callee: string; id: string }; caller: string } | undefined {
  return ctx.memo('persistence:id-restores', () => {
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (!ENTRY_FN.test(short) || /^resume$/i.test(short)) continue;
        const param = fn.params.map((p) => p.replace(/[:=?].*$/, '').trim()).find((p) => SESSION_ID.test(p));
        if (!param) continue;
        const word = new RegExp(`(?:^|[^\\w.$])${param.replace(/\$/g, '\\$')}(?:$|[^\\w$])`);
        const load = ctx.callsIn(f.path, fn.name).find((c) => c.line > fn.line && GETTER_CALL.test(c.name) && !ENDS_CALL.test(c.name) && c.args.some((a) => word.test(a)));
        if (!load) continue;
        const caller = ctx.callsNamed(short).find((c) => c.fn !== fn.name && !offPathUi(ctx, c.file));
        if (!caller) continue;
        return { fn: { file: f.path, line: fn.line, name: fn.name }, load: { file: load.file, line: load.line, callee: load.callee, id: param }, caller: caller.fn };
      }
    }
    return undefined;
  });
}

/** The run entry points of an agent library's agent class: `Agent.run(…)`, `run_sync`, `run_stream`, `iter`, `invoke`. */
const RUN_METHOD = /^(?:run|run_sync|run_stream|arun|iter|invoke|ainvoke|stream|astream|chat|achat)$/;
/** A parameter that takes the messages of an earlier run. */
const HISTORY_PARAM = /^(?:message_history|messages|history|chat_history)$/;
/** A pydantic TypeAdapter over a list of messages: `TypeAdapter(list[ModelMessage], …)`. */
const MESSAGES_ADAPTER = /^(?:list|List|Sequence|tuple)\[\s*(?:[\w.]+\.)?(\w*Message)\s*\]/;

/**
 * An agent library that resumes a conversation through its API: it ships a serialiser for its message-list type (a
 * module-level pydantic `TypeAdapter(list[Message])`, whose `dump_json`/`validate_json` save and reload a history),
 * and its agent class's run entry point takes the earlier messages (`run(prompt, message_history=…)`) and hands them on
 * to the loop, so a reloaded history continues the conversation. The library form of the Agents SDK's
 * `RunState.fromString` + `Runner.run(state)`: the caller stores the history, the library reloads and continues it.
 * The entry point's module imports the serialiser's module (or is it), so they concern the same message type.
 */
function historyResumes(ctx: RuleContext): { adapter: { file: string; line: number; what: string }; entry: { file: string; line: number; what: string } } | undefined {
  return ctx.memo('persistence:history-resumes', () => {
    const adapters = ctx.callsNamed('TypeAdapter').filter((c) => c.file.endsWith('.py') && c.fn === '<top>' && MESSAGES_ADAPTER.test(c.args[0] ?? ''));
    if (adapters.length === 0) return undefined;
    const modules = new Map(adapters.map((a) => [a.file.replace(/\.py$/, '').replace(/\/__init__$/, '').split('/').pop()!, a]));
    for (const f of ctx.source) {
      if (!f.path.endsWith('.py')) continue;
      const own = adapters.find((a) => a.file === f.path);
      const imported = own ?? [...modules].find(([m]) => f.imports.some((i) => i.from.split('.').pop() === m || i.names.includes(m)))?.[1];
      if (!imported) continue;
      for (const fn of f.functions) {
        if (!fn.name.includes('.') || !RUN_METHOD.test(shortName(fn.name))) continue;
        const param = fn.params.find((p) => HISTORY_PARAM.test(p));
        if (!param) continue;
        // The history is handed on (`message_history=message_history`, `self._run(prompt, messages)`), not just accepted.
        const word = new RegExp(`(?:^|[^\\w.])${param}(?:$|[^\\w])`);
        if (!ctx.callsIn(f.path, fn.name).some((c) => c.args.some((a) => word.test(a)))) continue;
        const bound = (ctx.file(imported.file)?.binds ?? []).find((b) => b.fn === '<top>' && b.line <= imported.line && imported.line - b.line <= 2 && /TypeAdapter\(/.test(b.value));
        return {
          adapter: { file: imported.file, line: imported.line, what: `${bound ? `${bound.name} = ` : ''}${imported.callee}(${(imported.args[0] ?? '').slice(0, 40)})` },
          entry: { file: f.path, line: fn.line, what: `${fn.name}(${param}=…)` },
        };
      }
    }
    return undefined;
  });
}

/** A class method that rebuilds a saved object: `Team.deserialize(path)`, `RDLoop.load(path)`, `Session.restore(file)`. */
const RESTORE_CALL = /^(?:await\s+)?([A-Z]\w*)\.(load|deserialize|restore|resume|from_checkpoint|fromCheckpoint|load_checkpoint|loadCheckpoint|from_snapshot|fromSnapshot|load_state|loadState|from_state|fromState|load_session|loadSession)\(/;
/** Words of a configuration or definition, not of a saved run. */
const CONFIG_WORD = /^(?:config|configs|cfg|conf|settings|setting|options|profile|profiles|template|templates|spec|specs|yaml|yml|toml|definition|manifest|preset|presets|prompt|prompts|model|models|weights)$/;
/** What the restored object is then asked to do: run on. */
const RUN_ON = /^(?:a?run|start|execute|invoke|resume|continue|kickoff|loop|chat|step)(?:_|[A-Z]|$)/;

/**
 * A run that starts fresh or from a saved one: the same name is bound to a new instance of a harness class (`company =
 * Team(context=ctx)`) or, from a path or option the caller hands in, to the class's own loader (`company =
 * Team.deserialize(stg_path=Path(recover_path))`, `loop = DataScienceRDLoop.load(path)`), and the object is then run
 * (`company.run(…)`). The loader is defined in the harness (on the class or a base it extends); the function is wired
 * (called, a command, or handed to a CLI runner such as `fire.Fire(main)`).
 */
function freshOrRestored(ctx: RuleContext): { load: { file: string; line: number; text: string }; fresh: { line: number }; def: { file: string; line: number; name: string }; fn: string; source: string; run: string } | undefined {
  for (const f of ctx.source) {
    for (const b of f.binds ?? []) {
      if (b.fn === '<top>' || !b.value.includes('.')) continue;
      const m = RESTORE_CALL.exec(b.value);
      if (!m) continue;
      const [, cls, method] = m;
      const def = methodOf(ctx, cls, method)[0];
      if (!def) continue;
      const fresh = (f.binds ?? []).find((x) => x.fn === b.fn && x.name === b.name && x !== b && new RegExp(`^(?:await\\s+)?(?:new\\s+)?${cls}\\s*\\(`).test(x.value));
      if (!fresh) continue;
      const run = f.calls.find((c) => c.fn === b.fn && c.line >= b.line && c.callee.startsWith(`${b.name}.`) && RUN_ON.test(c.name));
      if (!run) continue;
      // The loader is handed what the caller chose: a parameter of the function, an option, or a name bound from one.
      const fnDef = f.functions.find((d) => d.name === b.fn);
      const params = (fnDef?.params ?? []).map(paramName).filter((p) => /^[A-Za-z_]\w*$/.test(p) && p !== 'self' && p !== 'cls');
      const mentions = (t: string) => params.find((p) => new RegExp(`(?<![\\w.])${p}(?![\\w])`).test(t)) ?? CLI_OPTION.exec(t)?.[0];
      // Keyword names (`stg_path=…`, `context=ctx`) are not what is handed over.
      const args = b.value.slice(m[0].length).replace(/\b[A-Za-z_]\w*\s*=(?!=)/g, '');
      let source = mentions(args);
      if (!source) {
        const local = (f.binds ?? []).find((x) => x.fn === b.fn && x.line < b.line && /^[A-Za-z_]\w*$/.test(x.name) && new RegExp(`(?<![\\w.])${x.name}(?![\\w])`).test(args) && !!mentions(x.value));
        source = local ? mentions(local.value) : undefined;
      }
      // A configuration or a definition loaded to build the object (`Agent.load(config_path)`, `Crew.load(yaml_file)`) starts a new run.
      if (!source || [cls, source].some((n) => words(n).some((w) => CONFIG_WORD.test(w)))) continue;
      const wired = callersOf(ctx, b.fn).length > 0 || cliCommandFn(ctx, f.path, b.fn) || passedByReference(ctx, b.fn);
      if (!wired) continue;
      return { load: { file: f.path, line: b.line, text: `${cls}.${method}` }, fresh, def: { file: def.file, line: def.line, name: def.name }, fn: b.fn, source, run: run.callee };
    }
  }
  return undefined;
}

/** Modules only page code imports (a UI framework, a client-state store): a read there is the page's, not a server's. */
const PAGE_MODULE = /^(?:react|react-dom|vue|svelte|solid-js|preact|zustand|jotai|pinia|redux|@reduxjs\/toolkit|next\/(?:navigation|router|link))(?:\/|$)/;
/** The page's own storage (web storage, an IndexedDB store): not a database of the server. */
const WEB_STORAGE_CALL = /(?:localStorage|sessionStorage|indexedDB|getItem)\b/;

/** React hooks that hold a component's state, whose function argument computes the first value (`useState(() => …)`). */
const STATE_HOOK = /^(?:useState|useReducer|useSyncExternalStore|useLocalStorage|useMemo)$/;
/** Hooks that open a new callback or effect scope: a read after one of these belongs to it, not to a state initialiser above. */
const SCOPE_HOOK = /^(?:useState|useReducer|useMemo|useCallback|useEffect|useLayoutEffect|useRef|useSyncExternalStore)$/;
/** An option of a chat hook that seeds it with an earlier conversation (AI SDK `useChat({ initialMessages })`, `initialHistory`). */
const SEED_KEY = /^initial_?(?:messages|history|conversation|chat|thread)s?$/i;

/**
 * A page's chat restored from its own web storage when it mounts: the saved messages are read from `localStorage` /
 * IndexedDB in a React hook or component (`use…`, a component) and become the first value of its state
 * (`useState(() => JSON.parse(localStorage.getItem(key)))`), or a component that calls the reading hook seeds its chat
 * hook with them (`useChat({ initialMessages })`). The next message goes out with that history, so reopening the app
 * continues the saved conversation: a resume without a flag, as a store persisted by zustand's middleware is.
 */
function hydrations(ctx: RuleContext, reads: readonly PersistOp[]): Entry[] {
  const out: Entry[] = [];
  for (const o of reads) {
    if (o.kind !== 'db-read' || !WEB_STORAGE_CALL.test(o.call.callee)) continue;
    const { file, fn, line } = o.call;
    const short = shortName(fn);
    if (/^(<anon>|<top>)$/.test(short)) continue;
    // The read is the initialiser of a state hook: the nearest hook call above it in the function is `useState(() => …)`.
    const hooks = ctx.callsIn(file, fn).filter((c) => c.line <= line && SCOPE_HOOK.test(c.name)).sort((a, b) => b.line - a.line);
    const init = hooks[0] && STATE_HOOK.test(hooks[0].name) && /^(?:\(\s*\)|async\s*\(\s*\))\s*=>|^function\b/.test(hooks[0].args[0] ?? '') && line - hooks[0].line <= 12 ? hooks[0] : undefined;
    if (init) {
      out.push({ file: init.file, line: init.line, what: `${init.callee}(() => …) in ${fn} (its first value is the conversation ${o.call.callee}(${o.call.args[0] ?? ''}) reads back when the page opens)`, load: o, hydrate: true });
      continue;
    }
    // Or a component calling the reading hook seeds its chat hook with what the hook loaded: `useChat({ initialMessages })`.
    if (!/^use[A-Z]/.test(short) || ctx.functionsNamed(short).length > 2) continue;
    for (const c of callersOf(ctx, fn).slice(0, 6)) {
      const seed = (ctx.file(c.file)?.objects ?? []).find((x) => x.fn === c.fn && x.ctx.startsWith('arg:') && x.keys.some((k) => SEED_KEY.test(k)));
      if (!seed) continue;
      const key = seed.keys.find((k) => SEED_KEY.test(k))!;
      out.push({ file: c.file, line: seed.line, what: `${seed.ctx.slice(4)}({ ${key} }) in ${c.fn} (seeded with the conversation ${short} reads back from ${o.call.callee}(${o.call.args[0] ?? ''}))`, load: o, hydrate: true });
      break;
    }
  }
  return out;
}

export default defineRule({
  id: 'persistence.resume',
  principle: 'persistence',
  title: 'A saved session can be resumed',
  rationale:
    'Long agent runs get interrupted; loading a saved session and continuing it saves the tokens and time already spent and lets a user pick up where they left off.',
  remediation:
    'Build a session loader that reads the saved transcript back into the agent state and wire it to a --resume/--continue flag or a /resume command, as in the exemplar session module.',
  exemplar: 'src/reference-harness/persistence/session.ts',
  detect(ctx) {
    const platform = platformCheckpointer(ctx);
    // A run started by a web front end that does not run the agent starts a thread it made itself: not a resume.
    const runs = platform ? threadRuns(ctx).filter((c) => !offPathUi(ctx, c.file)) : [];
    if (platform && runs.length > 0) {
      return {
        level: 'present',
        reason: `runs are started on existing LangGraph threads (${runs[0].callee} in ${runs[0].fn}), which continue from the thread's checkpointed state`,
        evidence: [
          { file: runs[0].file, line: runs[0].line, reason: `${runs[0].callee}(${runs[0].args[0]}) continues a saved thread` },
          { file: platform.file, line: platform.line, reason: platform.what },
        ],
        confidence: 'high',
      };
    }
    const store = mastraThreadStore(ctx);
    const opens = store ? mastraThreadOpens(ctx) : [];
    if (store && opens.length > 0) {
      return {
        level: 'present',
        reason: `threads are stored by Mastra Memory in ${store.callee.replace(/^new /, '')}, and ${opens[0].callee} in ${opens[0].fn} reopens a stored thread by id so the conversation continues`,
        evidence: [
          { file: opens[0].file, line: opens[0].line, reason: `${opens[0].callee}(${opens[0].args[0] ?? ''}) opens a saved thread` },
          { file: store.file, line: store.line, reason: `${store.callee}() is the Memory storage that keeps the threads` },
        ],
        confidence: 'high',
      };
    }
    const restores = runStateRestores(ctx);
    if (restores.length > 0) {
      const r = restores[0];
      return {
        level: 'present',
        reason: `${r.callee} in ${r.fn} rebuilds a serialised Agents SDK run (its items, approvals and completed tool calls) so the run continues from it`,
        evidence: [{ file: r.file, line: r.line, reason: `${r.callee}(${r.args.slice(0, 2).join(', ')}) restores a saved run` }],
        confidence: 'high',
      };
    }
    // Sessions kept in a client store that its library persists (jotai atomWithStorage, zustand persist, redux-persist)
    // are read back from storage when the app starts; the stored sessions are reopened and the next message continues one.
    const client = sessionClientStore(ctx, (f) => offPathUi(ctx, f));
    // A zustand store is read through its hook by any page; where the harness itself loads a stored session back into
    // the conversation it sends (a server route reading the session's rows), that load is the resume, not the page's store.
    const pageCode = (file: string) => !!ctx.file(file)?.imports.some((i) => PAGE_MODULE.test(i.from));
    const serverLoad = () =>
      harnessPersistOps(ctx).some((o) => o.subject === 'session' && o.kind === 'db-read' && !WEB_STORAGE_CALL.test(o.call.callee) && !pageCode(o.call.file) && (!!conversationLink(ctx, o) || callersOf(ctx, o.call.fn).length > 0));
    if (client?.read && !(client.store.api === 'persist' && serverLoad())) {
      const { store, read } = client;
      const key = store.keyValue !== undefined ? `'${store.keyValue}'` : store.key;
      return {
        level: 'present',
        reason: `the sessions are kept in a store persisted by ${store.via ? `zustand's persist middleware (applied by the store factory ${store.via})` : store.api} under the key ${key}, which its library reads back from storage when the app starts; ${read.callee}(${(read.args[0] ?? '').length > 40 ? '…' : read.args[0] ?? ''}) in ${read.fn} reopens the stored sessions, so a saved conversation continues`,
        evidence: [
          { file: store.call.file, line: store.call.line, reason: `${store.via ?? store.api}(…, { name: ${store.key} }) restores the saved sessions from storage at start` },
          { file: read.file, line: read.line, reason: `${read.callee}(${(read.args[0] ?? '').length > 40 ? '…' : read.args[0] ?? ''}) reads the restored sessions` },
        ],
        confidence: 'low',
      };
    }
    // A read in a web front end that does not run the agent (its saved settings or prompt history) loads no session.
    // A row read inside the function that writes the session (`append_event` getting the session row to check it is not
    // stale before adding the event) is part of a save, not a load of a saved session.
    const all = harnessPersistOps(ctx);
    const saving = new Set(all.filter((o) => o.kind === 'db-write' && o.subject === 'session').map((o) => `${o.call.file}#${o.call.fn}`));
    // A dynamic route's handler (`routes/chat/[id]/+server.ts` POST) loads the conversation its URL names and then saves
    // the turn it adds: its read is the load of the saved conversation, though the same handler writes it.
    const routeLoad = (o: PersistOp) => DYNAMIC_ROUTE.test(o.call.file) && ROUTE_FILE.test(o.call.file);
    // A read whose result is bound straight into the loop's message list (`history = json.load(f)`) reloads the
    // conversation, whatever its path is named for.
    // A page's read of its own web storage (`localStorage.getItem(key)`) is no row checked before a write, though the hook
    // that holds the chat also saves it.
    const read = all.filter((o) => (o.subject === 'session' || (o.subject === 'other' && o.kind === 'read' && readIntoConversation(ctx, o))) && (o.kind === 'read' || (o.kind === 'db-read' && (!saving.has(`${o.call.file}#${o.call.fn}`) || routeLoad(o) || WEB_STORAGE_CALL.test(o.call.callee)))));
    // Reads whose data is put back into the message list the agent loop sends to the model come first, before reads
    // judged the session by their names alone (a prompt's input history, a draft).
    const fed = read.filter((o) => conversationLink(ctx, o));
    // A read inside a delete (`deleteAllChats` selecting what to remove, a private `_delete_agent_impl`) loads nothing back.
    const erasing = (o: PersistOp) => /^_*(delete|remove|clear|purge|drop)/i.test(shortName(o.call.fn));
    const loads = [...fed, ...read.filter((o) => !fed.includes(o))].filter((o) => !erasing(o));
    const isFed = (o: PersistOp) => !!conversationLink(ctx, o);
    // The clearest evidence first: a loader named for what it loads (`loadSession`, `Transcript.load`).
    // Judged once per load, not in every comparison of the sort.
    const namedOf = new Map<PersistOp, number>();
    const named = (o: PersistOp) => {
      let v = namedOf.get(o);
      if (v === undefined) {
        v =
          (/(load|restore|resume|read|open|hydrate|get)/i.test(o.call.fn) ? 0 : 1) +
          (/(transcript|history|conversation|messages)/i.test(o.call.fn) ? 0 : /(session|chat|thread)/i.test(o.call.fn) ? 1 : 2);
        namedOf.set(o, v);
      }
      return v;
    };
    const wiredLoads = loads
      .filter((o) => /^(<anon>|<top>|GET|POST)$/.test(shortName(o.call.fn)) || callersOf(ctx, o.call.fn).length > 0 || cliCommandFn(ctx, o.call.file, o.call.fn))
      // Then a read of the messages before one of the session's record (`messages` before `chats`).
      .sort((a, b) => Number(!isFed(a)) - Number(!isFed(b)) || named(a) - named(b) || Number(!MESSAGES_READ.test(a.text)) - Number(!MESSAGES_READ.test(b.text)));
    // Entries of the harness before those of a web front end that does not run the agent; the front end's alone
    // (a page's '/sessions' route string, its navigation) reopen nothing in the harness.
    // A decorated route's handler with an id in its path is called by the framework (no callers in the code): its
    // reads are wired, after those reached from code.
    wiredLoads.push(...loads.filter((o) => !wiredLoads.includes(o) && !!idRouteOf(ctx, o.call.file, o.call.fn)));
    const routes = routeEntries(ctx, wiredLoads);
    const allEntries = [...routes.filter((e) => !e.idView), ...cliEntries(ctx, wiredLoads), ...idEntries(ctx, wiredLoads), ...hydrations(ctx, wiredLoads.slice(0, 10)), ...entries(ctx), ...routes.filter((e) => e.idView)];
    const entry = [...allEntries.filter((e) => !offPathUi(ctx, e.file)), ...allEntries.filter((e) => !!e.load && offPathUi(ctx, e.file))];
    if (wiredLoads.length > 0 && entry.length > 0) {
      const first = entry[0].load;
      if (first) wiredLoads.splice(wiredLoads.indexOf(first), 1), wiredLoads.unshift(first);
      const load = at(wiredLoads[0], `${wiredLoads[0].call.callee}(${wiredLoads[0].call.args[0] ?? ''}) loads the saved session`);
      const selects = { file: entry[0].file, line: entry[0].line, reason: `${entry[0].what} selects a session to continue` };
      // An option handed to the loader: its declaration (`.option('resume', …)`) is where the user selects it, before the use.
      const opt = entry[0].option ? words(entry[0].option).join('-') : '';
      const decl = opt ? entry.find((e) => !e.load && words(e.what).join('-').includes(opt)) : undefined;
      if (decl) {
        return {
          level: 'present',
          reason: `a saved session is read back by ${wiredLoads[0].call.fn} and selected through ${decl.what}, whose value ${entry[0].what.replace(/^the option /, '')}`,
          evidence: [{ file: decl.file, line: decl.line, reason: `${decl.what} declares the option that selects a session to continue` }, selects, load],
          confidence: 'high',
        };
      }
      return {
        level: 'present',
        reason: `a saved session is read back by ${wiredLoads[0].call.fn} and selected through ${entry[0].what}`,
        // An entry reached from the loader (a dynamic route or an option guard calling it) is where a
        // saved session is opened and continued: it comes first. An entry found apart from the load comes after it.
        evidence: [
          ...(first ? [selects, load] : [load, selects]),
          ...entry.slice(1, 2).map((e) => ({ file: e.file, line: e.line, reason: `${e.what} resumes a session` })),
        ],
        // The entry was found by following the loader's callers to an option guard or a dynamic route: a call path.
        confidence: first && !entry[0].own && !entry[0].view && !entry[0].byId && !entry[0].hydrate ? 'high' : 'low',
      };
    }
    // Saved workflow state (a project's or task's state row or file) reopened from the command line: the option is
    // found by following the state loader's callers, so the run continues from the saved state.
    const stateLoads = harnessPersistOps(ctx).filter((o) => o.subject === 'state' && (o.kind === 'read' || o.kind === 'db-read') && callersOf(ctx, o.call.fn).length > 0);
    const stateEntry = stateLoads.length > 0 ? cliEntries(ctx, stateLoads)[0] : undefined;
    if (stateEntry?.load) {
      const l = stateEntry.load;
      return {
        level: 'present',
        reason: `the saved workflow state is read back by ${l.call.fn} and reopened through ${stateEntry.what}`,
        evidence: [
          { file: stateEntry.file, line: stateEntry.line, reason: `${stateEntry.what} selects the saved state to continue` },
          at(l, `${l.call.callee}() in ${l.call.fn} loads the saved state`),
        ],
      };
    }
    const byId = idRestores(ctx);
    if (byId) {
      return {
        level: 'present',
        reason: `${byId.fn.name}(${byId.load.id}) reopens a saved session by its id: it fetches the stored conversation with ${byId.load.callee}, and ${byId.caller} calls it`,
        evidence: [
          { file: byId.load.file, line: byId.load.line, reason: `${byId.load.callee}(…${byId.load.id}…) fetches the saved conversation the id names` },
          { file: byId.fn.file, line: byId.fn.line, reason: `${byId.fn.name}(${byId.load.id}) is the entry that reopens a saved session` },
        ],
        confidence: 'low',
      };
    }
    const lib = historyResumes(ctx);
    if (lib) {
      return {
        level: 'present',
        reason: `the library's run entry point ${lib.entry.what} continues from an earlier run's messages, and it ships ${lib.adapter.what} to serialise that history and load it back, so a saved conversation is resumed by passing it to the next run`,
        evidence: [
          { file: lib.entry.file, line: lib.entry.line, reason: `${lib.entry.what} seeds the run with the earlier messages` },
          { file: lib.adapter.file, line: lib.adapter.line, reason: `${lib.adapter.what} serialises the message history and validates it back` },
        ],
        confidence: 'low',
      };
    }
    const restored = freshOrRestored(ctx);
    if (restored) {
      const r = restored;
      return {
        level: 'present',
        reason: `${r.fn} starts a fresh run or, given ${r.source}, rebuilds a saved one with ${r.load.text} and runs it on (${r.run}), so a saved run continues`,
        evidence: [
          { file: r.load.file, line: r.load.line, reason: `${r.load.text}(…) restores the saved run from ${r.source} instead of starting a new one (line ${r.fresh.line})` },
          { file: r.def.file, line: r.def.line, reason: `${r.def.name} loads the saved run` },
        ],
        confidence: 'low',
      };
    }
    if (wiredLoads.length > 0 || loads.length > 0) {
      const o = wiredLoads[0] ?? loads[0];
      return {
        level: 'partial',
        reason: `the session file is read by ${o.call.fn}, but no resume/continue flag or command selects a saved session to continue`,
        evidence: [at(o, `${o.call.callee}() in ${o.call.fn} reads the saved conversation`)],
      };
    }
    if (entry.length > 0) {
      return {
        level: 'partial',
        reason: `${entry[0].what} refers to resuming, but the harness never reads a saved session back itself`,
        evidence: entry.slice(0, 2).map((e) => ({ file: e.file, line: e.line, reason: `${e.what} mentions resuming a session` })),
      };
    }
    const optIn = optInCheckpointer(ctx);
    if (optIn) {
      return {
        level: 'partial',
        reason: `a run on the same thread continues from the framework's checkpoint, but only when the caller supplies a durable checkpointer; by default it is in memory or absent (${optIn.file}:${optIn.line})`,
        evidence: [optIn],
      };
    }
    return { level: 'absent', reason: 'no saved session is ever read back, and no resume/continue entry point exists; each run starts empty', evidence: [], confidence: writesNothing(ctx) ? 'high' : 'low' };
  },
});
