/**
 * A harness that hands the work to a coding agent it starts (the Codex CLI or SDK, Claude Code or the
 * Claude Agent SDK, the Gemini CLI) runs no shell of its own: the model's commands run in that agent's
 * shell, guarded by the sandbox and permission options the harness passes when it starts it. These are
 * the documented launch options: the CLI flags `--sandbox <read-only|workspace-write|danger-full-access>`,
 * `--permission-mode`, `--allowedTools`, `--dangerously-skip-permissions`, and the SDK options
 * `sandboxMode` / `approvalPolicy` (Codex SDK `startThread`) and `sandbox` / `permissionMode` /
 * `canUseTool` / `allowedTools` (Claude Agent SDK `query` options).
 */
import type { RuleContext } from '../context.js';

/** How one launch sets the delegated agent's sandbox (or, for `permission`, only its approvals). */
export type DelegatedState = 'default' | 'optional' | 'off';

export interface DelegatedLaunch {
  file: string;
  line: number;
  fn: string;
  /** `sandbox`: the launch sets the agent's sandbox; `permission`: only its approvals or tool list. */
  kind: 'sandbox' | 'permission';
  /** The flag or option as written: `--sandbox`, `sandboxMode`, `--permission-mode`. */
  option: string;
  /** The value text (a literal, or the expression it is read from). */
  value: string;
  /** `default`: set to a confining value on every run; `optional`: taken from the caller's options or settings; `off`: set to no sandbox / no approvals. */
  state: DelegatedState;
}

/** Calls that build or run a command line: an argv being filled (`args.push('--sandbox', mode)`, `cmd.extend([...])`) or a process started with one. */
const ARGV_CALL = /^(?:push|extend|append|concat|unshift|insert|spawn|spawnSync|execa|execFile|execFileSync|Popen|run|create_subprocess_exec|check_output|call)$/;
const SANDBOX_FLAG = /^--sandbox$/;
const PERMISSION_FLAG = /^(?:--permission-mode|--allowedTools|--allowed-tools|--disallowedTools|--disallowed-tools|--dangerously-skip-permissions|--dangerously-bypass-approvals-and-sandbox|--yolo|--ask-for-approval|--approval-mode)$/;
/** Flags that turn the delegated agent's sandbox and approvals off. */
const OFF_FLAG = /^(?:--dangerously-skip-permissions|--dangerously-bypass-approvals-and-sandbox|--yolo)$/;
/** Values that mean no sandbox or no approvals. */
const OFF_VALUE = /^(?:danger-full-access|dangerFullAccess|bypassPermissions|never|off|none|disabled|false|False)$/;
/** The SDKs of coding agents whose options are read here. */
const AGENT_SDK = /^(?:@anthropic-ai\/claude-agent-sdk|@anthropic-ai\/claude-code|claude_agent_sdk|claude_code_sdk|@openai\/codex-sdk|openai_codex_sdk)(?:\/|$)/;
/** Sandbox options of a coding agent's SDK (Codex `sandboxMode`, Claude Agent SDK `sandbox`). */
const SANDBOX_KEY = /^(?:sandboxMode|sandbox_mode|sandbox)$/;
const PERMISSION_KEY = /^(?:permissionMode|permission_mode|canUseTool|can_use_tool|approvalPolicy|approval_policy|allowedTools|allowed_tools|disallowedTools|disallowed_tools|allowDangerouslySkipPermissions)$/;

