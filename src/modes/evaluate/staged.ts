/**
 * `--staged` and `--changed`: what a change does to the checks. The tree the commit would leave
 * (the index for `--staged`, the working tree for `--changed`) is audited beside the tree it
 * starts from (`--since REF`, default HEAD), and only the checks whose level or mechanisms
 * changed are reported. Trees other than the working tree are written from git's objects into a
 * temporary folder (`git ls-files -s` / `git ls-tree` and `git cat-file --batch`); git is only
 * read, never written.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RepoFacts } from '../../analyzers/facts.js';
import { UsageError } from '../../errors.js';
import { BASELINE_FORMAT, buildBaseline, prepareBaseline, regressions, settleBaseline, type Baseline, type GoneMechanism } from './baseline.js';
import { findRepoRoot, runAudit, thresholdFailures, type AuditOptions, type AuditResult } from './index.js';
import { writeReportFile } from './reporters/index.js';

export type ChangeMode = 'staged' | 'changed';

export interface CheckChange {
  id: string;
  title: string;
  from: string;
  to: string;
  /** Mechanisms of the starting tree that the change removes. */
  gone: GoneMechanism[];
  /** A level drop or a mechanism gone. */
  regression: boolean;
}

export interface ChangeResult {
  mode: ChangeMode;
  /** The tree the change starts from. */
  since: string;
  /** Files under the audited root that differ between the two trees. */
  changedFiles: string[];
  /** The audit of the tree the change leaves; undefined when no file under the root changed. */
  after?: AuditResult;
  afterFacts?: RepoFacts;
  before?: AuditResult;
  changes: CheckChange[];
}

const MAX_GIT_OUTPUT = 1 << 30;

function git(repoRoot: string, args: string[], input?: string): Buffer {
  try {
    return execFileSync('git', ['-C', repoRoot, ...args], { input, maxBuffer: MAX_GIT_OUTPUT, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; code?: string; message: string };
    if (e.code === 'ENOENT') throw new UsageError('--staged and --changed need git on the PATH', { cause: err });
    const why = e.stderr?.toString().trim().split('\n')[0] || e.message;
    throw new UsageError(`git ${args.join(' ')} failed in ${repoRoot}: ${why}`, { cause: err });
  }
}

const split0 = (b: Buffer) => b.toString('utf8').split('\0').filter(Boolean);

interface Blob {
  mode: string;
  oid: string;
  path: string;
}

/**
 * The files an audit can read: source, manifests, configuration (YAML / JSON / TOML),
 * .gitignore files and the reviewed judgements. Nothing else is written out.
 */
const AUDITED = /\.(?:[cm]?[jt]sx?|py|ya?ml|jsonc?|toml)$|(?:^|\/)\.gitignore$|(?:^|\/)\.audit\/review\.json$/;

/** Writes `blobs` (regular files the audit can read; symlinks and submodules are left out) under `dest`. */
function writeBlobs(repoRoot: string, blobs: readonly Blob[], dest: string): void {
  const files = blobs.filter((b) => (b.mode === '100644' || b.mode === '100755') && AUDITED.test(b.path));
  if (!files.length) return;
  const out = git(repoRoot, ['cat-file', '--batch'], files.map((f) => f.oid).join('\n') + '\n');
  let at = 0;
  for (const f of files) {
    const nl = out.indexOf(0x0a, at);
    const header = out.subarray(at, nl).toString('utf8');
    const size = Number(header.split(' ')[2]);
    if (!Number.isFinite(size)) throw new UsageError(`git cat-file gave no content for ${f.path} (${header})`);
    const abs = path.join(dest, f.path);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, out.subarray(nl + 1, nl + 1 + size));
    at = nl + 1 + size + 1;
  }
}

/**
 * The files of the index under `rel`, written under `dest`. Files whose working copy matches the
 * index (not in `git diff`) are linked or copied from the working tree rather than read from git.
 */
