/**
 * Meta-tests that keep the catalogue honest (after typescript-eslint's docs tests): every check of
 * ../shared/principles.md has a rule with complete metadata, a fixture for each level, and an
 * exemplar file in the reference harness; the reference harness scores 100.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/modes/evaluate/index.js';
import { CHECK_IDS, JUDGING_RULES, PRESENT_WHEN, principleOf } from '../src/rules/catalog.js';
import { RULES } from '../src/rules/index.js';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('the catalog', () => {
  it('has exactly one rule per check, in catalog order', () => {
    expect(RULES.map((r) => r.id)).toEqual([...CHECK_IDS]);
  });

  it.each(CHECK_IDS.map((id) => [id]))('%s has metadata, fixtures for each level and an exemplar', (id) => {
    const rule = RULES.find((r) => r.id === id);
    expect(rule, `no rule for ${id}`).toBeDefined();
    expect(rule!.principle).toBe(principleOf(id));
    for (const field of ['title', 'rationale', 'remediation'] as const) expect(rule![field].length, `${id}.${field}`).toBeGreaterThan(15);
    expect(fs.existsSync(path.join(ROOT, rule!.exemplar)), `exemplar ${rule!.exemplar}`).toBe(true);
    const cases = fs.existsSync(path.join(ROOT, 'fixtures', id)) ? fs.readdirSync(path.join(ROOT, 'fixtures', id)) : [];
    for (const level of ['present', 'partial', 'absent']) {
      expect(cases.some((c) => c === level || c.startsWith(`${level}-`)), `fixtures/${id}/${level}*`).toBe(true);
    }
  });
});

// The catalog text the product carries must say what ../shared/principles.md says (CI has shared/
// beside the clone; a packaged copy does not, and needs only the data).
const PRINCIPLES_MD = path.resolve(ROOT, '../shared/principles.md');
const flat = (s: string) => s.replace(/\s+/g, ' ');
describe.runIf(fs.existsSync(PRINCIPLES_MD))('the catalog text', () => {
  const md = fs.existsSync(PRINCIPLES_MD) ? flat(fs.readFileSync(PRINCIPLES_MD, 'utf8')) : '';
  it.each(CHECK_IDS.map((id) => [id]))('%s says what principles.md says', (id) => {
    expect(md).toContain(`| \`${id}\` | ${PRESENT_WHEN[id]} |`);
  });
  it('carries every judging rule', () => {
    for (const r of JUDGING_RULES) expect(md).toContain(`**${r.title}.** ${r.text}`);
  });
});

describe('the reference harness', () => {
  it('finds every check present, with evidence inside the harness', async () => {
    const result = await runAudit(path.join(ROOT, 'src/reference-harness'));
    const notPresent = result.checks.filter((c) => c.level !== 'present').map((c) => `${c.id}: ${c.level} (${c.reason})`);
    expect(notPresent).toEqual([]);
    expect(result.score).toBe(100);
    expect(result.flags).toEqual([]);
    for (const c of result.checks) expect(c.evidence.length, c.id).toBeGreaterThan(0);
  });
});
