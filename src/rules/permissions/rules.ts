import { delegatedLaunches } from './delegated.js';
import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { PROMPT_CALL, permissionCalls, shellSinks, toolDeclarations, toolDispatch, toolSourceFilters } from '../shared/tools.js';
import { actionGates, answeredRuns, confirmPrompts } from './action-gate.js';
import { configEntries } from '../shared/config.js';
import { askedVerdict, DECIDING_NAME, tieredVerdicts, toolAsks, verdictSettings, type TieredVerdict } from './verdict.js';
import { approvalOnDispatch } from './gate.js';
import { paramName, shortName, type RuleContext } from '../context.js';
import type { FileFacts, TypeFact } from '../../analyzers/facts.js';
import { words } from '../shared/persist.js';
import { modePickedToolSets } from '../shared/agents.js';

/** Words that name an approval mode. */
const MODE_WORD =
  /^(?:default|auto|auto[-_ ]?edits?|yolo|plan|ask|always[-_ ]?ask|always[-_ ]?allow|never|on[-_ ]?request|on[-_ ]?failure|untrusted|accept[-_ ]?edits|bypass[-_ ]?permissions|dont[-_ ]?ask|manual|suggest|full[-_ ]?auto|read[-_ ]?only|strict|permissive|autonomous|confirm|prompt|allow[-_ ]?all|deny[-_ ]?all)$/i;
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

/** Fields that hold an approval mode. */
const MODE_FIELD = /^(?:mode|approval|approval_?[Mm]ode|approvalMode|permission_?[Mm]ode|permissionMode|confirm(?:ation)?_?[Mm]ode|confirmationMode|autonomy(?:_?[Ll]evel)?|safe_?[Mm]ode|safeMode|exec(?:ution)?_?[Mm]ode|executionMode|run_?[Mm]ode|tool_?[Mm]ode|interaction_?[Mm]ode)$/;
const SETTINGS_CLASS = /(?:Config|Settings|Options|Policy|Filter|Rules|Preferences)$/;
const LIST_FIELD = /^(?:blocklist|allowlist|whitelist|blacklist|denylist|block_list|allow_list|deny_list)(?:_(?:standalone|commands|tools|actions|patterns|regex|prefixes|paths))?$|^(?:blocked|allowed|denied|whitelisted|blacklisted)_(?:commands|tools|actions|patterns)$/;
const DECIDING_FN = /confirm|approv|ask|permi|allow|should|authori[sz]/i;
const DECISION_TYPE = /polic|permission|decision|effect|verdict/i;
const RULE_SETTER = /^(?:set|update|add|save|grant|put)\w*(?:Permission|Policy|Policies|Rule|Rules)(?:For\w*)?$/;
const CONFIG_KEY = /approv|permission|yolo|auto_?run|autoRun|confirm|^mode$|^allow$|^deny$|^ask$|trust|yes_always|skip/i;
const ALLOW_KEY = /^(?:allowed(?:_?[A-Z]\w*|_\w+)|allow_?[Ll]ist|whitelist(?:ed)?(?:_\w+)?)$/;
const DENY_KEY = /^(?:(?:denied|blocked|disallowed)(?:_?[A-Z]\w*|_\w+)|deny_?[Ll]ist|block_?[Ll]ist|blacklist(?:ed)?(?:_\w+)?)$/;
/** Calls that read a setting by its key. */
const SETTING_GET = /^(?:get|getValue|getConfig|getConfiguration|getConfigValue|getSetting|getSettings|getNonExtensionConfig|getExperimentBasedConfig|inspect|get_setting|get_config)$/;
/** Calls that declare a command-line flag. */
const FLAG_CALL = /^(?:add_argument|add_option|option|Option|addOption|Argument|flag|boolean_flag)$/;
/** Approval options, in snake case. */
const PERM_FLAG =
  /^(?:allow_all|yolo|yolo_mode|auto_approve\w*|auto_accept\w*|skip_permissions|dangerously_\w+|approval_mode|permission_mode|trust_all|no_confirm\w*|auto_confirm|always_allow|confirmation_mode|require_confirmation|auto_run|yes_always|always_yes|yes_to_all|auto_execute|full_auto|ask_for_approval|no_ask|never_ask)$/;
const snake = (x: string) => x.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toLowerCase();
const camel = (x: string) => x.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/**
 * Where declared rules or modes take effect without a gate on the dispatch path: a permission
 * decision defined in a file that declares or imports the rule type, called inside the tools
 * (`if (decidePathAccess(rules, op, path) === 'deny') return error`); or a branch on the mode's value
 * whose code declares tools (`if (mode === 'agent') tools.write = tool(…)`, `if (mode !== 'plan') return tools`).
 */
function enforcedRules(ctx: RuleContext, types: { name: string; file: string; mode: boolean; values: string[]; inferred?: string }[]): { reason: string; evidence: Evidence[] } | undefined {
  const decls = toolDeclarations(ctx);
  for (const t of types) {
    if (!t.mode) {
      const ruleFiles = new Set([t.file, ...ctx.source.filter((g) => g.imports.some((i) => i.names.includes(t.name))).map((g) => g.path)]);
      const declFiles = new Set(decls.map((d) => d.file));
      const calls = permissionCalls(ctx).filter((c) => c.kind === 'decision' && c.defined && declFiles.has(c.file));
      for (const c of calls) {
        const def = ctx.functionsNamed(shortName(c.callee)).find((d) => ruleFiles.has(d.file));
        if (!def) continue;
        const n = calls.filter((x) => x.callee === c.callee).length;
        return {
          reason: `${def.name}() (${def.file}:${def.line}) decides against them and ${n} tool${n > 1 ? 's call' : ' calls'} it before acting (e.g. ${c.file}:${c.line})`,
          evidence: [
            { file: c.file, line: c.line, reason: `a tool calls ${c.callee}() before it acts` },
            { file: def.file, line: def.line, reason: `${def.name}() decides against the rules` },
          ],
        };
      }
      continue;
    }
    const lit = new RegExp(`(?:===?|!==?)\\s*['"\`](?:${t.values.map((v) => v.replace(/[^\w-]/g, '')).filter(Boolean).join('|')})['"\`]`);
    for (const f of ctx.source) {
      const fileDecls = decls.filter((d) => d.file === f.path);
      if (!fileDecls.length) continue;
      const b = (f.branches ?? []).find((x) => lit.test(x.cond) && fileDecls.some((d) => d.line > x.line && d.line <= x.end));
      const g = b ? undefined : f.guards.find((x) => x.exit === 'return' && lit.test(x.cond) && fileDecls.some((d) => d.line > x.line && f.functions.some((fn) => fn.name === x.fn && d.line <= fn.end)));
      const at = b ?? g;
      if (!at) continue;
      return {
        reason: `the mode decides which tools exist (if (${at.cond.slice(0, 50)}) at ${f.path}:${at.line} around tool declarations)`,
        evidence: [{ file: f.path, line: at.line, reason: `tools declared only in some modes: if (${at.cond.slice(0, 60)})` }],
      };
    }
    // Or the mode answers the approval decision itself: an early return on the mode's value in a
    // function that decides whether a call is asked about (`needsApproval: async (input) => { const mode =
    // getToolApprovalMode(); if (mode === 'alwaysAllow') return false; … }`), where the mode type is known.
    const names = [t.name, ...(t.inferred ? [t.inferred] : [])];
    for (const f of ctx.source) {
      if (f.path !== t.file && !f.imports.some((i) => i.names.some((n) => names.includes(n)))) continue;
      const at = f.guards.find((x) => x.exit === 'return' && lit.test(x.cond) && DECIDING_FN.test(shortName(x.fn)));
      if (!at) continue;
      return {
        reason: `the mode answers the approval decision (if (${at.cond.slice(0, 50)}) return in ${shortName(at.fn)}() at ${f.path}:${at.line})`,
        evidence: [{ file: f.path, line: at.line, reason: `${shortName(at.fn)}() answers by the approval mode: if (${at.cond.slice(0, 60)}) return` }],
      };
    }
    // Or the deciding function takes the mode as a parameter and switches on it (`canAutoApprove(command,
    // policy: ApprovalPolicy)` … `switch (policy) { case 'suggest': return { type: 'ask-user' } … }`).
    for (const f of ctx.source) {
      if (f.path !== t.file && !f.imports.some((i) => i.names.some((n) => names.includes(n)))) continue;
      for (const b of f.branches ?? []) {
        const sw = /^switch \((?:this\.|self\.)?([A-Za-z_$][\w$]*)\)$/.exec(b.cond)?.[1];
        if (!sw || !DECIDING_FN.test(shortName(b.fn))) continue;
        const fn = f.functions.find((x) => x.name === b.fn && x.line <= b.line && x.end >= b.end);
        const i = fn?.params.indexOf(sw) ?? -1;
        if (!fn || i < 0 || !names.includes(fn.paramTypes?.[i] ?? '')) continue;
        return {
          reason: `the mode answers the approval decision (switch (${sw}) in ${shortName(b.fn)}() at ${f.path}:${b.line}, on its ${t.name} parameter)`,
          evidence: [{ file: f.path, line: b.line, reason: `${shortName(b.fn)}() answers by the approval mode: switch (${sw}), ${sw}: ${t.name}` }],
        };
      }
    }
  }
  return undefined;
}

/**
 * Modes or rules declared as a zod enum rather than a TypeScript type (`export const toolApprovalModeSchema =
 * z.enum(['alwaysAsk', 'alwaysAllow', 'smart'])`): a string-literal union by its values, known also by the
 * type inferred from it (`type ToolApprovalMode = z.infer<typeof toolApprovalModeSchema>`).
 */
/** A declared type, and for a zod schema the name of the type inferred from it. */
type DeclaredType = TypeFact & { inferred?: string };

