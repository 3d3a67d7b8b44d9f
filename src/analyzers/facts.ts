/**
 * The facts an analyzer extracts from a repository: plain, serialisable data with `file:line`.
 * Rules read these and never see an AST node, so a second language analyzer serves every rule.
 * Lines are 1-based. `fn` names the enclosing function as `Class.method`, `name`, or `<top>`.
 */

export type FileRole = 'source' | 'test';

export interface ImportFact {
  /** Module specifier as written. */
  from: string;
  /** Imported binding names (default import as `default`, namespace as `*`). */
  names: string[];
  line: number;
  /**
   * Local bindings that differ from what they import: local name → imported name (`default` for a
   * default import, `*` for a namespace or whole module: `import numpy as np` → `{ np: '*' }`,
   * `import { chat as complete }` → `{ complete: 'chat' }`). Absent when there are none.
   */
  as?: Record<string, string>;
}

export interface FunctionFact {
  /** `Class.method`, a function's name, the variable or property an arrow is bound to, or `<anon>`. */
  name: string;
  line: number;
  end: number;
  params: string[];
  exported: boolean;
  /** `async`, `generator` (function*), or both. */
  async: boolean;
  generator: boolean;
  /** Decorator texts without the `@`, cut to 60 characters: `tool`, `mcp.tool()`, `app.command("x")`. */
  decorators?: string[];
  /**
   * TypeScript: the class each parameter is declared with (`service: MessagesService` → `MessagesService`,
   * `Repo<Message> | undefined` → `Repo`), '' where it has none; absent when no parameter has one. Python keeps
   * the annotation in the parameter's own text (`llm: LLM`).
   */
  paramTypes?: string[];
  /**
   * The class the function is declared to return (`def make_backend() -> Backend`, `Optional["LLM"]`,
   * `createClient(): ChatClient`), absent without one.
   */
  returns?: string;
}

export interface CallFact {
  /** Callee as written, whitespace collapsed, e.g. `this.policy.check`; `new X` for constructions. */
  callee: string;
  /** The last identifier of the callee: `check`. */
  name: string;
  line: number;
  fn: string;
  /** Argument texts, whitespace collapsed, each cut to 100 characters. */
  args: string[];
  /** The call sits in a condition (if, while, ternary, switch, `&&`/`||` guard) or a return/throw. */
  cond: boolean;
  /** Optional call (`a?.b()`), i.e. it may not run. */
  optional: boolean;
  /** The call's own statement is inside a `catch` block. */
  inCatch: boolean;
  /**
   * Set on a call the analyzer adds for a function handed to a runner that runs it for the caller
   * (`await asyncio.to_thread(save, path, state)` → `save(path, state)`,
   * `await loop.run_in_executor(None, fn, x)` → `fn(x)`): the runner's name (`to_thread`). The
   * runner's own call is recorded as well, first, on the same line.
   */
  via?: string;
}

export interface ObjectFact {
  /** Property names of an object literal or class body. */
  keys: string[];
  /** Literal-ish value texts for keys whose value is short (≤ 100 chars): `'bash'`, `true`, `z.object(...)`. */
  values: Record<string, string>;
  line: number;
  end: number;
  fn: string;
  /**
   * Where the object goes: `array:<var>`, `arg:<callee>`, `var:<name>`, `prop:<key>`, `return`,
   * `new:<Class>`, `class:<Name>` (for class bodies), `type:<Name>` (interfaces / type literals), `other`.
   */
  ctx: string;
  /**
   * For an object handed to a call that is itself a property's value, the property's name:
   * `{ run_shell: tool({ … }) }` → `run_shell` (ctx `arg:tool`). The builder call has no name of its own.
   */
  key?: string;
  /**
   * For an object handed to a call, that the enclosing function returns the call: `return tool({ … })` in any
   * return statement, or an arrow's expression body (`(deps) => tool({ … })`).
   */
  returned?: boolean;
}

