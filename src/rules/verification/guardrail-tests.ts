import type { FileFacts } from '../../analyzers/facts.js';
import { at, ev, finding } from '../shared/scan.js';
import { shortName, type RuleContext } from '../context.js';
import { agentLoops } from '../shared/loop.js';
import { fileWords, harnessTests, importedSources, nameWords, words } from '../shared/tests.js';
import { permissionCalls, shellSinks, toolDeclarations } from '../shared/tools.js';
import { defineRule, type Evidence } from '../types.js';

/** Safety stops a test can assert, by kind. Matched on test names and assertion lines. */
const KINDS: Array<{ kind: string; re: RegExp }> = [
  {
    kind: 'permission denial',
    re: /\b(?:den(?:y|ied|ies)|disallow(?:ed|s)?|not (?:be )?allowed|unauthori[sz]ed|forbidden|policy violation|permission denied|declin(?:e|ed|es|ing)|requires? (?:user )?(?:approval|confirmation)|(?:(?:block|reject)(?:s|ed|ing) (?:the |a )?|(?:should|must|to|will|can|does|cannot) (?:block|reject) (?:the |a )?|(?:block|reject) (?:the |a ))(?:tool|call|command|execution|write|edit|access|request))\b|POLICY_VIOLATION|\bDENY\b/i,
  },
  {
    kind: 'dangerous command or code',
    re: /dangerous|destructive|\binjection\b|\bunsafe (?:command|code|path|import|builtin|call|operation)s?\b|rm -rf|path traversal|outside (?:the )?(?:workspace|root|project|cwd|sandbox)|escape(?:s|d)? (?:the )?(?:workspace|sandbox|root)|unauthori[sz]ed imports?|compound command|(?:is|are) blocked|blocks? (?:the )?(?:command|import|call|builtin)/i,
  },
  {
    kind: 'turn/step/budget cap',
    re: /\b(?:cost|step|turn|iteration) ?limit\b|\b(?:cost|token|step|turn|iteration|budget)s? ?limits? (?:is |was )?(?:exceeded|reached|hit)\b|\bexit (?:cost|context)\b|\bmax(?:imum)? ?(?:session )?(?:turns?|iterations?|steps?)\b|max ?iterations ?reached|(?:turn|step|iteration) (?:limit|cap)|(?:budget|token limit|cost limit|token budget) (?:is )?(?:exceeded|reached|exhausted)|exceeds? (?:the )?(?:token |cost )?budget|halts? the (?:loop|agent)|stops? (?:the )?(?:loop|agent) (?:after|when|at)/i,
  },
];
// Blocklists of commands: `test_exit_blocklist`, "rejects a denylisted command".
KINDS[1].re = new RegExp(`${KINDS[1].re.source}|\\b(?:block|deny|black)[ -]?list(?:ed)?\\b`, KINDS[1].re.flags);

const WEAK = /\btimeout(?!\s*:)|timed out|\babort|overflow|retry limit|retries exhausted|\bcancel/i;

/**
 * Source files where the harness's stops live: the agent loop (caps), permission decisions and the
 * functions they call, tools (input checks) and shell sinks, plus the modules those files import.
 */
function stopModules(ctx: RuleContext): { core: Set<string>; all: Set<string> } {
  return ctx.memo('verification:stop-modules', () => {
    const core = new Set<string>();
    for (const l of agentLoops(ctx)) core.add(l.file);
    for (const p of permissionCalls(ctx)) {
      core.add(p.file);
      for (const d of ctx.functionsNamed(shortName(p.callee))) core.add(d.file);
    }
    for (const d of toolDeclarations(ctx)) core.add(d.file);
    for (const s of shellSinks(ctx)) core.add(s.file);
    const out = new Set(core);
    for (const path of core) {
      const f = ctx.file(path);
      if (f) for (const dep of importedSources(ctx, f)) out.add(dep);
    }
    return { core, all: out };
  });
}

/**
 * How directly a test file drives the harness's stops: 0 when it imports a file where a stop lives
 * (loop, permission decision, tool, shell sink), 1 when it imports a module those files use, 2 when
 * its imports cannot be resolved (package imports), 3 when it imports only other harness code
 * (a guard module the finders above do not recognise, or unrelated code).
 */
function stopTier(ctx: RuleContext, f: FileFacts): number {
  const deps = importedSources(ctx, f);
  if (!deps.length) return 2;
  const { core, all } = stopModules(ctx);
  if (deps.some((d) => core.has(d))) return 0;
  return deps.some((d) => all.has(d)) ? 1 : 3;
}

