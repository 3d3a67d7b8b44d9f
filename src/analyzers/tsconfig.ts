/**
 * A TypeScript / JavaScript project file (`tsconfig.json`, `jsconfig.json`: JSON with comments and trailing commas),
 * read with the compiler's own config reader, kept to what import resolution needs: `extends`,
 * `compilerOptions.baseUrl` and `compilerOptions.paths`.
 */
import type { TsConfigFact } from './facts.js';
import { compiler } from './typescript.js';

const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** The import-resolution facts of the project file `path` with text `text`; undefined when it does not parse to an object. */
export function analyzeTsConfig(path: string, text: string): TsConfigFact | undefined {
  let config: unknown;
  try {
    config = compiler.parseConfigFileTextToJson(path, text).config;
  } catch {
    return undefined;
  }
  if (!isRecord(config)) return undefined;
  const out: TsConfigFact = { path };
  const ext = typeof config.extends === 'string' ? [config.extends] : Array.isArray(config.extends) ? config.extends.filter((e): e is string => typeof e === 'string') : [];
  if (ext.length) out.extends = ext;
  if (Array.isArray(config.include)) out.include = config.include.filter((i): i is string => typeof i === 'string');
  const opts = config.compilerOptions;
  if (isRecord(opts)) {
    if (typeof opts.baseUrl === 'string') out.baseUrl = opts.baseUrl;
    if (isRecord(opts.paths)) {
      const paths: Record<string, string[]> = {};
      for (const [k, v] of Object.entries(opts.paths)) if (Array.isArray(v)) paths[k] = v.filter((t): t is string => typeof t === 'string');
      out.paths = paths;
    }
  }
  return out;
}
