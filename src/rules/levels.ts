/**
 * What each level of each check looks like, as data: `present` is the catalog's "present when"
 * (PRESENT_WHEN in catalog.ts, the text of ../shared/principles.md);
 * `partial` and `absent` follow the catalog's levels and its hard cases. Read by `audit rules <id>`
 * and by the SARIF rule help.
 */
import { PRESENT_WHEN, type CheckId } from './catalog.js';

export interface LevelDocs {
  present: string;
  partial: string;
  absent: string;
}

export const LEVELS = {
  'registry.tool-metadata': {
    present: PRESENT_WHEN['registry.tool-metadata'],
    partial: 'Some tools are declared as data while others are still branches of a switch, or the declarations lack an input schema or a description.',
    absent: 'Tools are branches of a switch or if-chain on the tool name inside the loop, with no declaration the harness can list or validate.',
  },
  'registry.central': {
    present: PRESENT_WHEN['registry.central'],
    partial: 'A registry exists but only one side uses it: the model-facing list is written by hand, or dispatch bypasses the registry.',
    absent: 'Tools are listed for the model and dispatched in separate places with nothing tying the two together.',
  },
  'registry.behavior-hints': {
    present: PRESENT_WHEN['registry.behavior-hints'],
    partial: 'Hints are declared but nothing reads them, or only some tools carry them.',
    absent: 'No tool declaration says whether it reads, writes, destroys or needs approval.',
  },
  'registry.user-commands': {
    present: PRESENT_WHEN['registry.user-commands'],
    partial: 'Some commands are declared as data while others are hard-coded branches of the input handler.',
    absent: 'User input is matched against command names in an if-chain or switch; there is no command registry.',
  },
  'permissions.gate': {
    present: PRESENT_WHEN['permissions.gate'],
    partial: 'A gate exists but some built-in tools bypass it, each tool must remember to call it, or it is an optional hook with no default.',
    absent: 'Tools are executed straight after the registry lookup with no allow / deny / ask decision.',
  },
  'permissions.tiers': {
    present: PRESENT_WHEN['permissions.tiers'],
    partial: 'A tier or risk class is recorded but the permission decision does not branch on it, or only one tool is singled out by name.',
    absent: 'Every tool is permitted the same way whatever it does or wherever it comes from.',
  },
  'permissions.rules': {
    present: PRESENT_WHEN['permissions.rules'],
    partial: 'Rules or modes exist but are hard-coded, opt-in only, or not consulted by the gate on the main path.',
    absent: 'No user-configurable rules or approval modes exist.',
  },
  'permissions.shell-guard': {
    present: PRESENT_WHEN['permissions.shell-guard'],
    partial: 'The command is inspected only to flag or warn, the guard is opt-in (an optional sandbox), or it is a regex over the whole string that compound commands slip past.',
    absent: "The model's command is passed to exec/spawn/subprocess with no parsing, pattern check, path confinement or sandbox. Where no tool runs shell commands or code, the check does not apply (n/a) and is left out of the score.",
  },
  'persistence.session-save': {
    present: PRESENT_WHEN['persistence.session-save'],
    partial: 'The session is saved only on exit, on demand or behind an option, so a crash loses the run.',
    absent: 'The conversation lives only in memory.',
  },
  'persistence.state-separate': {
    present: PRESENT_WHEN['persistence.state-separate'],
    partial: 'Some workflow state is kept, but only in memory or inside the transcript.',
    absent: 'No workflow state is stored apart from the conversation.',
  },
  'persistence.resume': {
    present: PRESENT_WHEN['persistence.resume'],
    partial: 'A saved session can be read back (to show or export it) but not continued, or resume exists only off the main entry point.',
    absent: 'Every run starts empty; nothing reads a saved session back.',
  },
  'persistence.crash-safe': {
    present: PRESENT_WHEN['persistence.crash-safe'],
    partial: 'Writes are atomic or append-only, but on resume nothing tells completed tool calls from interrupted ones (or the reverse).',
    absent: 'The session file is rewritten in place, so a crash mid-write can corrupt it, and tool calls may run twice after a resume.',
  },
  'budget.usage-tracking': {
    present: PRESENT_WHEN['budget.usage-tracking'],
    partial: 'Usage is read or logged per response but never added up per session.',
    absent: "No response's usage is read and no tokens are counted.",
  },
  'budget.hard-limits': {
    present: PRESENT_WHEN['budget.hard-limits'],
    partial: 'Only a turn, step or time cap, or a token cap that is opt-in (off or unlimited by default).',
    absent: 'Nothing bounds the loop: it runs until the model stops calling tools.',
  },
  'budget.projection': {
    present: PRESENT_WHEN['budget.projection'],
    partial: 'A projection exists but is only logged, or runs on some calls and not before every model call in the loop.',
    absent: 'Requests are sent without estimating their size against the context window.',
  },
  'budget.compaction': {
    present: PRESENT_WHEN['budget.compaction'],
    partial: 'Compaction exists but only on demand (a /compact command) or behind an option.',
    absent: 'The history only grows.',
  },
  'logging.typed-events': {
    present: PRESENT_WHEN['logging.typed-events'],
    partial: 'Events are typed but the loop does not emit errors or stop reasons through them, or only some consumers receive them.',
    absent: 'The loop reports progress by printing or by untyped callbacks.',
  },
  'logging.structured-log': {
    present: PRESENT_WHEN['logging.structured-log'],
    partial: 'A levelled logger exists but writes free text, or the loop and tools still use bare prints.',
    absent: 'Diagnostics are bare prints.',
  },
  'logging.audit-trail': {
    present: PRESENT_WHEN['logging.audit-trail'],
    partial: 'Tool calls are recorded without their inputs, outcomes or permission decisions, or only printed.',
    absent: 'Nothing records which tools ran with which inputs.',
  },
  'verification.tests': {
    present: PRESENT_WHEN['verification.tests'],
    partial: 'Tests exist but none reach the loop, the tools or the sessions.',
    absent: 'No tests import harness code.',
  },
  'verification.guardrail-tests': {
    present: PRESENT_WHEN['verification.guardrail-tests'],
    partial: 'Some guardrails are tested and others are not.',
    absent: 'Tests exist but none asserts a denial, a blocked command or a cap.',
  },
  'verification.output-checks': {
    present: PRESENT_WHEN['verification.output-checks'],
    partial: 'Validation exists but is optional, or covers only some tools.',
    absent: 'Tool inputs from the model are used as they come.',
  },
  'agents.typed': {
    present: PRESENT_WHEN['agents.typed'],
    partial: 'Agent types are named (an enum, a prompt per role) but do not carry their own tools or limits.',
    absent: 'There is one agent, configured inline.',
  },
  'agents.tool-pools': {
    present: PRESENT_WHEN['agents.tool-pools'],
    partial: 'Tools are filtered in one place (a mode, a flag) but agents do not get their own pool.',
    absent: 'Every agent gets every tool.',
  },
  'agents.subagent-limits': {
    present: PRESENT_WHEN['agents.subagent-limits'],
    partial: 'Sub-agents have some limits (a restricted pool, say) but not others (no recursion stop or no cap of their own).',
    absent: 'Sub-agents inherit every tool, may start further sub-agents and have no caps of their own. Where the harness starts no sub-agents, the check does not apply (n/a) and is left out of the score.',
  },
} as const satisfies Record<CheckId, LevelDocs>;
