/**
 * edit_file: replace one exact occurrence of `old_string` with `new_string`, or create a file
 * when `old_string` is empty. Writes the workspace (the gate asks unless accept-edits); the loop
 * runs `verifyAfterEdit` on the file after every successful edit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { outside, resolveWithinWorkspace } from './context.js';
import { defineTool, fail, ok } from './registry.js';

export const editFile = defineTool({
  name: 'edit_file',
  description: 'Edit a file: replace the single exact occurrence of old_string with new_string. With an empty old_string, create the file (it must not exist).',
  inputSchema: z.object({
    path: z.string().min(1).describe('path relative to the workspace'),
    old_string: z.string(),
    new_string: z.string(),
  }),
  hints: { readOnly: false, destructive: false, concurrencySafe: false },
  tier: 'builtin',
  subject: (input) => input.path,
  async execute({ path: p, old_string, new_string }, ctx) {
    const abs = resolveWithinWorkspace(ctx.workspace, p);
    if (!abs) return fail(outside(p));
    const exists = fs.existsSync(abs);
    if (old_string === '') {
      if (exists) return fail(`${p} exists; give the text to replace in old_string`);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, new_string);
      return ok(`created ${p}`);
    }
    if (!exists) return fail(`${p} does not exist`);
    const text = fs.readFileSync(abs, 'utf8');
    const count = text.split(old_string).length - 1;
    if (count !== 1) return fail(`old_string occurs ${count} times in ${p}; it must occur exactly once (add context)`);
    fs.writeFileSync(abs, text.replace(old_string, () => new_string));
    return ok(`edited ${p}`);
  },
});
