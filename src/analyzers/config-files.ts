/**
 * Which files are configuration of the harness (YAML, JSON, TOML), decided from the path alone.
 * Kept apart from the parser (./config.ts) so that discovery does not load the YAML library: it
 * loads only when a configuration file is there to parse.
 */
import type { ConfigFileFacts } from './facts.js';

export type ConfigFormat = ConfigFileFacts['format'];

/** The config format of a file name, or undefined when it is not a configuration file extension. */
export function configFormat(name: string): ConfigFormat | undefined {
  if (/\.ya?ml$/i.test(name)) return 'yaml';
  if (/\.jsonc?$/i.test(name)) return 'json';
  if (/\.toml$/i.test(name)) return 'toml';
  if (/\.md$/i.test(name)) return 'markdown';
  return undefined;
}

/** Folders whose Markdown files define agents by front matter (`agents/reviewer.md`, `subagents/built-in/explore.md`). */
const AGENT_DEF_DIR = /^(?:sub-?)?agents?$|^agent-?definitions$/i;

/** Files that are configuration of the tooling around the harness, not of the harness itself. */
const NOT_HARNESS_FILE = new RegExp(
  '^(?:' +
    [
      // manifests and lock files
      'package(?:-lock)?\\.json', 'package\\..+\\.json', '.*[-.]lock\\.(?:json|ya?ml)', 'npm-shrinkwrap\\.json', 'composer\\.(?:json|lock)', 'pnpm-(?:lock|workspace)\\.ya?ml',
      'pyproject\\.toml', 'cargo\\.toml', 'poetry\\.lock', 'uv\\.lock', 'pipfile(?:\\.lock)?', 'deno\\.jsonc?', 'bun\\.lockb?',
      'lerna\\.json', 'nx\\.json', 'turbo\\.json', 'rush\\.json', 'project\\.json', 'workspace\\.json',
      // compilers, linters, formatters, test runners, bundlers
      '[tj]sconfig(?:\\..+)?\\.json', 'tslint\\.json', 'biome\\.jsonc?', 'dprint\\.json', 'cspell(?:\\..+)?\\.json', 'knip\\.jsonc?',
      'typedoc\\.json', 'api-extractor\\.json', 'jest\\.config\\.json', 'babel\\.config\\.json', 'vitest\\.workspace\\.json',
      'ruff\\.toml', 'mypy\\.toml', 'pyrightconfig\\.json', 'rustfmt\\.toml', 'taplo\\.toml', 'stylua\\.toml', 'eslint.*', 'prettier.*',
      'components\\.json', 'angular\\.json', 'nest-cli\\.json', 'electron-builder\\.(?:json|ya?ml)', 'tauri\\.conf\\.json',
      // CI, deployment, hosting, docs sites, dependency bots
      'renovate\\.json5?', 'dependabot\\.ya?ml', 'codecov\\.ya?ml', 'azure-pipelines.*', 'appveyor\\.ya?ml', 'cloudbuild.*',
      'bitbucket-pipelines\\.ya?ml', 'docker-compose.*', 'compose\\.ya?ml', 'vercel\\.json', 'netlify\\.toml', 'wrangler\\.(?:toml|jsonc?)',
      'fly\\.toml', 'app\\.ya?ml', 'firebase\\.json', 'now\\.json', 'mkdocs\\.ya?ml', 'environment\\.ya?ml', 'conda.*', 'chart\\.ya?ml',
      'citation\\.cff', 'action\\.ya?ml', 'codeql\\.ya?ml', 'cgmanifest\\.json', 'cdk(?:\\.context)?\\.json', '.*\\.asl\\.json',
      'buf(?:\\.gen|\\.work)?\\.ya?ml', 'bunfig\\.toml', 'tsfmt\\.json', 'mlc_config\\.json', 'markdownlint.*', 'commitlint.*', 'funding\\.ya?ml', 'release-please.*', 'changeset.*', 'lefthook\\.ya?ml', 'codeowners',
      // web / extension manifests, editor settings and language grammars
      'manifest\\.json', 'site\\.webmanifest', 'launch\\.json', 'tasks\\.json', 'extensions\\.json', '.*\\.code-workspace',
      '.*\\.tmlanguage\\.json', '.*\\.tmtheme\\.json', 'language-configuration\\.json', '.*\\.code-snippets',
      // generated data, schemas, API specs, i18n bundles
      '.*[-._]schema\\.json', 'schema\\.json', '.*[-.](?:generated|gen)\\.(?:json|ya?ml)',
      // translation bundles named by language: en.json, zh-CN.yml, pt_BR.json
      '[a-z]{2,3}(?:[-_][a-z]{2,4})?\\.(?:json|ya?ml)', 'openapi.*', 'swagger.*', '.*\\.nls(?:\\.[\\w-]+)?\\.json', '.*\\.snap\\.json', '.*\\.map\\.json',
    ].join('|') +
    ')$',
  'i',
);
/** Folders holding translations, CI, snapshots or data rather than harness configuration. */
const NOT_HARNESS_DIR = new Set([
  'locales', 'locale', 'i18n', 'l10n', 'translations', 'lang', 'langs', 'nls', 'intl',
  'snapshots', '__snapshots__', 'assets', 'images', 'icons', 'fonts', 'media', 'datasets', 'dataset', 'migrations',
  'workflows', 'ci', 'k8s', 'kubernetes', 'helm', 'charts', 'terraform', 'deploy', 'deployment', 'infra', 'cdk.out',
  'grammars', 'syntaxes', 'themes', 'theme', 'website', 'site', '_site', '_data', 'www', 'cdk',
]);

/** A TypeScript / JavaScript project file: `tsconfig.json`, `tsconfig.base.json`, `tsconfig.app.json`, `jsconfig.json`. */
export const TSCONFIG_NAME = /^[tj]sconfig(?:\.[\w.-]+)?\.json$/i;

/** Largest configuration file read (bytes): bigger ones are data, not configuration. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * Whether a file (POSIX path relative to the root) may be a configuration file of the harness:
 * a YAML / JSON / TOML file that is not a manifest, lock file, tool or CI configuration, editor
 * setting, translation bundle, schema or data file. Folders (dot folders, tests, examples, vendored
 * code) are filtered by the discovery walk itself.
 */
export function isHarnessConfig(rel: string): boolean {
  const slash = rel.lastIndexOf('/');
  const name = rel.slice(slash + 1);
  const format = configFormat(name);
  if (!format || name.startsWith('.') || NOT_HARNESS_FILE.test(name)) return false;
  // Markdown is documentation, except agent definitions kept in an agents folder.
  if (format === 'markdown' && (slash < 0 || !rel.slice(0, slash).split('/').some((d) => AGENT_DEF_DIR.test(d)) || /^(?:readme|changelog|contributing|license)\.md$/i.test(name))) return false;
  if (slash > 0 && rel.slice(0, slash).split('/').some((d) => NOT_HARNESS_DIR.has(d.toLowerCase()) || /[-_]tests?$/i.test(d))) return false;
  return true;
}
