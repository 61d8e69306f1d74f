import {
  ERROR_CODES,
  SwitchyardError,
  type ErrorCode,
  type InferenceRequest,
  type StreamEvent,
} from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { vllmDialect, vllmInferenceRoutes } from './vllm.dialect';
import { retryAfterHeaders } from '../retry-after.spec-support';

const route = vllmInferenceRoutes[0]!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'tiny', created: 1700000000 };
const wire = (req: InferenceRequest): unknown => JSON.parse(JSON.stringify(req));

function parseError(body: unknown): SwitchyardError {
  try {
    route.parse(body, ctx);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('vLLM demo /generate → canonical', () => {
  it('seed 003: five greedy choices of 64 tokens', () => {
    const req = route.parse(
      { prompt: '保持健康的方法', n: 5, temperature: 0.0, max_tokens: 64 },
      ctx,
    ).request;
    expect(wire(req)).toEqual({
      id: 'r1',
      kind: 'completion',
      model: 'auto',
      prompt: '保持健康的方法',
      stream: false,
      includeUsage: false,
      priority: 0,
      modalities: ['text'],
      sampling: { stop: [], n: 5, maxTokens: 64, temperature: 0 },
    });
  });

  it('every honoured SamplingParams argument; max_tokens defaults to 16', () => {
    const req = route.parse(
      {
        prompt: 'Hi',
        stream: true,
        n: 2,
        temperature: 0.7,
        top_p: 0.9,
        top_k: 40,
        min_p: 0.05,
        presence_penalty: 0.5,
        frequency_penalty: -0.5,
        repetition_penalty: 1.1,
        seed: 3,
        stop: 'END',
        logprobs: 2,
        ignore_eos: true,
        logit_bias: { '42': -100 },
        skip_special_tokens: true,
        best_of: null,
      },
      { requestId: 'r1', headers: { 'x-switchyard-model': 'tiny' } },
    ).request;
    expect(wire(req)).toEqual({
      id: 'r1',
      kind: 'completion',
      model: 'tiny',
      prompt: 'Hi',
      stream: true,
      includeUsage: true,
      priority: 0,
      modalities: ['text'],
      sampling: {
        stop: ['END'],
        n: 2,
        maxTokens: 16,
        temperature: 0.7,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        presencePenalty: 0.5,
        frequencyPenalty: -0.5,
        repetitionPenalty: 1.1,
        seed: 3,
        logitBias: { '42': -100 },
      },
      extra: { ignore_eos: true },
    });
  });

  it('top_k 0 and -1 turn top-k off', () => {
    expect(route.parse({ prompt: 'x', top_k: -1 }, ctx).request.sampling).not.toHaveProperty(
      'topK',
    );
    expect(route.parse({ prompt: 'x', top_k: 0 }, ctx).request.sampling).not.toHaveProperty('topK');
  });

  it.each<[Record<string, unknown>, string, string]>([
    [{ prompt: 'x', foo: 1 }, 'foo', "'foo' is not a vLLM sampling parameter"],
    [
      { prompt: 'x', use_beam_search: true },
      'use_beam_search',
      "'use_beam_search' is not a vLLM sampling parameter",
    ],
    [
      { prompt: 'x', best_of: 3 },
      'best_of',
      "'best_of' is not supported by Switchyard; only its default (1) is accepted",
    ],
    [{ prompt: 'x', n: 0 }, 'n', 'n must be at least 1, got 0.'],
    [{ prompt: 'x', temperature: -1 }, 'temperature', 'temperature must be non-negative, got -1.'],
    [{ prompt: 'x', top_p: 0 }, 'top_p', 'top_p must be in (0, 1], got 0.'],
    [{ prompt: 'x', top_k: -2 }, 'top_k', 'top_k must be 0 (disable), or at least 1, got -2.'],
    [{ prompt: 'x', max_tokens: 0 }, 'max_tokens', 'max_tokens must be at least 1, got 0.'],
    [
      { prompt: 'x', presence_penalty: 3 },
      'presence_penalty',
      'presence_penalty must be in [-2, 2], got 3.',
    ],
    [
      { prompt: 'x', n: 1.5 },
      'n',
      "Invalid value for 'n': Invalid input: expected int, received number",
    ],
    [{ n: 1 }, 'prompt', "Invalid value for 'prompt': is required"],
  ])('refuses %j with a 400 naming %s', (body, param, message) => {
    const err = parseError(body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    expect(err.message).toBe(message);
    expect(vllmDialect.renderError(err)).toEqual({
      status: 400,
      body: { error: message },
      headers: {},
    });
  });

  it('claims bodies with a prompt and no inputs', () => {
    expect(route.claims?.({ prompt: 'x' })).toBe(true);
    expect(route.claims?.({ prompt: 'x', inputs: 'y' })).toBe(false);
    expect(route.claims?.({ inputs: 'y' })).toBe(false);
    expect(route.claims?.('prompt')).toBe(false);
  });
});

const delta = (index: number, text: string): StreamEvent => ({ type: 'delta', index, text });
const done2: StreamEvent = {
  type: 'done',
  choices: [
    { index: 0, finishReason: 'stop' },
    { index: 1, finishReason: 'length' },
  ],
};

describe('vLLM demo answers', () => {
  const req = route.parse({ prompt: 'P:', n: 2, stream: true }, ctx).request;

  it('streams every choice’s cumulative text, prompt first, one JSON line per piece', () => {
    const enc = route.createStreamEncoder(req, meta, undefined);
    const events: StreamEvent[] = [
      { type: 'start', nodeId: 'n', model: 'tiny', created: 1 },
      delta(0, ' a'),
      delta(1, ' b'),
      delta(0, ' c'),
      { type: 'usage', promptTokens: 2, completionTokens: 3 },
      done2,
    ];
    expect(events.map((e) => enc.event(e)).join('') + enc.end()).toBe(
      '{"text":["P: a","P:"]}\n' + '{"text":["P: a","P: b"]}\n' + '{"text":["P: a c","P: b"]}\n',
    );
    expect(route.streamContentType).toBe('application/x-ndjson');
  });

  it('an empty completion still sends one line; a failure is a last {"error"} line', () => {
    const enc = route.createStreamEncoder(req, meta, undefined);
    expect(enc.event(done2)).toBe('{"text":["P:","P:"]}\n');
    const failing = route.createStreamEncoder(req, meta, undefined);
    expect(
      failing.event(delta(0, 'x')) +
        failing.error(new SwitchyardError('SY_STREAM_INTERRUPTED', 'the node died')),
    ).toBe('{"text":["P:x","P:"]}\n{"error":"the node died"}\n');
  });

  it('answers {"text": [prompt + completion, …]}', () => {
    const c = new ResultCollector(2);
    [delta(0, ' a'), delta(1, ' b'), delta(0, ' c'), done2].forEach((e) => c.add(e));
    expect(route.respond(req, c.result(), meta, undefined)).toEqual({ text: ['P: a c', 'P: b'] });
  });
});

describe('vLLM demo errors', () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s keeps its status, flat body', (code) => {
    expect(vllmDialect.renderError(new SwitchyardError(code, 'msg'))).toEqual({
      status: ERROR_CODES[code].httpStatus,
      body: { error: 'msg' },
      headers: retryAfterHeaders(code),
    });
  });

  it('carries Retry-After', () => {
    const err = new SwitchyardError('SY_NO_CAPACITY', 'busy', { retryAfterSeconds: 1 });
    expect(vllmDialect.renderError(err).headers).toEqual({ 'retry-after': '1' });
  });
});
