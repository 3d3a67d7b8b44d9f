/**
 * Configuration files as facts: YAML, JSON (and JSONC) and TOML files inside the harness become
 * `ConfigEntryFact`s (dotted key path, last key, scalar value, 1-based line), so rules can read
 * tool bundles, limits, permission settings and agent definitions declared as data with
 * `file:line`, the same way they read code.
 *
 * - YAML: the `yaml` package's document tree with a `LineCounter` (aliases are not followed, so
 *   an alias bomb costs nothing; every document of a multi-document stream shares the root path).
 * - JSON / JSONC: a small scanner of its own (comments and trailing commas allowed), faster than a
 *   YAML parse and tolerant of the tab indentation YAML refuses.
 * - TOML: a line-oriented reader for what configuration TOML uses: `[table]`, `[[array.of.tables]]`,
 *   dotted and quoted keys, strings (incl. multi-line), numbers, booleans, dates, arrays (also
 *   multi-line) and inline tables.
 * Each file yields at most MAX_CONFIG_ENTRIES entries; a file that does not parse yields what was
 * read before the error (YAML keeps its recovered tree).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { configFormat, type ConfigFormat } from './config-files.js';
import type { ConfigEntryFact, ConfigFileFacts } from './facts.js';

export const MAX_CONFIG_ENTRIES = 5000;
const MAX_VALUE = 200;

const cut = (s: string) => (s.length > MAX_VALUE ? s.slice(0, MAX_VALUE) : s);
const join = (base: string, key: string) => (base ? `${base}.${key}` : key);

class Sink {
  readonly entries: ConfigEntryFact[] = [];
  add(path: string, key: string, value: string, line: number): boolean {
    if (this.entries.length >= MAX_CONFIG_ENTRIES) return false;
    this.entries.push({ path, key, value: cut(value), line });
    return true;
  }
  get full(): boolean {
    return this.entries.length >= MAX_CONFIG_ENTRIES;
  }
}

// ---------------------------------------------------------------------------------------- YAML

function yamlEntries(text: string, sink: Sink): void {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: false, strict: false, prettyErrors: false, merge: false });
  const list = Array.isArray(docs) ? docs : [];
  const lineOf = (offset: number | undefined) => (offset === undefined ? 1 : lc.linePos(offset).line);
  const scalarText = (n: unknown): string => {
    if (!isScalar(n)) return '';
    const v = n.value;
    return v === null || v === undefined ? '' : String(v);
  };
  const walk = (node: YamlNode | null | undefined, path: string, key: string, depth: number) => {
    if (!node || sink.full || depth > 64) return;
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const k = isScalar(item.key) ? scalarText(item.key) : '';
        if (!k) continue;
        const keyNode = item.key as YamlNode;
        const line = lineOf(keyNode.range?.[0]);
        const v = item.value as YamlNode | null;
        const p = join(path, k);
        if (isMap(v) || isSeq(v)) {
          if (!sink.add(p, k, '', line)) return;
          walk(v, p, k, depth + 1);
        } else if (isAlias(v)) {
          sink.add(p, k, `*${v.source}`, line);
        } else {
          sink.add(p, k, scalarText(v), line);
        }
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const p = `${path}[${i}]`;
        const n = item as YamlNode;
        if (isMap(n) || isSeq(n)) {
          const first = isMap(n) && isPair(n.items[0]) ? (n.items[0].key as YamlNode)?.range?.[0] : undefined;
          if (!sink.add(p, key, '', lineOf(first ?? n.range?.[0]))) return;
          walk(n, p, key, depth + 1);
        } else if (isScalar(n)) {
          sink.add(p, key, scalarText(n), lineOf(n.range?.[0]));
        }
      });
    }
  };
  for (const doc of list) walk(doc.contents as YamlNode | null, '', '', 0);
}

// ---------------------------------------------------------------------------------------- JSON

/** A tolerant JSON scanner: JSONC comments, trailing commas; stops quietly at the first error. */
function jsonEntries(text: string, sink: Sink): void {
  let i = 0;
  let line = 1;
  const n = text.length;
  const ws = () => {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line++;
        i++;
      } else if (c === 32 || c === 9 || c === 13 || c === 0xfeff) i++;
      else if (c === 47 && text.charCodeAt(i + 1) === 47) {
        while (i < n && text.charCodeAt(i) !== 10) i++;
      } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
        i += 2;
        while (i < n && !(text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47)) {
          if (text.charCodeAt(i) === 10) line++;
          i++;
        }
        i += 2;
      } else break;
    }
  };
  const str = (): string => {
    // at the opening quote
    i++;
    let out = '';
    let start = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c === 92) {
        out += text.slice(start, i);
        const e = text[i + 1];
        out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'u' ? String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16) || 63) : e;
        i += e === 'u' ? 6 : 2;
        start = i;
        continue;
      }
      if (c === 10) line++;
      i++;
    }
    throw new Error('unterminated string');
  };
  const value = (path: string, key: string, keyLine: number, depth: number): void => {
    ws();
    if (depth > 64) throw new Error('too deep');
    const c = text[i];
    if (c === '{') {
      if (path && !sink.add(path, key, '', keyLine)) throw new Error('full');
      i++;
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return;
        }
        if (text[i] !== '"') throw new Error('key expected');
        const kLine = line;
        const k = str();
        ws();
        if (text[i] !== ':') throw new Error('colon expected');
        i++;
        value(join(path, k), k, kLine, depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new Error('comma expected');
      }
    }
    if (c === '[') {
      if (path && !sink.add(path, key, '', keyLine)) throw new Error('full');
      i++;
      for (let idx = 0; ; idx++) {
        ws();
        if (text[i] === ']') {
          i++;
          return;
        }
        value(`${path}[${idx}]`, key, line, depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== ']') throw new Error('comma expected');
      }
    }
    if (c === '"') {
      const s = str();
      if (path && !sink.add(path, key, s, keyLine)) throw new Error('full');
      return;
    }
    const m = /^(?:-?[\d.eE+-]+|true|false|null)/.exec(text.slice(i, i + 40));
    if (!m) throw new Error('value expected');
    i += m[0].length;
    if (path && !sink.add(path, key, m[0] === 'null' ? '' : m[0], keyLine)) throw new Error('full');
  };
  try {
    value('', '', 1, 0);
  } catch {
    // keep what was read
  }
}

