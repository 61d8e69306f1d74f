import { ERROR_CODES, SwitchyardError, type ErrorCode } from '@switchyard/contracts';
import { tgiDialect, tgiInferenceRoutes } from './tgi.dialect';
import { retryAfterHeaders } from '../retry-after.spec-support';

describe('TGI errors', () => {
  const expected: Record<ErrorCode, [number, string]> = {
    SY_INVALID_JSON: [400, 'validation'],
    SY_BAD_REQUEST: [422, 'validation'],
    SY_ROUTE_NOT_FOUND: [404, 'not_found'],
    SY_MODEL_NOT_FOUND: [404, 'not_found'],
    SY_UNAUTHENTICATED: [401, 'unauthorized'],
    SY_MODEL_NOT_ALLOWED: [403, 'forbidden'],
    SY_RATE_LIMITED: [429, 'overloaded'],
    SY_PAYLOAD_TOO_LARGE: [413, 'validation'],
    SY_HEADERS_TOO_LARGE: [431, 'validation'],
    SY_URI_TOO_LONG: [414, 'validation'],
    SY_REQUEST_TIMEOUT: [408, 'validation'],
    SY_UNSUPPORTED_MEDIA_TYPE: [415, 'validation'],
    SY_CLIENT_TOO_SLOW: [408, 'validation'],
    SY_OVERLOADED: [429, 'overloaded'],
    SY_NO_CAPACITY: [503, 'overloaded'],
    SY_CLUSTER_UNAVAILABLE: [503, 'unavailable'],
    SY_SHUTTING_DOWN: [503, 'unavailable'],
    SY_ENGINE_REJECTED: [422, 'validation'],
    SY_ENGINE_ERROR: [424, 'generation'],
    SY_ENGINE_UNAVAILABLE: [503, 'unavailable'],
    SY_ENGINE_TIMEOUT: [504, 'generation'],
    SY_STREAM_INTERRUPTED: [500, 'incomplete_generation'],
    SY_CANCELLED: [499, 'cancelled'],
    SY_INTERNAL: [500, 'internal'],
  };

  it.each(Object.keys(ERROR_CODES) as ErrorCode[])(
    '%s → status and {error, error_type}',
    (code) => {
      const [status, type] = expected[code];
      expect(tgiDialect.renderError(new SwitchyardError(code, 'msg'))).toEqual({
        status,
        body: { error: 'msg', error_type: type },
        headers: retryAfterHeaders(code),
      });
    },
  );

  it('a refused parameter is a 422 validation error whose message names it', () => {
    const route = tgiInferenceRoutes[0]!;
    let err: unknown;
    try {
      route.parse({ inputs: 'x', parameters: { top_p: 1.5 } }, { requestId: 'r', headers: {} });
    } catch (e) {
      err = e;
    }
    expect(tgiDialect.renderError(err as SwitchyardError)).toEqual({
      status: 422,
      body: { error: '`top_p` must be > 0.0 and < 1.0', error_type: 'validation' },
      headers: {},
    });
  });

  it('carries Retry-After', () => {
    const err = new SwitchyardError('SY_OVERLOADED', 'queue full', { retryAfterSeconds: 1 });
    expect(tgiDialect.renderError(err)).toEqual({
      status: 429,
      body: { error: 'queue full', error_type: 'overloaded' },
      headers: { 'retry-after': '1' },
    });
  });
});
