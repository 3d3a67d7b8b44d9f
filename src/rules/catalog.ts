/**
 * The check catalog of ../shared/principles.md as data: its ids are the product's contract
 * (reports, config files, the labelled corpus and the reference harness all use them).
 */
export const PRINCIPLES = [
  { id: 'registry', title: 'Metadata-first tool registries' },
  { id: 'permissions', title: 'Multi-tiered permissions' },
  { id: 'persistence', title: 'Session and workflow state' },
  { id: 'budget', title: 'Strict token budgeting' },
  { id: 'logging', title: 'Structured logging and streaming' },
  { id: 'verification', title: 'Two-level verification' },
  { id: 'agents', title: 'Agent typing and tool pools' },
] as const;

export type PrincipleId = (typeof PRINCIPLES)[number]['id'];

export const CHECK_IDS = [
  'registry.tool-metadata',
  'registry.central',
  'registry.behavior-hints',
  'registry.user-commands',
  'permissions.gate',
  'permissions.tiers',
  'permissions.rules',
  'permissions.shell-guard',
  'persistence.session-save',
  'persistence.state-separate',
  'persistence.resume',
  'persistence.crash-safe',
  'budget.usage-tracking',
  'budget.hard-limits',
  'budget.projection',
  'budget.compaction',
  'logging.typed-events',
  'logging.structured-log',
  'logging.audit-trail',
  'verification.tests',
  'verification.guardrail-tests',
  'verification.output-checks',
  'agents.typed',
  'agents.tool-pools',
  'agents.subagent-limits',
] as const;

export type CheckId = (typeof CHECK_IDS)[number];

export const FLAG_IDS = ['complexity.premature-multi-agent'] as const;
export type FlagId = (typeof FLAG_IDS)[number];

export function principleOf(id: CheckId): PrincipleId {
  return id.slice(0, id.indexOf('.')) as PrincipleId;
}
