/**
 * Shell guard (check `permissions.shell-guard`): decides, before the shell tool runs a command,
 * whether to allow it, ask the user, or deny it. It never runs anything.
 *
 * Contract: `classifyCommand(command, { workspace })` parses `command` as bash with tree-sitter and
 * judges every part it finds: each simple command of a list, pipeline, subshell, `$(…)`, backticks,
 * `<(…)`, each redirection, and the code handed to `eval`, `bash -c`, `sh <<<`, `… | sh`, `find -exec`,
 * `xargs`, options that name a program to run (`rg --pre`, `sort --compress-program`, `man -P`,
 * `tar --to-command` …) and wrappers such as `env`, `timeout`, `nohup`; options that name a file to
 * read (`grep -f FILE`, `date -f FILE` …) are reads of that file. Words are evaluated as bash would (quotes,
 * escapes, `$'\x72'`, `${HOME}`, `~`, `$IFS` splitting, variables assigned earlier, `$(echo …)`).
 *   allow  plain reads inside the workspace;
 *   ask    side effects (writes, network, installs, pushes, process control, running scripts or
 *          programs named in options), reads of secrets (files, `printenv SECRET`, `$SECRET`) and
 *          anything not understood (unknown commands, command names known only at run time, parse errors);
 *   deny   catastrophic or exfiltrating commands: deletes outside the workspace or of all of it, writes
 *          outside it (the temp folder only asks), disk tools, privilege escalation, downloaded or decoded
 *          code run by a shell, a secret read in a command that also uses the network or writes a file
 *          (exfiltration, a copy of the secret), fork bombs.
 * The verdict is the most severe part (deny > ask > allow); `reasons` has one line per part, most severe
 * first, each naming its part: "deny: `rm -rf /` — deletes the filesystem root".
 * Limits: a guard, not a sandbox. Paths are resolved lexically (a `cd` earlier in the command is followed,
 * symlinks are not); what a script or program does inside is not known, which is why running one asks.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

export type Decision = 'allow' | 'ask' | 'deny';
export interface CommandVerdict {
  decision: Decision;
  reasons: string[];
}

// ───────────────────────────── Data: what commands do ─────────────────────────────

/** How a read-only command's operands are read: as files, not at all, or a program first then files. */
interface ReadSpec {
  operands: 'paths' | 'none' | 'program';
  /** Options that take the next argument as their value (not an operand). */
  valueOptions?: string[];
  /** Options whose value is the program, so that every operand is a file (grep -e, sed -e, awk -f). */
  programOptions?: string[];
}
const PATHS: ReadSpec = { operands: 'paths' };
const NONE: ReadSpec = { operands: 'none' };
const GREP: ReadSpec = { operands: 'program', valueOptions: ['-e', '-f', '-m', '-A', '-B', '-C', '-d', '-D', '--regexp', '--file'], programOptions: ['-e', '-f', '--regexp', '--file'] };

/** Commands that only read (files inside the workspace → allow; outside → ask; secrets → ask, or deny with the network). */
const READ_ONLY: Record<string, ReadSpec> = {
  ls: PATHS, cat: PATHS, less: PATHS, more: PATHS, wc: PATHS, df: PATHS, nl: PATHS, tac: PATHS, rev: PATHS,
  head: { operands: 'paths', valueOptions: ['-n', '-c'] },
  tail: { operands: 'paths', valueOptions: ['-n', '-c', '--pid', '-s'] },
  stat: { operands: 'paths', valueOptions: ['-c', '-f', '--format', '--printf'] },
  file: { operands: 'paths', valueOptions: ['-m', '-F'] },
  du: { operands: 'paths', valueOptions: ['-d', '--max-depth', '-B'] },
  tree: { operands: 'paths', valueOptions: ['-L', '-I', '-P', '--charset'] },
  diff: { operands: 'paths', valueOptions: ['-U', '-C', '--label', '-x', '-X'] },
  cmp: PATHS, comm: PATHS, paste: PATHS, join: PATHS, column: PATHS, fmt: PATHS, expand: PATHS, unexpand: PATHS, pr: PATHS,
  fold: { operands: 'paths', valueOptions: ['-w'] },
  cut: { operands: 'paths', valueOptions: ['-d', '-f', '-c', '-b'] },
  sort: { operands: 'paths', valueOptions: ['-k', '-t', '-S', '-T', '-o', '--output', '--compress-program', '--files0-from'] },
  uniq: { operands: 'paths', valueOptions: ['-f', '-s', '-w'] },
  md5sum: PATHS, sha1sum: PATHS, sha256sum: PATHS, sha512sum: PATHS, b2sum: PATHS, cksum: PATHS, md5: PATHS,
  shasum: { operands: 'paths', valueOptions: ['-a'] },
  strings: { operands: 'paths', valueOptions: ['-n', '-t'] },
  od: { operands: 'paths', valueOptions: ['-t', '-N', '-j', '-A'] },
  hexdump: { operands: 'paths', valueOptions: ['-n', '-s', '-e'] },
  xxd: { operands: 'paths', valueOptions: ['-c', '-g', '-l', '-s'] },
  base64: { operands: 'paths', valueOptions: ['-w', '-b'] },
  zcat: PATHS, bzcat: PATHS, xzcat: PATHS, gzcat: PATHS,
  grep: GREP, egrep: GREP, fgrep: GREP,
  rg: { operands: 'program', valueOptions: ['--pre', '--ignore-file', '-e', '-f', '-g', '--glob', '-t', '-T', '--type', '--type-not', '-m', '-A', '-B', '-C', '-j', '-M', '--max-depth', '--regexp', '--file'], programOptions: ['-e', '-f', '--regexp', '--file'] },
  ag: { operands: 'program', valueOptions: ['-G', '--ignore', '-m', '-A', '-B', '-C'] },
  ack: { operands: 'program', valueOptions: ['--type', '-m'] },
  sed: { operands: 'program', valueOptions: ['-e', '-f', '-l', '--expression', '--file'], programOptions: ['-e', '-f', '--expression', '--file'] },
  awk: { operands: 'program', valueOptions: ['-f', '-v', '-F'], programOptions: ['-f'] },
  gawk: { operands: 'program', valueOptions: ['-f', '-v', '-F'], programOptions: ['-f'] },
  mawk: { operands: 'program', valueOptions: ['-f', '-v', '-F'], programOptions: ['-f'] },
  jq: { operands: 'program', valueOptions: ['--arg', '--argjson', '--slurpfile', '--rawfile', '--indent', '-f', '--from-file'], programOptions: ['-f', '--from-file'] },
  yq: { operands: 'program', valueOptions: ['--arg', '-o', '--output-format', '-p'] },
  echo: NONE, printf: NONE, pwd: NONE, which: NONE, whereis: NONE, type: NONE, hash: NONE, true: NONE, false: NONE,
  ':': NONE, test: NONE, '[': NONE, date: NONE, whoami: NONE, id: NONE, groups: NONE, uname: NONE, hostname: NONE,
  sleep: NONE, seq: NONE, basename: NONE, dirname: NONE, realpath: NONE, readlink: NONE, expr: NONE, tr: NONE,
  ps: NONE, uptime: NONE, free: NONE, jobs: NONE, help: NONE, man: NONE, locale: NONE, tput: NONE, bc: NONE,
  yes: NONE, wait: NONE, exit: NONE, return: NONE, shift: NONE, read: NONE, getconf: NONE, nproc: NONE, arch: NONE,
  tty: NONE, logname: NONE, users: NONE, who: NONE, w: NONE, cal: NONE, clear: NONE, set: NONE, shopt: NONE,
  printenv: NONE, umask: NONE, dirs: NONE, cd: NONE, pushd: NONE, popd: NONE, unset: NONE, export: NONE,
  local: NONE, declare: NONE, typeset: NONE, readonly: NONE, let: NONE, times: NONE, lsb_release: NONE, sw_vers: NONE,
};

/** Commands that decode or transform their input: piping their output into a shell runs obfuscated code. */
const DECODERS: Record<string, RegExp | true> = {
  base64: /^(?:-[a-zA-Z]*[dD][a-zA-Z]*|--decode)$/, gbase64: /^(?:-d|--decode)$/, openssl: /^(?:-d|-base64|base64|-a)$/,
  xxd: /^-[a-zA-Z]*r/, uudecode: true, rev: true, tr: true, gunzip: true, zcat: true, gzcat: true, bunzip2: true,
  unxz: true, bzcat: true, xzcat: true, gzip: /^-[a-zA-Z]*d|^--decompress$/, bzip2: /^-[a-zA-Z]*d/, xz: /^-[a-zA-Z]*d/,
};

/** Paths whose contents are secrets (keys, tokens, credentials, password hashes). */
const SECRET_PATHS: RegExp[] = [
  /\/\.ssh(?:\/|$)/, /\/id_(?:rsa|dsa|ecdsa|ed25519)(?:\.|$)/, /\.(?:pem|key|p12|pfx|keystore|jks)$/,
  /\/\.env(?!\.(?:example|sample|template|dist)$)(?:\.[^/]*)?$/, /\/\.aws(?:\/|$)/, /\/\.netrc$/,
  /\/\.npmrc$/, /\/\.pypirc$/, /\/\.git-credentials$/, /\/\.docker\/config\.json$/, /\/\.kube\/config$/,
  /\/\.gnupg(?:\/|$)/, /\/\.config\/gcloud(?:\/|$)/, /\/\.azure(?:\/|$)/, /\/credentials\.json$/, /\/secrets?\.(?:json|ya?ml|toml)$/,
  /^\/etc\/(?:g?shadow|sudoers|master\.passwd)/, /^\/proc\/[^/]+\/environ$/, /\/\.(?:bash|zsh)_history$/,
];
/** Variables whose values are secrets: expanding one into a command counts as reading a secret. */
const SECRET_VARIABLE = /(?:SECRET|TOKEN|PASSW(?:OR)?D|API_?KEY|PRIVATE_?KEY|CREDENTIAL|ACCESS_?KEY)/i;

/** Network tools (ask; a secret read anywhere in the same command line makes it deny). Output counts as downloaded. */
const NETWORK = new Set(['curl', 'wget', 'fetch', 'aria2c', 'http', 'https', 'xh', 'httpie', 'nc', 'ncat', 'netcat', 'socat', 'telnet', 'ssh', 'scp', 'sftp', 'ftp', 'rsync', 'dig', 'nslookup', 'host', 'ping', 'traceroute', 'whois', 'tftp', 'mail', 'sendmail']);

/** Privilege escalation: deny. */
const PRIVILEGE = new Set(['sudo', 'su', 'doas', 'pkexec', 'runuser', 'chroot', 'sg', 'newgrp', 'dzdo']);

