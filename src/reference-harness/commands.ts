/**
 * User commands as data, parallel to the model's tools: each has a name, a description and a
 * handler. `audit harness run "/status"` dispatches here instead of starting a model turn.
 * Contract: handlers act on a saved session (the latest, or the one given with --resume), return
 * the text to print, and persist what they change.
 */
import { AGENTS } from './agents/agents.js';
import { compact } from './budget/compaction.js';
import { listSessions, type Session } from './persistence/session.js';
import { ModeSchema } from './permissions/rules.js';

export interface CommandContext {
  workspace: string;
  session?: Session;
}

export interface UserCommand {
  name: string;
  description: string;
  usage?: string;
  run(args: string[], ctx: CommandContext): string;
}

export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

function needSession(ctx: CommandContext): Session {
  if (!ctx.session) throw new CommandError('no session yet in this folder; start one with: audit harness run "<task>"');
  return ctx.session;
}

export const USER_COMMANDS: readonly UserCommand[] = [
  {
    name: 'agents',
    description: 'list the agent types and their tools',
    run: () => Object.values(AGENTS).map((a) => `${a.name.padEnd(8)} ${a.description} [${a.tools === '*' ? 'all tools' : a.tools.join(', ')}]`).join('\n'),
  },
  {
    name: 'compact',
    description: "summarise the session's older messages now",
    run: (_args, ctx) => {
      const session = needSession(ctx);
      const before = session.transcript.messages();
      const done = compact(before);
      if (!done) return 'nothing old enough to compact';
      session.transcript.appendCompaction(done.messages, { agent: 'user', depth: 0 });
      return `compacted ${before.length} messages to ${done.messages.length}`;
    },
  },
  {
    name: 'help',
    description: 'list these commands',
    run: () => USER_COMMANDS.map((c) => `/${(c.usage ?? c.name).padEnd(24)} ${c.description}`).join('\n'),
  },
  {
    name: 'mode',
    usage: 'mode default|accept-edits|plan',
    description: 'show or set the approval mode of the session',
    run: (args, ctx) => {
      const session = needSession(ctx);
      if (!args[0]) return `mode: ${session.state.mode}`;
      const mode = ModeSchema.safeParse(args[0]);
      if (!mode.success) throw new CommandError(`unknown mode ${args[0]}; expected one of ${ModeSchema.options.join(', ')}`);
      session.state.mode = mode.data;
      session.saveState();
      return `mode set to ${mode.data}`;
    },
  },
  {
    name: 'resume',
    description: 'list saved sessions to continue with --resume <id>',
    run: (_args, ctx) => {
      const sessions = listSessions(ctx.workspace);
      return sessions.length ? sessions.map((s) => `${s.sessionId}  ${s.updatedAt}  step ${s.step}  ${s.task.slice(0, 60)}`).join('\n') : 'no saved sessions';
    },
  },
  {
    name: 'status',
    description: 'session, mode, step, spending and todos',
    run: (_args, ctx) => {
      const { state } = needSession(ctx);
      const todos = state.todos.map((t) => `  [${t.status === 'done' ? 'x' : t.status === 'in_progress' ? '~' : ' '}] ${t.text}`);
      return [
        `session ${state.sessionId}: ${state.task}`,
        state.model === 'scripted'
          ? `mode ${state.mode}, step ${state.step}, scripted replay: no model was called and nothing was spent (about ${state.spent.inputTokens + state.spent.outputTokens} tokens by estimate)`
          : `mode ${state.mode}, step ${state.step}, ${state.spent.inputTokens + state.spent.outputTokens} tokens, $${state.spent.costUsd.toFixed(4)}${state.model ? ` (${state.model})` : ''}`,
        `granted: ${state.granted.join(', ') || 'nothing'}`,
        ...(todos.length ? ['todos:', ...todos] : []),
      ].join('\n');
    },
  },
];

export class CommandRegistry {
  private readonly commands = new Map<string, UserCommand>();

  constructor(commands: readonly UserCommand[]) {
    for (const c of commands) this.commands.set(c.name, c);
  }

  get(name: string): UserCommand | undefined {
    return this.commands.get(name);
  }

  /** Runs `/name args…`; throws CommandError for an unknown command. */
  run(line: string, ctx: CommandContext): string {
    const [name, ...args] = line.replace(/^\//, '').trim().split(/\s+/);
    const command = this.get(name);
    if (!command) throw new CommandError(`unknown command /${name}; try /help`);
    return command.run(args, ctx);
  }
}

export const userCommands = new CommandRegistry(USER_COMMANDS);
