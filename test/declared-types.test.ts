/**
 * The classes parameters and fields are declared with, which call resolution follows
 * (`this.messages.create()` on a field typed `MessageService` runs `MessageService.create`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzePython, initPython } from '../src/analyzers/python.js';
import { analyzeTypeScript } from '../src/analyzers/typescript.js';

beforeAll(async () => {
  await initPython();
});

describe('declared types', () => {
  it('TypeScript keeps parameter classes and field classes (declarations and parameter properties)', () => {
    const f = analyzeTypeScript(
      'src/agent.ts',
      [
        'export class Agent {',
        '  private store: SessionStore | undefined;',
        '  private count: number = 0;',
        '  constructor(private readonly messages: MessageService, private readonly repo: Repository<Message>, limit: number) {}',
        '  step(ctx: RunContext, name: string, cb: () => void, done: Promise<void>) {}',
        '}',
      ].join('\n'),
      'source',
    );
    expect(f.classes[0].fieldTypes).toEqual({ store: 'SessionStore', messages: 'MessageService', repo: 'Repository' });
    expect(f.functions.find((d) => d.name === 'Agent.step')?.paramTypes).toEqual(['RunContext', '', '', '']);
    expect(f.functions.find((d) => d.name === 'Agent.constructor')?.paramTypes).toEqual(['MessageService', 'Repository', '']);
  });

  it('Python keeps class-level field annotations, unwrapping Optional and None unions', () => {
    const f = analyzePython(
      'runner/worker.py',
      ['class Worker:', '    store: TranscriptStore', '    llm: Optional[LLM] = None', '    cache: "Cache | None" = None', '    steps: int = 10', '    tools: List[Tool] = []', ''].join('\n'),
      'source',
    );
    expect(f.classes[0].fieldTypes).toEqual({ store: 'TranscriptStore', llm: 'LLM' });
  });
});
