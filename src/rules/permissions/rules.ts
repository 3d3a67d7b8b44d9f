import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { permissionCalls } from '../shared/tools.js';

/** Words that name an approval mode. */
const MODE_WORD =
  /^(?:default|auto|auto[-_ ]?edits?|yolo|plan|ask|always[-_ ]?ask|never|on[-_ ]?request|on[-_ ]?failure|untrusted|accept[-_ ]?edits|bypass[-_ ]?permissions|dont[-_ ]?ask|manual|suggest|full[-_ ]?auto|read[-_ ]?only|strict|permissive|autonomous|confirm|prompt|allow[-_ ]?all|deny[-_ ]?all)$/i;
const DISTINCTIVE_MODE = /^(?:auto[-_ ]?edits?|yolo|plan|accept[-_ ]?edits|bypass[-_ ]?permissions|dont[-_ ]?ask|on[-_ ]?request|on[-_ ]?failure|full[-_ ]?auto|always[-_ ]?ask|untrusted|suggest)$/i;
const MODE_TYPE_NAME = /approval|permission|autonomy|trust|confirm|policy|safety|mode/i;
const RULE_TYPE_NAME = /rule|polic|permission/i;
const DECISION_MEMBER = /^(?:decision|action|permission|effect|verdict|behavior|behaviour|mode|allow)$/;
const MATCH_MEMBER = /^(?:toolName|tool|tools|pattern|commandPrefix|argsPattern|command|commands|match|matcher|glob|path|paths|toolPattern|argPattern|serverName|mcpName)$/;
const LIST_MEMBER = /^(?:allow|deny|ask|allowed|denied|allowedTools|deniedTools|disallowedTools|alwaysAllow|alwaysDeny|alwaysAsk|autoApprove|trustedTools|blockedCommands|allowedCommands|allowList|denyList|allowlist|denylist)$/;
/** Options a user sets to choose how much is approved. */
const PERM_OPTION =
  /^(?:allowAll|allow_all|yolo|yoloMode|yolo_mode|autoApprove|auto_approve|autoAccept|auto_accept|skipPermissions|skip_permissions|dangerouslySkipPermissions|approvalMode|approval_mode|permissionMode|permission_mode|trustAll|trust_all|noConfirm|no_confirm|autoConfirm|auto_confirm|alwaysAllow|always_allow|confirmationMode|confirmation_mode|requireConfirmation|require_confirmation)$/;
/** Parameters through which a user configures allow / deny lists. */
const LIST_PARAM =
  /^(?:additional_)?(?:authori[sz]ed|allowed|blocked|denied|disallowed|excluded?|included?|trusted)_?(?:imports|tools|commands|modules|functions|paths|domains)$|^(?:allowedTools|disallowedTools|excludeTools|includeTools|allowedCommands|blockedCommands|allowList|denyList|allowlist|denylist|allow_list|deny_list)$/;

