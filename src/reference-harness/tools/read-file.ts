/** read_file: a numbered window of a text file in the workspace. Read-only. */
import fs from 'node:fs';
import { z } from 'zod';
import { outside, resolveWithinWorkspace } from './context.js';
import { defineTool, fail, ok } from './registry.js';

const MAX_LINES = 2000;

export const readFile = defineTool({
  name: 'read_file',
  description: `Read a text file in the workspace. Returns numbered lines, at most ${MAX_LINES} from \`offset\`.`,
  inputSchema: z.object({
    path: z.string().min(1).describe('path relative to the workspace'),
    offset: z.number().int().min(1).optional().describe('first line, 1-based'),
    limit: z.number().int().min(1).max(MAX_LINES).optional(),
  }),
  hints: { readOnly: true, destructive: false, concurrencySafe: true },
  tier: 'builtin',
  subject: (input) => input.path,
  async execute({ path: p, offset = 1, limit = MAX_LINES }, ctx) {
    const abs = resolveWithinWorkspace(ctx.workspace, p);
    if (!abs) return fail(outside(p));
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) return fail(`${p} is not a file`);
    const lines = fs.readFileSync(abs, 'utf8').split('\n');
    const shown = lines.slice(offset - 1, offset - 1 + limit).map((l, i) => `${String(offset + i).padStart(5)}  ${l}`);
    const more = offset - 1 + limit < lines.length ? `\n… ${lines.length - (offset - 1 + limit)} more lines` : '';
    return ok(shown.join('\n') + more);
  },
});
