/**
 * The tool-call journal: an `intent` line is fsynced before a call executes and an `outcome` line
 * after it. Contract: on resume, `lookup` returns the recorded outcome of a completed call (the
 * loop returns it instead of running the tool again) and `interrupted` for an intent without an
 * outcome (the loop reports it to the model instead of blindly running it again).
 */
import fs from 'node:fs';
import type { ToolCall } from '../model.js';
import type { ToolResult } from '../tools/registry.js';
import { appendJsonl, parseJsonl } from './jsonl.js';

type JournalLine =
  | { type: 'intent'; callId: string; name: string; input: unknown; at: string }
  | { type: 'outcome'; callId: string; result: ToolResult; at: string };

export type JournalRecord = { status: 'completed'; result: ToolResult } | { status: 'interrupted' };

export class Journal {
  private readonly calls = new Map<string, JournalRecord>();

  private constructor(readonly file: string) {}

  /** Reads the journal back: what each earlier call reached (intent only, or an outcome). */
  static load(file: string): Journal {
    const journal = new Journal(file);
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    for (const line of parseJsonl(text) as JournalLine[]) {
      if (line.type === 'intent') journal.calls.set(line.callId, { status: 'interrupted' });
      else if (line.type === 'outcome') journal.calls.set(line.callId, { status: 'completed', result: line.result });
    }
    return journal;
  }

  /** What an earlier run recorded for this call, if anything. */
  lookup(callId: string): JournalRecord | undefined {
    return this.calls.get(callId);
  }

  intent(call: ToolCall): void {
    appendJsonl(this.file, { type: 'intent', callId: call.id, name: call.name, input: call.input, at: new Date().toISOString() });
    this.calls.set(call.id, { status: 'interrupted' });
  }

  outcome(callId: string, result: ToolResult): void {
    appendJsonl(this.file, { type: 'outcome', callId, result, at: new Date().toISOString() });
    this.calls.set(callId, { status: 'completed', result });
  }
}
