import type { CallFact, FunctionFact, GuardFact, ImportFact, ObjectFact } from '../../analyzers/facts.js';
import { paramName, shortName, type Located, type RuleContext } from '../context.js';
import { agentLoops, GENERIC, loopReachable, loopReachResolved } from '../shared/loop.js';
import { builderTable, callersOf, commandBranch, frameworkSaver, LOGGERISH, ownLoggerWrite, persistOps, platformCheckpointer, storesData, tableOf, words } from '../shared/persist.js';
import { dispatchPath, frameworkToolUse, toolDeclarations, toolDispatch } from '../shared/tools.js';
import { at, bySite, ev, finding, mentionOf } from '../shared/scan.js';
import { TEST_PATH } from '../shared/tests.js';
import { classOf, fieldClass, fieldType, methodOf } from '../shared/resolve.js';
import { harnessPersistOps } from '../shared/ui.js';
import { EMPTY_COLLECTION } from '../shared/agents.js';
import { defineRule, detectOnce, type Evidence } from '../types.js';
import sessionSave from '../persistence/session-save.js';

const TOOL_KEY = /^(?:toolName|tool_name|function_name|functionName|tool|toolId|tool_id|toolCall|tool_call|toolCallId|tool_call_id|tool_calls|toolCalls|toolUse|tool_use)$/;
/** A list of calls carries their inputs with it. */
const CALLS_KEY = /^(?:tool_calls|toolCalls)$/;
const INPUT_KEY = /^(?:args|arguments|input|inputs|params|parameters|function_args|functionArgs|tool_input|toolInput|toolArgs|tool_args)$|^(?:tool|function|action)_?(?:input|arg|argument|param|parameter)s?$/i;
const OUTCOME_KEY = /^(?:result|results|output|error|isError|is_error|success|observation|observations|outcome|exitCode|exit_code|response|status)$/;
const DECISION_KEY = /^(?:decision|approved|approval|allowed|denied|permission)$/;
/** A command run by the agent names itself and its input at once (`cmd: "npm test"`), with its exit status and streams. */
const COMMAND_KEY = /^(?:cmd|command|commandLine|command_line)$/;
const EXEC_OUTCOME_KEY = /^(?:stdout|stderr|exitCode|exit_code|statusCode|status_code|returncode|returnCode|return_code)$/;
/** A process's exit status and one of its streams: with both, a record is of a run of code, whatever names the code run. */
const EXIT_KEY = /^(?:exitCode|exit_code|returncode|returnCode|return_code)$/;
const STREAM_KEY = /^(?:stdout|stderr)$/;
/** The code a run executed (`test_code`, `generatedCode`, `script`), not a status code (`exit_code`, `error_code`). */
const RUN_CODE_KEY = /^(?:code|script|snippet)$|^[a-z]\w*?(?:_code|Code|_script|Script)$/;
const STATUS_CODE = /(?:exit|status|return|error|err|http|response|result)_?code$/i;
const RECORD_CLASS = /event|record|entry|log|step|audit|trace|span|history|journal/i;
const RECORD_SINK = /log|record|audit|append|emit|track|trace|write|save|persist|insert|publish|report|telemetry/i;
const EMIT_SINK = /emit|publish|notify|dispatch/i;
/**
 * A write to a stream the client reads (`dataStream.write({ type: 'data-…', data })`, `writer.write`, `res.write`,
 * `controller.enqueue`, `ws.send`): the record is shown to the user as the call runs, not kept.
 */
const STREAM_SINK = /^(?:[\w$.]*\.)?(?:[\w$]*(?:[sS]tream|[wW]riter|[sS]ocket|[cC]ontroller|[cC]hannel)|res|response|ws|sse)\.(?:write|enqueue|send|push)$/;
const RECORD_VAR = /event|record|entry|fields|log|audit|span|attrs|attributes/i;
/** An exception's constructor (`WorkspaceArchiveWriteError(command=…, exit_code=…)`): the failure is raised to the caller, not written down. */
const EXCEPTION_CLASS = /(?:Error|Exception|Warning|Fault)$/;

/** An object handed to a record sink (`arg:logger.write`), not to an exception's constructor. */
function sinkArg(argCtx: string): boolean {
  const callee = argCtx.slice(4).split('.').pop()!;
  return (RECORD_SINK.test(callee) || ADD_RECORD.test(callee)) && !EXCEPTION_CLASS.test(callee);
}

/** Adding a record to the run's record (`testRun.addStep(step)`, `trace.addEntry(…)`): the method names what it keeps. */
const ADD_RECORD = /^add_?(?:[sS]tep|[eE]ntry|[rR]ecord|[eE]vent|[lL]og|[tT]race|[sS]pan|[tT]urn)s?$/;
/** A key holding the call itself in a step record (`{ action: { name, input }, result }`): the tool's name and input nested under it. */
const CALL_HOLDER = /^(?:action|tool|toolCall|tool_call|call|functionCall|function_call)$/;

/**
 * The call nested in a step record: `{ action: { name: args.action, input: args }, result, timestamp }` carries the
 * tool's name and input under `action` and the outcome beside it. The nested object's keys, named by their holder.
 */
function nestedCall(f: { objects: readonly ObjectFact[] }, o: ObjectFact): string[] {
  if (!o.ctx.startsWith('arg:') && !o.ctx.startsWith('var:')) return [];
  const holder = o.keys.find((k) => CALL_HOLDER.test(k));
  if (!holder) return [];
  const inner = f.objects.find((p) => p.ctx === `prop:${holder}` && p.fn === o.fn && p.line >= o.line && p.line <= o.line + 10 && p.keys.includes('name') && p.keys.some((k) => INPUT_KEY.test(k)));
  return inner ? inner.keys.filter((k) => k === 'name' || INPUT_KEY.test(k)).map((k) => `${holder}.${k}`) : [];
}

/** Adding to a list: `entries.append(…)`, `out.push(…)`. */
const LIST_ADD = /^([A-Za-z_$][\w$]*)\.(?:push|append|unshift|insert)$/;
/** A call that keeps a value: writes, dumps, saves, logs or records it (not one that sends it to a provider). */
const HANDS_ON = /write|dump|save|persist|insert|store|log|record|journal|upsert|flush|commit/i;

/**
 * An object added to a list the same function starts empty (`entries = []` … `entries.append({ tool_call_id, name,
 * arguments })`) that neither that function nor a caller of it hands to a writer, logger or recorder
 * (`context.record_verification(self._journal_payloads(results))`): the function builds a value (a message list
 * converted to a provider's format, a request payload), not a record sink. Its `append` names no trail.
 */
function builtLocally(ctx: RuleContext, f: { binds?: readonly { name: string; value: string; fn: string }[]; calls: readonly CallFact[] }, fn: string, argCtx: string): boolean {
  const m = LIST_ADD.exec(argCtx.slice(4));
  if (!m) return false;
  const list = m[1];
  if (!(f.binds ?? []).some((b) => b.fn === fn && b.name === list && /^(?:\[\s*\]|list\(\s*\)|new Array\(\s*\))$/.test(b.value.trim()))) return false;
  const kept = (calls: readonly CallFact[], inFn: string, expr: RegExp) => calls.some((c) => c.fn === inFn && !LIST_ADD.test(c.callee) && HANDS_ON.test(c.name) && c.args.some((a) => expr.test(a)));
  if (kept(f.calls, fn, mentionOf(list))) return false;
  // A caller keeps what the builder returns: handed straight to a recorder, or through a variable it is bound to.
  const short = shortName(fn);
  if (!short || GENERIC.has(short)) return true;
  const made = new RegExp(`(?:^|[^\\w$])${short.replace(/\$/g, '\\$')}\\(`);
  for (const k of ctx.callsNamed(short).slice(0, 10)) {
    const g = ctx.file(k.file);
    if (!g) continue;
    if (kept(g.calls, k.fn, made)) return false;
    const vars = (g.binds ?? []).filter((b) => b.fn === k.fn && made.test(b.value)).map((b) => mentionOf(b.name));
    if (vars.some((v) => kept(g.calls, k.fn, v))) return false;
  }
  return true;
}

/**
 * Product telemetry (statsig, posthog, segment, amplitude, mixpanel, an analytics/telemetry/APM module):
 * usage events sent to the vendor's dashboard, not the record of what the agent did.
 */
const ANALYTICS_MODULE = /statsig|posthog|segment(?:\b|io)|amplitude|mixpanel|analytics|telemetry|(?:^|[/._])apm(?:$|[/._])|rudderstack|heap\b/i;
/** A tracing module (spans of what the agent did), which the telemetry words above do not make analytics. */
const TRACING_MODULE = /tracing|tracer|otel|opentelemetry/i;
/**
 * The call goes to product telemetry: made in an analytics module's own code (`apm/event_handler.py`),
 * a function imported from one (`from core.telemetry import record_event`, `import { logEvent } from
 * './services/statsig'`), or a method of an analytics client (`posthog.capture`, `analytics.track`).
 */
function analyticsCall(ctx: RuleContext, file: string, callee: string): boolean {
  if (ANALYTICS_MODULE.test(file) && !TRACING_MODULE.test(file)) return true;
  const head = calleeHead(callee);
  if (callee.includes('.') && ANALYTICS_MODULE.test(head)) return true;
  return importedAnalytics(ctx.file(file), head);
}

/** The first name of a call (`posthog` of `await posthog.capture(…)`). */
const calleeHead = (callee: string): string => callee.replace(/^(?:new\s+|await\s+)/, '').split('.')[0];

/** `head` is a function (or object) the file imports from an analytics module, not a tracing one. */
function importedAnalytics(f: { imports: readonly ImportFact[] } | undefined, head: string): boolean {
  return !!f?.imports.some((i) => ANALYTICS_MODULE.test(i.from) && !TRACING_MODULE.test(i.from) && (i.names.includes(head) || (i.as && head in i.as)));
}

/** A step of the run named in an analytics payload: the tool or action taken, or the step itself. */
const STEP_KEY = /^(?:step|steps|action|actions|actionType|action_type)$/;
/** An argument handing over the run's own record: its step log, history or trajectory (`logger.return_pandas()`). */
const STEP_ARG = /^(?:self\.|this\.)?(?:[a-z]\w*?(?:_|(?=[A-Z])))?(?:logger|log|logs|steps|history|trajectory|actions|tool_?calls|Logger|Log|Logs|Steps|History|Trajectory|Actions|ToolCalls)\b/;

/**
 * Each step of the run sent to product analytics or telemetry where it runs: an analytics client's event whose
 * payload names the tool, action or step (`posthog.capture('agent_step', { step, tool })`), or a function from a
 * telemetry module handed the run's step log (`send_telemetry(logger.return_pandas())`). The vendor keeps what the
 * agent did, outside the harness and usually behind a key or an opt-out: labels call that a partial trail, not an
 * absent one. The sink itself must be the analytics call (a client's method or a function imported from an
 * analytics module), not any call made inside such a module.
 */
function stepAnalytics(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  for (const f of ctx.source) {
    if (TEST_PATH.test(f.path)) continue;
    for (const c of f.calls) {
      if (c.fn === '<top>' || !c.args.length) continue;
      const head = calleeHead(c.callee);
      const sink = (c.callee.includes('.') && ANALYTICS_MODULE.test(head) && !TRACING_MODULE.test(head)) || importedAnalytics(f, head);
      if (!sink) continue;
      // The event's properties, given as the argument or nested in it (`capture({ event, properties: { step } })`).
      const payload = f.objects.find((o) => (o.ctx === `arg:${c.callee}` || (o.ctx.startsWith('prop:') && o.fn === c.fn)) && o.line >= c.line && o.line <= c.line + 12 && o.keys.some((k) => TOOL_KEYS.has(k) && !CALLS_KEY.test(k) || STEP_KEY.test(k)));
      const handed = c.args.find((a) => STEP_ARG.test(a));
      if (!payload && !handed) continue;
      out.push(ev(f.path, c.line, payload
        ? `${c.callee}(…) in ${shortName(c.fn)} sends each step to analytics: ${payload.keys.filter((k) => TOOL_KEYS.has(k) || STEP_KEY.test(k) || INPUT_KEY.test(k)).slice(0, 4).join(', ')}`
        : `${c.callee}(${handed!.slice(0, 40)}) in ${shortName(c.fn)} sends the run's step log to telemetry`));
      if (out.length >= 2) return out;
    }
  }
  return out;
}

