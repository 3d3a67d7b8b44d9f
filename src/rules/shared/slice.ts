/**
 * The agent slice: the files of the agent's own code. A repo often holds other features beside its agent
 * (an upload route with a MIME allow-list, a mail module with labels and thread ids, a team chat server
 * saving its messages) whose words look like a permission rule, a risk tier, a resume or a session save.
 * The slice is the files of the landmarks (agent loops that call a model and run tools, framework runs
 * handed tools, tool execution sites), every harness file they import (transitively) and every harness
 * file that imports them (transitively: the CLI or route that constructs and drives the agent). Files
 * that neither reach nor are reached from the agent's files are another feature's.
 */
import type { FileFacts } from '../../analyzers/facts.js';
import type { Finding } from '../types.js';
import { folderOf, type RuleContext } from '../context.js';
import { resolveImportFile } from './imports.js';

/**
 * The harness files one TypeScript / JavaScript or Python import of `f` points to (`resolveImportFile`), and for Python
 * a module named in `from pkg import mod` / `from . import mod` too.
 */
function importTargets(ctx: RuleContext, f: FileFacts, from: string, names: string[]): string[] {
  const out: string[] = [];
  const t = resolveImportFile(ctx, f.path, from);
  if (t) out.push(t);
  if (f.lang === 'py') {
    for (const n of names) {
      if (n === '*' || n === 'default') continue;
      const sub = resolveImportFile(ctx, f.path, from.endsWith('.') ? `${from}${n}` : `${from}.${n}`);
      if (sub) out.push(sub);
    }
  }
  return out;
}

/**
 * The harness files `f` imports, other than itself, in the order of its imports. A TypeScript / JavaScript file's are
 * read once per audit: they depend on which files and project settings there are, not on the order of the source
 * files, so their memo is carried over the reorder (LOOP_MEMOS, RuleContext.agentFirst) that rebuilds the graph. A
 * Python package import may match several files, the earliest in source order winning (resolveImportFile), so a
 * Python file's are read again.
 */
function fileTargets(ctx: RuleContext, f: FileFacts): string[] {
  const read = () => {
    const targets = new Set<string>();
    for (const i of f.imports) for (const t of importTargets(ctx, f, i.from, i.names)) if (t !== f.path) targets.add(t);
    return [...targets];
  };
  return f.lang === 'py' ? read() : ctx.perFile('slice:file-targets', f.path, read);
}

/** Each source file's imports resolved to harness source files (`imports`) and, reversed, who imports each (`importers`). Built once per audit. */
export function importGraph(ctx: RuleContext): { imports: Map<string, string[]>; importers: Map<string, string[]> } {
  return ctx.memo('slice:import-graph', () => {
    const imports = new Map<string, string[]>();
    const importers = new Map<string, string[]>();
    for (const f of ctx.source) {
      const targets = fileTargets(ctx, f);
      if (!targets.length) continue;
      imports.set(f.path, targets);
      for (const t of targets) {
        const l = importers.get(t);
        if (l) l.push(f.path);
        else importers.set(t, [f.path]);
      }
    }
    return { imports, importers };
  });
}

/**
 * How many import levels above a seed a driver may be and still have what it imports counted: the file that
 * constructs and runs the agent, not the app's root that imports every feature. Measured on the labelled
 * repos: with 0 (the seeds' own imports only) the loop module a driver imports is left out when the landmarks
 * missed it (open-interpreter's core/respond.py) and four first evidence lines moved off the labelled ones.
 */
const UP = 1;

/** A package's barrel (`index.ts`, `__init__.py`): it re-exports its package, so what it imports is not what its importers run. */
const BARREL = /(?:^|\/)(?:index\.[cm]?[jt]sx?|__init__\.py)$/;

/**
 * The agent slice grown from `seeds` (the landmark files), among the source files for which `keep` holds:
 * the seeds and what imports them (transitively: the route or CLI that drives the agent); the drivers
 * within `UP` import levels of a seed (a barrel counts no level); and everything the seeds and those drivers
 * import (transitively: the session store or approval prompt the driver wires in).
 * Empty without seeds.
 */
