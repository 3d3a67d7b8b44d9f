import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyze } from '../src/modes/evaluate/analyze.js';
import { analyzeTypeScript } from '../src/analyzers/typescript.js';
import { FactCache } from '../src/modes/evaluate/cache.js';
import { loadConfig } from '../src/modes/evaluate/config.js';
import { discover } from '../src/modes/evaluate/discover.js';

/** A cache that treats every file as settled (changed long before it was opened), as a real run sees files not edited in the last seconds. */
function settled(dir: string, root: string): FactCache {
  const cache = FactCache.open(dir, root, 'v1');
  (cache as unknown as { openedAt: number }).openedAt = Date.now() + 60_000;
  return cache;
}

const readFileSync = fs.readFileSync;

/** Analyses `root` with `cache`, saving it; returns the facts and the source and test files read. */
async function run(root: string, cache: FactCache) {
  const reads: string[] = [];
  const spy = vi.spyOn(fs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
    if (typeof file === 'string' && /\.(ts|py)$/.test(file)) reads.push(path.relative(root, file));
    return readFileSync(file, options as never);
  }) as typeof fs.readFileSync);
  try {
    const facts = await analyze(discover(root, await loadConfig(root)), undefined, cache);
    cache.save();
    await cache.flush();
    return { facts, reads: reads.sort() };
  } finally {
    spy.mockRestore();
  }
}

describe('the fact cache with file stamps', () => {
  afterEach(() => vi.restoreAllMocks());

  it('does not read a file whose stamp is unchanged, and reads and hashes one whose stamp changed', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stamps-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.mkdirSync(path.join(root, 'test'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'export function a() { return run(1); }\n');
    fs.writeFileSync(path.join(root, 'src/b.ts'), 'export function b() { return run(2); }\n');
    fs.writeFileSync(path.join(root, 'test/a.test.ts'), "it('a', () => { expect(1).toBe(1); });\n");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamps-cache-'));

    const cold = await run(root, settled(dir, root));
    expect(cold.reads).toEqual(['src/a.ts', 'src/b.ts', 'test/a.test.ts']);

    const warm = await run(root, settled(dir, root));
    expect(warm.reads).toEqual([]); // every stamp as recorded: nothing read
    expect(warm.facts.files).toEqual(cold.facts.files);

    // Same size, other content, the modification time put back: the change time still moves, so it is read again.
    const a = path.join(root, 'src/a.ts');
    const { atime, mtime } = fs.statSync(a);
    fs.writeFileSync(a, 'export function a() { return run(9); }\n');
    fs.utimesSync(a, atime, mtime);
    const changed = await run(root, settled(dir, root));
    expect(changed.reads).toEqual(['src/a.ts']);
    expect(changed.facts.files.find((f) => f.path === 'src/a.ts')!.calls[0].args).toEqual(['9']);
  });

  it('does not trust the stamp of a file changed just before the run: it is hashed again next time', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stamps-'));
    fs.mkdirSync(path.join(root, 'src'));
    fs.writeFileSync(path.join(root, 'src/a.ts'), 'export const a = 1;\n');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamps-cache-'));
    // Opened now: the file changed within the last two seconds, so its stamp is not recorded.
    await run(root, FactCache.open(dir, root, 'v1'));
    const again = await run(root, FactCache.open(dir, root, 'v1'));
    expect(again.reads).toEqual(['src/a.ts']);
    // Its content hash still finds the facts.
    const cache = FactCache.open(dir, root, 'v1');
    await run(root, cache);
    expect([cache.hits, cache.misses]).toEqual([1, 0]);
  });

  it('gives back facts as the analyzers make them: records without a prototype', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stamps-cache-'));
    const file = { path: 'src/a.ts', role: 'source', lang: 'ts' } as const;
    const text = 'export class A {\n  constructor() {}\n  run() { return this.x; }\n}\n';
    const facts = analyzeTypeScript(file.path, text, 'source');
    const cold = FactCache.open(dir, '/repo', 'v1');
    cold.set(cold.get(file, text).key, facts);
    cold.save();
    await cold.flush();
    const warm = FactCache.open(dir, '/repo', 'v1').get(file, text).facts!;
    expect(warm).toEqual(facts);
    // A class's members list `constructor` with no value: as parsed from JSON, `values.constructor` was Object's constructor.
    expect(warm.objects[0].keys).toContain('constructor');
    expect(warm.objects[0].values.constructor).toBeUndefined();
    expect(Object.getPrototypeOf(warm.reads)).toBeNull();
  });
});
