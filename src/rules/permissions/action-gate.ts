/**
 * The gate of a harness that runs the model's actions in an environment rather than dispatching
 * named tools: `self.env.execute(action)`, `self._env.communicate(input=action)`,
 * `this.sandbox.run(command)`. The decision sits just before that call, in the same function:
 * a harness function that asks the user (`self._ask_confirmation_or_interrupt(commands)`, which
 * prompts and interrupts on a refusal), or a filter whose result ends the call
 * (`if self.tools.should_block_action(action): raise …`).
 */
import type { CallFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { INSTALL_PROMPT, shellSinks } from '../shared/tools.js';
import { words } from '../shared/tests.js';

/** The environment an action runs in, by the receiver's last segment. */
const ACTION_RECV = /^_?(?:env|environment|runtime|sandbox|terminal|shell|computer|deployment|container|executor|interpreter|session)$/i;
const ACTION_CALL = /^(?:execute|run|communicate|run_action|execute_action|run_command|execute_command|run_code|exec|exec_command)$/;
/** Names of a decision about an action (leading underscores ignored). */
const DECIDE_NAME = /confirm|approv|permi|authori[sz]|consent|(?:^|_)ask(?:_|[A-Z]|$)|^ask|block|allow|deny|forbid|reject/i;
/** Calls that put a question to the user. */
const PROMPT = /^(?:input|prompt|ask|confirm|question|raw_input|confirm_ask|ask_yes_no|prompt_yes_no|askUser|ask_user)$/;

export interface ActionGate {
  /** `ask`: the user is asked (allow / deny); `block`: a deny-only filter ends the call. */
  kind: 'ask' | 'block';
  /** The decision call before the action. */
  decision: Located<CallFact>;
  /** The action's execution. */
  action: Located<CallFact>;
  /** Where the user is asked, for `ask`. */
  prompt?: Located<CallFact>;
}

/** Where the model's action is run in an environment the harness holds: `self.env.execute(action)`. */
export function actionSites(ctx: RuleContext): Located<CallFact>[] {
  return ctx.memo('perm:action-sites', () =>
    ctx.calls.filter((a) => {
      if (!ACTION_CALL.test(a.name) || a.fn === '<top>') return false;
      const recv = a.callee.slice(0, Math.max(0, a.callee.length - a.name.length - 1));
      return ACTION_RECV.test(shortName(recv)) && /^(?:self|this)\./.test(recv);
    }),
  );
}

const CONTAINER_CLASS = /^(?:new )?\w*(?:Docker|Container|Podman|Sandbox|Modal|E2B|Daytona|Singularity|Apptainer|Firecracker|Kubernetes)\w*$/;

/**
 * The environment that runs actions is a container by default: a class that defines the action
 * method (`SWEEnv.communicate`) sits in a file whose default configuration constructs a container
 * deployment (`default_factory=lambda: DockerDeploymentConfig(image=…)`).
 */
export function containerByDefault(ctx: RuleContext): { site: Located<CallFact>; box: Located<CallFact> } | undefined {
  return ctx.memo('perm:container-default', () => {
    // The site that runs the model's action first: one a decision guards, then one fed an action.
    const gated = new Set(actionGates(ctx).map((g) => g.action));
    const rank = (c: Located<CallFact>) => (gated.has(c) ? 0 : c.args.some((a) => /action|command|cmd|code|input/i.test(a)) && !/submi|setup|install|startup/i.test(c.args.join(' ')) ? 1 : 2);
    const sites = actionSites(ctx).slice().sort((a, b) => rank(a) - rank(b));
    for (const site of sites.slice(0, 20)) {
      const files = new Set(ctx.functionsNamed(site.name).filter((d) => d.name.includes('.')).map((d) => d.file));
      for (const file of [...files].slice(0, 6)) {
        const box = (ctx.file(file)?.calls ?? []).find((c) => CONTAINER_CLASS.test(c.callee) && /^(?:<top>|<anon>|default_factory|default|\w+\.(?:__init__|constructor))$/.test(c.fn)) as Located<CallFact> | undefined;
        if (box) return { site, box };
      }
    }
    return undefined;
  });
}

/** Settings fields that choose where commands run, and the container runtimes a default may name. */
const RUNTIME_KEY = /^(?:runtime|runtime_?[Tt]ype|(?:kernel|exec|execution|env|environment|run|code_?exec\w*)_?[Mm]ode|sandbox|sandbox_?[Tt]ype|sandbox_?[Bb]ackend|sandbox_?[Pp]rovider|sandboxMode|sandbox_mode|execution_?[Ee]nv(?:ironment)?|execution_?[Bb]ackend|exec_?[Ee]nv|container_?[Rr]untime)$/;
const CONTAINER_VALUE = /^(?:Field\(\s*)?(?:default\s*=\s*)?['"`](docker|podman|e2b|modal|daytona|firecracker|gvisor|container|kubernetes)['"`]/i;

/**
 * A settings field whose default puts command execution in a container (`runtime: str =
 * Field(default='docker')`, `sandbox = 'docker'`), read by name elsewhere in the harness (where
 * the runtime is chosen). The default deployment of every command.
 */
export function containerRuntimeDefault(ctx: RuleContext): { file: string; line: number; key: string; value: string; read: { file: string; line: number } } | undefined {
  return ctx.memo('perm:container-runtime-default', () => {
    for (const f of ctx.source) {
      const cands: { key: string; value: string; line: number }[] = [];
      for (const o of f.objects) {
        if (!o.ctx.startsWith('class:')) continue;
        for (const k of o.keys) {
          if (!RUNTIME_KEY.test(k)) continue;
          const m = CONTAINER_VALUE.exec(o.values[k] ?? '');
          if (!m) continue;
          // The field's own line: the call or constant that carries the default inside the class body.
          const at = f.calls.find((c) => c.line >= o.line && c.line <= o.end && c.args.some((a) => CONTAINER_VALUE.exec(a)?.[1] === m[1]))?.line ?? f.consts.find((c) => c.name === k && c.line >= o.line && c.line <= o.end)?.line ?? o.line;
          cands.push({ key: k, value: m[1], line: at });
        }
      }
      // A settings getter given the key and a container default: `self._get_str("kernel_mode", "container")`,
      // `os.getenv("SANDBOX", "docker")`, `config.get("runtime", default="docker")`.
      for (const c of f.calls) {
        if (c.args.length < 2 || !/get|env|default/i.test(c.name)) continue;
        const key = /^['"`](\w+)['"`]$/.exec(c.args[0])?.[1];
        if (!key || !RUNTIME_KEY.test(key) || cands.some((x) => x.key === key)) continue;
        const m = CONTAINER_VALUE.exec(c.args[1]);
        if (m) cands.push({ key, value: m[1], line: c.line });
      }
      for (const c of f.consts) {
        // Not a property of an object built in place as a call's argument (`register({ name, handler,
        // runtime: 'docker' })`): that object is handed to one call, it is no setting read elsewhere by name.
        if (c.kind === 'prop' && f.objects.filter((o) => o.line <= c.line && o.end >= c.line && o.keys.includes(c.name)).sort((a, b) => a.end - a.line - (b.end - b.line))[0]?.ctx.startsWith('arg:')) continue;
        if ((c.kind === 'field' || c.kind === 'prop') && RUNTIME_KEY.test(c.name)) {
          const m = CONTAINER_VALUE.exec(c.value);
          if (m && !cands.some((x) => x.key === c.name)) cands.push({ key: c.name, value: m[1], line: c.line });
        }
      }
      for (const c of cands) {
        // Cite first the read that picks the runtime (`get_runtime_cls(config.runtime)`), else the first read.
        const arg = new RegExp(`\\.${c.key}\\b`);
        let read: { file: string; line: number } | undefined;
        for (const g of ctx.source) {
          if (g.path === f.path || !g.reads[c.key]?.length) continue;
          // Not a read that goes on into the value's members (`model.runtime?.deviceType`): that
          // property holds an object of another kind, not a runtime's name.
          const deref = new RegExp(`\\.${c.key}\\??\\.[A-Za-z_$]`);
          if (g.reads[c.key].every((l) => g.calls.some((x) => x.line === l && x.args.some((a) => deref.test(a))))) continue;
          const pick = g.calls.find((x) => g.reads[c.key].includes(x.line) && x.args.some((a) => arg.test(a)) && /runtime|sandbox|container|deploy|backend|env/i.test(x.name));
          if (pick) {
            read = { file: g.path, line: pick.line };
            break;
          }
          read ??= { file: g.path, line: g.reads[c.key][0] };
        }
        if (read) return { file: f.path, line: c.line, key: c.key, value: c.value, read };
      }
    }
    return undefined;
  });
}

export function actionGates(ctx: RuleContext): ActionGate[] {
  return ctx.memo('perm:action-gates', () => {
    const out: ActionGate[] = [];
    for (const a of actionSites(ctx)) {
      const f = ctx.file(a.file)!;
      for (const d of ctx.callsIn(a.file, a.fn)) {
        if (d.line >= a.line || d.line < a.line - 40 || d === a) continue;
        const bare = d.name.replace(/^_+/, '');
        if (!DECIDE_NAME.test(bare)) continue;
        // The decision is the harness's own function (a method of this object or a helper it owns).
        const defs = ctx.functionsNamed(d.name).filter((x) => x.file === a.file || /^(?:self|this)\./.test(d.callee) || d.callee.includes('.'));
        if (!defs.length) continue;
        const prompt = ctx.reaches(defs[0].file, defs[0].name, (c) => PROMPT.test(c.name) && c.fn !== '<top>', 2, (_n, ds) => ds.length <= 3);
        if (prompt) {
          out.push({ kind: 'ask', decision: d, action: a, prompt: prompt[prompt.length - 1] });
          break;
        }
        const ends = f.guards.some((g) => g.fn === d.fn && g.line === d.line && (g.exit === 'throw' || g.exit === 'return') && g.cond.includes(d.name));
        if (ends) {
          out.push({ kind: 'block', decision: d, action: a });
          break;
        }
      }
    }
    return out.sort((x, y) => Number(x.kind !== 'ask') - Number(y.kind !== 'ask'));
  });
}

/** Prompts that ask the user a yes/no question, and question texts about running a command or code. */
const CONFIRM_CALL = /^(?:input|confirm|confirm_ask|confirmAsk|ask_yes_no|askYesNo|yes_no|prompt_yes_no|question|ask|askUser|ask_user|prompt|Confirm|confirmAction)$/;
const CONFIRM_TEXT = /^(?:[rfbu]|f)?['"`].*\b(?:run|execute|allow|approve|proceed)\b.*\b(?:code|command|commands|shell|script|tool|this)\b/i;

/**
 * The user is asked before model-written commands or code run ("Run this code? (y/n)"): the
 * question is the prompt's literal argument, or a string set just before (`prompt = "Run shell command?"`).
 */
export function confirmPrompts(ctx: RuleContext): { call: Located<CallFact>; question: string }[] {
  return ctx.memo('perm:confirm-prompts', () => {
    const out: { call: Located<CallFact>; question: string }[] = [];
    const question = (c: Located<CallFact>): string | undefined => {
      const a = c.args[0] ?? '';
      if (CONFIRM_TEXT.test(a)) return a;
      if (!/^[A-Za-z_]\w*$/.test(a)) return undefined;
      return nearQuestion(ctx, c);
    };
    // A question about setting the harness up (`Run pip install?`, or any prompt in `install_packages()`):
    // the user is asked about installing a dependency, not about the model's command or code.
    const setup = (c: Located<CallFact>, q: string) => INSTALL_PROMPT.test(q) || INSTALL_PROMPT.test(words(shortName(c.fn)));
    for (const c of ctx.calls) {
      const q = CONFIRM_CALL.test(c.name) ? question(c) : undefined;
      if (q && !setup(c, q)) out.push({ call: c, question: q });
    }
    for (const a of answeredRuns(ctx)) if (!out.some((o) => o.call === a.call) && !setup(a.call, a.question)) out.push({ call: a.call, question: a.question });
    return out;
  });
}

/** A question about running a command or code in the lines just before a prompt (printed, or bound to a name). */
function nearQuestion(ctx: RuleContext, c: Located<CallFact>): string | undefined {
  const near = ctx.file(c.file)?.strings.find((x) => x.line <= c.line && x.line >= c.line - 8 && CONFIRM_TEXT.test(`'${x.value}`));
  return near && `'${near.value}'`;
}

/** Every name a prompt to the user goes by. */
const PROMPT_NAMES = ['input', 'prompt', 'ask', 'confirm', 'question', 'raw_input', 'confirm_ask', 'confirmAsk', 'ask_yes_no', 'askYesNo', 'yes_no', 'prompt_yes_no', 'yesno', 'askUser', 'ask_user', 'Confirm', 'confirmAction'];

/** Words of a question about running or allowing an action (`[E]xecute`, `Run this?`, `Apply the change?`). */
const RUN_WORD = /run|execut|exec|allow|approv|proceed|apply|confirm|continue|perform/i;

/** Prompts whose only answers are yes or no: the bound answer is the decision. */
const YES_NO_CALL = /^(?:confirm|confirm_ask|confirmAsk|ask_yes_no|askYesNo|yes_no|prompt_yes_no|yesno|Confirm|confirmAction)$/;
/** A short answer compared with literals: `answer in ('y', 'yes')`, `option == "e"`, `reply not in ["", "y"]`. */
const ANSWER_LITERAL = /(?:==|!=|\bin\b)\s*[([]?\s*['"][A-Za-z]{0,4}['"]/;

/** Programs that run the text they are given: a list starting with one may still carry the model's command. */
const OWN_ARGV_SHELL = /^(?:(?:ba|z|da|fi|k|c|tc)?sh|pwsh|powershell(?:\.exe)?|cmd(?:\.exe)?|python\d*(?:\.\d+)?|node|deno|bun|ruby|perl|php|osascript|env|sudo|xargs|eval)$/;

export interface AnsweredRun {
  /** The prompt put to the user. */
  call: Located<CallFact>;
  /** What the answer is tested by (a guard, a branch, a yes/no prompt), worded for a reason. */
  question: string;
  /** The call that goes on to run a command or code, and the sink it reaches. */
  run: Located<CallFact>;
  sink: Located<CallFact>;
}

/**
 * The user is asked, and the answer decides whether a command or code runs: a prompt in a function
 * whose answer is tested (a guard that exits, a branch on short literal answers, or a yes/no prompt's
 * bound result), followed in that function by a call that spawns a command or executes code, directly
 * or within two calls (`if input() not in ["", "y"]: return` then `subprocess.Popen(…)`;
 * `option = prompt(…)`, `if option in ("e", "y"): run_command(cmd)`).
 */
export function answeredRuns(ctx: RuleContext): AnsweredRun[] {
  return ctx.memo('perm:answered-runs', () => {
    const out: AnsweredRun[] = [];
    const sinks = shellSinks(ctx);
    if (!sinks.length) return out;
    const sinkAt = new Set(sinks.map((s) => `${s.file}:${s.line}`));
    const isSink = (c: Located<CallFact>) => sinkAt.has(`${c.file}:${c.line}`);
    // A command the harness assembles itself is not the model's: an argument list bound in the same
    // function, or written in the call, that starts with a literal program other than a shell or
    // interpreter (`docker_cmd = ["docker", "run", "--rm", …]` then `subprocess.run(docker_cmd)`;
    // `subprocess.run(["cp", "-a", src, dst])`), as a CLI subcommand builds to start a container or
    // VM or copy an image for the person at the terminal.
    const ownArgv = (s: (typeof sinks)[number]): boolean => {
      const arg = (ctx.file(s.file)?.calls.find((c) => c.line === s.line && c.fn === s.fn)?.args[0] ?? '').trim();
      const b = /^[A-Za-z_]\w*$/.test(arg) ? (ctx.file(s.file)?.binds ?? []).find((x) => x.fn === s.fn && x.name === arg && x.line < s.line)?.value : arg;
      const prog = b && /^\[\s*['"]([\w./-]+)['"]\s*,/.exec(b)?.[1];
      return !!prog && !OWN_ARGV_SHELL.test(prog.replace(/^.*\//, ''));
    };
    const model = new Set(sinks.filter((s) => s.fromInput && !ownArgv(s)).map((s) => `${s.file}:${s.line}`));
    const prompts = [...PROMPT_NAMES].flatMap((n) => ctx.callsNamed(n));
    for (const p of prompts) {
      if (p.fn === '<top>') continue;
      // A question put in words must be about running or allowing something (not `Uninstall agent 'x'?`, not a `> ` input line).
      const said = p.args.map((x) => x.replace(/^\w+\s*=\s*/, '')).find((x) => /^(?:[rfbu]|f)?['"`]/.test(x));
      if (said && !RUN_WORD.test(said.replace(/\[(\w)\]/g, '$1'))) continue;
      const f = ctx.file(p.file);
      if (!f) continue;
      const bound = (f.binds ?? []).find((b) => b.fn === p.fn && b.line === p.line && b.value.includes(`${p.name}(`))?.name;
      const mentions = (cond: string) => cond.includes(`${p.name}(`) || (!!bound && new RegExp(`(?:^|[^\\w$.])${bound}(?![\\w$])`).test(cond));
      // Where the run may sit: after an exiting guard on the answer, inside a branch on a literal answer, or after a yes/no prompt.
      let from = 0;
      let to = 0;
      let how = '';
      const g = f.guards.find((x) => x.fn === p.fn && x.line >= p.line && x.line <= p.line + 4 && (x.exit === 'return' || x.exit === 'throw') && mentions(x.cond) && ((ANSWER_LITERAL.test(x.cond) && /!=|\bnot\b/.test(x.cond)) || YES_NO_CALL.test(p.name)));
      const b = g ? undefined : (f.branches ?? []).find((x) => x.fn === p.fn && x.line > p.line && x.line <= p.line + 10 && mentions(x.cond) && ANSWER_LITERAL.test(x.cond) && !/!=|\bnot\s+in\b/.test(x.cond));
      if (g) [from, to, how] = [g.line + 1, g.line + 40, `if (${g.cond.slice(0, 50)}) ${g.exit}`];
      else if (b) [from, to, how] = [b.line, b.end, `if (${b.cond.slice(0, 50)})`];
      else if (bound && YES_NO_CALL.test(p.name)) [from, to, how] = [p.line + 1, p.line + 40, `yes/no answer '${bound}'`];
      else continue;
      for (const c of ctx.callsIn(p.file, p.fn)) {
        if (c.line < from || c.line > to || c === p) continue;
        let sink: Located<CallFact> | undefined = isSink(c) ? c : undefined;
        if (!sink) {
          for (const d of ctx.functionsNamed(c.name).slice(0, 3)) {
            const path = ctx.reaches(d.file, d.name, isSink, 1, (_n, ds) => ds.length <= 3);
            if (path) {
              sink = path[path.length - 1];
              break;
            }
          }
        }
        if (!sink) continue;
        // A literal command (`bash run.sh`) counts only when the question is about running a command or code.
        const lit = p.args.map((x) => x.replace(/^\w+\s*=\s*/, '')).find((x) => CONFIRM_TEXT.test(x));
        const text = lit ?? (p.args.every((x) => !/^(?:[rfbu]|f)?['"`]/.test(x)) ? nearQuestion(ctx, p) : undefined);
        if (!model.has(`${sink.file}:${sink.line}`) && !text) continue;
        out.push({ call: p, question: text ?? `answer tested (${how}) before ${c.callee}()`, run: c, sink });
        break;
      }
    }
    return out;
  });
}
