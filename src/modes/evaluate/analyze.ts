/**
 * Stage 2, analyse: read each discovered file once and turn it into facts. Source files are
 * parsed; test files are read by text (they only feed the verification checks). A file that
 * cannot be read, is binary, minified or generated is skipped and counted, never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileFacts, ManifestCommand, ManifestFact, RepoFacts, SkippedFile } from '../../analyzers/facts.js';
import { analyzeTestText } from '../../analyzers/test-text.js';
import { lineLocator } from '../../analyzers/lines.js';
import { useCompilerCodeCache } from '../../analyzers/compiler.js';
import type { ConfigFileFacts } from '../../analyzers/facts.js';
import type { DiscoveredConfig, DiscoveredFile, Discovery } from './discover.js';
import { reviveFacts, utf8Text, type FactCache } from './cache.js';
import type { WorkerFile, WorkerInput, WorkerResult } from './analyze-worker.js';

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

/** Commands an editor extension's manifest contributes (chat participants' slash commands, palette commands), with their lines. */
function manifestCommands(text: string, j: Record<string, unknown>): ManifestCommand[] | undefined {
  const c = j.contributes as Record<string, unknown> | undefined;
  if (!c || typeof c !== 'object') return undefined;
  const out: ManifestCommand[] = [];
  let from = Math.max(0, text.indexOf('"contributes"'));
  const lineAt = lineLocator(text);
  const lineOf = (needle: string) => {
    const i = text.indexOf(needle, from);
    if (i < 0) return 0;
    from = i;
    return lineAt(i);
  };
  const esc = (v: string) => v.replace(/[.*+?^$|()[\]{}\\]/g, '\\$&');
  const quote = (k: string, v: string) => new RegExp(`"${k}"\\s*:\\s*"${esc(v)}"`);
  const lineOfKey = (k: string, v: string) => {
    const m = quote(k, v).exec(text.slice(from));
    return m ? lineOf(m[0]) : 0;
  };
  type Entry = Record<string, unknown> | undefined;
  const list = (v: unknown): Entry[] => (Array.isArray(v) ? (v as Entry[]) : []);
  const chatAt = text.includes('"chatParticipants"') ? lineOf('"chatParticipants"') : undefined;
  for (const p of list(c.chatParticipants)) {
    for (const cmd of list(p?.commands)) {
      if (typeof cmd?.name !== 'string') continue;
      out.push({ kind: 'chat', name: cmd.name, description: typeof cmd.description === 'string' ? cmd.description : undefined, line: lineOfKey('name', cmd.name), listLine: chatAt });
    }
  }
  from = Math.max(0, text.indexOf('"contributes"'));
  // The palette list, not a chat participant's `commands` (whose entries have a `name`, not a `command`).
  const cmdList = Array.isArray(c.commands) ? /"commands"\s*:\s*\[\s*\{\s*"command"/.exec(text.slice(from)) : null;
  const cmdAt = cmdList ? lineOf(cmdList[0]) : undefined;
  for (const cmd of list(c.commands)) {
    if (typeof cmd?.command !== 'string') continue;
    out.push({ kind: 'editor', name: cmd.command, description: typeof cmd.title === 'string' ? cmd.title : undefined, line: lineOfKey('command', cmd.command), listLine: cmdAt });
  }
  return out.length ? out : undefined;
}

function readManifest(root: string, rel: string): ManifestFact | undefined {
  try {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    const j = JSON.parse(text) as Record<string, unknown>;
    const commands = manifestCommands(text, j);
    const deps = { ...(j.dependencies as object), ...(j.devDependencies as object), ...(j.optionalDependencies as object), ...(j.peerDependencies as object) };
    const bin = typeof j.bin === 'string' ? [j.bin] : j.bin && typeof j.bin === 'object' ? Object.values(j.bin as Record<string, string>) : [];
    return {
      path: rel,
      name: typeof j.name === 'string' ? j.name : undefined,
      dependencies: Object.keys(deps),
      scripts: (j.scripts && typeof j.scripts === 'object' ? j.scripts : {}) as Record<string, string>,
      bin: bin.filter((b): b is string => typeof b === 'string'),
      ...(commands ? { commands } : {}),
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

/** Whether a file's facts need the TypeScript compiler (TypeScript and JavaScript sources; tests are read by text). */
export const needsCompiler = (f: Pick<DiscoveredFile, 'role' | 'lang'>): boolean => f.role === 'source' && f.lang !== 'py';

/** The facts of a file that needs no compiler (see `needsCompiler`): a Python source, or a test read by text. */
export async function analyzeWithoutCompiler(f: Pick<DiscoveredFile, 'path' | 'role' | 'lang'>, text: string): Promise<FileFacts> {
  if (f.lang !== 'py') return analyzeTestText(f.path, text);
  const py = await pythonAnalyzer(f.role);
  return f.role === 'test' ? py.analyzePythonTestText(f.path, text) : py.analyzePython(f.path, text, f.role);
}

/** Why a file the analyzer threw on is skipped: the parser itself recurses, and pathological nesting can exhaust the stack. */
export const analyzerErrorReason = (err: unknown): string => (err instanceof RangeError ? 'too deeply nested to parse' : `analyzer error: ${(err as Error).message}`);

/** Whether a file can be analysed by the worker (./analyze-worker.ts): test files and Python sources. */
const workerCanAnalyse = (f: DiscoveredFile): boolean => !needsCompiler(f);

/** Fewer bytes than this to analyse in the worker: not worth starting it (a thread and its modules cost some 30 ms). */
const WORKER_MIN_BYTES = 1_000_000;

/**
 * The worker's Node options: the process's, less those that only concern the main script. A worker
 * started with `--input-type` fails to load (ERR_INPUT_TYPE_NOT_ALLOWED), so an audit run from
 * `node --input-type=module -e …` (as `npm run bench` runs a build named by AUDIT_DIST) would
 * analyse everything in this thread.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') i++; // and its value
    else if (!/^--(?:input-type|eval|print)=/.test(a)) out.push(a);
  }
  return out;
}

/** The worker's results as they arrive; `get` waits for one (undefined when the worker failed before sending it). */
class Offload {
  private readonly results = new Map<number, WorkerResult>();
  private finished = false;
  private wake?: () => void;

  constructor(input: WorkerInput) {
    const worker = new Worker(new URL('./analyze-worker.js', import.meta.url), { workerData: input, execArgv: workerExecArgv() });
    const done = () => {
      this.finished = true;
      this.wake?.();
    };
    worker.on('message', (r: WorkerResult) => {
      if ('done' in r) done();
      else {
        this.results.set(r.i, r);
        this.wake?.();
      }
    });
    worker.on('error', done);
    worker.on('exit', done);
  }

  async get(i: number): Promise<Extract<WorkerResult, { i: number }> | undefined> {
    for (;;) {
      const r = this.results.get(i);
      if (r || this.finished) return r as Extract<WorkerResult, { i: number }> | undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Analyse files, in discovery order. TypeScript sources are parsed in this thread; when a megabyte
 * or more of test files and Python sources needs analysing, they go to a worker thread
 * (./analyze-worker.ts) running beside it, else they are analysed here too. `onFile` is called
 * after each file.
 */
export async function analyzeFiles(files: readonly DiscoveredFile[], onFile?: () => void, cache?: FactCache): Promise<AnalyzedFiles> {
  const results: Array<FileFacts | SkippedFile> = new Array(files.length);
  // A file with the stamp its facts were cached with is not read (nor hashed) again.
  const stamped = files.map((f) => cache?.lookupStamp(f));
  const toWorker: WorkerFile[] = [];
  let workerBytes = 0;
  files.forEach((f, i) => {
    if (stamped[i] || !workerCanAnalyse(f)) return;
    toWorker.push({ i, path: f.path, abs: f.abs, role: f.role, lang: f.lang });
    workerBytes += f.size;
  });
  let offload: Offload | undefined;
  if (workerBytes >= WORKER_MIN_BYTES) {
    try {
      offload = new Offload({ files: toWorker, known: cache?.keys() ?? [] });
    } catch {
      // no worker: all in this thread
    }
  }
  const inWorker = new Set(offload ? toWorker.map((w) => w.i) : []);
  for (let i = 0; i < files.length; i++) {
    if (inWorker.has(i)) continue;
    onFile?.();
    results[i] = stamped[i] ?? (await analyzeFile(files[i], cache));
  }
  if (offload) {
    for (const { i } of toWorker) {
      onFile?.();
      const f = files[i];
      const r = await offload.get(i);
      const hit = r?.key !== undefined ? cache?.lookupKey(r.key) : undefined;
      if (hit) {
        cache!.stamp(f, r!.key!);
        results[i] = hit;
      } else if (r?.skip !== undefined) results[i] = { path: f.path, reason: r.skip };
      else if (r?.key !== undefined && r.json !== undefined) {
        const facts = reviveFacts(JSON.parse(r.json) as FileFacts);
        if (cache) {
          cache.misses++;
          cache.set(r.key, facts, r.json);
          cache.stamp(f, r.key);
        }
        results[i] = facts;
      } else results[i] = await analyzeFile(f, cache); // the worker failed: here after all
    }
  }
  const out: AnalyzedFiles = { files: [], skipped: [] };
  for (const r of results) {
    if ('reason' in r) out.skipped.push(r);
    else out.files.push(r);
  }
  return out;
}

/** Analyse one file in this thread: its facts, or why it was skipped. */
async function analyzeFile(f: DiscoveredFile, cache: FactCache | undefined): Promise<FileFacts | SkippedFile> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(f.abs);
  } catch (err) {
    return { path: f.path, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  // Facts are cached only for text that was analysed, so a hit needs neither decoding nor the skip test.
  const cached = cache?.lookup(f, bytes);
  if (cached?.facts) {
    cache!.stamp(f, cached.key);
    return cached.facts;
  }
  const text = utf8Text(bytes);
  const reason = contentSkipReason(text);
  if (reason) return { path: f.path, reason };
  if (cache) cache.misses++;
  if (f.lang === 'py') await pythonAnalyzer(f.role); // a parser that cannot load fails the run, not this file
  try {
    const facts = needsCompiler(f) ? (analyzeTypeScript ?? (await typeScriptAnalyzer(cache)))(f.path, text, f.role) : await analyzeWithoutCompiler(f, text);
    if (cached) {
      cache!.set(cached.key, facts);
      cache!.stamp(f, cached.key);
    }
    return facts;
  } catch (err) {
    return { path: f.path, reason: analyzerErrorReason(err) };
  }
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