export interface ClassFact {
  name: string;
  line: number;
  end: number;
  extends?: string;
  implements: string[];
  members: string[];
  exported: boolean;
  /**
   * The class each typed field holds, from its declaration (`private store: SessionStore`; Python's class-level
   * `store: SessionStore`) or a constructor parameter property (`constructor(private readonly store: SessionStore)`).
   * Absent when none.
   */
  fieldTypes?: Record<string, string>;
}

export interface ExitFact {
  kind: 'break' | 'return' | 'throw' | 'yield-return';
  line: number;
  /** Text of the nearest enclosing `if` condition inside the loop, if any. */
  cond?: string;
}

export interface LoopFact {
  kind: 'while' | 'do' | 'for' | 'for-of' | 'for-in';
  line: number;
  end: number;
  fn: string;
  /** Condition text (`true`, `turn < maxTurns`, empty for `for(;;)`). */
  cond: string;
  /** No condition can end it by itself: `while (true)`, `for (;;)`. */
  infinite: boolean;
  exits: ExitFact[];
  /** A for-of / for-in loop's variable when it is one name (`for cb in self.callbacks`, `for (const hook of this.hooks)`): `cb`, `hook`. */
  var?: string;
}

export interface TypeFact {
  name: string;
  kind: 'union' | 'interface' | 'enum' | 'alias';
  line: number;
  /** Property names (interfaces, type literals), member names (enums), or member type texts (unions). */
  members: string[];
  /** Literal discriminant values found on union members (`type: 'turn_start'`) or string-literal unions. */
  tags: string[];
  /** The discriminant property name when union members carry one (`type`, `kind`, …). */
  discriminant?: string;
  exported: boolean;
}

export interface ConstFact {
  /** Variable, property, parameter or field name. */
  name: string;
  /** Literal value text: `20`, `-1`, `'plan'`, `true`, `undefined`, `Infinity`. */
  value: string;
  line: number;
  fn: string;
  kind: 'var' | 'prop' | 'param' | 'field' | 'assign';
}

export interface StringFact {
  value: string;
  line: number;
}

export interface LocalFnFact {
  name: string;
  line: number;
  /** Import specifiers whose bindings the body uses. */
  uses: string[];
  /** Other local functions the body calls. */
  calls: string[];
}

export interface TestCaseFact {
  name: string;
  line: number;
}

/** A test case that does not run: skipped (`it.skip`, `xit`, `@pytest.mark.skip`, …) or a todo (`it.todo`). */
export interface SkippedTestFact extends TestCaseFact {
  how: 'skip' | 'todo';
}

/** `target[key]` with a computed (non-literal) key: a lookup by a runtime value, e.g. `tools[toolName]`. */
export interface LookupFact {
  /** The indexed expression, whitespace collapsed, cut to 60 characters: `this.tools`. */
  target: string;
  /** The key expression, cut to 60 characters: `call.name`. */
  key: string;
  line: number;
  fn: string;
}

/** An `if` whose then-branch exits directly (its own statement list holds a return/throw/raise/continue). */
export interface GuardFact {
  /** Condition text, cut to 120 characters. */
  cond: string;
  exit: 'return' | 'throw' | 'continue' | 'break';
  line: number;
  fn: string;
  /** For a `return` of a bare name (`if (count <= maxTokens) return text`): the name returned. */
  returns?: string;
}

/** A size comparison (`<`, `<=`, `>`, `>=`, chained in Python): the whole text, so rules can ask what is compared with what. */
export interface CompareFact {
  /** Comparison text, whitespace collapsed, cut to 160 characters: `input_tokens > self.max_input_tokens > 0`. */
  text: string;
  line: number;
  fn: string;
}

/**
 * A binding of a name to a computed (non-literal) value: `const threshold = maxInputTokens * 0.95`,
 * `self.limit = cfg.max_tokens - reserve`. Lets a rule trace a compared name one step back.
 */
