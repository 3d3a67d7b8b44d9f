/**
 * Fixture-driven flag tests: every folder fixtures/<flag-id>/<raised|not-raised>[-<variant>]/ is a
 * small harness on which the flag must (or must not) be raised by a full audit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/modes/evaluate/index.js';
import { FLAG_RULES } from '../src/rules/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const CASE = /^(raised|not-raised)(?:-.+)?$/;

for (const flag of FLAG_RULES) {
  const dir = path.join(FIXTURES, flag.id);
  if (!fs.existsSync(dir)) continue;
  describe(flag.id, () => {
    for (const caseDir of fs.readdirSync(dir).sort()) {
      const m = CASE.exec(caseDir);
      if (!m) continue;
      it(`${caseDir} → ${m[1]}`, async () => {
        const result = await runAudit(path.join(dir, caseDir));
        const raised = result.flags.find((f) => f.id === flag.id);
        expect({ raised: !!raised, reason: raised?.reason }).toMatchObject({ raised: m[1] === 'raised' });
        for (const e of raised?.evidence ?? []) expect(fs.existsSync(path.join(dir, caseDir, e.file))).toBe(true);
        // Optional: the first evidence a user opens must be this `path:line`.
        const firstFile = path.join(dir, caseDir, 'expect-first-evidence');
        if (raised && fs.existsSync(firstFile)) expect(`${raised.evidence[0]?.file}:${raised.evidence[0]?.line}`).toBe(fs.readFileSync(firstFile, 'utf8').trim());
      });
    }
  });
}