/** Source files of each kind of stop: permission decisions, shell sinks and their checks, the agent loop (caps). */
function kindModules(ctx: RuleContext): Map<string, Set<string>> {
  return ctx.memo('verification:kind-modules', () => {
    const denial = new Set<string>();
    for (const p of permissionCalls(ctx)) {
      if (p.kind !== 'decision') continue;
      // The decision's own module: the definition on the receiver's class (`this.permissionEngine.evaluate` → PermissionEngine.evaluate).
      const defs = ctx.functionsNamed(shortName(p.callee));
      const recv = p.callee.split('.').slice(-2, -1)[0]?.toLowerCase();
      const own = recv ? defs.filter((d) => d.name.split('.').slice(-2, -1)[0]?.toLowerCase() === recv) : [];
      for (const d of own.length ? own : defs.length <= 3 ? defs : []) denial.add(d.file);
    }
    const danger = new Set(shellSinks(ctx).map((x) => x.file));
    for (const d of denial) danger.add(d);
    const cap = new Set(agentLoops(ctx).map((l) => l.file));
    return new Map([
      ['permission denial', denial],
      ['dangerous command or code', danger],
      ['turn/step/budget cap', cap],
    ]);
  });
}

const NEGATED = /\.toBe\(\s*false\s*\)|\.toBeFalsy\(\)|\.not\.to|\bis False\b|==\s*False\b|assert not\b|assertFalse\(/;

/** An assertion that a value fails a schema (`pytest.raises(ValidationError)`, `toThrow(ZodError)`): a schema test, not a safety stop. */
const SCHEMA_FAILURE = /\b(?:Validation|Zod|Schema|Pydantic|Type|Value)Error\b|\bschema\b|\bsafeParse\b|\.success\)?\.toBe\(false\)/i;

/** The assertions inside a test case (up to the next case). */
function assertsOf(f: FileFacts, i: number) {
  const from = f.tests[i].line;
  const to = f.tests[i + 1]?.line ?? Infinity;
  return f.asserts.filter((a) => a.line >= from && a.line < to);
}

function assertWords(f: FileFacts, a: FileFacts['asserts'][number]): string {
  const w = fileWords(f);
  const i = f.asserts.indexOf(a);
  return (w.asserts[i] ??= words(a.text));
}

function scanFile(f: FileFacts, re: RegExp, mode: 'names' | 'asserts' | 'both' = 'both'): Evidence | undefined {
  for (let i = 0; i < f.tests.length && mode !== 'asserts'; i++) {
    const c = f.tests[i];
    if (!re.test(nameWords(f, i))) continue;
    // "extra fields forbidden" asserting a ValidationError tests a schema, not a denial.
    const own = assertsOf(f, i);
    if (own.length && own.every((a) => SCHEMA_FAILURE.test(a.text) && !re.test(assertWords(f, a)))) continue;
    return ev(f.path, c.line, `test "${c.name.slice(0, 70)}"`);
  }
  if (mode === 'names') return undefined;
  // An assertion that the stop did NOT happen (`expect(result.denied).toBe(false)`) is not a test of the stop.
  const asserts = f.asserts;
  const w = fileWords(f).asserts;
  for (let i = 0; i < asserts.length; i++) {
    const a = asserts[i];
    if (re.test((w[i] ??= words(a.text))) && !NEGATED.test(a.text)) return ev(f.path, a.line, `asserts ${a.text.slice(0, 70)}`);
  }
  return undefined;
}

