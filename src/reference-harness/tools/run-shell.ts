/**
 * run_shell: run a command with /bin/sh in the workspace. Contract: the permission gate has
 * already classified the command with the shell guard (`classifyCommand`) and allowed it; the
 * working folder is confined to the workspace; the command is killed after `timeoutMs`.
 */
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { outside, resolveWithinWorkspace } from './context.js';
import { defineTool, fail, ok } from './registry.js';

const MAX_OUTPUT = 30_000;

export const runShell = defineTool({
  name: 'run_shell',
  description: 'Run a shell command in the workspace and return its exit code and output. Dangerous commands are refused; others may need approval.',
  inputSchema: z.object({
    command: z.string().min(1),
    cwd: z.string().default('.').describe('working folder relative to the workspace'),
    timeoutMs: z.number().int().min(100).max(600_000).default(60_000),
  }),
  hints: { readOnly: false, destructive: true, concurrencySafe: false, executes: true },
  tier: 'builtin',
  subject: (input) => input.command,
  async execute({ command, cwd, timeoutMs }, ctx) {
    const dir = resolveWithinWorkspace(ctx.workspace, cwd);
    if (!dir) return fail(outside(cwd));
    return new Promise((resolve) => {
      const child = spawn(command, { shell: '/bin/sh', cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
      let out = '';
      const take = (chunk: Buffer) => {
        if (out.length < MAX_OUTPUT) out += chunk.toString('utf8');
      };
      child.stdout.on('data', take);
      child.stderr.on('data', take);
      child.on('error', (err) => resolve(fail(`cannot run: ${err.message}`)));
      child.on('close', (code, signal) => {
        const body = out.length > MAX_OUTPUT ? out.slice(0, MAX_OUTPUT) + '\n… output truncated' : out;
        if (signal) resolve(fail(`killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms)` : ''}\n${body}`));
        else if (code === 0) resolve(ok(`exit 0\n${body}`));
        else resolve(fail(`exit ${code}\n${body}`));
      });
    });
  },
});
