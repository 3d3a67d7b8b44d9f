import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { singular, stateWord, callersOf, rowFieldCarries, cliCommandFn, recordHoldsTranscript, isToolRecord, namesMessageList, passedByReference, transcriptFirst, words, writesNothing, writtenColumns, type PersistOp } from '../shared/persist.js';
import { fnLabel, shortName, type Located, type RuleContext } from '../context.js';
import { harnessPersistOps } from '../shared/ui.js';
import { objectsIn } from '../shared/resolve.js';
import type { ObjectFact } from '../../analyzers/facts.js';

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });
const STATE_MEMBER = new Set(['state', 'plan', 'todos', 'todo', 'checkpoints', 'progress', 'monitor', 'metrics', 'tracker', 'tasks']);
const TRANSCRIPT_MEMBER = new Set(['messages', 'history', 'memory', 'transcript', 'conversation']);
/** Members of a state class that are its collaborators or its setup, not records of the run: a logger, the model, config. */
const ASIDE_MEMBER = /^_*(?:logger|log|llm|model|client|config|settings|options|vectorstore|tools?|callbacks?)$/i;

const WORKFLOW = new Set(['plan', 'plans', 'todo', 'todos', 'task', 'tasks', 'checkpoint', 'checkpoints', 'tracker', 'progress', 'workflow']);
const METRICS = new Set(['metric', 'metrics', 'usage', 'cost', 'costs', 'stats', 'ledger']);
/** 0: the write names workflow records (plan, todos, tasks, checkpoints, executed tool calls); 1: metrics; 2: other state. */
function stateRank(o: PersistOp): number {
  const ws = words(o.text);
  const has = (set: Set<string>) => ws.some((w) => set.has(w) || set.has(singular(w)));
  return has(WORKFLOW) || isToolRecord(ws) ? 0 : has(METRICS) ? 1 : 2;
}

/**
 * The write was judged state only by naming a memory (`memories.create`, `MemoryStore.remember`, `ids=[memory_id]`): the
 * agent's long-term memory (facts, notes kept across conversations), not the running session's workflow (its plan,
 * todos, checkpoints, executed calls, run metrics).
 */
const MEMORY = new Set(['memory', 'memories']);
function memoryOnly(o: PersistOp): boolean {
  const ws = words(o.text);
  return ws.some((w) => MEMORY.has(w)) && !ws.some((w) => stateWord(w) && !MEMORY.has(w)) && !isToolRecord(ws);
}

/**
 * Words that say a write records a run of the workflow (`workflow_runs`, `workflowStates`, `setWorkflowStatus`,
 * `workflow_events`), not the workflow's definition.
 */
const RUN_RECORD_WORD = new Set(['run', 'runs', 'execution', 'executions', 'status', 'step', 'steps', 'event', 'events', 'result', 'results', 'record', 'records', 'history', 'log', 'logs', 'trace', 'instance', 'instances', 'schedule']);
const WORKFLOW_WORD = new Set(['workflow', 'workflows']);
/** Words that name the parts of a workflow's definition: its nodes and edges, its structure, its YAML or template. */
const DEFINITION_WORD = new Set(['node', 'nodes', 'edge', 'edges', 'structure', 'definition', 'definitions', 'yaml', 'yml', 'template', 'templates']);
/**
 * The write was judged state only by naming a workflow, and names the parts of its definition (`tx.insert(WorkflowNodeDataTable)`
 * in a flow editor's `saveStructure`, `workflow_yaml_path.write_text`): the workflow's definition (its nodes, edges, a
 * YAML file), authored by the user and kept as configuration, not the state of a running session.
 */
function definitionOnly(o: PersistOp): boolean {
  const ws = words(o.text);
  return ws.some((w) => WORKFLOW_WORD.has(w)) && ws.some((w) => DEFINITION_WORD.has(w)) && !ws.some((w) => (stateWord(w) && !WORKFLOW_WORD.has(w)) || RUN_RECORD_WORD.has(w)) && !isToolRecord(ws);
}

