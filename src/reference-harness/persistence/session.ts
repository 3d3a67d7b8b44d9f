/**
 * A session on disk: `.harness/sessions/<id>/` under the workspace, holding the transcript
 * (transcript.jsonl), the workflow state (state.json), the tool-call journal (journal.jsonl), the
 * audit trail (audit.jsonl) and the diagnostics log (log.jsonl). Contract: `createSession` writes
 * the state at once; `loadSession` restores all of it so `runAgent` continues where it stopped.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { AuditLog } from '../logging/audit-log.js';
import { fileLogger, type Logger } from '../logging/logger.js';
import { Journal } from './journal.js';
import type { Mode } from '../permissions/rules.js';
import { loadState, newState, saveState, type WorkflowState } from './state.js';
import { Transcript } from './transcript.js';

export interface Session {
  id: string;
  dir: string;
  workspace: string;
  transcript: Transcript;
  journal: Journal;
  audit: AuditLog;
  log: Logger;
  state: WorkflowState;
  /** Writes `state` atomically. */
  saveState(): void;
}

export class SessionNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export const sessionsDir = (workspace: string) => path.join(workspace, '.harness', 'sessions');

function open(workspace: string, id: string, state: WorkflowState): Session {
  const dir = path.join(sessionsDir(workspace), id);
  const session: Session = {
    id,
    dir,
    workspace,
    transcript: Transcript.load(path.join(dir, 'transcript.jsonl')),
    journal: Journal.load(path.join(dir, 'journal.jsonl')),
    audit: new AuditLog(path.join(dir, 'audit.jsonl')),
    log: fileLogger(path.join(dir, 'log.jsonl')).child({ session: id }),
    state,
    saveState: () => saveState(path.join(dir, 'state.json'), session.state),
  };
  return session;
}

export function createSession(workspace: string, task: string, mode: Mode): Session {
  const id = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${crypto.randomBytes(3).toString('hex')}`;
  fs.mkdirSync(path.join(sessionsDir(workspace), id), { recursive: true });
  const session = open(workspace, id, newState(id, task, mode));
  session.saveState();
  session.log.info('session created', { workspace, task, mode });
  return session;
}

export function loadSession(workspace: string, id: string): Session {
  const file = path.join(sessionsDir(workspace), id, 'state.json');
  if (!/^[\w.-]+$/.test(id) || !fs.existsSync(file)) {
    throw new SessionNotFoundError(`no session ${id} in ${sessionsDir(workspace)}; list them with: audit harness run /resume`);
  }
  const session = open(workspace, id, loadState(file));
  session.log.info('session resumed', { step: session.state.step });
  return session;
}

export function listSessions(workspace: string): WorkflowState[] {
  const root = sessionsDir(workspace);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .flatMap((id) => {
      try {
        return [loadState(path.join(root, id, 'state.json'))];
      } catch {
        return [];
      }
    })
    .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
}
