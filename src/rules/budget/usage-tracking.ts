import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { words } from '../shared/persist.js';

/** Usage fields of provider responses (Anthropic, OpenAI, Gemini, Bedrock, LiteLLM …). */
const USAGE_FIELDS = new Set([
  'usage', 'usageMetadata', 'usage_metadata', 'token_usage', 'tokenUsage', 'input_tokens', 'inputTokens', 'output_tokens',
  'outputTokens', 'prompt_tokens', 'promptTokens', 'completion_tokens', 'completionTokens', 'promptTokenCount',
  'candidatesTokenCount', 'totalTokenCount', 'total_tokens', 'totalTokens', 'cache_read_input_tokens', 'cachedContentTokenCount',
]);
const TOKENIZER = /^(count_?tokens|countTokens|estimate_?tokens|estimateTokens|num_tokens_from_\w+|get_?num_?tokens|getTokenCount|tokenCount|calculateTokens|encoding_for_model|get_encoding|token_counter|completion_cost|cost_per_token|response_cost)$/i;
/** Functions whose zeroed usage record is a running total, not a placeholder on one message. */
const ACC_FN = new Set(['total', 'totals', 'accumulate', 'accumulated', 'aggregate', 'session', 'stats', 'statistics', 'empty', 'init', 'initial', 'zero', 'reset', 'create', 'new', 'tracker', 'meter', 'summary', 'cumulative']);
const ACC_WORDS = new Set(['token', 'tokens', 'usage', 'cost']);
const RUNNING = new Set(['total', 'accumulated', 'cumulative', 'session', 'sum', 'spent', 'used', 'running']);
const ACC_VERB = new Set(['merge', 'add', 'accumulate', 'sum', 'record', 'track', 'aggregate', 'tally']);
const NOT_ACC = new Set(['max', 'limit', 'budget', 'reserve', 'threshold', 'min', 'per', 'price', 'pricing', 'rate']);

export default defineRule({
  id: 'budget.usage-tracking',
  principle: 'budget',
  title: 'Token usage is accumulated per session',
  rationale:
    'Without a running total of tokens (or cost) there is nothing to enforce a budget against, and no way to tell a user what a run cost.',
  remediation:
    'Build a usage accumulator that adds each response\'s usage fields (input, output, cache tokens, cost) to a per-session total the loop can read, as in the exemplar budget module.',
  exemplar: 'src/reference-harness/budget/budget.ts',
  detect(ctx) {
    const reads: Evidence[] = [];
    const readFiles = new Set<string>();
    const accs: Evidence[] = [];
    const estimators: Evidence[] = [];
    for (const f of ctx.source) {
      for (const k in f.reads) {
        const lines = f.reads[k];
        if (!USAGE_FIELDS.has(k)) continue;
        readFiles.add(f.path);
        if (reads.length < 3) reads.push({ file: f.path, line: lines[0], reason: `reads the response's ${k}` });
      }
      for (const c of f.consts) {
        // A literal's property (`usage: { totalTokens: 0 }` on one message) is a record, not a running total.
        if (c.kind === 'param' || c.kind === 'prop' || (c.value !== '0' && c.value !== '0.0')) continue;
        const ws = words(c.name);
        if (ws.some((w) => ACC_WORDS.has(w)) && !ws.some((w) => NOT_ACC.has(w))) {
          const score = (ws.some((w) => RUNNING.has(w)) ? 2 : 0) + (ws.some((w) => w === 'input' || w === 'output' || w === 'prompt' || w === 'completion') ? 1 : 0) - (ws.some((w) => w === 'memory' || w === 'system' || w === 'context' || w === 'conversation') ? 2 : 0);
          accs.push({ file: f.path, line: c.line, reason: `${c.name} starts at 0 in ${c.fn} and accumulates usage`, score, persistent: c.kind === 'field' || c.kind === 'assign' } as Evidence & { score: number });
        }
      }
      // A zeroed usage record (`{ inputTokens: 0, outputTokens: 0 }`) that totals are added into.
      for (const o of f.objects) {
        const zeroed = o.keys.filter((k) => USAGE_FIELDS.has(k) && (o.values[k] === '0' || o.values[k] === '0.0'));
        // A zeroed usage on a synthetic message (`{ role, usage: { input: 0 … }, stopReason: 'error' }`) is a placeholder.
        const placeholder = o.ctx.startsWith('prop:') && !words(o.fn).some((w) => ACC_FN.has(w));
        if (zeroed.length >= 2 && !o.ctx.startsWith('type:') && !placeholder) {
          accs.push({ file: f.path, line: o.line, reason: `usage record {${zeroed.join(', ')}} starts at 0 in ${o.fn} (${o.ctx}) and accumulates usage`, score: /usage|total|accum|session/i.test(o.ctx) ? 4 : 1 } as Evidence & { score: number });
        }
      }
      for (const c of f.calls) {
        const cw = words(c.name);
        if (ACC_VERB.has(cw[0]) && cw.some((w) => w === 'usage' || w === 'tokens' || w === 'cost')) {
          accs.push({ file: f.path, line: c.line, reason: `${c.callee}() in ${c.fn} adds a response's usage to a running total`, score: 3 } as Evidence & { score: number });
        }
        if (TOKENIZER.test(c.name) && estimators.length < 8) estimators.push({ file: f.path, line: c.line, reason: `${c.callee}() counts tokens` });
      }
    }
    accs.sort((a, b) => (b as Evidence & { score: number }).score - (a as Evidence & { score: number }).score);
    const persistent = new Set(accs.filter((a) => (a as Evidence & { persistent?: boolean }).persistent));
    for (const a of accs) {
      delete (a as Partial<Evidence & { score: number }>).score;
      delete (a as Partial<Evidence & { persistent: boolean }>).persistent;
    }
    if (readFiles.size > 0 && accs.length > 0) {
      return {
        level: 'present',
        reason: `provider usage is read in ${readFiles.size} file(s) and summed into running totals (${accs.length} token/cost accumulators, e.g. ${accs[0].file}:${accs[0].line})`,
        evidence: [...accs.slice(0, 2), ...reads.slice(0, 2)],
      };
    }
    // Usage from a tokenizer or cost function (litellm `token_counter`, `completion_cost`) added to
    // per-run stats in the same file: `self.stats.tokens_sent += input_tokens`.
    const estFiles = new Set(estimators.map((e) => e.file));
    // A local sum inside a counting function (`tokens_used = 0` in `count_messages_tokens`) measures one request, not the run.
    const near = accs.find((a) => estFiles.has(a.file) && persistent.has(a));
    if (near) {
      const e = estimators.find((x) => x.file === near.file)!;
      return {
        level: 'present',
        reason: `tokens or cost are computed per call (${e.reason}) and summed into per-run totals (${near.file}:${near.line})`,
        evidence: [near, e],
      };
    }
    if (readFiles.size > 0 || estimators.length > 0) {
      return {
        level: 'partial',
        reason: readFiles.size > 0
          ? 'usage fields of model responses are read, but no running token or cost total is kept for the session'
          : 'tokens are estimated with a tokenizer, but provider usage is never read or accumulated per session',
        evidence: [...reads, ...estimators].slice(0, 3),
      };
    }
    return { level: 'absent', reason: 'no usage field of a model response is read and no tokenizer is used; token consumption is not tracked', evidence: [] };
  },
});
