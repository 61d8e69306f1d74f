/**
 * Failures a simulated engine reports; each personality renders a kind in its own wire shape.
 * `overloaded` is the answer of an engine that refuses work at once because it is full (the
 * `overloadWhenFull` fault): llama.cpp says 503, TGI 429, each personality in its error table.
 */
export const SIM_ERROR_KINDS = [
  'invalid_request',
  'exceed_context',
  'not_found',
  'unavailable',
  'overloaded',
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

/** A prompt that does not fit in one sequence's context, in llama.cpp's wording and fields. */
export function exceedContextError(n: number, ctxSize: number): SimError {
  return new SimError(
    'exceed_context',
    `request (${n} tokens) exceeds the available context size (${ctxSize} tokens), try increasing it`,
    { n_prompt_tokens: n, n_ctx: ctxSize },
  );
}
