/**
 * Resolving an import to the harness file it names (relative TypeScript/JavaScript specifiers, the project's
 * tsconfig/jsconfig `paths` and `baseUrl`, workspace packages by name, Python relative and package imports), and a
 * call in one file to the function it names through the file's imports. Used by the permission
 * checks to follow a tool into the policy module it calls (`evaluateBashPolicy(command)` imported
 * from `../security/bash-policy`), instead of matching the policy by its name.
 */
import type { FunctionFact, TsConfigFact } from '../../analyzers/facts.js';
import picomatch from 'picomatch';
import { folderOf, type Located, type RuleContext } from '../context.js';

/** What a TypeScript / JavaScript import specifier may leave off: an extension or `/index`. */
export const TS_EXT = ['', '.ts', '.tsx', '.js', '.jsx', '.mts', '.mjs', '.cts', '.cjs', '/index.ts', '/index.tsx', '/index.js'];

/** Path segments joined with `.` and `..` applied: `['a', '..', 'b']` → `b`. */
export function normalise(parts: string[]): string {
  const out: string[] = [];
  for (const p of parts) {
    if (!p || p === '.') continue;
    if (p === '..') out.pop();
    else out.push(p);
  }
  return out.join('/');
}

/**
 * The source file an import specifier written in `fromFile` points to, when it is in the harness. Remembered for the
 * audit (RESOLVED): a relative specifier by the importing folder (and language), a bare TypeScript / JavaScript one by
 * the importing file (its project file may be chosen per file); neither depends on the order of the source files.
 * A Python package import does (the earliest matching file in source order wins), so it is looked up again after a
 * reorder, in its tails index (`perm:py-tails`), which the reorder drops.
 */
export function resolveImportFile(ctx: RuleContext, fromFile: string, spec: string): string | undefined {
  const f = ctx.file(fromFile);
  if (!f) return undefined;
  const py = f.lang === 'py';
  if (py && spec.charCodeAt(0) !== 46 /* . */) return resolvePyPackage(ctx, spec);
  let known = RESOLVED.get(ctx);
  if (!known) RESOLVED.set(ctx, (known = new Map()));
  const bare = !py && spec.charCodeAt(0) !== 46;
  const key = `${bare ? fromFile : folderOf(fromFile)}\0${py ? 'py' : ''}\0${spec}`;
  const hit = known.get(key);
  if (hit !== undefined || known.has(key)) return hit ?? undefined;
  const out = resolveUncached(ctx, fromFile, py, spec);
  known.set(key, out ?? null);
  return out;
}

/** Per audit: resolved specifiers (resolveImportFile), `null` for none; they outlive a reorder of the source files (RuleContext.agentFirst). */
const RESOLVED = new WeakMap<RuleContext, Map<string, string | null>>();

/** A Python package import (`pkg.mod`): the harness file whose path ends with the module path, the earlier in source order of a module and its package's `__init__.py`. */
function resolvePyPackage(ctx: RuleContext, spec: string): string | undefined {
  // Indexed by every path tail (`a/b/c.py` under `c.py`, `b/c.py`, `a/b/c.py`), the first file in source order
  // holding each; a module path and its package's `__init__.py` may both match, and the earlier file wins.
  const idx = ctx.memo('perm:py-tails', () => {
    const m = new Map<string, { path: string; i: number }>();
    let i = 0;
    for (const s of ctx.source) {
      if (s.lang !== 'py') continue;
      const segs = s.path.split('/');
      for (let k = segs.length - 1; k >= 0; k--) {
        const t = segs.slice(k).join('/');
        if (!m.has(t)) m.set(t, { path: s.path, i });
      }
      i++;
    }
    return m;
  });
  const mod = spec.split('.').join('/');
  const a = idx.get(`${mod}.py`);
  const b = idx.get(`${mod}/__init__.py`);
  return a && b ? (a.i <= b.i ? a.path : b.path) : (a ?? b)?.path;
}

/** resolveImportFile without its memory: a relative specifier, or a bare TypeScript / JavaScript one. */
function resolveUncached(ctx: RuleContext, fromFile: string, py: boolean, spec: string): string | undefined {
  const dir = fromFile.split('/').slice(0, -1);
  if (py) {
    const m = /^(\.*)(.*)$/.exec(spec)!;
    const dots = m[1].length;
    const mod = m[2] ? m[2].split('.') : [];
    const base = dir.slice(0, Math.max(0, dir.length - (dots - 1)));
    for (const cand of [`${normalise([...base, ...mod])}.py`, `${normalise([...base, ...mod, '__init__'])}.py`]) if (ctx.file(cand)) return cand;
    return undefined;
  }
  if (spec.startsWith('.')) return firstSource(ctx, [normalise([...dir, ...spec.split('/')])]);
  if (spec.startsWith('/') || /^[a-z][\w+.-]*:/i.test(spec)) return undefined; // an absolute path, `node:fs`, `https://…`
  return resolveBare(ctx, fromFile, spec);
}

