import path from 'node:path';
import { Chalk } from 'chalk';
import type { CheckResult } from '../evaluate.js';
import type { AuditResult } from '../index.js';
import { displayPath, type ReporterOptions } from './index.js';

const MARK = { present: '✓', partial: '◐', absent: '✗', off: '○', na: '–' } as const;
/** How many skipped files the report names without --verbose. */
const SKIPPED_SHOWN = 5;

type Shown = keyof typeof MARK;
type Paint = (s: string) => string;

/**
 * Breaks `text` into lines of at most `width` columns: the first line starts with `first`, the
 * others with `rest`. Words are never split (a word longer than a line stands alone).
 */
export function wrap(text: string, width: number, first: string, rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

/**
 * The terminal report: the score, then each principle with its checks (level, id, title, the
 * verdict, evidence, and for partial and absent checks the fix and the example to copy), then a
 * summary with what was skipped. Lines fit `width`; paths are relative to `cwd`. A `?` after a
 * level marks a verdict of low confidence. `quiet` keeps only what is not present.
 */
export function textReport(result: AuditResult, options: ReporterOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = Math.max(60, options.width ?? 100);
  const paint: Record<Shown, Paint> = { present: c.green, partial: c.yellow, absent: c.red, off: c.gray, na: c.gray };
  const cwd = options.cwd ?? result.root;
  const rel = (file: string) => displayPath(path.join(result.root, file), cwd);
  const out: string[] = [];
  /** Wraps, then paints each line (colour codes never count toward the width). */
  const put = (text: string, first: string, rest = first, p: Paint = (s) => s) => out.push(...wrap(text, width, first, rest).map((l) => p(l)));

  const scoreColor = result.score >= 80 ? c.green : result.score >= 50 ? c.yellow : c.red;
  out.push(`${c.bold(`${result.tool.name} ${result.tool.version}`)}  ${options.cwd ? displayPath(result.root, cwd) : result.root}`);
  const s = result.stats;
  out.push(`${c.bold('Score')} ${scoreColor.bold(`${result.score}/100`)}  ${c.gray(`(${s.sourceFiles} source and ${s.testFiles} test files; ${s.skipped} skipped; ${s.durationMs} ms)`)}`);

  for (const p of result.principles) {
    const checks = result.checks.filter((ch) => ch.principle === p.id && (!options.quiet || shown(ch) === 'partial' || shown(ch) === 'absent'));
    if (!checks.length) continue;
    const bar = p.score === null ? ''.padEnd(10) : '█'.repeat(Math.round(p.score / 10)).padEnd(10, '░');
    out.push('', `${c.bold(p.id.padEnd(13))} ${String(p.score ?? '–').padStart(5)}  ${c.gray(bar)}  ${p.title}`);
    for (const ch of checks) checkLines(ch);
  }

  if (result.flags.length) {
    out.push('');
    for (const f of result.flags) {
      put(`${f.id}: ${f.reason}`, '⚠ ', '    ', c.yellow);
      for (const e of f.evidence.slice(0, 3)) put(e.reason, `    ${rel(e.file)}:${e.line}  `, '        ', c.gray);
    }
  }
  if (result.notImplemented.length) {
    out.push('');
    put(`Not evaluated yet (no detection for these checks): ${result.notImplemented.join(', ')}`, '', '', c.gray);
  }

  const count = (l: Shown) => result.checks.filter((ch) => shown(ch) === l).length;
  const parts = (['present', 'partial', 'absent'] as const).map((l) => `${count(l)} ${l}`);
  if (count('na')) parts.push(`${count('na')} not applicable`);
  if (count('off')) parts.push(`${count('off')} off`);
  if (result.flags.length) parts.push(`${result.flags.length} warning${result.flags.length > 1 ? 's' : ''}`);
  out.push('');
  put(parts.join(', ') + '.', '');
  const low = result.checks.filter((ch) => ch.level !== 'off' && ch.confidence === 'low').length;
  if (low) put(`${low} of ${result.checks.filter((ch) => ch.level !== 'off').length} verdicts rest on names or guessed links rather than a resolved path (marked ?): read their evidence before acting on them.`, '');
  if (count('na')) put('Checks marked n/a have nothing to apply to in this harness and are left out of the score.', '');

  if (result.skipped.length) {
    const list = options.verbose ? result.skipped : result.skipped.slice(0, SKIPPED_SHOWN);
    const more = result.skipped.length - list.length;
    out.push('', `Skipped ${result.skipped.length} file${result.skipped.length > 1 ? 's' : ''}${more ? ` (${list.length} shown; --verbose lists all)` : ''}:`);
    for (const f of list) put(`${rel(f.path)}: ${f.reason}`, '  ', '      ', c.gray);
  }
  if (result.parseErrorFiles.length) {
    const list = options.verbose ? result.parseErrorFiles : result.parseErrorFiles.slice(0, SKIPPED_SHOWN);
    const more = result.parseErrorFiles.length - list.length;
    out.push('', `Read with syntax errors (analysed as far as they parse)${more ? `, ${list.length} of ${result.parseErrorFiles.length} shown (--verbose lists all)` : ''}:`);
    for (const f of list) put(`${rel(f.path)}: ${f.errors} syntax error${f.errors > 1 ? 's' : ''}`, '  ', '      ', c.gray);
  }
  return out.join('\n') + '\n';

  function checkLines(ch: CheckResult): void {
    const level = shown(ch);
    const label = `${MARK[level]} ${level === 'na' ? 'n/a' : level}${ch.confidence === 'low' && level !== 'off' && level !== 'na' ? '?' : ''}`;
    const head = `${label.padEnd(10)} ${ch.id}${ch.required ? ' (required)' : ''}`;
    // The title follows the id on the same line when it fits, else on its own line below.
    if (2 + head.length + 2 + ch.title.length <= width) out.push(`  ${paint[level](label.padEnd(10))} ${c.bold(ch.id)}${ch.required ? c.red(' (required)') : ''}  ${ch.title}`);
    else {
      out.push(`  ${paint[level](label.padEnd(10))} ${c.bold(ch.id)}${ch.required ? c.red(' (required)') : ''}`);
      put(ch.title, '      ');
    }
    put(sentence(ch.reason), '      ');
    const evidence = ch.level === 'present' || level === 'na' ? ch.evidence.slice(0, 2) : ch.evidence.slice(0, options.quiet ? 2 : 4);
    for (const e of options.verbose ? ch.evidence : evidence) put(e.reason, `      ${rel(e.file)}:${e.line}  `, '          ', c.gray);
    if (level === 'partial' || level === 'absent') {
      put(`Fix: ${ch.remediation.replace(/[;,]?\s*see the exemplar(?: [\w./-]+?)?\.?$/i, '.')}`, '      → ', '        ', c.cyan);
      const example = options.exemplarRoot ? displayPath(path.join(options.exemplarRoot, ch.exemplar), cwd) : ch.exemplar;
      put(`Example: ${example}`, '        ', '          ', c.cyan);
    }
  }
}

/** The level as shown: `na` for a check with nothing to apply to. */
function shown(ch: CheckResult): Shown {
  return ch.level !== 'off' && ch.applies === false ? 'na' : ch.level;
}

/** A reason as a sentence: capitalised, ending with a full stop. */
function sentence(reason: string): string {
  const r = reason.trim();
  if (!r) return r;
  const head = /^[a-z]+(?=[\s,:])/.test(r) ? r[0].toUpperCase() + r.slice(1) : r;
  return head + (/[.!?]$/.test(r) ? '' : '.');
}
