import type { FileFacts } from '../../analyzers/facts.js';
import { at, ev, finding } from '../shared/scan.js';
import { shortName, type RuleContext } from '../context.js';
import { agentLoops } from '../shared/loop.js';
import { fileWords, harnessImport, harnessTests, importedSources, nameWords, words } from '../shared/tests.js';
import { offPathUi } from '../shared/ui.js';
import { permissionCalls, shellSinks, toolDeclarations } from '../shared/tools.js';
import { defineRule, type Evidence } from '../types.js';

/** One pattern matching any of the given ones, tried in order, with the first one's flags. */
const anyOf = (...res: RegExp[]): RegExp => new RegExp(res.map((r) => r.source).join('|'), res[0].flags);

/** Safety stops a test can assert, by kind. Matched on test names and assertion lines. */
const KINDS: Array<{ kind: string; re: RegExp }> = [
  {
    kind: 'permission denial',
    // Not text sanitising: "strips every disallowed C0 control character" removes characters, it refuses no action.
    re: anyOf(
      /\b(?:den(?:y|ied|ies)|disallow(?:ed|s)?(?!(?:\s+[\w-]+){0,2}\s+(?:characters?|chars?|controls?|bytes?|code ?points?|whitespace|symbols?)\b)|not (?:be )?allowed|unauthori[sz]ed|forbidden|policy violation|permission denied|declin(?:e|ed|es|ing)|(?:requires?|requests?) (?:user )?(?:approval|confirmation)|(?:(?:block|reject)(?:s|ed|ing) (?:the |a )?|(?:should|must|to|will|can|does|cannot) (?:block|reject) (?:the |a )?|(?:block|reject) (?:the |a ))(?:tool|call|command|execution|write|edit|access|request))\b|POLICY_VIOLATION|\bDENY\b/i,
      // A request refused for missing credentials: the response status asserted as 401/403
      // (`expect(res.status).toBe(401)`, `assert r.status_code == 403`), or a test named for requiring auth.
      /\bstatus(?: ?code)?\)?\s*(?:\.to ?(?:Be|Equal)\(\s*|===?\s*)40[13]\b|\brequires? (?:authentication|auth)\b/,
      // A command shown for confirmation with a way to refuse it: the test asserts the prompt's choices
      // (`assert "[E]xecute, [A]bort" in result.output`, `expect(out).toContain('[y/N]')`).
      /\[a\]bort\b|\[y\/n\]|\(y\/n\)/,
    ),
  },
  {
    kind: 'dangerous command or code',
    re: anyOf(
      /dangerous|destructive|\b(?:command|shell|sql|code|prompt) injections?\b|\binjections? (?:attack|attempt|payload)s?\b|\b(?:block|prevent|reject|detect|sanitiz|escap)\w* (?:\w+ )?injections?\b|\binjections? (?:is |are |was )?(?:blocked|prevented|rejected|detected)\b|\bunsafe (?:command|code|path|import|builtin|call|operation)s?\b|rm -rf|path traversal|outside (?:the )?(?:workspace|root|project|cwd|sandbox)|escape(?:s|d)? (?:the )?(?:workspace|sandbox|root)|unauthori[sz]ed imports?|compound command|(?:is|are) blocked|blocks? (?:the )?(?:command|import|call|builtin|function|module)|\b(?:import|command|function|module|builtin)s? (?:is |are )?blocked\b/i,
      // Blocklists of commands: `test_exit_blocklist`, "rejects a denylisted command".
      /\b(?:block|deny|black)[ -]?list(?:ed)?\b/,
    ),
  },
  {
    kind: 'turn/step/budget cap',
    re: anyOf(
      // A cap on the model's tool calls: "total tool calls exceed limit", "maximum number of tool calls".
      /\btool calls? (?:count )?(?:exceed(?:s|ed)?|reach(?:es|ed)?|hits?) (?:the |its |a )?(?:limit|cap|max(?:imum)?)\b|\bmax(?:imum)? (?:number of )?tool calls\b|\btool calls? (?:limit|cap) (?:is |was )?(?:exceeded|reached|hit)\b/i,
      // A cap named for what it counts of the agent's or the model's work: "max agent turns", "max llm calls".
      /\bmax(?:imum)? (?:agent|llm|model) (?:turns|steps|calls|requests|rounds)\b/i,
      /\b(?:cost|step|turn|iteration) ?limit\b|\b(?:cost|token|step|turn|iteration|budget)s? ?limits? (?:is |was )?(?:exceeded|reached|hit)\b|\bexit (?:cost|context)\b|\bmax(?:imum)? ?(?:session )?(?:turns?|iterations?|steps?|loops)\b|max ?iterations ?reached|(?:turn|step|iteration) (?:limit|cap)|(?:budget|token limit|cost limit|token budget) (?:is )?(?:exceeded|reached|exhausted)|exceeds? (?:the )?(?:token |cost )?budget|halts? the (?:loop|agent)|\bcontext (?:window |length |limit )?(?:is |was )?exceeded\b|stops? (?:the )?(?:loop|agent) (?:after|when|at)/i,
    ),
  },
];

