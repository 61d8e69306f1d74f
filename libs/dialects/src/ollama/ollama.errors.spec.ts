import { ERROR_CODES, SwitchyardError, type ErrorCode } from '@switchyard/contracts';
import { ollamaDialect } from './ollama.dialect';
import { createOllamaStreamEncoder } from './ollama.encoder';
import { parseOllamaChat } from './ollama-parse';
import { retryAfterHeaders } from '../retry-after.spec-support';

const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'qwen3', created: 1700000000 };
const chatFacts = parseOllamaChat(
  { model: 'qwen3', messages: [{ role: 'user', content: 'hi' }] },
  ctx,
).facts;

describe('Ollama errors', () => {
  const expected: Record<ErrorCode, [number, string]> = {
    SY_INVALID_JSON: [400, 'msg'],
    SY_BAD_REQUEST: [400, 'msg'],
    SY_ROUTE_NOT_FOUND: [404, 'msg'],
    SY_MODEL_NOT_FOUND: [404, 'msg'],
    SY_UNAUTHENTICATED: [401, 'unauthorized'],
    SY_MODEL_NOT_ALLOWED: [404, 'msg'],
    SY_RATE_LIMITED: [429, 'msg'],
    SY_PAYLOAD_TOO_LARGE: [413, 'msg'],
    SY_HEADERS_TOO_LARGE: [431, 'msg'],
    SY_URI_TOO_LONG: [414, 'msg'],
    SY_REQUEST_TIMEOUT: [408, 'msg'],
    SY_UNSUPPORTED_MEDIA_TYPE: [415, 'msg'],
    SY_CLIENT_TOO_SLOW: [408, 'msg'],
    SY_OVERLOADED: [503, 'server busy, please try again.  maximum pending requests exceeded'],
    SY_NO_CAPACITY: [503, 'msg'],
    SY_CLUSTER_UNAVAILABLE: [503, 'msg'],
    SY_SHUTTING_DOWN: [503, 'msg'],
    SY_ENGINE_REJECTED: [400, 'msg'],
    SY_ENGINE_ERROR: [500, 'msg'],
    SY_ENGINE_UNAVAILABLE: [503, 'msg'],
    SY_ENGINE_TIMEOUT: [500, 'msg'],
    SY_STREAM_INTERRUPTED: [500, 'msg'],
    SY_CANCELLED: [499, 'request canceled'],
    SY_INTERNAL: [500, 'msg'],
  };

  it.each(Object.keys(ERROR_CODES) as ErrorCode[])('%s renders status and flat body', (code) => {
    const [status, message] = expected[code];
    expect(ollamaDialect.renderError(new SwitchyardError(code, 'msg'))).toEqual({
      status,
      body: { error: message },
      headers: retryAfterHeaders(code),
    });
    const line = createOllamaStreamEncoder('chat', meta, chatFacts).error(
      new SwitchyardError(code, 'msg'),
    );
    expect(line).toBe(`${JSON.stringify({ error: message })}\n`);
  });

  it("names an unknown model in Ollama's words (server/routes.go)", () => {
    const err = new SwitchyardError('SY_MODEL_NOT_FOUND', 'The model does not exist', {
      param: 'model',
      model: 'llama9:70b',
    });
    expect(ollamaDialect.renderError(err)).toEqual({
      status: 404,
      body: { error: "model 'llama9:70b' not found" },
      headers: {},
    });
    expect(createOllamaStreamEncoder('chat', meta, chatFacts).error(err)).toBe(
      `{"error":"model 'llama9:70b' not found"}\n`,
    );
  });

  it('carries Retry-After', () => {
    const err = new SwitchyardError('SY_NO_CAPACITY', 'no node is ready', { retryAfterSeconds: 1 });
    expect(ollamaDialect.renderError(err)).toEqual({
      status: 503,
      body: { error: 'no node is ready' },
      headers: { 'retry-after': '1' },
    });
  });
});
