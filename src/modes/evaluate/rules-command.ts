/**
 * `audit rules [id]`: lists the checks, or explains one. Reads only this package's own files (the
 * exemplar in the shipped reference harness), never the audited tree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { PACKAGE_ROOT } from '../../package-root.js';
import { FLAG_RULES, RULES } from '../../rules/index.js';
import { displayPath } from './reporters/index.js';
import { exemplarExcerpt, ruleDoc, ruleList } from './reporters/rule-doc.js';

interface RulesIo {
  stdout: (text: string) => void;
  stdoutTTY: boolean;
  columns?: number;
  cwd: string;
}

export function registerRulesCommand(program: Command, io: RulesIo): void {
  program
    .command('rules')
    .description('list the checks, or explain one: why it matters, what present / partial / absent look like, the fix and an example')
    .argument('[id]', 'a check id, e.g. permissions.gate')
    .action((id: string | undefined) => {
      const width = io.stdoutTTY && io.columns ? io.columns : 100;
      if (!id) return io.stdout(ruleList(RULES, FLAG_RULES, width));
      const rule = RULES.find((r) => r.id === id);
      if (!rule) {
        const flag = FLAG_RULES.find((f) => f.id === id);
        if (flag) return io.stdout(`${flag.id}: ${flag.title}\n\n${flag.description}\n`);
        const near = RULES.filter((r) => r.id.includes(id) || id.includes(r.id.slice(r.id.indexOf('.') + 1))).map((r) => r.id);
        throw new UsageError(`no check ${id}${near.length ? `; did you mean ${near.join(', ')}?` : ''} (audit rules lists them)`);
      }
      const abs = path.join(PACKAGE_ROOT, rule.exemplar);
      let text = '';
      try {
        text = fs.readFileSync(abs, 'utf8');
      } catch {
        // the exemplar ships with the package; without it the doc still explains the check
      }
      io.stdout(ruleDoc(rule, { width, exemplarPath: displayPath(abs, io.cwd), excerpt: text ? exemplarExcerpt(text) : [] }));
    });
}
