/**
 * Small shared helpers over facts for the logging, verification and agents checks: evidence
 * building, per-repo indices (objects by key, types by name) built once with ctx.memo.
 */
import type { ClassFact, ObjectFact, TypeFact } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';
import type { Confidence, Evidence, Finding, Level } from '../types.js';

export function ev(file: string, line: number, reason: string): Evidence {
  return { file, line: Math.max(1, line || 1), reason };
}

/** Evidence is deduplicated and capped by the evaluator (evaluate.ts), so rules just list it. */
export function finding(level: Level, reason: string, evidence: Evidence[] = [], confidence?: Confidence): Finding {
  return confidence ? { level, reason, evidence, confidence } : { level, reason, evidence };
}

/** Sites in source order: by file, then line (for `Array.prototype.sort`). */
export const bySite = (a: { file: string; line: number }, b: { file: string; line: number }): number => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line);

/** `file:line` for reasons. */
export function at(file: string, line: number): string {
  const base = file.slice(file.lastIndexOf('/') + 1);
  return `${base}:${line}`;
}

/** `text` as a literal inside a regular expression. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A standalone mention of `name` in code text: not part of a longer name, not a member (`.name`).
 * `name` may be a dotted expression (`self.args`), matched as written.
 */
export function mentionOf(name: string): RegExp {
  return new RegExp(`(?:^|[^\\w$.])${escapeRegExp(name)}(?![\\w$])`);
}

/** Every source object literal / class body, indexed by each key it has. */
export function objectsByKey(ctx: RuleContext): Map<string, Located<ObjectFact>[]> {
  return ctx.memo('r3:objects-by-key', () => {
    const m = new Map<string, Located<ObjectFact>[]>();
    for (const f of ctx.source) {
      for (const o of f.objects) {
        const v = o as Located<ObjectFact>;
        for (const k of o.keys) {
          const list = m.get(k);
          if (list) list.push(v);
          else m.set(k, [v]);
        }
      }
    }
    return m;
  });
}

/** The objects holding at least one of `keys` (through the key index), and the files they are in. */
export function objectsWithAnyKey(ctx: RuleContext, keys: Iterable<string>): { objs: Set<object>; files: Set<string> } {
  const objs = new Set<object>();
  const files = new Set<string>();
  const byKey = objectsByKey(ctx);
  for (const k of keys) {
    for (const o of byKey.get(k) ?? []) {
      objs.add(o);
      files.add(o.file);
    }
  }
  return { objs, files };
}

export function allTypes(ctx: RuleContext): Located<TypeFact>[] {
  return ctx.memo('r3:types', () => ctx.source.flatMap((f) => f.types as Located<TypeFact>[]));
}

export function allClasses(ctx: RuleContext): Located<ClassFact>[] {
  return ctx.memo('r3:classes', () => ctx.source.flatMap((f) => f.classes as Located<ClassFact>[]));
}

/** Classes indexed by the (last segment of the) class they extend. */
export function subclassesOf(ctx: RuleContext): Map<string, Located<ClassFact>[]> {
  return ctx.memo('r3:subclasses', () => {
    const m = new Map<string, Located<ClassFact>[]>();
    for (const c of allClasses(ctx)) {
      if (!c.extends) continue;
      const base = c.extends.replace(/<.*$/s, '').split('.').pop()!;
      const list = m.get(base);
      if (list) list.push(c);
      else m.set(base, [c]);
    }
    return m;
  });
}

