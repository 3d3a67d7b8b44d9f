/**
 * The second thread of stage 2 (./analyze.ts): test files, read by text, and Python sources need
 * neither the TypeScript compiler nor its warm-up, so on a cold run they are read, hashed and
 * analysed here while the main thread parses the TypeScript sources. Each result goes back as the
 * content key (./cache.ts) and the facts as JSON text in ASCII, which the main thread parses and the
 * fact cache writes as they are; a file whose key is already cached is only hashed.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzerErrorReason, analyzeWithoutCompiler, contentSkipReason } from './analyze.js';
import { asciiJson, factKey, utf8Text } from './cache.js';

export interface WorkerFile {
  /** The file's index in the discovery. */
  i: number;
  path: string;
  abs: string;
  role: 'source' | 'test';
  lang: 'ts' | 'js' | 'py';
}

export interface WorkerInput {
  files: WorkerFile[];
  /** Content keys the fact cache holds: those files are hashed, not analysed. */
  known: string[];
}

/**
 * One file: unreadable or skipped (`skip`, with `key` when it was read), cached (`key` alone),
 * or analysed (`key` and `json`).
 */
export type WorkerResult = { i: number; key?: string; json?: string; skip?: string } | { done: true };

async function main(): Promise<void> {
  const { files, known } = workerData as WorkerInput;
  const cached = new Set(known);
  for (const f of files) {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(f.abs);
    } catch (err) {
      parentPort!.postMessage({ i: f.i, skip: `unreadable (${(err as NodeJS.ErrnoException).code ?? 'error'})` } satisfies WorkerResult);
      continue;
    }
    const key = factKey(f, bytes);
    if (cached.has(key)) {
      parentPort!.postMessage({ i: f.i, key } satisfies WorkerResult);
      continue;
    }
    const text = utf8Text(bytes);
    const reason = contentSkipReason(text);
    if (reason) {
      parentPort!.postMessage({ i: f.i, key, skip: reason } satisfies WorkerResult);
      continue;
    }
    let result: WorkerResult;
    try {
      result = { i: f.i, key, json: asciiJson(JSON.stringify(await analyzeWithoutCompiler(f, text))) };
    } catch (err) {
      result = { i: f.i, key, skip: analyzerErrorReason(err) };
    }
    parentPort!.postMessage(result);
  }
  parentPort!.postMessage({ done: true } satisfies WorkerResult);
}

if (parentPort && (workerData as WorkerInput | undefined)?.files) void main();
