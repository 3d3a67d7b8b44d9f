/**
 * Stage 1, discover: which files under the root are audited, and in which role.
 * Never follows symlinks (so nothing outside the root is read and loops cannot happen), respects
 * every .gitignore on the way down, and leaves out dependencies, build output, vendored,
 * generated and example code.
 */
import fs from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { FileRole, SkippedFile } from '../../analyzers/facts.js';
import { isHarnessConfig, MAX_CONFIG_BYTES, TSCONFIG_NAME } from '../../analyzers/config-files.js';
import { ConfigError } from '../../errors.js';
import type { ResolvedConfig } from './config.js';

export interface DiscoveredFile {
  /** POSIX path relative to the root. */
  path: string;
  abs: string;
  role: FileRole;
  lang: 'ts' | 'js' | 'py';
  size: number;
  /**
   * The file's size, modification and change times and inode when it was listed, as git's index
   * keeps them: a file whose stamp is the one its facts were cached with is not read again (see
   * `FactCache.lookupStamp`).
   */
  stamp?: string;
  /** The later of its modification and change times (ms). */
  touchedMs?: number;
}

export interface DiscoveredConfig {
  /** POSIX path relative to the root. */
  path: string;
  abs: string;
  size: number;
}

export interface Discovery {
  root: string;
  files: DiscoveredFile[];
  manifests: string[];
  /** Configuration files of the harness (YAML / JSON / TOML; see `isHarnessConfig`), read as config facts. */
  configs: DiscoveredConfig[];
  /** TypeScript / JavaScript project files (`tsconfig*.json`, `jsconfig*.json`), read for how imports resolve. */
  tsconfigs?: DiscoveredConfig[];
  skipped: SkippedFile[];
  /** Files left out as examples, docs or fixtures (counted, never read). */
  examples: number;
}

const SOURCE_EXT = /\.(?:[cm]?tsx?|[cm]?jsx?|py)$/;
const DECLARATION = /\.d\.[cm]?ts$/;
const GENERATED_NAME = /(?:\.min\.[cm]?js|[.-]generated\.[cm]?[jt]sx?|\.gen\.[cm]?[jt]sx?|\.bundle\.[cm]?js)$/;
/** Folders never audited: dependencies, build output, caches, vendored code. */
export const SKIP_DIRS = new Set([
  'node_modules', 'bower_components', 'jspm_packages', 'dist', 'build', 'out', 'lib-cov', 'coverage', 'bundle',
  'vendor', 'vendored', 'third_party', 'third-party', 'external', 'generated', '__generated__', '_generated',
  'tmp', 'temp', 'storybook-static', 'public', 'static', '__pycache__', 'site-packages', 'venv', 'htmlcov',
]);
/** Folders whose code is illustration, not the harness. */
const EXAMPLE_DIRS = new Set(['examples', 'example', 'cookbook', 'cookbooks', 'guides', 'demos', 'demo', 'samples', 'sample', 'docs', 'doc', 'fixtures', '__fixtures__', 'testdata', 'test-data', 'benchmarks', 'benchmark', 'eval', 'evals', 'playground', 'scripts', 'testapps', 'test-apps', 'test_apps']);
const TEST_DIRS = new Set(['test', 'tests', '__tests__', '__mocks__', 'spec', 'specs', 'e2e', 'integration-tests', 'integration_tests', 'evals', 'test-utils', 'test-helpers', 'testing', 'mocks', 'smoketest', 'smoketests']);
/** A folder named only by test words (`unit_tests`, `tests_e2e`, `smoke-tests`, `system-tests`, `tests_integ`, `integ-tests`). */
const TEST_WORDS = /^(?:(?:tests?|specs?|e2e|unit|integ|integration|functional|acceptance|smoke|system|regression)[-_])+(?:tests?|specs?|e2e)$|^(?:tests?|specs?)(?:[-_](?:e2e|unit|integ|integration|functional|acceptance|smoke|system|regression))+$/i;
const isTestDir = (d: string): boolean => TEST_DIRS.has(d.toLowerCase()) || TEST_WORDS.test(d);
/**
 * A test file by its name: JavaScript's `*.test.ts`, `*.spec.js`, `test-utils.ts`; Python's pytest names (`test_*.py`,
 * `*_test.py`, `conftest.py`). A Python module named for a spec (`agent_spec.py`, `spec_loader.py`) is code: pytest
 * collects no such file.
 */
