/**
 * Baselines: what each check rested on at an accepted point, so that a later run can say what
 * regressed. A baseline records per check its level and its mechanisms: one per evidence item,
 * identified by its file and a line-independent key taken from the evidence's reason (the
 * guardrail test's name, the cap, the gate call), so that a moved line is not a regression and a
 * removed mechanism is.
 *
 * A regression is a level drop (present → partial, partial → absent), or a mechanism that
 * disappears while the level holds: its file is gone, its test case was deleted, skipped or turned
 * into a todo, or what it names is no longer in its file. A mechanism the rule merely stopped
 * citing (another one is cited first now) is not a regression.
 *
 * Two files are read as baselines: the baseline file `--update-baseline` writes (format
 * BASELINE_FORMAT), and a JSON report (`--format json`), whose evidence gives the mechanisms.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FileFacts, RepoFacts } from '../../analyzers/facts.js';
import { UsageError } from '../../errors.js';
import type { CheckResult } from './evaluate.js';

export const BASELINE_FORMAT = 1;

export interface Mechanism {
  /** POSIX path relative to the audited root. */
  file: string;
  /** The line when recorded: shown, never compared. */
  line: number;
  /** The evidence's reason with line numbers and counts taken out: what identifies the mechanism in its file. */
  key: string;
  /** The evidence's reason as reported. */
  reason: string;
}

export interface BaselineCheck {
  id: string;
  level: string;
  mechanisms: Mechanism[];
}

/** The baseline file written by `--update-baseline`. */
export interface BaselineFile {
  agentAuditBaseline: number;
  tool: { name: string; version: string };
  /** The audited folder relative to its repository's top level (`.` for the top level itself). */
  root: string;
  score: number;
  checks: BaselineCheck[];
}

export interface Baseline {
  file: string;
  /** `baseline`: a baseline file; `report`: a JSON report read as one. */
  kind: 'baseline' | 'report';
  tool?: { name: string; version: string };
  root?: string;
  checks: Map<string, BaselineCheck>;
}

export type GoneWhy = 'file deleted' | 'test deleted' | 'test skipped' | 'test turned into a todo' | 'no longer asserted' | 'no longer found';

export interface GoneMechanism extends Mechanism {
  why: GoneWhy;
}

export interface Regression {
  id: string;
  from: string;
  to: string;
  /** Mechanisms of the baseline that are gone. */
  gone: GoneMechanism[];
}

