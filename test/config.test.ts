/**
 * Configuration files as facts: entries (key path, value, line) from YAML, JSON and TOML, which
 * files are read at all, and the shared queries rules use over them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeConfig } from '../src/analyzers/config.js';
import { isHarnessConfig } from '../src/analyzers/config-files.js';
import type { ConfigEntryFact } from '../src/analyzers/facts.js';
import { analyze } from '../src/modes/evaluate/analyze.js';
import { loadConfig } from '../src/modes/evaluate/config.js';
import { discover } from '../src/modes/evaluate/discover.js';
import { RuleContext } from '../src/rules/context.js';
import { configEntries, configMapsWith, configValue } from '../src/rules/shared/config.js';

const at = (entries: ConfigEntryFact[], p: string) => entries.find((e) => e.path === p);

describe('config entries', () => {
  it('YAML: nested maps, lists of maps, scalars, with their lines', () => {
    const text = [
      '# tools of the bundle',
      'tools:',
      '  find_file:',
      '    signature: "find_file <name>"',
      '    docstring: finds a file',
      '    arguments:',
      '      - name: file_name',
      '        type: string',
      '        required: true',
      'limits:',
      '  step_limit: 50',
      '  names: [a, b]',
    ].join('\n');
    const { entries, format } = analyzeConfig('tools/x/config.yaml', text);
    expect(format).toBe('yaml');
    expect(at(entries, 'tools')).toMatchObject({ key: 'tools', value: '', line: 2 });
    expect(at(entries, 'tools.find_file.docstring')).toMatchObject({ key: 'docstring', value: 'finds a file', line: 5 });
    expect(at(entries, 'tools.find_file.arguments[0]')).toMatchObject({ key: 'arguments', value: '', line: 7 });
    expect(at(entries, 'tools.find_file.arguments[0].required')).toMatchObject({ value: 'true', line: 9 });
    expect(at(entries, 'limits.step_limit')).toMatchObject({ value: '50', line: 11 });
    expect(at(entries, 'limits.names[1]')).toMatchObject({ key: 'names', value: 'b', line: 12 });
  });

  it('YAML: several documents, aliases not expanded, broken input does not throw', () => {
    const { entries } = analyzeConfig('a.yaml', 'a: &x\n  b: 1\n---\nc: *x\n');
    expect(at(entries, 'a.b')).toMatchObject({ value: '1', line: 2 });
    expect(at(entries, 'c')).toMatchObject({ value: '*x', line: 4 });
    expect(() => analyzeConfig('b.yaml', 'a: [1, 2\n  b: : :\n\t- x')).not.toThrow();
  });

  it('JSON and JSONC: lines of keys, comments and trailing commas', () => {
    const text = [
      '{',
      '  // the tools',
      '  "tools": [',
      '    { "name": "bash", "readOnly": false },',
      '    {',
      '      "name": "read", /* inline */',
      '      "description": "read a file",',
      '    },',
      '  ],',
      '  "maxTurns": 20,',
      '  "escaped": "a\\"b"',
      '}',
    ].join('\n');
    const { entries, format } = analyzeConfig('agent.jsonc', text);
    expect(format).toBe('json');
    expect(at(entries, 'tools')).toMatchObject({ value: '', line: 3 });
    expect(at(entries, 'tools[0].name')).toMatchObject({ key: 'name', value: 'bash', line: 4 });
    expect(at(entries, 'tools[0].readOnly')).toMatchObject({ value: 'false', line: 4 });
    expect(at(entries, 'tools[1]')).toMatchObject({ key: 'tools', line: 5 });
    expect(at(entries, 'tools[1].description')).toMatchObject({ value: 'read a file', line: 7 });
    expect(at(entries, 'maxTurns')).toMatchObject({ value: '20', line: 10 });
    expect(at(entries, 'escaped')).toMatchObject({ value: 'a"b', line: 11 });
  });

  it('TOML: tables, arrays of tables, dotted keys, multi-line arrays and strings, inline tables', () => {
    const text = [
      'title = "policies" # comment',
      '',
      '[agent]',
      'max_turns = 30',
      'model.name = "m"',
      '',
      '[[rule]]',
      'toolName = ["glob", "read_file"]',
      'decision = "allow"',
      '',
      '[[rule]]',
      'toolName = [',
      '  "run_shell_command", # a comment',
      ']',
      'decision = "ask_user"',
      'prompt = """',
      'two',
      'lines"""',
      'args = { prefix = "git", n = 2 }',
      '["quoted.key"]',
      'x = \'lit # not a comment\'',
    ].join('\n');
    const { entries, format } = analyzeConfig('policies/read-only.toml', text);
    expect(format).toBe('toml');
    expect(at(entries, 'title')).toMatchObject({ value: 'policies', line: 1 });
    expect(at(entries, 'agent')).toMatchObject({ value: '', line: 3 });
    expect(at(entries, 'agent.max_turns')).toMatchObject({ value: '30', line: 4 });
    expect(at(entries, 'agent.model.name')).toMatchObject({ key: 'name', value: 'm', line: 5 });
    expect(at(entries, 'rule[0].toolName[1]')).toMatchObject({ key: 'toolName', value: 'read_file', line: 8 });
    expect(at(entries, 'rule[1]')).toMatchObject({ key: 'rule', line: 11 });
    expect(at(entries, 'rule[1].toolName[0]')).toMatchObject({ value: 'run_shell_command', line: 12 });
    expect(at(entries, 'rule[1].decision')).toMatchObject({ value: 'ask_user', line: 15 });
    expect(at(entries, 'rule[1].prompt')).toMatchObject({ value: 'two\nlines', line: 16 });
    expect(at(entries, 'rule[1].args.prefix')).toMatchObject({ value: 'git', line: 19 });
    expect(at(entries, 'quoted.key.x')).toMatchObject({ value: 'lit # not a comment', line: 21 });
  });
});

