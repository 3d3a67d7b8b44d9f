import { Chalk } from 'chalk';
import type { CheckResult } from '../evaluate.js';
import type { AuditResult } from '../index.js';
import type { ReporterOptions } from './index.js';

const MARK = { present: '✓', partial: '◐', absent: '✗', off: '○' } as const;

/**
 * The terminal report: score, then each principle with its checks. Present checks show their
 * strongest evidence; partial and absent ones also show what is missing and the remediation.
 * `quiet` keeps only what is not present.
 */
export function textReport(result: AuditResult, options: ReporterOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const paint = { present: c.green, partial: c.yellow, absent: c.red, off: c.gray } as const;
  const out: string[] = [];
  const scoreColor = result.score >= 80 ? c.green : result.score >= 50 ? c.yellow : c.red;
  out.push(`${c.bold(`${result.tool.name} ${result.tool.version}`)}  ${result.root}`);
  out.push(
    `${c.bold('Score')} ${scoreColor.bold(`${result.score}/100`)}  ${c.gray(
      `(${result.stats.sourceFiles} source and ${result.stats.testFiles} test files; ${result.stats.skipped} skipped; ${result.stats.durationMs} ms)`,
    )}`,
  );
  for (const p of result.principles) {
    const checks = result.checks.filter((ch) => ch.principle === p.id && (!options.quiet || (ch.level !== 'present' && ch.level !== 'off')));
    if (!checks.length) continue;
    const bar = p.score === null ? '' : '█'.repeat(Math.round(p.score / 10)).padEnd(10, '░');
    out.push('', `${c.bold(p.id.padEnd(13))} ${String(p.score ?? '–').padStart(5)}  ${c.gray(bar)}  ${p.title}`);
    for (const ch of checks) out.push(...checkLines(ch, paint, c, options.quiet));
  }
  if (result.flags.length) {
    out.push('');
    for (const f of result.flags) {
      out.push(c.yellow(`⚠ ${f.id}: ${f.reason}`));
      for (const e of f.evidence.slice(0, 3)) out.push(c.gray(`    ${e.file}:${e.line}  ${e.reason}`));
    }
  }
  if (result.notImplemented.length) {
    out.push('', c.gray(`Not evaluated yet (no detection for these checks): ${result.notImplemented.join(', ')}`));
  }
  const counts = ['present', 'partial', 'absent'].map((l) => `${result.checks.filter((ch) => ch.level === l).length} ${l}`).join(', ');
  out.push('', `${counts}${result.flags.length ? `, ${result.flags.length} warning${result.flags.length > 1 ? 's' : ''}` : ''}`);
  return out.join('\n') + '\n';
}

function checkLines(
  ch: CheckResult,
  paint: Record<CheckResult['level'], (s: string) => string>,
  c: InstanceType<typeof Chalk>,
  quiet?: boolean,
): string[] {
  const lines = [`  ${paint[ch.level](`${MARK[ch.level]} ${ch.level.padEnd(7)}`)} ${c.bold(ch.id)}${ch.required ? c.red(' (required)') : ''}`];
  lines.push(`      ${ch.reason}`);
  const shown = ch.level === 'present' ? ch.evidence.slice(0, 2) : ch.evidence.slice(0, quiet ? 2 : 4);
  for (const e of shown) lines.push(c.gray(`      ${e.file}:${e.line}  ${e.reason}`));
  if (ch.level === 'partial' || ch.level === 'absent') lines.push(c.cyan(`      → ${ch.remediation} See ${ch.exemplar}`));
  return lines;
}
