/**
 * What a tool receives besides its input. Contract: tools touch files only through
 * `resolveWithinWorkspace` (paths outside the workspace, also through symlinks, are refused); they
 * change workflow state through `ctx.state` (the loop saves it after the call).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HarnessEvent } from '../events.js';
import type { RunOptions } from '../loop.js';
import type { WorkflowState } from '../persistence/state.js';

export interface ToolContext {
  workspace: string;
  callId: string;
  state: WorkflowState;
  /** The run that made this call: the `task` tool starts its sub-agent from it. */
  run: RunOptions;
  /** Forwards an event to the consumer (sub-agent progress). */
  emit(event: HarnessEvent): void;
}

/** The absolute path of `p` if it stays inside `workspace`, else undefined. */
export function resolveWithinWorkspace(workspace: string, p: string): string | undefined {
  const root = fs.realpathSync(workspace);
  const abs = path.resolve(root, p);
  // Resolve symlinks on the longest part of the path that exists.
  let existing = abs;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const real = path.join(fs.realpathSync(existing), path.relative(existing, abs));
  const rel = path.relative(root, real);
  return rel.startsWith('..') || path.isAbsolute(rel) ? undefined : real;
}

export const outside = (p: string) => `${p} is outside the workspace`;

/** Folders tools never list or search. */
export const IGNORED_DIRS = new Set(['.git', 'node_modules', '.harness', 'dist']);
