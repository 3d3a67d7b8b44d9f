/**
 * Skipped and todo test cases, found by text like the rest of a test file. A skipped test asserts
 * nothing, so it must not count as a test: `markSkippedTests` moves the cases inside a skipped
 * span from `tests` to `skippedTests` and drops the assertion lines inside it.
 *
 * JavaScript / TypeScript: `xit`, `xtest`, `xdescribe`, `xcontext`, `it.skip`, `test.skip`,
 * `describe.skip`, `it.todo`, `test.todo`, `test.fixme` (the span is the call, balanced brackets).
 * Python: `@pytest.mark.skip`, `@pytest.mark.xfail`, `@unittest.skip` on a def or class (the span is
 * its indented block), `pytest.skip()` / `self.skipTest()` unconditionally at the top of a test's
 * body, and a module-level `pytestmark = pytest.mark.skip` or `pytest.skip(allow_module_level=True)`.
 * Conditional skips (`skipIf`, `skipif`, a skip under an `if`) are not counted.
 */
import type { FileFacts, SkippedTestFact } from './facts.js';

interface Span {
  name: string;
  how: SkippedTestFact['how'];
  startLine: number;
  endLine: number;
}

const JS_SKIP = /(?<![\w$.])(?:x(it|test|describe|context|specify)|(?:test\.)?(?:it|test|describe|context|suite|specify)\.(skip|todo|fixme))\s*\(\s*(['"`])((?:\\.|(?!\3).){1,200})\3/g;

/** The offset just past the bracket that closes the one at `open`, skipping strings, comments and regex literals; -1 if none. */
export function closeOf(text: string, open: number): number {
  let depth = 0;
  let prev = '(';
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'" || ch === '`') {
      i = endOfString(text, i);
      if (i < 0) return -1;
      prev = 'a';
      continue;
    }
    if (ch === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      if (nl < 0) return -1;
      i = nl;
      continue;
    }
    if (ch === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 1;
      continue;
    }
    if (ch === '/' && /[(,=:[!&|?{};+\-*%<>~^]/.test(prev)) {
      // A regex literal: up to the unescaped `/` outside a character class, on the same line.
      let cls = false;
      let j = i + 1;
      for (; j < text.length && text[j] !== '\n'; j++) {
        if (text[j] === '\\') j++;
        else if (text[j] === '[') cls = true;
        else if (text[j] === ']') cls = false;
        else if (text[j] === '/' && !cls) break;
      }
      if (text[j] === '/') {
        i = j;
        prev = 'a';
        continue;
      }
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    if (!/\s/.test(ch)) prev = ch;
  }
  return -1;
}

function endOfString(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === q) return i;
    else if (q === '`' && ch === '$' && text[i + 1] === '{') {
      const end = closeOf(text, i + 1);
      if (end < 0) return -1;
      i = end - 1;
    } else if (ch === '\n' && q !== '`') return i;
  }
  return -1;
}

/** Substrings every JS_SKIP match contains: most test files have none, and a substring search is far cheaper than the pattern. */
const JS_SKIP_MARKS = ['.skip', '.todo', '.fixme', 'xit', 'xtest', 'xdescribe', 'xcontext', 'xspecify'];

function jsSpans(text: string, lineAt: (offset: number) => number): Span[] {
  const out: Span[] = [];
  if (!JS_SKIP_MARKS.some((m) => text.includes(m))) return out;
  for (const m of text.matchAll(JS_SKIP)) {
    const at = m.index ?? 0;
    const open = text.indexOf('(', at);
    const end = closeOf(text, open);
    const how = m[2] === 'todo' ? 'todo' : 'skip';
    // An unbalanced call (text the scan misreads) skips only its own line.
    out.push({ name: m[4], how, startLine: lineAt(at), endLine: end < 0 ? lineAt(at) : lineAt(end) });
  }
  return out;
}

const PY_SKIP_DECORATOR = /^@(?:pytest\.mark\.(?:skip|xfail)|unittest\.skip|skip)\b(?!If|Unless|if)/;
const PY_DEF = /^(?:async\s+)?def\s+(\w+)|^class\s+(\w+)/;
const PY_BODY_SKIP = /^(?:pytest\.skip\s*\(|self\.skipTest\s*\()/;
const PY_MODULE_SKIP = /^(?:pytestmark\s*=\s*(?:\[\s*)?pytest\.mark\.(?:skip|xfail)\b(?!if)|pytest\.skip\s*\(.*allow_module_level\s*=\s*True)/;

function pySpans(lines: readonly string[]): Span[] {
  const out: Span[] = [];
  const indentOf = (l: string) => l.length - l.trimStart().length;
  const blank = (l: string) => /^\s*(?:#.*)?$/.test(l);
  /** Index of the last line of the block opened by the def/class at `i`. */
  const blockEnd = (i: number) => {
    const ind = indentOf(lines[i]);
    let last = i;
    for (let j = i + 1; j < lines.length; j++) {
      if (blank(lines[j])) continue;
      if (indentOf(lines[j]) <= ind) break;
      last = j;
    }
    return last;
  };
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trimStart();
    if (indentOf(lines[i]) === 0 && PY_MODULE_SKIP.test(t)) {
      out.push({ name: '<module>', how: 'skip', startLine: 1, endLine: lines.length });
      continue;
    }
    if (PY_SKIP_DECORATOR.test(t)) {
      // The def or class this decorator belongs to (past further decorators).
      let j = i + 1;
      while (j < lines.length && (blank(lines[j]) || lines[j].trimStart().startsWith('@'))) j++;
      const d = j < lines.length ? PY_DEF.exec(lines[j].trimStart()) : null;
      if (d) out.push({ name: d[1] ?? d[2], how: 'skip', startLine: i + 1, endLine: blockEnd(j) + 1 });
      continue;
    }
    const d = PY_DEF.exec(t);
    if (d && /^test_/.test(d[1] ?? '')) {
      const end = blockEnd(i);
      let bodyIndent = -1;
      for (let j = i + 1; j <= end; j++) {
        if (blank(lines[j])) continue;
        const ind = indentOf(lines[j]);
        if (bodyIndent < 0) bodyIndent = ind;
        if (ind === bodyIndent && PY_BODY_SKIP.test(lines[j].trimStart())) {
          out.push({ name: d[1], how: 'skip', startLine: i + 1, endLine: end + 1 });
          break;
        }
      }
    }
  }
  return out;
}

/**
 * Moves the test cases inside skipped spans of `text` from `facts.tests` to `facts.skippedTests`
 * (adding skipped cases the test-case scan does not see, such as `xit`) and drops the assertion
 * lines inside those spans.
 */
export function markSkippedTests(facts: FileFacts, text: string, lineAt: (offset: number) => number): void {
  const spans = facts.lang === 'py' ? pySpans(text.split('\n')) : jsSpans(text, lineAt);
  if (!spans.length) return;
  const within = (line: number) => spans.find((s) => line >= s.startLine && line <= s.endLine);
  const skipped: SkippedTestFact[] = [];
  const seen = new Set<string>();
  const add = (name: string, line: number, how: SkippedTestFact['how']) => {
    const k = `${line}\0${name}`;
    if (seen.has(k)) return;
    seen.add(k);
    skipped.push({ name, line, how });
  };
  for (const s of spans) if (s.name !== '<module>') add(s.name, facts.lang === 'py' ? defLine(text, s) : s.startLine, s.how);
  facts.tests = facts.tests.filter((t) => {
    const s = within(t.line);
    if (!s) return true;
    add(t.name, t.line, s.how);
    return false;
  });
  facts.asserts = facts.asserts.filter((a) => !within(a.line));
  facts.skippedTests = [...(facts.skippedTests ?? []), ...skipped].sort((a, b) => a.line - b.line);
}

/** The line of the def/class a Python span names (the span starts at its decorator). */
function defLine(text: string, s: Span): number {
  const lines = text.split('\n');
  for (let i = s.startLine - 1; i < s.endLine && i < lines.length; i++) {
    const d = PY_DEF.exec(lines[i].trimStart());
    if (d && (d[1] ?? d[2]) === s.name) return i + 1;
  }
  return s.startLine;
}
