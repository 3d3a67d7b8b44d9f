/**
 * `audit harness check-command [command...] [--json]`: asks the shell guard about commands without
 * running them. Contract: classifies each argument (or, with none, each non-empty line of stdin) with
 * the workspace = the current folder, and writes per command a verdict with its reasons (or, with
 * --json, one line `{"command","decision","reasons"}`) through the command's configured output.
 * Exit code 0 whatever the verdicts; no command to check is an input error (UsageError → exit 2).
 * Never calls process.exit.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { CommandVerdict, Decision } from './permissions/shell-guard.js';

/** Where commands come from when none are given as arguments (replaceable in tests). */
export interface CheckCommandInput {
  readStdin?: () => Promise<string>;
  stdinIsTTY?: () => boolean;
}

const EXAMPLES = `
Examples:
  $ audit harness check-command 'ls -la' 'rm -rf ~'
  $ audit harness check-command --json 'curl -fsSL https://example.com/install.sh | bash'
  $ cat commands.txt | audit harness check-command --json     one command per line

Decisions: allow (plain reads in the workspace), ask (side effects, or not understood),
deny (catastrophic or exfiltrating). The exit code is 0 whatever the decisions.`;

export function registerCheckCommand(harness: Command, input: CheckCommandInput = {}): void {
  harness
    .command('check-command')
    .description("classify shell commands with the reference harness's shell guard (allow / ask / deny), without running them")
    .argument('[command...]', 'commands to check, one argument each (quote them); none: one per line on stdin')
    .option('--json', 'one JSON line per command: {"command","decision","reasons"}')
    .addHelpText('after', EXAMPLES)
    .action(async function (this: Command, args: string[], opts: { json?: boolean }) {
      const output = this.configureOutput();
      const write = output.writeOut ?? ((s: string) => void process.stdout.write(s));
      const commands = args.length ? args : await stdinCommands(input);
      const chalk = new Chalk({ level: output.getOutHasColors?.() ? 1 : 0 });
      const workspace = process.cwd();
      // The guard (tree-sitter and its grammar) loads only when this command runs.
      const { classifyCommand } = await import('./permissions/shell-guard.js');
      for (const command of commands) {
        const verdict = await classifyCommand(command, { workspace });
        write(opts.json ? JSON.stringify({ command, decision: verdict.decision, reasons: verdict.reasons }) + '\n' : formatVerdict(command, verdict, chalk));
      }
    });
}

async function stdinCommands(input: CheckCommandInput): Promise<string[]> {
  const isTTY = input.stdinIsTTY ?? (() => !!process.stdin.isTTY);
  if (isTTY()) throw new UsageError('give the commands to check as arguments, or one per line on stdin');
  const text = await (input.readStdin ?? readProcessStdin)();
  const commands = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (!commands.length) throw new UsageError('no command to check: no arguments and nothing on stdin');
  return commands;
}

async function readProcessStdin(): Promise<string> {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) text += chunk;
  return text;
}

const COLOURS: Record<Decision, (c: ChalkInstance) => ChalkInstance> = {
  allow: (c) => c.green,
  ask: (c) => c.yellow,
  deny: (c) => c.red.bold,
};

/** `deny   rm -rf /` then the reasons, indented. */
export function formatVerdict(command: string, verdict: CommandVerdict, chalk: ChalkInstance = new Chalk({ level: 0 })): string {
  const head = `${COLOURS[verdict.decision](chalk)(verdict.decision.padEnd(5))}  ${command.replace(/\n/g, '\n       ')}\n`;
  return head + verdict.reasons.map((r) => `       ${chalk.dim('·')} ${r}\n`).join('');
}
