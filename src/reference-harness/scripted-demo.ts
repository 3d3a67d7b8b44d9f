/**
 * The bundled demo turn file, used by `audit harness run` when no API key and no --script is
 * given. It is a replay, not a model: the task typed by the user is not read. `prepareDemo` first
 * writes the small buggy module the demo works on (harness-demo/sum.js); the turns then plan, let an
 * explore sub-agent find the loop, fix it and check the fix, so every stage shows (plan, tools, a
 * sub-agent, permissions, verify, the final answer). Its story follows what happens: in the default
 * mode without a terminal the edit is denied (nobody can approve it), and the demo then says so and
 * stops instead of claiming the fix; `--mode accept-edits` applies it.
 */
import fs from 'node:fs';
import path from 'node:path';

export const DEMO_FILE = 'harness-demo/sum.js';
const BUGGY = 'export function sum(xs) {\n  let total = 0;\n  for (let i = 1; i < xs.length; i++) total += xs[i];\n  return total;\n}\nconsole.log(sum([1, 2, 3]));\n';

/** Writes the demo's buggy module into `workspace` (again, if an earlier run fixed it). Returns what it did. */
export function prepareDemo(workspace: string): string {
  const file = path.join(workspace, DEMO_FILE);
  const before = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  if (before === BUGGY) return `the demo works on ${DEMO_FILE} (already in place)`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, BUGGY);
  return `${before === undefined ? 'wrote' : 'reset'} ${DEMO_FILE}, a small module with a bug, for the demo to work on`;
}

const DENIED_EDIT =
  'The edit to harness-demo/sum.js was denied: in this mode every edit needs approval, and nobody approved it (without a terminal nobody can). ' +
  'So the bug is still there: sum() starts its loop at index 1 and skips the first element. Run again with --mode accept-edits, or answer y at the prompt, to apply the fix.';

export const DEMO_SCRIPT = [
  { text: 'I will plan the work first.', toolCalls: [{ name: 'todo', input: { todos: [
    { text: 'Find the bug in harness-demo/sum.js', status: 'in_progress' },
    { text: 'Fix it', status: 'pending' },
    { text: 'Check the fix', status: 'pending' },
  ] } }, { name: 'list_dir', input: { path: 'harness-demo' } }] },
  { text: 'Let an explore sub-agent find the loop.', toolCalls: [{ name: 'task', input: { agent: 'explore', prompt: 'Find the loop in harness-demo/sum.js and say where it starts.' } }] },
  { toolCalls: [{ name: 'search', input: { pattern: 'for \\(let i', path: 'harness-demo' } }] },
  { text: 'The loop in harness-demo/sum.js:3 starts at index 1, so the first element is skipped.', ifFailed: { text: 'The search failed, so I cannot say where the loop starts.' } },
  { text: 'The loop skips the first element. Fixing it.', toolCalls: [{ name: 'edit_file', input: {
    path: 'harness-demo/sum.js', old_string: 'let i = 1;', new_string: 'let i = 0;',
  } }] },
  { text: 'Checking the fix.', toolCalls: [{ name: 'run_shell', input: { command: 'grep -n "let i" harness-demo/sum.js' } }], ifFailed: { text: DENIED_EDIT } },
  { text: 'The loop now starts at index 0.', toolCalls: [{ name: 'todo', input: { todos: [
    { text: 'Find the bug in harness-demo/sum.js', status: 'done' },
    { text: 'Fix it', status: 'done' },
    { text: 'Check the fix', status: 'done' },
  ] } }], ifFailed: { text: 'The fix is applied (the loop now starts at index 0), but the check was denied, so it is not verified: run `grep -n "let i" harness-demo/sum.js` yourself.' } },
  { text: 'sum() started its loop at index 1 and skipped the first element; the fix starts it at 0, and the check above shows it.' },
]
  .map((turn) => JSON.stringify(turn))
  .join('\n');
