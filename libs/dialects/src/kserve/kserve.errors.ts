import type { ErrorCode, SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

/**
 * How each canonical error looks to a KServe v2 / Triton client: `{"error": "<message>"}` with
 * Triton's statuses (src/http_server.cc `HttpCodeFromError`): invalid arguments — which is what
 * Triton's core reports for an unknown model ("Request for unknown model: … is not found") —
 * are 400, internal errors 500, unavailable 503, unsupported 501.
 */
const KSERVE_STATUS = {
  SY_INVALID_JSON: 400,
  SY_BAD_REQUEST: 400,
  SY_ROUTE_NOT_FOUND: 404,
  SY_MODEL_NOT_FOUND: 400,
  // Triton has no keys; the proxies in front of it answer 401/403/429.
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
  // Triton's CANCELLED is a 400; nobody is left to read it.
  SY_CANCELLED: 400,
  SY_INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

export function kserveErrorBody(err: SwitchyardError): { error: string } {
  return { error: err.message };
}

export function renderKserveError(err: SwitchyardError): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return { status: KSERVE_STATUS[err.code], body: kserveErrorBody(err), headers };
}