const TEST_FILE = /(?:\.|_|-)(?:test|spec|e2e|integration|bench|vitest|test-d|spec-d)\.[cm]?[jt]sx?$|(?:^|\/)(?:test|spec)[^/]*\.[cm]?[jt]sx?$|_(?:tests?|e2e|integration|bench)\.py$|(?:^|\/)tests?(?:_[^/]*)?\.py$|(?:^|\/)conftest\.py$|(?:^|\/)(?:vitest|jest|playwright|karma)\.[^/]*config[^/]*$/i;

/** Build and lint tool configuration (`vite.config.ts`, `webpack.config.js`): tooling, not the harness. */
const TOOLING_FILE = /^(?:vite|webpack|rollup|esbuild|tsup|babel|postcss|tailwind|next|nuxt|astro|svelte|eslint|prettier|commitlint|lint-staged|metro|rspack|rsbuild|unbuild|drizzle|stylelint|electron\.vite|electron-builder|vitest\.workspace|gulpfile|gruntfile)(?:\.config)?\.[cm]?[jt]s$/i;
/**
 * Benchmark and evaluation suites (`evals/`, `evaluation/`, `auto_eval/`, `swe_bench/`, `web-evals/`): their code drives
 * the harness from outside and their tests exercise the benchmark, not the harness.
 */
const BENCH_DIR = /^(?:[a-z0-9]+[-_])?(?:evals?|evaluations?|benchmarks?|bench)(?:[-_][a-z0-9]+)?$/i;
/** A workspace package named as an example (`…-example-claude-code`, `demo-app`, `…-evals`): illustration, not the harness. */
const EXAMPLE_PACKAGE = /(?:^|[-_/@.])(?:examples?|demos?|samples?|playground|evals?|benchmarks?)(?:$|[-_.])/i;

/**
 * A top-level folder of developer tooling (`debug-tools/`, `dev_scripts/`, `devtools/`, `tools/debug/`): standalone
 * scripts a developer runs by hand (a dumped-conversation analyser, a migration check), like `scripts/`, not the
 * harness. Only at the top: a package inside the harness named `devtools` (a browser inspector it ships) is its code,
 * and a bare `tools/` folder holds the agent's tools.
 */
const DEV_TOOL_DIR = /^(?:debug|dev)[-_]?(?:tools?|scripts|utils)$/i;
const devTooling = (dirs: string[]) => (dirs.length > 0 && DEV_TOOL_DIR.test(dirs[0])) || (dirs.length > 1 && /^tools$/i.test(dirs[0]) && /^debug$/i.test(dirs[1]));

/** What a folder's path says of the files under it (see roleOf): the same for every file of the folder, so worked out once per folder. */
interface FolderRole {
  /** Developer tooling or a benchmark suite. */
  example: boolean;
  test: boolean;
  /** Illustration (`examples/`, `docs/`, `scripts/` …), unless the file is a test. */
  illustration: boolean;
}

function folderRole(dir: string): FolderRole {
  const dirs = dir ? dir.split('/') : [];
  return {
    example: devTooling(dirs) || dirs.some((d) => BENCH_DIR.test(d)),
    test: dirs.some(isTestDir),
    illustration: dirs.some((d) => EXAMPLE_DIRS.has(d.toLowerCase())),
  };
}

/** The role of the file at `rel` in a folder whose path says `folder` (`folderRole`). */
function roleOf(rel: string, folder: FolderRole, extraTests: picomatch.Matcher | undefined): FileRole | 'example' {
  if (folder.example) return 'example';
  if (folder.test || TEST_FILE.test(rel) || extraTests?.(rel)) return 'test';
  if (folder.illustration) return 'example';
  return 'source';
}

/**
 * Dot-folders that hold source, not tooling state: Remix / React Router's `.server` and `.client` module folders
 * (`app/lib/.server/llm.ts`: server-only code, often the route's model call and tools). Every other dot-folder
 * (`.git`, `.venv`, `.next`, `.cache` …) is skipped.
 */
const SOURCE_DOT_DIRS = new Set(['.server', '.client']);

