import { at, ev, finding } from '../shared/scan.js';
import { agentLoops } from '../shared/loop.js';
import { harnessTests, importedSources, nameWords, words } from '../shared/tests.js';
import { toolDeclarations, toolDispatch } from '../shared/tools.js';
import type { RuleContext } from '../context.js';
import type { FileFacts } from '../../analyzers/facts.js';
import { defineRule } from '../types.js';

/**
 * How close a test file is to the harness's core: 0 to 0.75 when it imports a file that runs an agent
 * loop (by how surely that loop is the turn loop, see coreFiles), 1 when it imports the file that
 * dispatches tool calls, 2 a file that declares a tool, 3 otherwise (resolved import paths).
 */
function coreTier(ctx: RuleContext, f: FileFacts): number {
  const { dispatch, decls, strength } = coreFiles(ctx);
  const deps = importedSources(ctx, f);
  // Among tests of loop files, the file whose loop is most surely the agent's turn loop first.
  let s = 9;
  for (const d of deps) s = Math.min(s, strength.get(d) ?? 9);
  if (s < 9) return s / 4;
  if (deps.some((d) => dispatch.has(d))) return 1;
  // A unit test of a tool: it imports a file that declares one.
  return deps.some((d) => decls.has(d)) ? 2 : 3;
}

/**
 * How surely a loop file runs the agent's turns: 0 it also dispatches tool calls, 1 it repeats until
 * stopped or counts turns (`while`, `do`, a counting `for`) with a model call linked by call path or
 * name, 2 the same with the model call guessed from a word, or a self-recursive function (a recursive
 * summary as often as a recursive turn), 3 it only iterates over items (`for (const x of xs)`: a
 * summary over messages, a fallback over models).
 */
function coreFiles(ctx: RuleContext): { loops: Set<string>; dispatch: Set<string>; decls: Set<string>; strength: Map<string, number> } {
  return ctx.memo('verification:core-files', () => {
    const all = agentLoops(ctx);
    const dispatch = new Set(toolDispatch(ctx).flatMap((d) => [d.exec.file, d.lookupFn.slice(0, d.lookupFn.indexOf('#'))]));
    const strength = new Map<string, number>();
    for (const l of all) {
      const s = dispatch.has(l.file) ? 0 : !l.loop ? 2 : l.loop.kind === 'for-of' ? 3 : l.link === 'word' ? 2 : 1;
      strength.set(l.file, Math.min(s, strength.get(l.file) ?? 9));
    }
    return { loops: new Set(all.map((l) => l.file)), dispatch, decls: new Set(toolDeclarations(ctx).map((d) => d.file)), strength };
  });
}

/** A file's name without folders, test affixes (`test_`, `_test`, `.test`, `.spec`), extensions and dotted suffixes, lower-cased without separators. */
function stem(path: string, test: boolean): string {
  let b = path.slice(path.lastIndexOf('/') + 1).replace(/\.[^.]+$/, '');
  if (test) b = b.replace(/^test_|_test$/, '').replace(/\.(?:test|spec)$/, '');
  // `agent.core-logic.test.ts` is a test of `agent.ts`.
  const dot = b.indexOf('.');
  return (dot > 0 ? b.slice(0, dot) : b).replace(/[-_]/g, '').toLowerCase();
}

/**
 * The unit test of a core module: the test file is named after a file it imports that runs the loop
 * or dispatches tools (`agent-loop.test.ts` importing `agent-loop.ts`, `test_chat.py`
 * importing `chat.py`). 0 when it is, 1 otherwise.
 */
function namedAfterCore(ctx: RuleContext, f: FileFacts): number {
  const { loops, dispatch } = coreFiles(ctx);
  let own: string | undefined;
  for (const d of importedSources(ctx, f)) {
    if (!loops.has(d) && !dispatch.has(d)) continue;
    own ??= stem(f.path, true);
    if (own.length >= 3 && stem(d, false) === own) return 0;
  }
  return 1;
}

/** What a test of the harness itself is about: the loop, tools, sessions, the model client. */
const CORE = /agent|loop|tool|session|turn|executor|scheduler|runner|client|chat|conversation|step|dispatch|registry|permission|policy|bash|shell|edit|prompt|model|provider|memory/i;

const LOOPISH = /agent|loop|tool|turn|session|scheduler|executor/i;

