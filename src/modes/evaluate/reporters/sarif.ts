import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LEVELS } from '../../../rules/levels.js';
import type { Evidence } from '../../../rules/types.js';
import type { CheckResult } from '../evaluate.js';
import type { AuditResult } from '../index.js';
import type { ReporterOptions } from './index.js';

/** The base every result URI is relative to: the repository root (see `AuditResult.repoRoot`). */
export const SRCROOT = '%SRCROOT%';
/** Where the exemplars are in an installed copy of this package. */
const INSTALLED = 'node_modules/agent-audit';

const FILE_LINE = /(?<![\w./-])((?:[\w.@-]+\/)*[\w.@-]+\.(?:[cm]?[jt]sx?|py)):(\d+)\b/g;

/**
 * SARIF 2.1.0 for code scanning: one rule per catalog check and flag (from their metadata, with
 * the full help as markdown), one result per check that is partial or absent and applies, located
 * at its first evidence `file:line`, else at the first `file:line` its reason names, else at the
 * agent loop (where the missing mechanism belongs), else at the harness entry file. URIs are relative POSIX paths from the repository root, with `%SRCROOT%` in
 * `originalUriBaseIds`, so that an audit of a subfolder lands on the right files. `results` is
 * always present; regions are 1-based; order is stable. No `helpUri`: no public page backs the
 * rules; the help text names the exemplar in the installed package instead.
 */
export function sarifReport(result: AuditResult, options: ReporterOptions): string {
  const rules = [
    ...options.rules.map((r) => {
      const levels = LEVELS[r.id];
      const markdown = [
        r.rationale,
        '',
        `**Present** when: ${levels.present}`,
        '',
        `**Partial**: ${levels.partial}`,
        '',
        `**Absent**: ${levels.absent}`,
        '',
        `**Fix**: ${r.remediation}`,
        '',
        `**Example**: \`${r.exemplar}\` in the agent-audit package (\`${INSTALLED}/${r.exemplar}\` where it is installed; \`npx agent-audit rules ${r.id}\` prints it).`,
      ].join('\n');
      return {
        id: r.id,
        name: r.title,
        shortDescription: { text: r.title },
        fullDescription: { text: r.rationale },
        help: { text: `${r.rationale}\nPresent when: ${levels.present}\nFix: ${r.remediation}\nExample: ${INSTALLED}/${r.exemplar}`, markdown },
        defaultConfiguration: { level: 'warning' },
        properties: { principle: r.principle, tags: ['agent-harness', r.principle] },
      };
    }),
    ...(options.flagRules ?? []).map((f) => ({
      id: f.id,
      name: f.title,
      shortDescription: { text: f.title },
      fullDescription: { text: f.description },
      help: { text: f.description, markdown: f.description },
      defaultConfiguration: { level: 'warning' },
      properties: { tags: ['agent-harness', 'complexity'] },
    })),
  ];
  const index = new Map(rules.map((r, i) => [r.id, i]));

  // Paths of the report are relative to the audited root; the URIs are relative to the repository.
  const prefix = path.relative(result.repoRoot, result.root).split(path.sep).join('/');
  const uri = (file: string) => encodeURI(prefix ? `${prefix}/${file}` : file);
  const location = (file: string, line: number) => ({
    physicalLocation: { artifactLocation: { uri: uri(file), uriBaseId: SRCROOT }, region: { startLine: Math.max(1, line) } },
  });
  const cited = citedFiles(result);
  const anchor = (evidence: Evidence[], reason: string) => {
    const first = evidence[0] ?? named(reason, cited);
    return first ? location(first.file, first.line) : location(result.entry, result.entryLine ?? 1);
  };
  const ruleIndex = (id: string) => (index.has(id) ? { ruleIndex: index.get(id) } : {});

  const results = result.checks
    .filter((c): c is CheckResult & { level: 'partial' | 'absent' } => (c.level === 'partial' || c.level === 'absent') && c.applies)
    .map((c) => ({
      ruleId: c.id,
      ...ruleIndex(c.id),
      level: c.required ? 'error' : c.level === 'absent' ? 'warning' : 'note',
      message: { text: `${c.title}: ${c.level}. ${c.reason}. Fix: ${c.remediation} (example: ${c.exemplar})`.replace(/\.\. /g, '. ') },
      locations: [anchor(c.evidence, c.reason)],
      ...(c.evidence.length > 1 ? { relatedLocations: c.evidence.slice(1).map((e, i) => ({ id: i + 1, ...location(e.file, e.line), message: { text: e.reason } })) } : {}),
      partialFingerprints: { checkId: c.id },
      properties: { principle: c.principle, auditLevel: c.level, confidence: c.confidence },
    }));
  const flags = result.flags.map((f) => ({
    ruleId: f.id,
    ...ruleIndex(f.id),
    level: 'warning',
    message: { text: f.reason },
    locations: [anchor(f.evidence, f.reason)],
    partialFingerprints: { checkId: f.id },
  }));
  const notApplicable = result.checks.filter((c) => c.level !== 'off' && !c.applies).map((c) => c.id);
  return (
    JSON.stringify(
      {
        $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: result.tool.name, version: result.tool.version, semanticVersion: result.tool.version, rules } },
            originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(result.repoRoot).href.replace(/\/?$/, '/') } },
            results: [...results, ...flags],
            properties: { score: result.score, ...(notApplicable.length ? { notApplicable } : {}) },
          },
        ],
      },
      null,
      2,
    ) + '\n'
  );
}

/** Every file the report cites, by path and by basename (reasons sometimes name only the basename). */
function citedFiles(result: AuditResult): Map<string, string> {
  const files = new Map<string, string>();
  const add = (f: string) => {
    files.set(f, f);
    const base = f.slice(f.lastIndexOf('/') + 1);
    if (!files.has(base)) files.set(base, f);
  };
  for (const c of result.checks) for (const e of c.evidence) add(e.file);
  for (const f of result.flags) for (const e of f.evidence) add(e.file);
  add(result.entry);
  return files;
}

/** The first `file:line` a reason names that is a file of the report, as evidence. */
function named(reason: string, files: Map<string, string>): Evidence | undefined {
  for (const m of reason.matchAll(FILE_LINE)) {
    const file = files.get(m[1]) ?? (m[1].includes('/') && !m[1].startsWith('../') ? m[1] : undefined);
    if (file) return { file, line: Number(m[2]), reason };
  }
  return undefined;
}
