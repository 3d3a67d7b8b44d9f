import path from 'node:path';
import type { AuditResult } from '../index.js';
import type { ReporterOptions } from './index.js';

/** The JSON report. Its shape is a contract: fields may be added, never renamed or removed. */
export function jsonReport(result: AuditResult, options: ReporterOptions): string {
  return JSON.stringify(
    {
      tool: result.tool,
      root: result.root,
      repoRoot: result.repoRoot,
      config: result.config,
      score: result.score,
      principles: result.principles,
      checks: result.checks.map((c) => ({
        id: c.id,
        principle: c.principle,
        title: c.title,
        level: c.level,
        required: c.required,
        reason: c.reason,
        confidence: c.confidence,
        applies: c.applies,
        evidence: c.evidence,
        remediation: c.remediation,
        exemplar: c.exemplar,
        /** Where the exemplar is on this machine (in the installed package). */
        ...(options.exemplarRoot ? { exemplarPath: path.join(options.exemplarRoot, c.exemplar) } : {}),
        review: c.review,
      })),
      flags: result.flags.map((f) => ({ id: f.id, reason: f.reason, evidence: f.evidence })),
      notImplemented: result.notImplemented,
      stats: result.stats,
      skipped: result.skipped,
      parseErrorFiles: result.parseErrorFiles,
    },
    null,
    2,
  ) + '\n';
}
