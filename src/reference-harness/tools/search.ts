/** search: a regular expression over the text files of the workspace. Read-only. */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { IGNORED_DIRS, outside, resolveWithinWorkspace } from './context.js';
import { defineTool, fail, ok } from './registry.js';

const MAX_MATCHES = 100;
const MAX_FILE_BYTES = 1_000_000;

export const search = defineTool({
  name: 'search',
  description: `Search file contents with a JavaScript regular expression. Returns up to ${MAX_MATCHES} matches as path:line: text.`,
  inputSchema: z.object({
    pattern: z.string().min(1),
    path: z.string().default('.').describe('folder to search, relative to the workspace'),
  }),
  hints: { readOnly: true, destructive: false, concurrencySafe: true },
  tier: 'builtin',
  subject: (input) => input.path,
  async execute({ pattern, path: p }, ctx) {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch (err) {
      return fail(`invalid pattern: ${(err as Error).message}`);
    }
    const root = resolveWithinWorkspace(ctx.workspace, p);
    if (!root) return fail(outside(p));
    if (!fs.existsSync(root)) return fail(`${p} does not exist`);
    const matches: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (matches.length >= MAX_MATCHES) return;
        const abs = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!IGNORED_DIRS.has(e.name)) walk(abs);
        } else if (e.isFile() && fs.statSync(abs).size <= MAX_FILE_BYTES) {
          const rel = path.relative(ctx.workspace, abs);
          fs.readFileSync(abs, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (matches.length < MAX_MATCHES && re.test(line)) matches.push(`${rel}:${i + 1}: ${line.trim().slice(0, 200)}`);
            });
        }
      }
    };
    if (fs.statSync(root).isDirectory()) walk(root);
    return ok(matches.length ? matches.join('\n') : 'no matches');
  },
});
