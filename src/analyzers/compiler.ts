/**
 * The TypeScript compiler the analyzer parses with: the copy ts-morph bundles, loaded with require
 * (an ESM import of the CommonJS package makes Node lex its source for named exports first,
 * measured 60 ms a run; taking the compiler from ts-morph's own copy skips ts-morph's wrapper
 * layer, another 55 ms; if that copy ever moves, ts-morph's `ts` export serves), or compiled with
 * V8's code cache when a cache folder was named (`useCompilerCodeCache`: the user's cache folder,
 * shared by every fact cache, since the code cache depends only on the compiler and Node).
 *
 * Loading the compiler costs about 170 ms of CPU a run, most of it V8 compiling its 9 MB of
 * source; with a code cache written by an earlier run it costs about 70 ms (measured on Node 20).
 * V8 checks the cached code against the source and its own version and flags and rejects a stale
 * one, which is then compiled as usual and the cache written again: a code cache never changes what
 * the compiler does, only how fast it loads.
 */
import { isAscii } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import type { ts } from 'ts-morph';

let codeCacheDir: string | undefined;
/** Set when the compiler was compiled here and its code cache should be written (`compilerCodeCache`). */
let pending: { script: vm.Script; file: string } | undefined;

/** Where `loadCompiler` reads (and `writeCompilerCodeCache` writes) V8's code cache; call before the compiler loads. */
export function useCompilerCodeCache(dir: string | undefined): void {
  codeCacheDir = dir;
}

function compilerPath(require: NodeJS.Require): string | undefined {
  try {
    return require.resolve('@ts-morph/common/dist/typescript.js', { paths: [require.resolve('ts-morph')] });
  } catch {
    return undefined;
  }
}

/**
 * The options Node was started with that can reach V8 (`--max-old-space-size`, `--expose-gc`, `--stack-size`, in the
 * command line or NODE_OPTIONS), less a script given inline: V8 rejects code cached under other flags. Keyed by
 * them, each set of options keeps a code cache of its own; with one file for all, runs with and without such an option
 * (a test harness with `--expose-gc` beside plain audits on one machine) each rejected the other's and compiled the
 * compiler again (measured 170-270 ms of CPU against 20-70 ms with the cache accepted).
 */
function nodeOptions(): string {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') i++; // and its value
    else if (!/^--(?:eval|print)=/.test(a)) out.push(a);
  }
  return `${out.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`;
}

/** The code cache's file for this compiler and this Node: one per compiler build, runtime, architecture and Node options. */
function cacheFileOf(dir: string, file: string, stat: fs.Stats): string {
  const key = crypto.createHash('sha1').update(`${file}\0${stat.size}\0${stat.mtimeMs}\0${process.version}\0${process.arch}\0${nodeOptions()}`).digest('hex').slice(0, 16);
  return path.join(dir, `compiler-${key}.v8`);
}

/** Compiles and runs the CommonJS file `file` as `require` would, with V8's code cache when there is one. */
function requireWithCodeCache(file: string, dir: string): unknown {
  const stat = fs.statSync(file);
  const cacheFile = cacheFileOf(dir, file, stat);
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no code cache yet
  }
  // The compiler's source is ASCII: decoded as Latin-1, the same text, in a twentieth of the time UTF-8 takes (11 against 190 ms).
  const bytes = fs.readFileSync(file);
  const script = new vm.Script(Module.wrap(bytes.toString(isAscii(bytes) ? 'latin1' : 'utf8')), { filename: file, cachedData });
  const mod = { exports: {} as unknown };
  (script.runInThisContext() as (...a: unknown[]) => void).call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  if (!cachedData || script.cachedDataRejected) pending = { script, file: cacheFile };
  return mod.exports;
}

export function loadCompiler(): typeof ts {
  const require = createRequire(import.meta.url);
  const file = compilerPath(require);
  if (!file) return (require('ts-morph') as typeof import('ts-morph')).ts;
  if (codeCacheDir) {
    try {
      return requireWithCodeCache(file, codeCacheDir) as typeof ts;
    } catch {
      // fall back to a plain require
    }
  }
  return require(file) as typeof ts;
}

/** Code caches of other compiler builds, Node versions or Node options kept beside this one (the folder is shared: see `useCompilerCodeCache`). */
const KEEP_OTHER_BUILDS = 5;

/**
 * Writes the compiler's code cache when this run compiled it without one (after the analysis, so
 * the functions the parse compiled lazily are in it too), removing all but the newest caches of
 * other builds. Never throws or rejects.
 */
export async function writeCompilerCodeCache(): Promise<void> {
  const p = pending;
  pending = undefined;
  if (!p) return;
  try {
    const data = p.script.createCachedData();
    const dir = path.dirname(p.file);
    await fs.promises.mkdir(dir, { recursive: true });
    const tmp = `${p.file}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, p.file);
    const others = [];
    for (const n of await fs.promises.readdir(dir)) {
      if (/^compiler-[0-9a-f]{16}\.v8$/.test(n) && n !== path.basename(p.file)) others.push({ n, t: (await fs.promises.stat(path.join(dir, n))).mtimeMs });
    }
    for (const o of others.sort((a, b) => b.t - a.t).slice(KEEP_OTHER_BUILDS)) await fs.promises.rm(path.join(dir, o.n), { force: true });
  } catch {
    // only the next run's start-up time is lost
  }
}
