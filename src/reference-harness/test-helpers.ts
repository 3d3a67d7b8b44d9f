/** Test support (not shipped behaviour): temp workspaces and scripted runs through `prepareRun`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HarnessEvent } from './events.js';
import { prepareRun, type HarnessOptions } from './harness.js';
import { runAgent, type RunOptions, type RunResult } from './loop.js';
import { parseScript, ScriptedModel } from './scripted-model.js';

export function tempWorkspace(files: Record<string, string> = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'harness-test-')));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

export function writeSettings(workspace: string, settings: unknown): void {
  fs.mkdirSync(path.join(workspace, '.harness'), { recursive: true });
  fs.writeFileSync(path.join(workspace, '.harness', 'settings.json'), JSON.stringify(settings));
}

export const jsonl = (turns: unknown[]) => turns.map((t) => JSON.stringify(t)).join('\n');

export async function drainRun(run: RunOptions): Promise<{ events: HarnessEvent[]; result: RunResult }> {
  const events: HarnessEvent[] = [];
  const gen = runAgent(run);
  for (;;) {
    const next = await gen.next();
    if (next.done) return { events, result: next.value };
    events.push(next.value);
  }
}

/** Runs the main agent with a scripted model replaying `turns`. */
export async function runScripted(opts: Omit<HarnessOptions, 'model'> & { turns: unknown[]; contextWindow?: number }) {
  const turns = parseScript(jsonl(opts.turns));
  const run = prepareRun({ ...opts, model: (s) => new ScriptedModel(turns, { startAt: s.transcript.nextModelCall, contextWindow: opts.contextWindow }) });
  return { run, ...(await drainRun(run)) };
}

export function readJsonlFile(file: string): Record<string, unknown>[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
