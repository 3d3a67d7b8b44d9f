/**
 * `audit harness run`: runs the reference harness in the current folder. Contract: wires the parts
 * together (settings, session, model, registry, gate, budget) and prints events; never calls
 * process.exit — usage and configuration problems are thrown as UsageError (exit 2).
 */
import fs from 'node:fs';
import readline from 'node:readline/promises';
import { UsageError } from '../errors.js';
import { AnthropicModel } from './anthropic-model.js';
import { CommandError, userCommands } from './commands.js';
import { formatEvent } from './events.js';
import { runAgent, type Approver } from './loop.js';
import type { Model } from './model.js';
import { SettingsError, type Mode } from './permissions/rules.js';
import { prepareRun } from './harness.js';
import { listSessions, loadSession, SessionNotFoundError, type Session } from './persistence/session.js';
import { DEMO_SCRIPT, prepareDemo } from './scripted-demo.js';
import { parseScript, ScriptedModel, ScriptError } from './scripted-model.js';

export interface RunFlags {
  mode?: Mode;
  script?: string;
  resume?: string;
}

export async function harnessRun(task: string | undefined, flags: RunFlags, workspace: string, write: (s: string) => void): Promise<void> {
  try {
    if (task?.startsWith('/')) {
      const session = flags.resume ? loadSession(workspace, flags.resume) : latest(workspace);
      write(userCommands.run(task, { workspace, session }) + '\n');
      return;
    }
    if (!task && !flags.resume) throw new UsageError('give a task, e.g. audit harness run "fix the bug", or --resume <id>');

    const run = prepareRun({
      workspace,
      task,
      mode: flags.mode,
      resume: flags.resume,
      model: modelFactory(flags),
      approve: process.stdin.isTTY ? terminalApprover() : undefined,
    });
    const { session, model, gate } = run;
    write(`session ${session.id} · model ${model.name} · mode ${gate.mode}\n`);
    if (model.name === 'scripted') {
      const what = flags.script ? `replays the turn file ${flags.script}` : 'replays the bundled scripted demo (no ANTHROPIC_API_KEY is set)';
      write(`offline: this run ${what}; the task is not sent to any model and its turns do not depend on it.\n`);
      if (!flags.script && !flags.resume) write(`demo: ${prepareDemo(workspace)}\n`);
    }
    for await (const event of runAgent(run)) write(formatEvent(event));
    write(`session saved in ${session.dir}\ncontinue with: audit harness run --resume ${session.id} "<next task>"\n`);
  } catch (err) {
    if (err instanceof SettingsError || err instanceof SessionNotFoundError || err instanceof ScriptError || err instanceof CommandError) {
      throw new UsageError(err.message, { cause: err });
    }
    throw err;
  }
}

function latest(workspace: string): Session | undefined {
  const last = listSessions(workspace).pop();
  return last && loadSession(workspace, last.sessionId);
}

/** Claude with an API key (unless --script), else the scripted model; the script is read up front. */
function modelFactory(flags: RunFlags): (session: Session) => Model {
  const apiKey = process.env.ANTHROPIC_API_KEY;
  if (apiKey && !flags.script) return () => new AnthropicModel({ apiKey, baseURL: process.env.ANTHROPIC_BASE_URL, model: process.env.HARNESS_MODEL });
  let text = DEMO_SCRIPT;
  if (flags.script) {
    try {
      text = fs.readFileSync(flags.script, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read the script ${flags.script}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
    }
  }
  const turns = parseScript(text, flags.script ?? 'demo script');
  return (session) => new ScriptedModel(turns, { startAt: session.transcript.nextModelCall });
}

/** Asks on the terminal, one question at a time. */
function terminalApprover(): Approver {
  let queue = Promise.resolve(false);
  return (req) => {
    queue = queue.then(async () => {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await rl.question(`allow ${req.tool} ${JSON.stringify(req.input)}? (${req.reason}) [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      } catch {
        return false;
      } finally {
        rl.close();
      }
    });
    return queue;
  };
}