export function writeIndexTree(repoRoot: string, rel: string, dest: string): void {
  const blobs = split0(git(repoRoot, ['ls-files', '-s', '-z', '--', rel])).map((l) => {
    const [meta, p] = l.split('\t');
    const [mode, oid, stage] = meta.split(' ');
    return { mode: stage === '0' ? mode : 'conflict', oid, path: p };
  });
  const unstaged = new Set(split0(git(repoRoot, ['diff', '--name-only', '-z', '--no-renames', '--', rel])));
  writeBlobs(repoRoot, reuseFiles(blobs, dest, { same: repoRoot, changed: unstaged }), dest);
}

/** Links or copies the blobs not in `changed` from `same` into `dest`; returns the rest, to be read from git. */
function reuseFiles(blobs: readonly Blob[], dest: string, reuse?: { same: string; changed: ReadonlySet<string> }): Blob[] {
  const rest: Blob[] = [];
  for (const b of blobs) {
    if (!reuse || reuse.changed.has(b.path) || !(b.mode === '100644' || b.mode === '100755') || !AUDITED.test(b.path)) {
      rest.push(b);
      continue;
    }
    const from = path.join(reuse.same, b.path);
    const to = path.join(dest, b.path);
    try {
      if (!fs.lstatSync(from).isFile()) throw new Error('not a file');
      fs.mkdirSync(path.dirname(to), { recursive: true });
      try {
        fs.linkSync(from, to);
      } catch {
        fs.copyFileSync(from, to);
      }
    } catch {
      rest.push(b); // not there after all: from git
    }
  }
  return rest;
}

/**
 * The files of commit `ref` under `rel`, written under `dest`. A file not in `changed` has the
 * same content in `same` (a folder laid out like the repository): it is linked or copied from
 * there rather than read from git.
 */
export function writeCommitTree(repoRoot: string, ref: string, rel: string, dest: string, reuse?: { same: string; changed: ReadonlySet<string> }): void {
  const blobs = split0(git(repoRoot, ['ls-tree', '-r', '-z', ref, '--', rel])).map((l) => {
    const [meta, p] = l.split('\t');
    const [mode, , oid] = meta.split(' ');
    return { mode, oid, path: p };
  });
  writeBlobs(repoRoot, reuseFiles(blobs, dest, reuse), dest);
}

/** Files under `rel` that differ between `since` and the index (`staged`) or the working tree, untracked ones included. */
export function changedFiles(repoRoot: string, mode: ChangeMode, since: string, rel: string): string[] {
  const diff = split0(git(repoRoot, ['diff', '--name-only', '-z', '--no-renames', ...(mode === 'staged' ? ['--cached'] : []), since, '--', rel]));
  const untracked = mode === 'changed' ? split0(git(repoRoot, ['ls-files', '--others', '--exclude-standard', '-z', '--', rel])) : [];
  return [...new Set([...diff, ...untracked])].sort();
}

/** A baseline made from a result, as `readBaseline` would return it. */
export function asBaseline(result: AuditResult, file = '<since>'): Baseline {
  const b = buildBaseline(result);
  return { file, kind: 'baseline', tool: b.tool, root: b.root, checks: new Map(b.checks.map((c) => [c.id, c])) };
}