export function agentSlice(ctx: RuleContext, seeds: readonly string[], keep: (file: string) => boolean = () => true): Set<string> {
  const slice = new Set<string>();
  const start = [...new Set(seeds)].filter((s) => ctx.file(s)?.role === 'source' && keep(s));
  if (!start.length) return slice;
  const { imports, importers } = importGraph(ctx);
  // Upward, breadth first: each file with the non-barrel hops on the way the walk first meets it.
  const level = new Map<string, number>(start.map((s) => [s, 0]));
  const queue = [...start];
  for (let i = 0; i < queue.length; i++) {
    const p = queue[i];
    for (const q of importers.get(p) ?? []) {
      if (level.has(q) || !keep(q)) continue;
      level.set(q, level.get(p)! + (BARREL.test(q) ? 0 : 1));
      queue.push(q);
    }
  }
  for (const p of level.keys()) slice.add(p);
  // Downward from the seeds and the near drivers.
  const down = [...level].filter(([p, l]) => l <= UP && (start.includes(p) || !BARREL.test(p))).map(([p]) => p);
  const seen = new Set<string>(down);
  while (down.length) {
    const p = down.pop()!;
    slice.add(p);
    for (const q of imports.get(p) ?? []) {
      if (seen.has(q) || !keep(q)) continue;
      seen.add(q);
      down.push(q);
    }
  }
  return slice;
}

/**
 * The checks whose mechanism acts on the agent loop itself: its budget (usage, caps, projection, compaction), the
 * check of its tool calls, and the agents it runs. Such a mechanism found only in files outside the agent slice
 * belongs to another feature (a mail-sync loop's LLM budget, a side MCP server's input parse, a chat page's step
 * option, a probe's scenario list). Tools, commands, permissions and logs are not in this list: the loop reaches
 * them through registries, plugins and extension folders the import graph does not follow (on the labelled repos,
 * 13 of 13 high verdicts of those checks resting outside the slice carried the labelled level).
 */
const ON_LOOP = new Set(['budget.usage-tracking', 'budget.hard-limits', 'budget.projection', 'budget.compaction', 'verification.output-checks', 'agents.typed', 'agents.tool-pools', 'agents.subagent-limits']);

/**
 * A `high` verdict of an ON_LOOP check whose deciding site (the rule's first evidence) is a source file outside the
 * agent slice is `low`: the rule was sure of a mechanism, not that it is the agent's. Without a slice (no landmark),
 * or decided by configuration or tests, the finding is returned as it is.
 */
export function sureOnSlice(ctx: RuleContext, id: string, finding: Finding): Finding {
  const slice = ctx.agentFiles;
  if (finding.confidence !== 'high' || !slice || !ON_LOOP.has(id)) return finding;
  const first = finding.evidence[0];
  return first && ctx.file(first.file)?.role === 'source' && !slice.has(first.file) ? { ...finding, confidence: 'low' } : finding;
}

/** A file a runtime, a CLI or a framework starts by its place or name: an entry script, a file-based route. */
const ENTRY_NAME = /(?:^|\/)(?:__main__|main|cli|app|server|run|manage|index|wsgi|asgi)\.[cm]?[jt]sx?$|(?:^|\/)(?:__main__|main|cli|app|server|run|manage|wsgi|asgi)\.py$/;
const ROUTED = /(?:^|\/)(?:app|pages|routes|api)\//;

/**
 * Whether a source file is code nothing runs: outside the agent slice, no harness file imports it, it is no entry
 * (an entry script by name, a file a manifest's bin or script names, a file-based route), and a file beside it in
 * its folder is imported from outside that folder, so the folder is loaded by import and not scanned as a plugin
 * folder (where every file is an orphan by design). A vendored copy of another project's class beside the files
 * that are used, an unused helper module. With `inSlice`, a file of the agent slice is tested too (`unusedTwin`).
 */
