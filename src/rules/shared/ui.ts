/**
 * User-interface code off the agent's path. A web front end kept as its own package (a React / Vue /
 * Svelte app beside a server or a library that runs the agent) shows the agent, picks tools for
 * display, keeps its own preferences and drafts in the browser, and talks to the agent over HTTP or a
 * socket: its `tools.find((t) => t.name === selected)`, its `localStorage` settings and its
 * auto-approve list are the page's, not the harness's registry, session or hints. Where the page runs
 * the loop itself (a `while (true)` over the model in the page, a browser-extension agent, a page
 * importing the agent module and running it), its code is the harness and stays evidence.
 */
import { folderOf, type RuleContext } from '../context.js';
import { webFrontends } from './agents.js';
import { agentLoops, modelCalls } from './loop.js';
import { agentFrameworkUse } from '../registry/mechanisms.js';
import { resolveImportFile } from './imports.js';
import { persistOps, type PersistOp } from './persist.js';

/**
 * Folders of web front-end packages that do not run the agent: a package (not the root) whose
 * manifest depends on a web UI framework, that holds no agent loop, is not a command-line program
 * (no `bin`: a terminal UI rendered with React runs its agent), and whose files import neither a
 * module of the harness that holds an agent loop nor a workspace package that does. Empty when the
 * repo has no agent loop at all (nothing says the loop lives elsewhere).
 */
export function offPathFrontends(ctx: RuleContext): string[] {
  return ctx.memo('ui:off-path-frontends', () => {
    const dirs = webFrontends(ctx);
    if (!dirs.length) return [];
    const loopFiles = new Set(agentLoops(ctx).map((l) => l.file));
    if (!loopFiles.size) return [];
    const manifests = ctx.facts.manifests ?? [];
    // Workspace packages by name, and whether a loop lives under their folder.
    const loopPackages = new Set<string>();
    for (const m of manifests) {
      const d = folderOf(m.path);
      if (!m.name || !d) continue;
      for (const f of loopFiles) {
        if (f.startsWith(d)) {
          loopPackages.add(m.name);
          break;
        }
      }
    }
    const out: string[] = [];
    for (const d of dirs) {
      const m = manifests.find((x) => folderOf(x.path) === d);
      if (m?.bin.length) continue;
      let reaches = false;
      for (const f of ctx.source) {
        if (!f.path.startsWith(d)) continue;
        for (const i of f.imports) {
          if (i.from.startsWith('.')) {
            const t = resolveImportFile(ctx, f.path, i.from);
            if (t && !t.startsWith(d) && loopFiles.has(t)) reaches = true;
          } else {
            const pkg = i.from.startsWith('@') ? i.from.split('/').slice(0, 2).join('/') : i.from.split('/')[0];
            if (loopPackages.has(pkg)) reaches = true;
          }
          if (reaches) break;
        }
        if (reaches) break;
      }
      if (!reaches) out.push(d);
    }
    return out;
  });
}

/** Modules only code that runs in a page imports: UI frameworks and their client-state stores. */
const CLIENT_MODULE = /^(?:react|react-dom|vue|svelte|solid-js|preact|zustand|jotai|pinia|next\/(?:navigation|router|link))(?:\/|$)/;
/** Calls only code in a page makes: a hook (`useState`, `useChat`), the page's storage or document. */
const CLIENT_CALL = /^use[A-Z]\w*$|^(?:window\.)?(?:localStorage|sessionStorage|indexedDB|document)\./;

/**
 * The file is page code (a component, a hook, a client store: it is a .tsx/.jsx file, imports a UI
 * framework or store, calls hooks or the page's storage) of a web front-end package that does not run
 * the agent (see offPathFrontends). That package's own server code (an API route, a dashboard's file
 * reader) is not page code and stays evidence.
 */
export function offPathUi(ctx: RuleContext, file: string): boolean {
  const dirs = offPathFrontends(ctx);
  if (dirs.length && dirs.some((d) => file.startsWith(d)) && (ctx.memo('ui:page-files', () => new Map<string, boolean>()).get(file) ?? pageFile(ctx, file))) return true;
  return displayFile(ctx, file);
}

/** The pseudo-package of script files under no package.json. */
const NO_PACKAGE = '#none';

/** A script file of a JavaScript package (package.json describes these, not the Python beside them). */
const JS_FILE = /\.(?:[cm]?[jt]sx?)$/;

/**
 * Folders of JavaScript packages (the root included) that run no agent: the package's own script
 * files (those whose nearest package.json is its own) hold no agent loop, hand no agent framework its
 * tools and call no model. A web page in such a package shows the agent, it does not run it.
 */
