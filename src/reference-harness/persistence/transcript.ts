/**
 * The conversation transcript: versioned, append-only JSONL, one entry per message as it happens.
 * Contract: entries are never rewritten; compaction appends a `compaction` entry that replaces the
 * conversation before it on load. Entries carry the agent and depth (sub-agents write here too)
 * and, for assistant turns, the session-wide model-call index a scripted model resumes from.
 */
import fs from 'node:fs';
import type { Message } from '../model.js';
import { appendJsonl, parseJsonl } from './jsonl.js';

export const TRANSCRIPT_VERSION = 1;

export type TranscriptEntry =
  | { v: 1; kind: 'message'; at: string; agent: string; depth: number; modelCall?: number; message: Message }
  | { v: 1; kind: 'compaction'; at: string; agent: string; depth: number; messages: Message[] };

/** Step-wise migrations from older entry versions; version 1 is the first. */
function migrate(entry: { v?: number }): TranscriptEntry | undefined {
  return entry.v === TRANSCRIPT_VERSION ? (entry as TranscriptEntry) : undefined;
}

export class Transcript {
  /** Session-wide index of the next model call (main agent and sub-agents alike). */
  nextModelCall: number;

  private constructor(
    readonly file: string,
    private readonly entries: TranscriptEntry[],
  ) {
    const calls = this.entries.flatMap((e) => (e.kind === 'message' && e.modelCall !== undefined ? [e.modelCall] : []));
    this.nextModelCall = calls.length ? Math.max(...calls) + 1 : 0;
  }

  /** Reads a saved transcript back (an empty one if the file does not exist yet). */
  static load(file: string): Transcript {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    return new Transcript(file, parseJsonl(text).flatMap((e) => migrate(e as { v?: number }) ?? []));
  }

  append(message: Message, who: { agent: string; depth: number }, modelCall?: number): void {
    const entry: TranscriptEntry = { v: 1, kind: 'message', at: new Date().toISOString(), ...who, modelCall, message };
    appendJsonl(this.file, entry);
    this.entries.push(entry);
  }

  appendCompaction(messages: Message[], who: { agent: string; depth: number }): void {
    const entry: TranscriptEntry = { v: 1, kind: 'compaction', at: new Date().toISOString(), ...who, messages };
    appendJsonl(this.file, entry);
    this.entries.push(entry);
  }

  /** The main agent's conversation (depth 0), with compactions applied. */
  messages(): Message[] {
    let out: Message[] = [];
    for (const e of this.entries) {
      if (e.depth !== 0) continue;
      if (e.kind === 'compaction') out = [...e.messages];
      else out.push(e.message);
    }
    return out;
  }
}