/** Why a baseline cannot be used: unreadable, not a report, an older format, another root. */
export class BaselineError extends UsageError {
  constructor(
    message: string,
    readonly kind: 'unreadable' | 'not-a-baseline' | 'format' | 'root',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const RANK: Record<string, number> = { absent: 0, partial: 1, present: 2 };

/**
 * The audited root as the baseline records it: relative to the repository's top level, so that
 * every clone shares the baseline; outside a repository, the absolute path.
 */
export function rootId(root: string, repoRoot: string): string {
  if (!fs.existsSync(path.join(repoRoot, '.git'))) return root.split(path.sep).join('/');
  return path.relative(repoRoot, root).split(path.sep).join('/') || '.';
}

/**
 * The line-independent identity of an evidence reason: line references, numbers and examples
 * (`e.g. "first test"`) taken out, whitespace collapsed.
 */
export function mechanismKey(reason: string): string {
  return reason
    .replace(/,?\s*\(?e\.g\. [^()]*\)?$/, '')
    .replace(/(\.[A-Za-z]{1,5}):\d+(?:-\d+)?/g, '$1')
    .replace(/\blines? \d+(?:\s*[-–]\s*\d+)?/g, 'line')
    .replace(/\d[\d_,.]*/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

export function mechanismsOf(check: Pick<CheckResult, 'evidence'>): Mechanism[] {
  return check.evidence.map((e) => ({ file: e.file, line: e.line, key: mechanismKey(e.reason), reason: e.reason }));
}

export function buildBaseline(result: { tool: { name: string; version: string }; root: string; repoRoot: string; score: number; checks: readonly CheckResult[] }): BaselineFile {
  return {
    agentAuditBaseline: BASELINE_FORMAT,
    tool: { name: result.tool.name, version: result.tool.version },
    root: rootId(result.root, result.repoRoot),
    score: result.score,
    checks: result.checks.map((c) => ({ id: c.id, level: c.level, mechanisms: c.level === 'off' ? [] : mechanismsOf(c) })),
  };
}

export function writeBaseline(file: string, baseline: BaselineFile): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(baseline, null, 2) + '\n');
  } catch (err) {
    throw new UsageError(`cannot write baseline ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}

type Raw = Record<string, unknown>;

/**
 * Reads a baseline file or a JSON report. `root` is this run's root as `rootId` gives it: a
 * baseline recorded for another root is refused, and so is a baseline file in another format.
 */
export function readBaseline(file: string, root?: string): Baseline {
  let raw: Raw;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Raw;
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new BaselineError(`cannot read baseline ${file}: ${why} (write one with --update-baseline, or --format json --output ${file})`, 'unreadable', { cause: err });
  }
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.checks)) {
    throw new BaselineError(`baseline ${file} is not an agent-audit JSON report or baseline (no checks array); write one with --update-baseline`, 'not-a-baseline');
  }
  const tool = raw.tool && typeof raw.tool === 'object' ? (raw.tool as { name: string; version: string }) : undefined;
  const isBaseline = 'agentAuditBaseline' in raw;
  if (isBaseline && raw.agentAuditBaseline !== BASELINE_FORMAT) {
    throw new BaselineError(
      `baseline ${file} is in format ${JSON.stringify(raw.agentAuditBaseline)}${tool?.version ? ` (written by agent-audit ${tool.version})` : ''}, and this version reads format ${BASELINE_FORMAT}; rewrite it with --update-baseline`,
      'format',
    );
  }
  const recorded = isBaseline ? (typeof raw.root === 'string' ? raw.root : undefined) : typeof raw.root === 'string' && typeof raw.repoRoot === 'string' ? rootId(raw.root, raw.repoRoot) : undefined;
  if (root !== undefined && recorded !== undefined && recorded !== root) {
    throw new BaselineError(
      `baseline ${file} was recorded for ${recorded === '.' ? 'the repository root' : recorded}, not for ${root === '.' ? 'the repository root' : root} audited now; audit the folder it was written for, or write a baseline for this one with --baseline OTHER_FILE --update-baseline`,
      'root',
    );
  }
  const checks = new Map<string, BaselineCheck>();
  for (const c of raw.checks as Raw[]) {
    if (typeof c?.id !== 'string' || typeof c?.level !== 'string') continue;
    let mechanisms: Mechanism[] = [];
    if (isBaseline && Array.isArray(c.mechanisms)) {
      mechanisms = (c.mechanisms as Raw[])
        .filter((m) => typeof m?.file === 'string' && typeof m?.key === 'string')
        .map((m) => ({ file: m.file as string, line: Number(m.line) || 0, key: m.key as string, reason: typeof m.reason === 'string' ? m.reason : (m.key as string) }));
    } else if (!isBaseline && Array.isArray(c.evidence) && c.level !== 'off') {
      mechanisms = mechanismsOf({ evidence: (c.evidence as Raw[]).filter((e) => typeof e?.file === 'string' && typeof e?.reason === 'string') as unknown as CheckResult['evidence'] });
    }
    checks.set(c.id, { id: c.id, level: c.level, mechanisms });
  }
  return { file, kind: isBaseline ? 'baseline' : 'report', tool, root: recorded, checks };
}

/** Identifier-like tokens of a text, with dotted names split: what a haystack is made of. */
function tokens(text: string, into: Set<string>): void {
  for (const t of text.match(/[A-Za-z_$][\w$]*/g) ?? []) into.add(t);
}

/** What a file still holds, for telling a removed mechanism from one no longer cited. */
function haystack(f: FileFacts): Set<string> {
  const out = new Set<string>();
  for (const c of f.calls) tokens(c.callee, out);
  for (const fn of f.functions) tokens(fn.name, out);
  for (const c of f.classes) out.add(c.name);
  for (const c of f.consts) tokens(`${c.name} ${c.value}`, out);
  for (const s of f.strings) {
    out.add(s.value);
    tokens(s.value, out);
  }
  for (const o of f.objects) {
    for (const k of o.keys) out.add(k);
    for (const v of Object.values(o.values)) tokens(v, out);
    tokens(o.ctx, out);
  }
  for (const t of f.types) tokens(`${t.name} ${t.members.join(' ')} ${t.tags.join(' ')}`, out);
  for (const k of Object.keys(f.reads)) out.add(k);
  for (const i of f.imports) tokens(`${i.from} ${i.names.join(' ')}`, out);
  for (const b of f.binds ?? []) tokens(`${b.name} ${b.value}`, out);
  for (const t of f.tests) tokens(t.name, out);
  for (const a of f.asserts) tokens(a.text, out);
  return out;
}

/**
 * The names in a reason that point into code: quoted names, calls (`gate.decide()`), dotted,
 * snake_case, camelCase and CONSTANT names. Plain words are not anchors.
 */
export function anchors(reason: string): string[] {
  const out = new Set<string>();
  for (const m of reason.matchAll(/'([^'\s]{1,60})'|`([^`]{1,60})`/g)) tokens(m[1] ?? m[2], out);
  for (const m of reason.matchAll(/[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*(?:\(\))?/g)) {
    const t = m[0];
    if (/[.(_$]/.test(t) || /[a-z][A-Z]/.test(t) || /^[A-Z][A-Z0-9_]+$/.test(t)) tokens(t, out);
  }
  // File names cited in a reason (`at loop.ts`) are not code.
  for (const ext of ['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'py', 'json', 'yaml', 'yml', 'toml']) out.delete(ext);
  return [...out];
}

/** Whether a baseline mechanism still exists in the current facts, and if not, why. */
function stillThere(m: Mechanism, files: Map<string, FileFacts>, hay: (f: FileFacts) => Set<string>, configs: Map<string, Set<string>>): GoneWhy | undefined {
  const f = files.get(m.file);
  if (!f) {
    const cfg = configs.get(m.file);
    if (!cfg) return 'file deleted';
    const want = anchors(m.reason);
    return want.length && want.every((t) => cfg.has(t)) ? undefined : 'no longer found';
  }
  const test = /\btest "([^"]+)"/.exec(m.reason)?.[1];
  if (test) {
    if (f.tests.some((t) => t.name.startsWith(test))) return undefined;
    const skipped = f.skippedTests?.find((t) => t.name.startsWith(test));
    if (skipped) return skipped.how === 'todo' ? 'test turned into a todo' : 'test skipped';
    return 'test deleted';
  }
  const asserted = /\basserts (.+)$/.exec(m.reason)?.[1];
  if (asserted) return f.asserts.some((a) => a.text.startsWith(asserted)) ? undefined : 'no longer asserted';
  const want = anchors(m.reason);
  if (!want.length) return undefined; // nothing to look for: gone only if the check cites fewer now
  const h = hay(f);
  return want.every((t) => h.has(t)) ? undefined : 'no longer found';
}

/**
 * Regressions of `checks` against `baseline`: level drops, and mechanisms gone while the level
 * holds. Without `facts`, a mechanism no longer cited counts as gone. Checks off or unknown on
 * either side are ignored.
 */
export function regressions(baseline: Baseline | Map<string, string>, checks: readonly CheckResult[], facts?: RepoFacts): Regression[] {
  const base: Map<string, BaselineCheck> =
    baseline instanceof Map ? new Map([...baseline].map(([id, level]) => [id, { id, level, mechanisms: [] }])) : baseline.checks;
  const files = new Map((facts?.files ?? []).map((f) => [f.path, f]));
  const hays = new Map<FileFacts, Set<string>>();
  const hay = (f: FileFacts) => hays.get(f) ?? (hays.set(f, haystack(f)), hays.get(f)!);
  const configs = new Map(
    (facts?.configs ?? []).map((c) => {
      const s = new Set<string>();
      for (const e of c.entries) tokens(`${e.path} ${e.value}`, s);
      return [c.path, s];
    }),
  );
  const out: Regression[] = [];
  for (const c of checks) {
    const b = base.get(c.id);
    if (!b || !(c.level in RANK) || !(b.level in RANK)) continue;
    const dropped = RANK[c.level] < RANK[b.level];
    if (!dropped && RANK[c.level] > RANK[b.level]) continue;
    // Match the baseline's mechanisms with the current ones by file and key (a multiset).
    const now = new Map<string, number>();
    for (const m of mechanismsOf(c)) now.set(`${m.file}\0${m.key}`, (now.get(`${m.file}\0${m.key}`) ?? 0) + 1);
    const gone: GoneMechanism[] = [];
    const uncited: Mechanism[] = [];
    for (const m of b.mechanisms) {
      const k = `${m.file}\0${m.key}`;
      const n = now.get(k) ?? 0;
      if (n > 0) {
        now.set(k, n - 1);
        continue;
      }
      const why = facts ? stillThere(m, files, hay, configs) : 'no longer found';
      if (why) gone.push({ ...m, why });
      else uncited.push(m);
    }
    // What a mechanism names can outlive it (a cap's constant without its comparison): when the
    // check now cites fewer mechanisms than the baseline, the uncited ones make up the difference.
    const deficit = b.mechanisms.length - c.evidence.length - gone.length;
    for (const m of uncited.slice(0, Math.max(0, deficit))) gone.push({ ...m, why: 'no longer found' });
    if (dropped || gone.length) out.push({ id: c.id, from: b.level, to: c.level, gone });
  }
  return out;
}

/** One line per regression, then one per mechanism gone: what it was, where it was, why it is gone. */
export function describeRegressions(regs: readonly Regression[]): string {
  const lines: string[] = [];
  for (const r of regs) {
    lines.push(r.from === r.to ? `  ${r.id} still ${r.to}, but ${r.gone.length} mechanism${r.gone.length > 1 ? 's' : ''} gone:` : `  ${r.id} ${r.from} → ${r.to}${r.gone.length ? ':' : ''}`);
    for (const g of r.gone) lines.push(`    - ${g.why}: ${g.reason} (was at ${g.file}:${g.line})`);
  }
  return lines.join('\n');
}

/** The one-line summary the CLI prints after `regressed since the baseline: `. */
export function summarizeRegressions(regs: readonly Regression[]): string {
  return regs.map((r) => (r.from === r.to ? `${r.id} (${r.gone.length} mechanism${r.gone.length > 1 ? 's' : ''} gone)` : `${r.id} ${r.from} → ${r.to}`)).join(', ');
}

/** The baseline file `--update-baseline` writes when no `--baseline FILE` is given, at the audited root. */
export const DEFAULT_BASELINE = '.audit-baseline.json';

export interface BaselineRun {
  /** Absolute path of the baseline file. */
  file: string;
  /** As the user named it. */
  shown: string;
  update: boolean;
  baseline?: Baseline;
  notes: string[];
}

/**
 * Opens the baseline of a run before the audit (so a bad file fails fast). With `update`, a
 * missing file, one that is not a baseline, or one in an older format is simply replaced after
 * the run; a baseline of another root is refused either way.
 */
export function prepareBaseline(file: string | undefined, update: boolean, cwd: string, root: string, repoRoot: string): BaselineRun | undefined {
  if (!file && !update) return undefined;
  const abs = file ? path.resolve(cwd, file) : path.join(root, DEFAULT_BASELINE);
  const run: BaselineRun = { file: abs, shown: file ?? path.relative(cwd, abs).split(path.sep).join('/'), update, notes: [] };
  if (update && !fs.existsSync(abs)) return run;
  try {
    run.baseline = readBaseline(abs, rootId(root, repoRoot));
  } catch (err) {
    if (!update || !(err instanceof BaselineError) || err.kind === 'root') throw err;
    run.notes.push(`replacing ${run.shown}: ${err.message.replace(/; (?:rewrite|write) (?:it|one) with --update-baseline$/, '')}`);
  }
  return run;
}

/**
 * After the audit: compares with the baseline and, with `update`, writes the new one. Returns
 * the failure to report (a summary line, then what disappeared and where), or undefined.
 */
export function settleBaseline(
  run: BaselineRun | undefined,
  result: { tool: { name: string; version: string }; root: string; repoRoot: string; score: number; checks: readonly CheckResult[] },
  facts: RepoFacts | undefined,
  note: (line: string) => void,
): string | undefined {
  if (!run) return undefined;
  for (const n of run.notes) note(n);
  const regs = run.baseline ? regressions(run.baseline, result.checks, facts) : [];
  if (run.update) {
    const next = buildBaseline(result);
    writeBaseline(run.file, next);
    const mechanisms = next.checks.reduce((n, c) => n + c.mechanisms.length, 0);
    note(`wrote baseline ${run.shown} (${next.checks.length} checks, ${mechanisms} mechanisms, score ${next.score})`);
    if (regs.length) note(`accepted since the previous baseline:\n${describeRegressions(regs)}`);
    return undefined;
  }
  if (!regs.length) return undefined;
  const b = run.baseline!;
  const older = b.tool?.version && b.tool.version !== result.tool.version ? `\n  (the baseline was written by agent-audit ${b.tool.version}, this is ${result.tool.version}: a change may come from the audit's own rules)` : '';
  return `regressed since the baseline: ${summarizeRegressions(regs)}\n${describeRegressions(regs)}${older}\n  If the change is intended, accept it with --update-baseline.`;
}

/** The comparison a report shows beside the checks (HTML), or undefined without a baseline to compare with. */
export function baselineView(
  run: BaselineRun | undefined,
  checks: readonly CheckResult[],
  facts: RepoFacts | undefined,
): { file: string; levels: Record<string, string>; regressions: Regression[] } | undefined {
  if (!run?.baseline) return undefined;
  return {
    file: run.shown,
    levels: Object.fromEntries([...run.baseline.checks].map(([id, c]) => [id, c.level])),
    regressions: regressions(run.baseline, checks, facts),
  };
}
