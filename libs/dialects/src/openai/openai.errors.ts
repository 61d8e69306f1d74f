import type { ErrorCode, SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

/**
 * How each canonical error looks to an OpenAI client: `{"error":{message,type,param,code}}`
 * with a string `code` (openai-openapi `ErrorResponse`; status classes as the openai SDK maps them).
 */
const OPENAI_ERRORS = {
  SY_INVALID_JSON: { type: 'invalid_request_error', code: 'invalid_json' },
  SY_BAD_REQUEST: { type: 'invalid_request_error', code: null },
  SY_ROUTE_NOT_FOUND: { type: 'invalid_request_error', code: 'unknown_url' },
  SY_MODEL_NOT_FOUND: { type: 'invalid_request_error', code: 'model_not_found' },
  SY_UNAUTHENTICATED: { type: 'invalid_request_error', code: 'invalid_api_key' },
  // OpenAI answers a project without access to a model with 403 and this code.
  SY_MODEL_NOT_ALLOWED: { type: 'invalid_request_error', code: 'model_not_found' },
  SY_RATE_LIMITED: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  SY_PAYLOAD_TOO_LARGE: { type: 'invalid_request_error', code: 'request_too_large' },
  SY_HEADERS_TOO_LARGE: { type: 'invalid_request_error', code: 'headers_too_large' },
  SY_URI_TOO_LONG: { type: 'invalid_request_error', code: 'uri_too_long' },
  SY_REQUEST_TIMEOUT: { type: 'invalid_request_error', code: 'request_timeout' },
  SY_UNSUPPORTED_MEDIA_TYPE: { type: 'invalid_request_error', code: 'unsupported_media_type' },
  SY_CLIENT_TOO_SLOW: { type: 'invalid_request_error', code: 'client_too_slow' },
  SY_OVERLOADED: { type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  SY_NO_CAPACITY: { type: 'service_unavailable_error', code: 'no_capacity' },
  SY_CLUSTER_UNAVAILABLE: { type: 'service_unavailable_error', code: 'cluster_unavailable' },
  SY_SHUTTING_DOWN: { type: 'service_unavailable_error', code: 'shutting_down' },
  SY_ENGINE_REJECTED: { type: 'invalid_request_error', code: 'engine_rejected' },
  SY_ENGINE_ERROR: { type: 'server_error', code: 'engine_error' },
  SY_ENGINE_UNAVAILABLE: { type: 'service_unavailable_error', code: 'engine_unavailable' },
  SY_ENGINE_TIMEOUT: { type: 'server_error', code: 'engine_timeout' },
  SY_STREAM_INTERRUPTED: { type: 'server_error', code: 'stream_interrupted' },
  SY_CANCELLED: { type: 'invalid_request_error', code: 'cancelled' },
  SY_INTERNAL: { type: 'server_error', code: 'internal_error' },
} as const satisfies Record<ErrorCode, { type: string; code: string | null }>;

export function openaiErrorBody(err: SwitchyardError) {
  const shape = OPENAI_ERRORS[err.code];
  return {
    error: { message: err.message, type: shape.type, param: err.param ?? null, code: shape.code },
  };
}

export function renderOpenAIError(err: SwitchyardError): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return { status: err.httpStatus, body: openaiErrorBody(err), headers };
}