const LITERAL = /^(['"`])([^'"`]*)\1$|^(true|false|True|False)$/;
/** A fallback written into the value: `input.sandboxMode ?? 'read-only'`, `opts.get("sandbox") or "read-only"`. */
const FALLBACK = /(?:\?\?|\|\||\bor\b)\s*(['"`])([^'"`]+)\1\s*$/;

function classify(value: string): { state: DelegatedState; text: string } {
  const v = value.trim().replace(/\s+as\s+[\w.[\]'"]+$/, '');
  const lit = LITERAL.exec(v);
  if (lit) {
    const text = lit[2] ?? lit[3];
    return { state: OFF_VALUE.test(text) ? 'off' : 'default', text };
  }
  const fb = FALLBACK.exec(v);
  if (fb) return { state: OFF_VALUE.test(fb[2]) ? 'optional' : 'default', text: v };
  // A list written in place (`allowed_tools=["Read", "Grep"]`) or a module constant (`allowedTools: AGENT_TOOLS`): fixed by the code.
  if (/^\[/.test(v) || /^[A-Z][A-Z0-9_]*$/.test(v)) return { state: 'default', text: v };
  // An object literal (`sandbox: { enabled: true }`): a sandbox set in place.
  if (/^\{/.test(v)) return { state: /enabled\s*:\s*false/.test(v) ? 'off' : 'default', text: v };
  return { state: 'optional', text: v };
}

/** Every launch of a coding agent that sets its sandbox or its approvals, in source order. */
export function delegatedLaunches(ctx: RuleContext): DelegatedLaunch[] {
  return ctx.memo('perm:delegated-launches', () => {
    const out: DelegatedLaunch[] = [];
    // Command-line flags handed to the agent's CLI.
    for (const [name, calls] of ctx.callNames()) {
      if (!ARGV_CALL.test(name)) continue;
      for (const c of calls) {
        const f = ctx.file(c.file);
        if (!f || f.role !== 'source') continue;
        // The flags as separate arguments (`push('--sandbox', mode)`) or in one list literal (`extend(["--sandbox", mode])`).
        const parts = c.args.length === 1 && /^\[/.test(c.args[0].trim()) ? c.args[0].trim().replace(/^\[|\]$/g, '').split(/\s*,\s*/) : c.args;
        for (let i = 0; i < parts.length; i++) {
          const m = /^(['"`])(--[\w-]+)\1$/.exec(parts[i].trim());
          if (!m) continue;
          const flag = m[2];
          const sandbox = SANDBOX_FLAG.test(flag);
          if (!sandbox && !PERMISSION_FLAG.test(flag)) continue;
          const next = parts[i + 1]?.trim() ?? '';
          let value = next && !/^(['"`])--/.test(next) ? next : '';
          // A value read from a local bound just before (`const sandbox = input.sandboxMode ?? 'read-only'`).
          if (/^[A-Za-z_$][\w$]*$/.test(value)) {
            const b = (f.binds ?? []).filter((x) => x.fn === c.fn && x.name === value && x.line <= c.line).pop();
            if (b) value = b.value;
          }
          // A flag added only under a condition (`if (input.permissionMode) args.push(…)`) is the caller's choice.
          const conditional = (f.branches ?? []).some((b) => b.fn === c.fn && b.line < c.line && b.end >= c.line) || f.guards.some((g) => g.fn === c.fn && g.line === c.line);
          let state: DelegatedState;
          if (OFF_FLAG.test(flag)) state = 'off';
          else if (!value) state = conditional ? 'optional' : 'default';
          else state = conditional ? 'optional' : classify(value).state;
          out.push({ file: c.file, line: c.line, fn: c.fn, kind: sandbox || flag === '--dangerously-bypass-approvals-and-sandbox' ? 'sandbox' : 'permission', option: flag, value, state });
        }
      }
    }
    // Options of a coding agent's SDK, in a file that imports it.
    for (const f of ctx.source) {
      if (!f.imports.some((i) => AGENT_SDK.test(i.from))) continue;
      const seen = new Set<number>();
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:') || o.ctx.startsWith('class:')) continue;
        for (const k of o.keys) {
          const sandbox = SANDBOX_KEY.test(k);
          if (!sandbox && !PERMISSION_KEY.test(k)) continue;
          const value = o.values[k] ?? '';
          const { state } = value ? classify(value) : { state: 'optional' as const };
          const line = o.line;
          out.push({ file: f.path, line, fn: o.fn, kind: sandbox ? 'sandbox' : 'permission', option: k, value, state });
          seen.add(line);
        }
      }
      // An option set on the options object from the caller's settings (`options.sandbox = node.sandbox`).
      for (const k of ['sandbox', 'sandboxMode', 'sandbox_mode']) {
        for (const line of f.reads[k] ?? []) {
          if (seen.has(line) || out.some((x) => x.file === f.path && x.line === line)) continue;
          const fn = f.functions.find((x) => x.line <= line && x.end >= line)?.name ?? '<top>';
          out.push({ file: f.path, line, fn, kind: 'sandbox', option: k, value: '', state: 'optional' });
        }
      }
    }
    return out;
  });
}

/**
 * permissions.shell-guard for a harness with no shell of its own that starts coding agents: the
 * sandbox it sets on them. Every launch confined by default is `present` (a mandatory sandbox); a
 * sandbox only some launches set, or one taken from the caller's options, is `partial`. Undefined
 * when no launch sets a sandbox (nothing to say beyond the absent verdict).
 */
export function delegatedSandboxVerdict(ctx: RuleContext): { level: 'present' | 'partial'; reason: string; evidence: { file: string; line: number; reason: string }[]; confidence: 'low' } | undefined {
  const all = delegatedLaunches(ctx);
  const boxes = all.filter((l) => l.kind === 'sandbox' && l.state !== 'off');
  if (!boxes.length) return undefined;
  const key = (l: DelegatedLaunch) => `${l.file}#${l.fn}`;
  const boxedFns = new Set(boxes.map(key));
  // Launches that set only approvals (or turn the sandbox off), in functions that set no sandbox.
  const open = all.filter((l) => !boxedFns.has(key(l)) && (l.kind === 'permission' || l.state === 'off'));
  const ranked = [...boxes.filter((b) => b.state === 'default'), ...boxes.filter((b) => b.state !== 'default')];
  const b = ranked[0];
  const says = (l: DelegatedLaunch) => `${l.option}${l.value ? ` ${l.value.slice(0, 50)}` : ''}`;
  const present = boxes.every((x) => x.state === 'default') && !open.length;
  const o = open[0];
  return {
    level: present ? 'present' : 'partial',
    reason: present
      ? `the harness runs no shell of its own; the coding agent it starts runs the model's commands in that agent's sandbox, set on every launch (${says(b)} at ${b.file}:${b.line})`
      : `the harness runs no shell of its own; the coding agent it starts runs the model's commands in that agent's sandbox ${b.state === 'default' ? 'on some launches' : 'only when the caller chooses one'} (${says(b)} at ${b.file}:${b.line})${o ? `, while another launch sets no sandbox (${says(o)} at ${o.file}:${o.line})` : ''}; no command is parsed or checked by the harness`,
    evidence: [
      { file: b.file, line: b.line, reason: `the delegated agent's sandbox is set: ${says(b)}${b.state === 'default' ? '' : ' (from the caller\'s options)'}` },
      ...(o ? [{ file: o.file, line: o.line, reason: `a delegated agent started with no sandbox: ${says(o)}` }] : []),
    ],
    // The agent's sandbox is known by its documented option; what the agent does inside it is not read.
    confidence: 'low',
  };
}
