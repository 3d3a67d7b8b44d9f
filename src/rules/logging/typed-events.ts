import type { ObjectFact, TypeFact } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';
import { allTypes, at, ev, finding, objectsByKey, subclassesOf } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';

/** Names of types that describe what a loop streams to its consumers. */
const EVENT_NAME = /event|chunk|update|notification|signal|streampart|emission/i;
/** Event classes (Python dataclasses, TS classes) may also be steps of the run. */
const EVENT_CLASS = /event|chunk|update|notification|signal|emission|step(?!s?Config)/i;
const NOT_EVENT = /props|config|options|command|request|response|params|args|input|schema|state$|status$/i;
const STOP_TAG = /error|fail|abort|stop|cancel|end|finish|done|complete|max|limit|overflow|interrupt|final|blocked|denied/i;

interface Candidate {
  type: Located<TypeFact>;
  tags: string[];
  emitted: Evidence[];
  stops: string[];
}

/** Source calls whose first argument is a string literal (built once). */
function literalFirstArgCalls(ctx: RuleContext) {
  return ctx.memo('r3:literal-first-arg-calls', () => ctx.calls.filter((c) => c.args.length > 0 && /^['"`][\w.:-]+['"`]$/.test(c.args[0])));
}

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

function unionCandidates(ctx: RuleContext): Candidate[] {
  const byKey = objectsByKey(ctx);
  const out: Candidate[] = [];
  for (const t of allTypes(ctx)) {
    if (!EVENT_NAME.test(t.name) || NOT_EVENT.test(t.name)) continue;
    const tags = [...new Set(t.tags)];
    if (t.kind === 'enum') {
      if (t.members.length < 3) continue;
      // Enum of event kinds: emitted when objects carry `Enum.Member` as a value.
      const members = new Set(t.members);
      const emitted: Evidence[] = [];
      const seen = new Set<string>();
      const prefix = `${t.name}.`;
      for (const k of ['type', 'kind', 'event', 'eventType', 'tag']) {
        for (const o of byKey.get(k) ?? []) {
          const v = o.values[k];
          if (!v?.startsWith(prefix)) continue;
          const m = v.slice(prefix.length);
          if (!members.has(m)) continue;
          if (!seen.has(m)) emitted.push(ev(o.file, o.line, `emits ${v}`));
          seen.add(m);
        }
      }
      const stops = t.members.filter((m) => STOP_TAG.test(m));
      out.push({ type: t, tags: t.members, emitted: seen.size >= 2 ? emitted : [], stops });
      continue;
    }
    if (!t.discriminant && t.kind === 'union' && tags.length >= 3 && /(?:event|chunk|update)_?(?:type|kind|name)s?$/i.test(t.name)) {
      // A string-literal union of event kinds, carried by objects as `type: 'kind'`.
      const tagSet = new Set(tags);
      const emitted: Evidence[] = [];
      const seen = new Set<string>();
      for (const k of ['type', 'kind', 'event', 'eventType']) {
        for (const { o, v } of taggedObjects(ctx, k)) {
          if (!tagSet.has(v)) continue;
          if (!seen.has(v)) emitted.push(ev(o.file, o.line, `emits { ${k}: '${v}' }`));
          seen.add(v);
        }
      }
      // Event classes constructed with the kind as first argument: `new RunItemEvent('tool_called', …)`.
      if (seen.size < 2) {
        for (const c of literalFirstArgCalls(ctx)) {
          const v = c.args[0].slice(1, -1);
          if (!tagSet.has(v)) continue;
          if (!seen.has(v)) emitted.push(ev(c.file, c.line, `${c.callee}('${v}') emits an event`));
          seen.add(v);
        }
      }
      out.push({ type: t, tags, emitted: seen.size >= 2 ? emitted : [], stops: tags.filter((x) => STOP_TAG.test(x)) });
      continue;
    }
    if (!t.discriminant || tags.length < 3) continue;
    // A `status` field describes a state, not the kind of an event.
    if (t.discriminant === 'status' && !/event/i.test(t.name)) continue;
    const tagSet = new Set(tags);
    const emitted: Evidence[] = [];
    const seen = new Set<string>();
    for (const { o, raw, v } of taggedObjects(ctx, t.discriminant)) {
      if (!raw) continue;
      const tag = tagSet.has(v) ? v : tagSet.has(v.slice(v.lastIndexOf('.') + 1)) ? v.slice(v.lastIndexOf('.') + 1) : undefined;
      if (!tag) continue;
      if (!seen.has(tag)) emitted.push(ev(o.file, o.line, `emits { ${t.discriminant}: '${tag}' }`));
      seen.add(tag);
    }
    out.push({ type: t, tags, emitted: seen.size >= 2 ? emitted : [], stops: tags.filter((x) => STOP_TAG.test(x)) });
  }
  return out;
}

/** Python: `StreamEvent = Union[A, B, C]` or a base class with several event/step subclasses. */
function classCandidates(ctx: RuleContext): Candidate[] {
  const out: Candidate[] = [];
  const subs = subclassesOf(ctx);
  const constructed = (name: string) => ctx.callsNamed(name).filter((c) => !c.callee.startsWith('new ') || true);
  for (const t of allTypes(ctx)) {
    if (t.kind !== 'alias' || !EVENT_NAME.test(t.name) || NOT_EVENT.test(t.name)) continue;
    const text = t.members.join(' ');
    const m = /^(?:typing\.)?Union\[(.*)/s.exec(text);
    if (!m) continue;
    const names = m[1].split(/[,\s\]]+/).map((s) => s.replace(/…$/, '').trim()).filter((s) => /^[A-Z]\w+$/.test(s));
    if (names.length < 2) continue;
    const emitted: Evidence[] = [];
    for (const n of names) {
      const c = constructed(n)[0];
      if (c) emitted.push(ev(c.file, c.line, `emits ${n}`));
    }
    const stops = names.filter((n) => STOP_TAG.test(n) || /Output|Step/.test(n));
    out.push({ type: t, tags: names, emitted: emitted.length >= 2 ? emitted : [], stops });
  }
  for (const [base, list] of subs) {
    if (list.length < 3 || !EVENT_CLASS.test(base) || NOT_EVENT.test(base)) continue;
    // Subclasses of an event base are events whatever their own names (Action, Observation …).
    const named = list.filter((c) => !/error|exception/i.test(c.name));
    if (named.length < 3) continue;
    const emitted: Evidence[] = [];
    for (const c of named) {
      const call = constructed(c.name)[0];
      if (call) emitted.push(ev(call.file, call.line, `emits ${c.name}`));
    }
    const first = named[0];
    const type: Located<TypeFact> = { name: base, kind: 'alias', line: first.line, members: named.map((c) => c.name), tags: [], exported: true, file: first.file };
    const stops = named.filter((c) => STOP_TAG.test(c.name) || c.members.includes('error')).map((c) => c.name);
    out.push({ type, tags: type.members, emitted: emitted.length >= 2 ? emitted : [], stops });
  }
  return out;
}

/** Weaker shapes: a streaming generator of chunk objects, string-named emitter events, a kind enum on log entries. */
function weakSignals(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  const chunkTypes = allTypes(ctx).filter((t) => (t.kind === 'interface' || t.kind === 'alias') && /(?:Chunk|Event|Update)$/.test(t.name) && t.members.length >= 2);
  if (chunkTypes.length) {
    for (const f of ctx.source) {
      const gen = f.functions.find((fn) => fn.generator && /run|stream|loop|agent|turn|chat|process|execute/i.test(fn.name) && !/provider|client|parse|sse/i.test(f.path + fn.name));
      if (gen) {
        const t = chunkTypes[0];
        out.push(ev(f.path, gen.line, `${gen.name}() streams objects`), ev(t.file, t.line, `${t.name} has no event-kind discriminant`));
        break;
      }
    }
  }
  const emitNames = new Map<string, Evidence>();
  for (const c of ctx.callsNamed('emit')) {
    const a = c.args[0];
    if (a && /^['"`][\w:.-]+['"`]$/.test(a)) emitNames.set(a, ev(c.file, c.line, `emit(${a}) string-named event`));
  }
  if (emitNames.size >= 3) out.push(...[...emitNames.values()].slice(0, 2));
  for (const k of ['type', 'kind', 'level']) {
    for (const o of objectsByKey(ctx).get(k) ?? []) {
      const v = o.values[k] ?? '';
      const m = /^z\.enum\(\[(.*)\]\)/.exec(v);
      if (m && m[1].split(',').length >= 3 && /error/.test(m[1])) out.push(ev(o.file, o.line, `entries typed by ${k}: ${v.slice(0, 60)}`));
    }
  }
  return out;
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
    const cands = [...unionCandidates(ctx), ...classCandidates(ctx)];
    const score = (c: Candidate) =>
      (c.emitted.length ? 1000 : 0) + (c.stops.length ? 500 : 0) + (/agent|loop|session|turn|run|stream/i.test(c.type.name) ? 200 : 0) + c.emitted.length * 10 + c.tags.length;
    cands.sort((a, b) => score(b) - score(a));
    const best = cands[0];
    const declared = (c: Candidate) => ev(c.type.file, c.type.line, `${c.type.name}: ${c.type.kind} of ${c.tags.length} event kinds (${c.tags.slice(0, 5).join(', ')}…)`);
    if (best?.emitted.length && best.stops.length) {
      return finding(
        'present',
        `${best.type.name} (${at(best.type.file, best.type.line)}) is a typed event ${best.type.kind} emitted by the code, with error/stop kinds (${best.stops.slice(0, 3).join(', ')})`,
        [declared(best), ...best.emitted.slice(0, 3)],
      );
    }
    if (best?.emitted.length) {
      return finding('partial', `${best.type.name} events are emitted, but no kind carries errors or stop reasons`, [declared(best), ...best.emitted.slice(0, 2)]);
    }
    if (best) {
      return finding('partial', `${best.type.name} declares typed event kinds but nothing in the harness emits them`, [declared(best)]);
    }
    const weak = weakSignals(ctx);
    if (weak.length) {
      return finding('partial', `the harness streams or records untyped updates (${weak[0].reason}) but declares no discriminated event union with error and stop kinds`, weak);
    }
    return finding('absent', 'no typed event union, event-kind enum or event classes emitted by the loop were found');
  },
});
