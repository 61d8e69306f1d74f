import type { ErrorCode } from '@switchyard/contracts';
import { codeForEngineStatus } from '../shared/engine-error';
import { statusReason } from '../shared/health-reason';
import { asArray, asNumber, asString, isObject, tryParseJson } from '../shared/json-guards';

/**
 * The non-stream answers of OpenAI-compatible servers: error bodies, health reasons and the
 * model list. Error bodies come in three shapes:
 * - OpenAI and current vLLM: `{"error":{"message","type","param","code"}}`, where `code` is a
 *   string identifier in OpenAI's API and the HTTP status as an integer in vLLM;
 * - older vLLM: the same members flat, `{"object":"error","message",…,"code":<int>}`;
 * - FastAPI's own answers (unknown route, wrong method): `{"detail":"Not Found"}`.
 */

/**
 * Status by error `type`, for in-band errors whose `code` is not a status (OpenAI's string
 * codes). OpenAI types: OAI-ERRDOC; vLLM types: the HTTP status class names it uses.
 */
const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  BadRequestError: 400,
  NotFoundError: 404,
  UnprocessableEntityError: 422,
  rate_limit_error: 429,
  insufficient_quota: 429,
  server_error: 500,
  InternalServerError: 500,
  NotImplementedError: 501,
  service_unavailable_error: 503,
};

/** Canonical code and the engine's own message (what the client needs to fix its request). */
export function parseOpenAiError(
  status: number,
  body: string,
): { code: ErrorCode; message: string } {
  return {
    code: codeForEngineStatus(status),
    message: openAiErrorMessage(body) ?? `engine answered HTTP ${status}`,
  };
}

/** Maps the `error` member of an in-band `data: {"error": …}` record. */
export function mapOpenAiStreamError(error: unknown): { code: ErrorCode; message: string } {
  return {
    code: codeForEngineStatus(inBandStatus(error)),
    message: describeError(error) ?? 'engine reported an error',
  };
}

/** `HTTP 502`, or `HTTP 401: <the engine's message>` when the body says something. */
export function openAiHealthReason(status: number, body: string): string {
  return statusReason(status, openAiErrorMessage(body));
}

/** Model ids from a `GET /v1/models` list (`data[].id`). */
export function openAiModelIds(body: unknown): string[] {
  return asArray(isObject(body) ? body.data : undefined).flatMap((m) => {
    const id = isObject(m) ? asString(m.id) : undefined;
    return id === undefined || id === '' ? [] : [id];
  });
}

function openAiErrorMessage(body: string): string | undefined {
  const parsed = tryParseJson(body);
  if (!isObject(parsed)) return undefined;
  if (parsed.error !== undefined && parsed.error !== null) return describeError(parsed.error);
  if (parsed.object === 'error') return describeError(parsed);
  return nonEmpty(asString(parsed.detail));
}

function describeError(error: unknown): string | undefined {
  if (typeof error === 'string') return nonEmpty(error);
  return isObject(error) ? nonEmpty(asString(error.message)) : undefined;
}

/** vLLM carries the HTTP status in `code`; OpenAI carries an identifier there, so `type` decides. */
function inBandStatus(error: unknown): number {
  if (!isObject(error)) return 500;
  const code = asNumber(error.code);
  if (code !== undefined && Number.isInteger(code) && code >= 400 && code < 600) return code;
  return ERROR_TYPE_STATUS[asString(error.type) ?? ''] ?? 500;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
