/**
 * The fact cache: each file's facts, keyed by its path, role and content hash, in one file per
 * audited folder under `node_modules/.cache/agent-audit` (or `--cache-dir`). The whole cache is
 * dropped when the audit's fingerprint changes: its version and the code of its analyzers.
 *
 * A file is read and hashed only when its stamp (size, modification and change times, inode; see
 * `DiscoveredFile.stamp`) is not the one recorded with its facts, as git's index does; a stamp is
 * recorded only when the file had not changed for `RACY_MS` before the run began, so a change
 * within the file system's time granularity is still caught by the content hash.
 *
 * Facts are plain data, stored as JSON (measured on gemini-cli, parsing it is faster than
 * v8.deserialize), written in ASCII (`asciiJson`) so that it is read as Latin-1: a one-byte string,
 * decoded and parsed faster than UTF-8 decoded into a two-byte one. Contract: a cache never changes a verdict. Anything wrong with it (missing, unreadable,
 * corrupt, another fingerprint) is a cold run; a failed write is ignored. Writes are atomic
 * (a temporary file renamed), so concurrent audits at worst redo work.
 */
import { isAscii } from 'node:buffer';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileFacts } from '../../analyzers/facts.js';
import { writeCompilerCodeCache } from '../../analyzers/compiler.js';
import { writeFileAtomic } from '../../reference-harness/persistence/jsonl.js';
import { TOOL } from '../../version.js';

/** Cache files kept per cache folder: the oldest beyond this are removed when one is written. */
const MAX_CACHE_FILES = 32;

let analyzerFingerprint: string | undefined;

/** The audit's version and a hash of its analyzers' code: what every cached fact depends on. */
export function auditFingerprint(): string {
  if (analyzerFingerprint === undefined) {
    const h = crypto.createHash('sha1').update(TOOL.version);
    const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../analyzers');
    try {
      for (const name of fs.readdirSync(dir).sort()) if (/\.[cm]?[jt]s$/.test(name)) h.update(name).update(fs.readFileSync(path.join(dir, name)));
    } catch {
      // no analyzer sources to read: the version alone
    }
    analyzerFingerprint = `${TOOL.version}+${h.digest('hex').slice(0, 16)}`;
  }
  return analyzerFingerprint;
}

let codeFingerprint: string | undefined;

/** The fingerprint of everything that makes a verdict: the audit's version and all its code (rules included). */
export function verdictFingerprint(): string {
  if (codeFingerprint === undefined) {
    const h = crypto.createHash('sha1').update(auditFingerprint());
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
    const walk = (dir: string) => {
      let entries: fs.Dirent[] = [];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1));
      } catch {
        return;
      }
      for (const e of entries) {
        const abs = path.join(dir, e.name);
        if (e.isDirectory() && e.name !== 'reference-harness' && e.name !== 'node_modules') walk(abs);
        else if (e.isFile() && /\.[cm]?[jt]s$/.test(e.name) && !/\.d\.ts$|\.test\./.test(e.name)) h.update(e.name).update(fs.readFileSync(abs));
      }
    };
    walk(root);
    codeFingerprint = h.digest('hex').slice(0, 20);
  }
  return codeFingerprint;
}

/** The user's cache folder for the audit: `$XDG_CACHE_HOME/agent-audit`, else `~/.cache/agent-audit`. */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'agent-audit');
}

/**
 * `node_modules/.cache/agent-audit` of the nearest folder at or above `cwd` holding a
 * package.json; outside a Node project (no node_modules to put it in), the user's cache folder
 * (`userCacheDir`).
 */
export function defaultCacheDir(cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  for (let d = cwd; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return path.join(d, 'node_modules', '.cache', 'agent-audit');
    if (path.dirname(d) === d) return userCacheDir(env);
  }
}

interface Stored {
  fingerprint: string;
  /** Base files: an id the delta names; delta files: the id of their base. */
  id?: string;
  base?: string;
  entries: Array<[string, FileFacts]>;
  /** Content keys (of `entries`, here or in the base) and the stamp the file had when its content was hashed. */
  stamps?: Array<[string, string]>;
}

/** A file changed this recently (ms) before the run began is hashed again next time: a later change might keep its times. */
const RACY_MS = 2000;

/** The lookup key of a file's stamp: its content key with the stamp in place of the hash. */
const stampKey = (file: { path: string; role: string; lang: string }, stamp: string): string => `${file.path}\0${file.role}\0${file.lang}\0${stamp}`;
const stampKeyOf = (contentKey: string, stamp: string): string => contentKey.slice(0, contentKey.lastIndexOf('\0') + 1) + stamp;