/** A column keying a row to a user or account (`userId`, `owner_id`), and one keying it to a run of the agent (`chatId`, `sessionId`, `taskId`). */
const USER_KEY = /^(?:user|owner|account|customer|member)$/;
const RUN_KEY = /^(?:chat|session|conversation|thread|run|task|job|message|step|turn|execution|workflow|agent)$/;
/**
 * A metrics write (`incrementSearchUsage`, `insert(usageRecords)`) to a table whose declared rows are keyed by the user and
 * by no chat, session, run or task: a per-user quota or billing counter, kept apart but not the session's workflow state.
 */
function perUserCounter(ctx: RuleContext, o: PersistOp): boolean {
  if (o.kind !== 'db-write' || stateRank(o) !== 1) return false;
  const keys = (writtenColumns(ctx, o.call) ?? []).map((c) => words(c)).filter((ws) => ws.length >= 2 && ws.at(-1) === 'id').map((ws) => ws.at(-2)!);
  return keys.some((k) => USER_KEY.test(k)) && !keys.some((k) => RUN_KEY.test(k));
}

/** Words of a record's keys that name the run's own records: its stats, usage, cost, status, progress, plan or tasks. */
const RUN_RECORD = new Set([...WORKFLOW, ...METRICS, 'stats', 'status', 'state', 'tokens']);
/** A key that counts or points at the messages (`total_messages`, `last_message_id`), not one that holds them. */
const COUNTS = /^(?:total|num|n|count|last|first)$/;
/**
 * The records a session's metadata write stores (`persist_metadata(metadata_dump, dir)` with `metadata_dump = { stats,
 * config, title, … }` built by the caller, or `json.dump(metadata, f)` of a literal bound in the writer): the object
 * literals bound to a name the write or a caller of its function hands over, each looked up in that function only.
 */
function metadataRecords(ctx: RuleContext, o: PersistOp): Located<ObjectFact>[] {
  const bound = (file: string, fn: string, args: readonly string[], line: number) => {
    const ids = new Set(args.flatMap((a) => (/^[A-Za-z_$][\w$]*$/.test(a) ? [a] : [])));
    return objectsIn(ctx, file, fn).find((x) => x.ctx.startsWith('var:') && ids.has(x.ctx.slice(4)) && x.line <= line);
  };
  return [bound(o.call.file, o.call.fn, o.call.args, o.call.line), ...callersOf(ctx, o.call.fn).slice(0, 8).map((c) => bound(c.file, c.fn, c.args, c.line))].filter((x) => !!x);
}
/**
 * A write of the session's own metadata file (`metadata_path`, `meta.json`) whose record holds the run's stats, usage or
 * status and no messages: the session's state, kept in a file apart from its transcript.
 */
function sessionMetadata(ctx: RuleContext, o: PersistOp): Located<ObjectFact> | undefined {
  if (o.subject !== 'session' || !words(o.text).some((w) => w === 'metadata' || w === 'meta')) return undefined;
  const carries = (k: string) => rowFieldCarries(k) && !COUNTS.test(words(k)[0] ?? '');
  return metadataRecords(ctx, o).find((rec) => rec.keys.some((k) => words(k).some((w) => RUN_RECORD.has(w))) && !rec.keys.some(carries));
}

const STATE_FN = new Set([...WORKFLOW, ...METRICS, 'state', 'status', 'metadata', 'meta']);
/**
 * 0: the writing function is named for the state it keeps (`saveTask`, `TaskLogger.updateProgress`,
 * `StateManager.save`); 1: any other named function; 2: a bare route handler or callback (`GET`,
 * `<anon>`), which writes the state on the side of another job (a sign-in callback, a cleanup route).
 */
function writerRank(o: PersistOp): number {
  const fn = o.call.fn;
  if (/^(<anon>|<top>|GET|POST|PUT|PATCH|DELETE|default)$/.test(shortName(fn))) return 2;
  return words(fn).some((w) => STATE_FN.has(w)) ? 0 : 1;
}

