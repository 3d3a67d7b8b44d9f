import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { callersOf, persistOps, transcriptFirst, words, writesNothing, type PersistOp } from '../shared/persist.js';
import { shortName } from '../context.js';

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });
const STATE_MEMBER = new Set(['state', 'plan', 'todos', 'todo', 'checkpoints', 'progress', 'monitor', 'metrics', 'tracker', 'tasks']);
const TRANSCRIPT_MEMBER = new Set(['messages', 'history', 'memory', 'transcript', 'conversation']);

const WORKFLOW = new Set(['plan', 'plans', 'todo', 'todos', 'task', 'tasks', 'checkpoint', 'checkpoints', 'tracker', 'progress', 'workflow']);
const METRICS = new Set(['metric', 'metrics', 'usage', 'cost', 'costs', 'stats', 'ledger']);
/** 0: the write names workflow records (plan, todos, tasks, checkpoints); 1: metrics; 2: other state. */
function stateRank(o: PersistOp): number {
  const ws = words(o.text);
  return ws.some((w) => WORKFLOW.has(w)) ? 0 : ws.some((w) => METRICS.has(w)) ? 1 : 2;
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
    const scaffold = (o: PersistOp) => o.kind === 'write' && /^(['"])(?:(?!\1).)*\1$|^`[^$`]*`$/.test(o.call.args[1] ?? '');
    const ops = persistOps(ctx).filter((o) => (o.kind === 'append' || o.kind === 'write' || o.kind === 'db-write' || o.kind === 'rename') && !scaffold(o));
    const wired = (o: PersistOp) => /^(<anon>|<top>|GET|POST|PUT|PATCH|DELETE)$/.test(shortName(o.call.fn)) || callersOf(ctx, o.call.fn).length > 0;
    // The workflow's own records first (a plan, todos, tasks, checkpoints), then its metrics, then anything called state.
    // A write inside a loader named for the state (`FileSystem.from_state` materialising files) restores, it does not save.
    const restores = (o: PersistOp) => o.strength <= 2 && /^_*(?:from|load|restore|hydrate|read|parse)(?:_|[A-Z]|$)/.test(shortName(o.call.fn));
    const state = ops.filter((o) => o.subject === 'state' && wired(o) && !restores(o)).sort((a, b) => stateRank(a) - stateRank(b) || b.strength - a.strength);
    if (state.length > 0) {
      const targets = [...new Set(state.map((o) => o.call.fn))];
      return {
        level: 'present',
        reason: `workflow state is persisted on its own by ${targets.slice(0, 3).join(', ')}, apart from the session transcript`,
        evidence: state.slice(0, 3).map((o) => at(o, `${o.call.callee}(${o.call.args[0] ?? ''}) in ${o.call.fn} writes workflow state`)),
      };
    }
    const settings = ops.filter((o) => o.subject === 'settings' && wired(o));
    if (settings.length > 0) {
      return {
        level: 'partial',
        reason: `only settings/configuration are stored apart (${settings[0].call.fn}); no plan, todo, checkpoint or tool-call record is persisted outside the transcript`,
        evidence: settings.slice(0, 2).map((o) => at(o, `${o.call.callee}() in ${o.call.fn} writes settings/config, not workflow state`)),
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
        return {
          level: 'partial',
          reason: `besides the transcript table (${table(transcriptTable) || transcriptTable.call.fn}), records are kept in tables of their own (${names.slice(0, 4).join(', ')}), but no plan, todo, checkpoint or tool-call record is stored apart`,
          evidence: [at(transcriptTable, `${transcriptTable.call.callee}(${transcriptTable.call.args[0] ?? ''}) in ${transcriptTable.call.fn} writes the transcript table`), ...others.filter((o, i) => others.findIndex((x) => table(x) === table(o)) === i).slice(0, 2).map((o) => at(o, `${o.call.callee}(${table(o)}) in ${o.call.fn} writes its own table`))],
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
    return { level: 'absent', reason: 'no workflow state (plan, todos, checkpoints, tool-call records, metrics) is stored apart from the conversation', evidence: [], confidence: writesNothing(ctx) ? 'high' : 'low' };
  },
});
