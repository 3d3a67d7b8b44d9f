/**
 * What the analyzers share without the TypeScript compiler: the empty facts of a file, and test
 * files read by text (they only feed the verification checks, so they are never parsed).
 */
import type { FileFacts } from './facts.js';
import { lineLocator, matchesAtWords } from './lines.js';
import { closeOf, markSkippedTests } from './skipped-tests.js';
import { jsLocalFns } from './test-locals.js';

export function emptyFacts(path: string, role: FileFacts['role'], lang: FileFacts['lang'], lines: number): FileFacts {
  return {
    path,
    role,
    lang,
    lines,
    parseErrors: 0,
    imports: [],
    functions: [],
    calls: [],
    objects: [],
    classes: [],
    loops: [],
    types: [],
    consts: [],
    strings: [],
    reads: Object.create(null) as Record<string, number[]>,
    tests: [],
    asserts: [],
    lookups: [],
    guards: [],
    compares: [],
    binds: [],
    adds: [],
    subs: [],
    branches: [],
  };
}

const TEST_CASE = /\b(?:it|test|describe)(?:\.(?:each\([^)]*\)|only|skip|concurrent|todo))?\(\s*(['"`])((?:\\.|(?!\1).){1,200})\1/g;
const IMPORT_FROM = /^[ \t]*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|^[ \t]*import\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
/** The words IMPORT_FROM's matches start with (`matchesAtWords`): a line's first word, or `require(` / `import(` anywhere. */
const IMPORT_WORDS = /import|export|require\(/;
const ASSERT_WORD = /\b(?:expect|assert|should)\b/g;

/**
 * Test files feed only the verification checks, so they are read by text, not parsed: imports,
 * test names and assertion lines are enough, and skipping the parse keeps the audit fast.
 */
export function analyzeTestText(path: string, text: string): FileFacts {
  const lang = /\.[cm]?jsx?$/.test(path) ? 'js' : 'ts';
  const lineAt = lineLocator(text);
  const facts = emptyFacts(path, 'test', lang, lineAt(text.length));
  for (const m of matchesAtWords(text, IMPORT_FROM, IMPORT_WORDS, true)) {
    const from = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (from) facts.imports.push({ from, names: [], line: lineAt(m.index ?? 0) });
  }
  for (const m of text.matchAll(TEST_CASE)) facts.tests.push({ name: m[2], line: lineAt(m.index ?? 0) });
  // Each line with an assertion word once, found without splitting the file into lines.
  ASSERT_WORD.lastIndex = 0;
  for (let m = ASSERT_WORD.exec(text); m; m = ASSERT_WORD.exec(text)) {
    const start = text.lastIndexOf('\n', m.index) + 1;
    const nl = text.indexOf('\n', m.index);
    let end = nl < 0 ? text.length : nl;
    let line = text.slice(start, end).trim();
    // `expect(` ending its line (a formatter wrapped the call): the assertion runs to the line of its close,
    // `isPathAllowed('/etc/passwd', BASES)` and `).toBe(false);` included, whitespace collapsed. A matcher's
    // wrapped arguments (`toMatchSnapshot(` then a description) stay out.
    if (/\b(?:expect|assert\w*)\s*\($/.test(line)) {
      const open = end - 1 - (text.slice(start, end).length - text.slice(start, end).trimEnd().length);
      const close = text[open] === '(' ? closeOf(text, open) : -1;
      if (close > 0 && close - open < 600) {
        const after = text.indexOf('\n', close);
        end = after < 0 ? text.length : after;
        line = text.slice(start, end).replace(/\s+/g, ' ').trim();
      }
    }
    facts.asserts.push({ text: line.slice(0, 200), line: lineAt(start) });
    ASSERT_WORD.lastIndex = end;
  }
  markSkippedTests(facts, text, lineAt);
  jsLocalFns(facts, text, lineAt);
  return facts;
}