/** Disk, partition and power tools: deny. `mkfs.*` too. */
const CATASTROPHIC_COMMANDS: Record<string, string> = {
  mkfs: 'formats a disk', mke2fs: 'formats a disk', mkswap: 'formats a disk', fdisk: 'edits disk partitions', sfdisk: 'edits disk partitions',
  cfdisk: 'edits disk partitions', gdisk: 'edits disk partitions', sgdisk: 'edits disk partitions', parted: 'edits disk partitions',
  wipefs: 'wipes disk signatures', blkdiscard: 'discards a whole device', hdparm: 'changes disk firmware settings', diskutil: 'manages disks',
  shutdown: 'shuts the machine down', reboot: 'reboots the machine', halt: 'halts the machine', poweroff: 'powers the machine off',
  telinit: 'changes the run level', init: 'changes the run level', killall5: 'kills every process',
};

/** Shells: `-c STRING` is classified recursively, reading a script asks, reading downloaded code denies. */
const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'mksh', 'ash', 'fish', 'csh', 'tcsh', 'yash']);

/** Interpreters and the options that take inline code: ask (deny when the code visibly does catastrophic things). */
const INTERPRETERS: Record<string, string[]> = {
  python: ['-c'], python3: ['-c'], python2: ['-c'], pypy: ['-c'], pypy3: ['-c'], node: ['-e', '--eval', '-p', '--print'],
  nodejs: ['-e', '--eval', '-p', '--print'], bun: ['-e', '--eval', '-p', '--print'], deno: ['eval'], perl: ['-e', '-E'],
  ruby: ['-e'], php: ['-r'], lua: ['-e'], Rscript: ['-e'], osascript: ['-e'], pwsh: ['-c', '-Command'], powershell: ['-c', '-Command'],
  tclsh: [], jshell: [], irb: [],
};