/** Evaluation frameworks: a package that depends on one and holds eval files is an eval suite. */
const EVAL_FRAMEWORK = /^(?:braintrust|autoevals|promptfoo|evalite|vitest-evals|@braintrust\/.+)$/;
/** An eval file (`shopping.eval.ts`), as these frameworks name them. */
const EVAL_FILE = /\.evals?\.[cm]?[jt]sx?$/;

/**
 * Whether a folder is a workspace package whose manifest names it an example, a demo or an eval suite, or
 * an eval suite under another name (`test-kitchen/`): it depends on an evaluation framework and holds eval
 * files. Its code drives the harness from outside (its own replay loop, step cap and scorer), as `evals/` does.
 */
function isExamplePackage(dir: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
  } catch {
    return false;
  }
  try {
    const j = JSON.parse(text) as { name?: unknown; dependencies?: object; devDependencies?: object };
    if (typeof j.name === 'string' && EXAMPLE_PACKAGE.test(j.name)) return true;
    const deps = Object.keys({ ...j.dependencies, ...j.devDependencies });
    return deps.some((d) => EVAL_FRAMEWORK.test(d)) && fs.readdirSync(dir).some((n) => EVAL_FILE.test(n));
  } catch {
    return false;
  }
}

/** A folder or file prefix (`packages/core/src`), or a picomatch glob. */
function orGlob(entry: string): (rel: string) => boolean {
  const glob = picomatch(entry, { dot: true });
  return (rel) => rel === entry || rel.startsWith(entry + '/') || glob(rel);
}

/** Why a symlink that could hold harness code is not read, or undefined for one that could not. */
function symlinkSkip(abs: string, name: string): string | undefined {
  let target: fs.Stats;
  try {
    target = fs.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'symlink loop (not followed)';
    return SOURCE_EXT.test(name) ? `broken symlink (${code ?? 'error'})` : undefined;
  }
  if (target.isDirectory()) return 'symlink to a folder (not followed)';
  return SOURCE_EXT.test(name) && !DECLARATION.test(name) ? 'symlink (not followed)' : undefined;
}

/** The .gitignore files in force in a folder, each with the folder (relative to the root) it sits in. */
export type Gitignores = ReadonlyArray<{ base: string; ig: Ignore }>;

