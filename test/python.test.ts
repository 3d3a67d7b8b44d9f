import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePython, analyzePythonTestText, initPython } from '../src/analyzers/python.js';

beforeAll(async () => {
  await initPython();
});

const AGENT = `
import json
from typing import Literal
from .tools import Tool, registry

StepKind = Literal["action", "planning", "final"]

class Decision(str, Enum):
    ALLOW = "allow"
    DENY = "deny"

class ShellTool(Tool):
    name = "shell"
    description = "Run a shell command"
    inputs = {"command": {"type": "string", "description": "the command"}}
    read_only = False

    def forward(self, command: str):
        # check_permission(command) is not called here: comments are not facts
        return subprocess.run(command, shell=True)

class Agent:
    def __init__(self, tools, max_steps: int = 20):
        self.max_steps = max_steps or 20
        self.tools = {t.name: t for t in tools}

    def run(self, task):
        step = 0
        while True:
            if step >= self.max_steps:
                raise AgentMaxStepsError("Reached max steps.")
            reply = self.model.generate(messages, tools=list(self.tools.values()))
            try:
                tool = self.tools[reply.tool_name]
                if self.policy.check(tool, reply.arguments):
                    out = tool(**reply.arguments)
            except KeyError:
                log.error("unknown tool", extra={"tool": reply.tool_name})
            step += 1
`;

