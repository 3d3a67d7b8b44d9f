import type { CallFact, ConstFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import type { Evidence, Level } from '../types.js';
import { defineRule } from '../types.js';
import { packageOf, resolveBareCall, resolveImportFile } from '../shared/imports.js';
import { regexReceiver, resolveLocal } from '../shared/resolve.js';
import { mentionOf } from '../shared/scan.js';
import { containerByDefault, containerRuntimeDefault } from './action-gate.js';
import { hookGates } from './hook-gate.js';
import { delegatedSandboxVerdict } from './delegated.js';
import { EXEC_KEY, HINT_KEY, permissionCalls, shellSinks, toolDeclarations, type ShellSink, type ToolDecl } from '../shared/tools.js';
import { isStale, rankLive } from '../shared/stale.js';
import { TEST_PATH } from '../shared/tests.js';

/** Tools that run shell commands or code, by their declared name. */
/** Names of calls that produce text (a message, a description, a log line), not a decision. */
const TEXT_MAKER = /^_*(?:format|render|describe|print|log|report|display|show|explain)[A-Z_]|(?:Error|Exception|Warning|Message|Text|Hint)$/;
/** A check named for what a command did (`evaluateCommandSuccess(cmd, code)`, `check_command_output`): it judges the outcome once the command ran, not whether it may run. */
const OUTCOME_CHECK = /(?:Success|Succeeded|Result|Results|Output|Outcome|ExitCode|Exit_?[Cc]ode|Completion|_success|_result|_output|_outcome|_exit_code)$/;
/** A check that a program is there to be run (`check_if_screen_command_available()`, `isCommandInstalled('rg')`): it probes the machine, not the model's command. */
const AVAILABILITY_CHECK = /(?:Available|Installed|Exists|OnPath|InPath|_available|_installed|_exists|_on_path|_in_path)$/;
const SHELL_TOOL = /bash|shell|command|exec|terminal|\bcmd|powershell|run_?code|python|interpreter|repl|code_?exec|script|console/i;
const PRIMARY_SHELL = /bash|shell|command|terminal|\bcmd|powershell/i;
/** Tools named for running code rather than commands. */
const CODE_TOOL = /python|code|script|interpreter|repl|eval|notebook|jupyter|kernel|javascript|\bjs\b/i;
/** Parsing or splitting a command (or code) before running it. */
const PARSE_CALL =
  /^(?:parse|split|tokeni[sz]e)_?(?:Shell|shell|Bash|bash|Command|command|Commands|commands|CommandDetails|command_details)\w*$|^(?:shlex_split|splitCommands?|split_commands?|getCommandRoots?|get_command_roots?|stripShellWrapper|normali[sz]eCommand|parseArgsStringToArgv|parse_code_blobs)$/;
const PARSE_RECEIVER = /^(?:shlex|bashlex|shellQuote|shell_quote|quote|ast|parser|treeSitter|tree_sitter)\.(?:split|parse|parseCommand|walk)$/;
const PARSE_MODULE = /^(?:shell-quote|tree-sitter-bash|web-tree-sitter|bash-parser|bashlex|shlex|mvdan-sh|sh-syntax|@?[\w/-]*shell-parse\w*)$/;
/** Refusing dangerous commands or checking them against lists. */
const CHECK_CALL =
  /^(?:is|check|validate|assert|ensure|detect|contains|has|find|scan|verify|classify|evaluate)_?[A-Za-z_]*?(?:Dangerous|dangerous|Destructive|destructive|Safe|safe|Allowed|allowed|Blocked|blocked|Forbidden|forbidden|Banned|banned|Unsafe|unsafe|Command|command|Injection|injection|Metachar\w*|metachar\w*|Redirection|redirection|Substitution|substitution|Risk|risk)\w*$/;
/** Confining paths to the workspace. */
const CONFINE_CALL =
  /^(?:isWithin\w*|isPathWithin\w*|isInside\w*|isSub_?[Pp]ath|isPathInside|ensureWithin\w*|resolveWithin\w*|assertInside\w*|assertWithin\w*|confine\w*|validatePath\w*|assertPathAllowed|checkPath\w*|isPathAllowed|is_within|is_relative_to|safe_?[jJ]oin|resolveSafe\w*|within_?workspace)$/;
/** Running inside a sandbox. */
const SANDBOX_CALL = /sandbox/i;
/** A guard that is only a call on a receiver named for a sandbox (`context.sandbox.execute()`), with nothing showing which sandbox. */
const SANDBOX_BY_NAME = /^[\w$.]*sandbox[\w$]*\.[\w$]+\(\)$/i;
/** A test of what a backend is or can do (`isSandboxBackend(b)`, `supportsSandbox()`), not a run inside one. */
const SANDBOX_PREDICATE = /^_*(?:is|has|supports|can|should|uses?)_?[A-Z]?\w*[Ss]andbox\w*$|^_*(?:is|has|supports|can|should|uses?)_sandbox\w*$/;
/**
 * An accessor that hands back a sandbox object, its state or a setting about it
 * (`unwrap_sandbox(state)`, `get_sandbox_provider()`, `getSandboxEnabled()`): it runs nothing inside one.
 * At most one word after the sandbox: `getSandboxMutationBlockReason()` computes a refusal, it is no accessor;
 * but a lookup by a key may follow (`getSandboxById(branchId)`, `get_sandbox_for_session()`): it finds the sandbox.
 */
const SANDBOX_ACCESSOR = /^_*(?:get|unwrap|resolve|find|lookup|fetch|read|load)(?:_?[A-Za-z][a-z0-9]*)*?_?[Ss]andbox(?:_?[A-Za-z][a-z0-9]*)?(?:_?(?:[Bb]y|[Ff]or)(?:_?[A-Za-z][a-z0-9]*){1,2})?$/;
const SANDBOX_ARG = /['"`](?:sandbox-exec|bwrap|bubblewrap|firejail|nsjail|docker|podman|gvisor|runsc)['"`\s]/;
/** A guard that leaves when a check's verdict is false: `not is_safe`, `!allowed`, `not ok`. */
const NOT_SAFE_VERDICT = /^(?:not\s+|!\s*)(?:self\.|this\.)?(?:is_?|was_?)?(?:safe|allowed|ok|valid|permitted|approved)\w*$/i;
/** A program that runs the rest of its command line confined (`bwrap … cmd`, `firejail cmd`). */
const WRAPPER_PROGRAM = /['"`](?:sandbox-exec|bwrap|bubblewrap|firejail|nsjail|gvisor|runsc)['"`\s]/;
/** A container CLI's subcommand given as a literal (`['docker', 'cp', …]`, `"podman exec …"`, `docker compose run`). */
const CONTAINER_SUBCOMMAND = /['"`](?:docker|podman)(?:['"`]\s*,\s*['"`]|\s+)(?:(?:compose|container)(?:['"`]\s*,\s*['"`]|\s+))?([a-z][\w-]*)/;
/**
 * Whether an argument wraps the command in a sandbox: a confining program, or a container CLI whose
 * subcommand runs a command in the container (`run`, `exec`). `docker cp`, `rm`, `logs`, `inspect`,
 * `build` run nothing the model wrote (copying a file into a container, stopping one); a subcommand
 * that is not a literal is given the benefit of the doubt.
 */
function wrapsInSandbox(arg: string): boolean {
  const s = `${arg} `;
  if (!SANDBOX_ARG.test(s)) return false;
  if (WRAPPER_PROGRAM.test(s)) return true;
  const sub = CONTAINER_SUBCOMMAND.exec(s)?.[1];
  return !sub || sub === 'run' || sub === 'exec';
}
/** A shell parser module's functions that only quote or join (`shlex.quote`, `shlex.join`): they parse nothing. */
const QUOTING = /^(?:quote|join|escape|quote_plus)$/;
/** String literals inside an argument's text, and the names an argument's expressions start from (`prepared` in `['-c', prepared.command]`). */
const QUOTED = /'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`[^`]*`/g;
const ARG_ROOT = /(?:^|[[(,\s])([A-Za-z_$][\w$]*)(?=\.|\s*[\],)]|$)/g;
/** Allow-lists and block-lists the interpreter consults. */
const LIST_NAME = /^(?:[A-Z_]*(?:DANGEROUS|BLOCKED|FORBIDDEN|BANNED|UNSAFE|DENY|DENIED|ALLOWED|SAFE|AUTHORI[SZ]ED)[A-Z_]*|(?:additional_)?authori[sz]ed_imports|authori[sz]ed_\w+|dangerous_\w+|allowed_\w+|blocked_\w+|\w*[Aa]llow[Ll]ist|\w*[Bb]lock[Ll]ist|\w*[Dd]eny[Ll]ist)$/;

/** A membership test against a named collection: `!ALLOWED.has(cmd)`, `cmd not in BLOCKED`, `DENY.includes(x)`. */
const MEMBER_GUARD = /^!?\s*\(?\s*((?:this\.|self\.)?[A-Za-z_$][\w$]*)\.(?:has|includes|contains)\(\s*[\w$.\[\]'"]+\s*\)\s*\)?$|^[\w$.\[\]'"]+\s+(?:not\s+)?in\s+((?:self\.)?[A-Za-z_][\w]*)$/;
/**
 * The sides of a condition's top-level `||` (`or`), outer parentheses dropped; [] when there is none.
 * `(a && b) || blockList.has(x)` → [`a && b`, `blockList.has(x)`].
 */
function disjuncts(cond: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < cond.length; i++) {
    const ch = cond[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (depth === 0 && (cond.startsWith('||', i) || (cond.startsWith(' or ', i - 1) && /\s/.test(cond[i - 1] ?? '')))) {
      out.push(cond.slice(start, i));
      i += cond.startsWith('||', i) ? 1 : 2;
      start = i + 1;
    }
  }
  if (!out.length) return [];
  out.push(cond.slice(start));
  return out.map((x) => x.trim().replace(/^\(([\s\S]*)\)$/, '$1').trim()).filter(Boolean);
}

/** A resolved path compared with the workspace root: `!abs.startsWith(cwd)`, `rel.startsWith('..')`, `not p.is_relative_to(root)`. */
const CONFINE_GUARD = /(?:^!|^not\s)\s*[\w$.]+\.(?:startsWith|startswith|is_relative_to)\(\s*(?:[\w$.]*(?:cwd|root|workspace|base|project|dir|allowed)[\w$.()]*)\s*\)|\.startsWith\(\s*['"]\.\.['"]\s*\)|isAbsolute\([^)]*\)\s*\|\|\s*[\w$.]+\.startsWith\(\s*['"]\.\./i;
/** A sandbox the harness starts or connects to itself: `Sandbox.create(…)`, `new Sandbox(…)`, `sandbox.connect(…)`. */
function sandboxStart(ctx: RuleContext): Located<CallFact> | undefined {
  return ctx.memo('shell-guard:sandbox-start', () =>
    ctx.calls.find((c) => (/^new /.test(c.callee) ? SANDBOX_CALL.test(c.name) : /^(?:create|connect|start|spawn|launch|open)\w*$/i.test(c.name) && SANDBOX_CALL.test(c.callee.slice(0, -c.name.length))) && !TEST_PATH.test(c.file)),
  );
}

/** A call that makes or boots the sandbox itself: `Sandbox.create(…)`, `AsyncSandbox.create(…)`, `WebContainer.boot(…)`, `Sandbox.connect(id)`. */
const SANDBOX_MAKE = /^(?:[\w$]+\.)*[\w$]*(?:Sandbox|sandbox|WebContainer)[\w$]*\.(create|boot|connect)$/;
/**
 * Where the harness makes the sandbox its commands run in, for a verdict that rests on that sandbox:
 * live, non-test code; a creation or boot before a reconnection; then the one in a helper other code
 * calls (`createSandbox()` in a library module) before one inline in a request handler nothing calls.
 */
function sandboxMade(ctx: RuleContext): Located<CallFact> | undefined {
  return ctx.memo('shell-guard:sandbox-made', () => {
    const found: { c: Located<CallFact>; rank: number }[] = [];
    for (const name of ['create', 'boot', 'connect']) {
      for (const c of ctx.callsNamed(name)) {
        if (!SANDBOX_MAKE.test(c.callee) || TEST_PATH.test(c.file) || isStale(ctx, c.file)) continue;
        const callers = c.fn === '<top>' ? 0 : ctx.callsNamed(shortName(c.fn)).length;
        found.push({ c, rank: (name === 'connect' ? 2 : 0) + (callers ? 0 : 1) });
      }
    }
    return found.sort((a, b) => a.rank - b.rank)[0]?.c;
  });
}

/** The language family of a file, by its extension. */
const langOf = (file: string): string => (/\.py$/.test(file) ? 'py' : /\.[cm]?[jt]sx?$/.test(file) ? 'js' : file.replace(/^.*\./, ''));

/** A refusal on a pattern found in the command: `re.test(command)`, `re.search(p, cmd)`, `cmd.match(re)`, `patterns.some((p) => new RegExp(p).test(command))`, `any(re.search(p, cmd) for p in DENY)`. */
const PATTERN_GUARD = /^[\w$.\[\]]+\.test\(\s*(?:[\w$.]+\.)?(?:command|cmd|commandLine|command_line|script|normalized\w*)\s*\)$|^re\.(?:search|match|fullmatch)\(\s*[\w$.'"\\^]+\s*,\s*(?:[\w.]+\.)?(?:command|cmd|script|normalized\w*)\b|^(?:command|cmd|script)\.match\(|^[\w$.?]+\.some\(\s*\(?\s*[\w$]+\s*\)?\s*=>\s*(?:new RegExp\([\w$.]+\)|[\w$.]+)\.test\(\s*(?:[\w$.]+\.)?(?:command|cmd|commandLine|command_line|script)\s*\)\s*\)$|^any\(\s*re\.(?:search|match|fullmatch)\(\s*[\w$.]+\s*,\s*(?:[\w.]+\.)?(?:command|cmd|script)\b/;

interface Guard {
  kind: 'parse' | 'check' | 'confine' | 'sandbox' | 'list';
  file: string;
  line: number;
  what: string;
  /** The called function's name, for following it one hop. */
  name?: string;
  /** The check's result ends the call (a guard that returns or throws). */
  blocking: boolean;
  /** The check only classifies (it feeds a hint such as `dangerous`). */
  classifies: boolean;
  /**
   * How the check's result ends the call: `refuse` (a throw, or a return of a failure such as
   * `{ ok: false, error }`), `pass` (a return that hands the command on, `{ ok: true, command }`).
   */
  exit?: 'refuse' | 'pass';
  /** The check is handed the command itself (`getBlockReason(command)`), not only settings. */
  onCommand?: boolean;
}

/**
 * Guards in the order a reader should open them: parsing and sandboxing, then refusals, then the
 * rest; within a rank, a check handed the command that refuses it before one that passes the command
 * on or reads only settings. Stable, so the scan order breaks ties.
 */
function rankGuards(gs: Guard[]): Guard[] {
  // A check that only classifies (feeds a hint such as `dangerous`) ranks after a check made where
  // the command is run, even one that only warns or refuses under an opt-in.
  const prio = (x: Guard) => (x.kind === 'parse' || x.kind === 'sandbox' ? 0 : x.blocking && !x.classifies ? 3 : x.classifies ? 7 : 6) + (x.exit === 'refuse' && x.onCommand ? 0 : x.exit === 'pass' ? 2 : 1);
  return gs.slice().sort((a, b) => prio(a) - prio(b));
}

/**
 * A declaration that gives the model only the tool's schema, its code run elsewhere: no code of its own,
 * or a builder handed a name, a description and an input schema and nothing it runs
 * (MCP's `Tool(name=…, description=…, inputSchema=…)`, dispatched by a branch on the name).
 */
const schemaOnly = (d: ToolDecl): boolean =>
  !d.hasExec || (d.kind === 'builder' && !d.keys.some((k) => EXEC_KEY.test(k)) && d.keys.some((k) => /^(?:inputSchema|input_schema)$/.test(k)));

const WRAP_TOOL_CALL = /^(?:a?wrap_tool_call|wrapToolCall)$/;

/** An argv that runs inside a container: the runtime (by name, or an `executable` setting) then `exec`, or the runtime by name then `run` (a container started for the command or the kernel it serves). */
const CONTAINER_ARGV = /^\[\s*(?:['"](?:docker|podman|nerdctl|kubectl|singularity|apptainer)['"]|(?:self\.|this\.)?[\w.]*(?:executable|docker|podman|container\w*|engine|runtime)\w*)\s*,\s*['"]exec['"]|^\[\s*['"](?:docker|podman|nerdctl)['"]\s*,\s*['"]run['"]/i;

/** Method names so common that a call by name says nothing about which object is called. */
const GENERIC_METHOD = /^(?:run|call|__call__|main|start|execute|invoke|handle|process|_?run_?async|arun|forward|step|__init__|constructor)$/;

/** Keys of a returned object that say the call failed or was refused. */
const FAIL_KEY = /^(?:error|err|reason|denied|blocked|refused|rejected|message)$/i;
const OK_KEY = /^(?:ok|allowed|success|safe|approved|valid|permitted)$/i;
/** An argument that is the command (or code) being run. */
const COMMAND_ARG = /^(?:[\w$]+\.)?(?:cmd|command|commands|code|script|source|input|line|args|argv)\b/i;
/** A field of the tool's arguments that is not the command: `args.branchId`, `input.path`, `params.timeout`. */
const OTHER_FIELD = /^(?:[\w$]+\.)?(?:input|inputs|args|argv|params|arguments|kwargs)\s*(?:\.|\[['"])(?!(?:cmd|command|commands|code|script|source|line)\b)[\w$]+\b(?!\s*\()/i;
/** The argument is the command (or code) being run, not another field of the call's arguments. */
const onCommandArg = (a: string): boolean => COMMAND_ARG.test(a) && !OTHER_FIELD.test(a);


export default defineRule({
  id: 'permissions.shell-guard',
  principle: 'permissions',
  title: 'The shell tool analyses each command before running it',
  rationale:
    'A shell or code tool runs whatever the model writes; parsing compound commands, refusing dangerous patterns, confining paths or sandboxing is what stands between a bad completion and the user\'s machine.',
  remediation:
    'Before spawning, split the command into its parts (a shell parser, not a regex on the whole string), check each against allow / deny patterns and the workspace root, and refuse or ask on a match; or run every command in a mandatory sandbox; see the exemplar.',
  exemplar: 'src/reference-harness/permissions/shell-guard.ts',
  detect(ctx) {
    const decls = toolDeclarations(ctx);
    const sinks = shellSinks(ctx).filter((s) => s.fromInput);
    // A tool named after its factory (`createBashOutputTool` → `bash_output`) is a shell tool only when the name's
    // last word says so (`bash`, `run_command`): `bash_output` and `bash_background_list` read or list a shell's processes.
    const shellTools = decls.filter((d) => SHELL_TOOL.test(d.name) && (!d.fromFactory || SHELL_TOOL.test(d.name.split('_').at(-1) ?? '')));

    // Whole-file scans repeat (a tool file, the gate's files): one per file.
    const wholeFile = new Map<string, Guard[]>();
    const guardsIn = (file: string, fns: Set<string>): Guard[] => {
      const all = fns.has('*');
      if (all) {
        const hit = wholeFile.get(file);
        if (hit) return hit;
        const found = scanGuards(file, fns, true);
        wholeFile.set(file, found);
        return found;
      }
      return scanGuards(file, fns, false);
    };
    // What a call's name alone makes it: parse, confine, check or sandbox (in that order of tests).
    const kindByName = new Map<string, Guard['kind'] | null>();
    const nameKind = (n: string): Guard['kind'] | null => {
      let k = kindByName.get(n);
      if (k === undefined) {
        // A call that words a message about a guard (`formatSandboxRuntimeError()`) guards nothing.
        k = TEXT_MAKER.test(n) || OUTCOME_CHECK.test(n) || AVAILABILITY_CHECK.test(n) ? null : PARSE_CALL.test(n) ? 'parse' : CONFINE_CALL.test(n) ? 'confine' : CHECK_CALL.test(n) && !/^(?:has|find|is)_?(?:[Cc]ommands?)?$/.test(n) ? 'check' : SANDBOX_CALL.test(n) && !SANDBOX_PREDICATE.test(n) && !SANDBOX_ACCESSOR.test(n) ? 'sandbox' : null;
        kindByName.set(n, k);
      }
      return k;
    };
    // A file's constants named like allow / deny lists, judged once per file.
    const listConstsByFile = new Map<string, ConstFact[]>();
    const listConsts = (file: string, consts: ConstFact[]): ConstFact[] => {
      let hit = listConstsByFile.get(file);
      if (!hit) {
        hit = consts.filter((k) => LIST_NAME.test(k.name));
        listConstsByFile.set(file, hit);
      }
      return hit;
    };
    const scanGuards = (file: string, fns: Set<string>, all: boolean): Guard[] => {
      const f = ctx.file(file);
      if (!f) return [];
      const out: Guard[] = [];
      const guardConds = f.guards.filter((g) => g.exit === 'return' || g.exit === 'throw');
      const blocks = (c: CallFact) => guardConds.some((g) => g.fn === c.fn && g.cond.includes(c.name)) || (c.cond && c.inCatch === false && guardConds.some((g) => g.fn === c.fn && g.line >= c.line && g.line <= c.line + 3));
      // The guard that a call's result decides: the call in the condition, or its result bound to a
      // name the next lines test (`const reason = getBlockReason(cmd); if (reason) return { ok: false }`).
      const decidedBy = (c: CallFact) =>
        guardConds.find((g) => g.fn === c.fn && g.line >= c.line && g.line <= c.line + 3 && g.cond.includes(c.name)) ??
        (f.binds ?? [])
          .filter((b) => b.fn === c.fn && b.line === c.line && b.value.includes(`${c.name}(`))
          .map((b) => guardConds.find((g) => g.fn === c.fn && g.line > c.line && g.line <= c.line + 3 && mentionOf(b.name).test(g.cond)))
          .find(Boolean);
      // What the guard's exit does with the call: a throw or a returned failure refuses; a returned success passes the command on.
      const exitOf = (c: CallFact): Guard['exit'] => {
        const g = decidedBy(c);
        if (!g) return undefined;
        if (g.exit === 'throw') return 'refuse';
        // `safe, why = check_command(cmd)` then `if not safe: return False, why`: leaving when the
        // check's verdict is not safe (allowed, ok, valid) refuses the command, whatever is returned.
        if (NOT_SAFE_VERDICT.test(g.cond.trim())) return 'refuse';
        const ret = f.objects.find((o) => o.fn === g.fn && o.ctx === 'return' && o.line >= g.line && o.line <= g.line + 3);
        if (!ret) return undefined;
        if (ret.keys.some((k) => FAIL_KEY.test(k)) || ret.keys.some((k) => OK_KEY.test(k) && ret.values[k] === 'false')) return 'refuse';
        if (ret.keys.some((k) => OK_KEY.test(k) && ret.values[k] === 'true')) return 'pass';
        return undefined;
      };
      // One function's calls come from the by-function index (same order); several, from the file.
      const calls = !all && fns.size === 1 && f.role === 'source' ? ctx.callsIn(file, fns.values().next().value!) : f.calls;
      for (const c of calls) {
        if (!all && !fns.has(c.fn)) continue;
        // The name-only tests in their order (cached per name), the receiver tests where they fall.
        const byName = nameKind(c.name);
        let kind: Guard['kind'] | undefined;
        if (byName === 'parse' || PARSE_RECEIVER.test(c.callee)) kind = 'parse';
        else if (byName) kind = byName;
        else if (SANDBOX_CALL.test(c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1))) && /^(?:wrap|run|exec|execute|spawn|runCommand|run_code)\w*$/.test(c.name)) kind = 'sandbox';
        if (!kind) continue;
        if (kind === 'parse' && c.name === 'parse' && c.callee === 'ast.parse' && !/code|source|cmd|command|script/i.test(c.args[0] ?? '')) continue;
        // Confining only the working directory the command starts in leaves the command's own paths
        // (and `cd ..`) unchecked: a partial guard.
        if (kind === 'confine' && /cwd|work_?dir|working_?dir|workingDirectory/i.test(c.args[0] ?? '')) {
          out.push({ kind, file, line: c.line, what: `${c.callee}() on the working directory only`, name: c.name, blocking: false, classifies: false });
          continue;
        }
        const exit = exitOf(c);
        const onCommand = onCommandArg(c.args[0] ?? '');
        out.push({ kind, file, line: c.line, what: `${c.callee}()${exit === 'refuse' && onCommand && kind !== 'parse' ? ' refuses the command on its result' : ''}`, name: c.name, blocking: blocks(c) || exit === 'refuse', classifies: HINT_KEY.test(shortName(c.fn)), exit, onCommand });
      }
      // `if (!ALLOWED.has(cmd)) throw …`: the command checked against a constant collection, refused
      // on a miss (or a hit, for a deny list); `if (!abs.startsWith(root)) throw …`: a path confined.
      for (const g of guardConds) {
        if (!all && !fns.has(g.fn)) continue;
        // Each side of an `||` refuses on its own (`if (!allowed(cmd) || blockList.has(first)) throw …`).
        const member = [g.cond, ...disjuncts(g.cond)].map((x) => MEMBER_GUARD.exec(x)).find(Boolean);
        const coll = member ? (member[1] ?? member[2]).replace(/^(?:this|self)\./, '') : '';
        if (coll && (LIST_NAME.test(coll) || /^[A-Z][A-Z0-9_]{2,}$/.test(coll))) {
          out.push({ kind: 'check', file, line: g.line, what: `${g.cond.slice(0, 60)} refuses the command`, blocking: true, classifies: HINT_KEY.test(shortName(g.fn)) });
        } else if (PATTERN_GUARD.test(g.cond)) {
          // `for (const p of dangerousPatterns) if (p.test(command)) return …`: a pattern found in the command refuses it.
          out.push({ kind: 'check', file, line: g.line, what: `${g.cond.slice(0, 60)} refuses the command on a pattern`, blocking: true, classifies: HINT_KEY.test(shortName(g.fn)), exit: 'refuse', onCommand: true });
        } else if (CONFINE_GUARD.test(g.cond)) {
          out.push({ kind: 'confine', file, line: g.line, what: `${g.cond.slice(0, 60)} keeps paths inside the workspace`, blocking: true, classifies: false });
        }
      }
      for (const i of f.imports) {
        if (!PARSE_MODULE.test(i.from)) continue;
        // A parser module never called in the file, or used only to quote or join (`shlex.join(argv)`
        // in a log line), parses nothing.
        const local = [...i.names.filter((n) => n !== '*' && n !== 'default'), ...Object.keys(i.as ?? {})];
        if (i.names.includes('*') && !i.as) local.push(i.from.replace(/^.*[./]/, ''));
        const uses = f.calls.filter((c) => local.some((n) => c.callee === n || c.callee.startsWith(`${n}.`) || c.callee === `new ${n}`));
        if (uses.every((c) => QUOTING.test(c.name))) continue;
        // Cite where the scanned functions call the parser, else the import.
        // (`import shlex` names no binding of its own: the module's name is the local, as above.)
        const use = f.calls.find((c) => (fns.has(c.fn) || all) && !QUOTING.test(c.name) && local.some((n) => c.callee === n || c.callee.startsWith(`${n}.`)));
        // Scanning named functions (those on the tool's path), a parser that none of them calls parses
        // elsewhere in the file (an environment set-up helper beside the command checks): not their guard.
        if (!use && !all) continue;
        out.push({ kind: 'parse', file, line: use?.line ?? i.line, what: use ? `${use.callee}() from the shell parser '${i.from}'` : `shell parser '${i.from}'`, blocking: true, classifies: false });
      }
      for (const k of listConsts(file, f.consts)) if (all || k.fn === '<top>' || fns.has(k.fn)) out.push({ kind: 'list', file, line: k.line, what: `list ${k.name}`, blocking: false, classifies: false });
      for (const fn of f.functions) {
        if (!all && !fns.has(fn.name)) continue;
        const p = fn.params.find((x) => LIST_NAME.test(x));
        if (p) out.push({ kind: 'list', file, line: fn.line, what: `allow-list parameter ${p} of ${fn.name}()`, blocking: false, classifies: false });
      }
      return out;
    };

    // Guards the permission gate applies to commands: checks in the files that define the on-path
    // decision, and the parsing done by the functions those checks call (one hop).
    let gateCache: Guard[] | undefined;
    const gateGuards = (): Guard[] => {
      if (gateCache) return gateCache;
      const files = new Set<string>();
      for (const c of permissionCalls(ctx)) {
        if (!c.onPath || c.kind !== 'decision' || !c.defined) continue;
        for (const d of ctx.functionsNamed(shortName(c.callee))) files.add(d.file);
      }
      // A hook on the executor that the harness installs decides where its own code builds the refusals.
      const viaHook = files.size === 0;
      for (const h of hookGates(ctx)) if ((h.installed || h.own) && h.refusals.length) for (const r of h.refusals) files.add(r.file);
      const found: Guard[] = [];
      for (const file of [...files].slice(0, 8)) found.push(...guardsIn(file, new Set(['*'])).filter((g) => g.kind === 'check' || g.kind === 'parse'));
      const next = new Set<string>();
      for (const g of found) if (g.kind === 'check' && g.name) for (const d of ctx.functionsNamed(g.name)) if (!files.has(d.file)) next.add(d.file);
      for (const file of [...next].slice(0, 8)) found.push(...guardsIn(file, new Set(['*'])).filter((g) => g.kind === 'parse'));
      // The command policy the gate imports (`getCommandDecision(command, allowed, denied)`).
      for (const file of [...files].slice(0, 8)) found.push(...importedGuards(file).filter((g) => g.kind === 'parse').map((g) => ({ ...g, what: `${g.what} by the permission gate` })));
      // The gate's checks decide (allow / deny / ask), so they count as blocking.
      gateCache = found.map((g) => ({ ...g, blocking: true, classifies: false, ...(viaHook ? { what: `${g.what} in the policy the tool executor's hook applies` } : {}) }));
      return gateCache;
    };

    // Installed tool-call middlewares (`wrap_tool_call`, `wrapToolCall`) that pass every other tool
    // straight on (`if name != "bash": return handler(request)`) and parse or refuse the shell
    // tool's command in their own module.
    let middlewareCache: Guard[] | undefined;
    const shellMiddlewareGuards = (): Guard[] => {
      if (middlewareCache) return middlewareCache;
      const out: Guard[] = [];
      for (const f of ctx.source) {
        for (const cls of f.classes) {
          const wrap = cls.members.find((m) => WRAP_TOOL_CALL.test(m));
          if (!wrap) continue;
          const only = f.guards.find((g) => g.fn.startsWith(`${cls.name}.`) && g.exit === 'return' && /name/i.test(g.cond) && [...g.cond.matchAll(/['"]([\w-]+)['"]/g)].some((m) => SHELL_TOOL.test(m[1])));
          if (!only) continue;
          if (!ctx.callsNamed(cls.name).some((c) => c.callee === cls.name || c.callee === `new ${cls.name}`)) continue;
          const found = guardsIn(f.path, new Set(['*'])).filter((g) => g.kind === 'parse' || (g.kind === 'check' && g.blocking));
          out.push(...found.map((g) => ({ ...g, blocking: true, classifies: false, what: `${g.what} in ${cls.name}, which wraps the shell tool's calls (${only.cond.slice(0, 50)} at line ${only.line})` })));
          if (out.length >= 6) break;
        }
        if (out.length >= 6) break;
      }
      middlewareCache = out;
      return out;
    };

    // Guards in the harness functions a file imports and calls by bare name, followed one further
    // same-file hop (a policy entry point that calls its tokeniser).
    // With `fn`, only the calls that function makes (a hop of the tool's path: `handleExecCommand`
    // calling `canAutoApprove(command, …)` from the approvals module).
    const importedCache = new Map<string, Guard[]>();
    const importedGuards = (file: string, fn?: string): Guard[] => {
      const cacheKey = fn ? `${file}#${fn}` : file;
      const hit = importedCache.get(cacheKey);
      if (hit) return hit;
      const out: Guard[] = [];
      const f = ctx.file(file);
      const seenDefs = new Set<string>();
      for (const c of fn ? ctx.callsIn(file, fn) : f?.calls ?? []) {
        if (c.callee !== c.name || !f!.imports.some((i) => i.names.includes(c.name))) continue;
        for (const d of resolveBareCall(ctx, file, c.name)) {
          if (d.file === file || seenDefs.has(`${d.file}#${d.name}`) || seenDefs.size > 12) continue;
          seenDefs.add(`${d.file}#${d.name}`);
          const fns = new Set([d.name]);
          for (const cc of ctx.callsIn(d.file, d.name)) if (cc.callee === cc.name && ctx.functionsNamed(cc.name).some((x) => x.file === d.file)) fns.add(cc.name);
          const found = guardsIn(d.file, fns).filter((g) => g.kind !== 'list');
          // The guard is the imported call itself when the tool acts on its result.
          out.push(...found.map((g) => ({ ...g, what: `${g.what} in ${d.name}() (${d.file}), called from ${file}:${c.line}` })));
        }
      }
      importedCache.set(cacheKey, out);
      return out;
    };

    /** The parse calls (`file:line`) written as an argument of a sink: `subprocess.Popen(shlex.split(cmd), …)`. */
    const argvParses = (toolSinks: ShellSink[]): Set<string> => {
      const out = new Set<string>();
      for (const s of toolSinks) {
        const call = ctx.file(s.file)?.calls.find((c) => c.line === s.line && c.callee === s.callee);
        for (const a of call?.args ?? []) {
          const callee = /^(?:await\s+)?([\w$.]+)\(/.exec(a.trim())?.[1];
          if (!callee) continue;
          const p = ctx.callsIn(s.file, s.fn).find((c) => c.callee === callee && c.line >= s.line && c.line <= s.line + 10 && (PARSE_CALL.test(c.name) || PARSE_RECEIVER.test(c.callee)));
          if (p) out.add(`${s.file}:${p.line}`);
        }
      }
      return out;
    };

    // The functions on the way from a tool to its sinks: the tool file, and the functions each
    // reached call passes through.
    const judge = (tool: ToolDecl | undefined, toolSinks: ShellSink[], paths: Located<CallFact>[][]): { level: Level; guards: Guard[]; sink?: ShellSink; host?: ShellSink; box?: Guard } => {
      const guards: Guard[] = [];
      const seen = new Set<string>();
      const scan = (file: string, fn: string) => {
        const key = `${file}#${fn}`;
        if (seen.has(key)) return;
        seen.add(key);
        guards.push(...guardsIn(file, new Set([fn])));
      };
      // A tool-call middleware the harness installs that singles out the shell tool by name and
      // parses or checks its command before handing the call on: its checks come first.
      const wrapped = tool ? shellMiddlewareGuards() : [];
      guards.push(...wrapped);
      if (tool) guards.push(...guardsIn(tool.file, new Set(['*'])));
      for (const s of toolSinks) {
        scan(s.file, s.fn);
        // Code handed to the harness's own interpreter (`evaluate_python_code(code)`): its checks count.
        if (s.kind === 'code') for (const d of ctx.functionsNamed(shortName(s.callee)).slice(0, 3)) scan(d.file, d.name);
        // A command written into a shell started inside a sandbox: the start shows the sandbox, so it is cited first.
        if (s.kind === 'sandbox' && s.shellStart) guards.push({ kind: 'sandbox', file: s.file, line: s.shellStart.line, what: `${s.shellStart.callee}() starts the shell the commands are written to inside a sandbox`, blocking: true, classifies: false });
        if (s.isolate) guards.push({ kind: 'sandbox', file: s.file, line: s.line, what: `${s.callee}() ${s.isolate}`, blocking: true, classifies: false });
        if (s.kind === 'sandbox') guards.push({ kind: 'sandbox', file: s.file, line: s.line, what: s.shellStart ? `${s.callee}() into the sandboxed shell` : s.sandboxMade ? `${s.callee}() on the sandbox ${s.sandboxMade.fn}() returns` : s.via ? `${s.callee}() ${s.via}` : `${s.callee}()`, blocking: true, classifies: false });
        // The sandbox comes from a harness helper: where it creates or connects it.
        if (s.kind === 'sandbox' && s.sandboxMade) guards.push({ kind: 'sandbox', file: s.sandboxMade.file, line: s.sandboxMade.line, what: `${s.sandboxMade.callee}() in ${s.sandboxMade.fn}() creates or connects the sandbox`, blocking: true, classifies: false });
        const call = ctx.file(s.file)?.calls.find((c) => c.line === s.line && c.callee === s.callee);
        if (call && call.args.some(wrapsInSandbox)) guards.push({ kind: 'sandbox', file: s.file, line: s.line, what: `${s.callee}() wraps the command in a sandbox`, blocking: true, classifies: false });
        // The command comes out of the harness's own function (`const prepared = this.prepareCommand(command)`,
        // then `exec(prepared.command)`): the checks in that function guard it.
        // The command may sit in any argument (`spawn('sh', ['-c', prepared.command])`): every name an argument starts from.
        const roots = new Set((call?.args ?? []).flatMap((a) => [...a.replace(QUOTED, "''").matchAll(ARG_ROOT)].map((m) => m[1])));
        if (roots.size) {
          for (const b of ctx.file(s.file)?.binds ?? []) {
            if (!roots.has(b.name)) continue;
            const root = b.name;
            // The argv is a container exec (`cmd = [self.config.executable, "exec", container_id, …]`,
            // `["docker", "exec", …]`): the command runs inside the container.
            if (b.name === root && b.fn === s.fn && b.line <= s.line && CONTAINER_ARGV.test(b.value)) {
              guards.push({ kind: 'sandbox', file: s.file, line: b.line, what: `the command runs inside a container: ${b.value.slice(0, 60)}`, blocking: true, classifies: false });
              guards.push({ kind: 'sandbox', file: s.file, line: s.line, what: `${s.callee}() of a container exec`, blocking: true, classifies: false });
            }
            // (A local of the sink's function, bound before it: a same-named local elsewhere in the file is another value.)
            const made = b.name === root && b.fn === s.fn && b.line <= s.line ? /^(?:await\s+)?((?:this\.|self\.)?[A-Za-z_$][\w$]*)\(/.exec(b.value) : null;
            const def = made ? resolveLocal(ctx, s.file, b.fn, made[1]) : undefined;
            if (!def) continue;
            const before = guards.length;
            scan(def.file, def.name);
            const added = guards.slice(before);
            // An early return ahead of every check (`if (this.sandboxMode !== 'shuru') return { command }`)
            // hands the command back unchecked unless a mode is on: the checks are opt-in.
            const first = Math.min(...added.map((g) => g.line));
            const optIn = ctx.file(def.file)?.guards.find((g) => g.fn === def.name && g.exit === 'return' && g.line < first && /!==?|===?|^!/.test(g.cond));
            if (optIn) for (const g of added) Object.assign(g, { blocking: false, what: `${g.what}, skipped when ${optIn.cond.slice(0, 50)}` });
          }
        }
      }
      for (const p of paths) for (const c of p) scan(c.file, c.fn);
      // A policy module the tool calls (`evaluateBashPolicy(command)` imported from
      // `../security/bash-policy`): the imported function and the same-file functions it calls.
      if (!guards.some((g) => g.kind === 'parse' || g.kind === 'sandbox' || (g.blocking && !g.classifies && g.kind !== 'list'))) {
        const origins = new Set<string>([...(tool ? [tool.file] : []), ...toolSinks.map((s) => s.file)]);
        for (const file of origins) for (const g of importedGuards(file)) guards.push(g);
        // The functions the tool's path passes through, and the policy functions they import and call.
        for (const p of paths) for (const c of p.slice(0, -1)) if (!origins.has(c.file)) guards.push(...importedGuards(c.file, c.fn));
      }
      if (!guards.some((g) => g.kind === 'parse' || g.kind === 'sandbox')) guards.push(...gateGuards());
      // A parse written as the spawn's own argument (`Popen(shlex.split(cmd))`) only turns the command
      // into an argv for the spawn: no code reads the parts, so nothing is analysed or refused.
      const argvOnly = argvParses(toolSinks);
      if (argvOnly.size) guards.splice(0, guards.length, ...guards.filter((g) => g.kind !== 'parse' || !argvOnly.has(`${g.file}:${g.line}`)));
      const sandboxed = toolSinks.length > 0 && toolSinks.every((s) => guards.some((g) => g.kind === 'sandbox' && g.file === s.file && g.line === s.line));
      const parse = guards.find((g) => g.kind === 'parse');
      const hard = guards.find((g) => (g.kind === 'check' || g.kind === 'confine') && g.blocking && !g.classifies);
      const soft = guards.find((g) => g.kind !== 'list') ?? guards[0];
      let level: Level = 'absent';
      // Some implementations run the command in a sandbox and others on the host: a guard on some paths only.
      // Only between implementations of one method (`LocalShellBackend.execute`, `ModalSandbox.execute`),
      // and unless the harness's default deployment is a container (then the host one is the opt-out).
      const boxedAt = (s: ShellSink) => guards.some((g) => g.kind === 'sandbox' && g.file === s.file && g.line === s.line);
      // A sink's method, and the method called on an object whose implementation reached it (`exec` for the
      // spawn in `DockerRuntime.spawnRemoteProcess`): two sinks sharing either are implementations of one method.
      const methods = (s: ShellSink) => [s.fn.includes('.') ? shortName(s.fn) : s.fn, ...(implGroup.has(s) ? [implGroup.get(s)!] : [])];
      const sameMethod = (a: ShellSink, b: ShellSink) => methods(a).some((m) => methods(b).includes(m));
      const boxedSome =
        !sandboxed &&
        toolSinks.some((s) => !boxedAt(s) && toolSinks.some((b) => boxedAt(b) && b.fn !== s.fn && sameMethod(b, s))) &&
        !containerByDefault(ctx) &&
        !containerRuntimeDefault(ctx);
      if (sandboxed || parse || hard) level = 'present';
      else if (boxedSome) level = 'partial';
      else if (soft) {
        const classifiesOnly = guards.every((g) => g.classifies || !g.blocking);
        const gateDecides = permissionCalls(ctx).some((c) => c.onPath && c.kind === 'decision' && c.defined);
        level = classifiesOnly && !gateDecides ? 'partial' : soft.kind === 'list' ? 'partial' : 'present';
      }
      // The host run cited is one spawned in an implementation of the method itself (`LocalRuntime.exec`) before one in a helper it calls.
      const inImpl = (s: ShellSink) => Number(!methods(s).some((m) => s.fn.endsWith(`.${m}`)));
      const host = boxedSome && !parse && !hard ? toolSinks.filter((s) => !boxedAt(s) && toolSinks.some((b) => boxedAt(b) && sameMethod(b, s))).sort((a, b) => inImpl(a) - inImpl(b))[0] : undefined;
      const boxedSink = host && toolSinks.find((b) => boxedAt(b) && sameMethod(b, host));
      const box = boxedSink && guards.find((g) => g.kind === 'sandbox' && g.file === boxedSink.file && g.line === boxedSink.line);
      return { level, guards: rankGuards(sandboxed ? guards.filter((g) => g.kind === 'sandbox' || wrapped.includes(g)) : guards), sink: toolSinks[0], host, box };
    };

    // Sink lines per file: a sink test without building a key per visited call.
    const sinkLines = new Map<string, Set<number>>();
    const codeLines = new Set(sinks.filter((s) => s.kind === 'code').map((s) => `${s.file}:${s.line}`));
    for (const s of sinks) {
      const lines = sinkLines.get(s.file);
      if (lines) lines.add(s.line);
      else sinkLines.set(s.file, new Set([s.line]));
    }
    // Whether a sink's function is reached from a tool's file within two calls, each call resolved
    // by name except that `self.x()` / `this.x()` inside a class that defines `x` itself stays in
    // that class (a tool's own `_run_shell_command` does not reach another class's method of that name).
    const declFiles = new Set(decls.map((d) => d.file));
    /**
     * The sink's method is handed to the framework as a tool by reference in its own class
     * (`tools.append(self.run_shell_command)`, `tools=[self.shell_exec]`, `FunctionTool(self.shell_exec)`):
     * a toolkit class whose methods the framework lists for the model and calls itself.
     */
    const registeredMethod = (s: ShellSink): boolean => {
      const dot = s.fn.lastIndexOf('.');
      if (dot < 0) return false;
      const cls = s.fn.slice(0, dot);
      const ref = new RegExp(`(?:^|[\\[(,=\\s])(?:self|this)\\.${s.fn.slice(dot + 1).replace(/\$/g, '\\$')}(?![\\w$(])`);
      return (ctx.file(s.file)?.calls ?? []).some((c) => c.fn.startsWith(`${cls}.`) && /tool/i.test(`${c.callee} ${c.args.join(' ')}`) && c.args.some((a) => ref.test(a)));
    };
    const modelFed = (s: ShellSink): boolean => {
      // With no tool declared, the model's commands reach spawns by other paths (text parsed into commands).
      if (!declFiles.size || declFiles.has(s.file)) return true;
      if (s.fn === '<top>') return false;
      if (registeredMethod(s)) return true;
      let frontier: { name: string; owner: string }[] = [{ name: shortName(s.fn), owner: s.fn.includes('.') ? `${s.file}#${s.fn.slice(0, s.fn.lastIndexOf('.'))}` : '' }];
      const seen = new Set<string>();
      for (let hop = 0; hop < 2 && frontier.length; hop++) {
        const next: typeof frontier = [];
        for (const { name, owner } of frontier) {
          // A generic method name (`run`, `__call__`) links every object that has one: only a call on
          // the same object (`self.run()` inside the sink's own class) is followed.
          const generic = hop > 0 && GENERIC_METHOD.test(name);
          for (const c of ctx.callsNamed(name).slice(0, 40)) {
            if (generic && !(/^(?:self|this)\.\w+$/.test(c.callee) && c.fn.includes('.') && `${c.file}#${c.fn.slice(0, c.fn.lastIndexOf('.'))}` === owner)) continue;
            if (/^(?:self|this)\.\w+$/.test(c.callee) && c.fn.includes('.')) {
              const cls = c.fn.slice(0, c.fn.lastIndexOf('.'));
              // The caller's class has its own method of that name, and it is not the sink's.
              if (`${c.file}#${cls}` !== owner && ctx.functionsNamed(name).some((d) => d.file === c.file && d.name === `${cls}.${name}`)) continue;
            }
            if (declFiles.has(c.file)) return true;
            if (c.fn === '<top>') continue;
            const key = `${c.file}#${c.fn}`;
            if (seen.has(key)) continue;
            seen.add(key);
            next.push({ name: shortName(c.fn), owner: c.fn.includes('.') ? `${c.file}#${c.fn.slice(0, c.fn.lastIndexOf('.'))}` : '' });
          }
        }
        frontier = next.slice(0, 40);
      }
      return false;
    };
    // A call on an outside module the file imports whole (`asyncio.run(coro)`, `json.loads(s)`) runs
    // that module's function, not a harness method of the same name (`DeployValidator.run`): a
    // tool's path to a spawn does not go through it. Other calls are followed by name as before.
    // Calls are resolved by name across the repo, but only to functions in the caller's language: a
    // Python SDK's `thread.start()` is not a TypeScript CLI's `start()` that spawns the dev server.
    const notModuleCall = {
      // Every call goes to `resolve`, which knows the caller's file.
      follow: () => false,
      resolve: (file: string, _fn: string, c: Located<CallFact>) => {
        // A method of a literal (`/again in (\d+)s/.exec(msg)`, `'a,b'.split(',')`) is the language's own, no harness function.
        if (/^[/'"`]/.test(c.callee)) return [];
        // So is a method of a name holding a regex (`cdPattern.exec(script)`), whatever harness class has an `exec`.
        if (regexReceiver(ctx, file, c.fn, c.callee, c.name)) return [];
        const lang = langOf(file);
        const sameLanguage = () => ctx.functionsNamed(c.name).filter((d) => langOf(d.file) === lang);
        if (!GENERIC_METHOD.test(c.name)) return sameLanguage();
        const recv = /^([A-Za-z_$][\w$]*)\.[\w$]+$/.exec(c.callee)?.[1];
        const imp = recv ? ctx.file(file)?.imports.find((i) => (i.as?.[recv] === '*' || (i.names.includes('*') && !i.as && (i.from === recv || i.from.endsWith(`.${recv}`))))) : undefined;
        if (imp && !resolveImportFile(ctx, file, imp.from)) return [];
        return sameLanguage();
      },
    };
    const results: { tool?: ToolDecl; level: Level; guards: Guard[]; sink?: ShellSink; host?: ShellSink; box?: Guard }[] = [];
    /**
     * A hop of a tool's path that is not a guess: a method of the same class or a function of the same
     * file, a call whose receiver or name is imported from the file the path goes on in, or a
     * distinctive name (not a common method name) defined at most twice.
     */
    const hopResolved = (c: Located<CallFact>, next: string): boolean => {
      if (resolveLocal(ctx, c.file, c.fn, c.callee)) return true;
      const head = /^[A-Za-z_$][\w$]*/.exec(c.callee)?.[0] ?? '';
      const imp = ctx.file(c.file)?.imports.find((i) => i.names.includes(head) || i.as?.[head] !== undefined);
      if (imp && resolveImportFile(ctx, c.file, imp.from) === next) return true;
      return !GENERIC_METHOD.test(c.name) && ctx.functionsNamed(c.name).length <= 2;
    };
    /** Sinks a tool was linked to through a call resolved only by its name. */
    const guessedSinks = new Set<ShellSink>();
    /** Sinks reached through one implementation of a method called on an object (`runtime.exec(cmd)`): the method's name, so that all its implementations are compared as one. */
    const implGroup = new Map<ShellSink, string>();
    /**
     * The sinks of every implementation of a method the tool's path calls on an object (`config.runtime.exec(script)`):
     * those spawned in an implementation itself (`LocalRuntime.exec`), and those of the methods it calls on
     * `this` as the class or a subclass overrides them (`RemoteRuntime.exec` calling `this.spawnRemoteProcess()`,
     * which `DockerRuntime` overrides with a `docker exec`). Live, non-test code of the caller's language only.
     */
    const implementationSinks = (m: string, lang: string): ShellSink[] => {
      const out: ShellSink[] = [];
      const sinksOf = (file: string, fn: string) => sinks.filter((s) => s.file === file && s.fn === fn);
      for (const d of ctx.functionsNamed(m).slice(0, 12)) {
        if (!d.name.endsWith(`.${m}`) || langOf(d.file) !== lang || TEST_PATH.test(d.file) || isStale(ctx, d.file)) continue;
        const cls = d.name.slice(0, d.name.lastIndexOf('.'));
        out.push(...sinksOf(d.file, d.name));
        for (const c of ctx.callsIn(d.file, d.name)) {
          if (!/^(?:this|self)\.[\w$]+$/.test(c.callee)) continue;
          for (const o of ctx.functionsNamed(c.name).slice(0, 12)) {
            const oc = o.name.slice(0, Math.max(0, o.name.lastIndexOf('.')));
            if (!oc || TEST_PATH.test(o.file)) continue;
            const sub = oc === cls || (ctx.file(o.file)?.classes.some((k) => k.name === oc && k.extends !== undefined && shortName(k.extends) === cls) ?? false);
            if (sub) out.push(...sinksOf(o.file, o.name));
          }
        }
      }
      return out;
    };
    for (const tool of shellTools.slice(0, 12)) {
      const f = ctx.file(tool.file);
      if (!f) continue;
      // A schema-only copy of a tool another declaration implements under the same name (a replay or
      // test fixture's `bash: tool({ description, inputSchema })`): the implementation is the one judged.
      if (schemaOnly(tool) && shellTools.some((d) => d !== tool && d.name === tool.name && !schemaOnly(d))) continue;
      // The sinks in the tool's own file, those in the function named for the tool (its handler) first.
      const own = (s: ShellSink) => (shortName(s.fn) === tool.name ? 0 : 1);
      const toolSinks = sinks.filter((s) => s.file === tool.file).sort((a, b) => own(a) - own(b));
      const paths: Located<CallFact>[][] = [];
      if (!toolSinks.length) {
        const anySink = (c: Located<CallFact>) => sinkLines.get(c.file)?.has(c.line) === true;
        // The functions of the declaration itself (its handler inside it, or the factory around it)
        // first; the rest of the file only when they reach no sink (a file of several tools would
        // otherwise lend the shell tool the paths of its neighbours).
        const end = tool.end ?? tool.line;
        const own = f.functions.filter((fn) => (fn.line >= tool.line && fn.line <= end) || (fn.line <= tool.line && fn.end >= end));
        // A tool not named for code looks for a command's spawn first: a code runner it reaches by a
        // shared name (a script executor's `new Function()`) is not its shell.
        const commandSink = (c: Located<CallFact>) => anySink(c) && !codeLines.has(`${c.file}:${c.line}`);
        const reachesFrom = (test: (c: Located<CallFact>) => boolean, fns: typeof own) => fns.some((fn) => ctx.reaches(tool.file, fn.name, test, 3, notModuleCall.follow, notModuleCall.resolve));
        const isSink = CODE_TOOL.test(tool.name) || !codeLines.size || !(reachesFrom(commandSink, own) || reachesFrom(commandSink, f.functions.slice(0, 40))) ? anySink : commandSink;
        const reachesSink = reachesFrom(isSink, own);
        for (const fn of reachesSink ? own : f.functions.slice(0, 40)) {
          const p = ctx.reaches(tool.file, fn.name, isSink, 3, notModuleCall.follow, notModuleCall.resolve);
          if (p) {
            paths.push(p);
            const last = p[p.length - 1];
            const s = sinks.find((x) => x.file === last.file && x.line === last.line);
            if (s && !toolSinks.includes(s)) toolSinks.push(s);
            // A hop resolved only by the called name (`code_interpreter.invoke()` to any `invoke`):
            // the tool may not run this sink at all.
            if (s && p.slice(0, -1).some((c, i) => !hopResolved(c, p[i + 1].file))) guessedSinks.add(s);
            if (toolSinks.length >= 3) break;
          }
        }
        // The path calls a method on an object (`config.runtime.exec(script)`) and goes on in one class's
        // implementation: every implementation may run the command, those reached through `this.x()` as
        // subclasses override it too, so each one's sinks are judged as the one method.
        for (const p of paths) {
          const i = p.findIndex((c, k) => k > 0 && c.fn.endsWith(`.${p[k - 1].name}`) && /^[\w$]+(?:\.[\w$]+)+$/.test(p[k - 1].callee) && !/^(?:this|self)\./.test(p[k - 1].callee));
          if (i < 0) continue;
          const m = p[i - 1].name;
          const last = p[p.length - 1];
          const reached = sinks.find((x) => x.file === last.file && x.line === last.line);
          const impls = implementationSinks(m, langOf(tool.file));
          if (impls.length < 2) continue;
          if (reached) implGroup.set(reached, m);
          for (const t of impls) {
            if (!implGroup.has(t)) implGroup.set(t, m);
            if (!toolSinks.includes(t) && toolSinks.length < 6) toolSinks.push(t);
          }
        }
        // The path ends in one implementation of a method several backends implement
        // (`backend.execute(cmd)`: a cloud sandbox, a local shell): every implementation may run
        // the command, so each one's sink is judged.
        for (const s of [...toolSinks]) {
          const m = s.fn.includes('.') ? shortName(s.fn) : '';
          if (!m) continue;
          for (const t of sinks) if (t.fn !== s.fn && t.fn.endsWith(`.${m}`) && !toolSinks.includes(t) && toolSinks.length < 6) toolSinks.push(t);
        }
      }
      // A schema-only declaration whose handler lives elsewhere: the sinks in shell-named functions.
      // Only sinks in the tool's own language: a Python tool's handler is not in a TypeScript editor extension.
      if (!toolSinks.length && schemaOnly(tool)) {
        toolSinks.push(...sinks.filter((s) => SHELL_TOOL.test(s.fn) && s.kind !== 'code' && langOf(s.file) === langOf(tool.file)).slice(0, 3));
        // Found by the names of the functions that hold them, not by a path from the tool.
        for (const s of toolSinks) guessedSinks.add(s);
      }
      if (!toolSinks.length) continue;
      results.push({ tool, ...judge(tool, toolSinks, paths) });
    }
    if (!results.length) {
      // A shell tool not declared as data (a provider-defined `bash` tool, a session class): its
      // spawns sit in functions named for the shell.
      // Only spawns the model's tool calls reach: a shell the user drives (an interactive `!cmd`
      // mode whose runner shares a method name with the tool's) runs the user's command, not the model's.
      // A shell the harness starts once and writes commands into (`proc.stdin.write(cmd)`) is a shell
      // whatever its method is named (`LocalEnvironment.execute`).
      const shellFns = sinks.filter((s) => s.kind !== 'code' && (/bash|shell|terminal|powershell|(?:^|[._])(?:run|exec|execute)_?[Cc]ommands?$/i.test(s.fn) || s.shellStart) && modelFed(s));
      if (shellFns.length) {
        // Each shell is judged on its own spawns (those of its file): another toolkit's sandboxed run
        // is not this one's guard. One left unguarded beside a guarded one guards only some paths.
        const shellFiles = [...new Set(shellFns.map((x) => x.file))].slice(0, 4);
        const judged = shellFiles.map((file) => ({ file, r: judge(undefined, shellFns.filter((x) => x.file === file).slice(0, 3), []) }));
        // Only a shell handed to the model as a tool (a registered toolkit method) counts as left open:
        // a spawn found by its function's name alone (a desktop app's login-shell probe) may not be the model's.
        const open = judged.find((j) => j.r.level === 'absent' && shellFns.some((x) => x.file === j.file && registeredMethod(x)));
        const held = judged.find((j) => j.r.level === 'present');
        if (open && held) {
          const u = shellFns.find((x) => x.file === open.file)!;
          const g = held.r.guards[0];
          return {
            level: 'partial',
            reason: `one shell guards the model's commands (${g.what} at ${g.file}:${g.line}), but ${u.fn}() runs them with ${u.callee}() at ${u.file}:${u.line} with no parsing, pattern check, path confinement or sandbox`,
            evidence: [
              { file: u.file, line: u.line, reason: `shell command run with ${u.callee}() in ${u.fn}(), unguarded` },
              { file: g.file, line: g.line, reason: `another shell's ${g.kind} guard: ${g.what}` },
            ],
          };
        }
        const r = judged[0].r;
        const s = shellFns[0];
        const sinkEv: Evidence = { file: s.file, line: s.line, reason: `shell command run with ${s.callee}() in ${s.fn}()` };
        if (r.level === 'absent') return { level: 'absent', reason: `${s.fn}() runs the command with ${s.callee}() at ${s.file}:${s.line} with no parsing, pattern check, path confinement or sandbox`, evidence: [sinkEv] };
        const g = r.guards[0];
        const inBox = r.level === 'present' && g.kind === 'sandbox' && s.kind === 'sandbox';
        // A shell started inside a sandbox the harness boots or creates itself: where it makes it comes first.
        const made = inBox && s.shellStart ? sandboxMade(ctx) : undefined;
        return {
          level: r.level,
          reason: inBox
            ? `${s.fn}() runs the command inside a sandbox (${g.what} at ${g.file}:${g.line})${made ? `, which the harness makes with ${made.callee}() at ${made.file}:${made.line}` : ''}`
            : `${s.fn}() ${r.level === 'present' ? 'guards' : 'only partly guards'} the command before ${s.callee}() (${g.what} at ${g.file}:${g.line})`,
          evidence: [...(made ? [{ file: made.file, line: made.line, reason: `the sandbox is made here: ${made.callee}()` }] : []), { file: g.file, line: g.line, reason: `${g.kind} guard: ${g.what}` }, sinkEv],
        };
      }
      // Code actions: the model's code is executed directly (`exec(code)`), not through a tool.
      // Not a method of a class the code never constructs nor extends (a library utility such as a
      // `PythonRunner` exported for users, which no agent or tool of the harness builds): off the path.
      const unbuilt = (s: ShellSink): boolean => {
        const cls = s.fn.includes('.') ? s.fn.slice(0, s.fn.indexOf('.')) : undefined;
        if (!cls || !/^[A-Z]/.test(cls)) return false;
        const declared = ctx.file(s.file)?.classes.some((c) => c.name === cls);
        if (!declared) return false;
        // Built: constructed outside its own methods, extended, or imported by a module that is no
        // package's re-export (`from .python import PythonExecutor`, then listed in an executor table built by name).
        return (
          !ctx.callsNamed(cls).some((c) => c.file !== s.file || !c.fn.startsWith(`${cls}.`)) &&
          !ctx.source.some((f) => f.classes.some((c) => c.extends === cls || shortName(c.extends ?? '') === cls)) &&
          !ctx.source.some((f) => f.path !== s.file && !/(?:^|\/)(?:__init__\.py|index\.[cm]?[jt]sx?)$/.test(f.path) && f.imports.some((i) => i.names.includes(cls)))
        );
      };
      const code = sinks.filter((s) => s.kind === 'code' && /execut|run|evaluat|interpret|action/i.test(s.fn) && !unbuilt(s));
      if (code.length) {
        const r = judge(undefined, code.slice(0, 3), []);
        const s = code[0];
        // A script file the function wrote and then runs: say where it was written.
        const how = s.script ? `written to a file (${s.script.callee}() at line ${s.script.line}) and run with ${s.callee}()` : `executed with ${s.callee}()`;
        const sinkEv: Evidence = { file: s.file, line: s.line, reason: `model-written code ${how} in ${s.fn}()` };
        if (r.level === 'absent') return { level: 'absent', reason: `model-written code is ${how.replace(/^executed/, 'run')} at ${s.file}:${s.line} with no parsing, allow-list or sandbox`, evidence: [sinkEv] };
        const g = r.guards[0];
        return {
          level: r.level,
          reason: `model-written code run by ${s.callee}() is ${r.level === 'present' ? 'guarded' : 'only partly guarded'} (${g.what} at ${g.file}:${g.line})`,
          evidence: [{ file: g.file, line: g.line, reason: `${g.kind} guard: ${g.what}` }, sinkEv],
        };
      }
      // The model's actions run through an environment whose default deployment is a container.
      const boxedEnv = containerByDefault(ctx);
      if (boxedEnv) {
        const { site, box } = boxedEnv;
        return {
          level: 'present',
          reason: `the model's commands run through ${site.callee}() (${site.file}:${site.line}) in an environment that is a container by default (${box.callee}() at ${box.file}:${box.line})`,
          evidence: [
            { file: box.file, line: box.line, reason: `default deployment is a container: ${box.callee}()` },
            { file: site.file, line: site.line, reason: `the model's action runs here: ${site.callee}()` },
          ],
          // A configuration fact: the default deployment of the environment that runs every action.
          confidence: 'high',
        };
      }
      // The settings run commands in a container by default (`runtime: str = Field(default='docker')`).
      const runtime = containerRuntimeDefault(ctx);
      if (runtime) {
        return {
          level: 'present',
          reason: `commands run in the runtime the settings choose, and '${runtime.key}' defaults to ${runtime.value} (${runtime.file}:${runtime.line}, read at ${runtime.read.file}:${runtime.read.line})`,
          evidence: [
            { file: runtime.file, line: runtime.line, reason: `default runtime is a container: ${runtime.key} = '${runtime.value}'` },
            { file: runtime.read.file, line: runtime.read.line, reason: `'${runtime.key}' read here` },
          ],
        };
      }
      // No shell tool: a harness that runs model-driven commands only inside a sandbox.
      const boxed = sinks.filter((s) => s.kind === 'sandbox');
      const loose = sinks.filter((s) => s.kind !== 'sandbox' && s.toolFed && SHELL_TOOL.test(s.fn));
      // (Tool declarations that carry their code and run none of these say the sandboxed runs are not the model's;
      // schemas without their code, run elsewhere by a branch on the tool name, say nothing either way.)
      if (boxed.length >= 2 && !loose.length && !decls.some((d) => d.hasExec)) {
        // Live sinks first; the count is sure only when it holds in live code: sandboxed runs in
        // retired or experimental folders nothing live imports say nothing of how the shipped
        // harness runs commands (its own runner may be a shape this search does not read).
        const { evidence: ranked } = rankLive(ctx, boxed);
        const live = boxed.filter((s) => !isStale(ctx, s.file)).length;
        // Where the harness makes that sandbox comes first: the runs only show a receiver named for it.
        const made = sandboxMade(ctx);
        return {
          level: 'present',
          reason: `commands run only inside a sandbox (${ranked[0].callee}() at ${ranked[0].file}:${ranked[0].line} and ${ranked.length - 1} more${live < 2 ? `, ${boxed.length - live} of them in retired or experimental code` : ''})${made ? `, which the harness makes with ${made.callee}() at ${made.file}:${made.line}` : ''}`,
          evidence: [
            ...(made ? [{ file: made.file, line: made.line, reason: `the sandbox is made here: ${made.callee}()` }] : []),
            ...ranked.slice(0, 3).map((s) => ({ file: s.file, line: s.line, reason: `command run inside the sandbox: ${s.callee}()` })),
          ],
          confidence: live >= 2 ? 'high' : 'low',
        };
      }
      // No shell of its own, but coding agents it starts (Codex, Claude Code) with a sandbox option set.
      const delegated = delegatedSandboxVerdict(ctx);
      if (delegated) return delegated;
      return {
        level: 'absent',
        reason: shellTools.length ? `shell tool ${shellTools[0].name} declared but no command sink was found` : 'there is no shell or code-execution tool, so nothing guards one',
        evidence: [],
        // No process spawn or code execution fed by a runtime value exists anywhere in the harness, and
        // the harness starts no sandbox or remote machine of its own (`Sandbox.create()`): a harness that
        // drives a machine it started (a desktop the model types into) may run commands there unseen.
        ...(shellTools.length ? {} : { applies: false, confidence: sinks.length || sandboxStart(ctx) ? ('low' as const) : ('high' as const) }),
      };
    }
    const order: Record<Level, number> = { absent: 0, partial: 1, present: 2 };
    const primary = results.filter((r) => r.tool && PRIMARY_SHELL.test(r.tool.name));
    // Among tools judged alike, one that runs commands before one that runs code (a script executor beside the shell tool).
    const codeOnly = (r: (typeof results)[number]) => Number(r.sink?.kind === 'code');
    const decisive = (primary.length ? primary : results).slice().sort((a, b) => order[a.level] - order[b.level] || codeOnly(a) - codeOnly(b))[0];
    // Two shell tools judged differently (a Bash tool that parses each command beside a PowerShell
    // tool that only asks): the verdict rests on which one is taken for the shell tool, so it is not sure.
    const split = new Set((primary.length ? primary : results).map((r) => r.level)).size > 1;
    const t = decisive.tool!;
    const s = decisive.sink!;
    const sinkEv: Evidence = { file: s.file, line: s.line, reason: `tool ${t.name} runs the command with ${s.callee}()` };
    // A schema-only tool whose commands are run by the runtime the settings choose, and that runtime
    // is a container by default (`runtime: str = Field(default='docker')`): the spawn found by name is
    // the opt-out (a local runtime), the default runs every command in the container.
    const runtime = !t.hasExec && decisive.level !== 'present' ? containerRuntimeDefault(ctx) : undefined;
    if (runtime) {
      return {
        level: 'present',
        reason: `tool ${t.name} runs in the runtime the settings choose, and '${runtime.key}' defaults to ${runtime.value} (${runtime.file}:${runtime.line}, read at ${runtime.read.file}:${runtime.read.line}); ${s.callee}() at ${s.file}:${s.line} runs commands only when another runtime is chosen`,
        evidence: [
          { file: runtime.file, line: runtime.line, reason: `default runtime is a container: ${runtime.key} = '${runtime.value}'` },
          { file: runtime.read.file, line: runtime.read.line, reason: `'${runtime.key}' read here` },
          { ...sinkEv, reason: `${sinkEv.reason}, under another runtime` },
        ],
      };
    }
    if (decisive.level === 'absent') {
      // Another tool or mode runs the model's commands inside a sandbox (`sandbox.run_code(code)`,
      // `self.sandbox_client.run_command(cmd)`): the guard exists, but not on every path.
      const pkg = packageOf(s.file);
      const boxed = sinks.find((x) => x.kind === 'sandbox' && x.toolFed && packageOf(x.file) === pkg);
      if (boxed) {
        return {
          level: 'partial',
          reason: `commands run in a sandbox on some paths (${boxed.callee}() in ${boxed.fn}() at ${boxed.file}:${boxed.line}), but tool ${t.name} runs the model's command with ${s.callee}() at ${s.file}:${s.line} with no parsing, pattern check, path confinement or sandbox`,
          // The sandboxed run is what earns the partial: cite it first, then the unguarded run.
          evidence: [{ file: boxed.file, line: boxed.line, reason: `${boxed.callee}() runs the command inside a sandbox, on this path only` }, { ...sinkEv, reason: `${sinkEv.reason}, unguarded on the default path` }],
        };
      }
      return {
        level: 'absent',
        reason: `tool ${t.name} runs the model's command with ${s.callee}() at ${s.file}:${s.line} with no parsing, pattern check, path confinement or sandbox`,
        evidence: [sinkEv],
      };
    }
    const ranked = rankGuards(decisive.guards);
    const g = ranked.find((x) => x.kind === 'parse') ?? ranked.find((x) => x.kind === 'sandbox') ?? ranked.find((x) => x.blocking && !x.classifies) ?? ranked.find((x) => x.blocking) ?? ranked[0];
    const gEv = ranked.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: `${x.kind === 'parse' ? 'command parsed' : x.kind === 'sandbox' ? 'sandbox' : x.kind === 'confine' ? 'path confined' : x.kind === 'list' ? 'allow/deny list' : 'command checked'}: ${x.what}${x.classifies ? ' (only classifies the call)' : x.blocking && (x.kind === 'check' || x.kind === 'confine') ? ' (refuses on a match)' : ''}` }));
    if (decisive.level === 'present') {
      return {
        level: 'present',
        reason: `tool ${t.name} ${g.kind === 'sandbox' ? 'runs commands in a sandbox' : g.kind === 'parse' ? 'parses the command' : 'checks the command'} (${g.what} at ${g.file}:${g.line})${g.file === s.file && g.line === s.line ? '' : ` before ${s.callee}()`}`,
        evidence: [...gEv, sinkEv],
        // Resolved: a shell parser called in the policy module the tool imports, a refusal guard in
        // the very function that spawns the command, or the spawn itself inside a container.
        // Not a sandbox known only by its receiver's name (`context.sandbox.execute()`): what runs the
        // command is whichever implementation is passed in, which may spawn on the host.
        // Not when the tool reaches the spawn only through a call resolved by its name.
        confidence: !split && !guessedSinks.has(s) && ((g.kind === 'parse' && (/ called from \S+:\d+$/.test(g.what) || g.what.endsWith('()')) && !g.what.startsWith('shell parser')) || (g.kind === 'check' && g.what.endsWith('refuses the command') && g.file === s.file) || (g.kind === 'sandbox' && !SANDBOX_BY_NAME.test(g.what))) ? 'high' : 'low',
      };
    }
    const host = decisive.host;
    if (host) {
      const box = decisive.box ?? ranked.find((x) => x.kind === 'sandbox')!;
      return {
        level: 'partial',
        reason: `tool ${t.name} runs the command through one of several implementations: some sandbox it (${box.what} at ${box.file}:${box.line}), but ${host.fn}() runs it on the host with ${host.callee}() at ${host.file}:${host.line} with no parsing, pattern check or confinement`,
        evidence: [
          { file: host.file, line: host.line, reason: `${host.fn}() runs the model's command on the host: ${host.callee}()` },
          { file: box.file, line: box.line, reason: `another implementation runs it in a sandbox: ${box.what}` },
        ],
        // Resolved: implementations of the one tool's run, one spawning on the host, another boxed;
        // unless another shell tool is judged otherwise.
        confidence: split ? 'low' : 'high',
      };
    }
    // The partial verdict names the guard it cites first: a check where the command is run comes
    // before a classifier that only feeds a hint.
    const pg = ranked[0] ?? g;
    return {
      level: 'partial',
      reason: `tool ${t.name} only partly guards the command (${pg.what} at ${pg.file}:${pg.line}): it flags, warns or checks under an opt-in, and nothing parses the command, refuses a pattern, confines its paths or sandboxes it by default before ${s.callee}()`,
      evidence: [...gEv, sinkEv],
    };
  },
});
