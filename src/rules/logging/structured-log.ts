import type { CallFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { agentLoops, loopReachable } from '../shared/loop.js';
import { allClasses, at, ev, finding, objectsWithAnyKey } from '../shared/scan.js';
import { displayFile } from '../shared/ui.js';
import { classOf } from '../shared/resolve.js';
import { defineRule, type Evidence, type Finding } from '../types.js';

const LEVELS = ['debug', 'info', 'warn', 'warning', 'error', 'trace', 'fatal', 'critical'];
const LEVEL_SET = new Set(LEVELS);
/** Methods a logger is called with: the levels, `exception` (Python) and `log`. */
const LOG_METHODS = new Set([...LEVELS, 'exception', 'log']);
/** Logging libraries that emit records with fields (JSON or attributes). */
const STRUCTURED_LIBS = /^(?:pino|pino-\w+|winston|bunyan|tslog|roarr|log4js|@opentelemetry\/api-logs|@opentelemetry\/sdk-logs|structlog|loguru|pythonjsonlogger|python_json_logger|json_log_formatter|@google-cloud\/logging|@aws-lambda-powertools\/logger)$/;
/** Levelled but plain-text loggers. */
const TEXT_LIBS = /^(?:loglevel|consola|signale|debug|npmlog|logging|logging\.handlers|absl\.logging)$/;
/** Tracing set up by the harness: spans with attributes, not a logger. */
const TRACING_LIBS = /^(?:@vercel\/otel|@opentelemetry\/sdk-node|@opentelemetry\/sdk-trace-\w+|opentelemetry\.sdk\.trace|@langfuse\/\w+|langfuse|langsmith|@arizeai\/\w+|openinference\.\w+)$/;
const JSON_CALL = /^(?:JSON\.stringify|json\.dumps?|orjson\.dumps|\w+\.model_dump_json|\w+\.to_json|safeJsonStringify)$/;
/** Stdlib logging set-up: handlers, formatters, a config. */
const HANDLER_CALL = /^(?:logging\.)?(?:basicConfig|dictConfig|fileConfig)$|(?:^|\.)(?:addHandler|setFormatter)$|(?:^|\.)(?:FileHandler|RotatingFileHandler|TimedRotatingFileHandler|StreamHandler|RichHandler)$/;
/** Receivers that end in `log` but are not loggers. */
const NOT_LOGGER = /dialog|catalog|changelog|backlog|blog|login|logic|logo|console|^math$/i;

interface LoggerDef {
  file: string;
  line: number;
  name: string;
  structured: boolean;
  how: string;
  /** The call that writes the logger's records with fields (`JSON.stringify(record)`, an OTel emit). */
  recordLine?: number;
}

/** `/^console\.(?:log|error|warn|info|debug)$/` as a Set of callees. */
const CONSOLE_PRINTS = new Set(['console.log', 'console.error', 'console.warn', 'console.info', 'console.debug']);
const isPrint = (c: CallFact, py: boolean): boolean =>
  py ? c.callee === 'print' || c.callee === 'sys.stdout.write' || c.callee === 'sys.stderr.write' : CONSOLE_PRINTS.has(c.callee);
/** Every `HANDLER_CALL` match ends in `Config`, `Handler` or `Formatter`: a suffix test before the pattern. */
const handlerCall = (callee: string): boolean =>
  (callee.endsWith('Handler') || callee.endsWith('Config') || callee.endsWith('Formatter')) && HANDLER_CALL.test(callee);

/** The receiver of a logger call, `this.`/`self.`/`?` stripped: `this.logService.info` → `logService`. */
function loggerReceiver(c: CallFact): string | undefined {
  if (!LOG_METHODS.has(c.name)) return undefined;
  const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1)).replace(/\?$/, '');
  const last = (recv.split('.').pop() ?? '').replace(/\(.*$/s, '').replace(/^#/, '');
  if (!last || !/log/i.test(last) || NOT_LOGGER.test(last)) return undefined;
  return recv;
}

/**
 * Logger classes of the repo that only print (to the console or a rich console) and write nowhere
 * else: calls through them are levelled text on a terminal, not records.
 */
function printingLoggerClasses(ctx: RuleContext): Set<string> {
  return ctx.memo('structured-log:printing-classes', () => {
    const out = new Set<string>();
    for (const cls of allClasses(ctx)) {
      if (!/log/i.test(cls.name) || NOT_LOGGER.test(cls.name)) continue;
      if (!cls.members.some((m) => LOG_METHODS.has(m))) continue;
      const f = ctx.file(cls.file);
      if (!f) continue;
      const py = f.lang === 'py';
      let prints = 0;
      let writes = 0;
      for (const c of f.calls) {
        if (c.line < cls.line || c.line > cls.end) continue;
        if (isPrint(c, py) || (c.name === 'print' && /console/i.test(c.callee))) prints++;
        // Calls between the class's own methods (`self.log(...)` from `log_error`) are neither.
        else if (/^(?:this|self)\.\w+$/.test(c.callee) && cls.members.includes(c.name)) continue;
        else if (/^(?:write|writeSync|appendFile|appendFileSync|appendLine|emit|send|handle|post|export|info|debug|warn|warning|error|log)$/.test(c.name) && !/^console\./.test(c.callee)) writes++;
      }
      if (prints > 0 && writes === 0) out.add(cls.name);
    }
    return out;
  });
}

/**
 * Logger factories and objects whose level methods are the console itself: an object with two or
 * more level keys built in a function that binds or calls `console.*` and writes nowhere else
 * (`return { info: console.info.bind(console, prefix), … }`). A namespace prefix on a console line
 * is still a print. Keyed by the defining file.
 */
/** Objects holding a level key (found through the key index), and their files: the only ones a level count can pass. */
function levelObjects(ctx: RuleContext): { objs: Set<object>; files: Set<string> } {
  return ctx.memo('structured-log:level-objects', () => objectsWithAnyKey(ctx, LEVEL_SET));
}

function consoleWrapperLoggers(ctx: RuleContext): Map<string, { line: number; name: string }> {
  return ctx.memo('structured-log:console-wrappers', () => {
    const out = new Map<string, { line: number; name: string }>();
    const lv = levelObjects(ctx);
    for (const f of ctx.source) {
      if (f.lang === 'py') continue;
      for (const o of lv.files.has(f.path) ? f.objects : []) {
        if (!lv.objs.has(o)) continue;
        if (o.keys.length < 2 || o.ctx.startsWith('type:') || o.ctx.startsWith('class:')) continue;
        let levels = 0;
        for (const k of o.keys) if (LEVEL_SET.has(k)) levels++;
        if (levels < 2) continue;
        const calls = ctx.callsIn(f.path, o.fn);
        const console = calls.filter((c) => /^console\.\w+(?:\.bind)?$/.test(c.callee)).length;
        // Anything but the console called where the logger is built (`debug(namespace)`, a transport, a
        // JSON serialiser) makes it more than a console wrapper.
        const sinks = calls.some((c) => !/^console\./.test(c.callee));
        // The object's own level values may call the console inline (`info: (...a) => console.info(p, ...a)`).
        const inline = o.keys.filter((k) => LEVELS.includes(k) && /\bconsole\.\w+/.test(o.values[k] ?? '')).length;
        if ((console >= 2 || inline >= 2) && !sinks) {
          out.set(f.path, { line: o.line, name: o.fn !== '<top>' ? shortName(o.fn) : o.ctx.replace(/^\w+:/, '') || 'logger' });
          break;
        }
      }
    }
    return out;
  });
}

/** `log` when every logger class that has a `log` method is a printing one (the method name then names the class). */
function printingMethodNames(ctx: RuleContext): Set<string> {
  return ctx.memo('structured-log:printing-methods', () => {
    const printing = printingLoggerClasses(ctx);
    const out = new Set<string>();
    if (!printing.size) return out;
    const loggers = allClasses(ctx).filter((c) => /log/i.test(c.name) && !NOT_LOGGER.test(c.name) && c.members.includes('log'));
    if (loggers.length && loggers.every((c) => printing.has(c.name))) out.add('log');
    return out;
  });
}

/** A function named for one level (`logInfo`, `log_error`, `warnLog`). */
const LEVEL_FN = /^log_?(?:debug|info|warn|warning|error|trace|fatal|critical)$|^(?:debug|info|warn|warning|error|trace|fatal|critical)_?log$/i;

/**
 * Level functions that write each record as JSON (`logInfo(msg, ctx)` → `console.log(JSON.stringify({ severity, message, ...ctx }))`):
 * two or more in one file, each serialising in its body (or through a helper that builds the entry).
 * A levelled logger with fields, without a library. Keyed by function name.
 */
function jsonLevelFunctions(ctx: RuleContext): Map<string, { file: string; line: number; json: number }> {
  return ctx.memo('structured-log:json-level-fns', () => {
    const out = new Map<string, { file: string; line: number; json: number }>();
    for (const f of ctx.source) {
      const fns = f.functions.filter((fn) => LEVEL_FN.test(fn.name));
      if (fns.length < 2) continue;
      const found: Array<[string, { file: string; line: number; json: number }]> = [];
      for (const fn of fns) {
        const json = f.calls.find((c) => c.line >= fn.line && c.line <= fn.end && JSON_CALL.test(c.callee));
        if (json) found.push([fn.name, { file: f.path, line: fn.line, json: json.line }]);
      }
      // The name must be this file's alone: a level function defined elsewhere too is not resolved by name.
      if (found.length >= 2) for (const [n, d] of found) if (ctx.functionsNamed(n).length === 1) out.set(n, d);
    }
    return out;
  });
}

/** A logger call passing fields beside its message: an object (`logger.info({ step }, msg)`), or Python's `extra=`. */
function passesFields(c: CallFact, py: boolean): boolean {
  return c.args.some((a) => (!py && a.startsWith('{') && a.length > 2) || (py && a.startsWith('extra=')));
}

/**
 * Level functions that hand each record to a levelled logger (`logDebug(msg, ...args)` → `logger.debug({ data }, msg)`,
 * `def log_error(msg, **fields): logger.error(msg, extra=fields)`): the repo's own entry points to its logger, called
 * where the logger object itself is not. Two or more in one file, each making a logger call in its body (not a print);
 * calls of them are logger calls, with fields when the body's call passes fields. Keyed by function name, each name
 * defined once (a level function defined elsewhere too is not resolved by name).
 */
function delegatingLevelFunctions(ctx: RuleContext): Map<string, { file: string; line: number; fielded: boolean }> {
  return ctx.memo('structured-log:delegating-level-fns', () => {
    const out = new Map<string, { file: string; line: number; fielded: boolean }>();
    const json = jsonLevelFunctions(ctx);
    for (const f of ctx.source) {
      const fns = f.functions.filter((fn) => LEVEL_FN.test(fn.name) && !json.has(fn.name));
      if (fns.length < 2 || consoleWrapperLoggers(ctx).has(f.path)) continue;
      const py = f.lang === 'py';
      const found: Array<[string, { file: string; line: number; fielded: boolean }]> = [];
      for (const fn of fns) {
        const body = f.calls.filter((c) => c.line >= fn.line && c.line <= fn.end);
        // A body that prints is a console helper, not a hand-off to a logger.
        if (body.some((c) => isPrint(c, py))) continue;
        const logs = body.filter((c) => loggerReceiver(c) !== undefined);
        if (!logs.length) continue;
        const fielded = logs.some((c) => passesFields(c, py));
        found.push([fn.name, { file: f.path, line: fn.line, fielded }]);
      }
      if (found.length >= 2) for (const [n, d] of found) if (ctx.functionsNamed(n).length === 1) out.set(n, d);
    }
    return out;
  });
}

/**
 * Receivers whose `.log(...)` is no levelled logger: a repo class with a `log` method and no level method
 * (a store's `log(response)`, a display's `log(text, colour)`), named as the class (`Store(db).log(x)`) or
 * as a variable bound to one of its instances (`logger = Display()`).
 */
function unlevelledLogReceivers(ctx: RuleContext): Set<string> {
  return ctx.memo('structured-log:unlevelled', () => {
    const out = new Set<string>();
    const classes = new Set(allClasses(ctx).filter((c) => c.members.includes('log') && !c.members.some((m) => LEVEL_SET.has(m) || m === 'exception')).map((c) => c.name.split('.').pop()!));
    if (!classes.size) return out;
    for (const c of classes) out.add(c);
    for (const f of ctx.source) {
      for (const b of f.binds ?? []) {
        const m = /^(?:new\s+)?([\w$]+)\(/.exec(b.value);
        if (m && classes.has(m[1])) out.add(b.name);
      }
    }
    return out;
  });
}

interface LogUse {
  /** Logger calls (not through a printing logger class). */
  calls: Located<CallFact>[];
  /** Those passing fields: an object literal (`logger.info('x', { tool })`) or `extra=`. */
  fielded: Located<CallFact>[];
  /** Calls through a logger class that only prints. */
  printing: Located<CallFact>[];
  prints: Located<CallFact>[];
  handlers: Located<CallFact>[];
  files: Map<string, number>;
  /** `.log()` calls left out because their receiver has no level methods. */
  unlevelled?: number;
}

/** Terminal prompt libraries whose `log` export prints styled lines to the terminal (no levels kept, no records). */
const PROMPT_LIBS = /^@clack\/(?:prompts|core)$/;

/** The receivers a file reaches a prompt library's `log` through: `p.log` for `import * as p`, `log` for `import { log }`. */
function promptLogReceivers(imports: readonly { from: string; names: string[]; as?: Record<string, string> }[]): Set<string> | undefined {
  let out: Set<string> | undefined;
  for (const i of imports) {
    if (!PROMPT_LIBS.test(i.from)) continue;
    out ??= new Set();
    for (const [local, orig] of Object.entries(i.as ?? {})) {
      if (orig === '*' || orig === 'default') out.add(`${local}.log`);
      else if (orig === 'log') out.add(local);
    }
    if (i.names.includes('log') && !Object.values(i.as ?? {}).includes('log')) out.add('log');
  }
  return out;
}

function logUse(ctx: RuleContext): LogUse {
  return ctx.memo('structured-log:use', () => {
    const printing = printingLoggerClasses(ctx);
    const use: LogUse = { calls: [], fielded: [], printing: [], prints: [], handlers: [], files: new Map() };
    const printingMethods = printingMethodNames(ctx);
    // Files whose logger is a console wrapper: the wrapper's own file and its importers.
    const wrapped = new Set<string>();
    for (const file of consoleWrapperLoggers(ctx).keys()) {
      wrapped.add(file);
      for (const i of importers(ctx, file)) wrapped.add(i);
    }
    const jsonFns = jsonLevelFunctions(ctx);
    const delegating = delegatingLevelFunctions(ctx);
    const unlevelled = unlevelledLogReceivers(ctx);
    for (const f of ctx.source) {
      // A web page that runs no agent logs for the page, not for the harness.
      if (displayFile(ctx, f.path)) continue;
      const py = f.lang === 'py';
      const calls = f.calls as Located<CallFact>[];
      const viaConsole = wrapped.has(f.path) && !f.imports.some((i) => STRUCTURED_LIBS.test(i.from));
      // A file that builds a printing logger routes its member loggers (`self.logger`) through it,
      // and every logger call when it sets up no library logger of its own.
      const buildsPrinting = printing.size > 0 && calls.some((c) => printing.has(c.callee.startsWith('new') ? c.callee.replace(/^new\s+/, '') : c.callee));
      const libraryLogger = buildsPrinting && calls.some((c) => /^(?:logging\.)?getLogger$|^get_logger$|^structlog\.get_logger$/.test(c.callee));
      // A terminal prompt library's `log` (`import * as p from '@clack/prompts'`: `p.log.error(…)`) prints a styled line.
      const promptLog = promptLogReceivers(f.imports);
      for (const c of calls) {
        if (isPrint(c, py)) {
          use.prints.push(c);
          continue;
        }
        if (handlerCall(c.callee)) use.handlers.push(c);
        // A call of the repo's own level function, a logger call at the caller's site: one that writes JSON records
        // (with fields when it passes a context), or one defined in another file that hands the record to a levelled
        // logger (with fields when that logger call passes them too).
        const levelFn = jsonFns.has(c.name) ? { fielded: true, file: undefined } : delegating.get(c.name);
        if (levelFn && levelFn.file !== f.path && (c.callee === c.name || c.callee.endsWith(`.${c.name}`))) {
          use.calls.push(c);
          use.files.set(f.path, (use.files.get(f.path) ?? 0) + 1);
          if (levelFn.fielded && c.args.length >= 2) use.fielded.push(c);
          continue;
        }
        const recv = loggerReceiver(c);
        if (recv === undefined) continue;
        if (promptLog && promptLog.has(recv)) {
          use.prints.push(c);
          continue;
        }
        if (c.name === 'log' && unlevelled.has(recv.split('.').pop()!.replace(/^new\s+/, '').replace(/\(.*$/s, ''))) {
          use.unlevelled = (use.unlevelled ?? 0) + 1;
          continue;
        }
        // A member logger called with a method only the printing class has beyond the levels (`self.logger.log(...)`)
        // is that class, wherever it was handed in.
        if (viaConsole || (buildsPrinting && (!libraryLogger || /^(?:this|self)\./.test(recv))) || (/^(?:this|self)\./.test(recv) && printingMethods.has(c.name))) {
          use.printing.push(c);
          continue;
        }
        use.calls.push(c);
        use.files.set(f.path, (use.files.get(f.path) ?? 0) + 1);
        if (passesFields(c, py)) use.fielded.push(c);
      }
    }
    return use;
  });
}

/**
 * The call that sets the logging pipeline up: a handler or formatter built by the repo (`FileHandler(path)`,
 * `addHandler`) before a config-file load or `basicConfig`, and in the module the most files import (the app's
 * logging set-up, not a migration tool's `fileConfig` in a script nothing imports).
 */
function loggingSetup(ctx: RuleContext, use: LogUse): Located<CallFact> | undefined {
  if (!use.handlers.length) return undefined;
  const built = (c: CallFact) => (/(?:Handler|Formatter)$/.test(c.callee) && !/^(?:logging\.)?(?:basicConfig|dictConfig|fileConfig)$/.test(c.callee) ? 0 : /basicConfig$/.test(c.callee) ? 2 : 1);
  const imported = new Map<string, number>();
  const n = (file: string) => {
    let v = imported.get(file);
    if (v === undefined) imported.set(file, (v = importers(ctx, file).length));
    return v;
  };
  return [...use.handlers].sort((a, b) => built(a) - built(b) || n(b.file) - n(a.file))[0];
}

/** Where a logging library is given its sink: loguru's `logger.add(path)`, `pino.destination(…)`, `winston.createLogger({ transports })`. */
const LIB_SINK = /(?:^|\.)(?:destination|transport|add)$|(?:^|\.)transports\.\w+$/;
const LIB_SETUP = /^(?:new\s+)?(?:pino|[\w$]+\.createLogger|createLogger|structlog\.configure|[\w$]*logger\.configure)$/i;

/**
 * The call that configures an imported structured logging library, in a file that imports it: a sink
 * first (`logger.add(log_file)`, `pino.destination(path)`), then the logger's construction or
 * configuration (`pino({...})`, `winston.createLogger`, `structlog.configure`). That is where records get their
 * destination and shape; the import line only names the library.
 */
function librarySetup(ctx: RuleContext, lib: string): Located<CallFact> | undefined {
  return ctx.memo(`structured-log:lib-setup:${lib}`, () => {
    let best: { c: Located<CallFact>; rank: number } | undefined;
    for (const f of ctx.source) {
      const imp = f.imports.find((i) => i.from === lib);
      if (!imp) continue;
      for (const c of f.calls as Located<CallFact>[]) {
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        // A sink handed to the library's own object: `pino.destination`, `winston.transports.File`, loguru's `logger.add`.
        const sink = LIB_SINK.test(c.callee) && (recv.split('.')[0] === lib || /^_?logger$/i.test(recv) || /^(?:pino|winston)\b/.test(recv)) && (lib !== 'loguru' || c.name === 'add');
        const rank = sink ? 0 : LIB_SETUP.test(c.callee) && (lib !== 'loguru' || /logger\.configure$/i.test(c.callee)) ? 1 : -1;
        if (rank < 0 || (best && best.rank <= rank)) continue;
        best = { c, rank };
      }
    }
    // loguru's one logger is re-exported by the repo's own modules: `logger.add(sink)` anywhere in Python is it
    // (the stdlib logger has no `add`). A file sink first (a path), then any sink.
    if (!best && lib === 'loguru') {
      const adds = ctx.callsNamed('add').filter((c) => c.file.endsWith('.py') && /^_?logger$/.test(c.callee.slice(0, -4)));
      return adds.find((c) => !/^sys\.std(?:err|out)$/.test(c.args[0] ?? '')) ?? adds[0];
    }
    return best?.c;
  });
}

/** Whether a call sits on the agent's main path: in a loop's file or a function reached from a loop. */
function onMainPath(ctx: RuleContext): (c: Located<CallFact>) => boolean {
  const loops = agentLoops(ctx);
  if (!loops.length) return () => true;
  const reach = loopReachable(ctx, 3);
  const loopFiles = new Set(loops.map((l) => l.file));
  // Module-level code of another file (`<top>`: a script's or a sample's top-level prints) runs when that file is run
  // or imported, not as a step of the loop: a reachable `<top>` names no function of the path.
  return (c) => loopFiles.has(c.file) || (c.fn !== '<top>' && reach.has(shortName(c.fn)));
}

function loggerDefs(ctx: RuleContext, use: LogUse): LoggerDef[] {
  const defs: LoggerDef[] = [];
  const printing = printingLoggerClasses(ctx);
  for (const c of allClasses(ctx)) {
    if (printing.has(c.name)) defs.push({ file: c.file, line: c.line, name: c.name, structured: false, how: `${c.name} is a levelled logger that only prints to the console` });
  }
  const jsonFns = [...jsonLevelFunctions(ctx)];
  if (jsonFns.length) {
    const [, d] = jsonFns[0];
    const names = jsonFns.filter(([, x]) => x.file === d.file).map(([n]) => n);
    defs.push({ file: d.file, line: d.line, name: names.join('/'), structured: true, recordLine: d.json, how: `level functions ${names.join("/")} write each record as a JSON line` });
  }
  for (const [file, w] of consoleWrapperLoggers(ctx)) {
    defs.push({ file, line: w.line, name: w.name, structured: false, how: `${w.name} builds a levelled logger whose methods are console calls (a prefix, no fields, no records)` });
  }
  const lv = levelObjects(ctx);
  for (const f of ctx.source) {
    // Whether the file writes records with fields: looked up only for a file with a logger object.
    let records: { jsonLine?: number; otelEmit?: number; recordJson?: number } | undefined;
    const recordLines = () =>
      (records ??= {
        jsonLine: f.calls.find((c) => JSON_CALL.test(c.callee))?.line,
        otelEmit: f.calls.find((c) => c.name === 'emit' && /attributes|severity/i.test(c.args.join(' ')))?.line,
        // A record serialised whole (`JSON.stringify(record)`, `JSON.stringify({ ts, level, ...fields })`), not a detail inside a message.
        recordJson: f.calls.find((c) => JSON_CALL.test(c.callee) && /^(?:[\w$.]+|\{[\s\S]*\})$/.test((c.args[0] ?? '').trim()))?.line,
      });
    for (const i of f.imports) {
      // A relative import is no library: none of the patterns starts with a dot.
      if (i.from.startsWith('.')) continue;
      if (STRUCTURED_LIBS.test(i.from)) defs.push({ file: f.path, line: i.line, name: i.from, structured: true, how: `imports ${i.from}` });
      // A logging import counts when the repo logs through it or configures it (not when it only silences a dependency's logger).
      else if (TEXT_LIBS.test(i.from) && (use.calls.length || use.handlers.length))
        defs.push({ file: f.path, line: i.line, name: i.from, structured: false, how: `imports ${i.from} (levelled text)` });
      else if (TRACING_LIBS.test(i.from)) defs.push({ file: f.path, line: i.line, name: i.from, structured: false, how: `imports ${i.from}: tracing spans with attributes, no logger` });
    }
    for (const o of lv.files.has(f.path) ? f.objects : []) {
      if (!lv.objs.has(o)) continue;
      let n = 0;
      for (const k of o.keys) if (LEVEL_SET.has(k)) n++;
      if (n < 2) continue;
      const levels = o.keys.filter((k) => LEVELS.includes(k));
      const named = o.ctx.startsWith('class:') ? o.ctx.slice(6) : o.ctx.startsWith('var:') ? o.ctx.slice(4) : '';
      if (!/log/i.test(named) || (levels.length < 3 && !/logger/i.test(named))) continue;
      // A no-op logger (`debug: () => {}`) logs nothing.
      if (levels.every((k) => /^\(\)\s*=>\s*\{\s*\}$|^\(\)\s*=>\s*undefined$/.test(o.values[k] ?? ''))) continue;
      const { jsonLine, otelEmit, recordJson } = recordLines();
      const structured = !printing.has(named) && (jsonLine !== undefined || otelEmit !== undefined);
      defs.push({
        file: f.path,
        line: o.line,
        name: named,
        structured,
        recordLine: structured ? (recordJson ?? otelEmit) : undefined,
        how: `${named} has level methods ${levels.join('/')}${structured ? ` and writes records with fields (${at(f.path, (jsonLine ?? otelEmit)!)})` : printing.has(named) ? ' and only prints' : ', text output'}`,
      });
    }
    for (const t of f.types) {
      if (t.kind === 'enum' && /level/i.test(t.name) && t.members.filter((m) => LEVELS.includes(m.toLowerCase())).length >= 2) {
        defs.push({ file: f.path, line: t.line, name: t.name, structured: false, how: `${t.name} enum of log levels` });
      }
    }
    // Console methods redirected to a file as levelled lines: `console.error = (...a) => stream.write(`[ERROR] ${ts} …`)`.
    for (const fn of f.functions) {
      if (!LEVEL_SET.has(fn.name)) continue;
      const w = f.calls.find(
        (c) => c.line >= fn.line && c.line <= fn.end && /^(?:write|appendFile|appendFileSync)$/.test(c.name) && /\[(?:ERROR|WARN|INFO|DEBUG)\]|toISOString|timestamp/i.test(c.args.join(' ')),
      );
      if (w) defs.push({ file: f.path, line: fn.line, name: fn.name, structured: false, how: `${fn.name}() writes levelled, timestamped text lines to a file (${at(f.path, w.line)})` });
    }
  }
  return defs;
}

/** Files (other than the logger's own) importing the logger's module, from an index of import specifiers built once. */
/** An object literal that records an event with its time: a timestamp key beside an event name or type key. */
function timestampedRecord(ctx: RuleContext): boolean {
  return ctx.memo('structured-log:timestamped-record', () =>
    ctx.source.some((f) =>
      f.objects.some(
        (o) =>
          !o.ctx.startsWith('type:') &&
          o.keys.some((k) => /^(?:timestamp|ts|time|created_?[Aa]t|loggedAt|logged_at)$/.test(k)) &&
          o.keys.some((k) => /^(?:event|eventName|event_name|eventType|event_type|type|name|direction|level)$/.test(k)) &&
          o.keys.some((k) => /^(?:data|eventData|event_data|payload|details|attributes|attrs|fields|message|msg)$/.test(k)),
      ),
    ),
  );
}

function importers(ctx: RuleContext, file: string): string[] {
  const index = ctx.memo('structured-log:import-index', () => {
    // `../utils/logger.js` → keys `logger|utils` and `logger|*`; a bare `logger` → `logger|`.
    const m = new Map<string, Set<string>>();
    const add = (k: string, f: string) => {
      const set = m.get(k);
      if (set) set.add(f);
      else m.set(k, new Set([f]));
    };
    for (const f of ctx.source) {
      for (const i of f.imports) {
        // The last two segments split on `/` and `.`, after a script extension: as
        // `from.replace(/\.[cm]?[jt]sx?$/, '').split(/[/.]/)`, without building the parts.
        const from = i.from.endsWith('s') || i.from.endsWith('x') ? i.from.replace(/\.[cm]?[jt]sx?$/, '') : i.from;
        const p = Math.max(from.lastIndexOf('/'), from.lastIndexOf('.'));
        const last = from.slice(p + 1);
        if (p < 0) add(`${last}|*`, f.path);
        else {
          const q = p === 0 ? -1 : Math.max(from.lastIndexOf('/', p - 1), from.lastIndexOf('.', p - 1));
          add(`${last}|${from.slice(q + 1, p)}`, f.path);
        }
      }
    }
    return m;
  });
  const base = file.replace(/\.[^./]+$/, '').split('/');
  const stem = base.pop()!;
  const dir = base.pop() ?? '';
  const out = new Set<string>([...(index.get(`${stem}|${dir}`) ?? []), ...(index.get(`${stem}|*`) ?? []), ...(index.get(`${stem}|`) ?? [])]);
  out.delete(file);
  return [...out];
}

/** JSON records appended to a log file: `open(logfile, "a")` … `json.dump(entry, f)` in one function. */
function jsonLogFile(ctx: RuleContext): Evidence | undefined {
  for (const f of ctx.source) {
    for (const c of f.calls) {
      const append =
        (opensToAppend(c) && /log/i.test(c.args[0] ?? '')) ||
        (/^(?:appendFile|appendFileSync)$/.test(c.name) && /log/i.test(c.args[0] ?? '') && /JSON\.stringify/.test(c.args[1] ?? ''));
      if (!append) continue;
      const json = c.callee === 'open' ? f.calls.find((d) => d.fn === c.fn && d !== c && Math.abs(d.line - c.line) <= 5 && /^(?:json\.dump|JSON\.stringify)$/.test(d.callee)) : c;
      if (json) return ev(f.path, json.line, `${json.callee}(...) appends JSON records to a log file (${c.args[0]})`);
    }
  }
  return undefined;
}

/** `open(path, "a")`: a file opened for appending. */
const opensToAppend = (c: CallFact): boolean => c.callee === 'open' && /^["']a\+?["']$/.test(c.args[1] ?? '');
/** A call that appends: `appendFileSync(…)`, `appendToLog(…)`, or a file opened for appending. */
const appends = (c: CallFact): boolean => /^append/.test(c.name) || opensToAppend(c);

/** A function named for a log (`debugLog`, `appendToLog`, `write_log`), not for a login, a dialog or a catalog. */
const LOG_FN = /log(?!in|ic|o|ue|ger)|Log(?!in|ic|o|ue|ger)/;
const NOT_LOG_FN = /dialog|catalog|blog|backlog|changelog/i;
/** A file write: appended, rewritten, or opened for appending. */
const FILE_WRITE = /^(?:appendFile|appendFileSync|writeFile|writeFileSync|write_text)$/;
/** What dates a record: `new Date().toISOString()`, `Date.now()`, `datetime.now()`, `time.time()`. */
const STAMP_CALL = /^(?:toISOString|toLocaleString|now|utcnow|isoformat|time|strftime)$/;

/**
 * A log writer of the harness's own: a function named for a log whose code writes to a file records it dates or
 * serialises (`debugLog(message, data)` appending `[${timestamp}] ${message} ${JSON.stringify(data)}`, `appendToLog(path,
 * message)` rewriting a JSON list of `{ ...message, sessionId, timestamp }`). Records kept, but no levelled logger.
 */
function ownLogWriter(ctx: RuleContext): Evidence | undefined {
  return ctx.memo('structured-log:own-log-writer', () => {
    const found: Array<{ e: Evidence; append: boolean }> = [];
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (!LOG_FN.test(short) || NOT_LOG_FN.test(short)) continue;
        const calls = ctx.callsIn(f.path, fn.name);
        // The write of the record: an append first, else the last write (an earlier one may clear the file);
        // in a method, also in the method of its own class it hands the record to (`this.queue.push(entry);
        // this.flush()`, the flush appending the queue to the file).
        const cls = classOf(fn.name);
        const own = cls ? calls.filter((c) => /^(?:this|self)\.\w+$/.test(c.callee)).flatMap((c) => ctx.callsIn(f.path, `${cls}.${c.name}`)) : [];
        const written = [...calls, ...own];
        const write = written.find(appends) ?? written.filter((c) => FILE_WRITE.test(c.name)).pop();
        if (!write) continue;
        const dated = calls.some((c) => STAMP_CALL.test(c.name) || JSON_CALL.test(c.callee));
        if (!dated) continue;
        // Called from elsewhere in the harness: a writer in use, not a helper left over.
        if (ctx.callsNamed(short).filter((c) => c.fn !== fn.name).length < 2) continue;
        found.push({ e: ev(f.path, write.line, `${write.callee}() in ${short}() writes dated or serialised log records to a file`), append: appends(write) || /append/i.test(short) });
      }
    }
    return (found.find((x) => x.append) ?? found[0])?.e;
  });
}

/**
 * A function of the harness's own named for a log (`updateDebugLog`, `write_log`, `appendToLog`) that calls something
 * and is called from two or more other functions: a log writer in use, wherever it writes.
 */
const RECORD_WRITE = /^(?:query|execute|insert\w*|write\w*|append\w*|save\w*|send|post|put|create|upsert|store|commit|emit|publish|capture|track)$/i;
function logFunctionInUse(ctx: RuleContext): boolean {
  return ctx.memo('structured-log:log-function-in-use', () => {
    for (const f of ctx.source) {
      for (const fn of f.functions) {
        const short = shortName(fn.name);
        if (!LOG_FN.test(short) || NOT_LOG_FN.test(short) || LOG_METHODS.has(short)) continue;
        // It hands the record on (a query, an insert, a write, a send), not only to the console.
        if (!ctx.callsIn(f.path, fn.name).some((c) => !isPrint(c, f.lang === 'py') && RECORD_WRITE.test(c.name))) continue;
        const callers = new Set(ctx.callsNamed(short).filter((c) => c.fn !== fn.name).map((c) => `${c.file}:${c.fn}`));
        if (callers.size >= 2) return true;
      }
    }
    return false;
  });
}

/** JSON lines of the loop's events written from a subscription (a `--json` output mode). */
function jsonEventStream(ctx: RuleContext): Finding | undefined {
  for (const f of ctx.source) {
    for (const c of f.calls) {
      if (!JSON_CALL.test(c.callee)) continue;
      if (!/^(?:event|evt|chunk|update|record|entry|e)$/i.test(c.args[0] ?? '')) continue;
      const outer = f.calls.find((d) => d.line === c.line && d !== c && /^(?:console\.log|process\.stdout\.write|print|sys\.stdout\.write)$/.test(d.callee));
      if (!outer) continue;
      // Printing an incoming request (`console.log(JSON.stringify(event))` in a webhook handler) is a print;
      // the loop's own events are subscribed to.
      const sub = f.calls.find((d) => d.fn === c.fn && d.line <= c.line && d.line >= c.line - 15 && /^(?:subscribe|on|addListener|onEvent|addEventListener)$/.test(d.name));
      const loop = f.loops.find((l) => l.fn === c.fn && l.kind === 'for-of' && l.line <= c.line && l.end >= c.line && /event|stream|chunk|update|run\(/i.test(l.cond));
      if (!sub && !loop) continue;
      return finding('partial', `no logger: diagnostics are prints, and only the event stream is written as JSON lines (${at(f.path, c.line)})`, [
        ev(f.path, c.line, `${outer.callee}(JSON.stringify(...)) writes each event ${sub ? `from ${sub.callee}()` : `of ${loop!.cond}`} as a JSON line`),
      ]);
    }
  }
  return undefined;
}


/** The OpenTelemetry API (not an SDK): a tracer that is a no-op until the application configures one. */
const OTEL_API = /^(?:opentelemetry|opentelemetry\.trace|@opentelemetry\/api)$/;
/** Starting a span: `tracer.start_as_current_span(…)`, `tracer.start_span(…)`, `tracer.startActiveSpan(…)`, `tracer.startSpan(…)`. */
const SPAN_START = /^(?:start_as_current_span|start_span|startActiveSpan|startSpan)$/;

/** An import of the OpenTelemetry API in a source file, and a span started in one (first of each). */
function otelApiSpans(ctx: RuleContext): { imp: { file: string; line: number; from: string }; span: Located<CallFact> } | undefined {
  let imp: { file: string; line: number; from: string } | undefined;
  for (const f of ctx.source) {
    const i = f.imports.find((x) => OTEL_API.test(x.from));
    if (i) {
      imp = { file: f.path, line: i.line, from: i.from };
      break;
    }
  }
  if (!imp) return undefined;
  for (const [name, list] of ctx.callNames()) {
    if (!SPAN_START.test(name)) continue;
    const span = list.find((c) => /tracer|trace/i.test(c.callee));
    if (span) return { imp, span };
  }
  return undefined;
}

export default defineRule({
  id: 'logging.structured-log',
  principle: 'logging',
  title: 'Diagnostics go to a structured logger',
  rationale:
    'When something goes wrong in a long agent run, levelled records with fields (trace id, tool, tokens, error) can be filtered and correlated; bare prints cannot.',
  remediation:
    'Route diagnostics through one levelled logger that writes JSON lines with fields (event, tool, turn, error) and use it from the loop and tools instead of console prints; see the exemplar logger.ts.',
  exemplar: 'src/reference-harness/logging/logger.ts',
  detect(ctx) {
    const use = logUse(ctx);
    // A logger defined in another language than the agent loop's (a JavaScript template or front end in a
    // Python harness) is not the harness's logger.
    const loopPy = new Set(agentLoops(ctx).map((l) => l.file.endsWith('.py')));
    const defs = loggerDefs(ctx, use).filter((d) => (loopPy.size !== 1 || loopPy.has(d.file.endsWith('.py'))) && !displayFile(ctx, d.file));
    const main = onMainPath(ctx);
    const mainCalls = use.calls.filter(main);
    const mainPrints = use.prints.filter(main).length;
    const mainFielded = use.fielded.filter(main);
    const structured = defs.filter((d) => d.structured);
    const used = new Set(use.files.keys());
    for (const d of structured) if (!STRUCTURED_LIBS.test(d.name)) for (const f of importers(ctx, d.file)) used.add(f);
    const usedFiles = [...used];
    const evid = (d: LoggerDef): Evidence => ev(d.file, d.line, d.how);
    const callEv = (c: Located<CallFact>, why: string): Evidence => ev(c.file, c.line, `${c.callee}(${c.args.join(', ').slice(0, 50)}) ${why}`);
    // The logger is the main diagnostic channel when, on the loop's path, it is called at least as often as print.
    const dominant = mainCalls.length > 0 && mainCalls.length >= mainPrints;
    // The loop's own file printing more than it logs is decisive: the loop talks through prints.
    const loopFiles = new Set(agentLoops(ctx).map((l) => l.file));
    const loopPrints = use.prints.filter((c) => loopFiles.has(c.file)).length;
    const loopLogs = use.calls.filter((c) => loopFiles.has(c.file)).length;
    // With several loops (a side script's watch loop beside the session loop), the loop files vote: one
    // file that prints a lot does not outweigh the others that log.
    let printFiles = 0;
    let logFiles = 0;
    if (loopFiles.size > 1) {
      const tally = new Map<string, { p: number; l: number }>();
      for (const file of loopFiles) tally.set(file, { p: 0, l: 0 });
      for (const c of use.prints) {
        const t = tally.get(c.file);
        if (t) t.p++;
      }
      for (const c of use.calls) {
        const t = tally.get(c.file);
        if (t) t.l++;
      }
      for (const { p, l } of tally.values()) {
        if (p > l) printFiles++;
        else if (l > 0) logFiles++;
      }
    }
    // The vote stands only when the loop files' own counts agree (two small files that print do not outweigh one
    // that logs twice as much as they print) and the harness as a whole does not log several times more than it
    // prints (a loop file with a dozen prints beside a thousand logger calls is the exception, not the channel).
    const loopPrinted = (printFiles > logFiles || (printFiles === logFiles && loopPrints > loopLogs)) && loopPrints > loopLogs && use.calls.length < 4 * use.prints.length;
    const counts = `${use.calls.length} logger calls in ${use.files.size} files, ${use.prints.length} prints`;
    const path = loopFiles.size ? "on the loop's path" : 'in the harness';

    if ((structured.length || use.fielded.length >= 3) && usedFiles.length >= 2 && !loopPrinted && (mainFielded.length || dominant)) {
      const first = mainFielded[0] ?? use.fielded[0];
      const how = structured[0]?.how ?? `logger calls pass fields (${first.callee} with an object)`;
      // A logging library that writes fields, called more than print on the loop's path: a configuration fact, not a name.
      // The library must be where the loop's logger calls go: a file of those calls imports it (or a module that
      // imports it). A library imported by a side module (a code parser importing loguru) while the loop logs through
      // a class of the harness's own says nothing about the loop's records.
      const libFiles = (d: LoggerDef) => new Set([d.file, ...importers(ctx, d.file)]);
      // The library's importer is a logging module of the harness's own (`logger.ts` importing winston): its backend.
      const logModule = (d: LoggerDef) => /log/i.test(d.file.replace(/^.*\//, '').replace(/\.\w+$/, ''));
      const sure = dominant && structured.some((d) => STRUCTURED_LIBS.test(d.name) && (logModule(d) || mainCalls.some((c) => libFiles(d).has(c.file))));
      // Without a structured definition, the logger class itself (levels, transports) leads the evidence.
      const lead = structured[0] ?? defs.find((d) => !TRACING_LIBS.test(d.name) && !TEXT_LIBS.test(d.name) && !/enum/.test(d.how));
      // A logger that writes its records with fields is shown at that write: it is where the record leaves with its fields.
      const write = lead?.recordLine !== undefined ? [ev(lead.file, lead.recordLine, `${lead.name} writes each record with its fields here`)] : [];
      // With no logger definition to show, the logging set-up (handlers, formatters) is where records get their shape.
      const setup = lead ? undefined : loggingSetup(ctx, use);
      // A library import is shown where the library is configured (its sink or construction), when the repo does.
      const libSetup = lead && !write.length && STRUCTURED_LIBS.test(lead.name) ? librarySetup(ctx, lead.name) : undefined;
      return finding('present', `${how}${structured[0] ? ` (${at(structured[0].file, structured[0].line)})` : ''}; used ${path} (${counts})`, [
        ...write,
        ...(libSetup ? [callEv(libSetup, `configures ${lead!.name}: where its records go`)] : []),
        ...(lead ? [evid(lead)] : []),
        ...(setup ? [callEv(setup, 'configures the logging pipeline')] : []),
        ...(first ? [callEv(first, 'logs with fields')] : []),
        ...mainCalls.filter((c) => c !== first).slice(0, 1).map((c) => callEv(c, 'logger call on the main path')),
      ], sure ? 'high' : 'low');
    }
    // The only configuration sets the root level to ERROR (`basicConfig(level=logging.ERROR)`): info and
    // debug diagnostics are dropped, only error paths leave a record.
    const errorOnly = use.handlers.length > 0 && use.handlers.every((c) => /basicConfig$/.test(c.callee)) && use.handlers.find((c) => /\blevel\s*=\s*(?:logging\.)?(?:ERROR|CRITICAL|FATAL)\b/.test(c.args.join(' ')));
    if (dominant && !loopPrinted && errorOnly) {
      return finding('partial', `levelled logger calls exist (${counts}), but logging is configured at ERROR level (${at(errorOnly.file, errorOnly.line)}): only error paths are recorded, other diagnostics are dropped`, [
        callEv(errorOnly, 'sets the root level to ERROR'),
        ...mainCalls.slice(0, 1).map((c) => callEv(c, 'levelled logger call on the main path')),
      ]);
    }
    // Configured handlers admit a small logger only while it is still the harness's channel: a handful of logger calls
    // (under 20) beside more prints in the harness's functions is a logger set up for one entry point, the rest printing.
    // Module-level prints of a file other than the loop's (a sample script's output) are not the harness's diagnostics.
    const fnPrints = use.prints.filter((c) => c.fn !== '<top>' || loopFiles.has(c.file)).length;
    const outnumbered = use.calls.length < 20 && fnPrints > use.calls.length;
    if (dominant && !loopPrinted && (use.calls.length >= 20 || (use.handlers.length > 0 && !outnumbered))) {
      const setup = loggingSetup(ctx, use);
      // Configured handlers, or a logging library the logger calls come from with prints an order of magnitude rarer.
      const lib = defs.some((d) => TEXT_LIBS.test(d.name) || STRUCTURED_LIBS.test(d.name));
      // Sure with handlers when logger calls are at least twice the prints: nearer than that, whether the logger is the
      // harness's channel or one of two is a judgement (a development label read ~100 logger calls against ~90 prints as partial).
      const sure = (use.handlers.length > 0 && use.calls.length >= 2 * Math.max(1, use.prints.length)) || (lib && use.calls.length >= 10 * Math.max(1, use.prints.length));
      return finding('present', `diagnostics go through levelled loggers (${counts}; ${path} ${mainCalls.length} logger calls vs ${mainPrints} prints)${setup ? `, configured with handlers (${at(setup.file, setup.line)})` : ''}; records are text with level and logger name`, [
        ...(setup ? [callEv(setup, 'configures the logging pipeline')] : []),
        ...mainCalls.slice(0, 2).map((c) => callEv(c, 'levelled logger call on the main path')),
      ], sure ? 'high' : 'low');
    }
    const useEvidence = [...use.files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([file, n]) => {
        const c = use.calls.find((x) => x.file === file)!;
        return callEv(c, `(${n} logger call(s) in this file)`);
      });
    if (structured.length || use.fielded.length) {
      const d = structured[0];
      // Without a structured definition, the repo's own levelled logger (a class or object with level methods) leads.
      // The most imported one is the repo's logger (a channel's private logger is imported by its own files only).
      const own = d
        ? undefined
        : defs
            .filter((x) => !TRACING_LIBS.test(x.name) && !TEXT_LIBS.test(x.name) && !STRUCTURED_LIBS.test(x.name) && !/enum/.test(x.how))
            .map((x) => ({ x, n: importers(ctx, x.file).length }))
            .sort((a, b) => b.n - a.n)[0]?.x;
      // Say which test failed: prints outnumber it, the loop's own files print more than they log, or only
      // one file logs through it (not "bypassed" when the counts show the logger ahead).
      const why = !dominant
        ? `${path} it is called ${mainCalls.length} time(s) against ${mainPrints} prints: most diagnostics bypass it`
        : loopPrinted
          ? `the agent loop's own files print more than they log (${loopPrints} prints vs ${loopLogs} logger calls${loopFiles.size > 1 ? `; ${printFiles} loop file(s) mostly print, ${logFiles} mostly log` : ''}), though ${path} it is called ${mainCalls.length} time(s) against ${mainPrints} prints`
          : usedFiles.length < 2
            ? `logger calls were found in only ${usedFiles.length} file (${mainCalls.length} ${path}, against ${mainPrints} prints): it is not shown to be the harness's common channel`
            : `only ${use.fielded.length} logger call(s) pass fields (${mainCalls.length} logger calls ${path}, against ${mainPrints} prints)`;
      return finding(
        'partial',
        `${d ? `${d.how} (${at(d.file, d.line)})` : `some logger calls pass fields (${at(use.fielded[0].file, use.fielded[0].line)})`}, but ${why}`,
        [
          ...(own ? [evid(own)] : []),
          // A library import is shown where the library is configured (its sink or construction), when the repo does.
          ...((lib) => (lib ? [callEv(lib, `configures ${d!.name}: where its records go`)] : []))(!own && d && STRUCTURED_LIBS.test(d.name) ? librarySetup(ctx, d.name) : undefined),
          ...(d ? [evid(d)] : [callEv(use.fielded[0], 'logs with fields')]),
          ...useEvidence,
        ],
      );
    }
    if (use.calls.length) {
      const printer = use.printing.length ? defs.find((d) => printingLoggerClasses(ctx).has(d.name) || consoleWrapperLoggers(ctx).get(d.file)?.name === d.name) : undefined;
      // Most logger calls resolve to a logger class or factory whose methods only print: a resolved fact.
      const sure = !!printer && use.printing.length > use.calls.length;
      // A library import names the library only: the logging set-up, else the logger calls themselves, show the levelled text.
      const imported = !printer && defs[0] && /^imports /.test(defs[0].how);
      const setup = imported ? loggingSetup(ctx, use) : undefined;
      return finding('partial', `${printer ? `${printer.name} (${at(printer.file, printer.line)}) is a levelled logger that only prints (${use.printing.length} calls); other ` : ''}levelled logger calls exist (${counts}) but ${!dominant ? (mainPrints > mainCalls.length ? `prints outnumber them ${path} (${mainPrints} vs ${mainCalls.length})` : `none of them is ${path}`) : loopPrinted ? `the agent loop's own files print more than they log (${loopPrints} vs ${loopLogs})` : outnumbered && use.handlers.length ? `they are few and the harness prints more than it logs (${fnPrints} prints vs ${use.calls.length} logger calls)` : 'they are few and no logging is configured'}; records are text without fields`, imported ? [
        ...(setup ? [callEv(setup, 'configures the logging pipeline (levelled text)')] : []),
        ...useEvidence,
        evid(defs[0]),
      ] : [
        ...(printer ? [printer] : defs.slice(0, 1)).map(evid),
        ...useEvidence,
      ], sure ? 'high' : 'low');
    }
    if (defs.length) {
      const d = defs[0];
      const tracing = TRACING_LIBS.test(d.name);
      // A printing logger called from a handful of places is surely no channel; called across the harness it is a
      // levelled, namespaced text channel, which the labels count as present (gemini-cli's debugLogger) or in part
      // (smolagents' AgentLogger): not sure.
      // Not sure when the harness also keeps timestamped event records as data (`{ type, payload, timestamp }` handed
      // to an emitter): those may be its structured channel, beside a printing logger used in a handful of places.
      const sureDef = tracing || (use.printing.length > 0 && use.printing.length < 20 && (printingLoggerClasses(ctx).has(d.name) || consoleWrapperLoggers(ctx).get(d.file)?.name === d.name) && !timestampedRecord(ctx));
      return finding('partial', tracing ? `${d.how} (${at(d.file, d.line)}); diagnostics themselves are bare prints (${use.prints.length})` : `${d.how} (${at(d.file, d.line)}), but its records are text without fields, not structured (JSON/attributes)`, [
        ...defs.slice(0, 2).map(evid),
        ...use.printing.slice(0, 1).map((c) => callEv(c, 'logs through a logger that only prints')),
        // No logger call at all (searched by receiver), and the only definition is a tracing import or a printing logger.
      ], sureDef ? 'high' : 'low');
    }
    // No logger, but spans through the OpenTelemetry API (`from opentelemetry.trace import Tracer` and
    // `tracer.start_as_current_span(…)`, `@opentelemetry/api` and `tracer.startActiveSpan(…)`): records with
    // attributes that stay a no-op until the application installs an SDK. Tracing, not a logger: in part.
    const api = otelApiSpans(ctx);
    if (api) {
      return finding('partial', `no logger, but spans with attributes are started through the OpenTelemetry API (imports ${api.imp.from} at ${at(api.imp.file, api.imp.line)}; ${api.span.callee}() at ${at(api.span.file, api.span.line)}), which record nothing until the application configures an SDK; diagnostics themselves are bare prints (${use.prints.length})`, [
        callEv(api.span, 'starts a tracing span'),
        ev(api.imp.file, api.imp.line, `imports ${api.imp.from}: tracing spans with attributes, no logger`),
      ], 'low');
    }
    // From here no logger call, definition or library exists (searched): what remains is a JSON writer.
    const stream = jsonEventStream(ctx);
    if (stream) return { ...stream, confidence: use.printing.length === 0 ? 'high' : 'low' };
    const jsonLog = jsonLogFile(ctx);
    if (jsonLog) return finding('partial', `no logger: diagnostics are prints; only some records are appended as JSON lines to a log file (${at(jsonLog.file, jsonLog.line)})`, [jsonLog], use.printing.length === 0 ? 'high' : 'low');
    const own = ownLogWriter(ctx);
    if (own) return finding('partial', `no levelled logger: diagnostics are prints, and a log writer of the harness's own writes dated records to a file (${at(own.file, own.line)}), without levels`, [own], 'low');
    // Nothing named like a logger is called and no logging library is imported: sure.
    // Sure only when nothing builds a timestamped event record either (`{ eventName, eventData,
    // timestamp }` appended to a list): an event log kept as data is a structured log in part.
    // Nor when a function of the harness's own named for a log (`updateDebugLog`, `write_log`) is called from several
    // places: it keeps records somewhere (a database row, a service) that a file-write search does not see.
    return finding('absent', `no logger found: no logging library, no levelled logger object or class; diagnostics are bare prints (${use.prints.length})`, [], use.printing.length === 0 && !use.unlevelled && !timestampedRecord(ctx) && !logFunctionInUse(ctx) ? 'high' : 'low');
  },
});
