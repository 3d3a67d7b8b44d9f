import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { agentLoops } from '../shared/loop.js';
import { loopCaps, type Cap } from './caps.js';
import type { RuleContext } from '../context.js';

/**
 * A cap read from the loop's own condition or exits, a comparison in a check the loop calls, a raise
 * on the model-call path, or an option handed to a framework, whose default was found and whose link
 * to the loop was resolved, not guessed from a name one call away.
 */
const certain = (c: Cap) => !!c.resolved && c.def !== 'unknown' && !!c.defAt && /^(loop condition|loop range|return exit|break exit|throw exit|yield-return exit|raise guard|compared in|option passed|keyword argument|setting |LiteLLM)/.test(c.where);

const describe = (c: Cap) =>
  `${c.limit} (${c.kind} cap, ${c.where} at line ${c.line}${c.defAt ? `, default ${c.defAt.value}` : c.def === 'unlimited' ? ', off unless set' : ''})`;

/** One evidence entry per cap, each on its own comparison line, so a baseline records every cap as a mechanism. */
function capEvidence(caps: Cap[], max: number): Evidence[] {
  const out: Evidence[] = [];
  const lines = new Set<string>();
  for (const c of caps) {
    const k = `${c.file}:${c.line}`;
    if (lines.has(k)) continue;
    lines.add(k);
    out.push({ file: c.file, line: c.line, reason: `${c.where} compares against ${c.limit} (${c.kind} cap${c.defAt ? `, default ${c.defAt.value}` : c.def === 'unlimited' ? ', off unless set' : ''})` });
    if (out.length >= max) break;
  }
  return out;
}

/** Constants named for a turn, step or request cap of the agent. */
const CAP_CONST = /^(?:DEFAULT_)?MAX_(?:\w+_)?(?:REQUESTS|TURNS|STEPS|ITERATIONS|TOOL_CALLS|ROUNDS)(?:_PER_\w+)?$/;

/** A cap constant with a number, declared in source and never read in a comparison anywhere. */
function unwiredCap(ctx: RuleContext): { name: string; value: string; file: string; line: number } | undefined {
  for (const f of ctx.source) {
    for (const k of f.consts) {
      if (k.kind !== 'var' || k.fn !== '<top>' || !CAP_CONST.test(k.name) || !/^\d+$/.test(k.value)) continue;
      const compared = ctx.source.some((g) => (g.compares ?? []).some((c) => c.text.includes(k.name)) || g.loops.some((l) => (l.cond ?? '').includes(k.name)));
      if (!compared) return { name: k.name, value: k.value, file: f.path, line: k.line };
    }
  }
  return undefined;
}

export default defineRule({
  id: 'budget.hard-limits',
  principle: 'budget',
  title: 'Hard caps stop the loop',
  rationale:
    'An agent loop that only ends when the model stops calling tools can run forever or burn an unbounded budget; a turn cap plus a token or cost cap, on by default, bounds every run.',
  remediation:
    'Build a budget with a max-turns cap and a token/cost cap that are on by default and checked in the loop, ending the run with a typed stop reason, as in the exemplar budget module.',
  exemplar: 'src/reference-harness/budget/budget.ts',
  detect(ctx) {
    const caps = loopCaps(ctx);
    const tokenOn = caps.filter((c) => c.kind === 'token' && c.def === 'bounded');
    if (tokenOn.length > 0) {
      const first = tokenOn[0];
      const others = caps.filter((c) => c.kind !== 'token');
      return {
        level: 'present',
        reason: `a token/cost cap on by default stops the loop: ${describe(first)}${others.length ? `; also ${describe(others[0])}` : ''}`,
        evidence: [
          ...capEvidence([first, ...caps.filter((c) => c !== first)], 5),
          ...(first.defAt ? [{ file: first.defAt.file, line: first.defAt.line, reason: `${first.limit} defaults to ${first.defAt.value}` }] : []),
        ],
        confidence: certain(first) ? 'high' : 'low',
      };
    }
    if (caps.length > 0) {
      // Caps come ranked by how they reach the loop; prefer a named limit (`maxTurns`) over a counter compared with a literal (`turn > 1`).
      const named = (c: Cap) => !/^\d+$/.test(c.limit);
      const bounded = caps.filter((c) => c.def === 'bounded');
      const best = caps.find(named) ?? caps[0];
      const missing = caps.some((c) => c.kind === 'token') ? 'the token/cost cap is off unless configured' : 'there is no token or cost cap';
      const unl = bounded.length === 0 ? '; every cap found defaults to unlimited or has no default' : '';
      return {
        level: 'partial',
        reason: `the loop is bounded only by ${describe(best)}; ${missing}${unl}`,
        evidence: [
          ...capEvidence([best, ...caps.filter((c) => c !== best)], 5),
          ...(best.defAt ? [{ file: best.defAt.file, line: best.defAt.line, reason: `${best.limit} defaults to ${best.defAt.value}` }] : []),
        ],
        // Partial is certain only when no token/cost cap was seen at all and the turn cap is resolved.
        confidence: certain(best) && !caps.some((c) => c.kind === 'token') ? 'high' : 'low',
      };
    }
    const loops = agentLoops(ctx);
    // A cap declared as a constant (`DEFAULT_MAX_REQUESTS_PER_TASK = 20`) that no comparison reads: it exists, unwired.
    const unwired = unwiredCap(ctx);
    if (unwired) {
      return {
        level: 'partial',
        reason: `a cap is declared (${unwired.name} = ${unwired.value} at ${unwired.file}:${unwired.line}) but nothing compares against it, so the loop runs uncapped`,
        evidence: [{ file: unwired.file, line: unwired.line, reason: `${unwired.name} = ${unwired.value} is declared and never enforced` }],
      };
    }
    if (loops.length > 0) {
      const l = loops.find((x) => x.loop?.infinite) ?? loops[0];
      return {
        level: 'absent',
        reason: `the agent loop in ${l.fn} (${l.file}:${l.line}) has no turn, token or cost cap; it runs until the model stops calling tools`,
        evidence: [{ file: l.file, line: l.line, reason: `agent loop ${l.loop ? `while (${l.loop.cond || ';;'})` : 'by recursion'} with no cap in its exits` }],
        // The loop statement and its exits were read, and nothing it calls compares a limit; a recursive turn is less certain.
        confidence: loops.every((x) => x.loop) ? 'high' : 'low',
      };
    }
    return { level: 'absent', reason: 'no agent loop with a turn, token or cost cap was found', evidence: [] };
  },
});
