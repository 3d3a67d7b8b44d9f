/**
 * Every test file gets its own temporary folder as `os.tmpdir()`, removed when the file's tests
 * end, so the suite leaves nothing behind however many workspaces the tests create.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-audit-test-'));
process.env.TMPDIR = dir;
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
