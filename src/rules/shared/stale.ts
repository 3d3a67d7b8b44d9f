/**
 * Code the shipped harness no longer runs: a folder named legacy / deprecated / old / archive (or
 * experimental: a try-out beside the shipped code), or an
 * older version's folder beside a newer sibling (`s1/`, `s2_5/` beside `s3/`; `v1/` beside `v2/`), that
 * no source file outside it imports. Evidence there ranks after live evidence, and a verdict resting
 * only on it is not sure.
 */
import type { Evidence } from '../types.js';
import type { RuleContext } from '../context.js';
import { resolveImportFile } from './imports.js';

const RETIRED = /^(?:legacy|deprecated|old|archive|archived|_old|_legacy|_deprecated|_archive)$/i;
/** A folder named, in one of its words, for experiments (`experimental/`, `swe_bench_experimental/`): retired when nothing live imports it. */
const EXPERIMENTAL = /(?:^|[-_.])experimental(?:$|[-_.])/i;
/** A version folder: `v2`, `s1`, `2`, and with a minor number `s2_5`, `v1.5`. */
const VERSION = /^([a-z]{0,3}?)[-_]?(\d+)(?:[._](\d+))?$/i;
const versionOf = (m: RegExpExecArray): number => Number(m[2]) + Number(m[3] ?? 0) / 1000;

/** The highest version a path's folders are named for (`s3/` → 3, `s2_5/` → 2.005, `v2/` → 2; 0 when none), for newest-first ordering. */
export function folderVersion(path: string): number {
  let v = 0;
  for (const seg of path.split('/').slice(0, -1)) {
    const m = VERSION.exec(seg);
    if (m) v = Math.max(v, versionOf(m));
  }
  return v;
}

/** Candidate folders (path prefixes without a trailing slash) for the retired/older-version shapes. */
function candidates(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const segs = p.split('/');
    for (let i = 0; i < segs.length - 1; i++) dirs.add(segs.slice(0, i + 1).join('/'));
  }
  const out: string[] = [];
  for (const d of dirs) {
    const cut = d.lastIndexOf('/');
    const parent = cut < 0 ? '' : d.slice(0, cut);
    const name = d.slice(cut + 1);
    if (RETIRED.test(name) || EXPERIMENTAL.test(name)) {
      out.push(d);
      continue;
    }
    const m = VERSION.exec(name);
    if (!m) continue;
    const newer = [...dirs].some((s) => {
      const c = s.lastIndexOf('/');
      if ((c < 0 ? '' : s.slice(0, c)) !== parent) return false;
      const n = VERSION.exec(s.slice(c + 1));
      return !!n && n[1].toLowerCase() === m[1].toLowerCase() && versionOf(n) > versionOf(m);
    });
    if (newer) out.push(d);
  }
  return out;
}

/** The folders of the harness that hold retired code no live source file imports. */
export function staleDirs(ctx: RuleContext): string[] {
  return ctx.memo('stale:dirs', () => {
    const cands = candidates(ctx.source.map((f) => f.path));
    if (!cands.length) return [];
    const under = (p: string, d: string) => p.startsWith(`${d}/`);
    return cands.filter((d) => {
      const inside = ctx.source.filter((f) => under(f.path, d));
      if (!inside.length) return false;
      for (const f of ctx.source) {
        // An importer that is itself retired code does not make the folder live.
        if (cands.some((c) => under(f.path, c))) continue;
        for (const imp of f.imports) {
          // A Python package import resolves by path tail, which may pick a same-named module of any
          // version folder: it counts only when it names the folder (below).
          const target = f.lang === 'py' && !imp.from.startsWith('.') ? undefined : resolveImportFile(ctx, f.path, imp.from);
          if (target && under(target, d)) return false;
          if (f.lang !== 'py' || imp.from.startsWith('.')) continue;
          // A package import of the folder itself or of a module inside it (`from pkg.s1.core import x`, `from pkg import s1`).
          const mod = imp.from.replace(/\./g, '/');
          const specs = [mod, ...imp.names.map((n) => `${mod}/${n}`)];
          const name = d.slice(d.lastIndexOf('/') + 1);
          const hits = (sp: string) =>
            `/${d}`.endsWith(`/${sp}`) || (sp.split('/').includes(name) && inside.some((g) => `/${g.path}`.includes(`/${sp}/`) || `/${g.path}`.endsWith(`/${sp}.py`)));
          if (specs.some(hits)) return false;
        }
      }
      return true;
    });
  });
}

/** Whether `file` lies in a folder of retired code nothing live imports. */
export function isStale(ctx: RuleContext, file: string): boolean {
  const dirs = staleDirs(ctx);
  return dirs.length > 0 && dirs.some((d) => file.startsWith(`${d}/`));
}

/** The evidence (or any sites with a file) with live lines first (stable), and whether every line is in retired code. */
export function rankLive<T extends Pick<Evidence, 'file'>>(ctx: RuleContext, evidence: readonly T[]): { evidence: T[]; allStale: boolean } {
  if (!staleDirs(ctx).length || !evidence.length) return { evidence: [...evidence], allStale: false };
  const live = evidence.filter((e) => !isStale(ctx, e.file));
  const stale = evidence.filter((e) => isStale(ctx, e.file));
  return { evidence: [...live, ...stale], allStale: live.length === 0 };
}
