/** list_dir: the entries of a folder in the workspace, folders marked with `/`. Read-only. */
import fs from 'node:fs';
import { z } from 'zod';
import { IGNORED_DIRS, outside, resolveWithinWorkspace } from './context.js';
import { defineTool, fail, ok } from './registry.js';

export const listDir = defineTool({
  name: 'list_dir',
  description: 'List the files and folders of a folder in the workspace (folders end with /).',
  inputSchema: z.object({ path: z.string().default('.').describe('folder relative to the workspace') }),
  hints: { readOnly: true, destructive: false, concurrencySafe: true },
  tier: 'builtin',
  subject: (input) => input.path,
  async execute({ path: p }, ctx) {
    const abs = resolveWithinWorkspace(ctx.workspace, p);
    if (!abs) return fail(outside(p));
    if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return fail(`${p} is not a folder`);
    const entries = fs
      .readdirSync(abs, { withFileTypes: true })
      .filter((e) => !IGNORED_DIRS.has(e.name))
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
      .sort();
    return ok(entries.length ? entries.join('\n') : '(empty)');
  },
});