describe('python analyzer', () => {
  it('maps Python onto the shared facts', () => {
    const f = analyzePython('agent.py', AGENT, 'source');
    expect(f.lang).toBe('py');
    expect(f.imports).toEqual([
      { from: 'json', names: ['*'], line: 2 },
      { from: 'typing', names: ['Literal'], line: 3 },
      { from: '.tools', names: ['Tool', 'registry'], line: 4 },
    ]);
    expect(f.functions.map((x) => x.name)).toEqual(['ShellTool.forward', 'Agent.__init__', 'Agent.run']);
    expect(f.classes.find((c) => c.name === 'ShellTool')).toMatchObject({ extends: 'Tool', members: ['name', 'description', 'inputs', 'read_only', 'forward'] });
    expect(f.objects.find((o) => o.ctx === 'class:ShellTool')?.values).toMatchObject({ name: '"shell"', read_only: 'False' });
    expect(f.types).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'StepKind', kind: 'union', tags: ['action', 'planning', 'final'] }),
        expect.objectContaining({ name: 'Decision', kind: 'enum', tags: ['allow', 'deny'] }),
      ]),
    );
  });

  it('records calls with their function, conditions and catch blocks, and no comment text', () => {
    const f = analyzePython('agent.py', AGENT, 'source');
    expect(f.calls.find((c) => c.name === 'check')).toMatchObject({ callee: 'self.policy.check', fn: 'Agent.run', cond: true });
    expect(f.calls.find((c) => c.name === 'error')).toMatchObject({ inCatch: true, args: ['"unknown tool"', 'extra={"tool": reply.tool_name}'] });
    expect(f.calls.some((c) => c.name === 'check_permission')).toBe(false);
    expect(f.objects.find((o) => o.ctx === 'arg:self.model.generate')?.keys).toEqual(['tools']);
  });

  it('records loops, their exits and literal defaults', () => {
    const f = analyzePython('agent.py', AGENT, 'source');
    expect(f.loops[0]).toMatchObject({ kind: 'while', infinite: true, fn: 'Agent.run', exits: [{ kind: 'throw', cond: 'step >= self.max_steps' }] });
    expect(f.consts.filter((c) => c.name === 'max_steps').map((c) => [c.value, c.kind])).toEqual([
      ['20', 'param'],
      ['20', 'param'],
    ]);
  });

  it('reads the code inside f-string fields', () => {
    const f = analyzePython('log.py', 'def record(call, result):\n    logger.info(f"tool {call.name} args={json.dumps(call.args)} tokens={resp.usage.total_tokens}")\n', 'source');
    expect(f.calls.find((c) => c.callee === 'json.dumps')).toMatchObject({ line: 2, fn: 'record', args: ['call.args'] });
    expect(f.reads.total_tokens).toEqual([2]);
    expect(f.strings.map((s) => s.value)).toEqual(['tool  args= tokens=']);
  });

  it('records a match on string cases as a branch, its guard as a condition', () => {
    const src = 'def dispatch(name, args):\n    match name:\n        case "bash" | "sh":\n            return run_shell(args)\n        case "edit" if allowed(args):\n            return edit(args)\n        case _:\n            raise KeyError(name)\n';
    const f = analyzePython('dispatch.py', src, 'source');
    expect(f.branches).toEqual([{ cond: 'switch (name)', line: 2, end: 8, fn: 'dispatch' }]);
    expect(f.calls.find((c) => c.name === 'allowed')).toMatchObject({ cond: true });
    expect(f.calls.find((c) => c.name === 'run_shell')).toMatchObject({ cond: false, fn: 'dispatch' });
  });

  it('takes a model field default from its field specifier', () => {
    const src = 'class AgentConfig(BaseModel):\n    max_steps: int = Field(default=20, description="turn cap")\n    max_cost: float = Field(3.0, description="USD")\n    name: str = Field(..., description="required")\n    tags: list = field(default_factory=list)\n    retries: int = attr.ib(default=2)\n';
    const f = analyzePython('config.py', src, 'source');
    const fields = f.consts.filter((c) => c.kind === 'field').map((c) => [c.name, c.value, c.line]);
    expect(fields).toEqual([
      ['max_steps', '20', 2],
      ['max_cost', '3.0', 3],
      ['retries', '2', 6],
    ]);
  });

  it('keeps dict entries keyed by an enum member, a name or a number', () => {
    const f = analyzePython('modes.py', 'PIPELINES = {Mode.PLAN: [plan, review], Mode.BUILD: [build], "other": []}\nGEARS = {0: False, 1: True}\n', 'source');
    expect(f.objects.find((o) => o.ctx === 'var:PIPELINES')).toMatchObject({ keys: ['PLAN', 'BUILD', 'other'], values: { PLAN: '[plan, review]' } });
    expect(f.objects.find((o) => o.ctx === 'var:GEARS')?.keys).toEqual(['0', '1']);
    // Only string keys are constant names.
    expect(f.consts.filter((c) => c.kind === 'prop').map((c) => c.name)).toEqual([]);
  });

  it('records a read by a runtime key as a lookup, not an item assignment', () => {
    const src = ['def build(descriptors):', '    tools = {}', '    for d in descriptors:', '        tools[d.name] = d', '    return tools', 'def dispatch(tools, call):', '    return tools[call.name](**call.args)', ''].join('\n');
    const f = analyzePython('registry.py', src, 'source');
    expect(f.lookups).toEqual([{ target: 'tools', key: 'call.name', line: 7, fn: 'dispatch' }]);
    expect(f.itemSets?.map((x) => [x.target, x.key, x.line])).toEqual([['tools', 'd.name', 4]]);
  });

  it('records a search of a collection by a runtime key as a lookup', () => {
    const src = [
      'def get_function(name):',
      '    for function in functions:',
      '        if function.name == name:',
      '            return function.execute',
      '    for f in functions:',
      '        if f.name == "default":',
      '            return f',
      'def pick(self, call):',
      '    tool = next((t for t in self.tools if t["name"] == call.name), None)',
      '    return get_function(call.name)(**call.args)',
      '',
    ].join('\n');
    const f = analyzePython('registry.py', src, 'source');
    expect(f.lookups).toEqual([
      { target: 'functions', key: 'name', line: 3, fn: 'get_function' },
      { target: 'self.tools', key: 'call.name', line: 9, fn: 'pick' },
    ]);
    // Calling what a call returned has no name of its own (as in TypeScript).
    expect(f.calls.filter((c) => c.line === 10).map((c) => [c.callee, c.name])).toEqual([
      ['get_function(call.name)', ''],
      ['get_function', 'get_function'],
    ]);
  });

  it('reads names passed to getattr, hasattr and .get as reads', () => {
    const f = analyzePython('hints.py', 'def gate(tool, usage):\n    if getattr(tool, "read_only", False) or hasattr(tool, "destructive"):\n        return usage.get("total_tokens", 0) + os.environ.get(f"X_{tool}", 0)\n', 'source');
    expect(f.reads).toMatchObject({ read_only: [2], destructive: [2], total_tokens: [3] });
    expect(Object.keys(f.reads).some((k) => k.startsWith('X_'))).toBe(false);
  });

  it('reads test files by text', () => {
    const f = analyzePythonTestText('tests/test_agent.py', 'import pytest\nfrom agent import Agent\n\ndef test_max_steps_halts():\n    with pytest.raises(AgentMaxStepsError):\n        Agent([]).run("x")\n    assert True\n');
    expect(f.tests).toEqual([{ name: 'test_max_steps_halts', line: 4 }]);
    expect(f.asserts.map((a) => a.line)).toEqual([5, 7]);
    expect(f.imports.map((i) => i.from)).toEqual(['pytest', 'agent']);
  });
});
