/**
 * todo: the agent's plan as workflow state. Replaces the whole list (so it is idempotent); the
 * list lives in state.json, not in the transcript. Does not touch the workspace.
 */
import { z } from 'zod';
import { TodoSchema } from '../persistence/state.js';
import { defineTool, ok } from './registry.js';

const MARK = { pending: '[ ]', in_progress: '[~]', done: '[x]' } as const;

export const todo = defineTool({
  name: 'todo',
  description: 'Replace the task list with `todos` (each with text and status pending | in_progress | done). Use it to plan and track multi-step work.',
  inputSchema: z.object({ todos: z.array(TodoSchema) }),
  hints: { readOnly: true, destructive: false, concurrencySafe: false },
  tier: 'builtin',
  async execute({ todos }, ctx) {
    ctx.state.todos = todos;
    return ok(todos.length ? todos.map((t) => `${MARK[t.status]} ${t.text}`).join('\n') : '(no todos)');
  },
});
