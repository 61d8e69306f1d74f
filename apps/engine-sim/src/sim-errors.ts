/** Failures a simulated engine reports; each personality renders a kind in its own wire shape. */
export const SIM_ERROR_KINDS = [
  'invalid_request',
  'exceed_context',
  'not_found',
  'unavailable',
  'not_supported',
  'server',
] as const;

export type SimErrorKind = (typeof SIM_ERROR_KINDS)[number];

export class SimError extends Error {
  constructor(
    readonly kind: SimErrorKind,
    message: string,
    /** Extra numeric fields some engines add to the error object. */
    readonly details: Readonly<Record<string, number>> = {},
  ) {
    super(message);
    this.name = 'SimError';
  }
}

/** Anything thrown while serving, as a SimError (unexpected failures become `server`). */
export function toSimError(error: unknown): SimError {
  if (error instanceof SimError) return error;
  return new SimError('server', error instanceof Error ? error.message : String(error));
}
