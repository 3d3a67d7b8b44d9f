/**
 * Python analyzer: source text in, the same FileFacts the TypeScript analyzer produces, so every
 * rule serves both languages. Parsed with web-tree-sitter and the `.wasm` grammar that the
 * tree-sitter-python package ships; `initPython()` must have resolved before `analyzePython`.
 * Python idioms map onto the shared facts: keyword arguments of a call (`Tool(name=…, …)`) and
 * dict literals are objects, class bodies are objects, `Enum` classes and `Literal[…]` aliases
 * are types with tags, `while True` is an infinite loop.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';
import { pyLocalFns } from './test-locals.js';
import type { ClassFact, ConstFact, FileFacts, LoopFact, ObjectFact, TypeFact } from './facts.js';
import { MAX_ADDS, MAX_BINDS, MAX_BRANCHES, MAX_COMPARES, MAX_GUARDS, MAX_FORKS, MAX_ITEM_SETS, MAX_LOOKUPS, MAX_PICKS, MAX_SIEVES, PICK_NAME } from './facts.js';
import { lineLocator } from './lines.js';
import { markSkippedTests } from './skipped-tests.js';
import { emptyFacts } from './test-text.js';
import { CONST_CASE, EXAMPLE_PAYLOAD, FLAG_TEST, LITERAL_CASE } from './facts.js';

/** A class annotation: `Store`, `Optional[Store]`, `"Store"`, `Store | None`, `mod.Store`. */
const PY_FIELD_CLASS = /^(?:Optional\[)?['"]?(?:\w+\.)*([A-Z]\w*)['"]?\]?(?:\s*\|\s*None)?$/;
/** Typing's containers and wrappers, which name no class of the harness. */
const PY_GENERIC_TYPES = new Set(['List', 'Dict', 'Set', 'Tuple', 'Optional', 'Union', 'Any', 'Callable', 'Type', 'ClassVar', 'Literal', 'Sequence', 'Mapping', 'Iterable', 'Iterator', 'Awaitable', 'Coroutine', 'Annotated', 'Field', 'Path', 'Enum']);

const MAX_DEPTH = 1200;
const MAX_STRING = 80;
const MAX_READ_LINES = 20;
const DISCRIMINANTS = new Set(['type', 'kind', 'event', 'event_type', 'tag', 'status', 'reason', 'stop_reason', 'name']);
const ENUM_BASES = /^(?:enum\.)?(?:Enum|IntEnum|StrEnum|Flag|IntFlag)$/;

let parser: Parser | undefined;

/** Loads the grammar once per process. */
export async function initPython(): Promise<void> {
  if (parser) return;
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-python/tree-sitter-python.wasm');
  const language = await Language.load(wasm);
  const p = new Parser();
  p.setLanguage(language);
  parser = p;
}

/** The class a function's return annotation names (`-> Backend`, `-> Optional["LLM"]`, `-> mod.Client | None`), as `{ returns }`, or nothing. */
function returnsOf(fn: Node): { returns?: string } {
  const t = fn.childForFieldName('return_type')?.text;
  const cls = t ? PY_FIELD_CLASS.exec(t.trim())?.[1] : undefined;
  return cls && !PY_GENERIC_TYPES.has(cls) ? { returns: cls } : {};
}

function literal(n: Node | null): string | undefined {
  if (!n) return undefined;
  switch (n.type) {
    case 'integer':
    case 'float':
      return n.text;
    case 'true':
      return 'true';
    case 'false':
      return 'false';
    case 'none':
      return 'null';
    case 'string': {
      if (n.namedChildren.some((c) => c?.type === 'interpolation')) return undefined;
      return `'${stringContent(n).slice(0, MAX_STRING)}'`;
    }
    case 'unary_operator':
      return /^-\s*[\d.]+$/.test(n.text) ? n.text.replace(/\s+/g, '') : undefined;
    case 'attribute':
      return /^(?:math\.inf|float\("inf"\)|sys\.maxsize)$/.test(n.text) ? n.text : undefined;
    case 'call':
      return /^float\(\s*['"]inf['"]\s*\)$/.test(n.text) ? 'Infinity' : undefined;
  }
  return undefined;
}

/** Field specifiers whose `default=` (or, for pydantic's `Field`, first positional argument) is the field's default. */
const FIELD_SPECIFIER = /^(?:(?:pydantic|dataclasses|attr|attrs|msgspec)\.)?(?:Field|field|ib|attrib)$/;

/** The literal default of a field specifier call, or undefined. */
function fieldDefault(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  if (!f || !FIELD_SPECIFIER.test(f.text)) return undefined;
  const args = call.childForFieldName('arguments');
  if (args?.type !== 'argument_list') return undefined;
  const list = args.namedChildren;
  for (const a of list) {
    if (a?.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'default') return literal(a.childForFieldName('value'));
  }
  const first = list[0];
  return f.text.endsWith('Field') && first && first.type !== 'keyword_argument' ? literal(first) : undefined;
}

/** A case pattern that is a string literal or an alternative of string literals: `case "a" | "b":`. */
function literalPattern(p: Node): boolean {
  const c = p.namedChildren.length === 1 ? p.namedChild(0) : null;
  if (c?.type === 'string') return true;
  return c?.type === 'union_pattern' && c.namedChildren.some((x) => x?.type === 'string');
}

function stringContent(n: Node): string {
  let s = '';
  for (const c of n.namedChildren) if (c?.type === 'string_content') s += c.text;
  return s;
}

/** A type argument list: `Ctx`, `Deps, Output`, `dict[str, Any]`, `None` (not a runtime key such as `name` or `"edit"`). */
const TYPE_ARGS = /^\s*(?:[A-Z][\w.]*|str|int|float|bool|bytes|dict|list|tuple|set|object|None|Any)(?:\[[^'"]*\])?(?:\s*,\s*(?:[A-Z][\w.]*|str|int|float|bool|bytes|dict|list|tuple|set|object|None|Any)(?:\[[^'"]*\])?)*\s*$/;

/**
 * What a call calls: for a generic class parameterised in place (`Agent[AppContext](…)`, `Runner[Deps, Out](…)`)
 * the class itself, as in TypeScript where `new Agent<AppContext>(…)` keeps its type arguments apart. A lookup by
 * key (`handlers[name](…)`, `TOOLS["edit"](…)`) stays as written.
 */
function calledNode(f: Node): Node {
  if (f.type !== 'subscript') return f;
  const value = f.childForFieldName('value');
  const last = value?.type === 'identifier' ? value.text : value?.type === 'attribute' ? value.childForFieldName('attribute')?.text ?? '' : '';
  if (!value || !/^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/.test(last)) return f;
  const inner = f.text.slice(value.text.length).replace(/^\s*\[/, '').replace(/\]\s*$/, '');
  return TYPE_ARGS.test(inner) ? value : f;
}

function lastName(n: Node): string {
  if (n.type === 'identifier') return n.text;
  if (n.type === 'attribute') return n.childForFieldName('attribute')?.text ?? '';
  // `get_handler(name)(**args)` calls what the inner call returned: no name, as in TypeScript.
  return '';
}

/**
 * Runners that call a function handed to them, by name, and return (or are awaited for) its result:
 * the position of that function among the positional arguments; the arguments after it are the ones
 * it is called with. Fire-and-forget runners (`executor.submit`, `Thread(target=…)`, `start_soon`) are
 * not here: their function runs beside the caller, so a loop that spawns them is not running them in
 * turn; and `functools.partial(fn, …)` only binds a function for a later call (recorded as a bind).
 */
const RUNNERS: Record<string, number> = Object.assign(Object.create(null), {
  to_thread: 0, // await asyncio.to_thread(fn, *args)
  run_sync: 0, // await anyio.to_thread.run_sync(fn, *args)
  run_in_threadpool: 0, // await starlette.concurrency.run_in_threadpool(fn, *args)
  sync_to_async: 0,
  run_in_executor: 1, // await loop.run_in_executor(executor, fn, *args)
});

/** A function given by name: `save`, `self._write`, `store.append`. */
const namedFn = (n: Node | undefined): n is Node => !!n && (n.type === 'identifier' || (n.type === 'attribute' && /^[\w.]+$/.test(n.text)));

/** The function a runner call runs and the arguments it runs it with, or undefined. */
function handedOff(f: Node, argNodes: Node[]): { fn: Node; args: Node[] } | undefined {
  const at = RUNNERS[lastName(f)];
  if (at === undefined) return undefined;
  const positional = argNodes.filter((a) => a.type !== 'keyword_argument' && a.type !== 'list_splat' && a.type !== 'dictionary_splat');
  const target = positional[at];
  // Only plain positional arguments before it (no `*args` that could shift it).
  if (!namedFn(target) || argNodes.indexOf(target) !== at) return undefined;
  return { fn: target, args: argNodes.slice(at + 1) };
}

export function analyzePython(path: string, text: string, role: FileFacts['role']): FileFacts {
  if (!parser) throw new Error('initPython() must complete before analyzePython()');
  const tree = parser.parse(text);
  if (!tree) throw new Error('tree-sitter returned no tree');
  try {
    return extract(path, text, role, tree.rootNode);
  } finally {
    tree.delete();
  }
}

function extract(path: string, text: string, role: FileFacts['role'], root: Node): FileFacts {
  const facts = emptyFacts(path, role, 'py', text.split('\n').length);
  const clip = (n: Node, max = 100) => {
    const raw = text.slice(n.startIndex, Math.min(n.endIndex, n.startIndex + max * 3));
    const flat = raw.replace(/\s+/g, ' ').trim();
    return flat.length > max || n.endIndex - n.startIndex > max * 3 ? flat.slice(0, max) + '…' : flat;
  };
  const line = (n: Node) => n.startPosition.row + 1;
  const endLine = (n: Node) => n.endPosition.row + 1;

  const fnStack: string[] = ['<top>'];
  /** Indices in facts.functions of the enclosing named functions (for marking generators). */
  const fnFacts: number[] = [];
  const classStack: string[] = [];
  let loopStack: LoopFact[] = [];
  let ifStack: string[] = [];
  let condDepth = 0;
  let catchDepth = 0;
  let depth = 0;

  const fn = () => fnStack[fnStack.length - 1];
  const addConst = (name: string | undefined, value: string | undefined, at: number, kind: ConstFact['kind']) => {
    if (name && value !== undefined) facts.consts.push({ name, value, line: at, fn: fn(), kind });
  };
  const addRead = (name: string, at: number) => {
    const lines = (facts.reads[name] ??= []);
    if (lines.length < MAX_READ_LINES) lines.push(at);
  };
  /** Where a value goes, like the TypeScript analyzer's object context. */
  const contextOf = (n: Node): string => {
    let o = n;
    let p = o.parent;
    while (p && (p.type === 'parenthesized_expression' || p.type === 'await')) {
      o = p;
      p = p.parent;
    }
    if (!p) return 'other';
    if (p.type === 'list' || p.type === 'tuple' || p.type === 'set') return `array:${bindingName(p) ?? ''}`;
    if (p.type === 'argument_list') return `arg:${clip(calledNode(p.parent!.childForFieldName('function')!), 60)}`;
    if (p.type === 'keyword_argument') return `prop:${p.childForFieldName('name')?.text ?? ''}`;
    if (p.type === 'pair') return `prop:${keyText(p.childForFieldName('key'))}`;
    if (p.type === 'assignment') return `var:${assignedName(p) ?? ''}`;
    if (p.type === 'return_statement' || p.type === 'lambda') return 'return';
    return 'other';
  };
  const bindingName = (n: Node): string | undefined => {
    const p = n.parent;
    if (p?.type === 'assignment') return assignedName(p);
    if (p?.type === 'keyword_argument') return p.childForFieldName('name')?.text;
    if (p?.type === 'pair') return keyText(p.childForFieldName('key'));
    return undefined;
  };
  const assignedName = (a: Node): string | undefined => {
    const left = a.childForFieldName('left');
    if (!left) return undefined;
    if (left.type === 'identifier') return left.text;
    if (left.type === 'attribute') return left.childForFieldName('attribute')?.text;
    return undefined;
  };
  const keyText = (k: Node | null) => (k?.type === 'string' ? stringContent(k) : (k?.text ?? ''));

  /**
   * A search of a collection by a runtime key, Python's `find`: `for t in tools: if t.name == name:
   * return t`, `next((t for t in tools if t["name"] == name), None)`. Recorded as the lookup
   * `tools[name]` it amounts to. `elem` is the loop variable, `cond` the tested condition.
   */
  const searchLookup = (collection: Node, elem: string, cond: Node | null | undefined, at: number) => {
    if (cond?.type !== 'comparison_operator' || facts.lookups.length >= MAX_LOOKUPS) return;
    const ops = cond.namedChildren;
    if (ops.length !== 2 || !cond.children.some((c) => c?.type === '==')) return;
    const field = (x: Node | null) => {
      if (!x) return false;
      if (x.type === 'attribute' || x.type === 'subscript') return x.namedChild(0)?.type === 'identifier' && x.namedChild(0)!.text === elem;
      if (x.type === 'call') {
        const f = x.childForFieldName('function');
        return f?.type === 'attribute' && lastName(f) === 'get' && f.childForFieldName('object')?.text === elem;
      }
      return false;
    };
    const runtime = (x: Node | null) => !!x && (x.type === 'identifier' || x.type === 'attribute') && x.text !== elem && !x.text.startsWith(`${elem}.`);
    const [a, b] = ops;
    const key = field(a) && runtime(b) ? b : field(b) && runtime(a) ? a : undefined;
    if (key) facts.lookups.push({ target: clip(collection, 60), key: clip(key, 60), line: at, fn: fn() });
  };

  const recordExit = (kind: 'break' | 'return' | 'throw', n: Node) => {
    const loop = loopStack[loopStack.length - 1];
    if (!loop) return;
    const exit = { kind, line: line(n), cond: ifStack[ifStack.length - 1] };
    if (kind === 'break') loop.exits.push(exit);
    else for (const l of loopStack) l.exits.push(exit);
  };

  const visitChildren = (n: Node) => {
    // One call for all children: namedChild(i) walks from the first child each time.
    for (const c of n.namedChildren) if (c) visit(c);
  };

  const visitFunction = (n: Node, name: string | undefined) => {
    const params = n.childForFieldName('parameters');
    if (name) {
      const decorated = n.parent?.type === 'decorated_definition';
      fnFacts.push(facts.functions.length);
      facts.functions.push({
        name,
        line: line(decorated ? n.parent! : n),
        end: endLine(n),
        params: params ? params.namedChildren.map((p) => (p?.type === 'identifier' ? p.text : (p?.childForFieldName('name')?.text ?? p?.text ?? '…'))) : [],
        exported: !name.split('.').pop()!.startsWith('_'),
        async: n.children.some((c) => c?.type === 'async'),
        generator: false,
        ...returnsOf(n),
        ...(decorated ? { decorators: n.parent!.namedChildren.filter((c): c is Node => c?.type === 'decorator').map((c) => clip(c, 61).replace(/^@\s*/, '')) } : {}),
      });
      fnStack.push(name);
    }
    const saved = { loopStack, ifStack, condDepth, catchDepth };
    loopStack = [];
    ifStack = [];
    condDepth = 0;
    catchDepth = 0;
    if (params) visitChildren(params);
    const body = n.childForFieldName('body');
    if (body) visit(body);
    ({ loopStack, ifStack, condDepth, catchDepth } = saved);
    if (name) {
      fnStack.pop();
      fnFacts.pop();
    }
  };

  const visitClass = (n: Node) => {
    const name = n.childForFieldName('name')?.text ?? '<class>';
    const bases = (n.childForFieldName('superclasses')?.namedChildren ?? []).filter((b): b is Node => !!b && b.type !== 'keyword_argument').map((b) => clip(b, 60));
    const c: ClassFact = { name, line: line(n), end: endLine(n), extends: bases[0], implements: bases.slice(1), members: [], exported: !name.startsWith('_') };
    const values: Record<string, string> = Object.create(null);
    const annotated: Array<{ key: string; type?: Node }> = [];
    const body = n.childForFieldName('body');
    for (const stmt of body?.namedChildren ?? []) {
      if (!stmt) continue;
      const inner = stmt.type === 'decorated_definition' ? stmt.childForFieldName('definition') : stmt;
      if (inner?.type === 'function_definition') {
        const m = inner.childForFieldName('name')?.text;
        if (m) {
          c.members.push(m);
          values[m] = '<fn>';
        }
      } else if (stmt.type === 'expression_statement' && stmt.namedChild(0)?.type === 'assignment') {
        const a = stmt.namedChild(0)!;
        const key = assignedName(a);
        if (!key) continue;
        c.members.push(key);
        const right = a.childForFieldName('right');
        if (right) values[key] = clip(right);
        annotated.push({ key, type: a.childForFieldName('type') ?? undefined });
      }
    }
    // Fields declared with a class (`store: ConversationStore`, `llm: Optional[LLM] = None`, a dataclass's or a pydantic model's).
    for (const a of annotated) {
      const t = a.type && PY_FIELD_CLASS.exec(a.type.text)?.[1];
      if (t && !PY_GENERIC_TYPES.has(t)) (c.fieldTypes ??= Object.create(null) as Record<string, string>)[a.key] = t;
    }
    facts.classes.push(c);
    if (c.members.length) facts.objects.push({ keys: c.members, values, line: c.line, end: c.end, fn: fn(), ctx: `class:${name}` });
    if (bases.some((b) => ENUM_BASES.test(b))) {
      const t: TypeFact = { name, kind: 'enum', line: c.line, members: [], tags: [], exported: c.exported };
      for (const a of annotated) {
        t.members.push(a.key);
        const v = values[a.key];
        if (v && /^['"]/.test(v)) t.tags.push(v.slice(1, -1));
      }
      facts.types.push(t);
    } else if (annotated.some((a) => a.type)) {
      // TypedDict, dataclass, pydantic model: an interface-like shape.
      const t: TypeFact = { name, kind: 'interface', line: c.line, members: annotated.map((a) => a.key), tags: [], exported: c.exported };
      for (const a of annotated) {
        if (!a.type) continue;
        // A model's tag may be an enum member (`action: Literal[Action.end] = Action.end`): the member is the kind.
        const lits = literalTags(a.type, true);
        // Whatever the field's name, a one-value Literal given that value as its default tags the model (`step: Literal['end'] = 'end'`).
        const own = lits.length === 1 && !!values[a.key] && (values[a.key] === lits[0] || values[a.key].replace(/^['"]|['"]$/g, '') === lits[0] || values[a.key].endsWith(`.${lits[0]}`));
        if (!DISCRIMINANTS.has(a.key) && !own) continue;
        if (lits.length) {
          t.discriminant ??= a.key;
          t.tags.push(...lits);
        }
      }
      facts.types.push(t);
    }
    classStack.push(name);
    if (body) visit(body);
    classStack.pop();
  };

  const literalTags = (t: Node, members = false): string[] => {
    const m = /^(?:typing\.)?Literal\[(.*)\]$/s.exec(t.text.trim());
    if (!m) return [];
    const quoted = [...m[1].matchAll(/['"]([^'"]*)['"]/g)].map((x) => x[1]);
    if (quoted.length || !members) return quoted;
    return [...m[1].matchAll(/(?:^|,)\s*[A-Z]\w*\.([A-Za-z_]\w*)\s*(?=,|$)/g)].map((x) => x[1]);
  };

  const visitLoop = (n: Node) => {
    const isWhile = n.type === 'while_statement';
    const condNode = isWhile ? n.childForFieldName('condition') : n.childForFieldName('right');
    const cond = condNode ? clip(condNode, 120) : '';
    const loop: LoopFact = {
      kind: isWhile ? 'while' : 'for-of',
      line: line(n),
      end: endLine(n),
      fn: fn(),
      cond,
      infinite: isWhile && /^(?:True|1)$/.test(cond),
      exits: [],
    };
    const left = isWhile ? undefined : n.childForFieldName('left');
    if (left?.type === 'identifier') loop.var = left.text;
    facts.loops.push(loop);
    if (condNode) {
      if (isWhile) condDepth++;
      visit(condNode);
      if (isWhile) condDepth--;
    }
    loopStack.push(loop);
    const savedIfs = ifStack;
    ifStack = [];
    const body = n.childForFieldName('body');
    const elem = isWhile ? undefined : n.childForFieldName('left');
    if (condNode && elem?.type === 'identifier' && body) {
      for (const st of body.namedChildren) {
        if (st?.type !== 'if_statement') continue;
        // The match ends the search: the branch returns or breaks.
        const then = st.childForFieldName('consequence');
        if (then?.namedChildren.some((x) => x?.type === 'return_statement' || x?.type === 'break_statement')) searchLookup(condNode, elem.text, st.childForFieldName('condition'), line(st));
      }
    }
    if (body) visit(body);
    const alt = n.childForFieldName('alternative');
    if (alt) visit(alt);
    ifStack = savedIfs;
    loopStack.pop();
  };

  const visit = (n: Node): void => {
    if (depth >= MAX_DEPTH) return;
    depth++;
    visitNode(n);
    depth--;
  };

  const visitNode = (n: Node): void => {
    // A `yield` makes the enclosing named function a generator (lambdas cannot yield).
    if (n.type === 'yield' && fnFacts.length) facts.functions[fnFacts[fnFacts.length - 1]].generator = true;
    switch (n.type) {
      case 'import_statement': {
        for (const c of n.namedChildren) {
          if (!c) continue;
          const mod = c.type === 'aliased_import' ? c.childForFieldName('name')?.text : c.text;
          const alias = c.type === 'aliased_import' ? c.childForFieldName('alias')?.text : undefined;
          if (mod) facts.imports.push(alias ? { from: mod, names: ['*'], line: line(n), as: { [alias]: '*' } } : { from: mod, names: ['*'], line: line(n) });
        }
        return;
      }
      case 'import_from_statement': {
        const mod = n.childForFieldName('module_name')?.text ?? '';
        const named = n.childrenForFieldName('name').filter((c): c is Node => !!c);
        const names = named.map((c) => (c.type === 'aliased_import' ? (c.childForFieldName('name')?.text ?? '') : c.text));
        let as: Record<string, string> | undefined;
        for (const c of named) {
          const alias = c.type === 'aliased_import' ? c.childForFieldName('alias')?.text : undefined;
          if (alias) (as ??= {})[alias] = c.childForFieldName('name')?.text ?? '';
        }
        const fact = { from: mod, names: names.length ? names : ['*'], line: line(n) };
        facts.imports.push(as ? { ...fact, as } : fact);
        return;
      }
      case 'function_definition': {
        const own = n.childForFieldName('name')?.text ?? '<anon>';
        const cls = classStack[classStack.length - 1];
        const inClass = n.parent?.parent?.type === 'class_definition' || n.parent?.parent?.parent?.type === 'class_definition';
        visitFunction(n, cls && inClass ? `${cls}.${own}` : own);
        return;
      }
      case 'lambda': {
        const bound = bindingName(n);
        visitFunction(n, bound);
        return;
      }
      case 'class_definition':
        visitClass(n);
        return;
      case 'while_statement':
      case 'for_statement':
        visitLoop(n);
        return;
      case 'break_statement':
        recordExit('break', n);
        return;
      case 'return_statement':
        recordExit('return', n);
        break;
      case 'raise_statement':
        recordExit('throw', n);
        break;
      case 'if_statement':
      case 'elif_clause': {
        const cond = n.childForFieldName('condition');
        if (cond) {
          condDepth++;
          visit(cond);
          condDepth--;
        }
        const text = cond ? clip(cond, 120) : '';
        const body = n.childForFieldName('consequence');
        if (facts.branches!.length < MAX_BRANCHES && (LITERAL_CASE.test(text) || CONST_CASE.test(text))) facts.branches!.push({ cond: text, line: line(n), end: endLine(n), fn: fn() });
        else if (FLAG_TEST.test(text) && (facts.flagIfs ??= []).length < MAX_BRANCHES) facts.flagIfs.push({ cond: text, line: line(n), end: body ? endLine(body) : line(n), fn: fn() });
        ifStack.push(text);
        if (body && facts.guards.length < MAX_GUARDS) {
          for (const st of body.namedChildren) {
            const t = st?.type;
            const exit = t === 'return_statement' ? 'return' : t === 'raise_statement' ? 'throw' : t === 'continue_statement' ? 'continue' : t === 'break_statement' ? 'break' : undefined;
            if (exit) {
              const value = exit === 'return' ? st!.namedChildren[0] : undefined;
              const returns = value?.type === 'identifier' ? value.text : undefined;
              facts.guards.push({ cond: text, exit, line: line(n), fn: fn(), ...(returns ? { returns } : {}) });
              break;
            }
          }
        }
        if (n.type === 'if_statement') {
          const other = n.childrenForFieldName('alternative')[0];
          if (other && (facts.forks ??= []).length < MAX_FORKS) facts.forks.push({ cond: text, line: line(n), elseLine: line(other), end: endLine(n), fn: fn() });
        }
        if (body) visit(body);
        ifStack.pop();
        for (const alt of n.childrenForFieldName('alternative')) {
          if (!alt) continue;
          ifStack.push(`not (${text.slice(0, 114)})`);
          visit(alt);
          ifStack.pop();
        }
        return;
      }
      case 'generator_expression':
      case 'list_comprehension':
      case 'set_comprehension':
      case 'dictionary_comprehension': {
        const clause = n.namedChildren.find((c) => c?.type === 'for_in_clause');
        const elem = clause?.childForFieldName('left');
        const coll = clause?.childForFieldName('right');
        // `next((t for t in tools if t.name == name), None)`: a search by a runtime key.
        if (elem?.type === 'identifier' && coll && n.type !== 'dictionary_comprehension') {
          for (const c of n.namedChildren) if (c?.type === 'if_clause') searchLookup(coll, elem.text, c.namedChild(0), line(c));
        }
        // The items kept by the condition: Python's `.filter`, not a count or a test over them (`sum(1 for t in tools if …)`, `any(…)`).
        const cond = n.namedChildren.find((c) => c?.type === 'if_clause')?.namedChild(0);
        const folded = n.type === 'generator_expression' && n.parent?.type === 'call' && /^(?:sum|any|all|len|max|min|next)$/.test(n.parent.childForFieldName('function')?.text ?? '');
        if (coll && cond && !folded && (facts.sieves ??= []).length < MAX_SIEVES) facts.sieves.push({ coll: clip(coll, 80), cond: clip(cond, 120), line: line(cond), fn: fn() });
        break;
      }
      case 'match_statement': {
        // `match tool_name:` with `case "bash":` clauses: a branch chosen by a string literal, like a
        // TypeScript `switch` (same `switch (<subject>)` condition text).
        const subjects = n.childrenForFieldName('subject').filter((c): c is Node => !!c);
        const body = n.childForFieldName('body');
        if (facts.branches!.length < MAX_BRANCHES && body?.namedChildren.some((c) => c?.type === 'case_clause' && c.namedChildren.some((p) => p?.type === 'case_pattern' && literalPattern(p)))) {
          facts.branches!.push({ cond: `switch (${subjects.map((x) => clip(x, 100)).join(', ')})`, line: line(n), end: endLine(n), fn: fn() });
        }
        condDepth++;
        for (const x of subjects) visit(x);
        condDepth--;
        if (body) visit(body);
        return;
      }
      case 'case_clause': {
        // The patterns and the consequence as usual; an `if` guard is a condition.
        for (const c of n.namedChildren) {
          if (!c) continue;
          if (c.type === 'if_clause') {
            condDepth++;
            visitChildren(c);
            condDepth--;
          } else visit(c);
        }
        return;
      }
      case 'conditional_expression': {
        // a if cond else b: the condition is the middle named child.
        const [a, cond, b] = n.namedChildren;
        if (a && cond && b && (facts.picks ??= []).length < MAX_PICKS) {
          const then = clip(a, 61);
          const other = clip(b, 61);
          if (PICK_NAME.test(then) && PICK_NAME.test(other) && then !== other) facts.picks.push({ cond: clip(cond, 120), then, else: other, line: line(n), fn: fn() });
        }
        if (a) visit(a);
        if (cond) {
          condDepth++;
          visit(cond);
          condDepth--;
        }
        if (b) visit(b);
        return;
      }
      case 'assert_statement':
        condDepth++;
        visitChildren(n);
        condDepth--;
        return;
      case 'except_clause':
        catchDepth++;
        visitChildren(n);
        catchDepth--;
        return;
      case 'call': {
        const f = calledNode(n.childForFieldName('function')!);
        const args = n.childForFieldName('arguments');
        const argNodes = args?.type === 'argument_list' ? args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') : args ? [args] : [];
        facts.calls.push({
          callee: clip(f, 80),
          name: lastName(f),
          line: line(n),
          fn: fn(),
          args: argNodes.map((a) => clip(a)),
          cond: condDepth > 0,
          optional: false,
          inCatch: catchDepth > 0,
        });
        // A function handed to a runner runs as if called here: `to_thread(save, path, state)` → `save(path, state)`.
        const ran = handedOff(f, argNodes);
        if (ran) {
          facts.calls.push({
            callee: clip(ran.fn, 80),
            name: lastName(ran.fn),
            line: line(n),
            fn: fn(),
            args: ran.args.map((a) => clip(a)),
            cond: condDepth > 0,
            optional: false,
            inCatch: catchDepth > 0,
            via: lastName(f),
          });
        }
        // A read by name written as a call: `getattr(tool, "read_only", False)`, `hasattr(x, "usage")`,
        // `usage.get("total_tokens", 0)`, like `usage["total_tokens"]`.
        const nm = lastName(f);
        const keyArg = nm === 'get' && f.type === 'attribute' ? argNodes[0] : (nm === 'getattr' || nm === 'hasattr') && f.type === 'identifier' ? argNodes[1] : undefined;
        if (keyArg?.type === 'string') {
          const key = stringContent(keyArg);
          if (key && !keyArg.namedChildren.some((c) => c?.type === 'interpolation')) addRead(key, line(n));
        }
        const kw = argNodes.filter((a) => a.type === 'keyword_argument');
        if (kw.length) {
          const values: Record<string, string> = Object.create(null);
          const keys: string[] = [];
          for (const k of kw) {
            const key = k.childForFieldName('name')?.text;
            const v = k.childForFieldName('value');
            if (!key) continue;
            keys.push(key);
            if (v) {
              values[key] = clip(v);
              addConst(key, literal(v), line(k), 'prop');
            }
          }
          const obj: ObjectFact = { keys, values, line: line(n), end: endLine(n), fn: fn(), ctx: `arg:${clip(f, 60)}` };
          // `return Tool(name=…, …)`: the function returns the call.
          if (contextOf(n) === 'return') obj.returned = true;
          facts.objects.push(obj);
        }
        break;
      }
      case 'dictionary': {
        const keys: string[] = [];
        const values: Record<string, string> = Object.create(null);
        for (const p of n.namedChildren) {
          if (p?.type !== 'pair') continue;
          const k = p.childForFieldName('key');
          // String keys, and, like a TypeScript computed key, an enum member or constant
          // (`{Mode.PLAN: …}` → `PLAN`), a name or a number.
          const str = k?.type === 'string';
          const key = str ? stringContent(k) : k?.type === 'attribute' ? lastName(k) : k?.type === 'identifier' || k?.type === 'integer' ? k.text : undefined;
          if (key === undefined) continue;
          keys.push(key);
          const v = p.childForFieldName('value');
          if (v) {
            values[key] = clip(v);
            if (str) addConst(key, literal(v), line(p), 'prop');
          }
        }
        if (keys.length) {
          const ctx = contextOf(n);
          if (!EXAMPLE_PAYLOAD.test(ctx)) facts.objects.push({ keys, values, line: line(n), end: endLine(n), fn: fn(), ctx });
        }
        break;
      }
      case 'with_item': {
        // `with self._session() as sess:`, `async with get_db() as db:`: the name is bound to what the opener
        // returns, recorded like `sess = self._session()` so a rule can type the name by its opener.
        const v = n.childForFieldName('value');
        const target = v?.type === 'as_pattern' ? v.childForFieldName('alias')?.namedChild(0) : undefined;
        const opener = v?.namedChild(0);
        if (target?.type === 'identifier' && opener?.type === 'call' && facts.binds!.length < MAX_BINDS) {
          facts.binds!.push({ name: target.text, value: clip(opener, 120), line: line(n), fn: fn() });
        }
        break;
      }
      case 'assignment': {
        const name = assignedName(n);
        const right = n.childForFieldName('right');
        const left = n.childForFieldName('left');
        const kind = classStack.length && fn() === '<top>' ? 'field' : left?.type === 'attribute' ? 'assign' : 'var';
        const lit = literal(right);
        addConst(name, lit, line(n), kind);
        // A model or dataclass field whose default sits in a field specifier:
        // `max_steps: int = Field(default=20, …)`, `Field(20, …)`, `field(default=None)`, `attr.ib(default=3)`.
        if (lit === undefined && kind === 'field' && right?.type === 'call') addConst(name, fieldDefault(right), line(n), 'field');
        // `limit = window - reserve`, `self.usable = cfg.max - out`: a computed value a comparison may use.
        const plain = left?.type === 'identifier' || (left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self');
        if (lit === undefined && name && right && plain && facts.binds!.length < MAX_BINDS) {
          facts.binds!.push({ name, value: clip(right, 120), line: line(n), fn: fn() });
        }
        // `estimate, _ = count_tokens(messages)`, `self.a, b = x, y`: each name of a tuple target is bound too,
        // to its own value when the right side is a tuple of the same length, else to the whole value.
        if (right && (left?.type === 'pattern_list' || left?.type === 'tuple_pattern' || left?.type === 'list_pattern')) {
          const targets = left.namedChildren;
          const values = right.type === 'expression_list' || right.type === 'tuple' ? right.namedChildren : undefined;
          const paired = values?.length === targets.length;
          targets.forEach((t, i) => {
            const own = t?.type === 'identifier' ? t.text : t?.type === 'attribute' && t.childForFieldName('object')?.text === 'self' ? lastName(t) : undefined;
            if (!own || own === '_' || facts.binds!.length >= MAX_BINDS) return;
            const v = paired ? values[i] : values ? undefined : right;
            if (!v) return;
            const vlit = literal(v);
            if (vlit !== undefined) addConst(own, vlit, line(n), kind === 'field' ? 'field' : t!.type === 'attribute' ? 'assign' : 'var');
            else facts.binds!.push({ name: own, value: clip(v, 120), line: line(n), fn: fn() });
          });
        }
        // `store[key] = value`: an item assignment, which a class's `__setitem__` may turn into a write.
        if (left?.type === 'subscript' && right) {
          const obj = left.childForFieldName('value');
          const key = left.childForFieldName('subscript');
          if (obj && key && (facts.itemSets ??= []).length < MAX_ITEM_SETS) facts.itemSets.push({ target: clip(obj, 80), key: clip(key, 80), value: clip(right, 120), line: line(n), fn: fn() });
        }
        // `tools["web"] = WebTool()`, `schemas.search = …`: an entry set on a local record (not on `self`).
        if (right && (left?.type === 'subscript' || left?.type === 'attribute')) {
          const obj = left.childForFieldName(left.type === 'subscript' ? 'value' : 'object');
          const key = left.childForFieldName(left.type === 'subscript' ? 'subscript' : 'attribute');
          if (obj?.type === 'identifier' && obj.text !== 'self' && obj.text !== 'cls' && key && (facts.entrySets ??= []).length < MAX_ITEM_SETS) facts.entrySets.push({ target: obj.text, key: clip(key, 80), value: clip(right, 120), line: line(n), fn: fn() });
        }
        const type = n.childForFieldName('type');
        if (name && right && /^(?:typing\.)?(?:Literal|Union)\[/.test(right.text.trim()) && fn() === '<top>') {
          const tags = literalTags(right);
          // A union of classes keeps every member's name (`EventMsg = Union[TurnStarted, …, ErrorEvent, TaskComplete]`): the last ones are often the stop kinds.
          facts.types.push({ name, kind: tags.length ? 'union' : 'alias', line: line(n), members: [clip(right, tags.length ? 60 : 800)], tags, exported: !name.startsWith('_') });
        } else if (type && /TypeAlias/.test(type.text) && name && right) {
          facts.types.push({ name, kind: 'union', line: line(n), members: right.text.split('|').map((s) => s.trim()).slice(0, 20), tags: literalTags(right), exported: !name.startsWith('_') });
        } else if (!type && name && right && fn() === '<top>' && /^[A-Z][a-z]\w*$/.test(name) && /\|/.test(right.text)) {
          // `ActionData = (StartData | StepData | EndData)`: a union of classes written without TypeAlias (flag masks of constants are not).
          const members = right.text.replace(/^\(|\)$/g, '').split('|').map((s) => s.replace(/\s+/g, ' ').trim());
          if (members.length >= 3 && members.every((x) => /^[A-Z][a-z]\w*$/.test(x))) facts.types.push({ name, kind: 'union', line: line(n), members: members.slice(0, 40), tags: [], exported: !name.startsWith('_') });
        }
        break;
      }
      case 'type_alias_statement': {
        // PEP 695 `type Event = TurnBegin | TurnEnd | StepBegin`: a union type alias, as `X: TypeAlias = A | B`.
        const name = n.childForFieldName('left')?.text.trim();
        const right = n.childForFieldName('right');
        if (name && /^[A-Za-z_]\w*$/.test(name) && right && fn() === '<top>') {
          const members = right.text.replace(/^\(|\)$/g, '').split('|').map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean).slice(0, 40);
          facts.types.push({ name, kind: members.length > 1 ? 'union' : 'alias', line: line(n), members, tags: literalTags(right), exported: !name.startsWith('_') });
        }
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter':
        addConst(n.childForFieldName('name')?.text, literal(n.childForFieldName('value')), line(n), 'param');
        break;
      case 'augmented_assignment': {
        // `self.total_cost += cost`: a running total being added to.
        const left = n.childForFieldName('left');
        const right = n.childForFieldName('right');
        if (left && right && n.childForFieldName('operator')?.type === '+=' && facts.adds && facts.adds.length < MAX_ADDS) {
          facts.adds.push({ target: clip(left, 80), value: clip(right, 120), line: line(n), fn: fn() });
        } else if (left && right && n.childForFieldName('operator')?.type === '-=' && facts.subs && facts.subs.length < MAX_ADDS) {
          // `self.total_tokens -= msg.tokens`: a total that also goes down.
          facts.subs.push({ target: clip(left, 80), value: clip(right, 120), line: line(n), fn: fn() });
        }
        break;
      }
      case 'comparison_operator': {
        // Size comparisons only: `a > b`, `0 < limit <= cost` (not `==`, `in`, `is`).
        if (facts.compares!.length < MAX_COMPARES && n.children.some((c) => c && /^[<>]=?$/.test(c.type))) {
          facts.compares!.push({ text: clip(n, 160), line: line(n), fn: fn() });
        }
        break;
      }
      case 'boolean_operator': {
        // `max_steps or 20`: a fallback default.
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (l && r && n.children.some((c) => c?.type === 'or')) addConst(l.type === 'attribute' ? lastName(l) : l.type === 'identifier' ? l.text : undefined, literal(r), line(n), 'param');
        break;
      }
      case 'attribute': {
        const p = n.parent;
        if (!(p?.type === 'call' && p.childForFieldName('function')?.id === n.id)) {
          const a = n.childForFieldName('attribute');
          if (a) addRead(a.text, line(n));
        }
        break;
      }
      case 'subscript': {
        const s = n.childForFieldName('subscript');
        if (s?.type === 'string') addRead(stringContent(s), line(n));
        // `tools[name] = tool` stores an entry (an item set, recorded above); only a read looks one up.
        else if (s && (s.type === 'identifier' || s.type === 'attribute') && facts.lookups.length < MAX_LOOKUPS && !(n.parent?.type === 'assignment' && n.parent.childForFieldName('left')?.id === n.id)) {
          const v = n.childForFieldName('value');
          if (v) facts.lookups.push({ target: clip(v, 60), key: clip(s, 60), line: line(n), fn: fn() });
        }
        break;
      }
      case 'string': {
        // One pass over the parts: the literal text, and the expressions of an f-string's
        // `{…}` fields, which are code like any other (calls, reads, lookups: `f"{json.dumps(args)}"`).
        let v = '';
        let fields: Node[] | undefined;
        for (const c of n.namedChildren) {
          if (c?.type === 'string_content') v += c.text;
          else if (c?.type === 'interpolation') (fields ??= []).push(c);
        }
        if (v.length > 0 && v.length <= MAX_STRING && n.parent?.type !== 'expression_statement') facts.strings.push({ value: v, line: line(n) });
        if (fields) for (const c of fields) visitChildren(c);
        return;
      }
    }
    visitChildren(n);
  };

  visitChildren(root);
  facts.parseErrors = root.hasError ? 1 : 0;
  return facts;
}

const PY_TEST = /^[ \t]*(?:async\s+)?def\s+(test_\w+)|^[ \t]*class\s+(Test\w*)/gm;
const PY_IMPORT = /^[ \t]*(?:from\s+([\w.]+)\s+import\b|import\s+([\w.]+))/gm;
const PY_ASSERT = /\bassert\b|pytest\.raises|assertRaises|self\.assert\w+/;
const RAISES_BLOCK = /^with\s+(?:pytest\.raises|self\.assertRaises\w*)\(.*:$/;

/** Python test files, read by text like TypeScript ones: imports, test names, assertion lines. */
export function analyzePythonTestText(path: string, text: string): FileFacts {
  const lines = text.split('\n');
  const facts = emptyFacts(path, 'test', 'py', lines.length);
  const lineAt = lineLocator(text);
  for (const m of text.matchAll(PY_IMPORT)) facts.imports.push({ from: m[1] ?? m[2], names: [], line: lineAt(m.index ?? 0) });
  for (const m of text.matchAll(PY_TEST)) facts.tests.push({ name: m[1] ?? m[2], line: lineAt(m.index ?? 0) });
  lines.forEach((l, i) => {
    if (!PY_ASSERT.test(l)) return;
    let t = l.trim();
    // `with pytest.raises(E):` asserts that its body raises: the body's first line is part of the assertion.
    if (RAISES_BLOCK.test(t)) t += ' ' + (lines.slice(i + 1, i + 4).find((x) => x.trim()) ?? '').trim();
    facts.asserts.push({ text: t.slice(0, 200), line: i + 1 });
  });
  markSkippedTests(facts, text, lineAt);
  pyLocalFns(facts, text, lineAt);
  return facts;
}
