/**
 * The configuration's zod schema and its validation: loaded only when a config file exists, so a
 * run without one does not pay for zod and yaml (measured: 55–75 ms of start-up).
 */
import { z } from 'zod';
import YAML from 'yaml';
import { CHECK_IDS, type CheckId } from '../../rules/catalog.js';
import { ConfigError } from '../../errors.js';
import { defaultConfig, type ResolvedConfig } from './config.js';

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
  const d = defaultConfig();
  return {
    file,
    include: c.include ?? d.include,
    exclude: c.exclude ?? d.exclude,
    harness: c.harness ?? d.harness,
    tests: c.tests ?? d.tests,
    checks,
    failUnder: c.failUnder,
    maxFileSize: c.maxFileSize ?? d.maxFileSize,
  };
}

/** Parse a config file's text (YAML, or JSON for `.json`). */
export function parseConfigText(text: string, file: string): unknown {
  try {
    return file.endsWith('.json') ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new ConfigError(`cannot parse config file ${file}: ${(err as Error).message.split('\n')[0]}`, file, { cause: err });
  }
}

/** JSON Schema for editor completion (written to schema/audit.config.schema.json by `npm run schema`). */
export function configJsonSchema(): unknown {
  return z.toJSONSchema(configSchema, { target: 'draft-7', unrepresentable: 'any', io: 'input' });
}
