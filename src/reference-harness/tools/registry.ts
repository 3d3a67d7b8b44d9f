/**
 * Tools as data, and the one registry that holds them. Contract: a tool declares its name,
 * description, zod input schema, behaviour hints and trust tier; the registry generates the
 * model's tool list from those declarations and is the only way the loop finds a tool to run
 * (dispatch by name). `execute` receives input already validated against `inputSchema` and
 * already allowed by the permission gate; it reports failure as a result (`recoverable`: the
 * model can retry), and a throw counts as a crash that ends the run.
 */
import { z } from 'zod';
import type { ModelTool } from '../model.js';
import type { ToolContext } from './context.js';

export interface ToolHints {
  /** Never changes the workspace or the outside world. */
  readOnly: boolean;
  /** May lose data or act outside the workspace (cannot be undone). */
  destructive: boolean;
  /** Safe to run at the same time as other concurrency-safe calls. */
  concurrencySafe: boolean;
  /** Runs programs or code (the gate's `execute` risk class). */
  executes?: boolean;
}

/** Where a tool comes from: built into the harness, a plugin, or defined by the user. */
export type Tier = 'builtin' | 'plugin' | 'user';

export type ToolResult =
  | { ok: true; content: string }
  /** `recoverable`: the model can fix its call and retry; `fatal`: the run should not go on. */
  | { ok: false; kind: 'recoverable' | 'fatal'; content: string };

export interface Tool<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  inputSchema: S;
  hints: ToolHints;
  tier: Tier;
  /** What a permission rule matches for this call, e.g. a path or a command. */
  subject?: (input: z.infer<S>) => string;
  execute(input: z.infer<S>, ctx: ToolContext): Promise<ToolResult>;
}

/** Keeps `input` typed from the schema at the declaration site. */
export function defineTool<S extends z.ZodObject>(tool: Tool<S>): Tool {
  return tool as unknown as Tool;
}

export const ok = (content: string): ToolResult => ({ ok: true, content });
export const fail = (content: string, kind: 'recoverable' | 'fatal' = 'recoverable'): ToolResult => ({ ok: false, kind, content });

export class ToolRegistry {
  private readonly tools = new Map<string, Tool>();

  constructor(tools: readonly Tool[] = []) {
    for (const t of tools) this.register(t);
  }

  register(tool: Tool): void {
    if (this.tools.has(tool.name)) throw new Error(`tool ${tool.name} is already registered`);
    this.tools.set(tool.name, tool);
  }

  /** Dispatch: the loop looks every call up here. */
  get(name: string): Tool | undefined {
    return this.tools.get(name);
  }

  list(): Tool[] {
    return [...this.tools.values()];
  }

  /** The tool list sent to the model, generated from the declarations. */
  toModelTools(): ModelTool[] {
    return this.list().map((t) => ({
      name: t.name,
      description: t.description,
      inputSchema: z.toJSONSchema(t.inputSchema) as Record<string, unknown>,
    }));
  }

  /** A new registry holding the tools that pass `pred`: how agent and sub-agent pools are built. */
  filter(pred: (tool: Tool) => boolean): ToolRegistry {
    return new ToolRegistry(this.list().filter(pred));
  }
}
