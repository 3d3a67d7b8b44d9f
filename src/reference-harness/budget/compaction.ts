/**
 * Compaction: when the budget's projection says the next request nears the context window, the
 * loop replaces older messages with one summary message. Contract: the most recent messages are
 * kept verbatim and the cut falls before an assistant turn, so every tool call keeps its result;
 * the summary is deterministic (no extra model call) and keeps the task, what was said and what
 * each tool call did. Returns undefined when there is nothing old enough to summarise.
 */
import type { Message } from '../model.js';

export const KEEP_RECENT = 6;
const CLIP = 300;

const clip = (s: string, n = CLIP) => (s.length > n ? `${s.slice(0, n)}…` : s);

export function compact(messages: Message[], keepRecent = KEEP_RECENT): { messages: Message[]; summarised: number } | undefined {
  let cut = -1;
  for (let i = messages.length - keepRecent; i > 1; i--) {
    if (messages[i].role === 'assistant') {
      cut = i;
      break;
    }
  }
  if (cut < 2) return undefined;
  return { messages: [{ role: 'user', text: summarise(messages.slice(0, cut)) }, ...messages.slice(cut)], summarised: cut };
}

function summarise(old: Message[]): string {
  const lines = ['[Summary of the earlier conversation, compacted to save context]'];
  for (const m of old) {
    if (m.role === 'user') lines.push(`User: ${clip(m.text, 2000)}`);
    else if (m.role === 'assistant') {
      if (m.text) lines.push(`Assistant: ${clip(m.text)}`);
      for (const c of m.toolCalls) lines.push(`Called ${c.name} ${clip(JSON.stringify(c.input), 150)}`);
    } else {
      for (const r of m.results) lines.push(`  ${r.name} → ${r.isError ? 'error' : 'ok'}: ${clip(r.content.replace(/\s+/g, ' '), 150)}`);
    }
  }
  return lines.join('\n');
}
