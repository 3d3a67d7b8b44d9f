#!/usr/bin/env node
// Measure the audit against hand labels.
// Usage: [AUDIT_DIST=dir] npm run eval:corpus -- [LABELS_DIR] [REPOS_DIR] [--check PREFIX] [--repo SUBSTRING] [--verbose] [--json]
//   LABELS_DIR  folder of <owner>__<name>.json label files (default ../shared/corpus)
//   REPOS_DIR   folder holding each repo unpacked at its labelled commit, as <owner>+<name>,
//               <owner>__<name> or <name> (default ../corpus-repos)
// Prints per repo and overall exact agreement, the confusion matrix (label → audit), grave
// errors (present ↔ absent), the weakest checks, how exact the high-confidence verdicts are, and
// evidence agreement: where audit and label agree on present or partial, whether the audit's first
// evidence is within 15 lines of a location the label cites (and whether any printed evidence line is: the most
// a better order of the evidence could reach). --verbose lists every disagreement with
// the label's note and the audit's reason.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// AUDIT_DIST lets several builds be measured side by side (default: this repo's dist).
const dist = path.resolve(process.env.AUDIT_DIST ?? new URL('../dist', import.meta.url).pathname);
const { runAudit } = await import(pathToFileURL(path.join(dist, 'modes/evaluate/index.js')).href);

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const bool = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return false;
  args.splice(i, 1);
  return true;
};
const checkFilter = flag('--check');
const repoFilter = flag('--repo');
const verbose = bool('--verbose');
const asJson = bool('--json');
const labelsDir = path.resolve(args[0] ?? '../shared/corpus');
const reposDir = path.resolve(args[1] ?? '../corpus-repos');
if (!fs.existsSync(labelsDir)) {
  console.error(`eval:corpus: labels folder not found: ${labelsDir}`);
  process.exit(2);
}

const LEVELS = ['present', 'partial', 'absent'];
const labelFiles = fs.readdirSync(labelsDir).filter((f) => f.endsWith('.json')).sort();
const perRepo = [];
const perCheck = new Map();
const confusion = Object.fromEntries(LEVELS.map((l) => [l, Object.fromEntries(LEVELS.map((m) => [m, 0]))]));
const disagreements = [];
let total = 0;
let agree = 0;
let grave = 0;
const byLang = {};
const conf = { high: { n: 0, ok: 0 }, low: { n: 0, ok: 0 } };
const evidenceAgree = { n: 0, ok: 0, any: 0, misses: [] };
const NEAR = 15;
const near = (e, labelled) =>
  (labelled ?? []).some((loc) => {
    const m = /^(.*?):(\d+)(?:-(\d+))?$/.exec(loc);
    if (!m) return false;
    const [lo, hi] = [Number(m[2]), Number(m[3] ?? m[2])];
    return m[1] === e.file && e.line >= lo - NEAR && e.line <= hi + NEAR;
  });

for (const lf of labelFiles) {
  const labels = JSON.parse(fs.readFileSync(path.join(labelsDir, lf), 'utf8'));
  if (!labels.repo || !labels.checks) continue;
  if (repoFilter && !labels.repo.includes(repoFilter)) continue;
  const [owner, name] = labels.repo.split('/');
  const dir = [`${owner}+${name}`, `${owner}__${name}`, name].map((d) => path.join(reposDir, d)).find((d) => fs.existsSync(d));
  if (!dir) {
    perRepo.push({ repo: labels.repo, note: `not unpacked in ${reposDir}` });
    continue;
  }
  if (labels.language && !['typescript', 'javascript', 'python'].includes(labels.language)) {
    perRepo.push({ repo: labels.repo, note: `${labels.language}: no analyzer for this language yet, not scored` });
    continue;
  }
  const t0 = performance.now();
  const result = await runAudit(dir, { review: false }); // the static verdicts: reviewed judgements are not the audit
  const ms = Math.round(performance.now() - t0);
  const got = new Map(result.checks.map((c) => [c.id, c]));
  let n = 0;
  let ok = 0;
  let g = 0;
  for (const [id, label] of Object.entries(labels.checks)) {
    if (checkFilter && !id.startsWith(checkFilter)) continue;
    const c = got.get(id);
    if (!c || c.level === 'off') continue;
    n++;
    const hit = c.level === label.level;
    const isGrave = (c.level === 'present' && label.level === 'absent') || (c.level === 'absent' && label.level === 'present');
    if (hit) ok++;
    if (isGrave) g++;
    const lang = (byLang[labels.language ?? 'typescript'] ??= { n: 0, ok: 0, grave: 0 });
    lang.n++;
    if (hit) lang.ok++;
    if (isGrave) lang.grave++;
    const cf = conf[c.confidence ?? 'low'];
    cf.n++;
    if (hit) cf.ok++;
    if (hit && label.level !== 'absent' && c.evidence.length) {
      evidenceAgree.n++;
      if (c.evidence.some((e) => near(e, label.evidence))) evidenceAgree.any++;
      if (near(c.evidence[0], label.evidence)) evidenceAgree.ok++;
      else evidenceAgree.misses.push({ repo: labels.repo, id, audit: `${c.evidence[0].file}:${c.evidence[0].line}`, label: label.evidence });
    }
    confusion[label.level][c.level]++;
    const pc = perCheck.get(id) ?? { n: 0, ok: 0, high: 0, evN: 0, evOk: 0 };
    pc.n++;
    if (hit) pc.ok++;
    if (c.confidence === 'high') pc.high++;
    if (hit && label.level !== 'absent' && c.evidence.length) {
      pc.evN++;
      if (near(c.evidence[0], label.evidence)) pc.evOk++;
    }
    perCheck.set(id, pc);
    if (!hit) disagreements.push({ repo: labels.repo, id, label: label.level, audit: c.level, grave: isGrave, labelNote: label.note, labelEvidence: label.evidence, auditReason: c.reason, confidence: c.confidence, auditEvidence: c.evidence });
  }
  const flagLabel = labels.checks['complexity.premature-multi-agent'] ?? labels['complexity.premature-multi-agent'];
  const flagGot = result.flags.some((f) => f.id === 'complexity.premature-multi-agent');
  perRepo.push({ repo: labels.repo, checks: n, agree: ok, grave: g, ms, flag: flagLabel === undefined ? undefined : `${flagLabel ? 'raised' : 'not raised'} → ${flagGot ? 'raised' : 'not raised'}` });
  total += n;
  agree += ok;
  grave += g;
}

