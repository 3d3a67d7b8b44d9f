/**
 * `audit init [path]`: sets a repository up to catch guardrail regressions at every commit and
 * on every pull request. Writes `audit.config.yaml` and the baseline at the audited folder, a
 * pre-commit hook (husky or lefthook when the repository uses them, else a plain git hook) and a
 * GitHub Actions workflow that audits pull requests and uploads SARIF.
 *
 * Contract: never overwrites a file without `--force`. An existing husky hook or lefthook file
 * gets the audit added (its other content kept) when it does not run the audit yet.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { TOOL } from '../../version.js';
import { buildBaseline, DEFAULT_BASELINE } from './baseline.js';
import { findRepoRoot, resolveRoot, runAudit } from './index.js';

export type HookKind = 'husky' | 'lefthook' | 'git';

export interface InitAction {
  /** POSIX path relative to the repository's top level. */
  file: string;
  status: 'created' | 'updated' | 'overwritten' | 'kept';
  /** Why a file was kept, or what was added to it. */
  note?: string;
}

const LEFTHOOK_FILES = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml'];

/** Which hook manager the repository uses: husky (a .husky folder or the package), lefthook (its config), else plain git. */
export function hookKind(repoRoot: string): { kind: HookKind; file?: string } {
  if (fs.existsSync(path.join(repoRoot, '.husky'))) return { kind: 'husky' };
  const lefthook = LEFTHOOK_FILES.find((f) => fs.existsSync(path.join(repoRoot, f)));
  if (lefthook) return { kind: 'lefthook', file: lefthook };
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    if ('husky' in deps) return { kind: 'husky' };
    if ('lefthook' in deps || '@evilmartians/lefthook' in deps) return { kind: 'lefthook' };
  } catch {
    // no package.json: plain git
  }
  return { kind: 'git' };
}

const CONFIG = `# agent-audit configuration: https://www.npmjs.com/package/agent-audit
# JSON Schema: ./node_modules/agent-audit/schema/audit.config.schema.json
# exclude: ["legacy/**"]            # on top of .gitignore and the built-in excludes
# harness: ["src"]                  # where the harness lives (default: all source)
# failUnder: 70                     # fail below this score
checks: {}
#   permissions.shell-guard: required
#   agents.subagent-limits: { level: off, reason: "single-agent by design" }
`;

/** The command a hook runs, from the repository's top level. */
export function hookCommand(rel: string): string {
  const baseline = rel === '.' ? DEFAULT_BASELINE : `${rel}/${DEFAULT_BASELINE}`;
  return `npx --yes ${TOOL.name}@${TOOL.version} evaluate ${rel} --staged --baseline ${baseline} --quiet --no-progress`;
}

export function workflow(rel: string): string {
  const baseline = rel === '.' ? DEFAULT_BASELINE : `${rel}/${DEFAULT_BASELINE}`;
  return `# Written by \`audit init\`: audits the agent harness on every pull request.
# Fails when a check dropped a level or lost a mechanism since ${baseline}; the findings
# appear in the pull request as code scanning alerts.
name: agent-audit
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
  security-events: write
jobs:
  audit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: agent-audit
        run: npx --yes ${TOOL.name}@${TOOL.version} evaluate ${rel} --format sarif --output agent-audit.sarif --baseline ${baseline} --no-progress
      - name: Summary
        if: always()
        run: npx --yes ${TOOL.name}@${TOOL.version} evaluate ${rel} --format markdown --no-progress >> "$GITHUB_STEP_SUMMARY" || true
      - uses: github/codeql-action/upload-sarif@v3
        if: always() && hashFiles('agent-audit.sarif') != ''
        with:
          sarif_file: agent-audit.sarif
          category: agent-audit
`;
}

