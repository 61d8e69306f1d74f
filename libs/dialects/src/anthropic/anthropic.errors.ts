import type { ErrorCode, SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'overloaded_error';

/**
 * How each canonical error looks to an Anthropic client (protocols §4.4; status → class as
 * @anthropic-ai/sdk `APIError.generate` maps it). Lack of capacity is Anthropic's own
 * "overloaded": 529 `overloaded_error`, which the SDK retries and surfaces as
 * `OverloadedError`. A key over its limits is `rate_limit_error` (429). Other statuses keep the canonical code's, which the SDK classes by range.
 */
const ANTHROPIC_ERRORS = {
  SY_INVALID_JSON: { status: 400, type: 'invalid_request_error' },
  SY_BAD_REQUEST: { status: 400, type: 'invalid_request_error' },
  SY_ROUTE_NOT_FOUND: { status: 404, type: 'not_found_error' },
  SY_MODEL_NOT_FOUND: { status: 404, type: 'not_found_error' },
  SY_UNAUTHENTICATED: { status: 401, type: 'authentication_error' },
  SY_MODEL_NOT_ALLOWED: { status: 403, type: 'permission_error' },
  SY_RATE_LIMITED: { status: 429, type: 'rate_limit_error' },
  SY_PAYLOAD_TOO_LARGE: { status: 413, type: 'request_too_large' },
  SY_HEADERS_TOO_LARGE: { status: 431, type: 'invalid_request_error' },
  SY_URI_TOO_LONG: { status: 414, type: 'invalid_request_error' },
  SY_REQUEST_TIMEOUT: { status: 408, type: 'invalid_request_error' },
  SY_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'invalid_request_error' },
  SY_CLIENT_TOO_SLOW: { status: 408, type: 'invalid_request_error' },
  // Admission refused (queue bound or deadline): a client-side rate limit, retried after Retry-After.
  SY_OVERLOADED: { status: 429, type: 'rate_limit_error' },
  SY_NO_CAPACITY: { status: 529, type: 'overloaded_error' },
  SY_CLUSTER_UNAVAILABLE: { status: 503, type: 'overloaded_error' },
  SY_SHUTTING_DOWN: { status: 503, type: 'overloaded_error' },
  SY_ENGINE_REJECTED: { status: 400, type: 'invalid_request_error' },
  SY_ENGINE_ERROR: { status: 502, type: 'api_error' },
  SY_ENGINE_UNAVAILABLE: { status: 503, type: 'overloaded_error' },
  SY_ENGINE_TIMEOUT: { status: 504, type: 'timeout_error' },
  SY_STREAM_INTERRUPTED: { status: 502, type: 'api_error' },
  SY_CANCELLED: { status: 499, type: 'invalid_request_error' },
  SY_INTERNAL: { status: 500, type: 'api_error' },
} as const satisfies Record<ErrorCode, { status: number; type: AnthropicErrorType }>;

/** The in-band form: the same `{type:"error", error}` object, sent as `event: error`. */
export function anthropicErrorPayload(err: SwitchyardError) {
  return { type: 'error', error: { type: ANTHROPIC_ERRORS[err.code].type, message: err.message } };
}

/** `request_id` repeats the `request-id` header, as Anthropic's own error bodies do. */
export function renderAnthropicError(err: SwitchyardError, requestId?: string): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return {
    status: ANTHROPIC_ERRORS[err.code].status,
    body: { ...anthropicErrorPayload(err), request_id: requestId ?? null },
    headers,
  };
}
