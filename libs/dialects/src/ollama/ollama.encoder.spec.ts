import { SwitchyardError, type StreamEvent } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { ollamaDialect, ollamaInferenceRoutes } from './ollama.dialect';
import { createOllamaStreamEncoder, ollamaResponse } from './ollama.encoder';
import { encodeContext } from './ollama-context';
import { parseOllamaChat, parseOllamaGenerate, type OllamaFacts } from './ollama-parse';
import type { OllamaClock, OllamaShape } from './ollama-wire';

const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'qwen3', created: 1700000000 };

/** Every monotonic reading is 10 ms after the last; every wall reading 1 µs after the last. */
function fakeClock(): OllamaClock {
  let mono = 0n;
  let wall = 1_700_000_000_000_000_000n;
  return { monoNs: () => (mono += 10_000_000n), wallNs: () => (wall += 1_000n) };
}

const at = (us: number) => `2023-11-14T22:13:20.000${String(us).padStart(3, '0')}000Z`;
const usage: StreamEvent = { type: 'usage', promptTokens: 12, completionTokens: 3 };
const stop: StreamEvent = { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] };
const start: StreamEvent = { type: 'start', nodeId: 'n1', model: 'qwen3', created: 1 };

function encode(shape: OllamaShape, facts: OllamaFacts, events: StreamEvent[]): string {
  const enc = createOllamaStreamEncoder(shape, meta, facts, fakeClock());
  return events.map((e) => enc.event(e)).join('') + enc.end();
}

const chatFacts = parseOllamaChat(
  { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] },
  ctx,
).facts;
const genFacts = parseOllamaGenerate({ model: 'qwen3', prompt: 'hi' }, ctx).facts;
// encoder created at 10 ms, first output at 20 ms, done at 30 ms
const metrics =
  '"total_duration":20000000,"prompt_eval_count":12,"prompt_eval_duration":10000000,"eval_count":3,"eval_duration":10000000';

// encoder created at 10 ms, a node took it at 20 ms (load), first output at 30 ms, done at 40 ms
const metricsAfterStart =
  '"total_duration":30000000,"load_duration":10000000,"prompt_eval_count":12,"prompt_eval_duration":10000000,"eval_count":3,"eval_duration":10000000';
/** The `context` a generate turn returns after "hi" → `answer`. */
const contextJson = (answer: string) =>
  JSON.stringify(
    encodeContext([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: answer },
    ]),
  );

