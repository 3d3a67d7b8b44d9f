import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeTsConfigs } from '../src/modes/evaluate/analyze.js';
import { FactCache } from '../src/modes/evaluate/cache.js';

describe('project file facts', () => {
  it('reads baseUrl, paths, extends and include from JSON with comments, and caches them by content', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tsconfig-'));
    const abs = path.join(root, 'tsconfig.json');
    fs.writeFileSync(abs, '{\n  // alias\n  "extends": "./tsconfig.base.json",\n  "include": ["app"],\n  "compilerOptions": { "baseUrl": ".", "paths": { "~/*": ["./app/*"], }, },\n}\n');
    const list = [{ path: 'tsconfig.json', abs, size: fs.statSync(abs).size }];
    const want = [{ path: 'tsconfig.json', extends: ['./tsconfig.base.json'], include: ['app'], baseUrl: '.', paths: { '~/*': ['./app/*'] } }];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cache-'));
    const cold = FactCache.open(dir, root, 'v1');
    expect(await analyzeTsConfigs(list, cold)).toEqual(want);
    cold.save();
    await cold.flush();
    const warm = FactCache.open(dir, root, 'v1');
    expect(warm.keys().length).toBe(1);
    expect(await analyzeTsConfigs(list, warm)).toEqual(want);
    expect([warm.hits, warm.misses]).toEqual([0, 0]);
  });
});
