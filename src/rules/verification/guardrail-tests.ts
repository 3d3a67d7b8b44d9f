import type { FileFacts } from '../../analyzers/facts.js';
import { at, ev, finding } from '../shared/scan.js';
import { harnessTests, words } from '../shared/tests.js';
import { defineRule, type Evidence } from '../types.js';

/** Safety stops a test can assert, by kind. Matched on test names and assertion lines. */
const KINDS: Array<{ kind: string; re: RegExp }> = [
  {
    kind: 'permission denial',
    re: /\b(?:den(?:y|ied|ies)|disallow(?:ed|s)?|not (?:be )?allowed|unauthori[sz]ed|forbidden|policy violation|permission denied|declin(?:e|ed|es|ing)|requires? (?:user )?(?:approval|confirmation)|(?:block|reject)(?:s|ed|ing)? (?:the |a )?(?:tool|call|command|execution|write|edit|access|request))\b|POLICY_VIOLATION|\bDENY\b/i,
  },
  {
    kind: 'dangerous command or code',
    re: /dangerous|destructive|\binjection\b|\bunsafe (?:command|code|path|import|builtin|call|operation)s?\b|rm -rf|path traversal|outside (?:the )?(?:workspace|root|project|cwd|sandbox)|escape(?:s|d)? (?:the )?(?:workspace|sandbox|root)|unauthori[sz]ed imports?|compound command|(?:is|are) blocked|blocks? (?:the )?(?:command|import|call|builtin)/i,
  },
  {
    kind: 'turn/step/budget cap',
    re: /\bmax(?:imum)? ?(?:session )?(?:turns?|iterations?|steps?)\b|max ?iterations ?reached|(?:turn|step|iteration) (?:limit|cap)|(?:budget|token limit|cost limit|token budget) (?:is )?(?:exceeded|reached|exhausted)|exceeds? (?:the )?(?:token |cost )?budget|halts? the (?:loop|agent)|stops? (?:the )?(?:loop|agent) (?:after|when|at)/i,
  },
];
const WEAK = /\btimeout|timed out|\babort|overflow|retry limit|retries exhausted|\bcancel/i;

function scan(f: FileFacts, re: RegExp): Evidence | undefined {
  for (const c of f.tests) if (re.test(words(c.name))) return ev(f.path, c.line, `test "${c.name.slice(0, 70)}"`);
  for (const a of f.asserts) if (re.test(words(a.text))) return ev(f.path, a.line, `asserts ${a.text.slice(0, 70)}`);
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
  detect(ctx) {
    const t = harnessTests(ctx);
    if (!t.files.length) return finding('absent', 'no tests of harness code, so no test asserts a safety stop');
    const found = new Map<string, Evidence>();
    for (const { kind, re } of KINDS) {
      for (const f of t.files) {
        const e = scan(f, re);
        if (e) {
          found.set(kind, { ...e, reason: `${kind}: ${e.reason}` });
          break;
        }
      }
    }
    const kinds = [...found.keys()];
    const evid = [...found.values()];
    const missing = KINDS.map((k) => k.kind).filter((k) => !found.has(k));
    if (kinds.length >= 2) {
      return finding('present', `tests assert ${kinds.join(', ')} (e.g. ${at(evid[0].file, evid[0].line)})${missing.length ? `; none for ${missing.join(', ')}` : ''}`, evid);
    }
    if (kinds.length === 1) {
      return finding('partial', `tests assert only one kind of safety stop (${kinds[0]}, ${at(evid[0].file, evid[0].line)}); none for ${missing.join(', ')}`, evid);
    }
    for (const f of t.files) {
      const e = scan(f, WEAK);
      if (e) return finding('partial', `no test asserts a denial, a blocked command or a cap; only timeouts/aborts/overflow recovery are tested (${at(e.file, e.line)})`, [e]);
    }
    return finding('absent', `${t.files.length} test file(s) exist but none asserts a denial, a blocked command or a turn/budget cap`);
  },
});
