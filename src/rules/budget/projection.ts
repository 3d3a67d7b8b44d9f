import type { Finding } from '../types.js';
import { defineRule } from '../types.js';
import { shortName, type RuleContext } from '../context.js';
import { words } from '../shared/persist.js';
import { countsTokens, frameworkContext, optInGate, historySizeChecks, loopReaches, projections, projectionSites, resolvedLoopReach, type ProjectionSite } from './context.js';

/** Names of a piece of content sized on its own, not the whole request. */
const PIECE_WORDS = new Set(['content', 'source', 'sources', 'document', 'documents', 'doc', 'docs', 'page', 'pages', 'file', 'files', 'scrape', 'scraping', 'scraped', 'web', 'chunk', 'chunks', 'attachment', 'attachments', 'stdout', 'stderr']);

const REQUEST_WORDS = new Set(['context', 'window', 'ctx', 'input', 'prompt', 'request', 'message', 'messages', 'history', 'conversation', 'transcript']);

/** A usage figure read off a model response: `agentResponse.tokenUsage.totalTokens`, `response.usage.prompt_tokens`. */
const RESPONSE_USAGE = /^[\w$]*(?:response|result|reply|completion|resp|res)\w*\??\.(?:[\w$]+\??\.)*(?:usage|tokenUsage|token_usage|usage_metadata|usageMetadata)\b/i;

/** Words of the conversation a whole request is built from. */
const CONVERSATION_WORDS = new Set(['message', 'messages', 'msg', 'msgs', 'history', 'conversation', 'transcript', 'prompt', 'request']);

/** A sizing whose function, or what it sets off, is named for one piece of content (`summarizeContent()`, `chunk()`). */
const namedForPiece = (p: ProjectionSite) => [...words(p.act.callee ?? ''), ...words(shortName(p.cmp.fn))].some((w) => PIECE_WORDS.has(w));
/**
 * A limit that is a small share of the window (`chat_token_limit * 0.1`, `max_tokens * 0.25`): room kept for one piece
 * put into the request (a tool's output, a document), not the whole request held against the window.
 */
const pieceShare = (p: ProjectionSite) => {
  const m = /\*\s*(0?\.\d+)\s*\)?\s*$/.exec(p.cmp.window.trim());
  return !!m && Number(m[1]) <= 0.5;
};
/** A sizing named for one piece of content, or held against a small share of the window, that measures no conversation. */
const pieceOnly = (p: ProjectionSite) => (namedForPiece(p) || pieceShare(p)) && !words(`${p.cmp.estimate} ${p.cmp.window} ${shortName(p.cmp.fn)}`).some((w) => CONVERSATION_WORDS.has(w));

/** A sizing whose function another sizing's function calls (`_truncate_turn()` under `_truncate_input_messages_roughly()`): a helper of that one. */
const helperOf = (ctx: RuleContext, p: ProjectionSite, among: ProjectionSite[]) => {
  const short = shortName(p.cmp.fn);
  return among.some((q) => q.cmp.fn !== p.cmp.fn && ctx.callsIn(q.cmp.file, q.cmp.fn).some((c) => c.name === short));
};

/**
 * Certain when the path to the model call is resolved and the limit is a window, not a run budget
 * (`total_tokens_used >= MAX_CONVERSATION_TOKENS` is a cap on spend, which the hard-limits check judges).
 * Not certain when the sizing is named for a piece of content put into the request (`executeWebScraping()`
 * → `summarizeContent()`, `_compress_context_source()`): that fits one source or page, maybe not the request.
 */
const sure = (p: ProjectionSite) =>
  !!p.turn?.resolved && !(/conversation|session|budget|cost|spend/i.test(p.cmp.window) && !/context|window|ctx|input|prompt/i.test(p.cmp.window)) && !namedForPiece(p);

const site = (p: ProjectionSite) => `${p.cmp.fn}() compares ${p.cmp.estimate} with ${p.cmp.window} (${p.cmp.text})`;

/**
 * A comparison of what the run has spent with a budget: the estimate is a running total kept on the
 * object (`self.total_tokens_used`, `this.totalInputTokens + n`) or the limit is a conversation,
 * session or cost budget, and the limit is not the context window.
 */
