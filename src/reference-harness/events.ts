/**
 * The events the loop streams to its consumer: one discriminated union on `type`. Contract: every
 * run ends with exactly one `stop` event carrying a typed reason; errors are events, never
 * exceptions thrown through the consumer. `agent` names who acted (`general`, or a sub-agent).
 */
import type { StopReason } from './budget/budget.js';
import type { Decision } from './permissions/shell-guard.js';

export type HarnessEvent =
  | { type: 'turn_start'; agent: string; turn: number; depth: number }
  | { type: 'assistant_text'; agent: string; text: string }
  | { type: 'tool_call'; agent: string; callId: string; name: string; input: unknown }
  | { type: 'permission'; agent: string; callId: string; name: string; decision: Decision; reason: string }
  | { type: 'tool_result'; agent: string; callId: string; name: string; ok: boolean; content: string; replayed?: boolean }
  | { type: 'compaction'; agent: string; reason: string; before: number; after: number }
  | { type: 'stop'; agent: string; reason: StopReason; detail?: string }
  | { type: 'error'; agent: string; message: string };

const clip = (s: string, n = 400) => (s.length > n ? `${s.slice(0, n)}…` : s);
const indent = (s: string) => s.replace(/\n/g, '\n    ');

/** One event as text for the terminal; a pure function. */
export function formatEvent(e: HarnessEvent): string {
  const who = e.agent === 'general' ? '' : `[${e.agent}] `;
  switch (e.type) {
    case 'turn_start':
      return `\n${who}── turn ${e.turn}\n`;
    case 'assistant_text':
      return `${who}${e.text}\n`;
    case 'tool_call':
      return `${who}→ ${e.name} ${clip(JSON.stringify(e.input), 200)}\n`;
    case 'permission':
      return `${who}  permission ${e.decision}: ${e.reason}\n`;
    case 'tool_result':
      return `${who}  ${e.ok ? '✓' : '✗'}${e.replayed ? ' (recorded before the restart)' : ''} ${indent(clip(e.content))}\n`;
    case 'compaction':
      return `${who}(compacted ${e.before} → ${e.after} messages: ${e.reason})\n`;
    case 'stop':
      return `${who}■ stop: ${e.reason}${e.detail ? ` (${e.detail})` : ''}\n`;
    case 'error':
      return `${who}error: ${e.message}\n`;
  }
}
