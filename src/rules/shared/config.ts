/**
 * Queries over configuration facts (YAML / JSON / TOML files of the harness, see
 * analyzers/config.ts). Every result carries `file` and `line`, so it can be cited as evidence.
 *
 * Usage (stable API; add functions rather than change these):
 *   import { configMaps, configMapsWith, configEntries } from '../shared/config.js';
 *   // a tool bundle: a map with a name, a description and arguments
 *   for (const m of configMapsWith(ctx, ['name', 'docstring'])) m.children.get('arguments') …
 *   // a limit anywhere: `step_limit: 50` → { file, line, path: 'agent.step_limit', key, value: '50' }
 *   configEntries(ctx, /^(?:step|turn|cost)_?limit$/i)
 *
 * Paths are dotted from the document root, list items as `[i]`: `tools[0].name`. An entry's `key`
 * is its last key (for a list item, the list's key); `value` is the scalar text ('' for a map or a
 * list). Patterns are matched with `.test`, so do not pass a RegExp with the `g` or `y` flag.
 */
import type { ConfigEntryFact } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';

export type ConfigEntry = Located<ConfigEntryFact>;

/** A map (YAML mapping, JSON object, TOML table) in a configuration file, with its direct children. */
export interface ConfigMap {
  file: string;
  /** Its path ('' for a document root). */
  path: string;
  /** Its key (for a map inside a list, the list's key; '' for a document root). */
  key: string;
  /** The line of its key, or of its first child for a list item or a document root. */
  line: number;
  /** Direct children by key (scalars, maps and lists alike). */
  children: Map<string, ConfigEntry>;
}

/** The scalar value of a child key of a map, or undefined when absent or not a scalar. */
export function configValue(map: ConfigMap, key: string): string | undefined {
  const e = map.children.get(key);
  return e && e.value !== '' ? e.value : undefined;
}

/** Config entries whose key (last path segment) matches `keyRe`, memoised per pattern. */
export function configEntries(ctx: RuleContext, keyRe: RegExp): ConfigEntry[] {
  return ctx.configEntriesKeyed(keyRe);
}

/** The parent path of an entry: `a.b` → `a`, `a[2]` → `a`, `a[0].b` → `a[0]`, `b` → ''. */
function parentOf(e: ConfigEntryFact): string {
  if (e.path.endsWith(']')) return e.path.slice(0, e.path.lastIndexOf('['));
  return e.path.length > e.key.length ? e.path.slice(0, e.path.length - e.key.length - 1) : '';
}

/** Every map of every configuration file (document roots and list items included), in file order, memoised. */
export function configMaps(ctx: RuleContext): ConfigMap[] {
  return ctx.memo('config-maps', () => {
    const out: ConfigMap[] = [];
    let file = '';
    let byPath = new Map<string, ConfigMap>();
    const open = (e: ConfigEntry) => {
      const m: ConfigMap = { file, path: e.path, key: e.key, line: e.line, children: new Map() };
      byPath.set(e.path, m);
      out.push(m);
    };
    for (const e of ctx.configEntries) {
      if (e.file !== file) {
        file = e.file;
        byPath = new Map();
      }
      if (e.path.endsWith(']')) {
        // A list item: when it is a map (or a list), it is opened here and its keys follow.
        if (e.value === '' && !byPath.has(e.path)) open(e);
        continue;
      }
      const parent = parentOf(e);
      let m = byPath.get(parent);
      if (!m) {
        if (parent !== '') continue; // cut off, or a key with dots in it
        m = { file, path: '', key: '', line: e.line, children: new Map() };
        byPath.set('', m);
        out.push(m);
      }
      if (!m.children.has(e.key)) m.children.set(e.key, e);
      if (e.value === '' && !byPath.has(e.path)) open(e);
    }
    return out;
  });
}

/**
 * Maps that have every key in `keys` (exact key names; an entry may be a RegExp for alternatives,
 * e.g. `['name', /^(?:description|docstring)$/]`), memoised per key list.
 */
export function configMapsWith(ctx: RuleContext, keys: ReadonlyArray<string | RegExp>): ConfigMap[] {
  const id = keys.map((k) => (typeof k === 'string' ? k : `/${k.source}/${k.flags}`)).join('\u0000');
  return ctx.memo(`config-maps-with:${id}`, () =>
    configMaps(ctx).filter((m) => keys.every((k) => (typeof k === 'string' ? m.children.has(k) : [...m.children.keys()].some((c) => k.test(c))))),
  );
}
