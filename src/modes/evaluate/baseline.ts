/**
 * Baselines: a JSON report from an earlier run. A check whose level dropped since then
 * (present → partial, partial → absent, …) is a regression, which fails the run — the guard a
 * pre-commit hook or a CI job needs against guardrails quietly disappearing.
 */
import fs from 'node:fs';
import { UsageError } from '../../errors.js';
import type { CheckResult } from './evaluate.js';

export interface Regression {
  id: string;
  from: string;
  to: string;
}

const RANK: Record<string, number> = { absent: 0, partial: 1, present: 2 };

export function readBaseline(file: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UsageError(`cannot read baseline ${file}: ${why} (write one with --format json --output ${file})`, { cause: err });
  }
  const checks = (raw as { checks?: unknown }).checks;
  if (!Array.isArray(checks)) throw new UsageError(`baseline ${file} is not an agent-audit JSON report (no checks array)`);
  return new Map(
    checks
      .filter((c): c is { id: string; level: string } => typeof c?.id === 'string' && typeof c?.level === 'string')
      .map((c) => [c.id, c.level]),
  );
}

/** Checks whose level is lower now than in the baseline (checks off on either side are ignored). */
export function regressions(baseline: Map<string, string>, checks: readonly CheckResult[]): Regression[] {
  return checks
    .filter((c) => c.level in RANK && (baseline.get(c.id) ?? '') in RANK && RANK[c.level] < RANK[baseline.get(c.id)!])
    .map((c) => ({ id: c.id, from: baseline.get(c.id)!, to: c.level }));
}
