import { SwitchyardError, type StreamEvent, type TokenLogprob } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { tgiDialect, tgiInferenceRoutes } from './tgi.dialect';
import { parseTgi, type TgiRoute } from './tgi-parse';
import { tgiResponse, tgiResponseHeaders } from './tgi-response';
import { createTgiStreamEncoder } from './tgi-stream.encoder';

const ctx = { requestId: 'r1', headers: {} };

function request(route: TgiRoute, body: Record<string, unknown>) {
  const { request: req, facts } = parseTgi(route, body, ctx, () => 1000);
  return { req, facts };
}

function encode(route: TgiRoute, body: Record<string, unknown>, events: StreamEvent[]): string {
  const { req, facts } = request(route, body);
  const enc = createTgiStreamEncoder(req, facts);
  return events.map((e) => enc.event(e)).join('') + enc.end();
}

const lp = (token: string, logprob: number, top: [string, number][] = []): TokenLogprob => ({
  token,
  logprob,
  bytes: null,
  top: top.map(([t, l]) => ({ token: t, logprob: l, bytes: null })),
});

const start: StreamEvent = { type: 'start', nodeId: 'n1', model: 'tiny', created: 1 };
const usage: StreamEvent = { type: 'usage', promptTokens: 5, completionTokens: 3 };
const done = (finishReason: 'stop' | 'length', stopSequence?: string): StreamEvent => ({
  type: 'done',
  choices: [{ index: 0, finishReason, ...(stopSequence ? { stopSequence } : {}) }],
});

