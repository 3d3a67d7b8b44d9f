/**
 * The rules run without V8's optimising compiler (TurboFan). Nearly all of their code runs once per audit: measured on
 * gemini-cli (2 cores), TurboFan spent 0.7-0.9 s of CPU compiling rule functions in its background threads (a third of
 * the rules' CPU) and saved the main thread nothing (1.5-1.7 s with it, 1.5-1.7 s without). On a machine whose cores
 * are busy that compilation is wall time too. The parse before the rules keeps TurboFan: the compiler and the fact
 * visitor run hot loops over every file.
 *
 * V8 reads the flag each time it considers optimising a function, so it can be turned off and on around the rules.
 * Code the rules compile and the verdicts are the same either way: only how fast the rules' functions run changes.
 * Node options that choose the JIT tiers themselves (`--no-opt`, `--max-opt=…`, `--jitless`) are left alone.
 */
import v8 from 'node:v8';

const TIER_OPTION = /--(?:no-)?(?:opt|turbofan|maglev|sparkplug|jitless|max-opt|always-opt)\b/;
let userTiers: boolean | undefined;
let inside = false;

/** Runs `run` with TurboFan off, turning it back on afterwards (unless Node's options set the tiers). */
export function withoutOptimizer<T>(run: () => T): T {
  userTiers ??= TIER_OPTION.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`);
  if (inside || userTiers) return run();
  inside = true;
  v8.setFlagsFromString('--no-turbofan');
  try {
    return run();
  } finally {
    v8.setFlagsFromString('--turbofan');
    inside = false;
  }
}
