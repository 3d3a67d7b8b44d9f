import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { GENERIC, reachedFromLoop } from '../shared/loop.js';
import { callersOf, frameworkSaver, persistOps, type PersistOp } from '../shared/persist.js';
import { shortName } from '../context.js';

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });
const WIRED_ANON = /^(<anon>|<top>|GET|POST|PUT|PATCH|DELETE|default)$/;

/** Whether the function holding a write is called from somewhere else in the harness. */
function wired(ctx: Parameters<typeof persistOps>[0], o: PersistOp): boolean {
  const s = shortName(o.call.fn);
  if (WIRED_ANON.test(s)) return true;
  return callersOf(ctx, o.call.fn).length > 0;
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
  detect(ctx) {
    // A framework's persistent session store or graph checkpointer that this repo turns on.
    const saver = frameworkSaver(ctx);
    if (saver) {
      return {
        level: 'present',
        reason: `the repo configures a persistent session store/checkpointer (${saver.callee}) that saves each step as the run goes`,
        evidence: [{ file: saver.file, line: saver.line, reason: `${saver.callee}() persists the session/graph state per step` }],
      };
    }
    const writes = persistOps(ctx).filter((o) => o.subject === 'session' && (o.kind === 'append' || o.kind === 'write' || o.kind === 'db-write'));
    if (writes.length === 0) {
      return { level: 'absent', reason: 'no write of the session, conversation or transcript to a file or database was found; the history lives only in memory', evidence: [] };
    }
    const appends = writes.filter((o) => (o.kind === 'append' || o.kind === 'db-write') && wired(ctx, o));
    if (appends.length > 0) {
      const files = new Set(appends.map((o) => o.call.file));
      return {
        level: 'present',
        reason: `session records are appended as the run goes: ${appends[0].call.callee}() in ${appends[0].call.fn} (${files.size} file(s) with incremental session writes)`,
        evidence: appends.slice(0, 3).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} appends a session record`)),
      };
    }
    // Only whole-file rewrites: per turn when the loop reaches them, otherwise on exit / on demand.
    // Writers matched by name, except names too common to resolve that way (see GENERIC).
    const writers = new Set(writes.map((o) => shortName(o.call.fn)).filter((n) => !GENERIC.has(n)));
    const hit = reachedFromLoop(ctx, (c) => writers.has(c.name) || writes.some((w) => w.call.file === c.file && w.call.line === c.line), 2);
    if (hit) {
      const last = hit.path[hit.path.length - 1];
      return {
        level: 'present',
        reason: `the agent loop in ${hit.loop.fn} saves the session each turn through ${hit.path.map((c) => c.name).join(' → ')}`,
        evidence: [
          { file: hit.loop.file, line: hit.path[0].line, reason: `loop body in ${hit.loop.fn} calls ${hit.path[0].name}()` },
          { file: last.file, line: last.line, reason: `${last.callee}() writes the session` },
        ],
      };
    }
    const w = writes.find((o) => wired(ctx, o)) ?? writes[0];
    return {
      level: 'partial',
      reason: `the session is written by ${w.call.fn} (${w.call.callee}) as a whole-file rewrite that the agent loop does not call each turn (only on exit, on demand or behind an option); nothing appends turns as they happen`,
      evidence: writes.slice(0, 3).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} rewrites the session file`)),
    };
  },
});
