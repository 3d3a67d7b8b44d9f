import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { HINT_KEY, dispatchPath, permissionCalls, toolHints } from '../shared/tools.js';
import { shortName } from '../context.js';

/** What a decision can branch on: where a tool comes from, or its risk class. */
const TIER_READ =
  /^(?:trust|trusted|isTrusted|is_trusted|trustLevel|trust_level|trust_remote_code|serverName|server_name|isMcp|is_mcp|isMcpTool|mcpServer|source|origin|toolSource|builtin|isBuiltin|isBuiltIn|builtIn|is_builtin|plugin|isPlugin|extension|extensionName|provenance|tier|toolAnnotations|annotations|readOnlyHint|destructiveHint|riskClass|category)$/;

export default defineRule({
  id: 'permissions.tiers',
  principle: 'permissions',
  title: 'Tools are treated by trust tier or risk class',
  rationale:
    'A read-only built-in tool, a shell tool and a tool from an unknown MCP server do not carry the same risk; a gate that treats them alike either nags for everything or waves everything through.',
  remediation:
    'Give each tool a risk class (read-only / write / execute) and a source (built-in / MCP / plugin) and make the permission decision branch on them: allow read-only built-ins, ask for writes and shell, ask or deny unknown MCP tools; see the exemplar.',
  exemplar: 'src/reference-harness/permissions/gate.ts',
  detect(ctx) {
    const calls = permissionCalls(ctx);
    const path = dispatchPath(ctx);
    // The harness's own decision (a bare function such as checkPolicy) before SDK or UI callbacks.
    const bare = (c: (typeof calls)[number]) => (c.kind !== 'decision' ? 3 : !c.callee.includes('.') ? 0 : /^this\.\w+(?:\.\w+)?$/.test(c.callee) ? 1 : 2);
    const decisive = calls.filter((c) => c.onPath && c.kind === 'decision' && c.defined && !c.optional).sort((a, b) => bare(a) - bare(b));
    const hooked = calls.filter((c) => c.onPath).sort((a, b) => bare(a) - bare(b));
    // Files where the decision is made: the on-path call's file and the decision function's file.
    const gateFiles = new Set<string>();
    for (const c of hooked) {
      gateFiles.add(c.file);
      const name = shortName(c.callee);
      for (const d of ctx.functionsNamed(name)) gateFiles.add(d.file);
    }
    const readsIn = (files: Iterable<string>): Evidence[] => {
      const out: Evidence[] = [];
      for (const p of files) {
        const f = ctx.file(p);
        if (!f) continue;
        for (const k in f.reads) {
          const lines = f.reads[k];
          // Scheduling hints (concurrency-safe, idempotent) say nothing about risk.
          if (k === 'kind' || /concurren|parallel|idempotent/i.test(k) || !(TIER_READ.test(k) || HINT_KEY.test(k))) continue;
          out.push({ file: p, line: lines[0], reason: `the permission path reads '${k}' to treat tools differently` });
        }
        for (const c of f.calls) {
          if (/^(?:isReadOnly|is_read_only|isDestructive|isDangerous|is_dangerous|isMcp|isTrusted|is_trusted|getDangerLevel|riskOf|classify\w*)$/.test(c.name)) out.push({ file: p, line: c.line, reason: `the permission path classifies the tool with ${c.callee}()` });
        }
      }
      return out;
    };
    const onGate = readsIn(gateFiles);
    if (onGate.length && decisive.length) {
      return {
        level: 'present',
        reason: `the permission decision (${decisive[0].callee}() at ${decisive[0].file}:${decisive[0].line}) branches on the tool's tier or risk class (${onGate[0].reason.replace(/^.*reads /, '')})`,
        evidence: [...onGate.slice(0, 2), { file: decisive[0].file, line: decisive[0].line, reason: `permission decision ${decisive[0].callee}()` }],
      };
    }
    const onDispatch = onGate.length ? onGate : readsIn(path.files);
    const hints = toolHints(ctx);
    if (onDispatch.length && (hooked.length || hints.length)) {
      return {
        level: 'partial',
        reason: `tools are classified (${onDispatch[0].reason.replace(/^.*(?:reads|with) /, '')}) on the dispatch path, but no default permission decision acts on the class${hooked.length ? ` (only ${hooked[0].callee}() at ${hooked[0].file}:${hooked[0].line})` : ''}`,
        evidence: onDispatch.slice(0, 3),
      };
    }
    // A trust check when tools are loaded (remote code, MCP servers) that refuses untrusted sources.
    for (const f of ctx.source) {
      for (const g of f.guards) {
        if (g.exit === 'throw' && /trust/i.test(g.cond)) {
          return {
            level: 'partial',
            reason: `untrusted tool sources are refused at load time (${g.cond.slice(0, 50)} at ${f.path}:${g.line}), but once loaded every tool runs the same way`,
            evidence: [{ file: f.path, line: g.line, reason: `load-time trust check: if (${g.cond.slice(0, 60)}) throw` }],
          };
        }
      }
    }
    if (hints.length) {
      const h = hints.find((x) => /dangerous|destructive|readOnly|read_only|approval/i.test(x.key)) ?? hints[0];
      return {
        level: 'partial',
        reason: `tools carry a risk hint ('${h.key}' on ${h.owner}) but no permission decision treats them differently`,
        evidence: [{ file: h.file, line: h.line, reason: `risk hint '${h.key}' declared` }],
      };
    }
    return { level: 'absent', reason: 'no trust tiers (built-in / MCP / plugin) or risk classes (read-only / write / execute) change how a tool call is permitted', evidence: [] };
  },
});
