/**
 * User settings from `.harness/settings.json`, validated with zod: allow / deny / ask rules, the
 * approval mode, budget limits and a verify command. A rule is `tool` or `tool(pattern)`, where
 * the pattern is matched against the call's subject (a path, a command) and `*` matches anything.
 * Contract: deny rules win over ask rules, ask rules over allow rules; a missing file means no
 * rules; an invalid file is an error that names the field, never silently ignored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MODES, type Mode } from './modes.js';

export type { Mode };
export const ModeSchema = z.enum(MODES);

const RuleList = z.array(z.string().regex(/^[\w-]+(\(.*\))?$/, 'a rule is `tool` or `tool(pattern)`')).default([]);

export const SettingsSchema = z.object({
  mode: ModeSchema.default('default'),
  permissions: z.object({ allow: RuleList, deny: RuleList, ask: RuleList }).default({ allow: [], deny: [], ask: [] }),
  limits: z
    .object({ maxTurns: z.number().int().positive(), maxTokens: z.number().int().positive(), maxCostUsd: z.number().positive() })
    .partial()
    .default({}),
  /** A command run after every successful edit, e.g. `npm test --silent`. */
  verifyCommand: z.string().optional(),
});
export type Settings = z.infer<typeof SettingsSchema>;

export class SettingsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export const settingsPath = (workspace: string) => path.join(workspace, '.harness', 'settings.json');

export function loadSettings(workspace: string): Settings {
  const file = settingsPath(workspace);
  if (!fs.existsSync(file)) return SettingsSchema.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SettingsError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) throw new SettingsError(`invalid settings in ${file}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export type RuleEffect = 'allow' | 'deny' | 'ask';

interface Rule {
  effect: RuleEffect;
  source: string;
  tool: string;
  pattern?: RegExp;
}

function compile(effect: RuleEffect, source: string): Rule {
  const m = /^([\w-]+)(?:\((.*)\))?$/.exec(source)!;
  const pattern = m[2] === undefined ? undefined : new RegExp('^' + m[2].split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return { effect, source, tool: m[1], pattern };
}

export class Rules {
  private readonly rules: Rule[];

  constructor(permissions: Settings['permissions']) {
    // Order is precedence: deny, then ask, then allow.
    this.rules = [
      ...permissions.deny.map((r) => compile('deny', r)),
      ...permissions.ask.map((r) => compile('ask', r)),
      ...permissions.allow.map((r) => compile('allow', r)),
    ];
  }

  /** The first rule matching this tool and subject, by precedence. */
  match(tool: string, subject: string): { effect: RuleEffect; source: string } | undefined {
    const rule = this.rules.find((r) => r.tool === tool && (!r.pattern || r.pattern.test(subject)));
    return rule && { effect: rule.effect, source: rule.source };
  }
}
