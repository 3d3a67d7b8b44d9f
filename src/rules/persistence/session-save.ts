import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { GENERIC, reachedFromLoop } from '../shared/loop.js';
import { callersOf, carriesTranscript, conversationLink, commandBranch, wrapperCall, composedRecord, foreignRecord, frameworkSaver, optInCheckpointer, insertsRow, mastraThreadStore, persistOps, platformCheckpointer, savedPerMessage, sessionClientStore, transcriptFirst, transcriptLogged, writesNothing, type PersistOp } from '../shared/persist.js';
import { shortName } from '../context.js';
import { harnessPersistOps, offPathUi } from '../shared/ui.js';

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });
const WIRED_ANON = /^(<anon>|<top>|GET|POST|PUT|PATCH|DELETE|default)$/;

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
        reason: `the sessions are kept in a store persisted by ${store.api} under the key ${key}: each update of the store${update ? ` (${update.callee}(${update.args[0]}, …) in ${update.fn})` : ''} writes its whole value to storage as the conversation goes`,
        evidence: [
          { file: store.call.file, line: store.call.line, reason: `${store.api}(${store.key}) persists the sessions under ${key}` },
          ...(update ? [{ file: update.file, line: update.line, reason: `${update.callee}(${update.args[0]}, …) updates the persisted sessions` }] : []),
        ],
        confidence: 'low',
      };
    }
    // A web front end that does not run the agent saves its own things (settings, drafts), not the session.
    const written = harnessPersistOps(ctx).filter((o) => o.subject === 'session' && (o.kind === 'append' || o.kind === 'write' || o.kind === 'db-write'));
    // The conversation's own writes first: those whose data is (or whose function works on) the message list the
    // agent loop sends to the model, before writes judged the session by their names or shape alone.
    const linked = written.filter((o) => conversationLink(ctx, o));
    const writes = [...linked, ...written.filter((o) => !linked.includes(o))];
    const isLinked = (o: PersistOp) => !!conversationLink(ctx, o);
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
      return { level: 'absent', reason: 'no write of the session, conversation or transcript to a file or database was found; the history lives only in memory', evidence: [], confidence: writesNothing(ctx) ? 'high' : 'low' };
    }
    // The model's own messages first: composed notes (a literal role) and in-place updates after.
    // The write itself before a call of a wrapper around it (`fs.appendFileSync(this.conversationFile, …)` before
    // `this.appendRecord(…)`), and a write made once per streamed event (inside a loop) before one made after it.
    const appends = transcriptFirst(writes.filter((o) => (o.kind === 'append' || o.kind === 'db-write') && wired(ctx, o))).sort(
      (a, b) =>
        Number(!isLinked(a)) - Number(!isLinked(b)) ||
        Number(foreignRecord(ctx, a)) - Number(foreignRecord(ctx, b)) ||
        Number(composedRecord(ctx, a)) - Number(composedRecord(ctx, b)) ||
        Number(wrapperCall(ctx, a)) - Number(wrapperCall(ctx, b)) ||
        Number(a.kind === 'db-write' && !insertsRow(a)) - Number(b.kind === 'db-write' && !insertsRow(b)) ||
        Number(!inLoop(ctx, a)) - Number(!inLoop(ctx, b)),
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
    const reach = (ws: PersistOp[], names: Set<string>) => reachedFromLoop(ctx, (c) => (names.has(c.name) || ws.some((w) => w.call.file === c.file && w.call.line === c.line)) && !commandBranch(ctx, c) && !demanded(c.fn), 2);
    // An append that neither carries the messages nor is tied to the loop's conversation (a memory note, a log of
    // what a step did) gives way to a write whose data is the message list (a record holding them, or the list
    // written into the file it opens) when the agent loop reaches that write.
    const loopSave = appends.length > 0 && !appends.some((o) => isLinked(o) || carriesTranscript(o)) ? writes.filter((o) => !!o.payload || o.writesInto !== undefined) : [];
    const loopHit = loopSave.length > 0 ? reach(loopSave, new Set(loopSave.map((o) => shortName(o.call.fn)).filter((n) => !GENERIC.has(n)))) : undefined;
    if (appends.length > 0 && !loopHit) {
      const files = new Set(appends.map((o) => o.call.file));
      // The reason names the write the evidence opens with: one that carries the messages when there is one.
      const shown = appends.some(isLinked) ? appends : appends.some(carriesTranscript) ? appends.filter(carriesTranscript) : appends;
      return {
        level: 'present',
        reason: `session records are appended as the run goes: ${shown[0].call.callee}() in ${shown[0].call.fn} (${files.size} file(s) with incremental session writes)`,
        evidence: shown.slice(0, 3).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} ${o.kind === 'append' || insertsRow(o) ? 'appends' : 'writes'} a session record`)),
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
    // The writes that carry the messages first: the save of the conversation, not a file the run produces beside it.
    const ranked = [...writes.filter(isLinked), ...transcriptFirst(writes.filter((o) => !isLinked(o)))];
    const w = ranked.find((o) => wired(ctx, o)) ?? ranked[0];
    return {
      level: 'partial',
      reason: `the session is written by ${w.call.fn} (${w.call.callee}) as a whole-file rewrite that the agent loop does not call each turn (only on exit, on demand or behind an option); nothing appends turns as they happen`,
      evidence: ranked.slice(0, 3).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} rewrites the session file`)),
    };
  },
});
