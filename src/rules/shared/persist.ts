/**
 * Persistence facts derived from calls: file writes, appends, renames, fsyncs, database writes and
 * transactions, and reads, each with the subject it concerns (session transcript, workflow state,
 * or other) judged from the path argument, the enclosing function and its class.
 */
import type { CallFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';

export type PersistKind = 'append' | 'write' | 'rename' | 'fsync' | 'db-write' | 'transaction' | 'read' | 'db-read';
export type Subject = 'session' | 'state' | 'settings' | 'other';

export interface PersistOp {
  call: Located<CallFact>;
  kind: PersistKind;
  subject: Subject;
  /** How directly the subject was seen: 3 in the path argument, 2 in the function name, 1 in its class, 0 from the module name. */
  strength: number;
  /** The text the subject was judged from (path argument, function and class). */
  text: string;
}

const APPEND = new Set(['appendFile', 'appendFileSync', 'appendJsonl', 'appendLine', 'appendRecord']);
const WRITE = new Set(['writeFile', 'writeFileSync', 'write_text', 'write_bytes', 'writeJson', 'writeJSON', 'writeJsonSync', 'outputFile', 'outputJson', 'atomicWrite', 'writeFileAtomic', 'dump']);
const RENAME = new Set(['rename', 'renameSync']);
const FSYNC = new Set(['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync']);
const READ = new Set(['readFile', 'readFileSync', 'createReadStream', 'read_text', 'readJson', 'readJSON', 'readJsonSync', 'load', 'loads', 'readlines']);
const DB_WRITE = new Set(['insert', 'insertOne', 'insertMany', 'upsert', 'create', 'createMany', 'update', 'updateOne', 'save', 'put', 'setItem', 'executemany']);
const DB_READ = new Set(['select', 'findFirst', 'findMany', 'findUnique', 'findOne', 'find', 'getItem', 'fetchone', 'fetchall']);
/** A database-ish receiver, the call directly on it (`db.insert`, `db .update`, `prisma.task.create`). */
const DB_CALLEE = /^(this\.|self\.)?(db|database|prisma|tx|trx|knex|sql|pool|conn|connection|cursor|collection|localStorage|sessionStorage|redis|kv|_db|_conn)(\.\w+)?\s*\.\s*\$?\w+$/i;

const SESSION = new Set(['session', 'sessions', 'conversation', 'conversations', 'transcript', 'transcripts', 'history', 'chat', 'chats', 'message', 'messages', 'journal', 'thread', 'threads', 'dialog', 'turn', 'turns', 'rollout']);
const STATE = new Set(['state', 'states', 'plan', 'plans', 'todo', 'todos', 'task', 'tasks', 'checkpoint', 'checkpoints', 'tracker', 'progress', 'workflow', 'memory', 'memories', 'metric', 'metrics', 'ledger', 'usage', 'cost', 'costs', 'stats']);
const SETTINGS = new Set(['setting', 'settings', 'config', 'configs', 'preference', 'preferences', 'prefs', 'auth', 'credential', 'credentials', 'oauth', 'keybinding', 'keybindings', 'trusted', 'policy', 'policies', 'registry', 'cache', 'key', 'keys', 'token', 'tokens']);

const wordCache = new Map<string, readonly string[]>();

/**
 * Lower-case words of identifiers and paths: `this.sessionFile` → this, session, file. The rules
 * split the same few thousand names over and over, so results are cached (and shared: read-only).
 */
export function words(text: string): readonly string[] {
  let ws = wordCache.get(text);
  if (ws) return ws;
  ws = text
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (wordCache.size >= 100_000) wordCache.clear();
  wordCache.set(text, ws);
  return ws;
}
/** Writes that serve a tool or an export, not the harness's own persistence. */
const NOT_HARNESS = /export|download|html|screenshot|upload|\bargs\.|\binput\.|\bparams\.|tool_?input|image|clipboard|\.gitignore|package\.?json|\bpid\b|\.(?:jinja2?|j2|tmpl|mustache|hbs)\b/i;

function kindOf(c: CallFact): PersistKind | undefined {
  const n = c.name;
  // An editor output channel or terminal (`outputChannel.appendLine`) is a display, not a file.
  if (APPEND.has(n)) return /channel|console|terminal|output\b|panel|buffer/i.test(c.callee) ? undefined : 'append';
  if (n === 'createWriteStream') return /['"]a\+?['"]/.test(c.args.join(' ')) ? 'append' : 'write';
  if (n === 'open' && c.args.length >= 2) {
    const mode = c.args[1] ?? '';
    if (/^['"]a/.test(mode)) return 'append';
    if (/^['"][wx]/.test(mode)) return 'write';
    if (/^['"]r/.test(mode)) return 'read';
    return undefined;
  }
  if (n === 'dump') return /json|yaml|pickle/.test(c.callee) ? 'write' : undefined;
  if (n === 'load' || n === 'loads') return /json|yaml|pickle/.test(c.callee) ? 'read' : undefined;
  if (WRITE.has(n)) return 'write';
  if (RENAME.has(n) || c.callee === 'os.replace') return 'rename';
  if (FSYNC.has(n)) return 'fsync';
  if (READ.has(n)) return 'read';
  if (n === 'transaction' || n === '$transaction' || /\bBEGIN\b/.test(c.args[0] ?? '')) return 'transaction';
  if ((n === 'execute' || n === 'executemany' || n === 'exec' || n === 'run' || n === 'query' || n === 'prepare') && /^['"`]\s*(INSERT|UPDATE|REPLACE|SELECT|BEGIN)\b/i.test(c.args[0] ?? '')) {
    const sql = (c.args[0] ?? '').replace(/^['"`]\s*/, '').toUpperCase();
    if (sql.startsWith('SELECT')) return 'db-read';
    if (sql.startsWith('BEGIN')) return 'transaction';
    return 'db-write';
  }
  const m = DB_CALLEE.exec(c.callee);
  if (m) {
    if (DB_WRITE.has(n)) return 'db-write';
    if (DB_READ.has(n)) return 'db-read';
  }
  return undefined;
}

/** A path that names a log file: `logFilePath`, `this.logPath`, `'debug.log'`, `LOG_DIR`. */
const isLogFile = (pathArg: string) => /\.log\b/.test(pathArg) || words(pathArg).some((w) => w === 'log' || w === 'logs');

/** Sessions that are not the conversation: a shell, a browser, an HTTP client, a database. */
const OTHER_SESSION = new Set(['bash', 'shell', 'terminal', 'pty', 'tmux', 'ssh', 'browser', 'http', 'client', 'aiohttp', 'requests', 'db', 'database', 'sql', 'orm', 'sandbox']);

function subjectOf(text: string): Subject {
  const ws = words(text);
  // `BashSession`, `ClientSession`, `db_session` name another kind of session.
  if (ws.some((w, i) => SESSION.has(w) && !((w === 'session' || w === 'sessions') && OTHER_SESSION.has(ws[i - 1])))) return 'session';
  if (ws.some((w) => STATE.has(w))) return 'state';
  if (ws.some((w) => SETTINGS.has(w))) return 'settings';
  return 'other';
}

/** Every persistence operation in harness source, classified. */
export function persistOps(ctx: RuleContext): PersistOp[] {
  return ctx.memo('persist:ops', () => {
    const out: PersistOp[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls) {
        const kind = kindOf(c);
        if (!kind) continue;
        const db = kind === 'db-write' || kind === 'db-read';
        const pathArg = c.args[0] ?? '';
        // The subject comes from the path and what is written, except for a log file, whose
        // lines mention anything (`appendFileSync(logFilePath, `${time} ${message}`)`).
        const argText = db || isLogFile(pathArg) ? pathArg : c.args.slice(0, 2).join(' ');
        const text = `${argText} ${c.fn}`;
        if (NOT_HARNESS.test(text)) continue;
        let subject = subjectOf(text);
        let strength = subject === 'other' ? 0 : subjectOf(argText) === subject ? 3 : subjectOf(shortName(c.fn)) === subject ? 2 : 1;
        // A bare `filePath` in a module about sessions (session-manager, state-store …) takes the module's subject.
        if (subject === 'other') {
          subject = subjectOf(f.path.slice(f.path.lastIndexOf('/') + 1).replace(/\.\w+$/, ''));
          strength = 0;
        }
        out.push({ call: c as Located<CallFact>, kind, subject, strength, text });
      }
    }
    // Strongest evidence first: the path names the session/state, then the function, then the class.
    return out.sort((a, b) => b.strength - a.strength);
  });
}


/** Functions (`file#fn`) that write to a temp path and rename it into place. */
export function atomicWriters(ctx: RuleContext): PersistOp[] {
  return ctx.memo('persist:atomic', () => {
    const ops = persistOps(ctx);
    const byFn = new Map<string, PersistOp[]>();
    for (const o of ops) {
      const k = `${o.call.file}#${o.call.fn}`;
      const l = byFn.get(k);
      if (l) l.push(o);
      else byFn.set(k, [o]);
    }
    const out: PersistOp[] = [];
    for (const list of byFn.values()) {
      const ren = list.find((o) => o.kind === 'rename' && /tmp|temp|staging|partial|\.new/i.test(o.call.args[0] ?? ''));
      if (ren && list.some((o) => o.kind === 'write' || o.kind === 'fsync')) out.push(ren);
    }
    for (const o of ops) if (o.kind === 'transaction') out.push(o);
    return out;
  });
}

/** Source call sites of the function `fn` (by short name), excluding calls from inside itself. */
export function callersOf(ctx: RuleContext, fn: string): Located<CallFact>[] {
  const s = shortName(fn);
  if (!s || s === '<top>' || s === '<anon>') return [];
  return ctx.callsNamed(s).filter((c) => c.fn !== fn);
}

/** Framework stores that persist every step (LangGraph checkpointers, Agents SDK sessions). */
const SAVERS = 'SqliteSaver|AsyncSqliteSaver|PostgresSaver|AsyncPostgresSaver|RedisSaver|MongoDBSaver|SQLiteSession|RedisSession|SqlAlchemySession|FileSession|PostgresSession';
const PERSISTENT_SAVER = new RegExp(`^(?:${SAVERS})$`);
/** A callee whose first segment is a saver: `SqliteSaver.from_conn_string`, `new RedisSession`. */
const SAVER_CALLEE = new RegExp(`^(?:new\\s+)?(?:${SAVERS})(?:\\.|$)`);

/** The first place the repo turns on a framework's persistent session store or checkpointer. */
export function frameworkSaver(ctx: RuleContext): Located<CallFact> | undefined {
  return ctx.memo('persist:framework-saver', () => ctx.calls.find((c) => PERSISTENT_SAVER.test(c.name) || SAVER_CALLEE.test(c.callee)));
}
