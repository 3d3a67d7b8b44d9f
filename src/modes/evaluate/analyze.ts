/**
 * Stage 2, analyse: read each discovered file once and turn it into facts. Source files are
 * parsed; test files are read by text (they only feed the verification checks). A file that
 * cannot be read, is binary, minified or generated is skipped and counted, never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileFacts, ManifestFact, RepoFacts, SkippedFile } from '../../analyzers/facts.js';
import { analyzeTestText } from '../../analyzers/test-text.js';
import { useCompilerCodeCache } from '../../analyzers/compiler.js';
import type { ConfigFileFacts } from '../../analyzers/facts.js';
import type { DiscoveredConfig, DiscoveredFile, Discovery } from './discover.js';
import type { FactCache } from './cache.js';

export type Progress = (done: number, total: number) => void;

const GENERATED_HEADER = /@generated\b|\bDO NOT EDIT\b|^\/\/ Code generated/m;

/** Why a file's text should not be analysed, or undefined when it should. */
export function contentSkipReason(text: string): string | undefined {
  if (text.includes('\u0000')) return 'binary (NUL bytes)';
  if (GENERATED_HEADER.test(text.slice(0, 600))) return 'generated';
  if (text.length > 20_000) {
    // Mean line length over the whole text, counting at most 2,000 lines (without splitting it).
    let lines = 1;
    for (let i = text.indexOf('\n'); i >= 0 && lines < 2000; i = text.indexOf('\n', i + 1)) lines++;
    if (text.length / lines > 400) return 'minified';
  }
  return undefined;
}

function readManifest(root: string, rel: string): ManifestFact | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8')) as Record<string, unknown>;
    const deps = { ...(j.dependencies as object), ...(j.devDependencies as object), ...(j.optionalDependencies as object), ...(j.peerDependencies as object) };
    const bin = typeof j.bin === 'string' ? [j.bin] : j.bin && typeof j.bin === 'object' ? Object.values(j.bin as Record<string, string>) : [];
    return {
      path: rel,
      name: typeof j.name === 'string' ? j.name : undefined,
      dependencies: Object.keys(deps),
      scripts: (j.scripts && typeof j.scripts === 'object' ? j.scripts : {}) as Record<string, string>,
      bin: bin.filter((b): b is string => typeof b === 'string'),
    };
  } catch {
    return undefined;
  }
}

export interface AnalyzedFiles {
  files: FileFacts[];
  skipped: SkippedFile[];
}

type TypeScriptAnalyzer = typeof import('../../analyzers/typescript.js').analyzeTypeScript;
let analyzeTypeScript: TypeScriptAnalyzer | undefined;

/**
 * The TypeScript analyzer, loaded the first time a source file needs parsing: loading the compiler
 * is a tenth of a warm run, and a run whose TypeScript sources are all cached does without it.
 * With a fact cache, the compiler loads from V8's code cache in the user's cache folder (../../analyzers/compiler.ts).
 */
async function typeScriptAnalyzer(cache: FactCache | undefined): Promise<TypeScriptAnalyzer> {
  if (!analyzeTypeScript) {
    useCompilerCodeCache(cache?.codeCacheDir);
    analyzeTypeScript = (await import('../../analyzers/typescript.js')).analyzeTypeScript;
  }
  return analyzeTypeScript;
}

type PythonAnalyzer = typeof import('../../analyzers/python.js');
let pythonModule: PythonAnalyzer | undefined;

/**
 * The Python analyzer, loaded the first time a Python file needs analysing (and its parser,
 * tree-sitter's WebAssembly, initialised the first time a source file does): a run whose Python
 * files are all cached does without both.
 */
async function pythonAnalyzer(role: DiscoveredFile['role']): Promise<PythonAnalyzer> {
  pythonModule ??= await import('../../analyzers/python.js');
  if (role === 'source') await pythonModule.initPython();
  return pythonModule;
}