function gitHooksDir(repoRoot: string): string {
  try {
    const p = execFileSync('git', ['-C', repoRoot, 'rev-parse', '--git-path', 'hooks'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return path.resolve(repoRoot, p);
  } catch {
    return path.join(repoRoot, '.git', 'hooks');
  }
}

export interface InitOptions {
  force?: boolean;
  /** Where the baseline's audit comes from (tests); default: the audit of the folder. */
  baseline?: () => Promise<string>;
}

/** Sets the repository of `target` up; returns what was written. */
export async function init(target: string, options: InitOptions = {}): Promise<InitAction[]> {
  const root = resolveRoot(target);
  const repoRoot = findRepoRoot(root);
  if (!fs.existsSync(path.join(repoRoot, '.git'))) throw new UsageError(`${target} is not in a git repository: run git init first (the hook and the workflow belong to a repository)`);
  const rel = path.relative(repoRoot, root).split(path.sep).join('/') || '.';
  const actions: InitAction[] = [];
  const relTo = (abs: string) => path.relative(repoRoot, abs).split(path.sep).join('/');

  /** Writes a whole file unless it exists (then only with --force). */
  const write = (abs: string, text: string | (() => Promise<string>), mode?: number) => async () => {
    const exists = fs.existsSync(abs);
    if (exists && !options.force) return actions.push({ file: relTo(abs), status: 'kept', note: 'exists (--force overwrites it)' });
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, typeof text === 'string' ? text : await text(), mode ? { mode } : undefined);
    if (mode) fs.chmodSync(abs, mode);
    actions.push({ file: relTo(abs), status: exists ? 'overwritten' : 'created' });
  };

  await write(path.join(root, 'audit.config.yaml'), CONFIG)();
  await write(path.join(root, DEFAULT_BASELINE), options.baseline ?? (async () => JSON.stringify(buildBaseline(await runAudit(root, { review: false })), null, 2) + '\n'))();

  const command = hookCommand(rel);
  const hook = hookKind(repoRoot);
  if (hook.kind === 'husky') {
    const file = path.join(repoRoot, '.husky', 'pre-commit');
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (text === undefined) await write(file, `${command}\n`, 0o755)();
    else if (text.includes(TOOL.name)) actions.push({ file: relTo(file), status: 'kept', note: `already runs ${TOOL.name}` });
    else {
      fs.writeFileSync(file, `${text}${text.endsWith('\n') || !text ? '' : '\n'}${command}\n`);
      actions.push({ file: relTo(file), status: 'updated', note: 'the audit added after the existing commands' });
    }
  } else if (hook.kind === 'lefthook') {
    const file = path.join(repoRoot, hook.file ?? 'lefthook.yml');
    // The YAML library loads only here, for a lefthook file, not for every command.
    const { parseDocument } = await import('yaml');
    const doc = parseDocument(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    if (doc.errors.length) throw new UsageError(`cannot add the hook to ${relTo(file)}: ${doc.errors[0].message}`);
    const existing = doc.getIn(['pre-commit', 'commands', TOOL.name]);
    if (existing && !options.force) actions.push({ file: relTo(file), status: 'kept', note: `pre-commit.commands.${TOOL.name} exists (--force replaces it)` });
    else {
      const had = fs.existsSync(file);
      if (!doc.contents) doc.contents = doc.createNode({}) as never;
      doc.setIn(['pre-commit', 'commands', TOOL.name, 'run'], command);
      fs.writeFileSync(file, doc.toString());
      actions.push({ file: relTo(file), status: had ? 'updated' : 'created', note: `pre-commit.commands.${TOOL.name}` });
    }
  } else {
    const file = path.join(gitHooksDir(repoRoot), 'pre-commit');
    await write(file, `#!/bin/sh\n# Written by \`audit init\`: fails the commit when it regresses a guardrail of the agent harness.\n${command}\n`, 0o755)();
  }

  await write(path.join(repoRoot, '.github', 'workflows', 'agent-audit.yml'), workflow(rel))();
  return actions;
}

export function registerInitCommand(program: Command, io: { stdout: (t: string) => void; cwd: string }): void {
  program
    .command('init')
    .description('set a repository up for guardrail regressions: audit.config.yaml, a baseline, a pre-commit hook (husky, lefthook or git) and a GitHub Actions workflow')
    .argument('[path]', 'root folder of the harness (default: the current folder)', '.')
    .option('--force', 'overwrite files that exist')
    .action(async (target: string, opts: { force?: boolean }) => {
      const actions = await init(path.resolve(io.cwd, target), { force: opts.force });
      for (const a of actions) io.stdout(`${a.status.padEnd(11)} ${a.file}${a.note ? `  (${a.note})` : ''}\n`);
      if (actions.some((a) => a.status === 'kept')) io.stdout('Files that exist were kept; run again with --force to overwrite them.\n');
      io.stdout(`Commit them; the hook then fails a commit that regresses a guardrail (audit evaluate --update-baseline accepts a change).\n`);
    });
}
