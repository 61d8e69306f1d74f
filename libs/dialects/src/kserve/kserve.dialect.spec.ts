import {
  ERROR_CODES,
  SwitchyardError,
  type ErrorCode,
  type InferenceRequest,
  type StreamEvent,
} from '@switchyard/contracts';
import { fakeCatalog } from '../catalog.spec-support';
import { ResultCollector } from '../collect';
import type { ApiCall, InferenceRoute, ParseContext } from '../dialect';
import { dialectForPath } from '../dialects';
import { kserveDialect, kserveInferenceRoutes } from './kserve.dialect';
import type { KserveFacts } from './kserve-parse';
import { retryAfterHeaders } from '../retry-after.spec-support';

type KserveRoute = InferenceRoute<KserveFacts>;
const routeAt = (path: string): KserveRoute => kserveInferenceRoutes.find((r) => r.path === path)!;
const generate = routeAt('/v2/models/:name/generate');
const generateStream = routeAt('/v2/models/:name/generate_stream');
const meta = { requestId: 'r1', model: 'tiny', created: 1700000000 };
const ctx = (params: Record<string, string> = { name: 'tiny' }): ParseContext => ({
  requestId: 'r1',
  headers: {},
  params,
});
const wire = (req: InferenceRequest): unknown => JSON.parse(JSON.stringify(req));

