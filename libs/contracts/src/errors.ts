/**
 * One error type for the whole system. Code branches on `code`, never on message text;
 * each client dialect renders the code into its own wire shape and status.
 */

/** What the request's metrics record as its outcome (a closed set of label values). */
export type ErrorOutcome = 'rejected' | 'client_error' | 'failed' | 'cancelled';

/** What an error says about the node that produced it, for its circuit breaker. */
export type NodeFault = 'node' | 'client' | 'none';

/**
 * Everything the system needs to know about one error code. Code that branches on errors
 * reads these columns, so a new code is one row and never silently takes a default.
 */
interface ErrorSpec {
  /** Status a client sees when the error happens before the first byte. */
  httpStatus: number;
  /** Whether the same request may succeed if sent again (later or elsewhere). */
  retryable: boolean;
  /** A failure before any output that another node may well not have: place it again elsewhere. */
  retryElsewhere: boolean;
  /** Whose fault it is when a node reports it: `node` counts against its circuit breaker. */
  fault: NodeFault;
  /** The `outcome` label of the request's metrics. */
  outcome: ErrorOutcome;
  /** Seconds a client should wait before trying again (`Retry-After`), when it should. */
  retryAfterSeconds?: number;
}

export const ERROR_CODES = {
  /** The body is not JSON. */
  SY_INVALID_JSON: row(400, 'client_error', { fault: 'client' }),
  /** The body is JSON but breaks the dialect's schema. */
  SY_BAD_REQUEST: row(400, 'client_error', { fault: 'client' }),
  /** No route here answers this method and path. */
  SY_ROUTE_NOT_FOUND: row(404, 'client_error', { fault: 'client' }),
  /** No node in the cluster has ever served this model. */
  SY_MODEL_NOT_FOUND: row(404, 'client_error', { fault: 'client' }),
  /** No API key, or one that is unknown, revoked or expired, on a gateway that requires one. */
  SY_UNAUTHENTICATED: row(401, 'client_error', { fault: 'client' }),
  /** The API key is valid but not allowed this model. */
  SY_MODEL_NOT_ALLOWED: row(403, 'client_error', { fault: 'client' }),
  /** The API key (or its tenant) is over a limit: requests or tokens per minute, concurrency, budget. */
  SY_RATE_LIMITED: row(429, 'rejected', { retryable: true, fault: 'client', retryAfterSeconds: 1 }),
  /** The body is larger than the gateway accepts. */
  SY_PAYLOAD_TOO_LARGE: row(413, 'client_error', { fault: 'client' }),
  /** The request's headers (or its URL) are larger than the HTTP server reads. */
  SY_HEADERS_TOO_LARGE: row(431, 'client_error', { fault: 'client' }),
  /** The request URL is longer than the gateway accepts. */
  SY_URI_TOO_LONG: row(414, 'client_error', { fault: 'client' }),
  /** The client did not send its whole request in time. */
  SY_REQUEST_TIMEOUT: row(408, 'client_error', { fault: 'client' }),
  /** The body is in an encoding or media type the gateway cannot read. */
  SY_UNSUPPORTED_MEDIA_TYPE: row(415, 'client_error', { fault: 'client' }),
  /**
   * The client read a stream so much slower than the engine wrote it that the gateway would
   * have had to hold more than its bound; the engine request is cancelled.
   */
  SY_CLIENT_TOO_SLOW: row(408, 'client_error', { fault: 'none' }),
  /** Admission refused: queue bound or deadline passed. */
  SY_OVERLOADED: row(429, 'rejected', { retryable: true, fault: 'none', retryAfterSeconds: 1 }),
  /** The model is known but no ready node serves it right now. */
  SY_NO_CAPACITY: row(503, 'rejected', { retryable: true, fault: 'none', retryAfterSeconds: 1 }),
  /** The cluster's shared state (Redis) cannot be reached, so nothing can be placed. */
  SY_CLUSTER_UNAVAILABLE: row(503, 'failed', { retryable: true, retryAfterSeconds: 1 }),
  /** This gateway is shutting down and takes no new requests; another replica will. */
  SY_SHUTTING_DOWN: row(503, 'rejected', { retryable: true, fault: 'none', retryAfterSeconds: 1 }),
  /** The engine refused the request as invalid (its 4xx). */
  SY_ENGINE_REJECTED: row(400, 'client_error', { fault: 'client' }),
  /** The engine failed (its 5xx, or a body we cannot read). */
  SY_ENGINE_ERROR: row(502, 'failed', { retryable: true, retryElsewhere: true }),
  /** The engine is not reachable or answers that it is not ready. */
  SY_ENGINE_UNAVAILABLE: row(503, 'failed', { retryable: true, retryElsewhere: true }),
  /** The engine did not answer in time. */
  SY_ENGINE_TIMEOUT: row(504, 'failed', { retryable: true }),
  /** The stream broke (node died, engine dropped the connection); before output, try another node. */
  SY_STREAM_INTERRUPTED: row(502, 'failed', { retryElsewhere: true }),
  /** The request was cancelled (client gone, node shutting down); never the node's fault. */
  SY_CANCELLED: row(499, 'cancelled', { fault: 'none' }),
  /** Something unexpected inside Switchyard. */
  SY_INTERNAL: row(500, 'failed'),
} as const satisfies Record<string, ErrorSpec>;

/** One table row; the defaults are those of a server-side failure that is the node's fault. */
function row(
  httpStatus: number,
  outcome: ErrorOutcome,
  rest: Partial<Omit<ErrorSpec, 'httpStatus' | 'outcome'>> = {},
): ErrorSpec {
  return { httpStatus, outcome, retryable: false, retryElsewhere: false, fault: 'node', ...rest };
}

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
    const retryAfter = options.retryAfterSeconds ?? ERROR_CODES[code].retryAfterSeconds;
    if (retryAfter !== undefined) this.retryAfterSeconds = retryAfter;
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
