import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { shortName } from '../context.js';
import { agentLoops } from '../shared/loop.js';
import { documentArg, indexedDbSessionStore, RECOVERY_STRING, rowFields, sessionTable, stepRecordRows, stringHits } from '../shared/persist.js';
import { harnessPersistOps, offPathUi } from '../shared/ui.js';
import { words, atomicWriters, containerRow, foreignRecord, callersOf, wrapperCall, carriesTranscript, frameworkSaver, persistOps, platformCheckpointer, composedRecord, insertsRow, transcriptFirst, writesNothing, type PersistOp } from '../shared/persist.js';

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });
/** Keys of a tool result tied to its call: `tool_use_id`, `toolCallId`, `call_id`, `functionResponse`. */
/** An identifier naming the placeholder result of a tool call that got none: `TOOL_NO_RESPONSE`, `INTERRUPTED_RESULT`, `missingToolResult`. */
const RECOVERY_NAME = /\b\w*(?:no_?response|no_?result|interrupted_?(?:tool|result|call)|missing_?tool_?(?:response|result))\w*\b/i;
/** A placeholder named for a one-time migration of old histories (`MIGRATION_MISSING_TOOL_RESULT_TEXT`), not for a run's recovery on reload. */
const MIGRATION_NAME = /migrat|legacy/i;
const TOOL_RESULT_KEY = /^(?:tool_?(?:call|use)_?id|call_?id|tool_?result|function_?response)$/i;
/** Checkpointers backed by a database: each step is committed in a transaction, and a resumed run continues after the last committed step. */
const DATABASE_SAVER = /Sqlite|SQLite|Postgres|Redis|MongoDB|SqlAlchemy/;

/**
 * A completion flag or list: `step["completed"] = True`, `state.finished_steps = […]`, `this.completedSteps = …`.
 * The list holds records (a column, a list grown per step); a name bound to a string (`self.completed_tasks =
 * queue_name + "_q_completed"`, the key of a Redis list) only names where a queue keeps them.
 */
