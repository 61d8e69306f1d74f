import type { JsonObject } from '../../core/json-writer';
import { SimError, type SimErrorKind } from '../../core/sim-errors';

/**
 * TGI's errors (`router/src/server.rs` `From<InferError>`, `infer/mod.rs` `error_type`):
 * `{"error": message, "error_type": type}` with the status of its `InferError`.
 */

interface ErrorRow {
  readonly status: number;
  readonly type: string;
  /** The `err` label of `tgi_request_failure`. */
  readonly failure: string;
  /** TGI's own wording, replacing the simulator's. */
  readonly message?: string;
  /** What `InferError`'s display puts before the detail. */
  readonly prefix?: string;
}

const ERROR_TYPES = {
  invalid_request: {
    status: 422,
    type: 'validation',
    failure: 'validation',
    prefix: 'Input validation error: ',
  },
  exceed_context: {
    status: 422,
    type: 'validation',
    failure: 'validation',
    prefix: 'Input validation error: ',
  },
  not_found: { status: 404, type: 'not_found', failure: 'not_found' },
  unavailable: { status: 503, type: 'unavailable', failure: 'unavailable' },
  overloaded: {
    status: 429,
    type: 'overloaded',
    failure: 'overloaded',
    message: 'Model is overloaded',
  },
  not_supported: {
    status: 422,
    type: 'validation',
    failure: 'validation',
    prefix: 'Input validation error: ',
  },
  // What a shard that gave up answers before any token (`IncompleteGeneration`).
  server: { status: 500, type: 'incomplete_generation', failure: 'incomplete' },
} as const satisfies Record<SimErrorKind, ErrorRow>;

export const errorStatus = (error: SimError): number => ERROR_TYPES[error.kind].status;

export const failureLabel = (error: SimError): string => ERROR_TYPES[error.kind].failure;

function errorMessage(error: SimError): string {
  const row: ErrorRow = ERROR_TYPES[error.kind];
  return row.message ?? `${row.prefix ?? ''}${error.message}`;
}

export function errorBody(error: SimError): JsonObject {
  return { error: errorMessage(error), error_type: ERROR_TYPES[error.kind].type };
}

/** `GET /health` of a router whose shards do not answer, and every route while loading. */
export const UNHEALTHY: JsonObject = { error: 'unhealthy', error_type: 'healthcheck' };

/** A failure once tokens went out: a shard error (`GenerationError`). */
export const generationError = (error: SimError): JsonObject => ({
  error: `Request failed during generation: Server error: ${error.message}`,
  error_type: 'generation',
});

/**
 * The OpenAI routes' in-band error (`InferError::into_openai_event`): TGI writes 422 as
 * `http_status_code` whatever went wrong.
 */
export const openaiErrorEvent = (error: JsonObject): JsonObject => ({
  error: { message: error.error, http_status_code: 422 },
});

/** A validation error with TGI's `ValidationError` wording (`router/src/validation.rs`). */
export const invalid = (message: string): SimError => new SimError('invalid_request', message);

/**
 * axum's `Json` extractor refusing the body before TGI sees it: 400 for bad JSON, 422 for JSON
 * of the wrong shape, as plain text.
 */
export class BodyRejection extends Error {
  override readonly name = 'BodyRejection';

  constructor(
    readonly status: 400 | 422,
    detail: string,
  ) {
    super(
      status === 400
        ? `Failed to parse the request body as JSON: ${detail}`
        : `Failed to deserialize the JSON body into the target type: ${detail}`,
    );
  }
}
