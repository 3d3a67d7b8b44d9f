import type { ObjectFact } from '../../analyzers/facts.js';
import type { Located, RuleContext } from '../context.js';
import { at, ev, finding } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';

const TOOL_KEY = /^(?:toolName|tool_name|function_name|functionName|tool|toolId|tool_id|toolCall|tool_call|toolCallId|tool_call_id|tool_calls|toolCalls|toolUse|tool_use)$/;
/** A list of calls carries their inputs with it. */
const CALLS_KEY = /^(?:tool_calls|toolCalls)$/;
const INPUT_KEY = /^(?:args|arguments|input|inputs|params|parameters|function_args|functionArgs|tool_input|toolInput|toolArgs|tool_args)$/;
const OUTCOME_KEY = /^(?:result|results|output|error|isError|is_error|success|observation|observations|outcome|exitCode|exit_code|response|status)$/;
const DECISION_KEY = /^(?:decision|approved|approval|allowed|denied|permission)$/;
const RECORD_CLASS = /event|record|entry|log|step|audit|trace|span|history|journal/i;
const RECORD_SINK = /log|record|audit|append|emit|track|trace|write|save|persist|insert|publish|report|telemetry/i;
const RECORD_VAR = /event|record|entry|fields|log|audit|span|attrs|attributes/i;

interface Rec {
  o: Located<ObjectFact>;
  inputs: boolean;
  decision: boolean;
  where: string;
}

function records(ctx: RuleContext): Rec[] {
  const out: Rec[] = [];
  for (const f of ctx.source) {
    for (const o of f.objects) {
      // Records of a tool or function call (FunctionSpan, ToolCallRecord) name the tool with `name`.
      const callRecord = /^class:\w*(?:tool|function)\w*(?:span|event|record|entry|log|call)/i.test(o.ctx);
      if (!o.keys.some((k) => TOOL_KEY.test(k) || (callRecord && k === 'name'))) continue;
      const hasOut = o.keys.some((k) => OUTCOME_KEY.test(k));
      const decision = o.keys.some((k) => DECISION_KEY.test(k));
      if (!hasOut && !decision) continue;
      let where: string | undefined;
      if (o.ctx.startsWith('class:') && RECORD_CLASS.test(o.ctx.slice(6))) where = `record class ${o.ctx.slice(6)}`;
      else if (o.ctx.startsWith('arg:') && RECORD_SINK.test(o.ctx.slice(4).split('.').pop()!)) where = `passed to ${o.ctx.slice(4)}()`;
      else if (o.ctx.startsWith('var:') && RECORD_VAR.test(o.ctx.slice(4))) where = `record ${o.ctx.slice(4)}`;
      if (!where) continue;
      // A policy rule (tool + decision + pattern) is configuration, not a record of what happened.
      if (!hasOut && /rule|policy/i.test(o.ctx)) continue;
      const inputs = o.keys.some((k) => INPUT_KEY.test(k) || CALLS_KEY.test(k));
      out.push({ o: o as Located<ObjectFact>, inputs, decision, where });
    }
  }
  return out;
}

/** Calls to a logger that mention the commands/tools the agent runs. */
function commandLogs(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  for (const f of ctx.source) {
    for (const c of f.calls) {
      const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
      if (!/log/i.test(recv) || /^console$/.test(recv)) continue;
      const text = c.args.join(' ');
      if (/\b(?:tool|command|cmd|running|executing)\b/i.test(text) || c.name === 'command') {
        out.push(ev(f.path, c.line, `${c.callee}(${text.slice(0, 50)}) records an action`));
        if (out.length >= 2) return out;
      }
    }
  }
  return out;
}

export default defineRule({
  id: 'logging.audit-trail',
  principle: 'logging',
  title: 'What the agent did is recorded',
  rationale:
    'After a run, a reviewer must be able to answer which tools ran with which inputs, what they returned and what was allowed or denied; without a trail, incidents cannot be explained.',
  remediation:
    'Record every tool call with its name, inputs, outcome and the permission decision, as an append-only log or typed record that outlives the turn; see the exemplar audit-log.ts.',
  exemplar: 'src/reference-harness/logging/audit-log.ts',
  detect(ctx) {
    const recs = records(ctx);
    const full = recs.filter((r) => r.inputs);
    const evid = (r: Rec): Evidence =>
      ev(r.o.file, r.o.line, `${r.where}: ${r.o.keys.filter((k) => TOOL_KEY.test(k) || INPUT_KEY.test(k) || OUTCOME_KEY.test(k) || DECISION_KEY.test(k)).slice(0, 6).join(', ')}`);
    if (full.length) {
      const decisions = recs.filter((r) => r.decision);
      return finding(
        'present',
        `tool calls are recorded with inputs and outcomes (${full[0].where} at ${at(full[0].o.file, full[0].o.line)})${decisions.length ? ', permission decisions included' : ''}`,
        [...full.slice(0, 3).map(evid), ...decisions.slice(0, 1).map(evid)],
      );
    }
    if (recs.length) {
      return finding('partial', `tool executions are recorded (${recs[0].where} at ${at(recs[0].o.file, recs[0].o.line)}) but without their inputs`, recs.slice(0, 3).map(evid));
    }
    const logs = commandLogs(ctx);
    if (logs.length) {
      return finding('partial', `some actions are logged as messages (${logs[0].reason}), but tool calls are not recorded with their inputs and outcomes`, logs);
    }
    return finding('absent', 'no record of tool calls (name, inputs, outcome) or permission decisions was found; at most they are printed');
  },
});