/** The rules in force in `dir` (at `rel` below the root): its parents', plus its own .gitignore if it has one. */
export function gitignoresIn(parent: Gitignores, dir: string, rel: string, entries: readonly fs.Dirent[]): Gitignores {
  if (!entries.some((e) => e.name === '.gitignore' && e.isFile())) return parent;
  try {
    return [...parent, { base: rel, ig: ignore().add(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')) }];
  } catch {
    return parent; // an unreadable .gitignore ignores nothing
  }
}

/** Whether a path relative to the root (a folder when `isDir`) is ignored by the rules in force. */
export function isGitignored(ignores: Gitignores, p: string, isDir: boolean): boolean {
  return ignores.some(({ base, ig }) => {
    const sub = base ? p.slice(base.length + 1) : p;
    return sub !== '' && ig.ignores(isDir ? `${sub}/` : sub);
  });
}

export function discover(root: string, config: ResolvedConfig): Discovery {
  const out: Discovery = { root, files: [], manifests: [], configs: [], tsconfigs: [], skipped: [], examples: 0 };
  const include = config.include.length ? picomatch(config.include, { dot: true }) : undefined;
  const exclude = config.exclude.length ? picomatch(config.exclude, { dot: true }) : undefined;
  const extraTests = config.tests.length ? picomatch(config.tests, { dot: true }) : undefined;
  const harness = config.harness.map((h) => h.replace(/^\.\//, '').replace(/\/+$/, ''));
  // A harness entry is a folder, a file or a glob; every configured glob must match some file.
  const globs = [
    ...harness.map((h, i) => ({ field: 'harness', glob: config.harness[i], test: orGlob(h) })),
    ...config.include.map((g) => ({ field: 'include', glob: g, test: picomatch(g, { dot: true }) })),
    ...config.tests.map((g) => ({ field: 'tests', glob: g, test: picomatch(g, { dot: true }) })),
  ];
  const unmatched = new Set(globs);
  const inHarness = (rel: string) => !harness.length || globs.some((g) => g.field === 'harness' && g.test(rel));

  // Every .gitignore on the way down applies to the paths below its folder.
  // `sub`: a folder below the root, which may be a workspace package named as an example (`isExamplePackage`; only a
  // folder listing a package.json is asked, so the others cost no failed read).
  const walk = (dir: string, rel: string, ignores: Gitignores, examplePackage = false, sub = false) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      out.skipped.push({ path: rel || '.', reason: `unreadable folder (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      return;
    }
    if (sub && !examplePackage && entries.some((e) => e.name === 'package.json')) examplePackage = isExamplePackage(dir);
    ignores = gitignoresIn(ignores, dir, rel, entries);
    const ignored = (p: string, isDir: boolean) => isGitignored(ignores, p, isDir);
    let folder: FolderRole | undefined;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (e.isSymbolicLink()) {
        const why = symlinkSkip(abs, e.name);
        if (why && !e.name.startsWith('.') && !ignored(childRel, false) && !exclude?.(childRel)) out.skipped.push({ path: childRel, reason: why });
        continue;
      }
      if (e.isDirectory()) {
        if ((e.name.startsWith('.') && !SOURCE_DOT_DIRS.has(e.name)) || SKIP_DIRS.has(e.name) || e.name.endsWith('.egg-info')) continue;
        if (ignored(childRel, true) || exclude?.(childRel + '/')) continue;
        walk(abs, childRel, ignores, examplePackage, true);
        continue;
      }
      if (!e.isFile()) continue;
      if (e.name === 'package.json') {
        if (!ignored(childRel, false)) out.manifests.push(childRel);
        continue;
      }
      if (TSCONFIG_NAME.test(e.name)) {
        if (ignored(childRel, false)) continue;
        try {
          const size = fs.statSync(abs).size;
          if (size <= MAX_CONFIG_BYTES) out.tsconfigs!.push({ path: childRel, abs, size });
        } catch {
          // an unreadable project file is simply not read
        }
        continue;
      }
      if (!SOURCE_EXT.test(e.name) && isHarnessConfig(childRel)) {
        // Configuration of the harness itself: same ignore, include/exclude, role and harness rules
        // as source; tests and examples are left out; big files are data, not configuration.
        if (ignored(childRel, false) || exclude?.(childRel) || (include && !include(childRel))) continue;
        if (roleOf(childRel, (folder ??= folderRole(rel)), extraTests) !== 'source' || !inHarness(childRel)) continue;
        try {
          const size = fs.statSync(abs).size;
          if (size <= MAX_CONFIG_BYTES) out.configs.push({ path: childRel, abs, size });
        } catch {
          // an unreadable configuration file is simply not read
        }
        continue;
      }
      if (!SOURCE_EXT.test(e.name) || DECLARATION.test(e.name) || TOOLING_FILE.test(e.name)) continue;
      for (const g of unmatched) if (g.test(childRel)) unmatched.delete(g);
      if (ignored(childRel, false) || exclude?.(childRel) || (include && !include(childRel))) continue;
      if (GENERATED_NAME.test(e.name)) {
        out.skipped.push({ path: childRel, reason: /\.min\./.test(e.name) ? 'minified (by its name)' : 'generated or bundled (by its name)' });
        continue;
      }
      const role = examplePackage ? 'example' : roleOf(childRel, (folder ??= folderRole(rel)), extraTests);
      if (role === 'example') {
        out.examples++;
        continue;
      }
      if (role === 'source' && !inHarness(childRel)) continue;
      let st: fs.Stats;
      try {
        st = fs.statSync(abs);
      } catch (err) {
        out.skipped.push({ path: childRel, reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
        continue;
      }
      const size = st.size;
      if (size > config.maxFileSize) {
        out.skipped.push({ path: childRel, reason: `larger than ${config.maxFileSize} bytes` });
        continue;
      }
      const lang = e.name.endsWith('.py') ? 'py' : /\.[cm]?jsx?$/.test(e.name) ? 'js' : 'ts';
      out.files.push({ path: childRel, abs, role, lang, size, stamp: `${size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`, touchedMs: Math.max(st.mtimeMs, st.ctimeMs) });
    }
  };
  walk(root, '', []);
  if (unmatched.size) {
    const list = [...unmatched].map((g) => `${g.field}: "${g.glob}"`).join(', ');
    throw new ConfigError(`${list} match${unmatched.size > 1 ? '' : 'es'} no source file under ${root}${config.file ? ` (in ${config.file})` : ''}; fix or remove ${unmatched.size > 1 ? 'them' : 'it'}`, config.file);
  }
  return out;
}