/**
 * Not a stop of the loop: a retry budget bounds one request; "unlimited" or "unset" asserts there is no cap;
 * a test named for validating the limit itself (`test_validate_max_llm_calls_negative`) checks the setting, not the
 * stop (unlike `test_validate_task_count_max_loops_error`, which validates the count against it).
 */
const RETRY = /\bretr(?:y|ies|ied)\b|\battempts?\b|\bunlimited\b|\bunset\b|\bno (?:limit|cap)\b|\bvalidat(?:e|es|ed|ion|ing|or)s? (?:the )?max(?:imum)?\b/;

const WEAK = /\btimeout(?!\s*:)|timed out|\babort|overflow|retry limit|retries exhausted|\bcancel/i;
// A retry bound asserted to end in an error: the call under `pytest.raises(...)` / `.rejects.toThrow()`
// is given a retry cap (`with pytest.raises(APIError): await llm(convo, max_retries=1)`).
const WEAK_RETRY_CAP = anyOf(WEAK, /\b(?:raises|to ?Throw|rejects)\b.*\bmax ?(?:retries|attempts)\b/);

/** The shell sinks a tool reaches (the bash tool's spawn) when any is known, else all: not a CLI's own `subprocess.run` of a package manager. */
function agentShellSinks(ctx: RuleContext) {
  return ctx.memo('verification:agent-shell-sinks', () => {
    const all = shellSinks(ctx);
    const fed = all.filter((x) => x.toolFed);
    return fed.length ? fed : all;
  });
}

/**
 * Permission calls of the agent: on the tool-dispatch path, or in a file of the agent's loop, tools or
 * shell sinks, a file they import or one that imports them. A decision elsewhere guards another feature: a
 * sign-in service's email allow-list (`enforceAllowedEmail(email)` in an auth service), an org-admin
 * API's 401, a CLI command's own `confirm()`; its tests are that feature's refusals, not the agent's.
 */
function agentPermissionCalls(ctx: RuleContext) {
  return ctx.memo('verification:agent-permission-calls', () => {
    const side = new Set<string>();
    for (const l of agentLoops(ctx)) side.add(l.file);
    for (const d of toolDeclarations(ctx)) side.add(d.file);
    for (const s of agentShellSinks(ctx)) side.add(s.file);
    const used = new Set<string>();
    for (const path of side) {
      const f = ctx.file(path);
      if (f) for (const dep of importedSources(ctx, f)) used.add(dep);
    }
    const near = (file: string): boolean => {
      if (side.has(file) || used.has(file)) return true;
      const f = ctx.file(file);
      return !!f && importedSources(ctx, f).some((d) => side.has(d));
    };
    return permissionCalls(ctx).filter((p) => p.onPath || near(p.file));
  });
}

/**
 * Source files where the harness's stops live: the agent loop (caps), permission decisions and the
 * functions they call, tools (input checks) and shell sinks, plus the modules those files import.
 */
function stopModules(ctx: RuleContext): { core: Set<string>; all: Set<string> } {
  return ctx.memo('verification:stop-modules', () => {
    const core = new Set<string>();
    for (const l of agentLoops(ctx)) core.add(l.file);
    for (const p of agentPermissionCalls(ctx)) {
      core.add(p.file);
      for (const d of ctx.functionsNamed(shortName(p.callee))) core.add(d.file);
    }
    for (const d of toolDeclarations(ctx)) core.add(d.file);
    for (const s of agentShellSinks(ctx)) core.add(s.file);
    const out = new Set(core);
    for (const path of core) {
      const f = ctx.file(path);
      if (f) for (const dep of importedSources(ctx, f)) out.add(dep);
    }
    // And the files that run the agent loop itself: the server route that answers with the loop's reply.
    const loops = new Set(agentLoops(ctx).map((l) => l.file));
    for (const f of ctx.source) if (!out.has(f.path) && importedSources(ctx, f).some((d) => loops.has(d))) out.add(f.path);
    return { core, all: out };
  });
}

/**
 * A Python test's absolute imports resolved inside a monorepo's packages: `from pkg_cli.org.main import x`
 * reaches `libs/cli/src/pkg_cli/org/main.py` when `pkg_cli` is a package folder (it holds `__init__.py`)
 * somewhere below the root, where importedSources only tries the root and `src/`.
 */
