/**
 * Resolving a call in one file to the function it names through the file's imports (relative
 * TypeScript/JavaScript specifiers, Python relative and package imports). Used by the permission
 * checks to follow a tool into the policy module it calls (`evaluateBashPolicy(command)` imported
 * from `../security/bash-policy`), instead of matching the policy by its name.
 */
import type { FunctionFact } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';

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

/** The source file an import specifier written in `fromFile` points to, when it is in the harness. */
export function resolveImportFile(ctx: RuleContext, fromFile: string, spec: string): string | undefined {
  const f = ctx.file(fromFile);
  if (!f) return undefined;
  const dir = fromFile.split('/').slice(0, -1);
  if (f.lang === 'py') {
    const m = /^(\.*)(.*)$/.exec(spec)!;
    const dots = m[1].length;
    const mod = m[2] ? m[2].split('.') : [];
    if (dots) {
      const base = dir.slice(0, Math.max(0, dir.length - (dots - 1)));
      for (const cand of [`${normalise([...base, ...mod])}.py`, `${normalise([...base, ...mod, '__init__'])}.py`]) if (ctx.file(cand)) return cand;
      return undefined;
    }
    // A package import: the harness file whose path ends with the module path.
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
    const a = idx.get(`${mod.join('/')}.py`);
    const b = idx.get(`${mod.join('/')}/__init__.py`);
    return a && b ? (a.i <= b.i ? a.path : b.path) : (a ?? b)?.path;
  }
  if (!spec.startsWith('.')) return undefined;
  return sourceWithExt(ctx, normalise([...dir, ...spec.replace(/\.(?:js|jsx|mjs|cjs)$/, '').split('/')]));
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
