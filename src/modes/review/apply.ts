/**
 * How `audit evaluate` honours reviewed judgements: a judgement whose cited lines still read as
 * recorded replaces the static verdict (and says so); a stale one is shown beside the static
 * verdict, which is used, with the changed line named.
 */
import type { CheckId } from '../../rules/catalog.js';
import type { Finding, Level } from '../../rules/types.js';
import { staleness, type ReviewFile } from './store.js';

export interface ReviewMark {
  /** `applied`: the judgement is used. `stale`: a cited line changed, so the static verdict is used. */
  status: 'applied' | 'stale';
  level: Level;
  reason: string;
  by: string;
  at: string;
  /** What the rules alone said. */
  staticLevel: Level;
  /** For a stale judgement, the cited `file:line` that no longer reads as it did. */
  changed?: string;
}

export type ReviewHook = (id: CheckId, finding: Finding) => { finding: Finding; review?: ReviewMark };

export function reviewHook(root: string, reviews: ReviewFile): ReviewHook {
  return (id, finding) => {
    const j = reviews.judgements[id];
    if (!j) return { finding };
    const base = { level: j.level, reason: j.reason, by: j.by, at: j.at, staticLevel: finding.level };
    const stale = staleness(root, j);
    if (stale) return { finding, review: { status: 'stale', ...base, changed: stale.changed } };
    return {
      finding: {
        ...finding,
        level: j.level,
        reason: `reviewed by ${j.by}: ${j.reason}`,
        evidence: j.evidence.map((e) => ({ file: e.file, line: e.line, reason: `cited in review: ${e.text}` })),
        confidence: 'high',
        applies: true, // a reviewer who judged the level judged that the check applies
      },
      review: { status: 'applied', ...base },
    };
  };
}
