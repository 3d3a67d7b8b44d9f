/**
 * Persistence facts derived from calls: file writes, appends, renames, fsyncs, database writes and
 * transactions, and reads, each with the subject it concerns (session transcript, workflow state,
 * or other) judged from the path argument, the enclosing function and its class.
 */
import type { CallFact, FileFacts, FunctionFact, ObjectFact, StringFact } from '../../analyzers/facts.js';
import { paramName, shortName, type Located, type RuleContext } from '../context.js';
import type { Evidence } from '../types.js';
import { classIndex, classOf, descends, fieldClass, fieldType, objectsIn, resolveLocal } from './resolve.js';
import { GENERIC, agentLoops, modelCalls, modelFunctionNames } from './loop.js';
import { callsPassing } from './tools.js';
import { TEST_PATH } from './tests.js';

export type PersistKind = 'append' | 'write' | 'rename' | 'fsync' | 'db-write' | 'transaction' | 'read' | 'db-read';

/** An operation that stores data: a file write or append, or a database write. */
export const storesData = (o: { kind: PersistKind }): boolean => o.kind === 'write' || o.kind === 'append' || o.kind === 'db-write';
export type Subject = 'session' | 'state' | 'settings' | 'other';

export interface PersistOp {
  call: Located<CallFact>;
  kind: PersistKind;
  subject: Subject;
  /** How directly the subject was seen: 3 in the path argument, 2 in the function name, 1 in its class, 0 from the module name. */
  strength: number;
  /** The text the subject was judged from (path argument, function and class). */
  text: string;
  /** The object literal written, when the subject was judged from the data's shape (it holds the messages). */
  payload?: Located<ObjectFact>;
  /** The write goes through an atomic-write package (temp file + rename inside it). */
  atomicLib?: boolean;
  /** Set when the call is a repo wrapper around the write (`io.writeJsonFile(path, history)`): the wrapper, and whether it writes atomically. */
  via?: { fn: string; file: string; line: number; atomic: boolean; textLog?: boolean };
  /** The data written is a time-stamped text line (see stampedLine): a diagnostic log's, not a record of the run. */
  textLog?: boolean;
  /** An ORM write or read: the declaration of the mapped class whose rows it writes or reads (its table). */
  model?: { file: string; line: number; table: string };
  /** The subject was judged from the data: `event` when each call writes the serialised event the function receives. */
  record?: 'event';
  /** A file opened for writing: the line where the message list is written into it. */
  writesInto?: number;
}

const APPEND = new Set(['appendFile', 'appendFileSync', 'appendJsonl', 'appendLine', 'appendRecord']);
const WRITE = new Set(['writeFile', 'writeFileSync', 'write_text', 'write_bytes', 'writeJson', 'writeJSON', 'writeJsonSync', 'outputFile', 'outputJson', 'atomicWrite', 'writeFileAtomic', 'dump']);
/** A server's response object, or an HTTP status code literal: what an HTTP reply helper is handed, never a file writer. */
const HTTP_REPLY = /^(?:res|resp|response|reply|ctx\.res|ctx\.response)$/;
const HTTP_STATUS = /^[1-5]\d\d$/;
const RENAME = new Set(['rename', 'renameSync']);
/** Renames of a data structure's parts (columns, keys, fields), not of a file. */
const DATA_RENAME = /^rename_?(?:columns?|keys?|fields?|axis|index|labels?|attrs?|attributes?|vars?|variables?|dims?|props?|properties)$/i;
const FSYNC = new Set(['fsync', 'fsyncSync', 'fdatasync', 'fdatasyncSync']);
const READ = new Set(['readFile', 'readFileSync', 'createReadStream', 'read_text', 'readJson', 'readJSON', 'readJsonSync', 'load', 'loads', 'readlines']);
const DB_WRITE = new Set(['insert', 'insertOne', 'insertMany', 'upsert', 'create', 'createMany', 'update', 'updateOne', 'save', 'put', 'setItem', 'executemany', 'insert_one', 'insert_many', 'update_one', 'replace_one', 'replaceOne']);
const DB_READ = new Set(['select', 'findFirst', 'findMany', 'findUnique', 'findOne', 'find', 'getItem', 'fetchone', 'fetchall', 'find_one']);
/**
 * A relational query through the database's query namespace, the table named in the callee: `db.query.messages.findMany`,
 * also on a handle named for its database (`maindb.query.message.findMany`, `readDb.query.chats.findFirst`).
 */
const QUERY_TABLE = /^(?:this\.|self\.)?(?:[A-Za-z_$][\w$]*(?:db|Db|DB)|db|database|tx|trx)\s*\.\s*query\s*\.\s*(\w+)\s*\.\s*\w+$/;
/**
 * A model delegate names its table: Prisma's client (`this.prisma.message.create`, `tx.task.update`) and a document
 * database's collection (`db.messages.insert_one`, `db.events.insertOne`).
 */
const DELEGATE_TABLE = /^(?:this\.|self\.)?(?:\w*prisma\w*|tx|trx)\s*\.\s*([a-z]\w*)\s*\.\s*(?:create|createMany|update|updateMany|upsert|delete|deleteMany|findMany|findFirst|findUnique|findFirstOrThrow|findUniqueOrThrow)$|^(?:this\.|self\.)?(?:db|_db|database)\s*\.\s*([a-z]\w*)\s*\.\s*(?:insert_one|insert_many|insertOne|insertMany|update_one|updateOne|replace_one|replaceOne|find|find_one|findOne)$/;
const delegateTable = (callee: string): string | undefined => {
  const m = DELEGATE_TABLE.exec(callee);
  return m ? m[1] ?? m[2] : undefined;
};
/**
 * A query builder's table, named by a string before the write or read: Supabase's client (`supabase.from("messages").insert(rows)`,
 * supabase-py's `client.table("messages").upsert(row)`) and Knex (`knex("messages").insert(row)`). The method is called on
 * the table the builder selected, not on the result of another query step (`.insert(rows).select("*")` reads nothing).
 */
const BUILDER_TABLE = /\.\s*(?:from|table)\s*\(\s*['"`]([A-Za-z_]\w*)['"`]\s*\)\s*\.\s*\w+$|^(?:this\.)?knex\s*\(\s*['"`]([A-Za-z_]\w*)['"`]\s*\)\s*\.\s*\w+$/;
export const builderTable = (callee: string): string | undefined => {
  const m = BUILDER_TABLE.exec(callee);
  return m ? m[1] ?? m[2] : undefined;
};
/** A database-ish receiver, the call directly on it (`db.insert`, `db .update`, `prisma.task.create`). */
const DB_CALLEE = /^(this\.|self\.)?(db|database|prisma|tx|trx|knex|sql|pool|conn|connection|cursor|collection|localStorage|sessionStorage|redis|kv|_db|_conn)(\.\w+)?\s*\.\s*\$?\w+$/i;

/** The run's trajectory: the record of its steps (model requests, responses, tool results), the transcript by another name. */
const TRAJECTORY = new Set(['trajectory', 'trajectories']);
const SESSION = new Set(['session', 'sessions', 'conversation', 'conversations', 'transcript', 'transcripts', 'history', 'chat', 'chats', 'message', 'messages', 'journal', 'thread', 'threads', 'dialog', 'turn', 'turns', 'rollout', ...TRAJECTORY]);
export const STATE = new Set(['state', 'states', 'plan', 'plans', 'todo', 'todos', 'task', 'tasks', 'checkpoint', 'checkpoints', 'tracker', 'progress', 'workflow', 'memory', 'memories', 'metric', 'metrics', 'ledger', 'usage', 'cost', 'costs', 'stats']);
/**
 * A plural's singular (`usages` → usage, `trackers` → tracker): tables and collections are named in the plural, the record
 * they hold in the singular. Not `workflows`: a table or folder of workflows is a catalogue of their definitions (a recorded
 * demonstration, `.github/workflows`), while a run's records are named for the run (`workflow_runs`, `workflow_states`).
 */