/** A run that re-analyses at most this share of the files (or 50 files) writes a delta beside the base. */
const DELTA_SHARE = 0.1;

const NON_ASCII_ALL = /[\u0080-\uffff]/g;
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
/** Whether `text` is ASCII: its UTF-8 length is its length (counted natively, without a pattern scan). */
const ascii = (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length;

/**
 * The JSON text `json` with every non-ASCII character escaped (`…` → `\u2026`): the same JSON, one
 * byte per character. On gemini-cli 44% of the files' facts hold one (mostly the `…` of a cut text),
 * and one is enough to make the whole cache text two bytes a character.
 */
export function asciiJson(json: string): string {
  if (ascii(json)) return json;
  const t = json.replaceAll('…', '\\u2026'); // most of them, without a pattern
  return ascii(t) ? t : t.replace(NON_ASCII_ALL, escapeChar);
}

/**
 * UTF-8 bytes as text: ASCII ones decoded as Latin-1, the same text (measured 17 ms for 24 MB,
 * UTF-8 70 ms; for the compiler's 9 MB, 11 ms against 190 ms); any other as UTF-8.
 */
export const utf8Text = (bytes: Buffer): string => (isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'));

/** A cache file's text: ASCII as written (`asciiJson`), so decoded as Latin-1 (`utf8Text`). */
const readText = (file: string): string => utf8Text(fs.readFileSync(file));

function readStored(file: string, fingerprint: string): Stored | undefined {
  try {
    const stored = JSON.parse(readText(file)) as Stored;
    return stored?.fingerprint === fingerprint && Array.isArray(stored.entries) ? stored : undefined;
  } catch {
    return undefined; // no cache yet, or one that cannot be read: a cold run
  }
}

/** The key of a file's facts: its path, role and language, and the hash of its UTF-8 bytes (so a file's bytes as read and its text as decoded hash alike). */
export function factKey(file: { path: string; role: string; lang: string }, content: string | Buffer): string {
  return `${file.path}\0${file.role}\0${file.lang}\0${crypto.createHash('sha1').update(content).digest('base64')}`;
}

/**
 * Facts parsed from JSON, made as the analyzers make them: `reads` and objects' `values` are
 * records without a prototype (as parsed, `values.constructor` would be Object's constructor).
 */
export function reviveFacts(facts: FileFacts): FileFacts {
  Object.setPrototypeOf(facts.reads, null);
  for (const o of facts.objects) Object.setPrototypeOf(o.values, null);
  return facts;
}

/** Atomic, not fsynced: a crash at worst costs the next run its cache. */
const writeAtomic = (file: string, data: Stored): void => writeFileAtomic(file, JSON.stringify(data), false);

export class FactCache {
  private readonly old = new Map<string, FileFacts>();
  private readonly used = new Map<string, FileFacts>();
  /** Keys held by the base file (not the delta). */
  private readonly baseKeys = new Set<string>();
  /** Stamp keys (`stampKey`) to content keys: from the cache files, and those this run used or learned, with their stamps. */
  private readonly oldStamps = new Map<string, string>();
  private readonly usedStamps = new Map<string, [string, string]>();
  /** Stamp keys held by the base file, and how many stamps this run learned that the cache files do not hold. */
  private readonly baseStamps = new Map<string, string>();
  private stampsLearned = 0;
  /** The JSON text of facts that came as text (from the analysis worker): written without serialising them again. */
  private readonly json = new Map<string, string>();
  /** When the cache was opened, before the files were listed: a stamp older than this by `RACY_MS` is safe to trust. */
  private readonly openedAt = Date.now();
  private baseId?: string;
  hits = 0;
  misses = 0;

  private constructor(
    /** The base cache file; the delta is beside it (`.delta`). */
    readonly file: string,
    readonly fingerprint: string,
  ) {}

  /** The cache folder. */
  get dir(): string {
    return path.dirname(this.file);
  }

  /**
   * Where V8's code cache of the TypeScript compiler is kept (../../analyzers/compiler.ts): it
   * belongs to the audit's own build, not to one audited folder, so every fact cache shares the
   * user's (an audit with a fresh fact cache still loads the compiler from it).
   */
  codeCacheDir: string = userCacheDir();

  get deltaFile(): string {
    return this.file.replace(/\.facts$/, '.delta');
  }

  /** Opens the cache of the audited folder `key` (its real path) in `dir`. */
  static open(dir: string, key: string, fingerprint = auditFingerprint()): FactCache {
    const name = crypto.createHash('sha1').update(key).digest('hex').slice(0, 20);
    const cache = new FactCache(path.join(dir, `${name}.facts`), fingerprint);
    const base = readStored(cache.file, fingerprint);
    if (!base) return cache;
    cache.baseId = base.id;
    for (const [k, v] of base.entries) {
      cache.old.set(k, v);
      cache.baseKeys.add(k);
    }
    if (Array.isArray(base.stamps)) {
      for (const [k, stamp] of base.stamps) {
        const sk = stampKeyOf(k, stamp);
        cache.oldStamps.set(sk, k);
        cache.baseStamps.set(sk, k);
      }
    }
    const delta = base.id ? readStored(cache.deltaFile, fingerprint) : undefined;
    if (delta && delta.base === base.id) {
      for (const [k, v] of delta.entries) cache.old.set(k, v);
      if (Array.isArray(delta.stamps)) for (const [k, stamp] of delta.stamps) cache.oldStamps.set(stampKeyOf(k, stamp), k);
    }
    return cache;
  }

  /** The cached facts of this file with this content (its text, or its bytes as read), or undefined. */
  get(file: { path: string; role: string; lang: string }, content: string | Buffer): { facts?: FileFacts; key: string } {
    const found = this.lookup(file, content);
    if (!found.facts) this.misses++;
    return found;
  }

  /**
   * `get` without counting a miss: the caller counts one (`misses++`) when it analyses the file,
   * so a file it skips (binary, generated) does not make every run rewrite the cache.
   */
  lookup(file: { path: string; role: string; lang: string }, content: string | Buffer): { facts?: FileFacts; key: string } {
    const key = factKey(file, content);
    return { facts: this.lookupKey(key), key };
  }

  /** The cached facts of content key `key` (`factKey`), or undefined; like `lookup`, counts no miss. */
  lookupKey(key: string): FileFacts | undefined {
    let facts = this.used.get(key);
    if (!facts) {
      facts = this.old.get(key);
      if (facts) reviveFacts(facts); // from the cache file: once, when first used
    }
    if (facts) {
      this.hits++;
      this.used.set(key, facts);
    }
    return facts;
  }

  /** Entries this run added that are not a source file's facts (`setOther`): the cache is written when there is one. */
  private othersAdded = 0;

  /**
   * Cached facts that are not a source file's (a project file's import settings), under content key `key` (`factKey`
   * with a kind of their own as `lang`), or undefined; counted neither as a hit nor as a miss.
   */
  lookupOther<T extends object>(key: string): T | undefined {
    const v = (this.used.get(key) ?? this.old.get(key)) as T | undefined;
    if (v !== undefined) this.used.set(key, v as unknown as FileFacts);
    return v;
  }

  /** Caches facts that are not a source file's (see `lookupOther`) under `key`. */
  setOther(key: string, value: object): void {
    this.used.set(key, value as FileFacts);
    this.othersAdded++;
  }

  /** The content keys of the facts the cache holds. */
  keys(): string[] {
    return [...new Set([...this.old.keys(), ...this.used.keys()])];
  }

  /** Caches `facts` under `key`; `json`, when given, is their JSON text in ASCII (`asciiJson`), written as it is. */
  set(key: string, facts: FileFacts, json?: string): void {
    this.used.set(key, facts);
    if (json !== undefined) this.json.set(key, json);
  }

  /**
   * The cached facts of a file whose stamp is the one recorded when content `key` was hashed, or
   * undefined (then the caller reads and hashes it: `lookup`).
   */
  lookupStamp(file: { path: string; role: string; lang: string; stamp?: string }): FileFacts | undefined {
    if (file.stamp === undefined) return undefined;
    const sk = stampKey(file, file.stamp);
    const key = this.oldStamps.get(sk);
    if (key === undefined) return undefined;
    const facts = this.lookupKey(key);
    if (facts) this.usedStamps.set(sk, [key, file.stamp]);
    return facts;
  }

  /**
   * Records that the file, with its stamp, has the content of `key` (after `lookup` or `set`), unless
   * it changed too shortly before the run to be sure a later change would change its stamp.
   */
  stamp(file: { path: string; role: string; lang: string; stamp?: string; touchedMs?: number }, key: string): void {
    if (file.stamp === undefined || file.touchedMs === undefined || !(file.touchedMs < this.openedAt - RACY_MS)) return;
    const sk = stampKey(file, file.stamp);
    if (this.oldStamps.get(sk) !== key) this.stampsLearned++;
    this.usedStamps.set(sk, [key, file.stamp]);
  }

  private resultFile(key: string): string {
    return path.join(path.dirname(this.file), `${crypto.createHash('sha1').update(key).update(verdictFingerprint()).digest('hex').slice(0, 24)}.result`);
  }

  /** A whole audit's result stored under `key` (e.g. a commit's tree) by this version of the audit, or undefined. */
  getResult<T>(key: string): T | undefined {
    try {
      return JSON.parse(fs.readFileSync(this.resultFile(key), 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Stores a whole audit's result under `key`, keeping the newest results only; never throws. */
  setResult(key: string, result: unknown): void {
    try {
      const file = this.resultFile(key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeAtomic(file, result as Stored);
      const dir = path.dirname(file);
      const results = fs
        .readdirSync(dir)
        .filter((n) => n.endsWith('.result'))
        .map((n) => ({ n, t: fs.statSync(path.join(dir, n)).mtimeMs }))
        .sort((x, y) => y.t - x.t);
      for (const r of results.slice(MAX_CACHE_FILES)) fs.rmSync(path.join(dir, r.n), { force: true });
    } catch {
      // only the next run's speed is lost
    }
  }

  /** The background write started by `save()`; `flush()` waits for it. */
  private writing?: Promise<void>;

  /**
   * Writes what this run analysed or learned (unless it did neither: no file analysed, no new
   * stamp): a few files as a delta beside the base,
   * else a new base of the entries used (dropping the rest) and no delta. The facts are serialised
   * now (the rules stamp them afterwards); the file is written in the background while the rules
   * run, and `flush()` waits for it. Never throws or rejects.
   */
  save(): void {
    if (this.misses === 0 && this.stampsLearned === 0 && this.othersAdded === 0) return;
    const fresh = [...this.used].filter(([k]) => !this.baseKeys.has(k));
    const small = fresh.length <= Math.max(50, this.used.size * DELTA_SHARE) && this.baseKeys.size <= this.used.size * 1.5;
    const delta = !!this.baseId && small;
    const target = delta ? this.deltaFile : this.file;
    // JSON.stringify of the whole, in ASCII, but with each entry's facts as their JSON text when it is at hand,
    // copied once into one buffer as Latin-1 (ASCII, so the same bytes as UTF-8), not a Buffer per piece and then
    // their concatenation; not one joined string either, which is two-byte once one piece is. (On gemini-cli the
    // whole save measured 441 -> 423 ms, a mean of three, against pieces and concatenation.)
    const json = (v: unknown) => asciiJson(JSON.stringify(v));
    const pieces: string[] = [];
    const put = (text: string) => void pieces.push(text);
    const entries = (list: Array<[string, FileFacts]>) =>
      list.forEach(([k, f], i) => {
        put(`${i ? ',' : ''}[${json(k)},`);
        put(this.json.get(k) ?? json(f));
        put(']');
      });
    if (delta) {
      put(`{"fingerprint":${json(this.fingerprint)},"base":${json(this.baseId)},"entries":[`);
      entries(fresh);
      put(`],"stamps":${json([...this.usedStamps].filter(([sk, [k]]) => this.baseStamps.get(sk) !== k).map(([, v]) => v))}}`);
    } else {
      put(`{"fingerprint":${json(this.fingerprint)},"id":${json(crypto.randomUUID())},"entries":[`);
      entries([...this.used]);
      put(`],"stamps":${json([...this.usedStamps.values()])}}`);
    }
    let size = 0;
    for (const p of pieces) size += p.length;
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    for (const p of pieces) at += bytes.write(p, at, 'latin1');
    const dir = path.dirname(this.file);
    const tmp = `${target}.${process.pid}.tmp`;
    const compilerCache = writeCompilerCodeCache();
    this.writing = (async () => {
      await compilerCache;
      await fs.promises.mkdir(dir, { recursive: true });
      await fs.promises.writeFile(tmp, bytes); // ASCII (Latin-1 encoded, so UTF-8 too); atomic by the rename, not fsynced: a crash at worst costs the next run its cache
      await fs.promises.rename(tmp, target);
      if (delta) {
        const now = new Date();
        await fs.promises.utimes(this.file, now, now); // the base is in use: keep it from being pruned first
      } else await fs.promises.rm(this.deltaFile, { force: true });
      const bases = await Promise.all(
        (await fs.promises.readdir(dir)).filter((n) => n.endsWith('.facts')).map(async (n) => ({ n, t: (await fs.promises.stat(path.join(dir, n))).mtimeMs })),
      );
      for (const f of bases.sort((a, b) => b.t - a.t).slice(MAX_CACHE_FILES)) {
        await fs.promises.rm(path.join(dir, f.n), { force: true });
        await fs.promises.rm(path.join(dir, f.n.replace(/\.facts$/, '.delta')), { force: true });
      }
    })().catch(() => {
      // a cache that cannot be written only costs the next run its speed
      fs.rmSync(tmp, { force: true });
    });
  }

  /** Waits for the write `save()` started, if any. */
  async flush(): Promise<void> {
    await this.writing;
  }
}
