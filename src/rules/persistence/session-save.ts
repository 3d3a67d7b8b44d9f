import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { GENERIC, loopReachResolved, reachedFromLoop } from '../shared/loop.js';
import { words, callersOf, carriesTranscript, recordHoldsTranscript, containerRow, conversationLink, commandBranch, wrapperCall, composedRecord, foreignRecord, frameworkSaver, optInCheckpointer, insertsRow, mastraThreadStore, persistOps, platformCheckpointer, savedPerMessage, sessionClientStore, stepRecordRows, transcriptFirst, transcriptLogged, writesNothing, sessionTable, type PersistOp } from '../shared/persist.js';
import { shortName } from '../context.js';
import { harnessPersistOps, offPathUi } from '../shared/ui.js';
import { classIndex } from '../shared/resolve.js';

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });
const WIRED_ANON = /^(<anon>|<top>|GET|POST|PUT|PATCH|DELETE|default)$/;
/** Words of a function that erases, renames or prunes stored sessions: it rewrites the store, but it is not the run saving its turns. */
const ERASE_WORD = new Set(['delete', 'remove', 'clear', 'purge', 'drop', 'destroy', 'erase', 'rename', 'prune', 'truncate', 'cleanup']);
const erases = (o: PersistOp) => words(shortName(o.call.fn)).some((w) => ERASE_WORD.has(w));

/** Whether the function holding a write is called from somewhere else in the harness. */
function wired(ctx: Parameters<typeof persistOps>[0], o: PersistOp): boolean {
  const s = shortName(o.call.fn);
  if (WIRED_ANON.test(s)) return true;
  return callersOf(ctx, o.call.fn).length > 0;
}

/** The write sits inside a loop of its own function: it runs once per streamed event or item. */
function inLoop(ctx: Parameters<typeof persistOps>[0], o: PersistOp): boolean {
  return !!ctx.file(o.call.file)?.loops.some((l) => l.fn === o.call.fn && o.call.line > l.line && o.call.line <= l.end);
}


type Ctx = Parameters<typeof persistOps>[0];

/**
 * Names used as a bare value (`storage: PostgresAdapter`, `session_cls = FileSession`, a call's argument, a list of
 * providers): a class handed on to be constructed elsewhere (a factory, a dependency-injection container).
 */
function bareValues(ctx: Ctx): Set<string> {
  return ctx.memo('session-save:bare-values', () => {
    const out = new Set<string>();
    const add = (v: string | undefined) => {
      const t = (v ?? '').trim();
      if (/^[A-Z]\w*$/.test(t)) out.add(t);
      // A list of classes (`providers: [ThreadsService, MessageStore]`) registered with a container.
      else if (/^\[\s*[A-Z]\w*(?:\s*,\s*[A-Z]\w*)*\s*,?\s*\]$/.test(t)) for (const n of t.slice(1, -1).split(',')) add(n);
    };
    for (const f of ctx.source) {
      for (const b of f.binds ?? []) add(b.value);
      for (const o of f.objects) for (const v of Object.values(o.values)) add(v);
    }
    // A class handed to a call (`new SyncDescriptor(ChatStore)`, `container.register(Store)`): constructed by its receiver.
    for (const c of ctx.calls) for (const a of c.args) add(a);
    return out;
  });
}

/** Class names used as the receiver of a call (`DefaultAgent.from_config(…)`, `Store.create(…)`): a factory that constructs it. */
function classReceivers(ctx: Ctx): Set<string> {
  return ctx.memo('session-save:class-receivers', () => {
    const out = new Set<string>();
    for (const c of ctx.calls) {
      const dot = c.callee.lastIndexOf('.');
      if (dot <= 0) continue;
      const recv = shortName(c.callee.slice(0, dot).trim());
      if (/^[A-Z]\w*$/.test(recv)) out.add(recv);
    }
    return out;
  });
}

/** Words of a storage backend's class or base: what it is, a store of the sessions, not an agent or a tool. */
const STORE_WORD = new Set(['store', 'storage', 'adapter', 'session', 'memory', 'repository', 'history', 'saver', 'checkpointer', 'persistence', 'backend', 'db', 'database', 'dao']);