interface Rec {
  /** Where the record is made: the object itself, or the sink call it is nested in. */
  o: Located<ObjectFact>;
  /** The record's own keys. */
  keys: string[];
  /** Handed to an event emitter (`emit`, `publish`): announced to listeners, not written down. */
  emitted: boolean;
  /** Written to a stream the client reads (`dataStream.write(…)`): shown as it runs, not kept. */
  streamed?: boolean;
  /** The call's start only: its tool and inputs, no outcome (`{ tool_name, tool_input }`); paired with a result record made the same way. */
  callOnly?: boolean;
  inputs: boolean;
  decision: boolean;
  where: string;
}

/** ORM table classes (a class body with `__tablename__`): constructing one makes a row to be stored. */
function tableClasses(ctx: RuleContext): Set<string> {
  return ctx.memo('audit-trail:table-classes', () => {
    const out = new Set<string>();
    for (const f of ctx.source) if (f.lang === 'py') for (const o of f.objects) if (o.ctx.startsWith('class:') && o.keys.includes('__tablename__')) out.add(o.ctx.slice(6).split('.').pop()!);
    return out;
  });
}

/** The words of a `^(?:a|b|c)$` pattern, for set lookups that match exactly what the pattern matches. */
const keyWords = (re: RegExp): Set<string> => new Set(re.source.slice(4, -2).split('|'));
const TOOL_KEYS = keyWords(TOOL_KEY);
const OUTCOME_KEYS = keyWords(OUTCOME_KEY);
const DECISION_KEYS = keyWords(DECISION_KEY);
const COMMAND_KEYS = keyWords(COMMAND_KEY);
const EXEC_OUTCOME_KEYS = keyWords(EXEC_OUTCOME_KEY);
const CALL_RECORD = /^class:\w*(?:tool|function)\w*(?:span|event|record|entry|log|call)/i;

/**
 * Where a record of a call is kept in memory: a message or record type of the transcript (`class ToolUsageMessage`),
 * or an object pushed onto a list (`results.push({ functionName, args, result })`); not a handle on a running call.
 */
const KEPT_AT = /^class:\w*(?:message|record|call|usage|result|entry|history|step)\w*$|^arg:[\w$.]*\.(?:push|append)$/i;

function records(ctx: RuleContext, kept: Located<ObjectFact>[] = []): Rec[] {
  const out: Rec[] = [];
  const tables = tableClasses(ctx);
  for (const f of ctx.source) {
    if (UI_FILE.test(f.path)) continue;
    for (const o of f.objects) {
      // A record of a command execution (`ExecLog(cmd=…, status_code=…, stdout=…)`): the command is the tool and its input.
      // Only as a record type or a record being made (`ExecLog(…)`, a table row): a variable with these keys is a process's state.
      // (Key words by set lookups: this runs over every object of the repo.)
      // Or a stored row of a run of code the agent wrote (`class TestAttempt(Base)` with `test_code`, `exit_code`, `stdout`,
      // inserted by a store's method): the code is the input, the exit status and a stream its outcome. Only a table's row:
      // a sandbox's result type with the same fields is the run's answer, not a record of it.
      const row = o.ctx.startsWith('class:') || o.ctx.startsWith('arg:') ? tables.has(o.ctx.slice(o.ctx.indexOf(':') + 1).split('.').pop()!) : false;
      const commandRecord =
        !o.ctx.startsWith('var:') &&
        ((o.keys.some((k) => COMMAND_KEYS.has(k)) && o.keys.some((k) => EXEC_OUTCOME_KEYS.has(k))) ||
          (row && o.keys.some((k) => EXIT_KEY.test(k)) && o.keys.some((k) => STREAM_KEY.test(k)) && o.keys.some((k) => RUN_CODE_KEY.test(k) && !STATUS_CODE.test(k))));
      // A record class whose fields are set in its constructor shows them where it serialises itself:
      // `FunctionSpanData.export()` returns `{ type, name, input, output }` (a tracing span of a function call).
      const owner = o.ctx === 'return' && o.fn.includes('.') ? o.fn.slice(0, o.fn.lastIndexOf('.')).split('.').pop()! : '';
      const exported = !!owner && o.keys.includes('name') && CALL_RECORD.test(`class:${owner}`);
      // A step record with the call nested under `action`/`tool` (its name and input) and the outcome beside it.
      const nested = o.keys.some((k) => OUTCOME_KEYS.has(k)) ? nestedCall(f, o) : [];
      // Records of a tool or function call (FunctionSpan, ToolCallRecord) name the tool with `name`.
      if (!commandRecord && !exported && !nested.length && !o.keys.some((k) => TOOL_KEYS.has(k)) && !(o.keys.includes('name') && CALL_RECORD.test(o.ctx))) continue;
      const hasOut = commandRecord || o.keys.some((k) => OUTCOME_KEYS.has(k));
      const decision = o.keys.some((k) => DECISION_KEYS.has(k));
      const inputs = commandRecord || nested.length > 0 || o.keys.some((k) => INPUT_KEY.test(k) || CALLS_KEY.test(k));
      // A record of the call's start (tool and inputs, no outcome) is kept aside, to be paired with its result's record.
      const callOnly = !hasOut && !decision && inputs && o.keys.some((k) => TOOL_KEYS.has(k) && !CALLS_KEY.test(k));
      if (!hasOut && !decision && !callOnly) continue;
      let where: string | undefined;
      // A record nested in the object handed to a sink (`append({ hookName, postToolUse: { toolName, parameters, result } })`)
      // is written by that call: cite the call.
      let site = o as Located<ObjectFact>;
      if (o.ctx.startsWith('prop:') || o.ctx.startsWith('array:')) {
        const key = o.ctx.slice(o.ctx.indexOf(':') + 1);
        const parent = f.objects.filter((p) => p.line <= o.line && p !== o && p.keys.includes(key) && p.ctx.startsWith('arg:')).pop();
        if (parent && sinkArg(parent.ctx) && !builtLocally(ctx, f, parent.fn, parent.ctx)) {
          site = parent as Located<ObjectFact>;
          where = `passed to ${parent.ctx.slice(4)}()`;
        } else {
          // Nested in a record being made: an event or record class's instance (`RealtimeEvent(type=…, content={ tool_name, tool_input })`)
          // or a record variable (`event_data = { "tool_calls": [{ tool_id, arguments, result }] }`).
          const holder = f.objects.filter((p) => p.line <= o.line && p !== o && p.fn === o.fn && p.keys.includes(key)).pop();
          const cls = holder?.ctx.startsWith('arg:') ? holder.ctx.slice(4).replace(/^(?:new\s+|await\s+)/, '') : '';
          if (holder && cls && /^[A-Z]\w*$/.test(cls.split('.').pop()!) && RECORD_CLASS.test(cls.split('.').pop()!) && !EXCEPTION_CLASS.test(cls)) {
            site = holder as Located<ObjectFact>;
            where = `record made as a ${cls.split('.').pop()}`;
          } else if (holder?.ctx.startsWith('var:') && RECORD_VAR.test(holder.ctx.slice(4))) {
            site = holder as Located<ObjectFact>;
            where = `record ${holder.ctx.slice(4)}`;
          }
        }
      } else if (exported) where = `record ${owner}, serialised by ${o.fn}()`;
      else if (o.ctx.startsWith('class:') && (RECORD_CLASS.test(o.ctx.slice(6)) || tables.has(o.ctx.slice(6).split('.').pop()!))) where = `record class ${o.ctx.slice(6)}`;
      else if (o.ctx.startsWith('arg:') && tables.has(o.ctx.slice(4).split('.').pop()!)) where = `stored as a row of ${o.ctx.slice(4)}`;
      else if (o.ctx.startsWith('arg:') && sinkArg(o.ctx) && !builtLocally(ctx, f, o.fn, o.ctx)) where = `passed to ${o.ctx.slice(4)}()`;
      else if (o.ctx.startsWith('var:') && RECORD_VAR.test(o.ctx.slice(4))) where = `record ${o.ctx.slice(4)}`;
      if (!where) {
        // A record of a whole call (its tool, inputs and outcome) that is neither written nor handed to a sink:
        // kept in memory (a transcript message type, a list of call records), which outlives no process.
        if (hasOut && inputs && !commandRecord && KEPT_AT.test(o.ctx) && o.keys.some((k) => TOOL_KEYS.has(k) && !CALLS_KEY.test(k))) kept.push(o as Located<ObjectFact>);
        continue;
      }
      // A usage event handed to product telemetry (`logEvent('tool_use_error', { toolName, toolInput })`) is not the trail.
      if (/^arg:/.test(site.ctx) && analyticsCall(ctx, f.path, site.ctx.slice(4))) continue;
      // A policy rule (tool + decision + pattern) is configuration, not a record of what happened.
      if (!hasOut && /rule|policy/i.test(o.ctx)) continue;
      out.push({ o: site, keys: nested.length ? [...nested, ...o.keys.filter((k) => !CALL_HOLDER.test(k))] : o.keys, inputs, decision, where, callOnly, emitted: /^arg:/.test(site.ctx) && EMIT_SINK.test(site.ctx.slice(4).split('.').pop()!), streamed: /^arg:/.test(site.ctx) && STREAM_SINK.test(site.ctx.slice(4)) });
    }
  }
  return out;
}


/**
 * Where a record class is filled in and written: `logToolCall(config, new ToolCallEvent(call))` (made
 * as the argument of a log/record call), or, when it is made inside the logger's own method
 * (`RequestLogger.logToolCall` → `new LoggedToolCall(...)`), the calls to that method. Sites on the
 * tool-dispatch path or the loop's path come first. Empty when instances are never handed to a sink.
 */
function recordSites(ctx: RuleContext, r: Rec): Evidence[] {
  if (!r.where.startsWith('record class ')) return [];
  const cls = r.o.ctx.slice(6).split('.').pop()!;
  const running = dispatchPath(ctx);
  const reach = loopReachable(ctx, 4);
  const loopFiles = new Set(agentLoops(ctx).map((l) => l.file));
  const rank = (c: Located<CallFact>) =>
    running.fns.has(`${c.file}#${c.fn}`) || running.files.has(c.file) ? 0 : loopFiles.has(c.file) || reach.has(shortName(c.fn)) ? 1 : 2;
  const out: Array<{ e: Evidence; rank: number }> = [];
  for (const c of ctx.callsNamed(cls)) {
    if (TEST_PATH.test(c.file) || UI_FILE.test(c.file)) continue;
    const file = ctx.file(c.file);
    // Made as the argument of a log/record call on the same line.
    const sink = file?.calls.find((x) => x.line === c.line && x !== c && x.name !== cls && RECORD_SINK.test(x.name) && !EMIT_SINK.test(x.name) && x.args.some((a) => a.includes(cls)));
    if (sink) {
      out.push({ e: ev(c.file, c.line, `${sink.callee}(… ${c.callee}(…)) records each tool call as a ${cls}`), rank: rank(c) });
      continue;
    }
    // Made inside the logger's own method: the calls to that method record.
    const own = shortName(c.fn);
    if (!RECORD_SINK.test(own) || EMIT_SINK.test(own)) continue;
    for (const k of callersOf(ctx, c.fn).slice(0, 20)) {
      if (TEST_PATH.test(k.file) || UI_FILE.test(k.file)) continue;
      // A method is called on a receiver (`this.requestLogger.logToolCall(…)`), not as a bare function of the same name.
      if (c.fn.includes('.') && !k.callee.includes('.')) continue;
      out.push({ e: ev(k.file, k.line, `${k.callee}() records the tool call (${c.fn} makes a ${cls})`), rank: rank(k) });
    }
  }
  // Same rank: the first in the file (the handler registered for every call before the special cases).
  const sorted = out.sort((a, b) => a.rank - b.rank || (a.e.file === b.e.file ? a.e.line - b.e.line : 0)).map((x) => x.e);
  // One site per file: the second names another caller.
  return sorted.filter((e, i) => sorted.findIndex((x) => x.file === e.file) === i).slice(0, 2);
}