export default defineRule({
  id: 'verification.guardrail-tests',
  principle: 'verification',
  title: 'Tests assert the safety stops',
  rationale:
    'A permission gate, a command filter or a budget that is never tested silently stops working; tests must show that a denied call is denied, a dangerous command is blocked and a cap halts the loop.',
  remediation:
    'Add tests that drive the loop into each guardrail: a denied permission yields a denial result, a dangerous shell command is refused, and a turn or token cap stops the loop with its reason; see the exemplar guardrails.test.ts.',
  exemplar: 'src/reference-harness/guardrails.test.ts',
  rejected(ctx) {
    // A stop test that is skipped or left as a todo asserts nothing: named so a reviewer sees what was there.
    return ctx.tests.flatMap((f) =>
      (f.skippedTests ?? []).flatMap((t) => {
        const kind = KINDS.find((k) => k.re.test(t.name))?.kind;
        return kind ? [{ file: f.path, line: t.line, reason: `"${t.name}" would test a ${kind}, but it is ${t.how === 'todo' ? 'a todo' : 'skipped'}, so it runs nothing` }] : [];
      }),
    );
  },
  detect(ctx) {
    const t = harnessTests(ctx);
    if (!t.files.length) return finding('absent', 'no tests of harness code, so no test asserts a safety stop', [], ctx.tests.length ? 'low' : 'high');
    const found = new Map<string, Evidence>();
    // Tests that drive the files where stops live are read first, so the evidence is the test of a stop.
    const tiers = new Map(t.files.map((f) => [f, stopTier(ctx, f)]));
    const driving = [...t.files].sort((a, b) => tiers.get(a)! - tiers.get(b)!);
    const own = kindModules(ctx);
    const deps = new Map(t.files.map((f) => [f, importedSources(ctx, f)]));
    let resolved = 0;
    // Each stop kind cites its own test (a line that shows two kinds goes to the first), and a second
    // test file of the kind when there is one: the baseline keeps every cited test as a mechanism, so
    // skipping a whole file of stop tests is a regression it can name.
    const used = new Set<string>();
    const fresh = (e: Evidence | undefined) => (e && !used.has(`${e.file}:${e.line}`) ? e : undefined);
    // One scan per file, pattern and mode: the ranked pass and the second-file pass re-read the same files.
    const scans = { names: new Map<RegExp, Map<FileFacts, Evidence | undefined>>(), both: new Map<RegExp, Map<FileFacts, Evidence | undefined>>() };
    const scan = (f: FileFacts, re: RegExp, mode: 'names' | 'both' = 'both'): Evidence | undefined => {
      let m = scans[mode].get(re);
      if (!m) scans[mode].set(re, (m = new Map()));
      if (m.has(f)) return m.get(f);
      const e = scanFile(f, re, mode);
      m.set(f, e);
      return e;
    };
    const more: Evidence[] = [];
    for (const { kind, re } of KINDS) {
      // The test that imports the module of this very stop (the permission decision, the shell
      // policy, the loop's cap) first, then by how directly it drives any stop.
      const mods = own.get(kind)!;
      const hits = new Map(mods.size ? driving.map((f) => [f, deps.get(f)!.some((d) => mods.has(d))]) : []);
      const ranked = mods.size ? [...driving].sort((a, b) => Number(!hits.get(a)) - Number(!hits.get(b)) || tiers.get(a)! - tiers.get(b)!) : driving;
      // Within the tests of this stop's module, a test named for the stop beats a stray assertion.
      const group = mods.size ? ranked.filter((f) => hits.get(f)) : [];
      let e: Evidence | undefined;
      for (const f of group) if ((e = fresh(scan(f, re, 'names')))) break;
      if (e) resolved++;
      if (!e) for (const f of ranked) if ((e = fresh(scan(f, re)))) break;
      if (!e) continue;
      used.add(`${e.file}:${e.line}`);
      found.set(kind, { ...e, reason: `${kind}: ${e.reason}` });
      for (const f of group.length ? group : ranked) {
        if (f.path === e.file) continue;
        const next = fresh(scan(f, re));
        if (!next) continue;
        used.add(`${next.file}:${next.line}`);
        more.push({ ...next, reason: `${kind}: ${next.reason}` });
        break;
      }
    }
    const kinds = [...found.keys()];
    const evid = [...found.values(), ...more];
    const missing = KINDS.map((k) => k.kind).filter((k) => !found.has(k));
    if (kinds.length >= 2) {
      // Sure when a test named for a stop imports that stop's own module (resolved import path).
      return finding('present', `tests assert ${kinds.join(', ')} (e.g. ${at(evid[0].file, evid[0].line)})${missing.length ? `; none for ${missing.join(', ')}` : ''}`, evid, resolved >= 1 ? 'high' : 'low');
    }
    if (kinds.length === 1) {
      return finding('partial', `tests assert only one kind of safety stop (${kinds[0]}, ${at(evid[0].file, evid[0].line)}); none for ${missing.join(', ')}`, evid);
    }
    for (const f of t.files) {
      const e = scanFile(f, WEAK);
      if (e) return finding('partial', `no test asserts a denial, a blocked command or a cap; only timeouts/aborts/overflow recovery are tested (${at(e.file, e.line)})`, [e]);
    }
    return finding('absent', `${t.files.length} test file(s) exist but none asserts a denial, a blocked command or a turn/budget cap`);
  },
});
