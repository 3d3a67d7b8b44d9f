import type { CallFact, FunctionFact } from '../../analyzers/facts.js';
import { shortName, type Located, type RuleContext } from '../context.js';
import { at, ev, finding } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';

const PARSE = /^(?:safeParse|safeParseAsync|parse|parseAsync|validateSync|model_validate|parse_obj|Check|Decode)$/;
const NOT_SCHEMA = /\b(?:JSON|json|yaml|YAML|toml|TOML|url|URL|Uri|path|date|Date|dotenv|shell|shellQuote|marked|markdown|html|ast|re|semver|yargs\w*|program|commander|argv|csv|xml|query|qs|cookie|mime)\b|Number|Int|Float/;
const SCHEMA_RECV = /schema|args|arguments|input|params|parameters|tool/i;
/** Names of validators of a tool call's input. */
const VALIDATOR = /^(?:validate|_?validate_?)(?:tool|_tool)?_?(?:call|args|arguments|input|inputs|params|parameters|param)\w*$|^validateToolCall\w*$/i;
const SCHEMA_LIB = /^(?:ajv|validator|schemaValidator|SchemaValidator|this\.validator|this\.ajv|jsonschema|Value|TypeCompiler)\.(?:validate|compile|Check|Errors|Compile)$/;
/** Where tool calls run. */
const TOOL_CONTEXT = /tool|execute|invoke|dispatch|call|run|handle|build|action|step/i;
/** A verify step after edits: tests, lint, typecheck, hooks that run after a tool. */
/** A verify step the harness runs itself after the agent edits: lint, tests, typecheck. */
const VERIFY_STEP =
  /^(?:run_?lint(?:er|s)?|lint(?:_|[A-Z])\w*|auto_?(?:lint|test|verify)|run_?tests?_?after\w*|verify_?(?:edit|edits|changes|output|patch)|run_?verification|run_?verifier|post_?edit_?\w*|check_?(?:edit|edits|patch)|run_?checks?_?after\w*)$/i;
const VERIFY_HOOK = /^(?:runPostToolHooks|afterToolCall|postToolUse|runVerification|verifyEdit|runAfterToolHook|fireAfterToolEvent)$/;

interface Hit {
  c: Located<CallFact>;
  how: string;
  rank: number;
}

function validations(ctx: RuleContext): Hit[] {
  return ctx.memo('r3:tool-input-validation', () => {
    const hits: Hit[] = [];
    for (const f of ctx.source) {
      for (const c of f.calls) {
        const recv = c.callee.slice(0, Math.max(0, c.callee.length - c.name.length - 1));
        let how: string | undefined;
        let rank = 0;
        const toolish = /tool/i.test(c.fn) || /tool/i.test(f.path) || /tool/i.test(recv);
        if (PARSE.test(c.name) && recv && !NOT_SCHEMA.test(recv) && SCHEMA_RECV.test(recv) && (toolish || (TOOL_CONTEXT.test(c.fn) && /args|arguments|input|params|parameters/i.test(recv)))) {
          how = `${c.callee}() validates the tool input against its schema in ${c.fn}()`;
          rank = /args|arguments|input|params|parameters/i.test(recv) ? 2 : 1;
        } else if (VALIDATOR.test(c.name) && !/path|name|url|file|dir/i.test(c.name.replace(/^validate_?/i, '').slice(0, 12)) ) {
          how = `${c.callee}() validates tool arguments in ${c.fn}()`;
          rank = 4;
        } else if (SCHEMA_LIB.test(c.callee) && (/tool|param|arg|input/i.test(c.fn + ' ' + c.args.join(' ')))) {
          how = `${c.callee}() checks tool parameters against their schema in ${c.fn}()`;
          rank = 3;
        }
        if (how) hits.push({ c: c as Located<CallFact>, how, rank });
      }
    }
    return hits.sort((a, b) => b.rank - a.rank);
  });
}

export default defineRule({
  id: 'verification.output-checks',
  principle: 'verification',
  title: "The agent's output is verified before it takes effect",
  rationale:
    'Models emit malformed or out-of-range tool calls; validating each call against its schema (and checking edits afterwards) turns a silent bad action into an error the model can correct.',
  remediation:
    "Validate every tool call's input against the tool's schema on the dispatch path before executing it, returning a validation error as the tool result, and add a verify step (tests, lint, diff check) after edits; see the exemplar verify.ts.",
  exemplar: 'src/reference-harness/verify.ts',
  detect(ctx) {
    const hits = validations(ctx);
    // A validator that is itself only a definition, with no call site in the harness, is not wired.
    const wired = hits.filter((h) => {
      if (h.c.fn === '<top>') return true;
      const short = shortName(h.c.fn);
      if (/^(?:execute|run|call|invoke|build|forward|handler|__call__|_run|_call)$|^_?(?:run|execute|call|invoke|dispatch|handle|process)_?tool/i.test(short)) return true;
      return ctx.callsNamed(short).some((c) => c.fn !== h.c.fn) || !!ctx.file(h.c.file)?.objects.some((o) => o.values[short] !== undefined || o.keys.includes(short));
    });
    const evid: Evidence[] = wired.slice(0, 4).map((h) => ev(h.c.file, h.c.line, h.how));
    if (wired.length) {
      const files = new Set(wired.map((h) => h.c.file));
      return finding('present', `tool inputs are validated before execution: ${wired[0].how} (${at(wired[0].c.file, wired[0].c.line)})${files.size > 1 ? `, in ${files.size} files` : ''}`, evid);
    }
    // A verify step after edits, called from somewhere other than its own definition.
    for (const fn of ctx.source.flatMap((f) => f.functions as Located<FunctionFact>[])) {
      const short = shortName(fn.name);
      if (!VERIFY_STEP.test(short)) continue;
      const caller = ctx.callsNamed(short).find((c) => c.fn !== fn.name);
      if (caller) {
        return finding('present', `edits are verified after they are made: ${fn.name}() runs a check and is called from ${caller.fn}() (${at(caller.file, caller.line)})`, [
          ev(fn.file, fn.line, `${fn.name}() verifies the agent's edits`),
          ev(caller.file, caller.line, `${caller.fn}() runs it after edits`),
        ]);
      }
    }
    if (hits.length) {
      return finding('partial', `a tool-input validator exists (${at(hits[0].c.file, hits[0].c.line)}) but nothing on the dispatch path calls it`, hits.slice(0, 2).map((h) => ev(h.c.file, h.c.line, h.how)));
    }
    const hooks = ctx.calls.filter((c) => VERIFY_HOOK.test(c.name));
    if (hooks.length) {
      return finding('partial', `tool calls are not validated against a schema; only a post-tool hook (${at(hooks[0].file, hooks[0].line)}) can check results`, [ev(hooks[0].file, hooks[0].line, `${hooks[0].callee}() runs after tools`)]);
    }
    return finding('absent', 'no schema validation of tool inputs (safeParse, ajv, validate*) and no verify step after edits were found');
  },
});
