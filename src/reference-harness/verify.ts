/**
 * Output checks. Contract: `validateInput` runs on every tool call before the gate and the tool
 * (an invalid input never executes; the model gets the zod error to fix its call);
 * `verifyAfterEdit` runs after every successful edit: a syntax check for .json / .js / .ts files
 * and the configured verify command, whose failure goes back to the model with the edit's result.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Tool } from './tools/registry.js';

export type Validation = { ok: true; data: Record<string, unknown> } | { ok: false; error: string };

export function validateInput(tool: Tool, input: unknown): Validation {
  const parsed = tool.inputSchema.safeParse(input);
  return parsed.success ? { ok: true, data: parsed.data as Record<string, unknown> } : { ok: false, error: `invalid input for ${tool.name}:\n${z.prettifyError(parsed.error)}` };
}

export interface Check {
  ok: boolean;
  message: string;
}

export async function verifyAfterEdit(file: string, opts: { workspace: string; command?: string }): Promise<Check> {
  const syntax = await checkSyntax(file);
  if (!syntax.ok || !opts.command) return syntax;
  const run = await sh(opts.command, opts.workspace);
  return { ok: run.ok, message: `${syntax.message}; \`${opts.command}\` ${run.message}` };
}

async function checkSyntax(file: string): Promise<Check> {
  const ext = path.extname(file);
  const text = fs.readFileSync(file, 'utf8');
  if (ext === '.json') {
    try {
      JSON.parse(text);
      return { ok: true, message: 'valid JSON' };
    } catch (err) {
      return { ok: false, message: `invalid JSON: ${(err as Error).message}` };
    }
  }
  if (['.js', '.mjs', '.cjs'].includes(ext)) {
    const run = await spawnCheck(process.execPath, ['--check', file], path.dirname(file));
    return run.ok ? { ok: true, message: 'syntax ok' } : { ok: false, message: `syntax error: ${run.message}` };
  }
  if (['.ts', '.tsx', '.mts', '.cts'].includes(ext)) {
    const ts = await import('typescript').then((m) => m.default ?? m).catch(() => undefined);
    if (!ts) return { ok: true, message: 'no TypeScript syntax check (typescript is not installed)' };
    const out = ts.transpileModule(text, { fileName: file, reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
    return errors.length ? { ok: false, message: `syntax error: ${errors.slice(0, 5).join('; ')}` } : { ok: true, message: 'syntax ok' };
  }
  return { ok: true, message: 'no syntax check for this file type' };
}

const sh = (command: string, cwd: string) => spawnCheck('/bin/sh', ['-c', command], cwd);

function spawnCheck(cmd: string, args: string[], cwd: string): Promise<Check> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.stderr.on('data', (c: Buffer) => (out += c));
    child.on('error', (err) => resolve({ ok: false, message: err.message }));
    child.on('close', (code) => resolve({ ok: code === 0, message: code === 0 ? 'passed' : `failed (exit ${code}): ${out.trim().slice(-2000)}` }));
  });
}
