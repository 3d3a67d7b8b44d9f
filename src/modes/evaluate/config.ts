/**
 * `audit.config.yaml` (or `.yml` / `.json`): found at the audited root or named with --config,
 * validated with zod (./config-schema.ts); every error names the field it is about.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CheckId } from '../../rules/catalog.js';
import { ConfigError } from '../../errors.js';

export const CONFIG_FILES = ['audit.config.yaml', 'audit.config.yml', 'audit.config.json'] as const;

export interface ResolvedConfig {
  file?: string;
  include: string[];
  exclude: string[];
  harness: string[];
  tests: string[];
  checks: Partial<Record<CheckId, { level: 'on' | 'required' | 'off'; reason?: string }>>;
  failUnder?: number;
  maxFileSize: number;
}

export const DEFAULT_MAX_FILE_SIZE = 1024 * 1024;

/** The configuration of a folder with no config file. */
export const defaultConfig = (): ResolvedConfig => ({ include: [], exclude: [], harness: [], tests: [], checks: {}, maxFileSize: DEFAULT_MAX_FILE_SIZE });

/** Load the config named by `explicit`, or the first of CONFIG_FILES at `root`, or the defaults. */
export async function loadConfig(root: string, explicit?: string): Promise<ResolvedConfig> {
  const file = explicit ?? CONFIG_FILES.map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (!file) return defaultConfig();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file, { cause: err });
  }
  const { parseConfig, parseConfigText } = await import('./config-schema.js');
  return parseConfig(parseConfigText(text, file), file);
}
