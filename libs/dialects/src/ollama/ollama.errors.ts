import type { ErrorCode, SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

/**
 * How each canonical error looks to an Ollama client: `{"error":"<message>"}` with Ollama's
 * statuses (docs/api/errors.mdx; server/routes.go, server/sched.go). A full admission queue
 * is Ollama's 503 "server busy" (its `OLLAMA_MAX_QUEUE` bound), not a 429, which Ollama
 * keeps for cloud rate limits. Runner failures and timeouts are plain 500s there (it has
 * no 502/504 of its own for a local runner). `message` replaces the text only where Ollama
 * clients are known to show or match Ollama's own words.
 */
interface OllamaErrorSpec {
  status: number;
  message?: (err: SwitchyardError) => string;
}

/**
 * server/routes.go: `/api/chat`, `/api/generate` and `/api/show` answer an unknown model with
 * 404 `model '<name>' not found`, the name as the client wrote it. Ollama's embedding routes
 * (and chat on older servers) say `model "<name>" not found, try pulling it first`
 * instead; an error does not say which route it came from, so every route here uses the
 * first text — clients match on the 404 and on "not found", which both share.
 */
export const modelNotFound = (name: string): string => `model '${name}' not found`;

const OLLAMA_ERRORS = {
  SY_INVALID_JSON: { status: 400 },
  SY_BAD_REQUEST: { status: 400 },
  SY_ROUTE_NOT_FOUND: { status: 404 },
  SY_MODEL_NOT_FOUND: {
    status: 404,
    message: (err) => (err.model !== undefined ? modelNotFound(err.model) : err.message),
  },
  SY_UNAUTHENTICATED: { status: 401, message: () => 'unauthorized' },
  // Ollama lists only the models a client may use: one it may not is one that does not exist.
  SY_MODEL_NOT_ALLOWED: {
    status: 404,
    message: (err) => (err.model !== undefined ? modelNotFound(err.model) : err.message),
  },
  // Ollama's cloud models answer 429 when a rate limit is hit.
  SY_RATE_LIMITED: { status: 429 },
  SY_PAYLOAD_TOO_LARGE: { status: 413 },
  SY_HEADERS_TOO_LARGE: { status: 431 },
  SY_URI_TOO_LONG: { status: 414 },
  SY_REQUEST_TIMEOUT: { status: 408 },
  SY_UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  SY_CLIENT_TOO_SLOW: { status: 408 },
  SY_OVERLOADED: {
    status: 503,
    message: () => 'server busy, please try again.  maximum pending requests exceeded',
  },
  SY_NO_CAPACITY: { status: 503 },
  SY_CLUSTER_UNAVAILABLE: { status: 503 },
  SY_SHUTTING_DOWN: { status: 503 },
  SY_ENGINE_REJECTED: { status: 400 },
  SY_ENGINE_ERROR: { status: 500 },
  SY_ENGINE_UNAVAILABLE: { status: 503 },
  SY_ENGINE_TIMEOUT: { status: 500 },
  SY_STREAM_INTERRUPTED: { status: 500 },
  SY_CANCELLED: { status: 499, message: () => 'request canceled' },
  SY_INTERNAL: { status: 500 },
} as const satisfies Record<ErrorCode, OllamaErrorSpec>;

export function ollamaErrorBody(err: SwitchyardError): { error: string } {
  const spec: OllamaErrorSpec = OLLAMA_ERRORS[err.code];
  return { error: spec.message?.(err) ?? err.message };
}

export function renderOllamaError(err: SwitchyardError): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return { status: OLLAMA_ERRORS[err.code].status, body: ollamaErrorBody(err), headers };
}