function packageImports(ctx: RuleContext, f: FileFacts): string[] {
  const roots = ctx.memo('verification:py-package-roots', () => {
    const dirs = new Set(ctx.source.filter((g) => g.path.endsWith('/__init__.py')).map((g) => g.path.slice(0, -'/__init__.py'.length)));
    const out = new Map<string, string[]>();
    for (const d of dirs) {
      const parent = d.slice(0, Math.max(0, d.lastIndexOf('/')));
      if (dirs.has(parent)) continue;
      const name = d.slice(d.lastIndexOf('/') + 1);
      out.set(name, [...(out.get(name) ?? []), d]);
    }
    return out;
  });
  const out = new Set<string>();
  for (const i of f.imports) {
    if (i.from.startsWith('.')) continue;
    const [top, ...rest] = i.from.split('.');
    for (const d of roots.get(top) ?? []) {
      const stem = [d, ...rest].join('/');
      for (const c of [`${stem}.py`, `${stem}/__init__.py`]) if (ctx.file(c)?.role === 'source') out.add(c);
    }
  }
  return [...out];
}

/**
 * How directly a test file drives the harness's stops: 0 when it imports a file where a stop lives
 * (loop, permission decision, tool, shell sink), 1 when it imports a module those files use, 2 when
 * its imports cannot be resolved (package imports), 3 when it imports only other harness code
 * (a guard module the finders above do not recognise, or unrelated code).
 */
function stopTier(ctx: RuleContext, f: FileFacts): number {
  let deps = importedSources(ctx, f);
  if (!deps.length && f.lang === 'py') deps = packageImports(ctx, f);
  if (!deps.length) return 2;
  const { core, all } = stopModules(ctx);
  if (deps.some((d) => core.has(d))) return 0;
  return deps.some((d) => all.has(d)) ? 1 : 3;
}

/**
 * Source files of each kind of stop. `site`: where the stop is applied on the harness's own path (the
 * file whose permission decision sits on the tool-dispatch path, the shell sinks, the agent loop's
 * cap); `mods`: where it is decided too (the decision's own module, the shell checks).
 */
function kindModules(ctx: RuleContext): Map<string, { site: Set<string>; mods: Set<string> }> {
  return ctx.memo('verification:kind-modules', () => {
    const denial = new Set<string>();
    const gateSites = new Set<string>();
    for (const p of agentPermissionCalls(ctx)) {
      if (p.kind !== 'decision') continue;
      if (p.onPath) gateSites.add(p.file);
      // The decision's own module: the definition on the receiver's class (`this.permissionEngine.evaluate` → PermissionEngine.evaluate).
      const defs = ctx.functionsNamed(shortName(p.callee));
      const recv = p.callee.split('.').slice(-2, -1)[0]?.toLowerCase();
      const own = recv ? defs.filter((d) => d.name.split('.').slice(-2, -1)[0]?.toLowerCase() === recv) : [];
      for (const d of own.length ? own : defs.length <= 3 ? defs : []) denial.add(d.file);
    }
    for (const g of gateSites) denial.add(g);
    const all = shellSinks(ctx);
    const danger = new Set(all.map((x) => x.file));
    // The sinks a tool reaches (the bash tool's spawn), not the package manager's own installs.
    const fed = all.filter((x) => x.toolFed);
    const sinks = new Set((fed.length ? fed : all).map((x) => x.file));
    for (const d of denial) danger.add(d);
    const cap = new Set(agentLoops(ctx).map((l) => l.file));
    return new Map([
      ['permission denial', { site: gateSites, mods: denial }],
      ['dangerous command or code', { site: sinks, mods: danger }],
      ['turn/step/budget cap', { site: cap, mods: cap }],
    ]);
  });
}

/** A file's name without folders, test affixes and extensions, lower-cased without separators (memoised: asked per test, dependency and kind). */
const STEMS = [new Map<string, string>(), new Map<string, string>()];
function stemOf(path: string, test: boolean): string {
  const memo = STEMS[test ? 1 : 0];
  let out = memo.get(path);
  if (out !== undefined) return out;
  let b = path.slice(path.lastIndexOf('/') + 1);
  const dot = b.lastIndexOf('.');
  if (dot > 0) b = b.slice(0, dot);
  if (test) b = b.replace(/^test_|_test$/, '').replace(/\.(?:test|spec)$/, '');
  const first = b.indexOf('.');
  out = (first > 0 ? b.slice(0, first) : b).replace(/[-_]/g, '').toLowerCase();
  if (memo.size > 50000) memo.clear();
  memo.set(path, out);
  return out;
}

/** A package's entry file that re-exports its modules (`index.ts`, `__init__.py`). */
const BARREL = /(?:^|\/)(?:index\.[cm]?[jt]sx?|__init__\.py)$/;

/**
 * Source files a test file imports, through one package entry: `import { AgentRuntime } from './index'`
 * reaches `agent-runtime.ts` where the entry re-exports that name.
 */
