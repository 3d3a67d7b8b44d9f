/**
 * `audit.config.yaml` (or `.yml` / `.json`): found at the audited root or named with --config,
 * validated with zod; every error names the field it is about.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import YAML from 'yaml';
import { CHECK_IDS, type CheckId } from '../../rules/catalog.js';
import { ConfigError } from '../../errors.js';

export const CONFIG_FILES = ['audit.config.yaml', 'audit.config.yml', 'audit.config.json'] as const;

const checkSetting = z.union([
  z.enum(['on', 'required', 'off']),
  z
    .object({
      level: z.enum(['on', 'required', 'off']).describe('on: audited; required: exit 1 unless present; off: not audited'),
      reason: z.string().min(1).optional().describe('Why the check is off (required with level: off)'),
    })
    .strict(),
]);

const checksShape = Object.fromEntries(CHECK_IDS.map((id) => [id, checkSetting.optional()])) as Record<CheckId, z.ZodOptional<typeof checkSetting>>;

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    include: z.array(z.string().min(1)).optional().describe('Globs (relative to the root) of files to audit; default: all'),
    exclude: z.array(z.string().min(1)).optional().describe('Globs of files to leave out, on top of .gitignore and the built-in excludes'),
    harness: z
      .array(z.string().min(1))
      .optional()
      .describe('Folders or files that form the harness; checks are judged on these (tests still count for verification)'),
    tests: z.array(z.string().min(1)).optional().describe('Extra globs of test files (beyond *.test.*, *.spec.*, test/ and __tests__/)'),
    checks: z.object(checksShape).strict().optional().describe('Per-check settings: on, required, or off with a reason'),
    failUnder: z.number().min(0).max(100).optional().describe('Exit 1 when the overall score is below this'),
    maxFileSize: z.number().int().positive().optional().describe('Files larger than this many bytes are skipped (default 1 MiB)'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    for (const [id, setting] of Object.entries(cfg.checks ?? {})) {
      const level = typeof setting === 'string' ? setting : setting?.level;
      const reason = typeof setting === 'object' ? setting.reason : undefined;
      if (level === 'off' && !reason) {
        ctx.addIssue({
          code: 'custom',
          path: ['checks', id],
          message: `a check turned off needs a reason: use { level: off, reason: "…" }`,
        });
      }
    }
  });

export type AuditConfig = z.infer<typeof configSchema>;

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

function formatIssues(issues: z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const where = i.path.length ? i.path.map(String).join('.') : '(root)';
      let msg = i.message;
      if (i.code === 'invalid_union' && i.path[0] === 'checks') msg = `expected one of on, required, off, or { level: off, reason: "…" }`;
      if (i.code === 'unrecognized_keys' && i.path[0] === 'checks') msg = `${msg}; known checks: ${CHECK_IDS.join(', ')}`;
      return `${where}: ${msg}`;
    })
    .join('\n');
}

export function parseConfig(raw: unknown, file?: string): ResolvedConfig {
  const parsed = configSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration${file ? ` in ${file}` : ''}:\n${formatIssues(parsed.error.issues)}`, file);
  }
  const c = parsed.data;
  const checks: ResolvedConfig['checks'] = {};
  for (const [id, s] of Object.entries(c.checks ?? {})) {
    if (!s) continue;
    checks[id as CheckId] = typeof s === 'string' ? { level: s } : { level: s.level, reason: s.reason };
  }
  return {
    file,
    include: c.include ?? [],
    exclude: c.exclude ?? [],
    harness: c.harness ?? [],
    tests: c.tests ?? [],
    checks,
    failUnder: c.failUnder,
    maxFileSize: c.maxFileSize ?? DEFAULT_MAX_FILE_SIZE,
  };
}

/** Load the config named by `explicit`, or the first of CONFIG_FILES at `root`, or the defaults. */
export function loadConfig(root: string, explicit?: string): ResolvedConfig {
  const file = explicit ?? CONFIG_FILES.map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (!file) return parseConfig({});
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file, { cause: err });
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`cannot parse config file ${file}: ${(err as Error).message.split('\n')[0]}`, file, { cause: err });
  }
  return parseConfig(raw, file);
}

/** JSON Schema for editor completion (written to schema/audit.config.schema.json by `npm run schema`). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { target: 'draft-7', unrepresentable: 'any', io: 'input' });
}
