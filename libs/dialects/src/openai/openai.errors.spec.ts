import {
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { ERROR_CODES, SwitchyardError, type ErrorCode } from '@switchyard/contracts';
import { openaiDialect } from './openai.dialect';
import { retryAfterHeaders } from '../retry-after.spec-support';

/**
 * Every canonical error as an OpenAI client sees it (protocols §1.9): status, the
 * `{"error":{message,type,param,code}}` body with a string `code`, and the class the official
 * SDK turns it into.
 */

/** Any of the SDK's error classes (their constructors narrow `status`, so not `typeof APIError`). */
type SdkClass = abstract new (...args: never[]) => APIError;
const EXPECTED: Record<ErrorCode, [number, string, string | null, SdkClass]> = {
  SY_INVALID_JSON: [400, 'invalid_request_error', 'invalid_json', BadRequestError],
  SY_BAD_REQUEST: [400, 'invalid_request_error', null, BadRequestError],
  SY_ROUTE_NOT_FOUND: [404, 'invalid_request_error', 'unknown_url', NotFoundError],
  SY_MODEL_NOT_FOUND: [404, 'invalid_request_error', 'model_not_found', NotFoundError],
  SY_UNAUTHENTICATED: [401, 'invalid_request_error', 'invalid_api_key', AuthenticationError],
  SY_MODEL_NOT_ALLOWED: [403, 'invalid_request_error', 'model_not_found', PermissionDeniedError],
  SY_RATE_LIMITED: [429, 'rate_limit_error', 'rate_limit_exceeded', RateLimitError],
  SY_PAYLOAD_TOO_LARGE: [413, 'invalid_request_error', 'request_too_large', APIError],
  SY_HEADERS_TOO_LARGE: [431, 'invalid_request_error', 'headers_too_large', APIError],
  SY_URI_TOO_LONG: [414, 'invalid_request_error', 'uri_too_long', APIError],
  SY_REQUEST_TIMEOUT: [408, 'invalid_request_error', 'request_timeout', APIError],
  SY_UNSUPPORTED_MEDIA_TYPE: [415, 'invalid_request_error', 'unsupported_media_type', APIError],
  SY_CLIENT_TOO_SLOW: [408, 'invalid_request_error', 'client_too_slow', APIError],
  SY_OVERLOADED: [429, 'rate_limit_error', 'rate_limit_exceeded', RateLimitError],
  SY_NO_CAPACITY: [503, 'service_unavailable_error', 'no_capacity', InternalServerError],
  SY_CLUSTER_UNAVAILABLE: [
    503,
    'service_unavailable_error',
    'cluster_unavailable',
    InternalServerError,
  ],
  SY_SHUTTING_DOWN: [503, 'service_unavailable_error', 'shutting_down', InternalServerError],
  SY_ENGINE_REJECTED: [400, 'invalid_request_error', 'engine_rejected', BadRequestError],
  SY_ENGINE_ERROR: [502, 'server_error', 'engine_error', InternalServerError],
  SY_ENGINE_UNAVAILABLE: [
    503,
    'service_unavailable_error',
    'engine_unavailable',
    InternalServerError,
  ],
  SY_ENGINE_TIMEOUT: [504, 'server_error', 'engine_timeout', InternalServerError],
  SY_STREAM_INTERRUPTED: [502, 'server_error', 'stream_interrupted', InternalServerError],
  SY_CANCELLED: [499, 'invalid_request_error', 'cancelled', APIError],
  SY_INTERNAL: [500, 'server_error', 'internal_error', InternalServerError],
};

describe('OpenAI errors', () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])(
    '%s: status, body and the SDK error class',
    (code) => {
      const [status, type, wireCode, sdkClass] = EXPECTED[code];
      const rendered = openaiDialect.renderError(
        new SwitchyardError(code, 'went wrong', { param: 'messages[0].content' }),
      );
      expect(rendered).toEqual({
        status,
        headers: retryAfterHeaders(code),
        body: {
          error: { message: 'went wrong', type, param: 'messages[0].content', code: wireCode },
        },
      });
      const sdkError = APIError.generate(status, rendered.body as object, undefined, new Headers());
      expect(sdkError).toBeInstanceOf(sdkClass);
      expect(sdkError).toMatchObject({
        status,
        type,
        code: wireCode,
        param: 'messages[0].content',
      });
      expect(sdkError.message).toContain('went wrong');
    },
  );

  it('sends Retry-After and a null param when the error has none', () => {
    expect(
      openaiDialect.renderError(
        new SwitchyardError('SY_OVERLOADED', 'busy', { retryAfterSeconds: 2 }),
      ),
    ).toEqual({
      status: 429,
      headers: { 'retry-after': '2' },
      body: {
        error: {
          message: 'busy',
          type: 'rate_limit_error',
          param: null,
          code: 'rate_limit_exceeded',
        },
      },
    });
  });
});