/**
 * The write sits in one of several interchangeable store backends that the harness never constructs: a class that
 * extends or implements a storage base shared with a sibling class (`PostgresMemoryAdapter implements StorageAdapter`
 * beside `D1MemoryAdapter`; `FileSessionManager(RepositorySessionManager)` beside `S3SessionManager`; `SQLiteSession(SessionABC)`
 * beside `RedisSession`), where neither it nor a subclass is constructed (`new X(…)`, `X(…)`) or handed on as a value in
 * the harness's own code. A library offers such backends for its caller to pick and pass in: the session reaches disk
 * only when the caller does, so by default the run saves nothing.
 */
function callerBackend(ctx: Ctx, o: PersistOp): string | undefined {
  const f = ctx.file(o.call.file);
  const own = (f?.classes ?? []).filter((c) => c.line <= o.call.line && o.call.line <= c.end).sort((a, b) => b.line - a.line)[0];
  if (!own) return undefined;
  const idx = classIndex(ctx);
  const ancestors = (name: string, depth = 0, seen = new Set<string>()): Set<string> => {
    for (const info of idx.get(name) ?? []) {
      for (const b of info.bases) {
        if (seen.has(b)) continue;
        seen.add(b);
        if (depth < 3) ancestors(b, depth + 1, seen);
      }
    }
    return seen;
  };
  const mine = ancestors(own.name);
  if (mine.size === 0) return undefined;
  if (![own.name, ...mine].some((n) => words(n).some((w) => STORE_WORD.has(w)))) return undefined;
  // Its family: itself, its siblings under a shared base, and the subclasses of either.
  const family = [...idx.keys()].filter((n) => n === own.name || [...ancestors(n)].some((b) => mine.has(b) || b === own.name));
  const siblings = family.filter((n) => n !== own.name && !mine.has(n));
  if (siblings.length === 0) return undefined;
  const values = bareValues(ctx);
  const descendants = family.filter((n) => n === own.name || ancestors(n).has(own.name));
  const receivers = classReceivers(ctx);
  if (descendants.some((n) => values.has(n) || receivers.has(n))) return undefined;
  const made = descendants.flatMap((n) => ctx.callsNamed(n));
  if (made.length === 0) return own.name;
  // Constructed only as the durable alternative to an in-memory sibling bound to the same name (`session_service =
  // DatabaseSessionService(db_url=uri)` where the same function otherwise binds `session_service = InMemorySessionService()`):
  // a configuration option picks it, and by default the sessions stay in memory.
  const alts = made.map((c) => inMemoryAlternative(ctx, c, family));
  if (alts.every((a) => a)) return `${own.name}, chosen by an option over ${alts[0]!.alt} at ${alts[0]!.file}:${alts[0]!.line}`;
  return undefined;
}

/** A family member named for memory: the default a durable backend is chosen over. */
const IN_MEMORY = /^(?:InMemory|Memory|Ephemeral|Transient|Volatile)\w*$/;

