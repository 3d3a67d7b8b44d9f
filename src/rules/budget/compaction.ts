import { shortName, type RuleContext } from '../context.js';
import { defineRule } from '../types.js';
import { words } from '../shared/persist.js';
import { compactors, loopReaches, type Compactor } from './context.js';

/** Call sites in user-command handlers are manual, not automatic. */
const MANUAL = /^(action|execute|run|handle\w*Command|\w*Command|on\w*)$/;
const AUTO = new Set(['auto', 'check', 'maybe', 'ensure', 'try', 'should', 'prepare', 'before', 'overflow', 'threshold', 'manage', 'fit', 'build', 'process', 'turn', 'step', 'run', 'loop']);

/** An automatic trigger of the compactor: a call site under a condition, in a threshold/auto function, or from the loop. */
function trigger(ctx: RuleContext, c: Compactor): { file: string; line: number; why: string } | undefined {
  const short = shortName(c.fn.name);
  const hit = loopReaches(ctx, c.fn.name, 2);
  if (hit) return { file: hit.file, line: hit.line, why: `the agent loop in ${hit.loop} reaches ${short}() (${hit.path.join(' → ')})` };
  const callers = ctx.callsNamed(short).filter((x) => x.fn !== c.fn.name && !MANUAL.test(shortName(x.fn)));
  for (const call of callers) {
    const ws = words(shortName(call.fn));
    if (call.cond || ws.some((w) => AUTO.has(w))) return { file: call.file, line: call.line, why: `${call.fn}() calls ${short}() ${call.cond ? 'under a condition' : 'as part of the turn'}` };
  }
  if (words(short).some((w) => w === 'auto' || w === 'try' || w === 'maybe') && callers.length > 0) {
    return { file: callers[0].file, line: callers[0].line, why: `${callers[0].fn}() calls ${short}() automatically` };
  }
  return undefined;
}

export default defineRule({
  id: 'budget.compaction',
  principle: 'budget',
  title: 'The transcript is compacted automatically',
  rationale:
    'Long sessions outgrow the context window; summarising older turns when the transcript nears the limit keeps the agent working instead of failing or silently forgetting.',
  remediation:
    'Build a compactor that, when the projected context passes a threshold, summarises older turns with the model (keeping recent ones verbatim) and is triggered from the loop, as in the exemplar compaction module.',
  exemplar: 'src/reference-harness/budget/compaction.ts',
  detect(ctx) {
    const cs = compactors(ctx);
    if (cs.length === 0) {
      return { level: 'absent', reason: 'no function compacts, summarises or truncates the conversation history; it only grows', evidence: [] };
    }
    const triggered = cs.map((c) => ({ c, t: trigger(ctx, c) }));
    const best = triggered.find((x) => x.c.summarises && x.t);
    if (best && best.t) {
      return {
        level: 'present',
        reason: `${best.c.fn.name}() summarises the history with the model (${best.c.via}) and is triggered automatically: ${best.t.why}`,
        evidence: [
          { file: best.c.fn.file, line: best.c.fn.line, reason: `${best.c.fn.name}() summarises older turns via ${best.c.via}` },
          { file: best.t.file, line: best.t.line, reason: best.t.why },
        ],
      };
    }
    const trunc = triggered.find((x) => x.t);
    if (trunc && trunc.t) {
      return {
        level: 'partial',
        reason: `${trunc.c.fn.name}() drops or truncates old messages automatically (${trunc.t.why}), but nothing summarises them`,
        evidence: [
          { file: trunc.c.fn.file, line: trunc.c.fn.line, reason: `${trunc.c.fn.name}() truncates the history without a summary` },
          { file: trunc.t.file, line: trunc.t.line, reason: trunc.t.why },
        ],
      };
    }
    const c = cs.find((x) => x.summarises) ?? cs[0];
    return {
      level: 'partial',
      reason: `${c.fn.name}() ${c.summarises ? 'summarises' : 'truncates'} the history, but only when invoked by hand (no threshold or loop triggers it)`,
      evidence: [{ file: c.fn.file, line: c.fn.line, reason: `${c.fn.name}() compacts the history on demand only` }],
    };
  },
});
