/**
 * Test files that exercise the harness: test cases in files that import harness code (relative
 * imports outside examples, the repo's own packages or Python top-level packages).
 */
import type { FileFacts } from '../../analyzers/facts.js';
import type { RuleContext } from '../context.js';
import { normalise, sourceWithExt } from './imports.js';

/** A test file by its path: a tests/ or __tests__/ folder, `*.test.ts` / `*.spec.tsx`, `test_*.py`. */
export const TEST_PATH = /(?:^|\/)(?:tests?|__tests__|__mocks__)\/|\.(?:test|spec)(?:\.[\w-]+)?\.[cm]?[jt]sx?$|(?:^|\/)test_[^/]*\.py$/;
/** Example, demo, doc, fixture, script and benchmark folders: code shown or measured, not the harness. */
export const ILLUSTRATION = /(?:^|\/)(?:examples?|demos?|samples?|docs?|fixtures|__fixtures__|scripts|playground|benchmarks?)(?:\/|$)/;

export interface HarnessTests {
  /** Test files with at least one test case that import harness code. */
  files: FileFacts[];
  /** Test files with cases that import nothing of the harness (or only examples). */
  other: FileFacts[];
  cases: number;
}

function ownModules(ctx: RuleContext): { packages: Set<string>; pyRoots: Set<string> } {
  const packages = new Set<string>();
  for (const m of ctx.facts.manifests) if (m.name) packages.add(m.name);
  const pyRoots = new Set<string>();
  for (const f of ctx.source) {
    if (f.lang !== 'py') continue;
    const parts = f.path.split('/');
    const i = parts[0] === 'src' || parts[0] === 'lib' ? 1 : 0;
    if (parts.length > i + 1) pyRoots.add(parts[i]);
    else pyRoots.add(parts[i].replace(/\.py$/, ''));
  }
  // Packages wherever they sit (`libs/code/deepagents_code/__init__.py` in a monorepo): the
  // topmost folder of a chain of folders that each hold an `__init__.py`.
  const packageDirs = new Set(ctx.source.filter((f) => f.path.endsWith('/__init__.py')).map((f) => f.path.slice(0, -'/__init__.py'.length)));
  for (const dir of packageDirs) {
    const parent = dir.slice(0, Math.max(0, dir.lastIndexOf('/')));
    if (!packageDirs.has(parent)) pyRoots.add(dir.slice(dir.lastIndexOf('/') + 1));
  }
  return { packages, pyRoots };
}

/** Whether an import specifier names harness code: relative, an alias of the source root, the project's own package. */
function harnessSpec(from: string, lang: FileFacts['lang'], own: { packages: Set<string>; pyRoots: Set<string> }): boolean {
  if (from.startsWith('.')) return !ILLUSTRATION.test(from);
  if (from.startsWith('@/') || from.startsWith('~/') || from.startsWith('src/')) return true;
  for (const p of own.packages) if (from === p || from.startsWith(p + '/')) return true;
  return lang === 'py' && own.pyRoots.has(from.split('.')[0]);
}

export function importsHarness(f: FileFacts, own: { packages: Set<string>; pyRoots: Set<string> }): boolean {
  return f.imports.some((i) => harnessSpec(i.from, f.lang, own));
}

/** Whether a test file's import specifier names harness code (see `harnessTests`). */
export function harnessImport(ctx: RuleContext, from: string, lang: FileFacts['lang']): boolean {
  return harnessSpec(from, lang, ctx.memo('r3:own-modules', () => ownModules(ctx)));
}

/** Route files of a web app that serves the harness (Next.js app route.ts files, pages/api files). */
const HTTP_ROUTE = /(?:^|\/)app\/(?:.*\/)?route\.[jt]sx?$|(?:^|\/)pages\/api\/[^/]+\.[jt]sx?$/;
/** End-to-end drivers that run the served app: browser and HTTP test clients. */
const E2E_DRIVER = /^(?:@playwright\/test|playwright|cypress|puppeteer|supertest)$/;

/** An end-to-end test that drives the served app (and through it the harness) instead of importing it. */
function drivesServedApp(f: FileFacts): boolean {
  return f.imports.some((i) => E2E_DRIVER.test(i.from));
}