/** Where construction `c` is bound to a name that the same function also binds to an in-memory member of the family. */
function inMemoryAlternative(ctx: Ctx, c: { file: string; fn: string; line: number }, family: string[]): { alt: string; file: string; line: number } | undefined {
  const binds = ctx.file(c.file)?.binds ?? [];
  const b = binds.find((x) => x.fn === c.fn && x.line === c.line);
  if (!b) return undefined;
  for (const x of binds) {
    if (x.fn !== c.fn || x.name !== b.name || x === b) continue;
    const cls = /^(?:new\s+)?(\w+)\s*\(/.exec(x.value)?.[1];
    if (cls && IN_MEMORY.test(cls) && family.includes(cls)) return { alt: cls, file: c.file, line: x.line };
  }
  return undefined;
}

export default defineRule({
  id: 'persistence.session-save',
  principle: 'persistence',
  title: 'The session is saved as it runs',
  rationale:
    'A session that lives only in memory is lost when the process dies mid-run; writing each turn or event to disk as it happens keeps the work recoverable and auditable.',
  remediation:
    'Build a session writer that appends each message and tool result to a per-session JSONL file as the loop produces it (not only on a clean exit), as in the exemplar transcript writer.',
  exemplar: 'src/reference-harness/persistence/transcript.ts',
  rejected(ctx) {
    // Writes whose path, function or data named something else: the rule read them as settings, state, logs … not the conversation.
    return persistOps(ctx)
      .filter((o) => o.subject !== 'session' && o.strength >= 2 && (o.kind === 'append' || o.kind === 'write' || o.kind === 'db-write'))
      .sort((a, b) => b.strength - a.strength)
      .map((o) => ({ file: o.call.file, line: o.call.line, reason: `${o.call.callee}() in ${o.call.fn} writes ${o.subject === 'other' ? 'something other than the conversation' : o.subject} (judged from "${o.text.slice(0, 80).trim()}"), not the session` }));
  },
  detect(ctx) {
    // A framework's persistent session store or graph checkpointer that this repo turns on.
    const saver = frameworkSaver(ctx);
    if (saver) {
      return {
        level: 'present',
        reason: `the repo configures a persistent session store/checkpointer (${saver.callee}) that saves each step as the run goes`,
        evidence: [{ file: saver.file, line: saver.line, reason: `${saver.callee}() persists the session/graph state per step` }],
        confidence: 'high',
      };
    }
    const platform = platformCheckpointer(ctx);
    if (platform) {
      return {
        level: 'present',
        reason: `the agent runs as a LangGraph server deployment, whose checkpointer saves each thread's state after every step`,
        evidence: [{ file: platform.file, line: platform.line, reason: platform.what }],
        confidence: 'high',
      };
    }
    const mastra = mastraThreadStore(ctx);
    if (mastra) {
      return {
        level: 'present',
        reason: `the agent's Memory is backed by ${mastra.callee.replace(/^new /, '')}, so Mastra stores each thread's messages in that database as the agent runs`,
        evidence: [{ file: mastra.file, line: mastra.line, reason: `${mastra.callee}() is the storage of the agent's Memory` }],
        confidence: 'low',
      };
    }
    // The sessions kept in a client store that its library persists (jotai atomWithStorage, zustand persist, redux-persist):
    // every update of the store, each message added or streamed into it, writes the store's value to its storage.
    const client = sessionClientStore(ctx, (f) => offPathUi(ctx, f));
    if (client) {
      const { store, update } = client;
      const key = store.keyValue !== undefined ? `'${store.keyValue}'` : store.key;
      return {
        level: 'present',
        reason: `the sessions are kept in a store persisted by ${store.via ? `zustand's persist middleware (applied by the store factory ${store.via})` : store.api} under the key ${key}: each update of the store${update ? ` (${update.callee}(${update.args[0]}, …) in ${update.fn})` : ''} writes its whole value to storage as the conversation goes`,
        evidence: [
          { file: store.call.file, line: store.call.line, reason: `${store.via ?? store.api}(…, { name: ${store.key} }) persists the sessions under ${key}` },
          ...(update ? [{ file: update.file, line: update.line, reason: `${update.callee}(${update.args[0]}, …) updates the persisted sessions` }] : []),
        ],
        confidence: 'low',
      };
    }
    // A web front end that does not run the agent saves its own things (settings, drafts), not the session.
    const harnessOps = harnessPersistOps(ctx);
    const isWrite = (o: PersistOp) => o.kind === 'append' || o.kind === 'write' || o.kind === 'db-write';
    // A write named for the run's state whose record also holds the message list (`data = self.data` …
    // `f.write(data.model_dump_json())` with `class TaskData: messages: …`): it saves the conversation too.
    const holds = new Map<PersistOp, Evidence>();
    for (const o of harnessOps) {
      if (o.subject !== 'state' || !isWrite(o)) continue;
      const e = recordHoldsTranscript(ctx, o, harnessOps);
      if (e) holds.set(o, e);
    }
    const allWritten = harnessOps.filter((o) => isWrite(o) && (o.subject === 'session' || holds.has(o)));
    // Writes in store backends the caller picks and passes in are not the run's own saving (see callerBackend).
    const backends = new Map<PersistOp, string>();
    for (const o of allWritten) {
      const b = callerBackend(ctx, o);
      if (b) backends.set(o, b);
    }
    const written = allWritten.filter((o) => !backends.has(o));
    // The conversation's own writes first: those whose data is (or whose function works on) the message list the
    // agent loop sends to the model, before writes judged the session by their names or shape alone.
    const linked = written.filter((o) => conversationLink(ctx, o));
    const writes = [...linked, ...written.filter((o) => !linked.includes(o))];
    const isLinked = (o: PersistOp) => !!conversationLink(ctx, o);
    const byBackends = () => {
      // A backend's save before its erasing or renaming of a session (`delete_session`, `rename_session` rewrite the file too).
      const shown = transcriptFirst([...backends.keys()].filter((o) => o.kind === 'append' || insertsRow(o)))
        .concat(transcriptFirst([...backends.keys()]))
        .sort((a, b) => Number(erases(a)) - Number(erases(b)));
      const names = [...new Set(backends.values())];
      return {
        level: 'partial' as const,
        reason: names.every((n) => n.includes(', chosen by an option over '))
          ? `the session is written as it runs only by a store backend that an option selects (${names[0]}); by default the sessions stay in memory`
          : `the session is written as it runs only by store backends the caller constructs and passes in (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}); the harness itself constructs none of them, so by default nothing is saved`,
        evidence: shown
          .filter((o, i) => shown.indexOf(o) === i)
          .slice(0, 3)
          .map((o) => at(o, `${o.call.callee}() in ${o.call.fn} writes the session, in the backend ${backends.get(o)!.split(',')[0]}${backends.get(o)!.includes(', chosen by') ? ', which an option selects' : ' that only a caller constructs'}`)),
        confidence: 'low' as const,
      };
    };
    if (writes.length === 0 && backends.size > 0) return byBackends();
    if (writes.length === 0) {
      const optIn = optInCheckpointer(ctx);
      if (optIn) {
        return {
          level: 'partial',
          reason: `the framework saves each step only to the checkpointer the caller supplies or to memory; no durable store is configured by default (${optIn.file}:${optIn.line})`,
          evidence: [optIn],
        };
      }
      // The conversation reaches disk only through the harness's own run log: written as it goes, but for people to read.
      const logged = transcriptLogged(ctx);
      if (logged) {
        const c = logged.call;
        return {
          level: 'partial',
          reason: `the conversation is written only into a run log as it goes (${c.callee} at ${c.file}:${c.line}, which ${logged.how === 'passed' ? 'is handed the message list' : 'returns the message added to the history'}; ${logged.method} writes at ${logged.write.file}:${logged.write.line}): a log to read, not a session saved to be loaded`,
          evidence: [
            { file: c.file, line: c.line, reason: `${c.callee}(${c.args.join(', ').slice(0, 50)}) ${logged.how === 'passed' ? 'hands the message list to the run log' : 'logs the message added to the history'}` },
            { file: logged.write.file, line: logged.write.line, reason: `${logged.write.callee}() in ${logged.write.fn} writes the run log` },
          ],
          confidence: 'low',
        };
      }
      // No write of the conversation, but the run records each step it takes as a row of its own as it goes (an
      // execution log, a table of attempts): a record of the run written as it runs, not the session to load.
      const steps = stepRecordRows(ctx, harnessPersistOps(ctx));
      if (steps.length > 0) {
        const names = [...new Set(steps.map((o) => o.text.split(' ')[0]))];
        return {
          level: 'partial',
          reason: `the conversation itself is never written, but the run inserts a row for each step it takes as it goes (${steps[0].call.callee} into ${names.slice(0, 2).join(', ')} in ${steps[0].call.fn}): a record of what ran, not a session that can be loaded`,
          evidence: steps.slice(0, 2).map((o) => at(o, `${o.call.callee}() in ${o.call.fn} inserts one row of the run's record (${o.text.split(' ')[0]})`)),
          confidence: 'low',
        };
      }
      return { level: 'absent', reason: 'no write of the session, conversation or transcript to a file or database was found; the history lives only in memory', evidence: [], confidence: writesNothing(ctx) ? 'high' : 'low' };
    }
    // The model's own messages first: composed notes (a literal role) and in-place updates after.
    // The write itself before a call of a wrapper around it (`fs.appendFileSync(this.conversationFile, …)` before
    // `this.appendRecord(…)`), and a write made once per streamed event (inside a loop) before one made after it.
    const resolved = loopReachResolved(ctx);
    const reachOf = (o: PersistOp) => resolved.get(`${o.call.file}#${o.call.fn}`);
    const fromLoop = (o: PersistOp) => !!reachOf(o);
    const appends = transcriptFirst(writes.filter((o) => (o.kind === 'append' || o.kind === 'db-write') && wired(ctx, o))).sort(
      (a, b) =>
        // A write the agent loop reaches (`this.messagesService.create(…)` each turn) before one an API handler makes.
        Number(!fromLoop(a)) - Number(!fromLoop(b)) ||
        Number(!isLinked(a)) - Number(!isLinked(b)) ||
        // A session's header row (created once) after the rows written per turn.
        Number(containerRow(a)) - Number(containerRow(b)) ||
        Number(foreignRecord(ctx, a)) - Number(foreignRecord(ctx, b)) ||
        Number(composedRecord(ctx, a)) - Number(composedRecord(ctx, b)) ||
        Number(wrapperCall(ctx, a)) - Number(wrapperCall(ctx, b)) ||
        Number(a.kind === 'db-write' && !insertsRow(a)) - Number(b.kind === 'db-write' && !insertsRow(b)) ||
        Number(!inLoop(ctx, a)) - Number(!inLoop(ctx, b)) ||
        // A table named for the conversation itself (`messages`) before one only holding the word (`message_file_items`).
        Number(!sessionTable(a)) - Number(!sessionTable(b)),
    );
    // Only whole-file rewrites: per turn when the loop reaches them, otherwise on exit / on demand.
    // Writers matched by name, except names too common to resolve that way (see GENERIC).
    const writers = new Set(writes.map((o) => shortName(o.call.fn)).filter((n) => !GENERIC.has(n)));
    // A save the user asks for (`if user_input == 'save chat': save_chat(); continue`) runs on demand, not each turn.
    // So is a writer that is only ever called from such commands.
    const onDemand = new Map<string, boolean>();
    const demanded = (fn: string) => {
      let v = onDemand.get(fn);
      if (v === undefined) {
        const callers = callersOf(ctx, fn);
        onDemand.set(fn, (v = callers.length > 0 && callers.every((k) => commandBranch(ctx, k))));
      }
      return v;
    };
    const reach = (ws: PersistOp[], names: Set<string>) =>
      reachedFromLoop(ctx, (c) => (names.has(c.name) || ws.some((w) => w.call.file === c.file && w.call.line === c.line)) && !commandBranch(ctx, c) && !demanded(c.fn), 2) ??
      // Or through calls resolved by the receiver's class (`this.messagesService.create(…)` with the service injected
      // into the loop's class), which names too common to follow by name (`create`, `save`) need.
      ws
        .map((w) => ({ w, r: reachOf(w) }))
        .filter(({ r }) => r && !r.path.some((c) => commandBranch(ctx, c)))
        .map(({ w, r }) => ({ loop: r!.loop, path: [...r!.path, w.call] }))[0];
    // An append that neither carries the messages nor is tied to the loop's conversation (a memory note, a log of
    // what a step did) gives way to a write whose data is the message list (a record holding them, or the list
    // written into the file it opens) when the agent loop reaches that write.
    const loopSave = appends.length > 0 && !appends.some((o) => isLinked(o) || carriesTranscript(o)) ? writes.filter((o) => !!o.payload || o.writesInto !== undefined) : [];
    const loopHit = loopSave.length > 0 ? reach(loopSave, new Set(loopSave.map((o) => shortName(o.call.fn)).filter((n) => !GENERIC.has(n)))) : undefined;
    if (appends.length > 0 && !loopHit) {
      const files = new Set(appends.map((o) => o.call.file));
      // The reason names the write the evidence opens with: one that carries the messages when there is one.
      const shown = appends.some(isLinked) || appends.some(fromLoop) ? appends : appends.some(carriesTranscript) ? appends.filter(carriesTranscript) : appends;
      const via = reachOf(shown[0]);
      const record = (o: PersistOp) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} ${o.kind === 'append' || insertsRow(o) ? 'appends' : 'writes'} a session record`);
      // Reached through resolved calls: the write, the loop's call that reaches it, then one more write.
      const caller = via?.path[via.path.length - 1];
      return {
        level: 'present',
        reason: `session records are appended as the run goes: ${shown[0].call.callee}() in ${shown[0].call.fn}${via ? `, which the agent loop in ${via.loop.fn} reaches through ${via.path.map((c) => c.callee).join(' → ')}` : ''} (${files.size} file(s) with incremental session writes)`,
        evidence: caller
          ? [record(shown[0]), { file: caller.file, line: caller.line, reason: `${caller.callee}() on the agent loop's path calls ${shown[0].call.fn}` }, ...shown.slice(1, 2).map(record)]
          : shown.slice(0, 3).map(record),
      };
    }
    // A path to a write of the conversation itself first, then to any session write.
    const own = writes.filter(isLinked);
    const hit = loopHit ?? (own.length > 0 ? reach(own, new Set(own.map((o) => shortName(o.call.fn)).filter((n) => !GENERIC.has(n)))) : undefined) ?? reach(writes, writers);
    if (hit) {
      const last = hit.path[hit.path.length - 1];
      return {
        level: 'present',
        reason: `the agent loop in ${hit.loop.fn} saves the session each turn through ${hit.path.map((c) => c.name).join(' → ')}`,
        // The write of the session first (the mechanism), then the loop's call that reaches it each turn.
        evidence: (() => {
          // The write itself: the matched call, or the write inside the function it names.
          const direct = writes.filter((o) => !o.via);
          // Else the call of a store's write in that function (`self.file_store.write(path, …)`, through the store's class).
          const w =
            direct.find((o) => o.call.file === last.file && o.call.line === last.line) ??
            transcriptFirst(direct).find((o) => shortName(o.call.fn) === last.name) ??
            transcriptFirst(writes.filter((o) => o.via)).find((o) => shortName(o.call.fn) === last.name);
          const loopCall: Evidence = { file: hit.loop.file, line: hit.path[0].line, reason: `loop body in ${hit.loop.fn} calls ${hit.path[0].name}()` };
          const lastCall: Evidence[] = hit.path.length > 1 ? [{ file: last.file, line: last.line, reason: `${last.callee}() in ${last.fn} writes the session` }] : [];
          const write: Evidence[] = w ? [at(w, `${w.call.callee}() in ${w.call.fn} writes the session${w.payload ? ` (what it writes holds the messages, built at line ${w.payload.line})` : ''}`)] : [];
          const out = [...write, ...lastCall, loopCall];
          return out.filter((e, i) => out.findIndex((x) => x.file === e.file && x.line === e.line) === i);
        })(),
        // A call path from the loop body to a write whose data is the conversation (its shape or the messages it names).
        confidence: writes.some((o) => (o.call.file === last.file && o.call.line === last.line) || shortName(o.call.fn) === last.name ? carriesTranscript(o) || o.writesInto !== undefined : false) ? 'high' : 'low',
      };
    }
    // The save behind a store interface: each message added to the in-memory transcript reaches the write.
    const per = savedPerMessage(ctx, transcriptFirst(writes));
    if (per) {
      const last = per.path[per.path.length - 1];
      return {
        level: 'present',
        reason: `each message added to the transcript in ${per.adder.fn} is saved: ${[per.adder.fn, ...per.path.map((c) => c.name)].join(' → ')} (callers linked by name)`,
        evidence: [
          { file: per.adder.file, line: per.adder.line, reason: `${per.adder.callee}() adds a message, and ${per.adder.fn} goes on to save it` },
          { file: last.file, line: last.line, reason: `${last.callee}() in ${last.fn} writes the session` },
        ],
        confidence: 'low',
      };
    }
    // The library's own session stores, left for the caller to construct, before a rewrite the loop does not reach.
    if (backends.size > 0) return byBackends();
    // The writes that carry the messages first: the save of the conversation, not a file the run produces beside it.
    const ranked = [...writes.filter(isLinked), ...transcriptFirst(writes.filter((o) => !isLinked(o)))];
    const w = ranked.find((o) => wired(ctx, o)) ?? ranked[0];
    return {
      level: 'partial',
      reason: `the session is written by ${w.call.fn} (${w.call.callee}${holds.has(w) ? ', a state record that also holds the messages' : ''}) as a whole-file rewrite that the agent loop does not call each turn (only on exit, on demand or behind an option); nothing appends turns as they happen`,
      evidence: [
        ...ranked.slice(0, 3).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} rewrites the ${holds.has(o) ? 'state record that holds the messages' : 'session file'}`)),
        ...(holds.has(w) ? [holds.get(w)!] : []),
      ],
    };
  },
});