describe('TGI /generate_stream: canonical events → exact SSE bytes', () => {
  it('tokens, then a last special token with generated_text and details; no [DONE]', () => {
    expect(
      encode('generate_stream', { inputs: 'Hi', parameters: { details: true } }, [
        start,
        { type: 'delta', index: 0, text: ' Hel' },
        { type: 'delta', index: 0, text: 'lo' },
        usage,
        done('stop'),
      ]),
    ).toBe(
      'data:{"index":1,"token":{"id":0,"text":" Hel","logprob":null,"special":false},"top_tokens":[],"generated_text":null,"details":null}\n\n' +
        'data:{"index":2,"token":{"id":0,"text":"lo","logprob":null,"special":false},"top_tokens":[],"generated_text":null,"details":null}\n\n' +
        'data:{"index":3,"token":{"id":0,"text":"","logprob":null,"special":true},"top_tokens":[],"generated_text":" Hello","details":{"finish_reason":"eos_token","generated_tokens":3,"input_length":5,"seed":null}}\n\n',
    );
  });

  it('without details the last event has details null; length; return_full_text', () => {
    expect(
      encode('generate_stream', { inputs: 'Hi', parameters: { return_full_text: true } }, [
        { type: 'delta', index: 0, text: ' there' },
        usage,
        done('length'),
      ]),
    ).toBe(
      'data:{"index":1,"token":{"id":0,"text":" there","logprob":null,"special":false},"top_tokens":[],"generated_text":null,"details":null}\n\n' +
        'data:{"index":2,"token":{"id":0,"text":"","logprob":null,"special":true},"top_tokens":[],"generated_text":"Hi there","details":null}\n\n',
    );
  });

  it('a matched stop string is the last token and stays in the text, as in TGI', () => {
    expect(
      encode(
        'generate_stream',
        { inputs: 'Hi', parameters: { details: true, stop: ['END'], do_sample: true, seed: 7 } },
        [{ type: 'delta', index: 0, text: 'ok ' }, usage, done('stop', 'END')],
      ),
    ).toBe(
      'data:{"index":1,"token":{"id":0,"text":"ok ","logprob":null,"special":false},"top_tokens":[],"generated_text":null,"details":null}\n\n' +
        'data:{"index":2,"token":{"id":0,"text":"END","logprob":null,"special":false},"top_tokens":[],"generated_text":"ok END","details":{"finish_reason":"stop_sequence","generated_tokens":3,"input_length":5,"seed":7}}\n\n',
    );
  });

  it('logprobs split a delta into its tokens with top_n_tokens alternatives', () => {
    const out = encode('generate_stream', { inputs: 'Hi', parameters: { top_n_tokens: 1 } }, [
      {
        type: 'delta',
        index: 0,
        text: ' a b',
        logprobs: [lp(' a', -0.5, [[' a', -0.5]]), lp(' b', -1.25, [[' c', -0.25]])],
      },
      // Logprobs that do not make up the text: one piece, logprob only when it is one token.
      { type: 'delta', index: 0, text: '!?', logprobs: [lp('!', -2), lp('x', -3)] },
      usage,
      done('length'),
    ]);
    expect(out).toBe(
      'data:{"index":1,"token":{"id":0,"text":" a","logprob":-0.5,"special":false},"top_tokens":[{"id":0,"text":" a","logprob":-0.5,"special":false}],"generated_text":null,"details":null}\n\n' +
        'data:{"index":2,"token":{"id":0,"text":" b","logprob":-1.25,"special":false},"top_tokens":[{"id":0,"text":" c","logprob":-0.25,"special":false}],"generated_text":null,"details":null}\n\n' +
        'data:{"index":3,"token":{"id":0,"text":"!?","logprob":null,"special":false},"top_tokens":[],"generated_text":null,"details":null}\n\n' +
        'data:{"index":4,"token":{"id":0,"text":"","logprob":null,"special":true},"top_tokens":[],"generated_text":" a b!?","details":null}\n\n',
    );
  });

  it('a failure after the first byte is a TGI error event, then the stream ends', () => {
    const { req, facts } = request('generate_stream', { inputs: 'Hi' });
    const enc = createTgiStreamEncoder(req, facts);
    expect(
      enc.event({ type: 'delta', index: 0, text: 'a' }) +
        enc.error(new SwitchyardError('SY_STREAM_INTERRUPTED', 'the node died')) +
        enc.end(),
    ).toBe(
      'data:{"index":1,"token":{"id":0,"text":"a","logprob":null,"special":false},"top_tokens":[],"generated_text":null,"details":null}\n\n' +
        'data:{"error":"the node died","error_type":"incomplete_generation"}\n\n',
    );
  });

  it('every route streams text/event-stream; /generate streams with "stream": true', () => {
    expect(tgiDialect.routes.map((r) => [r.path, r.streamContentType])).toEqual([
      ['/generate', 'text/event-stream'],
      ['/generate_stream', 'text/event-stream'],
      ['/', 'text/event-stream'],
    ]);
    const route = tgiInferenceRoutes[0]!;
    expect(route.parse({ inputs: 'x', stream: true }, ctx).request.stream).toBe(true);
    expect(route.parse({ inputs: 'x' }, ctx).request.stream).toBe(false);
  });
});

function collect(n: number, events: StreamEvent[]) {
  const c = new ResultCollector(n);
  events.forEach((e) => c.add(e));
  return c.result();
}

