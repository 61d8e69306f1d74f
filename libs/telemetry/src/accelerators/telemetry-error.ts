/**
 * Why an accelerator telemetry read failed. These never reach API clients (the worker keeps
 * its last good reading and logs), so they are not rows of the client-facing `ERROR_CODES`;
 * callers branch on `code`, never on the message.
 */
export const TELEMETRY_ERROR_CODES = {
  /** The binary is not installed, not on PATH or not executable. */
  SY_TELEMETRY_NOT_FOUND: 'tool not found',
  /** The tool did not finish within its time limit and was killed. */
  SY_TELEMETRY_TIMEOUT: 'tool timed out',
  /** The tool exited non-zero or died of a signal. */
  SY_TELEMETRY_FAILED: 'tool failed',
  /** The tool wrote more than the output bound. */
  SY_TELEMETRY_OUTPUT_TOO_LARGE: 'tool output too large',
  /** An earlier run was killed but has not exited (driver hang); no new run is started. */
  SY_TELEMETRY_BUSY: 'earlier run still stuck',
  /** The output is not in a layout the parser knows. */
  SY_TELEMETRY_UNPARSEABLE: 'unparseable output',
  /** The simulated telemetry spec string is malformed. */
  SY_TELEMETRY_BAD_SPEC: 'bad simulated spec',
} as const satisfies Record<string, string>;

export type TelemetryErrorCode = keyof typeof TELEMETRY_ERROR_CODES;

export class TelemetryError extends Error {
  readonly code: TelemetryErrorCode;

  constructor(code: TelemetryErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TelemetryError';
    this.code = code;
  }
}

export function isTelemetryError(err: unknown): err is TelemetryError {
  return err instanceof TelemetryError;
}

/** A one-line reason for logs: the message of a TelemetryError, or whatever was thrown. */
export function telemetryFailureReason(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
