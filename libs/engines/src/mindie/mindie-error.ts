import type { ErrorCode } from '@switchyard/contracts';
import { codeForEngineStatus } from '../shared/engine-error';
import { asNumber, asString, isObject, tryParseJson, type JsonObject } from '../shared/json-guards';

/**
 * MindIE error bodies. Every route, the OpenAI ones included, answers with TGI's flat shape
 * `{"error": "<message>", "error_type": "<category>"}`.
 * Reference: Ascend/MindIE-LLM src/server/endpoint/utils/http_rest_resource.{h,cpp}.
 */

// http_rest_resource.h g_exceptionInfo: the status each category is sent with. `validation`
// is the default category of HttpRestResource::WrapperJson.
const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = {
  'Bad Request': 400,
  NotFoundError: 404,
  'Input Validation Error': 422,
  validation: 422,
  'Generation Error': 424,
  'Incomplete Generation': 500,
  'Service Unavailable': 503,
};

// 424 Failed Dependency is how MindIE (like TGI) says generation failed: the request was fine.
const STATUS_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  424: 'SY_ENGINE_ERROR',
};

/** Status of an in-band error record whose category and status are both unknown. */
const UNKNOWN_ERROR_STATUS = 500;

export interface MappedError {
  code: ErrorCode;
  message: string;
}

export function mindieCodeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? codeForEngineStatus(status);
}

/** An HTTP error answer: the status decides the code, the body gives the engine's own words. */
export function parseMindieError(status: number, body: string): MappedError {
  const parsed = tryParseJson(body);
  return {
    code: mindieCodeForStatus(status),
    message: (isObject(parsed) ? mindieErrorMessage(parsed) : undefined) ?? fallback(status),
  };
}

/**
 * An in-band error record: MindIE's flat `{error, error_type}`, or the OpenAI envelope
 * `{error: {message, type, code}}` in case a version (or a proxy in front) sends that instead.
 */
export function mapMindieStreamError(error: unknown, record: JsonObject): MappedError {
  return {
    code: mindieCodeForStatus(recordStatus(error, record) ?? UNKNOWN_ERROR_STATUS),
    message: mindieErrorMessage(record) ?? 'engine reported an error',
  };
}

/** The engine's message; one validation path wraps it in a JSON string `{"Error": "…"}`. */
export function mindieErrorMessage(record: JsonObject): string | undefined {
  const error = record.error;
  if (isObject(error)) return nonEmpty(asString(error.message));
  const text = nonEmpty(asString(error));
  if (text === undefined) return undefined;
  const nested = tryParseJson(text);
  if (!isObject(nested)) return text;
  return (
    nonEmpty(asString(nested.Error) ?? asString(nested.error) ?? asString(nested.message)) ?? text
  );
}

function recordStatus(error: unknown, record: JsonObject): number | undefined {
  const byCategory = statusOfType(record.error_type);
  if (byCategory !== undefined || !isObject(error)) return byCategory;
  return asNumber(error.code) ?? asNumber(error.http_status_code) ?? statusOfType(error.type);
}

function statusOfType(type: unknown): number | undefined {
  const name = asString(type);
  return name !== undefined && Object.hasOwn(ERROR_TYPE_STATUS, name)
    ? ERROR_TYPE_STATUS[name]
    : undefined;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text.trim() === '' ? undefined : text;
}

function fallback(status: number): string {
  return `engine answered HTTP ${status}`;
}