export interface BindFact {
  /** The bound identifier, or the property for `this.x =` / `self.x =`. */
  name: string;
  /** Value text, whitespace collapsed, cut to 120 characters. */
  value: string;
  line: number;
  fn: string;
}

/**
 * An item assignment: `dbs.logs[step.__name__] = json.dumps(messages)`, `self.cache[key] = value`. Lets a rule
 * follow a write made through a class's `__setitem__` (a file-backed key-value store).
 */
export interface ItemSetFact {
  /** The object indexed, whitespace collapsed, cut to 80 characters: `dbs.logs`. */
  target: string;
  /** The key expression, cut to 80 characters: `step.__name__`, `"token_usage"`. */
  key: string;
  /** The assigned value, cut to 120 characters. */
  value: string;
  line: number;
  fn: string;
}

export const MAX_ITEM_SETS = 400;

/**
 * An accumulation: `total += usage.input_tokens`, `self.cost += cost` (compound `+=`). Lets a rule
 * see a running total being added to, and what is added.
 */
export interface AddFact {
  /** The target, whitespace collapsed, cut to 80 characters: `this.stats.tokens`, `total_cost`. */
  target: string;
  /** The added value, whitespace collapsed, cut to 120 characters. */
  value: string;
  line: number;
  fn: string;
}

/**
 * An `if` (or `switch`) that picks a branch by comparing a value with a string literal:
 * `mode === 'plan'`, `kind in ('a', 'b')`, `switch (agentType)` with string cases. Lets a rule ask
 * whether a fact sits in code chosen by a mode, kind or name (lines `line`..`end`, else branch included).
 */
export interface BranchFact {
  /** Condition text, cut to 120 characters; `switch (<expr>)` for a switch. */
  cond: string;
  line: number;
  end: number;
  fn: string;
}

/**
 * An `if` with an `else` (or `elif`): both sides of a test, so a rule can tell which side runs a
 * call (`if name not in tools: error… else: tools[name](…)`, `if tool: tool.run() else: warn(…)`).
 */
export interface ForkFact {
  /** Condition text, cut to 120 characters. */
  cond: string;
  line: number;
  /** First line of the else (or elif) side. */
  elseLine: number;
  end: number;
  fn: string;
}

/**
 * A conditional expression choosing between two names: `chatType === ChatType.ASK ? readOnlyTools : allTools`,
 * `read_only_tools if mode == "ask" else all_tools`. Only recorded when both sides are names or member reads,
 * so a rule can see one collection picked over another by a test.
 */
export interface PickFact {
  /** Condition text, whitespace collapsed, cut to 120 characters. */
  cond: string;
  /** The name chosen when the test holds, and the other one. */
  then: string;
  else: string;
  line: number;
  fn: string;
}

export const MAX_PICKS = 300;
/** A name or member read, at most 60 characters: `readOnlyToolset`, `this.tools`, `self.read_only_tools`. */
export const PICK_NAME = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*$/;
export const MAX_FORKS = 400;
export const MAX_BRANCHES = 400;
export const MAX_ADDS = 600;
export const MAX_COMPARES = 800;
export const MAX_BINDS = 1500;

/** Per-file caps on lookups and guards, so one generated-looking file cannot flood the facts. */
export const MAX_LOOKUPS = 400;
export const MAX_GUARDS = 800;

export interface AssertFact {
  text: string;
  line: number;
}