/** Analyse files in this thread. `onFile` is called after each file. */
export async function analyzeFiles(files: readonly DiscoveredFile[], onFile?: () => void, cache?: FactCache): Promise<AnalyzedFiles> {
  const out: AnalyzedFiles = { files: [], skipped: [] };
  for (const f of files) {
    onFile?.();
    // A file with the stamp its facts were cached with is not read (nor hashed) again.
    const stamped = cache?.lookupStamp(f);
    if (stamped) {
      out.files.push(stamped);
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(f.abs);
    } catch (err) {
      out.skipped.push({ path: f.path, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    // Facts are cached only for text that was analysed, so a hit needs neither decoding nor the skip test.
    const cached = cache?.lookup(f, bytes);
    if (cached?.facts) {
      cache!.stamp(f, cached.key);
      out.files.push(cached.facts);
      continue;
    }
    const text = bytes.toString('utf8');
    const reason = contentSkipReason(text);
    if (reason) {
      out.skipped.push({ path: f.path, reason });
      continue;
    }
    if (cache) cache.misses++;
    const py = f.lang === 'py' ? await pythonAnalyzer(f.role) : undefined;
    try {
      if (py) out.files.push(f.role === 'test' ? py.analyzePythonTestText(f.path, text) : py.analyzePython(f.path, text, f.role));
      else if (f.role === 'test') out.files.push(analyzeTestText(f.path, text));
      else out.files.push((analyzeTypeScript ?? (await typeScriptAnalyzer(cache)))(f.path, text, f.role));
      if (cached) {
        cache!.set(cached.key, out.files[out.files.length - 1]);
        cache!.stamp(f, cached.key);
      }
    } catch (err) {
      // The parser itself recurses; pathological nesting can exhaust the stack.
      const why = err instanceof RangeError ? 'too deeply nested to parse' : `analyzer error: ${(err as Error).message}`;
      out.skipped.push({ path: f.path, reason: why });
    }
  }
  return out;
}

/** Most configuration bytes read per audit: past it, the remaining files are data, not configuration. */
const MAX_CONFIG_TOTAL = 2 * 1024 * 1024;

/**
 * Read the harness's configuration files into entries; unreadable, binary, generated or minified
 * ones, tsconfig-like files and JSON Schemas are left out.
 */
export async function analyzeConfigs(configs: readonly DiscoveredConfig[]): Promise<ConfigFileFacts[]> {
  const out: ConfigFileFacts[] = [];
  if (!configs.length) return out;
  // The parser (and the YAML library) loads only when there is configuration to read.
  const { analyzeConfig, isToolingConfig } = await import('../../analyzers/config.js');
  let budget = MAX_CONFIG_TOTAL;
  for (const c of configs) {
    if ((budget -= c.size) < 0) break;
    let text: string;
    try {
      text = fs.readFileSync(c.abs, 'utf8');
    } catch {
      continue;
    }
    if (contentSkipReason(text)) continue;
    const facts = analyzeConfig(c.path, text);
    if (facts.entries.length && !isToolingConfig(facts.entries)) out.push(facts);
  }
  return out;
}

export async function analyze(discovery: Discovery, onProgress?: Progress, cache?: FactCache): Promise<RepoFacts> {
  const total = discovery.files.length;
  let done = 0;
  const tick = () => {
    done++;
    if (onProgress && (done % 50 === 0 || done === total)) onProgress(done, total);
  };
  // One thread on purpose: measured on 2 cores, a worker's compiler warm-up and V8's own
  // background GC and compilation threads ate the gain of splitting the files (half the files in
  // a worker took the main thread longer than all of them alone; the parse already keeps the
  // second core busy with V8's concurrent compiler and marker).
  const { files, skipped } = await analyzeFiles(discovery.files, tick, cache);
  // The cache is saved here, the one place that fills it, while the facts are as the analyzers made
  // them: the rules' context stamps each call, function and object with its file, which would make
  // the cache about twice as large to write.
  cache?.save();
  const manifests = discovery.manifests.map((m) => readManifest(discovery.root, m)).filter((m): m is ManifestFact => !!m);
  return { root: discovery.root, files, manifests, configs: await analyzeConfigs(discovery.configs ?? []), skipped: [...discovery.skipped, ...skipped] };
}