export function harnessTests(ctx: RuleContext): HarnessTests {
  return ctx.memo('r3:harness-tests', () => {
    const own = ctx.memo('r3:own-modules', () => ownModules(ctx));
    const servesHarness = ctx.source.some((f) => HTTP_ROUTE.test(f.path));
    const out: HarnessTests = { files: [], other: [], cases: 0 };
    for (const f of ctx.tests) {
      if (ILLUSTRATION.test(f.path) || !f.tests.length) continue;
      if (importsHarness(f, own) || (servesHarness && drivesServedApp(f))) {
        out.files.push(f);
        out.cases += f.tests.length;
      } else out.other.push(f);
    }
    return out;
  });
}

/** Test names and assertion lines as searchable text (underscores and camelCase split). */
export function words(s: string): string {
  return s.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
}

/** `words()` of a test file's case names and assertion lines, each split once (several checks read them). */
const WORDS = new WeakMap<FileFacts, { names: string[]; asserts: string[] }>();
export function fileWords(f: FileFacts): { names: string[]; asserts: string[] } {
  let w = WORDS.get(f);
  if (!w) WORDS.set(f, (w = { names: [], asserts: [] }));
  return w;
}
/** `words(f.tests[i].name)`, computed once per test case. */
export const nameWords = (f: FileFacts, i: number): string => (fileWords(f).names[i] ??= words(f.tests[i].name));

/**
 * Source files a file imports, resolved by path: relative and `@/` / `src/` imports in TypeScript
 * (a `.js` suffix may name a `.ts` file), dotted and relative modules in Python (`a.b` →
 * `a/b.py` or `a/b/__init__.py`, also under `src/`). Package imports are not resolved.
 */
export function importedSources(ctx: RuleContext, f: FileFacts): string[] {
  // Several rules ask for the same files' imports (test tiers, guardrail ranking): resolve each file once.
  return ctx.memo(`imported-sources:${f.path}`, () => resolveImportedSources(ctx, f));
}

function resolveImportedSources(ctx: RuleContext, f: FileFacts): string[] {
  const out = new Set<string>();
  let known = IMPORTED.get(ctx);
  if (!known) IMPORTED.set(ctx, (known = new Map()));
  const py = f.lang === 'py';
  const folder = f.path.slice(0, f.path.lastIndexOf('/') + 1);
  for (const i of f.imports) {
    // What one specifier names depends on the importing folder and language only.
    const key = `${py ? 'py' : ''}\0${folder}\0${i.from}`;
    let hits = known.get(key);
    if (!hits) known.set(key, (hits = importHits(ctx, f, i.from)));
    for (const h of hits) out.add(h);
  }
  return [...out];
}

/** Per audit: the source files each import specifier names (importHits), by language, importing folder and specifier. */
const IMPORTED = new WeakMap<RuleContext, Map<string, readonly string[]>>();

/** The source files the import `from` of file `f` names, by path (see importedSources). */
function importHits(ctx: RuleContext, f: FileFacts, from: string): string[] {
  const dir = f.path.split('/').slice(0, -1);
  const isSource = (p: string) => ctx.file(p)?.role === 'source';
  if (f.lang === 'py') {
    const out: string[] = [];
    const dots = /^\.+/.exec(from)?.[0].length ?? 0;
    const mod = from.slice(dots).split('.').filter(Boolean);
    const bases = dots ? [normalise([...dir, ...Array(dots - 1).fill('..')])] : ['', 'src'];
    for (const b of bases) {
      const stem = normalise([...b.split('/'), ...mod]);
      for (const c of [`${stem}.py`, `${stem}/__init__.py`]) if (isSource(c)) out.push(c);
    }
    return out;
  }
  let base: string | undefined;
  if (from.startsWith('.')) base = normalise([...dir, ...from.split('/')]);
  else if (from.startsWith('@/') || from.startsWith('~/')) base = from.slice(2);
  else if (from.startsWith('src/')) base = from;
  if (base === undefined) return [];
  const stem = base.replace(/\.(?:js|jsx|mjs|cjs|ts|tsx)$/, '');
  // The stem with an extension TS_EXT may leave off, else the specifier as written, else (an alias) under src/.
  const hit = sourceWithExt(ctx, stem) ?? (isSource(base) ? base : undefined) ?? (from.startsWith('@/') || from.startsWith('~/') ? sourceWithExt(ctx, `src/${stem}`) : undefined);
  return hit ? [hit] : [];
}
