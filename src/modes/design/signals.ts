/**
 * What design mode knows, as data: for each check of the catalog, the phrases by which a proposal
 * covers it or contradicts it, when a reviewer asks about it, how much it weighs, and the one
 * question to ask. Titles and the "why" come from the rule metadata (src/rules), not from here.
 *
 * Contract: patterns are matched against one sentence of prose, case-insensitively. A coverage
 * match preceded by a negation in its clause ("we do not persist sessions") counts as a
 * contradiction; a match in a clause or section scoped to later ("in v2", "## Future work") counts
 * as deferred. Contradiction patterns are explicit denials and need no negation.
 */
import type { CheckId } from '../../rules/catalog.js';

export type Severity = 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['high', 'medium', 'low'];

/**
 * When the reviewer asks about a check that the proposal does not cover:
 * `always` (a fundamental of any agent), `multi-agent` (when several agents are planned),
 * a topic pattern (when the proposal talks about that topic), or `quiet` (only when contradicted).
 */
export type Ask = 'always' | 'multi-agent' | 'quiet' | RegExp;

export interface DesignSignal {
  covers: RegExp[];
  /** Says part of it: asked still, quoting the sentence, as `partial`. */
  partial?: RegExp[];
  contradicts?: RegExp[];
  ask: Ask;
  severity: Severity;
  question: string;
}