export interface FileFacts {
  /** POSIX path relative to the audited root. */
  path: string;
  role: FileRole;
  lang: 'ts' | 'js' | 'py';
  lines: number;
  /** Syntax errors the parser recovered from (the file is still analysed). */
  parseErrors: number;
  imports: ImportFact[];
  functions: FunctionFact[];
  calls: CallFact[];
  objects: ObjectFact[];
  classes: ClassFact[];
  loops: LoopFact[];
  types: TypeFact[];
  consts: ConstFact[];
  strings: StringFact[];
  /** Property names read (not called), with up to 20 lines each: `tool.readOnly` → `readOnly`. */
  reads: Record<string, number[]>;
  /** Test files only: test case names and assertion lines. */
  tests: TestCaseFact[];
  asserts: AssertFact[];
  /** Test files only: cases that are skipped or todo (not in `tests`; their assertions not in `asserts`). */
  skippedTests?: SkippedTestFact[];
  /**
   * Test files only: functions the test file defines itself (`function isPathAllowed(p) {…}`, `def _allowed(p):`),
   * with the import specifiers whose bindings their bodies use and the other local functions they call; and the
   * file's import bindings (local name → specifier). Lets a rule tell a test of harness code from a test of a
   * copy of it written in the test.
   */
  localFns?: LocalFnFact[];
  bindings?: Record<string, string>;
  /** Computed-key lookups (`tools[name]`), at most MAX_LOOKUPS per file. */
  lookups: LookupFact[];
  /** `if` statements whose then-branch returns or throws directly, at most MAX_GUARDS per file. */
  guards: GuardFact[];
  /** Size comparisons (`a > b`), at most MAX_COMPARES per file. */
  compares?: CompareFact[];
  /** Names bound to computed values, at most MAX_BINDS per file. */
  binds?: BindFact[];
  /** Compound `+=` accumulations, at most MAX_ADDS per file. */
  adds?: AddFact[];
  /** Compound `-=` subtractions (`this.totalTokens -= msg.tokens`), at most MAX_ADDS per file. */
  subs?: AddFact[];
  /** Branches chosen by comparing with a string literal, at most MAX_BRANCHES per file. */
  branches?: BranchFact[];
  /** Python item assignments (`x[k] = v`), at most MAX_ITEM_SETS per file. */
  itemSets?: ItemSetFact[];
  /**
   * Entries set on a local record, TypeScript and Python alike (`toolDict[name] = tool`, `schemas.search = z.object(…)`,
   * `tools["web"] = WebTool()`): the target is a plain name (not `this` / `self`), at most MAX_ITEM_SETS per file.
   * A record assembled entry by entry, such as a tool set built under conditions.
   */
  entrySets?: ItemSetFact[];
  /** `if` statements with an else side, at most MAX_FORKS per file. */
  forks?: ForkFact[];
  /** `if` statements testing a flag (see FLAG_TEST), at most MAX_BRANCHES per file. */
  flagIfs?: BranchFact[];
  /** Conditional expressions choosing between two names, at most MAX_PICKS per file. */
  picks?: PickFact[];
  /** Python comprehensions that keep the items meeting a condition, at most MAX_SIEVES per file. */
  sieves?: SieveFact[];
}

/**
 * A Python comprehension with an `if` clause, the form of `.filter` in Python: `[t for t in tools if t.name in
 * allowed]`, `{n: c for n, c in self._tools.items() if n in enabled}`. The collection walked and the condition kept.
 */
export interface SieveFact {
  /** The collection walked, whitespace collapsed, cut to 80 characters: `self._all_tools.items()`. */
  coll: string;
  /** The condition, whitespace collapsed, cut to 120 characters: `name_matches(name, self._config.enabled_tools)`. */
  cond: string;
  line: number;
  fn: string;
}

export const MAX_SIEVES = 300;

export interface ManifestFact {
  path: string;
  name?: string;
  dependencies: string[];
  scripts: Record<string, string>;
  bin: string[];
  /**
   * User commands an editor extension declares in its manifest (`contributes`): slash commands of
   * its chat participants (`chat`, name + description) and palette/button commands (`editor`,
   * command id + title). Absent when there are none.
   */
  commands?: ManifestCommand[];
}

export interface ManifestCommand {
  kind: 'chat' | 'editor';
  name: string;
  description?: string;
  line: number;
  /** Line of the manifest key that lists them (`"chatParticipants"`, `"commands"`). */
  listLine?: number;
}

