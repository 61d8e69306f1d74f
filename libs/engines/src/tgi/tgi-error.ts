import type { ErrorCode } from '@switchyard/contracts';
import { codeForEngineStatus } from '../shared/engine-error';
import { asNumber, asString, isObject, tryParseJson, type JsonObject } from '../shared/json-guards';

/**
 * TGI error bodies: `{"error": "<message>", "error_type": "<category>"}` on every native
 * answer; the OpenAI routes put `{"message", "http_status_code"}` under `error` mid-stream.
 * Reference: huggingface/text-generation-inference router/src/server.rs `From<InferError>`,
 * router/src/infer/mod.rs.
 */

export interface MappedError {
  code: ErrorCode;
  message: string;
}

/**
 * Statuses whose meaning the 4xx/5xx bands get wrong. 424 is how TGI says generation failed
 * (the request was fine). 429 `overloaded` means this engine has no concurrency permit left:
 * this node is full, not the cluster and not the request, so another node may serve it
 * (SY_ENGINE_UNAVAILABLE is retryable; SY_OVERLOADED is the gateway's own admission refusal).
 */
const STATUS_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  424: 'SY_ENGINE_ERROR',
  429: 'SY_ENGINE_UNAVAILABLE',
};

/** `error_type` values, for in-band errors that arrive with HTTP 200 and so carry no status. */
const ERROR_TYPE_CODES: Readonly<Record<string, ErrorCode>> = {
  validation: 'SY_ENGINE_REJECTED',
  template_error: 'SY_ENGINE_REJECTED',
  missing_template_variable: 'SY_ENGINE_REJECTED',
  tool_error: 'SY_ENGINE_REJECTED',
  'suffix not supported': 'SY_ENGINE_REJECTED',
  'batch size exceeded': 'SY_ENGINE_REJECTED',
  generation: 'SY_ENGINE_ERROR',
  incomplete_generation: 'SY_ENGINE_ERROR',
  incomplete_generation_stream: 'SY_ENGINE_ERROR',
  stream_serialization_error: 'SY_ENGINE_ERROR',
  overloaded: 'SY_ENGINE_UNAVAILABLE',
  healthcheck: 'SY_ENGINE_UNAVAILABLE',
};

export function tgiCodeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? codeForEngineStatus(status);
}

/** An HTTP error answer: the status decides the code, the body gives the engine's own words. */
export function parseTgiError(status: number, body: string): MappedError {
  const parsed = tryParseJson(body);
  return {
    code: tgiCodeForStatus(status),
    message:
      (isObject(parsed) ? tgiErrorMessage(parsed) : undefined) ?? `engine answered HTTP ${status}`,
  };
}

/** An in-band error record of either route (`record` is the whole event, `error` its member). */
export function mapTgiStreamError(error: unknown, record: JsonObject): MappedError {
  const inner: JsonObject = isObject(error) ? error : {};
  const byType =
    codeOfType(record.error_type) ?? codeOfType(inner.error_type) ?? codeOfType(inner.type);
  const status = asNumber(inner.http_status_code) ?? asNumber(inner.code);
  return {
    code: byType ?? (status === undefined ? 'SY_ENGINE_ERROR' : tgiCodeForStatus(status)),
    message: tgiErrorMessage(record) ?? 'engine reported an error',
  };
}

export function tgiErrorMessage(record: JsonObject): string | undefined {
  const error = record.error;
  const text = isObject(error) ? asString(error.message) : asString(error);
  return text === undefined || text.trim() === '' ? undefined : text;
}

function codeOfType(type: unknown): ErrorCode | undefined {
  const name = asString(type);
  return name !== undefined && Object.hasOwn(ERROR_TYPE_CODES, name)
    ? ERROR_TYPE_CODES[name]
    : undefined;
}