/** What a record is made by: the sink or record class it goes to (`prepareAgentStatusUpdateLog`, `RealtimeEvent`), or its variable. */
const recordMaker = (r: Rec): string => (r.o.ctx.startsWith('arg:') ? r.o.ctx.slice(4).split('.').pop()! : r.where);

/**
 * A record of a call's start (tool and inputs) and a record of an outcome (tool and result or error) made by
 * the same sink or record class in the same file: together they record each call with its inputs and outcome.
 * Kind 0 when the records are handed to a record sink, 1 otherwise (made as an event, kept in a variable).
 * Records handed to an event emitter are announcements (the corpus convention: tool start/end events on a bus are not the trail).
 */
function pairedRecords(all: Rec[]): { recs: [Rec, Rec]; kind: number } | undefined {
  for (const start of all) {
    // Announced to listeners (`eventBus.emit('tool:start', { toolName, arguments })`): not written down.
    if (!start.callOnly || start.emitted) continue;
    const end = all.find((r) => !r.callOnly && r.keys.some((k) => OUTCOME_KEYS.has(k)) && r.o.file === start.o.file && recordMaker(r) === recordMaker(start));
    if (end) return { recs: [start, end], kind: start.where.startsWith('passed to') && !start.emitted ? 0 : 1 };
  }
  return undefined;
}

/** The OpenTelemetry GenAI attribute naming a tool call's tool: `'gen_ai.tool.name'`, `SpanAttributes.GEN_AI_TOOL_NAME`. */
const GENAI_TOOL_NAME = /^['"`]?gen_ai\.tool\.name['"`]?$|(?:^|\.)GEN_AI_TOOL_NAME$/;
/**
 * A harness's own span attribute naming the tool, as a literal or a constant: `'lk.function_tool.name'`,
 * `trace_types.ATTR_FUNCTION_TOOL_NAME`, `TOOL_NAME`. Only where it is set on a span (its key handed to a span setter).
 */
const SPAN_TOOL_NAME = /^['"`]?[a-z][\w]*(?:\.[a-z]\w*)*\.(?:function_)?tool\.name['"`]?$|(?:^|\.)(?:[A-Z][A-Z\d]*_)*(?:FUNCTION_)?TOOL_NAME$/;
/** Where a span attribute or span event is set: `span.set_attribute(k, v)`, `setAttributes({…})`, `add_event(name, {…})`, `attributes.update({…})`. */
const SPAN_SET = /^(?:set_?[aA]ttributes?|add_?[eE]vent|_add_event|update|start_?[sS]pan|_start_span|start_as_current_span|startActiveSpan|_end_span)$/;
/** An attribute (or a GenAI message part's key) carrying the call's arguments: `gen_ai.tool.call.arguments`, `tool_call_args`, `names.tool_arguments_attr`, `arguments`. */
const SPAN_INPUT = /(?:^|[._])(?:arguments|args|input|parameters)(?:_attr)?$/i;
/** An attribute carrying the call's outcome: `gen_ai.tool.call.result`, `tool_response`, `names.tool_result_attr`, `gen_ai.tool.status`. */
const SPAN_OUTCOME = /(?:^|[._])(?:result|response|output|status)(?:_attr)?$/i;

/** A tracing settings type: `OpenTelemetrySettings`, `TracingConfig`, `ObservabilityOptions`. */
const TRACING_SETTINGS = /^(?:Open)?(?:Telemetry|Otel|OTel|OTEL|Tracing|Tracer|Observability)\w*(?:Settings|Config|Configuration|Options)$/;

/** Tracing is off unless configured: the tracing settings class declares `enabled: bool = False`. */
function tracingOffByDefault(ctx: RuleContext): Evidence | undefined {
  return ctx.memo('audit-trail:tracing-off', () => {
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path)) continue;
      for (const o of f.objects) {
        if (!o.ctx.startsWith('class:') || !TRACING_SETTINGS.test(o.ctx.slice(6).split('.').pop()!)) continue;
        const v = o.values.enabled;
        if (v !== undefined && /^(?:False|false)$/.test(v.trim())) return ev(f.path, o.line, `${o.ctx.slice(6)}.enabled defaults to ${v}: tracing is opt-in`);
      }
    }
    return undefined;
  });
}

interface ToolSpan {
  site: Evidence;
  input: string;
  outcome: string;
}

/**
 * Tool-call spans in the OpenTelemetry GenAI conventions: a span whose attributes name the tool
 * (`gen_ai.tool.name`) and, in the same tracing module, carry the call's arguments and its result
 * (`gen_ai.tool.call.arguments`/`gen_ai.tool.call.result`, or the framework's own keys such as
 * `tool_call_args`/`tool_response`, or GenAI message parts `{ type: 'tool_call', arguments }`).
 * One span per call with name, input and outcome, exported to a tracing backend, is a record of what
 * the agent did (Google ADK `trace_tool_call`, Strands `start_tool_call_span`, Pydantic AI tool spans,
 * OpenLLMetry/OpenInference instrumentations).
 */
function genAiToolSpans(ctx: RuleContext): ToolSpan[] {
  return ctx.memo('audit-trail:genai-tool-spans', () => {
    const out: ToolSpan[] = [];
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path) || UI_FILE.test(f.path)) continue;
      let site: Evidence | undefined;
      let siteFn = '';
      let siteKeys: string[] = [];
      const named = f.calls.find((c) => SPAN_SET.test(c.name) && c.args.length && (GENAI_TOOL_NAME.test(c.args[0]) || SPAN_TOOL_NAME.test(c.args[0])));
      if (named) {
        site = ev(f.path, named.line, `${named.callee}(${named.args.join(', ').slice(0, 60)}) names the tool on its call's span`);
        siteFn = named.fn;
      } else {
        // A literal attribute key (`{ "gen_ai.tool.name": tool["name"] }`); a class of constant names is no span.
        // Or the harness's own attribute key in an object handed to a span setter (`set_attributes({ ATTR_FUNCTION_TOOL_NAME: … })`).
        const o = f.objects.find(
          (o) =>
            (o.keys.some((k) => /^gen_ai\.tool\.name$/.test(k)) && !o.ctx.startsWith('prop:properties') && !o.ctx.startsWith('type:') && !o.ctx.startsWith('class:')) ||
            (o.ctx.startsWith('arg:') && SPAN_SET.test(o.ctx.slice(4).split('.').pop()!) && o.keys.some((k) => SPAN_TOOL_NAME.test(k))),
        );
        if (o) {
          site = ev(f.path, o.line, `span attributes { ${o.keys.slice(0, 4).join(', ')} } name the tool of each call`);
          siteFn = o.fn;
          siteKeys = o.keys;
        }
      }
      if (!site) continue;
      // The site's own keys first (`{ ATTR_FUNCTION_TOOL_NAME, ATTR_FUNCTION_TOOL_ARGS }`), then keys set on spans or span events in this module (`set_attribute(k, …)`), and the keys of objects
      // built where the tool's span is made or in the module's other tool-span functions (GenAI message parts
      // `{ type: 'tool_call', arguments }`, `{ type: 'tool_call_response', response }`).
      const keys: string[] = siteKeys.slice();
      for (const c of f.calls) if (SPAN_SET.test(c.name) && c.args.length) keys.push(c.args[0].replace(/^['"`]|['"`]$/g, ''));
      for (const o of f.objects) if (o.fn === siteFn || /tool/i.test(shortName(o.fn))) keys.push(...o.keys);
      const input = keys.find((k) => SPAN_INPUT.test(k)) ?? f.calls.filter((c) => c.fn === siteFn || /tool/i.test(shortName(c.fn))).flatMap((c) => c.args).find((a) => /\btool\w*\[["'](?:input|args|arguments)["']\]/.test(a));
      const outcome = keys.find((k) => SPAN_OUTCOME.test(k));
      if (input && outcome) out.push({ site, input: input.slice(0, 60), outcome: outcome.slice(0, 60) });
    }
    return out;
  });
}

/** A message saying a tool or command is run ("Executing tool %s", "command %s ran"), not just naming one. */
const RUNS_TOOL_TEXT = /\b(?:running|executing|calling|invoking)\b.{0,40}\b(?:tool|command|cmd)s?\b|\b(?:tool|command|cmd)s?\b.{0,40}\b(?:running|executing|executed|called|invoked|ran|finished|failed)\b/i;

/** Calls to a logger that mention the commands/tools the agent runs. */
function commandLogs(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  // Where tools run (the dispatch's lookup and exec functions): a log there records the call; elsewhere
  // the message must say a tool or command is being run, not merely mention one ("tool call with empty content").
  const running = new Set(toolDispatch(ctx).flatMap((d) => [d.lookupFn, d.execFn]));
  for (const f of ctx.source) {
    for (const c of f.calls) {
      const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
      if (!/log/i.test(recv) || /^console$/.test(recv)) continue;
      const text = c.args.join(' ');
      const onPath = running.has(`${f.path}#${c.fn}`);
      if ((onPath && /\b(?:tool|command|cmd|running|executing|calling)\b/i.test(text)) || RUNS_TOOL_TEXT.test(text) || c.name === 'command') {
        out.push(ev(f.path, c.line, `${c.callee}(${text.slice(0, 50)}) records an action`));
        if (out.length >= 2) return out;
      }
    }
  }
  return out;
}

/** The package a file belongs to: its first folder, or the first two under a container folder (`src/`, `packages/`, `js/`, `libs/`). */
const packageRoot = (file: string): string => {
  const parts = file.split('/');
  return /^(?:src|lib|libs|packages|apps|js|ts|python|py|modules|services)$/.test(parts[0]) && parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts.length > 1 ? parts[0] : '';
};
/** A message saying generated code is run ("Executing code: {code}"): in a harness whose action is code, the code is the call and its input. */
const RUNS_CODE_TEXT = /\b(?:running|executing|executed|evaluating)\s+(?:the\s+)?(?:generated\s+)?(?:python\s+)?(?:code|script)\b/i;
/** What holds the code run: `code`, `generated_code`, `script`. */
const CODE_NAME = /^(?:code|script|snippet|source_code|python_code|generated_code)$/;
/** A function that logs a tool call by its name: `_log_tool_application`, `logToolCall`, `log_command`. */
const TOOL_LOG_FN = /(?:log|record|trace|audit)\w*(?:tool|command|action|function_?call)|(?:tool|command|action)\w*(?:log|record)/i;
/** What names the tool in a log message's code: `function_name`, `tool.name`, `toolName`, `self.get_name()`. */
const LOGGED_NAME = /^(?:(?:tool|function|func|fn|command|cmd|action|method)_?[nN]ame|name|get_?[nN]ame\w*)$/;

/**
 * A tool call logged where it runs with the tool's name and its input, through a logger the harness
 * writes to a file: `logger.info(f"Executing {function_name} with args: {arguments}")` before the call,
 * or a tool base class's `_log_tool_application` logging `f"{name}: {params}"` — with a
 * `logging.FileHandler` (winston file transport, pino destination) attached, each line outlives the
 * process. The site: the dispatch's lookup or exec function, a message saying a tool or command is run,
 * or a function whose name says it logs a tool call. Both the name and the input must be interpolated
 * values, not words of the message ("Initial commands executed" names no tool and no input).
 */
function toolCallLogs(ctx: RuleContext): { call: Located<CallFact>; sink: Located<CallFact>; code: boolean } | undefined {
  return ctx.memo('audit-trail:tool-call-logs', () => {
    const sink = fileLogSink(ctx);
    if (!sink) return undefined;
    const running = new Set(toolDispatch(ctx).flatMap((d) => [d.lookupFn, d.execFn]));
    const found: Array<{ call: Located<CallFact>; rank: number; code: boolean }> = [];
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path) || UI_FILE.test(f.path)) continue;
      for (const c of f.calls as Located<CallFact>[]) {
        // Debug and trace lines are dropped at a file handler's usual level; the log must be in the package that attaches the handler.
        if (!LOG_LEVEL.test(c.name) || /^(?:debug|trace)$/.test(c.name) || packageRoot(f.path) !== packageRoot(sink.file)) continue;
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        if (!/log/i.test(recv) || /^console$/.test(recv)) continue;
        const onPath = running.has(`${f.path}#${c.fn}`);
        const says = RUNS_TOOL_TEXT.test(c.args.join(' '));
        const named = TOOL_LOG_FN.test(shortName(c.fn));
        const runsCode = RUNS_CODE_TEXT.test(c.args.join(' '));
        if (!onPath && !says && !named && !runsCode) continue;
        const tokens = (c.args.map(codeOf).join(' ').match(/[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/g) ?? []).map((t) => t.split('.').pop()!);
        // "Executing code: {code}": the code run is the action and its input at once.
        const code = runsCode && tokens.some((t) => CODE_NAME.test(t));
        if (!code && (!tokens.some((t) => LOGGED_NAME.test(t)) || !tokens.some((t) => ARGS_NAME.test(t)))) continue;
        found.push({ call: c, rank: onPath ? 0 : named ? 1 : code ? 3 : 2, code });
      }
    }
    found.sort((a, b) => a.rank - b.rank);
    return found.length ? { call: found[0].call, sink, code: found[0].code } : undefined;
  });
}

/** A helper of the harness that traces or records a step: `traceTool`, `recordToolCall`, `audit_step`, `journal` (not a logger's level). */
const TRACE_FN = /^(?:trace|record|audit|journal)[\w$]*$/i;
/** What a traced call's input is: the tool call's arguments (`JSON.stringify(call.tool.args)`, `tool_input`). */
const TRACED_INPUT = /\.(?:args|arguments|input|params|parameters)\b|\b(?:args|arguments|tool_?[iI]nput|tool_?[aA]rgs)\b/;
/** What a traced call's outcome is: its result, response, output or error. */
const TRACED_OUTCOME = /[rR]esult|[rR]esponse|[oO]utput|[eE]rror/;

interface ToolTrace {
  calls: Located<CallFact>[];
  /** The helper's body writes to a file or database. */
  write?: Located<CallFact>;
}

/**
 * A tool call traced step by step by a helper of the harness, in the function that runs the call: the tool's name,
 * then its arguments, then its response or error (`this.traceTool(chatId, name, '')`, `this.traceTool(chatId,
 * 'arguments', JSON.stringify(tool.args))`, `this.traceTool(chatId, 'response', JSON.stringify(result))`). The record
 * of each call is the helper's: kept where the helper keeps it (an inspector store in memory, unless its body writes).
 */
function toolTraces(ctx: RuleContext): ToolTrace | undefined {
  return ctx.memo('audit-trail:tool-traces', () => {
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path) || UI_FILE.test(f.path)) continue;
      const groups = new Map<string, Located<CallFact>[]>();
      for (const c of f.calls as Located<CallFact>[]) {
        if (!TRACE_FN.test(c.name) || LOG_LEVEL.test(c.name) || c.args.length < 2) continue;
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        if (/log|console|span|tracer/i.test(recv)) continue;
        const k = `${c.fn}#${c.callee}`;
        groups.set(k, [...(groups.get(k) ?? []), c]);
      }
      for (const calls of groups.values()) {
        if (calls.length < 2) continue;
        // About a tool: the helper is named for it, or what it traces is a tool's.
        if (!/tool/i.test(calls[0].name) && !calls.some((c) => /tool/i.test(c.args.join(' ')))) continue;
        const input = calls.find((c) => c.args.some((a) => TRACED_INPUT.test(a)));
        const outcome = calls.find((c) => c !== input && c.args.some((a) => TRACED_OUTCOME.test(a)));
        if (!input || !outcome) continue;
        // Where the helper keeps it: its own body writing to a file or database makes the trace last.
        const defs = ctx.functionsNamed(calls[0].name).filter((d) => !TEST_PATH.test(d.file));
        const write = defs.length && defs.length <= 3 ? harnessPersistOps(ctx).find((o) => storesData(o) && defs.some((d) => d.file === o.call.file && d.name === o.call.fn))?.call : undefined;
        return { calls: [calls[0], input, outcome].filter((c, i, a) => a.indexOf(c) === i), write };
      }
    }
    return undefined;
  });
}