const SHELL = /\b(?:shell|bash|zsh|subprocess|exec\(|(?:run|exec|execute)_(?:command|shell|bash|code)|(?:run|runs|running|execute|executes|executing)\s+(?:any\s+|arbitrary\s+|the\s+|its\s+own\s+)?(?:shell\s+|bash\s+|terminal\s+)?commands?|(?:run|runs|execute|executes)\s+(?:arbitrary\s+|generated\s+|python\s+)?code)\b/i;

export const SIGNALS: Record<CheckId, DesignSignal> = {
  'registry.tool-metadata': {
    covers: [/\btools?\b[^.]{0,60}\b(?:declared|defined|described)\b[^.]{0,40}\b(?:as data|schemas?|name)\b/i, /\b(?:input|json|zod|pydantic|typebox)[- ]schemas?\b/i, /\btool (?:definitions?|specs?|manifests?)\b/i],
    contradicts: [/\bswitch\b[^.]{0,30}\b(?:tool )?names?\b/i, /\bif[- /]?else\b[^.]{0,30}\btool names?\b/i, /\bhard-?coded (?:tool|tools)\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Where is each tool declared, and does the declaration carry a name, a description and an input schema that both the model and the harness use?',
  },
  'registry.central': {
    covers: [/\b(?:one|a single|central|shared)\s+(?:tool\s+)?registry\b/i, /\btool registry\b/i, /\bregistry of (?:the )?tools\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Is there one registry that the tool list sent to the model is built from and that every call is dispatched through?',
  },
  'registry.behavior-hints': {
    covers: [/\b(?:read-?only|destructive|concurrency[- ]safe|needs[- ]approval)\b[^.]{0,40}\b(?:hints?|flags?|metadata|marked|tagged)\b/i, /\b(?:hints?|flags?|marked|tagged)\b[^.]{0,40}\b(?:read-?only|destructive|concurrency[- ]safe)\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Which tools are read-only, destructive or safe to run concurrently, and where does the harness read that?',
  },
  'registry.user-commands': {
    covers: [/\b(?:slash|user|cli)\s+commands?\b[^.]{0,50}\b(?:registry|declared|defined|table|as data)\b/i, /\bcommand registry\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Where are the user-facing commands declared, and are they data in their own registry beside the tools?',
  },
  'permissions.gate': {
    covers: [
      /\bpermission\s+(?:gate|check|checks|layer|system|decision|decisions|prompt|prompts|policy)\b/i,
      /\b(?:approval|confirmation)\s+gate\b/i,
      /\b(?:before|prior to)\s+(?:each|every|any)\s+tool\s+(?:call|execution|runs?)\b[^.]{0,60}\b(?:allow|deny|ask|approv|permission|decid|check)\w*/i,
      /\b(?:every|each|all)\s+tool\s+calls?\b[^.]{0,40}\b(?:approv|allow|permission|gate)\w*/i,
      /\b(?:allow|deny|ask)\s*\/\s*(?:allow|deny|ask)\b/i,
      /\ballow,\s+deny\s+or\s+ask\b/i,
    ],
    /** Approval of some actions, not one decision before every call: the catalog's `partial`. */
    partial: [
      /\b(?:asks?|asking|prompts?)\s+(?:the\s+)?(?:user|operator|human)\b[^.]{0,40}\b(?:approv|confirm|permission|before)\w*/i,
      /\b(?:approval|confirmation)\s+(?:step|prompt|before)\b/i,
      /\bhuman[- ]in[- ]the[- ]loop\b/i,
      /\b(?:user|human|operator)s?\s+(?:who\s+)?(?:must\s+|has to\s+|have to\s+)?(?:approves?|confirms?)\b/i,
      /\brequires?\s+(?:a\s+|an\s+)?(?:human|user|operator|manual)\s+(?:to\s+)?(?:approv|confirm|sign-?off|review)\w*/i,
    ],
    contradicts: [/\bauto-?(?:approv\w+|execut\w+|run\w*)\s+(?:all|every|any)\b/i, /\b(?:run|runs|execute|executes)\s+(?:every|all|any)\s+tools?\s+(?:calls?\s+)?(?:immediately|directly|straight away)\b/i, /\bfull autonomy\b/i],
    ask: 'always',
    severity: 'high',
    question: 'What single check decides allow, deny or ask before every tool call, and can any tool reach execution without passing it?',
  },
  'permissions.tiers': {
    covers: [/\b(?:trust|risk)\s+(?:tiers?|levels?|class(?:es)?)\b/i, /\b(?:mcp|plugin|third[- ]party|user-defined)\s+tools?\b[^.]{0,60}\b(?:treated|tier|stricter|always ask|need|require|sandbox)\w*/i, /\bread-?only tools?\b[^.]{0,60}\b(?:write|writing|execute|shell)\b/i],
    ask: /\b(?:mcp|plugins?|third[- ]party tools?|user-defined tools?|custom tools?|tool marketplace)\b/i,
    severity: 'medium',
    question: 'How are plugin, MCP or user-defined tools treated differently from built-in ones, and read-only tools from ones that write or execute?',
  },
  'permissions.rules': {
    covers: [/\b(?:allow|deny)[- ]?lists?\b/i, /\ballow\s*\/\s*deny\b/i, /\b(?:permission|approval)\s+(?:rules|modes?|settings|policies)\b/i, /\b(?:plan|auto[- ]accept|yolo)[- ]mode\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'How does a user or an admin set allow / deny / ask rules or choose an approval mode?',
  },
  'permissions.shell-guard': {
    covers: [
      /\b(?:pars\w*|split\w*|analy[sz]\w*|classif\w*|vet\w*|inspect\w*|validat\w*|screen\w*)\s+(?:each|every|the|all)?\s*(?:shell\s+|bash\s+)?commands?\b/i,
      /\b(?:commands?)\s+(?:are|is)\s+(?:parsed|split|analy[sz]ed|classified|vetted|inspected|validated|screened|checked)\b/i,
      /\bsandbox\w*\b/i,
      /\b(?:container|firejail|bubblewrap|seccomp|gvisor)\b/i,
      /\bshell guard\b/i,
      /\b(?:refus\w*|block\w*|reject\w*)\s+(?:\w+\s+){0,2}(?:dangerous|destructive)\s+(?:commands?|patterns?)\b/i,
      /\bconfin\w*\s+(?:\w+\s+){0,2}(?:paths?|workspace|working directory)\b/i,
    ],
    ask: SHELL,
    severity: 'high',
    question: 'Before a shell command runs, what analyses it: splitting compound commands, refusing dangerous patterns, confining paths or sandboxing?',
  },
  'persistence.session-save': {
    covers: [
      /\b(?:save|saves|saved|persist\w*|write|writes|written|store|stores|stored|append\w*|journal\w*)\s+(?:the\s+|each\s+|every\s+)?(?:sessions?|conversations?|transcripts?|history|turns?|messages?)\b/i,
      /\b(?:sessions?|transcripts?|conversations?|history)\s+(?:are|is)\s+(?:saved|persisted|written|stored|appended|journal(?:l)?ed)\b/i,
      /\bjsonl\b/i,
      /\bcheckpoint\w*\b[^.]{0,80}\b(?:after|every|each)\b/i,
    ],
    contradicts: [/\b(?:in-memory only|only in memory|kept in memory|lives in memory|stateless|ephemeral sessions?)\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Is the session written to disk as it runs, turn by turn, rather than only on a clean exit?',
  },
  'persistence.state-separate': {
    covers: [/\b(?:workflow|plan|todo|task)\s+state\b[^.]{0,60}\b(?:separate|apart|own file|state\.json|its own)\b/i, /\b(?:separate|own)\s+(?:state\s+)?file\b[^.]{0,40}\b(?:state|plan|todos?)\b/i, /\bstate\.json\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Where does the workflow state (plan, todos, executed tool calls, spend) live, apart from the transcript?',
  },
  'persistence.resume': {
    covers: [/\bresum\w*/i, /\bpick\s+(?:it\s+|up\s+)?(?:up\s+)?where\b/i, /\bcontinue[sd]?\s+(?:a|the)\s+(?:saved|previous|interrupted|stopped)\s+(?:session|run|conversation)\b/i, /\brestor\w*\s+(?:the\s+|a\s+)?session\b/i],
    contradicts: [/\b(?:re)?(?:start|starts|started|begin|begins)\s+(?:over|again|from scratch)\b/i],
    ask: 'always',
    severity: 'medium',
    question: 'When a run stops halfway (a crash, Ctrl-C, a closed laptop), how does the user continue it instead of starting over?',
  },
  'persistence.crash-safe': {
    covers: [/\batomic\w*/i, /\btemp(?:orary)? file\b[^.]{0,20}\brenam\w*/i, /\bfsync\w*/i, /\bappend-only\b/i, /\bcrash[- ]?(?:safe|recovery|proof)\b/i, /\bsurviv\w*\s+(?:a\s+)?(?:crash|kill|kill -9|sigkill|restart)\b/i, /\b(?:never|not)\s+(?:re-?run|run\s+(?:\w+\s+)?twice|repeated)\b/i, /\bidempoten\w*/i, /\bwrite-ahead\b/i, /\bintent\b[^.]{0,30}\boutcome\b/i, /\b(?:postgres(?:ql)?|sqlite|mysql)\b/i, /\btransactions?\b/i],
    ask: /\b(?:persist\w*|sav(?:e|es|ed|ing)\s+(?:the\s+)?sessions?|resum\w*|checkpoint\w*)\b/i,
    severity: 'low',
    question: 'If the process is killed mid-write or mid-tool-call, what keeps the saved files intact, and how does resume avoid running a finished tool call twice?',
  },
  'budget.usage-tracking': {
    covers: [/\b(?:track|count|record|accumulat|meter|measur|sum)\w*\s+(?:the\s+)?(?:token|usage|cost|spend)\w*/i, /\btoken\s+(?:usage|counts?|counting|accounting)\b/i, /\busage fields?\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Where is token usage accumulated per session, from the usage the API reports?',
  },
  'budget.hard-limits': {
    covers: [
      /\b(?:max(?:imum)?|hard|strict)\s+(?:number\s+of\s+)?(?:tokens?|cost|spend|budget)\b/i,
      /\b(?:token|cost|spend|budget|dollar|usd)\s+(?:limits?|caps?|ceilings?)\b/i,
      /\b(?:caps?|capped|limit(?:s|ed)?|budget)\b[^.;]{0,30}?\b(?:at|of|to)\s+(?:\$\s?\d|\d[\d,.]*\s*[km]?\s*(?:tokens|usd|dollars))/i,
      /\bstops?\b[^.]{0,40}\b(?:token|cost)\s+(?:budget|caps?|limits?)\b/i,
    ],
    /** A turn, step or time cap alone: the catalog's `partial`. */
    partial: [
      /\b(?:max(?:imum)?|hard|strict)\s+(?:number\s+of\s+)?(?:turns?|steps?|iterations?|rounds?)\b/i,
      /\b(?:turn|step|iteration|time)\s+(?:limits?|caps?)\b/i,
      /\b(?:caps?|capped|limit\w*|stops?)\b[^.;]{0,30}?\b(?:at|to|after)\s+\d+\s+(?:turns|steps|iterations|rounds|minutes)\b/i,
      /\bmax_?(?:turns|steps|iterations)\b/i,
    ],
    contradicts: [/\b(?:unlimited|unbounded)\s+(?:turns?|tokens?|steps?|iterations?|budget|loops?)\b/i, /\b(?:runs?|loops?|keeps? going|iterates?)\s+(?:until|as long as)\b[^.]{0,40}\b(?:done|finished|complete|solved|needs|happy|satisfied)\b/i],
    ask: 'always',
    severity: 'high',
    question: 'What hard cap (on tokens or cost, not only turns) stops the loop, and what does the user see when it does?',
  },
  'budget.projection': {
    covers: [/\b(?:project|estimat|predict)\w*\b[^.]{0,40}\b(?:tokens?|request size|context window)\b/i, /\bbefore\s+(?:each|every)\s+(?:model\s+)?call\b[^.]{0,60}\b(?:tokens?|context|budget)\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Before each model call, what estimates whether the request fits the context window and the remaining budget?',
  },
  'budget.compaction': {
    covers: [/\bcompact\w*/i, /\bsummari[sz]\w*\s+(?:the\s+|older\s+|old\s+|earlier\s+)?(?:history|conversation|transcript|context|messages|turns)\b/i, /\btruncat\w*\s+(?:the\s+|old\s+|older\s+)?(?:history|context|conversation)\b/i],
    ask: /\b(?:long[- ]running|for hours|hours[- ]long|overnight|multi-day|large (?:repos?|codebases?|monorepos?|documents?)|long conversations?|hundreds of (?:turns|files))\b/i,
    severity: 'medium',
    question: 'What happens when the conversation nears the context window: is it compacted or summarised automatically?',
  },
  'logging.typed-events': {
    covers: [/\btyped events?\b/i, /\bevent (?:stream|union|types?|kinds?)\b/i, /\bemits?\s+(?:\w+\s+)?events?\b/i, /\bdiscriminated union\b/i],
    ask: /\b(?:ui|web app|dashboard|frontend|ide|vs ?code|editor extension|stream(?:s|ed|ing)? (?:to|progress|output|events))\b/i,
    severity: 'low',
    question: 'What does the loop emit to the interface (text, tool calls, errors, stop reasons), and is it one typed union of events?',
  },
  'logging.structured-log': {
    covers: [/\bstructured\s+(?:logs?|logging|logger)\b/i, /\bjson[- ]?(?:lines|l)\s+(?:logs?|logger)\b/i, /\blog levels?\b/i, /\b(?:pino|winston|structlog|bunyan)\b/i],
    contradicts: [/\b(?:print statements|console\.log|print\(\))\b[^.]{0,30}\b(?:debug|logging|diagnos)\w*/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Where do diagnostics go: a structured logger with levels and fields, or prints?',
  },
  'logging.audit-trail': {
    covers: [/\baudit\s+(?:trail|log)\b/i, /\b(?:log|logs|record|records)\s+(?:every|each|all)\s+(?:tool\s+calls?|actions?|decisions?)\b/i, /\b(?:tool calls?|decisions?|actions?)\b[^.]{0,30}\b(?:are|is)\s+(?:logged|recorded)\b/i],
    ask: /\b(?:production|customers?|compliance|regulated|on-call|incident)\b/i,
    severity: 'low',
    question: 'Where is it recorded which tools ran with which inputs and outcomes, what the permission decisions were and which agent acted?',
  },
  'verification.tests': {
    covers: [/\b(?:unit|integration|end-to-end|e2e|regression|automated)\s+tests?\b/i, /\btest suite\b/i, /\bscripted\s+(?:model|turns|responses)\b/i, /\b(?:vitest|jest|pytest|mocha)\b/i, /\b(?:fake|mock|stub|scripted|recorded)\s+(?:llm|model|responses?|conversations?|turns)\b/i, /\b(?:harness|loop|tools?)\s+(?:is|are|will be)\s+tested\b/i],
    contradicts: [/\b(?:test(?:ed|ing)?\s+(?:it\s+)?(?:by hand|manually)|manual(?:ly)?\s+test\w*)\b/i],
    ask: 'always',
    severity: 'low',
    question: 'How is the loop tested without the network, for instance with a scripted model that replays canned turns?',
  },
  'verification.guardrail-tests': {
    covers: [/\bguardrail tests?\b/i, /\bassert\w*\b[^.]{0,60}\b(?:denied|blocked|refused|halts?|stops?)\b/i, /\btests?\b[^.]{0,40}\b(?:assert|prove|check|show)\w*\b[^.]{0,60}\b(?:denied|blocked|refused|halts?|stops?|gate|guard|budget)\b/i],
    ask: 'quiet',
    severity: 'low',
    question: 'Which tests prove the stops work: a denied call is denied, a dangerous command is blocked, a budget halts the loop?',
  },
  'verification.output-checks': {
    covers: [
      /\b(?:validat|check)\w*\s+(?:the\s+)?(?:tool\s+)?(?:inputs?|arguments?|args)\s+(?:against|with)\b/i,
      /\bschema[- ]validat\w*/i,
      /\b(?:run|runs|running)\s+(?:the\s+)?(?:tests?|linter|lint|type-?check\w*)\b[^.]{0,40}\bafter\b/i,
      /\bafter\s+(?:each|every)\s+(?:edit|change)\b[^.]{0,40}\b(?:tests?|lint|type-?check|verif)\w*/i,
      /\bverif(?:y|ication)\s+(?:step|stage|pass)\b/i,
      /\b(?:diff review|review\w*\s+(?:the\s+)?(?:diff|changes?)\s+before)\b/i,
    ],
    ask: /\b(?:edit\w*|writ\w*|modif\w*|chang\w*|patch\w*)\s+(?:the\s+)?(?:files?|code|repos?|repositor\w+)\b|\b(?:commits?|pull requests?)\b|\b(?:deploys?|ships?|merges?)\s+(?:the\s+)?(?:code|changes?|to production)\b/i,
    severity: 'medium',
    question: "What verifies the agent's output before it takes effect: tool inputs validated against their schema, tests or lint run after edits?",
  },
  'agents.typed': {
    covers: [/\b(?:agent\s+)?(?:types?|roles?|profiles?)\b[^.]{0,60}\b(?:own|separate|dedicated)\s+(?:system\s+)?(?:prompts?|tools?)\b/i, /\bagents?\s+(?:are|is)\s+(?:declared|defined)\s+as data\b/i, /\bagent (?:definitions?|registry)\b/i],
    ask: 'multi-agent',
    severity: 'low',
    question: 'Where are the agent types declared, each with its own prompt and tool set?',
  },
  'agents.tool-pools': {
    covers: [/\b(?:own|separate|dedicated|restricted|limited|allow-?listed|filtered|scoped)\s+(?:sets?\s+of\s+)?tools?\b/i, /\btools?\s+(?:are|is)\s+(?:filtered|scoped|allow-?listed|restricted)\s+(?:per|by|for)\b/i, /\bonly\s+(?:\w+\s+){0,2}(?:the\s+)?(?:read-?only\s+)?tools?\s+(?:it|they)\s+needs?\b/i, /\btool pools?\b/i, /\bsubset of (?:the )?tools\b/i],
    contradicts: [/\b(?:every|each|all)\s+agents?\b[^.]{0,30}\b(?:can\s+(?:call|use)|has|have|gets?|get|share)\s+(?:access\s+to\s+)?(?:every|all|the same)\s+(?:the\s+)?tools?\b/i, /\b(?:shared|same|one)\s+tool\s+(?:set|pool|list|box)\s+for\s+(?:all|every)\b/i],
    ask: 'multi-agent',
    severity: 'medium',
    question: 'Which tools does each agent get, and where is the pool filtered per agent rather than everything for everyone?',
  },
  'agents.subagent-limits': {
    covers: [
      /\b(?:depth|recursion|nesting)[\s_-](?:limits?|caps?)\b/i,
      /\b(?:cannot|can't|may not|never)\s+(?:spawn|create|start|hand off to)\s+(?:further|more|other|their own|new)\s+(?:sub-?)?agents\b/i,
      /\b(?:sub-?agents?|specialists?|workers?|child agents?)\b[^.]{0,40}\b(?:own|smaller|separate)\s+(?:turn|token|step)?\s*(?:budgets?|limits?|caps?)\b/i,
      /\b(?:at most|max(?:imum)?(?: of)?)\s+\w+\s+(?:sub-?)?agents\b/i,
    ],
    contradicts: [/\b(?:spawn|create)\w*\s+(?:as many|any number of|unlimited)\b/i, /\b(?:recursive\w*)\s+(?:spawn|create)\w*/i, /\bagents? (?:can )?(?:spawn|create) (?:other |more |new )?agents\b[^.]{0,30}\b(?:freely|without limit|at will)\b/i],
    ask: 'multi-agent',
    severity: 'medium',
    question: 'What bounds the sub-agents: restricted tools, a depth limit so they cannot spawn without end, their own turn and token caps?',
  },
};

/** Several agents planned now, and how the reviewer names the plan (the matched words when unnamed). */
export const MULTI_AGENT: ReadonlyArray<{ pattern: RegExp; name?: string }> = [
  { pattern: /\bswarms?\b/i, name: 'swarm' },
  { pattern: /\bmulti-?agents?\b/i, name: 'other agents' },
  { pattern: /\bsub-?agents?\b/i, name: 'sub-agents' },
  { pattern: /\b(?:orchestrator|supervisor|router|routing|triage)\s+(?:agent|model|llm)s?\b/i, name: 'agents behind it' },
  { pattern: /\broutes?\s+(?:each|every|the|incoming)?\s*(?:\w+\s+)?(?:requests?|questions?|tasks?|tickets?|messages?)\s+to\s+(?:one of\s+)?(?:the\s+)?(?:[\w-]+\s+){0,2}agents?\b/i, name: 'agents behind the router' },
  { pattern: /\bhand-?offs?\s+(?:between|to)\s+(?:\w+\s+)?agents\b/i, name: 'hand-offs' },
  { pattern: /\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|\d+|several|multiple|many|dozens of|a team of|a crew of|a fleet of)\s+(?:[\w-]+\s+){0,2}agents\b/i },
  { pattern: /\b(?:spawn\w*|creat\w*|instantiat\w*)\s+(?:new\s+|child\s+|more\s+|fresh\s+)?(?:sub-?)?agents?\b/i, name: 'agents created at run time' },
  { pattern: /\bagents?\s+(?:are\s+|get\s+)?(?:created|spawned|generated)\s+(?:at run ?time|on the fly|dynamically|on demand)\b/i, name: 'agents created at run time' },
  { pattern: /\b(?:crewai|autogen|langgraph|agent graph|openai swarm)\b/i, name: 'other agents' },
];

/** Complexity that rides along with premature orchestration; named in the concern's why. */
export const EXTRAS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'a shared vector memory', pattern: /\b(?:shared|global|long-term)?\s*vector\s+(?:memory|store|database|db|index)\b/i },
  { name: 'self-rewriting prompts', pattern: /\bself-?(?:rewriting|modifying|improving|editing)\b|\brewrites?\s+(?:its|their)\s+own\s+(?:system\s+)?prompts?\b/i },
  { name: 'agents voting or debating', pattern: /\b(?:vote|voting|debate|consensus)\b/i },
];

/**
 * The fundamentals a multi-agent plan needs first; the same three ids as the evaluate flag
 * (src/rules/flags/premature-multi-agent.ts), with how a reviewer names them.
 */
export const FUNDAMENTALS: ReadonlyArray<{ id: CheckId; name: string }> = [
  { id: 'permissions.gate', name: 'a permission gate before every tool call' },
  { id: 'persistence.resume', name: 'sessions that resume after a crash' },
  { id: 'budget.hard-limits', name: 'hard token or cost caps' },
];

/**
 * Negations in the clause before a match: "we do not persist", "without approval", "no cap". An even
 * number cancels out: "nothing runs without the gate", "no tool bypasses the gate".
 */
export const NEGATION = /\b(?:no(?!\s+(?:more|later|longer|fewer|less)\b)|not(?!\s+(?:only|just|more|less)\b)|never|without|none|nothing|nor|neither|bypass|bypasses|circumvents?|cannot|can't|don't|doesn't|won't|isn't|aren't|wasn't|shouldn't|skip|skips|skipping|avoid|avoids|instead of|rather than|forgo|out of scope)\b/gi;

/** A negation right after the match: "a permission gate is not needed", "resume is out of scope". */
export const NEGATED_AFTER = /^\s*(?:(?:is|are|was|were|will|would|should|must|can|could|does|do)\s+(?:not|never)\b|(?:isn't|aren't|won't|can't|cannot|doesn't|don't)\b|(?:is|are)\s+(?:out of scope|a non-goal|not (?:needed|planned|included))\b)/i;

/** Scope that puts a plan after now: "later", "not yet", "in v2", "future work", "phase 2", "post-MVP". */
export const LATER = /\b(?:later|yet|eventually|someday|in (?:a|the) future|future (?:work|versions?|releases?|iterations?)|v[2-9]|version [2-9]|phase (?:[2-9]|two|three)|milestone [2-9]|post-?(?:mvp|launch|v1)|after (?:the )?(?:mvp|launch|v1)|next (?:iteration|release|version|quarter)|down the (?:road|line)|roadmap|not (?:yet|for now|in (?:the )?(?:mvp|v1|first (?:version|release)))|(?:for|in) (?:a )?follow-?up)\b/i;

/** Section headings whose content is not planned now, and those whose content is excluded. */
export const LATER_SECTION = /\b(?:later|future|roadmap|v[2-9]|phase (?:[2-9]|two|three)|next steps|follow-?ups?|open questions|ideas|post-?mvp|someday)\b/i;
export const EXCLUDED_SECTION = /\b(?:non-?goals?|out of scope|not doing|won'?t do|rejected|alternatives considered)\b/i;

/** Clause boundaries: the scope of a negation or of "later". */
export const CLAUSE_BREAK = /[;:()]|,\s|\s[—–-]\s|\b(?:but|while|whereas|although|though|however|except)\b/gi;

/** At most this many concerns are asked; the rest are named as held back. */
export const MAX_CONCERNS = 6;
