/**
 * Durable file writes. Contract: `appendJsonl` writes one whole line and fsyncs before it returns,
 * so a crash loses at most the line being written; `parseJsonl` skips a torn last line;
 * `writeFileAtomic` replaces a whole file by renaming a temporary one over it, so a crash leaves
 * the old file or the new one, never half of one.
 */
import fs from 'node:fs';

/**
 * Writes `text` to a temporary file beside `file` and renames it over `file`. With `sync` (the
 * default) the data is fsynced before the rename; without it a crash may lose the new content, but
 * never leaves a torn file (for caches, where only speed is at stake).
 */
export function writeFileAtomic(file: string, text: string, sync = true): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    if (sync) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

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
