import {
  ERROR_CODES,
  SwitchyardError,
  type ErrorCode,
  type StreamEvent,
} from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { dialectForPath } from '../dialects';
import { anthropicDialect, anthropicInferenceRoutes } from './anthropic.dialect';
import { retryAfterHeaders } from '../retry-after.spec-support';

const route = anthropicInferenceRoutes[0]!;
const meta = { requestId: 'r1', model: 'tiny', created: 1700000000 };
const req = route.parse(
  { model: 'tiny', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }], stream: true },
  { requestId: 'r1', headers: {} },
).request;

const frame = (name: string, data: string) => `event: ${name}\ndata: ${data}\n\n`;
const START =
  frame(
    'message_start',
    '{"type":"message_start","message":{"id":"msg_r1","type":"message","role":"assistant","model":"tiny","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}',
  ) + frame('ping', '{"type":"ping"}');
const blockStart = (i: number, block: string) =>
  frame(
    'content_block_start',
    `{"type":"content_block_start","index":${i},"content_block":${block}}`,
  );
const blockDelta = (i: number, delta: string) =>
  frame('content_block_delta', `{"type":"content_block_delta","index":${i},"delta":${delta}}`);
const blockStop = (i: number) =>
  frame('content_block_stop', `{"type":"content_block_stop","index":${i}}`);
const messageDelta = (delta: string, usage: string) =>
  frame('message_delta', `{"type":"message_delta","delta":${delta},"usage":${usage}}`);
const STOP = frame('message_stop', '{"type":"message_stop"}');

function encode(events: StreamEvent[]): string {
  const enc = route.createStreamEncoder(req, meta, undefined);
  return events.map((e) => enc.event(e)).join('') + enc.end();
}

const start: StreamEvent = { type: 'start', nodeId: 'n1', model: 'tiny', created: 1 };
const usage: StreamEvent = { type: 'usage', promptTokens: 9, completionTokens: 3 };

describe('Anthropic messages: events → exact SSE bytes', () => {
  it('text only', () => {
    expect(
      encode([
        start,
        { type: 'delta', index: 0, text: 'Hel' },
        { type: 'delta', index: 0, text: 'lo' },
        { ...usage, cachedTokens: 4 },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ]),
    ).toBe(
      START +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"Hel"}') +
        blockDelta(0, '{"type":"text_delta","text":"lo"}') +
        blockStop(0) +
        messageDelta(
          '{"stop_reason":"end_turn","stop_sequence":null}',
          '{"input_tokens":9,"output_tokens":3,"cache_read_input_tokens":4}',
        ) +
        STOP,
    );
  });

  it('thinking, then text, with no start event and a length stop', () => {
    expect(
      encode([
        { type: 'delta', index: 0, reasoning: 'hmm' },
        { type: 'delta', index: 0, reasoning: '.', text: 'Yes' },
        usage,
        { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
      ]),
    ).toBe(
      START +
        blockStart(0, '{"type":"thinking","thinking":"","signature":""}') +
        blockDelta(0, '{"type":"thinking_delta","thinking":"hmm"}') +
        blockDelta(0, '{"type":"thinking_delta","thinking":"."}') +
        blockStop(0) +
        blockStart(1, '{"type":"text","text":""}') +
        blockDelta(1, '{"type":"text_delta","text":"Yes"}') +
        blockStop(1) +
        messageDelta(
          '{"stop_reason":"max_tokens","stop_sequence":null}',
          '{"input_tokens":9,"output_tokens":3}',
        ) +
        STOP,
    );
  });

  it('text, then two tool calls streamed as input_json_delta fragments', () => {
    expect(
      encode([
        start,
        { type: 'delta', index: 0, text: 'Checking.' },
        { type: 'delta', index: 0, toolCalls: [{ index: 0, id: 'call_a', name: 'get' }] },
        { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"q":' }] },
        { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '"x"}' }] },
        { type: 'delta', index: 0, toolCalls: [{ index: 1, name: 'put', arguments: '{}' }] },
        usage,
        { type: 'done', choices: [{ index: 0, finishReason: 'tool_calls' }] },
      ]),
    ).toBe(
      START +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"Checking."}') +
        blockStop(0) +
        blockStart(1, '{"type":"tool_use","id":"call_a","name":"get","input":{}}') +
        blockDelta(1, '{"type":"input_json_delta","partial_json":"{\\"q\\":"}') +
        blockDelta(1, '{"type":"input_json_delta","partial_json":"\\"x\\"}"}') +
        blockStop(1) +
        blockStart(2, '{"type":"tool_use","id":"toolu_r1_1","name":"put","input":{}}') +
        blockDelta(2, '{"type":"input_json_delta","partial_json":"{}"}') +
        blockStop(2) +
        messageDelta(
          '{"stop_reason":"tool_use","stop_sequence":null}',
          '{"input_tokens":9,"output_tokens":3}',
        ) +
        STOP,
    );
  });

  it('a stop sequence the engine named', () => {
    expect(
      encode([
        start,
        { type: 'delta', index: 0, text: 'a' },
        usage,
        { type: 'done', choices: [{ index: 0, finishReason: 'stop', stopSequence: 'END' }] },
      ]),
    ).toBe(
      START +
        blockStart(0, '{"type":"text","text":""}') +
        blockDelta(0, '{"type":"text_delta","text":"a"}') +
        blockStop(0) +
        messageDelta(
          '{"stop_reason":"stop_sequence","stop_sequence":"END"}',
          '{"input_tokens":9,"output_tokens":3}',
        ) +
        STOP,
    );
  });

  it('an in-band error frame, from a fresh encoder as the gateway makes one', () => {
    const enc = route.createStreamEncoder(req, meta, undefined);
    expect(enc.error(new SwitchyardError('SY_STREAM_INTERRUPTED', 'the node stopped'))).toBe(
      frame('error', '{"type":"error","error":{"type":"api_error","message":"the node stopped"}}'),
    );
  });
});

