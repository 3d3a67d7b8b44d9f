/**
 * The interactive design session: one concern at a time, highest severity first; the user answers,
 * the reviewer follows up (Claude, streamed) and the answer is recorded as resolved, accepted risk
 * or deferred. Contract: after every turn the transcript has the turn's lines and the state file
 * has the answer, so a killed session resumes at the first unanswered concern; the session ends
 * with a decision record (decision.md) in its folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { wrap } from '../evaluate/reporters/text.js';
import type { ClaudeReviewer } from './claude.js';
import { decisionRecord } from './reporters.js';
import { RESOLUTIONS, type DesignSession, type Resolution } from './session.js';

export interface Lines {
  /** The next line, or undefined at the end of input. */
  next(): Promise<string | undefined>;
  close(): void;
}

export function lineReader(input: NodeJS.ReadableStream): Lines {
  const rl = readline.createInterface({ input, terminal: false, crlfDelay: Infinity });
  const queue: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  rl.on('line', (line) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(line);
    } else queue.push(line);
  });
  rl.on('close', () => {
    closed = true;
    waiting?.(undefined);
    waiting = undefined;
  });
  return {
    next: () => (queue.length ? Promise.resolve(queue.shift()) : closed ? Promise.resolve(undefined) : new Promise((resolve) => (waiting = resolve))),
    close: () => rl.close(),
  };
}

const PICK: Record<string, Resolution> = { r: 'resolved', resolved: 'resolved', a: 'accepted-risk', accept: 'accepted-risk', accepted: 'accepted-risk', 'accepted-risk': 'accepted-risk', d: 'deferred', defer: 'deferred', deferred: 'deferred' };
const LABEL: Record<Resolution, string> = { resolved: 'resolved', 'accepted-risk': 'accepted risk', deferred: 'deferred' };

export interface SessionIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  lines: Lines;
}

/** Runs the session from its first unanswered concern; `closed` when all are answered. */
export async function runSession(session: DesignSession, io: SessionIo, reviewer?: ClaudeReviewer): Promise<'closed' | 'stopped'> {
  const { state } = session;
  const concerns = state.review.concerns;
  const resumeHint = `audit design --resume ${session.id}`;
  for (let i = session.next(); i !== undefined; i = session.next()) {
    const c = concerns[i];
    const out = ['', `[${i + 1}/${concerns.length}] ${c.severity.toUpperCase()}  ${c.id}  ${c.title}`];
    if (c.quote) out.push(...wrap(`"${c.quote}"${c.line ? ` (line ${c.line})` : ''}`, 100, '  '));
    out.push(...wrap(c.question, 100, '  Q: ', '     '), ...wrap(c.why, 100, '  why: ', '       '));
    if (c.code) out.push(...wrap(`${c.code.level}: ${c.code.reason}`, 100, '  code: ', '        '));
    io.stdout(out.join('\n') + '\n');
    session.log({ type: 'question', id: c.id, question: c.question });
    io.stdout('answer> ');
    const answer = await io.lines.next();
    if (answer === undefined) return stopped();
    session.log({ type: 'answer', id: c.id, text: answer });

    let followUp: string | undefined;
    let suggestion: Resolution = 'resolved';
    if (reviewer) {
      io.stdout('reviewer: ');
      const f = await reviewer.followUp(state.review, c, answer, io.stdout);
      state.spent = { ...reviewer.budget.spent };
      if ('text' in f) {
        followUp = f.text;
        suggestion = f.suggestion ?? suggestion;
        io.stdout('\n');
        session.log({ type: 'follow-up', id: c.id, text: f.text });
      } else {
        io.stdout('(no follow-up)\n');
        io.stderr(`audit: ${'error' in f ? f.error : f.stopped}; recording the answer without a follow-up\n`);
      }
    }
    let resolution: Resolution | undefined;
    while (!resolution) {
      io.stdout(`record as [r]esolved, [a]ccepted risk or [d]eferred (Enter: ${LABEL[suggestion]})> `);
      const pick = await io.lines.next();
      if (pick === undefined) return stopped();
      resolution = pick.trim() ? PICK[pick.trim().toLowerCase()] : suggestion;
      if (!resolution) io.stdout(`  one of: ${RESOLUTIONS.join(', ')} (or r, a, d)\n`);
    }
    state.answers[c.id] = { answer, resolution, ...(followUp && { followUp }), at: new Date().toISOString() };
    session.log({ type: 'resolution', id: c.id, resolution });
    session.save();
    io.stdout(`  recorded: ${LABEL[resolution]}\n`);
  }
  state.done = true;
  session.save();
  const record = decisionRecord(state);
  const file = path.join(session.dir, 'decision.md');
  fs.writeFileSync(file, record);
  session.log({ type: 'closed' });
  io.stdout(`\n${record}\n(decision record saved to ${file})\n`);
  return 'closed';

  function stopped(): 'stopped' {
    const answered = concerns.filter((c) => state.answers[c.id]).length;
    io.stdout(`\n\nStopped with ${answered} of ${concerns.length} concerns answered; the answers are saved. Continue with: ${resumeHint}\n`);
    return 'stopped';
  }
}