/** The first of `bases` (each tried with what an import may leave off: an extension or `/index`) that is a harness source file. */
function firstSource(ctx: RuleContext, bases: string[]): string | undefined {
  for (const b of bases) {
    const base = b.replace(/\.(?:js|jsx|mjs|cjs)$/, '').replace(/\/$/, '');
    const hit = sourceWithExt(ctx, base);
    if (hit) return hit;
  }
  return undefined;
}

/** Where a workspace package's bare import (`@scope/core`) lands: its entry module. */
const ENTRY = ['src/index', 'index', 'lib/index', 'src/main', 'main'];

/** The harness's package folders (`packages/core/`, `''` for the root; deepest first) and each package's folder by its name. */
function packageDirs(ctx: RuleContext): { byName: Map<string, string>; dirs: string[] } {
  return ctx.memo('imports:package-dirs', () => {
    const byName = new Map<string, string>();
    const dirs: string[] = [];
    for (const m of ctx.facts.manifests ?? []) {
      if (!m.path.endsWith('package.json')) continue;
      const d = folderOf(m.path);
      dirs.push(d);
      if (m.name && !byName.has(m.name)) byName.set(m.name, d);
    }
    dirs.sort((a, b) => b.length - a.length);
    return { byName, dirs };
  });
}

/** A workspace package's folder and the rest of a bare specifier naming it (`@scope/core/tools` → `packages/core/`, `tools`). */
function workspacePackage(ctx: RuleContext, spec: string): { dir: string; sub: string } | undefined {
  const segs = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  const dir = packageDirs(ctx).byName.get(segs.slice(0, n).join('/'));
  return dir === undefined ? undefined : { dir, sub: segs.slice(n).join('/') };
}

/** A project file's import settings with what it extends applied: `baseUrl` and the folder `paths` are relative to, as repo paths. */
interface Project {
  baseUrl?: string;
  paths?: Array<{ prefix: string; suffix: string; star: boolean; targets: string[] }>;
  pathsBase?: string;
}

const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/** The harness's project files by path, and by folder (`tsconfig.json` first, then `jsconfig.json`, then the others by name). */
function projectFiles(ctx: RuleContext): { byPath: Map<string, TsConfigFact>; byDir: Map<string, TsConfigFact[]> } {
  return ctx.memo('imports:tsconfigs', () => {
    const byPath = new Map<string, TsConfigFact>();
    const byDir = new Map<string, TsConfigFact[]>();
    const rank = (p: string) => (/(?:^|\/)tsconfig\.json$/i.test(p) ? 0 : /(?:^|\/)jsconfig\.json$/i.test(p) ? 1 : 2);
    for (const t of ctx.facts.tsconfigs ?? []) {
      byPath.set(t.path, t);
      const d = dirOf(t.path);
      const l = byDir.get(d);
      if (l) l.push(t);
      else byDir.set(d, [t]);
    }
    for (const l of byDir.values()) l.sort((a, b) => rank(a.path) - rank(b.path) || (a.path < b.path ? -1 : 1));
    return { byPath, byDir };
  });
}

/** The project file an `extends` entry of `from` names, when it is in the harness (a relative path, or a workspace package's file). */
function extendedFile(ctx: RuleContext, from: string, ext: string): TsConfigFact | undefined {
  const { byPath } = projectFiles(ctx);
  let base: string;
  if (ext.startsWith('.')) base = normalise([...dirOf(from).split('/'), ...ext.split('/')]);
  else {
    const pkg = workspacePackage(ctx, ext);
    if (!pkg) return undefined;
    base = `${pkg.dir}${pkg.sub || 'tsconfig.json'}`;
  }
  return byPath.get(base) ?? byPath.get(`${base}.json`) ?? byPath.get(`${base}/tsconfig.json`);
}

/** The settings of project file `t`, with the files it extends (within the harness) under it, as TypeScript merges them. */
function projectOf(ctx: RuleContext, t: TsConfigFact, seen = new Set<string>()): { baseUrl?: string; paths?: Record<string, string[]>; pathsDir?: string; holds?: (file: string) => boolean } {
  const memo = ctx.memo('imports:projects', () => new Map<string, ReturnType<typeof projectOf>>());
  const known = memo.get(t.path);
  if (known) return known;
  seen.add(t.path);
  let out: ReturnType<typeof projectOf> = {};
  for (const e of t.extends ?? []) {
    const parent = extendedFile(ctx, t.path, e);
    if (parent && !seen.has(parent.path)) out = { ...out, ...Object.fromEntries(Object.entries(projectOf(ctx, parent, seen)).filter(([, v]) => v !== undefined)) };
  }
  const dir = dirOf(t.path);
  if (t.baseUrl !== undefined) out.baseUrl = normalise([...dir.split('/'), ...t.baseUrl.split('/')]);
  if (t.paths) {
    out.paths = t.paths;
    out.pathsDir = dir;
  }
  if (t.include) {
    // A pattern naming a folder (no wildcard, no extension in its last part) holds everything under it.
    const globs = t.include.map((i) => {
      const p = normalise([...dir.split('/'), ...i.split('/')]);
      return /[*?]|\.\w+$/.test(p.slice(p.lastIndexOf('/') + 1)) ? p : `${p}/**/*`;
    });
    out.holds = picomatch(globs, { dot: true });
  }
  memo.set(t.path, out);
  return out;
}