/** Audits the tree under `root` as the change leaves it beside the tree it starts from. */
export async function auditChange(root: string, mode: ChangeMode, since: string | undefined, options: AuditOptions = {}, always = false): Promise<ChangeResult> {
  const repoRoot = findRepoRoot(root);
  if (!fs.existsSync(path.join(repoRoot, '.git'))) throw new UsageError(`--${mode} needs a git repository, and ${root} is not in one`);
  const top = git(repoRoot, ['rev-parse', '--show-toplevel']).toString().trim();
  const rel = path.relative(top, root).split(path.sep).join('/') || '.';
  const ref = since ?? 'HEAD';
  const hasRef = (() => {
    try {
      git(repoRoot, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
      return true;
    } catch {
      if (since) throw new UsageError(`--since ${since}: no such commit in ${top}`);
      return false; // a repository with no commit yet: the change starts from nothing
    }
  })();
  const changed = hasRef ? changedFiles(top, mode, ref, rel) : split0(git(top, ['ls-files', '-z', ...(mode === 'changed' ? ['--cached', '--others', '--exclude-standard'] : []), '--', rel])).sort();
  const out: ChangeResult = { mode, since: hasRef ? ref : '(no commit yet)', changedFiles: changed.map((f) => path.posix.relative(rel === '.' ? '' : rel, f)), changes: [] };
  if (!changed.length && !always) return out;

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-audit-change-'));
  try {
    const under = (dir: string) => (rel === '.' ? dir : path.join(dir, rel));
    let afterRoot = root;
    if (mode === 'staged') {
      writeIndexTree(top, rel, path.join(tmp, 'after'));
      afterRoot = under(path.join(tmp, 'after'));
      fs.mkdirSync(afterRoot, { recursive: true });
    }
    const afterFacts: { facts?: RepoFacts } = {};
    const after = await runAudit(afterRoot, { ...options, onFacts: (f) => (afterFacts.facts = f) });
    let before: AuditResult | undefined;
    if (hasRef && changed.length) {
      // The commit's audit is kept by its tree: the next commit on top of it starts from there.
      const tree = git(top, ['rev-parse', `${ref}:${rel === '.' ? '' : rel}`]).toString().trim();
      const config = options.configPath ? crypto.createHash('sha1').update(fs.readFileSync(options.configPath)).digest('hex') : '';
      const resultKey = `tree ${tree} config ${config} review ${options.review !== false}`;
      before = options.cache?.getResult<AuditResult>(resultKey);
      if (!before) {
        // Files the change leaves alone are the same in the tree it leaves: linked from there.
        const same = mode === 'staged' ? path.join(tmp, 'after') : top;
        writeCommitTree(top, ref, rel, path.join(tmp, 'before'), { same, changed: new Set(changed) });
        const beforeRoot = under(path.join(tmp, 'before'));
        fs.mkdirSync(beforeRoot, { recursive: true });
        before = await runAudit(beforeRoot, { ...options, onProgress: undefined, onFacts: undefined });
        options.cache?.setResult(resultKey, before);
      }
    }
    // Both are reported as the real folder.
    for (const r of [after, before]) if (r) Object.assign(r, { root, repoRoot: top });
    out.after = after;
    out.afterFacts = afterFacts.facts;
    out.before = before;
    out.changes = changed.length ? compareTrees(before, after, afterFacts.facts) : [];
    return out;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const RANK: Record<string, number> = { absent: 0, partial: 1, present: 2 };

/** The checks whose level or mechanisms differ between two audits of the same root. */
export function compareTrees(before: AuditResult | undefined, after: AuditResult, afterFacts: RepoFacts | undefined): CheckChange[] {
  const base = before ? asBaseline(before) : undefined;
  const regs = new Map((base ? regressions(base, after.checks, afterFacts) : []).map((r) => [r.id, r]));
  const out: CheckChange[] = [];
  for (const c of after.checks) {
    const from = base?.checks.get(c.id)?.level ?? 'absent';
    const r = regs.get(c.id);
    if (from === c.level && !r) continue;
    out.push({ id: c.id, title: c.title, from, to: c.level, gone: r?.gone ?? [], regression: !!r || ((RANK[c.level] ?? 9) < (RANK[from] ?? -1)) });
  }
  return out;
}

/** What the change does to the checks, as text or JSON. */
export function changeReport(change: ChangeResult, format: 'text' | 'json', rootShown: string): string {
  const what = change.mode === 'staged' ? 'the index' : 'the working tree';
  if (format === 'json') {
    return (
      JSON.stringify(
        {
          mode: change.mode,
          since: change.since,
          root: change.after?.root,
          changedFiles: change.changedFiles,
          score: change.after ? { before: change.before?.score ?? null, after: change.after.score } : null,
          changes: change.changes,
          baselineFormat: BASELINE_FORMAT,
        },
        null,
        2,
      ) + '\n'
    );
  }
  const lines: string[] = [];
  if (!change.after) {
    lines.push(`No file under ${rootShown} differs between ${change.since} and ${what}: the checks cannot have changed.`);
    return lines.join('\n') + '\n';
  }
  const score = change.before ? `score ${change.before.score} → ${change.after.score}` : `score ${change.after.score}`;
  lines.push(`${change.changedFiles.length} file${change.changedFiles.length === 1 ? '' : 's'} under ${rootShown} changed between ${change.since} and ${what}; ${score}.`);
  if (!change.changes.length) lines.push('No check changed level or lost a mechanism.');
  for (const c of change.changes) {
    const mark = c.regression ? '✗' : '✓';
    const level = c.from === c.to ? `still ${c.to}` : `${c.from} → ${c.to}`;
    lines.push(`${mark} ${c.id}  ${level}${c.gone.length ? `, ${c.gone.length} mechanism${c.gone.length > 1 ? 's' : ''} gone` : ''}  (${c.title})`);
    for (const g of c.gone) lines.push(`    - ${g.why}: ${g.reason} (was at ${g.file}:${g.line})`);
  }
  return lines.join('\n') + '\n';
}


export interface ChangeCommandOptions {
  staged?: boolean;
  changed?: boolean;
  since?: string;
  format: string;
  output?: string;
  config?: string;
  failUnder?: number;
  baseline?: string;
  updateBaseline?: boolean;
  quiet?: boolean;
  review: boolean;
}

/** `audit evaluate --staged | --changed [--since REF]`: returns the exit code. */
export async function changeCommand(
  target: string,
  opts: ChangeCommandOptions,
  io: { stdout: (t: string) => void; stderr: (t: string) => void; cwd: string },
  auditOptions: AuditOptions = {},
): Promise<number> {
  if (opts.staged && opts.changed) throw new UsageError('--staged and --changed are two views of a change: give one');
  if (opts.format !== 'text' && opts.format !== 'json') throw new UsageError(`--${opts.staged ? 'staged' : 'changed'} reports what the change does in text or json, not ${opts.format}`);
  const root = path.resolve(io.cwd, target);
  if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new UsageError(`not a folder: ${target}`);
  const mode: ChangeMode = opts.staged ? 'staged' : 'changed';
  const repoRoot = findRepoRoot(root);
  const baseline = prepareBaseline(opts.baseline, !!opts.updateBaseline, io.cwd, root, repoRoot);
  const change = await auditChange(root, mode, opts.since, { ...auditOptions, configPath: opts.config && path.resolve(io.cwd, opts.config), review: opts.review }, !!baseline);
  const shown = path.relative(io.cwd, root).split(path.sep).join('/') || '.';
  const report = changeReport(change, opts.format, shown);
  if (opts.output) {
    writeReportFile(io.cwd, opts.output, report);
  } else io.stdout(report);

  const after = change.after;
  const failures = after ? thresholdFailures(after, opts.failUnder) : [];
  const worse = change.changes.filter((c) => c.regression);
  if (worse.length) failures.push(`the ${mode === 'staged' ? 'staged change' : 'change'} regresses ${worse.map((c) => c.id).join(', ')} since ${change.since}`);
  if (after) {
    const regressed = settleBaseline(baseline, after, change.afterFacts, (line) => io.stderr(`audit: ${line}\n`));
    if (regressed) failures.push(regressed);
  }
  if (failures.length) {
    io.stderr(`audit: failed: ${failures.join('; ')}\n`);
    return 1;
  }
  return 0;
}
