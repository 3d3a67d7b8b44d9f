/**
 * A levelled JSON-lines logger with fields. Contract: one JSON object per line
 * (`{ts, level, msg, ...fields}`); lines below the minimum level are dropped; logging never throws
 * into the caller. The harness writes diagnostics here, never with console.log.
 */
import fs from 'node:fs';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export class Logger {
  constructor(
    private readonly sink: (line: string) => void,
    private readonly minLevel: LogLevel = 'info',
    private readonly fields: LogFields = {},
  ) {}

  /** A logger that adds `fields` to every line (e.g. the session id, the agent). */
  child(fields: LogFields): Logger {
    return new Logger(this.sink, this.minLevel, { ...this.fields, ...fields });
  }

  debug(msg: string, fields?: LogFields): void {
    this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warn', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }

  private write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.minLevel]) return;
    try {
      this.sink(JSON.stringify({ ts: new Date().toISOString(), level, msg, ...this.fields, ...fields }) + '\n');
    } catch {
      // a diagnostics failure must not stop the agent
    }
  }
}

export function fileLogger(file: string, minLevel: LogLevel = 'info'): Logger {
  return new Logger((line) => fs.appendFileSync(file, line), minLevel);
}
