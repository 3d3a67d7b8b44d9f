/**
 * A harness that runs tools by a branch on the tool's name rather than a registry lookup:
 * `if (name === "shell") { … }`, `switch (call.name) { case "bash": … }`, Python
 * `if tool_name == "bash": … elif tool_name == "write_file": …`. Each arm is one tool's path; a
 * permission decision made in the arm before its sink (`handleExecCommand` calling
 * `canAutoApprove(cmd)` then `askUserPermission(…)`), or in the function before the first arm, is
 * the gate on that path. The registry-lookup dispatch (`toolDispatch`) does not see this shape.
 */
import { shortName, type RuleContext } from '../context.js';
import { permissionCalls, type PermissionCall } from '../shared/tools.js';
import { offPathUi } from '../shared/ui.js';
import { classOf } from '../shared/resolve.js';
import { isStale } from '../shared/stale.js';

/** The name a tool call is dispatched by, compared with a literal: `name === "shell"`, `tool_name == 'bash'`, `call.function.name in ("a", "b")`. */
const NAME_VAR = String.raw`(?:[\w$]+\??\.)*(?:name|tool_?name|toolName|function_?name|functionName|func_?name|fn_?name|fnName|tool_?call_?name|toolCallName)`;
const NAME_TEST = new RegExp(String.raw`(?:^|[\s(|&!])${NAME_VAR}\s*(?:===?|\bin\s*[[(])\s*['"\`]`);
/** `switch (call.name)`, `match tool_name:` (recorded as `switch (tool_name)`). */
const NAME_SWITCH = new RegExp(String.raw`^switch \(${NAME_VAR}\)$`);
/** The function (or its class) handles the model's tool calls: `handleFunctionCall`, `execute_tool`, `ToolExecutor.run`. */
const TOOL_FN = /tool|function_?call|functioncall|func_?call|call_?function|dispatch/i;

export interface NameBranchArm {
  line: number;
  end: number;
  cond: string;
  /** The decision that runs on this arm before its tool does, if any. */
  decision?: PermissionCall;
}

export interface NameBranchDispatch {
  file: string;
  fn: string;
  arms: NameBranchArm[];
  /** A decision in the function before its first arm: every arm passes it. */
  before?: PermissionCall;
}

/** Functions that run tools by branching on the tool's name, with the decision on each arm. */
export function nameBranchDispatch(ctx: RuleContext): NameBranchDispatch[] {
  return ctx.memo('perm:name-branch-dispatch', () => {
    const out: NameBranchDispatch[] = [];
    let decisions: Map<string, PermissionCall[]> | undefined;
    const decisionsIn = (file: string, fn: string): PermissionCall[] => {
      if (!decisions) {
        decisions = new Map();
        for (const c of permissionCalls(ctx)) {
          if (c.kind !== 'decision' || !c.defined || c.optional || c.inCatch || offPathUi(ctx, c.file)) continue;
          const k = `${c.file}#${c.fn}`;
          const list = decisions.get(k);
          if (list) list.push(c);
          else decisions.set(k, [c]);
        }
      }
      return decisions.get(`${file}#${fn}`) ?? [];
    };
    for (const f of ctx.source) {
      if (!f.branches?.length || offPathUi(ctx, f.path) || isStale(ctx, f.path)) continue;
      const byFn = new Map<string, NameBranchArm[]>();
      for (const b of f.branches) {
        if (b.fn === '<top>' || !(NAME_TEST.test(b.cond) || NAME_SWITCH.test(b.cond))) continue;
        const cls = classOf(b.fn);
        if (!TOOL_FN.test(shortName(b.fn)) && !TOOL_FN.test(cls)) continue;
        // The arm is the then-side of an `if` (up to its else or elif); a switch is taken whole.
        const fork = (f.forks ?? []).find((k) => k.fn === b.fn && k.line === b.line);
        const end = fork ? fork.elseLine - 1 : b.end;
        const arms = byFn.get(b.fn) ?? [];
        // An `else if` nested in an arm recorded already is its own arm (TypeScript nests the chain).
        arms.push({ line: b.line, end, cond: b.cond });
        byFn.set(b.fn, arms);
      }
      for (const [fn, arms] of byFn) {
        arms.sort((a, b) => a.line - b.line);
        const own = decisionsIn(f.path, fn);
        const before = own.find((c) => c.line < arms[0].line);
        const calls = ctx.callsIn(f.path, fn);
        for (const a of arms) {
          a.decision = own.find((c) => c.line >= a.line && c.line <= a.end);
          if (a.decision) continue;
          // One hop: a handler the arm calls that makes the decision before it runs the tool.
          for (const c of calls) {
            if (c.line < a.line || c.line > a.end || !c.name) continue;
            const defs = ctx.functionsNamed(c.name);
            const near = defs.filter((d) => d.file === f.path);
            for (const d of near.length ? near : defs.length <= 2 ? defs : []) {
              const hit = decisionsIn(d.file, d.name)[0];
              if (hit) {
                a.decision = hit;
                break;
              }
            }
            if (a.decision) break;
          }
        }
        out.push({ file: f.path, fn, arms, ...(before ? { before } : {}) });
      }
    }
    return out;
  });
}