describe('Ollama stream: canonical events → NDJSON bytes', () => {
  it('chat with thinking, text and usage', () => {
    const events: StreamEvent[] = [
      start,
      { type: 'delta', index: 0, reasoning: 'Let me' },
      { type: 'delta', index: 0, text: 'Hi' },
      { type: 'delta', index: 0, text: '' },
      usage,
      stop,
    ];
    expect(encode('chat', chatFacts, events)).toBe(
      `{"model":"qwen3","created_at":"${at(1)}","message":{"role":"assistant","content":"","thinking":"Let me"},"done":false}\n` +
        `{"model":"qwen3","created_at":"${at(2)}","message":{"role":"assistant","content":"Hi"},"done":false}\n` +
        `{"model":"qwen3","created_at":"${at(3)}","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${metricsAfterStart}}\n`,
    );
  });

  it('generate with length, logprobs and no usage (zero fields omitted)', () => {
    const events: StreamEvent[] = [
      {
        type: 'delta',
        index: 0,
        text: 'The',
        logprobs: [
          {
            token: 'The',
            logprob: -0.5,
            bytes: [84, 104, 101],
            top: [{ token: 'A', logprob: -1, bytes: null }],
          },
        ],
      },
      { type: 'delta', index: 0, text: ' sky', reasoning: 'hm' },
      { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
    ];
    expect(encode('generate', genFacts, events)).toBe(
      `{"model":"qwen3","created_at":"${at(1)}","response":"The","done":false,"logprobs":[{"token":"The","logprob":-0.5,"bytes":[84,104,101],"top_logprobs":[{"token":"A","logprob":-1}]}]}\n` +
        `{"model":"qwen3","created_at":"${at(2)}","response":" sky","thinking":"hm","done":false}\n` +
        `{"model":"qwen3","created_at":"${at(3)}","response":"","done":true,"done_reason":"length","context":${contextJson('The sky')},"total_duration":20000000,"prompt_eval_duration":10000000,"eval_duration":10000000}\n`,
    );
  });

  it('buffers streamed tool-call fragments and sends whole calls with object arguments', () => {
    const events: StreamEvent[] = [
      { type: 'delta', index: 0, toolCalls: [{ index: 0, id: 'c1', name: 'get_weather' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"city":' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '"Oslo"}' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 1, name: 'now', arguments: '' }] },
      usage,
      { type: 'done', choices: [{ index: 0, finishReason: 'tool_calls' }] },
    ];
    expect(encode('chat', chatFacts, events)).toBe(
      `{"model":"qwen3","created_at":"${at(1)}","message":{"role":"assistant","content":"","tool_calls":[{"id":"c1","function":{"index":0,"name":"get_weather","arguments":{"city":"Oslo"}}},{"function":{"index":1,"name":"now","arguments":{}}}]},"done":false}\n` +
        `{"model":"qwen3","created_at":"${at(2)}","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",${metrics}}\n`,
    );
  });

  it('a failure after the first line is a last {"error"} line, without done:true', () => {
    const enc = createOllamaStreamEncoder('chat', meta, chatFacts, fakeClock());
    const out =
      enc.event({ type: 'delta', index: 0, text: 'Hi' }) +
      enc.error(new SwitchyardError('SY_STREAM_INTERRUPTED', 'the node serving this request died'));
    expect(out).toBe(
      `{"model":"qwen3","created_at":"${at(1)}","message":{"role":"assistant","content":"Hi"},"done":false}\n` +
        `{"error":"the node serving this request died"}\n`,
    );
  });

  it('a load request answers done_reason "load" and hides the probe output', () => {
    const load = parseOllamaChat({ model: 'qwen3', messages: [] }, ctx);
    const events: StreamEvent[] = [start, { type: 'delta', index: 0, text: 'x' }, usage, stop];
    expect(encode('chat', load.facts, events)).toBe(
      `{"model":"qwen3","created_at":"${at(1)}","message":{"role":"assistant","content":""},"done":true,"done_reason":"load"}\n`,
    );
    const unload = parseOllamaGenerate({ model: 'qwen3', keep_alive: 0 }, ctx);
    expect(encode('generate', unload.facts, events)).toBe(
      `{"model":"qwen3","created_at":"${at(1)}","response":"","done":true,"done_reason":"unload"}\n`,
    );
  });

  it('keeps the load answer when the gateway rewrites the model (llama3:latest → llama3)', () => {
    const chat = ollamaInferenceRoutes.find((r) => r.path === '/api/chat')!;
    const load = chat.parse({ model: 'qwen3:latest', messages: [] }, ctx);
    const resolved = { ...load.request, model: 'qwen3' };
    const enc = chat.createStreamEncoder(resolved, meta, load.facts);
    const events: StreamEvent[] = [start, { type: 'delta', index: 0, text: 'x' }, usage, stop];
    const lines = (events.map((e) => enc.event(e)).join('') + enc.end()).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    // The route reads the system clock; the fake-clock tests above pin `created_at`'s format.
    expect(JSON.parse(lines[0]!)).toEqual({
      model: 'qwen3',
      created_at: expect.any(String),
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'load',
    });
  });

  it('the routes stream application/x-ndjson', () => {
    expect(ollamaDialect.routes.map((r) => [r.path, r.streamContentType])).toEqual([
      ['/api/chat', 'application/x-ndjson'],
      ['/api/generate', 'application/x-ndjson'],
      ['/api/embed', 'application/x-ndjson'],
      ['/api/embeddings', 'application/x-ndjson'],
    ]);
  });
});

describe('Ollama non-streamed responses', () => {
  /** The collector reads the same clock as the route: one tick per reading. */
  function collect(events: StreamEvent[], clock: OllamaClock = fakeClock()) {
    const c = new ResultCollector(1, () => clock.monoNs());
    events.forEach((e) => c.add(e));
    return c.result();
  }

  it('chat: the whole message, tool calls as objects, counts and the durations', () => {
    // parsed at 10 ms; collector from 20 ms, first output 30 ms, done 40 ms; answered at 50 ms
    const clock = fakeClock();
    const { facts } = parseOllamaChat(
      { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] },
      ctx,
      clock,
    );
    const result = collect(
      [
        { type: 'delta', index: 0, reasoning: 'think' },
        { type: 'delta', index: 0, text: 'Hello' },
        {
          type: 'delta',
          index: 0,
          toolCalls: [{ index: 0, id: 'c1', name: 'f', arguments: '{"a":1}' }],
        },
        usage,
        { type: 'done', choices: [{ index: 0, finishReason: 'tool_calls' }] },
      ],
      clock,
    );
    expect(ollamaResponse('chat', result, meta, facts, clock)).toEqual({
      model: 'qwen3',
      created_at: at(1),
      message: {
        role: 'assistant',
        content: 'Hello',
        thinking: 'think',
        tool_calls: [{ id: 'c1', function: { index: 0, name: 'f', arguments: { a: 1 } } }],
      },
      done: true,
      done_reason: 'stop',
      total_duration: 40000000,
      prompt_eval_count: 12,
      prompt_eval_duration: 10000000,
      eval_count: 3,
      eval_duration: 10000000,
    });
  });

  it('generate: response text and done_reason', () => {
    const clock = fakeClock();
    const { facts } = parseOllamaGenerate(
      { model: 'qwen3', prompt: 'hi', stream: false },
      ctx,
      clock,
    );
    const result = collect(
      [
        { type: 'delta', index: 0, text: 'The sky' },
        { type: 'usage', promptTokens: 0, completionTokens: 2 },
        { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
      ],
      clock,
    );
    expect(ollamaResponse('generate', result, meta, facts, clock)).toEqual({
      model: 'qwen3',
      created_at: at(1),
      response: 'The sky',
      done: true,
      done_reason: 'length',
      context: JSON.parse(contextJson('The sky')) as number[],
      total_duration: 40000000,
      prompt_eval_duration: 10000000,
      eval_count: 2,
      eval_duration: 10000000,
    });
  });

  it('a load request', () => {
    const { facts } = parseOllamaGenerate({ model: 'qwen3', prompt: '' }, ctx);
    expect(ollamaResponse('generate', collect([stop]), meta, facts, fakeClock())).toEqual({
      model: 'qwen3',
      created_at: at(1),
      response: '',
      done: true,
      done_reason: 'load',
    });
  });
});
