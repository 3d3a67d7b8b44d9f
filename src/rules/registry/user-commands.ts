import type { Evidence } from '../types.js';
import { defineRule } from '../types.js';
import { folderOf, type RuleContext } from '../context.js';
import type { FileFacts } from '../../analyzers/facts.js';
import { SCHEMA_KEY } from '../shared/tools.js';
import { agentLoops, GENERIC } from '../shared/loop.js';
import { packageOf } from '../shared/imports.js';
import { commandDispatchMaps, completionSpecFiles, commandRegistryLookups, reflectiveCommands } from './mechanisms.js';

/** The side of a comparison holding what the user typed (not a path, a route or a file). */
const INPUTISH = /input|text|line|command|cmd|message|msg|query|prompt|content|trimmed|value|raw|\bstr\b|args?\b|word|first|token|slash/i;
const PATHISH = /path|root|dir\b|url|route|href|location|file|cwd|workspace|mount|base|prefix|endpoint|manifest/i;

const COMMANDISH = /command|cmd|slash|verb(?!os|atim)/i;
/** Keys that name an entry of a command collection besides `name`: `id`, `label`, `baseCommand`, `commandName`. */
const ENTRY_ID_KEY = /^(?:id|label)$|^[a-z]+(?:Command|Name)$/;
/** A slash command as the user types it, one word: `'/clear'`, `"/help"` (not a route: `'/api/chat'`). */
const SLASH_LITERAL = /^(['"`])\/[a-z][\w-]*\1$/;
/** Keys that hold an entry's own name (`primary: '/clear'`), not another of its values (`period: '/month'`, `path: '/chat'`). */
const NAME_KEY = /^(?:name|primary|command|cmd|trigger|keyword|alias|slash\w*)$/i;
const HANDLER_KEY = /^(?:action|handler|handle|execute|run|callback|fn|exec|subCommands|subcommands|takesArgs|args|usage|aliases|completion)$/;
/** Builder calls that register a CLI verb: commander / yargs `.command('x')`, argparse `add_parser('x')`, click `@group.command()`. */
/** Command-line parsers: a harness importing one has CLI verbs or flags somewhere. */
const CLI_LIB = /^(?:commander|yargs(?:\/.*)?|argparse|click|typer|cac|meow|@oclif\/.*|clipanion|fire|citty|sade|docopt|optparse|@commander-js\/.*)$/;
const VERB_CALL_NAMES = ['command', 'add_parser', 'addCommand', 'registerCommand', 'register_command', 'add_command', 'subcommand', 'registerTextEditorCommand'];
/** A verb's registration option that leaves it out of help: `hidden=True`, `{ hidden: true }`. */
const HIDDEN = /\bhidden\s*[=:]\s*(?:True|true)\b/;
/** Where a yargs command module is handed to its parser: `yargs.command({ … })`, a chained `y.command({ … }).command({ … })` (whose callee text holds the first call). */
const VERB_MODULE_AT = /(?:^|\.)command(?:\(|$)/;
/** A protocol request's verb: one word in capitals (`'HGETALL'`, `'ZREVRANGE'`). */
const PROTOCOL_VERB = /^(['"])[A-Z][A-Z0-9_]+\1$/;
const VERB_CALL = /^(?:command|add_parser|addCommand|registerCommand|register_command|add_command|subcommand)$/;
/** Editor (VS Code) command registration, and the evidence reason it produces. */
const EDITOR_VERB = /^(?:registerCommand|registerTextEditorCommand)$/;
const EDITOR_REASON = /registered with [\w.]*commands\.register(?:TextEditor)?Command\(\)/;

/**
 * The first branch of a file that compares a value with one of the given verb names
 * (`args.command == "migrate"`, `command === 'show'`), when two or more of the names are compared
 * (or the only one): the verbs are dispatched by an if-chain. Undefined otherwise.
 */
function verbBranches(f: FileFacts, names: string[]): Evidence | undefined {
  if (!names.length) return undefined;
  const want = new Set(names);
  // Per function: the verb names its branches compare, and its first such branch (the head of the chain).
  const byFn = new Map<string, { seen: Set<string>; first: { line: number; cond: string } }>();
  for (const b of [...(f.branches ?? []), ...f.guards]) {
    const re = /===?\s*['"]([^'"]+)['"]|['"]([^'"]+)['"]\s*===?/g;
    for (let m = re.exec(b.cond); m; m = re.exec(b.cond)) {
      const v = m[1] ?? m[2];
      if (!want.has(v)) continue;
      const g = byFn.get(b.fn) ?? { seen: new Set<string>(), first: b };
      g.seen.add(v);
      if (b.line < g.first.line) g.first = b;
      byFn.set(b.fn, g);
    }
  }
  const best = [...byFn.values()].sort((a, b) => b.seen.size - a.seen.size)[0];
  if (!best || best.seen.size < Math.min(2, want.size)) return undefined;
  return { file: f.path, line: best.first.line, reason: `the chosen CLI verb dispatched by a branch: ${best.first.cond.slice(0, 60)}` };
}

/**
 * Commander verbs built as objects (`new Command('clear')`) in files that import `Command` from commander, in a package
 * that attaches commands with `addCommand()`; the largest such package's, when it holds three or more.
 */
function commandObjects(ctx: RuleContext): Evidence[] {
  const byPkg = new Map<string, Evidence[]>();
  const attaches = new Set(ctx.callsNamed('addCommand').map((c) => packageOf(c.file)));
  for (const f of ctx.source) {
    if (!f.imports.some((i) => /^(?:commander|@commander-js\/.*)$/.test(i.from) && i.names.includes('Command'))) continue;
    if (!attaches.has(packageOf(f.path))) continue;
    // The program itself (`const program = new Command('app')` … `program.parseAsync()`) is the parser, not a verb.
    const parsers = new Set(f.calls.filter((c) => /^(?:parse|parseAsync)$/.test(c.name)).map((c) => c.callee.slice(0, -c.name.length - 1)));
    for (const c of f.calls) {
      if (c.callee !== 'new Command' || !/^['"][\w:-]+['"]$/.test(c.args[0] ?? '')) continue;
      const bound = (f.binds ?? []).find((b) => b.line === c.line && b.value.startsWith('new Command'));
      if (bound && parsers.has(bound.name)) continue;
      const list = byPkg.get(packageOf(f.path)) ?? [];
      list.push({ file: f.path, line: c.line, reason: `CLI verb ${c.args[0]} declared as a commander Command object` });
      byPkg.set(packageOf(f.path), list);
    }
  }
  return [...byPkg.values()].sort((a, b) => b.length - a.length)[0] ?? [];
}

/**
 * Command tables: a computed lookup in a collection named for commands, keyed by what the user typed
 * (`commands[command]`, `handlers[cmd_name]`), whose entry is called in the same function.
 */
function commandTables(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  for (const f of ctx.source) {
    for (const l of f.lookups) {
      const recv = l.target.slice(l.target.lastIndexOf('.') + 1);
      if (!COMMANDISH.test(recv) || !/s$|table|map|registry|handlers/i.test(recv) || (!COMMANDISH.test(l.key) && !INPUTISH.test(l.key))) continue;
      const called = f.calls.find((c) => c.fn === l.fn && !c.name && c.callee.startsWith(`${l.target}[`) && c.line >= l.line && c.line <= l.line + 3);
      if (called) out.push({ file: f.path, line: called.line, reason: `command handler looked up by name and called: ${called.callee}(${(called.args[0] ?? '').slice(0, 30)})` });
    }
  }
  return out;
}

/** Whether the harness imports a command-line parser (commander, yargs, argparse, click …). */
const importsCliLib = (ctx: RuleContext): boolean => ctx.source.some((f) => f.imports.some((i) => CLI_LIB.test(i.from)));

/**
 * Entries beside `o` in its map: objects under another property with the same keys, whose property names
 * do not say command (`read_file: { name, description, params }` beside `run_command: { … }`).
 */
function plainSiblings(objects: readonly { ctx: string; keys: string[]; line: number }[], o: { ctx: string; keys: string[]; line: number }): number {
  const shape = [...o.keys].sort().join();
  let n = 0;
  for (const x of objects) {
    if (x === o || !x.ctx.startsWith('prop:') || COMMANDISH.test(x.ctx) || Math.abs(x.line - o.line) > 400) continue;
    if ([...x.keys].sort().join() === shape) n++;
  }
  return n;
}

/** A collection of keyboard shortcuts: `SHORTCUTS`, `shortcutsStore`, `hotkeys`, `KEYBINDINGS`, `keymap`. */
const SHORTCUTISH = /shortcut|hotkey|key_?bind|keymap/i;
/** The key combination of a shortcut entry: `key: 'b'`, `keys: ['⌘', 'K']`, `hotkey`, `accelerator`. */
const COMBO_KEY = /^(?:key|keys|shortcut|hotkey|accelerator|keybinding|keyCombo|combo)$/;
/** What the shortcut does or says: its description or label, or the action it runs. */
const DOES_KEY = /^(?:description|desc|label|title|action|handler|run|onPress|callback)$/;
/** What the shortcut says to the user it does. */
const SAYS_KEY = /^(?:description|desc|label|title)$/;
/** A shortcut type made one instance per shortcut: `new Hotkey('mod+k', 'Show Shortcuts')`. */
const SHORTCUT_CLASS = /^(?:Hotkey|HotKey|Shortcut|KeyboardShortcut|KeyBinding|Keybinding)$/;

/**
 * Keyboard shortcuts declared as data: entries with a key combination and a description or an action
 * (`SHORTCUTS = { newChat: { key: 'o', meta: true, description: 'New chat' } }`, `shortcuts: [{ keys, description }]`,
 * `map({ toggleTerminal: { key: 'j', action } })`), in a collection named for shortcuts or bound one per constant
 * named for one (`const newChatShortcut: Shortcut = { description, shortcut: { key: 'O' } }`, two or more), or instances of a
 * shortcut type (`new Hotkey('mod+l', 'New AI Chat')`, three or more). User actions as data, but not a registry
 * of commands a user types.
 */
function keyboardShortcuts(ctx: RuleContext): Evidence[] {
  const out: Evidence[] = [];
  for (const f of ctx.source) {
    // Shortcuts bound one per constant count when a file binds two or more that say what they do (an editor's single
    // `const indentKeyBinding: KeyBinding = { key: 'Tab', run }` is a key binding of the editor, not a user action).
    const perConstant = f.objects.filter((o) => o.ctx.startsWith('var:') && SHORTCUTISH.test(o.ctx) && o.keys.some((k) => COMBO_KEY.test(k)) && o.keys.some((k) => SAYS_KEY.test(k)));
    for (const o of f.objects) {
      if (o.ctx.startsWith('var:') ? perConstant.length < 2 || !perConstant.includes(o) : !/^(?:prop|array):/.test(o.ctx)) continue;
      if (!o.keys.some((k) => COMBO_KEY.test(k)) || !o.keys.some((k) => DOES_KEY.test(k))) continue;
      const where = o.ctx.slice(o.ctx.indexOf(':') + 1);
      let named = SHORTCUTISH.test(where) ? where : undefined;
      if (!named && o.ctx.startsWith('prop:')) {
        // The map holding the entry: a variable named for shortcuts, or a call whose result is bound to one (`shortcutsStore = map({ … })`).
        const parent = f.objects.filter((p) => p !== o && p.line <= o.line && p.end >= o.end && p.keys.includes(where)).pop();
        const bound = parent && (f.binds ?? []).find((b) => b.line === parent.line && SHORTCUTISH.test(b.name));
        named = parent && SHORTCUTISH.test(parent.ctx) ? parent.ctx.replace(/^\w+:/, '') : bound?.name;
      }
      if (named) out.push({ file: f.path, line: o.line, reason: `keyboard shortcut declared as data (${o.keys.slice(0, 4).join(', ')}) in ${named}` });
    }
    const made = f.calls.filter((c) => /^new\s/.test(c.callee) && SHORTCUT_CLASS.test(c.callee.slice(4).trim()) && c.args.length >= 2 && /^['"`]/.test(c.args[1]));
    if (made.length >= 3) out.push(...made.slice(0, 2).map((c) => ({ file: f.path, line: c.line, reason: `keyboard shortcut declared as a ${c.callee.slice(4).trim()} (${c.args.slice(0, 2).join(', ').slice(0, 40)}), one of ${made.length}` })));
  }
  return out;
}

export default defineRule({
  id: 'registry.user-commands',
  principle: 'registry',
  title: 'User commands have their own registry declared as data',
  rationale:
    'Slash commands and CLI verbs declared as data (name, description, handler) can be listed in help, completed, tested and extended the same way as model-facing tools, instead of growing an if-chain in the input handler.',
  remediation:
    'Declare user-facing commands as a data list or Map of { name, description, run } parallel to the tool registry, and dispatch input by looking the command up in it; see the exemplar.',
  exemplar: 'src/reference-harness/commands.ts',
  detect(ctx) {
    const decls: Evidence[] = [];
    const moduleVerbs: Evidence[] = [];
    const collections = new Map<string, number>();
    // A shell completion spec (Fig `subcommands` with `generators`, `isDangerous` …) lists another program's verbs.
    const specs = completionSpecFiles(ctx);
    for (const f of ctx.source) {
      if (specs.has(f.path)) continue;
      for (const o of f.objects) {
        if (o.ctx.startsWith('type:')) continue;
        const k = o.keys;
        // A description first: most objects have none, and then neither the name nor the place is looked at.
        const described = k.includes('description') || k.includes('desc') || k.includes('describe') || k.includes('help') || k.includes('summary');
        if (!described) continue;
        const where = o.ctx.replace(/^\w+:/, '');
        // The entry's own name: `name` / `command`, or, for an element of an array named for commands
        // (`SLASH_COMMANDS`, `commandDetails`), an id, a label or a `baseCommand`-style key.
        // Or an entry whose own name is a slash command as typed (`{ primary: '/clear', description: … }`).
        const slash = k.some((x) => NAME_KEY.test(x) && SLASH_LITERAL.test(o.values[x] ?? ''));
        const named = slash || k.includes('name') || k.includes('command') || k.includes('cmd') || (o.ctx.startsWith('array:') && COMMANDISH.test(where) && k.some((x) => ENTRY_ID_KEY.test(x)));
        if (!named || k.some((x) => SCHEMA_KEY.test(x) && x !== 'args')) continue;
        // A command module handed to a CLI parser (`yargs.command({ command: 'deploy', desc, handler })`): a verb of
        // that parser, judged with the other CLI verbs below (a module hidden from help, `describe: false`, is no user verb).
        if (o.ctx.startsWith('arg:') && VERB_MODULE_AT.test(where) && k.includes('command') && k.some((x) => x === 'handler' || x === 'builder')) {
          if (!/^false\b/.test((o.values.describe ?? o.values.desc ?? '').trim()) && !k.some((x) => HIDDEN.test(`${x}: ${o.values[x] ?? ''}`))) {
            moduleVerbs.push({ file: f.path, line: o.line, reason: `CLI verb ${(o.values.command ?? '').slice(0, 30)} declared as a command module handed to a parser's .command()` });
          }
          continue;
        }
        // An entry with a call `signature` (`append_task(task_id: str)`) is a command the model writes in its
        // reply, listed in its prompt like a tool: not one a user types.
        if (k.includes('signature')) continue;
        // The arguments of a decorator registering an undoable edit (the Command pattern: a class with
        // `execute` and `undo`, replayed by an invoker's history) name an operation the program applies
        // to its data, not a command a user types.
        if (o.ctx.startsWith('arg:') && f.classes.some((c) => c.line > o.line && c.line <= o.line + 8 && c.members.includes('undo'))) continue;
        if (!slash && !COMMANDISH.test(where) && !COMMANDISH.test(o.values.name ?? '') && !(o.ctx.startsWith('arg:') && /register|add/i.test(where) && COMMANDISH.test(where))) continue;
        if (!slash && !COMMANDISH.test(where) && !k.some((x) => HANDLER_KEY.test(x))) continue;
        // An entry of a map of same-shaped entries (`run_command: { name, description, params }` beside
        // `read_file: { … }`, `rewrite_file: { … }`) whose own key alone says command: the map is a table of
        // the model's tools, two of which run terminal commands, not a registry of commands a user types.
        if (!slash && o.ctx.startsWith('prop:') && COMMANDISH.test(where) && plainSiblings(f.objects, o) >= 2) continue;
        decls.push({ file: f.path, line: o.line, reason: `user command declared as data (${k.slice(0, 5).join(', ')}) in ${o.ctx}` });
        // Entries of one collection (an array, a map, one registering call): the registry itself.
        if (!o.ctx.startsWith('var:') && o.ctx !== 'other' && o.ctx !== 'return') {
          const key = `${f.path}#${o.ctx}`;
          // Not yargs command modules (`{ command, describe, builder, handler }` handed to `.command()`): the
          // verbs of a CLI parser, which may belong to a tool beside the agent (a sandbox or deploy CLI).
          if (!(k.includes('builder') && k.includes('describe'))) collections.set(key, (collections.get(key) ?? 0) + 1);
        }
      }
    }
    // A command registry keyed by name, filled by registration and read by the typed command.
    // One filled by registration (a decorator, a subclass hook) comes first; a literal map after the
    // commands declared as data.
    const registry = commandRegistryLookups(ctx);
    const filled = registry.some((r) => r.reason.startsWith('commands registered'));
    if (registry.length && (filled || decls.length < 2)) {
      return {
        level: 'present',
        reason: registry[0].reason,
        evidence: [...registry.slice(0, 2), ...decls.slice(0, 1)],
        confidence: 'low',
      };
    }
    if (decls.length >= 2) {
      // Entries of the largest collection first: the registry rather than a stray declaration.
      // (per file once, not in every comparison)
      const sizes = new Map<string, number>();
      const size = (e: Evidence) => {
        let n = sizes.get(e.file);
        if (n === undefined) sizes.set(e.file, (n = Math.max(0, ...[...collections].filter(([k]) => k.startsWith(`${e.file}#`)).map(([, c]) => c))));
        return n;
      };
      decls.sort((a, b) => size(b) - size(a));
      return {
        level: 'present',
        reason: `${decls.length} user commands are declared as data with a name and a description (e.g. ${decls[0].file}:${decls[0].line})`,
        evidence: decls.slice(0, 3),
        // Three or more entries of one collection, each with a name and a description: a data shape.
        confidence: Math.max(0, ...collections.values()) >= 3 ? 'high' : 'low',
      };
    }
    // Commands found by reflection (`cmd_*` methods) or in a name → handler map looked up by the input.
    const reflective = [...reflectiveCommands(ctx), ...commandDispatchMaps(ctx)];
    if (reflective.length) {
      // Three or more `cmd_*` methods found through a prefix lookup, or a name → handler map read by the input: structural.
      return { level: 'present', reason: reflective[0].reason, evidence: reflective.slice(0, 3), confidence: 'high' };
    }
    // An editor extension's manifest: its chat participants' slash commands (name, description) are
    // user commands declared as data; its palette/button commands (id, title) are user actions.
    // Only manifests of a package holding harness source (not a test fixture's package.json).
    const holdsSource = (p: string) => {
      const dir = folderOf(p);
      return ctx.source.some((f) => f.path.startsWith(dir));
    };
    const manifestCmds = ctx.facts.manifests.filter((m) => m.commands && holdsSource(m.path)).flatMap((m) => m.commands!.map((c) => ({ ...c, file: m.path })));
    const chatCmds = manifestCmds.filter((c) => c.kind === 'chat' && c.description);
    if (chatCmds.length >= 2) {
      return {
        level: 'present',
        reason: `${chatCmds.length} slash commands are declared as data (name, description) by the chat participants of the extension manifest ${chatCmds[0].file}`,
        evidence: [
          ...(chatCmds[0].listLine ? [{ file: chatCmds[0].file, line: chatCmds[0].listLine, reason: `chat participants declared in the manifest with their slash commands (${chatCmds.length})` }] : []),
          ...chatCmds.slice(0, 2).map((c) => ({ file: c.file, line: Math.max(1, c.line), reason: `slash command /${c.name} declared in the manifest: ${String(c.description).slice(0, 60)}` })),
        ],
        // A manifest (configuration) fact: each entry carries a name and a description.
        confidence: 'high',
      };
    }
    const editorCmds: Evidence[] = manifestCmds
      .filter((c) => c.kind === 'editor')
      .map((c) => ({ file: c.file, line: Math.max(1, c.listLine ?? c.line), reason: `editor commands listed in the manifest, e.g. ${c.name} (${String(c.description ?? '').slice(0, 40)})` }));
    const verbs: Evidence[] = [];
    // Verbs a parser only names (`subparsers.add_parser("migrate", help=…)`) while the code picks the
    // handler by comparing the chosen verb with each name (`if args.command == "migrate":`): declared,
    // but dispatched by an if-chain rather than through a registry.
    const branched: Evidence[] = [];
    let branchAt: Evidence | undefined;
    for (const f of ctx.source) {
      // Editor command ids are often templates (`${extensionName}.newTask`); CLI verbs are literals.
      // A verb in capitals (`this.command('HGETALL', [key])`, `conn.command('SELECT', …)`) is a protocol client's request
      // to its server (Redis, IMAP, SMTP): users type CLI verbs and slash commands in lower case.
      const here = f.calls.filter((c) => VERB_CALL.test(c.name) && (/^['"]/.test(c.args[0] ?? '') || (EDITOR_VERB.test(c.name) && /^`[^`]*\.\w+`$/.test(c.args[0] ?? ''))) && c.name !== c.fn && !c.args.some((a) => HIDDEN.test(a)) && !PROTOCOL_VERB.test(c.args[0] ?? ''));
      if (here.length >= 2 || (here.length === 1 && f.calls.some((c) => c.name === 'action'))) {
        const compared = verbBranches(f, here.filter((c) => c.name === 'add_parser').map((c) => c.args[0].slice(1, -1)));
        for (const c of here) {
          const e = { file: f.path, line: c.line, reason: `${EDITOR_VERB.test(c.name) ? 'editor command' : 'CLI verb'} ${c.args[0]} registered with ${c.callee}()` };
          if (compared && c.name === 'add_parser') {
            branched.push({ ...e, reason: `CLI verb ${c.args[0]} declared with ${c.callee}() (name, help only)` });
            branchAt ??= compared;
          } else verbs.push(e);
        }
      }
    }
    verbs.push(...moduleVerbs);
    // Verbs declared by decorators: click / typer `@app.command()`, `@cli.command("x")`.
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const d = fn.decorators?.find((x) => /^(?:[\w.]+\.)?(?:command|subcommand)\(|^Command\(/.test(x));
        // A verb registered hidden (`@app.command(hidden=True)`: an alias kept for old scripts, an
        // internal worker entry point) is left out of help: not a user-facing command.
        if (d && HIDDEN.test(d)) continue;
        if (d) verbs.push({ file: f.path, line: fn.line, reason: `CLI verb ${fn.name}() registered with @${d}` });
      }
    }
    // One command builder holding several verbs (a parser's subcommands in one file) is a registry;
    // two subcommands of a side tool and a stray command elsewhere are not.
    // Editor commands registered one call at a time (`vscode.commands.registerCommand(id, handler)`)
    // are user actions each wired by hand: they never make a registry declared as data on their own.
    const editor = verbs.filter((v) => EDITOR_REASON.test(v.reason));
    const cli = verbs.filter((v) => !EDITOR_REASON.test(v.reason));
    const perFile = new Map<string, Evidence[]>();
    for (const v of cli) perFile.set(v.file, [...(perFile.get(v.file) ?? []), v]);
    let main = [...perFile.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    // Verbs registered one module each on the parser handed in (`export function registerRunCommand(cli: CAC) {
    // cli.command('run <path>', …) }`, each called with the one program in the CLI's entry): one builder spread
    // over its package's modules, in a package that imports the command-line parser.
    if (main.length < 3) {
      const handed = cli.filter((v) => {
        const f = ctx.file(v.file);
        const call = f?.calls.find((c) => c.line === v.line && VERB_CALL.test(c.name));
        const fn = call && f!.functions.find((x) => x.name === call.fn);
        const recv = (call?.callee.split(/[.(]/)[0] ?? '').trim();
        return !!fn && fn.params.some((p) => p.replace(/[:=?].*$/s, '').trim() === recv);
      });
      const byPkg = new Map<string, Evidence[]>();
      for (const v of handed) byPkg.set(packageOf(v.file), [...(byPkg.get(packageOf(v.file)) ?? []), v]);
      const [pkg, spread] = [...byPkg.entries()].sort((a, b) => b[1].length - a[1].length)[0] ?? ['', []];
      if (spread.length >= 3 && new Set(spread.map((v) => v.file)).size >= 2 && ctx.source.some((f) => packageOf(f.path) === pkg && f.imports.some((i) => CLI_LIB.test(i.from)))) main = spread;
    }
    if ((editor.length >= 2 || editorCmds.length >= 2) && main.length < 3) {
      const listed = editorCmds.length ? `${editorCmds.length} editor commands are listed in the extension manifest (${editorCmds[0].file}:${editorCmds[0].line})${editor.length ? ` and ${editor.length} registered with registerCommand()` : ''}` : `${editor.length} editor commands are registered one by one with registerCommand() (e.g. ${editor[0].file}:${editor[0].line})`;
      return {
        level: 'partial',
        reason: `${listed}${cli.length ? ` and ${cli.length} CLI verb${cli.length > 1 ? 's' : ''} elsewhere` : ''}: palette and button actions, but no registry of user commands (slash commands or verbs with name, description, handler)`,
        evidence: [...editorCmds.slice(0, 1), ...editor.slice(0, 2), ...editorCmds.slice(1)].slice(0, 3),
        confidence: 'low',
      };
    }
    // Commander's command objects, one module each (`export const clearCommand = new Command('clear').description(…)
    // .action(…)`) attached with `addCommand()`: each verb is an object with its name, description, options and handler,
    // and the parser dispatches by name. Three or more in one package are a registry declared as data, however spread.
    const objects = commandObjects(ctx);
    if (objects.length >= 3) {
      return {
        level: 'present',
        reason: `${objects.length} CLI verbs are declared as commander Command objects (name, description, action) and attached with addCommand() (e.g. ${objects[0].file}:${objects[0].line})`,
        evidence: objects.slice(0, 3),
        confidence: 'low',
      };
    }
    // Verbs one to a program (each command-line entry point a single command with options) are
    // single commands side by side, not a registry: judged with the single command below.
    const onePerProgram = cli.length >= 2 && main.length < 2;
    if (cli.length >= 2 && main.length < 3 && !onePerProgram) {
      return {
        level: 'partial',
        reason: `only ${cli.length} CLI verbs are registered, spread over ${perFile.size} file${perFile.size > 1 ? 's' : ''} (at most ${main.length} in one command builder): no registry of user commands`,
        evidence: main.concat(cli.filter((v) => !main.includes(v))).slice(0, 3),
        confidence: 'low',
      };
    }
    if (cli.length >= 2 && !onePerProgram) {
      // Three or more verbs registered in one file with a command-line parser the harness imports: a framework fact.
      // And the builder is the harness's own: its package holds the agent loop (not a release or build
      // tool beside the harness in the same repository), and its verbs are offered to the user (not
      // hidden from help, kept only for backward compatibility).
      const parser = importsCliLib(ctx);
      const pkg = packageOf(main[0].file);
      const own = agentLoops(ctx).some((l) => packageOf(l.file) === pkg);
      const shown = main.filter((v) => !/\bhidden\s*=\s*(?:True|true)\b/.test(v.reason)).length >= 3;
      // And the verbs run something of the harness: the builder's file calls a function the harness defines in
      // another file. Verbs whose handlers only print and exit (`console.log('not implemented yet')`) are stubs.
      const bf = ctx.file(main[0].file);
      const reachable = new Set([...(bf?.imports ?? []).flatMap((i) => i.names), ...(bf?.functions ?? []).map((x) => x.name)]);
      const runs =
        !!bf &&
        (bf.calls.some((c) => c.name && !VERB_CALL.test(c.name) && !GENERIC.has(c.name) && (reachable.has(c.name) || reachable.has(c.callee.split('.')[0])) && ctx.functionsNamed(c.name).length > 0) ||
          // A handler handed by name (`handler: runChat`, `.command('chat', desc, builder, runChat)`) to the parser, which calls it.
          [...bf.calls.filter((c) => VERB_CALL.test(c.name)).flatMap((c) => c.args), ...bf.objects.map((o) => o.values.handler ?? '')].some((a) => reachable.has(a.trim()) && ctx.functionsNamed(a.trim()).length > 0));
      // Verbs whose builder runs nothing of the harness (each handler prints "not implemented yet" and exits) are
      // stubs: names of commands to come, not user actions.
      if (!runs) {
        return {
          level: 'absent',
          reason: `${main.length} CLI verbs are registered in ${main[0].file}, but their handlers run nothing of the harness (stubs that only print or exit): there is no registry of user commands`,
          evidence: [],
          confidence: 'low',
        };
      }
      return { level: 'present', reason: `${cli.length} CLI verbs are registered through a command builder (e.g. ${main[0].file}:${main[0].line})`, evidence: main.slice(0, 3), confidence: parser && own && shown ? 'high' : 'low' };
    }
    if (branched.length >= 2) {
      return {
        level: 'partial',
        reason: `${branched.length} CLI verbs are declared with add_parser() (name, help) but dispatched by an if-chain on the chosen verb (${branchAt!.file}:${branchAt!.line}) rather than through a registry`,
        evidence: [branched[0], branchAt!, ...branched.slice(1, 2)],
        // Low: the verbs and the branches are read structurally, but whether an if-chain over declared
        // verbs counts as partial or absent is arguable.
        confidence: 'low',
      };
    }
    // A single command (or one per program) is no registry: it is judged absent below unless a
    // table, action list or if-chain of commands is found.
    const single = decls.length + verbs.length === 1 || (onePerProgram && !decls.length);
    // A command table: a map of command names to handlers, whose entry is looked up by the name the
    // user typed and called (`commands[command](input)`, `self.commands[name](args)`): the commands are
    // data, one handler per name, dispatched without a branch per command.
    const tables = commandTables(ctx);
    if (tables.length) {
      return {
        level: 'present',
        reason: `user commands are a table of handlers looked up by the name the user typed and called (${tables[0].reason}, ${tables[0].file}:${tables[0].line})`,
        evidence: tables.slice(0, 3),
        // Low: the table's entries are not read (they may be built elsewhere and handed in).
        confidence: 'low',
      };
    }
    // UI actions declared as data (icon/label, description, onClick) in per-feature action lists:
    // user actions as data, but no general command registry.
    const uiActions: Evidence[] = [];
    for (const f of ctx.source) {
      for (const o of f.objects) {
        const k = o.keys;
        if (!/^(?:array|prop):(?:actions|toolbar|commands|menu|menuItems|buttons)$/.test(o.ctx) || !k.includes('description')) continue;
        if (!k.some((x) => /^(?:onClick|onSelect|onAction|action|handler|run|execute)$/.test(x)) || !k.some((x) => /^(?:icon|label|title)$/.test(x))) continue;
        uiActions.push({ file: f.path, line: o.line, reason: `user action declared as data (${k.slice(0, 4).join(', ')}) in a ${o.ctx.slice(o.ctx.indexOf(':') + 1)} list` });
      }
    }
    if (uiActions.length >= 3) {
      return {
        level: 'partial',
        reason: `${uiActions.length} user actions are declared as data (description and handler) in per-feature action lists, but there is no command registry (slash commands or CLI verbs)`,
        evidence: uiActions.slice(0, 3),
        confidence: 'low',
      };
    }
    // Slash commands handled by an if-chain on the input text.
    const chain: Evidence[] = [];
    for (const f of ctx.source) {
      for (const g of f.guards) {
        // Compared (`cmd === '/help'`, `text.startsWith('/clear')`) or tested against a list of spellings (`msg in ["/help", "help"]`).
        if (!/['"`]\/[a-z][\w-]*['"`]/.test(g.cond) || !/===?|startsWith|startswith|==|\bin\s*[[(]/.test(g.cond)) continue;
        // The other side must be what the user typed, not a path or a route (`manifest.root === '/workspace'`).
        const other = g.cond.replace(/['"`]\/[a-z][\w-]*['"`]/g, '');
        if (!INPUTISH.test(other) || PATHISH.test(other)) continue;
        chain.push({ file: f.path, line: g.line, reason: `slash command handled by a branch: ${g.cond.slice(0, 60)}` });
      }
      for (const c of f.calls) {
        if (!/^(?:startsWith|startswith)$/.test(c.name) || !/^['"`]\/[a-z][\w-]* ?['"`]$/.test(c.args[0] ?? '')) continue;
        const recv = c.callee.slice(0, -'.startsWith'.length).replace(/\.(?:strip|trim|lower|toLowerCase)\(\)/g, '');
        if (!INPUTISH.test(recv) || PATHISH.test(recv)) continue;
        chain.push({ file: f.path, line: c.line, reason: `slash command matched by ${c.callee}(${c.args[0]})` });
      }
      // CLI verbs listed as argparse choices and dispatched by an if-chain: `add_argument("command", choices=[…])`.
      for (const c of f.calls) {
        if (c.name !== 'add_argument' || !/^['"](?:command|cmd|subcommand|action|verb)['"]$/.test(c.args[0] ?? '')) continue;
        const choices = c.args.find((a) => a.startsWith('choices=['));
        if (choices && (choices.match(/['"],/g) ?? []).length >= 2) chain.push({ file: f.path, line: c.line, reason: `CLI verbs listed as argparse choices of ${c.args[0]}, with no name/description/handler registry` });
      }
    }
    // Branches that handle a command (their own `if` that returns) before bare matches, which may only
    // test for a prefix (`if not query.startswith("/task"): query = "/task " + query`); one entry per line.
    chain.sort((a, b) => Number(!a.reason.startsWith('slash command handled')) - Number(!b.reason.startsWith('slash command handled')));
    for (let i = chain.length - 1; i >= 0; i--) if (chain.findIndex((c) => c.file === chain[i].file && c.line === chain[i].line) < i) chain.splice(i, 1);
    if (chain.length >= 2 || chain.some((c) => c.reason.startsWith('CLI verbs'))) {
      const cli = chain.find((c) => c.reason.startsWith('CLI verbs'));
      return {
        level: 'partial',
        reason: cli ? `${cli.reason.replace(/, with no.*$/, '')}, dispatched by branches rather than a registry declared as data` : `slash commands are handled by an if-chain on the input (${chain.length} branches) rather than a registry declared as data`,
        evidence: chain.slice(0, 3),
        // argparse `choices` dispatched by branches is a parser configuration fact; an if-chain on text is not.
        confidence: cli ? 'high' : 'low',
      };
    }
    const shortcuts = keyboardShortcuts(ctx);
    if (shortcuts.length) {
      return {
        level: 'partial',
        reason: `keyboard shortcuts are declared ${shortcuts[0].reason.replace(/^keyboard shortcut declared /, '')} (${shortcuts[0].file}:${shortcuts[0].line}), but there is no registry of user commands (slash commands or CLI verbs with name, description, handler)`,
        evidence: shortcuts.slice(0, 3),
        confidence: 'low',
      };
    }
    // Provably none: no command-line parser is imported and no source string names a slash command
    // (`/help`) or even a path-like word, so there is no user input dispatched by name anywhere.
    const cliLib = importsCliLib(ctx);
    const slashWord = !cliLib && ctx.source.some((f) => f.strings.some((x) => /^\/[a-z][\w-]*$/.test(x.value)));
    // Editor or app commands registered at run time (`commands.registerCommand(id, fn)`) are user commands too.
    const registered = VERB_CALL_NAMES.some((n) => ctx.callsNamed(n).length > 0);
    const first = decls[0] ?? verbs[0];
    return {
      level: 'absent',
      reason: single && first
        ? `only ${decls.length + verbs.length === 1 ? 'a single user command is' : `single commands, one per program (${cli.length}), are`} declared (${first.file}:${first.line}); there is no registry of user commands`
        : 'no user-facing command registry (slash commands or CLI verbs declared as data) was found',
      evidence: [],
      confidence: !cliLib && !slashWord && !registered && !chain.length ? 'high' : 'low',
    };
  },
});