export default defineRule({
  id: 'permissions.rules',
  principle: 'permissions',
  title: 'Users configure allow / deny / ask rules or approval modes',
  rationale:
    'Only the user knows which actions are acceptable in their project; rules and approval modes read from settings let them tighten or loosen the gate without editing code.',
  remediation:
    'Load allow / deny / ask rules (tool name, command prefix, path pattern) and an approval mode (ask, auto-accept edits, plan-only) from user and project settings, and make the gate consult them; see the exemplar.',
  exemplar: 'src/reference-harness/permissions/rules.ts',
  detect(ctx) {
    const declared: Evidence[] = [];
    const used: { decl: Evidence; use: Evidence; score: number }[] = [];
    for (const f of ctx.source) {
      for (const t of f.types) {
        const values = t.tags.length ? t.tags : t.members.map((m) => m.replace(/^'|'$/g, ''));
        let mode = false;
        if ((t.kind === 'enum' || t.kind === 'union') && MODE_TYPE_NAME.test(t.name)) {
          const words = [...values, ...t.members].filter((v) => MODE_WORD.test(v));
          mode = words.length >= 2 && words.some((v) => DISTINCTIVE_MODE.test(v) || /approval|permission/i.test(t.name));
        }
        const ruleShape =
          (t.kind === 'interface' || t.kind === 'alias') &&
          RULE_TYPE_NAME.test(t.name) &&
          ((t.members.some((m) => DECISION_MEMBER.test(m)) && t.members.some((m) => MATCH_MEMBER.test(m))) || t.members.filter((m) => LIST_MEMBER.test(m)).length >= 2);
        if (!mode && !ruleShape) continue;
        const what = mode ? `approval modes ${t.name} (${values.slice(0, 4).join(', ')})` : `permission rules ${t.name} (${t.members.slice(0, 5).join(', ')})`;
        const decl: Evidence = { file: f.path, line: t.line, reason: what };
        declared.push(decl);
        // Used: the type's name or its members are read from another file.
        const probes = mode && t.kind === 'enum' ? t.members : [t.name];
        for (const g of ctx.source) {
          if (g.path === f.path) continue;
          const hit = probes.find((p) => g.reads[p]?.length) ?? (g.imports.some((i) => i.names.includes(t.name)) ? t.name : undefined);
          if (hit) {
            const use: Evidence = { file: g.path, line: g.reads[hit]?.[0] ?? g.imports.find((i) => i.names.includes(t.name))!.line, reason: `${t.name} used here (${hit})` };
            used.push({ decl, use, score: ((/approval|permission/i.test(t.name) ? 0 : 2) + (mode ? 0 : 1)) * 10 - values.filter((v) => DISTINCTIVE_MODE.test(v)).length });
            break;
          }
        }
      }
    }
    const gate = permissionCalls(ctx).filter((c) => c.onPath);
    used.sort((a, b) => a.score - b.score);
    if (used.length) {
      const { decl, use } = used[0];
      return {
        level: gate.length ? 'present' : 'partial',
        reason: gate.length
          ? `${decl.reason} are declared and consulted (${use.file}:${use.line}); the gate on the dispatch path is ${gate[0].callee}()`
          : `${decl.reason} are declared and used, but no gate on the tool dispatch path consults them`,
        evidence: [decl, use, ...used.slice(1, 2).map((u) => u.decl)],
      };
    }
    if (declared.length) {
      return { level: 'partial', reason: `${declared[0].reason} are declared but never read outside their declaration`, evidence: declared.slice(0, 2) };
    }
    // A permission option (flag or setting) the user can set: one read where the gate decides first
    // (a working approval mode), then one read anywhere, then its declaration (a field or variable)
    // over a place that assigns it (`settings.confirmation_mode = False`).
    const gateFiles = new Set(gate.map((c) => c.file));
    const options = ctx.source.flatMap((f) =>
      f.consts
        .filter((c) => PERM_OPTION.test(c.name) && c.kind !== 'param')
        .map((opt) => {
          const readers = ctx.source.filter((g) => g.reads[opt.name]?.some((l) => !(g.path === f.path && l === opt.line)));
          return { f, opt, readers, atGate: readers.find((g) => gateFiles.has(g.path)) };
        }),
    );
    const rank = (o: (typeof options)[number]) => (o.atGate ? 0 : o.readers.length ? 2 : 4) + (o.opt.kind === 'assign' ? 1 : 0);
    const option = options.reduce<(typeof options)[number] | undefined>((best, o) => (!best || rank(o) < rank(best) ? o : best), undefined);
    if (option) {
      const { f, opt, readers, atGate } = option;
      if (atGate && gate.some((c) => c.kind === 'decision')) {
        return {
          level: 'present',
          reason: `the user's '${opt.name}' setting (${f.path}:${opt.line}) is read where tool calls are permitted (${atGate.path}:${atGate.reads[opt.name][0]})`,
          evidence: [
            { file: f.path, line: opt.line, reason: `approval option '${opt.name}' set from user input` },
            { file: atGate.path, line: atGate.reads[opt.name][0], reason: `'${opt.name}' read on the permission path` },
          ],
        };
      }
      return {
        level: 'partial',
        reason: `the user can set '${opt.name}' (${f.path}:${opt.line}) ${readers.length ? `read at ${readers[0].path}` : 'but nothing reads it'}; there are no allow / deny / ask rules or approval modes`,
        evidence: [{ file: f.path, line: opt.line, reason: `permission option '${opt.name}' set from user input` }],
      };
    }
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const p = fn.params.find((x) => LIST_PARAM.test(x));
        if (p && (fn.exported || /constructor|__init__/.test(fn.name))) {
          return {
            level: 'partial',
            reason: `the user configures an allow / deny list ('${p}' of ${fn.name}()), but there are no tool allow / deny / ask rules or approval modes`,
            evidence: [{ file: f.path, line: fn.line, reason: `user-configured list '${p}'` }],
          };
        }
      }
    }
    return { level: 'absent', reason: 'no user-configurable allow / deny / ask rules or approval modes were found', evidence: [] };
  },
});
