/** The built-in tools: one literal, sorted as the model sees them. */
import { editFile } from './edit-file.js';
import { listDir } from './list-dir.js';
import { readFile } from './read-file.js';
import { ToolRegistry, type Tool } from './registry.js';
import { runShell } from './run-shell.js';
import { search } from './search.js';
import { task } from './task.js';
import { todo } from './todo.js';

export const BUILTIN_TOOLS: readonly Tool[] = [readFile, listDir, search, editFile, runShell, todo, task];

export function createToolRegistry(extra: readonly Tool[] = []): ToolRegistry {
  return new ToolRegistry([...BUILTIN_TOOLS, ...extra]);
}
