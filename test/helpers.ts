import { run, type Io } from '../src/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(argv: string[], io: Partial<Io> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    stdoutTTY: false,
    stderrTTY: false,
    env: {},
    cwd: process.cwd(),
    ...io,
  });
  return { code, stdout, stderr };
}
