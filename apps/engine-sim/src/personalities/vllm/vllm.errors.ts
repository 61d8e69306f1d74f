import type { JsonObject } from '../../core/json-writer';
import { SimError, type SimErrorKind } from '../../core/sim-errors';

/**
 * vLLM's error envelope (`ErrorResponse` wrapping `ErrorInfo`, `entrypoints/openai/engine/
 * protocol.py`): `{"error":{"message","type","param","code"}}`, `code` being the HTTP status as
 * an integer and `type` the name of the status class.
 */

interface ErrorRow {
  readonly status: number;
  readonly type: string;
  /** The request field the error is about. */
  readonly param?: string;
}

const ERROR_ROWS = {
  invalid_request: { status: 400, type: 'BadRequestError' },
  exceed_context: { status: 400, type: 'BadRequestError' },
  // The only 404 vLLM answers in its envelope is an unknown model; unknown routes get FastAPI's
  // own `{"detail":"Not Found"}` (see `ROUTE_NOT_FOUND`).
  not_found: { status: 404, type: 'NotFoundError', param: 'model' },
  unavailable: { status: 503, type: 'ServiceUnavailableError' },
  // vLLM itself queues rather than refusing; `overloadWhenFull` answers like a busy server.
  overloaded: { status: 503, type: 'ServiceUnavailableError' },
  not_supported: { status: 501, type: 'NotImplementedError' },
  server: { status: 500, type: 'InternalServerError' },
} as const satisfies Record<SimErrorKind, ErrorRow>;

export function errorStatus(error: SimError): number {
  return ERROR_ROWS[error.kind].status;
}

export function errorJson(error: SimError): JsonObject {
  const row: ErrorRow = ERROR_ROWS[error.kind];
  return {
    error: { message: error.message, type: row.type, param: row.param ?? null, code: row.status },
  };
}

/** FastAPI's answer for a path no route serves. */
export const ROUTE_NOT_FOUND: JsonObject = { detail: 'Not Found' };

export const invalid = (message: string): SimError => new SimError('invalid_request', message);

export const modelNotFound = (model: string): SimError =>
  new SimError('not_found', `The model \`${model}\` does not exist.`);

/** `_validate_input` when the prompt alone fills the context. */
export const promptTooLong = (maxModelLen: number, promptTokens: number): SimError =>
  new SimError(
    'exceed_context',
    `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens} tokens in the messages, Please reduce the length of the messages.`,
  );

/** `_validate_input` when the prompt plus `max_tokens` overflow the context. */
export const requestTooLong = (
  maxModelLen: number,
  promptTokens: number,
  maxTokens: number,
): SimError =>
  new SimError(
    'exceed_context',
    `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion). Please reduce the length of the messages or completion.`,
  );

/** `_validate_input` for an embedding input longer than the context. */
export const embeddingInputTooLong = (maxModelLen: number, tokens: number): SimError =>
  new SimError(
    'exceed_context',
    `This model's maximum context length is ${maxModelLen} tokens. However, you requested ${tokens} tokens in the input for embedding generation. Please reduce the length of the input.`,
  );
