/**
 * User-interface code off the agent's path. A web front end kept as its own package (a React / Vue /
 * Svelte app beside a server or a library that runs the agent) shows the agent, picks tools for
 * display, keeps its own preferences and drafts in the browser, and talks to the agent over HTTP or a
 * socket: its `tools.find((t) => t.name === selected)`, its `localStorage` settings and its
 * auto-approve list are the page's, not the harness's registry, session or hints. Where the page runs
 * the loop itself (a `while (true)` over the model in the page, a browser-extension agent, a page
 * importing the agent module and running it), its code is the harness and stays evidence.
 */
import type { RuleContext } from '../context.js';
import { webFrontends } from './agents.js';
import { agentLoops } from './loop.js';
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
    const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/') + 1) : '');
    // Workspace packages by name, and whether a loop lives under their folder.
    const loopPackages = new Set<string>();
    for (const m of manifests) {
      const d = dirOf(m.path);
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
      const m = manifests.find((x) => dirOf(x.path) === d);
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
  if (!dirs.length || !dirs.some((d) => file.startsWith(d))) return false;
  return ctx.memo('ui:page-files', () => new Map<string, boolean>()).get(file) ?? pageFile(ctx, file);
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
    return offPathFrontends(ctx).length ? ops.filter((o) => !offPathUi(ctx, o.call.file)) : ops;
  });
}
