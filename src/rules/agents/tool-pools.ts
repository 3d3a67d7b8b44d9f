import { agentDefinitions, poolVocabulary, toolFilters } from '../shared/agents.js';
import { at, finding } from '../shared/scan.js';
import { defineRule } from '../types.js';

export default defineRule({
  id: 'agents.tool-pools',
  principle: 'agents',
  title: 'Tool sets are assembled per agent or session',
  rationale:
    'Giving every agent every tool widens the blast radius and the prompt; a pool filtered per agent or session keeps a read-only explorer from writing files.',
  remediation:
    "Assemble each agent's tools from the registry through an allow-list (per agent type, mode or session flag) and pass only that pool to the model and to dispatch; see the exemplar agents.ts.",
  exemplar: 'src/reference-harness/agents/agents.ts',
  detect(ctx) {
    const filters = toolFilters(ctx).map(({ strong: _s, ...e }) => e);
    const perAgent = agentDefinitions(ctx);
    if (filters.length) {
      return finding('present', `the tool set is narrowed before use: ${filters[0].reason} (${at(filters[0].file, filters[0].line)})`, [...filters.slice(0, 3), ...perAgent.slice(0, 1)]);
    }
    if (new Set(perAgent.map((d) => d.name)).size >= 2) {
      return finding('present', `each agent type carries its own tool list (${perAgent[0].name.slice(0, 30)} at ${at(perAgent[0].file, perAgent[0].line)})`, perAgent.slice(0, 3));
    }
    const vocab = poolVocabulary(ctx);
    if (vocab.length) {
      return finding('partial', `tool allow/exclude settings are declared (${vocab[0].reason} at ${at(vocab[0].file, vocab[0].line)}) but no code narrows the tool set with them`, vocab.slice(0, 3));
    }
    return finding('absent', 'every agent gets every tool: no allow-list, exclude list or per-agent tool filtering was found');
  },
});