function zodEnumTypes(f: FileFacts): DeclaredType[] {
  const out: DeclaredType[] = [];
  for (const b of f.binds ?? []) {
    if (b.fn !== '<top>' || !/^z\.enum\(\s*\[/.test(b.value)) continue;
    const values = [...b.value.matchAll(/["'`]([\w-]+)["'`]/g)].map((m) => m[1]);
    if (values.length < 2) continue;
    const base = b.name.replace(/_?schema$/i, '');
    const inferred = base !== b.name ? base.charAt(0).toUpperCase() + base.slice(1) : undefined;
    out.push({ name: b.name, kind: 'union', line: b.line, members: values.map((v) => `'${v}'`), tags: values, exported: false, inferred });
  }
  return out;
}

/** A parameter's name as written in a signature, a TypeScript optional one too (`opts?: Options` → `opts`). */
const optionalParamName = (p: string): string => paramName(p).replace(/\s*\?$/, '');
/** A receiver that holds settings (`self.config`, `cfg`, `settings`, `os.environ`). */
const SETTINGS_RECV = /config|setting|cfg|conf\b|env|option|pref/i;
/** Files and functions that decide what a tool may do, by their own names. */
const SAFEGUARD_NAME = /polic|permission|guard|safe|approv|sandbox/i;

interface OptionGate {
  level: 'present' | 'partial';
  reason: string;
  evidence: Evidence[];
}

/** A read of the option itself, `self.safe_mode` included (unlike scan.ts mentionOf, which skips member reads). */
const optionRef = (n: string) => new RegExp(`(?<![\\w$])${n}(?![\\w$])`);

/**
 * Files where tools run or permissions are decided: tool declarations, shell sinks a tool reaches,
 * permission calls. A spawn no tool reaches (a CLI subcommand that starts docker or qemu for the
 * person at the terminal) runs the harness's own command, not the model's.
 */
function toolPathFiles(ctx: RuleContext): Set<string> {
  // Likewise a terminal prompt off the dispatch path (`input("Are you sure? Type 'yes'")` before a CLI
  // subcommand overwrites an image) is a question to the person at the terminal about their own command.
  const terminalPrompt = (c: { callee: string; onPath: boolean }) => !c.onPath && PROMPT_CALL.test(c.callee.replace(/^(?:rl|readline|Prompt|Confirm|click|typer|questionary|inquirer|rich\.prompt\.\w+)\./, ''));
  return ctx.memo('perm:tool-path-files', () =>
    new Set([...toolDeclarations(ctx).map((d) => d.file), ...shellSinks(ctx).filter((k) => k.toolFed).map((k) => k.file), ...permissionCalls(ctx).filter((c) => !terminalPrompt(c)).map((c) => c.file)]),
  );
}

/**
 * A user option read where tools run that changes what needs approval or what is refused: a
 * command-line flag (`--tools-approve`, `--disable-shell-safeguards`) or a setting read by its key
 * (`config.getboolean('MAIN', 'safe_mode')`), then either (a) a function given the option that
 * installs or calls the function asking the user (`if tools_approve: kwargs["before_call"] = approve`):
 * the user picks an approval mode; or (b) a refusal the option switches on or off: the option read
 * just before a refusing guard (`if self.safe_mode: ... if is_unsafe(cmd): return`), or a guard on
 * the option that skips the refusal after it (`if (ctx.disableShellSafeguards) return null`), where
 * tools run or permissions are decided. (b) is a switch over fixed safeguards: partial.
 */
function optionGates(ctx: RuleContext): OptionGate | undefined {
  const options = userSwitches(ctx);
  if (!options.size) return undefined;
  return switchedSafeguards(ctx, options);
}

/** A mode value: an enum member (`ApprovalMode.AUTO_EDIT` → `auto_edit`) or a string literal naming a mode. */
function modeValue(x: string): string | undefined {
  const t = x.trim();
  const m = /^[A-Za-z_$][\w$]*\.([A-Za-z_$][\w$]*)$/.exec(t) ?? /^['"`]([\w -]+)['"`]$/.exec(t);
  const w = m ? snake(m[1]) : '';
  return w && MODE_WORD.test(w) ? w : undefined;
}

/**
 * A field holding an approval mode whose value is a branch on a user's option, each arm a mode:
 * `approvalMode: argv.yolo ? ApprovalMode.YOLO : ApprovalMode.DEFAULT`,
 * `approval_mode="auto" if settings.auto_approve else "ask"`. The option chooses how much is approved.
 */
function modePickedByOption(ctx: RuleContext): { file: string; line: number; field: string; option: string; modes: string[]; text: string } | undefined {
  for (const f of ctx.source) {
    const entries: { field: string; value: string; line: number; end?: number }[] = [];
    for (const o of f.objects) {
      if (o.ctx.startsWith('type:')) continue;
      for (const k of o.keys) if (MODE_FIELD.test(k) && o.values[k]) entries.push({ field: k, value: o.values[k], line: o.line, end: o.end });
    }
    for (const b of f.binds ?? []) if (MODE_FIELD.test(b.name)) entries.push({ field: b.name, value: b.value, line: b.line });
    for (const e of entries) {
      const ts = /^(.+?)\?\s*([^?:]+?)\s*:\s*([^?:]+)$/.exec(e.value);
      const py = ts ? undefined : /^(\S+)\s+if\s+(.+?)\s+else\s+(\S+)$/.exec(e.value);
      const [cond, a, b] = ts ? [ts[1], ts[2], ts[3]] : py ? [py[2], py[1], py[3]] : [];
      if (!cond || !a || !b) continue;
      const modes = [modeValue(a), modeValue(b)];
      if (!modes[0] || !modes[1] || modes[0] === modes[1] || !modes.some((w) => DISTINCTIVE_MODE.test(w!))) continue;
      const option = (cond.match(/[A-Za-z_$][\w$]*/g) ?? []).find((n) => PERM_FLAG.test(snake(n)));
      if (!option) continue;
      // An entry of an object literal: the line where the option is read inside it.
      const line = e.end === undefined ? e.line : (f.reads[option] ?? []).find((l) => l >= e.line && l <= e.end!) ?? e.line;
      return { file: f.path, line, field: e.field, option, modes: modes as string[], text: e.value };
    }
  }
  return undefined;
}

/**
 * Boolean options the user sets: command-line switches (`--yolo`, `action='store_true'`) and
 * settings read as booleans by their key (`config.getboolean('MAIN', 'safe_mode')`), by the name
 * the code reads them under (snake and camel case).
 */
function userSwitches(ctx: RuleContext): Map<string, { file: string; line: number; how: string }> {
  return ctx.memo('perm:user-switches', () => {
    const options = new Map<string, { file: string; line: number; how: string }>();
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (FLAG_CALL.test(c.name)) {
          // A switch, not a value: a bare TS flag (`.option('--yolo', 'help')`), or a Python flag declared
          // boolean (`is_flag=True`, `action='store_true'`, `typer.Option(False, '--yolo')`, `type=bool`).
          const py = f.path.endsWith('.py');
          const isSwitch = py
            ? c.args.some((a) => /^(?:is_flag\s*=\s*True|action\s*=\s*['"]store_(?:true|false)['"]|action\s*=\s*\w*\.?BooleanOptionalAction|type\s*=\s*bool|True|False)$/.test(a.trim()))
            : !c.args.some((a) => /^['"`]-[^'"`]*[<[]/.test(a.trim()));
          if (!isSwitch) continue;
          for (const a of c.args) {
            const m = /^['"](--?)?([A-Za-z][\w-]*)['"]$/.exec(a.trim());
            if (!m || (!m[1] && !m[2].includes('_'))) continue;
            const sn = snake(m[2]);
            if (sn.length < 4) continue;
            for (const n of [sn, camel(sn)]) if (!options.has(n)) options.set(n, { file: f.path, line: c.line, how: m[1] ? `the flag '--${m[2]}'` : `the option '${m[2]}'` });
          }
          continue;
        }
        if (!c.callee.includes('.') || !SETTINGS_RECV.test(c.callee.slice(0, c.callee.lastIndexOf('.')))) continue;
        const b = (f.binds ?? []).find((x) => x.line === c.line && x.fn === c.fn);
        if (!b || !c.args.some((a) => a.trim() === `'${b.name}'` || a.trim() === `"${b.name}"`)) continue;
        // A switch read as a boolean (`getboolean(…)`, a True / False default).
        if (!/bool/i.test(c.name) && !c.args.some((a) => /^(?:\w+\s*=\s*)?(?:True|False|true|false)$/.test(a.trim()))) continue;
        if (!options.has(b.name)) options.set(b.name, { file: f.path, line: c.line, how: `the setting '${b.name}' (${c.callee}())` });
      }
    }
    return options;
  });
}

function switchedSafeguards(ctx: RuleContext, options: Map<string, { file: string; line: number; how: string }>): OptionGate | undefined {
  const askFns = new Set(confirmPrompts(ctx).map((p) => shortName(p.call.fn)).filter((n) => n !== '<top>' && n !== '<anon>'));
  // (a) The option given to a function that installs or calls the function asking the user.
  if (askFns.size) {
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const given = fn.params.map(optionalParamName).filter((p) => options.has(p));
        if (!given.length || askFns.has(shortName(fn.name))) continue;
        const inFn = (l: number) => l > fn.line && l <= fn.end;
        let site: { ask: string; line: number } | undefined;
        for (const a of askFns) {
          const line =
            (f.itemSets ?? []).find((x) => inFn(x.line) && x.value.trim() === a)?.line ??
            (f.binds ?? []).find((x) => inFn(x.line) && x.value.trim() === a)?.line ??
            f.calls.find((x) => inFn(x.line) && (x.name === a || x.args.some((y) => y.trim() === a || y.trim().endsWith(`=${a}`))))?.line;
          if (line !== undefined) {
            site = { ask: a, line };
            break;
          }
        }
        if (!site) continue;
        // Of the options the function is given, the one named like the asking function (`tools_approve`
        // for `_approve_tool_call`), else the only one.
        const words = new Set(snake(site.ask).split('_').filter((w) => w.length >= 4));
        const opt = given.find((p) => snake(p).split('_').some((w) => words.has(w))) ?? (given.length === 1 ? given[0] : undefined);
        if (!opt) continue;
        const o = options.get(opt)!;
        return {
          level: 'present',
          reason: `the user chooses the approval mode with ${o.how} (${o.file}:${o.line}): ${shortName(fn.name)}() is given it and installs ${site.ask}() (${f.path}:${site.line}), which asks before each tool call`,
          evidence: [
            { file: o.file, line: o.line, reason: `${o.how}, which the user sets, chooses whether each tool call is approved` },
            { file: f.path, line: site.line, reason: `${shortName(fn.name)}() installs ${site.ask}() according to '${opt}'` },
          ],
        };
      }
    }
  }
  // (b) A refusal the option switches on or off, where tools run or permissions are decided.
  const sinks = shellSinks(ctx);
  const toolPath = toolPathFiles(ctx);
  for (const f of ctx.source) {
    const named = [...options.keys()].filter((n) => f.reads[n]?.length);
    if (!named.length) continue;
    for (const n of named) {
      for (const l of f.reads[n]) {
        if (f.path === options.get(n)!.file && Math.abs(l - options.get(n)!.line) < 3) continue;
        const skip = f.guards.find((g) => g.line === l && (g.exit === 'return' || g.exit === 'continue') && optionRef(n).test(g.cond));
        const fnName = skip?.fn ?? f.functions.find((x) => l >= x.line && l <= x.end && !f.functions.some((y) => y !== x && y.line > x.line && y.end <= x.end && l >= y.line && l <= y.end))?.name;
        if (!fnName) continue;
        if (!toolPath.has(f.path) && !SAFEGUARD_NAME.test(f.path) && !SAFEGUARD_NAME.test(fnName)) continue;
        const refusal = skip
          ? f.guards.find((g) => g.fn === fnName && g.line > l && g.line <= l + 12 && g.exit === 'return' && !optionRef(n).test(g.cond))
          : f.guards.find((g) => g.fn === fnName && g.line > l && g.line <= l + 4 && (g.exit === 'return' || g.exit === 'throw') && !optionRef(n).test(g.cond));
        if (!refusal) continue;
        // A refusal checks something (`if is_unsafe(cmd)`, `if (!isPathWithin(p, root))`) or throws: an
        // early return on a plain value (`if not body.messages`, `if args.server`) ends a feature, not an action.
        if (refusal.exit !== 'throw' && ![...refusal.cond.matchAll(/([A-Za-z_$][\w$]*)\s*\(/g)].some((m) => !/^(?:not|and|or|in|is|if|await|typeof|void|new|return)$/.test(m[1]))) continue;
        // Switched on: the refusal stands before a command or code run in the same function.
        if (!skip && !sinks.some((k) => k.file === f.path && k.fn === fnName && k.line > refusal.line)) continue;
        const o = options.get(n)!;
        return {
          level: 'partial',
          reason: `the user can only switch a built-in safeguard ${skip ? 'off' : 'on'} with ${o.how} (${o.file}:${o.line}), read at ${f.path}:${l} ${skip ? 'to skip' : 'around'} the refusal in ${shortName(fnName)}() (if ${refusal.cond.slice(0, 50)}); there are no allow / deny / ask rules or approval modes`,
          evidence: [
            { file: o.file, line: o.line, reason: `${o.how}, which the user sets, switches a built-in refusal ${skip ? 'off' : 'on'}` },
            { file: f.path, line: l, reason: `'${n}' switches the refusal at line ${refusal.line} ${skip ? 'off' : 'on'}` },
          ],
        };
      }
    }
  }
  return undefined;
}

/**
 * A mode the user picks that decides whether the harness asks before an action:
 * (a) an approval-named enum that a settings field defaults to (`approval_policy: ApprovalPolicy =
 * ApprovalPolicy.ASK_UNTRUSTED`), compared in an early return of the permission decision or of the
 * function that asks (`if policy == ApprovalPolicy.AUTO_APPROVE: return allow`);
 * (b) a boolean switch the user sets (a command-line flag, a setting read as a boolean) read in the
 * function that asks, in the lines just before its prompt (`if not skip_approval: Prompt.ask(…)`).
 */
function switchedAsk(ctx: RuleContext): { reason: string; evidence: Evidence[]; confidence?: 'low' } | undefined {
  const prompts = confirmPrompts(ctx);
  // The functions that ask or decide: the permission decisions the harness defines, and the functions holding a prompt.
  const deciders: { file: string; fn: string; via: string }[] = [];
  for (const c of permissionCalls(ctx)) {
    if (c.kind !== 'decision' || !c.defined) continue;
    for (const d of ctx.functionsNamed(shortName(c.callee)).slice(0, 3)) if (!deciders.some((x) => x.file === d.file && x.fn === d.name)) deciders.push({ file: d.file, fn: d.name, via: `${shortName(c.callee)}()` });
    if (deciders.length >= 12) break;
  }
  for (const p of prompts) if (p.call.fn !== '<top>' && !deciders.some((x) => x.file === p.call.file && x.fn === p.call.fn)) deciders.push({ file: p.call.file, fn: p.call.fn, via: `${shortName(p.call.fn)}()` });
  if (!deciders.length) return undefined;
  // (a) An approval-named enum a settings field defaults to, compared where the harness decides.
  for (const f of ctx.source) {
    for (const t of f.types) {
      if (t.kind !== 'enum' || t.members.length < 2 || !MODE_TYPE_NAME.test(t.name)) continue;
      const ref = new RegExp(`(?<![\\w$])${t.name}\\.(?:${t.members.map((m) => m.replace(/[^\w$]/g, '')).filter(Boolean).join('|')})(?![\\w$])`);
      let field: { file: string; line: number; key: string } | undefined;
      for (const g of ctx.source) {
        const o = g.objects.find((x) => !x.ctx.startsWith('type:') && x.keys.some((k) => ref.test(x.values[k] ?? '') && (x.values[k] ?? '').trim().startsWith(`${t.name}.`)));
        if (!o) continue;
        const key = o.keys.find((k) => (o.values[k] ?? '').trim().startsWith(`${t.name}.`))!;
        field = { file: g.path, line: (g.binds ?? []).find((b) => b.name === key && b.line >= o.line && b.line <= o.end)?.line ?? o.line, key };
        break;
      }
      if (!field) continue;
      for (const d of deciders) {
        const g = ctx.file(d.file)?.guards.find((x) => x.fn === d.fn && x.exit === 'return' && ref.test(x.cond));
        if (!g) continue;
        return {
          reason: `the user picks the approval mode: '${field.key}' defaults to one of the ${t.name} modes (${(t.tags.length ? t.tags : t.members).slice(0, 4).join(', ')}; ${field.file}:${field.line}), and ${shortName(d.fn)}() answers by it before asking (if ${g.cond.slice(0, 60)} at ${d.file}:${g.line})`,
          evidence: [
            { file: d.file, line: g.line, reason: `the approval mode decides: if (${g.cond.slice(0, 60)}) return` },
            { file: f.path, line: t.line, reason: `approval modes ${t.name} (${(t.tags.length ? t.tags : t.members).slice(0, 4).join(', ')})` },
            { file: field.file, line: field.line, reason: `setting '${field.key}' defaults to a ${t.name} mode` },
          ],
        };
      }
    }
  }
  // (c) A list of actions the user approves in advance, read from the environment: the asking
  // function returns an approval before it asks when a check named for it passes
  // (`if (skillIsAutoApproved({ skillName })) return { approved: true }`), and that check reads an
  // environment variable (`process.env.AUTO_APPROVED_SKILLS`, `os.getenv('AUTO_APPROVE')`).
  const listed = preApproved(ctx, deciders);
  if (listed) return listed;
  // (b) A switch the user sets, read in the asking function just before its prompt.
  const switches = userSwitches(ctx);
  if (!switches.size) return undefined;
  // Prompts in a tool's own file first, then where tools run or permissions are decided: a prompt
  // in the entry point may confirm the mode itself (`if args.auto: confirm('Run unattended?')`).
  const toolPath = toolPathFiles(ctx);
  const declFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
  const rank = (file: string) => (declFiles.has(file) ? 0 : toolPath.has(file) ? 1 : 2);
  for (const p of prompts.slice().sort((a, b) => rank(a.call.file) - rank(b.call.file))) {
    const f = ctx.file(p.call.file);
    if (!f || p.call.fn === '<top>') continue;
    const fn = f.functions.find((x) => x.name === p.call.fn && x.line <= p.call.line && x.end >= p.call.line);
    if (!fn) continue;
    for (const [n, o] of switches) {
      // Read in the lines just before the prompt, or bound to a local of that name in the asking
      // function (`auto_run = config.get('auto_run', False)` … `if not auto_run: ask(…)`).
      const l =
        f.reads[n]?.find((x) => x < p.call.line && x >= p.call.line - 3 && x > fn.line && !(f.path === o.file && x === o.line)) ??
        (f.binds ?? []).find((b) => b.name === n && b.fn === p.call.fn && b.line > fn.line && b.line < p.call.line)?.line;
      if (l === undefined) continue;
      return {
        reason: `the user picks whether actions are asked about with ${o.how} (${o.file}:${o.line}): ${shortName(fn.name)}() reads it at ${f.path}:${l}, before its prompt ${p.call.callee}() (line ${p.call.line})`,
        evidence: [
          { file: o.file, line: o.line, reason: `${o.how}, which the user sets, switches the approval prompt` },
          { file: f.path, line: l, reason: `'${n}' read in the asking function before the prompt ${p.call.callee}() at line ${p.call.line}` },
        ],
      };
    }
  }
  return undefined;
}

/** A setting read off a configuration object: `config.workflow_confirm`, `self.settings.unattended`, `this.cfg.autoRun`. */
const SETTING_MEMBER = /(?:^|[^\w$.])((?:this\.|self\.)?_?(?:config|configuration|settings|cfg|conf|prefs|preferences|user_?[Cc]onfig|app_?[Cc]onfig|user_?[Ss]ettings)(?:\.[A-Za-z_$][\w$]*)*\.([A-Za-z_$][\w$]*))(?![\w$(])/;
/** A setting read by its key off a configuration object: `settings.get('auto_run')`, `config.get("unattended", False)`. */
const SETTING_KEY_READ = /(?:^|[^\w$.])((?:this\.|self\.)?_?(?:config|configuration|settings|cfg|conf|prefs|preferences)\.(?:get|getboolean|get_bool|getBoolean)\(\s*['"`]([\w.-]+)['"`])/;
/** A true / false default: `false`, `True`, `Field(False, …)`, `Field(default=True)`. */
const BOOL_DEFAULT = /^(?:true|false|True|False)$|^Field\(\s*(?:default\s*=\s*)?(?:True|False)\b/;
/** A call that asks the user: `get_user_approval_async`, `askUserConfirmation`, `request_consent`, `prompt_approval`. */
const USER_ASK = /ask|approv|confirm|consent|prompt/i;
/** A module of settings, by its path: `config.py`, `src/settings.ts`, `app/config/index.ts`, `user_prefs.py`. */
const SETTING_FILE = /(?:^|\/)(?:[\w-]*[_-])?(?:config|settings|preferences|prefs)(?:[_-][\w-]*)?\.[a-z]+$|(?:^|\/)(?:config|settings)\/[^/]+$/i;

/**
 * A switch the user sets that decides whether the harness asks before an action, read in the asking
 * function in the lines before its ask (a prompt, or the harness's approval request): a local bound
 * from a setting (`unattended = get_unattended()` … `if not unattended: approved = request_user_approval(…)`),
 * a guard on a setting that skips the ask (`if settings.get('auto_run'): return True`), or a field of
 * the settings (a member of a `…Config` / `…Settings` type, a key of the settings module's object)
 * read just before it (`if (config.confirmEdits) { … await confirm(…) }`). The user picks between
 * asking and not asking: an approval mode.
 */
function settingAroundAsk(ctx: RuleContext): { reason: string; evidence: Evidence[]; confidence: 'low' } | undefined {
  const asks = [
    ...confirmPrompts(ctx).map((p) => ({ file: p.call.file, fn: p.call.fn, line: p.call.line, callee: p.call.callee })),
    // The harness's own request for the user's answer (`request_user_approval(…)`, `askUserConfirmation(…)`),
    // not a check that answers by itself (`checkPermission(…)`, `_is_direct_http_allowed(…)`).
    ...permissionCalls(ctx)
      .filter((c) => c.kind === 'decision' && c.defined && USER_ASK.test(shortName(c.callee)))
      .map((c) => ({ file: c.file, fn: c.fn, line: c.line, callee: c.callee })),
  ];
  if (!asks.length) return undefined;
  // Boolean fields of the settings: keys with a true / false default in a settings class or type's
  // body, or in a top-level object of a settings module (`const config = { workflowConfirm: false }`).
  const fields = ctx.memo('perm:settings-bool-fields', () => {
    const out = new Map<string, { file: string; line: number }>();
    for (const f of ctx.source) {
      const module = SETTING_FILE.test(f.path);
      for (const o of f.objects) {
        const holder = /^(?:class|type|new):([\w$.]+)$/.exec(o.ctx)?.[1];
        if (!(holder && /(?:Config|Settings|Preferences|Prefs|Options)$/.test(holder)) && !(module && o.fn === '<top>' && !o.ctx.startsWith('type:'))) continue;
        for (const k of o.keys) if (BOOL_DEFAULT.test((o.values[k] ?? '').trim()) && !out.has(k)) out.set(k, { file: f.path, line: (f.binds ?? []).find((b) => b.name === k && b.line >= o.line && b.line <= o.end)?.line ?? o.line });
      }
    }
    return out;
  });
  // A getter of the settings module that reads a switch (`get_unattended()` → `get_flag("unattended", False)`).
  const settingGetter = (name: string) =>
    DECIDING_FN.test(name) ? undefined : ctx.functionsNamed(name).find((d) => SETTING_FILE.test(d.file) && ctx.callsIn(d.file, d.name).some((c) => c.args.some((x) => /^(?:True|False|true|false)$/.test(x.trim()))));
  const GETTER_CALL = /^(?:await\s+)?([A-Za-z_$][\w$]*)\(\s*\)$/;
  /** A switch the user sets, read in `text` (a condition, or the value bound to a local). */
  const settingIn = (text: string, file: string, line: number): { key: string; file: string; line: number; how: string } | undefined => {
    const m = SETTING_MEMBER.exec(text);
    const fd = m && fields.get(m[2]);
    if (m && fd) return { key: m[2], file: fd.file, line: fd.line, how: `'${m[1]}'` };
    const k = SETTING_KEY_READ.exec(text);
    if (k) return { key: k[2], file, line, how: `${k[1]}…)` };
    const g = GETTER_CALL.exec(text.trim());
    const d = g && settingGetter(g[1]);
    if (d) {
      // The key the getter reads (`get_flag("unattended", False)`), else the getter's name.
      const key = ctx.callsIn(d.file, d.name).map((c) => /^['"]([\w.-]+)['"]$/.exec((c.args[0] ?? '').trim())?.[1]).find(Boolean) ?? g![1];
      return { key, file: d.file, line: d.line, how: `${g![1]}() of the settings module` };
    }
    return undefined;
  };
  const near = (l: number, a: { line: number }, from: number) => l >= from && l < a.line && a.line - l <= 30;
  for (const a of asks.slice(0, 40)) {
    if (a.fn === '<top>' || a.fn === '<anon>') continue;
    const f = ctx.file(a.file);
    const fn = f?.functions.find((x) => x.name === a.fn && x.line <= a.line && x.end >= a.line);
    if (!f || !fn) continue;
    let hit: { s: { key: string; file: string; line: number; how: string }; at: number; what: string } | undefined;
    // A local bound from a setting in the lines before the ask.
    for (const bd of f.binds ?? []) {
      if (bd.fn !== a.fn || !near(bd.line, a, fn.line)) continue;
      const s = settingIn(bd.value, f.path, bd.line);
      if (s) {
        hit = { s, at: bd.line, what: `'${bd.name}' = ${s.how}` };
        break;
      }
    }
    // A guard on a setting before the ask.
    if (!hit) {
      for (const g of f.guards) {
        if (g.fn !== a.fn || !near(g.line, a, fn.line)) continue;
        const s = settingIn(g.cond, f.path, g.line);
        if (s) {
          hit = { s, at: g.line, what: `if (${g.cond.slice(0, 50)})` };
          break;
        }
      }
    }
    // A field of the settings read just before the ask.
    if (!hit) {
      for (const [k, decl] of fields) {
        const l = f.reads[k]?.find((x) => near(x, a, fn.line) && a.line - x <= 8);
        if (l === undefined) continue;
        hit = { s: { key: k, file: decl.file, line: decl.line, how: `the settings field '${k}'` }, at: l, what: `'${k}'` };
        break;
      }
    }
    if (!hit) continue;
    const { s, at, what } = hit;
    return {
      reason: `the user switches the approval prompt with a setting: ${shortName(a.fn)}() reads ${what} at ${f.path}:${at}, before it asks with ${a.callee}() (line ${a.line})`,
      evidence: [
        { file: s.file, line: s.line, reason: `setting '${s.key}', which the user sets, decides whether actions are asked about` },
        { file: f.path, line: at, reason: `${shortName(a.fn)}() reads it before asking with ${a.callee}() at line ${a.line}` },
      ],
      // The setting is found by where it is read (a configuration object, the settings module), not traced to the user.
      confidence: 'low',
    };
  }
  return undefined;
}

/** A check named for actions approved without asking: `skillIsAutoApproved(name)`, `is_auto_approved(tool)`, `isAlwaysAllowed(tool)`, `is_pre_approved`. */
const PRE_APPROVED_CHECK = /^_*(?:is|check|has)?_?[A-Za-z_]*?(?:[Aa]uto_?[Aa]pprov|[Aa]lways_?[Aa]llow|[Pp]re_?[Aa]pprov)\w*$/;
/** A read of the environment inside a function: `process.env.X`, `os.environ[…]`, `os.getenv(…)`. */
const ENV_CALL = /^(?:os\.getenv|getenv|os\.environ\.get|environ\.get)$/;

/** (c) of switchedAsk: an approval returned before the prompt when a check on an environment list passes. */
function preApproved(ctx: RuleContext, deciders: { file: string; fn: string }[]): { reason: string; evidence: Evidence[]; confidence: 'low' } | undefined {
  for (const d of deciders) {
    const f = ctx.file(d.file);
    if (!f) continue;
    for (const g of f.guards) {
      if (g.fn !== d.fn || g.exit !== 'return') continue;
      for (const m of g.cond.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*)\s*\(/g)) {
        const n = m[1];
        if (!PRE_APPROVED_CHECK.test(n)) continue;
        for (const def of ctx.functionsNamed(n).slice(0, 3)) {
          const h = ctx.file(def.file);
          const fn = h?.functions.find((x) => x.name === def.name && x.line === def.line);
          if (!h || !fn) continue;
          const inFn = (l: number) => l >= fn.line && l <= fn.end;
          const envLine = ['env', 'environ'].flatMap((k) => h.reads[k] ?? []).find(inFn) ?? h.calls.find((c) => inFn(c.line) && ENV_CALL.test(c.callee))?.line;
          if (envLine === undefined) continue;
          return {
            reason: `the user lists the actions approved without asking: ${shortName(d.fn)}() returns before its prompt when ${n}() passes (${d.file}:${g.line}), and ${n}() reads that list from the environment (${def.file}:${envLine})`,
            evidence: [
              { file: d.file, line: g.line, reason: `the asking function answers without asking when ${n}() passes: if (${g.cond.slice(0, 50)}) return` },
              { file: def.file, line: envLine, reason: `${n}() reads the pre-approved list from the environment` },
            ],
            // The check is linked to the list by its name and an environment read in its body.
            confidence: 'low',
          };
        }
      }
    }
  }
  return undefined;
}

/** What a paired list names when it lists sites (domains, hosts, URLs, origins) rather than tools, commands or paths. */
const SITE_NOUN = /(?:domain|host|hostname|url|origin|site|website)s?(?:_?[Pp]atterns?|_?[Rr]ules?)?$/i;

/** A standing answer: allow or deny for good (`ALLOW_ALWAYS`, `reject_always`, `alwaysAllow`, `always_deny`). */
const ALWAYS_ANSWER = /^(?:allow(?:ed)?|approve[d]?|accept(?:ed)?|reject(?:ed)?|den(?:y|ied)|block(?:ed)?)_always$|^always_(?:allow(?:ed)?|approve[d]?|accept(?:ed)?|reject(?:ed)?|den(?:y|ied)|block(?:ed)?)$/;
/** A call that stores something: `store.set(…)`, `save_rule(…)`, `persist(…)`, `remember(…)`, `put(…)`. */
const STORE_CALL = /^_*(?:set|save|put|write|persist|store|remember|record|upsert|add)(?:_?[A-Za-z]\w*)?$/;

/**
 * Standing answers the user gives at a prompt and the harness keeps: an enum or union of decisions with
 * an "always" answer (`class PermissionDecision(Enum): ALLOW_ALWAYS = "allow_always"`,
 * `type Decision = 'allow_once' | 'always_allow' | …`), and a call that stores such an answer
 * (`self._store.set(server, tool, PermissionDecision.ALLOW_ALWAYS)`) outside tests. What is stored
 * decides later calls without asking: allow / deny rules the user writes by answering.
 */
function persistedAlways(ctx: RuleContext): { type: string; decl: { file: string; line: number; values: string[] }; write: { file: string; line: number; fn: string; callee: string; value: string } } | undefined {
  return ctx.memo('perm:persisted-always', () => {
    for (const f of ctx.source) {
      for (const t of f.types) {
        if (t.kind !== 'enum' && t.kind !== 'union') continue;
        const strip = (v: string) => v.replace(/^['"`]|['"`]$/g, '');
        const always = t.members.filter((m) => ALWAYS_ANSWER.test(snake(strip(m))));
        if (!always.length) continue;
        // How the code names an answer: `Type.MEMBER` for an enum, the quoted value for a union.
        const refs = t.kind === 'enum' ? always.map((m) => `${t.name}.${m}`) : always.map(strip);
        const refers = (a: string) => refs.some((r) => (t.kind === 'enum' ? new RegExp(`(?<![\\w$])${r.replace(/[.$]/g, '\\$&')}(?![\\w$])`).test(a) : new RegExp(`^['"\`]${r}['"\`]$`).test(a.trim())));
        for (const g of ctx.source) {
          if (g.path !== f.path && !g.imports.some((i) => i.names.includes(t.name))) continue;
          const c = g.calls.find((x) => STORE_CALL.test(x.name) && x.callee.includes('.') && x.args.some(refers));
          if (!c) continue;
          const value = c.args.find(refers)!.trim().replace(/^['"`]|['"`]$/g, '');
          return { type: t.name, decl: { file: f.path, line: t.line, values: (t.tags.length ? t.tags : t.members).map(strip) }, write: { file: g.path, line: c.line, fn: c.fn, callee: c.callee, value } };
        }
      }
    }
    return undefined;
  });
}

/** The two sides of a paired list, by the word that opens its name; the rest of the name is what is listed. */
const ALLOW_SIDE = /^_*(?:allow(?:ed)?|whitelist(?:ed)?|permit(?:ted)?|trusted)_?([A-Za-z]\w*)$/;
const DENY_SIDE = /^_*(?:deny|denied|block(?:ed)?|disallow(?:ed)?|blacklist(?:ed)?|forbid(?:den)?)_?([A-Za-z]\w*)$/;
const listedNoun = (re: RegExp, k: string): string | undefined => {
  const n = re.exec(k)?.[1]?.replace(/_/g, '').toLowerCase();
  return n && n.length >= 3 ? n : undefined;
};

export interface PairedLists {
  allow: string;
  deny: string;
  /** Where the pair is declared: a settings class, an object or type, a constructor's parameters. */
  file: string;
  line: number;
  where: string;
  /** A refusal that reads one of the lists (or the field it is stored in). */
  refusal: { file: string; line: number; fn: string; cond: string; name: string };
}

/**
 * An allow list and a deny list of the same things declared side by side (`allow_patterns` /
 * `deny_patterns` fields of a settings class, `allowed_tools` / `denied_tools` parameters of a
 * constructor, `allowedDomains` / `blockedDomains` keys), and a refusal that reads one of them: a
 * guard that returns or throws whose condition tests the list, or the field a constructor stores it
 * in (`self._allowed = set(allowed_tools)`, `if name not in self._allowed: return deny`). Only where
 * tools run, or in a file or function named for a safeguard.
 */
export function pairedLists(ctx: RuleContext): PairedLists | undefined {
  return ctx.memo('perm:paired-lists', () => {
    const pairs: { allow: string; deny: string; file: string; line: number; where: string }[] = [];
    const pairIn = (names: string[]): [string, string] | undefined => {
      for (const a of names) {
        const n = listedNoun(ALLOW_SIDE, a);
        if (!n) continue;
        const d = names.find((x) => listedNoun(DENY_SIDE, x) === n);
        if (d) return [a, d];
      }
      return undefined;
    };
    for (const f of ctx.source) {
      for (const c of f.classes) {
        const p = pairIn(c.members);
        if (p) pairs.push({ allow: p[0], deny: p[1], file: f.path, line: [...f.consts, ...(f.binds ?? [])].find((k) => k.name === p[0] && k.line >= c.line && k.line <= c.end)?.line ?? c.line, where: `class ${c.name}` });
      }
      for (const fn of f.functions) {
        const p = pairIn(fn.params.map(optionalParamName));
        if (p) pairs.push({ allow: p[0], deny: p[1], file: f.path, line: fn.line, where: `the parameters of ${fn.name}()` });
      }
      for (const o of f.objects) {
        if (o.ctx.startsWith('class:')) continue;
        const p = pairIn(o.keys);
        if (p) pairs.push({ allow: p[0], deny: p[1], file: f.path, line: o.line, where: o.ctx.startsWith('type:') ? `type ${o.ctx.slice(5)}` : 'an options object' });
      }
      for (const t of f.types) {
        if (t.kind !== 'interface' && t.kind !== 'alias') continue;
        const p = pairIn(t.members);
        if (p) pairs.push({ allow: p[0], deny: p[1], file: f.path, line: t.line, where: `type ${t.name}` });
      }
      if (pairs.length > 40) break;
    }
    if (!pairs.length) return undefined;
    // Where a user sets the lists first: a settings class or a constructor's parameters, then a
    // declared type, then an object literal (which may only report or copy the settings).
    const rank = (w: string) => (w.startsWith('class ') || w.startsWith('the parameters') ? 0 : w.startsWith('type ') ? 1 : 2);
    pairs.sort((a, b) => rank(a.where) - rank(b.where));
    const toolPath = toolPathFiles(ctx);
    for (const p of pairs.slice(0, 40)) {
      // The lists, and the fields a function given them stores them in (`self._denied = set(denied_tools)`).
      const names = new Set([p.allow, p.deny]);
      for (const b of ctx.file(p.file)?.binds ?? []) if (b.name.length >= 4 && (optionRef(p.allow).test(b.value) || optionRef(p.deny).test(b.value))) names.add(b.name);
      for (const g of ctx.source) {
        const read = [...names].filter((n) => g.reads[n]?.length);
        if (!read.length) continue;
        for (const n of read) {
          const ref = optionRef(n);
          const guard = g.guards.find((x) => (x.exit === 'return' || x.exit === 'throw') && ref.test(x.cond) && !(g.path === p.file && x.line === p.line));
          if (!guard) continue;
          if (!toolPath.has(g.path) && !SAFEGUARD_NAME.test(g.path) && !SAFEGUARD_NAME.test(guard.fn)) continue;
          return { ...p, refusal: { file: g.path, line: guard.line, fn: guard.fn, cond: guard.cond, name: n } };
        }
      }
    }
    return undefined;
  });
}

/**
 * The function that builds a rule type's lists from what it loads: it returns an object with two
 * or more of the type's list members (`{ allow: …, ask: …, deny: … }`) and calls a loader or
 * parser first (settings read, JSON parsed). In the type's file or a file that imports it.
 */
function ruleLoader(ctx: RuleContext, type: string, typeFile: string, lists: string[]): { file: string; line: number; fn: string; keys: string[]; reads?: string } | undefined {
  for (const f of ctx.source) {
    if (f.path !== typeFile && !f.imports.some((i) => i.names.includes(type))) continue;
    for (const o of f.objects) {
      if (o.ctx !== 'return' || o.fn === '<top>') continue;
      const keys = o.keys.filter((k) => lists.includes(k));
      if (keys.length < 2) continue;
      const reads = ctx.callsIn(f.path, o.fn).find((c) => c.line < o.line && /load|read|parse|get/i.test(c.name) && /config|setting|rule|polic|permission|json|file/i.test(c.name));
      if (!reads) continue;
      const fn = f.functions.find((x) => x.name === o.fn && x.line <= o.line && x.end >= o.line);
      return { file: f.path, line: fn?.line ?? o.line, fn: shortName(o.fn), keys, reads: reads.callee };
    }
  }
  return undefined;
}

/** Literal words of a decision a rule carries. */
const DECISION_VALUE = /^(?:allow|allowed|deny|denied|ask|block|blocked|reject|approve|approved|confirm|prompt|always|never|auto|forbid|permit|skip|accept|refuse)(?:[-_ ]\w+)?$/i;

/**
 * Whether the places that build `type` give its decision members decision words. True when no
 * construction with a literal for those members is found (nothing to judge by); false when every
 * literal given is some other word (`ToolPolicy(mode="inherit")`, `{ mode: 'allowlist' }`).
 */
function decidesWhenBuilt(ctx: RuleContext, type: string, members: string[]): boolean {
  if (!members.length) return true;
  const values: string[] = [];
  const arg = new RegExp(`^(?:${members.join('|')})\\s*[=:]\\s*['"\`]([^'"\`]*)['"\`]$`);
  for (const c of ctx.callsNamed(type).slice(0, 40)) {
    if (c.callee !== type && c.callee !== `new ${type}`) continue;
    for (const a of c.args) {
      const m = arg.exec(a.trim());
      if (m) values.push(m[1]);
    }
  }
  return !values.length || values.some((v) => DECISION_VALUE.test(v));
}

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
    const used: { decl: Evidence; use: Evidence; score: number; type: { name: string; file: string; mode: boolean; values: string[]; inferred?: string; lists?: string[] } }[] = [];
    for (const f of ctx.source) {
      for (const t of [...f.types, ...zodEnumTypes(f)] as DeclaredType[]) {
        // Only a mode-named enum / union or a rule-named interface / alias can qualify: test that before building its values.
        const modeType = (t.kind === 'enum' || t.kind === 'union') && MODE_TYPE_NAME.test(t.name);
        if (!modeType && !((t.kind === 'interface' || t.kind === 'alias') && RULE_TYPE_NAME.test(t.name))) continue;
        const values = t.tags.length ? t.tags : t.members.map((m) => m.replace(/^'|'$/g, ''));
        let mode = false;
        if (modeType) {
          // Two modes, not one counted twice by its name and its value (`ON_FAILURE = 'on-failure'`, `AutoEdit = 'auto-edit'`).
          const words = [...values, ...t.members].filter((v) => MODE_WORD.test(v));
          mode = new Set(words.map((v) => v.toLowerCase().replace(/[-_ ]/g, ''))).size >= 2 && words.some((v) => DISTINCTIVE_MODE.test(v));
        }
        const ruleShape =
          (t.kind === 'interface' || t.kind === 'alias') &&
          RULE_TYPE_NAME.test(t.name) &&
          ((t.members.some((m) => DECISION_MEMBER.test(m)) && t.members.some((m) => MATCH_MEMBER.test(m))) || t.members.filter((m) => LIST_MEMBER.test(m)).length >= 2);
        if (!mode && !ruleShape) continue;
        // A rule decides (allow / deny / ask): a shape whose decision member is only ever given other
        // words where the type is built (`ToolPolicy(mode="inherit")`, `mode="allowlist"`) sets which
        // tools an agent gets, not what is permitted.
        if (!mode && !t.members.some((m) => LIST_MEMBER.test(m)) && !decidesWhenBuilt(ctx, t.name, t.members.filter((m) => DECISION_MEMBER.test(m)))) continue;
        const what = mode ? `approval modes ${t.name} (${values.slice(0, 4).join(', ')})` : `permission rules ${t.name} (${t.members.slice(0, 5).join(', ')})`;
        const decl: Evidence = { file: f.path, line: t.line, reason: what };
        declared.push(decl);
        // Used: the type's name or its members are read from another file.
        // A zod schema is used by its name or by the type inferred from it (`toolApprovalModeSchema` → `ToolApprovalMode`).
        const probes = mode && t.kind === 'enum' ? t.members : [t.name, ...(t.inferred ? [t.inferred] : [])];
        for (const g of ctx.source) {
          if (g.path === f.path) continue;
          const hit = probes.find((p) => g.reads[p]?.length) ?? probes.find((p) => g.imports.some((i) => i.names.includes(p)));
          if (hit) {
            const use: Evidence = { file: g.path, line: g.reads[hit]?.[0] ?? g.imports.find((i) => i.names.includes(hit))!.line, reason: `${t.name} used here (${hit})` };
            // Lists of rules by decision (`allow`, `ask`, `deny`) rank before a decision-shaped type
            // (`{ mode, reason, command }` is the verdict the rules produce, not the rules).
            const lists = !mode && t.members.filter((m) => LIST_MEMBER.test(m)).length >= 2;
            used.push({ decl, use, score: lists ? 5 : ((/approval|permission/i.test(t.name) ? 0 : 2) + (mode ? 0 : 1)) * 10 - values.filter((v) => DISTINCTIVE_MODE.test(v)).length, type: { name: t.name, file: f.path, mode, values, inferred: t.inferred, lists: lists ? t.members.filter((m) => LIST_MEMBER.test(m)) : undefined } });
            break;
          }
        }
      }
    }
    const gate = permissionCalls(ctx).filter((c) => c.onPath);
    used.sort((a, b) => a.score - b.score);
    // Per-class approval switches the user sets: the function that decides by the tool's class
    // returns a setting for each class (`if (isReadTool(name)) return settings.actions.readFiles`),
    // and the harness declares that setting by name (a default, a stored key, a UI toggle). Counted
    // when a decision runs: a gate on the dispatch path, or the approval each tool requests.
    const asked = askedVerdict(ctx);
    const deciding = gate.some((c) => c.kind === 'decision' && c.defined);
    // Without a tool's ask that reaches it, a function branching on the tool's class decides a call only
    // when it is named for deciding (`checkAutoApproval`, `isToolAutoApproved`) or a decision on the path
    // calls it: a display rule that branches on the same classes (whether to show a shell tool's
    // output, a UI component's last shell call) answers nothing about approval.
    const decides = (v: TieredVerdict): boolean => {
      const name = shortName(v.fn);
      if (DECIDING_NAME.test(name)) return true;
      return gate.some((c) => c.kind === 'decision' && (shortName(c.callee) === name || ctx.functionsNamed(shortName(c.callee)).slice(0, 4).some((d) => ctx.reaches(d.file, d.name, (x) => x.name === name, 1))));
    };
    for (const v of asked ? [asked.verdict] : deciding ? tieredVerdicts(ctx).filter((x) => x.guards.length >= 2 && decides(x)).slice(0, 4) : []) {
      const sets = verdictSettings(ctx, v);
      if (!sets.length) continue;
      const names = [...new Set(sets.map((x) => x.name))];
      return {
        level: 'present',
        reason: `users switch auto-approval per class of tool: ${shortName(v.fn)}() (${v.file}:${v.guard.line}) answers each class with a setting (${names.slice(0, 3).join(', ')}) that the harness declares at ${sets[0].declared.file}:${sets[0].declared.line}`,
        evidence: [
          { file: v.file, line: sets[0].line, reason: `setting '${sets[0].name}' decides this class of tool` },
          ...(sets[1] && sets[1].line !== sets[0].line ? [{ file: v.file, line: sets[1].line, reason: `setting '${sets[1].name}' decides another class` }] : []),
          { file: sets[0].declared.file, line: sets[0].declared.line, reason: `'${sets[0].name}' declared as a setting` },
        ],
        // A decision on the path, a class branch that returns the setting, and the setting declared by name.
        confidence: deciding ? 'high' : 'low',
      };
    }
    if (used.length) {
      const { decl, use } = used[0];
      // With no gate on the dispatch path, the rules still take effect where a decision that reads
      // them ends a tool's call, or where the mode decides which tools exist.
      const enforced = gate.length ? undefined : enforcedRules(ctx, used.slice(0, 4).map((u) => u.type));
      if (enforced) {
        return {
          level: 'present',
          reason: `${decl.reason} are declared and take effect: ${enforced.reason}`,
          evidence: [...enforced.evidence, decl],
          // Resolved: a decision that reads the declared rules ends a tool's call (or the mode
          // decides which tools exist). Right on 2 of 2 corpus/dev verdicts.
          confidence: 'high',
        };
      }
      // Where the rule lists are built (`return { allow: parse(p.allow), ask: …, deny: … }` in a loader
      // that reads the settings): the place a user opens to see the rules configured.
      const loader = used[0].type.lists ? ruleLoader(ctx, used[0].type.name, used[0].type.file, used[0].type.lists) : undefined;
      return {
        level: gate.length ? 'present' : 'partial',
        reason: gate.length
          ? `${decl.reason} are ${loader ? `loaded by ${loader.fn}() (${loader.file}:${loader.line}) and ` : ''}declared and consulted (${use.file}:${use.line}); the gate on the dispatch path is ${gate[0].callee}()`
          : `${decl.reason} are declared and used, but no gate on the tool dispatch path consults them`,
        evidence: [...(loader ? [{ file: loader.file, line: loader.line, reason: `${loader.fn}() builds the ${used[0].type.name} lists (${loader.keys.join(', ')})${loader.reads ? ` from ${loader.reads}()` : ''}` }] : []), decl, use, ...used.slice(1, 2).map((u) => u.decl)].slice(0, 3),
        // Low: the type is found by its names and its use may be only an import; that the gate
        // reads these modes is not resolved (right on 3 of 3 corpus/dev verdicts, but by name).
      };
    }
    if (declared.length) {
      return { level: 'partial', reason: `${declared[0].reason} are declared but never read outside their declaration`, evidence: declared.slice(0, 2) };
    }
    // A decision type (`'allow' | 'ask' | 'deny'`) that a handler sets per tool or category from
    // user input (`setPermissionForCategory({ category, policy })`): user-set rules.
    for (const f of ctx.source) {
      for (const t of f.types) {
        if ((t.kind !== 'union' && t.kind !== 'enum') || !DECISION_TYPE.test(t.name)) continue;
        const vals = new Set((t.tags.length ? t.tags : t.members.map((m) => m.replace(/^['"]|['"]$/g, ''))).map((v) => v.toLowerCase()));
        if (!vals.has('allow') || !(vals.has('deny') || vals.has('ask'))) continue;
        for (const g of ctx.source) {
          if (!g.imports.some((i) => i.names.includes(t.name)) && g.path !== f.path) continue;
          const set = g.calls.find((c) => RULE_SETTER.test(c.name) && c.args.length > 0);
          if (!set) continue;
          return {
            level: 'present',
            reason: `users set allow / ask / deny rules: ${set.callee}() at ${g.path}:${set.line} stores a ${t.name} (${[...vals].join(' / ')}) decision`,
            evidence: [
              { file: g.path, line: set.line, reason: `a rule set from user input: ${set.callee}()` },
              { file: f.path, line: t.line, reason: `decision type ${t.name} (${[...vals].join(', ')})` },
            ],
            confidence: 'high',
          };
        }
      }
    }
    // Whether the harness asks the user or decides before actions: an approval setting then
    // chooses between modes of a working gate.
    const askFiles = new Set([
      ...confirmPrompts(ctx).map((p) => p.call.file),
      ...actionGates(ctx).flatMap((g) => (g.kind === 'ask' ? [g.decision.file, g.prompt!.file] : [])),
      ...gate.filter((c) => c.kind === 'decision' && c.defined).map((c) => c.file),
    ]);
    // Tools that ask for themselves (`if not get_confirmation(...): return` inside a tool's run) ask
    // too; the function they call is where an approval setting would be read.
    const toolFiles = new Set(toolDeclarations(ctx).map((d) => d.file));
    for (const c of permissionCalls(ctx)) {
      if (c.kind !== 'decision' || !c.defined || !toolFiles.has(c.file)) continue;
      askFiles.add(c.file);
      for (const d of ctx.functionsNamed(shortName(c.callee)).slice(0, 3)) askFiles.add(d.file);
    }
    const asks = askFiles.size > 0;
    /** The first read of one of `names` outside the declaration at `file:line`, in a file that asks first. */
    const readOf = (names: string[], file: string, line: number): { file: string; line: number; name: string; atAsk: boolean } | undefined => {
      let best: { file: string; line: number; name: string; atAsk: boolean } | undefined;
      for (const g of ctx.source) {
        for (const n of names) {
          const l = g.reads[n]?.find((x) => !(g.path === file && Math.abs(x - line) < 3));
          if (l === undefined) continue;
          const atAsk = askFiles.has(g.path);
          // Within the asking file, a read inside a deciding function (`_should_ask_confirmation`).
          const lines = g.reads[n].filter((x) => !(g.path === file && Math.abs(x - line) < 3));
          const deciding = lines.find((x) => g.functions.some((fn) => x >= fn.line && x <= fn.end && DECIDING_FN.test(fn.name.replace(/^.*\./, ''))));
          if (!best || (atAsk && !best.atAsk)) best = { file: g.path, line: atAsk ? (deciding ?? l) : l, name: n, atAsk };
        }
        if (best?.atAsk) break;
      }
      return best;
    };
    // Settings with an allow list and a deny list (`{ allowedCommands: [...], deniedCommands: [...] }`),
    // read where the decision is made.
    const decisionFiles = new Set(askFiles);
    for (const c of gate) if (c.kind === 'decision' && c.defined) for (const d of ctx.functionsNamed(c.callee.replace(/^.*\./, '')).slice(0, 4)) decisionFiles.add(d.file);
    for (const f of ctx.source) {
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:')) continue;
        const allow = o.keys.find((k) => ALLOW_KEY.test(k));
        const deny = allow && o.keys.find((k) => DENY_KEY.test(k));
        if (!allow || !deny) continue;
        const at = ctx.source.find((g) => decisionFiles.has(g.path) && (g.reads[allow]?.length || g.reads[deny]?.length));
        if (!at) continue;
        const key = at.reads[allow]?.length ? allow : deny;
        return {
          level: 'present',
          reason: `users configure allow / deny lists ('${allow}', '${deny}' at ${f.path}:${o.line}) that the permission decision reads (${at.path}:${at.reads[key][0]})`,
          evidence: [
            { file: at.path, line: at.reads[key][0], reason: `'${key}' read where the permission is decided` },
            { file: f.path, line: o.line, reason: `settings with '${allow}' and '${deny}'` },
          ],
          confidence: 'high',
        };
      }
    }
    // An approval-mode field typed with its modes (`mode: Literal["human", "confirm", "yolo"] = "confirm"`).
    for (const f of ctx.source) {
      for (const k of f.consts) {
        if (k.kind === 'param' || k.kind === 'assign' || !MODE_FIELD.test(k.name)) continue;
        const words = f.strings.filter((x) => x.line === k.line && MODE_WORD.test(x.value)).map((x) => x.value);
        const distinct = [...new Set(words)];
        if (distinct.length < 2 || !distinct.some((w) => DISTINCTIVE_MODE.test(w))) continue;
        const r = readOf([k.name], f.path, k.line);
        const decl: Evidence = { file: f.path, line: k.line, reason: `approval mode setting '${k.name}' (${distinct.join(', ')}), default ${k.value}` };
        if (!r) continue;
        // A shipped configuration file that sets the mode (`agent.mode: confirm`) confirms it is a setting.
        const shipped = configEntries(ctx, new RegExp(`^${k.name}$`)).find((e) => distinct.includes(e.value.replace(/^['"]|['"]$/g, '')));
        return {
          level: asks ? 'present' : 'partial',
          ...(shipped && asks ? { confidence: 'high' as const } : {}),
          reason: asks
            ? `the user chooses an approval mode '${k.name}' (${distinct.join(' / ')}) at ${f.path}:${k.line}, read at ${r.file}:${r.line}${r.atAsk ? ' where actions are confirmed' : ''}`
            : `an approval mode '${k.name}' (${distinct.join(' / ')}) is declared at ${f.path}:${k.line}, but the harness never asks before an action`,
          evidence: [decl, { file: r.file, line: r.line, reason: `'${k.name}' read here` }, ...(shipped ? [{ file: shipped.file, line: shipped.line, reason: `configuration sets ${shipped.path}: ${shipped.value}` }] : [])],
        };
      }
    }
    // A command-line flag or an option-table entry the user sets to skip or require approval
    // (`--yes-always`, `{ name: 'auto_run', help_text: … }`, `typer.Option(False, '--yolo')`).
    const flags: { file: string; line: number; flag: string; snake: string }[] = [];
    const settingReads: { file: string; line: number; key: string }[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (!FLAG_CALL.test(c.name)) continue;
        for (const a of c.args) {
          const m = /^['"]--?([A-Za-z][\w-]*)['"]$/.exec(a.trim());
          if (m && PERM_FLAG.test(snake(m[1]))) flags.push({ file: f.path, line: c.line, flag: `--${m[1]}`, snake: snake(m[1]) });
        }
      }
      // A setting read by its key: `config.get('chat.tools.autoApprove')`, `settings.get('approval_mode')`.
      for (const c of f.calls) {
        if (!SETTING_GET.test(c.name)) continue;
        const m = /^['"`]([\w.-]+)['"`]$/.exec((c.args[0] ?? '').trim());
        const last = m?.[1].split('.').pop() ?? '';
        if (last && PERM_FLAG.test(snake(last))) settingReads.push({ file: f.path, line: c.line, key: m![1] });
      }
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:') || !o.values.name || !o.keys.some((k) => /^(?:help|help_text|helpText|description)$/.test(k)) || !o.keys.some((k) => /^(?:type|nickname|alias|short|default|choices|flag)$/.test(k))) continue;
        const m = /^['"]([A-Za-z][\w-]*)['"]$/.exec(o.values.name.trim());
        if (m && PERM_FLAG.test(snake(m[1]))) flags.push({ file: f.path, line: o.line, flag: m[1], snake: snake(m[1]) });
      }
    }
    if (settingReads.length) {
      const r = settingReads.find((x) => askFiles.has(x.file)) ?? settingReads[0];
      return {
        level: asks ? 'present' : 'partial',
        reason: asks
          ? `the user's setting '${r.key}' is read at ${r.file}:${r.line} to choose what is approved without asking`
          : `the harness reads the setting '${r.key}' (${r.file}:${r.line}), but never asks before an action, so it selects no approval mode`,
        evidence: settingReads.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `approval setting '${x.key}' read by key` })),
        confidence: asks && askFiles.has(r.file) ? 'high' : 'low',
      };
    }
    // A configuration file of the harness that sets an approval option or mode
    // (`approval_mode: auto-edit`, `yolo: false`, `permissions.allow: [...]`).
    const cfg = configEntries(ctx, CONFIG_KEY).find((e) => {
      const k = snake(e.key);
      if (PERM_FLAG.test(k)) return true;
      if (MODE_FIELD.test(e.key)) return DISTINCTIVE_MODE.test(e.value.replace(/^['"]|['"]$/g, '')) || MODE_WORD.test(e.value.replace(/^['"]|['"]$/g, '')) && /approv|permission|confirm/i.test(e.path);
      return /^(?:allow|deny|ask)$/.test(e.key) && /permission|approv/i.test(e.path);
    });
    if (cfg) {
      return {
        level: asks ? 'present' : 'partial',
        reason: asks
          ? `a configuration file sets the approval behaviour (${cfg.path}${cfg.value ? `: ${cfg.value}` : ''} at ${cfg.file}:${cfg.line}), and the harness asks before actions`
          : `a configuration file sets ${cfg.path} (${cfg.file}:${cfg.line}), but the harness never asks before an action`,
        evidence: [{ file: cfg.file, line: cfg.line, reason: `configuration ${cfg.path}${cfg.value ? ` = ${cfg.value}` : ''}` }],
      };
    }
    // Answers the user gave once for good ("always allow", "always deny"), written to a store and
    // consulted before the harness asks again: rules the user builds up while working.
    const remembered = persistedAlways(ctx);
    if (remembered) {
      const { type, decl, write } = remembered;
      return {
        level: 'present',
        reason: `users set standing allow / deny rules by answering a prompt: ${shortName(write.fn)}() stores the ${type} answer '${write.value}' with ${write.callee}() (${write.file}:${write.line}), so later calls are decided without asking`,
        evidence: [
          { file: write.file, line: write.line, reason: `an 'always' answer is stored: ${write.callee}(… ${write.value} …)` },
          { file: decl.file, line: decl.line, reason: `standing decisions ${type} (${decl.values.slice(0, 3).join(', ')})` },
        ],
        confidence: 'low',
      };
    }
    // An allow list and a deny list the user sets together, and a refusal that reads them.
    // Lists of the sites a browser or fetch tool may reach (`allowedDomains` / `blockedDomains`) rule over
    // what a tool touches, not over tool calls: kept for the partial verdict on such lists further down.
    const pairedAll = pairedLists(ctx);
    const sitesOnly = pairedAll && SITE_NOUN.test(pairedAll.allow) ? pairedAll : undefined;
    const paired = sitesOnly ? undefined : pairedAll;
    if (paired) {
      const { allow, deny, refusal: r } = paired;
      return {
        level: 'present',
        reason: `users configure an allow list and a deny list ('${allow}', '${deny}' in ${paired.where} at ${paired.file}:${paired.line}), and ${shortName(r.fn)}() refuses on them (if ${r.cond.slice(0, 80)} at ${r.file}:${r.line})`,
        evidence: [
          { file: paired.file, line: paired.line, reason: `allow / deny lists '${allow}' and '${deny}' in ${paired.where}` },
          { file: r.file, line: r.line, reason: `${shortName(r.fn)}() refuses on '${r.name}': if (${r.cond.slice(0, 60)})` },
        ],
        // The pair is found by its names; the refusal that reads it is resolved by name too.
        confidence: 'low',
      };
    }
    // Each flag's read outside its declaration (the parsed value, or the setting it feeds), looked up
    // once; flags read where the harness asks come first.
    const flagReads = flags.map((fl) => ({ fl, r: readOf([...new Set([fl.snake, camel(fl.snake)])], fl.file, fl.line) }));
    flagReads.sort((a, b) => (a.r?.atAsk ? 0 : 1) - (b.r?.atAsk ? 0 : 1));
    for (const { fl, r } of flagReads) {
      if (!r) continue;
      const reader = { path: r.file };
      const readLine = r.line;
      const n = r.name;
      return {
        level: asks ? 'present' : 'partial',
        reason: asks
          ? `the user chooses the approval mode with '${fl.flag}' (${fl.file}:${fl.line}), read at ${reader.path}:${readLine}, against the default of asking before actions run`
          : `the user can set '${fl.flag}' (${fl.file}:${fl.line}), but the harness never asks before an action, so it selects no approval mode`,
        evidence: [
          { file: fl.file, line: fl.line, reason: `approval option '${fl.flag}' the user sets` },
          { file: reader.path, line: readLine, reason: `'${n}' read here` },
        ],
        // The flag's value is read in the file that asks before actions.
        confidence: asks && r.atAsk ? 'high' : 'low',
      };
    }
    // An approval mode picked by a user's option: a branch on the option whose arms are two modes
    // (`approvalMode: argv.yolo ? ApprovalMode.YOLO : ApprovalMode.DEFAULT`).
    const picks = modePickedByOption(ctx);
    if (picks) {
      return {
        level: 'present',
        reason: `the user's option '${picks.option}' picks the approval mode ${picks.modes.join(' / ')} ('${picks.field}' at ${picks.file}:${picks.line})`,
        evidence: [{ file: picks.file, line: picks.line, reason: `'${picks.option}' picks the approval mode: ${picks.field} = ${picks.text.slice(0, 80)}` }],
        // The option is found by its name in the branch, not traced to where the user sets it.
        confidence: 'low',
      };
    }
    // A setting the user sets around the harness's own ask: the branch that asks is entered on it.
    const aroundAsk = settingAroundAsk(ctx);
    if (aroundAsk) return { level: 'present', ...aroundAsk };
    // A permission option (flag or setting) the user can set: one read where the gate decides first
    // (a working approval mode), then one read anywhere, then its declaration (a field or variable)
    // over a place that assigns it (`settings.confirmation_mode = False`).
    const gateFiles = new Set(gate.map((c) => c.file));
    const options = ctx.source.flatMap((f) =>
      f.consts
        .filter((c) => PERM_OPTION.test(c.name) && c.kind !== 'param' && !literalKeywordArg(f, c) && !labelEntry(c))
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
    // A mode or switch the user sets that decides whether the harness asks.
    const picked = switchedAsk(ctx);
    if (picked) return { level: 'present', ...picked };
    const switched = optionGates(ctx);
    if (switched) return switched;
    const pred = approvalPredicates(ctx)[0];
    if (pred) {
      return {
        level: 'partial',
        reason: `whoever defines a tool writes its approval rule: the harness calls the tool's approval option ${pred.callee}() on each call's input (${pred.file}:${pred.line}) to decide whether to ask; there are no allow / deny / ask rule sets or approval modes the user picks`,
        evidence: [{ file: pred.file, line: pred.line, reason: `the tool's own approval predicate ${pred.callee}() is evaluated on the call's input` }],
        // The option is found by its name and its call on the input; not linked to a dispatch path.
        confidence: 'low',
      };
    }
    if (sitesOnly) {
      const { allow, deny, refusal: r } = sitesOnly;
      return {
        level: 'partial',
        reason: `users configure which sites tools may reach ('${allow}', '${deny}' in ${sitesOnly.where} at ${sitesOnly.file}:${sitesOnly.line}), and ${shortName(r.fn)}() refuses on them; these lists rule over what a tool touches, and there are no allow / deny / ask rules for tool calls or approval modes`,
        evidence: [
          { file: sitesOnly.file, line: sitesOnly.line, reason: `allow / deny lists of sites '${allow}' and '${deny}' in ${sitesOnly.where}` },
          { file: r.file, line: r.line, reason: `${shortName(r.fn)}() refuses on '${r.name}': if (${r.cond.slice(0, 60)})` },
        ],
        confidence: 'low',
      };
    }
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const p = fn.params.find((x) => LIST_PARAM.test(x));
        if (p && (fn.exported || /constructor|__init__/.test(fn.name))) {
          // An allow list and a deny list decided together (`isUrlAllowed(url, allowList, denyList)`):
          // rules of both kinds the user writes, enforced where the function refuses.
          const both = fn.params.filter((x) => LIST_PARAM.test(x));
          const allow = both.find((x) => /allow|authori[sz]ed|trusted|include/i.test(x));
          const deny = both.find((x) => /deny|denied|block|disallow|exclude/i.test(x));
          const refuses = f.guards.some((g) => g.fn === fn.name && g.exit === 'return');
          if (allow && deny && refuses) {
            return {
              level: 'present',
              reason: `users configure both an allow list and a deny list ('${allow}', '${deny}'), and ${fn.name}() decides each request against them`,
              evidence: [{ file: f.path, line: fn.line, reason: `${fn.name}() decides against the user's '${allow}' and '${deny}' lists` }],
            };
          }
          // Where the user sets the list: a settings getter given its key (`self._get_list("allowed_imports", […])`,
          // `config.get("blocked_commands")`), cited before the parameter that receives it.
          const key = new RegExp(`^['"\`]${p}['"\`]$`);
          let setting: { file: string; line: number; callee: string } | undefined;
          for (const g of ctx.source) {
            // Not a request's or a tool call's arguments (`arguments.get("allowed_domains")`).
            const c = g.calls.find((x) => x.args.length > 0 && /get|option|setting|env/i.test(x.name) && key.test(x.args[0]) && !/(?:^|\.)(?:arguments|args|params|kwargs|input|inputs|request|req|body|data|payload|query)\.\w+$/.test(x.callee));
            if (c) {
              setting = { file: g.path, line: c.line, callee: c.callee };
              break;
            }
          }
          const paramEv = { file: f.path, line: f.consts.find((c) => c.kind === 'param' && c.name === p && c.line >= fn.line && c.line <= fn.end)?.line ?? fn.line, reason: `user-configured list '${p}'` };
          return {
            level: 'partial',
            reason: `the user configures an allow / deny list ('${p}' of ${fn.name}()${setting ? `, a setting read by ${setting.callee}() at ${setting.file}:${setting.line}` : ''}), but there are no tool allow / deny / ask rules or approval modes`,
            // The parameter's own line when it has a default (a decorated Python def starts at its decorator).
            evidence: setting ? [{ file: setting.file, line: setting.line, reason: `setting '${p}' read by key: ${setting.callee}()` }, { ...paramEv, reason: `${fn.name}() receives '${p}'` }] : [paramEv],
          };
        }
      }
    }
    // A settings class with an allow or deny list of commands or tools (`blocklist: list[str] = […]`),
    // read by the harness: rules of one kind only, without ask or approval modes.
    for (const f of ctx.source) {
      for (const cls of f.classes) {
        if (!SETTINGS_CLASS.test(cls.name)) continue;
        const m = cls.members.find((x) => LIST_FIELD.test(x) || LIST_PARAM.test(x));
        if (!m) continue;
        const reader = ctx.source.find((g) => g.reads[m]?.some((l) => !(g.path === f.path && l >= cls.line && l <= cls.end)));
        if (!reader) continue;
        const line = reader.reads[m].find((l) => !(reader.path === f.path && l >= cls.line && l <= cls.end))!;
        const declLine = f.consts.find((k) => k.name === m && k.line >= cls.line && k.line <= cls.end)?.line ?? cls.line;
        return {
          level: 'partial',
          reason: `users configure the list '${m}' in ${cls.name} (${f.path}:${declLine}), read at ${reader.path}:${line}; there are no allow / deny / ask rules beyond it and no approval modes`,
          evidence: [
            { file: f.path, line: declLine, reason: `configurable list '${m}' in settings class ${cls.name}` },
            { file: reader.path, line, reason: `'${m}' read here` },
          ],
        };
      }
    }
    // A setting chooses the default answer of the confirmation before a command runs
    // (`prompt(…, default="e" if cfg.get("DEFAULT_EXECUTE") == "true" else "a")`): the user tunes
    // how the one confirmation behaves, without rules or modes.
    for (const a of answeredRuns(ctx)) {
      const arg = a.call.args.find((x) => /^default\s*=/.test(x) && /\.(?:get|getenv|get_setting|getSetting)\(\s*['"][\w.-]+['"]/.test(x));
      const key = arg && /\(\s*['"]([\w.-]+)['"]/.exec(arg)?.[1];
      if (!key) continue;
      return {
        level: 'partial',
        reason: `the setting '${key}' chooses the default answer of the confirmation before a command runs (${a.call.callee}() at ${a.call.file}:${a.call.line}); there are no allow / deny / ask rules or approval modes`,
        evidence: [{ file: a.call.file, line: a.call.line, reason: `confirmation whose default answer the setting '${key}' chooses` }],
      };
    }
    // Whoever configures a tool source (an MCP server, a toolset) chooses which of its tools may be
    // used (`tool_filter=["read_file"]`, `toolFilter: { allowedToolNames, blockedToolNames }`): an
    // allow / deny list of tools, applied when the source lists them, with no ask and no modes.
    const filter = toolSourceFilters(ctx)[0];
    if (filter) {
      const a = filter.applied;
      return {
        level: 'partial',
        reason: `users choose which tools of a tool source may be used ('${filter.param}' of ${filter.fn}() at ${filter.file}:${filter.line}, applied in ${shortName(a.fn)}() at ${a.file}:${a.line}), but there are no allow / deny / ask rules for calls and no approval modes`,
        evidence: [
          { file: a.file, line: a.line, reason: `the user's '${filter.param}' decides which of the source's tools are offered` },
          { file: filter.file, line: filter.line, reason: `${filter.fn}() takes the tool filter '${filter.param}'` },
        ],
        confidence: 'low',
      };
    }
    // The caller chooses the approval mode, tool list or sandbox of a coding agent the harness starts
    // (`args.push('--permission-mode', input.permissionMode)`, Codex `--sandbox`, Claude Agent SDK
    // `permissionMode` from options): rules the user sets, applied by that agent, not by the harness.
    const forwarded = delegatedLaunches(ctx).filter((l) => l.state === 'optional' && l.value !== '' && !/^['"`]/.test(l.value));
    if (forwarded.length) {
      const l = forwarded.find((x) => x.kind === 'permission') ?? forwarded[0];
      return {
        level: 'partial',
        reason: `the caller sets the ${l.kind === 'permission' ? 'approval options' : 'sandbox mode'} of a coding agent the harness starts (${l.option} ${l.value.slice(0, 50)} at ${l.file}:${l.line}); the harness's own tool calls have no allow / deny / ask rules or approval modes`,
        evidence: forwarded.slice(0, 2).map((x) => ({ file: x.file, line: x.line, reason: `${x.option} taken from the caller's options (${x.value.slice(0, 50)}) and passed to the coding agent` })),
        confidence: 'low',
      };
    }
    // A stored list of tool names that decides which tools run or are offered: a call refused when the
    // tool is in it (`if (this.disabledTools.has(name)) throw …`) or tools kept only when they are
    // (`tools.filter(([n]) => enabledToolNames.has(n))`): a per-tool allow / deny list someone
    // configures, without ask rules or approval modes. Not a constant the code fixes (`_ALLOWED_TOOL_NAMES`).
    const listed = toolNameLists(ctx);
    if (listed) {
      return {
        level: 'partial',
        reason: `users choose which tools may be used: ${listed.how} the list '${listed.list}' (${listed.file}:${listed.line}), but there are no allow / deny / ask rules for calls and no approval modes`,
        evidence: [{ file: listed.file, line: listed.line, reason: `${listed.how} the list '${listed.list}': ${listed.text.slice(0, 80)}` }],
        // Found by the list's name and a membership test; where the list is set is not followed.
        confidence: 'low',
      };
    }
    // A list of allowed or refused values the caller passes in (hosts, paths, modules, page elements:
    // `only_hostnames`, `interactiveBlacklist`), and a refusal or filter on it before the tool acts
    // (`if (interactiveBlacklist.includes(el)) return false`, `.filter((u) => !badHostnames.includes(host(u)))`):
    // an allow / deny list over what a tool touches, not rules over tool calls, and no approval modes.
    const access = accessLists(ctx);
    if (access) {
      return {
        level: 'partial',
        reason: `callers set a list of allowed or refused values ('${access.list}', ${access.decl}), and ${shortName(access.fn)}() ${access.how} by it (${access.file}:${access.line}); there are no allow / deny / ask rules for tool calls and no approval modes`,
        evidence: [{ file: access.file, line: access.line, reason: `${shortName(access.fn)}() ${access.how} by the caller's list '${access.list}': ${access.text.slice(0, 70)}` }],
        // Found by the list's name, a caller-set declaration of that name and a membership test.
        confidence: 'low',
      };
    }
    // A mode the user switches picks the tool set the model is offered: a conditional testing the mode
    // that chooses between two tool collections (`chatType === ChatType.ASK ? readOnlyToolset : allToolset`,
    // `self.read_only_tools if self.mode == Mode.CHAT else self.all_tools`), in a function called with the
    // mode from elsewhere. A plan-only or read-only mode, but no allow / deny / ask rules and no approval modes.
    const modeSet = modePickedToolSets(ctx)[0];
    if (modeSet) {
      return {
        level: 'partial',
        reason: `a mode picks the tool set the model is offered (${modeSet.file}:${modeSet.line}): a restricted mode narrows the tools, but there are no allow / deny / ask rules and no approval modes`,
        evidence: [{ file: modeSet.file, line: modeSet.line, reason: modeSet.reason }, ...(modeSet.call ? [modeSet.call] : [])],
        // Found by the names of the two collections and of the mode; who switches the mode is not followed.
        confidence: 'low',
      };
    }
    // No decision anywhere on a found dispatch path: there is nothing a rule or mode could configure.
    // A dispatch that runs the tool only once the call is approved (`if (!approval.approved) return`),
    // or tools that each await an approval, are decisions too: what chooses whether they ask (a
    // session's auto-approve switch) is a mode this search may not read.
    const nothing = toolDispatch(ctx).length > 0 && !permissionCalls(ctx).length && !actionGates(ctx).length && !confirmPrompts(ctx).length && !approvalOnDispatch(ctx) && !toolAsks(ctx).length;
    return {
      level: 'absent',
      reason: nothing
        ? 'tools are dispatched with no permission decision anywhere, and no allow / deny / ask rules or approval modes were found'
        : 'no user-configurable allow / deny / ask rules or approval modes were found',
      evidence: [],
      confidence: nothing ? 'high' : 'low',
    };
  },
});

/** A list of tool names a tool is allowed or refused by (`disabledTools`, `enabled_tool_names`), not a constant. */
const TOOL_NAME_LIST = /^_?(?:disabled|excluded|blocked|denied|disallowed|allowed|enabled|included)_?(?:tools?|tool_?names?)$/i;
const JS_MEMBER = /([\w$]+)\.(?:has|includes)\(([^)]*)\)/g;
const PY_MEMBER = /([\w.[\]'"]+)\s+(?:not\s+)?in\s+(?:[\w]+\.)*(_?\w+)\b/g;
const TOOLISH = /tool|name/i;

/** A field read that is a list of tool names (`server.disabledTools`, `cfg["enabled_tools"]`, `getattr(c, "allowed_tools")`). */
const TOOL_NAME_FIELD = /[.[]\s*['"]?(_?(?:disabled|excluded|blocked|denied|disallowed|allowed|enabled|included)_?(?:tools?|tool_?names?))\b|(?:getattr\([^,]+,|\.get\()\s*['"](_?(?:disabled|excluded|blocked|denied|disallowed|allowed|enabled|included)_?(?:tools?|tool_?names?))['"]/i;

/**
 * The list of tool names a membership test in `text` reads, when the tested value names a tool.
 * With `alias`, a local the test reads is followed to the field it was bound from
 * (`const off = server.disabledTools ?? []`, then `if (off.includes(toolName)) continue`).
 */
function toolListTested(text: string, alias?: (name: string) => string | undefined): string | undefined {
  const listOf = (n: string) => (TOOL_NAME_LIST.test(n) && /[a-z]/.test(n) ? n : alias?.(n));
  for (const m of text.matchAll(JS_MEMBER)) {
    const l = TOOLISH.test(m[2]) ? listOf(m[1]) : undefined;
    if (l) return l;
  }
  for (const m of text.matchAll(PY_MEMBER)) {
    const l = TOOLISH.test(m[1]) && !/^(?:for|if)$/.test(m[1]) ? listOf(m[2]) : undefined;
    if (l) return l;
  }
  return undefined;
}

/**
 * Where the harness checks a tool's name against a stored list of tools: a guard that refuses the
 * call (`if (this.disabledTools.has(name)) throw …`), else a filter that keeps the listed tools
 * (`Object.entries(tools).filter(([n]) => enabledToolNames.has(n))`). Core files first.
 */
function toolNameLists(ctx: RuleContext): { file: string; line: number; list: string; how: string; text: string } | undefined {
  return ctx.memo('rules:tool-name-lists', () => {
    const found: { file: string; line: number; list: string; how: string; text: string; rank: number }[] = [];
    for (const f of ctx.source) {
      const core = ctx.agentFiles?.has(f.path) ? 0 : 2;
      // A local of the testing function bound, before the test, from a field that lists tool names: the list it reads.
      const aliasIn = (fn: string, line: number) => (n: string) => {
        const b = (f.binds ?? []).find((x) => x.name === n && x.fn === fn && x.line <= line);
        const m = b && TOOL_NAME_FIELD.exec(b.value);
        return m ? (m[1] ?? m[2]) : undefined;
      };
      for (const g of f.guards) {
        if (g.exit !== 'return' && g.exit !== 'throw' && g.exit !== 'continue') continue;
        const list = toolListTested(g.cond, aliasIn(g.fn, g.line));
        if (list) found.push({ file: f.path, line: g.line, list, how: 'a tool call is refused or the tool skipped by', text: g.cond, rank: core });
      }
      for (const c of f.calls) {
        if (c.name !== 'filter' || !c.args.length) continue;
        const list = toolListTested(c.args.join(', '), aliasIn(c.fn, c.line));
        if (list) found.push({ file: f.path, line: c.line, list, how: 'the tools offered are filtered by', text: c.args.join(', '), rank: core + 1 });
      }
    }
    found.sort((a, b) => a.rank - b.rank);
    return found[0];
  });
}

/** A word that says a list allows or refuses (`only`, `bad`, `blocked`, `trusted`), or is such a list itself (`blacklist`). */
const ACCESS_SENSE = /^(?:allow|allowed|only|white|whitelisted|trusted|permitted|deny|denied|block|blocked|black|blacklisted|bad|banned|forbidden|disallowed|excluded)$/;
const ACCESS_LIST_WORD = /^(?:white|black|allow|deny|block)_?list$/;
/** What such a list holds: places and things a tool reaches (hosts, paths, modules, page elements). */
const ACCESS_NOUN = /^(?:hosts|hostnames|domains|urls|sites|origins|paths|dirs|directories|folders|files|globs|patterns|commands|modules|imports|packages|elements|selectors)$/;
/** A list named for what it allows or refuses (`badHostnames`, `allowed_globs`, `interactiveBlacklist`), not a constant (`BLOCKED_PATHS`). */
function accessListName(n: string): boolean {
  if (!/[a-z]/.test(n)) return false;
  const w = words(n);
  // Not a list of tools, toolsets or users: which tools may run is toolNameLists' question.
  if (w.some((x) => /^(?:tools?|toolsets?|users?)$/.test(x))) return false;
  if (ACCESS_LIST_WORD.test(w[w.length - 1] ?? '')) return true;
  const i = w.findIndex((x) => ACCESS_SENSE.test(x));
  return i >= 0 && w.slice(i + 1).some((x) => ACCESS_NOUN.test(x));
}
const ACCESS_JS = /([\w$]+)\.(?:includes|has|some|indexOf|contains)\(/g;
const ACCESS_PY = /\bin\s+(?:[\w]+\.)*(\w+)\b/g;

/**
 * A list of allowed or refused values a caller sets (a field of an options type, a function's
 * parameter, `bad_hostnames` of a request), tested for membership where something is refused or
 * filtered out: a guard that returns, throws or skips, or a `.filter(…)` callback. Locally built
 * lists (`const badHostnames: string[] = []`) are no setting.
 */
function accessLists(ctx: RuleContext): { file: string; line: number; fn: string; list: string; how: string; text: string; decl: string } | undefined {
  return ctx.memo('rules:access-lists', () => {
    // Names callers set: members of declared types and parameters of functions.
    const declared = new Map<string, string>();
    for (const f of ctx.source) {
      for (const t of f.types) if (t.kind === 'interface' || t.kind === 'alias') for (const m of t.members) if (accessListName(m) && !declared.has(m)) declared.set(m, `a field of ${t.name} at ${f.path}:${t.line}`);
      for (const fn of f.functions) for (const p of fn.params) if (accessListName(p) && !declared.has(p)) declared.set(p, `a parameter of ${shortName(fn.name)}() at ${f.path}:${fn.line}`);
    }
    if (!declared.size) return undefined;
    const tested = (text: string): string | undefined => {
      for (const m of text.matchAll(ACCESS_JS)) if (declared.has(m[1])) return m[1];
      for (const m of text.matchAll(ACCESS_PY)) if (declared.has(m[1])) return m[1];
      return undefined;
    };
    const found: { file: string; line: number; fn: string; list: string; how: string; text: string; decl: string; rank: number }[] = [];
    for (const f of ctx.source) {
      if (f.role !== 'source') continue;
      const local = (fn: string, n: string) => (f.binds ?? []).some((b) => b.fn === fn && b.name === n && /^(?:\[|new (?:Set|Array)\b|set\(|list\()/.test(b.value.trim()));
      const param = (fn: string, n: string) => f.functions.some((x) => x.name === fn && x.params.includes(n));
      for (const g of f.guards) {
        if (g.exit === 'break') continue;
        const list = tested(g.cond);
        if (list && !local(g.fn, list)) found.push({ file: f.path, line: g.line, fn: g.fn, list, how: g.exit === 'continue' ? 'skips what is not allowed' : 'refuses what is not allowed', text: g.cond, decl: declared.get(list)!, rank: param(g.fn, list) ? 0 : 1 });
      }
      for (const c of f.calls) {
        if (c.name !== 'filter' || !c.args.length) continue;
        const list = tested(c.args.join(', '));
        if (list && !local(c.fn, list)) found.push({ file: f.path, line: c.line, fn: c.fn, list, how: 'filters out what is not allowed', text: c.args.join(', '), decl: declared.get(list)!, rank: param(c.fn, list) ? 0 : 1 });
      }
    }
    found.sort((a, b) => a.rank - b.rank);
    return found[0];
  });
}

/**
 * A keyword argument written as a literal in a call (`_valid_provider(provider, allow_all=False)`):
 * the code fixes it at that call site; it is no option the user sets.
 */
function literalKeywordArg(
  f: { calls: Array<{ line: number; args: string[] }>; objects: Array<{ keys: string[]; values: Record<string, string>; line: number; end: number; ctx: string }> },
  c: { name: string; line: number; kind: string },
): boolean {
  if (c.kind !== 'prop') return false;
  const lit = `(?:True|False|None|true|false|null|-?\\d+(?:\\.\\d+)?|(['"\`])[^'"\`]*\\1)`;
  const kw = new RegExp(`^${c.name}\\s*=\\s*${lit}$`);
  if (f.calls.some((x) => x.line === c.line && x.args.some((a) => kw.test(a.trim())))) return true;
  // The same option written as a literal in the arguments of a call that spans several lines: an SDK's
  // options built in place (`ClaudeAgentOptions(…, permission_mode="dontAsk")`, `new Agent({ …,
  // approvalMode: 'never' })`). The code fixes the mode where it starts that agent; no user sets it.
  // The options may sit one level down in the argument (`query({ prompt, options: { permissionMode: 'bypassPermissions' } })`).
  const value = new RegExp(`^${lit}$`);
  const inArg = (o: { ctx: string; line: number; end: number }) =>
    o.ctx.startsWith('arg:') || (o.ctx.startsWith('prop:') && f.objects.some((p) => p.ctx.startsWith('arg:') && p.line <= o.line && p.end >= o.end && p.keys.includes(o.ctx.slice(5))));
  return f.objects.some((o) => o.line <= c.line && o.end >= c.line && o.keys.includes(c.name) && value.test((o.values[c.name] ?? '').trim()) && inArg(o));
}

/**
 * A key whose value is a text for people or the key's own name: an entry of a translation table
 * (`always_allow: "Always allow {{skillName}}"`) or of an enum mapping (`"allow_all": "allow_all"`,
 * an API's accepted values). The name labels a string; no setting holds it.
 */
function labelEntry(c: { name: string; value: string; kind: string }): boolean {
  if (c.kind !== 'prop') return false;
  const m = /^(['"`])([\s\S]*)\1$/.exec(c.value.trim());
  if (!m) return false;
  const text = m[2];
  return text === c.name || /\s/.test(text) || /[^\x00-\x7f]/.test(text) || /\{\{|\$\{/.test(text);
}

/** The name of a tool's approval option (`needsApproval: boolean | (ctx, input) => boolean`). */
const APPROVAL_PREDICATE = /^(?:needs_?[Aa]pproval|requires?_?[Aa]pproval|approval)$/;
/** An argument that is the tool call's input (`input`, `toolCall.arguments`, `parsedArgs`, `{ input, ctx }`). */
const CALL_INPUT = /(?:^|[\s.{,(])(?:input|inputs|args|arguments|parsedArgs|parsed_args|params|action|tool_input|toolInput)\b/;

/**
 * Where the harness evaluates a tool's approval option as a predicate over the call's input
 * (`await tool.needsApproval(runContext, input)`, `typeof approval === 'function' ? approval({ input })`):
 * whoever defines the tool writes the rule that decides whether a call is asked about.
 */
export function approvalPredicates(ctx: RuleContext): { file: string; line: number; fn: string; callee: string }[] {
  return ctx.memo('perm:approval-predicates', () => {
    const out: { file: string; line: number; fn: string; callee: string }[] = [];
    for (const name of ['needsApproval', 'needs_approval', 'requireApproval', 'requiresApproval', 'require_approval', 'requires_approval', 'approval']) {
      for (const c of ctx.callsNamed(name)) {
        if (!APPROVAL_PREDICATE.test(c.name) || c.fn === '<top>') continue;
        if (!c.args.slice(0, 3).some((a) => CALL_INPUT.test(a))) continue;
        out.push({ file: c.file, line: c.line, fn: c.fn, callee: c.callee });
      }
    }
    return out;
  });
}
