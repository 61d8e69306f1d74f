import { ERROR_CODES, type ErrorCode, type ErrorEvent } from '@switchyard/contracts';

/** Statuses with a meaning of their own; the rest fall into the 4xx / 5xx bands below. */
const STATUS_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  // An engine's 408/429 says this engine is busy or slow, not that the request is bad:
  // retryable, so the gateway may place it on another node before any output.
  408: 'SY_ENGINE_UNAVAILABLE',
  429: 'SY_ENGINE_UNAVAILABLE',
  499: 'SY_CANCELLED',
  503: 'SY_ENGINE_UNAVAILABLE',
};

/** Canonical code for an engine's HTTP error status (4xx: it refused the request; else: it failed). */
export function codeForEngineStatus(status: number): ErrorCode {
  const exact = STATUS_CODES[status];
  if (exact !== undefined) return exact;
  return status >= 400 && status < 500 ? 'SY_ENGINE_REJECTED' : 'SY_ENGINE_ERROR';
}

/** A terminal error event; `retryable` always follows the code's table entry. */
export function engineErrorEvent(
  code: ErrorCode,
  message: string,
  afterOutput: boolean,
): ErrorEvent {
  return { type: 'error', code, message, retryable: ERROR_CODES[code].retryable, afterOutput };
}