export function unreached(ctx: RuleContext, file: string, inSlice = false): boolean {
  const f = ctx.file(file);
  if (f?.role !== 'source' || (!inSlice && ctx.agentFiles?.has(file)) || ENTRY_NAME.test(file) || (f.lang !== 'py' && ROUTED.test(file))) return false;
  const { importers } = importGraph(ctx);
  if (importers.get(file)?.length) return false;
  const named = ctx.memo('slice:manifest-entries', () =>
    (ctx.facts.manifests ?? []).flatMap((m) => {
      const d = folderOf(m.path);
      return [...m.bin, ...Object.values(m.scripts)].join(' ').split(/[\s'"=:]+/).filter((w) => /[/.]/.test(w)).map((w) => d + w.replace(/^\.\//, '').replace(/\.(?:[cm]?[jt]sx?|py)$/, ''));
    }),
  );
  const stem = file.replace(/\.(?:[cm]?[jt]sx?|py)$/, '');
  if (named.some((n) => n === stem || n.endsWith(`/${stem}`) || stem.endsWith(`/${n}`))) return false;
  const dir = folderOf(file);
  const usedHere = ctx.memo('slice:dirs-imported-from-outside', () => {
    const s = new Set<string>();
    for (const [t, by] of importers) {
      const d = folderOf(t);
      if (by.some((b) => !b.startsWith(d) || b.slice(d.length).includes('/'))) s.add(d);
    }
    return s;
  });
  return usedHere.has(dir);
}

/** A source file's name as the file it copies would be named: numbers and a copy's suffix dropped (`friday2_agent.py`, `agent_old.ts`, `agent-copy.ts` → `friday_agent`, `agent`). */
const twinName = (path: string): string =>
  path
    .slice(path.lastIndexOf('/') + 1)
    .replace(/\.(?:[cm]?[jt]sx?|py)$/, '')
    .toLowerCase()
    .replace(/[-_.]?(?:old|new|copy|backup|bak|orig)$/, '')
    .replace(/\d+/g, '');

/**
 * Whether a source file is a copy of another that nothing runs, even inside the agent slice (where `unreached` does
 * not look: an agent loop of its own makes the copy a landmark): no harness file imports it, it is no entry, and a
 * file beside it named the same but for numbers or a copy's suffix is imported (`friday2_agent.py` beside the
 * `friday_agent.py` the package exports).
 */
export function unusedTwin(ctx: RuleContext, file: string): boolean {
  const twins = ctx.memo('slice:imported-twins', () => {
    const { importers } = importGraph(ctx);
    const s = new Set<string>();
    for (const t of importers.keys()) s.add(folderOf(t) + twinName(t));
    return s;
  });
  return twins.has(folderOf(file) + twinName(file)) && unreached(ctx, file, true);
}

/** A source file outside the agent slice: another feature's code, whose evidence evaluate puts after the slice's (agentFirst). */
export function outsideSlice(ctx: RuleContext, file: string): boolean {
  return !!ctx.agentFiles && !ctx.agentFiles.has(file) && ctx.file(file)?.role === 'source';
}

/** Code nothing runs (`unreached`, `unusedTwin`): evaluate puts its evidence last (reachedFirst). */
export function runsNowhere(ctx: RuleContext, file: string): boolean {
  return unreached(ctx, file) || unusedTwin(ctx, file);
}

/**
 * Where evaluate's evidence order puts a file's line (agentFirst, then reachedFirst): 0 in the agent slice,
 * 1 a source file outside it, 2 code nothing runs. A rule that names one mechanism in its reason among several
 * it cites ranks them by this first, so the reason names the line the reader sees first.
 */
export function citeRank(ctx: RuleContext, file: string): number {
  if (runsNowhere(ctx, file)) return 2;
  return outsideSlice(ctx, file) ? 1 : 0;
}
