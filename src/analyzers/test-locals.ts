/**
 * The functions a test file defines itself and what their bodies reach, read by text like the rest of a
 * test file: a test that asserts `isPathAllowed('/etc')` where `isPathAllowed` is written in the test file
 * and uses no harness import tests a copy of the check, not the harness.
 */
import type { FileFacts, LocalFnFact } from './facts.js';
import { closeOf } from './skipped-tests.js';
import { matchesAtWords } from './lines.js';

const MAX_LOCAL_FNS = 60;
const IDENT = /[A-Za-z_$][\w$]*/g;

/** Names used in a body: identifiers, each once. */
function idents(body: string): Set<string> {
  return new Set(body.match(IDENT) ?? []);
}

function finish(facts: FileFacts, found: Array<{ name: string; line: number; body: string }>, bindings: Record<string, string>): void {
  if (!found.length) return;
  const names = new Set(found.map((f) => f.name));
  const out: LocalFnFact[] = [];
  for (const f of found.slice(0, MAX_LOCAL_FNS)) {
    const ids = idents(f.body);
    const uses = new Set<string>();
    for (const id of ids) if (id in bindings) uses.add(bindings[id]);
    out.push({ name: f.name, line: f.line, uses: [...uses], calls: [...names].filter((n) => n !== f.name && ids.has(n)) });
  }
  facts.localFns = out;
  facts.bindings = bindings;
}

const JS_IMPORT = /^[ \t]*import\s+(?:type\s+)?([^'";]*?)\s+from\s*['"]([^'"]+)['"]/gm;
const JS_REQUIRE = /\b(?:const|let|var)\s+(\{[^}]*\}|[\w$]+)\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)/g;
const JS_FN = /^[ \t]*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([\w$]+)\s*\(|^[ \t]*(?:export\s+)?(?:const|let)\s+([\w$]+)\s*=\s*(?:async\s+)?(?:function\b|\([^()]*\)\s*(?::\s*[^=]+)?=>|[\w$]+\s*=>)/gm;
/** The first words of JS_IMPORT's and JS_FN's lines (`matchesAtWords`). */
const IMPORT_WORD = /import/;
const FN_WORDS = /export|async|function|const|let/;

function jsBindings(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const add = (clause: string, from: string) => {
    const ns = /\*\s*as\s+([\w$]+)/.exec(clause);
    if (ns) out[ns[1]] = from;
    const def = /^\s*([\w$]+)/.exec(clause.replace(/^\s*\{[\s\S]*$/, ''));
    if (def && def[1] !== 'type') out[def[1]] = from;
    const braces = /\{([^}]*)\}/.exec(clause);
    if (braces) for (const part of braces[1].split(',')) {
      const m = /([\w$]+)\s*$/.exec(part.replace(/\s+as\s+/, ' ').trim().replace(/:\s*/, ' '));
      if (m) out[m[1]] = from;
    }
  };
  for (const m of matchesAtWords(text, JS_IMPORT, IMPORT_WORD, false)) add(m[1], m[2]);
  // Most test files require nothing: the pattern (which starts with `\b`, so is tried at every position) only runs where it can match.
  if (text.includes('require(')) for (const m of text.matchAll(JS_REQUIRE)) add(m[1], m[2]);
  return out;
}

export function jsLocalFns(facts: FileFacts, text: string, lineAt: (offset: number) => number): void {
  const found: Array<{ name: string; line: number; body: string }> = [];
  for (const m of matchesAtWords(text, JS_FN, FN_WORDS, false)) {
    const name = m[1] ?? m[2];
    const at = m.index ?? 0;
    const head = at + m[0].length;
    // The body: the braces after the head (balanced), else an expression body to the line's end.
    const nl = text.indexOf('\n', head);
    const lineEnd = nl < 0 ? text.length : nl;
    const brace = text.indexOf('{', head);
    let end = lineEnd;
    if (brace >= 0 && brace < lineEnd + 200) {
      const close = closeOf(text, brace);
      if (close > 0 && close - brace < 20000) end = close;
    }
    found.push({ name, line: lineAt(at), body: text.slice(head, end) });
    if (found.length >= MAX_LOCAL_FNS) break;
  }
  finish(facts, found, jsBindings(text));
}

const PY_FROM = /^[ \t]*from\s+([\w.]+)\s+import\s+(\([^)]*\)|[^\n#]*)/gm;
const PY_IMP = /^[ \t]*import\s+([^\n#]*)/gm;
/** A helper `def`: not a test, not a unittest hook. */
const PY_DEF = /^([ \t]*)(?:async\s+)?def\s+(?!test_|setUp|tearDown|setup_|teardown_)(\w+)\s*\(/gm;

export function pyLocalFns(facts: FileFacts, text: string, lineAt: (offset: number) => number): void {
  const bindings: Record<string, string> = Object.create(null);
  for (const m of text.matchAll(PY_FROM)) {
    for (const part of m[2].replace(/[()]/g, '').split(',')) {
      const n = /(\w+)\s*$/.exec(part.trim());
      if (n) bindings[n[1]] = m[1];
    }
  }
  for (const m of text.matchAll(PY_IMP)) {
    for (const part of m[1].split(',')) {
      const a = /^\s*([\w.]+)(?:\s+as\s+(\w+))?\s*$/.exec(part);
      if (a) bindings[a[2] ?? a[1].split('.')[0]] = a[1];
    }
  }
  const found: Array<{ name: string; line: number; body: string }> = [];
  for (const m of text.matchAll(PY_DEF)) {
    const indent = m[1].length;
    const at = m.index ?? 0;
    const lines: string[] = [];
    let pos = text.indexOf('\n', at);
    while (pos >= 0 && pos < text.length && lines.length < 400) {
      const nl = text.indexOf('\n', pos + 1);
      const line = text.slice(pos + 1, nl < 0 ? text.length : nl);
      if (line.trim() && (/^[ \t]*/.exec(line)![0].length <= indent)) break;
      lines.push(line);
      pos = nl;
    }
    found.push({ name: m[2], line: lineAt(at), body: lines.join('\n') });
    if (found.length >= MAX_LOCAL_FNS) break;
  }
  finish(facts, found, bindings);
}