describe('TGI non-streamed answers', () => {
  it('generated_text only, without details', () => {
    const { req, facts } = request('generate', { inputs: 'Hi', parameters: {} });
    const result = collect(1, [{ type: 'delta', index: 0, text: ' you' }, usage, done('stop')]);
    expect(tgiResponse(req, result, facts)).toEqual({ generated_text: ' you' });
  });

  it('POST / wraps the answer in a list and returns the full text by default', () => {
    const { req, facts } = request('compat', { inputs: 'Hi' });
    const result = collect(1, [{ type: 'delta', index: 0, text: ' you' }, usage, done('stop')]);
    expect(tgiResponse(req, result, facts)).toEqual([{ generated_text: 'Hi you' }]);
  });

  it('details: tokens from logprobs, top_tokens, the prompt as one prefill piece, a stop string', () => {
    const { req, facts } = request('generate', {
      inputs: 'Hi',
      parameters: { details: true, decoder_input_details: true, top_n_tokens: 1, stop: ['.'] },
    });
    const result = collect(1, [
      { type: 'delta', index: 0, text: ' a', logprobs: [lp(' a', -0.5, [[' b', -0.75]])] },
      usage,
      done('stop', '.'),
    ]);
    expect(JSON.stringify(tgiResponse(req, result, facts))).toBe(
      '{"generated_text":" a.","details":{"finish_reason":"stop_sequence","generated_tokens":3,"seed":null,' +
        '"prefill":[{"id":0,"text":"Hi","logprob":null}],' +
        '"tokens":[{"id":0,"text":" a","logprob":-0.5,"special":false},{"id":0,"text":".","logprob":null,"special":false}],' +
        '"top_tokens":[[{"id":0,"text":" b","logprob":-0.75,"special":false}]]}}',
    );
  });

  it('details without logprobs from the engine: the text as one token', () => {
    const { req, facts } = request('generate', { inputs: 'Hi', parameters: { details: true } });
    const result = collect(1, [{ type: 'delta', index: 0, text: ' a b' }, usage, done('length')]);
    expect(tgiResponse(req, result, facts)).toEqual({
      generated_text: ' a b',
      details: {
        finish_reason: 'length',
        generated_tokens: 3,
        seed: null,
        prefill: [],
        tokens: [{ id: 0, text: ' a b', logprob: null, special: false }],
      },
    });
  });

  it('best_of: the sequence with the highest mean logprob wins, the others follow', () => {
    const { req, facts } = request('generate', {
      inputs: 'Hi',
      parameters: { best_of: 2, do_sample: true, details: true },
    });
    const result = collect(2, [
      { type: 'delta', index: 0, text: ' x y', logprobs: [lp(' x', -1), lp(' y', -3)] },
      { type: 'delta', index: 1, text: ' z', logprobs: [lp(' z', -1.5)] },
      { type: 'usage', promptTokens: 5, completionTokens: 3 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'length' },
          { index: 1, finishReason: 'stop' },
        ],
      },
    ]);
    expect(tgiResponse(req, result, facts)).toEqual({
      generated_text: ' z',
      details: {
        finish_reason: 'eos_token',
        generated_tokens: 1,
        seed: null,
        prefill: [],
        tokens: [{ id: 0, text: ' z', logprob: -1.5, special: false }],
        best_of_sequences: [
          {
            generated_text: ' x y',
            finish_reason: 'length',
            generated_tokens: 2,
            seed: null,
            prefill: [],
            tokens: [
              { id: 0, text: ' x', logprob: -1, special: false },
              { id: 0, text: ' y', logprob: -3, special: false },
            ],
          },
        ],
      },
    });
    expect(tgiResponseHeaders(req, result, facts, 1250)).toMatchObject({
      'x-generated-tokens': '1',
    });
  });

  it('an engine that ignores n still answers best_of with the sequence it made', () => {
    const { req, facts } = request('generate', {
      inputs: 'Hi',
      parameters: { best_of: 2, do_sample: true, details: true },
    });
    const result = collect(2, [{ type: 'delta', index: 0, text: ' a' }, usage, done('stop')]);
    expect(tgiResponse(req, result, facts)).toMatchObject({
      generated_text: ' a',
      details: { finish_reason: 'eos_token' },
    });
    expect(tgiResponse(req, result, facts)).not.toHaveProperty('details.best_of_sequences');
  });

  it('headers: counts from the engine, times from parse to answer', () => {
    const { req, facts } = request('generate', { inputs: 'Hé!', parameters: {} });
    const result = collect(1, [{ type: 'delta', index: 0, text: 'a' }, usage, done('stop')]);
    expect(tgiResponseHeaders(req, result, facts, 1250.5)).toEqual({
      'x-compute-time': '0.2505',
      'x-compute-characters': '3',
      'x-total-time': '250',
      'x-prompt-tokens': '5',
      'x-generated-tokens': '3',
    });
  });
});
