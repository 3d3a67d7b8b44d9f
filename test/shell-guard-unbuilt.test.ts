/**
 * permissions.shell-guard: a code sink in a method of a class nothing constructs or extends (a library
 * utility exported for users) is off the agent's path, so it is neither cited nor judged.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/modes/evaluate/index.js';
import { RULES } from '../src/rules/index.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/permissions.shell-guard/absent-unconstructed-code-runner');

describe('permissions.shell-guard: unconstructed code runner', () => {
  it('does not cite exec() in a class nothing builds', async () => {
    const rule = RULES.find((r) => r.id === 'permissions.shell-guard')!;
    const result = await runAudit(FIXTURE, { rules: [rule], flagRules: [] });
    const check = result.checks.find((c) => c.id === 'permissions.shell-guard')!;
    expect(check.level).toBe('absent');
    expect(check.reason).toMatch(/no shell or code-execution tool/);
    expect(check.evidence.some((e) => e.file.includes('snippet_runner'))).toBe(false);
  });
});