function clientPackages(ctx: RuleContext): { dirs: string[]; web: Set<string> } {
  return ctx.memo('ui:client-packages', () => {
    const dirs = (ctx.facts.manifests ?? []).map((m) => folderOf(m.path)).sort((a, b) => b.length - a.length);
    // A command-line program (`bin`) that depends on a web framework is a page only when its own source mounts
    // into a browser page (imports react-dom); otherwise it renders in the terminal and runs its agent.
    const mounts = new Set<string>();
    for (const f of ctx.source) if (f.imports.some((i) => DOM_MOUNT.test(i.from))) mounts.add(f.path);
    const web = new Set(
      (ctx.facts.manifests ?? [])
        .filter((m) => m.dependencies.some((d) => WEB_PAGE_DEP.test(d)))
        .map((m) => ({ m, d: folderOf(m.path) }))
        .filter(({ m, d }) => !m.bin.length || [...mounts].some((f) => f.startsWith(d) && dirs.find((x) => f.startsWith(x)) === d))
        .map(({ d }) => d),
    );
    const running = new Set<string>();
    const mark = (file: string) => {
      if (!JS_FILE.test(file)) return;
      running.add(dirs.find((x) => file.startsWith(x)) ?? NO_PACKAGE);
    };
    for (const l of agentLoops(ctx)) mark(l.file);
    for (const x of agentFrameworkUse(ctx)) mark(x.file);
    for (const c of modelCalls(ctx)) mark(c.file);
    // Script files outside every package (a static page's scripts beside a server in another language).
    web.add(NO_PACKAGE);
    return { dirs, web: new Set([...web].filter((d) => !running.has(d))) };
  });
}

/** Modules that mount components into a browser page. */
const DOM_MOUNT = /^(?:react-dom(?:\/client)?|vue|svelte|preact|solid-js\/web)$/;

/** Web UI frameworks a page depends on (a terminal UI rendered with React depends on none of these). */
const WEB_PAGE_DEP = /^(?:react-dom|next|vue|nuxt|svelte|@sveltejs\/kit|solid-js|@angular\/core|preact)$/;

/**
 * The file is display code: a page file (component, hook, client store) of a web package that runs no
 * agent (see clientPackages), and the file itself imports no module holding an agent loop. A page that
 * runs the loop (the loop in the page or in a module it imports, a package that calls the model)
 * stays harness code.
 */
export function displayFile(ctx: RuleContext, file: string): boolean {
  if (!JS_FILE.test(file)) return false;
  const memo = ctx.memo('ui:display-files', () => new Map<string, boolean>());
  const known = memo.get(file);
  if (known !== undefined) return known;
  const { dirs, web } = clientPackages(ctx);
  let v = false;
  const d = dirs.find((x) => file.startsWith(x)) ?? NO_PACKAGE;
  if (web.has(d)) {
    const loopFiles = ctx.memo('ui:loop-files', () => new Set(agentLoops(ctx).map((l) => l.file)));
    const runsNoLoop = (p: string) =>
      !ctx.file(p)?.imports.some((i) => {
        if (!i.from.startsWith('.')) return false;
        const t = resolveImportFile(ctx, p, i.from);
        return !!t && loopFiles.has(t);
      });
    if (pageFile(ctx, file)) v = runsNoLoop(file);
    else {
      // A plain module of the page bundle: only page files of its package import it.
      const by = clientImporters(ctx).get(file);
      v = !!by?.length && runsNoLoop(file) && by.every((p) => pageFile(ctx, p) && runsNoLoop(p));
    }
  }
  memo.set(file, v);
  return v;
}

/** For each file of a package that runs no agent, the files of that package importing it by a relative path. */
function clientImporters(ctx: RuleContext): Map<string, string[]> {
  return ctx.memo('ui:client-importers', () => {
    const { dirs, web } = clientPackages(ctx);
    const out = new Map<string, string[]>();
    if (!web.size) return out;
    for (const f of ctx.source) {
      if (!JS_FILE.test(f.path)) continue;
      const d = dirs.find((x) => f.path.startsWith(x)) ?? NO_PACKAGE;
      if (!web.has(d)) continue;
      for (const i of f.imports) {
        if (!i.from.startsWith('.')) continue;
        const t = resolveImportFile(ctx, f.path, i.from);
        if (!t || t === f.path || (dirs.find((x) => t.startsWith(x)) ?? NO_PACKAGE) !== d) continue;
        const l = out.get(t);
        if (l) {
          if (!l.includes(f.path)) l.push(f.path);
        } else out.set(t, [f.path]);
      }
    }
    return out;
  });
}

function pageFile(ctx: RuleContext, file: string): boolean {
  const f = ctx.file(file);
  const v =
    !!f &&
    (/\.[jt]sx$/.test(file) || f.imports.some((i) => CLIENT_MODULE.test(i.from)) || f.calls.some((c) => CLIENT_CALL.test(c.callee) || (c.callee === c.name && /^use[A-Z]/.test(c.name))));
  ctx.memo('ui:page-files', () => new Map<string, boolean>()).set(file, v);
  return v;
}

/**
 * Persistence calls of the harness, without those of a web front end that does not run the agent
 * (its saved LLM settings, prompt history or OAuth nonce in `localStorage`, a website's own
 * account-session queries).
 */
export function harnessPersistOps(ctx: RuleContext): PersistOp[] {
  return ctx.memo('ui:harness-persist-ops', () => {
    const ops = persistOps(ctx);
    return ops.filter((o) => !offPathUi(ctx, o.call.file));
  });
}
