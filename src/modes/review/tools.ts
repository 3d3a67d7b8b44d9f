/**
 * The two read-only tools `audit evaluate --llm` gives Claude, so that a review can open the code
 * an evidence pack does not show. Declared once, as data (name, description, input schema), run
 * through one dispatcher that never throws: a bad input, a path outside the audited root (`..`,
 * an absolute path, a symlink that leads out) or a missing file comes back as a tool error the
 * model reads. Nothing is executed and nothing is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import picomatch from 'picomatch';
import { z } from 'zod';
import { gitignoresIn, isGitignored, SKIP_DIRS, type Gitignores } from '../evaluate/discover.js';

/** Most lines one read_file call returns. */
export const MAX_READ_LINES = 200;
/** Most matches one search call returns. */
export const MAX_MATCHES = 50;
/** Files larger than this are not searched or read (data, bundles). */
const MAX_FILE_BYTES = 1_000_000;
/** Most files one search walks. */
const MAX_SEARCH_FILES = 20_000;
/** A line longer than this is cut in results, and lines over MAX_SCAN_LINE are not matched (minified code). */
const MAX_SHOWN = 240;
const MAX_SCAN_LINE = 4_000;
/** Dot folders that hold an agent's own configuration (permissions, hooks, workflows); other dot folders are caches and tooling. */
const SEARCHED_DOT_DIRS = new Set(['.claude', '.github', '.codex', '.gemini', '.cursor']);

export const READ_TOOLS: Anthropic.Tool[] = [
  {
    name: 'read_file',
    description: `Read lines of a file of the audited harness, numbered ("  42 | code"). Paths are relative to the audited root. At most ${MAX_READ_LINES} lines per call: pass start_line / end_line to read further. A folder's path lists its entries.`,
    input_schema: {
      type: 'object',
      properties: {
        path: { type: 'string', description: 'file path relative to the audited root, e.g. src/agent/loop.ts' },
        start_line: { type: 'integer', minimum: 1, description: 'first line to read (default 1)' },
        end_line: { type: 'integer', minimum: 1, description: `last line to read (default start_line + ${MAX_READ_LINES - 1})` },
      },
      required: ['path'],
    },
  },
  {
    name: 'search',
    description: `Search the audited harness's files (not node_modules, .git, ignored, binary or huge files) for a JavaScript regular expression, or a literal string when it is not one. Returns up to ${MAX_MATCHES} matches as "file:line: text".`,
    input_schema: {
      type: 'object',
      properties: {
        pattern: { type: 'string', description: 'a JavaScript regular expression (no slashes or flags), e.g. "maxTurns|max_turns"' },
        path_glob: { type: 'string', description: 'only files whose path matches this glob, e.g. "src/**/*.ts" or "*.py"' },
      },
      required: ['pattern'],
    },
  },
];

export interface ToolOutput {
  content: string;
  isError: boolean;
}

const ReadInput = z.object({ path: z.string().min(1), start_line: z.number().int().min(1).optional(), end_line: z.number().int().min(1).optional() });
const SearchInput = z.object({ pattern: z.string().min(1), path_glob: z.string().min(1).optional() });

const fail = (content: string): ToolOutput => ({ content, isError: true });

/** The one dispatch path: a tool call by name and input, answered with text; never throws. */
export function runTool(root: string, name: string, input: unknown): ToolOutput {
  try {
    if (name === 'read_file') {
      const parsed = ReadInput.safeParse(input);
      return parsed.success ? readFileTool(root, parsed.data) : fail(`read_file: invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
    }
    if (name === 'search') {
      const parsed = SearchInput.safeParse(input);
      return parsed.success ? searchTool(root, parsed.data) : fail(`search: invalid input: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
    }
    return fail(`no tool named ${name}: use ${READ_TOOLS.map((t) => t.name).join(' or ')}`);
  } catch (err) {
    return fail(`${name} failed: ${(err as Error)?.message ?? String(err)}`);
  }
}

/**
 * The absolute path of `rel` when it lies inside `root` (symlinks resolved), else why not. A path
 * that does not exist is reported as such, once it is known not to lead out of the root.
 */
export function confine(root: string, rel: string): { abs: string; rel: string } | { error: string } {
  const p = rel.trim().replace(/\\/g, '/');
  if (path.isAbsolute(p) || path.win32.isAbsolute(p) || p.startsWith('~')) return { error: `${rel}: absolute paths are not allowed; give a path relative to the audited root` };
  if (p.split('/').includes('..')) return { error: `${rel}: ".." is not allowed; paths stay inside the audited root` };
  const clean = p.replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(root);
  } catch {
    return { error: `the audited root cannot be read` };
  }
  let real: string;
  try {
    real = fs.realpathSync(path.join(root, clean));
  } catch (err) {
    return { error: `${clean}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : 'cannot be read'}` };
  }
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return { error: `${clean}: leads outside the audited root (a symlink); not read` };
  return { abs: real, rel: clean };
}

