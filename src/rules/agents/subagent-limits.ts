import type { FileFacts } from '../../analyzers/facts.js';
import { subagentSites, TOOLS_KEY } from '../shared/agents.js';
import { at, ev, finding } from '../shared/scan.js';
import { defineRule, type Evidence } from '../types.js';

const CAP = /^(?:max_?(?:turns?|steps?|iterations?|time_?minutes|time_?ms|duration|depth|total_?tokens|budget|calls|sub_?agent_?depth)|DEFAULT_MAX_(?:TURNS|STEPS|ITERATIONS|DEPTH|TIME\w*)|MAX_(?:TURNS|STEPS|ITERATIONS|DEPTH)\w*|\w*_MAX_(?:TURNS|STEPS|ITERATIONS|DEPTH)|token_?budget|timeout_?minutes|max_?agent_?depth|max_?nesting)$/i;
const RECURSION = /recurs|depth|nest|Kind\.Agent|cannot (?:call|spawn|delegate)|self\.name|same name|itself/i;
const TOOL_RESTRICT = /\.filter\(|excludeTools|allowedTools|allowed_tools|toolConfig|tool_config|new ToolRegistry|\btools\b/;

function capIn(f: FileFacts): Evidence | undefined {
  const c = f.consts.find((x) => CAP.test(x.name) && !/^(?:-1|0|Infinity|undefined|null|None)$/.test(x.value));
  if (c) return ev(f.path, c.line, `sub-agent cap ${c.name} = ${c.value}`);
  for (const k in f.reads) if (CAP.test(k)) return ev(f.path, f.reads[k][0], `sub-agent run reads its own cap ${k}`);
  for (const o of f.objects) for (const k of o.keys) if (CAP.test(k)) return ev(f.path, o.line, `sub-agent config sets ${k}`);
  return undefined;
}

function toolsIn(f: FileFacts): Evidence | undefined {
  for (const c of f.calls) {
    if ((c.name === 'filter' && /tool/i.test(c.callee)) || /^new \w*ToolRegistry$/.test(c.callee)) return ev(f.path, c.line, `sub-agent tool set built by ${c.callee.slice(0, 50)}`);
  }
  for (const fn of f.functions) if (fn.params.some((p) => TOOLS_KEY.test(p)) && /agent|init|constructor/i.test(fn.name)) return ev(f.path, fn.line, `${fn.name}() gives each agent its own ${fn.params.find((p) => TOOLS_KEY.test(p))} list`);
  for (const o of f.objects) {
    const k = o.keys.find((x) => TOOLS_KEY.test(x) && x !== 'tools');
    if (k) return ev(f.path, o.line, `sub-agent definition restricts tools via ${k}`);
  }
  return undefined;
}

function recursionIn(f: FileFacts): Evidence | undefined {
  for (const c of f.calls) {
    if ((c.cond || c.name.startsWith('_validate') || /^validate/.test(c.name)) && RECURSION.test(c.args.join(' ') + ' ' + c.callee)) return ev(f.path, c.line, `recursion guard ${c.callee.slice(0, 50)}`);
  }
  for (const l of f.loops) for (const x of l.exits) if (x.cond && RECURSION.test(x.cond)) return ev(f.path, x.line, `recursion guard: ${x.cond.slice(0, 60)}`);
  for (const fn of f.functions) if (/validate\w*(?:managed|sub)_?agents?|check\w*recurs|\w*depth\w*/i.test(fn.name)) return ev(f.path, fn.line, `${fn.name}() guards sub-agent nesting`);
  for (const o of f.objects) if (Object.values(o.values).some((v) => RECURSION.test(v))) return ev(f.path, o.line, 'sub-agent tool set excludes agent tools');
  // `tool.kind === Kind.Agent` style exclusions: an agent-kind member read next to a kind check.
  if (f.reads['Agent'] && (f.reads['kind'] || f.reads['type'])) return ev(f.path, f.reads['Agent'][0], 'agent-kind tools are excluded from the sub-agent (no recursion)');
  for (const s of f.strings) if (/recursi|cannot (?:call|spawn|delegate)|own name|same name/i.test(s.value)) return ev(f.path, s.line, `recursion guard: "${s.value.slice(0, 60)}"`);
  return undefined;
}

export default defineRule({
  id: 'agents.subagent-limits',
  principle: 'agents',
  title: 'Sub-agents are constrained',
  rationale:
    'A sub-agent that inherits every tool, may spawn further agents and has no cap of its own multiplies cost and risk; each one needs a restricted pool, a recursion stop and its own turn or token limit.',
  remediation:
    'Start sub-agents through one tool that gives them a restricted tool pool (excluding the sub-agent tool itself), a nesting limit and their own max turns and tokens; see the exemplar task.ts.',
  exemplar: 'src/reference-harness/tools/task.ts',
  detect(ctx) {
    const sites = subagentSites(ctx);
    if (!sites.length) return finding('absent', 'the harness starts no sub-agents (no sub-agent tool, managed agents or agent executor), so there is nothing to constrain');
    // Limits must sit where sub-agents are started: the strongest sites' files, not anywhere.
    const best = sites[0].rank;
    const files = [...new Set(sites.filter((s) => s.rank <= best + 1).slice(0, 6).map((s) => s.file))].map((p) => ctx.file(p)).filter((f): f is FileFacts => !!f);
    const found: Array<[string, Evidence]> = [];
    for (const [kind, probe] of [['own cap', capIn], ['restricted tools', toolsIn], ['recursion guard', recursionIn]] as const) {
      for (const f of files) {
        const e = probe(f);
        if (e) {
          found.push([kind, e]);
          break;
        }
      }
    }
    const kinds = found.map(([k]) => k);
    const missing = ['own cap', 'restricted tools', 'recursion guard'].filter((k) => !kinds.includes(k));
    const evid = [ev(sites[0].file, sites[0].line, sites[0].reason), ...found.map(([, e]) => e)];
    if (kinds.length >= 2) {
      return finding('present', `sub-agents (${sites[0].name} at ${at(sites[0].file, sites[0].line)}) have ${kinds.join(', ')}${missing.length ? `; no ${missing.join(', ')}` : ''}`, evid);
    }
    return finding('partial', `sub-agents exist (${sites[0].name} at ${at(sites[0].file, sites[0].line)}) but ${kinds.length ? `only ${kinds[0]} was found` : 'no limits were found'}; missing ${missing.join(', ')}`, evid);
  },
});