function spendCap(p: ProjectionSite): boolean {
  // Or the total a usage tracker keeps over the run (`tracker.getTotalUsage().totalTokens`, `usage_tracker.total_tokens`).
  const runningTotal = /(?:^|[(\s+])(?:self|this)\.\w*(?:total|used|spent|consumed|cumulative)\w*/i.test(p.cmp.estimate) || /tracker\b.*\btotal|total_?usage|totalUsage/i.test(p.cmp.estimate);
  // A total held against the context window is the history's size (`self.used_tokens > self.context_limit`).
  const window = /context|window|ctx/i.test(p.cmp.window);
  const budget = /conversation|session|cost|spend/i.test(p.cmp.window);
  return !window && (runningTotal || budget);
}

export default defineRule({
  id: 'budget.projection',
  principle: 'budget',
  title: 'Requests are projected against the context window',
  rationale:
    'Sending a request that overflows the context window fails late and wastes a call; estimating the request before each model call lets the harness compact, truncate or refuse first.',
  remediation:
    'Build a pre-call projection that estimates the request tokens, compares them with the model\'s context window minus a reserve before every model call in the loop, and compacts or refuses, as in the exemplar budget module.',
  exemplar: 'src/reference-harness/budget/budget.ts',
  detect(ctx): Finding {
    // 1. By mechanism: an estimate compared with the window, acted on, before each model call.
    // Comparisons the loop reaches only after the provider's error, or on a tool's output, do not project the request.
    const all = projectionSites(ctx);
    const sites = all.filter((p) => !p.notRequest);
    const perTurn = sites.filter((p) => p.turn && !spendCap(p));
    const spend = sites.find((p) => p.turn && spendCap(p));
    if (perTurn.length === 0 && spend) {
      // `self.total_input_tokens + n <= self.max_input_tokens`: what the run has spent, capped; the
      // request itself is never held against the model's window.
      return {
        level: 'partial',
        reason: `${site(spend)} before each model call, but that is a running total of the run's tokens against a budget (a spend cap); the request is not projected against the context window`,
        evidence: [
          { file: spend.cmp.file, line: spend.cmp.line, reason: `${spend.cmp.fn}() compares the running total ${spend.cmp.estimate} with ${spend.cmp.window}` },
          { file: spend.turn!.file, line: spend.turn!.line, reason: spend.turn!.why },
        ],
        confidence: 'low',
      };
    }
    // Checked before a framework call that runs many model steps itself (`streamText({ stopWhen: stepCountIs(400) })`):
    // once per run; the requests between its steps, grown by tool results, are never projected.
    const everyCall = perTurn.filter((p) => !p.turn!.multi);
    if (perTurn.length > 0 && everyCall.length === 0) {
      const p = perTurn[0];
      return {
        level: 'partial',
        reason: `${site(p)}; ${p.act.why}; but it runs once per framework run, not before each request: ${p.turn!.multi}, and the requests between its steps are not projected (${p.turn!.why})`,
        evidence: [
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() compares the estimate ${p.cmp.estimate} with the limit ${p.cmp.window}` },
          ...(p.act.line !== p.cmp.line || p.act.file !== p.cmp.file ? [{ file: p.act.file, line: p.act.line, reason: p.act.why }] : []),
          { file: p.turn!.file, line: p.turn!.line, reason: `${p.turn!.why}; ${p.turn!.multi}` },
        ],
        confidence: 'low',
      };
    }
    // What the provider reported for the previous response (`agentResponse.tokenUsage.totalTokens >= threshold`): read
    // after the call came back, so the next request, grown by the tool results, is never estimated before it is sent.
    const afterwards = everyCall.length > 0 && everyCall.every((p) => RESPONSE_USAGE.test(p.cmp.estimate));
    if (afterwards) {
      const p = everyCall[0];
      return {
        level: 'partial',
        reason: `${site(p)}; ${p.act.why}; but ${p.cmp.estimate} is the usage the provider reported for the previous response, read after it came back: the next request, grown by tool results, is not estimated before it is sent`,
        evidence: [
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() compares the previous response's reported usage ${p.cmp.estimate} with ${p.cmp.window}` },
          ...(p.act.line !== p.cmp.line || p.act.file !== p.cmp.file ? [{ file: p.act.file, line: p.act.line, reason: p.act.why }] : []),
        ],
        confidence: 'low',
      };
    }
    // Sized before each call, but named for one piece of content put into the request (`executeWebScraping()` →
    // `summarizeContent()`, `_compress_context_source()`, a chunker's `flush()` → `chunk()`) and measuring no
    // conversation: it fits that piece, and the request around it (history, tool results) is never estimated.
    const whole = everyCall.filter((p) => !pieceOnly(p));
    if (everyCall.length > 0 && whole.length === 0 && !frameworkContext(ctx).some((x) => x.projects)) {
      const p = everyCall[0];
      return {
        level: 'partial',
        reason: `${site(p)}; ${p.act.why}; it runs before each model call (${p.turn!.why}), but it sizes one piece of content put into the request, not the whole request: the history and tool results around it are not estimated`,
        evidence: [
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() compares the estimate ${p.cmp.estimate} of one piece of content with ${p.cmp.window}` },
          ...(p.act.line !== p.cmp.line || p.act.file !== p.cmp.file ? [{ file: p.act.file, line: p.act.line, reason: p.act.why }] : []),
          { file: p.turn!.file, line: p.turn!.line, reason: p.turn!.why },
        ],
        confidence: 'low',
      };
    }
    // Every such sizing hands the history back untouched unless its caller passes an option (`if (!config) return
    // messages`, `if compress_type == CompressType.NO_COMPRESS: return messages`): it is there, but opt-in.
    const gates = whole.map((p) => optInGate(ctx, p.cmp.file, p.cmp.fn, p.cmp.line));
    if (whole.length > 0 && gates.every(Boolean)) {
      const p = whole[0];
      const g = gates[0]!;
      return {
        level: 'partial',
        reason: `${site(p)}; ${p.act.why}; it runs before each model call (${p.turn!.why}), but only when the caller passes ${g.option}: ${p.cmp.fn}() returns the history untouched when ${g.cond} (line ${g.line}), so the projection is opt-in`,
        evidence: [
          { file: g.file, line: g.line, reason: `${p.cmp.fn}() returns the history unsized when ${g.cond}: the projection is off unless ${g.option} is passed` },
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() compares the estimate ${p.cmp.estimate} with the limit ${p.cmp.window}` },
          { file: p.turn!.file, line: p.turn!.line, reason: p.turn!.why },
        ],
        confidence: 'low',
      };
    }
    if (whole.length > 0) {
      // The sizing of the whole request before its helpers: `_truncate_input_messages_roughly()` compares the request's
      // tokens with the window and calls `_truncate_turn()`, whose own comparisons fit one turn to what is left over.
      const open = whole.filter((_, i) => !gates[i]);
      // Only for one as sure as the first (see sure), so the verdict's confidence never drops for the swap.
      const p = open.find((x) => !helperOf(ctx, x, open) && (sure(x) || !sure(open[0]))) ?? open[0];
      return {
        level: 'present',
        reason: `${site(p)}; ${p.act.why}; it runs before each model call: ${p.turn!.why}`,
        evidence: [
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() compares the estimate ${p.cmp.estimate} with the limit ${p.cmp.window}` },
          ...(p.act.line !== p.cmp.line || p.act.file !== p.cmp.file ? [{ file: p.act.file, line: p.act.line, reason: p.act.why }] : []),
          { file: p.turn!.file, line: p.turn!.line, reason: p.turn!.why },
        ],
        confidence: sure(p) ? 'high' : 'low',
      };
    }
    // 2. A framework's context management this repo turns on.
    const fw = frameworkContext(ctx);
    const proj = fw.find((x) => x.projects);
    if (proj) {
      return {
        level: 'present',
        reason: `the repo turns on framework context management: ${proj.why}`,
        evidence: fw.filter((x) => x.projects).slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: x.why })),
        confidence: 'high',
      };
    }
    // 3. By co-occurrence of a window figure and an estimate in one function (names only).
    const ps = projections(ctx);
    for (const p of ps) {
      // Or through calls resolved by the receiver's class where a name is too common to follow (`self.step()`).
      const hit = loopReaches(ctx, p.fn.name, 2) ?? resolvedLoopReach(ctx, p.fn.file, p.fn.name);
      if (hit && !hit.inCatch) {
        return {
          level: 'present',
          reason: `${p.fn.name}() reads ${p.estimate.text} and ${p.window.text} and runs each turn of the agent loop in ${hit.loop} (${hit.path.join(' → ')})`,
          evidence: [
            { file: p.fn.file, line: p.window.line, reason: `${p.fn.name}() checks the request against ${p.window.text}` },
            { file: p.fn.file, line: p.estimate.line, reason: `${p.estimate.text} estimates the request size` },
            { file: hit.file, line: hit.line, reason: `the agent loop in ${hit.loop} reaches ${p.fn.name}() every turn` },
          ],
          confidence: 'low',
        };
      }
    }
    // Off the loop, a comparison counts only when it is about the request: a context window or input limit, or the
    // messages sent (`renderSections()` fitting a retrieved document's chunks to a generic `maxTokens` is not).
    const aboutRequest = (p: ProjectionSite) => words(`${p.cmp.window} ${p.cmp.estimate} ${shortName(p.cmp.fn)}`).some((w) => REQUEST_WORDS.has(w));
    const offLoop = sites.find(aboutRequest);
    if (offLoop) {
      const p = offLoop;
      return {
        level: 'partial',
        reason: `${site(p)} and ${p.act.why}, but the agent loop does not run it before each model call (only before a run or on demand)`,
        evidence: [
          { file: p.cmp.file, line: p.cmp.line, reason: `${p.cmp.fn}() compares the estimate ${p.cmp.estimate} with the limit ${p.cmp.window}` },
          ...(p.act.line !== p.cmp.line || p.act.file !== p.cmp.file ? [{ file: p.act.file, line: p.act.line, reason: p.act.why }] : []),
        ],
        confidence: 'low',
      };
    }
    const server = fw.find((x) => x.does === 'server');
    if (server) {
      return {
        level: 'partial',
        reason: `the harness never estimates the request itself; it hands overflow to the provider: ${server.why}`,
        evidence: fw.filter((x) => x.does === 'server').slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: x.why })),
        confidence: 'low',
      };
    }
    if (ps.length > 0) {
      const p = ps[0];
      return {
        level: 'partial',
        reason: `${p.fn.name}() reads ${p.estimate.text} and ${p.window.text}, but the agent loop does not run it before each model call (only before a run or on demand)`,
        evidence: ps.slice(0, 2).map((x) => ({ file: x.fn.file, line: x.window.line, reason: `${x.fn.name}() reads ${x.estimate.text} and ${x.window.text}` })),
        confidence: 'low',
      };
    }
    // A size proxy: the history's text measured in characters against a threshold that sets off compaction.
    const size = historySizeChecks(ctx)[0];
    if (size) {
      return {
        level: 'partial',
        reason: `${size.fn}() compares the size of the history's text (${size.size}, from ${size.from}) with ${size.limit} and sets off ${size.act} when over, but that is a character count, not a token estimate held against the model's context window`,
        evidence: [{ file: size.file, line: size.line, reason: `${size.fn}() compares ${size.text}: the history's characters against a threshold` }],
        confidence: 'low',
      };
    }
    const after = all.find((p) => p.notRequest);
    if (after) {
      return {
        level: 'absent',
        reason: `${site(after)}, but ${after.notRequest!.why}; no token estimate of the request is compared with the context window before a model call`,
        evidence: [],
        confidence: 'low',
      };
    }
    // No comparison in any source file sets a token figure against a window, and nothing counts tokens at all: provably none.
    return { level: 'absent', reason: 'no token estimate is compared with a context-window limit before a model call', evidence: [], confidence: countsTokens(ctx) ? 'low' : 'high' };
  },
});