describe('Anthropic messages: non-stream body', () => {
  it('folds thinking, text and tool calls into one Message', () => {
    const c = new ResultCollector(1);
    for (const e of [
      { type: 'delta', index: 0, reasoning: 'think' },
      { type: 'delta', index: 0, text: 'Sure.' },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, id: 'call_a', name: 'get' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"q":"x"}' }] },
      { type: 'usage', promptTokens: 5, completionTokens: 7 },
      { type: 'done', choices: [{ index: 0, finishReason: 'tool_calls' }] },
    ] as StreamEvent[])
      c.add(e);
    expect(route.respond(req, c.result(), meta, undefined)).toEqual({
      id: 'msg_r1',
      type: 'message',
      role: 'assistant',
      model: 'tiny',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'text', text: 'Sure.' },
        { type: 'tool_use', id: 'call_a', name: 'get', input: { q: 'x' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 7 },
    });
  });

  it('names the stop sequence', () => {
    const c = new ResultCollector(1);
    c.add({ type: 'delta', index: 0, text: 'a' });
    c.add({ type: 'done', choices: [{ index: 0, finishReason: 'stop', stopSequence: '###' }] });
    expect(route.respond(req, c.result(), meta, undefined)).toMatchObject({
      content: [{ type: 'text', text: 'a' }],
      stop_reason: 'stop_sequence',
      stop_sequence: '###',
      usage: { input_tokens: 0, output_tokens: 0 },
    });
  });
});

describe('Anthropic errors', () => {
  const expected: Record<ErrorCode, [number, string]> = {
    SY_INVALID_JSON: [400, 'invalid_request_error'],
    SY_BAD_REQUEST: [400, 'invalid_request_error'],
    SY_ROUTE_NOT_FOUND: [404, 'not_found_error'],
    SY_MODEL_NOT_FOUND: [404, 'not_found_error'],
    SY_UNAUTHENTICATED: [401, 'authentication_error'],
    SY_MODEL_NOT_ALLOWED: [403, 'permission_error'],
    SY_RATE_LIMITED: [429, 'rate_limit_error'],
    SY_PAYLOAD_TOO_LARGE: [413, 'request_too_large'],
    SY_HEADERS_TOO_LARGE: [431, 'invalid_request_error'],
    SY_URI_TOO_LONG: [414, 'invalid_request_error'],
    SY_REQUEST_TIMEOUT: [408, 'invalid_request_error'],
    SY_UNSUPPORTED_MEDIA_TYPE: [415, 'invalid_request_error'],
    SY_CLIENT_TOO_SLOW: [408, 'invalid_request_error'],
    SY_OVERLOADED: [429, 'rate_limit_error'],
    SY_NO_CAPACITY: [529, 'overloaded_error'],
    SY_CLUSTER_UNAVAILABLE: [503, 'overloaded_error'],
    SY_SHUTTING_DOWN: [503, 'overloaded_error'],
    SY_ENGINE_REJECTED: [400, 'invalid_request_error'],
    SY_ENGINE_ERROR: [502, 'api_error'],
    SY_ENGINE_UNAVAILABLE: [503, 'overloaded_error'],
    SY_ENGINE_TIMEOUT: [504, 'timeout_error'],
    SY_STREAM_INTERRUPTED: [502, 'api_error'],
    SY_CANCELLED: [499, 'invalid_request_error'],
    SY_INTERNAL: [500, 'api_error'],
  };

  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('renders %s', (code) => {
    const [status, type] = expected[code];
    expect(anthropicDialect.renderError(new SwitchyardError(code, 'why'))).toEqual({
      status,
      headers: retryAfterHeaders(code),
      body: { type: 'error', error: { type, message: 'why' }, request_id: null },
    });
  });

  it('sends Retry-After when the error carries one', () => {
    const r = anthropicDialect.renderError(
      new SwitchyardError('SY_NO_CAPACITY', 'busy', { retryAfterSeconds: 2 }),
    );
    expect(r.headers).toEqual({ 'retry-after': '2' });
  });

  it('owns the errors of its path, under every mount prefix', () => {
    expect(dialectForPath('/v1/messages')).toBe(anthropicDialect);
    expect(dialectForPath('/api/v1/messages?beta=true')).toBe(anthropicDialect);
    expect(anthropicDialect.routes.map((r) => r.path)).toEqual(['/v1/messages']);
  });
});