const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(1)}%` : 'n/a');
if (asJson) {
  console.log(JSON.stringify({ total, agree, grave, byLang, confidence: conf, evidenceAgree, perRepo, confusion, perCheck: Object.fromEntries(perCheck), disagreements }, null, 2));
  process.exit(0);
}
console.log('repo                                   checks  exact    grave  time    flag (label → audit)');
for (const r of perRepo) {
  if (r.note) console.log(`${r.repo.padEnd(38)} ${r.note}`);
  else console.log(`${r.repo.padEnd(38)} ${String(r.checks).padStart(6)}  ${pct(r.agree, r.checks).padStart(6)}  ${String(r.grave).padStart(5)}  ${String(r.ms).padStart(5)}ms  ${r.flag ?? ''}`);
}
console.log(`${'overall'.padEnd(38)} ${String(total).padStart(6)}  ${pct(agree, total).padStart(6)}  ${String(grave).padStart(5)} (${pct(grave, total)} grave)`);
for (const [l, v] of Object.entries(byLang)) console.log(`${`  ${l}`.padEnd(38)} ${String(v.n).padStart(6)}  ${pct(v.ok, v.n).padStart(6)}  ${String(v.grave).padStart(5)} (${pct(v.grave, v.n)} grave)`);
console.log(`\nconfidence: high ${conf.high.ok}/${conf.high.n} exact (${pct(conf.high.ok, conf.high.n)}), covering ${pct(conf.high.n, total)} of checks; low ${conf.low.ok}/${conf.low.n} exact (${pct(conf.low.ok, conf.low.n)})`);
console.log(`evidence agreement (levels agree on present/partial, first evidence within ${NEAR} lines of a labelled line): ${evidenceAgree.ok}/${evidenceAgree.n} (${pct(evidenceAgree.ok, evidenceAgree.n)})`);
console.log(`  any printed evidence line within ${NEAR} lines of a labelled line (the most a better order could reach): ${evidenceAgree.any}/${evidenceAgree.n} (${pct(evidenceAgree.any, evidenceAgree.n)})`);
console.log('\nconfusion (rows: label, columns: audit)');
console.log(`${''.padEnd(10)}${LEVELS.map((l) => l.padStart(9)).join('')}`);
for (const l of LEVELS) console.log(`${l.padEnd(10)}${LEVELS.map((m) => String(confusion[l][m]).padStart(9)).join('')}`);
console.log('\nper check (weakest first): exact, high-confidence share, evidence agreement');
for (const [id, pc] of [...perCheck].sort((a, b) => a[1].ok / a[1].n - b[1].ok / b[1].n || (a[0] < b[0] ? -1 : 1))) {
  console.log(`${id.padEnd(32)} ${`${pc.ok}/${pc.n}`.padStart(5)}  ${pct(pc.ok, pc.n).padStart(6)}   high ${String(pc.high).padStart(2)}   evidence ${`${pc.evOk}/${pc.evN}`.padStart(5)}`);
}
if (verbose) {
  console.log('\nevidence away from the labelled lines');
  for (const m of evidenceAgree.misses) console.log(`  ${m.repo} ${m.id}: audit ${m.audit}; label ${(m.label ?? []).join(' ')}`);
  console.log('\ndisagreements');
  for (const d of disagreements) {
    console.log(`\n${d.grave ? 'GRAVE ' : ''}${d.repo} ${d.id}: label ${d.label}, audit ${d.audit}`);
    console.log(`  label: ${d.labelNote} [${(d.labelEvidence ?? []).join(' ')}]`);
    console.log(`  audit: ${d.auditReason} (confidence ${d.confidence})`);
    for (const e of d.auditEvidence) console.log(`    ${e.file}:${e.line} ${e.reason}`);
  }
}
