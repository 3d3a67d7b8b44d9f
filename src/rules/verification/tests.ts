import { at, ev, finding } from '../shared/scan.js';
import { agentLoops } from '../shared/loop.js';
import { harnessTests, importedSources, nameWords, words } from '../shared/tests.js';
import { toolDeclarations, toolDispatch } from '../shared/tools.js';
import type { RuleContext } from '../context.js';
import type { FileFacts } from '../../analyzers/facts.js';
import { defineRule } from '../types.js';

/**
 * How close a test file is to the harness's core: 0 when it imports the file that runs the agent
 * loop, 1 when it imports the file that dispatches tool calls, 2 otherwise (resolved import paths).
 */
function coreTier(ctx: RuleContext, f: FileFacts): number {
  const { loops, dispatch, decls } = ctx.memo('verification:core-files', () => ({
    loops: new Set(agentLoops(ctx).map((l) => l.file)),
    dispatch: new Set(toolDispatch(ctx).flatMap((d) => [d.exec.file, d.lookupFn.slice(0, d.lookupFn.indexOf('#'))])),
    decls: new Set(toolDeclarations(ctx).map((d) => d.file)),
  }));
  const deps = importedSources(ctx, f);
  if (deps.some((d) => loops.has(d))) return 0;
  if (deps.some((d) => dispatch.has(d))) return 1;
  // A unit test of a tool: it imports a file that declares one.
  return deps.some((d) => decls.has(d)) ? 2 : 3;
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
    const evid = (core.length ? core : t.files)
      .slice()
      .sort((a, b) => tier.get(a)! - tier.get(b)! || Number(LOOPISH.test(b.path)) - Number(LOOPISH.test(a.path)) || b.tests.length - a.tests.length)
      .slice(0, 3)
      .map((f) => ev(f.path, f.tests[0].line, `${f.tests.length} test case(s), e.g. "${f.tests[0].name.slice(0, 60)}"`));
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
