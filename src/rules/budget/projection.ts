import { defineRule } from '../types.js';
import { loopReaches, projections } from './context.js';

export default defineRule({
  id: 'budget.projection',
  principle: 'budget',
  title: 'Requests are projected against the context window',
  rationale:
    'Sending a request that overflows the context window fails late and wastes a call; estimating the request before each model call lets the harness compact, truncate or refuse first.',
  remediation:
    'Build a pre-call projection that estimates the request tokens, compares them with the model\'s context window minus a reserve before every model call in the loop, and compacts or refuses, as in the exemplar budget module.',
  exemplar: 'src/reference-harness/budget/budget.ts',
  detect(ctx) {
    const ps = projections(ctx);
    if (ps.length === 0) {
      return { level: 'absent', reason: 'no token estimate is compared with a context-window limit before a model call', evidence: [] };
    }
    for (const p of ps) {
      const hit = loopReaches(ctx, p.fn.name, 2);
      if (hit) {
        return {
          level: 'present',
          reason: `${p.fn.name}() compares ${p.estimate.text} with ${p.window.text} and runs each turn of the agent loop in ${hit.loop} (${hit.path.join(' → ')})`,
          evidence: [
            { file: p.fn.file, line: p.window.line, reason: `${p.fn.name}() checks the request against ${p.window.text}` },
            { file: p.fn.file, line: p.estimate.line, reason: `${p.estimate.text} estimates the request size` },
            { file: hit.file, line: hit.line, reason: `the agent loop in ${hit.loop} reaches ${p.fn.name}() every turn` },
          ],
        };
      }
    }
    const p = ps[0];
    return {
      level: 'partial',
      reason: `${p.fn.name}() compares ${p.estimate.text} with ${p.window.text}, but the agent loop does not run it before each model call (only before a run or on demand)`,
      evidence: ps.slice(0, 2).map((x) => ({ file: x.fn.file, line: x.window.line, reason: `${x.fn.name}() compares ${x.estimate.text} with ${x.window.text}` })),
    };
  },
});