describe('which configuration files are read', () => {
  it('by name: harness configs yes; manifests, locks, tsconfig, CI, locales, schemas, generated no', () => {
    for (const p of ['tools/edit/config.yaml', 'config/default.yml', 'src/policy/policies/plan.toml', 'agents.json', 'settings.jsonc']) expect(isHarnessConfig(p), p).toBe(true);
    for (const p of [
      'package.json', 'package-lock.json', 'pnpm-lock.yaml', 'tsconfig.json', 'tsconfig.build.json', 'pyproject.toml',
      'docker-compose.yml', 'renovate.json', 'src/i18n/en.json', 'webview/locales/de/common.json', 'messages/ja.json',
      'src/tool.schema.json', 'frames.generated.json', 'website/_data/results.yml', '.eslintrc.json', 'src/index.ts',
    ]) expect(isHarnessConfig(p), p).toBe(false);
  });

  it('Markdown counts only as an agent definition file in an agents folder, read by its front matter', () => {
    for (const p of ['src/agents/reviewer.md', 'source/subagents/built-in/explore.md', 'agents/planner.md']) expect(isHarnessConfig(p), p).toBe(true);
    for (const p of ['README.md', 'docs/agents.md', 'src/agents/README.md', 'src/agents.md', 'notes/plan.md']) expect(isHarnessConfig(p), p).toBe(false);
    const text = ['---', 'name: reviewer', 'description: Reviews diffs.', 'tools:', '  - read_file', '---', '', 'You review code.', ''].join('\n');
    const entries = analyzeConfig('src/agents/reviewer.md', text).entries.map((e) => [e.path, e.line, e.value]);
    expect(entries).toEqual([
      ['name', 2, 'reviewer'],
      ['description', 3, 'Reviews diffs.'],
      ['tools', 4, ''],
      ['tools[0]', 5, 'read_file'],
      ['body', 8, 'You review code.'],
    ]);
    // No front matter: nothing is read.
    expect(analyzeConfig('src/agents/notes.md', '# Notes\n\nname: not front matter\n').entries).toEqual([]);
  });

  it('discovery: skips tests, examples, dot folders, big files; facts reach RuleContext', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-config-'));
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    write('src/agent.ts', 'export const x = 1;\n');
    write('tools/search/config.yaml', 'tools:\n  find:\n    docstring: finds\n    arguments: []\n');
    write('tools/edit/config.yaml', 'tools:\n  edit:\n    docstring: edits\n');
    write('tests/fixture.yaml', 'a: 1\n');
    write('examples/agent.yaml', 'a: 1\n');
    write('.github/workflows/ci.yml', 'on: push\n');
    write('tsconfig.json', '{ "compilerOptions": {} }');
    write('base-config.json', '{ "compilerOptions": { "strict": true } }');
    write('roomodes.json', '{ "$schema": "http://json-schema.org/draft-07/schema#", "properties": {} }');
    write('big.json', `{ "a": "${'x'.repeat(300 * 1024)}" }`);
    const discovery = discover(root, await loadConfig(root));
    expect(discovery.configs.map((c) => c.path).sort()).toEqual(['base-config.json', 'roomodes.json', 'tools/edit/config.yaml', 'tools/search/config.yaml']);
    const facts = await analyze(discovery);
    expect(facts.configs.map((c) => c.path).sort()).toEqual(['tools/edit/config.yaml', 'tools/search/config.yaml']);
    const ctx = new RuleContext(facts);
    expect(configEntries(ctx, /^docstring$/).map((e) => `${e.file}:${e.line}`)).toEqual(['tools/edit/config.yaml:3', 'tools/search/config.yaml:3']);
    const bundles = configMapsWith(ctx, ['docstring']);
    expect(bundles.map((m) => [m.file, m.path, m.line, configValue(m, 'docstring')])).toEqual([
      ['tools/edit/config.yaml', 'tools.edit', 2, 'edits'],
      ['tools/search/config.yaml', 'tools.find', 2, 'finds'],
    ]);
  });
});
