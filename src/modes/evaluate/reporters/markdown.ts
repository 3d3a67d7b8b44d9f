import type { AuditResult } from '../index.js';
import type { ReporterOptions } from './index.js';

const ICON = { present: '✅', partial: '🟡', absent: '❌', off: '⚪' } as const;

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown for PR comments and job summaries: the score, then a table per principle. */
export function markdownReport(result: AuditResult, _options: ReporterOptions): string {
  const out: string[] = [];
  out.push(`## agent-audit: ${result.score}/100`, '');
  out.push('| Principle | Score | ✅ | 🟡 | ❌ |', '|---|---:|---:|---:|---:|');
  for (const p of result.principles) {
    const cs = result.checks.filter((c) => c.principle === p.id);
    if (!cs.length) continue;
    const n = (l: string) => cs.filter((c) => c.level === l && c.applies).length;
    out.push(`| ${p.title} (\`${p.id}\`) | ${p.score ?? '–'} | ${n('present')} | ${n('partial')} | ${n('absent')} |`);
  }
  for (const p of result.principles) {
    const cs = result.checks.filter((c) => c.principle === p.id);
    if (!cs.length) continue;
    out.push('', `### ${p.title}: ${p.score ?? '–'}`, '', '| | Check | Finding | Evidence |', '|---|---|---|---|');
    for (const c of cs) {
      const ev = c.evidence.slice(0, 3).map((e) => `\`${e.file}:${e.line}\``).join('<br>');
      const finding = c.level === 'present' || c.level === 'off' || !c.applies ? c.reason : `${c.reason} **Fix:** ${c.remediation} (example: \`${c.exemplar}\` in the agent-audit package)`;
      out.push(`| ${c.applies ? ICON[c.level] : '⚪ n/a'} | \`${c.id}\` | ${cell(finding)} | ${ev} |`);
    }
  }
  if (result.flags.length) {
    out.push('', '### Warnings', '');
    for (const f of result.flags) out.push(`- ⚠️ \`${f.id}\`: ${cell(f.reason)}`);
  }
  if (result.notImplemented.length) out.push('', `_Not evaluated yet (no detection): ${result.notImplemented.map((id) => `\`${id}\``).join(', ')}._`);
  out.push('', `<sub>${result.stats.sourceFiles} source and ${result.stats.testFiles} test files, ${result.stats.skipped} skipped, ${result.stats.durationMs} ms · ${result.tool.name} ${result.tool.version}</sub>`, '');
  return out.join('\n');
}