export default defineRule({
  id: 'verification.tests',
  principle: 'verification',
  title: 'An automated test suite exercises the loop and tools',
  rationale:
    'Agent harnesses fail in the seams (tool dispatch, stop conditions, streaming); only tests that drive the loop with a scripted model catch regressions before users do.',
  remediation:
    'Add a test suite that drives the agent loop with a scripted (fake) model and asserts on tool calls, results and stop reasons, plus unit tests for each tool; see the exemplar loop.test.ts.',
  exemplar: 'src/reference-harness/loop.test.ts',
  detect(ctx) {
    const t = harnessTests(ctx);
    if (!t.files.length) {
      if (t.other.length) {
        const f = t.other[0];
        return finding('partial', `${t.other.length} test file(s) exist but none imports harness code (${f.path})`, [ev(f.path, f.tests[0].line, `test "${f.tests[0].name.slice(0, 60)}" imports no harness module`)]);
      }
      return finding('absent', 'no test files with test cases were found (searched *.test.*, *.spec.*, test_*.py and test folders)', [], ctx.tests.length ? 'low' : 'high');
    }
    const core = t.files.filter((f) => CORE.test(words(f.path)) || f.tests.some((_, i) => CORE.test(nameWords(f, i))));
    // Tests that import the loop or the tool dispatch come first: they exercise the harness's core.
    const tier = new Map((core.length ? core : t.files).map((f) => [f, coreTier(ctx, f)]));
    // Within a tier, the unit test of the loop or dispatch module it imports comes first.
    // (asked only when two files tie on tier, so computed on demand)
    const namedMemo = new Map<FileFacts, number>();
    const named = { get: (f: FileFacts): number => namedMemo.get(f) ?? (namedMemo.set(f, namedAfterCore(ctx, f)), namedMemo.get(f)!) };
    const ranked = (core.length ? core : t.files)
      .slice()
      .sort((a, b) => tier.get(a)! - tier.get(b)! || named.get(a)! - named.get(b)! || Number(LOOPISH.test(b.path)) - Number(LOOPISH.test(a.path)) || b.tests.length - a.tests.length)
    // Within a file, the first case named for the core (`test_bash_command`), not the file's first match of the test
    // pattern (a `class TestConsole(Console)` double, a helper's case before the loop's).
    const caseOf = (f: FileFacts) => f.tests[Math.max(0, f.tests.findIndex((_, j) => CORE.test(nameWords(f, j))))];
    const evid = ranked
      .slice(0, 3)
      .map((f) => ({ f, c: caseOf(f) }))
      .map(({ f, c }) => ev(f.path, c.line, `${f.tests.length} test case(s), e.g. "${c.name.slice(0, 60)}"`));
    // One file whose only tie to the core is a test's name (its own name is not the loop's, a tool's or the
    // chat's), and which imports neither the loop nor the tool dispatch, is no test of the loop or tools:
    // a login page spec with a session case, a parser's unit test with a step case.
    if (core.length === 1 && t.cases >= 3 && tier.get(core[0])! > 1 && !CORE.test(words(core[0].path))) {
      const f = core[0];
      const i = f.tests.findIndex((_, j) => CORE.test(nameWords(f, j)));
      return finding('partial', `${t.files.length} test file(s) with ${t.cases} cases import harness code, but only the tests of one file name the loop, tools or sessions (e.g. "${f.tests[i].name.slice(0, 60)}", ${at(f.path, f.tests[i].line)}), and that file imports neither the loop nor the tool dispatch`, [ev(f.path, f.tests[i].line, `test "${f.tests[i].name.slice(0, 60)}": the only file whose tests name the core`), ...evid.filter((e) => e.file !== f.path)]);
    }
    // The only test file, named for neither the loop nor a tool, whose resolved imports reach no file that runs the
    // loop, dispatches tool calls or declares a tool: it tests a helper (model listing, JSON repair), not the loop
    // or tools, whatever folder it sits in (`tests/agent/test_utils.py`) or word its cases use.
    if (t.files.length === 1 && core.length === 1 && t.cases >= 3 && tier.get(core[0]) === 3 && importedSources(ctx, core[0]).length && !LOOPISH.test(stem(core[0].path, true))) {
      const f = core[0];
      return finding('partial', `the only test file that imports harness code (${at(f.path, f.tests[0].line)}, ${f.tests.length} cases) imports neither the agent loop, the tool dispatch nor a tool, and is not named for them: it tests a helper, not the loop or tools`, [ev(f.path, f.tests[0].line, `${f.tests.length} test case(s), e.g. "${f.tests[0].name.slice(0, 60)}": imports no loop, dispatch or tool file`)]);
    }
    if (core.length && t.cases >= 3) {
      // Sure when the loop/tool tests reach harness files by resolved import paths, one of them the
      // file that runs the loop, dispatches tools or declares one; tests that only reach other modules
      // (a sandbox backend, a sanitizer) are named like the core without exercising it.
      const resolved = core.filter((f) => importedSources(ctx, f).length).length;
      const reachesCore = core.some((f) => tier.get(f)! <= 2);
      return finding('present', `${t.files.length} test file(s) with ${t.cases} cases import harness code; ${core.length} cover the loop, tools or sessions (e.g. ${at(evid[0].file, evid[0].line)})`, evid, resolved >= 2 && reachesCore ? 'high' : 'low');
    }
    return finding('partial', `only ${t.cases} test case(s) in ${t.files.length} file(s), none clearly exercising the loop or tools`, evid);
  },
});
