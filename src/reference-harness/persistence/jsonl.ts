/**
 * Append-only JSON lines. Contract: `appendJsonl` writes one whole line and fsyncs before it
 * returns, so a crash loses at most the line being written; `parseJsonl` skips a torn last line.
 */
import fs from 'node:fs';

export function appendJsonl(file: string, value: unknown): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, JSON.stringify(value) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function parseJsonl(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a line torn by a crash mid-write: everything before it is intact
    }
  }
  return out;
}