/**
 * The project settings that apply to the files of folder `dir`: those of the nearest folder at or above it holding a
 * project file (its `tsconfig.json`; else another project file there that sets `paths` or `baseUrl`, as a Vite app's
 * `tsconfig.app.json` does), undefined when none sets either.
 */
function projectFor(ctx: RuleContext, dir: string, file: string): Project | undefined {
  const memo = ctx.memo('imports:project-of-dir', () => new Map<string, Project | undefined>());
  const { byDir } = projectFiles(ctx);
  const list = byDir.get(dir);
  // Several project files setting paths in one folder (a Vite or Electron app's `tsconfig.node.json` and `tsconfig.web.json`):
  // the one whose `include` holds the file; the choice is then the file's, else the folder's.
  const sets = list?.map((t) => projectOf(ctx, t)).filter((p) => p.paths || p.baseUrl !== undefined) ?? [];
  const own = sets.length > 1 && sets.some((p) => p.holds);
  const key = own ? `${dir}\0${file}` : dir;
  if (memo.has(key)) return memo.get(key);
  let found: Project | undefined;
  if (list) {
    const settings = own ? (sets.find((p) => p.holds?.(file)) ?? sets.find((p) => !p.holds) ?? sets[0]) : sets[0];
    if (settings) {
      found = { baseUrl: settings.baseUrl };
      if (settings.paths) {
        found.pathsBase = settings.baseUrl ?? settings.pathsDir ?? '';
        found.paths = Object.entries(settings.paths).map(([k, targets]) => {
          const star = k.indexOf('*');
          return star < 0 ? { prefix: k, suffix: '', star: false, targets } : { prefix: k.slice(0, star), suffix: k.slice(star + 1), star: true, targets };
        });
      }
    }
  } else if (dir) found = projectFor(ctx, dirOf(dir), file);
  memo.set(key, found);
  return found;
}

/**
 * A bare specifier written in folder `dir`, as TypeScript resolves it: the project's `paths` (the pattern with the longest
 * prefix; each of its targets in order), then its `baseUrl`; then a workspace package by its name (`@scope/core`,
 * `@scope/core/sub`); last, the common `@/` / `~/` alias guessed as the file's package root or its `src/` (an alias a
 * bundler's configuration sets, not the project file).
 */
function resolveBare(ctx: RuleContext, file: string, spec: string): string | undefined {
  const dir = dirOf(file);
  const project = projectFor(ctx, dir, file);
  if (project?.paths) {
    let best: NonNullable<Project['paths']>[number] | undefined;
    for (const p of project.paths) {
      const hit = p.star ? spec.length >= p.prefix.length + p.suffix.length && spec.startsWith(p.prefix) && spec.endsWith(p.suffix) : spec === p.prefix;
      if (hit && (!best || (!p.star && best.star) || (p.star === best.star && p.prefix.length > best.prefix.length))) best = p;
    }
    if (best) {
      const matched = best.star ? spec.slice(best.prefix.length, spec.length - best.suffix.length) : '';
      const base = project.pathsBase!.split('/');
      const hit = firstSource(ctx, best.targets.map((t) => normalise([...base, ...t.replace('*', matched).split('/')])));
      if (hit) return hit;
    }
  }
  if (project?.baseUrl !== undefined) {
    const hit = firstSource(ctx, [normalise([...project.baseUrl.split('/'), ...spec.split('/')])]);
    if (hit) return hit;
  }
  const pkg = workspacePackage(ctx, spec);
  if (pkg) {
    const hit = pkg.sub ? firstSource(ctx, [`${pkg.dir}${pkg.sub}`, `${pkg.dir}src/${pkg.sub}`]) : firstSource(ctx, ENTRY.map((e) => `${pkg.dir}${e}`));
    if (hit) return hit;
  }
  const alias = /^[@~]\/(.*)$/.exec(spec);
  if (alias) {
    const own = packageDirs(ctx).dirs.find((d) => `${dir}/`.startsWith(d)) ?? '';
    return firstSource(ctx, [`${own}${alias[1]}`, `${own}src/${alias[1]}`]);
  }
  return undefined;
}

