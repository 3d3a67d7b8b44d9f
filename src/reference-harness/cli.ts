/**
 * `audit harness …`: declares the harness commands. Contract: registration is cheap (the loop, the
 * SDK and the models load only when `harness run` runs, so `audit evaluate` does not pay for them);
 * never calls process.exit — usage and configuration problems are thrown as UsageError (exit 2).
 */
import { Option, type Command } from 'commander';
import { registerCheckCommand } from './check-command.js';
import { MODES } from './permissions/modes.js';
import type { RunFlags } from './run.js';

export function registerHarnessCommands(program: Command): void {
  const harness = program.command('harness').description('the reference agent harness (src/reference-harness): run it, or ask its shell guard');
  harness
    .command('run')
    .description('run the agent loop in the current folder: Claude when ANTHROPIC_API_KEY is set, else a scripted model (the bundled demo by default)')
    .argument('[task]', 'what to do, or a user command such as /status, /help')
    .addOption(new Option('--mode <mode>', 'approval mode').choices(MODES))
    .option('--script <file>', 'replay this turn file (JSONL) instead of calling a model')
    .option('--resume <id>', 'continue a saved session (list them with /resume)')
    .action(async (task: string | undefined, flags: RunFlags) => {
      const write = program.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
      const { harnessRun } = await import('./run.js');
      await harnessRun(task, flags, process.cwd(), write);
    });
  registerCheckCommand(harness);
}
