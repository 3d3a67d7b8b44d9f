#!/usr/bin/env node
// Speed of the audit against the physical floor: the TypeScript compiler parsing every file.
// Usage: npm run bench -- DIR [--runs N]
// Runs `node ../shared/bench/parse-baseline.mjs DIR` and `audit evaluate DIR` alternately N times
// each (default 3) and prints the median wall times, their ratio and the audit's peak memory.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const base = [];
const audit = [];
const rss = [];
let info;
for (let i = 0; i < runs; i++) {
  const b = timed([baselineScript, dir]);
  base.push(b.ms);
  info = JSON.parse(b.stdout.trim().split('\n').pop());
  const a = timed([path.join(project, 'bin/audit.js'), 'evaluate', dir, '--format', 'json', '--no-progress']);
  audit.push(a.ms);
  rss.push(JSON.parse(a.stdout).stats.peakRssMB);
  process.stderr.write(`run ${i + 1}/${runs}: baseline ${Math.round(b.ms)} ms, audit ${Math.round(a.ms)} ms\n`);
}
const mb = median(base);
const ma = median(audit);
console.log(`folder            ${dir} (${info.files} TypeScript files, ${(info.bytes / 1e6).toFixed(1)} MB)`);
console.log(`parse baseline    ${Math.round(mb)} ms median wall (${runs} runs; parse+walk alone ${info.ms} ms, ${info.rssMB} MB)`);
console.log(`audit evaluate    ${Math.round(ma)} ms median wall`);
console.log(`ratio             ${(ma / mb).toFixed(2)} (target ≤ 1.00)`);
console.log(`audit peak memory ${Math.max(...rss)} MB (target ≤ 600 MB)`);
