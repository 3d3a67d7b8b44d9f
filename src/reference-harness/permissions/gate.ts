/**
 * The permission gate: one decision — allow, ask or deny, with a reason — before every tool
 * execution. The loop's single dispatch function calls `decide` for every call; no tool runs
 * without it. Contract, in order: a deny rule denies; plan mode denies anything that is not
 * read-only; the shell guard denies dangerous commands (no rule can allow them); an ask rule
 * asks; an allow rule or an earlier grant allows; plugin and user tools that write or execute
 * ask; then the risk class decides (read allows, write asks unless accept-edits, execute follows
 * the shell guard or asks).
 */
import type { Tool, Tier } from '../tools/registry.js';
import type { Mode, Rules } from './rules.js';
import { classifyCommand, type Decision } from './shell-guard.js';

export type RiskClass = 'read' | 'write' | 'execute';

export interface Verdict {
  decision: Decision;
  reason: string;
}

export interface GateContext {
  /** Grants the user gave earlier in this session (`grantKey` values). */
  granted: readonly string[];
}

export function riskOf(tool: Tool): RiskClass {
  if (tool.hints.readOnly) return 'read';
  return tool.hints.executes ? 'execute' : 'write';
}

const TRUSTED: Record<Tier, boolean> = { builtin: true, plugin: false, user: false };

export class PermissionGate {
  constructor(
    private readonly rules: Rules,
    public mode: Mode,
    private readonly workspace: string,
  ) {}

  /** The key a user's "yes" is remembered under for the rest of the session. */
  grantKey(tool: Tool, input: Record<string, unknown>): string {
    return `${tool.name}(${tool.subject?.(input) ?? ''})`;
  }

  async decide(tool: Tool, input: Record<string, unknown>, ctx: GateContext): Promise<Verdict> {
    const subject = tool.subject?.(input) ?? '';
    const risk = riskOf(tool);
    const rule = this.rules.match(tool.name, subject);

    if (rule?.effect === 'deny') return { decision: 'deny', reason: `denied by the rule "${rule.source}" in .harness/settings.json` };
    if (this.mode === 'plan' && risk !== 'read') return { decision: 'deny', reason: `plan mode is read-only and ${tool.name} can ${risk}` };

    const shell = tool.name === 'run_shell' ? await classifyCommand(subject, { workspace: this.workspace }) : undefined;
    if (shell?.decision === 'deny') return { decision: 'deny', reason: `shell guard: ${shell.reasons.join('; ')}` };

    if (rule?.effect === 'ask') return { decision: 'ask', reason: `the rule "${rule.source}" asks` };
    if (rule?.effect === 'allow') return { decision: 'allow', reason: `allowed by the rule "${rule.source}"` };
    if (ctx.granted.includes(this.grantKey(tool, input))) return { decision: 'allow', reason: 'granted earlier in this session' };

    if (!TRUSTED[tool.tier] && risk !== 'read') return { decision: 'ask', reason: `${tool.tier} tool ${tool.name} can ${risk}` };
    if (shell) return { decision: shell.decision, reason: `shell guard: ${shell.reasons.join('; ') || shell.decision}` };
    switch (risk) {
      case 'read':
        return { decision: 'allow', reason: 'read-only tool' };
      case 'write':
        return this.mode === 'accept-edits'
          ? { decision: 'allow', reason: 'accept-edits mode allows edits in the workspace' }
          : { decision: 'ask', reason: `${tool.name} changes files` };
      case 'execute':
        return { decision: 'ask', reason: `${tool.name} runs code` };
    }
  }
}