const EMIT = /^(?:emit|emitEvent|dispatchEvent|publish|notify|trigger)$/;
/** An event kind for a tool or action step: `ExecutionState.ACT_START`, `'tool_call'`, `EventType.ToolResult`. */
const TOOL_EVENT_KIND = /^(?:[\w$]+\.)?(?:ACT|ACTION|TOOL)_[A-Z_]+$|^['"`]?tool[_:.-]?(?:call|start|use|result|end|error)s?['"`]?$|^[\w$]+\.Tool(?:Call|Start|Use|Result|End|Error)\w*$/i;

/** Events emitted where tools run (in the files that declare tools, or on the dispatch path): the call is announced, not recorded. */
function toolEvents(ctx: RuleContext): Evidence[] {
  const files = new Set(toolDeclarations(ctx).map((d) => d.file));
  const running = new Set(toolDispatch(ctx).flatMap((d) => [d.lookupFn, d.execFn]));
  const out: Evidence[] = [];
  for (const name of ['emit', 'emitEvent', 'dispatchEvent', 'publish', 'notify', 'trigger']) {
    for (const c of ctx.callsNamed(name)) {
      if (!EMIT.test(c.name) || c.args.length < 2) continue;
      if (files.has(c.file) || running.has(`${c.file}#${c.fn}`) || c.args.slice(0, 2).some((a) => TOOL_EVENT_KIND.test(a))) out.push(ev(c.file, c.line, `${c.callee}(${c.args.slice(0, 2).join(', ').slice(0, 60)}) in ${c.fn} announces the call`));
    }
  }
  // One event where tools run is a notification; several (start, success, failure) follow each call.
  return out.length >= 2 ? out.sort(bySite).slice(0, 3) : [];
}

/**
 * What a persisted agent history is called: the messages (with tool calls and results), the trajectory, the steps,
 * the journal (the run's log of attempts: each step's code, output, error and verdict, `dump_json(journal, …)`).
 */
const TRANSCRIPT = new Set(['events', 'event', 'messages', 'message', 'history', 'conversation', 'conversations', 'transcript', 'trajectory', 'traj', 'chat', 'session', 'snapshot', 'steps', 'thread', 'rollout', 'turns', 'journal']);
/** Front-end code and browser storage: a UI's own state, not the harness's record. */
const UI_FILE = /\.(?:tsx|jsx|vue|svelte)$|(?:^|\/)(?:components|renderer|webview-ui|frontend|pages)\//;

interface TranscriptSave {
  call: Located<CallFact>;
  how: string;
  /** The write is skipped unless its target is configured (`if (!this.file) return`): opt-in. */
  optIn?: GuardFact & { file?: string };
  rank: number;
  /** The call on the loop's path that runs the writing function, when that path was resolved. */
  caller?: Located<CallFact>;
}
const STRONG = new Set(['messages', 'message', 'history', 'conversation', 'conversations', 'transcript', 'trajectory', 'traj', 'steps', 'turns', 'rollout', 'thread', 'journal']);

/** A serialiser call on an object (`self.to_dict()`, `data.model_dump_json(…)`, `asdict(run)`, `json.dumps(state)`): the object and the method. */
const SERIALISED = /^(?:(?:await\s+)?([\w$.]+)\.(to_dict|to_json|toJSON|toJson|model_dump|model_dump_json|dict|json|serialize|serialise)\(|(?:dataclasses\.)?(?:asdict|json\.dumps|JSON\.stringify)\(\s*([\w$.]+)\s*[,)])/;
/** A field that holds the history itself (`event_history`, `steps`, `messages`), not a setting about it (`history_size`, `max_steps`). */
const HISTORY_FIELD = (k: string): boolean => {
  const ws = words(k);
  return ws.length > 0 && TRANSCRIPT.has(ws[ws.length - 1]) && !/^(?:session|snapshot|chat|thread|event|message)$/.test(ws[ws.length - 1]) && !/^(?:max|min|num|limit|count|total|keep)$/.test(ws[0]);
};

/**
 * The history fields of the object a written value serialises: a method of the writing class or a field's class
 * (`self.to_dict()` whose returned dict has `event_history`; `data = self.data` … `data.model_dump_json()` with
 * `self.data: TaskData`, a model declaring `steps` and `events`). The fields of the class's body and of what its
 * serialiser returns count.
 */
function servedHistory(ctx: RuleContext, file: string, fn: string, expr: string): string[] {
  const m = SERIALISED.exec(expr.trim());
  if (!m) return [];
  let obj = m[1] ?? m[3];
  const own = classOf(fn).split('.').pop() ?? '';
  if (/^[\w$]+$/.test(obj) && obj !== 'self' && obj !== 'this') {
    const b = (ctx.file(file)?.binds ?? []).filter((b) => b.fn === fn && b.name === obj).pop();
    if (b) obj = b.value;
  }
  let cls: string | undefined;
  if (obj === 'self' || obj === 'this') cls = own || undefined;
  else {
    const f = /^(?:self|this)\.([\w$]+)$/.exec(obj);
    if (f && own) cls = fieldType(ctx, file, own, f[1]);
  }
  if (!cls) return [];
  const method = m[2] ? `${cls}.${m[2]}` : '';
  const memo = ctx.memo('audit-trail:served-history', () => new Map<string, string[]>());
  const known = memo.get(`${cls}#${method}`);
  if (known) return known;
  const keys = new Set<string>();
  for (const f of ctx.source) {
    if (!f.classes.some((k) => k.name === cls)) continue;
    for (const o of f.objects) {
      if ((o.ctx.startsWith('class:') && o.ctx.slice(6).split('.').pop() === cls) || (o.ctx === 'return' && !!method && (o.fn === method || o.fn.endsWith(`.${method}`)))) {
        // A class body lists its methods too (`serialize_events`): only its fields are written.
        for (const k of o.keys) if (HISTORY_FIELD(k) && !f.functions.some((d) => d.name === `${cls}.${k}` || d.name.endsWith(`.${cls}.${k}`))) keys.add(k);
      }
    }
  }
  memo.set(`${cls}#${method}`, [...keys]);
  return [...keys];
}

const WRITE_VALUE = /^(?:write|dump|write_text|writeFile|writeFileSync|json_dump)$/;
/**
 * The values a write puts down: its own arguments, and, for a file opened for writing (`with open(path, 'w') as f:`)
 * or a wrapper's write lifted to its caller, what the opening function writes to it (`f.write(data.model_dump_json())`).
 */
function writtenValues(ctx: RuleContext, call: Located<CallFact>, via?: { fn: string; file: string }): Array<{ file: string; fn: string; expr: string }> {
  const out = call.args.map((expr) => ({ file: call.file, fn: call.fn, expr }));
  const at = via ?? (call.name === 'open' ? { fn: call.fn, file: call.file } : undefined);
  if (at) for (const k of ctx.callsIn(at.file, at.fn)) if (WRITE_VALUE.test(k.name)) for (const expr of k.args) out.push({ file: at.file, fn: at.fn, expr });
  return out;
}

/**
 * The agent's history written somewhere that outlives the process, from the loop's path: since every
 * tool call and its result go back into the history for the model, the saved history records them.
 * A write counts when what it writes (or the function writing it) names the history, and it sits in
 * a function reached from an agent loop or a method of the loop's own class; a harness whose loop is
 * a framework's (tools handed to `streamText`, an agent SDK) counts its message writes directly.
 */
function transcriptSaves(ctx: RuleContext): TranscriptSave[] {
  return ctx.memo('audit-trail:transcript-saves', () => {
    const loops = agentLoops(ctx);
    const reach = loopReachable(ctx, 4);
    const loopFiles = new Set(loops.map((l) => l.file));
    const loopClasses = new Set(loops.filter((l) => l.fn.includes('.')).map((l) => l.fn.slice(0, l.fn.lastIndexOf('.') + 1)));
    const framework = loops.length === 0 && frameworkToolUse(ctx).length > 0;
    // Only a harness that declares tools of its own has tool calls in the history it saves.
    const noLoop = loops.length === 0 && !framework && toolDeclarations(ctx).length > 0;
    const resolved = loopReachResolved(ctx);
    /** The call that runs a write's function, where the path to it was resolved. */
    const callerOf = new Map<Located<CallFact>, Located<CallFact>>();
    const onPath = (c: Located<CallFact>): string | undefined => {
      const short = shortName(c.fn);
      if (loopFiles.has(c.file)) return 'in the agent loop\'s file';
      if ([...loopClasses].some((k) => c.fn.startsWith(k))) return `a method of the loop's class (${c.fn})`;
      if (reach.has(short) && !GENERIC.has(short) && lastHopHolds(ctx, reach.get(short)!.path, c)) return `reached from the loop (${reach.get(short)!.path.join(' → ')})`;
      // Through calls resolved by the receiver's class (`this.messagesService.create(…)`, the service injected into the loop's class).
      const r = resolved.get(`${c.file}#${c.fn}`);
      if (r) {
        callerOf.set(c, r.path[r.path.length - 1]);
        return `reached from the loop (${r.path.map((k) => k.callee).join(' → ')} at ${at(r.path[r.path.length - 1].file, r.path[r.path.length - 1].line)})`;
      }
      if (framework) {
        // Saved only by front-end code (`createMessages(…)` called from a chat component): the browser stores the
        // chat it shows, the text of each turn, not the framework loop's history with its tool calls and results.
        // A save function nothing calls (`export const createMessage = …` left unused) saves nothing.
        const callers = callersOfMethod(ctx, c.fn, c.file).filter((k) => !TEST_PATH.test(k.file) && k.fn !== c.fn);
        if (c.fn !== '<top>' && callers.every((k) => UI_FILE.test(k.file))) return undefined;
        return 'the framework runs the tool loop';
      }
      // No loop was recognised at all (a recursive completion, a task executor driven by UI events):
      // a save function that names the history and that harness code calls is taken as the loop's.
      if (noLoop) {
        const caller = callersOfMethod(ctx, c.fn, c.file).find((k) => !UI_FILE.test(k.file) && !TEST_PATH.test(k.file));
        if (caller) return `called from ${caller.fn} (${at(caller.file, caller.line)})`;
      }
      return undefined;
    };
    const candidates: Array<{ call: Located<CallFact>; text: string; what: string }> = [];
    for (const op of harnessPersistOps(ctx)) {
      // A time-stamped text line of a diagnostic log (`[${now()}] ${message}\n`) is for people to tail, not the history.
      if ((op.kind !== 'write' && op.kind !== 'append' && op.kind !== 'db-write') || op.textLog) continue;
      // A database write is about its table too (`this.prisma.message.create(…)`, `db.messages.insert_one(…)`).
      const text = op.kind === 'db-write' ? `${tableOf(ctx, op.call) ?? ''} ${op.call.args.join(' ')}` : op.call.args.join(' ');
      const what = op.kind === 'db-write' ? 'stores' : op.kind === 'append' ? 'appends' : 'writes';
      // What a serialised object carries (`f.write(data.model_dump_json())` with a model declaring `events`, `steps`).
      const served = [...new Set(writtenValues(ctx, op.call, op.via).flatMap((v) => servedHistory(ctx, v.file, v.fn, v.expr)))];
      candidates.push({ call: op.call, text: served.length ? `${text} ${served.join(' ')}` : text, what: served.length ? `${what} (a serialised object with ${served.join(', ')})` : what });
    }
    for (const f of ctx.source) {
      for (const c of f.calls as Located<CallFact>[]) {
        // JSON writers the shared list does not know (`safeWriteJson(path, messages)`), and pathlib appends (`self.history_file.open("a")`).
        if (/^(?:safe|atomic)\w*Json$|^\w*[wW]riteJson\w*$/.test(c.name) && !/^(?:writeJson|writeJSON|writeJsonSync)$/.test(c.name)) candidates.push({ call: c, text: c.args.join(' '), what: 'writes' });
        else if (c.name === 'open' && c.callee !== 'open' && /^['"]a\+?['"]$/.test(c.args[0] ?? '')) candidates.push({ call: c, text: c.callee, what: 'appends to' });
        // The history serialised into a logger (`transcript_logger.info(json.dumps(message))`) that a file handler writes down.
        else if (LOG_LEVEL.test(c.name) && /log/i.test(c.callee.slice(0, -c.name.length)) && !/^console\./.test(c.callee) && /^(?:json\.dumps|JSON\.stringify)\(/.test(c.args[0] ?? '')) {
          const sink = fileLogSink(ctx);
          if (sink) candidates.push({ call: c, text: `${c.callee.slice(0, -c.name.length - 1)} ${c.args[0]}`, what: `logs to a file (${sink.callee} at ${at(sink.file, sink.line)})` });
        }
      }
    }
    const out: TranscriptSave[] = [];
    for (const { call, text, what } of candidates) {
      if (UI_FILE.test(call.file) || /localStorage|sessionStorage/.test(call.callee)) continue;
      // A row written by an analytics/APM module (`apm/event_handler.py` storing usage events) is telemetry, not the history.
      if (analyticsCall(ctx, call.file, call.callee)) continue;
      // A field that holds an id of the conversation (`conversationId: …`, `thread_id`) refers to it, it does not carry it.
      // So does a field read of an error or a reply (`error.message`, `resp.message`): a string, not the history.
      const whole = text.replace(/\b[A-Za-z_$][\w$]*(?:_ids?|Ids?)\b/g, ' ').replace(/[\w$]+\??\.message\b(?![\w$(])/g, ' ');
      const ws = [...words(whole), ...words(shortName(call.fn))];
      const named = ws.find((w) => TRANSCRIPT.has(w));
      const own = [...loopClasses].some((k) => call.fn.startsWith(k)) && /json|JSON/.test(text);
      if (!named && !own) continue;
      // Without a recognised loop only a strong history word counts (messages, history, transcript), not a
      // session or snapshot, and not one naming a key or a path (`thread_id`, `history_file`).
      // A framework's loop likewise: its history is the messages it hands back, not a workspace snapshot or a session row.
      if ((noLoop || framework) && !words(whole.replace(/\b\w+(?:_id|Id|_path|Path|_file|File|_name|Name|_key|Key)\b/g, ' ')).concat(words(shortName(call.fn))).some((w) => STRONG.has(w))) continue;
      const where = onPath(call);
      if (!where) continue;
      const file = ctx.file(call.file);
      // Opt-in: the writing function returns early unless its target is set.
      const target = (call.args[0] ?? '').replace(/^(?:this|self)\./, '');
      let optIn: (GuardFact & { file?: string }) | undefined = file?.guards.find((g) => g.fn === call.fn && g.line < call.line && g.exit === 'return' && target.length > 2 && /^(?:!|not\s+)/.test(g.cond) && g.cond.includes(target));
      // Opt-in too: the target is a parameter that a caller leaves out or passes as undefined/None (`runAgent(task, flag ? file : undefined)`).
      if (!optIn && /^\w+$/.test(target)) {
        const def = ctx.functionsNamed(shortName(call.fn)).find((d) => d.file === call.file && d.name === call.fn);
        const i = def ? def.params.indexOf(target) : -1;
        if (def && i >= 0) {
          const caller = callersOf(ctx, call.fn).find((c) => c.args.length <= i || /\bundefined\b|\bNone\b|\bnull\b/.test(c.args[i] ?? ''));
          if (caller) optIn = { cond: `${target} is not passed (${caller.callee} at ${at(caller.file, caller.line)})`, exit: 'return', line: def.line, fn: call.fn };
        }
      }
      // On demand: every call of the saving function sits in a command branch (`if user_input == 'save chat'`).
      if (!optIn) {
        const callers = callersOfMethod(ctx, call.fn, call.file).filter((k) => !UI_FILE.test(k.file) && !TEST_PATH.test(k.file));
        if (callers.length && callers.length <= 10 && callers.every((k) => commandBranch(ctx, k))) {
          const k = callers[0];
          optIn = { cond: `the user does not type the command (${k.callee} in a command branch of ${k.fn})`, exit: 'return', line: k.line, fn: k.fn, file: k.file };
        }
      }
      // Opt-in one level up: the caller returns before the save unless an id or path it passes on is set
      // (`if not chat_id: return` … `self._write(messages, chat_id)`).
      if (!optIn) {
        for (const k of callersOfMethod(ctx, call.fn, call.file).slice(0, 10)) {
          const kf = ctx.file(k.file);
          const g = kf?.guards.find((g) => {
            if (g.fn !== k.fn || g.line >= k.line || g.exit !== 'return') return false;
            const m = /^(?:!|not\s+)([\w$]+)$/.exec(g.cond.trim());
            return !!m && m[1].length > 2 && k.args.some((a) => a === m[1] || a.endsWith(`=${m[1]}`) || a.endsWith(`.${m[1]}`));
          });
          if (g) {
            optIn = { ...g, file: k.file, cond: `${g.cond.replace(/^(?:!|not\s+)/, '')} is not set in ${k.fn}` };
            break;
          }
        }
      }
      // What the write is about, strongest first: tool calls themselves, then the message history, then a session or chat.
      const aboutTools = /tool_?use|tool_?result|tool_?call/i.test(`${text} ${call.fn}`);
      const strength = aboutTools ? 0 : named && STRONG.has(named) ? 1 : 2;
      out.push({ call, caller: callerOf.get(call), how: `${call.callee}(${call.args.join(', ').slice(0, 50)}) ${what} the agent's ${aboutTools ? 'tool calls/results' : (named ?? 'serialised state')}, ${where}`, optIn, rank: strength * 3 + (/loop's file|loop's class/.test(where) ? 0 : /reached/.test(where) ? 1 : 2) + (optIn ? 100 : 0) });
    }
    return out.sort((a, b) => a.rank - b.rank);
  });
}


/**
 * The last link of a by-name path from the loop really reaches the write: the caller's calls of that name
 * are not all made on a field holding another class that has its own method of the name
 * (`this.history.addMessage()` with `this.history = new MessageHistory()` calls `MessageHistory.addMessage`,
 * not a storage module's `addMessage`).
 */
function lastHopHolds(ctx: RuleContext, path: string[], write: Located<CallFact>): boolean {
  if (path.length < 2) return true;
  const name = path[path.length - 1];
  let resolvedElsewhere = 0;
  let calls = 0;
  for (const def of ctx.functionsNamed(path[path.length - 2])) {
    const cls = classOf(def.name);
    for (const k of ctx.callsIn(def.file, def.name)) {
      if (k.name !== name) continue;
      calls++;
      const m = /^(?:this|self)\.([\w$]+)\.[\w$]+$/.exec(k.callee);
      const held = m && cls ? fieldClass(ctx, def.file, cls.slice(cls.lastIndexOf('.') + 1), m[1]) : undefined;
      const target = held ? methodOf(ctx, held, name) : [];
      if (target.length && !target.some((t) => t.file === write.file && t.name === write.fn)) resolvedElsewhere++;
    }
  }
  return calls === 0 || resolvedElsewhere < calls;
}

/**
 * Callers of `fn` that can be calls of it: a method called on `self`/`this` only from its own class
 * (`Config.__init__` calling `self._write()` does not call `ChatSession._write`).
 */
function callersOfMethod(ctx: RuleContext, fn: string, file: string): Located<CallFact>[] {
  const dot = fn.lastIndexOf('.');
  const cls = dot > 0 ? fn.slice(0, dot) : '';
  const cut = cls.lastIndexOf('.');
  const own = cls.slice(cut + 1);
  return callersOf(ctx, fn).filter((k) => !cls || !/^(?:self|this)\.[\w$]+$/.test(k.callee) || k.fn.startsWith(`${cls}.`) || k.fn.startsWith(`${own}.`) || (k.file === file && !k.fn.includes('.')));
}

/** The callback a framework's run calls when it finishes, with the turn's messages: `onFinish`, `onStepFinish`, `on_end`. */
const FINISH_CALLBACK = /^(?:onFinish|onStepFinish|onEnd|onComplete|onCompletion|onFinal|onDone|on_finish|on_end|on_complete)$/;

const LOG_LEVEL = /^(?:info|debug|warn|warning|error|log|trace|notice|critical)$/;
const FILE_SINK = /^(?:(?:logging\.)?(?:handlers\.)?(?:FileHandler|RotatingFileHandler|TimedRotatingFileHandler|WatchedFileHandler)|(?:winston\.)?transports\.File|new\s+(?:winston\.)?transports\.File|pino\.destination)$/;

/** A logging handler that writes to a file (`logging.FileHandler(path)`, `winston.transports.File`, `pino.destination(path)`). */
function fileLogSink(ctx: RuleContext): Located<CallFact> | undefined {
  return ctx.memo('audit-trail:file-log-sink', () => {
    for (const n of ['FileHandler', 'RotatingFileHandler', 'TimedRotatingFileHandler', 'WatchedFileHandler', 'File', 'destination']) {
      const c = ctx.callsNamed(n).find((c) => FILE_SINK.test(c.callee) && !TEST_PATH.test(c.file));
      if (c) return c;
    }
    return undefined;
  });
}

/** Tool calls or results handed to a save function: `saveToolUseMessage(id, toolUseMessage)`. */
function toolSaves(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  const ops = new Map<string, Located<CallFact>>();
  for (const op of harnessPersistOps(ctx)) if (storesData(op)) ops.set(`${op.call.file}#${op.call.fn}`, op.call);
  for (const c of ctx.calls) {
    if (!/^(?:save|store|persist|insert|put)\w*$/i.test(c.name)) continue;
    if (!/tool_?use|tool_?result|tool_?call/i.test(c.name + ' ' + c.args.join(' '))) continue;
    if (UI_FILE.test(c.file)) continue;
    // The save function must write somewhere: a file, a database, a table (not an in-memory map).
    const defs = ctx.functionsNamed(c.name);
    const store = defs.length <= 3 && defs.map((d) => ops.get(`${d.file}#${d.name}`)).find(Boolean);
    if (!store) continue;
    out.push(ev(c.file, c.line, `${c.callee}(${c.args.join(', ').slice(0, 50)}) saves a tool call or result (${store.callee} at ${at(store.file, store.line)})`));
    if (out.length >= 3) break;
  }
  return out;
}

/**
 * A hook run when a tool call ends (`on_tool_end`, `on_function_call_end(item, result)`, `afterToolCall`,
 * `onToolResult`): the lifecycle callback a loop invokes on its registered handlers after each call
 * (LangChain's `BaseCallbackHandler.on_tool_end`, the OpenAI Agents SDK's `RunHooks.on_tool_end`, an agent's own callbacks).
 */
const TOOL_END_HOOK = /^(?:on|after|handle)_?(?:tool|tool_?call|function_?call|computer_?call|action)_?(?:end|ended|result|results|complete|completed|finish|finished|done|success)$/i;
/** A hook parameter carrying the call's outcome. */
const RESULT_PARAM = /^(?:result|results|output|outputs|response|observation|tool_result|toolResult|tool_output|toolOutput)$/;

interface HookSave {
  hook: Located<FunctionFact>;
  /** The call in the hook that writes, or hands the outcome to the class's own method that writes. */
  call: Located<CallFact>;
  write: Located<CallFact>;
}

/**
 * A tool-end hook that writes the finished call down: its body (or a method of its own class that it hands
 * the outcome to, `self._save_artifact("call_result", {"item": item, "result": result})`) makes a file or
 * database write, and the call carries the hook's outcome parameter. The hook is called for every tool call
 * by the loop that registered it, so each call's item (tool and arguments) and result are kept.
 */
function toolEndHookSaves(ctx: RuleContext): HookSave[] {
  return ctx.memo('audit-trail:tool-end-hook-saves', () => {
    const writes = new Map<string, Located<CallFact>>();
    for (const op of harnessPersistOps(ctx)) if (storesData(op) && !writes.has(`${op.call.file}#${op.call.fn}`)) writes.set(`${op.call.file}#${op.call.fn}`, op.call);
    const out: HookSave[] = [];
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path) || UI_FILE.test(f.path)) continue;
      for (const fn of f.functions as Located<FunctionFact>[]) {
        if (!TOOL_END_HOOK.test(shortName(fn.name))) continue;
        const result = fn.params.map(paramName).find((p) => RESULT_PARAM.test(p));
        if (!result) continue;
        const cls = classOf(fn.name);
        for (const c of ctx.callsIn(f.path, fn.name)) {
          if (!c.args.some((a) => mentions(a, result))) continue;
          const own = writes.get(`${f.path}#${fn.name}`);
          // The write in the hook itself, or in the method of its own class it calls (`self._save(…)`, `this.persist(…)`).
          const hop = cls && /^(?:self|this)\.[\w$]+$/.test(c.callee) ? writes.get(`${f.path}#${cls}.${c.name}`) : undefined;
          const write = hop ?? (own && own.line >= c.line ? own : undefined);
          if (!write) continue;
          out.push({ hook: fn, call: c, write });
          break;
        }
      }
    }
    return out;
  });
}

/** A tool's arguments as a variable: `arguments`, `tool_input`, `call.args`. */
const ARGS_NAME = /^(?:args|arguments|input|inputs|params|parameters|kwargs|function_args|functionArgs|tool_input|toolInput|tool_args|toolArgs|tool_params|toolParams)$/;
/** A tool's name as a variable: `name`, `tool_name`, `call.name`, `functionName`. */
const TOOL_NAME = /(?:^|_)name$|Name$/;
/** A bare variable or attribute path: `arguments`, `call.args`, `self.tool_input`. */
const PATH_EXPR = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;

/** The code parts of an argument: the value of `key=value`, the `{…}` holes of an f-string or `${…}` of a template; nothing of a plain string. */
function codeOf(arg: string): string {
  const kw = /^[A-Za-z_]\w*=(?!=)([\s\S]*)$/.exec(arg);
  if (kw) return codeOf(kw[1]);
  if (/^[rRbB]?[fF][rRbB]?(?:"|')/.test(arg)) return [...arg.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]).join(' ');
  if (arg.startsWith('`')) return [...arg.matchAll(/\$\{([^{}]+)\}/g)].map((m) => m[1]).join(' ');
  if (/^[rRbBuU]?(?:"|')/.test(arg)) return '';
  return arg;
}
const mentions = (code: string, expr: string): boolean => mentionOf(expr).test(code);
/** The variable an argument text stands for: `**arguments` → arguments, `...input` → input; undefined for an expression. */
const varOf = (arg: string): string | undefined => {
  const v = arg.replace(/^(?:\*\*|\*|\.\.\.)/, '').replace(/^await\s+/, '').trim();
  return PATH_EXPR.test(v) && !/^(?:self|this|None|null|undefined|true|false|True|False)$/.test(v) ? v : undefined;
};

interface DispatchLog {
  /** The logger calls at the dispatch site: the first carries the name and arguments. */
  calls: Located<CallFact>[];
  /** The file write the logger method reaches. */
  write: Located<CallFact>;
  method: string;
  run: Located<CallFact>;
}

/**
 * A logger of the harness's own called where a tool runs, with the tool's name and arguments and
 * what the tool returned: `self.logger.log_tool_result(tool_name=name, arguments=args, result=…)`,
 * or `logger.log(f"ACTION: {name} {params}")` … `logger.log(f"RESULT: {result}")`, whose method
 * (the logger's own code) writes to a file. The run is the dispatch's exec call
 * (`tools[name]` … `tool.execute(**args)`) or a call handed the name and the arguments
 * (`self.call_function(name, parameters)`); its result is the variable bound to that call.
 */
function dispatchLogs(ctx: RuleContext): DispatchLog[] {
  return ctx.memo('audit-trail:dispatch-logs', () => {
    const runs: Array<{ run: Located<CallFact>; name: string; args: string }> = [];
    for (const d of toolDispatch(ctx)) {
      if (d.execFn !== `${d.exec.file}#${d.exec.fn}`) continue;
      const args = d.exec.args.map(varOf).find((v) => v && ARGS_NAME.test(v.split('.').pop()!)) ?? d.exec.args.map(varOf).find(Boolean);
      const key = /[[(]([^[\]()]+)[\])]\s*$/.exec(d.lookup.text)?.[1];
      const name = key && varOf(key);
      if (args && name && d.exec.fn === d.lookup.fn && d.exec.file === d.lookup.file) runs.push({ run: d.exec, name, args });
    }
    // A call handed a tool's name and its arguments, to a function of the harness.
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path) || UI_FILE.test(f.path)) continue;
      for (const c of f.calls as Located<CallFact>[]) {
        if (c.args.length < 2 || c.args.length > 4 || LOGGERISH.test(c.callee)) continue;
        const vars = c.args.map(varOf);
        const name = vars.find((v) => v && TOOL_NAME.test(v.split('.').pop()!));
        const args = vars.find((v) => v && ARGS_NAME.test(v.split('.').pop()!));
        if (!name || !args || !ctx.functionsNamed(c.name).some((d) => !TEST_PATH.test(d.file))) continue;
        runs.push({ run: c, name, args });
      }
    }
    const out: DispatchLog[] = [];
    const seen = new Set<string>();
    for (const { run, name, args } of runs) {
      const key = `${run.file}#${run.fn}`;
      if (seen.has(key)) continue;
      const file = ctx.file(run.file);
      // What the tool returned: the variable the run call is bound to.
      const result = (file?.binds ?? []).find((b) => b.fn === run.fn && b.line === run.line && b.value.includes(`${run.callee}(`))?.name;
      if (!result) continue;
      const here = ctx.callsIn(run.file, run.fn).filter((c) => c !== run && c.name && (LOGGERISH.test(c.name) || LOGGERISH.test(c.callee.slice(0, -c.name.length))));
      // Per logger method: which of name, arguments and result its calls here carry.
      const byCallee = new Map<string, Located<CallFact>[]>();
      for (const c of here) {
        const code = c.args.map(codeOf).join(' ');
        if (![name, args, result].some((x) => mentions(code, x))) continue;
        byCallee.set(c.callee, [...(byCallee.get(c.callee) ?? []), c]);
      }
      for (const calls of byCallee.values()) {
        const code = calls.map((c) => c.args.map(codeOf).join(' ')).join(' ');
        if (!mentions(code, name) || !mentions(code, args) || !mentions(code, result)) continue;
        const hit = ownLoggerWrite(ctx, calls[0]);
        if (!hit) continue;
        seen.add(key);
        const first = calls.find((c) => mentions(c.args.map(codeOf).join(' '), name)) ?? calls[0];
        out.push({ calls: [first, ...calls.filter((c) => c !== first)], write: hit.write, method: hit.method, run });
        break;
      }
    }
    return out;
  });
}

/**
 * The weaker form: the conversation's messages are stored (a database write or file write whose table,
 * arguments or function name the history names: `supabase.from("messages").insert(…)`, `setMessages(db, …)`
 * into IndexedDB), but off the agent loop's recognised path, or by a front end that keeps the chat, so the
 * stored record is the exchanged text (and what the model emitted inside it), not each tool call with its
 * inputs and outcome. Labels call a kept conversation without a record of tool calls partial.
 * Any file but tests; what is written must name the history, and the saving function must be called from somewhere.
 */
function storedConversations(ctx: RuleContext): Array<{ call: Located<CallFact>; caller: Located<CallFact> }> {
  return ctx.memo('audit-trail:stored-conversations', () => {
    const out: Array<{ call: Located<CallFact>; caller: Located<CallFact> }> = [];
    const writes: Array<{ call: Located<CallFact>; table: string }> = persistOps(ctx)
      .filter(storesData)
      .map((op) => ({ call: op.call, table: op.kind === 'db-write' ? tableOf(ctx, op.call) ?? '' : '' }));
    // A query builder's insert into a named table (supabase-js and knex: `supabase.from("messages").insert(rows)`, `knex("messages").insert(rows)`).
    for (const name of ['insert', 'upsert']) {
      for (const c of ctx.callsNamed(name)) {
        const t = builderTable(c.callee);
        if (t) writes.push({ call: c, table: t });
      }
    }
    // A table that is the history itself (`messages`) before one that only refers to it (`message_file_items`).
    writes.sort((a, b) => Number(STRONG.has(b.table)) - Number(STRONG.has(a.table)));
    for (const { call, table } of writes) {
      if (TEST_PATH.test(call.file) || /localStorage|sessionStorage/.test(call.callee) || analyticsCall(ctx, call.file, call.callee)) continue;
      const text = `${table} ${call.args.join(' ')}`;
      // Ids, keys and paths of the conversation refer to it; they do not carry it.
      // What is written must name the history (the table or the data): a function named `addMessage` may store anything.
      const ws = words(text.replace(/\b\w+(?:_ids?|Ids?|_path|Path|_file|File|_name|Name|_key|Key)\b/g, ' '));
      if (!ws.some((w) => STRONG.has(w))) continue;
      const caller = callersOfMethod(ctx, call.fn, call.file).find((k) => !TEST_PATH.test(k.file) && k.fn !== call.fn);
      if (!caller) continue;
      out.push({ call, caller });
      if (out.length >= 2) break;
    }
    return out;
  });
}

/** A run's long-lived list of steps: `state.currentTask.history`, `self.steps`, `this.trajectory`, `run.actions`. */
const STEP_LIST = /(?:^|[._])(?:history|steps|trajectory|traj|actions|records|journal|turns|rollout|step_?[lL]og|action_?[lL]og)$/i;
/** A key naming a tool call's id: `tool_id`, `tool_use_id`, `call.id`, `toolCallId`. */
const CALL_ID_KEY = /^(?:[\w$.]*\.)?(?:tool_?(?:use_?|call_?)?[iI]d|toolUseId|toolCallId|call_?[iI]d)$|^(?:[\w$]*(?:call|Call|tool|Tool|use|Use))\.id$/;
/** A value holding what a tool returned: `tool_output`, `result`, `toolResult.output`. */
const RESULT_VALUE = /^(?:await\s+)?[\w$.]*(?:[oO]utput|[rR]esult|[oO]bservation)s?$/;
/** A key holding a step's outcome in a record of the run: `"response"`, `"result"`, `"observation"`. */
const STEP_OUTCOME_KEY = /^['"](?:response|result|output|observation|observations)['"]$/;

/**
 * Each step of the run kept in a record the harness holds for the run (not a provider message list), with no
 * write of it found: a step record with the action taken and its response pushed onto the run's history
 * (`state.currentTask.history.push({ prompt, response, action })`, `self.steps.append({"action": a, "observation": o})`),
 * a tool's output kept by its call id in a state the caller holds (`tool_state[tool_id] = tool_output`), or a step's
 * response stored on the node of a run's graph (`self.nodes[name]["response"] = msg.model_dump()`). These are what
 * the UI shows, the caller returns or a reviewer can dump: labels call that a partial trail, never an absent one.
 * Not a list or map the same function starts empty (a payload being built).
 */
function stepStores(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  const local = (f: { binds?: readonly { name: string; value: string; fn: string }[] }, fn: string, name: string) => (f.binds ?? []).some((b) => b.fn === fn && b.name === name && EMPTY_COLLECTION.test(b.value.trim()));
  for (const f of ctx.source) {
    if (TEST_PATH.test(f.path) || UI_FILE.test(f.path)) continue;
    for (const o of f.objects) {
      const m = /^arg:([\w$.]+)\.(?:push|append|unshift)$/.exec(o.ctx);
      if (!m || !STEP_LIST.test(m[1]) || local(f, o.fn, m[1])) continue;
      const holder = o.keys.find((k) => CALL_HOLDER.test(k) || /^(?:actions|tool_calls|toolCalls)$/.test(k));
      const outcome = o.keys.find((k) => OUTCOME_KEYS.has(k));
      if (!holder || !outcome) continue;
      out.push(ev(f.path, o.line, `${o.ctx.slice(4)}({ ${o.keys.slice(0, 5).join(', ')} }) in ${shortName(o.fn)} keeps each step (the ${holder} taken and its ${outcome}) in memory`));
      if (out.length >= 2) return out;
    }
    // A map of outputs by call id (`this.toolResults.set(call.id, result)`): the same keeping, through a Map.
    for (const c of f.calls) {
      if (c.name !== 'set' || c.args.length !== 2 || !CALL_ID_KEY.test(c.args[0].trim()) || !RESULT_VALUE.test(c.args[1].trim())) continue;
      const target = c.callee.slice(0, -'.set'.length);
      if (!target || local(f, c.fn, target)) continue;
      out.push(ev(f.path, c.line, `${c.callee}(${c.args.join(', ').slice(0, 40)}) in ${shortName(c.fn)} keeps each tool's output by its call id, in memory`));
      if (out.length >= 2) return out;
    }
    for (const s of f.itemSets ?? []) {
      const byId = CALL_ID_KEY.test(s.key.trim()) && RESULT_VALUE.test(s.value.trim());
      const onNode = /^(?:self|this)\.\w+\[[\w$.]+\]$/.test(s.target) && STEP_OUTCOME_KEY.test(s.key.trim()) && /\(/.test(s.value);
      if ((!byId && !onNode) || local(f, s.fn, s.target)) continue;
      out.push(ev(f.path, s.line, byId
        ? `${s.target}[${s.key}] = ${s.value.slice(0, 40)} in ${shortName(s.fn)} keeps each tool's output by its call id, in memory`
        : `${s.target}[${s.key}] = ${s.value.slice(0, 40)} in ${shortName(s.fn)} keeps each step's ${s.key.replace(/['"]/g, '')} on the run's node, in memory`));
      if (out.length >= 2) return out;
    }
  }
  return out;
}

export default defineRule({
  id: 'logging.audit-trail',
  principle: 'logging',
  title: 'What the agent did is recorded',
  rationale:
    'After a run, a reviewer must be able to answer which tools ran with which inputs, what they returned and what was allowed or denied; without a trail, incidents cannot be explained.',
  remediation:
    'Record every tool call with its name, inputs, outcome and the permission decision, as an append-only log or typed record that outlives the turn; see the exemplar audit-log.ts.',
  exemplar: 'src/reference-harness/logging/audit-log.ts',
  detect(ctx) {
    const kept: Located<ObjectFact>[] = [];
    const all = records(ctx, kept);
    const recs = all.filter((r) => !r.callOnly);
    const full = recs.filter((r) => r.inputs);
    const evid = (r: Rec): Evidence =>
      ev(r.o.file, r.o.line, `${r.where}: ${r.keys.filter((k) => k.includes('.') || TOOL_KEY.test(k) || INPUT_KEY.test(k) || OUTCOME_KEY.test(k) || DECISION_KEY.test(k) || COMMAND_KEY.test(k) || EXEC_OUTCOME_KEY.test(k) || (RUN_CODE_KEY.test(k) && !STATUS_CODE.test(k))).slice(0, 6).join(', ')}`);
    const spans = genAiToolSpans(ctx);
    const spanFinding = () => {
      const sp = spans[0];
      // Spans are made only when tracing is enabled, and its settings say it is off by default (the mcp-agent label).
      const off = tracingOffByDefault(ctx);
      if (off) return finding('partial', `each tool call gets an OpenTelemetry GenAI span naming the tool, with its arguments (${sp.input}) and its result (${sp.outcome}), but tracing is off unless configured (${at(off.file, off.line)})`, [sp.site, off], 'low');
      // The labels' convention (adk, strands, pydantic-ai, openai-agents): a span per tool call with name,
      // arguments and result is the trail, even where export needs a configured exporter. Whether the
      // spans leave the process is configuration the code does not show: not 'high'.
      return finding('present', `each tool call gets an OpenTelemetry GenAI span naming the tool, with its arguments (${sp.input}) and its result (${sp.outcome}) as attributes, exported to the configured tracing backend (${at(sp.site.file, sp.site.line)})`, [
        sp.site,
        ...spans.slice(1, 2).map((x) => x.site),
      ], 'low');
    };
    if (full.length) {
      const decisions = recs.filter((r) => r.decision);
      // The record that is written down first: one handed to a log/record/write call or made where it
      // is logged, then a record type declared but only kept, then a variable, then one only emitted to listeners.
      const sites = new Map(full.map((r) => [r, recordSites(ctx, r)]));
      const kind = (r: Rec) => (sites.get(r)!.length || ((r.where.startsWith('passed to') || r.where.startsWith('stored as')) && !r.emitted && !r.streamed) ? 0 : r.where.startsWith('record class') ? 1 : r.emitted || r.streamed ? 3 : 2);
      const ranked = full.map((r, i) => ({ r, i })).sort((a, b) => kind(a.r) - kind(b.r) || a.i - b.i).map((x) => x.r);
      const best = ranked[0];
      const lead = sites.get(best)!;
      // A record only declared, kept in a variable or emitted to listeners ranks below tool spans that are exported.
      if (spans.length && kind(best) > 0) return spanFinding();
      // Records only emitted to listeners or streamed to the client (one tool's progress event, an
      // activity feed) rank below the saved history that carries every call: that is the record that outlives the run.
      if (!(kind(best) === 3 && transcriptSaves(ctx).some((t) => !t.optIn))) return finding(
        'present',
        `tool calls are recorded with inputs and outcomes (${best.where} at ${at(best.o.file, best.o.line)}${lead.length ? `, written at ${at(lead[0].file, lead[0].line)}` : ''})${decisions.length ? ', permission decisions included' : ''}`,
        [...lead, ...ranked.slice(0, 3).map(evid), ...decisions.filter((d) => !ranked.slice(0, 3).includes(d)).slice(0, 1).map(evid)],
      );
    }
    // A call's start and its end recorded apart, the same way in the same file: `RealtimeEvent(type=TOOL_CALL,
    // content={ tool_name, tool_input })` then `RealtimeEvent(type=TOOL_RESULT, content={ tool_name, result })`;
    // `prepareLog({ metadata: { tool, input } })` then `prepareLog({ metadata: { error, tool } })`.
    const pair = pairedRecords(all);
    if (pair && !(spans.length && pair.kind > 0)) {
      const [start, end] = pair.recs;
      return finding('present', `each tool call is recorded when it starts, with its tool and inputs (${start.where} at ${at(start.o.file, start.o.line)}), and when it ends, with its outcome (${end.where} at ${at(end.o.file, end.o.line)})`, [evid(start), evid(end)], 'low');
    }
    const logged = dispatchLogs(ctx);
    if (spans.length && !logged.length) return spanFinding();
    if (logged.length) {
      const l = logged[0];
      const c = l.calls[0];
      return finding('present', `each tool call is logged where it runs, with its name, arguments and result, by the harness's own logger, which writes to a file (${c.callee} at ${at(c.file, c.line)}; ${l.method} writes at ${at(l.write.file, l.write.line)})`, [
        ev(c.file, c.line, `${c.callee}(${c.args.join(', ').slice(0, 60)}) logs the tool call run by ${l.run.callee} (line ${l.run.line})`),
        ...l.calls.slice(1, 2).map((x) => ev(x.file, x.line, `${x.callee}(${x.args.join(', ').slice(0, 60)}) logs the tool's result`)),
        ev(l.write.file, l.write.line, `${l.write.callee}(…) in ${l.write.fn}: ${l.method} writes the log to a file`),
      ]);
    }
    const saved = toolSaves(ctx);
    if (saved.length) {
      // The save function resolves to a file or database write: a resolved path.
      return finding('present', `tool calls and their results are stored as they happen (${saved[0].reason}, ${at(saved[0].file, saved[0].line)})`, saved, 'high');
    }
    const hooks = toolEndHookSaves(ctx);
    if (hooks.length) {
      const h = hooks[0];
      return finding('present', `a hook run when each tool call ends writes the call and its result down (${shortName(h.hook.name)} at ${at(h.hook.file, h.hook.line)}: ${h.call.callee}(…) at line ${h.call.line}, written at ${at(h.write.file, h.write.line)})`, [
        ev(h.call.file, h.call.line, `${h.call.callee}(${h.call.args.join(', ').slice(0, 60)}) in ${h.hook.name} saves the finished call with its result`),
        ev(h.write.file, h.write.line, `${h.write.callee}(…) in ${h.write.fn} writes it`),
        ...hooks.slice(1, 2).map((x) => ev(x.call.file, x.call.line, `${x.call.callee}(…) in ${x.hook.name} saves the finished call`)),
      ], 'low');
    }
    const saves = transcriptSaves(ctx);
    const always = saves.filter((t) => !t.optIn);
    if (always.length) {
      const t = always[0];
      // The call that runs the write: the one on the resolved path, else a caller by name (not for a name as common as `create`).
      // A caller in the finish callback of the framework's run (`onFinish: async ({ messages }) => saveMessages(…)`) saves
      // the finished turn, tool calls and results included: that is the trail reaching the store, cited first.
      const byName = GENERIC.has(shortName(t.call.fn)) ? [] : callersOf(ctx, t.call.fn).filter((c) => !UI_FILE.test(c.file));
      const finish = byName.find((c) => FINISH_CALLBACK.test(shortName(c.fn)));
      const callers = t.caller ? [t.caller] : finish ? [finish] : byName.slice(0, 1);
      const saveEv = ev(t.call.file, t.call.line, t.how);
      const callerEv = callers.map((c) => ev(c.file, c.line, FINISH_CALLBACK.test(shortName(c.fn)) ? `${c.callee}() in ${shortName(c.fn)} saves the finished turn's messages, tool calls and results included` : `${c.callee}() saves the history`));
      return finding('present', `the agent's history, which carries every tool call with its arguments and every tool result, is persisted: ${t.how} (${at(t.call.file, t.call.line)})${finish && callers[0] === finish ? `, saved when each run finishes (${at(finish.file, finish.line)})` : ''}`, [
        ...(finish && callers[0] === finish ? [...callerEv, saveEv] : [saveEv, ...callerEv]),
        ...always.slice(1, 2).map((x) => ev(x.call.file, x.call.line, x.how)),
      ]);
    }
    const saver = frameworkSaver(ctx);
    if (saver && frameworkToolUse(ctx).length) {
      return finding('present', `a persistent framework checkpointer (${saver.callee}) stores each step of the thread, tool calls and results included (${at(saver.file, saver.line)})`, [
        ev(saver.file, saver.line, `${saver.callee}(...) persists the thread's messages`),
      ]);
    }
    // Graphs deployed on a LangGraph server (`langgraph.json` declaring `graphs`): the server's database
    // checkpointer saves each thread's state after every step (messages with tool calls and results, the
    // route each node chose), so what every run did is kept. A configuration fact, but whether a thread's
    // checkpoints count as a trail is a judgement: not 'high'.
    const platform = platformCheckpointer(ctx);
    if (platform) {
      return finding('present', `the graphs run on a LangGraph server whose checkpointer stores each thread's state after every step, tool calls, results and route choices included (${platform.what}, ${at(platform.file, platform.line)})`, [
        ev(platform.file, platform.line, `${platform.what}: every step of each thread is checkpointed to the server's database`),
      ]);
    }
    const toolLog = toolCallLogs(ctx);
    if (toolLog) {
      const { call: c, sink, code } = toolLog;
      // Whether the file handler is on the logger this call uses is not resolved: not 'high'.
      return finding('present', `${code ? 'each run of the generated code is logged with the code it runs' : "each tool call is logged where it runs with the tool's name and its input"} (${c.callee} in ${shortName(c.fn)}, ${at(c.file, c.line)}), and the logs are written to a file (${sink.callee} at ${at(sink.file, sink.line)})`, [
        ev(c.file, c.line, `${c.callee}(${c.args.join(', ').slice(0, 60)}) ${code ? 'logs the code it runs' : "logs the tool's name and input"}`),
        ev(sink.file, sink.line, `${sink.callee}(…) writes the logs to a file`),
      ], 'low');
    }
    const traced = toolTraces(ctx);
    const traceEv = (t: ToolTrace) => t.calls.map((c) => ev(c.file, c.line, `${c.callee}(${c.args.join(', ').slice(0, 60)}) traces the tool call${c === t.calls[0] ? '' : "'s " + (TRACED_INPUT.test(c.args.join(' ')) ? 'arguments' : 'outcome')}`));
    if (traced?.write) {
      const c = traced.calls[0];
      return finding('present', `each tool call is traced where it runs, with its name, arguments and response or error (${c.callee} in ${shortName(c.fn)}, ${at(c.file, c.line)}), and the trace helper writes it down (${traced.write.callee} at ${at(traced.write.file, traced.write.line)})`, [
        ...traceEv(traced),
        ev(traced.write.file, traced.write.line, `${traced.write.callee}(…) in ${traced.write.fn} writes the trace`),
      ], 'low');
    }
    if (saves.length) {
      const t = saves[0];
      return finding('partial', `the agent's history (tool calls and results) is saved only ${/command branch/.test(t.optIn!.cond) ? 'on demand' : 'when a target is configured'}: ${t.how}, skipped when ${t.optIn!.cond} (${at(t.optIn!.file ?? t.call.file, t.optIn!.line)})`, [
        ev(t.call.file, t.call.line, t.how),
        ev(t.optIn!.file ?? t.call.file, t.optIn!.line, `skipped when ${t.optIn!.cond}: opt-in`),
        ...recs.slice(0, 1).map(evid),
      ]);
    }
    if (recs.length) {
      return finding('partial', `tool executions are recorded (${recs[0].where} at ${at(recs[0].o.file, recs[0].o.line)}) but without their inputs`, recs.slice(0, 3).map(evid));
    }
    if (traced) {
      const c = traced.calls[0];
      return finding('partial', `each tool call is traced where it runs, with its name, arguments and response or error (${c.callee} in ${shortName(c.fn)}, ${at(c.file, c.line)}), but the trace is kept in memory: the helper writes no file or database`, traceEv(traced), 'low');
    }
    const logs = commandLogs(ctx);
    if (logs.length) {
      return finding('partial', `some actions are logged as messages (${logs[0].reason}), but tool calls are not recorded with their inputs and outcomes`, logs);
    }
    const events = toolEvents(ctx);
    if (events.length) {
      return finding('partial', `tool calls are announced as events where they run (${events[0].reason}), but nothing records them with their inputs and outcomes`, events);
    }
    const stored = storedConversations(ctx);
    if (stored.length) {
      const { call, caller } = stored[0];
      return finding('partial', `the conversation's messages are stored (${call.callee}() in ${shortName(call.fn)}, ${at(call.file, call.line)}, called from ${shortName(caller.fn)}), but tool calls are not recorded with their inputs and outcomes on the agent's path`, [
        ev(call.file, call.line, `${call.callee}(${call.args.join(', ').slice(0, 50)}) stores the conversation's messages`),
        ev(caller.file, caller.line, `${caller.callee}() in ${shortName(caller.fn)} saves them`),
      ], 'low');
    }
    if (kept.length) {
      const o = kept[0];
      const keys = (x: ObjectFact) => x.keys.filter((k) => TOOL_KEY.test(k) || INPUT_KEY.test(k) || OUTCOME_KEY.test(k)).slice(0, 5).join(', ');
      // A record class is shown where a record is made (`ToolCallMessage(tool_name=…)` in the loop), then declared.
      const cls = o.ctx.startsWith('class:') ? o.ctx.slice(6) : '';
      const made = cls ? ctx.callsNamed(cls).find((c) => !TEST_PATH.test(c.file) && !UI_FILE.test(c.file) && c.fn !== '<top>') : undefined;
      return finding('partial', `tool calls are kept as records with their inputs and outcomes (${o.ctx.replace(/^(\w+):/, '$1 ')} at ${at(o.file, o.line)}: ${keys(o)}), but only in memory: nothing writes them down or hands them to a log`, [
        ...(made ? [ev(made.file, made.line, `${made.callee}(…) in ${shortName(made.fn)} makes a record of the tool call, kept in memory`)] : []),
        ...kept.slice(0, 2).map((x) => ev(x.file, x.line, `${x.ctx.replace(/^(\w+):/, '$1 ')}: ${keys(x)}, kept in memory`)),
      ], 'low');
    }
    const sent = stepAnalytics(ctx);
    if (sent.length) {
      return finding('partial', `each step the agent takes is sent to product analytics or telemetry (${sent[0].reason}, ${at(sent[0].file, sent[0].line)}): the vendor keeps a record of the run, but the harness keeps none of its own with each tool call's inputs and outcome`, sent, 'low');
    }
    // The session check found the conversation saved where none of the records above did: the saved conversation
    // keeps the tool calls and results it carries (a chat app's stored messages, a step loop's saved history), the
    // only record of what the agent did. Labels read that as a partial trail, never an absent one. Asked only here,
    // on the way to 'absent'; the session rule's finding is computed once per audit (detectOnce) and shared.
    const session = detectOnce(ctx, sessionSave);
    if (session.level !== 'absent' && session.evidence.length) {
      const first = session.evidence[0];
      return finding('partial', `the conversation is saved (${first.reason}, ${at(first.file, first.line)}), and with it whatever of the tool calls and results it carries, but no record of tool calls with their inputs and outcomes was found apart from it`, [
        ev(first.file, first.line, `${first.reason}: the saved conversation is the only record of the tool calls`),
      ], 'low');
    }
    const steps = stepStores(ctx);
    if (steps.length) {
      return finding('partial', `each step of the run is kept as a record the harness holds (${steps[0].reason}, ${at(steps[0].file, steps[0].line)}), but nothing writes it down: the record outlives no process`, steps, 'low');
    }
    // Nothing in the harness writes to a file or database at all: no trail can exist.
    const writes = persistOps(ctx).some(storesData) || !!fileLogSink(ctx);
    // An analytics client capturing events (`posthog.capture('item_generated', …)`) sends records to a
    // service that keeps them: no file or database of its own, but not sure to be no trail.
    const analytics = ['capture', 'track', 'trackEvent', 'logEvent'].map((n) => ctx.callsNamed(n).find((c) => c.callee.includes('.') && !TEST_PATH.test(c.file))).find(Boolean);
    // Never 'high': a harness that writes nothing can still keep a trail that outlives no process but is
    // one all the same (the transcript with each tool call and result handed back to the caller, action
    // records sent to a structured logger's stdout), and on harnesses outside the corpus such verdicts
    // were labelled partial as often as absent.
    return finding('absent', `no record of tool calls (name, inputs, outcome) or permission decisions was found; at most they are printed${writes ? '' : analytics ? ` (the harness writes no file or database; it only sends analytics events, ${analytics.callee} at ${at(analytics.file, analytics.line)})` : ' (the harness writes no file or database)'}`, [], 'low');
  },
});
