import type { JsonObject } from '../../core/json-writer';
import { SimError, type SimErrorKind } from '../../core/sim-errors';

/**
 * MindIE's error answers: TGI's flat `{"error": …, "error_type": …}` on every route, OpenAI ones
 * included, the category fixed by the status (`http_rest_resource.h` g_exceptionInfo).
 */

export const ERROR_CATEGORIES = {
  400: 'Bad Request',
  404: 'NotFoundError',
  422: 'Input Validation Error',
  424: 'Generation Error',
  500: 'Incomplete Generation',
  503: 'Service Unavailable',
} as const;

export type MindieStatus = keyof typeof ERROR_CATEGORIES;

const KIND_STATUS = {
  invalid_request: 422,
  exceed_context: 422,
  not_found: 404,
  unavailable: 503,
  // MindIE queues; the only refusal it knows is 503 (no 429 anywhere in its handlers).
  overloaded: 503,
  not_supported: 422,
  server: 500,
} as const satisfies Record<SimErrorKind, MindieStatus>;

export class MindieError extends Error {
  override readonly name = 'MindieError';

  constructor(
    readonly status: MindieStatus,
    message: string,
  ) {
    super(message);
  }
}

/** The answer to a request MindIE's parameter checks reject. */
export const validationError = (message: string): MindieError => new MindieError(422, message);

/** Anything thrown while serving, as MindIE reports it; unexpected failures are 500s. */
export function toMindieError(error: unknown): MindieError {
  if (error instanceof MindieError) return error;
  if (error instanceof SimError) return new MindieError(KIND_STATUS[error.kind], error.message);
  return new MindieError(500, error instanceof Error ? error.message : String(error));
}

export function errorBody(error: MindieError): JsonObject {
  return { error: error.message, error_type: ERROR_CATEGORIES[error.status] };
}

/** Health, info and status routes after `/stopService` (`CheckHealthAndStop`). */
export const serviceStopped = (): MindieError =>
  new MindieError(503, 'The service has been stopped.');

/** Inference routes after `/stopService` (`SingleReqInferInterfaceBase::Process`): no period. */
export const inferenceStopped = (): MindieError =>
  new MindieError(503, 'The service has been stopped');

/**
 * `/generate` with neither `inputs` nor `prompt`: `HandlePostGenerate` wraps a JSON text of its
 * own as the message, so clients meet a capitalised `Error` inside `error`.
 */
export const generateKindError = (): MindieError =>
  validationError(
    '{"Error": "`inputs` or `prompt` must be necessary and data type must be string. ' +
      'Additionally, the request body must be valid json", "error_type": "validation"}',
  );