// ---------------------------------------------------------------------------------------- TOML

/** Split a dotted TOML key (`a."b.c".d`) into its parts. */
function tomlKey(raw: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let q = '';
  for (const ch of raw.trim()) {
    if (q) {
      if (ch === q) q = '';
      else cur += ch;
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === '.') {
      parts.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  parts.push(cur.trim());
  return parts.filter((p) => p !== '');
}

/**
 * Visits each character of `s` outside quoted strings (TOML basic strings may escape a quote);
 * stops at the first one `visit` returns true for and returns its index, else -1.
 */
function outsideStrings(s: string, visit: (ch: string, i: number) => boolean | void): number {
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === '\\' && q === '"') i++;
      else if (ch === q) q = '';
    } else if (ch === '"' || ch === "'") q = ch;
    else if (visit(ch, i)) return i;
  }
  return -1;
}

/** Index of the first `#` outside a string, or -1. */
const commentAt = (s: string): number => outsideStrings(s, (ch) => ch === '#');

/**
 * Walks a value text outside strings, tracking bracket depth; calls `atComma` at each top-level
 * comma. Returns the depth at the end (positive while an array / inline table is open).
 */
function scanBrackets(s: string, atComma?: (i: number) => void): number {
  let depth = 0;
  outsideStrings(s, (ch, i) => {
    if (ch === '[' || ch === '{') depth++;
    else if (ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) atComma?.(i);
  });
  return depth;
}

/** Split the inside of an array or inline table at top-level commas. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let start = 0;
  scanBrackets(s, (i) => {
    out.push(s.slice(start, i));
    start = i + 1;
  });
  out.push(s.slice(start));
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

/** Bracket balance of a value text outside strings (positive while an array / inline table is open). */
const openBrackets = (s: string): number => scanBrackets(s);

/** First `=` outside quotes (keys may be quoted). */
function equalsAt(s: string): number {
  let q = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) {
      if (ch === q) q = '';
    } else if (ch === '"' || ch === "'") q = ch;
    else if (ch === '=') return i;
  }
  return -1;
}

