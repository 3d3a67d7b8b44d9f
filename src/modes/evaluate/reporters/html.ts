/**
 * The HTML report: one self-contained page, no network (a Content-Security-Policy that allows
 * nothing outside the page). The score per principle as an inline SVG chart; each check with its
 * level, reason, evidence (`file:line` and the source lines around it, when the caller attached
 * them as `code`), remediation and exemplar; filters by level and principle; and, when a baseline
 * is given, what regressed since it.
 */
import type { CheckResult } from '../evaluate.js';
import type { AuditResult } from '../index.js';
import { displayPath, type ReporterOptions } from './index.js';

/** Source lines around an evidence line (as `--context` and `audit show` attach them). */
interface Code {
  start: number;
  lines: string[];
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const LEVEL_LABEL: Record<string, string> = { present: 'present', partial: 'partial', absent: 'absent', off: 'off', na: 'n/a' };

const levelOf = (c: CheckResult) => (c.level !== 'off' && !c.applies ? 'na' : c.level);

function chart(result: AuditResult): string {
  const rows = result.principles;
  const w = 700;
  const rowH = 28;
  const labelW = 260;
  const barW = w - labelW - 60;
  const h = rows.length * rowH + 8;
  const bars = rows
    .map((p, i) => {
      const y = i * rowH + 4;
      const score = p.score;
      const fill = score === null ? '#bbb' : score >= 80 ? '#2e7d32' : score >= 50 ? '#f9a825' : '#c62828';
      const len = score === null ? 0 : Math.max(1, (barW * score) / 100);
      return (
        `<g class="bar" data-principle="${esc(p.id)}"><title>${esc(p.title)}: ${score === null ? 'n/a' : `${score}/100`}</title>` +
        `<text x="0" y="${y + 17}" font-size="13">${esc(p.title)}</text>` +
        `<rect x="${labelW}" y="${y + 4}" width="${barW}" height="16" fill="#eee" rx="3"/>` +
        `<rect x="${labelW}" y="${y + 4}" width="${len.toFixed(1)}" height="16" fill="${fill}" rx="3"/>` +
        `<text x="${labelW + barW + 8}" y="${y + 17}" font-size="13" class="score">${score === null ? 'n/a' : score}</text></g>`
      );
    })
    .join('');
  return `<svg id="chart" role="img" aria-label="Score per principle" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}

function evidenceHtml(c: CheckResult): string {
  if (!c.evidence.length) return '';
  const items = c.evidence
    .map((e) => {
      const code = (e as typeof e & { code?: Code }).code;
      const src = code
        ? `<pre class="code">${code.lines
            .map((l, i) => {
              const n = code.start + i;
              return `<span class="ln${n === e.line ? ' hit' : ''}"><span class="no">${n}</span>${esc(l)}</span>`;
            })
            .join('')}</pre>`
        : '';
      return `<li><code class="loc">${esc(e.file)}:${e.line}</code> ${esc(e.reason)}${src}</li>`;
    })
    .join('');
  return `<ul class="evidence">${items}</ul>`;
}

export interface HtmlBaseline {
  /** The baseline file as the user named it. */
  file: string;
  /** Level per check id in the baseline. */
  levels: Record<string, string>;
  regressions: Array<{ id: string; from: string; to: string; gone: Array<{ file: string; line: number; reason: string; why: string }> }>;
}

function baselineHtml(b: HtmlBaseline, result: AuditResult): string {
  const regressed = new Map(b.regressions.map((r) => [r.id, r]));
  const rows = result.checks
    .map((c) => {
      const before = b.levels[c.id] ?? '–';
      const r = regressed.get(c.id);
      const status = r ? 'regressed' : before !== c.level && before !== '–' ? (rank(c.level) > rank(before) ? 'improved' : 'changed') : 'same';
      const gone = r?.gone.length ? `<ul>${r.gone.map((g) => `<li>${esc(g.why)}: ${esc(g.reason)} (was at <code>${esc(g.file)}:${g.line}</code>)</li>`).join('')}</ul>` : '';
      return `<tr class="${status}"><td><code>${esc(c.id)}</code></td><td>${esc(before)}</td><td>${esc(c.level)}</td><td>${status}${gone}</td></tr>`;
    })
    .join('');
  const n = b.regressions.length;
  return `<section id="baseline"><h2>Since the baseline <code>${esc(b.file)}</code></h2><p class="verdict ${n ? 'bad' : 'good'}">${n ? `${n} check${n > 1 ? 's' : ''} regressed` : 'No check regressed'}</p><table><thead><tr><th>Check</th><th>Baseline</th><th>Now</th><th>Change</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

const rank = (l: string) => ({ absent: 0, partial: 1, present: 2 })[l] ?? -1;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
header,main{max-width:1000px;margin:0 auto;padding:16px 24px}
header h1{font-size:20px;margin:8px 0}.total{font-size:32px;font-weight:600}
.filters{position:sticky;top:0;background:#fafafa;padding:8px 0;border-bottom:1px solid #ddd;z-index:1}
.filters label{margin-right:12px;white-space:nowrap}.filters select{margin-left:4px}
.check{background:#fff;border:1px solid #ddd;border-left:6px solid #999;border-radius:6px;padding:10px 14px;margin:10px 0}
.check.present{border-left-color:#2e7d32}.check.partial{border-left-color:#f9a825}.check.absent{border-left-color:#c62828}.check.off,.check.na{border-left-color:#bbb}
.check h3{font-size:15px;margin:0 0 4px}.badge{display:inline-block;min-width:56px;text-align:center;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;background:#999;margin-right:6px}
.badge.present{background:#2e7d32}.badge.partial{background:#b28704}.badge.absent{background:#c62828}.badge.regressed{background:#6a1b9a}
.id{color:#555;font-weight:400}.principle-title{margin-top:24px}
.evidence{padding-left:18px}.loc{background:#f0f0f0;padding:0 4px;border-radius:3px}
pre.code{background:#1e1e1e;color:#ddd;padding:6px 0;border-radius:4px;overflow-x:auto;font-size:12px;margin:4px 0 8px}
pre.code .ln{display:block;padding:0 8px}pre.code .hit{background:#3a3d41;color:#fff}.no{display:inline-block;width:40px;color:#888;user-select:none}
.fix{background:#f5f8ff;border-radius:4px;padding:6px 10px}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
tr.regressed{background:#fbe9e7}tr.improved{background:#e8f5e9}.verdict.bad{color:#c62828;font-weight:600}.verdict.good{color:#2e7d32;font-weight:600}
[hidden]{display:none!important}`;

const SCRIPT = `
(function(){
  var boxes=[].slice.call(document.querySelectorAll('.filters input[name=level]'));
  var sel=document.getElementById('principle');
  var checks=[].slice.call(document.querySelectorAll('.check'));
  var count=document.getElementById('shown');
  function apply(){
    var levels={};boxes.forEach(function(b){if(b.checked)levels[b.value]=1});
    var p=sel.value,n=0;
    checks.forEach(function(c){var show=levels[c.dataset.level]&&(!p||c.dataset.principle===p);c.hidden=!show;if(show)n++});
    [].slice.call(document.querySelectorAll('.principle-title')).forEach(function(h){h.hidden=!document.querySelector('.check[data-principle="'+h.dataset.principle+'"]:not([hidden])')});
    count.textContent=n+' of '+checks.length+' checks shown';
  }
  boxes.forEach(function(b){b.addEventListener('change',apply)});sel.addEventListener('change',apply);apply();
})();`;

/** The HTML report. Evidence shows source lines when the caller attached them (`code`); `options.baseline` adds the comparison. */
export function htmlReport(result: AuditResult, options: ReporterOptions & { baseline?: HtmlBaseline }): string {
  const levels = ['present', 'partial', 'absent', 'na', 'off'].filter((l) => result.checks.some((c) => levelOf(c) === l));
  const regressed = new Set(options.baseline?.regressions.map((r) => r.id));
  const counts = levels.map((l) => `${result.checks.filter((c) => levelOf(c) === l).length} ${LEVEL_LABEL[l]}`).join(', ');
  const sections = result.principles
    .map((p) => {
      const checks = result.checks.filter((c) => c.principle === p.id);
      if (!checks.length) return '';
      const body = checks
        .map((c) => {
          const lv = levelOf(c);
          const fix =
            c.level === 'partial' || c.level === 'absent'
              ? `<div class="fix"><strong>Fix:</strong> ${esc(c.remediation)}<br><small>Example: <code>${esc(options.exemplarRoot ? displayPath(`${options.exemplarRoot}/${c.exemplar}`, options.cwd) : c.exemplar)}</code></small></div>`
              : '';
          return (
            `<article class="check ${lv}" id="${esc(c.id)}" data-level="${lv}" data-principle="${esc(c.principle)}">` +
            `<h3><span class="badge ${lv}">${LEVEL_LABEL[lv]}</span>${regressed.has(c.id) ? '<span class="badge regressed">regressed</span>' : ''}${esc(c.title)} <span class="id">${esc(c.id)}</span>${c.confidence === 'low' && c.level !== 'off' ? ' <small title="the verdict rests on names or a guessed link">(low confidence)</small>' : ''}</h3>` +
            `<p class="reason">${esc(c.reason)}</p>${evidenceHtml(c)}${fix}</article>`
          );
        })
        .join('');
      return `<h2 class="principle-title" data-principle="${esc(p.id)}">${esc(p.title)} <small>${p.score === null ? 'n/a' : `${p.score}/100`}</small></h2>${body}`;
    })
    .join('');
  const flags = result.flags.length ? `<section id="flags"><h2>Warnings</h2><ul>${result.flags.map((f) => `<li><strong>${esc(f.id)}</strong>: ${esc(f.reason)}</li>`).join('')}</ul></section>` : '';
  const root = displayPath(result.root, options.cwd);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agent-audit: ${esc(root)} ${result.score}/100</title><style>${STYLE}</style></head>
<body><header><h1>${esc(result.tool.name)} ${esc(result.tool.version)} · <code>${esc(root)}</code></h1>
<div class="total" id="score">${result.score}/100</div>
<p id="summary">${counts}. ${result.stats.sourceFiles} source and ${result.stats.testFiles} test files; ${result.stats.skipped} skipped.</p>
${chart(result)}</header>
<main>${options.baseline ? baselineHtml(options.baseline, result) : ''}
<div class="filters"><strong>Show</strong> ${levels.map((l) => `<label><input type="checkbox" name="level" value="${l}" checked> ${LEVEL_LABEL[l]}</label>`).join('')}
<label>principle<select id="principle"><option value="">all</option>${result.principles.map((p) => `<option value="${esc(p.id)}">${esc(p.title)}</option>`).join('')}</select></label>
<span id="shown"></span></div>
${sections}${flags}</main>
<script>${SCRIPT}</script></body></html>
`;
}
