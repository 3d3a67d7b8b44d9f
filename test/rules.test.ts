/**
 * Fixture-driven rule tests, in the manner of ESLint's RuleTester: every folder
 * fixtures/<check-id>/<level>[-<variant>]/ is a small harness that must come out at <level> for
 * <check-id>. Adding a case is adding a folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/modes/evaluate/index.js';
import { RULES } from '../src/rules/index.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
const LEVEL = /^(present|partial|absent)(?:-.+)?$/;

const implemented = new Set(RULES.map((r) => r.id));
const checkDirs = fs.existsSync(FIXTURES) ? fs.readdirSync(FIXTURES).filter((d) => implemented.has(d as never)).sort() : [];

for (const id of checkDirs) {
  describe(id, () => {
    const rule = RULES.find((r) => r.id === id)!;
    for (const caseDir of fs.readdirSync(path.join(FIXTURES, id)).sort()) {
      const m = LEVEL.exec(caseDir);
      if (!m) continue;
      it(`${caseDir} → ${m[1]}`, async () => {
        const result = await runAudit(path.join(FIXTURES, id, caseDir), { rules: [rule], flagRules: [] });
        const check = result.checks.find((c) => c.id === id)!;
        expect({ level: check.level, reason: check.reason }).toMatchObject({ level: m[1] });
        expect(check.reason.length).toBeGreaterThan(10);
        if (check.level !== 'absent') expect(check.evidence.length).toBeGreaterThan(0);
        for (const e of check.evidence) {
          expect(e.line).toBeGreaterThan(0);
          expect(fs.existsSync(path.join(FIXTURES, id, caseDir, e.file))).toBe(true);
        }
        // Optional: the first evidence a user opens must be this `path:line`.
        const firstFile = path.join(FIXTURES, id, caseDir, 'expect-first-evidence');
        if (fs.existsSync(firstFile)) expect(`${check.evidence[0]?.file}:${check.evidence[0]?.line}`).toBe(fs.readFileSync(firstFile, 'utf8').trim());
        // Optional: the confidence the verdict must carry (`high` or `low`).
        const confFile = path.join(FIXTURES, id, caseDir, 'expect-confidence');
        if (fs.existsSync(confFile)) expect(check.confidence).toBe(fs.readFileSync(confFile, 'utf8').trim());
        // Optional: a text the reason must contain (the mechanism it names, at the line it names).
        const reasonFile = path.join(FIXTURES, id, caseDir, 'expect-reason-includes');
        if (fs.existsSync(reasonFile)) expect(check.reason).toContain(fs.readFileSync(reasonFile, 'utf8').trim());
      });
    }
  });
}
