import { ERROR_CODES, type ErrorCode } from '@switchyard/contracts';

/** The `Retry-After` an error of this code carries by default (its row in ERROR_CODES). */
export function retryAfterHeaders(code: ErrorCode): Record<string, string> {
  const seconds: number | undefined = ERROR_CODES[code].retryAfterSeconds;
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}
