import { defineRule } from '../types.js';
import { HINT_KEY, HINT_TAG, hintReads, toolDeclarations, toolHints } from '../shared/tools.js';
import { offPathFrontends, offPathUi } from '../shared/ui.js';
import { completionSpecFiles, dispatchFlags, frameworkHintActors, hintSideTables, markerHints, mcpAnnotationMentions, subclassFlags, toolLiteralFlags, toolOptionFlags, toolKinds, toolRecordFlags, typedEntryHints, CONCURRENCY_OPTION } from './mechanisms.js';

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
    // A shell completion spec's `isDangerous` marks another program's subcommand for the terminal, not a tool.
    const specs = completionSpecFiles(ctx);
    // A web front end that runs no agent types what it shows (`interface ToolItem { readonly?: boolean }` for a
    // tool list the user edits in a dashboard): a field of the page's own type, not the harness's tool metadata.
    const frontends = offPathFrontends(ctx);
    const pageType = (h: { file: string; on: string }) => h.on === 'interface' && frontends.some((d) => h.file.startsWith(d));
    const declaredHints = toolHints(ctx).filter((h) => !specs.has(h.file) && !pageType(h));
    // Registry entries typed by the tool interface that declares a hint set it on each tool.
    const hints = [...declaredHints, ...typedEntryHints(ctx, declaredHints)];
    // Hints a framework acts on itself: AI SDK / Agents SDK `needsApproval`, Mastra `requireApproval`.
    const actors = frameworkHintActors(ctx);
    if (actors.length) {
      const a = actors[0];
      return {
        level: 'present',
        reason: `tools carry the hint '${a.key}' on a framework builder that acts on it (${a.file}:${a.line}): ${a.reason.replace(/^.*; /, '')}`,
        evidence: actors.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: x.reason })),
        // A framework option this repo turns on, on a builder imported from that framework; sure when tools of
        // several modules carry it. One module's tools setting it (a shell tool's approval predicate, the one
        // hint of the harness) may be read as partial: a single hint on one tool.
        confidence: new Set(actors.map((x) => x.file)).size >= 2 ? 'high' : 'low',
      };
    }
    // Marker base classes a tool inherits beside its tool base, tested with issubclass / isinstance.
    const markers = hints.length ? [] : markerHints(ctx);
    if (markers.length) {
      const m = markers[0];
      return {
        level: 'present',
        reason: `tools carry the marker class ${m.marker} (${m.file}:${m.line}, inherited by ${m.tools.length} tool class${m.tools.length > 1 ? 'es' : ''}, e.g. ${m.tools[0].name}) and the harness tests it: ${m.test.text} (${m.test.file}:${m.test.line})`,
        evidence: [
          { file: m.file, line: m.line, reason: `marker class ${m.marker} declares a tool's behaviour by inheritance` },
          { file: m.test.file, line: m.test.line, reason: `the harness tests the marker: ${m.test.text}` },
          { file: m.tools[0].file, line: m.tools[0].line, reason: `tool class ${m.tools[0].name} inherits ${m.marker}` },
        ],
        // Low: the behaviour is read from the marker's name; what the test decides is not followed.
        confidence: 'low',
      };
    }
    // A flag on the tool record (the class built once per tool) that the harness branches on:
    // `ends_batch: bool = False` set by page-changing actions and read to stop a batch.
    const flags = hints.length ? [] : toolRecordFlags(ctx);
    const acted = flags.find((x) => !x.selfOnly);
    // Acted on, but a flag of the harness's own making (ends the batch, ends the run, returns directly):
    // per-tool behaviour outside the read-only / destructive / approval / concurrency vocabulary is
    // `partial` (as the corpus labels a run-ending `completesRun` flag); a vocabulary key is a hint.
    if (acted) {
      const hint = HINT_KEY.test(acted.key);
      return {
        level: hint ? 'present' : 'partial',
        reason: `tools carry the flag '${acted.key}' on their record ${acted.owner} (${acted.declared.file}:${acted.declared.line}, set by ${acted.sets} tools) and the harness branches on it at ${acted.file}:${acted.line}${hint ? '' : ', but it is not a read-only, destructive, approval or concurrency hint'}`,
        evidence: [
          { file: acted.file, line: acted.line, reason: `the harness branches on the tool's flag '${acted.key}'` },
          { file: acted.declared.file, line: acted.declared.line, reason: `flag '${acted.key}' declared with a default on the tool record ${acted.owner}` },
        ],
        // Low: a flag outside the known hint vocabulary; what it changes is read from the condition only.
        confidence: 'low',
      };
    }
    // A switch on the tool base class or the tool option class (`ToolConfig(requires_confirmation=…, sequential=…)`
    // filled in by `@tool(...)`, `isLongRunning` on a BaseTool) that the harness decides on: set per tool by whoever
    // builds it. A read-only / destructive / approval / concurrency switch is a hint; another switch is partial.
    const options = hints.length || flags.length ? [] : toolOptionFlags(ctx);
    const opt = options[0];
    const optHint = !!opt && (HINT_KEY.test(opt.key) || CONCURRENCY_OPTION.test(opt.key));
    if (opt && optHint) {
      return {
        level: 'present',
        reason: `tools carry the option '${opt.key}' on ${opt.owner} (${opt.declared.file}:${opt.declared.line}), set per tool, and the harness decides on it at ${opt.file}:${opt.line}`,
        evidence: [
          { file: opt.declared.file, line: opt.declared.line, reason: `per-tool option '${opt.key}' declared on ${opt.owner}` },
          ...options.filter((x) => HINT_KEY.test(x.key) || CONCURRENCY_OPTION.test(x.key)).slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `the harness decides on the tool's '${x.key}'` })),
        ],
        // Low: the option is read in a condition; what the branch does is not followed.
        confidence: 'low',
      };
    }
    // A web front end that does not run the agent keeps its own lists (a session's auto-approved tools it answers
    // for the user): the page acts on them, the harness does not.
    const side = hintSideTables(ctx).filter((s) => !offPathUi(ctx, s.file));
    if (!hints.length && side.length) {
      return {
        level: 'partial',
        reason: `risk classes are kept in side tables or lists of tools (${side[0].file}:${side[0].line}), not as hints on the tool declarations`,
        evidence: side.slice(0, 3),
        confidence: 'low',
      };
    }
    // A property of the tool class the dispatcher reads off the looked-up tool (`registry[name].file_access`):
    // per-tool behaviour acted on, but not a read-only, destructive, approval or concurrency hint.
    const atDispatch = hints.length || flags.length ? [] : dispatchFlags(ctx);
    if (atDispatch.length) {
      const x = atDispatch[0];
      return {
        level: 'partial',
        reason: `the dispatcher reads the tool's '${x.key}' (declared on ${x.owner}, ${x.declared.file}:${x.declared.line}) off the tool it looked up (${x.file}:${x.line}), but no tool carries a read-only, destructive, approval or concurrency hint`,
        evidence: [
          { file: x.declared.file, line: x.declared.line, reason: `per-tool property '${x.key}' declared on the tool class ${x.owner}` },
          { file: x.file, line: x.line, reason: `the dispatcher reads '${x.key}' off the looked-up tool` },
        ],
        confidence: 'low',
      };
    }
    if (!hints.length && flags.length) {
      const x = flags[0];
      return {
        level: 'partial',
        reason: `tools carry the flag '${x.key}' on their record ${x.owner} (set by ${x.sets} tools), but only the record's own method branches on it (${x.file}:${x.line}); no read-only, destructive or approval hint`,
        evidence: [
          { file: x.declared.file, line: x.declared.line, reason: `flag '${x.key}' declared with a default on the tool record ${x.owner}` },
          { file: x.file, line: x.line, reason: x.reason },
        ],
        confidence: 'low',
      };
    }
    // A flag the tool base class declares with a default and its subclasses turn the other way, read
    // off a tool outside that class family (`if action.is_terminal:`): acted on, not a risk hint.
    const sub = hints.length ? [] : subclassFlags(ctx);
    if (sub.length) {
      const x = sub[0];
      const hint = HINT_KEY.test(x.key);
      return {
        level: hint ? 'present' : 'partial',
        reason: `tools carry the flag '${x.key}' (declared on ${x.owner}, ${x.declared.file}:${x.declared.line}, turned the other way by ${x.set.by}) and the harness reads it off a tool at ${x.file}:${x.line}${hint ? '' : ', but it is not a read-only, destructive, approval or concurrency hint'}`,
        evidence: [
          { file: x.file, line: x.line, reason: `the harness reads the tool's flag '${x.key}'` },
          { file: x.declared.file, line: x.declared.line, reason: `flag '${x.key}' declared with a default on the tool base class ${x.owner}` },
          { file: x.set.file, line: x.set.line, reason: `tool ${x.set.by} sets '${x.key}' the other way` },
        ],
        confidence: 'low',
      };
    }
    // The MCP annotation hints travel with the tools (a schema field, copied onto a span or a message)
    // but no tool declaration here sets a hint the harness reads: the vocabulary without the decision.
    const mcp = hints.length ? [] : mcpAnnotationMentions(ctx);
    if (mcp.length) {
      return {
        level: 'partial',
        reason: `the MCP tool annotation hints are carried with the tools (${mcp[0].reason} at ${mcp[0].file}:${mcp[0].line}), but no tool declaration sets a read-only, destructive, approval or concurrency hint that the harness acts on`,
        evidence: mcp.slice(0, 3),
        confidence: 'low',
      };
    }
    if (!hints.length && opt) {
      return {
        level: 'partial',
        reason: `tools carry the option '${opt.key}' on ${opt.owner} (${opt.declared.file}:${opt.declared.line}) and the harness decides on it at ${opt.file}:${opt.line}, but it is not a read-only, destructive, approval or concurrency hint`,
        evidence: [
          { file: opt.declared.file, line: opt.declared.line, reason: `per-tool option '${opt.key}' declared on ${opt.owner}` },
          { file: opt.file, line: opt.line, reason: `the harness decides on the tool's '${opt.key}'` },
        ],
        confidence: 'low',
      };
    }
    // A boolean flag written on tool literals (`isMCPTool: true`) that the harness tests off a tool elsewhere:
    // per-tool behaviour acted on, but outside the read-only / destructive / approval / concurrency vocabulary.
    const literal = hints.length ? [] : toolLiteralFlags(ctx);
    if (literal.length) {
      const x = literal[0];
      return {
        level: 'partial',
        reason: `tools carry the flag '${x.key}' on their declarations (${x.declared.file}:${x.declared.line}, set by ${x.sets} declaration${x.sets > 1 ? 's' : ''}) and the harness acts on it at ${x.file}:${x.line}, but it is not a read-only, destructive, approval or concurrency hint`,
        evidence: [
          { file: x.file, line: x.line, reason: x.reason },
          { file: x.declared.file, line: x.declared.line, reason: `flag '${x.key}' set on a tool declaration` },
        ],
        confidence: 'low',
      };
    }
    // A kind handed by each tool class to its base class (`super(…, Kind.Fetch, schema)`): a risk class on every tool,
    // present where the harness decides on it, partial where only the base class's package could.
    const kinds = hints.length ? undefined : toolKinds(ctx);
    if (kinds && kinds.decls.length >= 2) {
      const d = kinds.decls[0];
      const r = kinds.reads[0];
      return {
        level: r ? 'present' : 'partial',
        reason: r
          ? `tools declare their kind to the tool base class (${kinds.decls.length} tool classes, e.g. ${d.file}:${d.line}) and the harness decides on it at ${r.file}:${r.line}`
          : `tools declare their kind to the tool base class (${kinds.decls.length} tool classes, e.g. ${d.reason.replace(/^tool class (\S+).*$/, '$1')} at ${d.file}:${d.line}), but nothing in this repo reads a tool's kind`,
        evidence: r ? [d, ...kinds.reads.slice(0, 2)] : kinds.decls.slice(0, 3),
        confidence: 'low',
      };
    }
    if (!hints.length) {
      return {
        level: 'absent',
        reason: decls.length
          ? `${decls.length} tool declarations carry no behavioural hint (read-only, destructive, concurrency-safe, needs-approval)`
          : 'no tool declarations, so no behavioural hints',
        evidence: [],
        // Low: the declarations' keys were read and none is a hint, but hints also come as tag sets
        // (`hints=frozenset({"destructive"})`) or annotations this reading does not know.
        confidence: 'low',
      };
    }
    const byKey = new Map<string, typeof hints>();
    for (const h of hints) byKey.set(h.key, [...(byKey.get(h.key) ?? []), h]);
    const declared = new Set(hints.map((h) => `${h.file}:${h.line}`));
    // A hint declared on an interface is read where that interface is known: the declaring file or a
    // file importing it (not `opts.autoApprove` of an unrelated CLI option). A copy into another
    // object (`autoApprove: tool.autoApprove`) passes the hint on; it does not act on it.
    const knows = (file: string, owner: string, declFile: string) =>
      file === declFile || !!ctx.file(file)?.imports.some((i) => i.names.includes(owner));
    const copies = (file: string, line: number, key: string) =>
      !!ctx.file(file)?.objects.some((o) => o.line <= line && o.end >= line && (o.values[key] ?? '').endsWith(`.${key}`));
    // The owner's constructor storing the hint it was handed (`self.requires_approval = requires_approval`)
    // keeps it on the tool; it does not act on it.
    const stores = (file: string, line: number, owners: Set<string>) =>
      !!ctx.file(file)?.functions.some((fn) => fn.line <= line && fn.end >= line && /\.(?:__init__|constructor)$/.test(fn.name) && owners.has(fn.name.slice(0, fn.name.lastIndexOf('.'))));
    for (const [key, sites] of byKey) {
      // Only a field of the tool interface, set by no tool declaration: the tools do not carry it
      // (the harness fills it from elsewhere, e.g. user settings), so it is not tool metadata.
      if (sites.every((s) => s.on === 'interface')) continue;
      const reads = hintReads(ctx, key, declared).filter(
        (r) =>
          !offPathUi(ctx, r.file) &&
          !specs.has(r.file) &&
          !sites.some((s) => s.file === r.file && Math.abs(s.line - r.line) < 2) &&
          !copies(r.file, r.line, key) &&
          !stores(r.file, r.line, new Set(sites.map((s) => s.owner))) &&
          (sites.some((s) => s.on !== 'interface') || sites.some((s) => knows(r.file, s.owner, s.file))),
      );
      // Tag sets are acted on where a named tag is tested (`"read-only" in tool.hints`); a membership
      // test of a tag taken from elsewhere (a user's `hint:` pattern) only matches, the harness does not act.
      if (reads.length && sites.every((s) => s.tags)) {
        const named = reads.filter((r) => ctx.file(r.file)?.strings.some((x) => x.line === r.line && HINT_TAG.test(`'${x.value}'`)));
        const h = sites[0];
        if (!named.length) {
          return {
            level: 'partial',
            reason: `tools carry hint tags in '${key}' (${sites.length} declaration${sites.length > 1 ? 's' : ''}, e.g. ${h.owner} at ${h.file}:${h.line}), but the harness only matches them against tags given from elsewhere (${reads[0].file}:${reads[0].line}); no decision tests a named tag`,
            evidence: [
              { file: h.file, line: h.line, reason: `hint tags '${key}' declared on tool ${h.owner}` },
              ...reads.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `hint tags '${key}' matched against a tag given from elsewhere` })),
            ],
            confidence: 'low',
          };
        }
        reads.splice(0, reads.length, ...named);
      }
      if (reads.length) {
        const h = sites[0];
        const r = reads[0];
        return {
          level: 'present',
          reason: `tools carry the hint '${key}' (${sites.length} declaration${sites.length > 1 ? 's' : ''}, e.g. ${h.owner} at ${h.file}:${h.line}) and the harness reads it at ${r.file}:${r.line}`,
          // The field on the tool interface (the hint as part of every tool's metadata) leads when the
          // tools also set it; then where the harness reads it, then one tool setting it.
          evidence: (() => {
            const decl = (x: (typeof sites)[number]) => ({ file: x.file, line: x.line, reason: `hint '${key}' declared on ${x.on === 'tool' ? 'tool' : x.on === 'base' ? 'tool base class' : 'tool interface'} ${x.owner}` });
            const read = reads.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `hint '${key}' read by the harness` }));
            const iface = sites.find((x) => x.on === 'interface');
            return iface && h.on !== 'interface' ? [decl(iface), read[0], decl(h)] : [decl(h), ...read];
          })(),
          // Set on three or more tools (not just an interface field) and read outside the declarations.
          // Tag sets (a newer reading, not yet measured on a labelled harness) stay low.
          confidence: sites.filter((s) => s.on !== 'interface').length >= 3 && !sites.every((s) => s.tags) ? 'high' : 'low',
        };
      }
    }
    const h = hints[0];
    if (hints.every((x) => x.on === 'interface')) {
      return {
        level: 'partial',
        reason: `the tool interface ${h.owner} has hint fields (${[...byKey.keys()].join(', ')}) but no tool declaration sets them`,
        evidence: hints.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: `hint field '${x.key}' on tool interface ${x.owner}, set by no tool declaration` })),
        confidence: 'low',
      };
    }
    return {
      level: 'partial',
      reason: `tools declare hints (${[...byKey.keys()].join(', ')}) but nothing in the harness reads them`,
      evidence: hints.slice(0, 3).map((x) => ({ file: x.file, line: x.line, reason: `hint '${x.key}' declared on ${x.owner}, never read` })),
    };
  },
});
