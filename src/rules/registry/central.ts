import { defineRule } from '../types.js';
import { frameworkToolUse, toolDeclarations, toolDispatch, toolListSites } from '../shared/tools.js';

export default defineRule({
  id: 'registry.central',
  principle: 'registry',
  title: 'One registry lists the tools for the model and dispatches calls',
  rationale:
    'When the tool list sent to the model and the dispatch of its calls both come from one registry, a tool cannot be advertised without being runnable, nor run without being declared.',
  remediation:
    'Keep the tools in one registry (a Map keyed by name): generate the model-facing tool list from it and dispatch each tool call by looking its name up in it; see the exemplar.',
  exemplar: 'src/reference-harness/tools/registry.ts',
  detect(ctx) {
    const decls = toolDeclarations(ctx);
    const dispatch = toolDispatch(ctx);
    const lists = toolListSites(ctx);
    const d = dispatch[0];
    const l = lists[0];
    if (d && l) {
      return {
        level: 'present',
        reason: `calls are dispatched by name lookup (${d.lookup.text} in ${d.lookup.fn}()) and the model's tool list is generated from tool data (${l.reason})`,
        evidence: [
          { file: d.lookup.file, line: d.lookup.line, reason: `tool looked up by name: ${d.lookup.text}` },
          { file: d.exec.file, line: d.exec.line, reason: `looked-up tool executed: ${d.exec.callee}()` },
          { file: l.file, line: l.line, reason: l.reason },
        ],
      };
    }
    // Tools handed to a framework (AI SDK, Agents SDK, LangGraph) that lists and dispatches them.
    const fw = frameworkToolUse(ctx);
    if (!d && fw.length && decls.some((x) => x.hasExec)) {
      const u = fw[0];
      return {
        level: 'present',
        reason: `the declared tools are handed as one collection to ${u.runner}() (${u.file}:${u.line}), which lists them for the model and dispatches calls by name`,
        evidence: [
          { file: u.file, line: u.line, reason: `tool collection passed to ${u.runner}()` },
          ...decls.filter((x) => x.hasExec).slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `tool ${x.name} declared with its execute function` })),
        ],
      };
    }
    if (d) {
      return {
        level: 'partial',
        reason: `calls are dispatched by name lookup (${d.lookup.text}) but no tool list generated from the same data was found`,
        evidence: [{ file: d.lookup.file, line: d.lookup.line, reason: `tool looked up by name: ${d.lookup.text}` }],
      };
    }
    if (l && decls.length) {
      return {
        level: 'partial',
        reason: `the model's tool list is generated from tool data (${l.reason}) but calls are not dispatched by looking the name up in a registry`,
        evidence: [{ file: l.file, line: l.line, reason: l.reason }],
      };
    }
    return {
      level: 'absent',
      reason: decls.length ? 'tools are declared but no registry both builds the model\'s tool list and dispatches calls by name' : 'no tool registry: no tools declared as data, no dispatch by name lookup',
      evidence: [],
    };
  },
});