/** Inline code that visibly does catastrophic things (for `python -c`, `node -e`, `perl -e` …). */
const CATASTROPHIC_CODE: Array<[RegExp, string]> = [
  [/fork\s*\(\s*\)\s*while|fork\s+while\s+fork|while\s*\(?\s*(?:1|true|True)\s*\)?\s*[:{]?\s*(?:os\.)?fork\b|while\s+True\s*:\s*os\.fork/, 'is a fork bomb'],
  [/\b(?:rmtree|rmSync|rm_rf|rm_r|rmdirSync|remove_dir_all)\s*\(\s*(['"])(?:\/|~|\/\*)\1/, 'deletes / or the home folder'],
  [/\/dev\/(?:sd[a-z]|nvme\d|disk\d|hd[a-z]|mmcblk\d)/, 'touches a raw disk device'],
];
/** Strings that inline code hands to a shell (`os.system("…")`, `execSync('…')`, `` `…` ``): classified as shell. */
const SHELL_CALL_IN_CODE = /\b(?:system|popen|check_output|check_call|getoutput|getstatusoutput|exec|execSync|spawnSync|call|run|Popen|qx)\s*\(\s*(?:r|f)?(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;
const NETWORK_IN_CODE = /\b(?:https?:\/\/|socket|requests\.|urllib|http\.client|fetch\(|http\.request|https\.request|net\.connect|Net::HTTP|LWP::|IO::Socket|open-uri)/;

/** Process control: ask. `kill -9 -1` (every process) is catastrophic. */
const PROCESS_CONTROL = new Set(['kill', 'pkill', 'killall', 'disown', 'renice', 'systemctl', 'service', 'launchctl', 'crontab', 'at', 'batch', 'screen', 'tmux', 'bg', 'fg']);

/** Package managers and their read-only subcommands (anything else asks: installs, runs package scripts). */
const PACKAGE_MANAGERS: Record<string, string[]> = {
  npm: ['ls', 'list', 'll', 'la', 'view', 'v', 'info', 'show', 'outdated', 'help', 'explain', 'why', 'root', 'prefix', '--version', '-v'],
  pnpm: ['ls', 'list', 'why', 'outdated', '--version', '-v'], yarn: ['list', 'info', 'why', 'outdated', '--version', '-v'],
  pip: ['list', 'show', 'freeze', 'check', '--version', '-V', 'help'], pip3: ['list', 'show', 'freeze', 'check', '--version', '-V', 'help'],
  pipx: ['list', '--version'], uv: ['--version'], poetry: ['show', '--version'], cargo: ['--version', 'tree'], gem: ['list', '--version'],
  go: ['version', 'env', 'doc'], brew: ['list', 'info', '--version'], apt: ['list', 'show', 'search', 'policy'], 'apt-get': [],
  'apt-cache': ['search', 'show', 'policy', 'depends'], dnf: ['list', 'info'], yum: ['list', 'info'], conda: ['list', 'info', '--version'],
  composer: ['show', '--version'], bundle: ['list', '--version'], npx: [], pnpx: [], bunx: [],
};
/** Git subcommands that only read. `branch`, `tag`, `remote`, `stash`, `config`, `worktree` read only in some forms. */
const GIT_READ_ONLY = new Set(['status', 'log', 'diff', 'show', 'blame', 'shortlog', 'ls-files', 'ls-tree', 'rev-parse', 'rev-list', 'describe', 'grep', 'cat-file', 'name-rev', 'whatchanged', 'count-objects', 'check-ignore', 'for-each-ref', 'merge-base', 'show-ref', 'version', 'help', 'annotate', 'var']);
const GIT_READ_FORMS: Record<string, RegExp> = {
  branch: /^(?:-a|-r|-v|-vv|-l|--list|--all|--remotes|--show-current|--merged|--no-merged|--contains|--sort=.*|--format=.*|--color.*|--no-color|--verbose)$/,
  tag: /^(?:-l|--list|-n\d*|--sort=.*|--contains|--merged|--points-at)$/, remote: /^(?:-v|--verbose|show|get-url)$/,
  stash: /^(?:list|show)$/, config: /^(?:--get|--get-all|--get-regexp|--list|-l|--show-origin|--global|--local|--system)$/, worktree: /^list$/,
  reflog: /^(?:show|--date=.*|-n\d*)$/, submodule: /^status$/,
};

/**
 * Options whose value is a program the command runs (rg --pre runs it on every file searched, man -P
 * pipes the page into it, tar --to-command feeds it each member): running one asks, and the program
 * is classified as a command of its own (so `--to-command='rm -rf /'` denies).
 */
const PROGRAM_OPTIONS: Record<string, string[]> = {
  rg: ['--pre'], sort: ['--compress-program'], man: ['-P', '--pager', '-H', '--html'],
  tar: ['-I', '--use-compress-program', '--to-command', '-F', '--info-script', '--new-volume-script', '--rsh-command'],
  zip: ['-TT', '--unzip-command'], rsync: ['-e', '--rsh'], less: ['--lesskey-src'],
};
/** Options whose value is a file the command reads (patterns, scripts, dates, lists of names): judged as reads of that file. */
const FILE_OPTIONS: Record<string, string[]> = {
  grep: ['-f', '--file'], egrep: ['-f', '--file'], fgrep: ['-f', '--file'], rg: ['-f', '--file', '--ignore-file'],
  sed: ['-f', '--file'], awk: ['-f'], gawk: ['-f'], mawk: ['-f'], jq: ['-f', '--from-file'], date: ['-f', '--file'],
  diff: ['--from-file', '--to-file', '-X', '--exclude-from'], du: ['-X', '--exclude-from', '--files0-from'], wc: ['--files0-from'],
  sort: ['--files0-from'], file: ['-f', '--files-from', '-m', '--magic-file'], hexdump: ['-f'],
  tar: ['-T', '--files-from', '-X', '--exclude-from'],
};

/** Commands known to have side effects, with the reason they ask. */
const SIDE_EFFECTS: Record<string, string> = {
  make: 'runs a build', cmake: 'runs a build', ninja: 'runs a build', gradle: 'runs a build', mvn: 'runs a build', tsc: 'compiles (writes output files)',
  vitest: 'runs tests', jest: 'runs tests', pytest: 'runs tests', docker: 'controls containers', podman: 'controls containers',
  kubectl: 'controls a cluster', helm: 'controls a cluster', terraform: 'changes infrastructure', ansible: 'changes remote machines',
  gcc: 'compiles', cc: 'compiles', clang: 'compiles', rustc: 'compiles', javac: 'compiles', open: 'opens a program', 'xdg-open': 'opens a program',
  code: 'opens an editor', vim: 'opens an editor', vi: 'opens an editor', nano: 'opens an editor', emacs: 'opens an editor',
  tar: 'creates or extracts an archive', zip: 'creates an archive', unzip: 'extracts an archive', gzip: 'compresses files', gunzip: 'decompresses files',
  bzip2: 'compresses files', bunzip2: 'decompresses files', xz: 'compresses files', unxz: 'decompresses files', '7z': 'handles an archive',
  patch: 'edits files', split: 'writes files', csplit: 'writes files', sqlite3: 'opens a database', psql: 'opens a database', mysql: 'opens a database',
  'redis-cli': 'opens a database', mongosh: 'opens a database', openssl: 'runs openssl', gpg: 'uses keys', 'ssh-keygen': 'writes keys',
  'ssh-add': 'loads keys', history: 'shows or edits the shell history', source: 'runs a script in the current shell', '.': 'runs a script in the current shell',
  alias: 'defines an alias (changes what later commands mean)', iptables: 'changes the firewall', mount: 'mounts a filesystem', umount: 'unmounts a filesystem',
  git: 'runs git', uudecode: 'writes decoded files', strace: 'traces a process', gdb: 'debugs a process', nohup: 'detaches a process',
};

/** How a file-changing command treats its operands. */
type PathEffect = 'delete' | 'write' | 'modify' | 'copy' | 'move';
const PATH_COMMANDS: Record<string, { effect: PathEffect; valueOptions?: string[] }> = {
  rm: { effect: 'delete' }, rmdir: { effect: 'delete' }, unlink: { effect: 'delete' }, shred: { effect: 'delete', valueOptions: ['-n', '-s'] },
  srm: { effect: 'delete' }, touch: { effect: 'write', valueOptions: ['-d', '-t', '-r'] }, mkdir: { effect: 'write', valueOptions: ['-m'] },
  truncate: { effect: 'write', valueOptions: ['-s', '-r'] }, tee: { effect: 'write' }, mkfifo: { effect: 'write', valueOptions: ['-m'] },
  chmod: { effect: 'modify' }, chown: { effect: 'modify' }, chgrp: { effect: 'modify' }, chattr: { effect: 'modify' }, setfacl: { effect: 'modify', valueOptions: ['-m', '-x'] },
  cp: { effect: 'copy', valueOptions: ['-t', '--target-directory', '-S'] }, ln: { effect: 'copy', valueOptions: ['-t', '-S'] },
  install: { effect: 'copy', valueOptions: ['-m', '-o', '-g', '-t'] }, mv: { effect: 'move', valueOptions: ['-t', '-S'] },
};

/** Wrappers that run the command after their own options: classify the wrapped command. */
const WRAPPERS: Record<string, { valueOptions: string[]; positionals?: number; reason?: string }> = {
  command: { valueOptions: [] }, builtin: { valueOptions: [] }, exec: { valueOptions: ['-a'] }, time: { valueOptions: ['-f', '-o'] },
  nice: { valueOptions: ['-n', '--adjustment'] }, ionice: { valueOptions: ['-c', '-n', '-t'] }, stdbuf: { valueOptions: ['-i', '-o', '-e'] },
  timeout: { valueOptions: ['-s', '--signal', '-k', '--kill-after'], positionals: 1 }, gtimeout: { valueOptions: ['-s', '-k'], positionals: 1 },
  nohup: { valueOptions: [], reason: 'keeps running after the session (process control)' }, setsid: { valueOptions: [], reason: 'detaches a process (process control)' },
  chronic: { valueOptions: [] }, coproc: { valueOptions: [] }, unbuffer: { valueOptions: [] }, caffeinate: { valueOptions: ['-t', '-w'] }, busybox: { valueOptions: [] },
};

/** Devices that are safe to read and write; `/dev/tcp|udp/…` is the network; any other device is a raw device. */
const SAFE_DEVICES = /^\/dev\/(?:null|zero|stdin|stdout|stderr|tty|random|urandom|full|fd\/\d+)$/;
const NETWORK_DEVICES = /^\/dev\/(?:tcp|udp)\//;
const STANDARD_ENV: Record<string, () => string> = { HOME: () => os.homedir(), IFS: () => ' \t\n', SHELL: () => '/bin/bash', BASH: () => '/bin/bash', TMPDIR: () => os.tmpdir() };
const MAX_NESTING = 8;
/** Statements walked per command at most (loops are unrolled over their known values). */
const MAX_STEPS = 5_000;
const MAX_COMMAND_LENGTH = 100_000;
const SEVERITY: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

// ───────────────────────────── Parser ─────────────────────────────

let parserReady: Promise<Parser> | undefined;

/** Loads the bash grammar once per process (the wasm that the tree-sitter-bash package ships). */
function bashParser(): Promise<Parser> {
  parserReady ??= (async () => {
    await Parser.init();
    const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    return parser;
  })();
  parserReady.catch(() => (parserReady = undefined));
  return parserReady;
}

// ───────────────────────────── Model ─────────────────────────────

/** What a command writes to stdout, as far as it matters: remote data, decoded data, or text known statically. */
interface Flow {
  download?: boolean;
  decoded?: boolean;
  text?: string;
}
/** One word after expansion; `value` is undefined when it is only known at run time. */
interface Arg {
  value?: string;
  text: string;
  /** Output of the substitution the word came from, or the stdin fed to `xargs`. */
  source?: Flow;
}
/** Shell state followed through the command: current directory (undefined after a `cd` we cannot follow), variables, functions. */
interface State {
  cwd: string | undefined;
  vars: Map<string, string | undefined>;
  functions: Set<string>;
  depth: number;
  /** How this code was reached (`bash -c`, `eval` …), shown with the part. */
  via: string;
}
interface Finding {
  decision: Decision;
  part: string;
  reason: string;
}
/** The context of one simple command being classified. */
interface Cx {
  part: string;
  st: State;
  stdin?: Flow;
}

const clone = (st: State): State => ({ ...st, vars: new Map(st.vars), functions: new Set(st.functions) });
const merge = (a: Flow | undefined, b: Flow | undefined): Flow => ({ download: !!(a?.download || b?.download), decoded: !!(a?.decoded || b?.decoded) });
const inherit = (f: Flow | undefined): Flow => ({ download: f?.download, decoded: f?.decoded });
const isOption = (v: string | undefined) => v !== undefined && v.length > 1 && v.startsWith('-');

// ───────────────────────────── Entry point ─────────────────────────────

/** Classifies a shell command for the harness's shell tool; see the contract at the top of this file. */
export async function classifyCommand(command: string, opts: { workspace: string }): Promise<CommandVerdict> {
  if (command.length > MAX_COMMAND_LENGTH) return { decision: 'ask', reasons: ['ask: the command is too long to analyse'] };
  const parser = await bashParser();
  const guard = new Guard(parser, opts.workspace);
  guard.script(command, { cwd: guard.workspace, vars: new Map(), functions: new Set(), depth: 0, via: '' });
  return guard.verdict();
}

class Guard {
  readonly workspace: string;
  private readonly roots: string[];
  private readonly home = path.resolve(os.homedir());
  private readonly temps: string[];
  private readonly findings: Finding[] = [];
  private readonly secrets: Array<{ part: string; what: string; alone: Decision }> = [];
  private readonly network: string[] = [];
  /** Parts that write a file (a copy of whatever they read: a secret read in the same line makes it deny). */
  private readonly writes: string[] = [];
  /** Files that this command downloads (`curl -o f`, `wget URL`, `curl … > f`): running one later denies. */
  private readonly downloaded = new Set<string>();
  private steps = 0;

  constructor(
    private readonly parser: Parser,
    workspace: string,
  ) {
    this.workspace = path.resolve(workspace);
    this.roots = unique([this.workspace, realpath(this.workspace)]);
    this.temps = unique(['/tmp', '/var/tmp', os.tmpdir(), realpath(os.tmpdir())].map((t) => path.resolve(t)));
  }

  verdict(): CommandVerdict {
    if (this.secrets.length && this.network.length) {
      const s = this.secrets[0];
      this.add('deny', s.part, `reads ${s.what} while \`${short(this.network[0])}\` uses the network (exfiltration)`);
    }
    const secret = this.secrets.find((x) => x.alone !== 'allow');
    if (secret && this.writes.length) {
      this.add('deny', secret.part, `reads ${secret.what} while \`${short(this.writes[0])}\` writes a file (a copy of a secret)`);
    }
    if (!this.findings.length) return { decision: 'allow', reasons: ['allow: nothing to run'] };
    const worst = new Map<string, number>();
    for (const f of this.findings) worst.set(f.part, Math.max(worst.get(f.part) ?? 0, SEVERITY[f.decision]));
    const kept = this.findings.filter((f) => f.decision !== 'allow' || worst.get(f.part) === 0);
    const sorted = kept.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY[b.f.decision] - SEVERITY[a.f.decision] || a.i - b.i);
    const reasons = unique(sorted.map(({ f }) => `${f.decision}: \`${short(f.part)}\` — ${f.reason}`));
    const decision = sorted[0].f.decision;
    return { decision, reasons };
  }

  private add(decision: Decision, part: string, reason: string): void {
    this.findings.push({ decision, part, reason });
  }

  // ── Scripts and statements ──

  /** Parses `text` and walks it with `st` (used for the command itself and for code in `bash -c`, `eval` …). */
  script(text: string, st: State, stdin?: Flow): Flow {
    const part = st.via ? `${st.via} › ${text}` : text;
    if (st.depth > MAX_NESTING) {
      this.add('ask', part, 'code nested too deeply to analyse');
      return {};
    }
    const tree = this.parser.parse(text.replace(/\\\r?\n/g, ''));
    if (!tree) {
      this.add('ask', part, 'could not be parsed');
      return {};
    }
    try {
      if (tree.rootNode.hasError) this.add('ask', part, 'could not be parsed completely (not understood)');
      return this.statement(tree.rootNode, st, stdin);
    } finally {
      tree.delete();
    }
  }

  private statement(n: Node, st: State, stdin?: Flow): Flow {
    if (++this.steps > MAX_STEPS) {
      if (this.steps === MAX_STEPS + 1) this.add('ask', this.partOf(n, st), 'too complex to analyse (not understood)');
      return {};
    }
    switch (n.type) {
      case 'program':
      case 'list':
      case 'compound_statement':
      case 'do_group':
        return this.sequence(n.namedChildren, st, stdin);
      case 'subshell':
        return this.sequence(n.namedChildren, clone(st), stdin);
      case 'pipeline':
        return this.pipeline(n.namedChildren, st, stdin);
      case 'redirected_statement':
        return this.redirected(n, st, stdin);
      case 'command':
        return this.simpleCommand(n, st, stdin);
      case 'variable_assignment':
        this.assign(n, st, this.partOf(n, st));
        return {};
      case 'declaration_command':
      case 'unset_command':
        return this.declaration(n, st);
      case 'function_definition':
        this.functionDefinition(n, st);
        return {};
      case 'for_statement': {
        // The body is judged once per value when the values are known, else once with the variable unknown.
        const variable = n.childForFieldName('variable')?.text ?? '';
        const body = n.childForFieldName('body');
        const expanded = n.childrenForFieldName('value').map((v) => this.expand(v, st, this.partOf(n, st)).fields);
        const values = expanded.every((f) => f !== undefined) && n.childrenForFieldName('value').length ? expanded.flat() as string[] : undefined;
        if (!body) return {};
        let out: Flow = {};
        for (const value of values && values.length <= 16 ? values : [undefined]) {
          st.vars.set(variable, value);
          out = merge(out, this.statement(body, st));
        }
        st.vars.set(variable, undefined);
        return out;
      }
      case 'comment':
        return {};
      case 'file_redirect':
        this.redirect(n, st, this.partOf(n, st));
        return {};
      default:
        return this.generic(n, st, stdin);
    }
  }

  /** Any other node (if, while, case, test, errors …): words are expanded for their substitutions, statements walked. */
  private generic(n: Node, st: State, stdin?: Flow): Flow {
    let out: Flow = {};
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (WORD_TYPES.has(c.type)) this.expand(c, st, this.partOf(c, st));
      else out = merge(out, this.statement(c, st, stdin));
    }
    return out;
  }

  private sequence(nodes: Node[], st: State, stdin?: Flow): Flow {
    let out: Flow = {};
    let first = true;
    for (const c of nodes) {
      if (!c || c.type === 'comment') continue;
      const f = this.statement(c, st, first ? stdin : undefined);
      out = nodes.length === 1 ? f : merge(out, f);
      first = false;
    }
    return out;
  }

  /** Each stage reads the previous stage's output; stages run in subshells. */
  private pipeline(stages: Node[], st: State, stdin?: Flow): Flow {
    let flow = stdin;
    for (const stage of stages) if (stage && stage.type !== 'comment') flow = this.statement(stage, clone(st), flow);
    return flow ?? {};
  }

  private redirected(n: Node, st: State, stdin?: Flow): Flow {
    const part = this.partOf(n, st);
    let input = stdin;
    const stages: Node[] = [];
    const after: Node[] = [];
    const redirects = n.namedChildren.filter((c): c is Node => !!c && c.type.endsWith('_redirect'));
    const writes: string[] = [];
    for (const r of redirects) {
      if (r.type === 'heredoc_redirect') {
        input = this.heredoc(r, st, part, stages, after);
      } else if (r.type === 'herestring_redirect') {
        input = this.herestring(r, st, part);
      } else {
        input = this.redirect(r, st, part, writes) ?? input;
      }
    }
    const body = n.childForFieldName('body');
    let out: Flow = body ? this.statement(body, st, input) : {};
    if (out.download) for (const w of writes) this.downloaded.add(w);
    if (stages.length) out = this.pipeline(stages, st, out);
    for (const a of after) this.statement(a, st);
    return out;
  }

  /** `<<EOF`: the body is the command's stdin (the grammar nests a following `| cmd` or `&& cmd` in the redirect). */
  private heredoc(r: Node, st: State, part: string, stages: Node[], after: Node[]): Flow {
    let text = '';
    r.children.forEach((c, i) => {
      if (!c) return;
      const field = r.fieldNameForChild(i);
      if (c.type === 'heredoc_body') {
        text = c.text;
        this.generic(c, st);
      } else if (c.type === 'pipeline') stages.push(...c.namedChildren.filter((s): s is Node => !!s));
      else if (field === 'right') after.push(c);
      else if (c.type === 'file_redirect') this.redirect(c, st, part);
      else if (c.isNamed && !/^heredoc_(?:start|end)$/.test(c.type) && !field) after.push(c);
    });
    return { text };
  }

  private herestring(r: Node, st: State, part: string): Flow {
    const word = r.namedChildren.find((c) => !!c && WORD_TYPES.has(c.type));
    if (!word) return {};
    const e = this.expand(word, st, part);
    return { ...inherit(e.flow), text: e.fields ? e.fields.join(' ') + '\n' : undefined };
  }

  /** A file redirection: `<` reads (returns the stdin it gives), `>`/`>>`/`&>` write, `>&2` duplicates. */
  private redirect(r: Node, st: State, part: string, writes: string[] = []): Flow | undefined {
    const op = r.children.find((c) => !!c && !c.isNamed)?.text ?? '';
    const dest = r.childForFieldName('destination');
    if (!dest) return undefined;
    if ((op === '>&' || op === '<&') && /^(?:\d+|-)$/.test(dest.text)) return undefined;
    const args = this.args(dest, st, part);
    if (op === '<' || op === '<&') {
      for (const a of args) this.readPath(a, { part, st });
      return {};
    }
    for (const a of args) {
      this.changePath(a, 'write', false, { part, st });
      const p = a.value === undefined ? undefined : this.place(a.value, st);
      if (p) writes.push(p.abs);
    }
    if (op === '<>') for (const a of args) this.readPath(a, { part, st });
    return undefined;
  }

  private declaration(n: Node, st: State): Flow {
    const part = this.partOf(n, st);
    const keyword = n.child(0)?.text ?? '';
    let any = false;
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'variable_assignment') {
        this.assign(c, st, part);
        any = true;
      } else if (c.type === 'variable_name') {
        st.vars.set(c.text, keyword === 'unset' ? '' : st.vars.get(c.text));
        any = true;
      } else if (WORD_TYPES.has(c.type)) {
        const e = this.expand(c, st, part);
        if (keyword === 'unset') for (const v of e.fields ?? []) if (!v.startsWith('-')) st.vars.set(v, '');
        if (e.fields?.some((v) => /^-[a-zA-Z]*p/.test(v))) this.secret(part, 'the environment (it may hold secrets)', 'allow');
      }
    }
    if (!any && (keyword === 'export' || keyword === 'declare' || keyword === 'typeset')) this.secret(part, 'the environment (it may hold secrets)', 'allow');
    this.add('allow', part, `${keyword} only sets shell variables`);
    return {};
  }

  private assign(n: Node, st: State, part: string): void {
    const name = n.childForFieldName('name')?.text ?? '';
    const value = n.childForFieldName('value');
    if (!value) {
      st.vars.set(name, '');
    } else if (value.type === 'array') {
      for (const v of value.namedChildren) if (v) this.expand(v, st, part);
      st.vars.set(name, undefined);
    } else {
      const e = this.expand(value, st, part, false);
      st.vars.set(name, e.fields ? e.fields.join(' ') : undefined);
    }
    this.add('allow', part, 'sets a shell variable');
  }

  /** Function bodies are classified where they are defined; calling the function then adds nothing. A body that calls itself in the background or through a pipe is a fork bomb. */
  private functionDefinition(n: Node, st: State): void {
    const name = n.childForFieldName('name')?.text ?? '';
    const body = n.childForFieldName('body');
    const part = this.partOf(n, st);
    st.functions.add(name);
    if (!body) return;
    const callsItself = this.commandNames(body).includes(name);
    if (callsItself && /[|&]/.test(body.text)) this.add('deny', part, `fork bomb: function ${name} starts copies of itself`);
    else if (callsItself) this.add('ask', part, `function ${name} calls itself`);
    this.statement(body, clone(st));
  }

  private commandNames(n: Node): string[] {
    const names: string[] = [];
    const visit = (m: Node) => {
      if (m.type === 'command_name') names.push(m.text);
      for (const c of m.namedChildren) if (c) visit(c);
    };
    visit(n);
    return names;
  }

  private partOf(n: Node, st: State): string {
    return st.via ? `${st.via} › ${n.text}` : n.text;
  }

  // ── Words ──

  /** Expands a word as bash would, walking the substitutions inside it. `fields` is undefined when not known statically. */
  private expand(n: Node, st: State, part: string, split = true): { fields?: string[]; flow?: Flow } {
    const pieces: Array<{ text: string; split: boolean }> = [];
    let dynamic = false;
    let flow: Flow | undefined;
    const visit = (m: Node, quoted: boolean, first: boolean): void => {
      switch (m.type) {
        case 'word':
        case 'number': {
          let t = m.text;
          if (first && !quoted && /^~(?:[/+]|$)/.test(t)) t = (t[1] === '+' ? (st.cwd ?? '') : this.home) + t.slice(t[1] === '+' ? 2 : 1);
          else if (first && !quoted && /^~\w/.test(t)) t = '/home/' + t.slice(1);
          pieces.push({ text: quoted ? t : unescapeWord(t), split: false });
          break;
        }
        case 'raw_string':
          pieces.push({ text: m.text.slice(1, -1), split: false });
          break;
        case 'ansi_c_string':
          pieces.push({ text: decodeEscapes(m.text.slice(2, -1), true), split: false });
          break;
        case 'string':
        case 'translated_string':
          pieces.push({ text: '', split: false });
          for (const c of m.namedChildren) {
            if (!c) continue;
            if (c.type === 'string_content') pieces.push({ text: c.text.replace(/\\([$`"\\\n])/g, (_, ch: string) => (ch === '\n' ? '' : ch)), split: false });
            else visit(c, true, false);
          }
          break;
        case 'concatenation':
          m.namedChildren.forEach((c, i) => c && visit(c, quoted, first && i === 0));
          break;
        case 'simple_expansion':
        case 'expansion': {
          if (m.type === 'expansion') this.generic(m, st);
          const v = this.variable(m, st, part);
          if (v === undefined) dynamic = true;
          else pieces.push({ text: v, split: !quoted && split });
          break;
        }
        case 'command_substitution': {
          const f = this.sequence(m.namedChildren, clone(st));
          flow = merge(flow, f);
          if (f.text === undefined) dynamic = true;
          else pieces.push({ text: f.text.replace(/\n+$/, ''), split: !quoted && split });
          break;
        }
        case 'process_substitution': {
          flow = merge(flow, this.sequence(m.namedChildren, clone(st)));
          pieces.push({ text: '/dev/fd/63', split: false });
          break;
        }
        default:
          this.generic(m, st);
          dynamic = true;
      }
    };
    visit(n, false, true);
    if (dynamic) return { flow };
    const ifs = st.vars.get('IFS') ?? ' \t\n';
    const fields: string[] = [];
    let cur = '';
    let have = false;
    for (const p of pieces) {
      if (!p.split) {
        cur += p.text;
        have = true;
        continue;
      }
      for (const ch of p.text) {
        if (ifs.includes(ch)) {
          if (have) fields.push(cur);
          cur = '';
          have = false;
        } else {
          cur += ch;
          have = true;
        }
      }
    }
    if (have) fields.push(cur);
    const braced = /\{[^{}'"\s]*,[^{}'"\s]*\}/.test(n.text) ? fields.flatMap(expandBraces) : fields;
    return { fields: braced, flow };
  }

  /** Expands a word into arguments (several when it splits, one unknown argument when it is dynamic). */
  private args(n: Node, st: State, part: string): Arg[] {
    const e = this.expand(n, st, part);
    if (!e.fields) return [{ text: n.text, source: e.flow }];
    return e.fields.map((value) => ({ value, text: n.text, source: e.flow }));
  }

  private variable(m: Node, st: State, part: string): string | undefined {
    const named = m.namedChildren.filter((c): c is Node => !!c);
    const nameNode = named[0];
    if (!nameNode || nameNode.type !== 'variable_name') return undefined;
    const name = nameNode.text;
    if (SECRET_VARIABLE.test(name)) this.secret(part, `the secret variable $${name}`);
    const known = st.vars.has(name) ? st.vars.get(name) : name === 'PWD' ? st.cwd : own(STANDARD_ENV, name)?.();
    if (m.type === 'simple_expansion' || named.length === 1) return known;
    const op = m.childForFieldName('operator')?.text;
    if ((op === ':-' || op === '-' || op === ':=' || op === '=') && known !== undefined && (known !== '' || !op.startsWith(':'))) return known;
    return undefined;
  }

  // ── Simple commands ──

  private simpleCommand(n: Node, st: State, stdin?: Flow): Flow {
    const part = this.partOf(n, st);
    let input = stdin;
    const argv: Arg[] = [];
    for (const c of n.namedChildren) {
      if (!c) continue;
      if (c.type === 'variable_assignment') this.expand(c.childForFieldName('value') ?? c, st, part);
      else if (c.type === 'command_name') argv.push(...(c.namedChild(0) ? this.args(c.namedChild(0)!, st, part) : []));
      else if (c.type === 'herestring_redirect') input = this.herestring(c, st, part);
      else if (c.type === 'file_redirect') input = this.redirect(c, st, part) ?? input;
      else if (WORD_TYPES.has(c.type)) argv.push(...this.args(c, st, part));
    }
    return this.run(argv, { part, st, stdin: input });
  }

  /** Classifies one command from its expanded argv. Returns what it writes to stdout. */
  private run(argv: Arg[], cx: Cx): Flow {
    const ask = (reason: string) => this.add('ask', cx.part, reason);
    const deny = (reason: string) => this.add('deny', cx.part, reason);
    const allow = (reason: string) => this.add('allow', cx.part, reason);
    if (!argv.length) {
      allow('expands to nothing');
      return inherit(cx.stdin);
    }
    const head = argv[0];
    if (head.value === undefined) {
      if (head.source?.download) deny(`runs a command whose name is downloaded (${head.text})`);
      else if (head.source?.decoded) deny(`runs a command whose name is decoded at run time (${head.text})`);
      else ask(`the command name is only known at run time (${head.text}): not understood`);
      return {};
    }
    const args = argv.slice(1);
    const values = args.map((a) => a.value);
    let name = head.value;
    if (cx.st.functions.has(name)) {
      allow(`calls the function ${name} defined in this command`);
      return {};
    }
    if (name.includes('/')) {
      const base = path.posix.basename(name);
      if (this.wasDownloaded(name, cx.st)) {
        deny(`runs ${name}, downloaded by this same command`);
        return {};
      }
      if (!isKnown(base)) {
        ask(`runs the program ${name}`);
        return {};
      }
      name = base;
    }
    if (!isKnown(name) && isKnown(name.toLowerCase())) name = name.toLowerCase();

    if (PRIVILEGE.has(name)) {
      deny(`${name} escalates privileges`);
      return {};
    }
    if (own(CATASTROPHIC_COMMANDS, name) || name.startsWith('mkfs.')) {
      if (name === 'init' && !values.some((v) => v === '0' || v === '6')) ask('init controls the system');
      else deny(`${name} ${own(CATASTROPHIC_COMMANDS, name) ?? 'formats a disk'}`);
      return {};
    }
    const wrapper = own(WRAPPERS, name);
    if (wrapper) {
      if (name === 'command' && values.some((v) => v === '-v' || v === '-V')) {
        allow('looks a command up');
        return {};
      }
      const rest = skipOptions(args, wrapper.valueOptions, wrapper.positionals ?? 0);
      if (wrapper.reason) ask(`${name} ${wrapper.reason}`);
      if (!rest.length) {
        if (!wrapper.reason) allow(`${name} with no command`);
        return inherit(cx.stdin);
      }
      return this.run(rest, cx);
    }
    switch (name) {
      case 'env':
        return this.env(args, cx);
      case 'xargs':
        return this.xargs(args, cx);
      case 'find':
        return this.find(args, cx);
      case 'watch':
        return this.code(skipOptions(args, ['-n', '-d', '--interval'], 0), cx, 'watch');
      case 'eval':
        return this.code(args, cx, 'eval');
      case 'trap': {
        if (args[0]?.value !== undefined && !isOption(args[0].value) && args[0].value !== '-') this.code([args[0]], cx, 'trap');
        else allow('lists or resets traps');
        return {};
      }
      case 'source':
      case '.':
        return this.runScript(args[0], cx, name, true);
      case 'git':
        return this.git(args, cx);
      case 'cd':
      case 'pushd':
        return this.cd(args, cx);
      case 'popd':
        cx.st.cwd = undefined;
        allow('changes directory');
        return {};
      case 'dd':
        return this.dd(args, cx);
      case 'kill':
        if (values.length >= 2 && values[values.length - 1] === '-1') deny('kill -1 signals every process');
        else ask('kill sends a signal to processes (process control)');
        return {};
      case 'alias':
        for (const v of values) if (v?.includes('=')) this.script(v.slice(v.indexOf('=') + 1), { ...clone(cx.st), depth: cx.st.depth + 1, via: 'alias' });
        ask('alias changes what later commands mean');
        return {};
    }
    this.optionFiles(name, args, cx);
    if (SHELLS.has(name)) return this.shell(name, args, cx);
    if (own(INTERPRETERS, name)) return this.interpreter(name, args, cx);
    if (own(PACKAGE_MANAGERS, name)) return this.packageManager(name, args, cx);
    if (own(PATH_COMMANDS, name)) return this.pathCommand(name, args, cx);
    if (NETWORK.has(name)) return this.networkCommand(name, args, cx);
    if (PROCESS_CONTROL.has(name)) {
      ask(`${name} controls processes or services (process control)`);
      return {};
    }
    if (own(READ_ONLY, name)) return this.readOnly(name, args, cx);
    this.secretOperands(args, cx);
    if (own(SIDE_EFFECTS, name)) {
      ask(`${name} ${own(SIDE_EFFECTS, name)}`);
      return { ...inherit(cx.stdin), decoded: cx.stdin?.decoded || decodes(name, values) };
    }
    ask(`unknown command ${name} (not understood)`);
    return inherit(cx.stdin);
  }

  // ── Reads ──

  private readOnly(name: string, args: Arg[], cx: Cx): Flow {
    const spec = own(READ_ONLY, name)!;
    const values = args.map((a) => a.value);
    let out: Flow = inherit(cx.stdin);
    const decoding = decodes(name, values);
    if (decoding) out = { ...out, decoded: true, text: decode(name, values, cx.stdin?.text) };
    if (name === 'echo' || name === 'printf') out = this.echo(name, args);
    if (name === 'pwd') out = { text: cx.st.cwd === undefined ? undefined : cx.st.cwd + '\n' };
    if (name === 'printenv' && !args.length) this.secret(cx.part, 'the environment (it may hold secrets)', 'allow');
    if (name === 'printenv') for (const v of values) if (v !== undefined && SECRET_VARIABLE.test(v)) this.secret(cx.part, `the secret variable $${v}`);
    if (name === 'set' && !args.length) this.secret(cx.part, 'the shell variables (they may hold secrets)', 'allow');
    if (spec.operands === 'none') {
      this.add('allow', cx.part, `${name} only reads`);
      return out;
    }
    const operands = operandsOf(args, spec.valueOptions ?? []);
    const programGiven = spec.programOptions && args.some((a) => a.value !== undefined && spec.programOptions!.some((o) => a.value === o || a.value!.startsWith(o + '=')));
    const program = spec.operands === 'program' && !programGiven ? operands.shift() : undefined;
    const scripts = [program, ...optionValues(args, spec.programOptions ?? [])].filter((a): a is Arg => !!a);
    this.readOnlyExceptions(name, args, operands, scripts, cx);
    if (!operands.length && name === 'cat') out = { ...inherit(cx.stdin), text: cx.stdin?.text };
    for (const a of operands) {
      if (a.value === '-') continue;
      if (name === 'uniq' && a === operands[1]) this.changePath(a, 'write', false, cx);
      else this.readPath(a, cx);
    }
    if (operands.some((a) => a.value !== undefined && a.value !== '-')) out = { ...out, text: decoding ? out.text : undefined };
    this.add('allow', cx.part, `${name} only reads inside the workspace`);
    return out;
  }

  /** Read-only commands that can write or run things: `sed -i`, sed's `e`/`w`, awk's `system()`/`>`, `sort -o`. */
  private readOnlyExceptions(name: string, args: Arg[], operands: Arg[], scripts: Arg[], cx: Cx): void {
    const values = args.map((a) => a.value ?? '');
    const code = scripts.map((s) => s.value ?? '').join('\n');
    if (name === 'sed') {
      if (values.some((v) => /^-[a-zA-Z]*i|^--in-place/.test(v))) for (const a of operands) this.changePath(a, 'write', false, cx, 'edits in place');
      if (/(?:^|[;\n}])\s*[0-9,$/]*\s*[ew](?:\s|$)|\/[gpIi0-9]*[ew](?:\s|;|$)/.test(code)) this.add('ask', cx.part, 'the sed script runs commands or writes files');
    }
    if (/awk$/.test(name)) {
      for (const m of code.matchAll(/system\s*\(\s*"((?:\\.|[^"\\])*)"/g)) this.script(m[1], { ...clone(cx.st), depth: cx.st.depth + 1, via: 'awk system()' });
      if (/system\s*\(|\|\s*getline|\|&|print[f]?[^;{}]*(?:>|\|)/.test(code)) this.add('ask', cx.part, 'the awk program runs commands or writes files');
    }
    if (name === 'sort') for (const a of optionValues(args, ['-o', '--output'])) this.changePath(a, 'write', false, cx);
    if (scripts.some((s) => s.value === undefined && !s.source)) this.add('ask', cx.part, `the ${name} program is only known at run time`);
  }

  private echo(name: string, args: Arg[]): Flow {
    if (args.some((a) => a.value === undefined)) return {};
    let values = args.map((a) => a.value!);
    if (name === 'echo') {
      let newline = true;
      let escapes = false;
      while (values.length && /^-[neE]+$/.test(values[0])) {
        if (values[0].includes('n')) newline = false;
        if (values[0].includes('e')) escapes = true;
        values = values.slice(1);
      }
      const raw = values.join(' ');
      const text = escapes ? decodeEscapes(raw, false) : raw;
      return { text: text + (newline ? '\n' : ''), decoded: escapes && text !== raw };
    }
    const [format = '', ...rest] = values;
    if (/%(?![%sb])/.test(format)) return {};
    let i = 0;
    const text = decodeEscapes(format, false).replace(/%([%sb])/g, (_, k: string) => (k === '%' ? '%' : k === 'b' ? decodeEscapes(rest[i++] ?? '', false) : (rest[i++] ?? '')));
    return { text, decoded: /\\(?:x[0-9a-fA-F]|[0-7]{1,3}|u[0-9a-fA-F])/.test(values.join(' ')) };
  }

  private readPath(a: Arg, cx: Cx): void {
    if (a.value === undefined) {
      this.add('ask', cx.part, `reads a path only known at run time (${a.text})`);
      return;
    }
    const p = this.place(a.value, cx.st);
    if (!p) {
      this.add('ask', cx.part, `reads ${a.value} after a cd the guard cannot follow`);
      return;
    }
    if (NETWORK_DEVICES.test(p.abs)) this.net(cx.part, `reads from the network device ${p.abs}`);
    else if (p.secret) this.secret(cx.part, `a secret (${p.abs})`);
    else if (!p.inside && !SAFE_DEVICES.test(p.abs)) this.add('ask', cx.part, `reads outside the workspace (${p.abs})`);
  }

  /** Option values that are programs the command runs (PROGRAM_OPTIONS) or files it reads (FILE_OPTIONS). */
  private optionFiles(name: string, args: Arg[], cx: Cx): void {
    const programs = optionValues(args, own(PROGRAM_OPTIONS, name) ?? []);
    if (name === 'tar') {
      // Creating an archive writes it: `tar czf keys.tgz ~/.ssh` copies what it reads.
      const first = args[0]?.value ?? '';
      const bundled = /^[a-zA-Z]+$/.test(first) && first.includes('c') ? first : undefined;
      if (bundled || args.some((a) => a.value === '--create' || /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a.value ?? ''))) {
        const dashed = args.findIndex((a) => /^-[a-zA-Z]*f$/.test(a.value ?? ''));
        const archive = bundled?.endsWith('f') ? args[1] : dashed >= 0 ? args[dashed + 1] : optionValues(args, ['--file'])[0];
        if (archive && archive.value !== '-') this.changePath(archive, 'write', false, cx);
      }
      for (const a of optionValues(args, ['--checkpoint-action'])) if (a.value === undefined || a.value.startsWith('exec=')) programs.push(a.value === undefined ? a : { ...a, value: a.value.slice(5) });
    }
    for (const a of programs) {
      if (a.value === undefined) {
        this.add('ask', cx.part, `${name} runs a program only known at run time (${a.text})`);
        continue;
      }
      this.add('ask', cx.part, `${name} runs the program \`${short(a.value)}\` given in an option (runs programs)`);
      this.script(a.value, { ...clone(cx.st), depth: cx.st.depth + 1, via: cx.st.via ? `${cx.st.via} › ${name} option` : `${name} option` });
    }
    for (const a of optionValues(args, own(FILE_OPTIONS, name) ?? [])) this.readPath(a, cx);
  }

  /** For commands whose operands are not modelled: any argument naming a secret counts as reading it. */
  private secretOperands(args: Arg[], cx: Cx): void {
    for (const a of args) {
      const value = a.value?.replace(/^[^=]*=/, '').replace(/^[@<]/, '');
      const p = value ? this.place(value, cx.st) : undefined;
      if (p?.secret) this.secret(cx.part, `a secret (${p.abs})`);
    }
  }

  private secret(part: string, what: string, alone: Decision = 'ask'): void {
    this.secrets.push({ part, what, alone });
    this.add(alone, part, `reads ${what}`);
  }

  private net(part: string, reason: string): void {
    this.network.push(part);
    this.add('ask', part, reason);
  }

  // ── Writes and deletes ──

  private pathCommand(name: string, args: Arg[], cx: Cx): Flow {
    const { effect, valueOptions = [] } = own(PATH_COMMANDS, name)!;
    const values = args.map((a) => a.value ?? '');
    const recursive = values.some((v) => /^-[a-zA-Z]*[rR]/.test(v) || v === '--recursive');
    let operands = operandsOf(args, valueOptions);
    if (effect === 'modify' && !values.some((v) => v.startsWith('--reference'))) operands = operands.slice(1);
    if (!operands.length && name !== 'tee') this.add('ask', cx.part, `${name} with no operand`);
    const target = optionValues(args, ['-t', '--target-directory'])[0];
    switch (effect) {
      case 'delete':
        for (const a of operands) this.changePath(a, 'delete', recursive || name === 'shred', cx);
        break;
      case 'write':
      case 'modify':
        for (const a of operands) this.changePath(a, effect, recursive, cx);
        break;
      case 'copy':
      case 'move': {
        const dest = target ?? (operands.length > 1 ? operands[operands.length - 1] : undefined);
        const sources = target ? operands : operands.slice(0, -1);
        for (const a of sources) {
          if (effect === 'move') this.changePath(a, 'move', true, cx);
          else if (name !== 'ln') this.readPath(a, cx);
        }
        if (dest) this.changePath(dest, 'write', recursive, cx);
        break;
      }
    }
    return name === 'tee' ? inherit(cx.stdin) : {};
  }

  /**
   * A path that is written, modified, moved or deleted: the workspace, or a folder that holds it, or anything
   * outside it → deny (writes into the temp folder only ask); a raw device → deny; inside the workspace → ask.
   */
  private changePath(a: Arg, effect: 'delete' | 'write' | 'modify' | 'move', recursive: boolean, cx: Cx, what?: string): void {
    const verb = what ?? { delete: 'deletes', write: 'writes', modify: 'changes permissions or owner of', move: 'moves' }[effect];
    if (a.value === undefined) {
      if (effect === 'delete' && recursive && /^"?\$\{?\w+\}?"?\/\*?"?$/.test(a.text)) {
        return this.add('deny', cx.part, `deletes ${a.text}: the filesystem root if the variable is empty or unset`);
      }
      this.add('ask', cx.part, `${verb} a path only known at run time (${a.text})`);
      return;
    }
    const p = this.place(a.value, cx.st);
    if (!p) {
      this.add('ask', cx.part, `${verb} ${a.value} after a cd the guard cannot follow`);
      return;
    }
    if (SAFE_DEVICES.test(p.abs)) return;
    if (NETWORK_DEVICES.test(p.abs)) return this.net(cx.part, `sends data to the network device ${p.abs}`);
    if (effect === 'write') this.writes.push(cx.part);
    if (p.abs.startsWith('/dev/')) return this.add('deny', cx.part, `${verb} the device ${p.abs}`);
    if (p.glob && this.isWorkspace(p.abs)) {
      if (effect === 'delete' && recursive) this.add('deny', cx.part, `deletes everything in the workspace (${a.value})`);
      else this.add('ask', cx.part, `${verb} ${a.value}`);
      return;
    }
    if (this.isWorkspace(p.abs)) {
      if (effect === 'delete' || effect === 'move') this.add('deny', cx.part, `${verb} the whole workspace`);
      else this.add('ask', cx.part, `${verb} the workspace folder`);
      return;
    }
    if (this.holdsWorkspace(p.abs)) return this.add('deny', cx.part, `${verb} ${this.describe(p.abs)}, which holds the workspace`);
    if (p.inside) return this.add('ask', cx.part, `${verb} ${a.value.endsWith('/{}') ? this.describe(a.value) : a.value}`);
    if (effect !== 'delete' && this.temps.some((t) => p.abs.startsWith(t + '/'))) {
      return this.add('ask', cx.part, `${verb} ${p.abs} (outside the workspace, in the temp folder)`);
    }
    this.add('deny', cx.part, `${verb} ${this.describe(p.abs)}, outside the workspace`);
  }

  /** Resolves a path against the current directory: its absolute form (the fixed part before any glob), and where it lies. */
  private place(value: string, st: State): { abs: string; glob: boolean; inside: boolean; secret: boolean } | undefined {
    if (!path.isAbsolute(value) && st.cwd === undefined) return undefined;
    const abs = path.resolve(st.cwd ?? '/', value);
    const segments = abs.split('/');
    const g = segments.findIndex((s) => /[*?[]/.test(s));
    const fixed = g < 0 ? abs : segments.slice(0, g).join('/') || '/';
    return { abs: fixed, glob: g >= 0, inside: this.roots.some((r) => fixed === r || fixed.startsWith(r + '/')), secret: SECRET_PATHS.some((re) => re.test(abs)) };
  }

  private wasDownloaded(value: string | undefined, st: State): boolean {
    const p = value === undefined ? undefined : this.place(value, st);
    return !!p && this.downloaded.has(p.abs);
  }

  private isWorkspace(abs: string): boolean {
    return this.roots.includes(abs);
  }

  private holdsWorkspace(abs: string): boolean {
    return this.roots.some((r) => abs === '/' || r.startsWith(abs + '/'));
  }

  private describe(abs: string): string {
    if (abs.endsWith('/{}')) return `files found under ${path.dirname(abs)}`;
    if (abs === '/') return 'the filesystem root /';
    if (abs === this.home) return `the home folder ${abs}`;
    return abs;
  }

  // ── Commands with their own grammar ──

  private cd(args: Arg[], cx: Cx): Flow {
    const dir = operandsOf(args, [])[0];
    if (!dir) cx.st.cwd = this.home;
    else if (dir.value === undefined || dir.value === '-') cx.st.cwd = undefined;
    else {
      const p = this.place(dir.value, cx.st);
      cx.st.cwd = p && !p.glob ? p.abs : undefined;
    }
    this.add('allow', cx.part, 'changes directory (later paths are resolved from there)');
    return {};
  }

  private env(args: Arg[], cx: Cx): Flow {
    let i = 0;
    while (i < args.length) {
      const v = args[i].value;
      if (v === undefined) break;
      if (v === '-S' || v === '--split-string') {
        return this.code(args.slice(i + 1), cx, 'env -S');
      }
      if (v === '-u' || v === '--unset' || v === '-C' || v === '--chdir') i += 2;
      else if (isOption(v) || v === '-' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(v)) i += 1;
      else break;
    }
    if (i >= args.length) {
      this.secret(cx.part, 'the environment (it may hold secrets)', 'allow');
      return {};
    }
    return this.run(args.slice(i), cx);
  }

  /** `xargs CMD`: CMD runs with arguments read from stdin, known only at run time. */
  private xargs(args: Arg[], cx: Cx): Flow {
    const valueOptions = ['-I', '-n', '-L', '-P', '-d', '-E', '-s', '-a', '--arg-file', '--max-args', '--max-procs', '--delimiter', '--replace'];
    let i = 0;
    let replace: string | undefined;
    while (i < args.length && isOption(args[i].value)) {
      const v = args[i].value!;
      if (v === '-I' || v === '--replace') replace = args[i + 1]?.value;
      else if (v.startsWith('-I')) replace = v.slice(2);
      if (v === '-a' || v === '--arg-file') this.readPath(args[i + 1] ?? { text: '' }, cx);
      i += valueOptions.includes(v) ? 2 : 1;
    }
    // Input known statically (`echo a b | xargs rm`) becomes the arguments; otherwise one argument known only at run time.
    const stdin = cx.stdin;
    const known = stdin?.text !== undefined && !stdin.download && !stdin.decoded ? stdin.text.split(/\s+/).filter(Boolean) : undefined;
    const inputs: Arg[] = known ? known.map((value) => ({ value, text: value })) : [{ text: 'input of xargs', source: stdin }];
    const cmd = args.slice(i);
    const argv: Arg[] = !cmd.length
      ? [{ value: 'echo', text: 'echo' }, ...inputs]
      : replace
        ? cmd.flatMap((a) => (a.value?.includes(replace!) ? inputs.map((input) => (input.value === undefined ? input : { ...a, value: a.value!.replaceAll(replace!, input.value) })) : [a]))
        : [...cmd, ...inputs];
    return this.run(argv, { ...cx, stdin: undefined });
  }

  /** `find ROOTS EXPR`: reads the roots; `-delete`, `-exec CMD {} ;`, `-fprint FILE` act on paths under the roots. */
  private find(args: Arg[], cx: Cx): Flow {
    let i = 0;
    while (i < args.length && /^-[HLP]$|^-O\d$|^-D$/.test(args[i].value ?? '')) i += args[i].value === '-D' ? 2 : 1;
    const roots: Arg[] = [];
    while (i < args.length && !/^[-(!),]/.test(args[i].value ?? 'x')) roots.push(args[i++]);
    if (!roots.length) roots.push({ value: '.', text: '.' });
    for (const r of roots) this.readPath(r, cx);
    const under = (r: Arg): Arg => (r.value === undefined ? r : { value: r.value.replace(/\/+$/, '') + '/{}', text: r.text });
    for (; i < args.length; i++) {
      const v = args[i].value;
      if (v === '-delete') for (const r of roots) this.changePath(under(r), 'delete', false, cx);
      else if (v === '-fprint' || v === '-fprint0' || v === '-fprintf' || v === '-fls') this.changePath(args[++i] ?? { text: '' }, 'write', false, cx);
      else if (v === '-exec' || v === '-execdir' || v === '-ok' || v === '-okdir') {
        const cmd: Arg[] = [];
        for (i++; i < args.length && args[i].value !== ';' && args[i].value !== '+'; i++) cmd.push(args[i]);
        for (const r of roots) {
          const placeholder = under(r);
          const argv = cmd.map((a) => (a.value?.includes('{}') ? (placeholder.value === undefined ? placeholder : { ...a, value: a.value.replaceAll('{}', placeholder.value) }) : a));
          this.run(argv, { ...cx, stdin: undefined });
        }
      }
    }
    this.add('allow', cx.part, 'find only lists files');
    return {};
  }

  /** Code handed over as a string (`eval`, `bash -c`, `trap`, `watch`, `env -S`): classified recursively when known. */
  private code(args: Arg[], cx: Cx, via: string): Flow {
    if (!args.length) {
      this.add('allow', cx.part, `${via} with nothing to run`);
      return {};
    }
    const source = args.reduce<Flow>((f, a) => merge(f, a.source), {});
    if (source.download) this.add('deny', cx.part, `${via} runs downloaded code`);
    else if (source.decoded) this.add('deny', cx.part, `${via} runs decoded (obfuscated) code`);
    if (args.some((a) => a.value === undefined)) {
      if (!source.download && !source.decoded) this.add('ask', cx.part, `${via} runs code only known at run time (not understood)`);
      return {};
    }
    return this.script(args.map((a) => a.value).join(' '), { ...clone(cx.st), depth: cx.st.depth + 1, via: cx.st.via ? `${cx.st.via} › ${via}` : via }, cx.stdin);
  }

  /** `sh -c CODE`, `bash script.sh`, `… | sh`, `bash <(curl …)`, `source FILE`. */
  private shell(name: string, args: Arg[], cx: Cx): Flow {
    let i = 0;
    let inline = false;
    let readsStdin = false;
    for (; i < args.length; i++) {
      const v = args[i].value;
      if (v === undefined || v === '-' || !/^[-+]/.test(v)) break;
      if (v === '--') {
        i++;
        break;
      }
      if (/^[-+][oO]$|^--(?:rcfile|init-file)$/.test(v)) i++;
      else if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(v)) inline = true;
      else if (/^-[a-zA-Z]*s[a-zA-Z]*$/.test(v)) readsStdin = true;
    }
    const operands = args.slice(i);
    if (inline) {
      if (!operands.length) this.add('ask', cx.part, `${name} -c without code`);
      else this.code([operands[0]], cx, `${name} -c`);
      return {};
    }
    if (!operands.length || readsStdin) return this.fromStdin(name, cx, true);
    return this.runScript(operands[0], cx, name, true);
  }

  /** A script given as a file to run: asks (its content is not known), unless it is downloaded or decoded code (deny). */
  private runScript(a: Arg | undefined, cx: Cx, runner: string, shell: boolean): Flow {
    if (!a) {
      this.add('ask', cx.part, `${runner} without a file`);
      return {};
    }
    if (a.source?.download) this.add('deny', cx.part, `${runner} runs downloaded code (${a.text})`);
    else if (a.source?.decoded) this.add('deny', cx.part, `${runner} runs decoded (obfuscated) code (${a.text})`);
    else if (a.value === '/dev/stdin' || a.value === '-') return this.fromStdin(runner, cx, shell);
    else if (a.source?.text !== undefined && shell) return this.script(a.source.text, { ...clone(cx.st), depth: cx.st.depth + 1, via: `${runner} <(…)` });
    else if (this.wasDownloaded(a.value, cx.st)) this.add('deny', cx.part, `${runner} runs ${a.value}, downloaded by this same command`);
    else this.add('ask', cx.part, `${runner} runs the script ${a.value ?? a.text}`);
    return {};
  }

  /** A shell or interpreter reading its program from stdin: denied for downloaded or decoded input, classified when static. */
  private fromStdin(runner: string, cx: Cx, shell: boolean): Flow {
    const input = cx.stdin;
    if (!input) this.add('ask', cx.part, `${runner} starts an interactive shell or reads code from its input`);
    else if (input.download) this.add('deny', cx.part, `pipes downloaded content into ${runner}`);
    else if (input.decoded) this.add('deny', cx.part, `pipes decoded (obfuscated) content into ${runner}`);
    else if (input.text !== undefined && shell) return this.script(input.text, { ...clone(cx.st), depth: cx.st.depth + 1, via: `| ${runner}` });
    else if (input.text !== undefined) this.inlineCode(runner, input.text, cx);
    else this.add('ask', cx.part, `${runner} runs code from its input`);
    return {};
  }

  private interpreter(name: string, args: Arg[], cx: Cx): Flow {
    const values = args.map((a) => a.value);
    if (args.length && values.every((v) => v === '--version' || v === '-V' || v === '--help' || v === '-h')) {
      this.add('allow', cx.part, `${name} only prints its version or help`);
      return {};
    }
    const inlineFlags = own(INTERPRETERS, name)!;
    for (let i = 0; i < args.length; i++) {
      const v = values[i];
      if (v === undefined) break;
      const perlCluster = name === 'perl' && /^-[a-zA-Z]*[eE]$/.test(v);
      if (inlineFlags.includes(v) || perlCluster) {
        const code = args[i + 1];
        if (!code) this.add('ask', cx.part, `${name} ${v} without code`);
        else if (code.source?.download) this.add('deny', cx.part, `${name} runs downloaded code`);
        else if (code.source?.decoded) this.add('deny', cx.part, `${name} runs decoded (obfuscated) code`);
        else if (code.value === undefined) this.add('ask', cx.part, `${name} runs code only known at run time`);
        else this.inlineCode(name, code.value, cx);
        return {};
      }
      if (v === '-m') {
        const module = values[i + 1] ?? '?';
        this.add('ask', cx.part, module === 'pip' && values.includes('install') ? `${name} -m pip install installs packages` : `${name} runs the module ${module}`);
        return {};
      }
      if (!isOption(v)) return this.runScript(args[i], cx, name, false);
    }
    return this.fromStdin(name, cx, false);
  }

  /** Inline interpreter code: asks; denies what visibly destroys, and classifies the shell strings it hands to system(). */
  private inlineCode(lang: string, code: string, cx: Cx): void {
    for (const [re, why] of CATASTROPHIC_CODE) if (re.test(code)) this.add('deny', cx.part, `the ${lang} code ${why}`);
    for (const m of code.matchAll(SHELL_CALL_IN_CODE)) this.script(m[2], { ...clone(cx.st), depth: cx.st.depth + 1, via: `${lang} system()` });
    const secretPath = code.match(/(?:~|\$HOME|\/(?:root|home\/\w+))?\/?\.(?:ssh\/[\w.]+|env\b|aws\/credentials)|id_(?:rsa|ed25519|ecdsa)|\/etc\/shadow/);
    if (secretPath) this.secret(cx.part, `a secret (${secretPath[0]}) in ${lang} code`);
    if (NETWORK_IN_CODE.test(code)) this.net(cx.part, `the ${lang} code uses the network`);
    this.add('ask', cx.part, `runs inline ${lang} code`);
  }

  private git(args: Arg[], cx: Cx): Flow {
    let i = 0;
    let st = cx.st;
    for (; i < args.length && isOption(args[i].value); i++) {
      const v = args[i].value!;
      if (v === '-C') {
        const dir = args[++i];
        this.readPath(dir ?? { text: '' }, cx);
        const p = dir?.value === undefined ? undefined : this.place(dir.value, st);
        st = { ...st, cwd: p?.abs };
      } else if (v === '-c' || v === '--config-env') {
        i++;
        this.add('ask', cx.part, 'git -c overrides configuration (it can run programs)');
      } else if (v === '--git-dir' || v === '--work-tree' || v === '--namespace') i++;
    }
    const sub = args[i]?.value;
    const rest = args.slice(i + 1);
    const restValues = rest.map((a) => a.value ?? '');
    if (sub === undefined) {
      this.add(args[i] ? 'ask' : 'allow', cx.part, args[i] ? 'git subcommand only known at run time' : 'git prints its help');
      return {};
    }
    if (sub === 'push') {
      const force = restValues.some((v) => /^(?:-f|--force|--force-with-lease.*|--force-if-includes|--mirror|--delete|-d)$/.test(v) || /^\+/.test(v));
      this.add('ask', cx.part, force ? 'git push --force rewrites or deletes remote history' : 'git push publishes commits to a remote');
      return {};
    }
    const readForm = own(GIT_READ_FORMS, sub);
    const readOnly = GIT_READ_ONLY.has(sub) || (readForm && (rest.length > 0 || sub !== 'stash') && restValues.every((v) => readForm.test(v) || (sub === 'config' && !v.startsWith('-') && restValues.some((r) => /^--get|^-l$|^--list$/.test(r)))));
    if (!readOnly || restValues.some((v) => /^--output|^-O$|^--open-files-in-pager|^--ext-diff$/.test(v))) {
      const discards = (sub === 'reset' && restValues.includes('--hard')) || sub === 'clean' || (sub === 'checkout' && restValues.includes('--')) || sub === 'restore';
      this.add('ask', cx.part, discards ? `git ${sub} discards uncommitted work` : `git ${sub} changes the repository or talks to a remote`);
      return {};
    }
    // Paths: everything after `--`, and operands that are visibly paths (revisions are not confined).
    const dashes = restValues.indexOf('--');
    rest.forEach((a, k) => {
      if ((dashes >= 0 && k > dashes) || /^(?:\/|\.\.\/|\.\.$|~)/.test(a.value ?? '')) this.readPath(a, { ...cx, st });
    });
    this.add('allow', cx.part, `git ${sub} only reads`);
    return {};
  }

  private packageManager(name: string, args: Arg[], cx: Cx): Flow {
    const sub = args.find((a) => !isOption(a.value) || /^(?:--version|-v|-V)$/.test(a.value ?? ''))?.value;
    if (sub !== undefined && own(PACKAGE_MANAGERS, name)!.includes(sub)) {
      this.add('allow', cx.part, `${name} ${sub} only reads`);
      return {};
    }
    if (['npx', 'pnpx', 'bunx'].includes(name) || sub === 'exec' || sub === 'dlx' || sub === 'x') this.add('ask', cx.part, `${name} runs a package (it may download it)`);
    else if (sub && /^(?:i|install|add|ci|update|upgrade|up|uninstall|remove|rm|un|sync|get)$/.test(sub)) this.add('ask', cx.part, `${name} ${sub} installs or removes packages`);
    else if (sub && /^(?:run|run-script|test|t|start|build)$/.test(sub)) this.add('ask', cx.part, `${name} ${sub} runs package scripts`);
    else this.add('ask', cx.part, `${name} ${sub ?? ''} has side effects`.replace('  ', ' '));
    return {};
  }

  private networkCommand(name: string, args: Arg[], cx: Cx): Flow {
    const values = args.map((a) => a.value ?? '');
    this.net(cx.part, `${name} uses the network`);
    const reads: Arg[] = [];
    const writes: Arg[] = [];
    args.forEach((a, i) => {
      const v = a.value ?? '';
      const next = args[i + 1];
      if (name === 'curl') {
        if (/^(?:-d|--data|--data-binary|--data-urlencode|--json)$/.test(v) && next?.value?.startsWith('@')) reads.push({ ...next, value: next.value.slice(1) });
        if (/^(?:-F|--form)$/.test(v) && next?.value && /=[@<]/.test(next.value)) reads.push({ ...next, value: next.value.replace(/^[^=]*=[@<]/, '').replace(/;.*$/, '') });
        if (/^(?:-T|--upload-file|-K|--config)$/.test(v) && next) reads.push(next);
        if (/^(?:-o|--output)$/.test(v) && next) writes.push(next);
      }
      if (name === 'wget') {
        const m = /^--(?:post-file|body-file)=(.*)$/.exec(v);
        if (m) reads.push({ ...a, value: m[1] });
        if (v === '-i' && next) reads.push(next);
        if (/^-[a-zA-Z]*O$/.test(v) && next) writes.push(next);
        if (/^--output-document=/.test(v)) writes.push({ ...a, value: v.slice(v.indexOf('=') + 1) });
      }
      if ((name === 'nc' || name === 'ncat' || name === 'netcat') && /^-[a-zA-Z]*[ec]$/.test(v)) this.add('deny', cx.part, `${name} ${v} hands a shell to the network (reverse shell)`);
    });
    if (name === 'scp' || name === 'rsync' || name === 'sftp') {
      const operands = operandsOf(args, ['-P', '-i', '-e', '-o', '-F', '-l', '-S', '--rsh', '--exclude', '--include']);
      operands.forEach((a, i) => {
        const remote = a.value !== undefined && /^[^/]*:/.test(a.value) && !a.value.startsWith('./');
        if (remote) return;
        if (i === operands.length - 1 && operands.length > 1) writes.push(a);
        else reads.push(a);
      });
    }
    if (name === 'ssh' && values.some((v) => /^-[a-zA-Z]*i$/.test(v))) reads.push(...optionValues(args, ['-i']).map((a) => ({ ...a, value: undefined, source: {} })));
    for (const r of reads) if (r.value !== '-') this.readPath(r, cx);
    if (name === 'wget' && !writes.length) {
      for (const v of values) if (/^(?:https?|ftp):\/\/[^/]+\/./.test(v)) writes.push({ value: path.posix.basename(v.split(/[?#]/)[0]), text: v });
    }
    for (const w of writes) {
      if (w.value === '-') continue;
      this.changePath(w, 'write', false, cx);
      const p = w.value === undefined ? undefined : this.place(w.value, cx.st);
      if (p) this.downloaded.add(p.abs);
    }
    this.secretOperands(args.map((a) => ({ ...a, value: a.value?.replace(/^@/, '') })), cx);
    return { download: true };
  }

  private dd(args: Arg[], cx: Cx): Flow {
    for (const a of args) {
      const v = a.value ?? '';
      if (v.startsWith('if=')) this.readPath({ ...a, value: v.slice(3) }, cx);
      if (v.startsWith('of=')) this.changePath({ ...a, value: v.slice(3) }, 'write', false, cx);
      if (a.value === undefined) this.add('ask', cx.part, `dd operand only known at run time (${a.text})`);
    }
    this.add('ask', cx.part, 'dd copies raw data');
    return {};
  }
}

// ───────────────────────────── Helpers ─────────────────────────────

/** Commands with their own grammar, handled one by one in `run`. */
const OWN_GRAMMAR = new Set(['env', 'xargs', 'find', 'watch', 'eval', 'trap', 'dd', 'kill', 'git', 'cd', 'pushd', 'popd', 'alias', 'source', '.']);
const WORD_TYPES = new Set(['word', 'string', 'raw_string', 'ansi_c_string', 'translated_string', 'concatenation', 'simple_expansion', 'expansion', 'command_substitution', 'process_substitution', 'arithmetic_expansion', 'number', 'brace_expression']);

function decodes(name: string, values: Array<string | undefined>): boolean {
  const decoder = own(DECODERS, name);
  return decoder === true || (decoder instanceof RegExp && values.some((v) => v !== undefined && decoder.test(v)));
}

function isKnown(name: string): boolean {
  const tables: Array<Record<string, unknown>> = [READ_ONLY, PACKAGE_MANAGERS, PATH_COMMANDS, WRAPPERS, INTERPRETERS, SIDE_EFFECTS, CATASTROPHIC_COMMANDS];
  const sets = [SHELLS, NETWORK, PRIVILEGE, PROCESS_CONTROL, OWN_GRAMMAR];
  return tables.some((t) => Object.hasOwn(t, name)) || sets.some((set) => set.has(name)) || name.startsWith('mkfs.');
}

/** A table entry, never an inherited property (`constructor`, `toString` are command names too). */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** Arguments after the wrapper's own options (and `positionals` operands such as timeout's duration). */
function skipOptions(args: Arg[], valueOptions: string[], positionals: number): Arg[] {
  let i = 0;
  while (i < args.length && isOption(args[i].value)) {
    if (args[i].value === '--') {
      i++;
      break;
    }
    i += valueOptions.includes(args[i].value!) ? 2 : 1;
  }
  return args.slice(i + positionals);
}

/** Operands: arguments that are not options nor option values; `--` ends options. */
function operandsOf(args: Arg[], valueOptions: string[]): Arg[] {
  const out: Arg[] = [];
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const v = args[i].value;
    if (options && v === '--') options = false;
    else if (options && isOption(v)) {
      if (valueOptions.includes(v!)) i++;
    } else out.push(args[i]);
  }
  return out;
}

/** Values of the given options, as `-o VALUE`, `-oVALUE` or `--opt=VALUE`. */
function optionValues(args: Arg[], options: string[]): Arg[] {
  const out: Arg[] = [];
  args.forEach((a, i) => {
    const v = a.value ?? '';
    for (const o of options) {
      if (v === o && args[i + 1]) out.push(args[i + 1]);
      else if (o.startsWith('--') && v.startsWith(o + '=')) out.push({ ...a, value: v.slice(o.length + 1) });
      else if (!o.startsWith('--') && v.startsWith(o) && v.length > o.length && o.length === 2) out.push({ ...a, value: v.slice(2) });
    }
  });
  return out;
}

/** Removes backslash escapes from an unquoted word (`r\m` → `rm`). */
function unescapeWord(s: string): string {
  return s.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
}

/** Decodes `$'…'` strings (`ansiC`) and `echo -e` / `printf` escapes. */
function decodeEscapes(s: string, ansiC: boolean): string {
  return s.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|0?[0-7]{1,3}|c.|.)/gs, (whole, e: string) => {
    const k = e[0];
    if (k === 'x' || k === 'u' || k === 'U') return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/[0-7]/.test(k)) return String.fromCharCode(parseInt(e, 8));
    const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b', E: '\x1b', '\\': '\\', "'": "'", '"': '"' };
    if (k === 'c') return String.fromCharCode(e.charCodeAt(1) & 31);
    if (k in simple && (ansiC || (k !== "'" && k !== '"'))) return simple[k];
    return whole;
  });
}

/** The static output of a decoder fed static text (base64 -d, xxd -r -p, rev), when it can be computed. */
function decode(name: string, values: Array<string | undefined>, input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  if (name === 'base64' || name === 'gbase64' || name === 'openssl') {
    const compact = input.replace(/\s+/g, '');
    return /^[A-Za-z0-9+/=_-]*$/.test(compact) ? Buffer.from(compact, 'base64').toString('utf8') : undefined;
  }
  if (name === 'xxd' && values.some((v) => v !== undefined && /^-[a-zA-Z]*p/.test(v))) {
    const hex = input.replace(/\s+/g, '');
    return /^(?:[0-9a-fA-F]{2})*$/.test(hex) ? Buffer.from(hex, 'hex').toString('utf8') : undefined;
  }
  if (name === 'rev') return input.split('\n').map((l) => [...l].reverse().join('')).join('\n');
  return undefined;
}

/** Brace expansion (`{a,b}`, nested), capped so that a hostile word cannot blow up. */
function expandBraces(s: string): string[] {
  const open = s.indexOf('{');
  if (open < 0) return [s];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) {
      if (!commas.length) return expandBraces(s.slice(i + 1)).map((rest) => s.slice(0, i + 1) + rest);
      const bounds = [open, ...commas, i];
      const alternatives = bounds.slice(0, -1).map((b, k) => s.slice(b + 1, bounds[k + 1]));
      return alternatives.flatMap((alt) => expandBraces(s.slice(0, open) + alt + s.slice(i + 1))).slice(0, 64);
    } else if (s[i] === ',' && depth === 1) commas.push(i);
  }
  return [s];
}

function realpath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** A part as shown in a reason: one line, at most 80 characters. */
function short(part: string): string {
  const line = part.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? line.slice(0, 79) + '…' : line;
}