const DONE_KEY = /^['"](?:completed|done|finished)['"]$/;
const DONE_FIELD = /^(?:completed|finished|done)_?(?:steps|tasks|actions|calls)$/i;

const QUOTED = String.raw`[rbfuRBFU]*(?:'[^']*'|"[^"]*"|\`[^\`]*\`)`;
/** Text built from names and string literals only: `queue_name + "_q_completed"`, `f"{name}_done"`, `"%s_done" % name`. */
const STRING_EXPR = new RegExp(String.raw`^(?:[\w.]+|${QUOTED})(?:\s*[+%]\s*(?:[\w.]+|${QUOTED}))*$`);
/** A binding whose value is a string (a key or queue name spelled for the done list, not the list of records). */
const stringValue = (v: string) => /^(?:str|String)\(/.test(v) || /['"\`]\s*\.(?:format|join)\(/.test(v) || (/['"\`]/.test(v) && STRING_EXPR.test(v.trim()));

/**
 * An atomic rewrite of a log file: the file renamed into place, or the function doing it, is named for logs
 * (`fs.rename(tempPath, this.logFilePath)` in `trimLogFile`, `os.replace(tmp, log_path)` in `rotate_logs`). Trimming
 * or rotating a log with temp file + rename keeps the log whole; it says nothing of the session surviving a crash.
 */
const LOG_WORD = new Set(['log', 'logs', 'logfile', 'logger']);
/** An append whose function or class, or the file it appends to, is named for a log or debugging. */
function logJournal(o: PersistOp): boolean {
  return [o.call.fn, o.call.args[0] ?? ''].some((t) => words(t).some((w) => LOG_WORD.has(w) || w === 'debug'));
}
function logRewrite(o: PersistOp): boolean {
  if (o.kind === 'transaction') return false;
  const target = o.kind === 'rename' ? o.call.args[1] ?? o.call.args[0] ?? '' : o.call.args[0] ?? '';
  return words(target).some((w) => LOG_WORD.has(w)) || /\.log\b/.test(target) || words(shortName(o.call.fn)).some((w) => LOG_WORD.has(w));
}

/** Words of a function that fetches something into place: a download, a pulled image, an unpacked archive. */
const FETCH_WORD = new Set(['download', 'downloads', 'pull', 'fetch', 'install', 'extract', 'unpack']);
/**
 * A file of something else fetched into place through a temp file (`pull_container_disk` writing the image's bytes to a
 * temp path and renaming it over the cached copy): the download lands whole, but nothing of the run is kept by it.
 */
function fetchRewrite(o: PersistOp): boolean {
  if (o.subject !== 'other') return false;
  // The rename itself, or a call of the function that makes it (`pull_tokenizer(url, dest)` in the run).
  const fn = o.kind === 'rename' ? o.call.fn : o.via?.atomic ? o.via.fn : undefined;
  return !!fn && words(shortName(fn)).some((w) => FETCH_WORD.has(w));
}

/**
 * Words of a function (class and method) whose commit is not the run saving its session: erasing or cancelling
 * (`deleteThread`, `_pop_item`, `cancelRun`), seeding or setting up the schema (`_init_db_for_connection`,
 * `WorkflowSeed.build_…`, `migrate`), handling an error (`ErrorHandler.handle_openai_errors`).
 */
/** A function named for what the run writes each turn (`appendNewMessageToThread`, `execute_step`): its commit is the save. */
const TURN_WORD = new Set(['message', 'messages', 'turn', 'turns', 'step', 'steps']);
const SIDE_COMMIT = new Set(['delete', 'remove', 'clear', 'purge', 'drop', 'destroy', 'pop', 'cancel', 'reset', 'init', 'initialize', 'setup', 'seed', 'migrate', 'migration', 'migrations', 'schema', 'error', 'errors', 'exception', 'exceptions']);

/**
 * Where a binding can be a member of the run's state: at module or class level (a column, a field) or in a method
 * (`self.finished_steps = …`). In a plain function it is a local: `completed_tasks = []` in a request handler is the
 * list it builds for its response, not a record the run commits.
 */
const member = (fn: string) => fn === '<top>' || fn.includes('.');

/**
 * The run marks each step done in the state it commits (`step["completed"] = True` before the commit, a
 * `finished_steps` list grown per step): a resumed run can skip what finished. Judged over item sets and bindings.
 */
function stepsMarkedDone(ctx: Parameters<typeof persistOps>[0]): boolean {
  for (const f of ctx.source) {
    if ((f.itemSets ?? []).some((s) => DONE_KEY.test(s.key) && /^(?:True|true)$/.test(s.value))) return true;
    if ((f.binds ?? []).some((b) => DONE_FIELD.test(b.name) && member(b.fn) && !stringValue(b.value))) return true;
  }
  return false;
}

/** Words naming the saved session's records (`convertSessionToClientHistory`, `restore_saved_messages`, `replayTranscript`). */
const SAVED_WORD = new Set(['session', 'sessions', 'saved', 'stored', 'persisted', 'transcript', 'journal', 'checkpoint', 'checkpoints']);
/** Words naming a load or conversion back into the model's history. */
const RELOAD_WORD = new Set(['convert', 'restore', 'load', 'rebuild', 'hydrate', 'rehydrate', 'replay', 'resume', 'reconstruct', 'deserialize']);
/** What a conversion turns the saved records into (`sessionToHistory`, `session_to_messages`). */
const HISTORY_WORD = new Set(['history', 'messages', 'client', 'model', 'chat', 'contents', 'conversation']);
/** A set of the tool calls a run has already completed (`completedCallIds`, `executed_tool_call_ids`), consulted to skip them. */
/** Tool calls left without a result, and the words of the calls. */
const UNFINISHED_WORD = new Set(['dangling', 'orphan', 'orphaned', 'orphans', 'unfinished', 'unanswered', 'unresolved', 'incomplete']);
/**
 * `interrupted` names a live turn the user cut short as often as a run a crash cut off (`_interrupted_tool_output` is the
 * answer a voice turn gives a call it stops): only with a verb that mends what was left (`closeInterruptedSyncTools`,
 * `reconcile_interrupted_history`) is it a step that settles the calls a stopped run left open.
 */
const MEND_WORD = new Set(['close', 'reconcile', 'repair', 'heal', 'settle', 'fix', 'patch', 'sanitize', 'finalize', 'cleanup']);
const unfinishedName = (ws: readonly string[]) => ws.some((w) => UNFINISHED_WORD.has(w)) || (ws.includes('interrupted') && ws.some((w) => MEND_WORD.has(w)));
/** What such a step closes: the tool calls, or the history that ends in them (`reconcile_interrupted_history`). */
const CALL_WORD = new Set(['tool', 'tools', 'call', 'calls', 'invocation', 'invocations', 'history']);
/** A key or type value spelled as a model API's tool-result part (not a display history's `toolCallId` entry). */
const API_RESULT_KEY = /^(?:tool_call_id|tool_use_id|call_id|functionResponse|function_response)$/;
const API_RESULT_TYPE = /^['"`](?:tool_result|tool-result|function_call_output)['"`]$/;
function toolResultPart(o: { keys: string[]; values: Record<string, string> }): string | undefined {
  const k = o.keys.find((x) => API_RESULT_KEY.test(x));
  if (k) return k;
  return API_RESULT_TYPE.test(o.values.type ?? '') ? `type ${o.values.type}` : undefined;
}
/** A database call writing one row or document: an insert, an upsert, an ORM save, an IndexedDB put. */
const RECORD_WRITE = /^(?:insert|insertOne|insert_one|create|add|save|put|upsert|put_item|update_one|updateOne|replaceOne|replace_one)$/;
/** Key-value storage of a browser or an editor, rewritten whole under a key. */
const KV_STORAGE = /(?:localStorage|sessionStorage|chrome\.storage|browser\.storage|AsyncStorage|globalState|workspaceState|Memento)/;
/** A callee with its inner argument lists folded: `AgentRun(…).save`. */
const calleeText = (o: PersistOp) => o.call.callee.replace(/\([^]*\)/, '(…)').replace(/\s+/g, '');
const DONE_CALLS = /^_?(?:completed|executed|processed|finished|answered)_?(?:tool_?|function_?)?(?:call|invocation)_?ids$/i;

/**
 * The other half of crash safety, seen where no 'interrupted' result is written: a reloaded session gives each
 * recorded tool call its recorded result, so the model sees it done and does not call it again. Either the function
 * that turns the saved records back into the model's history builds tool-result parts paired to their calls (an object
 * keyed `functionResponse`, `tool_call_id`, `tool_use_id` inside `convertSessionToClientHistory`), or the run keeps a
 * set of the call ids already completed and consults it (`completedCallIds.has(call.id)`) before executing a call.
 */
function resultsReloaded(ctx: Parameters<typeof persistOps>[0]): Evidence | undefined {
  return ctx.memo('crash-safe:results-reloaded', () => {
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const ws = words(shortName(fn.name));
        if (!ws.some((w) => SAVED_WORD.has(w))) continue;
        if (!ws.some((w) => RELOAD_WORD.has(w)) && !(ws.includes('to') && ws.some((w) => HISTORY_WORD.has(w)))) continue;
        const o = f.objects.find((x) => x.fn === fn.name && x.line >= fn.line && x.line <= fn.end && toolResultPart(x));
        if (o) return { file: f.path, line: o.line, reason: `${fn.name} rebuilds each saved tool call's result (${toolResultPart(o)}) when the session is loaded back, so a completed call is not run again` };
      }
    }
    // A function named for the tool calls left without a result (`closeDanglingToolCalls`, `repair_orphaned_tool_calls`)
    // that the harness calls: on load it closes them instead of running them again.
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const ws = words(shortName(fn.name));
        if (!unfinishedName(ws) || !ws.some((w) => CALL_WORD.has(w))) continue;
        const callers = callersOf(ctx, fn.name).filter((c) => c.fn !== fn.name);
        if (callers.length > 0) return { file: f.path, line: fn.line, reason: `${fn.name} (called from ${callers[0].fn}) closes the tool calls left without a result, so they are not run again` };
      }
    }
    const repaired = repairedToolCalls(ctx);
    if (repaired) return repaired;
    // Membership tests, from the by-name index of calls.
    for (const c of ['has', 'includes', '__contains__'].flatMap((n) => ctx.callsNamed(n))) {
      const dot = c.callee.lastIndexOf('.');
      if (dot <= 0) continue;
      if (DONE_CALLS.test(shortName(c.callee.slice(0, dot)))) return { file: c.file, line: c.line, reason: `${c.callee}(${c.args[0] ?? ''}) in ${c.fn} checks the calls already completed, so they are not run again` };
    }
    return undefined;
  });
}