/** A file name of a store (`'todos.json'`, `"workflow-state.json"`, `` `${id}.jsonl` ``): a quoted name with a data file's extension. */
const STORE_FILE = /(['"`])[^'"`\n]*\.(?:json|jsonl|ndjson|ya?ml|toml|db|sqlite3?|pkl|pickle|md|txt|csv)\1/;
/**
 * Where the file a write names is declared (`writeFile(this.statePath, …)` → `this.statePath = path.join(dir, 'workflow-state.json')`,
 * `open(self.status_location, 'w')` → `STATUS_LOCATION = os.path.join(dir, 'status.json')`): the name of the separate store,
 * bound in the writer's file to a file name. Followed through at most two names; undefined when the path is written inline, comes
 * from a call (a getter, whose body the facts do not show) or is bound to no file name.
 */
function storeFileDecl(ctx: RuleContext, o: PersistOp): { file: string; line: number; name: string } | undefined {
  if (o.kind !== 'write' && o.kind !== 'append' && o.kind !== 'rename') return undefined;
  const { file, fn, line } = o.call;
  const binds = ctx.file(file)?.binds ?? [];
  const receiver = /^(?:write_text|write_bytes)$/.test(o.call.name) && o.call.callee.includes('.') ? o.call.callee.slice(0, o.call.callee.lastIndexOf('.')) : undefined;
  const follow = (expr: string, depth: number): { file: string; line: number; name: string } | undefined => {
    const e = expr.trim();
    const id = /^(?:this\.#?|self\.)?([A-Za-z_$][\w$]*)$/.exec(e)?.[1];
    if (!id) return undefined;
    const cands = binds.filter((b) => b.name === id && (b.fn !== fn || b.line <= line));
    // The binding in the writer's own function first (the last before the write), then one elsewhere in the file.
    const b = cands.filter((x) => x.fn === fn).at(-1) ?? (cands.length >= 1 && new Set(cands.map((x) => x.value)).size === 1 ? cands[0] : undefined);
    if (!b || b.line === line) return undefined;
    if (STORE_FILE.test(b.value)) return { file, line: b.line, name: /(['"`])([^'"`\n]*)\1/.exec(STORE_FILE.exec(b.value)![0])?.[2] ?? id };
    if (depth >= 2) return undefined;
    // `statePath = path.join(this.sessionDir, STATE_FILE)`, `p = self.base / STATE_FILE`: the named part that holds the file name.
    const parts = b.value.match(/(?:this\.#?|self\.)?[A-Za-z_$][\w$]*(?:\s*\()?/g) ?? [];
    for (const part of parts.reverse()) {
      const r = part.endsWith('(') ? undefined : follow(part, depth + 1);
      if (r) return r;
    }
    return undefined;
  };
  return follow(receiver ?? o.call.args[0] ?? '', 0);
}

/** A database table declared with drizzle (`export const tasks = pgTable('tasks', { status, progress, … })`). */
const TABLE_DECL = /^(?:pg|sqlite|mysql)Table\s*\(/;

/** Drizzle table declarations by the name they are bound to: the store that keeps the rows apart. */
function tableDecls(ctx: RuleContext): Map<string, { file: string; line: number; table: string }[]> {
  return ctx.memo('state-separate:tables', () => {
    const out = new Map<string, { file: string; line: number; table: string }[]>();
    const files = new Set<string>();
    for (const n of ['pgTable', 'sqliteTable', 'mysqlTable']) for (const c of ctx.callsNamed(n)) files.add(c.file);
    for (const p of files) {
      for (const b of ctx.file(p)?.binds ?? []) {
        if (!TABLE_DECL.test(b.value)) continue;
        const table = /^\w+\s*\(\s*(['"`])([^'"`]+)\1/.exec(b.value)?.[2] ?? b.name;
        const l = out.get(b.name);
        if (l) l.push({ file: p, line: b.line, table });
        else out.set(b.name, [{ file: p, line: b.line, table }]);
      }
    }
    return out;
  });
}

/**
 * The table a SQL statement writes: `INSERT INTO tasks`, `INSERT OR REPLACE INTO "runs"`, `UPDATE plans SET`, and one named
 * by an interpolated name (`INSERT INTO ${workflowStatesTable}` → `${workflowStatesTable}`, the name a `CREATE TABLE` uses too).
 */
const SQL_WRITE_TABLE = /^[rbfRBF]?(?:'''|"""|['"`])\s*(?:(?:INSERT|REPLACE)(?:\s+OR\s+\w+)?\s+INTO|UPDATE(?:\s+OR\s+\w+)?)\s+(?:["`\[]?(\w+)|\$\{\s*(?:this\.|self\.)?([\w$.]+)\s*\})/i;
/** A statement that declares a table: `CREATE TABLE IF NOT EXISTS "usages" (`, `CREATE TABLE ${workflowStatesTable} (`. */
const SQL_CREATE_TABLE = /^\[?\s*[rbfRBF]?(?:'''|"""|['"`])\s*CREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:["`\[]?(\w+)|\$\{\s*(?:this\.|self\.)?([\w$.]+)\s*\})/i;
/** Calls that run a SQL statement given as their first argument (`db.exec(…)`, `cursor.execute(…)`, `pool.query(…)`). */
const SQL_RUNNERS = ['exec', 'execute', 'executescript', 'executemany', 'run', 'query', 'prepare', 'raw', 'unsafe', 'sql'];
const sqlKey = (m: RegExpExecArray): string => (m[1] ? m[1].toLowerCase() : `\${${m[2].slice(m[2].lastIndexOf('.') + 1)}}`);

/** `CREATE TABLE` statements by table name (a SQL runner's first argument, or a name bound to the statement): where each table is declared. */
function sqlTableDecls(ctx: RuleContext): Map<string, { file: string; line: number; table: string }[]> {
  return ctx.memo('state-separate:sql-tables', () => {
    const out = new Map<string, { file: string; line: number; table: string }[]>();
    const add = (key: string, d: { file: string; line: number; table: string }) => {
      const l = out.get(key);
      if (!l) out.set(key, [d]);
      else if (!l.some((x) => x.file === d.file && x.line === d.line)) l.push(d);
    };
    for (const n of SQL_RUNNERS) {
      for (const c of ctx.callsNamed(n)) {
        const arg = (c.args[0] ?? '').trim();
        const m = SQL_CREATE_TABLE.exec(arg);
        if (m) {
          add(sqlKey(m), { file: c.file, line: c.line, table: m[1] ?? m[2] });
          continue;
        }
        // A statement bound to a name and run by it (`SCHEMA = "CREATE TABLE tasks (…)"; cursor.execute(SCHEMA)`): its binding.
        const id = /^(?:this\.|self\.)?([A-Za-z_$][\w$]*)$/.exec(arg)?.[1];
        if (!id) continue;
        const f = ctx.file(c.file);
        const b = f?.binds?.find((x) => x.name === id && SQL_CREATE_TABLE.test(x.value)) ?? f?.consts.find((x) => x.name === id && SQL_CREATE_TABLE.test(x.value));
        const bm = b ? SQL_CREATE_TABLE.exec(b.value) : null;
        if (b && bm) add(sqlKey(bm), { file: c.file, line: b.line, table: bm[1] ?? bm[2] });
      }
    }
    return out;
  });
}

/**
 * The `CREATE TABLE` declaring the table a SQL write names (`INSERT INTO tasks …` → `CREATE TABLE IF NOT EXISTS tasks (…)`):
 * the one in the writer's file first, then one in its folder, then the only one in the repo.
 */
function sqlTableOf(ctx: RuleContext, o: PersistOp): { file: string; line: number; table: string } | undefined {
  const m = SQL_WRITE_TABLE.exec(o.call.args[0] ?? '');
  if (!m) return undefined;
  const decls = sqlTableDecls(ctx).get(sqlKey(m));
  if (!decls) return undefined;
  const dir = o.call.file.slice(0, o.call.file.lastIndexOf('/') + 1);
  return decls.find((d) => d.file === o.call.file) ?? (decls.filter((d) => d.file.startsWith(dir)).length === 1 ? decls.find((d) => d.file.startsWith(dir)) : undefined) ?? (decls.length === 1 ? decls[0] : undefined);
}

/** The declaration of the table a database write names (`db.update(tasks)` → `tasks = pgTable('tasks', …)`), when the name is declared once. */
function tableOf(ctx: RuleContext, o: PersistOp): { file: string; line: number; table: string } | undefined {
  if (o.kind !== 'db-write') return undefined;
  // An ORM write knows its mapped class.
  if (o.model) return o.model;
  // A SQL statement names its table: its `CREATE TABLE` is the declaration.
  const sql = sqlTableOf(ctx, o);
  if (sql) return sql;
  const id = o.call.args[0] ?? '';
  if (!/^[A-Za-z_$][\w$]*$/.test(id)) return undefined;
  const decls = tableDecls(ctx).get(id);
  return decls?.length === 1 ? decls[0] : undefined;
}

/** A declared class or interface holds the message list and at least two other members (records kept beside it). */
function recordsBesideMessages(ctx: RuleContext): boolean {
  for (const f of ctx.source) {
    const shapes = [...f.classes.map((c) => c.members), ...(f.types ?? []).filter((t) => t.kind === 'interface').map((t) => t.members)];
    for (const ms of shapes) {
      const list = ms.filter(namesMessageList);
      if (list.length > 0 && ms.length - list.length >= 2) return true;
    }
  }
  return false;
}

export default defineRule({
  id: 'persistence.state-separate',
  principle: 'persistence',
  title: 'Workflow state is stored apart from the transcript',
  rationale:
    'Plans, todos, checkpoints and tool-call records that are only recoverable by re-reading the conversation are fragile; a separate state store can be inspected, migrated and resumed on its own.',
  remediation:
    'Build a workflow-state store (plan, todos, executed tool calls, metrics) written to its own file or table, separate from the session transcript, as in the exemplar state module.',
  exemplar: 'src/reference-harness/persistence/state.ts',
  detect(ctx) {
    // A file written once with fixed contents (`writeFileSync(envPath, 'API_KEY=\\n')`) is a scaffold, not stored state.
    // (`open(path, 'w')` passes a mode there, not contents.)
    // `Path(p).write_text('# Plan\n')` passes the contents first: the path is the receiver.
    const contents = (o: PersistOp) => (/^(?:write_text|write_bytes)$/.test(o.call.name) && o.call.callee.includes('.') ? o.call.args[0] : o.call.args[1]);
    const scaffold = (o: PersistOp) => o.kind === 'write' && o.call.name !== 'open' && o.call.name !== 'createWriteStream' && /^[rbuRBU]?(['"])(?:(?!\1).)*\1$|^`[^$`]*`$/.test(contents(o) ?? '');
    // Not the writes of a web front end that does not run the agent (its preferences, an OAuth nonce).
    const ops = harnessPersistOps(ctx).filter((o) => (o.kind === 'append' || o.kind === 'write' || o.kind === 'db-write' || o.kind === 'rename') && !scaffold(o));
    const wired = (o: PersistOp) => /^(<anon>|<top>|GET|POST|PUT|PATCH|DELETE)$/.test(shortName(o.call.fn)) || callersOf(ctx, o.call.fn).length > 0 || cliCommandFn(ctx, o.call.file, o.call.fn) || passedByReference(ctx, o.call.fn);
    // The workflow's own records first (a plan, todos, tasks, checkpoints), then its metrics, then anything called state.
    // A write inside a loader named for the state (`FileSystem.from_state` materialising files) restores, it does not save.
    const restores = (o: PersistOp) => o.strength <= 2 && /^_*(?:from|load|restore|hydrate|read|parse)(?:_|[A-Z]|$)/.test(shortName(o.call.fn));
    const stored = ops.filter((o) => o.subject === 'state' && wired(o) && !restores(o));
    // Per-user usage counters (a monthly quota, billing records) are kept apart but are not the session's state (see below).
    const counters = stored.filter((o) => !memoryOnly(o) && perUserCounter(ctx, o));
    // A workflow's definition (a flow editor's nodes and edges, a workflow's YAML) is configuration: judged with the settings below.
    const durable = stored.filter((o) => !memoryOnly(o) && !counters.includes(o));
    const definitions = durable.filter(definitionOnly);
    const named = durable.filter((o) => !definitions.includes(o)).sort((a, b) => stateRank(a) - stateRank(b) || b.strength - a.strength || writerRank(a) - writerRank(b));
    // A state write whose record also holds the messages keeps state and transcript in one record, not apart: the line
    // showing the messages in that record first (the field, the item set), then the write.
    const mixed = named.map((o) => ({ o, e: recordHoldsTranscript(ctx, o, ops) })).filter((x) => !!x.e);
    const state = named.filter((o) => !mixed.some((x) => x.o === o));
    // No write named for the state, but the session's metadata file holds the run's stats or status, apart from the messages.
    const meta = state.length === 0 ? ops.filter((o) => wired(o)).map((o) => ({ o, rec: sessionMetadata(ctx, o) })).find((x) => !!x.rec) : undefined;
    if (meta) {
      const { o, rec } = meta;
      const own = rec!.keys.filter((k) => words(k).some((w) => RUN_RECORD.has(w)));
      return {
        level: 'present',
        reason: `the session's metadata record (${own.slice(0, 3).join(', ')}) is written by ${fnLabel(o.call.fn, o.call.file)} to a file of its own, apart from the transcript`,
        evidence: [
          { file: rec!.file, line: rec!.line, reason: `the metadata record holds ${own.slice(0, 3).join(', ')} of the run, and no messages` },
          at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${fnLabel(o.call.fn, o.call.file)} writes the session's metadata file`),
        ],
      };
    }
    if (state.length === 0 && mixed.length > 0) {
      const fns = [...new Set(mixed.map((x) => fnLabel(x.o.call.fn, x.o.call.file)))];
      return {
        level: 'partial',
        reason: `workflow state is persisted by ${fns.slice(0, 2).join(', ')}, but in the same record as the conversation's messages, not apart from the transcript`,
        evidence: mixed.slice(0, 2).flatMap((x) => [x.e!, at(x.o, `${x.o.call.callee}(${x.o.call.args[0] ?? ''}) in ${fnLabel(x.o.call.fn, x.o.call.file)} writes the state record`)]).filter((e, i, a) => a.findIndex((y) => y.file === e.file && y.line === e.line) === i).slice(0, 3),
      };
    }
    if (state.length > 0) {
      const targets = [...new Set(state.map((o) => fnLabel(o.call.fn, o.call.file)))];
      // A database write names its table: the table's declaration is where the state is kept apart (its own columns, its own rows).
      const decl = tableOf(ctx, state[0]);
      // A file write names its path: where that path is bound to a file name is where the state is kept apart (its own file).
      const fileDecl = decl ? undefined : state.slice(0, 3).map((o) => ({ o, d: storeFileDecl(ctx, o) })).find((x) => !!x.d);
      const transcriptDecl = decl && transcriptFirst(ops.filter((o) => o.subject === 'session')).map((o) => tableOf(ctx, o)).find((d) => d && (d.file === decl.file || !!state[0].model) && (d.file !== decl.file || d.line !== decl.line));
      return {
        level: 'present',
        reason: `workflow state is persisted on its own by ${targets.slice(0, 3).join(', ')}, apart from the session transcript${decl ? ` (the ${decl.table} table${transcriptDecl ? `, beside the ${transcriptDecl.table} transcript table` : ''})` : ''}`,
        evidence: [
          ...(decl ? [{ file: decl.file, line: decl.line, reason: `the ${decl.table} table that ${fnLabel(state[0].call.fn, state[0].call.file)} writes holds the workflow state in rows of its own${transcriptDecl ? `, apart from the ${transcriptDecl.table} transcript table` : ''}` }] : []),
          ...(fileDecl ? [{ file: fileDecl.d!.file, line: fileDecl.d!.line, reason: `${fileDecl.d!.name}, the file ${fnLabel(fileDecl.o.call.fn, fileDecl.o.call.file)} writes, keeps the workflow state in a file of its own` }] : []),
          ...(fileDecl ? [fileDecl.o, ...state.filter((o) => o !== fileDecl.o).slice(0, 1)] : state.slice(0, decl ? 2 : 3)).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${fnLabel(o.call.fn, o.call.file)} writes workflow state`)),
        ],
        // Both tables resolved from the writes to their declarations: the state's rows and the transcript's rows are different tables.
        ...(decl && transcriptDecl ? { confidence: 'high' as const } : {}),
      };
    }
    // Only the agent's long-term memory is kept apart: partial, as settings alone are.
    const memory = stored.filter(memoryOnly).sort((a, b) => b.strength - a.strength || writerRank(a) - writerRank(b));
    if (memory.length > 0) {
      const fns = [...new Set(memory.map((o) => fnLabel(o.call.fn, o.call.file)))];
      return {
        level: 'partial',
        reason: `only the agent's long-term memory is stored apart (${fns.slice(0, 2).join(', ')}); no plan, todo, checkpoint, tool-call record or run metrics of the session is persisted outside the transcript`,
        evidence: memory.slice(0, 2).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${fnLabel(o.call.fn, o.call.file)} writes long-term memories, not the session's workflow state`)),
      };
    }
    // Only per-user usage counters (a monthly quota, billing records) are kept in tables of their own: partial, as settings are.
    if (counters.length > 0) {
      const fns = [...new Set(counters.map((o) => fnLabel(o.call.fn, o.call.file)))];
      const decls = counters.map((o) => ({ o, d: tableOf(ctx, o) })).filter((x, i, a) => a.findIndex((y) => (y.d?.table ?? y.o.call.args[0]) === (x.d?.table ?? x.o.call.args[0])) === i);
      return {
        level: 'partial',
        reason: `only per-user usage counters are kept in tables of their own (${fns.slice(0, 2).join(', ')}): a quota or billing record keyed by the user, not a plan, todo, checkpoint, tool-call record or metrics of a session`,
        evidence: decls.slice(0, 2).map(({ o, d }) => (d ? { file: d.file, line: d.line, reason: `the ${d.table} table, written by ${fnLabel(o.call.fn, o.call.file)}, counts usage per user, not per session` } : at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${fnLabel(o.call.fn, o.call.file)} counts usage per user`))),
      };
    }
    // Settings and preferences themselves before credentials, tokens and caches (also judged settings: kept apart, but not configuration).
    const PRIMARY = /^(?:settings?|config|configs|configuration|preferences?|prefs|profiles?)$/;
    // A one-shot migration (`migrateAuthToAuthJson`) moves old files; the store's own writer shows where settings live.
    const settingsRank = (o: PersistOp) => (words(o.text).some((w) => PRIMARY.test(w)) ? 0 : 1) + (/cache/i.test(o.text) ? 1 : 0) + (/migrat/i.test(o.call.fn) ? 2 : 0) + (o.kind === 'rename' ? 1 : 0);
    const settings = ops.filter((o) => o.subject === 'settings' && wired(o)).sort((a, b) => settingsRank(a) - settingsRank(b) || b.strength - a.strength);
    if (settings.length > 0 || definitions.length > 0) {
      // A saved workflow definition first when there is one: it is the configuration closest to the workflow.
      const kept = [...definitions.slice(0, 1), ...settings].slice(0, 2);
      const what = (o: PersistOp) => (definitions.includes(o) ? "a workflow's definition (its structure, not a run's state)" : 'settings/config, not workflow state');
      return {
        level: 'partial',
        reason: `only settings/configuration are stored apart (${fnLabel(kept[0].call.fn, kept[0].call.file)}${definitions.length > 0 ? ", a saved workflow's definition" : ''}); no plan, todo, checkpoint or tool-call record is persisted outside the transcript`,
        evidence: kept.map((o) => at(o, `${o.call.callee}(${definitions.includes(o) ? (o.call.args[0] ?? '') : ''}) in ${fnLabel(o.call.fn, o.call.file)} writes ${what(o)}`)),
      };
    }
    // A database holding the transcript in its own table, with other records (artifacts, votes,
    // stream ids) in tables of their own: kept apart, though none of it is workflow state.
    const transcriptTable = transcriptFirst(ops.filter((o) => o.kind === 'db-write' && o.subject === 'session'))[0];
    if (transcriptTable) {
      const table = (o: PersistOp) => (/^[A-Za-z_$][\w$]*$/.test(o.call.args[0] ?? '') ? o.call.args[0] : '');
      const others = ops.filter((o) => o.kind === 'db-write' && o.subject === 'other' && table(o) && !/^(users?|accounts?|profiles?)$/i.test(table(o)) && wired(o));
      const names = [...new Set(others.map(table))];
      if (names.length >= 2) {
        // The other tables' declarations first: they are what is kept apart. Their writes when undeclared here.
        const firsts = others.filter((o, i) => others.findIndex((x) => table(x) === table(o)) === i);
        const decls = firsts.map((o) => ({ o, d: tableOf(ctx, o) }));
        return {
          level: 'partial',
          reason: `besides the transcript table (${table(transcriptTable) || fnLabel(transcriptTable.call.fn, transcriptTable.call.file)}), records are kept in tables of their own (${names.slice(0, 4).join(', ')}), but no plan, todo, checkpoint or tool-call record is stored apart`,
          evidence: [
            ...decls.slice(0, 2).map(({ o, d }) => (d ? { file: d.file, line: d.line, reason: `the ${d.table} table, written by ${fnLabel(o.call.fn, o.call.file)}, keeps its records apart from the transcript` } : at(o, `${o.call.callee}(${table(o)}) in ${fnLabel(o.call.fn, o.call.file)} writes its own table`))),
            at(transcriptTable, `${transcriptTable.call.callee}(${transcriptTable.call.args[0] ?? ''}) in ${fnLabel(transcriptTable.call.fn, transcriptTable.call.file)} writes the transcript table`),
          ],
        };
      }
    }
    // The function that writes the transcript also writes other records, each to a file of its own
    // (`messages.json` beside `context.json`, `queries.json`, `knowledge.json`): kept apart, though not named as workflow state.
    const literalFile = (o: PersistOp) => /^(['"`])[^'"`$]*\.\w{2,5}\1$/.test(o.call.args[0] ?? '') ? o.call.args[0].slice(1, -1) : undefined;
    for (const t of transcriptFirst(ops.filter((o) => o.subject === 'session' && (o.kind === 'write' || o.kind === 'append') && literalFile(o) && wired(o)))) {
      const siblings = ops.filter((o) => o.call.file === t.call.file && o.call.fn === t.call.fn && o.subject === 'other' && literalFile(o) && literalFile(o) !== literalFile(t) && !/\.(?:txt|md|log)$/.test(literalFile(o)!));
      const names = [...new Set(siblings.map(literalFile))];
      if (names.length >= 2) {
        return {
          level: 'partial',
          reason: `${fnLabel(t.call.fn, t.call.file)} writes the transcript (${literalFile(t)}) and, beside it, other records to files of their own (${names.slice(0, 4).join(', ')}), but none is named as a plan, todo, checkpoint or tool-call record`,
          evidence: [
            ...siblings.slice(0, 2).map((o) => at(o, `${o.call.callee}(${o.call.args[0]}) in ${fnLabel(o.call.fn, o.call.file)} writes a record apart from the transcript`)),
            at(t, `${t.call.callee}(${t.call.args[0]}) in ${fnLabel(t.call.fn, t.call.file)} writes the transcript`),
          ],
        };
      }
    }
    // In-memory only: a run object keeping state/metrics beside (not inside) its message memory.
    for (const f of ctx.source) {
      for (const c of f.classes) {
        const ms = c.members.map((m) => words(m).join('_'));
        const st = ms.find((m) => STATE_MEMBER.has(m));
        const tr = ms.find((m) => TRANSCRIPT_MEMBER.has(m));
        if (st && tr) {
          return {
            level: 'partial',
            reason: `${c.name} keeps ${st} apart from ${tr}, but only in memory; nothing is persisted`,
            evidence: [{ file: f.path, line: c.line, reason: `class ${c.name} holds ${st} beside ${tr} in memory` }],
          };
        }
      }
    }
    // Or the class is itself the run's state, named so (`AgentState`, `RunState`), and holds the message memory as one of
    // its members beside records of the run's own (`last_code_executed`, `intermediate_values`): kept apart, in memory.
    for (const f of ctx.source) {
      for (const c of f.classes) {
        if (words(c.name).at(-1) !== 'state') continue;
        const tr = c.members.find((m) => TRANSCRIPT_MEMBER.has(words(m).join('_')));
        // Its data members, not its methods (`initialize`, `to_dict`).
        const own = c.members.filter((m) => !TRANSCRIPT_MEMBER.has(words(m).join('_')) && !ASIDE_MEMBER.test(m) && !f.functions.some((d) => d.name === `${c.name}.${m}`));
        if (tr && own.length >= 2) {
          return {
            level: 'partial',
            reason: `${c.name} keeps the run's state (${own.slice(0, 3).join(', ')}) beside its ${tr}, but only in memory; nothing is persisted`,
            evidence: [{ file: f.path, line: c.line, reason: `class ${c.name} holds ${own.slice(0, 3).join(', ')} beside ${tr} in memory` }],
            confidence: 'low',
          };
        }
      }
    }
    // Sure only when nothing is written and no declared shape keeps other records beside the message list: one that does
    // (`interface ConversationContext { messages; edits; projectEvolution; … }`) may be workflow state kept apart in memory,
    // which is partial, though its members' names do not say so.
    return { level: 'absent', reason: 'no workflow state (plan, todos, checkpoints, tool-call records, metrics) is stored apart from the conversation', evidence: [], confidence: writesNothing(ctx) && !recordsBesideMessages(ctx) ? 'high' : 'low' };
  },
});
