/**
 * Approval modes: ask before edits (default), accept edits in the workspace, or read-only planning.
 * Plain data with no dependencies, so the CLI can offer them without loading the settings schema.
 */
export type Mode = 'default' | 'accept-edits' | 'plan';
export const MODES = ['default', 'accept-edits', 'plan'] as const satisfies readonly Mode[];