/** A string literal naming a model's tool-call part in a message (`'tool-call'`, `'tool_use'`, `'tool-invocation'`), or a call still in flight (`'partial-call'`). */
const TOOL_CALL_PART = /^(?:tool-call|tool_call|tool_use|tool-invocation|function_call|partial-call|input-available|input-streaming)$/;
/**
 * A tool part's state while its call has no result yet: the AI SDK's `partial-call` (v4), `input-streaming`,
 * `input-available` or `approval-requested` (v5). A step that tests for one of them looks for the calls left unfinished.
 */
const IN_FLIGHT = /^(?:partial-call|input-available|input-streaming|approval-requested)$/;
/** A literal given as the result of a call that never got one: 'Error: No result', 'No tool result returned', 'Tool call was interrupted'. */
const NO_RESULT_TEXT = /^['"`](?=[^'"`]*(?:\bno (?:tool )?result\b(?!s)|interrupted|was not completed|never completed|cancel+ed|aborted))/i;
/** A tool part's terminal state in the AI SDK v5 (`output-available`, `output-error`, `output-denied`). */
const OUTPUT_STATE = /^['"`]output-(?:available|error|denied)['"`]/;
/** A tool part forced to fail (`state: 'output-error'`, `'output-denied'`): the call gets an end of its own, with no result to wait for. */
const FORCED_END = /^['"`]output-(?:error|denied)['"`]/;
/** A tool-result part spelled in the object: its call's id, a `type` of tool result, or a tool invocation's `state: 'result'` (v5: `'output-…'`). */
const resultShaped = (o: { keys: string[]; values: Record<string, string> }) =>
  o.keys.some((k) => TOOL_RESULT_KEY.test(k)) || API_RESULT_TYPE.test(o.values.type ?? '') || /^['"`]result['"`]/.test(o.values.state ?? '') || OUTPUT_STATE.test(o.values.state ?? '');
/** `part.type !== 'tool-call'` inside a filter: the tool-call parts are dropped from the message. */
const DROPS_CALLS = /!==?\s*['"`](?:tool-call|tool_call|tool_use|tool-invocation|function_call)['"`]/;

/**
 * A step of the harness that repairs a history whose last tool calls never got a result (a reload after a crash, a
 * stream cut off), by the code's structure rather than its name: a function that looks at the stored model turns (it
 * compares a role with 'assistant', a call's state with 'partial-call', or is named for loading them back) and the
 * tool-call parts in them, and either gives such a call a result of its own (`{ type: 'tool-result', toolCallId,
 * result: 'Error: No result' }`, a tool invocation set to `state: 'result'` with 'Error: Tool call was interrupted')
 * or drops the tool-call parts from the message (`content.filter(p => p.type !== 'tool-call')`). Called from
 * elsewhere in the harness. The call is then not run again.
 */
function repairedToolCalls(ctx: Parameters<typeof persistOps>[0]): Evidence | undefined {
  // The agent loop answering the calls of the turn in flight (a user's stop: 'Interrupted by the user') repairs nothing stored.
  const loops = new Set(agentLoops(ctx).map((l) => `${l.file}#${l.fn}`));
  for (const f of ctx.source) {
    if (!f.strings.some((s) => TOOL_CALL_PART.test(s.value) || IN_FLIGHT.test(s.value))) continue;
    for (const fn of f.functions) {
      if (loops.has(`${f.path}#${fn.name}`)) continue;
      const lits = f.strings.filter((s) => s.line >= fn.line && s.line <= fn.end).map((s) => s.value);
      if (!lits.some((v) => TOOL_CALL_PART.test(v) || IN_FLIGHT.test(v))) continue;
      const reload = words(shortName(fn.name)).some((w) => RELOAD_WORD.has(w));
      const inFlight = lits.some((v) => IN_FLIGHT.test(v));
      if (!reload && !lits.includes('assistant') && !inFlight) continue;
      // A result text of its own, or (where the step walks the stored assistant turns and tests for a call still in
      // flight) the part forced to an error or a denial: `{ ...part, state: 'output-error', errorText }` for a part found
      // `approval-requested` or `input-available`. Not a live stream closing its own parts when the message ends.
      const forced = inFlight && (reload || lits.includes('assistant'));
      // Also inside a callback the step hands its store's update (`update(store, (state) => { … })`).
      const made = f.objects.find(
        (o) =>
          o.line >= fn.line &&
          o.line <= fn.end &&
          resultShaped(o) &&
          (['result', 'content', 'output', 'errorText'].some((k) => NO_RESULT_TEXT.test(o.values[k] ?? '')) || (forced && FORCED_END.test(o.values.state ?? ''))),
      );
      const dropped = made ? undefined : f.calls.find((c) => c.fn === fn.name && c.name === 'filter' && DROPS_CALLS.test(c.args[0] ?? '') && lits.some((v) => /^(?:tool|tool-result|tool_result|function_call_output)$/.test(v)));
      const at = made ?? dropped;
      if (!at) continue;
      const callers = callersOf(ctx, fn.name).filter((c) => c.fn !== fn.name);
      if (callers.length === 0) continue;
      return {
        file: f.path,
        line: at.line,
        reason: made
          ? `${fn.name} (called from ${callers[0].fn}) gives a tool call left without a result in the history a result of its own (${Object.entries(made.values).filter(([k]) => ['result', 'content', 'output', 'errorText'].includes(k) && NO_RESULT_TEXT.test(made.values[k] ?? '')).map(([, v]) => v.slice(0, 40))[0] ?? `state ${made.values.state}`}), so it is not run again`
          : `${fn.name} (called from ${callers[0].fn}) drops the tool calls that have no result in the history, so they are not run again`,
      };
    }
  }
  return undefined;
}

/**
 * The insert is the second half of a replacement made in one transaction: inside `db.transaction(async (tx) => …)` the
 * callback's handle first deletes the same table's rows (`tx.delete(messages)…`) and then inserts them (`tx.insert(messages)`).
 * The whole conversation is rewritten, atomically: not one row appended per message.
 */
function replacedInTransaction(ctx: Parameters<typeof persistOps>[0], o: PersistOp): { tx: { file: string; line: number; callee: string }; del: { callee: string } } | undefined {
  const calls = ctx.callsIn(o.call.file, o.call.fn);
  const table = (c: { callee: string; args: string[] }) => (/\.(?:insert|delete)\s*\(\s*([\w.]+)\s*\)/.exec(c.callee)?.[1] ?? c.args[0] ?? '').trim();
  const own = table(o.call);
  for (const t of calls) {
    if (t.name !== 'transaction' || t.line > o.call.line || o.call.line - t.line > 30) continue;
    const param = /^(?:async\s*)?\(?\s*(\w+)/.exec(t.args[0] ?? '')?.[1];
    if (!param || !o.call.callee.startsWith(`${param}.`)) continue;
    const del = calls.find((c) => c.name === 'delete' && c.callee.startsWith(`${param}.`) && c.line >= t.line && c.line < o.call.line && table(c) === own);
    if (del) return { tx: { file: t.file, line: t.line, callee: t.callee }, del: { callee: del.callee.replace(/\(.*$/s, '') } };
  }
  return undefined;
}

export default defineRule({
  id: 'persistence.crash-safe',
  principle: 'persistence',
  title: 'Session writes are atomic or append-only',
  rationale:
    'A crash in the middle of rewriting a session file corrupts it; append-only journals, temp-file-and-rename or transactions keep the last good state, and recognising completed tool calls on resume avoids running side effects twice.',
  remediation:
    'Build the session store as an append-only JSONL journal (or write a temp file and rename it), and on resume mark tool calls without results as interrupted instead of re-running them, as in the exemplar journal.',
  exemplar: 'src/reference-harness/persistence/journal.ts',
  detect(ctx) {
    const ops = harnessPersistOps(ctx);
    // The append itself before the calls of a wrapper around it.
    // A journal is named for the session by its path or data, or carries the messages: an append
    // whose only tie to the session is the enclosing function's name (`appendLog` in `onUserMessage`) is a log.
    const journal = ops
      // Or each event the run records, serialised to a record of its own (an event store written per event).
      // A record whose fields are in view and are neither a message nor a message list (`{ ts, eventType, payload }`,
      // `{ cursor, timestamp, content }`) is a note kept beside the conversation (a team's event history, a memory
      // entry, a log of what a step did): appending it journals that note, not the session.
      .filter((o) => o.kind === 'append' && o.subject === 'session' && (o.strength >= 3 || carriesTranscript(o) || o.record === 'event') && !foreignRecord(ctx, o))
      // A transcript's own journal before a debug or run log that also records the exchange (`ChatDebugFileLogger`,
      // `log_llm_history`): the log keeps a copy to read, the transcript is what the session is.
      .sort((a, b) => Number(wrapperCall(ctx, a)) - Number(wrapperCall(ctx, b)) || Number(logJournal(a)) - Number(logJournal(b)));
    /** The temp-file rename inside an atomic wrapper: the line that makes the write atomic. */
    const renameIn = (o: PersistOp): Evidence[] => {
      if (!o.via) return [];
      const own = ops.filter((x) => x.kind === 'rename' && x.call.file === o.via!.file && x.call.fn === o.via!.fn);
      const r = own.find((x) => /tmp|temp|staging|partial|\.new/i.test(x.call.args[0] ?? '')) ?? own[0];
      if (r) return [at(r, `${r.call.callee}(${r.call.args.slice(0, 2).join(', ')}) in ${r.call.fn} renames the temp file into place`)];
      // A queued write flushed by an atomic-write package's writeFile in the same file.
      const lib = ops.find((x) => x.atomicLib && x.call.file === o.via!.file);
      return lib ? [at(lib, `${lib.call.callee}() in ${lib.call.fn} is an atomic-write package's write (temp file + rename)`)] : [];
    };
    /** An append, and the wrapper it goes through (`LineRecorder.record`, which opens its file in append mode). */
    const journalAt = (o: PersistOp) => at(o, `${o.call.callee}() in ${o.call.fn} appends to the session journal${o.via ? ` through ${o.via.fn}, which opens its file for appending (${o.via.file}:${o.via.line})` : ''}`);
    const atomic = atomicWriters(ctx);
    // Among transactions, the commit the harness goes through most (callers of its function and of their functions,
    // linked by name) before a one-off (an importer's or a migration's commit).
    const fanIn = new Map<string, number>();
    const reach = (o: PersistOp) => {
      let v = fanIn.get(o.call.fn);
      if (v === undefined) {
        const callers = callersOf(ctx, o.call.fn);
        v = callers.length + callers.slice(0, 20).reduce((n, c) => n + callersOf(ctx, c.fn).length, 0);
        fanIn.set(o.call.fn, v);
      }
      return v;
    };
    // A function that exists to commit or save (`commit_with_retry`, `saveState`) first.
    const committer = (o: PersistOp) => (/(?:^|_|[a-z])(?:commit|save|persist|flush|checkpoint)/i.test(shortName(o.call.fn)) ? 0 : 1);
    // A commit in a function that deletes, cancels, seeds, sets up the schema or handles an error keeps its rows
    // whole, but it is not how the run saves the session: the commits of the run's own writes come first.
    const aside = (o: PersistOp) => (words(o.call.fn).some((w) => SIDE_COMMIT.has(w)) ? 2 : words(shortName(o.call.fn)).some((w) => TURN_WORD.has(w)) ? 0 : 1);
    // A commit whose function stages only the session's header row (`create_session`) after the commits of the turns' rows.
    const headerOnly = (o: PersistOp) => {
      const staged = ops.filter((x) => x.kind === 'db-write' && x.call.file === o.call.file && x.call.fn === o.call.fn);
      return staged.length > 0 && staged.every(containerRow) ? 1 : 0;
    };
    const atomicSession = transcriptFirst(atomic.filter((o) => o.subject === 'session')).sort((a, b) => (a.kind === 'transaction' && b.kind === 'transaction' ? aside(a) - aside(b) || headerOnly(a) - headerOnly(b) || committer(a) - committer(b) || reach(b) - reach(a) : 0));
    // Recognising unfinished tool calls: an 'interrupted'/'no result' text put into a synthetic tool
    // result (an object keyed by the tool call's id) near it, not any message that mentions an interruption.
    const recovery: Evidence[] = [];
    // The strings under 120 characters that RECOVERY_STRING finds, per file, from the shared pass.
    const hits = stringHits(ctx);
    for (const f of ctx.source) {
      for (const s of hits.get(f.path)?.recovery ?? []) {
        const result = f.objects.find((o) => Math.abs(o.line - s.line) <= 8 && o.keys.some((k) => TOOL_RESULT_KEY.test(k)));
        if (result) recovery.push({ file: f.path, line: s.line, reason: `'${s.value.slice(0, 60)}' is given as the result of a tool call left unfinished, so it is not run again` });
      }
      // A text too long for the string facts, read off the synthetic result itself (`{ content: 'Error: Tool execution
      // was interrupted (session crashed …)', role: 'tool', tool_call_id }`).
      if (!hits.get(f.path)?.recovery.length) {
        for (const o of f.objects) {
          if (!o.keys.some((k) => TOOL_RESULT_KEY.test(k))) continue;
          // Or named by a constant rather than spelt (`content=cancel_message(Reason.TOOL_NO_RESPONSE)`, `INTERRUPTED_RESULT`).
          const text = Object.values(o.values).find((v) => (/^['"`]/.test(v) && RECOVERY_STRING.test(v)) || (!/^['"`]/.test(v) && RECOVERY_NAME.test(v) && !MIGRATION_NAME.test(v)));
          if (text) recovery.push({ file: f.path, line: o.line, reason: `${text.slice(0, 60)} is given as the result of a tool call left unfinished, so it is not run again` });
        }
      }
      if (recovery.length > 2) break;
    }
    const reloaded = recovery.length === 0 ? resultsReloaded(ctx) : undefined;
    if (reloaded) recovery.push(reloaded);
    const saver = frameworkSaver(ctx);
    if (saver && DATABASE_SAVER.test(saver.callee)) {
      return {
        level: 'present',
        reason: `the session is checkpointed by ${saver.callee}, which commits each step in a database transaction and resumes after the last committed step instead of re-running it`,
        evidence: [{ file: saver.file, line: saver.line, reason: `${saver.callee}() commits the run's state per step` }],
        // As for a LangGraph deployment below: that each step is committed and a resumed run skips the finished ones is
        // the framework's behaviour, not seen in the repo, and the saver may sit in one optional component among others
        // while the harness's own records are written otherwise: not certain.
        confidence: 'low',
      };
    }
    const platform = platformCheckpointer(ctx);
    if (platform) {
      return {
        level: 'present',
        reason: 'the agent runs as a LangGraph server deployment: its database checkpointer commits each step, and a resumed run continues after the last committed step instead of re-running it',
        evidence: [{ file: platform.file, line: platform.line, reason: platform.what }, ...recovery.slice(0, 1)],
        // The deployment makes each step durable; that a resumed run recognises completed tool calls is the server's
        // behaviour, not seen in the repo (a graph with no side-effecting tools has nothing to recognise): not certain.
        confidence: 'low',
      };
    }
    // One database row per message (`db.insert(message)`, `new PutCommand({ Item: messageItem })`): append-style,
    // but crash-safe only with the other half, recognising unfinished tool calls on reload.
    // A document inserted with the whole message list in it (`conversations.insertOne({ title, messages, … })`, a MongoDB
    // conversation document) is the conversation created whole, not one row per message.
    const LIST_KEY = /^(?:messages|history|chat_?history|transcript|turns)$/i;
    const wholeList = (o: PersistOp) => !!documentArg(ctx, o.call)?.keys.some((k) => LIST_KEY.test(k)) || !!rowFields(ctx, o.call, o.kind)?.some((k) => LIST_KEY.test(k));
    // A table named for the conversation itself (`messages`) before one only holding the word (`message_file_items`).
    const rows = transcriptFirst(ops.filter((o) => o.kind === 'db-write' && o.subject === 'session' && insertsRow(o) && (o.strength >= 2 || !!o.payload) && !composedRecord(ctx, o) && !wholeList(o))).sort((a, b) => Number(!sessionTable(a)) - Number(!sessionTable(b)));
    const swap = rows.length > 0 ? replacedInTransaction(ctx, rows[0]) : undefined;
    const rowsHow = swap
      ? `the conversation's rows are replaced inside a database transaction (${swap.del.callee} then ${rows[0].call.callee} in ${swap.tx.callee}), so a save is all or nothing`
      : `each message is inserted as its own database row (${rows[0]?.call.callee} in ${rows[0]?.call.fn})`;
    const rowsAt = (): Evidence[] =>
      swap
        ? [{ file: swap.tx.file, line: swap.tx.line, reason: `${swap.tx.callee}() deletes the conversation's rows and inserts them again in one transaction` }]
        : [at(rows[0], `${rows[0].call.callee}() in ${rows[0].call.fn} inserts one message row`)];
    if (rows.length > 0 && recovery.length > 0 && journal.length === 0) {
      return {
        level: 'present',
        reason: `${rowsHow}, and a tool call left without a result is given a synthetic result on reload instead of being run again`,
        evidence: [...rowsAt(), ...recovery.slice(0, 1)],
      };
    }
    if (journal.length > 0 || atomicSession.length > 0) {
      const first = journal[0] ?? atomicSession[0];
      // Whole-session rewrites made atomic, with nothing that recognises an unfinished tool call on
      // reload: the file survives a crash, but what ran since the last save is lost or run again.
      // Likewise a session rewritten inside a database transaction: the row survives, the step in flight is run again.
      if (journal.length === 0 && recovery.length === 0 && first.kind === 'transaction' && !stepsMarkedDone(ctx)) {
        return {
          level: 'partial',
          reason: `the session is committed in a database transaction (${first.call.callee} in ${first.call.fn}), so a write is all or nothing, but nothing recognises a tool call left unfinished on reload`,
          evidence: [at(first, `${first.call.fn} writes the session inside a transaction`)],
        };
      }
      if (journal.length === 0 && recovery.length === 0 && atomicSession.every((o) => o.kind !== 'transaction')) {
        return {
          level: 'partial',
          reason: `the session is ${first.via ? `written by ${first.call.fn} through ${first.via.fn}, which writes a temp file and renames it into place` : first.atomicLib ? `written by ${first.call.fn} through an atomic-write package` : `written to a temp file and renamed into place by ${first.call.fn}`}, but it is rewritten whole and nothing recognises a tool call left unfinished on reload`,
          evidence: [...atomicSession.slice(0, 1).flatMap(renameIn), at(first, `${first.call.callee}() in ${first.call.fn} rewrites the whole session atomically`)],
        };
      }
      // Appended to a journal, so no record is half-made, but nothing recognises a tool call already run when the
      // session is reloaded: half of the catalog's two (as for rows, transactions and atomic rewrites above).
      if (journal.length > 0 && recovery.length === 0 && !stepsMarkedDone(ctx)) {
        return {
          level: 'partial',
          reason: `session records are appended to a journal (${first.call.callee} in ${first.call.fn}), so no write is left half-made, but nothing recognises a tool call already run when the session is reloaded`,
          evidence: journal.slice(0, 2).map(journalAt),
        };
      }
      // Resolved: the session write is a call of a wrapper that writes a temp file and renames it (or an atomic-write package).
      const resolved = journal.length === 0 && (!!first.via?.atomic || !!first.atomicLib) && carriesTranscript(first);
      const how =
        journal.length > 0
          ? `appended to a journal (${first.call.callee} in ${first.call.fn})`
          : first.kind === 'transaction'
            ? `committed in a database transaction (${first.call.callee} in ${first.call.fn})`
            : `written to a temp file and renamed into place (${first.via ? `${first.call.fn} through ${first.via.fn}` : first.call.fn})`;
      return {
        level: 'present',
        reason: `session records are ${how}${atomicSession.length && journal.length ? `; rewrites go through ${atomicSession[0].kind === 'transaction' ? 'a transaction' : 'temp file + rename'} in ${atomicSession[0].call.fn}` : ''}${recovery.length ? `; a tool call left unfinished is recognised on reload (${recovery[0].file}:${recovery[0].line})` : ''}`,
        evidence: [
          ...journal.slice(0, 2).map(journalAt),
          ...(journal.length === 0 ? atomicSession.slice(0, 1).flatMap(renameIn) : []),
          ...atomicSession.slice(0, 1).map((o) =>
            at(
              o,
              o.kind === 'transaction'
                ? `${o.call.fn} writes the session inside a transaction`
                : o.via
                  ? `${o.call.callee}() writes the session through ${o.via.fn}, which writes a temp file and renames it into place`
                  : o.atomicLib
                    ? `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} writes the session through an atomic-write package (temp file + rename)`
                    : `${o.call.callee}(${o.call.args.slice(0, 2).join(', ')}) renames a temp file over the session file`,
            ),
          ),
          ...recovery.slice(0, 1),
        ],
        confidence: resolved ? 'high' : 'low',
      };
    }
    if (rows.length > 0) {
      return {
        level: 'partial',
        reason: `${rowsHow}${swap ? '' : ', so writes are append-style'}, but nothing recognises tool calls left unfinished when a session is reloaded`,
        evidence: rowsAt(),
      };
    }
    // The sessions kept in a client store persisted to IndexedDB (zustand persist with an idb-keyval adapter, localforage):
    // each save replaces the whole serialised store in one put, which IndexedDB runs in its own transaction. The stored
    // value is never half-written, but it is a snapshot, not a journal, and nothing recognises an unfinished tool call.
    const client = indexedDbSessionStore(ctx, (f) => offPathUi(ctx, f));
    if (client) {
      const { store, put: idbPut } = client;
      return {
        level: 'partial',
        reason: `the sessions are kept in a store persisted by ${store.api === 'persist' ? "zustand's persist middleware" : store.api} to IndexedDB (${idbPut.callee} in ${idbPut.fn}): each save replaces the whole serialised store in one put, atomic but not a journal, and nothing recognises a tool call left unfinished on reload`,
        evidence: [
          { file: idbPut.file, line: idbPut.line, reason: `${idbPut.callee}(${idbPut.args.slice(0, 2).join(', ')}) in ${idbPut.fn} writes the whole persisted store in one IndexedDB put` },
          { file: store.call.file, line: store.call.line, reason: `${store.via ?? store.api}(…, { name: ${store.key} }) is the persisted store holding the sessions` },
        ],
        confidence: 'low',
      };
    }
    const sessionWrites = transcriptFirst(ops.filter((o) => o.subject === 'session' && (o.kind === 'write' || o.kind === 'db-write')));
    // Atomic writes of the run's own records (the session's files, its workflow state), not a transaction about
    // something else the repo stores (a login session's tokens, a billing ledger judged by its fields).
    // Nor the trimming or rotation of a log file with temp file + rename, nor a download renamed into place.
    const own = atomic.filter((o) => !(o.kind === 'transaction' && o.subject === 'other') && !(o.subject === 'other' && logRewrite(o)) && !fetchRewrite(o));
    if (own.length > 0) {
      const a = own[0];
      return {
        level: 'partial',
        reason: `${a.call.fn} writes ${a.subject === 'other' ? 'some files' : a.subject} atomically (${a.kind === 'transaction' ? 'transaction' : 'temp file + rename'}), but the session itself ${sessionWrites.length ? `is rewritten in place by ${sessionWrites[0].call.fn}` : 'is not journaled'}`,
        evidence: [
          ...renameIn(a),
          at(a, a.kind === 'transaction' ? `${a.call.fn} wraps writes in a transaction` : a.atomicLib ? `${a.call.callee}() in ${a.call.fn} writes through an atomic-write package (temp file + rename)` : `${a.call.callee}(${a.call.args.slice(0, 2).join(', ')}) renames a temp file into place`),
          ...sessionWrites.slice(0, 1).map((o) => at(o, `${o.call.callee}() in ${o.call.fn} overwrites the session without a temp file`)),
        ],
      };
    }
    // The run's own record of what it did, committed row by row: a transaction (judged 'other' by its writes) in the file
    // that inserts rows into a table of the run's steps (see stepRecordRows). Each step's row is all or nothing, though the
    // conversation itself is not journaled and nothing recognises a finished call on reload.
    const stepRows = stepRecordRows(ctx, ops);
    const stepCommit = stepRows.length > 0 ? atomic.find((t) => t.kind === 'transaction' && t.subject === 'other' && stepRows.some((r) => r.call.file === t.call.file)) : undefined;
    if (stepCommit) {
      const row = stepRows.find((r) => r.call.file === stepCommit.call.file && r.call.fn === stepCommit.call.fn) ?? stepRows.find((r) => r.call.file === stepCommit.call.file)!;
      return {
        level: 'partial',
        reason: `the run's record of its steps is inserted row by row (${row.call.callee} into ${row.text.split(' ')[0]} in ${row.call.fn}) and committed in a transaction (${stepCommit.call.fn}), so each row is all or nothing, but the session itself is not journaled and nothing recognises a tool call already run on reload`,
        evidence: [
          at(stepCommit, `${stepCommit.call.callee}() in ${stepCommit.call.fn} commits the run's step rows as one transaction`),
          at(row, `${row.call.callee}() in ${row.call.fn} inserts one row of the run's record (${row.text.split(' ')[0]})`),
        ],
        confidence: 'low',
      };
    }
    // The other half alone: no write is atomic or append-only, but the harness has a step of its own that recognises the
    // tool calls left unfinished or already completed (a function that closes them, a rebuild of saved results on load, a
    // set of completed call ids), so they are not run again. One of the catalog's two, as an atomic write alone is.
    // Not an 'interrupted' text alone: that is also the result a live run gives a call the user stops, which says
    // nothing of a reloaded session.
    const recognised = resultsReloaded(ctx);
    // The session saved as a database record, one call writing one row or document (`AgentRun(…).save(session)`,
    // `db.put('sessions', record)`, `prisma.run.create(…)`): the database makes each such write all or nothing, though
    // nothing recognises a tool call already run on reload. A key of a browser's or an editor's key-value storage
    // (`localStorage.setItem`, `chrome.storage.local.set`) is a value rewritten whole, not a database write. Nor one
    // message built in place with its role (`db.insert(taskMessages).values({ role: 'user', … })` in a request handler),
    // as for the rows above: that stores the request, not the run's saves.
    const dbRecord = !recognised ? sessionWrites.find((o) => o.kind === 'db-write' && o.strength >= 2 && RECORD_WRITE.test(o.call.name) && !KV_STORAGE.test(o.call.callee) && !composedRecord(ctx, o)) : undefined;
    if (dbRecord) {
      return {
        level: 'partial',
        reason: `the session is saved as a database record (${calleeText(dbRecord)} in ${dbRecord.call.fn}), which the database writes all or nothing, but there is no journal of the run and nothing recognises a tool call already run on reload`,
        evidence: [at(dbRecord, `${calleeText(dbRecord)}() in ${dbRecord.call.fn} writes one session record in a single database write`)],
        confidence: 'low',
      };
    }
    if (recognised) {
      return {
        level: 'partial',
        reason: `tool calls left unfinished or already completed are recognised (${recognised.file}:${recognised.line}), so they are not run again, but ${sessionWrites.length ? `the session is written by ${sessionWrites[0].call.fn} (${sessionWrites[0].call.callee}) with no journal, temp-file rename or transaction` : 'no session write is journaled, renamed from a temp file or made in a transaction'}`,
        evidence: [recognised, ...sessionWrites.slice(0, 1).map((o) => at(o, `${o.call.callee}() in ${o.call.fn} overwrites the session without a temp file`))],
        confidence: 'low',
      };
    }
    return {
      level: 'absent',
      reason: sessionWrites.length
        ? `the session is written by ${sessionWrites[0].call.fn} (${sessionWrites[0].call.callee}) with no journal, temp-file rename or transaction, and nothing recognises completed tool calls on reload`
        : 'no append-only journal, temp-file rename or transaction protects any session write',
      evidence: [],
      confidence: writesNothing(ctx) ? 'high' : 'low',
    };
  },
});
