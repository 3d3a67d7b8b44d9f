import { defineRule } from '../types.js';
import { toolDeclarations, toolDispatch } from '../shared/tools.js';

export default defineRule({
  id: 'registry.tool-metadata',
  principle: 'registry',
  title: 'Tools are declared as data with name, description and input schema',
  rationale:
    'A tool declared as data (name, description, input schema, execute) can be listed for the model, validated, permission-checked and tested uniformly; a branch of a switch inside the loop can only be run.',
  remediation:
    'Declare each tool as one object or class with name, description, an input schema (zod / JSON Schema / pydantic) and its execute function, and keep behaviour out of the loop; see the exemplar.',
  exemplar: 'src/reference-harness/tools/registry.ts',
  detect(ctx) {
    const decls = toolDeclarations(ctx);
    if (!decls.length) {
      return { level: 'absent', reason: 'no tool declared as data with a name, a description and an input schema', evidence: [] };
    }
    const withExec = decls.filter((d) => d.hasExec);
    const files = new Set(decls.map((d) => d.file));
    // Named objects and tool classes make the clearest evidence; builder calls and base classes after.
    const score = (d: (typeof decls)[number]) => (d.kind === 'object' && d.keys.includes('name') ? 0 : d.kind === 'subclass' || d.kind === 'class' ? 1 : 2);
    const sample = (withExec.length ? withExec : decls).slice().sort((a, b) => score(a) - score(b)).slice(0, 3).map((d) => ({
      file: d.file,
      line: d.line,
      reason: `tool ${d.name ? `'${d.name}' ` : ''}declared as ${d.kind === 'subclass' ? 'a subclass of a tool base class' : d.ctx?.startsWith('decorator:') ? `a function decorated with @${d.ctx.slice(10)}` : d.kind === 'builder' ? 'a builder call' : d.kind === 'class' ? 'a class' : 'an object'} with ${d.keys.filter((k) => !k.startsWith('...')).slice(0, 6).join(', ')}`,
    }));
    // Schemas as data with the handlers in a map looked up by name is still metadata-first.
    const byLookup = toolDispatch(ctx)[0];
    if (!withExec.length && byLookup) {
      return {
        level: 'present',
        reason: `${decls.length} tool schemas are declared as data and calls are dispatched through a lookup by name (${byLookup.lookup.text} at ${byLookup.lookup.file}:${byLookup.lookup.line})`,
        evidence: [...sample.slice(0, 2), { file: byLookup.lookup.file, line: byLookup.lookup.line, reason: `handler looked up by tool name: ${byLookup.lookup.text}` }],
      };
    }
    if (withExec.length) {
      return {
        level: 'present',
        reason: `${withExec.length} tool declarations carry name, description, input schema and the code they run (in ${files.size} file${files.size > 1 ? 's' : ''})`,
        evidence: sample,
      };
    }
    return {
      level: 'partial',
      reason: `${decls.length} tool schemas (name, description, schema) are declared, but none carries its implementation: the behaviour lives elsewhere (e.g. a branch on the tool name)`,
      evidence: sample,
    };
  },
});