function parseError(route: KserveRoute, body: unknown, c = ctx()): SwitchyardError {
  try {
    route.parse(body, c);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('KServe generate → canonical', () => {
  it('the path names the model; parameters and top-level inputs become sampling', () => {
    const req = generate.parse(
      {
        id: 'q1',
        text_input: 'What is ML?',
        max_tokens: 20,
        bad_words: '',
        stop_words: '',
        pad_id: 2,
        end_id: 2,
        parameters: {
          temperature: 0.5,
          top_p: 0.9,
          top_k: 10,
          seed: 4,
          stop: ['\n\n'],
          repetition_penalty: 1.1,
          return_finish_reason: true,
        },
      },
      ctx(),
    ).request;
    expect(wire(req)).toEqual({
      id: 'r1',
      kind: 'completion',
      model: 'tiny',
      prompt: 'What is ML?',
      stream: false,
      includeUsage: false,
      priority: 0,
      modalities: ['text'],
      sampling: {
        stop: ['\n\n'],
        n: 1,
        maxTokens: 20,
        temperature: 0.5,
        topP: 0.9,
        topK: 10,
        seed: 4,
        repetitionPenalty: 1.1,
      },
    });
  });

  it('TensorRT-LLM names: stop_words, random_seed; vLLM’s ignore_eos goes to the engine', () => {
    const req = generateStream.parse(
      {
        text_input: 'x',
        stop_words: ['END', ''],
        random_seed: 9,
        ignore_eos: true,
        stream: true,
      },
      ctx({ name: 'tiny', version: '1' }),
    ).request;
    expect(wire(req)).toMatchObject({
      stream: true,
      sampling: { stop: ['END'], seed: 9 },
      extra: { ignore_eos: true },
    });
  });

  it.each<[KserveRoute, Record<string, unknown>, string, string]>([
    [
      generate,
      { text_input: 'x', foo: 1 },
      'foo',
      "unexpected inference input 'foo' for model 'tiny'",
    ],
    [
      generate,
      { text_input: 'x', parameters: { bar: 'y' } },
      'bar',
      "unexpected inference input 'bar' for model 'tiny'",
    ],
    [
      generate,
      { text_input: 'x', max_tokens: 0 },
      'max_tokens',
      "input 'max_tokens' must be an integer >= 1, got 0",
    ],
    [
      generate,
      { text_input: 'x', temperature: 'hot' },
      'temperature',
      'input \'temperature\' must be >= 0, got "hot"',
    ],
    [
      generate,
      { text_input: 'x', stream: true },
      'stream',
      "a streamed answer needs the 'generate_stream' endpoint",
    ],
    [
      generateStream,
      { text_input: 'x', exclude_input_in_output: false },
      'exclude_input_in_output',
      "'exclude_input_in_output' must not be false when streaming",
    ],
    [
      generate,
      { text_input: 'x', beam_width: 2 },
      'beam_width',
      "input 'beam_width' is not supported; only 1 is accepted",
    ],
    [generate, { parameters: {} }, 'text_input', "Invalid value for 'text_input': is required"],
  ])('refuses %#: %j naming %s', (route, body, param, message) => {
    const err = parseError(route, body);
    expect(err).toMatchObject({ code: 'SY_BAD_REQUEST', param, message });
    expect(kserveDialect.renderError(err)).toEqual({
      status: 400,
      body: { error: message },
      headers: {},
    });
  });

  it('a model version other than 1 is an unknown model (400)', () => {
    const err = parseError(generate, { text_input: 'x' }, ctx({ name: 'tiny', version: '2' }));
    expect(kserveDialect.renderError(err)).toEqual({
      status: 400,
      body: { error: "Request for unknown model: 'tiny' version 2 is not found" },
      headers: {},
    });
  });
});

const usage: StreamEvent = { type: 'usage', promptTokens: 4, completionTokens: 2 };
const done: StreamEvent = { type: 'done', choices: [{ index: 0, finishReason: 'length' }] };

describe('KServe generate answers', () => {
  it('generate: prompt + completion with the finish reason and counts, the id echoed', () => {
    const { request: req, facts } = generate.parse({ id: 'q1', text_input: 'Q:' }, ctx());
    const c = new ResultCollector(1);
    [{ type: 'delta', index: 0, text: ' A' } as StreamEvent, usage, done].forEach((e) => c.add(e));
    expect(JSON.stringify(generate.respond(req, c.result(), meta, facts))).toBe(
      '{"id":"q1","model_name":"tiny","model_version":"1","text_output":"Q: A","finish_reason":"length","num_input_tokens":4,"num_output_tokens":2}',
    );
    const bare = generate.parse({ text_input: 'Q:', exclude_input_in_output: true }, ctx());
    expect(generate.respond(bare.request, c.result(), meta, bare.facts)).toEqual({
      model_name: 'tiny',
      model_version: '1',
      text_output: ' A',
      finish_reason: 'length',
      num_input_tokens: 4,
      num_output_tokens: 2,
    });
  });

  it('generate_stream: data: {delta}\\n\\n per piece, a last event with the finish reason', () => {
    const { request: req, facts } = generateStream.parse({ text_input: 'Q:' }, ctx());
    const enc = generateStream.createStreamEncoder(req, meta, facts);
    const events: StreamEvent[] = [
      { type: 'start', nodeId: 'n', model: 'tiny', created: 1 },
      { type: 'delta', index: 0, text: ' A' },
      { type: 'delta', index: 0, text: '' },
      { type: 'delta', index: 0, text: 'B' },
      usage,
      done,
    ];
    expect(events.map((e) => enc.event(e)).join('') + enc.end()).toBe(
      'data: {"model_name":"tiny","model_version":"1","text_output":" A"}\n\n' +
        'data: {"model_name":"tiny","model_version":"1","text_output":"B"}\n\n' +
        'data: {"model_name":"tiny","model_version":"1","text_output":"","finish_reason":"length","num_input_tokens":4,"num_output_tokens":2}\n\n',
    );
    expect(generateStream.streamContentType).toBe('text/event-stream; charset=utf-8');
  });

  it('a failure mid-stream is data: {"error": …}', () => {
    const { request: req, facts } = generateStream.parse({ text_input: 'Q:' }, ctx());
    const enc = generateStream.createStreamEncoder(req, meta, facts);
    expect(enc.error(new SwitchyardError('SY_ENGINE_ERROR', 'engine failed'))).toBe(
      'data: {"error":"engine failed"}\n\n',
    );
  });
});

const api = (path: string) => kserveDialect.apiRoutes!.find((r) => r.path === path)!;
const call = (ids: string[], params: Record<string, string> = {}): ApiCall => ({
  body: undefined,
  params,
  headers: {},
  catalog: fakeCatalog(ids, { tiny: ['tiny-alias'] }),
});

describe('KServe health and metadata', () => {
  it('GET /v2 describes the server', () => {
    expect(api('/v2').handle(call(['tiny']))).toEqual({
      body: { name: 'switchyard', version: '9.9.9', extensions: ['generate'] },
    });
  });

  it('live always; ready while a model is served, else Triton’s 400 with an empty body', () => {
    expect(api('/v2/health/live').handle(call([]))).toEqual({ status: 200, body: undefined });
    expect(api('/v2/health/ready').handle(call(['tiny']))).toEqual({
      status: 200,
      body: undefined,
    });
    expect(api('/v2/health/ready').handle(call([]))).toEqual({ status: 400, body: undefined });
    const ready = api('/v2/models/:name/ready');
    expect(ready.handle(call(['tiny'], { name: 'tiny' })).status).toBe(200);
    expect(ready.handle(call(['tiny'], { name: 'nope' })).status).toBe(400);
    const versioned = api('/v2/models/:name/versions/:version/ready');
    expect(versioned.handle(call(['tiny'], { name: 'tiny', version: '1' })).status).toBe(200);
    expect(versioned.handle(call(['tiny'], { name: 'tiny', version: '3' })).status).toBe(400);
  });

  it('model metadata lists the generate tensors; an alias finds the model', () => {
    const answer = api('/v2/models/:name').handle(call(['tiny'], { name: 'tiny-alias' }));
    const body = answer.body as { name: string; inputs: { name: string; datatype: string }[] };
    expect(body).toMatchObject({
      name: 'tiny',
      versions: ['1'],
      platform: 'switchyard',
      outputs: [
        { name: 'text_output', datatype: 'BYTES', shape: [-1] },
        { name: 'finish_reason', datatype: 'BYTES', shape: [-1] },
        { name: 'num_input_tokens', datatype: 'UINT32', shape: [1] },
        { name: 'num_output_tokens', datatype: 'UINT32', shape: [1] },
      ],
    });
    expect(body.inputs[0]).toEqual({ name: 'text_input', datatype: 'BYTES', shape: [1] });
    expect(body.inputs).toContainEqual({ name: 'max_tokens', datatype: 'INT32', shape: [1] });
  });

  it('an unknown model is Triton’s 400 "Request for unknown model"', () => {
    let err: unknown;
    try {
      api('/v2/models/:name').handle(call(['tiny'], { name: 'nope' }));
    } catch (e) {
      err = e;
    }
    expect(kserveDialect.renderError(err as SwitchyardError)).toEqual({
      status: 400,
      body: { error: "Request for unknown model: 'nope' is not found" },
      headers: {},
    });
  });

  it('paths under /v2 render errors in this dialect', () => {
    expect(dialectForPath('/v2/models/tiny/generate')).toBe(kserveDialect);
    expect(dialectForPath('/v2/unknown')).toBe(kserveDialect);
  });
});

describe('KServe errors', () => {
  const expected: Record<ErrorCode, number> = {
    SY_INVALID_JSON: 400,
    SY_BAD_REQUEST: 400,
    SY_ROUTE_NOT_FOUND: 404,
    SY_MODEL_NOT_FOUND: 400,
    SY_UNAUTHENTICATED: 401,
    SY_MODEL_NOT_ALLOWED: 403,
    SY_RATE_LIMITED: 429,
    SY_PAYLOAD_TOO_LARGE: 413,
    SY_HEADERS_TOO_LARGE: 431,
    SY_URI_TOO_LONG: 414,
    SY_REQUEST_TIMEOUT: 408,
    SY_UNSUPPORTED_MEDIA_TYPE: 415,
    SY_CLIENT_TOO_SLOW: 408,
    SY_OVERLOADED: 503,
    SY_NO_CAPACITY: 503,
    SY_CLUSTER_UNAVAILABLE: 503,
    SY_SHUTTING_DOWN: 503,
    SY_ENGINE_REJECTED: 400,
    SY_ENGINE_ERROR: 500,
    SY_ENGINE_UNAVAILABLE: 503,
    SY_ENGINE_TIMEOUT: 500,
    SY_STREAM_INTERRUPTED: 500,
    SY_CANCELLED: 400,
    SY_INTERNAL: 500,
  };
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])(
    '%s → {"error"} with Triton’s status',
    (code) => {
      expect(kserveDialect.renderError(new SwitchyardError(code, 'msg'))).toEqual({
        status: expected[code],
        body: { error: 'msg' },
        headers: retryAfterHeaders(code),
      });
    },
  );
});
