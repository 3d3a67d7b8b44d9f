import { defineRule } from '../types.js';
import { hintReads, toolDeclarations, toolHints } from '../shared/tools.js';

export default defineRule({
  id: 'registry.behavior-hints',
  principle: 'registry',
  title: 'Tool metadata carries behavioural hints the harness acts on',
  rationale:
    'Hints such as read-only, destructive or needs-approval let the gate, the scheduler and the sub-agent pools treat a tool by what it does instead of by a hard-coded list of names.',
  remediation:
    'Add hints to each tool declaration (readOnly, destructive, concurrencySafe, needsApproval) and read them where it matters: the permission gate asks for destructive tools, the scheduler runs read-only ones in parallel; see the exemplar.',
  exemplar: 'src/reference-harness/permissions/gate.ts',
  detect(ctx) {
    const decls = toolDeclarations(ctx);
    const hints = toolHints(ctx);
    if (!hints.length) {
      return {
        level: 'absent',
        reason: decls.length
          ? `${decls.length} tool declarations carry no behavioural hint (read-only, destructive, concurrency-safe, needs-approval)`
          : 'no tool declarations, so no behavioural hints',
        evidence: [],
      };
    }
    const byKey = new Map<string, typeof hints>();
    for (const h of hints) byKey.set(h.key, [...(byKey.get(h.key) ?? []), h]);
    const declared = new Set(hints.map((h) => `${h.file}:${h.line}`));
    for (const [key, sites] of byKey) {
      const reads = hintReads(ctx, key, declared).filter((r) => !sites.some((s) => s.file === r.file && Math.abs(s.line - r.line) < 2));
      if (reads.length) {
        const h = sites[0];
        const r = reads[0];
        return {
          level: 'present',
          reason: `tools carry the hint '${key}' (${sites.length} declaration${sites.length > 1 ? 's' : ''}, e.g. ${h.owner} at ${h.file}:${h.line}) and the harness reads it at ${r.file}:${r.line}`,
          evidence: [
            { file: h.file, line: h.line, reason: `hint '${key}' declared on ${h.on === 'tool' ? 'tool' : h.on === 'base' ? 'tool base class' : 'tool interface'} ${h.owner}` },
            ...reads.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `hint '${key}' read by the harness` })),
          ],
        };
      }
    }
    const h = hints[0];
    return {
      level: 'partial',
      reason: `tools declare hints (${[...byKey.keys()].join(', ')}) but nothing in the harness reads them`,
      evidence: hints.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: `hint '${x.key}' declared on ${x.owner}, never read` })),
    };
  },
});