function testDeps(ctx: RuleContext, f: FileFacts): string[] {
  const deps = importedSources(ctx, f);
  if (!deps.some((d) => BARREL.test(d))) return deps;
  const out = new Set(deps);
  const names = new Set(f.imports.flatMap((i) => i.names));
  const own = stemOf(f.path, true);
  for (const d of deps) {
    if (!BARREL.test(d)) continue;
    const barrel = ctx.file(d);
    if (!barrel) continue;
    const targets = importedSources(ctx, barrel);
    for (const i of barrel.imports) {
      const spec = i.from.replace(/^\.+/, '');
      const stem = stemOf((barrel.lang === 'py' ? spec.replace(/\./g, '/') : spec) || 'index', false);
      // The names the test takes from the entry when they are known; else the module the test is named after.
      const wanted = names.size ? i.names.includes('*') || i.names.some((n) => names.has(n)) : stem === own;
      if (wanted) for (const t of targets) if (stemOf(t, false) === stem) out.add(t);
    }
  }
  return [...out];
}

const NEGATED = /\.toBe\(\s*false\s*\)|\bnot in\b|\.toBeFalsy\(\)|\.not\.to|\bis False\b|==\s*False\b|assert not\b|assertFalse\(/;

/** An assertion that a value fails a schema (`pytest.raises(ValidationError)`, `toThrow(ZodError)`): a schema test, not a safety stop. */
const SCHEMA_FAILURE = /\b(?:Validation|Zod|Schema|Pydantic|Type|Value)Error\b|\bschema\b|\bsafeParse\b|\.success\)?\.toBe\(false\)/i;

