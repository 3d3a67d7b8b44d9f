import type { CallFact, ClassFact, FileFacts, ObjectFact, TypeFact } from '../../analyzers/facts.js';
import { folderOf, paramName, shortName, type Located, type RuleContext } from '../context.js';
import { agentLoops, byFileInOrder, GENERIC, isDirectModelCall, loopReachable, modelCalls, modelTurnCalls } from '../shared/loop.js';
import { workspaceDirOf } from '../shared/imports.js';
import { toolDeclarations } from '../shared/tools.js';
import { allClasses, allTypes, at, bySite, ev, finding, objectsByKey, subclassesOf } from '../shared/scan.js';
import { TEST_PATH } from '../shared/tests.js';
import { defineRule, type Evidence } from '../types.js';

/** Names of types that describe what a loop streams to its consumers. */
const EVENT_NAME = /event|chunk|update|notification|signal|streampart|stream_?message|emission/i;
/** Event classes (Python dataclasses, TS classes) may also be steps of the run. */
const EVENT_CLASS = /event|chunk|update|notification|signal|emission|step(?!s?Config)/i;
const NOT_EVENT = /props|config|options|command|request|response|params|args|input|schema|state$|status$|(?:transport|emitter|listener|handler|sink|exporter|subscriber|dispatcher)s?$/i;
/** Calls that hand an event to consumers. */
const EMIT_CALL = /^(?:emit|fire|dispatch|dispatchEvent|publish|send|post|postMessage|notify|broadcast|trigger|next|enqueue|write|yield)$/;
const EMIT_NAMES = new Set(['emit', 'fire', 'dispatch', 'dispatchEvent', 'publish', 'send', 'post', 'postMessage', 'notify', 'broadcast', 'trigger', 'next', 'enqueue', 'write', 'yield']);
/** A message's severity grade, not the kind of an event. */
const SEVERITY = /^(?:info|information|debug|trace|verbose|notice|warn|warning|error|fatal|critical|success|log)$/i;
/**
 * An error or stop kind, by a word of its name (`run.failed`, `message_end`, `AgentEnd`,
 * `MaxTurnsExceeded`), not by letters inside another word (`append`, `pending`, `sender`).
 */
const STOP_WORD = /^(?:error|fail|abort|stop|cancel|end(?:ed|s)?$|finish|done|complete|max|limit|overflow|interrupt|final|blocked|denied)/;
const STOP_TAG = { test: (tag: string): boolean => tag.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).some((w) => STOP_WORD.test(w)) };

interface Candidate {
  type: Located<TypeFact>;
  /** A union or enum type the code declares (not a schema value, a hook class or a class family). */
  declared?: boolean;
  /** A family of three or more subclasses of one event base class, each constructed by the code. */
  family?: boolean;
  tags: string[];
  emitted: Evidence[];
  stops: string[];
  /** For a hook interface: the stop hooks that end or fail the run itself (not one content stream or tool). */
  runStops?: string[];
}

