import type { CheckResult } from '../evaluate.js';
import type { AuditResult } from '../index.js';
import type { ReporterOptions } from './index.js';

const HOME = 'https://github.com/agent-audit/agent-audit';

/**
 * SARIF 2.1.0 for code scanning: one rule per catalog check (from rule metadata), one result per
 * check that is not present, anchored at its first evidence or at the harness entry file.
 * `results` is always present; regions are 1-based; URIs are relative POSIX paths; order is stable.
 */
export function sarifReport(result: AuditResult, options: ReporterOptions): string {
  const rules = options.rules.map((r) => ({
    id: r.id,
    name: r.title,
    shortDescription: { text: r.title },
    fullDescription: { text: r.rationale },
    help: {
      text: `${r.remediation}\nExample: ${r.exemplar}`,
      markdown: `${r.remediation}\n\nExample: [\`${r.exemplar}\`](${HOME}/blob/main/${r.exemplar})`,
    },
    helpUri: `${HOME}/blob/main/${r.exemplar}`,
    defaultConfiguration: { level: 'warning' },
    properties: { principle: r.principle, tags: ['agent-harness', r.principle] },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const location = (file: string, line: number) => ({
    physicalLocation: { artifactLocation: { uri: encodeURI(file) }, region: { startLine: Math.max(1, line) } },
  });
  const results = result.checks
    .filter((c): c is CheckResult & { level: 'partial' | 'absent' } => c.level === 'partial' || c.level === 'absent')
    .map((c) => {
      const [first, ...rest] = c.evidence;
      return {
        ruleId: c.id,
        ruleIndex: index.get(c.id) ?? -1,
        level: c.required ? 'error' : c.level === 'absent' ? 'warning' : 'note',
        message: { text: `${c.title}: ${c.level}. ${c.reason} Remediation: ${c.remediation} (see ${c.exemplar})` },
        locations: [first ? location(first.file, first.line) : location(result.entry, 1)],
        relatedLocations: rest.map((e, i) => ({ id: i + 1, ...location(e.file, e.line), message: { text: e.reason } })),
        partialFingerprints: { checkId: c.id },
        properties: { principle: c.principle, auditLevel: c.level },
      };
    })
    .map((r) => (r.ruleIndex < 0 ? { ...r, ruleIndex: undefined } : r));
  const flags = result.flags.map((f) => ({
    ruleId: f.id,
    level: 'warning',
    message: { text: f.reason },
    locations: [f.evidence[0] ? location(f.evidence[0].file, f.evidence[0].line) : location(result.entry, 1)],
  }));
  return (
    JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: result.tool.name, version: result.tool.version, informationUri: HOME, rules } },
            results: [...results, ...flags],
            properties: { score: result.score },
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}
