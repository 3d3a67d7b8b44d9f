/**
 * Reviewed judgements: a person or an agent read a check's evidence and decided its level. They
 * live in `.audit/review.json` at the audited root, a file meant to be committed, so CI applies
 * the same judgement on every run. Each cited line is stored with a hash of its text: when the
 * code under a judgement changes, the judgement goes stale and the static verdict comes back.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../reference-harness/persistence/jsonl.js';
import { CHECK_IDS, type CheckId } from '../../rules/catalog.js';
import type { Level } from '../../rules/types.js';

export const REVIEW_FILE = '.audit/review.json';
const FORMAT = 1;
const LEVELS: readonly Level[] = ['present', 'partial', 'absent'];

export interface CitedLine {
  file: string;
  line: number;
  /** sha256 of the line's text with surrounding white space trimmed, first 16 hex digits. */
  hash: string;
  /** The line as it was when the judgement was recorded (trimmed, cut to 200 characters). */
  text: string;
}

export interface Judgement {
  level: Level;
  reason: string;
  evidence: CitedLine[];
  by: string;
  /** ISO time the judgement was recorded. */
  at: string;
}

export interface ReviewFile {
  format: number;
  judgements: Partial<Record<CheckId, Judgement>>;
}

export const hashLine = (text: string): string => createHash('sha256').update(text.trim()).digest('hex').slice(0, 16);

/** A file's lines (a trailing newline makes no empty last line), or undefined when it cannot be read. */
export function readLines(abs: string): string[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    return undefined;
  }
  const lines = text.split(/\r?\n/);
  if (text.endsWith('\n')) lines.pop();
  return lines;
}

/** The text of line `line` (1-based) of `file` under `root`, or undefined when there is no such line. */
export function lineAt(root: string, file: string, line: number): string | undefined {
  const lines = readLines(path.join(root, file));
  return lines && line >= 1 && line <= lines.length ? lines[line - 1] : undefined;
}

export function readReviews(root: string): ReviewFile {
  const file = path.join(root, REVIEW_FILE);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return { format: FORMAT, judgements: {} };
  }
  let parsed: ReviewFile;
  try {
    parsed = JSON.parse(raw) as ReviewFile;
  } catch (err) {
    throw new UsageError(`${REVIEW_FILE} is not valid JSON (${(err as Error).message}); fix or delete it`);
  }
  if (parsed?.format !== FORMAT || typeof parsed.judgements !== 'object' || parsed.judgements === null) {
    throw new UsageError(`${REVIEW_FILE} has format ${JSON.stringify(parsed?.format)}; this version of the audit reads format ${FORMAT}`);
  }
  for (const id of Object.keys(parsed.judgements)) {
    if (!(CHECK_IDS as readonly string[]).includes(id)) throw new UsageError(`${REVIEW_FILE} names an unknown check: ${id}`);
  }
  return parsed;
}

/** Written whole to a temporary file and renamed over the old one, so a crash never leaves half a file. */
export function writeReviews(root: string, reviews: ReviewFile): void {
  const file = path.join(root, REVIEW_FILE);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, JSON.stringify(reviews, null, 2) + '\n');
}

export function parseCheckId(id: string): CheckId {
  if ((CHECK_IDS as readonly string[]).includes(id)) return id as CheckId;
  // The check's own name or its principle, else a check whose name contains what was typed (`guardrail`).
  const word = id.toLowerCase();
  let near: string[] = CHECK_IDS.filter((c) => c.endsWith(`.${id}`) || c.startsWith(`${id}.`));
  if (!near.length && word.length >= 3) near = CHECK_IDS.filter((c) => c.slice(c.indexOf('.') + 1).includes(word));
  throw new UsageError(`unknown check: ${id}${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; \`audit rules\` lists the checks`);
}

export function parseLevel(level: string): Level {
  if ((LEVELS as readonly string[]).includes(level)) return level as Level;
  throw new UsageError(`level must be one of ${LEVELS.join(', ')}, not "${level}"`);
}

/** `file:line` as cited on the command line, checked against the tree: the line must exist. */
export function citeLine(root: string, spec: string): CitedLine {
  const m = /^(.+):(\d+)$/.exec(spec.trim());
  if (!m) throw new UsageError(`evidence must be file:line, not "${spec}"`);
  const file = m[1].replace(/\\/g, '/').replace(/^\.\//, '');
  const line = Number(m[2]);
  if (path.isAbsolute(file) || file.split('/').includes('..')) throw new UsageError(`evidence must be a path inside the audited folder: ${spec}`);
  if (!fs.existsSync(path.join(root, file))) throw new UsageError(`evidence names a file that does not exist: ${file}`);
  const text = lineAt(root, file, line);
  if (text === undefined) throw new UsageError(`evidence names a line that does not exist: ${file} has no line ${line}`);
  if (!text.trim()) throw new UsageError(`evidence names a blank line: ${file}:${line}; cite the line that shows the mechanism`);
  return { file, line, hash: hashLine(text), text: text.trim().slice(0, 200) };
}

export interface Staleness {
  /** The first cited line whose text no longer matches, as `file:line`. */
  changed: string;
  now: string | undefined;
}

/** Whether every cited line still reads as it did when the judgement was recorded. */
export function staleness(root: string, j: Judgement): Staleness | undefined {
  for (const e of j.evidence) {
    const now = lineAt(root, e.file, e.line);
    if (now === undefined || hashLine(now) !== e.hash) return { changed: `${e.file}:${e.line}`, now: now?.trim() };
  }
  return undefined;
}