export const singular = (w: string): string => (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') && w !== 'workflows' ? w.slice(0, -1) : w);
/** A word of STATE, or the plural of one (`usages`). */
export const stateWord = (w: string): boolean => STATE.has(w) || STATE.has(singular(w));
const SETTINGS = new Set(['setting', 'settings', 'config', 'configs', 'preference', 'preferences', 'prefs', 'auth', 'credential', 'credentials', 'oauth', 'keybinding', 'keybindings', 'trusted', 'policy', 'policies', 'registry', 'cache', 'key', 'keys', 'token', 'tokens']);

const wordCache = new Map<string, readonly string[]>();

/**
 * Lower-case words of identifiers and paths: `this.sessionFile` → this, session, file. The rules
 * split the same few thousand names over and over, so results are cached (and shared: read-only).
 */
export function words(text: string): readonly string[] {
  let ws = wordCache.get(text);
  if (ws) return ws;
  ws = splitWords(text);
  if (wordCache.size >= 100_000) wordCache.clear();
  wordCache.set(text, ws);
  return ws;
}

/**
 * `text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)`
 * in one pass for ASCII text (a word breaks before a capital that follows a lower-case letter or
 * digit, and at every other character); other text takes the regex route, since lower-casing
 * some non-ASCII letters yields ASCII ones.
 */
function splitWords(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  let prevLowerOrDigit = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch >= 97 && ch <= 122 || ch >= 48 && ch <= 57) {
      prevLowerOrDigit = true;
    } else if (ch >= 65 && ch <= 90) {
      if (prevLowerOrDigit) {
        out.push(text.slice(start, i).toLowerCase());
        start = i;
      }
      prevLowerOrDigit = false;
    } else if (ch < 128) {
      if (i > start) out.push(text.slice(start, i).toLowerCase());
      start = i + 1;
      prevLowerOrDigit = false;
    } else {
      return text
        .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter(Boolean);
    }
  }
  if (text.length > start) out.push(text.slice(start).toLowerCase());
  return out;
}
/** Writes that serve a tool or an export, not the harness's own persistence. */
// A path to a template or to a source-code file (`lib/messages.ts`) is code generation, not state.
const NOT_HARNESS = /export|download|html|screenshot|upload|\bargs\.|\binput\.|\bparams\.|tool_?input|image|clipboard|\.gitignore|package\.?json|\bpid\b|\.(?:jinja2?|j2|tmpl|mustache|hbs)\b|\.(?:[cm]?[jt]sx?|py)['"`]/i;

/** What a method call is called on: `this.store` of `this.store.put(…)` ('' for a bare call). */
const receiverOf = (c: Pick<CallFact, 'callee'>): string => c.callee.slice(0, c.callee.lastIndexOf('.'));

/** Modules whose `replace(obj)` copies an object (`dataclasses.replace`, `copy.replace`), not a file. */
const NOT_PATH_RECEIVER = /^(?:dataclasses|copy|os|str|string|re|self|cls)$/;

/**
 * pathlib's `Path.replace(target)`: one positional argument, a path (not a string literal, not a keyword as in
 * `dt.replace(tzinfo=…)`); a string's `replace` always takes two.
 */
function pathReplace(c: CallFact): boolean {
  if (!c.callee.includes('.') || c.args.length !== 1 || /^['"fbr]{0,2}['"]|=/.test(c.args[0])) return false;
  const recv = receiverOf(c);
  return recv !== '' && !NOT_PATH_RECEIVER.test(recv) && !/^['"]/.test(recv);
}

/** A SQL query's text as a call's first argument: `"SELECT id, content FROM messages WHERE …"`. */
const SQL_SELECT = /^['"`]\s*SELECT\s/i;
const EXTENSION_STORAGE = /^(?:chrome|browser)\??\.storage(?:\??\.\w+|\[[^\]]*\])\.(?:set|get)$/;
/** The extension's in-memory storage area: `chrome.storage.session`, cleared when the browser closes, never written to disk. */
const SESSION_AREA = /\.storage\??\.session\??\.\w+$/;

/** An argument that is a SQL `BEGIN` statement: `"BEGIN"`, `'BEGIN IMMEDIATE;'`, `"BEGIN TRANSACTION; …"`. */
const SQL_BEGIN = /^['"`]\s*BEGIN(?:\s+(?:DEFERRED|IMMEDIATE|EXCLUSIVE|TRANSACTION|WORK)\b|\s*;|\s*['"`]$)/i;

/** Calls that open a file by its path: Python's `open`, `io.open`, `codecs.open`, aiofiles' `aiofiles.open`. */
const FILE_OPENER = /^(?:open|io\.open|codecs\.open|aiofiles\.open|builtins\.open)$/;

/** A path object's own `open` (`Path(p).open("a")`, `AsyncPath(p).open("a", encoding=…)`) takes the mode first, the path being its receiver: the mode. */
function pathObjectMode(c: CallFact): string | undefined {
  return c.name === 'open' && !FILE_OPENER.test(c.callee) && /\)\.open$|^[\w.]+\.open$/.test(c.callee) && /^['"][rwxa][bt+]*['"]$/.test(c.args[0] ?? '') ? c.args[0] : undefined;
}

function kindOf(c: CallFact): PersistKind | undefined {
  const n = c.name;
  // An editor output channel or terminal (`outputChannel.appendLine`) is a display, not a file.
  // `region.appendLine(text)` with no path is a text builder, not a file.
  if (APPEND.has(n)) return /channel|console|terminal|output\b|panel|buffer/i.test(c.callee) || (n === 'appendLine' && c.args.length < 2) ? undefined : 'append';
  if (n === 'createWriteStream') return /['"]a\+?['"]/.test(c.args.join(' ')) ? 'append' : 'write';
  // The mode positional (`open(path, "a")`) or by keyword (`open(path, mode="w")`, `aiofiles.open(path, mode="a")`), the
  // keyword only for the openers whose first argument is a path (not `tarfile.open(fileobj=buf, mode="w")`).
  const kwMode = n === 'open' && FILE_OPENER.test(c.callee) ? c.args.find((a) => /^mode\s*=/.test(a)) : undefined;
  const ownMode = pathObjectMode(c);
  if (n === 'open' && (ownMode || c.args.length >= 2 || kwMode)) {
    const mode = ownMode ?? (kwMode ? kwMode.replace(/^mode\s*=\s*/, '') : c.args[1] ?? '');
    if (/^['"]a/.test(mode)) return 'append';
    if (/^['"][wx]/.test(mode)) return 'write';
    if (/^['"]r/.test(mode)) return 'read';
    return undefined;
  }
  // `json.dump(obj, f)` writes; `yaml.dump(data)` with no stream returns a string.
  if (n === 'dump') return /json|yaml|pickle/.test(c.callee) && /^(?!\w+\s*=)|^(?:stream|fp|file)\s*=/.test(c.args[1] ?? '=') ? 'write' : undefined;
  if (n === 'load' || n === 'loads') return /json|yaml|pickle/.test(c.callee) ? 'read' : undefined;
  // An HTTP response helper of the same name (`writeJson(res, 400, { error_code })`): the body goes to the client, not a file.
  if (WRITE.has(n)) return HTTP_REPLY.test(c.args[0] ?? '') || HTTP_STATUS.test(c.args[1] ?? '') ? undefined : 'write';
  // Not a rename of a table's or a mapping's parts: `ds.rename_columns({...})` (Hugging Face datasets), `df.rename(columns=…)`
  // (pandas), `rename_keys(d, …)`: a file rename takes paths, never a mapping.
  if ((RENAME.has(n) || c.callee === 'os.replace' || /^rename(?:With\w+|Atomic\w*|Sync\w+|_\w+)$/.test(n)) && !DATA_RENAME.test(n) && !c.args.some((a) => /^\{|^(?:columns|index|mapper|axis)\s*=/.test(a))) return 'rename';
  if (FSYNC.has(n)) return 'fsync';
  if (READ.has(n)) return 'read';
  // A SQL `BEGIN` statement (`db.exec("BEGIN IMMEDIATE")`), not any text that holds the word (`prompt.replace("BEGIN SOLUTION", …)`).
  if (n === 'transaction' || n === '$transaction' || ((c.args[0] ?? '').includes('BEGIN') && SQL_BEGIN.test(c.args[0]))) return 'transaction';
  // node-sqlite3's (and an Electron bridge's) `db.get(sql, …)` / `db.all(sql, …)` run a SELECT and return its rows.
  if ((n === 'execute' || n === 'executemany' || n === 'exec' || n === 'run' || n === 'query' || n === 'prepare' || ((n === 'get' || n === 'all') && SQL_SELECT.test(c.args[0] ?? ''))) && /^['"`]\s*(INSERT|UPDATE|REPLACE|SELECT|BEGIN)\b/i.test(c.args[0] ?? '')) {
    const sql = (c.args[0] ?? '').replace(/^['"`]\s*/, '').toUpperCase();
    if (sql.startsWith('SELECT')) return 'db-read';
    if (sql.startsWith('BEGIN')) return 'transaction';
    return 'db-write';
  }
  // AWS SDK DynamoDB commands: `ddb.send(new PutCommand({ TableName, Item }))`. A put adds one item.
  if (c.callee.startsWith('new ')) {
    if (/^(?:TransactWrite(?:Items)?Command)$/.test(n)) return 'transaction';
    if (/^(?:Put(?:Item)?|Update(?:Item)?|BatchWrite(?:Item)?)Command$/.test(n)) return 'db-write';
    if (/^(?:Get(?:Item)?|Query|Scan|BatchGet(?:Item)?)Command$/.test(n)) return 'db-read';
  }
  if (/^paginate(?:Query|Scan)$/.test(n)) return 'db-read';
  // A browser extension's storage area: `chrome.storage.local.set({ [key]: value })`, `chrome?.storage[area].get([key])`.
  // Not the `session` area (`chrome.storage.session`), which the browser keeps in memory only and drops when it closes.
  if ((n === 'set' || n === 'get') && EXTENSION_STORAGE.test(c.callee) && !SESSION_AREA.test(c.callee)) return n === 'set' ? 'db-write' : 'db-read';
  // LangGraph's long-term store (`store.aput(namespace, key, value)`, SDK `client.store.put_item(…)`).
  if (/(?:^|\.)store$/i.test(receiverOf(c))) {
    if (/^(?:put_item|aput|put)$/.test(n) && c.args.length >= 2) return 'db-write';
    if (/^(?:get_item|search_items|aget|asearch)$/.test(n)) return 'db-read';
  }
  // The receiver test only for the few names a database call can have (it ran on every call before).
  if ((DB_WRITE.has(n) || DB_READ.has(n)) && DB_CALLEE.test(c.callee)) return DB_WRITE.has(n) ? 'db-write' : 'db-read';
  // An ORM's relational query on a named table: `db.query.messages.findMany({ where })`.
  if (DB_READ.has(n) && QUERY_TABLE.test(c.callee)) return 'db-read';
  // A query builder's table: `supabase.from("messages").insert(rows)`, `knex("messages").select(…)`.
  if ((DB_WRITE.has(n) || DB_READ.has(n)) && (n !== 'create' && n !== 'save' && n !== 'put' && n !== 'setItem') && builderTable(c.callee)) return DB_WRITE.has(n) ? 'db-write' : 'db-read';
  return undefined;
}

/** MongoDB drivers and ODMs: a repo that depends on one writes its documents through a collection's methods. */
const MONGO_DRIVER = /^(?:mongodb|mongoose|pymongo|motor|beanie|mongoengine)$/;
/** Methods of a MongoDB collection (or a Mongoose model): names no array, map or ORM repository has. */
const MONGO_METHOD = /^(?:insertOne|insertMany|updateOne|updateMany|replaceOne|findOne|insert_one|insert_many|update_one|update_many|replace_one|find_one)$/;
const MONGO_RECEIVER = /^(?:this\.|self\.)?(?:[A-Za-z_$][\w$]*\??\.)*([A-Za-z_$][\w$]*)\??\.\w+$/;

function usesMongo(ctx: RuleContext): boolean {
  return ctx.memo('persist:mongo', () => (ctx.facts.manifests ?? []).some((m) => m.dependencies.some((d) => MONGO_DRIVER.test(d))) || ctx.source.some((f) => f.imports.some((i) => MONGO_DRIVER.test(i.from))));
}

/**
 * A MongoDB collection named by the receiver of its method: `collections.conversations.updateOne(…)`,
 * `db.messages.insertOne(…)`, `this.sessions.findOne(…)`, `Conversation.updateOne(…)` (a Mongoose model), in a repo
 * that uses a MongoDB driver. The collection is the table the document goes to.
 */
function mongoCollection(ctx: RuleContext, c: CallFact): string | undefined {
  if (!MONGO_METHOD.test(c.name) || !usesMongo(ctx)) return undefined;
  const m = MONGO_RECEIVER.exec(c.callee);
  return m && !/^(?:this|self|db|database|client|mongo|collection|model)$/i.test(m[1]) ? m[1] : undefined;
}

function mongoKind(ctx: RuleContext, c: CallFact): PersistKind | undefined {
  if (!mongoCollection(ctx, c)) return undefined;
  return /^find/.test(c.name) ? 'db-read' : 'db-write';
}

/**
 * The call names `kindOf` (or python-dotenv's `set_key`) can classify: every other name yields no
 * kind unless the first argument holds a `BEGIN` statement. Judged once per distinct name.
 */
function mayPersist(n: string): boolean {
  return (
    APPEND.has(n) || WRITE.has(n) || RENAME.has(n) || FSYNC.has(n) || READ.has(n) || DB_WRITE.has(n) || DB_READ.has(n) ||
    n === 'createWriteStream' || n === 'open' || n === 'dump' || n === 'load' || n === 'loads' || n === 'replace' ||
    n === 'transaction' || n === '$transaction' || n === 'execute' || n === 'executemany' || n === 'exec' || n === 'run' || n === 'query' || n === 'prepare' ||
    n === 'set_key' || n === 'unset_key' ||
    n.startsWith('rename') || n.startsWith('paginate') || n.endsWith('Command') ||
    /^(?:put_item|aput|put|get_item|search_items|aget|asearch)$/.test(n)
  );
}

/** A path that names a log file: `logFilePath`, `this.logPath`, `'debug.log'`, `LOG_DIR`. */
const isLogFile = (pathArg: string) => /\.log\b/.test(pathArg) || words(pathArg).some((w) => /^logs?$|^log(?:file|path|dir|filename)s?$/.test(w));

/** A shell's or terminal's own code: its class (`TerminalToolkit.run`) or its module (`shell_session.py`). */
const SHELL_WORD = new Set(['bash', 'shell', 'terminal', 'pty', 'tmux', 'ssh']);
const shellOwned = (fn: string, file: string): boolean =>
  [classOf(fn), file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')].some((t) => words(t).some((w) => SHELL_WORD.has(w)));

/** Sessions that are not the conversation: a shell, a browser, an HTTP client, a database. */
const OTHER_SESSION = new Set([...SHELL_WORD, 'browser', 'http', 'client', 'aiohttp', 'requests', 'db', 'database', 'sql', 'orm', 'sandbox']);

/**
 * Words that say nothing about what a path holds (`filePath`, `path.join(dir, name)`), so a write to
 * such a path in a module about sessions takes the module's subject; a path that names something
 * (`'meta.json'`, `configPath`) keeps its own.
 */
const BARE_PATH = new Set(['this', 'self', 'path', 'paths', 'file', 'files', 'filepath', 'filename', 'full', 'dir', 'dirname', 'target', 'dest', 'out', 'output', 'join', 'resolve', 'os', 'fs', 'promises', 'json', 'stringify', 'dumps', 'dump', 'data', 'content', 'contents', 'utf', 'utf8', 'encoding', 'null', 'none', 'indent', 'await', 'new', 'line', 'lines', 'text', 'str', 'value', 'tmp', 'temp', 'name', 'id', 'uri', 'location', 'f', 'p']);
const namesNothing = (argText: string) => words(argText).every((w) => BARE_PATH.has(w) || w.length < 3 || /^\d/.test(w));
/** An argument read off an object (`a.b.c`) is named by its last member when that names something; else as written. */
const memberNamed = (arg: string | undefined): string | undefined => {
  if (arg === undefined || !/^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(arg)) return arg;
  const last = arg.slice(arg.lastIndexOf('.') + 1);
  return namesNothing(last) ? arg : last;
};

/** Keys under which a record carries the conversation: the messages array, the history, the trajectory. */
const TRANSCRIPT_KEY = /^(?:messages|history|chat_?history|trajectory|transcript|conversation|turns)$/i;
/** A value that is data (`self.messages`, `[...history]`, `messages.map(…)`), not a literal. */
const isReference = (v: string | undefined) => !!v && !/^(?:['"`\d-]|true\b|false\b|None\b|null\b|undefined\b|\[\]|\{\}|len\()/.test(v) && !/\.(?:length|size|count)$/.test(v);

const isMessage = (o: ObjectFact) => o.keys.includes('role') && (o.keys.includes('content') || o.keys.includes('parts'));

/**
 * Lists in a file that messages are added to, whatever they are called: the receiver of
 * `self.log.append({"role": …, "content": …})` or `this.turns.push({ role, content })`.
 */
function messageLists(ctx: RuleContext, file: string): Set<string> {
  return ctx.perFile('persist:message-lists', file, () => {
    const set: Set<string> = new Set();
    for (const o of ctx.file(file)?.objects ?? []) {
      const m = /^arg:(.+)\.(?:append|push|insert|unshift)$/.exec(o.ctx);
      if (m && isMessage(o)) set.add(m[1]);
    }
    return set;
  });
}

/** Words that end the name of a message list: `contextMessages`, `chat_history`, `conversationTranscript`. */
const LIST_NOUN = new Set(['messages', 'history', 'transcript']);
/** Whether a name is one of a message list by its last word: `contextMessages`, `chat_history`. */
export const namesMessageList = (name: string): boolean => LIST_NOUN.has(words(name).at(-1) ?? '');

/**
 * A field named for a message list under a compound key, holding a value that is itself named for one:
 * `contextMessages: this.messages`, `chat_history: self.history`, `conversationHistory: state.messages`. Both names
 * must end in the list's noun, so `errorMessages: errors` or `historyLimit: history.length` are not the conversation.
 */
function messageListField(key: string, value: string | undefined): boolean {
  if (!isReference(value) || !namesMessageList(key)) return false;
  const v = value!.trim().replace(/^\[?\.\.\./, '').replace(/\]$/, '');
  return /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*$/.test(v) && namesMessageList(v.slice(v.lastIndexOf('.') + 1));
}

/**
 * An object literal shaped like the conversation: a record holding the messages (under `messages`,
 * `history`, `trajectory` …, or any key whose value is a list the file adds messages to), or one
 * message (`role` + `content`/`parts`).
 */
export function isTranscriptShape(o: ObjectFact, lists?: Set<string>): boolean {
  if (o.ctx.startsWith('class:') || o.ctx.startsWith('type:')) return false;
  if (o.keys.some((k) => TRANSCRIPT_KEY.test(k) && isReference(o.values[k]))) return true;
  if (o.keys.some((k) => messageListField(k, o.values[k]))) return true;
  if (lists?.size && o.keys.some((k) => lists.has((o.values[k] ?? '').replace(/^\[?\.\.\.|\]$/g, '')))) return true;
  return isMessage(o);
}

/** A model request's arguments (`client.messages.create({ messages })`) or a message inside a list literal: sent, not stored. */
const MODEL_REQUEST = /(?:^|\.)(?:create|stream|completion|acompletion|generate\w*|invoke|ainvoke|chat|send_?[mM]essage)$/;
const sentToModel = (o: ObjectFact) => o.ctx.startsWith('array:') || (o.ctx.startsWith('arg:') && MODEL_REQUEST.test(o.ctx.slice(4).trim()));

/**
 * What a write puts on disk, judged from the data rather than its name: an object literal built for
 * the call (inline, or in a variable the call passes), or one built by a method of the same class or
 * file that the writing function calls just before (`data = self.get_trajectory_data()`), holding
 * the messages array or being a message. Returns the object, with the function it was built in.
 */
export function transcriptPayload(ctx: RuleContext, c: Located<CallFact>): Located<ObjectFact> | undefined {
  // Asked by classify() and again by composedRecord() inside sorts: computed once per call.
  const seen = ctx.memo('persist:transcript-payload', () => new Map<CallFact, Located<ObjectFact> | undefined>());
  if (seen.has(c)) return seen.get(c);
  const payload = findTranscriptPayload(ctx, c);
  seen.set(c, payload);
  return payload;
}

function findTranscriptPayload(ctx: RuleContext, c: Located<CallFact>): Located<ObjectFact> | undefined {
  const ids = new Set(c.args.flatMap((a) => a.match(/[A-Za-z_$][\w$]*/g) ?? []));
  const argText = c.args.join(' ');
  const lists = messageLists(ctx, c.file);
  for (const o of objectsIn(ctx, c.file, c.fn)) {
    // Built inside this call's arguments: its keys appear in the argument text (args are clipped, so the first few).
    // Or passed to a builder chained on it: `db.insert(rows).values({ … })`.
    const inline =
      o.line >= c.line &&
      o.line <= c.line + 12 &&
      o.ctx.startsWith('arg:') &&
      (o.keys.slice(0, 3).every((k) => argText.includes(k.replace(/^\.\.\./, ''))) || o.ctx.replace(/\s+/g, '').startsWith(`arg:${c.callee.replace(/\s+/g, '')}(`));
    const passed = o.ctx.startsWith('var:') && ids.has(o.ctx.slice(4)) && o.line <= c.line;
    if ((inline || passed) && isTranscriptShape(o, lists)) return o;
  }
  for (const d of ctx.callsIn(c.file, c.fn)) {
    if (d.line > c.line || d.line < c.line - 10 || d === c) continue;
    const def = resolveLocal(ctx, c.file, c.fn, d.callee);
    if (!def || def.name === c.fn) continue;
    // A record it builds, not the request it sends to the model (`client.messages.create(messages=[{"role": …}])`).
    // Nor the request it hands to a function of its own that reaches the model (`getCompletion({ messages: [...] })`).
    const o = objectsIn(ctx, def.file, def.name).find((x) => isTranscriptShape(x, lists) && !sentToModel(x) && !(x.ctx.startsWith('arg:') && modelFunctionNames(ctx).has(shortName(x.ctx.slice(4).trim()))));
    if (o) return o;
  }
  return undefined;
}

const OTHER_STATE = new Set(['storage', 'browser', 'cookie', 'cookies', 'page', 'window', 'ui', 'view', 'webview', 'editor', 'widget', 'component', 'vscode']);
/** Words naming an authorization flow: whatever it calls state is a credential (see subjectOf). */
const AUTH_FLOW = new Set(['oauth', 'auth', 'authorization', 'authorize', 'pkce']);
/**
 * Words that, just before `history`, leave it the conversation's history: none (`history`), the
 * conversation's own nouns (`chatHistory`, `messageHistory`), a verb or receiver (`saveHistory`,
 * `this.history`). Any other noun names another history (`PaymentHistory`, `shellHistory`).
 */
const CONVERSATION_HISTORY = new Set(['chat', 'chats', 'conversation', 'conversations', 'message', 'messages', 'msg', 'msgs', 'agent', 'llm', 'model', 'session', 'api', 'turn', 'turns', 'dialog', 'thread', 'task', 'full', 'raw', 'the', 'this', 'self', 'get', 'save', 'load', 'write', 'append', 'read', 'store', 'add', 'update', 'set', 'clear', 'to', 'from', 'persist', 'restore', 'export', 'import', 'with', 'and', 'new', 'init', 'm', 'my', 'claude', 'assistant']);
const OTHER_HISTORY = new Set(['browser', 'shell', 'bash', 'terminal', 'command', 'commands', 'cmd', 'input', 'search', 'undo', 'redo', 'nav', 'navigation', 'readline', 'url', 'edit', 'edits', 'clipboard', 'prompt', 'prompts']);

/** A class, function or module that keeps the user's typed inputs for recall: `PromptHistory`, `HistorySuggester`, `addToInputHistory`, `input_history.py`. */
export function inputHistory(fn: string, file: string): boolean {
  // The class, the function itself (`addToInputHistory`, `loadPromptHistory`) and the module.
  const owner = `${classOf(fn)} ${fn.slice(fn.lastIndexOf('.') + 1)} ${file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')}`;
  const ws = words(owner);
  if (ws.some((w, i) => w === 'history' && (OTHER_HISTORY.has(ws[i - 1]) || /^(?:suggest|complet)/.test(ws[i + 1] ?? '')))) return true;
  // A history function in a module about the input prompt (`prompt.py`'s `_load_history_entries`): the typed inputs.
  const mod = words(file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, ''));
  return mod.length === 1 && /^(?:prompt|input|readline)$/.test(mod[0]) && !fn.includes('.') && words(fn).includes('history');
}

/** A path named for another history (`PROMPT_HISTORY_PATH`, `shell_history_file`): the typed inputs, not the conversation. */
const namesOtherHistory = (pathArg: string): boolean => {
  const ws = words(pathArg);
  return ws.some((w, i) => w === 'history' && OTHER_HISTORY.has(ws[i - 1]));
};

/** Words naming the record of executed tool calls: `tool_calls`, `toolResults`, `tool_executions`. */
export const isToolRecord = (ws: readonly string[]): boolean => ws.some((w, i) => w === 'tool' && /^(?:calls?|results|executions?|invocations?)$/.test(ws[i + 1] ?? ''));

/** The text names a check for a newer version of the tool: `checkForUpdates`, `update_check`, `version-check`, `check-updates.ts`. */
const updateCheck = (text: string): boolean => {
  const ws = words(text);
  return ws.some((w, i) => /^(?:check|checks|checker|checking)$/.test(w) && (/^updates?$/.test(ws[i + 1] ?? '') || (i > 0 && /^(?:updates?|version)$/.test(ws[i - 1]))));
};

/** The text names the session only as a trajectory. */
const trajectoryOnly = (text: string): boolean => {
  const ws = words(text);
  return ws.some((w) => TRAJECTORY.has(w)) && subjectOf(ws.filter((w) => !TRAJECTORY.has(w)).join(' ')) !== 'session';
};

/** Words naming the browser's or a UI's state: `storage_state`, `BROWSER_STATE_FILE`, `pageState`. */
const namesOtherState = (ws: readonly string[]): boolean => ws.some((w, i) => (w === 'state' || w === 'states') && OTHER_STATE.has(ws[i - 1]));

function subjectOf(text: string): Subject {
  const ws = words(text);
  // `BashSession`, `ClientSession`, `db_session` name another kind of session.
  // `browser-history`, `shellHistory`, `input_history` are histories of something other than the conversation.
  if (ws.some((w, i) => SESSION.has(w) && !((w === 'session' || w === 'sessions') && OTHER_SESSION.has(ws[i - 1])) && !(w === 'history' && i > 0 && !CONVERSATION_HISTORY.has(ws[i - 1])))) return 'session';
  // `storage_state`, `browserState`, `pageState`: the browser's or a UI's state, not the agent's.
  // `channel_oauth_states`, `stateKey` in `BrowserOAuthClientProvider`, `_save_auth_state`: an authorization flow's
  // state (the OAuth `state` nonce, the tokens it yields) is a credential, not the agent's workflow.
  const otherState = namesOtherState(ws) || ws.some((w) => AUTH_FLOW.has(w));
  if (ws.some((w) => stateWord(w) && !(otherState && (w === 'state' || w === 'states')))) return 'state';
  // `tool_calls`, `toolResults`, `tool_executions`: the record of executed tool calls is workflow state.
  if (isToolRecord(ws)) return 'state';
  if (ws.some((w) => SETTINGS.has(w))) return 'settings';
  return 'other';
}

/** A file of schema migrations: Alembic's versions, a `migrations/` folder (Django, Drizzle, Knex, Prisma). */
const MIGRATION_FILE = /(?:^|\/)(?:alembic\/versions|migrations?)\//;

const MIGRATION_FN = /^_*migrat(?:e|es|ion|ions)(?:_|[A-Z]|$)/;
const migrationOp = (o: PersistOp): boolean => MIGRATION_FILE.test(o.call.file) || MIGRATION_FN.test(shortName(o.call.fn));

/** Every persistence operation in harness source, classified. */
export function persistOps(ctx: RuleContext): PersistOp[] {
  return persistScan(ctx).ops;
}

/** One pass over every call: the persistence operations, and the first framework saver. */
function persistScan(ctx: RuleContext): { ops: PersistOp[]; saver: Located<CallFact> | undefined } {
  return ctx.memo('persist:ops', () => {
    const out: PersistOp[] = [];
    const gate = callsPassing(ctx, 'persist:names', mayPersist);
    let saver: Located<CallFact> | undefined;
    // The calls so named (from the by-name index), tested by identity rather than by their names.
    const named = new Set<CallFact>();
    for (const n of gate.names) for (const c of ctx.callsNamed(n)) named.add(c);
    // Extension storage calls are named `set`/`get`: only those on `chrome.storage`/`browser.storage` join.
    for (const n of ['set', 'get']) for (const c of ctx.callsNamed(n)) if ((c.callee.startsWith('chrome') || c.callee.startsWith('browser')) && EXTENSION_STORAGE.test(c.callee)) named.add(c);
    // So are a SQLite driver's `get`/`all` (`db.all("SELECT … FROM messages WHERE chat_id = ?", id)`): only with a SELECT literal.
    for (const n of ['get', 'all']) for (const c of ctx.callsNamed(n)) if (SQL_SELECT.test(c.args[0] ?? '')) named.add(c);
    const saverNamed = new Set<CallFact>();
    for (const n of SAVER_NAMES) for (const c of ctx.callsNamed(n)) saverNamed.add(c);
    for (const f of ctx.source) {
      // A schema migration (`alembic/versions/…`, `migrations/0042_….py`) reshapes the database once; it saves nothing of a run.
      if (MIGRATION_FILE.test(f.path)) continue;
      // python-dotenv's `set_key(env_file, KEY, value)` rewrites a settings file.
      const dotenv = f.lang === 'py' && f.imports.some((i) => i.from === 'dotenv');
      for (const c of f.calls) {
        // The same pass finds the first framework saver (see frameworkSaver).
        if (!saver && (saverNamed.has(c) || (saverInitial(c.callee.charCodeAt(0)) && SAVER_CALLEE.test(c.callee)))) saver = c as Located<CallFact>;
        // Only a few names can persist, or a `BEGIN` statement under any name.
        if (!named.has(c) && !dotenv && c.callee !== 'os.replace' && !(c.args[0] ?? '').includes('BEGIN')) continue;
        // pathlib's `tmp_path.replace(target)` renames the receiver over its one argument, as `os.replace(tmp, target)` does.
        if (f.lang === 'py' && c.name === 'replace' && pathReplace(c)) {
          const op = classify(ctx, f.path, { ...c, args: [receiverOf(c), c.args[0]] } as Located<CallFact>, 'rename');
          if (op) out.push(op);
          continue;
        }
        const kind = kindOf(c) ?? mongoKind(ctx, c) ?? (dotenv && /^(?:dotenv\.)?(?:set_key|unset_key)$/.test(c.callee) ? 'write' : undefined) ?? openModeBound(ctx, f.path, c as Located<CallFact>);
        if (!kind) continue;
        // A database opened in memory (`sqlite3.connect(":memory:")` in the same function, a search index) keeps nothing.
        if ((kind === 'db-write' || kind === 'db-read' || kind === 'transaction') && inMemoryDb(ctx, f.path, c.fn)) continue;
        const op = classify(ctx, f.path, c as Located<CallFact>, kind);
        if (op) out.push(op);
      }
    }
    const lifted = liftedOps(ctx, out);
    // Two levels: an atomic writer whose temp-file write is itself behind a helper (`safeWriteJson` →
    // `_streamDataToFile`, then rename) becomes a writer once the helper's call is lifted.
    const known = new Set(lifted.map((o) => `${o.call.file}:${o.call.line}:${o.via?.fn}`));
    // Only a wrapper that also renames (the temp file it had the helper write) is lifted again.
    const renames = new Set(out.filter((o) => o.kind === 'rename').map((o) => `${o.call.file}#${o.call.fn}`));
    const wrappers = new Set(lifted.map((o) => `${o.call.file}#${o.call.fn}`).filter((k) => renames.has(k)));
    const second = wrappers.size ? liftedOps(ctx, [...out, ...lifted], wrappers).filter((o) => !known.has(`${o.call.file}:${o.call.line}:${o.via?.fn}`)) : [];
    out.push(...lifted, ...second);
    out.push(...liftedReads(ctx, out));
    out.push(...itemStoreOps(ctx, out));
    out.push(...keyedStoreOps(ctx, out));
    out.push(...ormOps(ctx));
    out.push(...objectStoreOps(ctx, out));
    out.push(...clientStoreOps(ctx));
    // Writes of the passes above (an ORM's staged row, a lifted wrapper call) in a schema or data migration too:
    // a migration file, or a function named for migrating (`migration_webchat_data`, `migrate_v1_sessions`), copies
    // old records once at upgrade; it saves nothing of a run.
    let kept = 0;
    for (const o of out) if (!migrationOp(o)) out[kept++] = o;
    out.length = kept;
    judgeRows(ctx, out);
    judgeMigrations(ctx, out);
    // Strongest evidence first: the path names the session/state, then the function, then the class.
    return { ops: out.sort((a, b) => b.strength - a.strength), saver };
  });
}

/**
 * A field of a record that carries the conversation: the messages (`messages`, `message_stack_json`, `history`,
 * `transcript`, `trajectory`, `turns`), one message's parts (`role`, `content`, `parts`), or a `message` itself;
 * not one that only names it (`conversation_id`, `message_count`, `history_title`).
 */
const ROW_MESSAGE_WORD = /^(?:messages?|history|histories|transcript|conversation|trajectory|turns|role|content|parts|chat)$/;
const ROW_NAMES_ONLY = /^(?:id|ids|count|length|title|name|key|token|tokens|type|index|at|time|ts)$/;
export function rowFieldCarries(field: string): boolean {
  const ws = words(field);
  return ws.some((w, i) => ROW_MESSAGE_WORD.test(w) && !ROW_NAMES_ONLY.test(ws[i + 1] ?? ''));
}

/** The object literal handed to the call itself (`sessions.insertOne({ … })`, `db.insert({ … })`), written within its next six lines. */
export function documentArg(ctx: RuleContext, c: Located<CallFact>): Located<ObjectFact> | undefined {
  const callee = c.callee.replace(/\s+/g, '');
  return ctx.file(c.file)?.objects.find((x) => x.line >= c.line && x.line <= c.line + 6 && x.ctx.startsWith('arg:') && x.ctx.slice(4).replace(/\s+/g, '') === callee) as Located<ObjectFact> | undefined;
}

/**
 * The fields of the record a write stores or a read selects, when the code shows them: the object literal built in
 * the call (`db.insert(t).values({ … })`, `db.select({ credits: t.credits })`, a spread of a helper's literal
 * included) or bound to the name it passes. For a read, a field is also named by the column it reads
 * (`schema.message.credits` → credits). Undefined when no record is seen, or when part of it is opaque (`...value`).
 */
export function rowFields(ctx: RuleContext, c: Located<CallFact>, kind: PersistKind): string[] | undefined {
  const callee = c.callee.replace(/\s+/g, '');
  const ids = new Set(c.args.flatMap((a) => a.match(/[A-Za-z_$][\w$]*/g) ?? []));
  const objs = objectsIn(ctx, c.file, c.fn);
  const rec = objs.find(
    (o) =>
      (o.line >= c.line && o.line <= c.line + 6 && o.ctx.startsWith('arg:') && o.ctx.slice(4).replace(/\s+/g, '').startsWith(callee)) ||
      (o.ctx.startsWith('var:') && ids.has(o.ctx.slice(4)) && o.line <= c.line && o.line >= c.line - 30),
  );
  if (!rec || rec.keys.length === 0) return undefined;
  const out: string[] = [];
  for (const k of rec.keys) {
    if (!k.startsWith('...')) {
      out.push(k);
      // A selected column: `credits: schema.message.credits` reads `credits`.
      const v = rec.values[k] ?? '';
      if (kind === 'db-read' && /^[\w$.]+$/.test(v)) out.push(v.slice(v.lastIndexOf('.') + 1));
      continue;
    }
    // `...clean({ id, request })`: the literal handed to the helper is part of the record; any other spread hides fields.
    const m = /^\.\.\.\s*([\w$.]+)\s*\(\s*\{/.exec(k);
    const inner = m && objs.find((o) => o.ctx === `arg:${m[1]}` && o.line >= rec.line && o.line <= rec.end);
    if (!inner) return undefined;
    out.push(...inner.keys.filter((x) => !x.startsWith('...')));
  }
  return out.length > 0 ? out : undefined;
}

/**
 * A database write or read named the session by its table, path or function (`insert(schema.message)`,
 * `revokeStandardSessions`) whose record's fields are in view and none carries the conversation (a per-call
 * cost row, an auth session's token and expiry) is not the conversation: it is workflow state when its fields
 * say so (cost, usage, metrics), else something else. A transaction whose callback's writes (`tx.update(…)`)
 * are none of them the conversation's takes their subject.
 */
function judgeRows(ctx: RuleContext, ops: PersistOp[]): void {
  for (const o of ops) {
    if (o.subject !== 'session' || o.payload || o.via || o.record || (o.kind !== 'db-write' && o.kind !== 'db-read')) continue;
    // A row of a table whose declared columns are a login's (token, expiry, IP address, user agent) and none the
    // conversation's is an authentication session, whatever the table and its functions are called.
    const table = tableOf(ctx, o.call);
    const columns = table !== undefined ? tableColumns(ctx).get(table) : undefined;
    if (columns && authRecord(columns)) {
      Object.assign(o, { subject: 'other' as Subject, strength: 0, text: `${columns.join(' ')} ${o.call.fn}` });
      continue;
    }
    // A document literal handed to the write whose own keys are a login's (`sessions.insertOne({ sessionId, userId, userAgent,
    // ip, expiresAt, ...rest })`): an authentication session, though spreads hide its other fields.
    const doc = o.kind === 'db-write' ? documentArg(ctx, o.call) : undefined;
    const own = doc?.keys.filter((k) => !k.startsWith('...')) ?? [];
    if (own.length && authRecord(own)) {
      Object.assign(o, { subject: 'other' as Subject, strength: 0, text: `${own.join(' ')} ${o.call.fn}` });
      continue;
    }
    // A relational query's argument is its options (`{ where, orderBy }`, Prisma's `{ data: { … } }`), not the row's fields: the table decides.
    if (QUERY_TABLE.test(o.call.callee) || delegateTable(o.call.callee)) continue;
    // A MongoDB collection's update or find takes a filter first (`updateOne({ _id }, { $set: { messages } })`,
    // `findOne({ _id })`), not the document: the collection decides, as a table does. An insert's argument is the document.
    if (!/^insert/.test(o.call.name) && mongoCollection(ctx, o.call)) continue;
    const fields = rowFields(ctx, o.call, o.kind);
    if (!fields || fields.some(rowFieldCarries)) continue;
    const text = fields.filter((f) => subjectOf(f) !== 'session').join(' ');
    // A row of the messages table (`insert(messages).values({ chatId, query, responseBlocks })`) is a message, whatever its
    // columns are called, unless they say it is a cost or usage record.
    // The table is the statement's mapped class where one is known (`self._upsert_stmt(MessageRow, values, …)` on `messages`).
    const tableName = o.model?.table ?? (/^[\w$.]+$/.test(o.call.args[0] ?? '') ? o.call.args[0] : '');
    if (o.kind === 'db-write' && tableName && subjectOf(text) === 'other' && words(tableName).some((w) => w === 'message' || w === 'messages')) continue;
    const subject: Subject = subjectOf(text) === 'state' ? 'state' : 'other';
    Object.assign(o, { subject, strength: subject === 'other' ? 0 : 2, text: `${text} ${o.call.fn}` });
  }
  for (const t of ops) {
    if (t.kind !== 'transaction' || t.subject !== 'session') continue;
    const param = /^(?:async\s*)?\(?\s*([A-Za-z_$][\w$]*)\s*(?:[:,)]|=>)/.exec(t.call.args[0] ?? '')?.[1];
    if (!param) continue;
    const inner = ops.filter((o) => o.kind === 'db-write' && o.call.file === t.call.file && o.call.fn === t.call.fn && o.call.line > t.call.line && receiverOf(o.call).replace(/\s+/g, '') === param);
    if (inner.length === 0 || inner.some((o) => o.subject === 'session')) continue;
    const subject = inner.some((o) => o.subject === 'state') ? 'state' : 'other';
    Object.assign(t, { subject, strength: subject === 'other' ? 0 : 1 });
  }
}

/** Builders that declare a table and its columns: Drizzle's `sqliteTable('sessions', { id: text('id'), … })`, `pgTable`, `mysqlTable`. */
const TABLE_BUILDERS = ['sqliteTable', 'pgTable', 'mysqlTable'];

/** A table's name as a lookup key: `user_sessions`, `userSessions` and `'user_sessions'` are the same table. */
function tableKey(name: string): string {
  return words(name.replace(/['"`]/g, '')).join('_');
}

/**
 * The columns of each table the repo declares through a table builder, by the table's name and by the name it is
 * bound to (`export const sessions = sqliteTable('sessions', { … })`).
 */
function tableColumns(ctx: RuleContext): Map<string, string[]> {
  return ctx.memo('persist:table-columns', () => {
    const out = new Map<string, string[]>();
    for (const n of TABLE_BUILDERS) {
      for (const c of ctx.callsNamed(n)) {
        if (c.callee !== n || !/^['"`]\w+['"`]$/.test(c.args[0] ?? '')) continue;
        const f = ctx.file(c.file);
        const cols = objectsIn(ctx, c.file, c.fn).filter((o) => o.ctx === `arg:${n}` && o.line >= c.line && o.line <= c.line + 2).sort((a, b) => a.line - b.line)[0];
        if (!f || !cols || cols.keys.length === 0 || cols.keys.some((k) => k.startsWith('...'))) continue;
        const names = [c.args[0], ...(f.binds ?? []).filter((b) => b.line === c.line && b.fn === c.fn && b.value.startsWith(n)).map((b) => b.name)];
        for (const name of names) {
          const k = tableKey(name);
          // Two declarations under one name (two databases) are told apart by nothing here: neither is used.
          if (out.has(k) && out.get(k) !== cols.keys) out.set(k, []);
          else out.set(k, cols.keys);
        }
      }
    }
    return out;
  });
}

/** The declared columns of the table a database call writes (a table builder's declaration), when the repo declares it once. */
export function writtenColumns(ctx: RuleContext, c: Located<CallFact>): string[] | undefined {
  const table = tableOf(ctx, c);
  const cols = table !== undefined ? tableColumns(ctx).get(table) : undefined;
  return cols && cols.length > 0 ? cols : undefined;
}

/**
 * The table a database call writes or reads, as a lookup key: the table handed to it (`db.insert(schema.sessions)`),
 * the one its chain selects from (`db.select().from(schema.sessions)`), or the one its callee names
 * (`db.query.sessions.findFirst`).
 */
export function tableOf(ctx: RuleContext, c: Located<CallFact>): string | undefined {
  const q = QUERY_TABLE.exec(c.callee)?.[1] ?? delegateTable(c.callee);
  if (q) return tableKey(q);
  const callee = c.callee.replace(/\s+/g, '');
  const tableArg = (x: CallFact) => (/^[\w$.]+$/.test(x.args[0] ?? '') ? tableKey(x.args[0].slice(x.args[0].lastIndexOf('.') + 1)) : undefined);
  if (/\.(?:insert|update|delete)$/.test(callee)) return tableArg(c);
  for (const x of ctx.file(c.file)?.calls ?? []) {
    if (x.fn !== c.fn || x.line < c.line || x.line > c.line + 3) continue;
    const xc = x.callee.replace(/\s+/g, '');
    if (xc.startsWith(callee) && /\.(?:from|into)$/.test(xc)) return tableArg(x);
  }
  return undefined;
}

/**
 * A record of a login rather than of a conversation: among its fields at least two of a token (`accessTokenHash`,
 * `refresh_token`), an expiry (`expiresAt`), the client (`ipAddress`, `userAgent`) and a revocation (`isRevoked`),
 * and none that carries the messages. Token counts (`total_tokens`, `token_count`) are usage, not a credential.
 */
function authRecord(fields: readonly string[]): boolean {
  if (fields.some(rowFieldCarries)) return false;
  const kinds = new Set<string>();
  for (const f of fields) {
    const ws = words(f);
    if (ws.some((w, i) => (w === 'token' && !/^(?:count|counts|usage|used|limit|limits|total)$/.test(ws[i + 1] ?? '') && !/^(?:input|output|prompt|completion|total|max)$/.test(ws[i - 1] ?? '')) || w === 'jwt' || w === 'csrf')) kinds.add('token');
    if (ws.some((w) => /^(?:expires?|expiry|expiration)$/.test(w))) kinds.add('expiry');
    if (ws.some((w, i) => w === 'ip' || (w === 'user' && ws[i + 1] === 'agent'))) kinds.add('client');
    if (ws.some((w) => /^(?:revoked?|revocation)$/.test(w))) kinds.add('revoked');
  }
  return kinds.size >= 2;
}

/** A statement that creates a table: `CREATE TABLE IF NOT EXISTS messages_new (…)`. */
const SQL_CREATE = /^['"`]\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?["`\[]?(\w+)/i;

/**
 * A schema migration copies rows from one table into another: the function creates a table, inserts into that table,
 * and selects from a different one (`SELECT … FROM messages` → `CREATE TABLE messages_new` → `INSERT INTO
 * messages_new`). Its reads and writes run once, when the schema changes: they neither save nor load the session.
 */
function judgeMigrations(ctx: RuleContext, ops: PersistOp[]): void {
  const fns = new Set<string>();
  for (const o of ops) if (o.kind === 'db-write' && /^['"`]\s*INSERT\b/i.test(o.call.args[0] ?? '')) fns.add(`${o.call.file}#${o.call.fn}`);
  for (const key of fns) {
    const hash = key.indexOf('#');
    const calls = ctx.callsIn(key.slice(0, hash), key.slice(hash + 1));
    const created = new Set<string>();
    for (const c of calls) {
      const m = SQL_CREATE.exec(c.args[0] ?? '');
      if (m) created.add(m[1].toLowerCase());
    }
    if (created.size === 0) continue;
    const tables = (re: RegExp) => calls.filter((c) => re.test(c.args[0] ?? '')).map((c) => SQL_TABLE.exec(c.args[0])?.[1]?.toLowerCase()).filter((t): t is string => !!t);
    const into = tables(/^['"`]\s*INSERT\b/i);
    const from = tables(/^['"`]\s*SELECT\b/i);
    if (!into.some((t) => created.has(t)) || !from.some((t) => !created.has(t))) continue;
    for (const o of ops) {
      if (`${o.call.file}#${o.call.fn}` !== key || (o.kind !== 'db-write' && o.kind !== 'db-read' && o.kind !== 'transaction')) continue;
      Object.assign(o, { subject: 'other', strength: 0, text: `schema migration in ${o.call.fn}` });
    }
  }
}

/**
 * IndexedDB writes and reads: `const store = tx.objectStore('chats'); store.put({ id, messages })` writes a record of
 * the named object store, `store.get(id)` / `store.getAll()` (or through `store.index('urlId')`) reads one. Judged
 * by the object store's name and what is put, as a database table and its row.
 */
function objectStoreOps(ctx: RuleContext, base: PersistOp[]): PersistOp[] {
  const files = new Set(ctx.callsNamed('objectStore').map((c) => c.file));
  if (files.size === 0) return [];
  const known = new Set(base.map((o) => `${o.call.file}:${o.call.line}:${o.call.callee}`));
  const out: PersistOp[] = [];
  for (const p of files) {
    const f = ctx.file(p);
    if (!f) continue;
    // Names bound to an object store (or to an index of one), with the store's name, per function.
    const stores: { name: string; fn: string; line: number; store: string }[] = [];
    for (const b of f.binds ?? []) {
      const m = /\.objectStore\(\s*([^)]*?)\s*\)$/.exec(b.value);
      if (m) stores.push({ name: b.name, fn: b.fn, line: b.line, store: m[1] });
    }
    for (const b of f.binds ?? []) {
      const m = /^([\w$]+)\.index\(/.exec(b.value);
      const s = m && stores.find((x) => x.name === m[1] && x.fn === b.fn && x.line <= b.line);
      if (s) stores.push({ name: b.name, fn: b.fn, line: b.line, store: s.store });
    }
    if (stores.length === 0) continue;
    for (const c of f.calls) {
      const kind: PersistKind | undefined = c.name === 'put' || c.name === 'add' ? 'db-write' : c.name === 'get' || c.name === 'getAll' || c.name === 'openCursor' ? 'db-read' : undefined;
      if (!kind || known.has(`${p}:${c.line}:${c.callee}`)) continue;
      const recv = receiverOf(c);
      let s: (typeof stores)[number] | undefined;
      for (const x of stores) if (x.name === recv && x.fn === c.fn && x.line <= c.line && (!s || x.line > s.line)) s = x;
      if (!s) continue;
      const op = classify(ctx, p, { ...c, args: [s.store, ...c.args], file: p } as Located<CallFact>, kind);
      if (op) out.push(op);
    }
  }
  return out;
}

/** A call that opens a database session by its name: `self._session()`, `get_db_session()`, `SessionLocal()`, `AsyncSession(engine)`, `self.session_factory()`. */
const SESSION_OPENER = /^(?:await\s+)?(?:(?:self|cls)\.)?(?:\w+\.)*_?(?:(?:get|new|create|open|make)_?)?(?:(?:async|db|sql|orm)_?)*session(?:_?(?:factory|maker|local|scope))?\(/i;
/** An HTTP client's session, which is no database session. */
const HTTP_SESSION = /\b(?:requests|aiohttp|httpx|boto3?|botocore|urllib3)\.|ClientSession/;
/** A Python ORM session (SQLAlchemy, SQLModel): `session`, `self.current_session`, `db.session`, `async_session`. */
const ORM_SESSION = /^(?:(?:self|cls)\.)?(?:\w+\.)*(?:\w*_)?session$/i;
/** Query builders that name the mapped class read: `select(ProjectState)`, `sa.select(Message)`. */
const ORM_SELECT = /^(?:\w+\.)?select\s*\(\s*([A-Z]\w*)/;

interface OrmModel {
  table: string;
  columns: string[];
  /** Each row is one message: a `role` column and a text column. */
  message?: boolean;
  file: string;
  line: number;
}

/**
 * The mapped classes of a Python ORM (a class body declaring `__tablename__`, or a SQLModel with `table=True`),
 * by class name: the table each keeps its rows in and its columns. Empty when no source file imports an ORM.
 */
function ormModels(ctx: RuleContext): Map<string, OrmModel> {
  return ctx.memo('persist:orm-models', () => {
    const out = new Map<string, OrmModel>();
    if (!ctx.source.some((f) => f.lang === 'py' && f.imports.some((i) => /^(?:sqlalchemy|sqlmodel)(?:\.|$)/.test(i.from)))) return out;
    for (const f of ctx.source) {
      if (f.lang !== 'py') continue;
      for (const c of f.classes) {
        const body = f.objects.find((o) => o.ctx === `class:${c.name}`);
        const table = body?.values.__tablename__?.replace(/^['"]|['"]$/g, '');
        // A SQLModel subclass: only table models can be staged or selected through a session, which is all this map is asked about
        // (the class's `table=True` keyword is not among the bases the analyzer keeps).
        if (table || c.extends === 'SQLModel' || c.extends === 'sqlmodel.SQLModel') {
          const columns = c.members.filter((m) => !m.startsWith('_'));
          // One message per row: a `role` column beside the text it says who wrote (`content`, or any column of SQL
          // type Text: `feed = Column(Text)`), whatever the table is called.
          const message = columns.includes('role') && columns.some((k) => k !== 'role' && (MESSAGE_TEXT_COLUMN.test(k) || /\bText\b/.test(body?.values[k] ?? '')));
          out.set(c.name, { table: table ?? c.name, columns, file: f.path, line: c.line, ...(message ? { message } : {}) });
        }
      }
    }
    return out;
  });
}

/**
 * What a row of the model holds, for judging its subject: the transcript when a column keeps the messages, else the
 * table's name without the words that only name the container (`jira_conversations`, `conversation_work` link or
 * describe a conversation, they do not hold its messages).
 */
/** A column that keeps the message list under a compound name: `message_stack_json`, `chat_history`, `llm_messages`. */
const MESSAGES_COLUMN = /(?:^|_)(?:messages|history|transcript|trajectory|message_(?:stack|list|log|history))(?:_(?:json|data|list))?$/;
const MESSAGE_TEXT_COLUMN = /^(?:content|text|body|message|parts)$/;
/**
 * An event log of the conversation: a table named for events, each row keyed by the session it belongs to
 * (`session_id`, `conversation_id`, `thread_id`) with the event's payload or content. Event-sourced session stores keep
 * the transcript this way (ADK's `events` table, OpenHands' event stream): one row per user message, tool call and reply.
 */
const SESSION_KEY_COLUMN = /^(?:session|conversation|thread|chat)_?id$/i;
const EVENT_BODY_COLUMN = /^(?:(?:event_?)?(?:payload|data|content|body)|content|actions)$/i;
const sessionEvents = (m: OrmModel) => words(m.table).some((w) => w === 'event' || w === 'events') && m.columns.some((k) => SESSION_KEY_COLUMN.test(k)) && m.columns.some((k) => EVENT_BODY_COLUMN.test(k));
const modelText = (m: OrmModel) => (m.message || m.columns.some((k) => TRANSCRIPT_KEY.test(k) || MESSAGES_COLUMN.test(words(k).join('_'))) ? `${m.table} messages` : sessionEvents(m) ? `${m.table} session events` : ormName(m.table));
const CONTAINER = new Set(['session', 'sessions', 'conversation', 'conversations', 'chat', 'chats', 'thread', 'threads', 'dialog']);
const ormName = (text: string) => words(text).filter((w) => !CONTAINER.has(w)).join('_');

/** A helper of the harness that builds an insert or update statement for a mapped class: `self._upsert_stmt(MessageRow, …)`, `build_insert(Event, rows)`. */
const STMT_HELPER = /^(?:await\s+)?(?:[\w.]+\.)?(\w*(?:insert|upsert|update)\w*)\s*\(\s*([A-Z]\w*)\s*[,)]/i;
/**
 * SQLAlchemy Core's insert and update statements, built on a mapped class and run with `execute`: bare or from the
 * module they are imported from (`insert(M)`, `sa.update(M)`, `pg_insert(M)` for `postgresql.insert`, `sqlite_insert(M)`).
 */
const DML_BUILDERS = ['insert', 'update', 'pg_insert', 'sqlite_insert', 'mysql_insert', 'postgres_insert', 'upsert'];
const DML_CALLEE = /^(?:(?:sa|sqlalchemy|postgresql|sqlite|mysql|dialects\.\w+|sqlalchemy\.dialects\.\w+)\.)?\w+$/;
/** Class methods an ORM base gives its mapped classes for inserting rows. */
const ACTIVE_RECORD_CREATE = ['create', 'create_async', 'batch_create', 'batch_create_async', 'bulk_create', 'acreate', 'abulk_create'];

/**
 * Writes and reads through a Python ORM session: `session.add(obj)` stages a row of a mapped class (judged by the
 * class's table and columns: `obj = LLMRequest(messages=…)` keeps the messages), `session.commit()` /
 * `session.begin()` is a transaction, and `session.execute(select(Model)…)`, `session.get(Model, id)`,
 * `session.query(Model)` read rows of that class. Only in repos that import SQLAlchemy or SQLModel.
 */
function ormOps(ctx: RuleContext): PersistOp[] {
  const models = ormModels(ctx);
  if (models.size === 0) return [];
  const out: PersistOp[] = [];
  // The mapped class an expression names: `Model(…)`, `cls(…)` in a method of a mapped class, or a local bound to either.
  // With the constructor as written, whose keyword arguments are the row's values.
  const modelOf = (file: string, c: Located<CallFact>, expr: string): { model: OrmModel; ctor?: string } | undefined => {
    const own = classOf(c.fn);
    const ofCall = (e: string) => {
      const m = /^(\w+)\s*\(/.exec(e.trim());
      const model = m ? models.get(m[1] === 'cls' ? shortName(own) : m[1]) : undefined;
      return model && { model, ctor: m![1] };
    };
    const bare = models.get(expr.trim());
    // An alternate constructor on the mapped class (`StorageEvent.from_event(session, event)`, `Row.from_dict(d)`) builds a row of it too.
    const alt = /^([A-Z]\w*)\.from_\w+\s*\(/.exec(expr.trim());
    const direct = ofCall(expr) ?? (bare && { model: bare }) ?? (alt && models.get(alt[1]) ? { model: models.get(alt[1])! } : undefined);
    if (direct || !/^\w+$/.test(expr.trim())) return direct;
    const v = boundValue(ctx, file, c.fn, expr.trim(), c.line);
    return v ? ofCall(v) : undefined;
  };
  // A session is known by its name (`session`, `db_session`), or, under any name, by what is done with it: in the same
  // function it stages a row of a mapped class (`with get_db() as db: db.add(Event(…))`, `with self.factory() as sf:
  // sf.add(StorageEvent.from_event(…)); sf.commit()`), or it was made by a `sessionmaker` (`db = SessionLocal()` with
  // `SessionLocal = sessionmaker(bind=engine)`, the FastAPI SQL tutorial's `get_db`).
  const sessionIn = new Set<string>();
  for (const n of ['add', 'add_all', 'merge']) {
    for (const c of ctx.callsNamed(n)) {
      const recv = receiverOf(c);
      if (!c.file.endsWith('.py') || ORM_SESSION.test(recv) || !/^\w+$/.test(recv) || !modelOf(c.file, c, c.args[0] ?? '')) continue;
      sessionIn.add(`${c.file}#${c.fn}#${recv}`);
    }
  }
  // A SQLAlchemy Core statement on a mapped class (`pg_insert(CheckpointModel).values(…)`, `update(SessionRow).where(…)`,
  // `sa.insert(Message)`), which the caller then runs with `db.execute(stmt)`: the statement names the table it writes,
  // and what runs it in the same function is a session, under any name (`with self._factory() as db:`).
  // The mapped class a name stands for in a file, also when imported under another name (`import Message as MessageModel`).
  const mappedClass = (file: string, name: string): OrmModel | undefined => {
    const original = ctx.file(file)?.imports.find((i) => i.as && name in i.as)?.as?.[name];
    return models.get(name) ?? (original ? models.get(original) : undefined);
  };
  // A write of rows of a mapped class's table, judged by what the table holds.
  const tableWrite = (c: Located<CallFact>, model: OrmModel): PersistOp => {
    const text = modelText(model);
    const subject = subjectOf(text);
    return { call: c, kind: 'db-write', subject, strength: subject === 'other' ? 0 : 3, text, model: { file: model.file, line: model.line, table: model.table } };
  };
  const dml: PersistOp[] = [];
  for (const n of DML_BUILDERS) {
    for (const c of ctx.callsNamed(n)) {
      if (!c.file.endsWith('.py') || !DML_CALLEE.test(c.callee)) continue;
      const model = mappedClass(c.file, (c.args[0] ?? '').trim());
      if (!model) continue;
      dml.push(tableWrite(c, model));
      for (const x of ctx.callsIn(c.file, c.fn)) {
        const recv = receiverOf(x);
        if (x.name === 'execute' && /^\w+$/.test(recv)) sessionIn.add(`${c.file}#${c.fn}#${recv}`);
      }
    }
  }
  const makers = new Set<string>();
  const isSession = (c: Located<CallFact>) => {
    const recv = receiverOf(c);
    if (ORM_SESSION.test(recv) || sessionIn.has(`${c.file}#${c.fn}#${recv}`)) return true;
    if (!/^\w+$/.test(recv)) return false;
    const bound = boundValue(ctx, c.file, c.fn, recv, c.line) ?? '';
    // Opened by a session-named opener: `async with self._session() as sess:`, `with get_db_session() as db:`,
    // `with Session(engine) as s:` (not an HTTP client's session: `aiohttp.ClientSession()`, `requests.Session()`).
    if (SESSION_OPENER.test(bound) && !HTTP_SESSION.test(bound)) return true;
    const v = /^(\w+)\(\)$/.exec(bound)?.[1];
    if (!v) return false;
    const key = `${c.file}#${v}`;
    if (!makers.has(key) && /^(?:\w+\.)?(?:async_)?sessionmaker\(/.test(boundValue(ctx, c.file, '<top>', v, Infinity) ?? '')) makers.add(key);
    return makers.has(key);
  };
  for (const n of ['add', 'add_all', 'merge', 'commit', 'begin', 'execute', 'scalars', 'scalar', 'get', 'query']) {
    for (const c of ctx.callsNamed(n)) {
      if (!c.file.endsWith('.py') || !isSession(c)) continue;
      let kind: PersistKind;
      let subjectText = '';
      let payload: Located<ObjectFact> | undefined;
      let model: OrmModel | undefined;
      if (n === 'commit' || n === 'begin') kind = 'transaction';
      else if (n === 'add' || n === 'add_all' || n === 'merge') {
        kind = 'db-write';
        const m = modelOf(c.file, c, c.args[0] ?? '');
        model = m?.model;
        subjectText = m ? modelText(m.model) : ormName(c.args[0] ?? '') || 'row';
        // The row built with the messages (`cls(messages=request_log.messages, …)`): what is written is the conversation.
        payload = m?.ctor ? objectsIn(ctx, c.file, c.fn).find((o) => o.ctx === `arg:${m.ctor}` && o.line <= c.line && isTranscriptShape(o)) : undefined;
      } else {
        // A read names its mapped class: `execute(select(M)…)`, `get(M, id)`, `query(M)`; other calls on a session are not reads of a row.
        const a = c.args[0] ?? '';
        // A statement built by the harness's own helper on a mapped class and run on the session
        // (`await sess.execute(self._upsert_stmt(MessageRow, values, …))`, `stmt = build_insert(Event, rows)`): a write of its table.
        const stmt = n === 'execute' && /^\w+$/.test(a.trim()) ? boundValue(ctx, c.file, c.fn, a.trim(), c.line) ?? a : a;
        const helper = n === 'execute' ? STMT_HELPER.exec(stmt.trim()) : null;
        const written = helper && !DML_BUILDERS.includes(helper[1]) ? mappedClass(c.file, helper[2]) : undefined;
        if (written) {
          out.push(tableWrite(c, written));
          continue;
        }
        const m = models.get(ORM_SELECT.exec(a)?.[1] ?? (n === 'get' || n === 'query' ? a.trim() : ''));
        if (!m) continue;
        model = m;
        kind = 'db-read';
        subjectText = modelText(m);
      }
      // A row is judged by what it holds (its mapped class, the messages it is built with), not by the function
      // staging it (`create_conversation` adds a link row, not the conversation's messages).
      const subject: Subject = payload ? 'session' : subjectText ? subjectOf(subjectText) : 'other';
      const op = subjectText ? { call: c, kind, subject, strength: subject === 'other' ? 0 : 3, text: subjectText } : classify(ctx, c.file, c, kind);
      if (op) out.push({ ...op, ...(payload ? { payload } : {}), ...(model ? { model: { file: model.file, line: model.line, table: model.table } } : {}) });
    }
  }
  // An active-record create on a mapped class (`await MessageModel.batch_create_async(rows, session)`, `Step.create(...)`):
  // the method the class has from its ORM base stages rows of the class's own table. The class may be imported under
  // another name (`from app.orm.message import Message as MessageModel`).
  for (const n of ACTIVE_RECORD_CREATE) {
    for (const c of ctx.callsNamed(n)) {
      if (!c.file.endsWith('.py')) continue;
      const recv = receiverOf(c);
      if (!/^[A-Z]\w*$/.test(recv)) continue;
      const model = mappedClass(c.file, recv);
      if (model) out.push(tableWrite(c, model));
    }
  }
  // An active-record save of a row built from a mapped class (`await AgentRun(run_id=…, goal=goal).save(self.session)`,
  // `msg = Message(…); msg.save(db)`), through a `save` its ORM base defines: stages one row of the class's table.
  for (const n of ['save', 'asave']) {
    for (const c of ctx.callsNamed(n)) {
      if (!c.file.endsWith('.py')) continue;
      const m = modelOf(c.file, c, receiverOf(c));
      if (m) out.push(tableWrite(c, m.model));
    }
  }
  out.push(...dml);
  // A commit writes the rows staged in the session (the unit of work). Where the committing function stages rows
  // itself (`session.add(feed); session.commit()`), it commits those: the conversation's where it stages message rows,
  // the workflow state's where it stages state rows, something else where it stages only other rows (a schedule, a
  // user), so a repo's message rows do not make every commit in it the session's. A commit in a function that stages
  // nothing but loads rows (`step = session.query(Step)…; step.next_steps = …; session.commit()`) commits its changes
  // to those rows. One that neither stages nor loads (`save_step()` after rows were added by other methods on the same
  // session) commits what the repo stages: the conversation's rows when it stages them through the ORM, else the
  // workflow state's.
  const staged = (s: Subject) => out.some((o) => o.kind === 'db-write' && o.subject === s);
  const repoUnit: Subject | undefined = staged('session') ? 'session' : staged('state') ? 'state' : undefined;
  const rowsIn = (kind: PersistKind) => {
    const m = new Map<string, Set<Subject>>();
    for (const o of out) {
      if (o.kind !== kind) continue;
      const key = `${o.call.file}#${o.call.fn}`;
      let s = m.get(key);
      if (!s) m.set(key, (s = new Set()));
      s.add(o.subject);
    }
    return m;
  };
  const stagedIn = rowsIn('db-write');
  const loadedIn = rowsIn('db-read');
  return out.map((o) => {
    if (o.kind !== 'transaction') return o;
    const key = `${o.call.file}#${o.call.fn}`;
    const s = stagedIn.get(key) ?? loadedIn.get(key);
    if (!s) return repoUnit && o.subject !== repoUnit ? { ...o, subject: repoUnit, strength: Math.max(o.strength, 1) } : o;
    const unit: Subject = s.has('session') ? 'session' : s.has('state') ? 'state' : s.has('settings') ? 'settings' : 'other';
    return o.subject === unit ? o : { ...o, subject: unit, strength: unit === 'other' ? 0 : Math.max(o.strength, 1) };
  });
}

/**
 * Writes through a file-backed key-value store: a class whose `__setitem__` writes a file (`full_path.write_text(val)`)
 * makes each `store[key] = value` on an instance of it a write, judged by the key and the value (`dbs.logs[step] =
 * json.dumps(messages)` saves the messages). An instance is known by a name bound to the class's construction
 * (`logs = DB(path)`, `DBs(logs=DB(path))`), matched with the last member of the indexed object.
 */
function itemStoreOps(ctx: RuleContext, base: PersistOp[]): PersistOp[] {
  const setters = new Map<string, PersistOp[]>();
  for (const o of base) {
    if (o.via || (o.kind !== 'write' && o.kind !== 'append') || shortName(o.call.fn) !== '__setitem__' || !o.call.fn.includes('.')) continue;
    const cls = o.call.fn.slice(0, o.call.fn.lastIndexOf('.'));
    const l = setters.get(cls);
    if (l) l.push(o);
    else setters.set(cls, [o]);
  }
  if (setters.size === 0) return [];
  const out: PersistOp[] = [];
  for (const [cls, list] of setters) {
    const short = cls.slice(cls.lastIndexOf('.') + 1);
    const made = new RegExp(`^(?:[\\w.]+\\.)?${short}\\s*\\(`);
    // Names holding an instance: bindings and keyword arguments whose value constructs the class.
    const holders = new Set<string>();
    for (const f of ctx.source) {
      if (f.lang !== 'py') continue;
      for (const b of f.binds ?? []) if (made.test(b.value)) holders.add(b.name);
      for (const o of f.objects) if (o.ctx.startsWith('arg:')) for (const k of o.keys) if (made.test(o.values[k] ?? '')) holders.add(k);
    }
    if (holders.size === 0) continue;
    const def = ctx.functionsNamed(`${cls}.__setitem__`).find((d) => d.file === list[0].call.file) ?? ctx.functionsNamed('__setitem__').find((d) => d.file === list[0].call.file && d.name === `${cls}.__setitem__`);
    const via = { fn: `${cls}.__setitem__`, file: list[0].call.file, line: def?.line ?? list[0].call.line, atomic: isAtomicGroup(base.filter((o) => o.call.file === list[0].call.file && o.call.fn === list[0].call.fn)) };
    const kind: PersistKind = list.some((o) => o.kind === 'append') ? 'append' : 'write';
    for (const f of ctx.source) {
      for (const s of f.itemSets ?? []) {
        const last = s.target.slice(s.target.lastIndexOf('.') + 1);
        if (!holders.has(last) || s.fn === via.fn) continue;
        // The store's name says what it holds (`progress["done"]`, `dbs.memory["spec"]`): the path is the store and the key.
        // A store that names nothing of the kind (`dbs.logs[step.__name__]`) leaves it to the key and the value written.
        const path = subjectOf(`${s.target} ${s.key}`) !== 'other' ? `${s.target}[${s.key}]` : s.key;
        const call = { callee: `${s.target}.__setitem__`, name: '__setitem__', line: s.line, fn: s.fn, args: [path, s.value], cond: false, optional: false, inCatch: false, file: f.path } as unknown as Located<CallFact>;
        const op = classify(ctx, f.path, call, kind, via);
        if (op) out.push(op);
      }
    }
  }
  return out;
}

/**
 * Key-value stores made by a factory: a function taking the key (`createStorage(key, fallback)`) whose own code, or a
 * closure inside it, writes under that key (`chrome.storage.local.set({ [key]: value })`, `localStorage.setItem(key, …)`).
 * Each call of the factory is a store of its own, judged by the key it passes (`createStorage(getSessionMessagesKey(id))`
 * keeps the session's messages). Factories matched by name only when the name is defined at most three times.
 */
function keyedStoreOps(ctx: RuleContext, base: PersistOp[]): PersistOp[] {
  const out: PersistOp[] = [];
  const done = new Set<string>();
  for (const o of base) {
    if (o.kind !== 'db-write' || o.via || o.strength === 3 && o.subject !== 'settings') continue;
    const ids = new Set(o.call.args.slice(0, 1).flatMap((a) => a.match(/[A-Za-z_$][\w$]*/g) ?? []));
    if (ids.size === 0) continue;
    // The innermost function holding the write that takes one of the key's names as a parameter.
    const defs = (ctx.file(o.call.file)?.functions ?? []).filter((d) => d.line <= o.call.line && o.call.line <= d.end && d.params.some((p) => ids.has(p.replace(/[?:=\s].*$/s, ''))));
    const def = defs.sort((a, b) => a.end - a.line - (b.end - b.line))[0];
    if (!def) continue;
    const key = `${o.call.file}#${def.name}`;
    const short = shortName(def.name);
    if (done.has(key) || !short || short.startsWith('<') || GENERIC.has(short) || ctx.functionsNamed(short).length > 3) continue;
    // The key the write names is the factory's parameter (`{ [key]: value }` reads as a settings key): what it holds is decided by each caller.
    const param = def.params.map((p) => p.replace(/[?:=\s].*$/s, '')).find((p) => ids.has(p))!;
    if (!namesNothing(param) && !/^(?:storage_?)?keys?$|^storageKey$/i.test(param)) continue;
    done.add(key);
    for (const x of base) if (x.call.file === o.call.file && x.call.fn === o.call.fn && (x.kind === 'db-write' || x.kind === 'db-read')) Object.assign(x, { subject: 'other', strength: 0 });
    const via = { fn: def.name, file: o.call.file, line: def.line, atomic: false };
    for (const c of ctx.callsNamed(short)) {
      if (c.file === o.call.file && c.fn === def.name) continue;
      if (!ownMethodCall(ctx, c, def.name)) continue;
      const op = classify(ctx, c.file, c, 'db-write', via);
      if (!op) continue;
      // Where the store is written: `.set(…)` on a name bound to this store, or to what the helper making it returns
      // (`const messagesStorage = getSessionMessagesStorage(id); await messagesStorage.set(prev => [...prev, m])`).
      const sets = storeSets(ctx, c);
      if (sets.length === 0) out.push(op);
      for (const k of sets) out.push({ ...op, call: k });
    }
  }
  return out;
}

/** `.set(…)` calls on names bound to a store made by `made` (the factory call), directly or through the helper holding it. */
function storeSets(ctx: RuleContext, made: Located<CallFact>): Located<CallFact>[] {
  const names = new Map<string, Set<string>>();
  const bindOf = (file: string, line: number) => ctx.file(file)?.binds?.find((b) => b.line === line);
  const own = bindOf(made.file, made.line);
  // `const threadStore = (id) => makeStore(…)` binds a helper that makes the store, not the store.
  const arrow = !!own && /^(?:async\s*)?(?:\([^)]*\)|[\w$]+)\s*(?::[^=]*)?=>|^(?:async\s+)?function\b|^lambda\b/.test(own.value);
  const direct = arrow ? undefined : own?.name;
  const add = (file: string, name: string) => (names.get(file) ?? names.set(file, new Set()).get(file)!).add(name);
  if (direct) add(made.file, direct);
  const helper = arrow ? own!.name : shortName(made.fn);
  if (!direct && helper && !helper.startsWith('<') && !GENERIC.has(helper) && ctx.functionsNamed(helper).length <= 3) {
    for (const c of ctx.callsNamed(helper)) {
      const b = bindOf(c.file, c.line)?.name;
      if (b) add(c.file, b);
    }
  }
  const out: Located<CallFact>[] = [];
  for (const [file, set] of names) {
    for (const c of ctx.file(file)?.calls ?? []) {
      if (c.name !== 'set' || c.args.length === 0) continue;
      const recv = receiverOf(c).replace(/^this\./, '');
      if (set.has(recv)) out.push(c as Located<CallFact>);
    }
  }
  return out.slice(0, 6);
}

/**
 * `open(path, mode)` with the mode in a local (`mode = 'w' if isinstance(contents, str) else 'wb'`): the kind of the
 * literal it was bound to.
 */
function openModeBound(ctx: RuleContext, file: string, c: Located<CallFact>): PersistKind | undefined {
  if (c.name !== 'open' || c.args.length < 2) return undefined;
  const arg = c.args[1].trim();
  const f = ctx.file(file);
  // A parameter's literal default: `def write(path, mode="a")`, `def __init__(self, file_path, mode: str = "a")`.
  const paramDefault = (fn: string, name: string) => f?.consts.find((k) => k.kind === 'param' && k.fn === fn && k.name === name)?.value;
  let v: string | undefined;
  if (/^[A-Za-z_]\w*$/.test(arg)) v = boundValue(ctx, file, c.fn, arg, c.line) ?? paramDefault(c.fn, arg);
  else {
    // The mode kept on the instance (`open(self.file_path, self.mode)`): what a method of the same class binds
    // `self.mode` to, a literal or the parameter it was given with its default (`self.mode = mode`, `mode: str = "a"`).
    const m = /^self\.([A-Za-z_]\w*)$/.exec(arg);
    const cls = classOf(c.fn);
    if (!m || !cls) return undefined;
    const vals = (f?.binds ?? []).filter((b) => b.name === m[1] && b.fn.startsWith(`${cls}.`)).map((b) => (/^[A-Za-z_]\w*$/.test(b.value) ? paramDefault(b.fn, b.value) : b.value));
    // Every value it is given opens the file the same way; one the class cannot tell (set from elsewhere) leaves it unknown.
    const modes = new Set(vals.map((x) => /^\s*[rbuRBU]*(['"])([rwax])/.exec(x ?? '')?.[2]));
    if (modes.size !== 1 || modes.has(undefined)) return undefined;
    v = `'${[...modes][0]}'`;
  }
  const m = v && /^\s*(['"])([rwax])/.exec(v);
  return m ? kindOf({ ...c, args: [c.args[0], `'${m[2]}'`] }) : undefined;
}

/** The function opens an in-memory database: `sqlite3.connect(":memory:")`, `new Database(':memory:')`. */
function inMemoryDb(ctx: RuleContext, file: string, fn: string): boolean {
  return ctx.callsIn(file, fn).some((d) => /^['"`]:memory:['"`]$/.test(d.args[0] ?? ''));
}

/** The table a SQL statement writes or reads: `INSERT INTO team_runs`, `UPDATE "sessions" SET`, `SELECT … FROM messages`. */
const SQL_TABLE = /^['"`]\s*(?:(?:INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|SELECT\b[^'"`]*?\bFROM)\s+["`\[]?(\w+)/i;

/** A SELECT whose first selected value is an aggregate, or a scalar subquery of one: `SELECT (SELECT COUNT(*) FROM …) + …`. */
const SQL_AGGREGATE = /^['"`]\s*SELECT\s+(?:\(\s*SELECT\s+)?(?:COUNT|MAX|MIN|SUM|AVG|TOTAL|EXISTS|COALESCE\s*\(\s*(?:COUNT|MAX|MIN|SUM|AVG|TOTAL))\s*\(/i;

/** `open` of something other than a file of the run: an image decoder, a browser, an archive reader. */
const NOT_FILE_OPEN = /(?:^|\.)(?:Image|webbrowser|wave|tarfile|zipfile|shelve)\.open$/;

/** An `open` whose mode only appends or writes (`open(path, 'a')`, `open(path, mode="w")`): nothing is read from it. */
const writeOnlyOpen = (d: CallFact): boolean => {
  const k = kindOf(d);
  return (k === 'append' || k === 'write') && !d.args.some((a) => /^(?:mode\s*=\s*)?['"][rwxa]b?\+/.test(a));
};

/** The subject of one write or read: from its path and payload, its function, its class, then its module. */
function classify(ctx: RuleContext, file: string, c: Located<CallFact>, kind: PersistKind, via?: PersistOp['via']): PersistOp | undefined {
  // `json.loads(text)` parses a string: a read only when the text comes from a file (`f.read()` in the
  // argument, or a file opened or read in the same function), not a socket message or a response body.
  // An image or archive decoded in memory (`Image.open(io.BytesIO(data))`) opens no file of the run.
  // A file opened only to append or write (`open(log_path, 'a')` logging the printed message) is not where the text came from.
  if (c.name === 'loads' && !/read|open\(/i.test(c.args[0] ?? '') && !ctx.callsIn(file, c.fn).some((d) => d !== c && ((d.name === 'open' && !NOT_FILE_OPEN.test(d.callee) && !writeOnlyOpen(d)) || d.name === 'read_text' || d.name === 'readFile' || d.name === 'readFileSync' || d.name === 'readlines'))) return undefined;
  // `open(path, "w").close()`: a file created empty (a first-run marker, a lock) holds nothing of the run.
  if (c.name === 'open' && kind === 'write' && ctx.file(file)?.calls.some((d) => d.line === c.line && d.name === 'close' && d.callee.startsWith('open(') && !d.args.length)) return undefined;
  const db = kind === 'db-write' || kind === 'db-read';
  // `Path(p).write_text(data)`: the path is the receiver, the arguments are the data.
  const onPath = (/^(?:write_text|write_bytes|read_text|read_bytes)$/.test(c.name) && c.callee.includes('.')) || !!pathObjectMode(c);
  // `db.query.messages.findMany(…)`: the table is named in the callee, not the arguments.
  const queried = db ? QUERY_TABLE.exec(c.callee)?.[1] ?? delegateTable(c.callee) ?? mongoCollection(ctx, c) ?? builderTable(c.callee) : undefined;
  // A Web Storage key held in a constant (`CURRENT_PROJECT_KEY = 'app-current-project'`) is judged by its value, not
  // by the constant's name (whose `KEY` says it is a storage key, not what the key holds).
  const storageKey = WEB_STORAGE.test(c.callee) && /^[A-Za-z_$][\w$]*$/.test(c.args[0] ?? '') ? webStorageKey(ctx, file, c) : undefined;
  const args = onPath ? [receiverOf(c), ...c.args] : queried ? [queried, ...c.args] : storageKey !== undefined ? [`'${storageKey}'`, ...c.args.slice(1)] : c.args;
  const pathArg = args[0] ?? '';
  // A SQL statement concerns its table (`INSERT INTO team_runs (…, message, …)` writes runs, not messages).
  const table = db ? SQL_TABLE.exec(pathArg)?.[1] : undefined;
  // A query that selects only an aggregate (`SELECT COUNT(*) …`, `SELECT COALESCE(MAX(seq), 0) …`) reads a number
  // about the rows (how many are pending, the next sequence), not the rows: no saved conversation is loaded.
  if (kind === 'db-read' && table && SQL_AGGREGATE.test(pathArg)) return { call: c, kind, subject: 'other', strength: 0, text: `${pathArg} ${c.fn}` };
  // The subject comes from the path and what is written, except for a log file, whose
  // lines mention anything (`appendFileSync(logFilePath, `${time} ${message}`)`).
  // The data written, when read off an object (`st.session_state.custom_system_prompt`, `cfg.session.api_key`), is named
  // by its last member, as a path is: the object it hangs on (a UI's session store, a settings holder) is not what is written.
  const argText = table ?? (db || isLogFile(pathArg) ? pathArg : [pathArg, memberNamed(args[1])].filter((a) => a !== undefined).join(' '));
  const text = `${argText} ${c.fn}`;
  if (NOT_HARNESS.test(text)) return undefined;
  // The path names what the file holds (`'.agent/state.json'`), before the data passed beside it (`{ turns: messages.length }`).
  // A table names what its rows hold (`INSERT INTO tool_calls` inside `appendMessages` writes tool-call records).
  // A path read off an object (`plan.pathCleanup.configFile`) is named by its last member, not by the object it hangs on.
  const lastMember = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/.test(pathArg) ? pathArg.slice(pathArg.lastIndexOf('.') + 1) : undefined;
  const pathName = lastMember && !namesNothing(lastMember) ? lastMember : pathArg;
  // A read of a file the path's own literal names for something else (`join(session.session_dir, "ces", "ports.json")`):
  // the file's name decides over the directory it sits in.
  // `json.load(f)` reads the file `open(…)` gave it a few lines before: that open's path.
  const opened = kind === 'read' && c.name === 'load' && /^\w+$/.test(pathArg) ? ctx.callsIn(file, c.fn).find((d) => d.name === 'open' && d.line <= c.line && d.line >= c.line - 5) : undefined;
  const elseFile = kind === 'read' && !db && otherFileLiteral(opened?.args[0] ?? pathArg);
  const byPath = db ? (table ? subjectOf(table) : 'other') : !args[1] || elseFile ? 'other' : subjectOf(pathName);
  // A path held in a local variable (`path = Path(tmp) / "user_id.txt"` … `path.write_text(uid)`) is judged by
  // what it was bound to, before the function it is written in: a file named for something else is not the
  // session because it is written in `get_session`.
  const bound = !db && byPath === 'other' && (args[1] || kind === 'read') && /^[A-Za-z_$][\w$]*$/.test(pathArg) ? boundValue(ctx, file, c.fn, pathArg, c.line) : undefined;
  const namedElse = !!bound && subjectOf(bound) === 'other' && literalNamesFile(bound);
  // A relational query's table decides what it reads (`db.query.user.findFirst` in `syncMessage` reads users).
  // A path named for the browser's saved state (`open(BROWSER_STATE_FILE, "w")` in `AgentSession.save_state`, Playwright's
  // cookies and local storage) holds that, whatever the class or function writing it is named for.
  const browserState = !db && !queried && namesOtherState(words(pathName));
  let subject = queried ? subjectOf(queried) : elseFile || browserState ? 'other' : byPath !== 'other' ? byPath : namedElse ? subjectOf(argText) : subjectOf(text);
  // `this.historyFile` in `PromptHistory` (prompt-history.ts) or `HistorySuggester`: the history is the
  // user's typed inputs, recalled at the prompt, not the conversation.
  if (subject === 'session' && (inputHistory(c.fn, file) || namesOtherHistory(pathName))) subject = 'other';
  // A log file named for a session (`session_{id}.log`) written by a shell or terminal tool's class or module
  // (`TerminalToolkit.shell_exec`, `bash_session.py`) records that shell's output, not the conversation.
  if (subject === 'session' && isLogFile(pathArg) && shellOwned(c.fn, file)) subject = 'other';
  let strength = subject === 'other' ? 0 : subjectOf(argText) === subject || byPath === subject ? 3 : subjectOf(shortName(c.fn)) === subject ? 2 : 1;
  // What is written decides over names: a payload holding the messages is the session.
  let payload: Located<ObjectFact> | undefined;
  if ((kind === 'write' || kind === 'append' || kind === 'db-write') && byPath === 'other' && (subject !== 'session' || strength < 3)) {
    payload = transcriptPayload(ctx, c);
    if (payload) {
      subject = 'session';
      strength = 3;
    }
  }
  // A read in a telemetry or analytics module (`scrapeHistory` in `telemetry.ts` tailing another tool's history file to
  // report its prompts) feeds a report, not the agent: no saved conversation is loaded.
  // A read in an evaluation module (`AutoEval.ts`, `evaluate.py`, `benchmark.ts`) grades a recorded run: it is judged, not continued.
  if (subject === 'session' && kind === 'read' && words(file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')).some((w) => NOT_RUN_RECORD.test(w) || EVAL_MODULE.test(w))) subject = 'other';
  // A state file written by an update check (`writeState` in `check-updates.ts`, `save_update_check_state`) keeps when the
  // tool last looked for a new version: the application's housekeeping, kept as settings are, not the run's workflow.
  if (subject === 'state' && updateCheck(`${c.fn} ${file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')}`)) subject = 'settings';
  // A bare path in a function named for a history (`readHistoryFile`) in a module about another history
  // (`useShellHistory`, `input_history.py`) reads that history, not the conversation.
  if (subject === 'session' && strength < 3 && namesNothing(argText) && otherHistoryModule(file)) subject = 'other';
  // A file opened for writing is judged by what is written into it next: `with open(path, "w") as f:
  // f.writelines(json.dumps(m.to_dict()) for m in self.messages)` writes the conversation.
  // The messages may also be written one by one in a loop over them (`for msg in session.messages: f.write(json.dumps(msg))`).
  let writesInto: number | undefined;
  if (c.name === 'open' && (kind === 'write' || kind === 'append') && subject !== 'settings') {
    writesInto = messagesWrittenInto(ctx, file, c);
    if (writesInto !== undefined && subject === 'other' && writesInto <= c.line + 4) {
      subject = 'session';
      strength = 2;
    }
  }
  // An event store written per event: the function receives an event or message and writes it serialised
  // (`self.file_store.write(name_for(event.id), json.dumps(event_to_dict(event)))`): the run's record.
  let record: PersistOp['record'];
  if (subject === 'other' && (kind === 'write' || kind === 'append')) {
    const ev = eventWrite(ctx, file, c, onPath);
    if (ev) {
      subject = 'session';
      strength = 2;
      record = 'event';
      // Each event to a file named for it (its id): nothing is rewritten, the store grows by one record.
      if (ev.perEvent) kind = 'append';
    }
  }
  // A bare `filePath` in a module about sessions (session-manager, state-store …) takes the module's subject.
  if (subject === 'other' && namesNothing(argText) && !namedElse) {
    subject = subjectOf(file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, ''));
    strength = 0;
  }
  // A trajectory read back (`TrajectoryInspector._load_trajectory`, `trajectory_path.read_text()` for a skill, a bare
  // `json.loads(output)` in `trajectory_saver.py`) is inspected, replayed or mined, not continued: written as the run goes
  // it is the transcript; read, it loads no session.
  if (subject === 'session' && (kind === 'read' || kind === 'db-read') && trajectoryOnly(`${argText} ${c.fn} ${file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')}`)) {
    subject = 'other';
    strength = 0;
  }
  // A write named only `state` in a module about an authorization flow (`writeState` in `mcp_oauth_provider.ts`)
  // keeps that flow's state: a credential.
  if (subject === 'state' && words(file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')).some((w) => AUTH_FLOW.has(w)) && words(text).every((w) => !stateWord(w) || w === 'state' || w === 'states')) {
    subject = 'settings';
  }
  // A Web Storage key is the store's path: a key that names something else (`'github_connection'`, a
  // `LOCAL_STORAGE_KEY = 'app-flow-projects'`) holds that, whatever the writing function is called (`useGitHubStats`,
  // `saveCurrentState`).
  if (subject === 'state' && strength <= 2 && byPath === 'other' && WEB_STORAGE.test(c.callee)) {
    const key = webStorageKey(ctx, file, c);
    if (key && !namesNothing(key) && subjectOf(key) === 'other') {
      subject = 'other';
      strength = 0;
    }
  }
  // Web Storage keeps one string per key: a value stored as is, or read back unparsed, is a scalar (an id, a flag, a draft).
  if ((subject === 'session' || subject === 'state') && WEB_STORAGE.test(c.callee)) {
    const s = webStorageSubject(ctx, file, c, kind);
    if (s && s !== subject) {
      subject = s;
      strength = s === 'other' ? 0 : Math.min(strength, 2);
    }
  }
  // A file named for an attachment or a media item (`open(attachment_path, "rb")` in `_build_messages_from_task`, an
  // `open(img_path, "wb")` saving a message's image, a `get_attachment(…, save_path=…)` wrapper): a file the user or a
  // tool supplies or produces, read or written inside a function about messages, not the run's records.
  if (subject !== 'other' && !db && !payload && namesMedia(`${pathArg} ${shortName(c.callee)}`)) {
    subject = 'other';
    strength = 0;
  }
  // A time-stamped text line (`[${now()}] ${message}\n`), written itself or by the wrapper called (a debug logger
  // handed `process.env.SESSION_LOG`): a diagnostic log for people to tail, whatever its path is named for.
  const textLog = (kind === 'write' || kind === 'append') && !db && !payload && (via ? !!via.textLog : stampedLine(ctx, file, c, onPath));
  if (textLog) {
    subject = 'other';
    strength = 0;
  }
  const atomicLib = kind === 'write' && !via && writesAtomically(ctx, file, c);
  return { call: c, kind, subject, strength, text, ...(textLog ? { textLog } : {}), ...(payload ? { payload } : {}), ...(via ? { via } : {}), ...(atomicLib ? { atomicLib } : {}), ...(record ? { record } : {}), ...(writesInto !== undefined && subject === 'session' ? { writesInto } : {}) };
}

/**
 * A text line stamped with the time: a template or f-string that opens (after an optional `[`) with a time
 * (`${new Date().toISOString()}`, `[${now()}]`, `{datetime.now()}`, `${timestamp}`) and serialises nothing itself.
 */
const STAMPED = /^(?:[fF][rR]?|[rR][fF])?(['"`])\[?(?:\$\{|\{)[^}]*?(?:\bDate\b|\bnow\b|time|stamp|\bts\b|\bdate)/i;
const stampedText = (text: string) => STAMPED.test(text) && !SERIALISED.test(text);

/**
 * The data a write or append stores is a time-stamped text line: the argument itself, a local bound to one, or a
 * class field's queue joined (`messages = this.queue.join("")`) whose entries the class pushes as such lines
 * (`const entry = `[${now()}] ${message}\n`; this.queue.push(entry)`).
 */
function stampedLine(ctx: RuleContext, file: string, c: Located<CallFact>, onPath: boolean): boolean {
  if (c.name === 'open') return plainTextAppend(ctx, file, c);
  if (!APPEND.has(c.name) && !WRITE.has(c.name) && c.name !== 'write') return false;
  const data = (onPath || c.name === 'write' ? c.args[0] : c.args[1]) ?? '';
  if (stampedText(data)) return true;
  const f = ctx.file(file);
  if (!f) return false;
  const bound = (fn: string, id: string, line: number) => lastBind(f, fn, id, line)?.value;
  const value = /^[\w$]+$/.test(data) ? bound(c.fn, data, c.line) : undefined;
  if (value === undefined) return false;
  if (stampedText(value)) return true;
  // A queue held in a field and joined: what the class pushes onto it.
  const q = /^(?:this|self)\.([\w$]+)\.join\(|^['"]{2}\.join\((?:this|self)\.([\w$]+)\)$/.exec(value);
  if (!q || !c.fn.includes('.')) return false;
  const field = q[1] ?? q[2];
  const cls = c.fn.slice(0, c.fn.lastIndexOf('.') + 1);
  const pushes = f.calls.filter((d) => d.fn.startsWith(cls) && /^(?:push|append)$/.test(d.name) && /^(?:this|self)\.([\w$]+)\.\w+$/.exec(d.callee)?.[1] === field);
  return pushes.length > 0 && pushes.every((d) => {
    const a = d.args[0] ?? '';
    return stampedText(a) || (/^[\w$]+$/.test(a) && stampedText(bound(d.fn, a, d.line) ?? ''));
  });
}

/** Text composed for people to read: an f-string or template, or strings joined (`"\\n".join(parts)`). */
const COMPOSED_TEXT = /^(?:[fF][rR]?|[rR][fF])(['"])|^`|^['"][^'"]*['"]\s*\.join\(/;

/**
 * A file opened for appending (`open(path, "a")`) that receives only composed text lines (`f.write(f"{sender}: {content}\n")`,
 * a `"\n".join(parts)` of such lines), nothing serialised: a log written for people to read (an error log, a console
 * echo), which no run can load back as its session.
 */
function plainTextAppend(ctx: RuleContext, file: string, c: Located<CallFact>): boolean {
  if (!/^['"]a\+?b?['"]$/.test((c.args[1] ?? '').replace(/^mode\s*=\s*/, '').trim()) && !c.args.some((a) => /^mode\s*=\s*['"]a/.test(a))) return false;
  const f = ctx.file(file);
  if (!f) return false;
  const calls = ctx.callsIn(file, c.fn);
  const next = calls.find((d) => d.name === 'open' && d.line > c.line);
  const end = Math.min(c.line + 12, next ? next.line - 1 : Infinity);
  const writes = calls.filter((d) => d.line > c.line && d.line <= end && d.name === 'write' && /^[\w$]+\.write$/.test(d.callee));
  if (!writes.length) return false;
  return writes.every((d) => {
    const a = (d.args[0] ?? '').trim();
    const v = /^[\w$]+$/.test(a) ? lastBind(f, d.fn, a, d.line)?.value ?? '' : a;
    return COMPOSED_TEXT.test(v.trim()) && !SERIALISED.test(v);
  });
}

/** Words naming an attachment or a media file (not a screenshot: a computer-use run records its turns' screenshots). */
const MEDIA_WORD = new Set(['attachment', 'attachments', 'image', 'images', 'img', 'imgs', 'upload', 'uploads', 'uploaded', 'media', 'photo', 'photos', 'picture', 'pictures', 'audio', 'video', 'videos', 'thumbnail', 'avatar', 'pdf']);
const namesMedia = (text: string) => words(text).some((w) => MEDIA_WORD.has(w));

const MESSAGES_WORD = /^(?:messages|history|transcript|conversation|trajectory)$/;

/**
 * The line where a file opened for writing receives the message list: a `write`/`writelines`/`dump` after the open
 * (before the function opens another file, within 25 lines) whose data names the messages, or that sits in a loop
 * over them (`for msg in session.messages: f.write(json.dumps(msg) + "\n")`).
 */
function messagesWrittenInto(ctx: RuleContext, file: string, c: Located<CallFact>): number | undefined {
  const calls = ctx.callsIn(file, c.fn);
  const next = calls.find((d) => d.name === 'open' && d.line > c.line);
  const end = Math.min(c.line + 25, next ? next.line - 1 : Infinity);
  const loops = (ctx.file(file)?.loops ?? []).filter((l) => l.fn === c.fn && l.line > c.line && l.line <= end && words(l.cond).some((w) => MESSAGES_WORD.test(w)));
  for (const d of calls) {
    if (d.line < c.line || d.line > end || !/^(?:write|writelines|dump)$/.test(d.name)) continue;
    if (words(d.args.join(' ')).some((w) => MESSAGES_WORD.test(w)) || loops.some((l) => d.line > l.line && d.line <= l.end)) return d.line;
  }
  return undefined;
}

/** The literal key of a Web Storage call: written in place, or a string constant of the function or the module. */
function webStorageKey(ctx: RuleContext, file: string, c: Located<CallFact>): string | undefined {
  const a = (c.args[0] ?? '').trim();
  if (/^(['"`])[^'"`$]*\1$/.test(a)) return a.slice(1, -1);
  if (!/^[A-Za-z_$][\w$]*$/.test(a)) return undefined;
  const k = (ctx.file(file)?.consts ?? []).find((x) => x.name === a && x.kind === 'var' && (x.fn === c.fn || x.fn === '<top>') && /^(['"`])[^'"`$]*\1$/.test(x.value));
  return k?.value.slice(1, -1);
}

/** A Web Storage call: `localStorage.setItem(key, value)`, `window.sessionStorage.getItem(key)`. */
const WEB_STORAGE = /(?:^|\.)(?:localStorage|sessionStorage)\s*\.\s*(?:setItem|getItem)$/;

/**
 * What a Web Storage call keeps under its key, judged from the value rather than the key or the function: Web
 * Storage holds one string per key, so a message list or a workflow record has to be serialised into it. A value
 * stored as is (`setItem('lastSelectedChat', id)`, `String(next)`, a typed draft) or read back without being parsed
 * (`getItem('speech') == 'true'`) is a scalar: 'other'. A serialised value is judged by what it serialises
 * (`JSON.stringify(this.settings)` keeps settings; an object literal that is no message or message list, something
 * else). Undefined when the value cannot be seen (a parameter of the writing function, a name that says nothing).
 */
function webStorageSubject(ctx: RuleContext, file: string, c: Located<CallFact>, kind: PersistKind): Subject | undefined {
  const def = ctx.functionsNamed(shortName(c.fn)).find((d) => d.file === file && d.name === c.fn);
  const params = new Set((def?.params ?? []).map((p) => p.replace(/^[*.]+/, '').replace(/[?:=\s].*$/s, '')));
  if (kind === 'db-read') {
    // Parsed where it is read (`JSON.parse(localStorage.getItem(k))`), or through the name it is bound to.
    const parses = (d: CallFact) => /parse|deseriali[sz]e|^loads?$|^fromJSON$|^from_json$/i.test(d.name);
    const calls = ctx.callsIn(file, c.fn);
    const bound = (ctx.file(file)?.binds ?? []).find((b) => b.fn === c.fn && b.line <= c.line && b.line >= c.line - 2 && b.value.includes('getItem'));
    // What the parsed value is put into says what it is (`this.settings = JSON.parse(localStorage.getItem(…))`).
    const into = () => {
      const s = bound && !namesNothing(bound.name) ? subjectOf(bound.name) : 'other';
      return s === 'other' ? undefined : s;
    };
    if (calls.some((d) => d !== c && d.line === c.line && parses(d))) return into();
    if (bound) {
      const used = new RegExp(`(?<![\\w$.])${bound.name.replace(/\$/g, '\\$')}\\b`);
      if (calls.some((d) => d.line > c.line && parses(d) && d.args.some((a) => used.test(a)))) return undefined;
    } else if (callersOf(ctx, c.fn).slice(0, 8).some((k) => ctx.callsIn(k.file, k.fn).some((d) => d.line === k.line && parses(d)))) {
      // Returned to a caller that parses it (`JSON.parse(loadSaved())`).
      return undefined;
    }
    return 'other';
  }
  let v = (c.args[1] ?? '').trim();
  if (!v) return undefined;
  // A name: the value it was bound to in the function. A parameter's value is the caller's: serialised there, it
  // is judged by the key as before (`persist(JSON.stringify(messages))` → `setItem('chat', json)`).
  if (/^[A-Za-z_$][\w$]*$/.test(v)) {
    const at = [...params].indexOf(v);
    if (at >= 0) return callersOf(ctx, c.fn).slice(0, 8).some((k) => SERIALISED.test(k.args.filter((a) => !/^\w+\s*=/.test(a))[at - (params.has('self') ? 1 : 0)] ?? k.args.join(' '))) ? undefined : 'other';
    const b = boundValue(ctx, file, c.fn, v, c.line);
    if (b && SERIALISED.test(b)) v = b;
  }
  const m = SERIALISED.exec(v);
  if (!m || m.index !== 0) return 'other';
  const inner = balanced(v, m[0].length).trim();
  if (inner.startsWith('{')) return transcriptPayload(ctx, c) ? undefined : 'other';
  const what = inner.replace(/,[\s\S]*$/, '');
  if (namesNothing(what)) return undefined;
  const s = subjectOf(what);
  return s === 'other' ? undefined : s;
}

/** A parameter that receives one event or message: named so (`event`, `new_msg`) or typed so (`item: AgentEvent`). */
const EVENT_WORD = /^(?:event|evt|message|msg)$/;
/** A serialisation of a value: `json.dumps(…)`, `JSON.stringify(…)`, `event_to_dict(…)`, `.model_dump_json()`, `serialize(…)`. */
const SERIALISED = /\b(?:json\.dumps?|JSON\.stringify|pickle\.dumps?|\w*to_dict|\w*to_json|toJSON|model_dump(?:_json)?|asdict|\w*seriali[sz]e\w*)\s*\(/;
/** Words naming a module that grades recorded runs (an evaluation or benchmark harness around the agent). */
const EVAL_MODULE = /^(?:eval|evals|evaluate|evaluation|evaluator|benchmark|benchmarks|grader|judge)$/;
/** Records kept about the process rather than the run: telemetry, analytics, metrics, traces. */
const NOT_RUN_RECORD = /^(?:telemetry|analytics|metric|metrics|tracking|tracker|trace|traces|span|spans|webhook|webhooks)$/;

/**
 * A write whose value is the serialised event the function receives: the function has an event or message
 * parameter, and the written value leads back to it through a serialisation, following the function's own
 * bindings (`data = event_to_dict(event)` … `event_json = json.dumps(data)` … `store.write(name, event_json)`).
 * `perEvent` when the path is made from the event too (`name_for(event.id)`): one record per file.
 */
function eventWrite(ctx: RuleContext, file: string, c: Located<CallFact>, onPath: boolean): { perEvent: boolean } | undefined {
  const def = ctx.functionsNamed(c.fn).find((d) => d.file === file && d.name === c.fn);
  if (!def) return undefined;
  const param = def.params
    .map((p) => {
      const m = /^\*{0,2}(\w+)\s*(?::\s*(?:Optional\[)?['"]?([\w.]+))?/.exec(p);
      return m ? { name: m[1], type: m[2] ?? '' } : undefined;
    })
    // A text (`message: str`) is no event record.
    .find((p) => !!p && p.name !== 'self' && p.name !== 'cls' && !/^(?:str|string|bytes)$/.test(p.type) && (EVENT_WORD.test(words(p.name).at(-1) ?? '') || EVENT_WORD.test(words(shortName(p.type)).at(-1) ?? '')));
  if (!param) return undefined;
  if ([...words(file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, '')), ...words(c.fn)].some((w) => NOT_RUN_RECORD.test(w))) return undefined;
  const binds = ctx.file(file)?.binds ?? [];
  const mentions = new RegExp(`(?<![\\w.$])${param.name}\\b`);
  // The value a bare name was last bound to before `line` (`data = clean(data)` looks before its own line).
  const bound = (id: string, line: number, first: boolean) => {
    let best: { value: string; line: number } | undefined;
    for (const b of binds) if (b.name === id && b.fn === c.fn && (b.line < line || (first && b.line === line)) && (!best || b.line > best.line)) best = b;
    return best;
  };
  const names = (text: string) => new Set(text.match(/(?<![\w.$])[A-Za-z_]\w*/g) ?? []);
  // The text is made from the parameter: it names it, or a name it uses was bound to something made from it.
  const fromParam = (text: string, line: number, depth: number, first = false): boolean =>
    mentions.test(text) || (depth > 0 && [...names(text)].some((id) => { const b = bound(id, line, first); return !!b && fromParam(b.value, b.line, depth - 1); }));
  // The text is a serialisation of the parameter (`json.dumps(event_to_dict(event))`), directly or through a name bound to one.
  const serialised = (text: string, line: number, depth: number, first = false): boolean => {
    for (const m of text.matchAll(new RegExp(SERIALISED.source, 'g'))) {
      const inner = balanced(text, (m.index ?? 0) + m[0].length);
      if (fromParam(inner, line, depth, first)) return true;
    }
    return depth > 0 && [...names(text)].some((id) => { const b = bound(id, line, first); return !!b && serialised(b.value, b.line, depth - 1); });
  };
  const pathArg = onPath ? receiverOf(c) : (c.args[0] ?? '');
  // A log file's lines mention anything (`debug.log` gets `${message}: ${JSON.stringify(data)}`): not the run's record.
  if (isLogFile(pathArg) || !serialised((onPath ? c.args[0] : c.args[1]) ?? '', c.line, 4, true)) return undefined;
  return { perEvent: fromParam(pathArg, c.line, 3, true) };
}

/** The text inside the parentheses opened just before `from` (the arguments of a call), up to the matching `)`. */
function balanced(text: string, from: number): string {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return text.slice(from, i);
  }
  return text.slice(from);
}

/** The last binding of `name` in `fn` at or before `line` (`entry = f"[{now()}] {msg}"`), scanned without allocation. */
export function lastBind(f: Pick<FileFacts, 'binds'>, fn: string, name: string, line: number): { value: string; line: number } | undefined {
  let best: { value: string; line: number } | undefined;
  for (const b of f.binds ?? []) if (b.name === name && b.fn === fn && b.line <= line && (!best || b.line > best.line)) best = b;
  return best;
}

/**
 * The value a local name was last bound to before `line` in the same function (`path = os.path.join(d, "x.json")`,
 * or a literal `path = "x.json"`), from the file's bindings.
 */
function boundValue(ctx: RuleContext, file: string, fn: string, name: string, line: number): string | undefined {
  // A scan of the file's bindings without allocation: asked only for writes and reads whose path is a bare name.
  const f = ctx.file(file);
  let best = f && lastBind(f, fn, name, line);
  for (const k of f?.consts ?? []) if (k.name === name && k.fn === fn && k.kind === 'var' && k.line <= line && (!best || k.line > best.line) && /^['"`]/.test(k.value)) best = k;
  return best?.value;
}

/**
 * A value whose string literal names a file for something (`"app_user_id.txt"`, `"state/run.json"`), not only
 * a bare `"{id}.json"`; a literal that is no file name (`id === 'latest' ? …`) says nothing.
 */
function literalNamesFile(value: string): boolean {
  for (const m of value.matchAll(/(['"`])((?:(?!\1).)*)\1/g)) {
    if (!/\.\w{1,5}$|\//.test(m[2])) continue;
    const lit = m[2].replace(/\{[^}]*\}|\$\{[^}]*\}/g, ' ').replace(/\.\w{1,5}$/, '');
    // `"log.jsonl"` says it is a log, not of what: the function's name still tells.
    if (words(lit).some((w) => !BARE_PATH.has(w) && w.length >= 3 && !/^\d/.test(w) && !/^logs?$/.test(w))) return true;
  }
  return false;
}

/** Words of a file name that say it holds records of some kind, without saying of what (`events.jsonl`, `index.json`). */
const RECORD_WORDS = /^(?:events?|entries|entry|records?|items?|index|data|logs?|main|latest|current|default|all)$/;

/**
 * The last string literal of a path names a file (`"ports.json"`, `'kernel-info.json'`) for something that is neither
 * the session, state nor settings, in words that say what (not only `data.json`, `events.jsonl`, `{id}.json`).
 */
function otherFileLiteral(pathArg: string): boolean {
  if (!pathArg.includes('.')) return false;
  const lits = [...pathArg.matchAll(/(['"`])((?:(?!\1).)*)\1/g)].map((m) => m[2]);
  const last = lits[lits.length - 1];
  if (!last || !/^[^/${}]+\.\w{2,5}$/.test(last)) return false;
  const ws = words(last.replace(/\.\w{2,5}$/, '')).filter((w) => !BARE_PATH.has(w) && w.length >= 3 && !/^\d/.test(w));
  return ws.length > 0 && !ws.some((w) => RECORD_WORDS.test(w)) && subjectOf(ws.join(' ')) === 'other';
}

/** The module's name is another history: `useShellHistory.ts`, `input_history.py`, `command-history.ts`. */
function otherHistoryModule(file: string): boolean {
  const ws = words(file.slice(file.lastIndexOf('/') + 1).replace(/\.\w+$/, ''));
  return ws.some((w, i) => w === 'history' && i > 0 && OTHER_HISTORY.has(ws[i - 1]));
}

const PATH_PARAM = /path|file|dest|target|uri|location/i;

/** Packages whose writeFile writes a temp file and renames it into place. */
const ATOMIC_LIB = /^(?:atomically|write-file-atomic|steno|fast-write-atomic)$/;

/** The write is the writeFile of an atomic-write package (`import { writeFile } from "atomically"`). */
function writesAtomically(ctx: RuleContext, file: string, c: CallFact): boolean {
  const head = c.callee.split('.')[0];
  return !!ctx.file(file)?.imports.some((i) => ATOMIC_LIB.test(i.from) && (i.names.includes(head) || (!c.callee.includes('.') && i.names.includes('default'))));
}

/**
 * A call on `this`/`self` (`this.save(messages)` in a method of `Helper`) reaches a method of the caller's own class or
 * of one of its bases, not a same-named method of another class (`CheckpointStore.save`). Other calls are not judged here.
 */
function ownMethodCall(ctx: RuleContext, c: Located<CallFact>, method: string): boolean {
  if (!/^(?:this|self)\.[\w$]+$/.test(c.callee) || !c.fn.includes('.')) return true;
  const owner = classOf(method);
  return !!owner && descends(ctx, shortName(c.fn.slice(0, c.fn.lastIndexOf('.'))), shortName(owner), 5);
}

/**
 * A bare call (`to_json(args)`, `save(data)`: no receiver) cannot reach a method of a class: in Python and
 * TypeScript a method is called on an object. Such a call is a module function of the same name, most often one
 * imported from a library (`from pydantic_core import to_json`), not the harness's wrapper method.
 */
function bareCallOfMethod(ctx: RuleContext, c: CallFact, file: string, method: string): boolean {
  if (!/^[A-Za-z_$][\w$]*$/.test(c.callee.trim()) || !method.includes('.')) return false;
  const owner = method.slice(0, method.lastIndexOf('.'));
  return !!ctx.file(file)?.classes.some((k) => k.name === owner);
}

/**
 * Writes behind a wrapper: a repo function that takes a path parameter and writes or appends to a
 * file (`AtomicJsonStore.writeJsonFile(filePath, value)`, `appendRecord(path, rec)`). Each call of
 * the wrapper is a write of its own, judged by what the caller passes (`io.writeJsonFile(
 * this.filePath(sessionId), history)` writes the session). Wrappers are matched by name only when
 * the name is defined at most three times, so the link is specific; one level deep.
 */
function liftedOps(ctx: RuleContext, base: PersistOp[], only?: Set<string>): PersistOp[] {
  const byFn = new Map<string, PersistOp[]>();
  for (const o of base) {
    if (only && !only.has(`${o.call.file}#${o.call.fn}`)) continue;
    if (o.kind !== 'write' && o.kind !== 'append' && o.kind !== 'rename' && o.kind !== 'fsync') continue;
    const k = `${o.call.file}#${o.call.fn}`;
    const l = byFn.get(k);
    if (l) l.push(o);
    else byFn.set(k, [o]);
  }
  const out: PersistOp[] = [];
  for (const [key, list] of byFn) {
    const hash = key.indexOf('#');
    const file = key.slice(0, hash);
    const name = key.slice(hash + 1);
    const short = shortName(name);
    if (!short || short.startsWith('<') || /^(?:constructor|__init__|main|run|default)$/.test(short)) continue;
    // A read-or-create helper (`open(path)` read, and only in its `except FileNotFoundError:` / `catch` an empty file
    // written) reads: its callers load, they do not save.
    if (!list.some((o) => (o.kind === 'write' || o.kind === 'append') && !o.call.inCatch)) continue;
    const def = ctx.functionsNamed(name).find((d) => d.file === file);
    if (!def) continue;
    // The wrapper is the function itself when it takes the path, or the methods that queue a path for it.
    // A writer object's method (see instancePath) links only calls on an instance known to be of its class.
    const instance = !def.params.some((p) => PATH_PARAM.test(p)) && instancePath(ctx, file, name, list);
    const wrappers = def.params.some((p) => PATH_PARAM.test(p)) || instance ? [def] : queueWriters(ctx, file, name);
    const kind: PersistKind = list.some((o) => o.kind === 'append') ? 'append' : 'write';
    const atomic = isAtomicGroup(list);
    const stores = list.filter((o) => o.kind === 'write' || o.kind === 'append');
    const textLog = stores.every((o) => o.textLog);
    for (const w of wrappers) {
      const ws = shortName(w.name);
      // A name defined more often (`write` on every store class) links only calls on a receiver named for the
      // wrapper's class or the interface it implements (`self.file_store.write(…)` → `LocalFileStore(FileStore).write`).
      const typed = ctx.functionsNamed(ws).length > 3 ? classNames(ctx, file, w.name) : undefined;
      if (typed && typed.length === 0) continue;
      for (const c of ctx.callsNamed(ws)) {
        if (c.fn === w.name || c.fn === name || kindOf(c)) continue;
        if (typed && !receiverNamesClass(receiverOf(c), typed)) continue;
        if (instance && !constructedAs(ctx, c, shortName(name.slice(0, name.lastIndexOf('.'))))) continue;
        if (!ownMethodCall(ctx, c, w.name) || bareCallOfMethod(ctx, c, file, w.name)) continue;
        const op = classify(ctx, c.file, c, kind, { fn: w.name, file, line: w.line, atomic, ...(textLog ? { textLog } : {}) });
        if (op) out.push(op);
      }
    }
  }
  return out;
}

/**
 * Reads behind a wrapper, as writes are (see liftedOps): a repo function that takes a path parameter and reads a file
 * (`files.read_file(relative_path)`, `LocalFileStore.read(path)`). Each call of it is a read of its own, judged by
 * what the caller passes and the function it sits in (`js = files.read_file(path)` in `load_chats` reads the saved
 * chats). Same name limits as for writes; one level deep.
 */
/** A quoted file name: `'package.json'`, `"chat.json"`. */
const FILE_LITERAL = /['"`][^'"`]*\.\w{2,5}['"`]/;

function liftedReads(ctx: RuleContext, base: PersistOp[]): PersistOp[] {
  const readers = new Map<string, Located<FunctionFact>>();
  for (const o of base) {
    if (o.kind !== 'read' || o.via) continue;
    const key = `${o.call.file}#${o.call.fn}`;
    if (readers.has(key)) continue;
    const short = shortName(o.call.fn);
    if (!short || short.startsWith('<') || /^(?:constructor|__init__|main|run|default)$/.test(short)) continue;
    const def = ctx.functionsNamed(o.call.fn).find((d) => d.file === o.call.file);
    // The function takes the path it reads: its first parameter (after self) is named for a path.
    const first = def?.params.find((p) => p !== 'self' && p !== 'cls');
    if (!def || !first || !PATH_PARAM.test(first)) continue;
    // Not a function reading a file it names itself in the folder it is given (`join(dirPath, 'package.json')`).
    const arg = o.call.args[0] ?? '';
    const bound = /^[A-Za-z_$][\w$]*$/.test(arg) ? boundValue(ctx, o.call.file, o.call.fn, arg, o.call.line) : undefined;
    if (FILE_LITERAL.test(arg) || (bound && FILE_LITERAL.test(bound))) continue;
    readers.set(key, def);
  }
  const known = new Set(base.map((o) => `${o.call.file}:${o.call.line}:${o.call.callee}`));
  const out: PersistOp[] = [];
  for (const [key, def] of readers) {
    const file = key.slice(0, key.indexOf('#'));
    const ws = shortName(def.name);
    const typed = ctx.functionsNamed(ws).length > 3 ? classNames(ctx, file, def.name) : undefined;
    if (typed && typed.length === 0) continue;
    for (const c of ctx.callsNamed(ws)) {
      if (c.fn === def.name || kindOf(c) || known.has(`${c.file}:${c.line}:${c.callee}`)) continue;
      if (typed && !receiverNamesClass(receiverOf(c), typed)) continue;
      if (bareCallOfMethod(ctx, c, file, def.name)) continue;
      const op = classify(ctx, c.file, c, 'read', { fn: def.name, file, line: def.line, atomic: false });
      // Judged from what the caller passes or the caller's own name, not only from its class or module.
      if (op && (op.subject === 'other' || op.strength >= 2)) out.push(op);
    }
  }
  return out;
}

/** The word lists of a method's class and of the classes it extends or implements (`LocalFileStore`, `FileStore`). */
function classNames(ctx: RuleContext, file: string, method: string): (readonly string[])[] {
  if (!method.includes('.')) return [];
  const cls = method.slice(0, method.lastIndexOf('.'));
  const c = ctx.file(file)?.classes.find((x) => x.name === cls);
  if (!c) return [];
  return [c.name, ...(c.extends ? [c.extends] : []), ...c.implements].map((n) => words(shortName(n)));
}

/**
 * A receiver whose last member is named for one of the classes (`self.file_store` for `FileStore` or
 * `LocalFileStore`): its words are the class's last two or more words.
 */
function receiverNamesClass(recv: string, classes: (readonly string[])[]): boolean {
  const rw = words(recv.slice(recv.lastIndexOf('.') + 1));
  if (rw.length < 2) return false;
  return classes.some((cw) => cw.length >= rw.length && rw.every((w, i) => w === cw[cw.length - rw.length + i]));
}

/**
 * A writer object: the method writes to a path kept on the instance (`open(self.file_path, self.mode)`), which a method
 * of its class binds from a path parameter (`def __init__(self, file_path, mode="a"): self.file_path = file_path`).
 * Each instance is made for one file, and each call of the method writes to it what the caller passes.
 */
function instancePath(ctx: RuleContext, file: string, fn: string, list: PersistOp[]): boolean {
  const cls = classOf(fn);
  if (!cls) return false;
  const f = ctx.file(file);
  return list.some((o) => {
    const m = /^self\.([A-Za-z_]\w*)$/.exec((o.call.args[0] ?? '').trim());
    return !!m && (f?.binds ?? []).some((b) => b.name === m[1] && b.fn.startsWith(`${cls}.`) && PATH_PARAM.test(b.value) && !!f?.functions.find((d) => d.name === b.fn)?.params.some((p) => paramName(p) === b.value));
  });
}

/**
 * The call's receiver is an instance of the class: its last member is bound, in the caller's file, to a construction of
 * it (`self.history_recorder = LineRecorder(path)` for `self.history_recorder.record(…)`).
 */
function constructedAs(ctx: RuleContext, c: Located<CallFact>, cls: string): boolean {
  const recv = receiverOf(c);
  const last = recv.slice(recv.lastIndexOf('.') + 1);
  if (!cls || !/^\w+$/.test(last)) return false;
  // A writer kept for telemetry or analytics (`analytics.event("gui session")`) records usage, not the run.
  if ([last, cls].some((n) => words(n).some((w) => NOT_RUN_RECORD.test(w)))) return false;
  return (ctx.file(c.file)?.binds ?? []).some((b) => b.name === last && b.value.startsWith(`${cls}(`));
}

/**
 * A write queue: the writing function takes its path and data from an item it removes from a field
 * (`const op = this.writeQueue.shift(); await writeFile(op.filePath, …)`), and methods of the same
 * file with a path parameter put items on that field (`enqueueWrite(type, data, filePath) {
 * this.writeQueue.push({ type, data, filePath }) }`). Those methods are the write's wrappers.
 */
function queueWriters(ctx: RuleContext, file: string, fn: string): Located<FunctionFact>[] {
  const fields = new Set<string>();
  for (const c of ctx.callsIn(file, fn)) {
    const m = /^((?:this|self)\.\w+)\.(?:shift|pop|popleft|splice|get|get_nowait)$/.exec(c.callee);
    if (m) fields.add(m[1]);
  }
  if (fields.size === 0) return [];
  const out: Located<FunctionFact>[] = [];
  for (const d of ctx.file(file)?.functions ?? []) {
    if (d.name === fn || !d.params.some((p) => PATH_PARAM.test(p))) continue;
    if (ctx.callsIn(file, d.name).some((c) => /^(?:push|append|put|put_nowait|unshift)$/.test(c.name) && fields.has(receiverOf(c)))) out.push(d as Located<FunctionFact>);
  }
  return out;
}

const TEMP_PATH = /tmp|temp|staging|partial|\.new/i;

/** A function's writes go to a temp path that is then renamed into place. */
function isAtomicGroup(list: PersistOp[]): boolean {
  if (list.some((o) => o.atomicLib)) return true;
  const ren = list.find((o) => o.kind === 'rename' && TEMP_PATH.test(o.call.args[0] ?? ''));
  return !!ren && list.some((o) => o.kind === 'write' || o.kind === 'fsync');
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
      if (isAtomicGroup(list)) out.push(list.find((o) => o.kind === 'rename' && TEMP_PATH.test(o.call.args[0] ?? '')) ?? list.find((o) => o.kind === 'rename') ?? list.find((o) => o.atomicLib)!);
    }
    // A call of an atomic wrapper writes atomically, with the subject of what the caller passes.
    for (const o of ops) if (o.via?.atomic) out.push(o);
    for (const o of ops) if (o.kind === 'transaction') out.push(o);
    return out;
  });
}

/**
 * The call sits in a command branch of a read-eval loop: an `if` comparing a value with a string literal whose
 * body ends the iteration (`if cmd == 'save chat': save_chat(); continue`), or a command named for the call
 * (`action == "save_chat"` → `save_chat()`), or a slash command: it runs when the user types that command.
 */
export function commandBranch(ctx: RuleContext, c: { file: string; fn: string; line: number; name: string }): boolean {
  const f = ctx.file(c.file);
  const own = new Set(words(c.name).filter((w) => w.length >= 3));
  return !!f?.branches?.some(
    (b) =>
      b.fn === c.fn &&
      b.line <= c.line &&
      c.line <= b.end &&
      /(['"`])(?:(?!\1).)+\1/.test(b.cond) &&
      (f.guards.some((g) => g.fn === c.fn && g.line === b.line && g.exit === 'continue') ||
        [...b.cond.matchAll(/(['"`])((?:(?!\1).)*)\1/g)].some((m) => m[2].startsWith('/') || words(m[2]).some((w) => own.has(w)))),
  );
}

/** Source call sites of the function `fn` (by short name), excluding calls from inside itself. */
export function callersOf(ctx: RuleContext, fn: string): Located<CallFact>[] {
  const s = shortName(fn);
  if (!s || s === '<top>' || s === '<anon>') return [];
  return ctx.callsNamed(s).filter((c) => c.fn !== fn);
}

/**
 * A function handed by reference to another call (`builder.addNode("reflect", reflect)`, `add_node("launch", _launch)`,
 * `emitter.on("save", this.persist)`): the framework or the registering code calls it, so it runs though no call
 * names it. One pass over the arguments of every source call, memoised.
 */
export function passedByReference(ctx: RuleContext, fn: string): boolean {
  const s = shortName(fn);
  if (!s || s.length < 4 || s.startsWith('<')) return false;
  return ctx
    .memo('persist:callback-refs', () => {
      const out = new Set<string>();
      for (const c of ctx.calls) {
        for (const a of c.args) {
          const ch = a.charCodeAt(0);
          // An identifier or `this.x` / `self.x`: starts with a letter, `_` or `$`.
          if (!((ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122) || ch === 95 || ch === 36)) continue;
          const m = /^(?:(?:this|self)\.)?([A-Za-z_$][\w$]*)$/.exec(a);
          if (m) out.add(m[1]);
        }
      }
      return out;
    })
    .has(s);
}

/** Framework stores that persist every step (LangGraph checkpointers, Agents SDK sessions). */
const SAVERS = 'SqliteSaver|AsyncSqliteSaver|PostgresSaver|AsyncPostgresSaver|RedisSaver|MongoDBSaver|SQLiteSession|RedisSession|SqlAlchemySession|FileSession|PostgresSession';
/** A callee whose first segment is a saver: `SqliteSaver.from_conn_string`, `new RedisSession`. */
const SAVER_CALLEE = new RegExp(`^(?:new\\s+)?(?:${SAVERS})(?:\\.|$)`);
/** The saver names (a call so named is a saver), and the first characters a callee SAVER_CALLEE matches can start with. */
const SAVER_NAMES = new Set(SAVERS.split('|'));
const SAVER_FIRST = new Set([...SAVER_NAMES].map((n) => n.charCodeAt(0)).concat('n'.charCodeAt(0)));
const saverInitial = (ch: number) => SAVER_FIRST.has(ch);


/** The first place the repo turns on a framework's persistent session store or checkpointer. */
export function frameworkSaver(ctx: RuleContext): Located<CallFact> | undefined {
  // Found by the scan of every call in persistScan (the first match in source order).
  return persistScan(ctx).saver;
}

/** Framework constructors that take a checkpointer: LangGraph / LangChain agents and compiled graphs. */
const CHECKPOINTED = /(?:^|\.)(?:createAgent|createReactAgent|create_react_agent|create_agent|createDeepAgent|create_deep_agent|compile)$/;
const IN_MEMORY_SAVER = /^(?:new\s+)?(?:MemorySaver|InMemorySaver)\b|(?:this|self)\.\w+$/;

/**
 * A checkpointer the harness hands to the framework without a durable one of its own: the caller's
 * (`createAgent({ checkpointer })` with `checkpointer` a parameter) or an in-memory saver. The
 * framework checkpoints every step, but only to what the caller supplies, or to memory: opt-in.
 */
export function optInCheckpointer(ctx: RuleContext): Evidence | undefined {
  return ctx.memo('persist:opt-in-checkpointer', () => {
    for (const f of ctx.source) {
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:') || !o.keys.includes('checkpointer') || !CHECKPOINTED.test(o.ctx.slice(4))) continue;
        const v = (o.values.checkpointer ?? 'checkpointer').trim();
        if (SAVER_CALLEE.test(v) || /^(?:false|null|undefined|true)$/.test(v)) continue;
        return { file: f.path, line: o.line, reason: `${o.ctx.slice(4)}({ checkpointer${v === 'checkpointer' ? '' : `: ${v.slice(0, 40)}`} }) checkpoints each step to ${IN_MEMORY_SAVER.test(v) ? 'an in-memory saver' : "the caller's checkpointer"}` };
      }
      if (f.lang !== 'py') continue;
      for (const c of f.calls) {
        if (!CHECKPOINTED.test(c.callee)) continue;
        const a = c.args.find((x) => /^checkpointer\s*=/.test(x));
        const v = a?.replace(/^checkpointer\s*=\s*/, '').trim();
        if (!v || SAVER_CALLEE.test(v) || /^(?:None|False|True)$/.test(v)) continue;
        return { file: f.path, line: c.line, reason: `${c.callee}(checkpointer=${v.slice(0, 40)}) checkpoints each step to ${IN_MEMORY_SAVER.test(v) ? 'an in-memory saver' : "the caller's checkpointer"}` };
      }
    }
    return undefined;
  });
}

export interface ConfigSaver {
  file: string;
  line: number;
  what: string;
}

/**
 * A LangGraph server deployment (`langgraph.json` declaring `graphs`): the server runs each graph
 * with its own database checkpointer, which saves the thread's state after every step and lets a
 * later run on the same thread continue from it. A configuration fact, so it is certain.
 */
export function platformCheckpointer(ctx: RuleContext): ConfigSaver | undefined {
  return ctx.memo('persist:platform-checkpointer', () => {
    const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
    // The deployment's own `langgraph.json` before variants (`langgraph.desktop.json`).
    const configs = [...(ctx.facts.configs ?? [])].sort((a, b) => Number(base(b.path) === 'langgraph.json') - Number(base(a.path) === 'langgraph.json'));
    for (const c of configs) {
      if (c.format !== 'json' || !/^langgraph(?:\.[\w-]+)?\.json$/.test(base(c.path))) continue;
      const graphs = c.entries.find((e) => e.path === 'graphs');
      if (!graphs) continue;
      const cp = c.entries.find((e) => e.path === 'checkpointer');
      const at = cp ?? graphs;
      return { file: c.path, line: at.line, what: `${c.path} deploys graphs on the LangGraph server${cp ? ' with a configured checkpointer' : ''}` };
    }
    return undefined;
  });
}

/** Runs started on an existing thread through the LangGraph SDK client (`client.runs.create(thread_id, …)`), which continue its checkpointed state. */
export function threadRuns(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('persist:thread-runs', () =>
    ctx.calls.filter((c) => /(?:^|\.)runs\.(?:create|stream|wait)$/.test(c.callee) && /thread/i.test(c.args[0] ?? '')),
  );
}

/** Every call (in source order) of the source files that call one of `names`. */
function callsInFilesCalling(ctx: RuleContext, names: string[]): Located<CallFact>[] {
  const files = new Set<string>();
  for (const n of names) for (const c of ctx.callsNamed(n)) files.add(c.file);
  if (files.size === 0) return [];
  const out: Located<CallFact>[] = [];
  for (const f of ctx.source) if (files.has(f.path)) for (const c of f.calls) out.push(c as Located<CallFact>);
  return out;
}

/** A CLI flag or slash command that selects a saved session (persistence.resume). */
export const ENTRY_STRING = /^(--?(resume|continue|session|load-session|restore)|\/(resume|continue|restore|load|sessions?))$/i;
/** An option name that resumes (`option('resume')`), when a flag call sits on its line (persistence.resume). */
export const RESUME_WORD = /^(resume|continue)$/i;
/** Recognising tool calls left without a result when a session is reloaded (persistence.crash-safe). */
export const RECOVERY_STRING = /no result provided|interrupted|was not completed|tool call (was )?(cancel|abort)|orphan/i;

export interface StringHits {
  /** Strings that are ENTRY_STRING or RESUME_WORD. */
  entry: StringFact[];
  /** Strings under 120 characters that RECOVERY_STRING finds. */
  recovery: StringFact[];
}

/**
 * One pass over every source string for the resume and crash-safe checks: per file (in source
 * order, files without a hit left out), the strings each can use, in order. Lengths are tested
 * before the patterns: ENTRY_STRING matches 5 to 14 characters, RESUME_WORD 6 or 8,
 * RECOVERY_STRING needs 6 ('orphan').
 */
export function stringHits(ctx: RuleContext): Map<string, StringHits> {
  return ctx.memo('persist:string-hits', () => {
    const out = new Map<string, StringHits>();
    for (const f of ctx.source) {
      let hits: StringHits | undefined;
      for (const s of f.strings) {
        const v = s.value;
        const n = v.length;
        if (n < 5 || n >= 120) continue;
        if (n <= 14) {
          const c0 = v.charCodeAt(0);
          if (((c0 === 45 || c0 === 47) && ENTRY_STRING.test(v)) || ((n === 6 || n === 8) && RESUME_WORD.test(v))) (hits ??= { entry: [], recovery: [] }).entry.push(s);
        }
        if (n >= 6 && RECOVERY_STRING.test(v)) (hits ??= { entry: [], recovery: [] }).recovery.push(s);
      }
      if (hits) out.set(f.path, hits);
    }
    return out;
  });
}

/** A receiver that is the in-memory transcript: `this.messages`, `self.history`, `session.messages`. */
const TRANSCRIPT_RECEIVER = /(?:^|\.)_?(?:messages|history|chat_?history|transcript|conversation|trajectory)$/i;

/** The call in `file#fn` that adds a message to the in-memory transcript (`this.messages.push(m)`, `self.history.append(m)`). */
export function addsMessage(ctx: RuleContext, file: string, fn: string): Located<CallFact> | undefined {
  return ctx.callsIn(file, fn).find((c) => /^(?:push|append|unshift|extend|insert)$/.test(c.name) && transcriptReceiver(receiverOf(c)));
}

const TRANSCRIPT_WORD = /^(?:messages|history|transcript|conversation|trajectory)$/;
/** `this.messages`, `self.history`, and compounds ending so (`this.state.apiConversationHistory`, `claudeMessages`), not `shellHistory`. */
function transcriptReceiver(recv: string): boolean {
  if (TRANSCRIPT_RECEIVER.test(recv)) return true;
  const ws = words(recv.slice(recv.lastIndexOf('.') + 1));
  return ws.length > 1 && TRANSCRIPT_WORD.test(ws[ws.length - 1]) && !OTHER_HISTORY.has(ws[ws.length - 2]);
}

/**
 * Whether a session write runs for every message: walking up from the writing function through
 * its callers (linked by name, at most `hops` levels, a bounded number of functions), a function
 * that adds a message to the in-memory transcript is reached. This finds the save behind a store
 * interface (`Session.addMessage` → `schedulePersist` → `memoryManager.addMessageToContext` →
 * `stores.histories.save` → `io.writeJsonFile`). Returns the adding call and the calls down to the write.
 */
export function savedPerMessage(ctx: RuleContext, writes: PersistOp[], hops = 5): { adder: Located<CallFact>; path: Located<CallFact>[] } | undefined {
  const seen = new Set<string>();
  let frontier = writes.map((o) => ({ file: o.call.file, fn: o.call.fn, path: [o.call] as Located<CallFact>[] }));
  for (let depth = 0; depth <= hops && frontier.length > 0; depth++) {
    const next: typeof frontier = [];
    for (const node of frontier) {
      const key = `${node.file}#${node.fn}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > 600) return undefined;
      const adder = addsMessage(ctx, node.file, node.fn);
      // A per-message method (`addMessage`), not a loop that adds many and may save once at the end
      // (a loop that saves each turn is found from the loop itself, see reachedFromLoop).
      // The save follows the add in that method.
      if (adder && adder.line <= node.path[0].line && !ctx.file(node.file)?.loops.some((l) => l.fn === node.fn && adder.line >= l.line && adder.line <= l.end)) return { adder, path: node.path };
      // Names too common to link by (`add`, `run`, `handle`) are not walked through.
      if (depth === hops || GENERIC.has(shortName(node.fn))) continue;
      for (const c of callersOf(ctx, node.fn)) {
        // `this.save()` / `self.save()` reaches only its own class's method: resolved, not guessed.
        if (/^(?:this|self)\.\w+$/.test(c.callee)) {
          const own = resolveLocal(ctx, c.file, c.fn, c.callee);
          if (!own || own.file !== node.file || own.name !== node.fn) continue;
        }
        next.push({ file: c.file, fn: c.fn, path: [c, ...node.path] });
      }
    }
    frontier = next;
  }
  return undefined;
}

/** What a write passes carries the conversation: its payload's shape, or the data it names (`history`, `messages`). */
export function carriesTranscript(o: PersistOp): boolean {
  if (o.payload) return true;
  const data = o.kind === 'db-write' ? o.call.args.join(' ') : o.call.args.slice(1).join(' ');
  // `lastConversationId`, `messageCount` name the conversation, they do not carry it.
  const ws = words(data);
  return ws.some((w, i) => /^(?:messages?|history|histories|transcript|conversation|trajectory)$/.test(w) && !/^(?:id|ids|count|length|title|name|key)$/.test(ws[i + 1] ?? ''));
}

/** A record's field that holds the conversation: `messages`, `chat_history`, `message_storage`, `conversation_log`. */
const transcriptField = (name: string): boolean =>
  namesMessageList(name) || /^(?:messages?|conversation|chat)_(?:storage|store|list|log)$/.test(words(name.replace(/^['"`]|['"`]$/g, '')).join('_'));

/** The declared members of class `name` (its first declaration), or undefined. */
function classMembers(ctx: RuleContext, name: string): { file: string; line: number; members: string[] } | undefined {
  const info = classIndex(ctx).get(name)?.[0];
  const c = info && ctx.file(info.file)?.classes.find((x) => x.name === name && x.line === info.line);
  return c && info ? { file: info.file, line: c.line, members: c.members } : undefined;
}

/**
 * The record a state write stores also holds the conversation, so state and transcript are one record: the written
 * variable gets a message-list item (`data["messages"] = …`), is updated from a method of the class that sets one
 * (`state.update(self.to_dict())`), or is a field whose declared class has a message-list member (`data = self.data`
 * … `f.write(data.model_dump_json())`, `class TaskData(BaseModel): message_storage: …`). A write through a repo
 * wrapper (`self.to_file(path)`) is judged by the wrapper's own write. Returns where the record is shown to hold it.
 */
export function recordHoldsTranscript(ctx: RuleContext, o: PersistOp, ops: readonly PersistOp[], depth = 0): Evidence | undefined {
  if (o.payload) return { file: o.payload.file, line: o.payload.line, reason: 'the written record holds the message list' };
  const c = o.call;
  const own = /^(?:self|this)\.\w+$/.test(c.callee) ? resolveLocal(ctx, c.file, c.fn, c.callee) : undefined;
  const wrapper = o.via ?? (own ? { file: own.file, fn: own.name } : undefined);
  if (wrapper && depth === 0) {
    for (const w of ops) if (w.call.file === wrapper.file && w.call.fn === wrapper.fn && w !== o) { const e = recordHoldsTranscript(ctx, w, ops, 1); if (e) return e; }
  }
  const f = ctx.file(c.file);
  if (!f) return undefined;
  const chains = (t: string) => (t.replace(/^\w+=(?!=)/, '').match(/(?:self|this|super\(\))\.[A-Za-z_$][\w$]*|[A-Za-z_$][\w$]*/g) ?? []);
  // A file opened for writing: what is written into it (`f.write(…)`, `json.dump(state, f)`) is the record.
  const into = c.name === 'open' ? ctx.callsIn(c.file, c.fn).filter((d) => d.line >= c.line && d.line <= c.line + 10 && /^(?:write|dump|writelines)$/.test(d.name)) : [];
  const refs = new Set([...c.args, ...into.flatMap((d) => d.args)].flatMap(chains));
  const last = Math.max(c.line, ...into.map((d) => d.line));
  for (const b of f.binds ?? []) if (b.fn === c.fn && b.line <= last && refs.has(b.name)) for (const r of chains(b.value)) refs.add(r);
  const ids = new Set([...refs].filter((r) => !r.includes('.')));
  for (const s of f.itemSets ?? []) {
    if (s.fn === c.fn && s.line <= last && ids.has(s.target) && transcriptField(s.key)) return { file: c.file, line: s.line, reason: `${s.target}[${s.key}] puts the messages into the record that is written` };
  }
  const cls = classOf(c.fn);
  for (const d of ctx.callsIn(c.file, c.fn)) {
    if (d.line > last || d.line < c.line - 10 || !/^(?:update|assign)$/.test(d.name)) continue;
    const target = d.name === 'update' ? d.callee.slice(0, -'.update'.length) : (d.args[0] ?? '');
    if (!ids.has(target)) continue;
    for (const a of d.args) {
      const m = /^((?:self|this)\.\w+)\(/.exec(a);
      const def = m ? resolveLocal(ctx, c.file, c.fn, m[1]) : undefined;
      if (!def) continue;
      const s = (ctx.file(def.file)?.itemSets ?? []).find((x) => x.fn === def.name && transcriptField(x.key));
      if (s) return { file: def.file, line: s.line, reason: `${def.name} adds ${s.key} to the record ${c.fn} writes` };
      const obj = objectsIn(ctx, def.file, def.name).find((x) => x.keys.some(transcriptField));
      if (obj) return { file: def.file, line: obj.line, reason: `${def.name} builds the record ${c.fn} writes with its message list` };
    }
  }
  if (cls) {
    for (const r of refs) {
      const m = /^(?:self|this)\.(\w+)$/.exec(r);
      const t = m ? fieldType(ctx, c.file, shortName(cls), m[1]) : undefined;
      const k = t ? classMembers(ctx, t) : undefined;
      const field = k?.members.find(transcriptField);
      if (k && field) return { file: k.file, line: k.line, reason: `the written ${r} is a ${t}, which holds ${field} beside the state` };
    }
  }
  return undefined;
}

/**
 * The record a write stores is in view and is neither a message nor a message list: `record = {"cursor": …,
 * "timestamp": …, "content": summary}` … `f.write(json.dumps(record))`, `{ ts, session_id, withheld }`. A note the
 * harness keeps beside the conversation (a memory entry, a log of what a step did), not the conversation itself.
 */
export function foreignRecord(ctx: RuleContext, o: PersistOp): boolean {
  if (o.payload || o.writesInto !== undefined || o.record || o.via) return false;
  const { file, fn, line } = o.call;
  const data =
    o.call.name === 'open'
      ? ctx.callsIn(file, fn).filter((d) => d.line >= line && d.line <= line + 4 && /^(?:write|writelines|dump)$/.test(d.name)).flatMap((d) => d.args)
      : o.kind === 'db-write'
        ? o.call.args
        : o.call.args.slice(1);
  const ids = new Set(data.flatMap((a) => a.match(/[A-Za-z_$][\w$]*/g) ?? []));
  if (ids.size === 0) return false;
  let rec: ObjectFact | undefined;
  for (const x of objectsIn(ctx, file, fn)) {
    const named = x.ctx.startsWith('var:') && ids.has(x.ctx.slice(4)) && x.line <= line;
    const inline = x.ctx.startsWith('arg:') && x.line >= line && x.line <= line + 4 && x.keys.length > 0 && x.keys.slice(0, 3).every((k) => data.join(' ').includes(k));
    if ((named || inline) && (!rec || x.line > rec.line)) rec = x;
  }
  if (!rec || rec.keys.length === 0 || rec.keys.some((k) => k.startsWith('...'))) return false;
  return !isTranscriptShape(rec, messageLists(ctx, file)) && !rec.keys.some((k) => TRANSCRIPT_KEY.test(k) || MESSAGES_COLUMN.test(words(k).join('_')));
}

/**
 * A call of the repo's own wrapper around a write (`this.appendRecord(msg)`, `store.save(path, data)`),
 * rather than the file-system or database call that writes: evidence after the write itself.
 */
export function wrapperCall(ctx: RuleContext, o: PersistOp): boolean {
  return !!o.via || ((o.kind === 'append' || o.kind === 'write') && ctx.functionsNamed(o.call.name).length > 0);
}

/**
 * A row of a table named only for the container (`sessions`, `session`, `threads`) with no message column: the
 * session's header, written once when it is created (`db.add(Session(id=…))` in `create_session`), not a turn.
 */
export const containerRow = (o: PersistOp): boolean => !!o.model && !carriesTranscript(o) && words(o.model.table).length > 0 && ormName(o.model.table) === '' && !/messages$/.test(o.text);
/** A database write whose table (the first word of what it was judged by) is exactly the conversation's: `messages`, `chat_history`. */
const SESSION_TABLE = /^['"`]?(?:messages?|conversations?|chat_?messages|chat_?history|turns|transcripts?)['"`]?$/i;
export const sessionTable = (o: PersistOp): boolean => o.kind === 'db-write' && SESSION_TABLE.test(o.text.split(/\s+/)[0] ?? '');

/** Session writes with those that carry the conversation first and a container's header row last (stable otherwise). */
export const transcriptFirst = (ops: PersistOp[]): PersistOp[] => [...ops.filter(carriesTranscript), ...ops.filter((o) => !carriesTranscript(o) && !containerRow(o)), ...ops.filter(containerRow)];

/**
 * The repo writes nothing at all that outlives the process: no file write, append, rename or
 * database write anywhere in harness source (nor a framework store). A fact over every call, so an
 * `absent` resting on it is certain.
 */
export function writesNothing(ctx: RuleContext): boolean {
  return ctx.memo('persist:writes-nothing', () => !frameworkSaver(ctx) && !platformCheckpointer(ctx) && !persistOps(ctx).some((o) => o.kind !== 'read' && o.kind !== 'db-read') && !storageHookUsed(ctx));
}

/**
 * The repo keeps values through a persistent-state hook or a hosted key-value store the rules do not judge per
 * value (`useLocalStorage('model', …)` from usehooks-ts, `kv.set(…)`): something outlives the process, so an
 * `absent` cannot rest on "nothing is written".
 */
function storageHookUsed(ctx: RuleContext): boolean {
  for (const n of ['useLocalStorage', 'useSessionStorage', 'useLocalStorageState', 'usePersistedState']) if (ctx.callsNamed(n).length > 0) return true;
  return ctx.callsNamed('set').some((c) => /^(?:kv|redis)\.set$/.test(c.callee));
}

/** Mastra storage adapters: a `Memory` given one of these keeps every thread's messages in that database. */
const MASTRA_STORE = /^new (?:LibSQLStore|PostgresStore|UpstashStore|MongoDBStore|D1Store|CloudflareStore|DynamoDBStore)$/;

/**
 * A Mastra `Memory` backed by a database store (`new Memory({ storage: new LibSQLStore(…) })`): the
 * framework saves each thread's messages as the agent runs and reads them back for a thread id.
 * Returns the store's construction.
 */
export function mastraThreadStore(ctx: RuleContext): Located<CallFact> | undefined {
  return ctx.memo('persist:mastra-store', () => {
    // `new Memory` is named Memory: the by-name index holds those calls in source order.
    const mem = ctx.callsNamed('Memory').find((c) => c.callee === 'new Memory' && ctx.file(c.file)?.imports.some((i) => i.from === '@mastra/memory'));
    if (!mem) return undefined;
    return ctx.calls.find((c) => MASTRA_STORE.test(c.callee) && ctx.file(c.file)?.imports.some((i) => i.from.startsWith('@mastra/')));
  });
}

/** Calls that open a stored Mastra thread by id: `harness.switchThread({ threadId })`, `memory.recall({ threadId })`. */
export function mastraThreadOpens(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('persist:mastra-opens', () =>
    ctx.calls.filter((c) => /^(?:switchThread|recall|getThreadById|rememberMessages)$/.test(c.name) && /threadId/.test(c.args.join(' '))),
  );
}

/**
 * A record built with a literal role (`{ role: 'agent', content: text }`): a note the harness
 * composes, not the model's messages stored as they come (`values(messages)`, `{ role: m.role, … }`).
 */
export function composedRecord(ctx: RuleContext, o: PersistOp): boolean {
  const row = o.payload ?? transcriptPayload(ctx, o.call);
  return !!row && /^['"`]\w+['"`]$/.test(row.values.role ?? '');
}

/** Database writes that add a row rather than change one. */
const INSERT_NAME = /^(?:insert|insertOne|insertMany|insert_one|insert_many|create|createMany|add|add_all|PutCommand|PutItemCommand|BatchWriteCommand|BatchWriteItemCommand)$/;
export const insertsRow = (o: PersistOp): boolean => o.kind === 'db-write' && (INSERT_NAME.test(o.call.name) || /^['"`]\s*INSERT\b/i.test(o.call.args[0] ?? ''));

/** Tables of what the run did, one row per step or attempt: `logs`, `step_logs`, `unit_test_generation_attempts`, `executions`. */
const STEP_TABLE = /^(?:logs?|attempts?|steps?|executions?)$/;

/**
 * Rows inserted into a table of the run's steps (`session.add(new_log)` into `logs`, `insert_attempt` into
 * `unit_test_generation_attempts`) from a function the harness calls: the run's own record of what it did, one row
 * per step as it goes, though not the conversation itself (judged 'other' by the table it writes).
 */
export function stepRecordRows(ctx: RuleContext, ops: readonly PersistOp[]): PersistOp[] {
  return ops.filter((o) => insertsRow(o) && o.subject === 'other' && words(o.text).some((w) => STEP_TABLE.test(w)) && callersOf(ctx, o.call.fn).length > 0);
}

/**
 * OpenAI Agents SDK run resumption: `RunState.fromString(agent, saved)` rebuilds a serialised run
 * (pending approvals, completed tool calls, current turn) so `run(agent, state)` continues it.
 */
export function runStateRestores(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('persist:runstate-restores', () =>
    // Only the files calling those names (from the by-name index) are scanned, in source order.
    callsInFilesCalling(ctx, ['fromString', 'fromJSON', 'fromStringWithContext']).filter((c) => /^(?:fromString|fromJSON|fromStringWithContext)$/.test(c.name) && /(?:^|\.)RunState\.\w+$/.test(c.callee) && ctx.file(c.file)?.imports.some((i) => /^@openai\/agents/.test(i.from))),
  );
}

/**
 * The conversation itself: the object the agent loop hands to the model as its message list. Its fields
 * (`self.messages` → `messages` of the loop's class, `self._context.history` → `history` of the class assigned to
 * `_context`, leading underscores dropped), and the locals holding it (`file#fn#messages`), traced back from the
 * model call's message argument through the function's bindings and, for a parameter, through the callers' arguments.
 */
export interface ConversationIdentity {
  /** Field → its holders: `C:<Class>` (a field of that class), or `R:<receiver>` (a field of a value so named: `session.messages`). */
  fields: Map<string, Set<string>>;
  locals: Set<string>;
}

/** A model call's argument that carries the messages: by keyword or object key, else a positional value named for them. */
const MSG_KEY = /^(?:messages|history|chat_history|contents|input|conversation|msgs|input_messages)$/;
const MSG_POSITIONAL = /^(?:messages|history|histories|conversation|transcript|msgs|contents|chat)$/;
/** Members of a value that are no part of it: a count, a copy, a slice. */
const NOT_FIELD = /^(?:length|size|count|value|current|data|content|text|role|id|state|props|slice|copy|default|type|name|model|config|options|params|args|kwargs)$/;
const NOT_LOCAL = /^(?:self|this|cls|None|null|undefined|true|false|True|False|await|async|new|not|and|or|in|is|if|else|for|lambda|return|typeof|void|list|dict|str|len|Array|Object|JSON|json)$/;
const normField = (m: string) => m.replace(/^_+|_+$/g, '').toLowerCase();

/** Member chains (each as its segments; a call's receiver chain for a call) and bare identifiers of an expression, with literals left out. */
function exprRefs(expr: string, literals = false): { chains: string[][]; ids: string[] } {
  // `[{"role": "user", "content": self.prompt}, *self.messages]`: the literals inside are one message, not the conversation
  // (but a record written may wrap it: `json.dump({"messages": self.messages}, f)`).
  let e = expr;
  for (let i = 0; !literals && i < 3 && /\{[^{}]*\}/.test(e); i++) e = e.replace(/\{[^{}]*\}/g, ' ');
  e = e.replace(/(['"`])(?:(?!\1)[^\\]|\\.)*\1/g, ' ');
  const chains: string[][] = [];
  const ids: string[] = [];
  for (const m of e.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)((?:\??\.[A-Za-z_$][\w$]*)*)(\s*\()?/g)) {
    const segs = [m[1], ...m[2].split(/\??\./).filter(Boolean)];
    // A call: its receiver chain (`self.messages.copy()` → `self.messages`) still names the object.
    if (m[3]) segs.pop();
    if (segs.length >= 2) {
      if (!NOT_FIELD.test(normField(segs[segs.length - 1]))) chains.push(segs);
    } else if (segs.length === 1 && !m[3] && !NOT_LOCAL.test(segs[0])) ids.push(segs[0]);
  }
  return { chains, ids };
}

/** The innermost function of `file` other than `fn` whose lines hold `line` (the function a nested one is defined in). */
function enclosingFn(ctx: RuleContext, file: string, fn: string, line: number): string | undefined {
  let best: FunctionFact | undefined;
  for (const d of ctx.file(file)?.functions ?? []) if (d.name !== fn && d.line < line && line <= d.end && (!best || d.line > best.line)) best = d;
  return best?.name;
}

/** The message argument texts of a model call. */
function messageArgs(ctx: RuleContext, c: Located<CallFact>): string[] {
  const out: string[] = [];
  for (const a of c.args) {
    const kw = /^(\w+)\s*=\s*([\s\S]+)$/.exec(a);
    if (kw) {
      if (MSG_KEY.test(kw[1])) out.push(kw[2]);
      continue;
    }
    const ws = words(a);
    if (/^[\w$.?\s[\]*]+$/.test(a.replace(/^(?:\*|\.\.\.)/, '')) && MSG_POSITIONAL.test(ws[ws.length - 1] ?? '')) out.push(a);
  }
  const f = ctx.file(c.file);
  const callee = c.callee.replace(/\s+/g, '');
  for (const o of f?.objects ?? []) {
    if (o.line < c.line || o.line > c.line + 3 || o.fn !== c.fn || !o.ctx.startsWith('arg:') || o.ctx.slice(4).replace(/\s+/g, '') !== callee) continue;
    for (const k of o.keys) if (MSG_KEY.test(k.replace(/^\.\.\./, ''))) out.push(o.values[k] ?? k);
  }
  // A request built in a local first: `params = { model, messages: this.history }` … `create(params)`.
  for (const a of c.args) {
    if (!/^[A-Za-z_$][\w$]*$/.test(a)) continue;
    for (const o of f?.objects ?? []) if (o.fn === c.fn && o.ctx === `var:${a}` && o.line <= c.line) for (const k of o.keys) if (MSG_KEY.test(k)) out.push(o.values[k] ?? k);
  }
  return out;
}

const SELF = /^(?:self|this)$/;
const shortClass = (fn: string) => {
  const cls = classOf(fn);
  return cls.slice(cls.lastIndexOf('.') + 1);
};

/** Who holds the field a chain ends in: the function's class (`self.f`), the class assigned to `self.a` (`self.a.f`), else the receiver's name. */
function holderOf(ctx: RuleContext, file: string, fn: string, segs: string[]): string {
  const cls = shortClass(fn);
  if (SELF.test(segs[0]) && cls) {
    if (segs.length === 2) return `C:${cls}`;
    if (segs.length === 3) {
      const d = fieldClass(ctx, file, cls, segs[1]);
      if (d) return `C:${d}`;
    }
  }
  return `R:${normField(segs[segs.length - 2])}`;
}

function traceConversation(ctx: RuleContext, file: string, fn: string, line: number, expr: string, depth: number, out: ConversationIdentity): void {
  const { chains, ids } = exprRefs(expr);
  for (const segs of chains) {
    // A member of a value the function got back from a call (`mcResult.messages`) is that result's, not a holder's.
    if (!SELF.test(segs[0]) && depth < 2) continue;
    if (SELF.test(segs[0]) && depth === 0 && segs.length > 2) continue;
    const f = normField(segs[segs.length - 1]);
    let h = out.fields.get(f);
    if (!h) out.fields.set(f, (h = new Set()));
    const holder = holderOf(ctx, file, fn, segs);
    if (h.has(holder)) continue;
    h.add(holder);
    // A getter of the class (`@property def messages(self)`, `get history()`): the fields it reads are the conversation too.
    if (holder.startsWith('C:') && depth > 0) {
      for (const g of ctx.functionsNamed(`${holder.slice(2)}.${segs[segs.length - 1]}`)) {
        if (g.params.some((p) => !/^(?:self|cls)$/.test(p)) || g.end - g.line > 20) continue;
        const gfile = ctx.file(g.file);
        for (const b of gfile?.binds ?? []) if (b.fn === g.name) traceConversation(ctx, g.file, g.name, b.line, b.value.replace(/^\[.*\bin\s+/, ''), 0, out);
        for (const c of ctx.callsIn(g.file, g.name)) if (c.cond) for (const a of c.args) traceConversation(ctx, g.file, g.name, c.line, a, 0, out);
      }
    }
  }
  // In a value traced back (`messages = build(question, history)`), only the value itself or a part named for the
  // messages is the conversation, not every name the expression uses.
  const whole = /^\s*(?:\*|\.\.\.)?\s*[A-Za-z_$][\w$]*\s*$/.test(expr);
  for (const id of ids) {
    if (!whole && depth < 2 && !MSG_POSITIONAL.test(words(id).at(-1) ?? '')) continue;
    const key = `${file}#${fn}#${id}`;
    if (out.locals.has(key)) continue;
    out.locals.add(key);
    if (depth <= 0) continue;
    // The value the local was last bound to before the call, in its function or the one it is nested in.
    let bound: { value: string; line: number; fn: string } | undefined;
    for (const scope of [fn, enclosingFn(ctx, file, fn, line)]) {
      if (!scope) continue;
      // Before the call's line: `messages = self.step(messages)` passes the value bound earlier.
      for (const b of ctx.file(file)?.binds ?? []) if (b.name === id && b.fn === scope && b.line < line && (!bound || b.line > bound.line)) bound = b;
      if (bound) break;
    }
    if (bound) {
      traceConversation(ctx, file, bound.fn, bound.line, bound.value, depth - 1, out);
      continue;
    }
    // A parameter: what the callers pass in its place.
    const def = ctx.functionsNamed(fn).find((d) => d.file === file && d.name === fn);
    const params = (def?.params ?? []).map((p) => p.replace(/^[*.]+/, '').replace(/[?:=\s].*$/s, '')).filter((p) => p !== 'self' && p !== 'cls');
    const at = params.indexOf(id);
    const short = shortName(fn);
    if (at < 0 || GENERIC.has(short) || short.startsWith('<') || ctx.functionsNamed(short).length > 3) continue;
    for (const c of callersOf(ctx, fn).slice(0, 8)) {
      const kw = c.args.find((a) => new RegExp(`^${id}\\s*=`).test(a));
      const arg = kw ? kw.replace(/^\w+\s*=\s*/, '') : c.args.filter((a) => !/^\w+\s*=/.test(a))[at];
      if (arg) traceConversation(ctx, c.file, c.fn, c.line, arg, depth - 1, out);
    }
  }
}

/** The conversation's identity, from the message argument of each agent loop's model call (empty when none is found). */
export function conversationIdentity(ctx: RuleContext): ConversationIdentity {
  return ctx.memo('persist:conversation', () => {
    const out: ConversationIdentity = { fields: new Map(), locals: new Set() };
    const seen = new Set<CallFact>();
    const loops = agentLoops(ctx);
    const loopFiles = new Set(loops.map((l) => l.file));
    // The loop's own call of the model (or of its wrapper), then the direct model calls in the files holding a loop.
    const calls = [...loops.map((l) => l.modelCall), ...modelCalls(ctx).filter((c) => loopFiles.has(c.file))];
    for (const c of calls.slice(0, 60)) {
      if (seen.has(c)) continue;
      seen.add(c);
      for (const a of messageArgs(ctx, c)) traceConversation(ctx, c.file, c.fn, c.line, a, 2, out);
    }
    return out;
  });
}

/** Class `a` is `b`, or one extends the other (within four levels). */
function sameFamily(ctx: RuleContext, a: string, b: string): boolean {
  return a === b || descends(ctx, a, b, 4) || descends(ctx, b, a, 4);
}

/** A member chain read in `file#fn` is the conversation: its field is one of the conversation's, held by the same class or a value so named. */
function chainIsConversation(ctx: RuleContext, id: ConversationIdentity, file: string, fn: string, segs: string[]): boolean {
  const holders = id.fields.get(normField(segs[segs.length - 1]));
  if (!holders) return false;
  const h = holderOf(ctx, file, fn, segs);
  if (holders.has(h)) return true;
  const recv = words(segs[segs.length - 2]);
  for (const x of holders) {
    if (h.startsWith('C:') && x.startsWith('C:') && sameFamily(ctx, h.slice(2), x.slice(2))) return true;
    // `self.agent.messages` for a field of `Agent`; `self.messages` in `ChatSession` for `session.messages`.
    const cw = words(x.slice(2));
    const other = h.startsWith('C:') ? words(h.slice(2)) : recv;
    const mine = x.startsWith('R:') ? cw : recv;
    const theirs = x.startsWith('R:') ? other : cw;
    if (mine.length > 0 && theirs.length >= mine.length && mine.every((w, i) => w === theirs[theirs.length - mine.length + i])) return true;
  }
  return false;
}

/** The text names the conversation: a member chain ending in one of its fields, or a local holding it in that function. */
function namesConversation(ctx: RuleContext, id: ConversationIdentity, file: string, fn: string, text: string): boolean {
  const { chains, ids } = exprRefs(text, true);
  return chains.some((s) => chainIsConversation(ctx, id, file, fn, s)) || ids.some((x) => id.locals.has(`${file}#${fn}#${x}`));
}

/** The function `fn` of `file` works on the conversation between lines `from` and `to`: binds it, calls a method on it, or passes it. */
function fnTouchesConversation(ctx: RuleContext, id: ConversationIdentity, file: string, fn: string, from: number, to = Infinity): boolean {
  const cls = shortClass(fn);
  for (const b of ctx.file(file)?.binds ?? []) {
    if (b.fn !== fn || b.line < from || b.line > to) continue;
    // `self.messages = …` (a bind names only the field) in the conversation's class, or a local holding it.
    if (id.locals.has(`${file}#${fn}#${b.name}`) || (cls && chainIsConversation(ctx, id, file, fn, ['self', b.name]))) return true;
  }
  for (const c of ctx.callsIn(file, fn)) {
    if (c.line < from || c.line > to) continue;
    if ((c.callee.includes('.') && namesConversation(ctx, id, file, fn, `${receiverOf(c)}.x()`)) || c.args.some((a) => namesConversation(ctx, id, file, fn, a))) return true;
  }
  return false;
}

/** A call that changes the value it is made on (`self.messages.extend(x)`, `history.push(m)`, `this.messages = …`'s kin). */
const FILLS = /^(?:append|extend|push|unshift|insert|concat|splice|update|set|replace|load|restore|add_messages?|addMessages?|set_messages|setMessages)$/;

/**
 * The function `fn` of `file` puts something into the conversation from line `from` on (up to `to`): binds it
 * (`self.messages = data["messages"]`), fills it (`self._history.extend(records)`), or hands it to a helper by its
 * keyword (`apply(record, history=self._history)`). With `value`, only with that name in the value put in.
 */
function fnFillsConversation(ctx: RuleContext, id: ConversationIdentity, file: string, fn: string, from: number, to = Infinity, value?: string): boolean {
  const cls = shortClass(fn);
  const holds = (text: string) => !value || exprRefs(text).ids.includes(value);
  for (const b of ctx.file(file)?.binds ?? []) {
    if (b.fn !== fn || b.line < from || b.line > to || !holds(b.value)) continue;
    // `self.messages = …` (a bind names only the field) in the conversation's class, or a local holding it.
    if (id.locals.has(`${file}#${fn}#${b.name}`) || (cls && chainIsConversation(ctx, id, file, fn, ['self', b.name]))) return true;
  }
  for (const c of ctx.callsIn(file, fn)) {
    if (c.line < from || c.line > to || !c.callee.includes('.')) continue;
    const recv = receiverOf(c);
    if (FILLS.test(c.name) && namesConversation(ctx, id, file, fn, `${recv}.x`) && c.args.some(holds)) return true;
    if (!value && c.args.some((a) => /^\w+\s*=/.test(a) && MSG_KEY.test(a.replace(/\s*=[\s\S]*$/, '')) && namesConversation(ctx, id, file, fn, a.replace(/^\w+\s*=\s*/, '')))) return true;
  }
  return false;
}

/** The caller puts what the called loader returns into the conversation: at once (`self.messages = load()`), or through the local it binds. */
function callerFillsConversation(ctx: RuleContext, id: ConversationIdentity, c: Located<CallFact>): boolean {
  const bound = (ctx.file(c.file)?.binds ?? []).find((b) => b.fn === c.fn && b.line === c.line);
  if (!bound) return fnFillsConversation(ctx, id, c.file, c.fn, c.line, c.line);
  if (fnFillsConversation(ctx, id, c.file, c.fn, c.line, c.line)) return true;
  return fnFillsConversation(ctx, id, c.file, c.fn, c.line + 1, c.line + 15, bound.name);
}

export type ConversationLink = 'data' | 'fn' | 'caller';

/** The conversation's identity is known: a message list traced from a model call of an agent loop. */
export function conversationKnown(ctx: RuleContext): boolean {
  const id = conversationIdentity(ctx);
  return id.fields.size > 0 || id.locals.size > 0;
}

/**
 * How a session write or read is tied to the conversation the loop sends to the model: what it writes names it
 * (`json.dump(self.messages, f)`), the writing function works on it (`self._history.extend(m)` before the append),
 * a caller hands it over (`save_session(messages)`), or what it reads is put back into it (`self.messages =
 * json.load(f)`, `this.history = await loadHistory(id)`). Undefined when no tie is seen.
 */
export function conversationLink(ctx: RuleContext, o: PersistOp): ConversationLink | undefined {
  if (!conversationKnown(ctx)) return undefined;
  const id = conversationIdentity(ctx);
  const memo = ctx.memo('persist:conversation-links', () => new Map<PersistOp, ConversationLink | undefined>());
  if (memo.has(o)) return memo.get(o);
  let link: ConversationLink | undefined;
  const { file, fn, line } = o.call;
  const short = shortName(fn);
  const linkable = !short.startsWith('<') && !GENERIC.has(short) && ctx.functionsNamed(short).length <= 3;
  if (o.kind === 'read' || o.kind === 'db-read') {
    if (fnFillsConversation(ctx, id, file, fn, line)) link = 'fn';
    // The caller puts what the loader returns into the conversation: `self.messages = load(…)`, or soon after in that function.
    else if (linkable && callersOf(ctx, fn).slice(0, 10).some((c) => callerFillsConversation(ctx, id, c))) link = 'caller';
  } else {
    const data = [...o.call.args, ...(o.payload ? Object.values(o.payload.values) : [])];
    if (o.call.name === 'open') for (const d of ctx.callsIn(file, fn)) if (d.line > line && d.line <= line + 6) data.push(...d.args);
    if (data.some((a) => namesConversation(ctx, id, file, fn, a))) link = 'data';
    else if (fnTouchesConversation(ctx, id, file, fn, 0)) link = 'fn';
    else if (linkable && callersOf(ctx, fn).slice(0, 10).some((c) => c.args.some((a) => namesConversation(ctx, id, c.file, c.fn, a)))) link = 'caller';
  }
  memo.set(o, link);
  return link;
}

/**
 * What the read returns is bound straight into the conversation the agent loop sends to the model, on the read's own
 * line: `history = json.load(f)` where `history` is the loop's message list, `self.messages = load(path)`. The read
 * reloads the conversation whatever its path is named for (`resume_path.open()`).
 */
export function readIntoConversation(ctx: RuleContext, o: PersistOp): boolean {
  if ((o.kind !== 'read' && o.kind !== 'db-read') || !conversationKnown(ctx)) return false;
  return fnFillsConversation(ctx, conversationIdentity(ctx), o.call.file, o.call.fn, o.call.line, o.call.line);
}

/** The function is a command-line entry: registered by its decorator (`@app.command()`, `@cli.command`), so nothing in the repo calls it by name. */
export function cliCommandFn(ctx: RuleContext, file: string, fn: string): boolean {
  return ctx.functionsNamed(shortName(fn)).some((d) => d.file === file && d.name === fn && !!d.decorators?.some((x) => /(?:^|\.)command\b/.test(x)));
}

/** A call that writes down what it is handed: a logger's or recorder's method, or one on a logger. */
export const LOGGERISH = /log|record|audit|journal|trace|track/i;

/**
 * The file or database write a function of the harness makes, itself or one or two of its own calls
 * away (`self._write_log(…)`, `this.flush()`: a method of the same class on self/this, or a function of
 * the same file): where a logger's method ends.
 */
export function writeReachedFrom(ctx: RuleContext, file: string, fn: string, hops = 2): Located<CallFact> | undefined {
  const direct = ctx.memo('persist:writes-by-fn', () => {
    const m = new Map<string, Located<CallFact>>();
    for (const op of persistOps(ctx)) if (storesData(op) && !m.has(`${op.call.file}#${op.call.fn}`)) m.set(`${op.call.file}#${op.call.fn}`, op.call);
    return m;
  });
  const hit = direct.get(`${file}#${fn}`);
  if (hit || hops === 0) return hit;
  const cls = fn.includes('.') ? fn.slice(0, fn.lastIndexOf('.') + 1) : '';
  for (const c of ctx.callsIn(file, fn)) {
    if (!/^(?:(?:self|this)\.)?[\w$]+$/.test(c.callee)) continue;
    const def = ctx.functionsNamed(c.name).find((d) => d.file === file && d.name !== fn && (c.callee.includes('.') ? !!cls && d.name === `${cls}${c.name}` : !d.name.includes('.')));
    const w = def && writeReachedFrom(ctx, file, def.name, hops - 1);
    if (w) return w;
  }
  return undefined;
}

/**
 * A call of the harness's own logger that writes to a file: the call is a logger's (log/record/audit/trace
 * in its method or receiver), its method is defined in the repo (at most three definitions of the name,
 * methods of classes) and one of them reaches a file or database write. A print-only logger does not.
 */
export function ownLoggerWrite(ctx: RuleContext, c: CallFact): { method: string; write: Located<CallFact> } | undefined {
  if (!c.name || !(LOGGERISH.test(c.name) || LOGGERISH.test(c.callee.slice(0, -c.name.length)))) return undefined;
  const defs = ctx.functionsNamed(c.name).filter((d) => !TEST_PATH.test(d.file) && d.name.includes('.'));
  if (!defs.length || defs.length > 3) return undefined;
  for (const d of defs) {
    const write = writeReachedFrom(ctx, d.file, d.name);
    if (write) return { method: d.name, write };
  }
  return undefined;
}

/**
 * The conversation written into a run log by the harness's own logger, in a function that adds messages to the
 * in-memory transcript: the transcript handed to the logger (`self.logger.log_request(messages=self.messages)`), or
 * the message added being what the logger returns (`self.messages.append(Message(logger.log(f"THOUGHT: {t}")))`).
 * A log for people to read, written as the run goes, not a session a program loads back.
 */
export function transcriptLogged(ctx: RuleContext): { call: Located<CallFact>; method: string; write: Located<CallFact>; how: 'passed' | 'added' } | undefined {
  return ctx.memo('persist:transcript-logged', () => {
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path)) continue;
      const adders = new Set<string>();
      for (const c of f.calls) if (/^(?:push|append|unshift|extend|insert)$/.test(c.name) && transcriptReceiver(receiverOf(c))) adders.add(c.fn);
      if (!adders.size) continue;
      for (const c of f.calls as Located<CallFact>[]) {
        if (!adders.has(c.fn) || !c.name || !LOGGERISH.test(c.callee)) continue;
        // The transcript itself as an argument (`messages=self.messages`, `this.history`).
        const passed = c.args.some((a) => {
          const v = a.replace(/^[A-Za-z_]\w*=(?!=)/, '').trim();
          return /^[\w$.]+$/.test(v) && transcriptReceiver(v);
        });
        // The logger's return is the message added (`history.append(Message(logger.log(…)))`).
        const added = !passed && f.calls.some((a) => a.fn === c.fn && a.line === c.line && a !== c && /^(?:push|append|unshift|extend|insert)$/.test(a.name) && transcriptReceiver(receiverOf(a)) && a.args.some((x) => x.includes(`${c.callee}(`)));
        if (!passed && !added) continue;
        const own = ownLoggerWrite(ctx, c);
        if (own) return { call: c, ...own, how: passed ? 'passed' : 'added' };
      }
    }
    return undefined;
  });
}

/**
 * A client-side state store that its library keeps in storage: jotai's `atomWithStorage(key, initial, storage?)`,
 * zustand's `persist(creator, { name })` middleware, redux-persist's `persistReducer({ key, storage }, reducer)`.
 * Every update of the store writes its whole value under the key (localStorage by default, or the storage the
 * repo hands it: an Electron store, IndexedDB), and the store is read back from there when the app starts.
 */
export interface ClientStore {
  call: Located<CallFact>;
  /** The library's API: `atomWithStorage`, `persist`, `persistReducer`. */
  api: string;
  /** The storage key as written, and its literal value when a constant resolves it. */
  key: string;
  keyValue?: string;
  /** The name the store is bound to (`_sessionsAtom`), when it is bound. */
  name?: string;
  subject: Subject;
  /** The repo's store factory that applies the library's middleware (`createPersistStore`), when the store is made through one. */
  via?: string;
  /** The library's own call (`persist(…)` inside the factory), when the store is made through a factory. */
  origin?: Located<CallFact>;
}

/** A scalar literal: a store kept with one (`atomWithStorage('task-prompt', '')`) holds a draft, a flag or an id. */
const SCALAR_LITERAL = /^(?:(['"`])(?:(?!\1).)*\1|-?\d[\d_.]*|true|false)$/;

/** The string a key expression names: a literal, or a constant (`StorageKey.ChatSessions = 'chat-sessions'`, `const KEY = '…'`). */
function keyLiteral(ctx: RuleContext, file: string, expr: string): string | undefined {
  const lit = /^(['"`])([^'"`$]*)\1$/.exec(expr);
  if (lit) return lit[2];
  const m = /^(?:[A-Za-z_$][\w$]*\.)?([A-Za-z_$][\w$]*)$/.exec(expr);
  if (!m) return undefined;
  const own = ctx.file(file)?.consts.find((k) => k.name === m[1] && /^['"`]/.test(k.value));
  const found = own ?? ctx.source.flatMap((f) => (f.imports.length && f.path !== file ? f.consts.filter((k) => k.name === m[1] && /^['"`]/.test(k.value) && (k.kind === 'var' || k.kind === 'prop')) : [])).slice(0, 2);
  const k = Array.isArray(found) ? (found.length === 1 ? found[0] : undefined) : found;
  return k ? k.value.replace(/^['"`]|['"`]$/g, '') : undefined;
}

function clientStores(ctx: RuleContext): ClientStore[] {
  return ctx.memo('persist:client-stores', () => {
    const out: ClientStore[] = [];
    const imports = (file: string, re: RegExp) => !!ctx.file(file)?.imports.some((i) => re.test(i.from));
    const bound = (c: Located<CallFact>) => ctx.file(c.file)?.binds?.find((b) => b.line === c.line)?.name ?? ctx.file(c.file)?.binds?.find((b) => b.line < c.line && b.line >= c.line - 2 && b.value.includes(c.name))?.name;
    const push = (c: Located<CallFact>, api: string, key: string, scalar: boolean, extra = '', via?: string, origin?: Located<CallFact>) => {
      const keyValue = keyLiteral(ctx, c.file, key);
      // A key read off an object (`StorageKey.ChatSessions`) is named by its member, not by the object holding the keys.
      const judged = subjectOf(`${memberNamed(key) ?? key} ${keyValue ?? ''} ${extra}`);
      // A key named for nothing (`'root'`, `'app'`): the store is judged by what is persisted (a reducer named `chatReducer`).
      out.push({ call: c, api, key, ...(keyValue !== undefined ? { keyValue } : {}), ...(bound(c) ? { name: bound(c) } : {}), subject: scalar ? 'other' : judged, ...(via ? { via } : {}), ...(origin ? { origin } : {}) });
    };
    for (const c of ctx.callsNamed('atomWithStorage')) {
      if (!imports(c.file, /^jotai(?:\/|$)/) || !c.args[0]) continue;
      push(c, 'atomWithStorage', c.args[0], SCALAR_LITERAL.test(c.args[1] ?? ''));
    }
    for (const c of ctx.callsNamed('persist')) {
      if (c.callee !== 'persist' || !imports(c.file, /^zustand\/middleware$/)) continue;
      const objs = ctx.file(c.file)?.objects ?? [];
      const opts = objs.find((o) => o.ctx.replace(/\s+/g, '') === 'arg:persist' && o.line >= c.line && o.keys.includes('name'));
      // `partialize: (state) => ({ ui: …, settings: … })` picks what is stored: a store named for the run's state or its
      // sessions (`'app-state'`) that keeps only its settings and a draft holds those, not the state its name says.
      const picked = opts?.keys.includes('partialize') ? objs.find((o) => o !== opts && o.line > opts.line && o.end <= opts.end && o.ctx === 'return' && o.keys.length > 0) : undefined;
      if (opts?.values.name) {
        push(c, 'persist', opts.values.name, false);
        const made = out.at(-1);
        if (picked && made?.call === c && (made.subject === 'state' || made.subject === 'session')) made.subject = subjectOf(picked.keys.join(' '));
      } else for (const made of persistFactoryCalls(ctx, c)) push(made.call, 'persist', made.name, false, '', made.call.name, c);
    }
    for (const c of ctx.callsNamed('persistReducer')) {
      if (!imports(c.file, /^redux-persist(?:\/|$)/)) continue;
      const opts = (ctx.file(c.file)?.objects ?? []).find((o) => o.ctx.replace(/\s+/g, '') === 'arg:persistReducer' && o.line >= c.line - 30 && o.line <= c.line && o.keys.includes('key'));
      const key = opts?.values.key ?? c.args[0] ?? '';
      if (key) push(c, 'persistReducer', key, false, c.args[1] ?? '');
    }
    return out;
  });
}

/**
 * zustand's `persist(creator, options)` inside a store factory of the repo that takes the options as a parameter
 * (`function createPersistStore(state, methods, persistOptions) { … create(persist(combine(state, methods), persistOptions)) }`):
 * each store is made by a call of the factory with its own options object (`createPersistStore(initial, methods,
 * { name: StoreKey.Chat, version })`), which names the storage key. The calls of the factory are the persisted stores.
 */
function persistFactoryCalls(ctx: RuleContext, c: Located<CallFact>): { call: Located<CallFact>; name: string }[] {
  const arg = (c.args[1] ?? '').replace(/\s+as\s+[\w<>[\]., ]+$/, '').trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(arg)) return [];
  const fn = ctx.file(c.file)?.functions.find((f) => f.name === c.fn && f.line <= c.line && c.line <= f.end);
  const param = (name: string) => (fn ? fn.params.findIndex((p) => p.replace(/[?:=].*$/s, '').trim() === name) : -1);
  let idx = param(arg);
  // The options copied into a local first (`const opts = { ...options, storage: createJSONStorage(…) }`).
  if (fn && idx < 0) {
    const local = ctx.file(c.file)?.binds?.find((b) => b.name === arg && b.fn === c.fn && b.line < c.line);
    const spread = local && /^\{\s*\.\.\.([A-Za-z_$][\w$]*)/.exec(local.value);
    if (spread) idx = param(spread[1]);
  }
  if (!fn || idx < 0) return [];
  const out: { call: Located<CallFact>; name: string }[] = [];
  for (const made of callersOf(ctx, c.fn)) {
    if (made.args.length <= idx) continue;
    const objs = ctx.file(made.file)?.objects ?? [];
    const next = ctx.file(made.file)?.calls.find((o) => o.name === made.name && o.line > made.line)?.line ?? Infinity;
    // The options are the last object literal handed to this call (the state and the methods come before them).
    const opts = objs.filter((o) => o.ctx.replace(/\s+/g, '') === `arg:${made.callee.replace(/\s+/g, '')}` && o.line >= made.line && o.line < next).sort((a, b) => b.line - a.line)[0];
    if (opts?.values.name) out.push({ call: made, name: opts.values.name });
  }
  return out;
}

/** Browser database libraries: a value stored through one is written by a single IndexedDB put, in its own transaction. */
const INDEXED_DB_LIB = /^(?:idb-keyval|idb|localforage|dexie)$/;

/**
 * The IndexedDB write behind a persisted client store: the storage the store is given (zustand's
 * `storage: createJSONStorage(() => indexedDBStorage)`, also assigned onto the options in a factory; redux-persist's
 * `storage:`; jotai's third argument) is an adapter defined in a module that imports an IndexedDB library, and its
 * write there (`set(name, value)`, `store.setItem(…)`). The whole store is replaced in one put: atomic, not a journal.
 */
export function indexedDbStorage(ctx: RuleContext, store: ClientStore): Located<CallFact> | undefined {
  const lib = ctx.memo('persist:idb-files', () => ctx.source.filter((f) => f.imports.some((i) => INDEXED_DB_LIB.test(i.from))));
  if (lib.length === 0) return undefined;
  const at = store.origin ?? store.call;
  const f = ctx.file(at.file);
  const exprs: string[] = [];
  if (store.api === 'persist') for (const c of f?.calls ?? []) if (c.name === 'createJSONStorage' && c.args[0]) exprs.push(c.args[0]);
  // zustand's `persist(creator, { name, storage: createIDBStorage() })`: the options' own `storage`, near the call.
  if (store.api === 'persist') for (const o of f?.objects ?? []) if (o.values.storage && o.keys.includes('name') && o.line >= at.line && o.line <= at.line + 400) exprs.push(o.values.storage);
  if (store.api === 'persistReducer') for (const o of f?.objects ?? []) if (o.values.storage) exprs.push(o.values.storage);
  if (store.api === 'atomWithStorage' && at.args[2]) exprs.push(at.args[2]);
  const names = new Set(exprs.flatMap((e) => e.replace(/^\(\s*\)\s*=>\s*/, '').match(/[A-Za-z_$][\w$]*/g) ?? []));
  if (names.size === 0) return undefined;
  for (const m of lib) {
    const defines = (m.binds ?? []).some((b) => names.has(b.name)) || (m.classes ?? []).some((c) => names.has(c.name)) || m.functions.some((fn) => names.has(fn.name));
    if (!defines && m.path !== at.file) continue;
    // The library's write as imported, under its own name or an alias (`import { set as idbSet } from 'idb-keyval'`).
    const alias = (n: string) => m.imports.find((i) => INDEXED_DB_LIB.test(i.from) && i.as && n in i.as)?.as?.[n] ?? n;
    const put = m.calls.find((c) => /^(?:set|put|setItem|setMany)$/.test(alias(c.name)) && !/localStorage|sessionStorage/.test(c.callee) && /setItem|set|save|write/i.test(shortName(c.fn)));
    if (put) return { ...put, file: m.path };
  }
  return undefined;
}

/** The persisted client stores holding the session, outside the code `offPath` leaves out. */
const sessionStores = (ctx: RuleContext, offPath: (file: string) => boolean): ClientStore[] => clientStores(ctx).filter((s) => s.subject === 'session' && !offPath(s.call.file));

/**
 * The session held in a persisted client store of the harness, with where the store is updated (`set(_sessionsAtom, …)`):
 * jotai atoms must be written somewhere; zustand and redux stores are written by their own actions.
 */
export function sessionClientStore(ctx: RuleContext, offPath: (file: string) => boolean): { store: ClientStore; update?: Located<CallFact>; read?: Located<CallFact> } | undefined {
  for (const store of sessionStores(ctx, offPath)) {
    const update = store.name ? ctx.calls.find((c) => c.args[0] === store.name && /^(?:set|useSetAtom|useAtom)$/.test(c.name)) : undefined;
    if (store.api === 'atomWithStorage' && !update) continue;
    const hook = (name: string) => ctx.callsNamed(name).find((c) => c.callee === name) ?? ctx.callsNamed('getState').find((c) => c.callee === `${name}.getState`);
    // A zustand store is read through its hook (`useChatStore()`) or `useChatStore.getState()`, after the middleware rehydrates it.
    const read = !store.name ? undefined : store.api === 'persist' ? hook(store.name) : ctx.calls.find((c) => c.args[0] === store.name && /^(?:get|useAtomValue|useAtom)$/.test(c.name));
    return { store, ...(update ? { update } : {}), ...(read ? { read } : {}) };
  }
  return undefined;
}

/**
 * The first persisted client store holding the session whose storage is IndexedDB, with its write there: a harness may
 * keep several session stores (open panes in web storage, the conversations in IndexedDB).
 */
export function indexedDbSessionStore(ctx: RuleContext, offPath: (file: string) => boolean): { store: ClientStore; put: Located<CallFact> } | undefined {
  for (const store of sessionStores(ctx, offPath)) {
    const put = indexedDbStorage(ctx, store);
    if (put) return { store, put };
  }
  return undefined;
}

/** The persisted client stores as writes of their storage: each update writes the store's value under its key. */
function clientStoreOps(ctx: RuleContext): PersistOp[] {
  return clientStores(ctx).map((s) => ({ call: s.call, kind: 'db-write' as const, subject: s.subject, strength: s.subject === 'other' ? 0 : 2, text: `${s.key} ${s.keyValue ?? ''} ${s.call.fn}` }));
}
