import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const REFERENCE = path.resolve(import.meta.dirname, '../src/reference-harness');
const SAMPLE = path.resolve(import.meta.dirname, '../fixtures/sample-harness');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium) console.warn(`html.test.ts: ${CHROMIUM} is missing, so the HTML report is not checked in a browser (apt-get install chromium; .ci/run installs it)`);

describe('--format html without a browser', () => {
  it('is one self-contained file: nothing loaded from the network, everything escaped', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'html-')), 'report.html');
    const r = await cli(['evaluate', SAMPLE, '-f', 'html', '-o', out]);
    expect(r.code).toBe(0);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<(?:script|link|img|iframe)[^>]+(?:src|href)=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('<svg id="chart"');
    // Source lines around the evidence are embedded, with the cited line marked.
    expect(html).toMatch(/<span class="ln hit"><span class="no">\d+<\/span>/);
  });
});

describe.skipIf(!hasChromium)('--format html in headless Chromium', () => {
  let browser: import('playwright-core').Browser;
  let file: string;
  let regressedTest: string;

  beforeAll(async () => {
    // A copy of the reference harness whose budget tests were skipped since the baseline.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'html-ref-'));
    fs.cpSync(REFERENCE, dir, { recursive: true, filter: (src) => !src.includes('node_modules') && !src.includes(`${path.sep}.audit`) });
    fs.mkdirSync(path.join(dir, '.git'));
    await cli(['evaluate', dir, '--update-baseline', '-q']);
    const base = JSON.parse(fs.readFileSync(path.join(dir, '.audit-baseline.json'), 'utf8'));
    regressedTest = /test "([^"]+)"/.exec(base.checks.find((c: { id: string }) => c.id === 'verification.guardrail-tests').mechanisms.filter((m: { file: string }) => m.file === 'guardrails.test.ts').map((m: { reason: string }) => m.reason).join('\n'))![1];
    const tests = path.join(dir, 'guardrails.test.ts');
    fs.writeFileSync(tests, fs.readFileSync(tests, 'utf8').replace(/\b(it|describe)\(/g, '$1.skip('));
    file = path.join(dir, 'report.html');
    const r = await cli(['evaluate', dir, '-f', 'html', '-o', file, '--baseline', path.join(dir, '.audit-baseline.json')]);
    expect(r.code).toBe(1);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('shows the score, the chart, every check with its evidence and fix, and loads nothing else', async () => {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:')) requests.push(req.url());
    });
    await page.goto(pathToFileURL(file).href);
    expect(await page.title()).toMatch(/^agent-audit: .* \d+(\.\d+)?\/100$/);
    await expect.poll(() => page.locator('#score').innerText()).toMatch(/^\d+(\.\d+)?\/100$/);
    expect(await page.locator('#chart .bar').count()).toBe(7);
    expect(await page.locator('#chart').isVisible()).toBe(true);
    expect(await page.locator('article.check').count()).toBe(25);
    expect(await page.locator('#shown').innerText()).toBe('25 of 25 checks shown');
    const gate = page.locator('article[id="permissions.gate"]');
    expect(await gate.locator('.badge').first().innerText()).toBe('present');
    expect(await gate.locator('code.loc').first().innerText()).toMatch(/^loop\.ts:\d+$/);
    expect(await gate.locator('pre.code .hit').first().innerText()).toContain('decide');
    expect(requests).toEqual([]);
    await page.close();
  });

  it('filters by level and by principle', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    const visible = () => page.locator('article.check:visible').count();
    const presentCount = await page.locator('article.check.present').count();
    await page.locator('input[name=level][value=present]').uncheck();
    expect(await visible()).toBe(25 - presentCount);
    expect(await page.locator('#shown').innerText()).toBe(`${25 - presentCount} of 25 checks shown`);
    await page.locator('input[name=level][value=present]').check();
    await page.locator('#principle').selectOption('permissions');
    expect(await visible()).toBe(4);
    const ids = await page.locator('article.check:visible').evaluateAll((els) => els.map((e) => e.id));
    expect(ids.every((id) => id.startsWith('permissions.'))).toBe(true);
    expect(await page.locator('h2.principle-title:visible').allInnerTexts()).toEqual([expect.stringMatching(/^Multi-tiered permissions/)]);
    await page.close();
  });

  it('compares with the baseline: the regressed check and the skipped test, named', async () => {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    expect(await page.locator('#baseline .verdict').innerText()).toMatch(/^\d+ checks? regressed$/);
    const row = page.locator('#baseline tr.regressed', { hasText: 'verification.guardrail-tests' });
    expect(await row.innerText()).toContain(`test skipped`);
    expect(await row.innerText()).toContain(regressedTest);
    expect(await page.locator('article[id="verification.guardrail-tests"] .badge.regressed').isVisible()).toBe(true);
    await page.close();
  });
});