/**
 * The first of `base` + each of TS_EXT, in TS_EXT's order, that is a source file: one lookup in an index of every
 * source file under each base it can be written as (`a/b.ts` under `a/b.ts` and `a/b`; `a/index.ts` under `a`),
 * not a lookup per extension (import resolution asks this tens of thousands of times on a large repo).
 */
export function sourceWithExt(ctx: RuleContext, base: string): string | undefined {
  let index = BASES.get(ctx);
  if (!index) BASES.set(ctx, (index = baseIndex(ctx)));
  return index.get(base);
}

/** Per audit: which files there are, not their order, so it outlives a reorder of the source files (RuleContext.agentFirst). */
const BASES = new WeakMap<RuleContext, Map<string, string>>();

/** Each source path under each base it can be written as, the earliest extension of TS_EXT winning. */
function baseIndex(ctx: RuleContext): Map<string, string> {
  const rankOf = new Map<string, number>();
  const out = new Map<string, string>();
  for (const f of ctx.facts.files) {
    if (f.role !== 'source') continue;
    const p = f.path;
    for (let rank = 0; rank < TS_EXT.length; rank++) {
      const ext = TS_EXT[rank];
      if (!p.endsWith(ext)) continue;
      const base = p.slice(0, p.length - ext.length);
      if (rank < (rankOf.get(base) ?? TS_EXT.length)) {
        rankOf.set(base, rank);
        out.set(base, p);
      }
    }
  }
  return out;
}

/**
 * The harness functions a bare call `name(...)` in `file` resolves to: a function of that name in
 * the same file, else the one defined in the file the name is imported from.
 */
export function resolveBareCall(ctx: RuleContext, file: string, name: string): Located<FunctionFact>[] {
  const local = ctx.functionsNamed(name).filter((d) => d.file === file && d.name === name);
  if (local.length) return local;
  const f = ctx.file(file);
  // `import { chat as complete }` / `from .llm import chat as complete`: `complete()` runs `chat`.
  const imported = importedName(ctx, file, name);
  const imp = f?.imports.find((i) => (imported === name ? i.names.includes(name) : i.as?.[name] === imported));
  if (!imp) return [];
  const defs = ctx.functionsNamed(imported);
  const target = defs.length ? resolveImportFile(ctx, file, imp.from) : undefined;
  return target ? defs.filter((d) => d.file === target) : [];
}

/** The name a local binding of `file` imports (`complete` → `chat` for `import { chat as complete }`), else the name itself. */
export function importedName(ctx: RuleContext, file: string, local: string): string {
  const byFile = ctx.memo('imports:aliases', () => new Map<string, Map<string, string>>());
  let aliases = byFile.get(file);
  if (!aliases) {
    aliases = new Map();
    for (const i of ctx.file(file)?.imports ?? []) for (const [l, n] of Object.entries(i.as ?? {})) if (n !== '*' && n !== 'default') aliases.set(l, n);
    byFile.set(file, aliases);
  }
  return aliases.get(local) ?? local;
}

/**
 * The module each name `file` imports comes from (`tool` → `ai`), built once per file; with `locals`, each
 * local alias too (`import { chat as complete } from 'x'` → `complete` → `x`), in import order.
 */
export function importModules(ctx: RuleContext, file: string, locals = false): ReadonlyMap<string, string> {
  const byFile = ctx.memo(locals ? 'imports:modules-and-locals' : 'imports:modules', () => new Map<string, Map<string, string>>());
  let modules = byFile.get(file);
  if (!modules) {
    modules = new Map();
    for (const i of ctx.file(file)?.imports ?? []) {
      for (const n of i.names) modules.set(n, i.from);
      if (locals) for (const l of Object.keys(i.as ?? {})) modules.set(l, i.from);
    }
    byFile.set(file, modules);
  }
  return modules;
}

/** The workspace package a file belongs to by its path (`packages/web-ui`, `apps/cli`), else its top folder. */
export const packageOf = (file: string): string => /^((?:packages|apps|libs|extensions|plugins)\/[^/]+)\//.exec(file)?.[1] ?? file.split('/')[0];

/** The folder of the workspace package (a `package.json` below the root) that holds a file, deepest first; `''` when none does. */
export function workspaceDirOf(ctx: RuleContext, file: string): string {
  const dirs = ctx.memo('imports:workspace-dirs', () =>
    (ctx.facts.manifests ?? [])
      .filter((m) => m.path.endsWith('package.json'))
      .map((m) => folderOf(m.path))
      .filter((d) => d !== '')
      .sort((a, b) => b.length - a.length),
  );
  return dirs.find((d) => file.startsWith(d)) ?? '';
}
