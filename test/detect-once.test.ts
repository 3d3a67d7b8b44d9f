/**
 * A rule's raw finding is computed once per audit (rules/types.ts `detectOnce`): the run of the rules and a rule that
 * asks another's verdict (the audit trail asks the session rule, tool metadata the central registry) share it.
 */
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runAudit } from '../src/modes/evaluate/index.js';
import { RuleContext } from '../src/rules/context.js';
import sessionSave from '../src/rules/persistence/session-save.js';
import central from '../src/rules/registry/central.js';
import { detectOnce } from '../src/rules/types.js';
import type { RepoFacts } from '../src/analyzers/facts.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

afterEach(() => vi.restoreAllMocks());

describe('detectOnce', () => {
  it('returns the same finding object for a context, and computes it again for a new context', () => {
    const facts: RepoFacts = { root: '/x', files: [], manifests: [], configs: [], tsconfigs: [], skipped: [] };
    const spy = vi.spyOn(central, 'detect');
    const ctx = new RuleContext(facts);
    const a = detectOnce(ctx, central);
    expect(detectOnce(ctx, central)).toBe(a);
    expect(spy).toHaveBeenCalledTimes(1);
    const b = detectOnce(new RuleContext(facts), central);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  // Harnesses where the asking rule's verdict rests on the other rule's finding (its fallback on the way to absent).
  const cases = [
    { asker: 'logging.audit-trail', asked: sessionSave, fixture: 'logging.audit-trail/partial-ts-saved-chat-only', reason: /conversation is saved/ },
    { asker: 'logging.audit-trail', asked: sessionSave, fixture: 'logging.audit-trail/partial-py-saved-turn-rows-only', reason: /conversation is saved/ },
    { asker: 'registry.tool-metadata', asked: central, fixture: 'registry.tool-metadata/partial-ts-named-tool-map', reason: /held in one registry/ },
    { asker: 'registry.tool-metadata', asked: central, fixture: 'registry.tool-metadata/partial-py-named-tool-map', reason: /held in one registry/ },
  ];
  for (const c of cases) {
    it(`${c.asker} asks ${c.asked.id} without running it again (${path.basename(c.fixture)})`, async () => {
      const spy = vi.spyOn(c.asked, 'detect');
      const result = await runAudit(path.join(FIXTURES, c.fixture), { review: false });
      expect(result.checks.find((x) => x.id === c.asker)!.reason).toMatch(c.reason);
      expect(result.checks.find((x) => x.id === c.asked.id)!.level).not.toBe('absent');
      expect(spy).toHaveBeenCalledTimes(1);
    });
  }
});
