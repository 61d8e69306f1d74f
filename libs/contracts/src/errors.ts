/**
 * One error type for the whole system. Code branches on `code`, never on message text;
 * each client dialect renders the code into its own wire shape and status.
 */

interface ErrorSpec {
  /** Status a client sees when the error happens before the first byte. */
  httpStatus: number;
  /** Whether the same request may succeed if sent again (later or elsewhere). */
  retryable: boolean;
}

export const ERROR_CODES = {
  /** The body is not JSON. */
  SY_INVALID_JSON: { httpStatus: 400, retryable: false },
  /** The body is JSON but breaks the dialect's schema. */
  SY_BAD_REQUEST: { httpStatus: 400, retryable: false },
  /** No route here answers this method and path. */
  SY_ROUTE_NOT_FOUND: { httpStatus: 404, retryable: false },
  /** No node in the cluster has ever served this model. */
  SY_MODEL_NOT_FOUND: { httpStatus: 404, retryable: false },
  /** The body is larger than the gateway accepts. */
  SY_PAYLOAD_TOO_LARGE: { httpStatus: 413, retryable: false },
  /** Admission refused: queue bound or deadline passed. */
  SY_OVERLOADED: { httpStatus: 429, retryable: true },
  /** The model is known but no ready node serves it right now. */
  SY_NO_CAPACITY: { httpStatus: 503, retryable: true },
  /** The cluster's shared state (Redis) cannot be reached, so nothing can be placed. */
  SY_CLUSTER_UNAVAILABLE: { httpStatus: 503, retryable: true },
  /** The engine refused the request as invalid (its 4xx). */
  SY_ENGINE_REJECTED: { httpStatus: 400, retryable: false },
  /** The engine failed (its 5xx, or a body we cannot read). */
  SY_ENGINE_ERROR: { httpStatus: 502, retryable: true },
  /** The engine is not reachable or answers that it is not ready. */
  SY_ENGINE_UNAVAILABLE: { httpStatus: 503, retryable: true },
  /** The engine did not answer in time. */
  SY_ENGINE_TIMEOUT: { httpStatus: 504, retryable: true },
  /** The stream broke after output had started (node died, engine dropped the connection). */
  SY_STREAM_INTERRUPTED: { httpStatus: 502, retryable: false },
  /** The client went away; no one sees this but logs and metrics. */
  SY_CANCELLED: { httpStatus: 499, retryable: false },
  /** Something unexpected inside Switchyard. */
  SY_INTERNAL: { httpStatus: 500, retryable: false },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface SwitchyardErrorOptions {
  /** The request field at fault, in the client's own naming (e.g. `messages[0].role`). */
  param?: string;
  /** Seconds a client should wait before retrying (sent as `Retry-After`). */
  retryAfterSeconds?: number;
  /** The model the error is about, for dialects whose messages name it (Ollama's 404). */
  model?: string;
  cause?: unknown;
}

export class SwitchyardError extends Error {
  readonly code: ErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly param?: string;
  readonly retryAfterSeconds?: number;
  readonly model?: string;

  constructor(code: ErrorCode, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SwitchyardError';
    this.code = code;
    this.httpStatus = ERROR_CODES[code].httpStatus;
    this.retryable = ERROR_CODES[code].retryable;
    if (options.param !== undefined) this.param = options.param;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
    if (options.model !== undefined) this.model = options.model;
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** Wraps anything thrown into a SwitchyardError, keeping a SwitchyardError as it is. */
export function toSwitchyardError(
  err: unknown,
  fallback: ErrorCode = 'SY_INTERNAL',
): SwitchyardError {
  if (err instanceof SwitchyardError) return err;
  const message = fallback === 'SY_INTERNAL' ? 'internal error' : errorMessage(err);
  return new SwitchyardError(fallback, message, { cause: err });
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
