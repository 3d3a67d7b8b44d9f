import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileFacts } from '../src/analyzers/facts.js';
import { analyzeTestText } from '../src/analyzers/typescript.js';
import { auditFingerprint, defaultCacheDir, FactCache } from '../src/modes/evaluate/cache.js';
import { TOOL } from '../src/version.js';
import { cli } from './helpers.js';

const SAMPLE = path.resolve(import.meta.dirname, '../fixtures/sample-harness');
const file = { path: 'test/a.test.ts', role: 'test', lang: 'ts' } as const;

describe('the fact cache', () => {
  it('returns facts for the same content and fingerprint only', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-'));
    const text = "it('denies', () => { expect(1).toBe(1); });\n";
    const facts = analyzeTestText(file.path, text);
    const cold = FactCache.open(dir, '/repo', 'v1');
    const miss = cold.get(file, text);
    expect(miss.facts).toBeUndefined();
    cold.set(miss.key, facts);
    cold.save();
    await cold.flush();

    const warm = FactCache.open(dir, '/repo', 'v1');
    expect(warm.get(file, text).facts).toEqual(facts);
    expect(warm.get(file, text + '// changed\n').facts).toBeUndefined(); // content changed
    expect(warm.get({ ...file, role: 'source' } as never, text).facts).toBeUndefined(); // another role
    expect(FactCache.open(dir, '/repo', 'v2').get(file, text).facts).toBeUndefined(); // another version
    expect(FactCache.open(dir, '/other', 'v1').get(file, text).facts).toBeUndefined(); // another folder
  });

  it('writes its file in ASCII, non-ASCII text escaped, and reads back the same facts (and a UTF-8 file too)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-'));
    const text = "it('refuses rm -rf / … 日本語 😀', () => { expect(run('é')).toBe('naïve…'); });\n";
    const facts = analyzeTestText(file.path, text);
    expect(JSON.stringify(facts)).toMatch(/[^\x00-\x7f]/);
    const cold = FactCache.open(dir, '/repo', 'v1');
    const got = cold.get(file, text);
    cold.set(got.key, facts);
    cold.save();
    await cold.flush();
    const bytes = fs.readFileSync(cold.file);
    expect(bytes.every((b) => b < 0x80)).toBe(true);
    expect(FactCache.open(dir, '/repo', 'v1').get(file, text).facts).toEqual(facts);
    // A cache file in UTF-8 (as earlier versions wrote it) reads the same.
    fs.writeFileSync(cold.file, JSON.stringify(JSON.parse(bytes.toString('latin1'))), 'utf8');
    expect(fs.readFileSync(cold.file).every((b) => b < 0x80)).toBe(false);
    expect(FactCache.open(dir, '/repo', 'v1').get(file, text).facts).toEqual(facts);
  });

  it('writes a few re-analysed files as a delta beside the base, and a new base when many changed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-'));
    const files = Array.from({ length: 60 }, (_, i) => ({ ...file, path: `test/t${i}.test.ts` }));
    const fill = (c: FactCache, texts: string[]) => files.forEach((f, i) => {
      const got = c.get(f, texts[i]);
      if (!got.facts) c.set(got.key, analyzeTestText(f.path, texts[i]));
    });
    const texts = files.map((_, i) => `it('case ${i}', () => {});\n`);
    const first = FactCache.open(dir, '/repo', 'v1');
    fill(first, texts);
    first.save();
    await first.flush();
    const baseTime = fs.statSync(first.file).mtimeMs;
    expect(fs.existsSync(first.deltaFile)).toBe(false);

    texts[3] += '// changed\n';
    const second = FactCache.open(dir, '/repo', 'v1');
    fill(second, texts);
    expect([second.hits, second.misses]).toEqual([59, 1]);
    second.save();
    await second.flush();
    expect(fs.existsSync(second.deltaFile)).toBe(true);
    expect(JSON.parse(fs.readFileSync(second.file, 'utf8')).entries).toHaveLength(60); // the base untouched
    expect(fs.statSync(second.file).mtimeMs).toBeGreaterThanOrEqual(baseTime);

    const third = FactCache.open(dir, '/repo', 'v1');
    fill(third, texts);
    expect([third.hits, third.misses]).toEqual([60, 0]); // base + delta

    const many = texts.map((t) => t + '// all changed\n');
    const fourth = FactCache.open(dir, '/repo', 'v1');
    fill(fourth, many);
    fourth.save();
    await fourth.flush();
    expect(fs.existsSync(fourth.deltaFile)).toBe(false);
    const fifth = FactCache.open(dir, '/repo', 'v1');
    fill(fifth, many);
    expect([fifth.hits, fifth.misses]).toEqual([60, 0]);
  });

  it('treats a corrupt cache as cold and keeps at most 32 cache files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-'));
    const c = FactCache.open(dir, '/repo', 'v1');
    c.set(c.get(file, 'x').key, analyzeTestText(file.path, 'x'));
    c.save();
    await c.flush();
    fs.writeFileSync(c.file, '{ not json');
    expect(FactCache.open(dir, '/repo', 'v1').get(file, 'x').facts).toBeUndefined();
    for (let i = 0; i < 40; i++) {
      const k = FactCache.open(dir, `/r${i}`, 'v1');
      k.set(k.get(file, 'x').key, analyzeTestText(file.path, 'x'));
      k.save();
      await k.flush();
    }
    expect(fs.readdirSync(dir).filter((n) => n.endsWith('.facts')).length).toBe(32);
  });

  it('fingerprints the version and the analyzers, and lives under node_modules/.cache', () => {
    expect(auditFingerprint()).toMatch(new RegExp(`^${TOOL.version.replace(/\./g, '\\.')}\\+[0-9a-f]{16}$`));
    expect(defaultCacheDir(path.join(SAMPLE, 'src'))).toBe(path.join(SAMPLE, 'node_modules/.cache/agent-audit'));
    // Outside a Node project no node_modules is created: the user's cache folder.
    const python = fs.mkdtempSync(path.join(os.tmpdir(), 'py-'));
    expect(defaultCacheDir(python, { XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/agent-audit');
  });

  it('audit evaluate reuses cached facts until the file changes, and --no-cache ignores them', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-'));
    fs.cpSync(SAMPLE, root, { recursive: true });
    const cacheDir = path.join(root, '.cache');
    const json = async (...extra: string[]) => JSON.parse((await cli(['evaluate', root, '-f', 'json', '--cache-dir', cacheDir, ...extra])).stdout);
    const cold = await json();
    // The facts file (V8's code cache of the compiler may be beside it).
    const cacheFile = fs.readdirSync(cacheDir).find((n) => n.endsWith('.facts'))!;
    expect(cacheFile).toBeDefined();
    const warm = await json();
    expect(warm.checks).toEqual(cold.checks);
    expect(warm.checks).toEqual((await json('--no-cache')).checks);

    // Tamper with the cached facts of the test file: a warm run must show the tampering (the cache is used) …
    const abs = path.join(cacheDir, cacheFile);
    const stored = JSON.parse(fs.readFileSync(abs, 'utf8')) as { fingerprint: string; entries: Array<[string, FileFacts]> };
    const entry = stored.entries.find(([k]) => k.startsWith('test/tools.test.ts\0'))!;
    entry[1] = { ...entry[1], tests: [{ name: 'a deny rule denies the call', line: 1 }, { name: 'the loop stops at max turns', line: 2 }] };
    fs.writeFileSync(abs, JSON.stringify(stored));
    const tampered = await json();
    expect(tampered.checks.find((c: { id: string }) => c.id === 'verification.guardrail-tests').evidence.map((e: { reason: string }) => e.reason).join('\n')).toContain('a deny rule denies the call');
    // … and a change to the file's content invalidates it.
    fs.appendFileSync(path.join(root, 'test/tools.test.ts'), '\n// touched\n');
    const fresh = await json();
    expect(fresh.checks.find((c: { id: string }) => c.id === 'verification.guardrail-tests').evidence.map((e: { reason: string }) => e.reason).join('\n')).not.toContain('a deny rule denies the call');
    expect(fresh.checks).toEqual((await json('--no-cache')).checks);
  });
  it('a warm run after a change to a file\'s facts reports exactly what a cold run reports', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sample-'));
    fs.cpSync(SAMPLE, root, { recursive: true });
    const cacheDir = path.join(root, '.cache');
    const report = async (...extra: string[]) => {
      const r = JSON.parse((await cli(['evaluate', root, '-f', 'json', '--cache-dir', cacheDir, ...extra])).stdout);
      return { score: r.score, principles: r.principles, checks: r.checks, flags: r.flags, landmarks: r.landmarks, entry: r.entry, entryLine: r.entryLine };
    };
    const before = await report(); // fills the cache
    // New facts in a test file and a source file: a guardrail test case, and an exported function with a call in it.
    fs.appendFileSync(path.join(root, 'test/tools.test.ts'), "\nit('the loop stops at max turns', () => { expect(runUntil(99)).toBe('max_turns'); });\n");
    const src = fs.readdirSync(path.join(root, 'src')).find((n) => n.endsWith('.ts'))!;
    fs.appendFileSync(path.join(root, 'src', src), '\nexport function benchChange(x: number): number {\n  return Math.max(x, 1);\n}\n');
    const warm = await report();
    const cold = await report('--no-cache');
    expect(warm).toEqual(cold);
    const guardrails = (r: { checks: Array<{ id: string }> }) => r.checks.find((c) => c.id === 'verification.guardrail-tests');
    expect(guardrails(warm)).not.toEqual(guardrails(before)); // the change moved a check: the rules ran on the new facts
  });
});
