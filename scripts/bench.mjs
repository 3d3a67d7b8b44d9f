#!/usr/bin/env node
// Speed of the audit against the physical floor: the TypeScript compiler parsing every file.
// Usage: [AUDIT_DIST=dir] npm run bench -- DIR [--runs N]   (AUDIT_DIST: a build to measure; default dist)
// Runs `node ../shared/bench/parse-baseline.mjs DIR` and `audit evaluate DIR` alternately N times
// each (default 3) and prints the median wall times, their ratio and the audit's peak memory.
// The audit runs cold (an empty fact cache, which it fills) and then warm: the same cache after a
// one-file change (a small exported function, with a call in it, appended to one source file of a
// temporary copy of DIR: the file's facts change, so the rules run on new facts).
// "Cold" is an empty FACT cache: V8's code cache of the TypeScript compiler lives in the user's cache
// folder, shared by every fact cache, and is warm after the first run on this machine (the output says which).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const project = path.resolve(here, '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 3;
const dir = args[0];
const baselineScript = [path.resolve(project, '../shared/bench/parse-baseline.mjs'), path.resolve(project, 'shared/bench/parse-baseline.mjs')].find((p) => fs.existsSync(p));
if (!dir || !fs.existsSync(dir) || !Number.isInteger(runs) || runs < 1) {
  console.error('usage: npm run bench -- DIR [--runs N]   (DIR: an existing folder to audit)');
  process.exit(2);
}
if (!baselineScript) {
  console.error('bench: ../shared/bench/parse-baseline.mjs not found');
  process.exit(2);
}

function timed(argv) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: project, encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) {
    console.error(`bench: ${argv.join(' ')} exited ${r.status}\n${r.stderr}`);
    process.exit(2);
  }
  return { ms, stdout: r.stdout };
}

/** The first source file (not a test or declaration) under `d`, in name order, skipping dot folders and node_modules. */
function firstSource(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.') || e.name === 'node_modules' || /^(test|tests|__tests__|evals|integration-tests|docs?|examples?|scripts|dist|build)$/.test(e.name)) continue;
    const p = path.join(d, e.name);
    if (e.isDirectory()) {
      const f = firstSource(p);
      if (f) return f;
    } else if (/\.(ts|py)$/.test(e.name) && !/\.d\.ts$|[.-](test|spec)\./.test(e.name)) return p;
  }
  return undefined;
}

const distDir = process.env.AUDIT_DIST && path.resolve(process.env.AUDIT_DIST);
const auditArgv = (...a) =>
  distDir
    ? ['--input-type=module', '-e', `import { run } from ${JSON.stringify(pathToFileURL(path.join(distDir, 'cli.js')).href)}; process.exitCode = await run(process.argv.slice(1));`, ...a]
    : [path.join(project, 'bin/audit.js'), ...a];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-audit-bench-'));
const copy = path.join(work, path.basename(path.resolve(dir)));
fs.cpSync(dir, copy, { recursive: true, filter: (src) => !/[\\/](node_modules|\.git)$/.test(src) });
const touched = firstSource(copy);
const userCache = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'agent-audit');
const hasCodeCache = () => {
  try {
    return fs.readdirSync(userCache).some((n) => /^compiler-[0-9a-f]{16}\.v8$/.test(n));
  } catch {
    return false;
  }
};
const codeCacheAtStart = hasCodeCache();
/** A change to the file's facts, not only to its bytes: a new exported function that calls something. */
const change = (i) =>
  touched.endsWith('.py') ? `\n\ndef bench_change_${i}(x):\n    return max(x, ${i})\n` : `\nexport function benchChange${i}(x: number): number {\n  return Math.max(x, ${i});\n}\n`;
const base = [];
const audit = [];
const warm = [];
const rss = [];
let info;
try {
  for (let i = 0; i < runs; i++) {
    const b = timed([baselineScript, copy]);
    base.push(b.ms);
    info = JSON.parse(b.stdout.trim().split('\n').pop());
    const cacheDir = path.join(work, `cache-${i}`);
    const a = timed(auditArgv('evaluate', copy, '--format', 'json', '--no-progress', '--cache-dir', cacheDir));
    audit.push(a.ms);
    rss.push(JSON.parse(a.stdout).stats.peakRssMB);
    if (touched) fs.appendFileSync(touched, change(i));
    const w = timed(auditArgv('evaluate', copy, '--format', 'json', '--no-progress', '--cache-dir', cacheDir));
    warm.push(w.ms);
    process.stderr.write(`run ${i + 1}/${runs}: baseline ${Math.round(b.ms)} ms, audit cold ${Math.round(a.ms)} ms, warm ${Math.round(w.ms)} ms\n`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
const mb = median(base);
const ma = median(audit);
console.log(`folder            ${dir} (${info.files} TypeScript files, ${(info.bytes / 1e6).toFixed(1)} MB)`);
console.log(`parse baseline    ${Math.round(mb)} ms median wall (${runs} runs; parse+walk alone ${info.ms} ms, ${info.rssMB} MB)`);
console.log(`audit evaluate    ${Math.round(ma)} ms median wall (cold: an empty fact cache; the compiler's code cache in ${userCache} ${codeCacheAtStart ? 'was warm' : 'was empty before the first run'})`);
console.log(`ratio             ${(ma / mb).toFixed(2)} (target ≤ 1.00)`);
console.log(`warm              ${Math.round(median(warm))} ms median wall after a one-file change (${touched ? path.relative(copy, touched) : 'no source file found'}); ${(median(warm) / ma).toFixed(2)} of cold (target ≤ 0.25)`);
console.log(`audit peak memory ${Math.max(...rss)} MB (target ≤ 600 MB)`);