/** Source calls whose first argument is a string literal (built once). */
function literalFirstArgCalls(ctx: RuleContext) {
  // Constructions and emits only: `server.once('error', …)` listens, it does not emit.
  return ctx.memo('typed-events:literal-first-arg-emits', () => {
    const out: Located<CallFact>[] = [];
    for (const c of ctx.calls) {
      // Name first (a Set lookup), the literal test last: few calls are constructions or emits.
      // An emitter method named for what it emits (`this.emitTaskEvent('start', task)`) takes the kind first too.
      if (!EMIT_NAMES.has(c.name) && !c.callee.startsWith('new ') && !EMITTER.test(unprefixed(c.name))) continue;
      const a = c.args[0];
      if (a !== undefined && LITERAL_ARG.test(a)) out.push(c);
    }
    return out;
  });
}
const LITERAL_ARG = /^['"`][\w.:-]+['"`]$/;

/** Emitters named for what they do (`emitEvent`, `fireChange`, `publishStatus`). */
const EMITTER = /^(?:emit|fire|dispatch|publish|notify|broadcast|trigger)[A-Z_]?\w*$/;

type EnumArg = { c: Located<CallFact>; member: string; first: boolean };
const ENUM_MEMBER = /^([A-Z]\w*)\.([A-Za-z_]\w*)$/;

/** Emit-like calls passing `Enum.Member` as an argument, by enum name, in one pass over the calls. */
function enumMemberArgs(ctx: RuleContext): Map<string, EnumArg[]> {
  return ctx.memo('typed-events:enum-member-args', () => {
    const m = new Map<string, EnumArg[]>();
    // The name test once per distinct callee name (thousands of calls share a few hundred names),
    // found through the by-name index, then walked per file in file order (the calls' order).
    const picked: Located<CallFact>[] = [];
    // Only calls with an argument that may be `Enum.Member` (a capital first, a dot): a cheap test before ordering them.
    const mayPass = (c: CallFact) => {
      for (const a of c.args) {
        const c0 = a.charCodeAt(0);
        if (c0 >= 65 && c0 <= 90 && a.includes('.')) return true;
      }
      return false;
    };
    for (const [name, list] of ctx.callNames()) {
      const bare = unprefixed(name);
      if (EMIT_NAMES.has(bare) || EMITTER.test(bare) || SEND_EVENT.test(bare)) for (const c of list) if (mayPass(c)) picked.push(c);
    }
    const byFile = byFileInOrder(ctx, picked);
    for (const f of ctx.source) for (const c of byFile.get(f.path) ?? []) {
      const args = c.args;
      for (let i = 0; i < args.length; i++) {
        const a = args[i];
        // `Enum.Member` starts with a capital and has a dot: a cheap test before the pattern.
        const c0 = a.charCodeAt(0);
        if (c0 < 65 || c0 > 90 || !a.includes('.')) continue;
        const hit = ENUM_MEMBER.exec(a);
        if (!hit) continue;
        const list = m.get(hit[1]);
        if (list) list.push({ c, member: hit[2], first: i === 0 });
        else m.set(hit[1], [{ c, member: hit[2], first: i === 0 }]);
      }
    }
    return m;
  });
}

/** A private emitter is still an emitter: `self._emit(…)`, `this._send(…)`. */
const unprefixed = (name: string): string => (name.charCodeAt(0) === 95 ? name.replace(/^_+/, '') : name);

/** `emit(Enum.Member, …)`: an emit-like call with the member as its first argument. */
const enumFirstArgCalls = (ctx: RuleContext, name: string): Located<CallFact>[] =>
  (enumMemberArgs(ctx).get(name) ?? []).filter((x) => x.first && (EMIT_CALL.test(unprefixed(x.c.name)) || SEND_EVENT.test(unprefixed(x.c.name)))).map((x) => x.c);

/** Channels a message kind is handed to as the first argument: `self._send(MessageType.STREAM, …)`. */
const SEND_FIRST = /^(?:send|post|postMessage|emit|publish|notify|broadcast|dispatch|fire|trigger)$/;
/** A channel named for the events it sends: `send_event(ChatEvent.STATUS, …)`, `sendUpdate(UpdateKind.DONE, …)`. */
const SEND_EVENT = /^(?:send|post|push|stream|yield)_?(?:[eE]vent|[uU]pdate)$/;

/**
 * `emitEvent(actor, Enum.Member, …)`: an emitter passing the member in any argument; or a message
 * channel (`send`, `post`) taking the member as its first argument, the kind of what it sends.
 */
const enumArgEmits = (ctx: RuleContext, name: string): EnumArg[] =>
  (enumMemberArgs(ctx).get(name) ?? []).filter((x) => EMITTER.test(x.c.name) || (x.first && (SEND_FIRST.test(unprefixed(x.c.name)) || SEND_EVENT.test(unprefixed(x.c.name)))));

/**
 * Objects (not type literals) that carry `key`, with the key's value unquoted, in source order:
 * built once per key, since every union with that discriminant is matched against them.
 */
function taggedObjects(ctx: RuleContext, key: string): Array<{ o: Located<ObjectFact>; raw?: string; v: string }> {
  return ctx.memo(`typed-events:tagged:${key}`, () => {
    const out: Array<{ o: Located<ObjectFact>; raw?: string; v: string }> = [];
    for (const o of objectsByKey(ctx).get(key) ?? []) {
      const raw = o.values[key];
      if (!o.ctx.startsWith('type:')) out.push({ o, raw, v: (raw ?? '').replace(/^['"`]|['"`]$/g, '') });
    }
    return out;
  });
}

/** A type declared in TypeScript is emitted by TypeScript code, not matched against Python dicts with the same tags. */
const sameLang = (a: string, b: string): boolean => a.endsWith('.py') === b.endsWith('.py');
/** Front-end code (components, a `ui/` package): objects there are render state, not what the loop emits. */
const UI_FILE = /\.(?:tsx|jsx|vue|svelte)$|(?:^|\/)(?:ui|components|frontend|webview-ui|pages)\//;
/** An emission site for a type declared in `typeFile`: same language, and not front-end code. */
const emitSite = (typeFile: string, file: string): boolean => sameLang(typeFile, file) && !uiFile(file);
/** `UI_FILE` per path, tested once (every candidate type re-reads the same tagged objects). */
const UI_FILES = new Map<string, boolean>();
function uiFile(file: string): boolean {
  let ui = UI_FILES.get(file);
  // A Python `ui/` package renders nothing itself: it is the adapter that sends the loop's messages to a front end.
  if (ui === undefined) UI_FILES.set(file, (ui = UI_FILE.test(file) && !file.endsWith('.py')));
  return ui;
}

const ENUM_KEYS = ['type', 'kind', 'event', 'eventType', 'tag'];

/**
 * Objects whose `type`/`kind`/`event`/`eventType`/`tag` value is dotted (`Enum.Member`), by key and
 * by the value's first segment, in source order: each enum then reads only the objects naming it.
 */
function enumValued(ctx: RuleContext): Map<string, Map<string, Located<ObjectFact>[]>> {
  return ctx.memo('typed-events:enum-valued', () => {
    const byKey = objectsByKey(ctx);
    const out = new Map<string, Map<string, Located<ObjectFact>[]>>();
    for (const k of ENUM_KEYS) {
      const m = new Map<string, Located<ObjectFact>[]>();
      out.set(k, m);
      for (const o of byKey.get(k) ?? []) {
        const v = o.values[k];
        if (!v) continue;
        const dot = v.indexOf('.');
        if (dot < 0) continue;
        const head = v.slice(0, dot);
        const list = m.get(head);
        if (list) list.push(o);
        else m.set(head, [o]);
      }
    }
    return out;
  });
}

/**
 * A union of named member types (`type AgentEvent = ThinkingEvent | ToolStartEvent | DoneEvent`) takes
 * its discriminant and tags from the members' declarations (`interface ToolStartEvent { type: 'tool_start' }`):
 * three or more members declared in the same language with the same literal-tagged property.
 */
function withMemberTags(ctx: RuleContext, t: Located<TypeFact>): Located<TypeFact> {
  // Only an event-named union is read as one (other names go to the enum and literal-union paths).
  if (t.kind !== 'union' || t.members.length < 3 || !EVENT_NAME.test(t.name) || NOT_EVENT.test(t.name)) return t;
  // Inline variants beside named ones (`{ type: 'agent_start' } | StreamPart`) take nothing else from a named member without tags.
  if (t.tags.length && !t.members.some((m) => /^[A-Za-z_$][\w$]*$/.test(m))) return t;
  const byName = ctx.memo('typed-events:types-by-name-all', () => {
    const m = new Map<string, Located<TypeFact>[]>();
    for (const x of allTypes(ctx)) {
      const list = m.get(x.name);
      if (list) list.push(x);
      else m.set(x.name, [x]);
    }
    return m;
  });
  const byKey = new Map<string, string[]>();
  for (const name of t.members) {
    if (!/^[A-Za-z_$][\w$]*$/.test(name)) continue;
    const decls = (byName.get(name) ?? []).filter((d) => sameLang(d.file, t.file) && d.discriminant && d.tags.length);
    const d = decls.find((x) => x.file === t.file) ?? (decls.length === 1 ? decls[0] : undefined);
    if (!d) continue;
    const list = byKey.get(d.discriminant!);
    if (list) list.push(...d.tags);
    else byKey.set(d.discriminant!, [...d.tags]);
  }
  // Inline variants beside named ones: the named members' kinds under the same discriminant are the union's too.
  if (t.tags.length) {
    const more = t.discriminant ? byKey.get(t.discriminant) : undefined;
    return more?.length ? { ...t, tags: [...new Set([...t.tags, ...more])] } : t;
  }
  let best: [string, string[]] | undefined;
  for (const e of byKey) if (!best || e[1].length > best[1].length) best = e;
  if (!best || new Set(best[1]).size < 3) return t;
  return { ...t, discriminant: best[0], tags: [...new Set(best[1])] };
}

/** Methods whose literal first argument is a key or a name, not the kind of a message. */
const NOT_KIND_METHOD = /^(?:get|set|has|delete|includes|indexOf|startsWith|endsWith|push|log|debug|info|warn|error|t|on|once|off|addEventListener|removeEventListener|getItem|setItem|require|import|describe|it|test|expect|equal|toBe|toEqual|useState|getConfiguration|executeCommand|registerCommand|query|querySelector|fetch|join|split|replace|match|test)$/;

/** Calls in the agent loops' files whose first argument is a string literal, by that literal (unquoted). */
function literalFirstArgIndex(ctx: RuleContext, loopFiles: Set<string>): Map<string, Located<CallFact>[]> {
  return ctx.memo('typed-events:literal-first-arg-index', () => {
    const m = new Map<string, Located<CallFact>[]>();
    for (const path of loopFiles) {
      const f = ctx.file(path);
      if (!f || uiFile(f.path)) continue;
      for (const c of f.calls as Located<CallFact>[]) {
        const a = c.args[0];
        if (!a) continue;
        const q = a.charCodeAt(0);
        if ((q !== 34 && q !== 39 && q !== 96) || !LITERAL_ARG.test(a) || NOT_KIND_METHOD.test(c.name) || c.callee.startsWith('new ')) continue;
        const v = a.slice(1, -1);
        const list = m.get(v);
        if (list) list.push(c);
        else m.set(v, [c]);
      }
    }
    return m;
  });
}

/**
 * A string-literal union of message kinds (`type UiMessage = 'task' | 'error' | 'request_started' | …`) handed,
 * kind by kind, as the first argument of one consumer method (`this.say('request_started')`) in the loop's
 * files: the method's parameter is typed by the union, so each call emits a typed message.
 */
function literalUnionEmits(ctx: RuleContext, t: Located<TypeFact>, loopFiles: Set<string>): Evidence[] {
  const index = literalFirstArgIndex(ctx, loopFiles);
  const found: Array<[string, Located<CallFact>]> = [];
  for (const tag of new Set(t.tags)) for (const c of index.get(tag) ?? []) if (sameLang(t.file, c.file)) found.push([tag, c]);
  let best = widestChannel(found, () => true);
  // The loop's driver may report the run instead of the loop itself: a use case that starts the agent and hands
  // each record kind to its sink (`_emit('run_started', …)`, `_emit('run_failed', …)`) outside the loop's file.
  // Outside the loop's files only an emitter-named channel counts, and its kinds must include an end or a failure.
  if (!best) best = emitterKindCalls(ctx, t);
  if (!best) return [];
  const calls = [...best.values()];
  return calls.map((c) => ev(c.file, c.line, `${c.callee}(${c.args[0]}) emits a ${t.name} message`));
}

/**
 * One emitter-named method (`emit`, `_emit`, `emitRecord`) handed four or more of a literal union's kinds as its
 * first argument anywhere in the harness (not tests, not front-end code), an end or failure kind among them.
 */
const DRIVER_EMITTER = /^(?:emit|fire|publish|notify|broadcast|trigger)(?:[A-Z_]\w*)?$/;
function emitterKindCalls(ctx: RuleContext, t: Located<TypeFact>): Map<string, Located<CallFact>> | undefined {
  // Log levels grade a message; they are not the kinds of a run's records.
  if (/level|severity/i.test(t.name) || t.tags.every((x) => SEVERITY.test(x))) return undefined;
  const tags = new Set(t.tags);
  const found: Array<[string, Located<CallFact>]> = [];
  for (const c of literalFirstArgCalls(ctx)) {
    // An event emitter's own verb: a transport's `send`/`write`/`postMessage` names IPC channels or frames, a reducer's `dispatch` actions.
    // A callback registry's phases (`_trigger_callbacks('agent_run_end')`) are hook points, not records handed to consumers.
    if (c.callee.startsWith('new ') || !DRIVER_EMITTER.test(unprefixed(c.name)) || /callback|hook|listener|handler/i.test(c.name)) continue;
    const tag = c.args[0].slice(1, -1);
    if (!tags.has(tag) || !emitSite(t.file, c.file) || TEST_PATH.test(c.file)) continue;
    found.push([tag, c]);
  }
  return widestChannel(found, (kinds) => kinds.some((k) => STOP_TAG.test(k)));
}

/**
 * The channel (the emitting method's name) handed the most of a union's kinds, four at least, first call per kind.
 * A private wrapper of the same channel is the same method: `_emit('run_failed', …)` beside `sink.emit('tool_call', …)`.
 */
function widestChannel(found: Iterable<[string, Located<CallFact>]>, ok: (kinds: string[]) => boolean): Map<string, Located<CallFact>> | undefined {
  const byName = new Map<string, Map<string, Located<CallFact>>>();
  for (const [tag, c] of found) {
    const name = unprefixed(c.name);
    let m = byName.get(name);
    if (!m) byName.set(name, (m = new Map()));
    if (!m.has(tag)) m.set(tag, c);
  }
  let best: Map<string, Located<CallFact>> | undefined;
  for (const m of byName.values()) {
    if (m.size < 4 || !ok([...m.keys()])) continue;
    if (!best || m.size > best.size) best = m;
  }
  return best;
}

/** An object literal passed straight to an emitting call or a consumer callback: `emit({…})`, `callback.onMessage({…})`. */
function handedToConsumer(o: ObjectFact): boolean {
  if (!o.ctx.startsWith('arg:')) return false;
  const name = unprefixed(o.ctx.slice(4).split('.').pop() ?? '');
  return EMIT_NAMES.has(name) || EMITTER.test(name) || /^on[A-Z]\w*$/.test(name);
}

function unionCandidates(ctx: RuleContext): Candidate[] {
  const loopFileSet = new Set(agentLoops(ctx).map((l) => l.file));
  const out: Candidate[] = [];
  for (const t0 of allTypes(ctx)) {
    const t = withMemberTags(ctx, t0);
    if (!EVENT_NAME.test(t.name) || NOT_EVENT.test(t.name)) {
      // (A Python `Literal[…]` alias keeps its whole text as one member: its tags are its members.)
      const literalOnly = t.tags.length === t.members.length || (t.members.length === 1 && /^(?:typing\.)?Literal\[/.test(t.members[0]) && t.file.endsWith('.py'));
      // (Without a loop statement of its own, the run may sit in a framework: its driver's emitter still counts.)
      if (t.kind === 'union' && !t.discriminant && new Set(t.tags).size >= 4 && literalOnly) {
        const emitted = literalUnionEmits(ctx, t, loopFileSet);
        // Linked by the literal values only (the method's parameter type is not read): not sure enough for 'high'.
        if (emitted.length) out.push({ declared: false, type: t, tags: [...new Set(t.tags)], emitted, stops: [...new Set(t.tags)].filter((x) => STOP_TAG.test(x)) });
        continue;
      }
      // Whatever its name, an enum whose members are handed to an emitter is the event kind:
      // `context.emitEvent(Actors.SYSTEM, ExecutionState.TASK_START, …)` with three or more members.
      // A log level (`LogLevel.Debug` handed to a sink) grades a message; it is not the kind of an event.
      if (t.kind !== 'enum' || t.members.length < 3 || /level|severity/i.test(t.name)) continue;
      const members = new Set(t.members);
      const emitted: Evidence[] = [];
      const seen = new Set<string>();
      for (const { c, member } of enumArgEmits(ctx, t.name)) {
        if (!members.has(member) || !emitSite(t.file, c.file)) continue;
        if (!seen.has(member)) emitted.push(ev(c.file, c.line, `${c.callee}(…${t.name}.${member}…) emits an event of kind ${t.name}`));
        seen.add(member);
      }
      if (seen.size >= 3) out.push({ declared: true, type: t, tags: t.members, emitted, stops: t.members.filter((m) => STOP_TAG.test(m)) });
      continue;
    }
    const tags = [...new Set(t.tags)];
    // Kinds that are all severity grades (`type: 'info' | 'warning' | 'error' | 'success'`) rate a message; they are not events.
    if (tags.length && tags.every((x) => SEVERITY.test(x))) continue;
    if (t.kind === 'enum') {
      if (t.members.length < 3) continue;
      // Enum of event kinds: emitted when objects carry `Enum.Member` as a value.
      const members = new Set(t.members);
      const emitted: Evidence[] = [];
      const seen = new Set<string>();
      const prefix = `${t.name}.`;
      const dot = t.name.indexOf('.');
      const head = dot < 0 ? t.name : t.name.slice(0, dot);
      const valued = enumValued(ctx);
      for (const k of ENUM_KEYS) {
        for (const o of valued.get(k)?.get(head) ?? []) {
          const v = o.values[k];
          if (!v?.startsWith(prefix)) continue;
          const m = v.slice(prefix.length);
          if (!members.has(m)) continue;
          if (!seen.has(m)) emitted.push(ev(o.file, o.line, `emits ${v}`));
          seen.add(m);
        }
      }
      // Or passed as the event name: `this.emit(TaskEventName.Aborted, …)`.
      if (seen.size < 2) {
        for (const c of enumFirstArgCalls(ctx, t.name)) {
          const m = c.args[0].slice(prefix.length);
          if (!members.has(m)) continue;
          if (!seen.has(m)) emitted.push(ev(c.file, c.line, `${c.callee}(${c.args[0]}) emits an event`));
          seen.add(m);
        }
      }
      const stops = t.members.filter((m) => STOP_TAG.test(m));
      out.push({ declared: true, type: t, tags: t.members, emitted: seen.size >= 2 ? emitted : [], stops });
      continue;
    }
    if (!t.discriminant && t.kind === 'union' && tags.length >= 3 && /(?:event|chunk|update)_?(?:type|kind|name)s?$/i.test(t.name)) {
      // A string-literal union of event kinds, carried by objects as `type: 'kind'`.
      const tagSet = new Set(tags);
      const emitted: Evidence[] = [];
      const seen = new Set<string>();
      // One emitter method handed two or more of the kinds as its first argument (`this.emitTaskEvent('start', task)`):
      // its parameter is the union, so its calls are the emission sites, before objects that only share a tag.
      const byEmitter = new Map<string, Map<string, Located<CallFact>>>();
      for (const c of literalFirstArgCalls(ctx)) {
        const v = c.args[0].slice(1, -1);
        if (!tagSet.has(v) || !EMITTER.test(unprefixed(c.name)) || !emitSite(t.file, c.file)) continue;
        let m = byEmitter.get(c.name);
        if (!m) byEmitter.set(c.name, (m = new Map()));
        if (!m.has(v)) m.set(v, c);
      }
      let own: Map<string, Located<CallFact>> | undefined;
      for (const m of byEmitter.values()) if (m.size >= 2 && (!own || m.size > own.size)) own = m;
      for (const [v, c] of own ?? []) {
        emitted.push(ev(c.file, c.line, `${c.callee}('${v}') emits an event`));
        seen.add(v);
      }
      if (!own) for (const k of ['type', 'kind', 'event', 'eventType']) {
        for (const { o, v } of taggedObjects(ctx, k)) {
          if (!tagSet.has(v) || !emitSite(t.file, o.file)) continue;
          if (!seen.has(v)) emitted.push(ev(o.file, o.line, `emits { ${k}: '${v}' }`));
          seen.add(v);
        }
      }
      // Event classes constructed with the kind as first argument: `new RunItemEvent('tool_called', …)`.
      if (seen.size < 2) {
        for (const c of literalFirstArgCalls(ctx)) {
          const v = c.args[0].slice(1, -1);
          if (!tagSet.has(v) || !emitSite(t.file, c.file)) continue;
          if (!seen.has(v)) emitted.push(ev(c.file, c.line, `${c.callee}('${v}') emits an event`));
          seen.add(v);
        }
      }
      out.push({ declared: true, type: t, tags, emitted: seen.size >= 2 ? emitted : [], stops: tags.filter((x) => STOP_TAG.test(x)) });
      continue;
    }
    if (!t.discriminant || tags.length < 3) continue;
    // A `status` field describes a state, not the kind of an event.
    if (t.discriminant === 'status' && !/event/i.test(t.name)) continue;
    const tagSet = new Set(tags);
    // Per kind, the first object handed to an emitter or a consumer callback (`callback.onMessage({ type: 'agent_start' })`),
    // else the first carrying it: a generic kind (`type: 'text'`) is also a content part's tag elsewhere.
    const first = new Map<string, { o: Located<ObjectFact>; handed: boolean }>();
    for (const { o, raw, v } of taggedObjects(ctx, t.discriminant)) {
      if (!raw) continue;
      const tag = tagSet.has(v) ? v : tagSet.has(v.slice(v.lastIndexOf('.') + 1)) ? v.slice(v.lastIndexOf('.') + 1) : undefined;
      if (!tag || !emitSite(t.file, o.file)) continue;
      const prev = first.get(tag);
      if (prev?.handed) continue;
      const h = handedToConsumer(o);
      if (!prev || h) first.set(tag, { o, handed: h });
    }
    const emitted = [...first.entries()]
      .sort((a, b) => Number(b[1].handed) - Number(a[1].handed))
      .map(([tag, { o }]) => ev(o.file, o.line, `emits { ${t.discriminant}: '${tag}' }`));
    out.push({ declared: true, type: t, tags, emitted: first.size >= 2 ? emitted : [], stops: tags.filter((x) => STOP_TAG.test(x)) });
  }
  return out;
}

/** Methods that hand what they take to a consumer channel: `put_queue(self, data: ActionData)`, `emit_event(ev: LoopEvent)`. */
const CHANNEL_FN = /^_*(?:put|emit|send|publish|push|enqueue|notify|dispatch|broadcast|stream|yield)(?:_|[A-Z]|$)/;

/** Python type names a channel method takes (`data: ActionData`, `item: Optional[ActionData]`), by name: that method. */
function channelParamTypes(ctx: RuleContext): Map<string, Evidence> {
  return ctx.memo('typed-events:channel-param-types', () => {
    const m = new Map<string, Evidence>();
    for (const f of ctx.source) {
      if (!f.path.endsWith('.py')) continue;
      for (const fn of f.functions) {
        if (!CHANNEL_FN.test(shortName(fn.name))) continue;
        for (const p of fn.params) {
          const ann = /^\w+\s*:\s*(.+)$/.exec(p)?.[1];
          if (!ann) continue;
          for (const n of ann.match(/\b[A-Z]\w*\b/g) ?? []) if (!m.has(n)) m.set(n, ev(f.path, fn.line, `${shortName(fn.name)}() hands on a ${n}: ${p.slice(0, 60)}`));
        }
      }
    }
    return m;
  });
}

/**
 * A Python union of models each tagged by a literal discriminant (`ActionData = (ActionStartData | ActionEndData | …)`,
 * every member declaring `action: Literal[Action.end]`), whatever the union's name, that a channel method takes
 * (`put_queue(self, data: ActionData)` on the loop's queue): the loop's events, kinds told apart by the tag.
 */
function taggedModelUnion(ctx: RuleContext, t: Located<TypeFact>): Candidate | undefined {
  if (t.kind !== 'union' || !t.file.endsWith('.py') || t.tags.length || t.members.length < 3) return undefined;
  const channel = channelParamTypes(ctx).get(t.name);
  if (!channel) return undefined;
  const byName = ctx.memo('typed-events:py-tagged-models', () => {
    const m = new Map<string, Located<TypeFact>>();
    for (const x of allTypes(ctx)) if (x.kind === 'interface' && x.discriminant && x.tags.length && x.file.endsWith('.py') && !m.has(x.name)) m.set(x.name, x);
    return m;
  });
  const models = t.members.map((n) => byName.get(n)).filter((x): x is Located<TypeFact> => !!x);
  if (models.length < 3 || models.length * 2 < t.members.length) return undefined;
  const tags = [...new Set(models.flatMap((x) => x.tags))];
  const emitted: Evidence[] = [channel];
  for (const x of models) {
    const c = ctx.callsNamed(x.name).find((k) => k.file.endsWith('.py'));
    if (c) emitted.push(ev(c.file, c.line, `emits ${x.name} (${x.discriminant}: ${x.tags[0]})`));
    if (emitted.length >= 6) break;
  }
  if (emitted.length < 3) return undefined;
  // The kinds' own tags first; the models' names only when no tag is a stop (`ToolDoneData` ends one tool, not the run).
  const tagStops = tags.filter((x) => STOP_TAG.test(x));
  const stops = tagStops.length ? tagStops : models.filter((x) => STOP_TAG.test(x.name)).map((x) => x.name);
  return { declared: true, type: t, tags, emitted, stops };
}

/** Python: `StreamEvent = Union[A, B, C]` or a base class with several event/step subclasses. */
function classCandidates(ctx: RuleContext): Candidate[] {
  const out: Candidate[] = [];
  const subs = subclassesOf(ctx);
  const constructed = (name: string) => ctx.callsNamed(name).filter((c) => !c.callee.startsWith('new ') || true);
  for (const t of allTypes(ctx)) {
    if ((t.kind === 'alias' || t.kind === 'union') && !(EVENT_NAME.test(t.name) && !NOT_EVENT.test(t.name))) {
      const tagged = taggedModelUnion(ctx, t);
      if (tagged) out.push(tagged);
      continue;
    }
    if ((t.kind !== 'alias' && t.kind !== 'union') || !EVENT_NAME.test(t.name) || NOT_EVENT.test(t.name)) continue;
    let names: string[];
    if (t.kind === 'union') {
      // `type Event = TurnBegin | TurnEnd | StepBegin` (PEP 695) or `Event: TypeAlias = A | B`: a union of classes.
      if (!t.file.endsWith('.py') || t.tags.length) continue;
      names = t.members.filter((s) => /^[A-Z]\w+$/.test(s));
    } else {
      const m = /^(?:typing\.)?Union\[(.*)/s.exec(t.members.join(' '));
      if (!m) continue;
      names = m[1].split(/[,\s\]]+/).map((s) => s.replace(/…$/, '').trim()).filter((s) => /^[A-Z]\w+$/.test(s));
    }
    if (names.length < 2) continue;
    const emitted: Evidence[] = [];
    for (const n of names) {
      const c = constructed(n)[0];
      if (c) emitted.push(ev(c.file, c.line, `emits ${n}`));
    }
    // Error/stop kinds by name first; output or step classes (a final-answer step) after them.
    const stops = [...names.filter((n) => STOP_TAG.test(n)), ...names.filter((n) => !STOP_TAG.test(n) && /Output|Step/.test(n))];
    // A union of classes the code declares (`ActionStep | FinalAnswerStep`, `Union[TaskStarted, TaskFailed]`): a declared event type.
    out.push({ declared: true, type: t, tags: names, emitted: emitted.length >= 2 ? emitted : [], stops });
  }
  for (const [base, list] of subs) {
    // Subclasses of an emitter (EventEmitter, EventTarget) send events; they are not events.
    if (list.length < 3 || !EVENT_CLASS.test(base) || NOT_EVENT.test(base) || /emitter|target|bus|dispatcher|listener|handler|service/i.test(base)) continue;
    // Subclasses of an event base are events whatever their own names (Action, Observation …).
    const named = list.filter((c) => !/error|exception/i.test(c.name));
    if (named.length < 3) continue;
    const emitted: Evidence[] = [];
    for (const c of named) {
      const call = constructed(c.name)[0];
      if (call) emitted.push(ev(call.file, call.line, `emits ${c.name}`));
    }
    // Or made by the bus from the kind's name: `self.emit('task_started', …)` where `TaskStartedEvent`
    // declares `name: Literal["task_started"] = "task_started"` (the class's literal discriminant).
    if (emitted.length < 2) emitted.push(...discriminantEmits(ctx, named));
    const first = named[0];
    const type: Located<TypeFact> = { name: base, kind: 'alias', line: first.line, members: named.map((c) => c.name), tags: [], exported: true, file: first.file };
    const stops = named.filter((c) => STOP_TAG.test(c.name) || c.members.includes('error')).map((c) => c.name);
    out.push({ type, tags: type.members, emitted: emitted.length >= 2 ? emitted : [], stops, family: true });
  }
  return out;
}

const unquote = (v: string): string => v.replace(/^['"`]|['"`]$/g, '');

const CLASS_TAG_KEYS = ['name', 'type', 'kind', 'event', 'event_type', 'eventType'];

/**
 * Emits of event classes by their literal discriminant: an emit-like call whose first argument is the
 * literal one of the classes declares as its `name` / `type` value (the bus builds the class from it).
 * One site per class, in the classes' own language, outside UI files.
 */
function discriminantEmits(ctx: RuleContext, classes: Located<ClassFact>[]): Evidence[] {
  const byTag = new Map<string, string>();
  for (const c of classes) {
    const body = ctx.file(c.file)?.objects.find((o) => o.ctx === `class:${c.name}` && o.line >= c.line && o.line <= c.end);
    if (!body) continue;
    for (const k of CLASS_TAG_KEYS) {
      const v = body.values[k];
      if (v && LITERAL_ARG.test(v)) { byTag.set(unquote(v), c.name); break; }
    }
  }
  if (byTag.size < 2) return [];
  const out: Evidence[] = [];
  const seen = new Set<string>();
  for (const call of literalFirstArgCalls(ctx)) {
    if (call.callee.startsWith('new ') || !EMIT_CALL.test(unprefixed(call.name)) && !EMITTER.test(unprefixed(call.name))) continue;
    const cls = byTag.get(unquote(call.args[0]));
    if (!cls || seen.has(cls) || !emitSite(classes[0].file, call.file)) continue;
    seen.add(cls);
    out.push(ev(call.file, call.line, `${call.callee}(${call.args[0]}) emits a ${cls}`));
  }
  return out.length >= 2 ? out : [];
}

/**
 * Event unions declared as schemas: `z.discriminatedUnion('type', [z.object({ type: z.literal('toolUse'), … }), …])`.
 * The tags are the literals of the discriminant in the member objects that follow the call.
 */
function schemaUnions(ctx: RuleContext): Candidate[] {
  const out: Candidate[] = [];
  const byFile = new Map<string, Located<CallFact>[]>();
  for (const c of ctx.callsNamed('discriminatedUnion')) {
    if (!/^['"`]\w+['"`]$/.test(c.args[0] ?? '')) continue;
    const list = byFile.get(c.file);
    if (list) list.push(c);
    else byFile.set(c.file, [c]);
  }
  for (const [path, unions] of byFile) {
    const f = ctx.file(path)!;
    for (const [i, c] of unions.entries()) {
      const key = unquote(c.args[0]);
      const next = unions[i + 1]?.line ?? Infinity;
      const tags: string[] = [];
      for (const o of f.objects) {
        if (o.line <= c.line || o.line >= next) continue;
        const m = /literal\(\s*['"`]([\w:.-]+)['"`]\s*\)/.exec(o.values[key] ?? '');
        if (m && !tags.includes(m[1])) tags.push(m[1]);
      }
      if (tags.length < 3) continue;
      // An event union: named for events, or with lifecycle kinds (a tool's input variants have none).
      if (!EVENT_NAME.test(f.path) && !tags.some((t) => /start|end|delta|done|finish|error|status|progress|update|result/i.test(t))) continue;
      const tagSet = new Set(tags);
      const emitted: Evidence[] = [];
      const seen = new Set<string>();
      for (const { o, v } of taggedObjects(ctx, key)) {
        if (!tagSet.has(v) || !emitSite(f.path, o.file) || (o.file === f.path && o.line > c.line && o.line < next)) continue;
        if (!seen.has(v)) emitted.push(ev(o.file, o.line, `emits { ${key}: '${v}' }`));
        seen.add(v);
      }
      const type: Located<TypeFact> = { name: `${key}-discriminated schema union`, kind: 'union', line: c.line, members: tags, tags, discriminant: key, exported: true, file: f.path };
      out.push({ type, tags, emitted: seen.size >= 2 ? emitted : [], stops: tags.filter((x) => STOP_TAG.test(x)) });
    }
  }
  return out;
}

const HOOK_STOP = /done|end|finish|complete|error|fail|stop|abort|exit|cancel/i;
/** The units of a run whose end or failure a hook can report: the run, a step or turn, the task, the session. */
const RUN_UNIT = /run|step|turn|task|agent|session|loop|episode|iteration/i;

/**
 * A typed hook interface the loop calls: a class or interface with several `on_*` / `onX` methods
 * (on_step_start, on_action_executed, on_run_done) called through a receiver from other code.
 */
function hookInterfaces(ctx: RuleContext): Candidate[] {
  const out: Candidate[] = [];
  const decls: Array<{ name: string; file: string; line: number; members: string[] }> = [];
  for (const c of allClasses(ctx)) decls.push({ name: c.name, file: c.file, line: c.line, members: c.members });
  for (const t of allTypes(ctx)) if (t.kind === 'interface') decls.push({ name: t.name, file: t.file, line: t.line, members: t.members });
  const seenNames = new Set<string>();
  for (const d of decls) {
    if (!/hook|callback|listener|observer|handlers$|events$|subscriber/i.test(d.name) || seenNames.has(d.name)) continue;
    const hooks = d.members.filter((m) => /^on_?[A-Za-z]/.test(m) && m !== 'on' && m !== 'once');
    if (hooks.length < 4) continue;
    const emitted: Evidence[] = [];
    const called = new Set<string>();
    for (const m of hooks) {
      const call = ctx.callsNamed(m).find((c) => c.callee !== m && c.callee.endsWith(`.${m}`) && c.file !== d.file && !/^(?:self|this)\.\w+$/.test(c.callee));
      if (!call) continue;
      called.add(m);
      if (emitted.length < 4) emitted.push(ev(call.file, call.line, `${call.callee}() notifies the hooks`));
    }
    if (called.size < 3) continue;
    seenNames.add(d.name);
    const type: Located<TypeFact> = { name: d.name, kind: 'interface', line: d.line, members: hooks, tags: hooks, exported: true, file: d.file };
    const stops = hooks.filter((h) => called.has(h) && HOOK_STOP.test(h));
    // A stop of the run itself (`on_run_done`, `onTurnError`), not of one piece of streamed content or
    // one tool (`onContentComplete`, `onToolError`, a bare `onFinish` of a stream).
    out.push({ type, tags: hooks, emitted, stops, runStops: stops.filter((h) => RUN_UNIT.test(h)) });
  }
  return out;
}

/**
 * AI SDK typed UI message stream: `UIMessage<Metadata, DataTypes, Tools>` with the repo's own data
 * part types, written as `{ type: 'data-<name>' }` parts; the SDK adds its own error and finish parts.
 */
function uiMessageStreams(ctx: RuleContext): Candidate[] {
  const out: Candidate[] = [];
  const byName = ctx.memo('typed-events:types-by-name', () => new Map(allTypes(ctx).map((t) => [t.name, t])));
  for (const t of allTypes(ctx)) {
    const m = /^UIMessage<\s*[\w.]+\s*,\s*([\w.]+)/.exec(t.members[0] ?? '');
    const data = m && byName.get(m[1]);
    if (!data || data.members.length < 2) continue;
    const keys = new Set(data.members.map((k) => `data-${unquote(k)}`));
    const emitted: Evidence[] = [];
    const seen = new Set<string>();
    for (const { o, v } of taggedObjects(ctx, 'type')) {
      if (!keys.has(v) || !emitSite(data.file, o.file)) continue;
      if (!seen.has(v)) emitted.push(ev(o.file, o.line, `writes a typed { type: '${v}' } stream part`));
      seen.add(v);
    }
    const streamed = ['toUIMessageStream', 'createUIMessageStream', 'toUIMessageStreamResponse', 'createUIMessageStreamResponse'].some((n) => ctx.callsNamed(n).length > 0);
    const stops = [...data.members.filter((k) => STOP_TAG.test(k)), ...(streamed ? ['error (SDK part)', 'finish (SDK part)'] : [])];
    out.push({ type: { ...data, name: data.name, kind: 'alias' }, tags: data.members, emitted: seen.size >= 2 ? emitted : [], stops });
  }
  return out;
}

/**
 * Stop reasons as a family of exception classes the loop raises (Submitted, LimitsExceeded,
 * MaxTurnsExceededError, GuardrailTripwireTriggered …): typed, but thrown rather than emitted.
 */
function typedStopClasses(ctx: RuleContext): { names: string[]; ev: Evidence } | undefined {
  return ctx.memo('typed-events:stop-classes', () => {
    const STOP_CLASS = /exceed|limit|max|tripwire|interrupt|submit|timeout|abort|cancel|stop|exit|refus|denied|blocked|halt/i;
    let best: { names: string[]; ev: Evidence } | undefined;
    const classes = new Map(allClasses(ctx).map((c) => [c.name, c]));
    for (const [base, list] of subclassesOf(ctx)) {
      const baseClass = classes.get(base);
      const errorish = /error|exception/i.test(base) || /error|exception/i.test(baseClass?.extends ?? '');
      if (!errorish || list.length < 3) continue;
      const names = list.filter((c) => STOP_CLASS.test(c.name) || STOP_CLASS.test(base)).map((c) => c.name);
      const raised = names.filter((n) => ctx.callsNamed(n).length > 0);
      if (names.length < 2 || raised.length < 2) continue;
      if (!best || names.length > best.names.length) {
        const at0 = baseClass ?? list[0];
        best = { names, ev: ev(at0.file, at0.line, `${base} subclasses ${names.slice(0, 4).join(', ')} carry typed stop reasons (raised, not emitted)`) };
      }
    }
    return best;
  });
}

const TAG_LITERAL = /^['"`]([a-z][\w:.-]*)['"`]$/;
/** Sinks that are not a consumer channel: logging, storage, maps, assertions. */
const NOT_SINK = /^(?:log|debug|info|warn|error|trace|set|get|has|push|append|add|write|writeFile|save|assign|equal|toEqual|expect|stringify|parse|includes|find|filter|map|render|useState|setState|fetch|post|put)$/i;

const SDK_STREAMS = ['createDataStream', 'createDataStreamResponse', 'createUIMessageStream', 'createUIMessageStreamResponse'];

interface SinkStream {
  sink: string;
  key: string;
  tags: Map<string, Evidence>;
  stops: string[];
}

/**
 * Notifications of a typed protocol: objects tagged by one key with literal kinds
 * (`{ sessionUpdate: "tool_call" }`, `"tool_call_update"`, `"agent_message_chunk"`), handed to the same
 * consumer method (`conn.sessionUpdate(...)`), directly, nested in its argument, or through a variable.
 * The kinds' type comes from the protocol's SDK, so the repo declares no union of its own.
 */
function taggedSinkStreams(ctx: RuleContext): SinkStream | undefined {
  return ctx.memo('typed-events:tagged-sinks', () => {
    const streams = new Map<string, SinkStream>();
    for (const f of ctx.source) {
      // TypeScript only: there the protocol SDK's union types the kinds; a Python dict is not typed by the callee.
      if (f.path.endsWith('.py') || uiFile(f.path) || /(?:^|\/)(?:tests?|__tests__)\/|\.(?:test|spec)\.[cm]?[jt]sx?$/.test(f.path)) continue;
      // Sink of each argument object, and variables handed to a sink (`update` in `sessionUpdate({ sessionId, update })`).
      const argObjs = f.objects.filter((o) => o.ctx.startsWith('arg:'));
      if (!argObjs.length) continue;
      const sinkOf = (o: ObjectFact): string | undefined => {
        let name: string | undefined;
        if (o.ctx.startsWith('arg:')) name = o.ctx.slice(4);
        else if (o.ctx.startsWith('prop:') || o.ctx.startsWith('var:')) {
          const key = o.ctx.slice(o.ctx.indexOf(':') + 1);
          const near = o.ctx.startsWith('prop:') ? 4 : 40;
          const parent = argObjs.find((p) => p.line <= o.line + (o.ctx.startsWith('var:') ? near : 0) && p.line >= o.line - near && p.fn === o.fn && p.keys.includes(key) && p !== o);
          if (parent) name = parent.ctx.slice(4);
        }
        if (!name) return undefined;
        const m = name.replace(/\s+/g, '');
        const last = m.slice(m.lastIndexOf('.') + 1);
        // A method of a connection or client object (`conn.sessionUpdate`), not of a builder chain (`z.string().meta`).
        return last && !NOT_SINK.test(last) && /^[\w$]+(?:\??\.[\w$]+)+$/.test(m) ? last : undefined;
      };
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:')) continue;
        // A literal-valued key first (cheap), then the sink it goes to.
        if (!o.keys.some((k) => TAG_LITERAL.test(o.values[k] ?? ''))) continue;
        const sink = sinkOf(o);
        if (!sink) continue;
        for (const k of o.keys) {
          // Not a discriminant: a message role, a log level, a name or an identifier, or the table or collection
          // a definition is about (`migrations.define({ table: "chats", migrateOne })`).
          if (/^(?:role|level|method|name|id|title|label|description|example|default|key|path|url|table|table_?name|tableName|collection|collection_?name|collectionName)$/i.test(k)) continue;
          const t = TAG_LITERAL.exec(o.values[k] ?? '');
          if (!t) continue;
          const id = `${sink}\u0000${k}`;
          let st = streams.get(id);
          if (!st) streams.set(id, (st = { sink, key: k, tags: new Map(), stops: [] }));
          if (!st.tags.has(t[1])) st.tags.set(t[1], ev(f.path, o.line, `{ ${k}: '${t[1]}' } handed to ${sink}()`));
        }
      }
    }
    let best: SinkStream | undefined;
    // Kinds are compound names (`tool_call_update`, `agentMessageChunk`), not plain words (`cyan`), and the
    // channel is a library's API (the protocol's SDK types it), not a method of the repo's own (a string-channel `send`).
    const compound = (t: string) => /[_:.-]|[a-z][A-Z]/.test(t);
    // Plain words do on the AI SDK's annotation and data channels of a data stream the harness creates
    // (`dataStream.writeMessageAnnotation({ type: 'usage' })`, `'failure'`, `'model'`): the channel is the SDK's, the kinds the harness's.
    const sdkChannel = (st: SinkStream) => st.key === 'type' && /^(?:writeMessageAnnotation|writeData)$/.test(st.sink) && SDK_STREAMS.some((n) => ctx.callsNamed(n).length > 0);
    for (const st of streams.values()) {
      if ((sdkChannel(st) ? st.tags.size : [...st.tags.keys()].filter(compound).length) < 3 || ctx.functionsNamed(st.sink).length) continue;
      if (!best || st.tags.size > best.tags.size) best = st;
    }
    if (!best) return undefined;
    const tagStops = [...best.tags.keys()].filter((t) => STOP_TAG.test(t));
    best.stops = [];
    // A stop reason returned as a literal (`return { stopReason: "end_turn" }`) in the files that notify.
    const files = new Set([...best.tags.values()].map((e) => e.file));
    for (const file of files) {
      for (const o of ctx.file(file)?.objects ?? []) {
        const k = o.keys.find((k) => /^stop_?reason$/i.test(k));
        const t = k && TAG_LITERAL.exec(o.values[k] ?? '');
        if (t && !best.stops.includes(t[1])) best.stops.push(t[1]);
      }
    }
    best.stops.push(...tagStops);
    // Parts written into an AI SDK data stream (`createDataStream`, `createUIMessageStream`): the stream's
    // protocol carries its own typed error and finish parts beside the repo's annotations.
    if (!best.stops.length && /^(?:writeData|writeMessageAnnotation|write)$/.test(best.sink) && SDK_STREAMS.some((n) => ctx.callsNamed(n).length > 0)) best.stops.push('error (SDK part)', 'finish (SDK part)');
    return best;
  });
}

/**
 * A generator that relays one model response: it loops over a model call (`for chunk in
 * completion(…)`) or over a name bound to one (`response = await acompletion(…)`, then `async for
 * chunk in response`). What it yields is the provider's text chunks handed to a model adapter
 * (a LangChain `_stream`, a plugin's `execute`), not the harness's events.
 */
function relaysModelStream(ctx: RuleContext, f: FileFacts, gen: { name: string; line: number; end: number }, depth = 1): boolean {
  const loops = f.loops.filter((l) => l.fn === gen.name && l.kind === 'for-of');
  if (!loops.length) return false;
  const calls = ctx.callsIn(f.path, gen.name);
  // A bare call of a name imported from a model SDK (`from litellm import completion`) is that SDK's call.
  const sdk = (c: CallFact) => {
    if (c.callee !== c.name) return false;
    const im = f.imports.find((i) => i.names.includes(c.name));
    return !!im && isDirectModelCall({ ...c, callee: `${im.from}.${c.name}` });
  };
  // `async for chunk in super()._astream(…)`: a generator that relays another relay (an override of the adapter).
  const relay = (c: CallFact) =>
    depth > 0 && !GENERIC.has(c.name) && ctx.functionsNamed(c.name).some((d) => {
      const df = ctx.file(d.file);
      const fn = df?.functions.find((x) => x.name === d.name && x.generator);
      return !!df && !!fn && fn !== gen && relaysModelStream(ctx, df, fn, depth - 1);
    });
  const modelAt = (line: number) => calls.some((c) => c.line === line && (isDirectModelCall(c) || sdk(c) || relay(c)));
  for (const l of loops) {
    if (modelAt(l.line)) return true;
    const id = /^(?:await\s+)?([A-Za-z_$][\w$]*)$/.exec(l.cond.trim())?.[1];
    const b = id ? (f.binds ?? []).filter((x) => x.fn === gen.name && x.name === id && x.line < l.line).pop() : undefined;
    if (b && modelAt(b.line)) return true;
  }
  return false;
}

/** Methods that turn an AI SDK run's result into the SDK's typed stream (text, tool-call, tool-result, error and finish parts). */
const SDK_RESULT_STREAMS = ['toDataStreamResponse', 'toUIMessageStreamResponse', 'toUIMessageStream', 'toDataStream', 'pipeDataStreamToResponse', 'pipeUIMessageStreamToResponse', 'mergeIntoDataStream'];
/** The AI SDK's runs whose result streams typed parts. */
const SDK_STREAM_RUNS = new Set(['streamText', 'streamUI']);

/**
 * The run's result handed on as the AI SDK's typed stream (`const result = streamText({ … });
 * return result.toDataStreamResponse()`, `result.toUIMessageStream()`): the consumer receives typed
 * tool-call, tool-result, error and finish parts, though the kinds are the SDK's, not the repo's.
 */
function sdkResultStreams(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  for (const name of SDK_RESULT_STREAMS) {
    for (const c of ctx.callsNamed(name)) {
      const f = ctx.file(c.file);
      if (!f || uiFile(f.path)) continue;
      const recv = /^([A-Za-z_$][\w$]*)\./.exec(c.callee)?.[1];
      if (!recv) continue;
      const b = (f.binds ?? []).filter((x) => x.fn === c.fn && x.name === recv && x.line <= c.line).pop();
      const run = b && /^(?:await\s+)?([A-Za-z_$][\w$]*)\s*[<(]/.exec(b.value.trim())?.[1];
      if (!run) continue;
      const imported = f.imports.find((i) => i.from === 'ai' && (i.names.includes(run) || (i.as ?? {})[run] !== undefined));
      const original = imported ? ((imported.as ?? {})[run] ?? run) : undefined;
      if (!original || !SDK_STREAM_RUNS.has(original)) continue;
      out.push(ev(c.file, c.line, `${c.callee}() hands on the ${original}() run (line ${b!.line}) as the AI SDK's typed stream of text, tool-call, tool-result, error and finish parts`));
    }
  }
  return out.sort(bySite);
}

/** The AI SDK's UI message streams (v5): tool parts with a state union, plus the SDK's start, error and finish parts. */
const UI_STREAM_CALLS = ['toUIMessageStreamResponse', 'toUIMessageStream', 'pipeUIMessageStreamToResponse', 'createUIMessageStream', 'createUIMessageStreamResponse'];
/** A repo's own message type over the SDK's: `type ChatMessage = UIMessage<ChatMetadata, DataParts, ChatTools>`, `InferAgentUIMessage<Agent>`. */
const OWN_UI_MESSAGE = /^(?:UIMessage|InferAgentUIMessage|InferUIMessage)\s*</;

/**
 * The loop's run streamed to the client as the AI SDK's UI message stream, typed by the repo: the call
 * (`result.toUIMessageStreamResponse({ messageMetadata })`, `stream.toUIMessageStream<AgentMessage>(…)`) in harness
 * code, with the repo's own layer on the SDK's parts — metadata it attaches per part (`messageMetadata`, e.g. the
 * step's `finishReason`) or a message type it declares over `UIMessage<Metadata, Data, Tools>`. The consumer gets
 * typed tool parts (input/output/error states) and the SDK's error and finish parts. A bare SDK stream with no
 * layer of the repo's own stays the weaker `sdkResultStreams` form.
 */
function typedUiStreams(ctx: RuleContext): { call: Evidence; typed: Evidence[] } | undefined {
  return ctx.memo('typed-events:typed-ui-streams', () => {
    if (!ctx.source.some((f) => f.imports.some((i) => i.from === 'ai'))) return undefined;
    const own = allTypes(ctx).find((t) => t.kind === 'alias' && !TEST_PATH.test(t.file) && OWN_UI_MESSAGE.test(t.members[0] ?? ''));
    for (const name of UI_STREAM_CALLS) {
      for (const c of [...ctx.callsNamed(name)].sort(bySite)) {
        if (TEST_PATH.test(c.file) || uiFile(c.file)) continue;
        // Called on a run's result or as the SDK's builder, not a test double's property (`toUIMessageStreamResponse: vi.fn(…)`).
        if (!c.callee.includes('.') && !/^create/.test(name)) continue;
        const f = ctx.file(c.file);
        const opts = f?.objects.find((o) => o.ctx === `arg:${c.callee}` && o.line >= c.line && o.line <= c.line + 2 && o.keys.includes('messageMetadata'));
        const call = ev(c.file, c.line, `${c.callee}() streams the run to the client as the AI SDK's UI message stream (typed tool parts with input/output/error states, error and finish parts)`);
        const typed = [
          ...(opts ? [ev(c.file, opts.line, `messageMetadata attaches the repo's own typed metadata to the stream's parts`)] : []),
          ...(own ? [ev(own.file, own.line, `${own.name} = ${own.members[0].slice(0, 60)}: the repo's own typed message over the SDK's parts`)] : []),
        ];
        if (typed.length) return { call, typed };
      }
    }
    return undefined;
  });
}

/** The AG-UI protocol's packages (Python `ag_ui.core`, TypeScript `@ag-ui/core`): a typed event union (`EventType`) agents emit to front ends. */
const AGUI_MODULE = /^(?:ag_ui(?:\.[\w.]+)?|@ag-ui\/[\w-]+)$/;
/** Its run-level stop kinds: the run's error and its end. */
const AGUI_STOPS = ['RunErrorEvent', 'RunFinishedEvent'];

/**
 * The harness builds the AG-UI protocol's typed events itself (`yield events.RunStartedEvent(…)`, `RunErrorEvent(message=…)`,
 * `RunFinishedEvent(result=…)`, tool-call and text-message events): a discriminated union with error and stop kinds,
 * declared by the protocol and emitted by the harness's own code, in a repo that imports the protocol's package.
 */
function aguiEvents(ctx: RuleContext): Evidence[] {
  return ctx.memo('typed-events:agui', () => {
    if (!ctx.source.some((f) => f.imports.some((i) => AGUI_MODULE.test(i.from)))) return [];
    const built = new Map<string, Located<CallFact>>();
    for (const name of [...AGUI_STOPS, 'RunStartedEvent', 'ToolCallStartEvent', 'ToolCallResultEvent', 'TextMessageStartEvent', 'StepStartedEvent']) {
      const c = ctx.callsNamed(name).find((x) => !TEST_PATH.test(x.file));
      if (c) built.set(name, c);
    }
    if (!AGUI_STOPS.every((n) => built.has(n)) || built.size < 3) return [];
    return [...built.values()].sort(bySite).map((c) => ev(c.file, c.line, `${c.callee}() builds the AG-UI protocol's typed ${c.name} in ${shortName(c.fn)}()`));
  });
}

/** An event name or kind written as a literal (`'cell:updated'`, `"agent-state"`, `'researchComplete'`). */
const EVENT_LITERAL = /^['"`]([A-Za-z][\w.:-]*)['"`]$/;

/**
 * Events handed to consumers through the repo's own emitter, named by strings rather than a declared
 * type: one emitter method given three or more distinct literal names as its first or second argument
 * (`emit_agent("code", …)`, `wss.broadcast(topic, 'cell:updated', …)`), or given objects tagged with
 * three or more literal kinds (`session.emit('data', { type: 'researchComplete', … })`). A reducer's
 * `dispatch({ type })` is a state action, not an event to consumers; front-end and test files are skipped.
 */
function namedEmitStreams(ctx: RuleContext): Evidence[] {
  return ctx.memo('typed-events:named-emit-streams', () => {
    type Group = { names: Map<string, { e: Evidence; near: number }> };
    const groups = new Map<string, Group>();
    // Near the run first: an emit in a function that asks the model or that the loop reaches, then one in
    // a file of the loop or the model call, not a connect handler's greeting.
    const turns = modelTurnCalls(ctx);
    const modelFns = new Set<string>();
    const modelFiles = new Set<string>(agentLoops(ctx).map((l) => l.file));
    for (const c of [...turns.direct, ...turns.linked]) {
      modelFns.add(`${c.file}#${c.fn}`);
      modelFiles.add(c.file);
    }
    const reach = loopReachable(ctx, 3);
    const nearness = (file: string, fn: string) => {
      const short = shortName(fn);
      return modelFns.has(`${file}#${fn}`) || (reach.has(short) && !GENERIC.has(short)) ? 2 : modelFiles.has(file) ? 1 : 0;
    };
    const add = (key: string, name: string, file: string, fn: string, e: () => Evidence) => {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { names: new Map() }));
      const near = nearness(file, fn);
      const had = g.names.get(name);
      if (!had || near > had.near) g.names.set(name, { e: e(), near });
    };
    // The repo's own emitter under any name: a function that hands one of its parameters on as the event
    // name of an emitter's call (`def push(room, channel, content): socketio.emit(channel, content)`), by
    // its name and the position of that parameter among the ones callers pass.
    const wrappers = new Map<string, number>();
    for (const f of ctx.source) {
      if (uiFile(f.path) || TEST_PATH.test(f.path)) continue;
      for (const fn of f.functions) {
        const params = fn.params.map(paramName).filter((x) => x !== 'self' && x !== 'cls');
        if (!params.length || params.length > 4) continue;
        const short = shortName(fn.name);
        if (EMITTER.test(unprefixed(short)) || GENERIC.has(short)) continue;
        for (const c of ctx.callsIn(f.path, fn.name)) {
          // An event emitter's call (`emit`, `publish`, `broadcast`), not a transport's `send`/`write` of a request.
          if (!EMITTER.test(unprefixed(c.name))) continue;
          const i = params.indexOf((c.args[0] ?? '').trim());
          if (i >= 0 && i < 2) {
            wrappers.set(short, i);
            break;
          }
        }
      }
    }
    for (const f of ctx.source) {
      if (uiFile(f.path) || TEST_PATH.test(f.path)) continue;
      for (const c of f.calls) {
        const bare = unprefixed(c.name);
        const wrapped = wrappers.get(c.name);
        if (wrapped !== undefined) {
          const m = EVENT_LITERAL.exec(c.args[wrapped] ?? '');
          if (m) add(`${c.name}#w`, m[1], f.path, c.fn, () => ev(f.path, c.line, `${c.callee}(${wrapped ? '…, ' : ''}${c.args[wrapped]}, …) hands consumers an event named by a string`));
          continue;
        }
        if (!EMITTER.test(bare)) continue;
        for (let i = 0; i < 2 && i < c.args.length; i++) {
          const m = EVENT_LITERAL.exec(c.args[i]);
          if (m) add(`${c.name}#${i}`, m[1], f.path, c.fn, () => ev(f.path, c.line, `${c.callee}(${i ? '…, ' : ''}${c.args[i]}, …) hands consumers an event named by a string`));
        }
      }
      for (const o of f.objects) {
        if (!o.ctx.startsWith('arg:')) continue;
        const callee = o.ctx.slice(4);
        const bare = unprefixed(callee.slice(callee.lastIndexOf('.') + 1));
        if (!EMITTER.test(bare) || bare.startsWith('dispatch')) continue;
        for (const key of ['type', 'kind', 'event']) {
          const m = EVENT_LITERAL.exec(o.values[key] ?? '');
          if (m) add(`${bare}{${key}`, m[1], f.path, o.fn, () => ev(f.path, o.line, `${callee}({ ${key}: '${m[1]}', … }) hands consumers an event tagged by a string`));
        }
      }
    }
    const nearOf = (g: Group) => Math.max(...[...g.names.values()].map((x) => x.near));
    let best: Group | undefined;
    for (const g of groups.values()) {
      if (g.names.size < 3) continue;
      if (!best || nearOf(g) > nearOf(best) || (nearOf(g) === nearOf(best) && g.names.size > best.names.size)) best = g;
    }
    if (!best) return [];
    const ranked = [...best.names.values()].map((x, i) => ({ ...x, i })).sort((a, b) => b.near - a.near || a.i - b.i);
    return ranked.slice(0, 3).map((x) => x.e);
  });
}

/** Weaker shapes: a streaming generator of chunk objects, string-named emitter events, a kind enum on log entries. */
function weakSignals(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  const chunkTypes = allTypes(ctx).filter((t) => (t.kind === 'interface' || t.kind === 'alias') && /(?:Chunk|Event|Update)$/.test(t.name) && t.members.length >= 2);
  if (chunkTypes.length) {
    for (const f of ctx.source) {
      const gen = f.functions.find((fn) => fn.generator && /run|stream|loop|agent|turn|chat|process|execute/i.test(fn.name) && !/provider|client|parse|sse/i.test(f.path + fn.name) && !relaysModelStream(ctx, f, fn));
      if (gen) {
        const t = chunkTypes[0];
        out.push(ev(f.path, gen.line, `${gen.name}() streams objects`), ev(t.file, t.line, `${t.name} has no event-kind discriminant`));
        break;
      }
    }
  }
  // Objects tagged with a literal kind, yielded by a generator: an event stream without a declared type.
  // Generators in an agent loop's file come first.
  const loopFiles = new Set(agentLoops(ctx).map((l) => l.file));
  const reach = loopReachable(ctx, 3);
  const gens = ctx.source
    .flatMap((f) => f.functions.filter((fn) => fn.generator).map((gen) => ({ f, gen, near: loopFiles.has(f.path) || (reach.has(shortName(gen.name)) && !GENERIC.has(shortName(gen.name))) })))
    .sort((a, b) => Number(b.near) - Number(a.near));
  let bestGen: { score: number; e: Evidence } | undefined;
  for (const { f, gen, near } of gens) {
    const kinds = new Map<string, number>();
    for (const o of f.objects) {
      if (o.line < gen.line || o.line > gen.end || o.ctx.startsWith('type:') || o.ctx.startsWith('arg:')) continue;
      for (const k of ['type', 'kind']) {
        const v = o.values[k];
        if (v && /^['"`][\w:.-]+['"`]$/.test(v) && !kinds.has(v)) kinds.set(v, o.line);
      }
    }
    if (kinds.size < 3) continue;
    // Cite a yielded object (not a message built into a variable) when there is one.
    const yielded = f.objects.find((o) => o.line >= gen.line && o.line <= gen.end && o.ctx === 'other' && kinds.has(o.values.type ?? o.values.kind ?? ''));
    // Near the loop first, then the generator with the most kinds.
    const score = (near ? 1000 : 0) + kinds.size;
    if (!bestGen || score > bestGen.score) {
      bestGen = { score, e: ev(f.path, yielded?.line ?? [...kinds.values()][0], `${gen.name}() yields dicts tagged ${[...kinds.keys()].slice(0, 4).join(', ')} with no declared event type`) };
    }
  }
  if (bestGen) out.unshift(bestGen.e);
  // The agent loop itself runs inside a generator: each turn's result is yielded to the consumer as
  // it happens (a stream of step records), but with no declared event type. Not a generator that
  // relays one model response's chunks.
  if (!out.length) {
    for (const l of agentLoops(ctx)) {
      const f = ctx.file(l.file);
      const gen = f?.functions.find((fn) => fn.name === l.fn && fn.generator);
      // A loop statement (not a function calling itself around a model stream), and not a coroutine that
      // takes its next input from the caller (`reply = yield request`): that is a dialogue, not a report.
      if (!f || !gen || !l.loop || uiFile(f.path) || relaysModelStream(ctx, f, gen)) continue;
      if ((f.binds ?? []).some((b) => b.fn === gen.name && /^(?:await\s+)?\(?yield\b/.test(b.value))) continue;
      out.push(ev(l.file, l.line, `${gen.name}() runs the agent loop as a generator, yielding each step to its consumer`));
      break;
    }
  }
  // String-named events: `emit('turn_start')`, `self.event('message_send', …)`, `track('exit')`.
  const emitNames = new Map<string, { e: Evidence; near: boolean }>();
  for (const name of ['emit', 'event', 'track', 'trackEvent', 'capture', 'logEvent', 'log_event', 'send_event', 'sendEvent']) {
    for (const c of ctx.callsNamed(name)) {
      const a = c.args[0];
      if (a && /^f?['"`][\w:.-]+['"`]$/.test(a) && !emitNames.has(a)) {
        const short = shortName(c.fn);
        emitNames.set(a, { e: ev(c.file, c.line, `${c.callee}(${a}) string-named event`), near: loopFiles.has(c.file) || (reach.has(short) && !GENERIC.has(short)) });
      }
    }
  }
  // Events the loop's path emits first (`this.emit('action', step)` in a tracker the loop calls), not a logger's own `emit('ready')`.
  const named = [...emitNames.values()].sort((x, y) => Number(y.near) - Number(x.near)).map((x) => x.e);
  if (emitNames.size >= 3) out.unshift(...named.slice(0, 2));
  const stops = typedStopClasses(ctx);
  if (stops) out.push(stops.ev);
  for (const k of ['type', 'kind', 'level']) {
    for (const o of objectsByKey(ctx).get(k) ?? []) {
      const v = o.values[k] ?? '';
      const m = /^z\.enum\(\[(.*)\]\)/.exec(v);
      if (m && m[1].split(',').length >= 3 && /error/.test(m[1])) out.push(ev(o.file, o.line, `entries typed by ${k}: ${v.slice(0, 60)}`));
    }
  }
  // Last: events the repo's own emitter hands on, named or tagged by strings.
  if (!out.length) out.push(...namedEmitStreams(ctx));
  return out;
}


/** What a type of states or outcomes is called: `ActionStatus`, `RunState`, `StopReason`, `AIErrorType`, `TaskOutcome`. */
const STATUS_TYPE = /(?:Status|State|Reason|ErrorType|ErrorKind|ErrorCode|Outcome)$/;

/** Every literal handed around as a value (an object's value, a call's argument), trimmed: memoised once per repo. */
function literalValues(ctx: RuleContext): Set<string> {
  return ctx.memo('typed-events:literal-values', () => {
    const out = new Set<string>();
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path)) continue;
      for (const o of f.objects) for (const v of Object.values(o.values)) if (v.length <= 80) out.add(v.trim());
      for (const c of f.calls) for (const a of c.args) if (a.length <= 80) out.add(a.trim());
    }
    return out;
  });
}

/** The stop/error kinds of three or more states or outcomes, when some kinds are not stops (and not all are log levels). */
function stopKinds(kinds: string[]): string[] | undefined {
  if (kinds.length < 3 || kinds.every((x) => SEVERITY.test(x))) return undefined;
  const stops = kinds.filter((x) => STOP_TAG.test(x));
  return stops.length && stops.length < kinds.length ? stops : undefined;
}

/**
 * The weaker form: no event stream, but the run's states or stop reasons are a declared type (a
 * string-literal union or an enum named as a status, state, reason or error type) with error or stop
 * kinds among three or more, and one of those kinds is used as a value somewhere (`status: 'failed'`,
 * `new AIError(AIErrorType.MaxRetries)`). Like stop reasons as typed exception classes, the labels call
 * this partial: outcomes are typed, but nothing emits them as events to consumers.
 */
function typedStatuses(ctx: RuleContext): { type: Located<TypeFact>; stops: string[]; used: string } | undefined {
  return ctx.memo('typed-events:typed-statuses', () => {
    const values = literalValues(ctx);
    const quoted = (x: string) => values.has(`'${x}'`) || values.has(`"${x}"`) || values.has(`\`${x}\``);
    for (const t of allTypes(ctx)) {
      if (TEST_PATH.test(t.file) || !STATUS_TYPE.test(t.name) || /level|severity|http/i.test(t.name)) continue;
      const literalUnion = t.kind === 'union' && !t.discriminant && t.tags.length === t.members.length;
      if (!literalUnion && t.kind !== 'enum') continue;
      const stops = stopKinds(literalUnion ? [...new Set(t.tags)] : t.members);
      const used = stops?.find(literalUnion ? quoted : (x) => values.has(`${t.name}.${x}`));
      if (used) return { type: t, stops: stops!, used: literalUnion ? `'${used}'` : `${t.name}.${used}` };
    }
    // The same as a schema: `const testStatusSchema = z.enum(["pending", "running", "passed", "failed"])`.
    for (const f of ctx.source) {
      if (TEST_PATH.test(f.path)) continue;
      for (const b of f.binds ?? []) {
        if (!/^z\.enum\(\s*\[/.test(b.value)) continue;
        const name = b.name.replace(/_?schema$/i, '');
        if (!STATUS_TYPE.test(name.charAt(0).toUpperCase() + name.slice(1)) || /level|severity|http/i.test(name)) continue;
        const kinds = [...b.value.matchAll(/["'`]([\w-]+)["'`]/g)].map((m) => m[1]);
        const stops = stopKinds(kinds);
        const used = stops?.find(quoted);
        if (used) return { type: { name: b.name, kind: 'enum', line: b.line, members: kinds, tags: kinds, exported: false, file: f.path } as Located<TypeFact>, stops: stops!, used: `'${used}'` };
      }
    }
    return undefined;
  });
}

export default defineRule({
  id: 'logging.typed-events',
  principle: 'logging',
  title: 'The loop emits typed events',
  rationale:
    'Consumers (UI, logs, tests, other agents) can only react reliably to what the loop does when every step, error and stop reason arrives as a typed event rather than free text.',
  remediation:
    'Declare one discriminated union of loop events (turn start/end, tool start/end, error, stop with a reason) and emit or yield it from the loop; see the exemplar events.ts.',
  exemplar: 'src/reference-harness/events.ts',
  detect(ctx) {
    // A type declared in a configuration module (`checkpoint_config.py`: `CheckpointEventType = Literal[…]`
    // naming the events a setting listens for) selects events; it is not the events the loop emits.
    const CONFIG_FILE = /(?:^|[/_.-])(?:config|configs|settings|options)(?:\.[a-z]+)$/i;
    // A workspace package that neither runs an agent loop nor calls a model (`apps/server/` ingesting telemetry,
    // `packages/file-system/` watching files) declares its own events, not the loop's: they are not candidates when
    // nothing emits them, and rank below the loop's own when emitted only there.
    // Where no loop or model call is seen (a framework runs it), the packages that declare the model's tools.
    const runFiles = [...agentLoops(ctx).map((l) => l.file), ...modelCalls(ctx).map((c) => c.file)];
    const runPkgs = new Set((runFiles.length ? runFiles : toolDeclarations(ctx).map((d) => d.file)).map((f) => workspaceDirOf(ctx, f)));
    const offRun = (file: string) => {
      const d = workspaceDirOf(ctx, file);
      return d !== '' && runPkgs.size > 0 && !runPkgs.has(d);
    };
    const offLoop = (c: Candidate) => offRun(c.type.file) && c.emitted.every((e) => offRun(e.file));
    const cands = [...unionCandidates(ctx), ...classCandidates(ctx), ...schemaUnions(ctx), ...hookInterfaces(ctx), ...uiMessageStreams(ctx)].filter(
      (c) => !CONFIG_FILE.test(c.type.file) && !(offLoop(c) && !c.emitted.length),
    );
    // An experimental sub-package (`experimental/bidi/…`) is an opt-in API beside the default one: its events rank below the stable ones.
    const EXPERIMENTAL = /(?:^|\/)(?:experimental|_experimental|labs|preview)\//;
    // The loop's own events first: a kind emitted from an agent loop's file outranks names.
    const loopFiles = new Set(agentLoops(ctx).map((l) => l.file));
    const loopDirs = new Set([...loopFiles].map(folderOf));
    const score = (c: Candidate) =>
      (c.emitted.length ? 1000 : 0) +
      // A callbacks interface whose end/error hooks close one stream or tool (no run-level stop) reports no stop of the run.
      (c.stops.length && !(c.runStops && !c.runStops.length) ? 500 : 0) +
      (c.emitted.some((e) => loopFiles.has(e.file)) ? 300 : 0) +
      // The loop's own event type is declared beside it (`types.ts` next to `agent-loop.ts`), not in a consumer's package.
      (loopDirs.has(folderOf(c.type.file)) ? 100 : 0) +
      // A name is only a tie-break: how many distinct kinds the code emits outweighs it (the loop's own enum over an output format's).
      (/agent|loop|session|turn|run|stream/i.test(c.type.name) ? 50 : 0) -
      (EXPERIMENTAL.test(c.type.file) || offLoop(c) ? 800 : 0) +
      c.emitted.length * 10 +
      c.tags.length;
    // Stop reasons may travel as typed exception classes rather than as an event kind; a union's own
    // error/stop kinds still rank above them.
    const stopClasses = typedStopClasses(ctx);
    const stopEvidence = new Map<Candidate, Evidence>();
    if (stopClasses) {
      for (const c of cands) {
        if (c.emitted.length && !c.stops.length) {
          c.stops = stopClasses.names;
          stopEvidence.set(c, stopClasses.ev);
        }
      }
    }
    cands.sort((a, b) => score(b) - score(a) + (stopEvidence.has(b) ? -250 : 0) - (stopEvidence.has(a) ? -250 : 0));
    const best = cands[0];
    const declared = (c: Candidate) => ev(c.type.file, c.type.line, `${c.type.name}: ${c.type.kind} of ${c.tags.length} event kinds (${c.tags.slice(0, 5).join(', ')}…)`);
    // A callbacks interface whose only end/error hooks are per content stream or per tool (`onContentComplete`,
    // `onToolError`): typed notifications, but the run's own end and its stop reason are not reported.
    if (best?.emitted.length && best.stops.length && best.runStops && !best.runStops.length && !stopEvidence.has(best)) {
      return finding(
        'partial',
        `${best.type.name} (${at(best.type.file, best.type.line)}) is a typed callbacks interface the code calls (${best.tags.slice(0, 4).join(', ')}…), not an event union: its end/error hooks (${best.stops.slice(0, 3).join(', ')}) close one stream or tool, and the run's end and stop reason are not reported`,
        [declared(best), ...best.emitted.slice(0, 2)],
        'low',
      );
    }
    if (best?.emitted.length && best.stops.length) {
      // Sure when the type's own kinds (an error/stop kind among them) are matched by literal tags in
      // at least three emitting objects, one of them in an agent loop's file.
      const sure = !!(best.declared || best.family) && !stopEvidence.has(best) && best.type.kind !== 'interface' && best.emitted.length >= 3 && best.emitted.some((e) => loopFiles.has(e.file));
      return finding(
        'present',
        `${best.type.name} (${at(best.type.file, best.type.line)}) is a typed event ${best.type.kind} emitted by the code, with ${stopEvidence.has(best) ? 'stop reasons as typed exception classes' : 'error/stop kinds'} (${best.stops.slice(0, 3).join(', ')})`,
        [declared(best), ...best.emitted.slice(0, 3), ...(stopEvidence.has(best) ? [stopEvidence.get(best)!] : [])],
        sure ? 'high' : 'low',
      );
    }
    // The run streamed as the AI SDK's UI message stream the repo types (its metadata or message type over the SDK's
    // parts): present, over a side type with no stop kinds (a file watcher's change events) or one nothing emits.
    const uiStream = typedUiStreams(ctx);
    if (uiStream) {
      return finding('present', `the model run is streamed to the client as the AI SDK's typed UI message stream (${at(uiStream.call.file, uiStream.call.line)}), with the repo's own typed layer (${uiStream.typed.map((e) => at(e.file, e.line)).join(', ')}): tool parts carry their input/output/error states, and the SDK's error and finish parts carry the stop`, [uiStream.call, ...uiStream.typed], 'low');
    }
    if (best?.emitted.length) {
      return finding('partial', `${best.type.name} events are emitted, but no kind carries errors or stop reasons`, [declared(best), ...best.emitted.slice(0, 2)]);
    }
    if (best) {
      return finding('partial', `${best.type.name} declares typed event kinds but nothing in the harness emits them`, [declared(best)]);
    }
    const sinkStream = taggedSinkStreams(ctx);
    if (sinkStream) {
      const tags = [...sinkStream.tags.keys()];
      const evid = [...sinkStream.tags.values()].slice(0, 3);
      if (sinkStream.stops.length) {
        return finding('present', `the code hands ${tags.length} kinds of notifications tagged by ${sinkStream.key} (${tags.slice(0, 4).join(', ')}…) to ${sinkStream.sink}(), a protocol's typed channel, with stop/error kinds (${sinkStream.stops.slice(0, 3).join(', ')})`, evid);
      }
      return finding('partial', `the code hands ${tags.length} kinds of notifications tagged by ${sinkStream.key} (${tags.slice(0, 4).join(', ')}…) to ${sinkStream.sink}(), but no kind carries errors or stop reasons`, evid);
    }
    const agui = aguiEvents(ctx);
    if (agui.length) {
      const stops = agui.filter((e) => AGUI_STOPS.some((n) => e.reason.includes(` ${n} `)));
      return finding('present', `the harness emits the AG-UI protocol's typed events (${agui.length} kinds built, e.g. ${at(agui[0].file, agui[0].line)}), a discriminated union whose run error and run end carry the stop (${stops.map((e) => at(e.file, e.line)).join(', ')})`, [...stops, ...agui.filter((e) => !stops.includes(e))].slice(0, 3), 'low');
    }
    const sdkStream = sdkResultStreams(ctx);
    if (sdkStream.length) {
      const call = sdkStream[0].reason.replace(/ hands on .*$/, '');
      return finding('partial', `the model run is handed on as the AI SDK's typed stream (${call} at ${at(sdkStream[0].file, sdkStream[0].line)}): its tool-call, tool-result, error and finish parts are the SDK's, and the harness declares no event kinds of its own`, sdkStream.slice(0, 3), 'low');
    }
    const weak = weakSignals(ctx);
    if (weak.length === 1 && stopClasses && weak[0] === stopClasses.ev) {
      return finding('partial', `stop reasons are typed exception classes (${stopClasses.names.slice(0, 4).join(', ')}), but the loop emits no event stream to consumers`, weak);
    }
    if (weak.length) {
      return finding('partial', `the harness streams or records untyped updates (${weak[0].reason}) but declares no discriminated event union with error and stop kinds`, weak);
    }
    // No event stream: outcomes typed as a status union or enum are the weaker form.
    const statuses = typedStatuses(ctx);
    if (statuses) {
      const t = statuses.type;
      return finding('partial', `outcomes are typed (${t.name}, a${t.kind === 'enum' ? 'n enum' : ' union'} of ${t.kind === 'enum' ? t.members.length : t.tags.length} kinds with stop/error kinds ${statuses.stops.slice(0, 3).join(', ')}; ${statuses.used} is used as a value), but the loop emits no typed event stream to consumers`, [
        ev(t.file, t.line, `${t.name}: ${t.kind} of ${t.kind === 'enum' ? t.members.length : t.tags.length} kinds, with stop/error kinds (${statuses.stops.slice(0, 3).join(', ')})`),
      ], 'low');
    }
    // No union, enum, event-class family, hook interface or schema union, and not even an untyped
    // stream or string-named emit: the structure was searched and is not there. Low all the same: on
    // harnesses outside the corpus, two verdicts of this kind were labelled partial (event shapes the
    // searches above do not know), so it is not sure enough to gate on.
    return finding('absent', 'no typed event union, event-kind enum or event classes emitted by the loop were found', [], 'low');
  },
});
