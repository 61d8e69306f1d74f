import type { ErrorCode, SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

/**
 * How each canonical error looks to a TGI client: `{"error": "<message>", "error_type": "<kind>"}`
 * (router/src/server.rs `impl From<InferError>`, `ErrorResponse`). Statuses and kinds follow
 * TGI where it has the case — validation 422, overloaded 429, generation 424, incomplete
 * generation 500 — because TGI's clients classify errors by `error_type` (text_generation's
 * `parse_error`: `overloaded` means "retry later", `validation` "fix the request"). Cases TGI
 * cannot have (no node ready, a cluster outage, a timeout) keep their HTTP status, with the
 * kind a TGI client should act on.
 */
interface TgiErrorSpec {
  status: number;
  type: string;
}

const TGI_ERRORS = {
  // axum refuses malformed JSON with a 400 before TGI's handlers run.
  SY_INVALID_JSON: { status: 400, type: 'validation' },
  SY_BAD_REQUEST: { status: 422, type: 'validation' },
  SY_ROUTE_NOT_FOUND: { status: 404, type: 'not_found' },
  SY_MODEL_NOT_FOUND: { status: 404, type: 'not_found' },
  // TGI has no keys; Hugging Face endpoints in front of it answer 401/403.
  SY_UNAUTHENTICATED: { status: 401, type: 'unauthorized' },
  SY_MODEL_NOT_ALLOWED: { status: 403, type: 'forbidden' },
  SY_RATE_LIMITED: { status: 429, type: 'overloaded' },
  SY_PAYLOAD_TOO_LARGE: { status: 413, type: 'validation' },
  SY_HEADERS_TOO_LARGE: { status: 431, type: 'validation' },
  SY_URI_TOO_LONG: { status: 414, type: 'validation' },
  SY_REQUEST_TIMEOUT: { status: 408, type: 'validation' },
  SY_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'validation' },
  SY_CLIENT_TOO_SLOW: { status: 408, type: 'validation' },
  SY_OVERLOADED: { status: 429, type: 'overloaded' },
  SY_NO_CAPACITY: { status: 503, type: 'overloaded' },
  SY_CLUSTER_UNAVAILABLE: { status: 503, type: 'unavailable' },
  SY_SHUTTING_DOWN: { status: 503, type: 'unavailable' },
  SY_ENGINE_REJECTED: { status: 422, type: 'validation' },
  SY_ENGINE_ERROR: { status: 424, type: 'generation' },
  SY_ENGINE_UNAVAILABLE: { status: 503, type: 'unavailable' },
  SY_ENGINE_TIMEOUT: { status: 504, type: 'generation' },
  SY_STREAM_INTERRUPTED: { status: 500, type: 'incomplete_generation' },
  SY_CANCELLED: { status: 499, type: 'cancelled' },
  SY_INTERNAL: { status: 500, type: 'internal' },
} as const satisfies Record<ErrorCode, TgiErrorSpec>;

export function tgiErrorBody(err: SwitchyardError): { error: string; error_type: string } {
  return { error: err.message, error_type: TGI_ERRORS[err.code].type };
}

export function renderTgiError(err: SwitchyardError): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return { status: TGI_ERRORS[err.code].status, body: tgiErrorBody(err), headers };
}
