import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/budget.hard-limits/present-budget-check-three-caps');

/** A copy of the fixture in a temporary folder, so a test can edit it. */
function copyFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-caps-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

describe('budget.hard-limits cites every cap the loop checks', () => {
  it('records each cap compared in the budget check as a mechanism, and names the one removed', async () => {
    const dir = copyFixture();
    const base = path.join(dir, 'baseline.json');
    await cli(['evaluate', dir, '--baseline', base, '--update-baseline', '-q']);
    const hard = JSON.parse(fs.readFileSync(base, 'utf8')).checks.find((c: { id: string }) => c.id === 'budget.hard-limits');
    expect(hard.level).toBe('present');
    // One mechanism per comparison in SpendMeter.check(): steps, tokens and dollars.
    for (const limit of ['maxSteps', 'maxTokenSpend', 'maxDollars']) {
      expect(hard.mechanisms.some((m: { file: string; reason: string }) => m.file === 'src/meter.ts' && m.reason.includes(limit))).toBe(true);
    }
    // Remove the dollar cap: the token cap keeps the level at present, and the removed cap is named.
    const meter = path.join(dir, 'src/meter.ts');
    fs.writeFileSync(meter, fs.readFileSync(meter, 'utf8').split('\n').filter((l) => !l.includes('this.limits.maxDollars')).join('\n'));
    const r = await cli(['evaluate', dir, '--baseline', base, '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/budget\.hard-limits still present, but 1 mechanism gone:\n {4}- no longer found: [^\n]*maxDollars[^\n]*\(was at src\/meter\.ts:\d+\)/);
  });
});
