/**
 * The bundled demo turn file, used by `audit harness run` when no API key and no --script is
 * given. It works in any folder: it writes a small buggy module, finds the bug, fixes it and runs
 * it, so every stage shows (plan, tools, a sub-agent, permissions, verify, the final answer).
 * In the default mode without a terminal the edits are denied (nobody can approve them), which
 * is itself part of the demo; `--mode accept-edits` applies them.
 */
export const DEMO_SCRIPT = [
  { text: 'I will plan the work first.', toolCalls: [{ name: 'todo', input: { todos: [
    { text: 'Look around the workspace', status: 'in_progress' },
    { text: 'Reproduce the bug in harness-demo/sum.js', status: 'pending' },
    { text: 'Fix it and check the result', status: 'pending' },
  ] } }, { name: 'list_dir', input: { path: '.' } }] },
  { text: 'Creating a small module with a bug to work on.', toolCalls: [{ name: 'edit_file', input: {
    path: 'harness-demo/sum.js',
    old_string: '',
    new_string: 'export function sum(xs) {\n  let total = 0;\n  for (let i = 1; i < xs.length; i++) total += xs[i];\n  return total;\n}\nconsole.log(sum([1, 2, 3]));\n',
  } }] },
  { text: 'Let an explore sub-agent find the loop.', toolCalls: [{ name: 'task', input: { agent: 'explore', prompt: 'Find the loop in harness-demo/sum.js and say where it starts.' } }] },
  { toolCalls: [{ name: 'search', input: { pattern: 'for \\(let i', path: 'harness-demo' } }] },
  { text: 'The loop in harness-demo/sum.js:3 starts at index 1, so the first element is skipped.' },
  { text: 'The loop skips the first element. Fixing it.', toolCalls: [{ name: 'edit_file', input: {
    path: 'harness-demo/sum.js', old_string: 'let i = 1;', new_string: 'let i = 0;',
  } }] },
  { toolCalls: [{ name: 'run_shell', input: { command: 'grep -n "let i" harness-demo/sum.js' } }, { name: 'todo', input: { todos: [
    { text: 'Look around the workspace', status: 'done' },
    { text: 'Reproduce the bug in harness-demo/sum.js', status: 'done' },
    { text: 'Fix it and check the result', status: 'done' },
  ] } }] },
  { text: 'sum() started its loop at index 1 and skipped the first element; the fix starts it at 0. If an edit above was denied, run again with --mode accept-edits (or answer y at the prompt) to apply it.' },
]
  .map((turn) => JSON.stringify(turn))
  .join('\n');
