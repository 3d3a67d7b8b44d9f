import { shortName, type RuleContext } from '../context.js';
import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { callersOf, persistOps, type PersistOp } from '../shared/persist.js';

/** A CLI flag or slash command that selects a saved session. */
const ENTRY_STRING = /^(--?(resume|continue|session|load-session|restore)|\/(resume|continue|restore|load|sessions?))$/i;
const ENTRY_FN = /^(resume|restore|reopen|continue|switch)_?(session|chat|conversation|thread|history|transcript)s?$|^resume(_?chat)?$/i;

interface Entry {
  file: string;
  line: number;
  what: string;
}

function entries(ctx: RuleContext): Entry[] {
  const out: Entry[] = [];
  for (const f of ctx.source) {
    for (const s of f.strings) if (ENTRY_STRING.test(s.value)) out.push({ file: f.path, line: s.line, what: `'${s.value}'` });
    for (const s of f.strings) if (/^(resume|continue)$/i.test(s.value) && f.calls.some((c) => c.line === s.line && /^(option|command|flag|argument)$/.test(c.name))) out.push({ file: f.path, line: s.line, what: `option '${s.value}'` });
    for (const o of f.objects) {
      const name = o.values.name ?? o.values.command;
      if (name && /^['"`](resume|continue|restore|sessions?)['"`]$/.test(name)) out.push({ file: f.path, line: o.line, what: `command ${name}` });
    }
  }
  for (const f of ctx.source) {
    for (const c of f.calls) {
      if (!/^(option|addOption|command|flag|argument|add_argument|addCommand|registerCommand)$/.test(c.name)) continue;
      const a = c.args[0] ?? '';
      // The verb itself, not a dotted command id's namespace (`"continue.rejectJump"`).
      if (/^['"`](--?)?(resume|continue|restore|session)\b(?!\.)/.test(a)) out.unshift({ file: f.path, line: c.line, what: `${c.callee}(${a})` });
    }
  }
  for (const f of ctx.source) {
    for (const fn of f.functions) {
      if (!ENTRY_FN.test(shortName(fn.name))) continue;
      const callers = ctx.callsNamed(shortName(fn.name)).filter((c) => c.fn !== fn.name);
      if (callers.length > 0) out.push({ file: f.path, line: fn.line, what: `${fn.name}() (called from ${callers[0].fn})` });
    }
  }
  return out;
}

const at = (o: PersistOp, reason: string): Evidence => ({ file: o.call.file, line: o.call.line, reason });

export default defineRule({
  id: 'persistence.resume',
  principle: 'persistence',
  title: 'A saved session can be resumed',
  rationale:
    'Long agent runs get interrupted; loading a saved session and continuing it saves the tokens and time already spent and lets a user pick up where they left off.',
  remediation:
    'Build a session loader that reads the saved transcript back into the agent state and wire it to a --resume/--continue flag or a /resume command, as in the exemplar session module.',
  exemplar: 'src/reference-harness/persistence/session.ts',
  detect(ctx) {
    const loads = persistOps(ctx).filter((o) => o.subject === 'session' && (o.kind === 'read' || o.kind === 'db-read'));
    // The clearest evidence first: a loader named for what it loads (`loadSession`, `Transcript.load`).
    const named = (o: PersistOp) => (/(load|restore|resume|read|open|hydrate)/i.test(o.call.fn) ? 0 : 1) + (/(session|transcript|history|conversation|chat|thread|messages)/i.test(o.call.fn) ? 0 : 2);
    const wiredLoads = loads
      .filter((o) => /^(<anon>|<top>|GET|POST)$/.test(shortName(o.call.fn)) || callersOf(ctx, o.call.fn).length > 0)
      .sort((a, b) => named(a) - named(b));
    const entry = entries(ctx);
    if (wiredLoads.length > 0 && entry.length > 0) {
      return {
        level: 'present',
        reason: `a saved session is read back by ${wiredLoads[0].call.fn} and selected through ${entry[0].what}`,
        evidence: [
          at(wiredLoads[0], `${wiredLoads[0].call.callee}(${wiredLoads[0].call.args[0] ?? ''}) loads the saved session`),
          { file: entry[0].file, line: entry[0].line, reason: `${entry[0].what} selects a session to continue` },
          ...entry.slice(1, 2).map((e) => ({ file: e.file, line: e.line, reason: `${e.what} resumes a session` })),
        ],
      };
    }
    if (wiredLoads.length > 0 || loads.length > 0) {
      const o = wiredLoads[0] ?? loads[0];
      return {
        level: 'partial',
        reason: `the session file is read by ${o.call.fn}, but no resume/continue flag or command selects a saved session to continue`,
        evidence: [at(o, `${o.call.callee}() in ${o.call.fn} reads the saved conversation`)],
      };
    }
    if (entry.length > 0) {
      return {
        level: 'partial',
        reason: `${entry[0].what} refers to resuming, but the harness never reads a saved session back itself`,
        evidence: entry.slice(0, 2).map((e) => ({ file: e.file, line: e.line, reason: `${e.what} mentions resuming a session` })),
      };
    }
    return { level: 'absent', reason: 'no saved session is ever read back, and no resume/continue entry point exists; each run starts empty', evidence: [] };
  },
});
