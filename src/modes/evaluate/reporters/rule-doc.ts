import { JUDGING_RULES, PRINCIPLES } from '../../../rules/catalog.js';
import { LEVELS } from '../../../rules/levels.js';
import type { RuleMeta } from '../../../rules/types.js';
import { wrap } from './text.js';

export interface RuleDocOptions {
  width: number;
  /** The exemplar as the user should open it (relative to where they stand, in the installed package). */
  exemplarPath: string;
  /** Lines of the exemplar to show, with their 1-based line numbers. */
  excerpt: Array<{ line: number; text: string }>;
}

/** `audit rules`: every check by principle, with its title. */
export function ruleList(rules: readonly RuleMeta[], flags: ReadonlyArray<{ id: string; title: string }>, width: number): string {
  const out: string[] = [];
  const idWidth = Math.max(...rules.map((r) => r.id.length), ...flags.map((f) => f.id.length));
  for (const p of PRINCIPLES) {
    const rs = rules.filter((r) => r.principle === p.id);
    if (!rs.length) continue;
    out.push(`${p.id}: ${p.title}`);
    for (const r of rs) out.push(...wrap(r.title, width, `  ${r.id.padEnd(idWidth)}  `, ' '.repeat(idWidth + 4)));
    out.push('');
  }
  if (flags.length) {
    out.push('warnings');
    for (const f of flags) out.push(...wrap(f.title, width, `  ${f.id.padEnd(idWidth)}  `, ' '.repeat(idWidth + 4)));
    out.push('');
  }
  out.push('Run `audit rules <id>` for what a check looks for, its levels, the fix and an example.');
  return out.join('\n') + '\n';
}

/** `audit rules <id>`: why the check matters, what each level looks like, the fix and the example. */
export function ruleDoc(rule: RuleMeta, options: RuleDocOptions): string {
  const { width } = options;
  const levels = LEVELS[rule.id];
  const out: string[] = [`${rule.id}: ${rule.title}`, `principle: ${rule.principle} (${PRINCIPLES.find((p) => p.id === rule.principle)?.title})`, ''];
  const para = (label: string, text: string) => out.push(...wrap(text, width, `${label.padEnd(9)}`, ' '.repeat(9)));
  para('Why', rule.rationale);
  out.push('');
  para('present', levels.present);
  para('partial', levels.partial);
  para('absent', levels.absent);
  out.push('');
  para('Fix', rule.remediation);
  out.push('', `Example: ${options.exemplarPath}`);
  const numWidth = String(options.excerpt.at(-1)?.line ?? 0).length;
  options.excerpt.forEach((l, i) => {
    if (i > 0 && l.line > options.excerpt[i - 1].line + 1) out.push(`  ${' '.repeat(numWidth)} ┆`);
    out.push(`  ${String(l.line).padStart(numWidth)} │ ${l.text}`.trimEnd());
  });
  out.push('');
  for (const r of JUDGING_RULES) out.push(...wrap(`${r.title}: ${r.text}`, width, '· ', '  '));
  return out.join('\n') + '\n';
}

/**
 * The lines of an exemplar worth showing: its leading contract comment and the first exported
 * declaration, at most `max` lines.
 */
export function exemplarExcerpt(text: string, max = 24): Array<{ line: number; text: string }> {
  const lines = text.split('\n');
  const pick: number[] = [];
  let i = 0;
  if (/^\s*\/\*\*?/.test(lines[0] ?? '')) {
    for (; i < lines.length && pick.length < max / 2; i++) {
      pick.push(i);
      if (lines[i].includes('*/')) break;
    }
  }
  const start = lines.findIndex((l, j) => j > i && /^export\s/.test(l));
  if (start >= 0) for (let j = start; j < lines.length && pick.length < max; j++) pick.push(j);
  return [...new Set(pick)].sort((a, b) => a - b).map((j) => ({ line: j + 1, text: lines[j] }));
}
