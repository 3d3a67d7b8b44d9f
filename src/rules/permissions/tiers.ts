import { offPathFrontends } from '../shared/ui.js';
import type { FileFacts } from '../../analyzers/facts.js';
import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { APPROVAL_FLAG, HINT_KEY, dispatchPath, permissionCalls, shellSinks, toolClassLists, toolDeclarations, toolDispatch, toolHints, toolSourceFilters, mcpSource } from '../shared/tools.js';
import { shortName, type RuleContext } from '../context.js';
import { fnAt } from '../shared/resolve.js';
import { actionGates, confirmPrompts } from './action-gate.js';
import { askedVerdict, tieredVerdicts, toolAsks, type TieredVerdict } from './verdict.js';
import { approvalOnDispatch, liveLoopDispatch, namesTool } from './gate.js';
import { nameBranchDispatch } from './name-branch.js';
import { hookGates } from './hook-gate.js';

/** A predicate on the command's risk class that a decision calls: `isSafeCommand(cmd)`, `is_read_only_command(cmd)`, `isDangerousCommand(cmd)`. */
const SAFE_COMMAND = /^_*(?:is|check)_?(?:[Ss]afe|[Rr]ead_?[Oo]nly|[Dd]angerous|[Dd]estructive|[Mm]utating)_?(?:[Cc]ommand|[Cc]md|[Ss]hell_?[Cc]ommand)$/;
/** What a decision can branch on: where a tool comes from, or its risk class. */
const TIER_READ =
  /^(?:trust|trusted|isTrusted|is_trusted|trustLevel|trust_level|trust_remote_code|serverName|server_name|isMcp|is_mcp|isMcpTool|mcpServer|toolSource|builtin|isBuiltin|isBuiltIn|builtIn|is_builtin|plugin|isPlugin|extension|extensionName|provenance|tier|toolAnnotations|annotations|readOnlyHint|destructiveHint|riskClass|category)$/;

/** Keys naming a risk class of tools, and decision words as their values. */
const RISK_CLASS = /^(?:read|readonly|read_only|readOnly|write|edit|edits|execute|exec|shell|command|commands|network|mcp|delete|destructive)$/;
const DECISION_WORD = /^(?:allow|ask|deny|prompt|confirm|block|auto|always|never|reject)$/;
/** A collection of tool names named for a risk class. */
const RISK_SET = /^(?:[A-Z_]*(?:READ_?ONLY|MUTATING|DESTRUCTIVE|DANGEROUS|WRITE|UNSAFE|SAFE|RISKY)[A-Z_]*TOOLS?[A-Z_]*|(?:readOnly|mutating|destructive|dangerous|write|unsafe|safe|risky)Tools?(?:Set|List|Names)?)$/;

