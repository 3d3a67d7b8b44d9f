import fs from 'node:fs';
import { it } from 'vitest';
import { classifyCommand } from './shell-guard.js';
it('dump', async () => {
  const ws = fs.realpathSync(fs.mkdtempSync('/tmp/sgws-'));
  const cmds = fs.readFileSync('/tmp/sg/cmds.txt', 'utf8').split(/\n@@\n/).filter(Boolean);
  let out = '';
  for (const c of cmds) { try { const v = await classifyCommand(c, { workspace: ws }); out += `### ${c}\n${v.decision}\n  ${v.reasons.join('\n  ')}\n`; } catch (e) { out += `### ${c}\nTHROW ${(e as Error).stack}\n`; } }
  fs.writeFileSync('/tmp/sg/out.txt', out);
}, 60000);
