/**
 * Small, certain call resolution that any rule can use: a call on `this.`/`self.` resolves to a
 * method of the enclosing class in the same file, and a bare call resolves to a function of the same
 * file. These links need no type inference, so a rule that follows them can say the link was
 * resolved rather than guessed by name across the repo.
 */
import { DELAY_WRAPPERS, type FileFacts, type FunctionFact, type ObjectFact } from '../../analyzers/facts.js';
import { paramName, shortName, type Located, type RuleContext } from '../context.js';

/** Bases that say nothing of a class's kind: every class has them. */
const TRIVIAL_BASE = /^(?:object|ABC|Protocol|Generic(?:\[.*\])?|BaseModel|Exception|Error|EventEmitter|Base|Object)$/;

export interface ClassInfo { name: string; file: string; line: number; end: number; bases: string[] }

/** Source classes by name, in file order, with the names they extend or implement (generic arguments and trivial bases dropped). */
export function classIndex(ctx: RuleContext): Map<string, ClassInfo[]> {
  return ctx.memo('resolve:classes', () => {
    const m = new Map<string, ClassInfo[]>();
    for (const f of ctx.source) {
      for (const c of f.classes ?? []) {
        const bases = [c.extends, ...(c.implements ?? [])].filter((b): b is string => !!b).map((b) => shortName(b.replace(/[<[].*$/, '').trim())).filter((b) => b && !TRIVIAL_BASE.test(b));
        const list = m.get(c.name) ?? [];
        list.push({ name: c.name, file: f.path, line: c.line, end: c.end, bases });
        m.set(c.name, list);
      }
    }
    return m;
  });
}

/** The class part of a `Class.method` function name, or '' for a free function. */
export const classOf = (fn: string): string => {
  const dot = fn.lastIndexOf('.');
  return dot > 0 ? fn.slice(0, dot) : '';
};

/** The innermost function of `file` containing `line`. */
export function fnAt(ctx: RuleContext, file: string, line: number): FunctionFact | undefined {
  const idx = ctx.memo('resolve:fn-spans', () => new Map<string, FunctionFact[]>());
  let spans = idx.get(file);
  if (!spans) {
    const f = ctx.file(file);
    spans = f?.role === 'source' ? [...f.functions].sort((a, b) => a.line - b.line) : [];
    idx.set(file, spans);
  }
  let best: FunctionFact | undefined;
  for (const fn of spans) {
    if (fn.line > line) break;
    if (fn.end >= line && (!best || fn.line >= best.line)) best = fn;
  }
  return best;
}

/** Functions of one file, by full name (memoised per file). */
function fileFunctions(ctx: RuleContext, file: string): Map<string, Located<FunctionFact>> {
  return ctx.perFile('resolve:fns-by-file', file, () => {
    const m: Map<string, Located<FunctionFact>> = new Map();
    for (const fn of ctx.file(file)?.functions ?? []) if (!m.has(fn.name)) m.set(fn.name, fn as Located<FunctionFact>);
    return m;
  });
}

/**
 * The function a call made inside `file#fn` reaches without guessing: `this.m()`/`self.m()` → the
 * method `m` of the enclosing class, `m()` → the function `m` of the same file. Undefined otherwise.
 */
export function resolveLocal(ctx: RuleContext, file: string, fn: string, callee: string, depth = 0): Located<FunctionFact> | undefined {
  const fns = fileFunctions(ctx, file);
  const m = /^(?:this|self)\.(\w+)$/.exec(callee);
  let found: Located<FunctionFact> | undefined;
  if (m) {
    const cls = classOf(fn);
    found = cls ? fns.get(`${cls}.${m[1]}`) : undefined;
  } else if (/^\w+$/.test(callee)) found = fns.get(callee);
  else return undefined;
  if (found || depth > 1) return found;
  // A name bound to a wrapper of a function (`this.autosave = debounce(this.save, 500)`): the wrapped function.
  const ref = wrappedReference(ctx, file, fn, callee);
  return ref && ref !== callee ? resolveLocal(ctx, file, fn, ref, depth + 1) : undefined;
}

/** A regular expression as a value: a literal (`/^cd\s+/`), `new RegExp(…)`, `RegExp(…)`, Python's `re.compile(…)`. */
const REGEX_VALUE = /^(?:\/(?![*/])(?:[^/\\\n]|\\.)+\/[dgimsuvy]*$|(?:new\s+)?RegExp\(|(?:re|regex)\.compile\()/;
/** A name for a regular expression (`cdPattern`, `urlRegex`, `TOKEN_RE`, `word_re`) and a method regular expressions have. */
const REGEX_NAME = /(?:Pattern|Regex|RegExp|Re|_PATTERN|_REGEX|_RE|_pattern|_regex|_re|^pattern|^regex|^re)$/;
const REGEX_METHOD = /^(?:exec|test|match|matchAll|search|sub|subn|findall|finditer|fullmatch|split)$/;

/**
 * Whether a call's receiver holds a regular expression (`cdPattern.exec(cmd)` after `const cdPattern = /…/`,
 * `this.tokenRe.test(s)`, `WORD_RE.findall(text)`): the language's own object, never an instance of a
 * harness class, so its method is not one of the harness's methods of that name (`DevcontainerRuntime.exec`).
 * The name is bound to a regex value in the function or at the file's top, or it is named for a regex and
 * the method is one regular expressions have.
 */
export function regexReceiver(ctx: RuleContext, file: string, fn: string, callee: string, name: string): boolean {
  const m = /^(?:(?:this|self)\.)?([A-Za-z_$][\w$]*)\.[\w$]+$/.exec(callee);
  if (!m) return false;
  const recv = m[1];
  if (REGEX_NAME.test(recv) && REGEX_METHOD.test(name)) return true;
  const binds = ctx.file(file)?.binds ?? [];
  return binds.some((b) => b.name === recv && (b.fn === fn || b.fn === '<top>' || classOf(b.fn) === classOf(fn)) && REGEX_VALUE.test(b.value.trim()));
}

/** A wrapper handed a function reference, whose result runs it later: `debounce(this.save, 500)`, `_.throttle(sync)`, `functools.partial(self._save, path)`. */
const WRAPPED_REF = new RegExp(String.raw`^(?:[\w$]+\.)*(?:${DELAY_WRAPPERS}|partial)\(\s*((?:(?:this|self)\.)?[A-Za-z_$][\w$]*)(?:\.bind\(\s*this\s*\))?\s*[,)]`);
/** A method bound to its object: `this.onSave = this.save.bind(this)`. */
const BOUND_REF = /^(this\.[A-Za-z_$][\w$]*)\.bind\(\s*this\s*\)$/;

/**
 * The function reference a name is bound to through a wrapper (see WRAPPED_REF, BOUND_REF): for `this.x`/`self.x`, a
 * field of the enclosing class (`this.autosave = debounce(this.save.bind(this), 500)` → `this.save`); for a bare `x`, a
 * local of `fn` or a module-level name (`const syncSoon = debounce(syncToFile)` → `syncToFile`). Calling the name runs
 * the reference. Undefined otherwise.
 */
export function wrappedReference(ctx: RuleContext, file: string, fn: string, callee: string): string | undefined {
  const m = ctx.perFile('resolve:wrapped-refs', file, () => {
    const m: Map<string, string> = new Map();
    for (const b of ctx.file(file)?.binds ?? []) {
      const v = b.value.trim();
      const ref = WRAPPED_REF.exec(v)?.[1] ?? BOUND_REF.exec(v)?.[1];
      if (!ref) continue;
      m.set(`${b.fn}#${b.name}`, ref);
      const cls = classOf(b.fn);
      if (cls && /^(?:this|self)\./.test(ref)) m.set(`${cls}.${b.name}`, ref);
    }
    return m;
  });
  const own = /^(?:this|self)\.(\w+)$/.exec(callee);
  if (own) {
    const cls = classOf(fn);
    return cls ? m.get(`${cls}.${own[1]}`) : undefined;
  }
  return /^[\w$]+$/.test(callee) ? m.get(`${fn}#${callee}`) ?? m.get(`<top>#${callee}`) : undefined;
}

/** Object and dict literals built inside `file#fn` (memoised per file). */
export function objectsIn(ctx: RuleContext, file: string, fn: string): Located<ObjectFact>[] {
  const m = ctx.perFile('resolve:objects-by-fn', file, () => {
    const m: Map<string, Located<ObjectFact>[]> = new Map();
    for (const o of (ctx.file(file)?.objects ?? []) as Located<ObjectFact>[]) {
      const list = m.get(o.fn);
      if (list) list.push(o);
      else m.set(o.fn, [o]);
    }
    return m;
  });
  return m.get(fn) ?? [];
}


/**
 * The class a field holds when the class's own code assigns it a new instance
 * (`this.navigator = new Navigator(…)`, `self.model = Model(…)`): `cls` is the class's name.
 */
export function fieldClass(ctx: RuleContext, file: string, cls: string, field: string): string | undefined {
  const m = ctx.perFile('resolve:field-classes', file, () => {
    const m: Map<string, string> = new Map();
    for (const b of ctx.file(file)?.binds ?? []) {
      const owner = classOf(b.fn);
      const made = /^(?:new\s+)?([A-Z]\w*)\s*[(<]/.exec(b.value);
      if (owner && made) m.set(`${owner.slice(owner.lastIndexOf('.') + 1)}.${b.name}`, made[1]);
    }
    return m;
  });
  return m.get(`${cls}.${field}`);
}

/** A parameter annotated with a class (`ai: AI`, `agent: "Agent"`, `llm: Optional[LLM]`, `store: mod.Store | None = None`): name, class. */
export const PY_PARAM_CLASS = /^\*{0,2}(\w+)\??\s*:\s*(?:Optional\[)?['"]?(?:\w+\.)*([A-Z]\w*)['"]?\]?(?:\s*\|\s*None)?\s*(?:=.*)?$/s;

/**
 * The class parameter `i` of a function is declared with: TypeScript's `paramTypes`, or a Python annotation kept in
 * the parameter's text. Undefined without one.
 */
export function paramType(fn: FunctionFact, i: number): string | undefined {
  const t = fn.paramTypes?.[i];
  if (t) return t;
  const p = fn.params[i];
  return p && p.includes(':') ? PY_PARAM_CLASS.exec(p)?.[2] : undefined;
}

/**
 * The class a field of class `cls` holds, from what the code declares: a new instance assigned to it (see
 * fieldClass), the field's declared type or a constructor parameter property (`constructor(private readonly
 * messages: MessagesService)`), or a typed constructor parameter stored in it (`def __init__(self, store: Store):
 * self.store = store`, `this.store = store`). Undefined when nothing says.
 */
export function fieldType(ctx: RuleContext, file: string, cls: string, field: string): string | undefined {
  const made = fieldClass(ctx, file, cls, field);
  if (made) return made;
  const m = ctx.perFile('resolve:field-types', file, () => {
    const m: Map<string, string> = new Map();
    const f = ctx.file(file);
    for (const c of f?.classes ?? []) for (const k in c.fieldTypes ?? {}) m.set(`${c.name}.${k}`, c.fieldTypes![k]);
    const ctors = new Map<string, FunctionFact>();
    for (const fn of f?.functions ?? []) if (/\.(?:constructor|__init__)$/.test(fn.name)) ctors.set(fn.name, fn);
    const made: Array<[string, string, string]> = [];
    for (const b of f?.binds ?? []) {
      const owner = classOf(b.fn);
      if (!owner) continue;
      const key = `${owner.slice(owner.lastIndexOf('.') + 1)}.${b.name}`;
      const ctor = ctors.get(b.fn);
      if (!ctor || !/^[A-Za-z_$][\w$]*$/.test(b.value)) {
        made.push([key, b.fn, b.value]);
        continue;
      }
      const i = ctor.params.findIndex((p) => paramName(p) === b.value);
      const t = i >= 0 ? paramType(ctor, i) : undefined;
      if (t) m.set(key, t);
    }
    // Otherwise the class a field is given by what makes it (see valueClass): the last such binding in the class.
    if (made.length) {
      const lambdas = new Map<string, [string, string]>();
      for (const [key, fn, v] of made) {
        const body = LAMBDA_BODY.exec(v.trim())?.[1];
        if (body) lambdas.set(key, [fn, body]);
      }
      for (const [key, fn, v] of made) {
        if (m.has(key)) continue;
        const t = valueClass(ctx, file, fn, v, lambdas, 0);
        if (t) m.set(key, t);
      }
    }
    return m;
  });
  return m.get(`${cls}.${field}`);
}

/** A function bound as a factory: `lambda: backend or self._select_backend()`, `() => this.createClient()`. */
const LAMBDA_BODY = /^(?:lambda\s*:|(?:async\s*)?\(\s*\)\s*=>)\s*(.+)$/s;
/** A call that makes a value, with nothing after its arguments: `self._select_backend(…)`, `this.factory()`, `make_backend("x")`. */
const MAKER_CALL = /^(?:(self|this)\.)?([A-Za-z_$][\w$]*)\s*\((?:[^()]|\([^()]*\))*\)$/s;

/**
 * The class a value bound in method `fn` of a class holds, from what makes it: a typed parameter of `fn` (`backend`
 * with `backend: BackendLike | None`), a method of the class or a function declared to return a class
 * (`self._select_backend()` with `-> BackendLike`, `createClient(): ChatClient`), a field of the class bound to a
 * factory, called (`self.backend_factory()` with `self.backend_factory = lambda: backend or self._select_backend()`),
 * or either side of a fallback (`backend or make_backend()`, `opts.client ?? this.createClient()`). Undefined when
 * nothing says.
 */
function valueClass(ctx: RuleContext, file: string, fn: string, value: string, lambdas: Map<string, [string, string]>, depth: number): string | undefined {
  const v = value.trim();
  if (depth > 2 || v.length > 200) return undefined;
  const parts = v.split(/\s+or\s+|\s*\?\?\s*|\s*\|\|\s*/);
  if (parts.length > 1) {
    for (const p of parts) {
      const t = valueClass(ctx, file, fn, p, lambdas, depth + 1);
      if (t) return t;
    }
    return undefined;
  }
  const owner = classOf(fn);
  const short = owner.slice(owner.lastIndexOf('.') + 1);
  const fns = fileFunctions(ctx, file);
  if (/^[A-Za-z_$][\w$]*$/.test(v)) {
    const at = fns.get(fn);
    const i = at ? at.params.findIndex((p) => paramName(p) === v) : -1;
    return i >= 0 ? paramType(at!, i) : undefined;
  }
  const call = MAKER_CALL.exec(v);
  if (!call) return undefined;
  const [, own, name] = call;
  if (own) {
    const method = fns.get(`${owner}.${name}`);
    if (method) return method.returns;
    const lambda = lambdas.get(`${short}.${name}`);
    return lambda ? valueClass(ctx, file, lambda[0], lambda[1], lambdas, depth + 1) : undefined;
  }
  if (/^[A-Z]/.test(name)) return undefined;
  const local = fns.get(name);
  if (local) return local.returns;
  const defs = ctx.functionsNamed(name);
  return defs.length === 1 ? defs[0].returns : undefined;
}

/**
 * The harness class a chain of fields ends on, from class `cls` of `file`: `['task', 'client']` in `Step` is the class
 * of field `client` of the class of `Step.task` (see fieldType), each class looked up in the file that declares it.
 * Undefined when a link is not declared or the class is not the harness's.
 */
export function fieldChainClass(ctx: RuleContext, file: string, cls: string, fields: readonly string[]): string | undefined {
  let at: string | undefined = cls;
  let where: string | undefined = file;
  for (const f of fields) {
    if (!at || !where) return undefined;
    at = fieldType(ctx, where, at, f);
    where = at ? classIndex(ctx).get(at)?.[0]?.file : undefined;
  }
  return where ? at : undefined;
}

/**
 * Method `method` as a call on a value declared of type `type` runs it: the class's own or inherited method, else,
 * for an interface or an abstract base, the method of each class that implements or extends it (at most four).
 */
export function methodsOfType(ctx: RuleContext, type: string, method: string): Located<FunctionFact>[] {
  const own = methodOf(ctx, type, method);
  if (own.length && !own.every((d) => protocolMethod(ctx, d))) return own;
  // A Python Protocol's method only declares the call: the classes that have the protocol's methods run it.
  if (own.length) {
    const impls = protocolImplementations(ctx, type, method);
    return impls.length ? impls : own;
  }
  const impls = ctx.memo('resolve:implementors', () => {
    const m = new Map<string, string[]>();
    for (const f of ctx.source) {
      for (const c of f.classes) {
        for (const b of [c.extends, ...c.implements]) {
          if (!b) continue;
          const k = b.replace(/<.*$/s, '').split('.').pop()!;
          const list = m.get(k);
          if (list) list.push(c.name);
          else m.set(k, [c.name]);
        }
      }
    }
    return m;
  });
  const out: Located<FunctionFact>[] = [];
  const subs = impls.get(type) ?? [];
  if (subs.length > 4) return out;
  for (const s of subs) out.push(...ctx.functionsNamed(`${s}.${method}`));
  return out;
}

/** Source classes declared as a Python Protocol (`class BackendLike(Protocol)`, `typing.Protocol[T]`), by name → the names of their methods. */
function protocols(ctx: RuleContext): Map<string, string[]> {
  return ctx.memo('resolve:protocols', () => {
    const m = new Map<string, string[]>();
    for (const f of ctx.source) {
      if (f.lang !== 'py') continue;
      for (const c of f.classes) {
        if (![c.extends, ...c.implements].some((b) => b && /^(?:typing\.|typing_extensions\.)?Protocol\b/.test(b))) continue;
        const prefix = `${c.name}.`;
        m.set(c.name, f.functions.filter((x) => x.name.startsWith(prefix) && x.line >= c.line && x.end <= c.end).map((x) => x.name.slice(prefix.length)));
      }
    }
    return m;
  });
}

/** A method declared by a Python Protocol (see protocols). */
const protocolMethod = (ctx: RuleContext, d: FunctionFact): boolean => protocols(ctx).has(shortName(classOf(d.name)));

/**
 * The methods `method` of the classes that implement Protocol `type` (found by methodOf): the classes that extend it, and
 * the classes that define, own or inherited, every method the protocol declares (structural typing: `OpenAIBackend` and
 * `LocalBackend` both with `complete` and `stream` for a `ModelBackend` protocol). Empty past four classes.
 */
function protocolImplementations(ctx: RuleContext, type: string, method: string): Located<FunctionFact>[] {
  const protos = protocols(ctx);
  const proto = [...protos.entries()].find(([name]) => name === type || descends(ctx, type, name, 3));
  if (!proto) return [];
  // Dunder methods (`__aenter__`) may come from a library base: the protocol's own methods say what it is.
  const needs = proto[1].filter((n) => !/^__\w+__$/.test(n));
  const out: Located<FunctionFact>[] = [];
  const seen = new Set<string>();
  let impls = 0;
  for (const d of ctx.functionsNamed(method)) {
    const cls = shortName(classOf(d.name));
    if (!cls || d.name !== `${classOf(d.name)}.${method}` || protos.has(cls) || seen.has(cls)) continue;
    seen.add(cls);
    if (!descends(ctx, cls, proto[0], 3) && !needs.every((n) => methodOf(ctx, cls, n).length)) continue;
    if (++impls > 4) return [];
    out.push(...methodOf(ctx, cls, method));
  }
  return out;
}

/** Each source class's base class by short name (`class Coder(ToolCallAgent)` → `ToolCallAgent`). */
export function classBases(ctx: RuleContext): Map<string, string> {
  return ctx.memo('resolve:bases', () => {
    const b = new Map<string, string>();
    for (const f of ctx.source) for (const c of f.classes) if (c.extends) b.set(c.name, c.extends.replace(/<.*$/s, '').split('.').pop()!);
    return b;
  });
}

/** Class `cls` is `ancestor` or extends it, within `levels` classes up (`classBases`, by short name). */
export function descends(ctx: RuleContext, cls: string, ancestor: string, levels: number): boolean {
  const bases = classBases(ctx);
  for (let c: string | undefined = cls, i = 0; c && i <= levels; c = bases.get(c), i++) if (c === ancestor) return true;
  return false;
}

/** Class name → the interfaces it implements (`implements A, B<T>`; a Python class's bases after the first). */
function classInterfaces(ctx: RuleContext): Map<string, string[]> {
  return ctx.memo('resolve:interfaces', () => {
    const m = new Map<string, string[]>();
    for (const f of ctx.source) for (const c of f.classes) if (c.implements.length) m.set(c.name, c.implements.map((i) => i.replace(/<.*$/s, '').split('.').pop()!));
    return m;
  });
}

/**
 * Whether every definition of method `name` is a method of one class family: an abstract or base
 * method and its overrides (`BaseAgent.step`, `ReActAgent.step`, `ToolCallAgent.step` …), or the
 * implementations of one interface, so a call `self.step()` means that family's method, however many
 * classes override it.
 */
export function oneClassFamily(ctx: RuleContext, name: string, defs: readonly FunctionFact[]): boolean {
  const cache = ctx.memo('resolve:one-family', () => new Map<string, boolean>());
  let hit = cache.get(name);
  if (hit !== undefined) return hit;
  hit = false;
  const classes = new Set<string>();
  for (const d of defs) {
    const cls = classOf(d.name);
    if (!cls || d.name !== `${cls}.${name}`) {
      classes.clear();
      break;
    }
    classes.add(cls.slice(cls.lastIndexOf('.') + 1));
  }
  if (classes.size > 1) {
    const bases = classBases(ctx);
    // A defining class that every other defining class extends (within four levels).
    const chain = (c: string) => {
      const out = [c];
      for (let b = bases.get(c), level = 0; b && level < 4; b = bases.get(b), level++) out.push(b);
      return out;
    };
    const chains = [...classes].map(chain);
    hit = [...classes].some((root) => chains.every((ch) => ch.includes(root)));
    // Or classes that implement one interface (`class OpenAIClient implements ChatClient`, one per provider):
    // a call through the interface means one of them, whichever the harness was configured with.
    if (!hit) {
      const impl = classInterfaces(ctx);
      const [first, ...rest] = chains.map((ch) => new Set(ch.flatMap((c) => impl.get(c) ?? [])));
      hit = [...first].some((i) => rest.every((r) => r.has(i)));
    }
  }
  cache.set(name, hit);
  return hit;
}

/** Method `method` of class `cls`, or inherited from the classes it extends (up to three levels up). */
export function methodOf(ctx: RuleContext, cls: string, method: string): Located<FunctionFact>[] {
  const bases = classBases(ctx);
  for (let c: string | undefined = cls, level = 0; c && level < 4; c = bases.get(c), level++) {
    const found = ctx.functionsNamed(`${c}.${method}`);
    if (found.length) return found;
  }
  return [];
}

/** A call that puts an item in a list or set: `self.callbacks.append(X())`, `this.hooks.push(new X())`. */
const FILL_CALL = /^(?:(self|this)\.)?(\w+)\.(append|push|insert|add|unshift|extend|appendleft)$/;
/**
 * The classes constructed in a text: `[A(), B(x)]`, `new X({…})`. (No optional `new\s+` before the name: it matched only
 * lower-case letters and spaces, which cannot start a capture, so it changed no match but kept the engine from scanning
 * for the capital that starts one: measured 5-10x slower on gemini-cli's list literals and appends.)
 */
const CONSTRUCTED = /(?<![\w.])([A-Z]\w*)\s*\(/g;
const constructed = (text: string): string[] => [...text.matchAll(CONSTRUCTED)].map((m) => m[1]);
/** `constructed`, with no pattern run on a text without a `(` (most of the values and arguments a file's index reads). */
const constructedIn = (text: string): string[] => (text.includes('(') ? constructed(text) : []);
/** The collection a loop walks, with the copying or ordering around it taken off: `reversed(self.chain)`, `[...this.hooks]`, `this.hooks.values()`. */
const unwrapIterable = (text: string): string => {
  let t = text.trim();
  for (let i = 0; i < 3; i++) {
    const before = t;
    t = t
      .replace(/^(?:reversed|list|tuple|sorted|Object\.values|Array\.from)\((.+?)(?:,[^()]*)?\)$/s, '$1')
      .replace(/^\[\s*\.\.\.(.+)\]$/s, '$1')
      .replace(/\.(?:values|slice|copy)\(\)$/, '')
      .replace(/\[:\]$/, '')
      .trim();
    if (t === before) break;
  }
  return t;
};

interface Fill { owner: string; cls: string }

/**
 * Where the harness puts instances in a list field or a local list: field name (`callbacks`) or `file#fn#name` for a
 * local → the classes constructed into it, with the class whose code does it. From a list literal bound to the name
 * (`self.middleware_chain = [LoggingMiddleware()]`), a call adding to it (`self.callbacks.append(Saver(dir))`,
 * `this.hooks.push(new AuditHook())`), or a list handed to the constructor parameter that fills the field
 * (`def __init__(self, callbacks=None): self.callbacks = callbacks or []` and `Agent(callbacks=[Saver()])`).
 */
function collectionFills(ctx: RuleContext): Map<string, Fill[]> {
  return ctx.memo('resolve:collection-fills', () => {
    const m = new Map<string, Fill[]>();
    const add = (key: string, owner: string, classes: string[]) => {
      if (!classes.length) return;
      const list = m.get(key) ?? [];
      for (const cls of classes) if (!list.some((x) => x.owner === owner && x.cls === cls)) list.push({ owner, cls });
      m.set(key, list);
    };
    const classes = classIndex(ctx);
    // Constructor parameters stored in a field: `Class#param` → field.
    const byParam = new Map<string, { field: string; index: number }>();
    for (const f of ctx.source) {
      const own = fileFills(ctx, f, classes);
      for (const [key, owner, made] of own.adds) add(key, owner, made);
      for (const [key, param] of own.params) byParam.set(key, param);
    }
    // Lists handed to a constructor whose parameter fills a field: keyword (`callbacks=[…]`, `{ hooks: [new X()] }`) or by position.
    for (const [key, { field, index }] of byParam) {
      const [owner, param] = key.split('#');
      const calls = ctx.callsNamed(owner);
      if (!calls.length) continue;
      const kw = new RegExp(`(?:^|[{,\\s])${param}\\s*[:=]\\s*(\\[.*)$`, 's');
      for (const c of calls) {
        for (const [i, a] of c.args.entries()) {
          // The pattern only where the parameter's name is in the text (a plain search, far cheaper on long arguments).
          const k = a.includes(param) ? kw.exec(a) : null;
          const list = k ? k[1] : i === index && a.trim().startsWith('[') ? a : undefined;
          if (list) add(field, owner, constructed(list).filter((x) => classes.has(x)));
        }
      }
    }
    return m;
  });
}

/** What one file adds to collectionFills, in its order: the lists it fills (key, owner, classes) and the constructor parameters it stores in a field. */
interface FileFills {
  adds: Array<[string, string, string[]]>;
  params: Array<[string, { field: string; index: number }]>;
}

/** The methods a collection append may be written with (the last identifier of FILL_CALL). */
const FILL_NAMES = new Set(['append', 'push', 'insert', 'add', 'unshift', 'extend', 'appendleft']);

/**
 * One file's share of collectionFills, read once per audit: it depends on the file's facts and on which classes
 * there are, not on the order of the source files, so its memo is carried over their reorder (LOOP_MEMOS,
 * RuleContext.agentFirst), which rebuilds the map from these shares.
 */
function fileFills(ctx: RuleContext, f: FileFacts, classes: Map<string, ClassInfo[]>): FileFills {
  return ctx.perFile('resolve:file-fills', f.path, () => {
    const out: FileFills = { adds: [], params: [] };
    const ctors = new Map<string, FunctionFact>();
    for (const fn of f.functions) if (/\.(?:constructor|__init__)$/.test(fn.name)) ctors.set(fn.name, fn);
    // Only a list literal or a constructor's binding adds anything: the others are passed over before their class is worked out.
    for (const b of f.binds ?? []) {
      const v = b.value.trim();
      const list = v.startsWith('[');
      const ctor = list || !ctors.size ? undefined : ctors.get(b.fn);
      if (!list && !ctor) continue;
      const owner = shortName(classOf(b.fn));
      if (list) {
        const made = constructedIn(v).filter((c) => classes.has(c));
        out.adds.push([`${f.path}#${b.fn}#${b.name}`, owner, made]);
        if (owner) out.adds.push([b.name, owner, made]);
        continue;
      }
      const p = /^(\w+)(?:\s+or\s+\[\]|\s*\?\?\s*\[\]|\s*\|\|\s*\[\])?$/.exec(v)?.[1];
      if (ctor && p) {
        const index = ctor.params.findIndex((x) => paramName(x) === p);
        if (index >= 0) out.params.push([`${owner}#${p}`, { field: b.name, index: index - (ctor.params[0] === 'self' ? 1 : 0) }]);
      }
    }
    for (const c of f.calls) {
      const fill = FILL_NAMES.has(c.name) ? FILL_CALL.exec(c.callee) : null;
      if (!fill) continue;
      const made = c.args.flatMap(constructedIn).filter((x) => classes.has(x));
      if (fill[1]) out.adds.push([fill[2], shortName(classOf(c.fn)), made]);
      else out.adds.push([`${f.path}#${c.fn}#${fill[2]}`, shortName(classOf(c.fn)), made]);
    }
    out.adds = out.adds.filter(([, , made]) => made.length > 0);
    return out;
  });
}

/** The arrow handed to `list.forEach(…)` / `list.map(…)` names its one parameter: `(hook) => …`, `async h => …`. */
const EACH_ARROW = /^(?:async\s*)?\(?\s*(\w+)\s*(?::[^)=]*)?\)?\s*=>/;

/**
 * The methods a call `x.m(…)` runs when `x` walks a collection of the harness's own objects (callbacks, hooks,
 * middlewares, observers): `for cb in self.callbacks: cb.on_step(…)`, `for (const hook of this.hooks) hook.onToolCall(…)`,
 * `this.middlewares.forEach((m) => m.afterTurn(…))`. Method `m` (own or inherited) of each class whose instances are put
 * in that collection (see collectionFills) by the walking class, a class it extends or one that extends it. Failing
 * that, with `byName`, the methods `m` of one class family (a base that declares `m` and its overrides, see
 * oneClassFamily, at most eight): a link that rests on the method's name. Empty when `x` walks no collection.
 */
export function collectionCallees(ctx: RuleContext, file: string, fn: string, callee: string, line: number, byName = true): Located<FunctionFact>[] {
  const call = /^(\w+)\.(\w+)$/.exec(callee);
  if (!call) return [];
  const [, x, method] = call;
  // The collections walked in this function, by the walking variable: loops, then `list.forEach((x) => …)` (memoised per file).
  const walks = ctx.perFile('resolve:walks', file, () => {
    const walks: Map<string, Array<{ line: number; end: number; iterable: string }>> = new Map();
    const put = (key: string, w: { line: number; end: number; iterable: string }) => {
      const list = walks.get(key);
      if (list) list.push(w);
      else walks.set(key, [w]);
    };
    const f = ctx.file(file);
    for (const l of f?.loops ?? []) if (l.var) put(`${l.fn}#${l.var}`, { line: l.line, end: l.end, iterable: l.cond });
    if (f && f.lang !== 'py') {
      for (const c of f.calls) {
        if (c.name !== 'forEach' && c.name !== 'map') continue;
        const v = EACH_ARROW.exec(c.args[0] ?? '')?.[1];
        // The arrow's end is not recorded: it runs from the call's line on, up to a later walk by the same name.
        if (v) put(`${c.fn}#${v}`, { line: c.line, end: Infinity, iterable: c.callee.slice(0, c.callee.lastIndexOf('.')) });
      }
    }
    return walks;
  });
  let iterable: string | undefined;
  let from = -1;
  for (const w of walks.get(`${fn}#${x}`) ?? []) if (w.line <= line && line <= w.end && w.line > from) (iterable = w.iterable), (from = w.line);
  if (iterable === undefined) return [];
  const held = /^(?:(self|this)\.)?(\w+)$/.exec(unwrapIterable(iterable));
  if (!held) return [];
  const walker = shortName(classOf(fn));
  const fills = held[1] ? (walker ? (collectionFills(ctx).get(held[2]) ?? []).filter((x) => x.owner === walker || descends(ctx, x.owner, walker, 3) || descends(ctx, walker, x.owner, 3)) : []) : (collectionFills(ctx).get(`${file}#${fn}#${held[2]}`) ?? []);
  const out: Located<FunctionFact>[] = [];
  for (const cls of new Set(fills.map((x) => x.cls))) for (const d of methodOf(ctx, cls, method)) if (!out.includes(d)) out.push(d);
  if (out.length || !byName) return out;
  const defs = ctx.functionsNamed(method).filter((d) => d.name.endsWith(`.${method}`));
  return defs.length > 1 && defs.length <= 8 && oneClassFamily(ctx, method, defs) ? defs : [];
}