function readFileTool(root: string, input: z.infer<typeof ReadInput>): ToolOutput {
  const where = confine(root, input.path);
  if ('error' in where) return fail(where.error);
  const stat = fs.statSync(where.abs);
  if (stat.isDirectory()) {
    const entries = fs
      .readdirSync(where.abs, { withFileTypes: true })
      .filter((e) => e.name !== '.git' && e.name !== 'node_modules')
      .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
      .sort();
    const shown = entries.slice(0, MAX_READ_LINES);
    return { content: `${where.rel}/ (a folder, ${entries.length} entries${entries.length > shown.length ? `, first ${shown.length} shown` : ''}):\n${shown.join('\n')}`, isError: false };
  }
  if (!stat.isFile()) return fail(`${where.rel}: not a regular file`);
  if (stat.size > MAX_FILE_BYTES) return fail(`${where.rel}: ${stat.size} bytes, too large to read; search it instead`);
  const buf = fs.readFileSync(where.abs);
  if (isBinary(buf)) return fail(`${where.rel}: a binary file`);
  const text = buf.toString('utf8');
  const lines = text.split(/\r?\n/);
  if (text.endsWith('\n')) lines.pop();
  const start = input.start_line ?? 1;
  if (lines.length === 0) return { content: `${where.rel}: empty file`, isError: false };
  if (start > lines.length) return fail(`${where.rel} has ${lines.length} lines; start_line ${start} is past its end`);
  const wanted = Math.max(start, input.end_line ?? start + MAX_READ_LINES - 1);
  const end = Math.min(lines.length, wanted, start + MAX_READ_LINES - 1);
  const width = String(end).length;
  const out = [`${where.rel} (lines ${start}-${end} of ${lines.length}):`];
  for (let n = start; n <= end; n++) out.push(`${String(n).padStart(width)} | ${lines[n - 1]}`);
  if (end < lines.length) out.push(`(${lines.length - end} more lines: read_file with start_line ${end + 1})`);
  return { content: out.join('\n'), isError: false };
}

const isBinary = (buf: Buffer) => buf.subarray(0, 8192).includes(0);

function searchTool(root: string, input: z.infer<typeof SearchInput>): ToolOutput {
  let re: RegExp;
  let how = 'regular expression';
  try {
    re = new RegExp(input.pattern);
  } catch {
    re = new RegExp(input.pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    how = 'literal (not a valid regular expression)';
  }
  const glob = input.path_glob?.replace(/^\.\//, '');
  const inGlob = glob ? picomatch(glob, { dot: true, basename: !glob.includes('/') }) : undefined;
  const matches: string[] = [];
  let more = false;
  let files = 0;
  for (const file of walk(root)) {
    if (inGlob && !inGlob(file.rel)) continue;
    if (++files > MAX_SEARCH_FILES) break;
    let buf: Buffer;
    try {
      buf = fs.readFileSync(file.abs);
    } catch {
      continue;
    }
    if (isBinary(buf)) continue;
    const lines = buf.toString('utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.length > MAX_SCAN_LINE || !re.test(l)) continue;
      if (matches.length === MAX_MATCHES) {
        more = true;
        break;
      }
      const t = l.trim();
      matches.push(`${file.rel}:${i + 1}: ${t.length > MAX_SHOWN ? `${t.slice(0, MAX_SHOWN)}…` : t}`);
    }
    if (more) break;
  }
  const scope = glob ? ` in files matching ${glob}` : '';
  if (!matches.length) return { content: `no match for ${how} ${JSON.stringify(input.pattern)}${scope} (${Math.min(files, MAX_SEARCH_FILES)} files searched)`, isError: false };
  const head = `${matches.length}${more ? '+' : ''} matches for ${how} ${JSON.stringify(input.pattern)}${scope}${more ? ` (first ${MAX_MATCHES} shown: narrow the pattern or path_glob)` : ''}:`;
  return { content: [head, ...matches].join('\n'), isError: false };
}

/**
 * The files a search walks, in name order: symlinks are not followed, dot folders (but .claude,
 * .github and the like), dependencies
 * and build output (the audit's own skip list) are left out, every .gitignore applies below its
 * folder, and files over 1 MB are skipped.
 */
function* walk(root: string): Generator<{ rel: string; abs: string }> {
  const stack: Array<{ dir: string; rel: string; ignores: Gitignores }> = [{ dir: root, rel: '', ignores: [] }];
  while (stack.length) {
    const { dir, rel, ignores: parent } = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    const ignores = gitignoresIn(parent, dir, rel, entries);
    const ignored = (p: string, isDir: boolean) => isGitignored(ignores, p, isDir);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const dirs: typeof stack = [];
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const abs = path.join(dir, e.name);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) {
        if ((e.name.startsWith('.') && !SEARCHED_DOT_DIRS.has(e.name)) || SKIP_DIRS.has(e.name) || ignored(childRel, true)) continue;
        dirs.push({ dir: abs, rel: childRel, ignores });
        continue;
      }
      if (!e.isFile() || ignored(childRel, false)) continue;
      try {
        if (fs.statSync(abs).size > MAX_FILE_BYTES) continue;
      } catch {
        continue;
      }
      yield { rel: childRel, abs };
    }
    // Depth first, folders in name order: push them reversed so the first is walked first.
    for (const d of dirs.reverse()) stack.push(d);
  }
}