/** A literal risk class handed to a decision: `'read'`, `"write"`, `'execute'`. */
const RISK_ARG = /^['"`](read|write|edit|execute|exec|shell|delete|network)['"`]$/i;
/** Tool names that write, edit, run or act outside: the ones a safer mode leaves out. */
const RISKY_TOOL = /write|edit|patch|delete|remove|bash|shell|exec|command|terminal|computer|run_?code|install|deploy|move|rename|create_?file/i;

/** A tool description that starts by saying it changes something: `"Create or overwrite a file…"`, `"Edit a file…"`, `"Run a command…"`. */
const RISKY_VERB = /^['"`]\s*(create|write|overwrite|edit|modify|replace|delete|remove|run|execute|click|type|press|launch|install|move|rename|apply)\b/i;

/**
 * A branch on a mode's value (`mode === 'agent'`, `mode !== 'plan'`) whose code declares tools that
 * write or run, while the same function declares other tools outside it.
 */
function modeToolSplit(ctx: RuleContext): { file: string; line: number; cond: string; risky: string[] } | undefined {
  const decls = toolDeclarations(ctx);
  const files = new Set(decls.map((d) => d.file));
  for (const path of files) {
    const f = ctx.file(path);
    if (!f?.branches?.length) continue;
    const here = decls.filter((d) => d.file === path);
    for (const b of f.branches) {
      if (!/\bmode\b|Mode\b/.test(b.cond) || !/===?|!==?/.test(b.cond)) continue;
      const inside = here.filter((d) => d.line > b.line && d.line <= b.end);
      const outside = here.filter((d) => (d.line < b.line || d.line > b.end) && f.functions.some((fn) => fn.name === b.fn && d.line >= fn.line && d.line <= fn.end));
      // A tool built with a generic builder (`tools.x = tool({...})`) is known by what its description says it does first.
      const what = (d: (typeof here)[number]) => {
        if (d.name !== 'tool' && d.name !== 'createTool' && RISKY_TOOL.test(d.name)) return d.name;
        const desc = f.objects.find((o) => o.line === d.line)?.values.description ?? '';
        const verb = RISKY_VERB.exec(desc)?.[1];
        return verb ? `a '${verb.toLowerCase()}' tool (line ${d.line})` : '';
      };
      const risky = [...new Set(inside.map(what).filter(Boolean))];
      if (risky.length && outside.length) return { file: path, line: b.line, cond: b.cond, risky: risky.slice(0, 4) };
    }
  }
  return undefined;
}

/** Hints about scheduling (run in parallel, safe to retry), not about risk. */
const SCHEDULING_HINT = /concurren|parallel|idempotent/i;

/** A call that runs a batch of calls at once or one after another. */
const SCHEDULER_CALL = /concurren|parallel|serial|sequential/i;

/**
 * A classifier call in a condition whose branch picks how calls are scheduled: a call named for
 * concurrent or serial running follows within a few lines in the same function, and no permission
 * word is between them.
 */
function schedules(f: NonNullable<ReturnType<RuleContext['file']>>, c: (typeof f.calls)[number]): boolean {
  // The classifier may sit in a callback of the condition (`calls.every((x) => x.isReadOnly())`).
  if (!c.cond && !f.calls.some((x) => x.fn === c.fn && x.cond && x.line >= c.line - 2 && x.line <= c.line)) return false;
  const next = f.calls.filter((x) => x.fn === c.fn && x.line > c.line && x.line <= c.line + 6);
  const first = next.find((x) => SCHEDULER_CALL.test(x.name) || /permi|approv|allow|deny|confirm/i.test(x.name));
  return !!first && SCHEDULER_CALL.test(first.name);
}

/**
 * Branches of the permission decision on a class of tools the harness names in a constant:
 * `if (FILE_WRITE_TOOLS.has(req.tool)) return { mode: 'ask' }` ahead of a default `return { mode:
 * 'allow' }`. The collection is a module constant whose literals include declared tool names (a
 * built-in class, not a user's list), and the branch returns something other than the default.
 */
function classSetBranches(ctx: RuleContext, deciders: string[]): Evidence[] {
  const toolNames = new Set(toolDeclarations(ctx).map((d) => d.name));
  const out: Evidence[] = [];
  const seen = new Set<string>();
  for (const name of deciders) {
    for (const def of ctx.functionsNamed(name).slice(0, 4)) {
      const key = `${def.file}#${def.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const f = ctx.file(def.file);
      if (!f) continue;
      const rets = f.objects.filter((o) => o.fn === def.name && o.ctx === 'return');
      const last = rets[rets.length - 1];
      for (const g of f.guards) {
        if (g.fn !== def.name || g.exit !== 'return' || /^\s*(?:!|not\s)/.test(g.cond)) continue;
        const m = /^\(?\s*(?:this\.|self\.)?([A-Za-z_$][\w$]*)\.(?:has|includes|contains)\([^()]*\)\s*\)?$|^[\w$.\[\]'"]+\s+in\s+(?:self\.)?([A-Za-z_]\w*)$/.exec(g.cond.trim());
        const coll = m?.[1] ?? m?.[2];
        if (!coll) continue;
        const decl = (f.binds ?? []).find((b) => b.name === coll && b.fn === '<top>')?.value ?? f.consts.find((k) => k.name === coll && k.fn === '<top>')?.value ?? '';
        const literals = [...decl.matchAll(/['"`]([\w.:-]+)['"`]/g)].map((x) => x[1]);
        if (!literals.some((x) => toolNames.has(x))) continue;
        // The branch's decision differs from the default one (when both are returned as objects).
        const here = rets.find((o) => o.line > g.line && o.line <= g.line + 3) ?? rets.find((o) => o.line === g.line);
        if (here && last && here !== last && here.keys.every((k) => here.values[k] === last.values[k])) continue;
        out.push({ file: def.file, line: g.line, reason: `${shortName(def.name)}() decides for the tool class ${coll} (${literals.slice(0, 3).join(', ')}) apart from the rest: if (${g.cond.slice(0, 50)}) return` });
      }
    }
  }
  return out;
}

/**
 * Where MCP servers' tools are listed (`client.listTools()`, `session.list_tools()`), the listing
 * function keeps only the configured tools (`tools.filter((t) => allowed.some(…))`) or refuses a
 * changed tool list (a throw after the listing, such as a pinned signature that no longer matches):
 * a control on that one source of tools, made where its tools are loaded, as a per-server tool filter is.
 */
function mcpLoadControl(ctx: RuleContext): { file: string; line: number; fn: string; list: number; what: string } | undefined {
  return ctx.memo('tiers:mcp-load-control', () => {
    for (const n of ['listTools', 'list_tools']) {
      for (const c of ctx.callsNamed(n).slice(0, 12)) {
        if (c.fn === '<top>' || !/mcp|client|session/i.test(`${c.callee} ${c.file} ${c.fn}`)) continue;
        const f = ctx.file(c.file);
        if (!f) continue;
        const fil = ctx.callsIn(c.file, c.fn).find((x) => x.line > c.line && x.name === 'filter' && /tool/i.test(x.callee));
        if (fil) return { file: c.file, line: fil.line, fn: c.fn, list: c.line, what: `${fil.callee}() keeps only some of the server's tools` };
        // A check of the reply's shape (`if not isinstance(page, list): raise`) refuses a malformed reply, not a changed list of tools.
        // A guard on the page token the listing hands back (`if (seenCursors.has(page.nextCursor)) throw`, then
        // `listTools({ cursor: page.nextCursor })`) stops a paging loop that repeats: it controls no tool.
        const pageArgs = new Set(ctx.callsIn(c.file, c.fn).filter((x) => x.name === n).flatMap((x) => x.args.join(' ').match(/[A-Za-z_$][\w$]*/g) ?? []).flatMap(wordParts));
        const paging = (cond: string) => (cond.match(/[A-Za-z_$][\w$]*/g) ?? []).some((id) => { const p = wordParts(id); return p.length > 0 && pageArgs.has(p[p.length - 1]); });
        const g = f.guards.find((x) => x.fn === c.fn && x.exit === 'throw' && x.line > c.line && !shapeOnly(x.cond) && !paging(x.cond));
        if (g) return { file: c.file, line: g.line, fn: c.fn, list: c.line, what: `the listing is refused: if (${g.cond.slice(0, 50)}) throw` };
      }
    }
    return undefined;
  });
}

/** The lower-case word parts of an identifier, without a plural s: `seenCursors` → seen, cursor; `next_cursor` → next, cursor. */
const wordParts = (id: string): string[] =>
  id.replace(/([a-z0-9])([A-Z])/g, '$1 $2').split(/[\s_$]+/).filter((w) => w.length > 2).map((w) => w.toLowerCase().replace(/s$/, ''));

/** A test of a value's type or presence: `not isinstance(x, list)`, `!Array.isArray(x)`, `typeof x !== 'object'`, `x is None`. */
const SHAPE_CHECK = /\bisinstance\(|\bArray\.isArray\(|\btypeof\b|\binstanceof\b|\bis\s+(?:not\s+)?None\b|[!=]==?\s*(?:null|undefined)\b|^\s*(?:!|not\s+)[\w.]+\s*$/;
/** Every part of the condition tests only a value's type or presence (`pinned !== undefined && sha !== pinned` compares too). */
const shapeOnly = (cond: string): boolean => cond.split(/&&|\|\||\band\b|\bor\b/).every((p) => SHAPE_CHECK.test(p.trim().replace(/^\(+|\)+$/g, '')));

/** An MCP tool-annotation hint given a value: `readOnlyHint=not can_edit`, `destructiveHint: true`. */
const ANNOTATION_HINT = /^\s*['"]?(readOnlyHint|destructiveHint|read_only_hint|destructive_hint)['"]?\s*[=:]\s*(.+?)\s*$/;
/** A value that is a type or schema, not a hint set on a tool: `bool`, `z.boolean().optional()`, `Optional[bool]`. */
const TYPE_VALUE = /^(?:bool|boolean|Optional\[|NotRequired\[|z\.|t\.|Type\.|None$|undefined$)/;

/**
 * Tools published with the MCP annotations that classify them by risk (the MCP specification's
 * `ToolAnnotations(readOnlyHint=…, destructiveHint=…)`, or `annotations: { readOnlyHint: true }`),
 * given values per tool in the harness's own code: a read-only / destructive class that an MCP
 * client may use to decide what to ask about, while the harness itself runs every call alike.
 * Typed declarations of the annotation (an interface, a schema, a generated model) set no value.
 */
function annotatedRisk(ctx: RuleContext): { file: string; line: number; what: string; value: string }[] {
  return ctx.memo('tiers:annotated-risk', () => {
    const out: { file: string; line: number; what: string; value: string }[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls) {
        for (const a of c.args) {
          const m = ANNOTATION_HINT.exec(a);
          if (m && /=/.test(a.slice(0, a.indexOf(m[2]))) && !TYPE_VALUE.test(m[2])) out.push({ file: f.path, line: c.line, what: `${c.callee}(${m[1]}=${m[2].slice(0, 30)})`, value: m[2] });
        }
      }
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:') || o.ctx.startsWith('class:')) continue;
        for (const k of o.keys) {
          if (!/^(?:readOnlyHint|destructiveHint)$/.test(k)) continue;
          const v = (o.values[k] ?? '').trim();
          if (v && !TYPE_VALUE.test(v)) out.push({ file: f.path, line: o.line, what: `${k}: ${v.slice(0, 30)}`, value: v });
        }
      }
      if (out.length >= 24) break;
    }
    // Sites that set a hint to different values (or compute it per tool) first: they tell tools apart.
    const computed = (x: (typeof out)[number]) => !/^(?:true|false)$/i.test(x.value);
    return out.sort((a, b) => Number(computed(b)) - Number(computed(a)));
  });
}

export default defineRule({
  id: 'permissions.tiers',
  principle: 'permissions',
  title: 'Tools are treated by trust tier or risk class',
  rationale:
    'A read-only built-in tool, a shell tool and a tool from an unknown MCP server do not carry the same risk; a gate that treats them alike either nags for everything or waves everything through.',
  remediation:
    'Give each tool a risk class (read-only / write / execute) and a source (built-in / MCP / plugin) and make the permission decision branch on them: allow read-only built-ins, ask for writes and shell, ask or deny unknown MCP tools; see the exemplar.',
  exemplar: 'src/reference-harness/permissions/gate.ts',
  detect(ctx) {
    const calls = permissionCalls(ctx);
    const path = dispatchPath(ctx);
    // The harness's own decision (a bare function such as checkPolicy) before SDK or UI callbacks.
    const bare = (c: (typeof calls)[number]) => (c.kind !== 'decision' ? 3 : !c.callee.includes('.') ? 0 : /^this\.\w+(?:\.\w+)?$/.test(c.callee) ? 1 : 2);
    const decisive = calls.filter((c) => c.onPath && c.kind === 'decision' && c.defined && !c.optional).sort((a, b) => bare(a) - bare(b));
    const hooked = calls.filter((c) => c.onPath).sort((a, b) => bare(a) - bare(b));
    // Files where the decision is made: the on-path call's file and the decision function's file.
    const gateFiles = new Set<string>();
    // A hook on the executor that the harness installs and whose refusals its own code builds
    // decides there: the files that build the refusals are where tools are told apart.
    const hg = hookGates(ctx).find((h) => (h.installed || h.own) && h.refusals.length);
    if (hg && !decisive.length) {
      for (const r of hg.refusals) gateFiles.add(r.file);
      const h = hg.call;
      decisive.push({ file: h.file, line: h.line, fn: h.fn, callee: h.callee, kind: 'decision', defined: true, onPath: true, optional: false });
    }
    // Tools run by a branch on their name (`if (name === "shell") handleExecCommand(…)`), with the
    // decision made on the arm or in the handler it calls: that decision is the one that tells calls apart.
    if (!decisive.length) {
      const nb = nameBranchDispatch(ctx).find((x) => x.before || x.arms.some((a) => a.decision));
      const c = nb && (nb.before ?? nb.arms.find((a) => a.decision)?.decision);
      if (c) {
        decisive.push({ ...c, onPath: true });
        gateFiles.add(c.file);
        for (const d of ctx.functionsNamed(shortName(c.callee)).slice(0, 4)) gateFiles.add(d.file);
      }
    }
    // Within a decision's file, the permission path is the function that makes the decision call, the
    // decision function itself, and the same-file functions they call: a key of the same name read elsewhere
    // in a large module (a memory option's `readOnly`) is not read by the decision.
    const gateSpans = new Map<string, { line: number; end: number }[]>();
    const onGateFn = (file: string, span: { line: number; end: number } | undefined) => {
      if (!span) return;
      const s = gateSpans.get(file) ?? [];
      s.push(span);
      gateSpans.set(file, s);
    };
    // The innermost function of that name around a line (several arrows may share a name such as `execute`).
    const around = (file: string, fn: string, line: number) =>
      ctx.file(file)?.functions.filter((x) => x.name === fn && x.line <= line && x.end >= line).sort((x, y) => x.end - x.line - (y.end - y.line))[0];
    for (const c of hooked) {
      gateFiles.add(c.file);
      const name = shortName(c.callee);
      for (const d of ctx.functionsNamed(name)) gateFiles.add(d.file);
    }
    for (const c of decisive) {
      const at = around(c.file, c.fn, c.line);
      onGateFn(c.file, at);
      const defs = ctx.functionsNamed(shortName(c.callee)).slice(0, 4);
      for (const d of defs) onGateFn(d.file, d);
      // One hop: the same-file functions the caller and the decision call.
      for (const [file, fn] of [[c.file, c.fn], ...defs.map((d) => [d.file, d.name])]) for (const x of ctx.callsIn(file, fn).slice(0, 40)) for (const d of ctx.functionsNamed(x.name)) if (d.file === file) onGateFn(file, d);
    }
    if (hg && decisive.length === 1 && decisive[0].line === hg.call.line) for (const r of hg.refusals) gateSpans.delete(r.file);
    const readsIn = (files: Iterable<string>, scoped = false): Evidence[] => {
      const out: Evidence[] = [];
      for (const p of files) {
        const f = ctx.file(p);
        if (!f) continue;
        const spans = scoped ? gateSpans.get(p) : undefined;
        const inScope = (line: number) => !spans || spans.some((x) => line >= x.line && line <= x.end);
        for (const k in f.reads) {
          const lines = f.reads[k].filter(inScope);
          if (!lines.length) continue;
          // Scheduling hints (concurrency-safe, idempotent) say nothing about risk.
          if (k === 'kind' || SCHEDULING_HINT.test(k) || APPROVAL_FLAG.test(k) || !(TIER_READ.test(k) || HINT_KEY.test(k))) continue;
          out.push({ file: p, line: lines[0], reason: `the permission path reads '${k}' to treat tools differently` });
        }
        for (const c of f.calls) {
          if (!inScope(c.line)) continue;
          // A read-only flag read only to choose between running calls concurrently or one by one
          // (`if (calls.every((c) => find(c).isReadOnly())) runConcurrently(…) else runSerially(…)`)
          // schedules the calls; it permits nothing.
          if (schedules(f, c)) continue;
          if (/^(?:isReadOnly|is_read_only|isDestructive|isDangerous|is_dangerous|isMcp|isTrusted|is_trusted|getDangerLevel|riskOf|classify(?:Tool|Risk|Command|Danger|Permission|Action)\w*)$/.test(c.name) || SAFE_COMMAND.test(c.name)) out.push({ file: p, line: c.line, reason: `the permission path classifies the tool with ${c.callee}()` });
        }
      }
      return out;
    };
    const classSets = classSetBranches(ctx, [...new Set(decisive.map((c) => shortName(c.callee)))].slice(0, 4));
    const onGate = [...classSets, ...readsIn(gateFiles, true)];
    // A function that decides by the tool's class (`if (isReadTool(name)) return …; if (isEditTool(name)) return …`).
    const verdictEv = (v: TieredVerdict): Evidence => ({ file: v.file, line: v.guard.line, reason: `${shortName(v.fn)}() decides by the tool's class: if (${v.guard.cond.slice(0, 60)}) return …${v.guards.length > 1 ? ` (${v.guards.length} class branches)` : ''}` });
    const verdict = tieredVerdicts(ctx).find((v) => v.guards.length >= 2);
    if (onGate.length && decisive.length) {
      return {
        level: 'present',
        reason: verdict
          ? `the permission decision (${decisive[0].callee}() at ${decisive[0].file}:${decisive[0].line}) runs on the dispatch path, and ${shortName(verdict.fn)}() (${verdict.file}:${verdict.guard.line}) treats tools by class`
          : `the permission decision (${decisive[0].callee}() at ${decisive[0].file}:${decisive[0].line}) branches on the tool's tier or risk class (${onGate[0].reason.replace(/^.*reads /, '')})`,
        evidence: [...(verdict ? [verdictEv(verdict)] : []), ...onGate.slice(0, verdict ? 1 : 2), { file: decisive[0].file, line: decisive[0].line, reason: `permission decision ${decisive[0].callee}()` }],
        // A decision on the dispatch path and a function whose branches return by the tool's class.
        confidence: verdict ? 'high' : 'low',
      };
    }
    // The approval request every tool awaits in its own run is answered by a function that decides
    // by the tool's class (auto-approve read-only tools, ask for the rest).
    const asked = askedVerdict(ctx);
    if (asked) {
      const { ask: a, verdict: v } = asked;
      return {
        level: 'present',
        reason: `the approval that tools request (${a.ask.callee}() at ${a.ask.file}:${a.ask.line}) is decided by ${shortName(v.fn)}() (${v.file}:${v.guard.line}), which treats tools by class`,
        evidence: [verdictEv(v), ...v.guards.slice(1, 2).map((g) => ({ file: v.file, line: g.line, reason: `class branch: if (${g.cond.slice(0, 60)}) return` })), { file: a.ask.file, line: a.ask.line, reason: `a tool requests approval: ${a.ask.callee}()` }],
      };
    }
    // The call's risk class decides the answer: a permission decision that allows a read-only call
    // without asking (`if await tool.check_read_only(input): return PermissionDecision(ALLOW)`), or a
    // tool that runs an allow-listed command directly and asks for the rest (`if is_allowlisted(cmd):
    // run(cmd) else: execute_with_confirmation(…)`).
    // A risk-class enum on the tools' contracts (READ / WRITE / EXTERNAL / DANGEROUS) that an approval
    // decision compares a tool's class with.
    const enumSites = riskEnumDecision(ctx);
    if (enumSites.length) {
      const first = enumSites.find((x) => x.what.startsWith('if (')) ?? enumSites[0];
      const other = enumSites.find((x) => x !== first && x.file !== first.file) ?? enumSites.find((x) => x !== first);
      return {
        level: 'present',
        reason: `tools carry a risk class (enum ${first.enumName}: ${first.members.slice(0, 4).join(' / ')}) that the approval decision compares with: ${shortName(first.fn)}() at ${first.file}:${first.line} ${first.what}`,
        evidence: [first, ...(other ? [other] : [])].map((x) => ({ file: x.file, line: x.line, reason: `${shortName(x.fn)}() decides by the tool's risk class: ${x.what}` })),
        // Found by the enum's members and the decision's name.
        confidence: 'low',
      };
    }
    const risk = riskClassDecision(ctx);
    if (risk) {
      return {
        level: 'present',
        reason: `the call's risk class decides whether it is asked about: ${risk.what} (if (${risk.cond.slice(0, 60)}) at ${risk.file}:${risk.line})`,
        evidence: [{ file: risk.file, line: risk.line, reason: `${shortName(risk.fn)}() treats the call by its risk class: if (${risk.cond.slice(0, 60)})` }, ...(risk.ask ? [risk.ask] : [])],
        // Found by the predicate's name and the decision or confirmation beside it.
        confidence: 'low',
      };
    }
    const onDispatch = onGate.length ? onGate : readsIn(path.files);
    // A per-tool "needs approval" flag says that this tool asks, not what class of tool it is.
    // Nor does a scheduling hint (`concurrencySafe`): it batches calls, it does not permit them.
    // Not a hint declared in a web front-end package that runs no agent (its types describe what the
    // page shows: a dashboard's `readonly` field on a listed tool), even where the file is not page code.
    const frontends = offPathFrontends(ctx);
    const hints = toolHints(ctx).filter((h) => !APPROVAL_FLAG.test(h.key) && !SCHEDULING_HINT.test(h.key) && !frontends.some((d) => h.file.startsWith(d)));
    if (onDispatch.length && (hooked.length || hints.length)) {
      return {
        level: 'partial',
        reason: `tools are classified (${onDispatch[0].reason.replace(/^.*(?:reads|with) /, '')}) on the dispatch path, but no default permission decision acts on the class${hooked.length ? ` (only ${hooked[0].callee}() at ${hooked[0].file}:${hooked[0].line})` : ''}`,
        evidence: onDispatch.slice(0, 3),
      };
    }
    // A trust check when tools are loaded (remote code, MCP servers) that refuses untrusted sources:
    // only in a module that declares tools (where tools are loaded). A trust check elsewhere guards
    // something else (a channel's reply URL before a token is sent, a sandbox mount manifest, a
    // web client), not which tools may run.
    const toolFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    const trustChecks: { file: string; g: (typeof ctx.source)[number]['guards'][number] }[] = [];
    for (const f of ctx.source) {
      if (!toolFiles.has(f.path)) continue;
      for (const g of f.guards) if (g.exit === 'throw' && /trust/i.test(g.cond)) trustChecks.push({ file: f.path, g });
      if (trustChecks.length >= 12) break;
    }
    if (trustChecks.length) {
      const { file, g } = trustChecks[0];
      return {
        level: 'partial',
        reason: `untrusted tool sources are refused at load time (${g.cond.slice(0, 50)} at ${file}:${g.line}), but once loaded every tool runs the same way`,
        evidence: trustChecks.slice(0, 2).map((x) => ({ file: x.file, line: x.g.line, reason: `load-time trust check: if (${x.g.cond.slice(0, 60)}) throw` })),
      };
    }
    // A policy per risk class: `{ read: 'allow', edit: 'ask', execute: 'ask' }`.
    for (const f of ctx.source) {
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:')) continue;
        const classes = o.keys.filter((k) => RISK_CLASS.test(k));
        if (classes.length < 2) continue;
        const decisions = new Set(classes.map((k) => (o.values[k] ?? '').replace(/^['"`]|['"`]$/g, '').toLowerCase()).filter((v) => DECISION_WORD.test(v)));
        if (decisions.size < 2) continue;
        const ev: Evidence = { file: f.path, line: o.line, reason: `a permission policy per risk class (${classes.slice(0, 4).map((k) => `${k}: ${o.values[k]}`).join(', ')})` };
        return {
          level: decisive.length ? 'present' : 'partial',
          reason: decisive.length
            ? `tools get a policy by risk class (${f.path}:${o.line}), and the decision ${decisive[0].callee}() runs on the dispatch path`
            : `tools get a policy by risk class (${f.path}:${o.line}), but no default decision on the dispatch path applies it`,
          evidence: [ev],
        };
      }
    }
    // A set of tools named for their risk class (`READ_ONLY_TOOLS.has(name)`) that a mode consults.
    for (const c of ctx.calls) {
      if (!/^(?:has|includes|contains)$/.test(c.name)) continue;
      const coll = c.callee.slice(0, -c.name.length - 1).replace(/^.*\./, '');
      if (!RISK_SET.test(coll)) continue;
      // The set's declaration is the tier table: cite it first (same file, else the file it is imported from).
      const here = ctx.file(c.file);
      const from = here?.imports.find((i) => i.names.includes(coll));
      const declFile = from ? ctx.source.find((g) => (g.binds ?? []).some((b) => b.name === coll && b.fn === '<top>') && from.from.replace(/^\.+\//, '').replace(/\.[jt]sx?$/, '').split('/').every((seg) => g.path.includes(seg))) : here;
      const decl = (declFile?.binds ?? []).find((b) => b.name === coll && b.fn === '<top>') ?? declFile?.consts.find((k) => k.name === coll && k.fn === '<top>');
      // The set is checked in the function that runs the looked-up tool only after an approval
      // (`const needsApproval = DANGEROUS_TOOLS.includes(name); if (needsApproval) { …ask… }; if
      // (!approval.approved) return`): the class decides which calls are asked about.
      const approved = approvalOnDispatch(ctx);
      if (approved && approved.d.exec.file === c.file && approved.d.exec.fn === c.fn && c.line < approved.line) {
        return {
          level: 'present',
          reason: `the dispatch decides by risk class: ${coll} is checked (${c.file}:${c.line}) in the function that runs a tool only once its call is approved (${approved.cond.slice(0, 50)} at line ${approved.line})`,
          evidence: [
            { file: c.file, line: c.line, reason: `tool checked against the risk-class set ${coll} before the approval` },
            ...(decl && declFile ? [{ file: declFile.path, line: decl.line, reason: `risk-class set ${coll} declared` }] : []),
            { file: c.file, line: approved.line, reason: `the tool runs only if the call was approved: ${approved.cond.slice(0, 50)}` },
          ],
          confidence: 'low',
        };
      }
      return {
        level: 'partial',
        reason: `tools are split by risk class (${coll} checked at ${c.file}:${c.line}), but only where that set is consulted, not by a default permission decision`,
        evidence: [
          ...(decl && declFile ? [{ file: declFile.path, line: decl.line, reason: `risk-class set ${coll} declared` }] : []),
          { file: c.file, line: c.line, reason: `tool checked against the risk-class set ${coll}` },
        ],
      };
    }
    if (hints.length) {
      const h = hints.find((x) => /dangerous|destructive|readOnly|read_only|approval/i.test(x.key)) ?? hints[0];
      return {
        level: 'partial',
        reason: `tools carry a risk hint ('${h.key}' on ${h.owner}) but no permission decision treats them differently`,
        evidence: [{ file: h.file, line: h.line, reason: `risk hint '${h.key}' declared` }],
      };
    }
    // Running a command is confirmed more strictly than other actions: the confirmation for
    // commands passes a flag (`explicit_yes_required=True`) that the prompt reads to refuse the
    // auto-approve setting for it.
    for (const { call } of confirmPrompts(ctx)) {
      if (!/\b(?:command|commands|shell|code|script)\b/i.test(call.args[0] ?? '') && !/command|shell|code/i.test(call.fn)) continue;
      for (const a of call.args) {
        const m = /^(\w+)\s*=\s*True$|^(\w+)\s*:\s*true$/.exec(a.trim());
        const flag = m?.[1] ?? m?.[2];
        if (!flag || !/explicit|require|strict|always|force|must/i.test(flag)) continue;
        // The prompt function declares the flag: it answers that call differently.
        const def = ctx.functionsNamed(call.name).find((d) => d.params.includes(flag));
        if (!def) continue;
        return {
          level: 'present',
          reason: `running commands is confirmed more strictly than other actions: ${call.callee}() at ${call.file}:${call.line} passes ${flag}=true, a parameter of ${def.name}() (${def.file}:${def.line}) that other confirmations leave off`,
          evidence: [
            { file: call.file, line: call.line, reason: `command confirmation with ${flag}` },
            { file: def.file, line: def.line, reason: `${def.name}() takes ${flag}` },
          ],
          // Resolved: the flag is a parameter of the prompt function the command confirmation calls.
          confidence: 'high',
        };
      }
    }
    // Where the tool dispatch (or the action site) was found and read, no class is on the way.
    // Only some tools make a permission decision in their own run (those that write or run commands: they ask, or
    // check a setting and refuse) while the others run with none: a split by risk that the code makes tool by tool,
    // with no declared class.
    const declFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    // A tool that asks for itself through the confirmation the harness hands its tools (`await
    // callback.onConfirmationNeeded(id, step)` in a tool's execute, then a refusal on the answer) decides too.
    const selfAsks = toolAsks(ctx).filter((a) => declFiles.has(a.ask.file) && !calls.some((c) => c.kind === 'decision' && c.file === a.ask.file));
    const asking = [
      ...calls.filter((c) => c.kind === 'decision' && declFiles.has(c.file)),
      ...selfAsks.map((a) => ({ file: a.ask.file, line: a.ask.line, fn: a.ask.fn, callee: a.ask.callee })),
    ];
    const askFiles = [...new Set(asking.map((c) => c.file))];
    // One asking tool counts when it is the one that runs commands (the ask precedes a spawn of the
    // model's command in that file): execution is asked about, writes and reads are not.
    const runsCommands = (file: string) => {
      const at = new Set(shellSinks(ctx).filter((s) => s.fromInput && s.kind !== 'sandbox').map((s) => `${s.file}:${s.line}`));
      return asking.some((c) => c.file === file && c.fn !== '<top>' && !!ctx.reaches(c.file, c.fn, (x) => at.has(`${x.file}:${x.line}`), 2, (_n, ds) => ds.length <= 3));
    };
    if ((askFiles.length >= 2 || (askFiles.length === 1 && runsCommands(askFiles[0]))) && declFiles.size - askFiles.length >= 2) {
      return {
        level: 'partial',
        reason: `${askFiles.length} of ${declFiles.size} tool files make a permission decision in their own run (they ask, or check and refuse) and the others run with none: a split by risk made tool by tool, with no declared risk class or tier the decision reads`,
        evidence: askFiles.slice(0, 3).map((file) => {
          const c = asking.find((x) => x.file === file)!;
          return { file, line: c.line, reason: `${c.callee}() in ${c.fn}: this tool decides on its own permission before it acts; tools in other files do not` };
        }),
        confidence: 'low',
      };
    }
    // The permission decision is told the call's risk class by each tool (`checkPermission(rules,
    // 'read', path)` in read tools, `'write'` in write tools): rules can treat the classes apart, but
    // each tool must make the call.
    const classArg = (c: (typeof calls)[number]) => ctx.file(c.file)?.calls.find((x) => x.line === c.line && x.callee === c.callee)?.args.map((a) => RISK_ARG.exec(a.trim())?.[1]).find(Boolean);
    const classed = calls.filter((c) => c.kind === 'decision' && c.defined).slice(0, 40).map((c) => ({ c, cls: classArg(c) })).filter((x) => x.cls);
    const classes = [...new Set(classed.map((x) => x.cls!.toLowerCase()))];
    if (classes.length >= 2) {
      const firsts = classes.map((k) => classed.find((x) => x.cls!.toLowerCase() === k)!);
      return {
        level: 'partial',
        reason: `tools pass their risk class to the permission decision (${classes.join(' / ')}: ${firsts[0].c.callee}() at ${firsts[0].c.file}:${firsts[0].c.line}), so rules can treat the classes apart, but each tool must make the call and no default treats a class differently`,
        evidence: firsts.slice(0, 3).map((x) => ({ file: x.c.file, line: x.c.line, reason: `${x.c.callee}() asked for a '${x.cls}' operation` })),
      };
    }
    // A mode decides which tools exist, and the tools it drops are the ones that write or run
    // (`if (mode === 'agent') { tools.write_file = … }`): risk classes only as per-mode tool sets.
    const split = modeToolSplit(ctx);
    if (split) {
      return {
        level: 'partial',
        reason: `risk classes appear only as per-mode tool sets: tools that write or act (${split.risky.slice(0, 2).join(', ')}${split.risky.length > 2 ? ' …' : ''}) exist only when ${split.cond.slice(0, 50)} (${split.file}:${split.line}); within a mode every tool is permitted alike`,
        evidence: [{ file: split.file, line: split.line, reason: `tools that write or run exist only if (${split.cond.slice(0, 60)})` }],
      };
    }
    // Tools from an MCP server pass a filter its configuration sets (allowed / blocked tool names)
    // when they are listed, which built-in tools do not: a control for one source of tools only.
    const mcpFilter = toolSourceFilters(ctx).find(mcpSource);
    if (mcpFilter) {
      const a = mcpFilter.applied;
      return {
        level: 'partial',
        reason: `tools from an MCP server pass a per-server filter ('${mcpFilter.param}' of ${mcpFilter.fn}() at ${mcpFilter.file}:${mcpFilter.line}, applied in ${shortName(a.fn)}() at ${a.file}:${a.line}) that other tools do not; once listed, every tool is permitted alike and there are no risk classes`,
        evidence: [
          { file: a.file, line: a.line, reason: `the MCP server's tool filter '${mcpFilter.param}' is applied to its tools` },
          { file: mcpFilter.file, line: mcpFilter.line, reason: `${mcpFilter.fn}() takes the per-server filter '${mcpFilter.param}'` },
        ],
        confidence: 'low',
      };
    }
    // The same control written where an MCP server's tools are listed: a filter to the configured
    // tools, or a refusal of a changed list.
    const load = mcpLoadControl(ctx);
    if (load) {
      return {
        level: 'partial',
        reason: `tools from an MCP server are controlled where they are listed (${load.what} in ${shortName(load.fn)}() at ${load.file}:${load.line}), which built-in tools are not; once listed, every tool is permitted alike and there are no risk classes`,
        evidence: [
          { file: load.file, line: load.line, reason: `MCP tools listed at line ${load.list}: ${load.what}` },
        ],
        confidence: 'low',
      };
    }
    // Tools published with MCP risk annotations (read-only / destructive) whose values the harness
    // sets per tool: a risk class declared for the client to act on, not a decision of the harness's own.
    const annotated = annotatedRisk(ctx);
    if (annotated.length) {
      const a = annotated[0];
      const hintOf = (x: (typeof annotated)[number]) => /destructive/i.test(x.what) ? 'destructive' : 'readOnly';
      return {
        level: 'partial',
        reason: `tools are published with MCP risk annotations (${a.what} at ${a.file}:${a.line}), a read-only / destructive class an MCP client may act on, but no permission decision of the harness treats them differently`,
        // Then a site on another line giving the same hint another value (a read-only tool beside a writing one).
        evidence: [a, ...annotated.filter((x) => `${x.file}:${x.line}` !== `${a.file}:${a.line}`).sort((x, y) => Number(!(hintOf(x) === hintOf(a) && x.value !== a.value)) - Number(!(hintOf(y) === hintOf(a) && y.value !== a.value))).slice(0, 1)].map((x) => ({ file: x.file, line: x.line, reason: `tool risk annotation set: ${x.what}` })),
        // Found by the MCP specification's annotation names given a value; what reads them is not traced.
        confidence: 'low',
      };
    }
    // A read-only (or writing) class kept as a list of the tool classes themselves, used to build a tool set
    // (`createToolSet(readOnlyToolClasses)` for an ask mode): tools are told apart by risk class, but only
    // where that list picks the tools, not by a permission decision on each call.
    const classList = toolClassLists(ctx).find((l) => RISK_LIST_NAME.test(l.name) && !offPathFrontends(ctx).some((d) => l.file.startsWith(d)));
    if (classList) {
      return {
        level: 'partial',
        reason: `tools are split by risk class only as a list of tool classes (${classList.name}: ${classList.classes.slice(0, 3).join(', ')}${classList.classes.length > 3 ? ' …' : ''} at ${classList.file}:${classList.line}) used to build a tool set; no permission decision treats a call by its class`,
        evidence: [{ file: classList.file, line: classList.line, reason: `risk-class list of tool classes ${classList.name}` }],
        confidence: 'low',
      };
    }
    // A middleware that wraps every tool call may treat tools in ways this search does not read.
    const wraps = ctx.source.some((f) => f.classes.some((c) => c.members.some((m) => /^(?:a?wrap_tool_call|wrapToolCall)$/.test(m))));
    // A dispatch that names no tool may be an event bus picked by mistake: nothing was searched for sure.
    const searched = (toolDispatch(ctx).some(namesTool) || actionGates(ctx).length > 0) && !wraps;
    return {
      level: 'absent',
      reason: searched
        ? 'the tool dispatch path was found and no trust tier (built-in / MCP / plugin) or risk class (read-only / write / execute) changes how a call on it is permitted'
        : 'no trust tiers (built-in / MCP / plugin) or risk classes (read-only / write / execute) change how a tool call is permitted',
      evidence: [],
      // High only when the dispatch path was found and read and nothing anywhere decides about a
      // call (no permission decision, no confirmation before a command, no approval branch on the
      // dispatch): where some action is asked about, which actions are asked is itself a split by
      // risk this search may not read (wrong on 3 of 16 dev/corpus verdicts before this condition);
      // likewise a hook on the executor that can refuse calls (what it refuses is not read here).
      // And only when the dispatch read is the agent's own tool path (it runs in an agent loop or is
      // reached from one, as permissions.gate requires): a side path (an MCP client's direct call, a
      // replay of a tool) leaves the agent's own path, and any tier on it, unread (wrong on 2 of 19
      // development repos before this condition).
      confidence: searched && !!liveLoopDispatch(ctx) && !calls.some((c) => c.kind === 'decision' && (c.onPath || declFiles.has(c.file))) && !confirmPrompts(ctx).length && !approvalOnDispatch(ctx) && !hookGates(ctx).length && !toolAsks(ctx).length ? 'high' : 'low',
    };
  },
});

/** A list named for a risk class: `readOnlyToolClasses`, `READ_ONLY_TOOLS`, `mutatingTools`, `DANGEROUS_TOOL_CLASSES`. */
const RISK_LIST_NAME = /read_?only|readonly|mutat|destructive|dangerous|unsafe|write|writing|edit_?only/i;
/** A predicate naming a call's risk class: `is_allowlisted(cmd)`, `tool.check_read_only(input)`, `isSafeCommand(c)`, `is_destructive(cmd)`. */
const RISK_PREDICATE = /^_*(?:is_?|check_?|has_?)?(?:[Aa]llow_?[Ll]isted|[Rr]ead_?[Oo]nly|[Ss]afe_?[Cc]ommand|[Dd]angerous|[Dd]estructive|[Mm]utating)\w*$/;
/** A function or file that decides permissions, by its name. */
const DECIDER_NAME = /permission|polic|approv|guard|confirm|authori[sz]/i;
/** A value that is a permission verdict: `PermissionDecision(ALLOW)`, `{ allowed: true }`, `'allow'`. */
const ALLOW_VALUE = /allow|approv|permi|decision|verdict/i;
/** A call that asks the user: `execute_with_confirmation(…)`, `get_confirmation(…)`, `askApproval(…)`. */
const ASKING_CALL = /confirm|approv|^ask|permission/i;

/** Enum members naming what a tool does to the world: `READ`, `WRITE`, `EXTERNAL`, `DANGEROUS`. */
const RISK_MEMBER = /^(?:read|read_?only|readonly|write|external|dangerous|destructive|safe|unsafe|execute|exec|network|delete|mutat(?:e|ing)|side_?effects?)$/i;
/** Of those, the ones a decision singles out for approval. */
const RISKY_MEMBER = /^(?:write|external|dangerous|destructive|unsafe|execute|exec|network|delete|mutat(?:e|ing)|side_?effects?)$/i;
/** Levels of an enum named for risk (`RiskLevel.HIGH`). */
const LEVEL_MEMBER = /^(?:low|medium|high|critical)$/i;
/** A function that answers whether a call needs approval: `approval_required_for_tool`, `needsApproval`, `is_permitted`. */
const PREDICATE_NAME = /^_*(?:is|needs?|requires?|should|must|can|may)(?:_|[A-Z])|required|needed/i;

/**
 * A risk class declared as an enum (`class Effect(Enum): READ, WRITE, EXTERNAL, DANGEROUS`, a TS
 * `enum RiskLevel { Low, High }`) that an approval or permission decision compares a tool's class
 * with (`if grant.effect == Effect.DANGEROUS: return True` in `_approval_required()`): the decision
 * treats tools by the class their contract carries.
 */
function riskEnumDecision(ctx: RuleContext): { file: string; line: number; fn: string; what: string; enumName: string; members: string[] }[] {
  return ctx.memo('tiers:risk-enum-decision', () => {
    const enums = new Map<string, string[]>();
    for (const f of ctx.source) {
      for (const t of f.types) {
        if (t.kind !== 'enum') continue;
        const risk = t.members.filter((m) => RISK_MEMBER.test(m));
        if (risk.length >= 2 && risk.some((m) => RISKY_MEMBER.test(m))) enums.set(t.name, risk);
        else if (/risk|danger/i.test(t.name) && t.members.filter((m) => LEVEL_MEMBER.test(m)).length >= 2) enums.set(t.name, t.members.filter((m) => LEVEL_MEMBER.test(m)));
      }
    }
    const out: { file: string; line: number; fn: string; what: string; enumName: string; members: string[] }[] = [];
    if (!enums.size) return out;
    for (const f of ctx.source) {
      // The enum is known in this file: defined here or imported by name.
      const known = [...enums.keys()].filter((e) => f.types.some((t) => t.name === e) || f.imports.some((i) => i.names.includes(e)));
      for (const e of known) {
        const members = enums.get(e)!;
        const compared = new RegExp(`(?:==|!=|\\bis\\b|\\bin\\b)[\\s(\\[{]*(?:[\\w.]+\\s*,\\s*)*${e}\\.(?:${members.join('|')})\\b|\\b${e}\\.(?:${members.join('|')})\\s*(?:==|!=)`);
        // A guard of a decision that compares with a member, then one that tests membership and returns.
        for (const g of f.guards) {
          if (!DECIDER_NAME.test(shortName(g.fn)) || !compared.test(g.cond)) continue;
          out.push({ file: f.path, line: g.line, fn: g.fn, what: `if (${g.cond.slice(0, 60)})`, enumName: e, members });
        }
        // A predicate of a decision (`approval_required_for_tool()`) that reads a member: its answer compares with it.
        for (const m of members) {
          for (const line of f.reads[m] ?? []) {
            const fn = fnAt(ctx, f.path, line);
            if (!fn || !DECIDER_NAME.test(shortName(fn.name)) || !PREDICATE_NAME.test(shortName(fn.name))) continue;
            if (out.some((o) => o.file === f.path && o.line === line)) continue;
            out.push({ file: f.path, line, fn: fn.name, what: `${shortName(fn.name)}() reads ${e}.${m}`, enumName: e, members });
          }
        }
      }
      if (out.length >= 8) break;
    }
    return out;
  });
}

function riskCalls(cond: string): string[] {
  return [...cond.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)].map((m) => m[1]).filter((n) => RISK_PREDICATE.test(n));
}

/**
 * A condition that is the call's read-only class held in a name (`read_only`, `tool.is_read_only`,
 * `readOnly === true`): computed before the decision (`read_only = self.is_read_only(tool_name)`) and
 * tested alone. Only the read-only side, on which a verdict that allows makes a class go unasked.
 */
const READ_ONLY_FLAG = /^(?:(?:self|this|[\w$]+)\.)?_*(?:is_?)?[Rr]ead_?[Oo]nly(?:\s+is\s+True|\s*===?\s*true)?$/;
/** A verdict that lets the call run, read as a member in the return (`return PermissionDecision.ALLOW, "read-only"`). */
const ALLOW_MEMBER = /^(?:ALLOW|ALLOWED|Allow|Allowed|APPROVE|APPROVED|Approve|Approved|ALWAYS|Always)$/;

function riskClassDecision(ctx: RuleContext): { file: string; line: number; fn: string; cond: string; what: string; ask?: Evidence } | undefined {
  return ctx.memo('tiers:risk-class-decision', () => {
    // A read-only flag tested alone (`if read_only: return PermissionDecision.ALLOW, …`): only where no call or fork names the class.
    const flagged: { f: FileFacts; g: FileFacts['guards'][number] }[] = [];
    for (const f of ctx.source) {
      // A decision that returns a verdict for the class (`return PermissionDecision(ALLOW, …)`).
      for (const g of f.guards) {
        const flag = READ_ONLY_FLAG.test(g.cond.trim());
        if (g.exit !== 'return' || !(riskCalls(g.cond).length || flag)) continue;
        if (!DECIDER_NAME.test(f.path) && !DECIDER_NAME.test(g.fn)) continue;
        const fn = f.functions.find((x) => x.name === g.fn && x.line <= g.line && x.end >= g.line);
        if (!fn) continue;
        if (!riskCalls(g.cond).length) {
          // It decides only with an allowing member returned on the next lines.
          if (Object.keys(f.reads).some((k) => ALLOW_MEMBER.test(k) && f.reads[k].some((l) => l > g.line && l <= g.line + 2))) flagged.push({ f, g });
          continue;
        }
        const verdict = (g.returns && ALLOW_VALUE.test(g.returns)) || f.calls.some((c) => c.fn === g.fn && c.line > g.line && c.line <= g.line + 3 && ALLOW_VALUE.test(c.name));
        if (!verdict) continue;
        return { file: f.path, line: g.line, fn: g.fn, cond: g.cond, what: `${shortName(g.fn)}() returns a verdict for the class before anything else` };
      }
      // A tool that runs the class directly and asks for the rest.
      for (const k of f.forks ?? []) {
        if (!riskCalls(k.cond).length) continue;
        const ask = f.calls.find((c) => c.fn === k.fn && c.line >= k.line && c.line <= k.end && ASKING_CALL.test(c.name) && !RISK_PREDICATE.test(c.name));
        if (!ask) continue;
        return {
          file: f.path,
          line: k.line,
          fn: k.fn,
          cond: k.cond,
          what: `${shortName(k.fn)}() runs one class without asking and asks (${ask.callee}()) for the other`,
          ask: { file: f.path, line: ask.line, reason: `the other class is asked about: ${ask.callee}()` },
        };
      }
    }
    if (flagged.length) {
      // The function that allows the class in most places (one branch per mode) is the decision's core.
      const count = (x: (typeof flagged)[number]) => flagged.filter((y) => y.f === x.f && y.g.fn === x.g.fn).length;
      const best = flagged.slice().sort((a, b) => count(b) - count(a))[0];
      const { f, g } = best;
      return { file: f.path, line: g.line, fn: g.fn, cond: g.cond, what: `${shortName(g.fn)}() allows the read-only class without asking${count(best) > 1 ? ` (${count(best)} branches)` : ''}` };
    }
    return undefined;
  });
}