function tomlScalar(v: string): string {
  const t = v.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) {
    const inner = t.slice(1, -1);
    return t[0] === '"' ? inner.replace(/\\(["\\nt])/g, (_, e: string) => (e === 'n' ? '\n' : e === 't' ? '\t' : e)) : inner;
  }
  return t;
}

function tomlEntries(text: string, sink: Sink): void {
  const lines = text.split(/\r?\n/);
  let prefix = '';
  const arrayCounts = new Map<string, number>();
  const emitted = new Set<string>();
  const emitValue = (path: string, key: string, raw: string, line: number, depth: number) => {
    const t = raw.trim();
    if (depth > 32) return;
    if (t.startsWith('[')) {
      sink.add(path, key, '', line);
      splitTop(t.slice(1, t.lastIndexOf(']'))).forEach((item, idx) => emitValue(`${path}[${idx}]`, key, item, line, depth + 1));
    } else if (t.startsWith('{')) {
      sink.add(path, key, '', line);
      for (const kv of splitTop(t.slice(1, t.lastIndexOf('}')))) {
        const eq = equalsAt(kv);
        if (eq < 0) continue;
        const keys = tomlKey(kv.slice(0, eq));
        if (!keys.length) continue;
        emitValue(keys.reduce(join, path), keys[keys.length - 1], kv.slice(eq + 1), line, depth + 1);
      }
    } else sink.add(path, key, tomlScalar(t), line);
  };
  for (let li = 0; li < lines.length && !sink.full; li++) {
    const lineNo = li + 1;
    let s = lines[li];
    const hash = commentAt(s);
    if (hash >= 0) s = s.slice(0, hash);
    s = s.trim();
    if (!s) continue;
    const arr = /^\[\[\s*(.+?)\s*\]\]$/.exec(s);
    if (arr) {
      const keys = tomlKey(arr[1]);
      const base = keys.join('.');
      const idx = arrayCounts.get(base) ?? 0;
      arrayCounts.set(base, idx + 1);
      if (!emitted.has(base)) {
        emitted.add(base);
        sink.add(base, keys[keys.length - 1] ?? '', '', lineNo);
      }
      prefix = `${base}[${idx}]`;
      sink.add(prefix, keys[keys.length - 1] ?? '', '', lineNo);
      continue;
    }
    const table = /^\[\s*(.+?)\s*\]$/.exec(s);
    if (table) {
      const keys = tomlKey(table[1]);
      prefix = keys.join('.');
      if (!emitted.has(prefix)) {
        emitted.add(prefix);
        sink.add(prefix, keys[keys.length - 1] ?? '', '', lineNo);
      }
      continue;
    }
    const eq = equalsAt(s);
    if (eq < 0) continue;
    const keys = tomlKey(s.slice(0, eq));
    if (!keys.length) continue;
    const path = keys.reduce(join, prefix);
    const key = keys[keys.length - 1];
    let raw = s.slice(eq + 1).trim();
    // Multi-line strings: """ … """ and ''' … '''.
    const ml = raw.startsWith('"""') ? '"""' : raw.startsWith("'''") ? "'''" : '';
    if (ml) {
      let body = raw.slice(3);
      while (!body.includes(ml) && li + 1 < lines.length) body += '\n' + lines[++li];
      const end = body.indexOf(ml);
      sink.add(path, key, (end >= 0 ? body.slice(0, end) : body).replace(/^\n/, ''), lineNo);
      continue;
    }
    // Multi-line arrays and inline tables.
    while (openBrackets(raw) > 0 && li + 1 < lines.length) {
      let next = lines[++li];
      const h = commentAt(next);
      if (h >= 0) next = next.slice(0, h);
      raw += ' ' + next.trim();
    }
    emitValue(path, key, raw, lineNo, 0);
  }
}

// ---------------------------------------------------------------------------------------- entry

/**
 * Whether parsed entries show a file that configures a compiler or describes data rather than
 * the harness: a tsconfig under another name (`compilerOptions` at the root) or a JSON Schema
 * (`$schema` with `properties` / `definitions` at the root).
 */
export function isToolingConfig(entries: readonly ConfigEntryFact[]): boolean {
  const root = new Set<string>();
  for (const e of entries) if (e.path === e.key) root.add(e.key);
  if (root.has('compilerOptions')) return true;
  return root.has('$schema') && (root.has('properties') || root.has('definitions') || root.has('$defs') || root.has('patternProperties'));
}

/** Turn one configuration file's text into facts. Never throws. */
/**
 * The YAML front matter of a Markdown file (between a first line `---` and the next `---`), at its
 * own lines, and the body after it as one `body` entry (its first line and text). No front matter, no entries.
 */
function frontMatterEntries(text: string, sink: Sink): void {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return;
  // Parse the front matter with the lines above it blanked, so its entries keep the file's line numbers.
  yamlEntries(`\n${m[1]}`, sink);
  const rest = text.slice(m[0].length);
  const body = rest.trim();
  if (!body) return;
  const start = m[0].length + (rest.length - rest.trimStart().length);
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < start; i = text.indexOf('\n', i + 1)) line++;
  sink.add('body', 'body', body, line);
}

export function analyzeConfig(path: string, text: string, format: ConfigFormat = configFormat(path) ?? 'yaml'): ConfigFileFacts {
  const sink = new Sink();
  try {
    if (format === 'markdown') frontMatterEntries(text, sink);
    else if (format === 'json') jsonEntries(text, sink);
    else if (format === 'toml') tomlEntries(text, sink);
    else yamlEntries(text, sink);
  } catch {
    // keep what was read
  }
  return { path, format, entries: sink.entries };
}
