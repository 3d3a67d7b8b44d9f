/**
 * The audit trail (audit.jsonl): what the agent did, for a human to review after the fact.
 * Contract: every tool call the loop dispatches gets exactly one `tool` entry with its input, the
 * permission decision and reason, and the outcome; every sub-agent start gets an `agent` entry.
 */
import { appendJsonl } from '../persistence/jsonl.js';

export type AuditEntry =
  | {
      event: 'tool';
      agent: string;
      depth: number;
      callId: string;
      tool: string;
      input: unknown;
      decision: 'allow' | 'ask' | 'deny' | 'none';
      reason: string;
      outcome: 'ok' | 'error' | 'denied' | 'invalid' | 'interrupted' | 'replayed' | 'unknown-tool';
      result: string;
      ms: number;
    }
  | { event: 'agent'; agent: string; depth: number; parent: string; callId: string; task: string; tools: string[] };

export class AuditLog {
  constructor(readonly file: string) {}

  record(entry: AuditEntry): void {
    appendJsonl(this.file, { at: new Date().toISOString(), ...entry });
  }
}