/** A case's own line read as an assertion for the word "should" in its name (`it('should block …', () => {`), with no assertion on it. */
const NAME_ONLY = /^\s*(?:it|test|describe)\b/;
const ASSERTING = /\b(?:expect|assert\w*)\s*\(|\bassert\s/;
const nameOnly = (f: FileFacts, a: FileFacts['asserts'][number]): boolean =>
  NAME_ONLY.test(a.text) && !ASSERTING.test(a.text) && f.tests.some((t) => t.line === a.line);

/** The assertions inside a test case (up to the next case). */
function assertsOf(f: FileFacts, i: number) {
  const from = f.tests[i].line;
  const to = f.tests[i + 1]?.line ?? Infinity;
  return f.asserts.filter((a) => a.line >= from && a.line < to && !(a.line === from && nameOnly(f, a)));
}

/** The assertions of the first case after case `i` that has any (the first test of a group `i` names). */
function groupAsserts(f: FileFacts, i: number) {
  for (let j = i + 1; j < f.tests.length; j++) {
    const own = assertsOf(f, j);
    if (own.length) return own;
  }
  return [];
}

function assertWords(f: FileFacts, a: FileFacts['asserts'][number]): string {
  const w = fileWords(f);
  const i = f.asserts.indexOf(a);
  return (w.asserts[i] ??= words(a.text));
}

/** A test named for what passes (`allows compound commands with only safe prefixes`): the stop's other side, unless it also names a refusal. */
const ALLOWS = /^(?:it |test )?(?:should |must |can |does )?(?:allows?|permits?|accepts?|passe?s?|auto-?approves?|lets?)\b/i;
const REFUSES = /\b(?:block|den(?:y|ies|ied)|reject|refuse|forbid|disallow|prevent|stop)/i;

/** A test name about what an agent does: a tool, a command, a call or an action. */
const AGENT_ACT = /\b(?:tools?|commands?|calls?|actions?|execution|exec)\b/i;

/**
 * A refusal the agent's own gate makes: of a tool, a command, a call, an action or its execution, or an
 * approval the user declines (`returns a denial message when the user denies`); not a request's credentials.
 */
const AGENT_STOP = /\b(?:tools?|commands?|calls?|actions?|execution|exec|approvals?)\b|\buser (?:den(?:y|ies|ied)|declin|reject|refus)/i;
/** The gate's other side: a test that no approval is asked (`does not require approval for a read`). */
const NOT_ASKED = /\b(?:not|never|no|without) (?:require|need|ask|prompt)\w* (?:for )?(?:an? )?(?:user )?(?:approval|confirmation)/i;

/** A limit's setting (`maxIterations`, `max_steps`, `token_budget`), not its outcome (`maxIterationsReached`). */
const SETTING = /^(?:max|min)(?:[A-Z_]|imum)[\w$]*$|^[\w$]*(?:[Ll]imit|[Bb]udget)s?$/;
const OUTCOME = /reached|exceeded|exhausted|hit$|stopped|capped|count$/i;
const setting = (subject: string | undefined): boolean => {
  const last = subject ? /([A-Za-z_$][\w$]*)['"]?\]?\s*$/.exec(subject.trim())?.[1] : undefined;
  return !!last && SETTING.test(last) && !OUTCOME.test(last);
};
/**
 * An assertion about a limit's setting rather than the stop it makes: the configured value read back
 * (`expect(agent.getOptions().maxIterations).toBe(5)`, `assert cfg.max_steps == 10`) or assigned
 * (`with self.assertRaises(AttributeError): self.agent.max_steps = None`). A test of the stop asserts
 * what the loop did when the limit was reached.
 */
function settingAssert(text: string): boolean {
  const ts = /\bexpect\(\s*([^()]*(?:\([^()]*\))?[^()]*)\)\s*\.(?:not\.)?to(?:Be|Equal|StrictEqual)\(/.exec(text);
  if (ts) return setting(ts[1]);
  const py = /^\s*assert\s+([\w$.()[\]'"]+?)\s*(?:==|\bis\b)/.exec(text) ?? /\bassert(?:Equal|Equals|Is)\(\s*([^,]+),/.exec(text);
  if (py) return setting(py[1]);
  const set = /^\s*([\w$.]+)\s*=(?!=)/.exec(text.replace(/^\s*with\b[^:]*:\s*/, ''));
  return !!set && /\bassertRaises\b|\braises\(/.test(text) && setting(set[1]);
}

/**
 * Assertions of a copy of the check written in the test file: they call a function the test file defines
 * itself (`function isPathAllowed(p) {…}` then `expect(isPathAllowed('/etc')).toBe(false)`) whose body
 * reaches no harness import (directly or through another local function), and they name no harness import
 * themselves. Such a test exercises no harness code, so it is not a test of the harness's stop.
 */
function localCopy(ctx: RuleContext, f: FileFacts): ((texts: string[]) => boolean) | undefined {
  const fns = f.localFns;
  if (!fns?.length) return undefined;
  return ctx.memo(`verification:local-copy:${f.path}`, () => {
    const harness = (from: string) => harnessImport(ctx, from, f.lang);
    const attached = new Set(fns.filter((x) => x.uses.some(harness)).map((x) => x.name));
    for (let grew = true; grew; ) {
      grew = false;
      for (const x of fns) if (!attached.has(x.name) && x.calls.some((c) => attached.has(c))) { attached.add(x.name); grew = true; }
    }
    const detached = fns.map((x) => x.name).filter((n) => !attached.has(n));
    if (!detached.length) return () => false;
    const bound = Object.entries(f.bindings ?? {}).filter(([, from]) => harness(from)).map(([n]) => n);
    const esc = (n: string) => n.replace(/\$/g, '\\$');
    const callRe = (names: string[]) => new RegExp(`(?<![\\w$.])(?:(?:self|this)\\.)?(?:${names.map(esc).join('|')})\\s*\\(`);
    const copyCall = callRe(detached);
    const ownCall = attached.size ? callRe([...attached]) : undefined;
    const harnessName = bound.length ? new RegExp(`(?<![\\w$.])(?:${bound.map(esc).join('|')})(?![\\w$])`) : undefined;
    return (texts: string[]) =>
      texts.some((t) => copyCall.test(t)) && !texts.some((t) => ownCall?.test(t) || harnessName?.test(t));
  });
}

/**
 * What a stop hands back, named in an expected value: a refusal, a limit or an error (`'denied'`, `'exit_cost'`,
 * `"Error: command not allowed"`, `'max_iterations'`, a confirmation prompt `"Run it? [y/N]"`). A rewritten string without one is a formatter's output.
 */
const STOP_WORD = /den(?:y|ie|ia)|block|allow|permi|refus|reject|forbid|invalid|unsafe|danger|unauthori|limit|exceed|max|stop|abort|exit|cost|budget|error|fail|cancel|outside|traversal|escap|violat|secur|approv|time ?out|halt|sandbox|\bnot\b|cannot|can't|interrupt|quota|restrict|prohibit|throw|raise|y\/n|confirm|proceed/i;
/** An assertion that a result equals or contains a string literal: `expect(x).toBe('dir/file.txt')`, `assert fmt(x) == "abc"`, `assert "abc" in out`. */
const LITERAL_RESULT = [
  /\)\s*\.to(?:Be|Equal|StrictEqual|Contain|Match)\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1\s*\)\s*;?\s*$/,
  /^\s*assert\s+[^=]+?==\s*[fbru]{0,2}(['"])((?:\\.|(?!\1)[^\\])*)\1\s*$/,
  /^\s*assert\s+[fbru]{0,2}(['"])((?:\\.|(?!\1)[^\\])*)\1\s+in\s+[\w.()[\]'"]+\s*$/,
  /^\s*(?:self\.)?assert(?:Equal|In)\(\s*[^,]+,\s*[fbru]{0,2}(['"])((?:\\.|(?!\1)[^\\])*)\1\s*\)\s*$/,
];
/**
 * An assertion that a helper rewrote a string (`expect(normalizePath('/other/f.txt')).toBe('../../other/f.txt')`,
 * `expect(url).toContain('https://example.com/page?a=1&b=2')`, an escaped commit message): the expected value is a
 * plain string naming no refusal, limit or error. A test named "outside the sandbox" or "to prevent injection" that
 * only asserts such output tests a path formatter, an encoder or a renderer, not a stop.
 */
const rewrites = (text: string): boolean => {
  for (const re of LITERAL_RESULT) {
    const m = re.exec(text);
    if (m) return !STOP_WORD.test(m[2]);
  }
  return false;
};

/** Quoted text blanked: `cacheManager.has('overflow')` names a key, it asserts no overflow. */
const QUOTED = /(['"`])(?:\\.|(?!\1)[^\\])*\1/g;

function scanFile(f: FileFacts, re: RegExp, mode: 'names' | 'asserts' | 'both' = 'both', skip?: RegExp, copy?: (texts: string[]) => boolean, codeOnly = false): Evidence | undefined {
  for (let i = 0; i < f.tests.length && mode !== 'asserts'; i++) {
    const c = f.tests[i];
    const name = nameWords(f, i);
    if (!re.test(name) || skip?.test(name) || (ALLOWS.test(name) && !REFUSES.test(name))) continue;
    // "extra fields forbidden" asserting a ValidationError tests a schema, not a denial.
    const own = assertsOf(f, i);
    if (own.length && own.every((a) => SCHEMA_FAILURE.test(a.text) && !re.test(assertWords(f, a)))) continue;
    // A test of a copy of the check written in the test file exercises no harness code.
    if (copy && own.length && copy(own.map((a) => a.text))) continue;
    // A test whose every assertion is a rewritten string (a formatter's or renderer's output) refuses nothing.
    if (own.length && own.every((a) => rewrites(a.text))) continue;
    // A group (`describe('path traversal prevention', …)`) holds no assertion before its first test: read that
    // test's, so a group whose tests call a copy of the check defined inside the group exercises no harness code.
    if (!own.length && copy) {
      const next = groupAsserts(f, i);
      if (next.length && copy(next.map((a) => a.text))) continue;
    }
    return ev(f.path, c.line, `test "${c.name.slice(0, 70)}"`);
  }
  if (mode === 'names') return undefined;
  // An assertion that the stop did NOT happen (`expect(result.denied).toBe(false)`) is not a test of the stop.
  const asserts = f.asserts;
  const w = fileWords(f).asserts;
  for (let i = 0; i < asserts.length; i++) {
    const a = asserts[i];
    // A case's own line (`it('should block path traversal', () => {`) is its name, read above.
    if (nameOnly(f, a)) continue;
    if (re.test(codeOnly ? words(a.text.replace(QUOTED, '""')) : (w[i] ??= words(a.text))) && !NEGATED.test(a.text) && !skip?.test(w[i]) && !settingAssert(a.text) && !copy?.([a.text]) && !rewrites(a.text)) return ev(f.path, a.line, `asserts ${a.text.slice(0, 70)}`);
  }
  return undefined;
}

export default defineRule({
  id: 'verification.guardrail-tests',
  principle: 'verification',
  title: 'Tests assert the safety stops',
  rationale:
    'A permission gate, a command filter or a budget that is never tested silently stops working; tests must show that a denied call is denied, a dangerous command is blocked and a cap halts the loop.',
  remediation:
    'Add tests that drive the loop into each guardrail: a denied permission yields a denial result, a dangerous shell command is refused, and a turn or token cap stops the loop with its reason; see the exemplar guardrails.test.ts.',
  exemplar: 'src/reference-harness/guardrails.test.ts',
  rejected(ctx) {
    // A stop test that is skipped or left as a todo asserts nothing: named so a reviewer sees what was there.
    return ctx.tests.flatMap((f) =>
      (f.skippedTests ?? []).flatMap((t) => {
        const kind = KINDS.find((k) => k.re.test(t.name))?.kind;
        return kind ? [{ file: f.path, line: t.line, reason: `"${t.name}" would test a ${kind}, but it is ${t.how === 'todo' ? 'a todo' : 'skipped'}, so it runs nothing` }] : [];
      }),
    );
  },
  detect(ctx) {
    const t = harnessTests(ctx);
    if (!t.files.length) return finding('absent', 'no tests of harness code, so no test asserts a safety stop', [], ctx.tests.length ? 'low' : 'high');
    const found = new Map<string, Evidence>();
    // Tests that drive the files where stops live are read first, so the evidence is the test of a stop.
    const tiers = new Map(t.files.map((f) => [f, stopTier(ctx, f)]));
    const driving = [...t.files].sort((a, b) => tiers.get(a)! - tiers.get(b)!);
    const own = kindModules(ctx);
    // No permission decision of the agent's is found: no gate whose refusals a test could assert.
    const gateless = own.get('permission denial')!.mods.size === 0;
    const deps = new Map(t.files.map((f) => [f, testDeps(ctx, f)]));
    /**
     * How directly a test file tests this kind's stop: 0 the unit test of the module that applies it
     * (named after it and importing it: `scheduler.test.ts` for the scheduler whose policy check sits on
     * the dispatch path), 1 a test importing that module, 2 and 3 the same for the modules where the
     * stop is decided, 4 any other test. Among tests of several such modules, the module more test
     * files import comes first.
     */
    // How many test files import each module: among several gate sites, the one the suite drives most.
    const fan = new Map<string, number>();
    for (const d of deps.values()) for (const x of d) fan.set(x, (fan.get(x) ?? 0) + 1);
    const score = (kind: string, f: FileFacts): number => {
      const { site, mods } = own.get(kind)!;
      const t0 = stemOf(f.path, true);
      // One pass over the test's imports: does it reach the site / the deciding modules, is it named
      // after one of them, and how many harness files import the one it reaches.
      let inSite = false, namedSite = false, fanSite = 0, inMods = false, namedMods = false, fanMods = 0;
      for (const x of deps.get(f)!) {
        const s = site.has(x);
        if (!s && !mods.has(x)) continue;
        const m = stemOf(x, false);
        const named = m.length >= 3 && (t0 === m || (m.length >= 6 && t0.startsWith(m)));
        const n = fan.get(x) ?? 0;
        if (s) { inSite = true; namedSite ||= named; fanSite = Math.max(fanSite, n); }
        if (mods.has(x)) { inMods = true; namedMods ||= named; fanMods = Math.max(fanMods, n); }
      }
      if (inSite) return (namedSite ? 0 : 1) + 1 / (2 + fanSite);
      if (inMods) return (namedMods ? 2 : 3) + 1 / (2 + fanMods);
      return 4;
    };
    const scores = new Map(KINDS.map(({ kind }) => [kind, new Map(t.files.map((f) => [f, score(kind, f)]))]));
    let resolved = 0;
    // Each stop kind cites its own test, and a second test file of the kind when there is one: the
    // baseline keeps every cited test as a mechanism, so skipping a whole file of stop tests is a
    // regression it can name.
    const used = new Set<string>();
    const fresh = (e: Evidence | undefined) => (e && !used.has(`${e.file}:${e.line}`) ? e : undefined);
    // One scan per file, pattern and mode: the ranked pass and the second-file pass re-read the same files.
    const scans = new Map<string, Evidence | undefined>();
    const skips = new Map<string, RegExp>();
    const skipRe = (src: string): RegExp => {
      let re = skips.get(src);
      if (!re) skips.set(src, (re = new RegExp(src, 'i')));
      return re;
    };
    const scan = (f: FileFacts, kind: string, mode: 'names' | 'both' = 'both'): Evidence | undefined => {
      const key = `${kind}\0${mode}\0${f.path}`;
      if (scans.has(key)) return scans.get(key);
      // A line that reads as two kinds (`test_unauthorized_imports_fail`: a denial or blocked code)
      // goes to the kind whose module this test file drives more directly.
      const mine = Math.floor(scores.get(kind)!.get(f)!);
      const others = KINDS.filter((k) => k.kind !== kind && Math.floor(scores.get(k.kind)!.get(f)!) < mine);
      // A retry budget (`attempt budget is exhausted`) bounds one request, not the loop.
      const parts = [...others.map((k) => k.re.source), ...(kind === 'turn/step/budget cap' ? [RETRY.source] : [])];
      const skip = parts.length ? skipRe(parts.join('|')) : undefined;
      const e = scanFile(f, KINDS.find((k) => k.kind === kind)!.re, mode, skip, localCopy(ctx, f));
      scans.set(key, e);
      return e;
    };
    const rankOf = new Map<string, number>();
    const pools = new Map<string, FileFacts[]>();
    for (const { kind } of KINDS) {
      // The test of the module that applies this very stop first (the gate call on the dispatch path,
      // the shell sink, the loop's cap), then of the module that decides it, then by how directly it
      // drives any stop.
      const sc = scores.get(kind)!;
      const ranked = [...driving].sort((a, b) => sc.get(a)! - sc.get(b)! || tiers.get(a)! - tiers.get(b)!);
      // Within the tests of this stop's modules, a test named for the stop beats a stray assertion.
      const group = ranked.filter((f) => sc.get(f)! < 4);
      let e: Evidence | undefined;
      let from: FileFacts | undefined;
      for (const f of group) if ((e = fresh(scan(f, kind, 'names')))) { from = f; break; }
      if (e) resolved++;
      // Past the tests of this stop's modules, a test that reaches some stop module (a gate, tool, loop
      // or shell file, or one they use): a refusal asserted in a test of other code (a sign-in route's
      // 401, an email allow-list) is another feature's, not the harness stopping itself.
      // A test of code the finders do not place (a tool-call cap kept in its own module) still counts
      // when its test is named for a cap or a blocked command, or for a refusal of a tool call or command
      // ("denies a tool on the denied list"), never for a bare refusal ("rejects a request without auth").
      if (!e) for (const f of ranked) {
        const far = tiers.get(f)! >= 3;
        const got = fresh(scan(f, kind, far ? 'names' : 'both'));
        if (!got || (far && kind === 'permission denial' && !AGENT_ACT.test(got.reason))) continue;
        e = got;
        from = f;
        break;
      }
      if (!e || !from) continue;
      used.add(`${e.file}:${e.line}`);
      // Kinds are cited most direct first: a named test of the module that applies the stop leads.
      rankOf.set(kind, Math.floor(sc.get(from)!) * 2 + (e.reason.startsWith('test ') ? 0 : 1));
      found.set(kind, { ...e, reason: `${kind}: ${e.reason}` });
      pools.set(kind, group.length ? group : ranked);
    }
    // The second test file of each kind, once every kind has its own first test.
    const more: Evidence[] = [];
    for (const [kind, pool] of pools) {
      const first = found.get(kind)!;
      for (const f of pool) {
        if (f.path === first.file) continue;
        const next = fresh(scan(f, kind));
        if (!next) continue;
        used.add(`${next.file}:${next.line}`);
        more.push({ ...next, reason: `${kind}: ${next.reason}` });
        break;
      }
    }
    const order = [...found.keys()].sort((a, b) => rankOf.get(a)! - rankOf.get(b)!);
    const firsts = order.map((k) => found.get(k)!);
    const kinds = [...found.keys()];
    const evid = [...firsts, ...more];
    const missing = KINDS.map((k) => k.kind).filter((k) => !found.has(k));
    // With no permission decision anywhere in the harness, a refusal asserted next to its code (a file finder's
    // "forbidden dirs", a config's disallowed keys) that names no tool call or command may refuse no action of the agent.
    const denial = found.get('permission denial');
    const unsureDenial = !!denial && gateless && !AGENT_ACT.test(denial.reason);
    if (kinds.length >= 2) {
      // Sure when a test named for a stop imports that stop's own module (resolved import path), and no kind
      // rests on a refusal of something the harness has no gate for.
      return finding('present', `tests assert ${kinds.join(', ')} (e.g. ${at(evid[0].file, evid[0].line)})${missing.length ? `; none for ${missing.join(', ')}` : ''}`, evid, resolved >= 1 && !unsureDenial ? 'high' : 'low');
    }
    if (kinds.length === 1) {
      // One kind, but the harness's own stop: a test named for the loop's cap halting it, or for a tool
      // call, command or approval being refused. The catalog asks that the safety stops are asserted, and the
      // labels read one such stop, tested, as `present` (a refused edit, a denied tool, max loops reached);
      // a request refused for credentials (401/403), a path helper or a bare assertion stays `partial`.
      const agentStop = (e: Evidence) => {
        // Words of the name: `test_tool_access_denied` and `deniesToolCall` read as `tool access denied`.
        const name = /^[^:]+: test "(.*)"$/.exec(e.reason)?.[1]?.replace(/_+/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2');
        return !!name && (kinds[0] === 'turn/step/budget cap' || (AGENT_STOP.test(name) && !NOT_ASKED.test(name)));
      };
      const own = evid.find(agentStop);
      if (own) {
        const rest = evid.filter((e) => e !== own);
        return finding('present', `tests assert the harness's own ${kinds[0]} (${at(own.file, own.line)}), the one kind of safety stop tested; none for ${missing.join(', ')}`, [own, ...rest]);
      }
      return finding('partial', `tests assert only one kind of safety stop (${kinds[0]}, ${at(evid[0].file, evid[0].line)}); none for ${missing.join(', ')}`, evid);
    }
    // Tests of the modules where the stops live first (the bash tool's timeout, the loop's overflow recovery).
    // Not a test of page code: a timeout in a UI component's test (a `.tsx` test, Testing Library, a
    // front-end package that does not run the agent) is the page's, not the harness stopping itself.
    const best = (f: FileFacts) => Math.min(...KINDS.map((k) => scores.get(k.kind)!.get(f)!));
    const uiTest = (f: FileFacts) => /\.[jt]sx$/.test(f.path) || f.imports.some((i) => i.from.startsWith('@testing-library/')) || offPathUi(ctx, f.path);
    const weakOrder = driving.filter((f) => !uiTest(f)).sort((a, b) => best(a) - best(b));
    for (const mode of ['names', 'both'] as const) for (const f of weakOrder) {
      // Assertion lines are read without their quoted text: a weak stop is asserted in code (`expect(r.timedOut)`), not as a cache key.
      const e = scanFile(f, WEAK_RETRY_CAP, mode, undefined, undefined, true);
      if (e) return finding('partial', `no test asserts a denial, a blocked command or a cap; only timeouts/aborts/overflow recovery or a retry bound are tested (${at(e.file, e.line)})`, [e]);
    }
    return finding('absent', `${t.files.length} test file(s) exist but none asserts a denial, a blocked command or a turn/budget cap`);
  },
});
