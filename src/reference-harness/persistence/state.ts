/**
 * Workflow state, kept apart from the transcript in its own JSON file: todos, step, what was
 * spent, the mode and the permissions the user granted. Contract: `saveState` is atomic (temp
 * file, fsync, rename), so a crash leaves the old or the new state, never half of one.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { ModeSchema, type Mode } from '../permissions/rules.js';
import { writeFileAtomic } from './jsonl.js';


export const TodoSchema = z.object({
  text: z.string().min(1),
  status: z.enum(['pending', 'in_progress', 'done']),
});
export type Todo = z.infer<typeof TodoSchema>;

export const WorkflowStateSchema = z.object({
  version: z.literal(1),
  sessionId: z.string(),
  task: z.string(),
  mode: ModeSchema,
  /** Model turns taken by the main agent. */
  step: z.number().int().nonnegative(),
  todos: z.array(TodoSchema),
  spent: z.object({ turns: z.number(), inputTokens: z.number(), outputTokens: z.number(), costUsd: z.number() }),
  /** The model that ran the session (`scripted`: a replay, so its usage is an estimate and nothing was spent). */
  model: z.string().optional(),
  /** Permission grants the user gave for this session, as `tool(subject)` keys. */
  granted: z.array(z.string()),
  updatedAt: z.string(),
});
export type WorkflowState = z.infer<typeof WorkflowStateSchema>;

export function newState(sessionId: string, task: string, mode: Mode): WorkflowState {
  return {
    version: 1,
    sessionId,
    task,
    mode,
    step: 0,
    todos: [],
    spent: { turns: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 },
    granted: [],
    updatedAt: new Date().toISOString(),
  };
}

export function saveState(file: string, state: WorkflowState): void {
  state.updatedAt = new Date().toISOString();
  writeFileAtomic(file, JSON.stringify(state, null, 2) + '\n');
}

export function loadState(file: string): WorkflowState {
  const parsed = WorkflowStateSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`invalid workflow state in ${file}:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