/**
 * One entry of a configuration file inside the harness (YAML, JSON or TOML): tool definitions,
 * limits, permission settings, agent definitions. Every scalar and every key that opens a map or
 * list is one entry, so rules can ask "is there a `step_limit` under `agent`" with `file:line`.
 */
export interface ConfigEntryFact {
  /** Dotted key path from the document root; list items as `[i]`: `agent.model.per_instance_cost_limit`, `tools[0].name`. */
  path: string;
  /** The last key of the path (`per_instance_cost_limit`); for a list item, the list's key. */
  key: string;
  /** Scalar value as text (`3.0`, `true`, `bash`), cut to 200 characters; '' for a map or list. */
  value: string;
  line: number;
}

export interface ConfigFileFacts {
  /** POSIX path relative to the audited root. */
  path: string;
  /** `markdown`: the YAML front matter of an agent definition file (`agents/explore.md`), its body as `body`. */
  format: 'yaml' | 'json' | 'toml' | 'markdown';
  entries: ConfigEntryFact[];
}

export interface SkippedFile {
  path: string;
  reason: string;
}

export interface RepoFacts {
  root: string;
  files: FileFacts[];
  manifests: ManifestFact[];
  /** Configuration files inside the harness (not manifests, lock files or CI files). */
  configs: ConfigFileFacts[];
  /** The TypeScript / JavaScript project files (`tsconfig*.json`, `jsconfig*.json`): how their imports resolve. */
  tsconfigs?: TsConfigFact[];
  skipped: SkippedFile[];
}

/**
 * What a `tsconfig.json` / `jsconfig.json` says about resolving imports: the configs it extends (as written) and its
 * `compilerOptions.baseUrl` and `paths` and its `include` (as written, relative to this file's folder), each only when set.
 */
export interface TsConfigFact {
  path: string;
  extends?: string[];
  baseUrl?: string;
  paths?: Record<string, string[]>;
  /** `include` patterns as written: which files the project holds, when its folder has several project files. */
  include?: string[];
}

/**
 * An object placed as a documentation example (`"example": {…}`, `examples=[{…}]`: an OpenAPI response
 * example, a schema's sample payload, a field's `examples`): it shows what data looks like, it defines
 * nothing, so the analyzers record no object fact for it (its own nested objects are recorded as usual).
 */
/**
 * Wrappers that return a delayed or rate-limited version of the function they are given (`debounce`, `_.throttle`,
 * `useDebouncedCallback`), as a regex alternation: calling what they return runs that function. The TypeScript facts
 * name a function literal so wrapped after the name its result is bound to; the rules resolve a name bound to a
 * wrapped reference to the function it wraps.
 */
export const DELAY_WRAPPERS = 'debounce|throttle|pDebounce|pThrottle|useDebouncedCallback|useThrottledCallback|debounceAsync|throttleAsync';

export const EXAMPLE_PAYLOAD = /^(?:prop|array):examples?$/i;

/** A condition that compares a value with a string literal (`mode === 'plan'`, `['a', 'b'].includes(kind)`, `kind in ('a', 'b')`). */
export const LITERAL_CASE = /['"`]\s*(?:[!=]==?|\]\s*\.includes\()|(?:[!=]==?|\bin\s*[[({])\s*['"`]/;
/**
 * A condition that tests one flag: a name or member read, negated or not, or a call with at most one
 * literal argument (`profile.useAiderTools`, `!this.useWebSearch`, `features.has('survey')`,
 * `not self.enable_browser`, `settings.isEnabled()`), no comparison and no combination.
 */
export const FLAG_TEST = /^(?:!\s*|not\s+)?[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*(?:\(\s*(?:(['"`])[\w.:-]*\1)?\s*\))?$/;
/** A condition that compares a value with a named constant's member (`result === APPROVAL.APPROVE`, `status == Decision.DENIED`). */
export const CONST_CASE = /(?:[!=]==?|\bis\s)\s*[A-Za-z_$][\w$]*\.[A-Z][A-Z0-9_]+\b(?![\w$.(])/;
