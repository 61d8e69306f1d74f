import type { ErrorCode, SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

/**
 * MindIE's error body on every route: `{"error": "<message>", "error_type": "<category>"}`
 * with its category strings (protocols §6.3, MindIE-LLM `http_rest_resource.{h,cpp}`):
 * `Bad Request` 400, `NotFoundError` 404, `Input Validation Error` 422, `Generation Error`
 * 424, `Incomplete Generation` 500, `Service Unavailable` 503. Cases MindIE has no category
 * for keep their HTTP status and the nearest category.
 */
type MindieCategory =
  | 'Bad Request'
  | 'NotFoundError'
  | 'Input Validation Error'
  | 'Generation Error'
  | 'Incomplete Generation'
  | 'Service Unavailable';

const MINDIE_ERRORS = {
  SY_INVALID_JSON: { status: 400, type: 'Bad Request' },
  SY_BAD_REQUEST: { status: 422, type: 'Input Validation Error' },
  SY_ROUTE_NOT_FOUND: { status: 404, type: 'NotFoundError' },
  SY_MODEL_NOT_FOUND: { status: 404, type: 'NotFoundError' },
  SY_UNAUTHENTICATED: { status: 401, type: 'Bad Request' },
  SY_MODEL_NOT_ALLOWED: { status: 403, type: 'Bad Request' },
  SY_RATE_LIMITED: { status: 429, type: 'Service Unavailable' },
  SY_PAYLOAD_TOO_LARGE: { status: 413, type: 'Bad Request' },
  SY_HEADERS_TOO_LARGE: { status: 431, type: 'Bad Request' },
  SY_URI_TOO_LONG: { status: 414, type: 'Bad Request' },
  SY_REQUEST_TIMEOUT: { status: 408, type: 'Bad Request' },
  SY_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'Bad Request' },
  SY_CLIENT_TOO_SLOW: { status: 408, type: 'Bad Request' },
  SY_OVERLOADED: { status: 503, type: 'Service Unavailable' },
  SY_NO_CAPACITY: { status: 503, type: 'Service Unavailable' },
  SY_CLUSTER_UNAVAILABLE: { status: 503, type: 'Service Unavailable' },
  SY_SHUTTING_DOWN: { status: 503, type: 'Service Unavailable' },
  SY_ENGINE_REJECTED: { status: 422, type: 'Input Validation Error' },
  SY_ENGINE_ERROR: { status: 424, type: 'Generation Error' },
  SY_ENGINE_UNAVAILABLE: { status: 503, type: 'Service Unavailable' },
  SY_ENGINE_TIMEOUT: { status: 504, type: 'Generation Error' },
  SY_STREAM_INTERRUPTED: { status: 500, type: 'Incomplete Generation' },
  SY_CANCELLED: { status: 499, type: 'Bad Request' },
  SY_INTERNAL: { status: 500, type: 'Incomplete Generation' },
} as const satisfies Record<ErrorCode, { status: number; type: MindieCategory }>;

export function mindieErrorBody(err: SwitchyardError): { error: string; error_type: string } {
  return { error: err.message, error_type: MINDIE_ERRORS[err.code].type };
}

export function renderMindieError(err: SwitchyardError): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return { status: MINDIE_ERRORS[err.code].status, body: mindieErrorBody(err), headers };
}
