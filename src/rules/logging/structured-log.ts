import type { RuleContext } from '../context.js';
import { at, ev, finding } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';

const LEVELS = ['debug', 'info', 'warn', 'warning', 'error', 'trace', 'fatal', 'critical'];
/** Logging libraries that emit records with fields (JSON or attributes). */
const STRUCTURED_LIBS = /^(?:pino|pino-\w+|winston|bunyan|tslog|roarr|log4js|@opentelemetry\/api-logs|@opentelemetry\/sdk-logs|structlog|loguru|pythonjsonlogger|python_json_logger|json_log_formatter|@google-cloud\/logging|@aws-lambda-powertools\/logger)$/;
/** Levelled but plain-text loggers. */
const TEXT_LIBS = /^(?:loglevel|consola|signale|debug|npmlog|logging|logging\.handlers|absl\.logging)$/;
const JSON_CALL = /^(?:JSON\.stringify|json\.dumps|orjson\.dumps|\w+\.model_dump_json|\w+\.to_json)$/;

interface LoggerDef {
  file: string;
  line: number;
  name: string;
  structured: boolean;
  how: string;
}

function loggerDefs(ctx: RuleContext): LoggerDef[] {
  const defs: LoggerDef[] = [];
  for (const f of ctx.source) {
    // Whether the file writes records with fields: looked up only for a file with a logger object.
    let records: { jsonLine?: number; otelEmit?: number } | undefined;
    const recordLines = () =>
      (records ??= {
        jsonLine: f.calls.find((c) => JSON_CALL.test(c.callee))?.line,
        otelEmit: f.calls.find((c) => c.name === 'emit' && /attributes|severity/i.test(c.args.join(' ')))?.line,
      });
    for (const i of f.imports) {
      if (STRUCTURED_LIBS.test(i.from)) defs.push({ file: f.path, line: i.line, name: i.from, structured: true, how: `imports ${i.from}` });
      else if (TEXT_LIBS.test(i.from)) defs.push({ file: f.path, line: i.line, name: i.from, structured: false, how: `imports ${i.from} (levelled text)` });
    }
    for (const o of f.objects) {
      const levels = o.keys.filter((k) => LEVELS.includes(k));
      if (levels.length < 2) continue;
      const named = o.ctx.startsWith('class:') ? o.ctx.slice(6) : o.ctx.startsWith('var:') ? o.ctx.slice(4) : '';
      if (!/log/i.test(named) || (levels.length < 3 && !/logger/i.test(named))) continue;
      const { jsonLine, otelEmit } = recordLines();
      const structured = jsonLine !== undefined || otelEmit !== undefined;
      defs.push({
        file: f.path,
        line: o.line,
        name: named,
        structured,
        how: `${named} has level methods ${levels.join('/')}${structured ? ` and writes records with fields (${at(f.path, (jsonLine ?? otelEmit)!)})` : ', text output'}`,
      });
    }
    for (const t of f.types) {
      if (t.kind === 'enum' && /level/i.test(t.name) && t.members.filter((m) => LEVELS.includes(m.toLowerCase())).length >= 2) {
        defs.push({ file: f.path, line: t.line, name: t.name, structured: false, how: `${t.name} enum of log levels` });
      }
    }
  }
  return defs;
}

/** Call sites that log through something named like a logger, by file. */
function loggerCallFiles(ctx: RuleContext): Map<string, number> {
  return ctx.memo('r3:logger-calls', () => {
    const m = new Map<string, number>();
    for (const name of [...LEVELS, 'log', 'emit']) {
      for (const c of ctx.callsNamed(name)) {
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - name.length - 1));
        if (!/log(?:ger)?\b|logger|LOG|_log\b/i.test(recv.split('.').pop() ?? '') || /^console$/.test(recv)) continue;
        m.set(c.file, (m.get(c.file) ?? 0) + 1);
      }
    }
    return m;
  });
}

/** Files (other than the logger's own) importing the logger's module. */
function importers(ctx: RuleContext, file: string): string[] {
  const base = file.replace(/\.[^./]+$/, '').split('/');
  const stem = base.pop()!;
  const dir = base.pop() ?? '';
  const out: string[] = [];
  for (const f of ctx.source) {
    if (f.path === file) continue;
    const hit = f.imports.some((i) => {
      const parts = i.from.replace(/\.[cm]?[jt]sx?$/, '').split(/[/.]/);
      return parts[parts.length - 1] === stem && (parts.length < 2 || parts[parts.length - 2] === dir || parts[parts.length - 2] === '');
    });
    if (hit) out.push(f.path);
  }
  return out;
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
    const defs = loggerDefs(ctx);
    const callFiles = loggerCallFiles(ctx);
    const structured = defs.filter((d) => d.structured);
    const used = new Set(callFiles.keys());
    for (const d of structured) if (!STRUCTURED_LIBS.test(d.name)) for (const f of importers(ctx, d.file)) used.add(f);
    const usedFiles = [...used];
    const evid = (d: LoggerDef): Evidence => ev(d.file, d.line, d.how);
    const useEvidence = usedFiles
      .sort((a, b) => callFiles.get(b)! - callFiles.get(a)!)
      .slice(0, 2)
      .map((file) => {
        const f = ctx.file(file)!;
        const c = f.calls.find((x) => /log/i.test(x.callee) && [...LEVELS, 'log', 'emit'].includes(x.name)) ?? f.calls.find((x) => /log/i.test(x.callee));
        return ev(file, c?.line ?? f.imports[0]?.line ?? 1, `${callFiles.get(file) ?? 'imports the'} logger call(s) here`);
      });
    if (structured.length && usedFiles.length >= 2) {
      return finding('present', `${structured[0].how} (${at(structured[0].file, structured[0].line)}); logger calls in ${usedFiles.length} files`, [
        ...structured.slice(0, 2).map(evid),
        ...useEvidence,
      ]);
    }
    if (structured.length) {
      return finding('partial', `${structured[0].how}, but it is used in only ${usedFiles.length} file(s): most diagnostics bypass it`, [evid(structured[0]), ...useEvidence]);
    }
    if (defs.length) {
      return finding('partial', `${defs[0].how} (${at(defs[0].file, defs[0].line)}), but its records are text without fields, not structured (JSON/attributes)`, [
        ...defs.slice(0, 2).map(evid),
        ...useEvidence,
      ]);
    }
    // JSON-lines output of events (a --json mode) is structured, but it is output, not a diagnostic log.
    for (const f of ctx.source) {
      for (const c of f.calls) {
        if (!JSON_CALL.test(c.callee)) continue;
        if (!/^(?:event|evt|chunk|update|record|entry|e)$/i.test(c.args[0] ?? '')) continue;
        const outer = f.calls.find((d) => d.line === c.line && d !== c && /^(?:console\.log|process\.stdout\.write|print|sys\.stdout\.write)$/.test(d.callee));
        if (outer) {
          return finding('partial', `no logger: diagnostics are prints, and only an event stream is written as JSON lines (${at(f.path, c.line)})`, [
            ev(f.path, c.line, `${outer.callee}(JSON.stringify(...)) writes JSON lines`),
          ]);
        }
      }
    }
    return finding('absent', 'no logger found: no logging library, no levelled logger object or class; diagnostics are bare prints');
  },
});
