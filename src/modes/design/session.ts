/**
 * Design sessions on disk: `.audit/sessions/<id>/` holds the transcript (transcript.jsonl,
 * append-only through the reference harness's fsynced `appendJsonl`), the review state
 * (state.json: concerns, answers, budget spent) and, once closed, the decision record
 * (decision.md). Contract: `saveSession` is atomic (temp file, fsync, rename), so a kill leaves the
 * state of the last finished turn; `loadSession` returns it and the first unanswered concern is
 * where the session continues.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { Spent } from '../../reference-harness/budget/budget.js';
import { appendJsonl, parseJsonl, writeFileAtomic } from '../../reference-harness/persistence/jsonl.js';
import type { ConcernId, Review } from './review.js';

export const RESOLUTIONS = ['resolved', 'accepted-risk', 'deferred'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface Answer {
  answer: string;
  resolution: Resolution;
  /** The reviewer's follow-up (with Claude). */
  followUp?: string;
  at: string;
}

export interface SessionState {
  version: 1;
  id: string;
  proposal: { name: string; text: string };
  createdAt: string;
  updatedAt: string;
  review: Review;
  answers: Partial<Record<ConcernId, Answer>>;
  llm: { model: string; budget: number; maxTokens: number } | null;
  spent: Spent | null;
  done: boolean;
}

export type TranscriptLine =
  | { v: 1; at: string; type: 'review'; concerns: ConcernId[] }
  | { v: 1; at: string; type: 'resumed'; next: ConcernId }
  | { v: 1; at: string; type: 'question'; id: ConcernId; question: string }
  | { v: 1; at: string; type: 'answer'; id: ConcernId; text: string }
  | { v: 1; at: string; type: 'follow-up'; id: ConcernId; text: string }
  | { v: 1; at: string; type: 'resolution'; id: ConcernId; resolution: Resolution }
  | { v: 1; at: string; type: 'closed' };

type Line = TranscriptLine extends infer T ? (T extends TranscriptLine ? Omit<T, 'v' | 'at'> : never) : never;

export interface SessionSummary {
  id: string;
  proposal: string;
  answered: number;
  remaining: number;
  updatedAt: string;
}

export const sessionsDir = (cwd: string) => path.join(cwd, '.audit', 'sessions');

export class DesignSession {
  constructor(
    readonly dir: string,
    readonly state: SessionState,
  ) {}

  get id(): string {
    return this.state.id;
  }

  /** Appends one transcript line (fsynced before it returns). */
  log(line: Line): void {
    appendJsonl(path.join(this.dir, 'transcript.jsonl'), { v: 1, at: new Date().toISOString(), ...line });
  }

  /** Writes the state atomically: a crash leaves the old or the new file, never half of one. */
  save(): void {
    this.state.updatedAt = new Date().toISOString();
    writeFileAtomic(path.join(this.dir, 'state.json'), JSON.stringify(this.state, null, 2) + '\n');
  }

  /** The first concern without an answer, or undefined when all are answered. */
  next(): number | undefined {
    const i = this.state.review.concerns.findIndex((c) => !this.state.answers[c.id]);
    return i < 0 ? undefined : i;
  }

  transcript(): TranscriptLine[] {
    const file = path.join(this.dir, 'transcript.jsonl');
    return fs.existsSync(file) ? (parseJsonl(fs.readFileSync(file, 'utf8')) as TranscriptLine[]) : [];
  }
}

export function createSession(cwd: string, proposal: SessionState['proposal'], review: Review, llm: SessionState['llm']): DesignSession {
  const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${crypto.randomBytes(3).toString('hex')}`;
  const dir = path.join(sessionsDir(cwd), id);
  fs.mkdirSync(dir, { recursive: true });
  const now = new Date().toISOString();
  const session = new DesignSession(dir, { version: 1, id, proposal, createdAt: now, updatedAt: now, review, answers: {}, llm, spent: llm ? { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } : null, done: false });
  session.save();
  session.log({ type: 'review', concerns: review.concerns.map((c) => c.id) });
  return session;
}

function readState(file: string): SessionState {
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as SessionState;
  if (state?.version !== 1 || !state.review || !Array.isArray(state.review.concerns) || typeof state.answers !== 'object') throw new Error(`not a design session state: ${file}`);
  return state;
}

export function loadSession(cwd: string, id: string): DesignSession {
  const dir = path.join(sessionsDir(cwd), id);
  const file = path.join(dir, 'state.json');
  if (!/^[\w.-]+$/.test(id) || !fs.existsSync(file)) {
    throw new UsageError(`no design session ${id} in ${sessionsDir(cwd)}; list them with: audit design --list`);
  }
  try {
    return new DesignSession(dir, readState(file));
  } catch (err) {
    throw new UsageError(`cannot read design session ${id}: ${(err as Error).message}`, { cause: err });
  }
}

/** Saved sessions, oldest first; unreadable ones are skipped. */
export function listSessions(cwd: string): SessionSummary[] {
  const root = sessionsDir(cwd);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .flatMap((id) => {
      try {
        const s = readState(path.join(root, id, 'state.json'));
        const answered = s.review.concerns.filter((c) => s.answers[c.id]).length;
        return [{ id: s.id, proposal: s.proposal.name, answered, remaining: s.review.concerns.length - answered, updatedAt: s.updatedAt }];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
}
