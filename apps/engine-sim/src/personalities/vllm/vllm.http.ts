import type { ServerResponse } from 'node:http';
import { ChunkedStream } from '../../core/chunked-stream';
import { type HeaderList, writeHead } from '../../core/http-head';
import { dumpJson, type JsonValue } from '../../core/json-writer';
import type { SimError } from '../../core/sim-errors';
import { errorJson, errorStatus } from './vllm.errors';
import { pythonJson } from './vllm.wire';

/**
 * Responses as uvicorn writes them for vLLM's FastAPI app: lowercase `date` and `server` first,
 * then the response's own headers; a body without a length goes out chunked. Starlette's
 * `JSONResponse` writes compact JSON with raw UTF-8, as `dumpJson` does.
 */

const JSON_TYPE = 'application/json';
export const SSE_HEADERS: HeaderList = [['content-type', 'text/event-stream; charset=utf-8']];

const uvicornHeaders = (): HeaderList => [
  ['date', new Date().toUTCString()],
  ['server', 'uvicorn'],
];

export function sendBody(
  res: ServerResponse,
  status: number,
  body: string,
  contentType?: string,
): void {
  writeHead(res, status, [
    ...uvicornHeaders(),
    ['content-length', String(Buffer.byteLength(body))],
    ...(contentType === undefined ? [] : [['content-type', contentType] as const]),
  ]);
  res.end(body);
}

export const sendJson = (res: ServerResponse, status: number, json: JsonValue): void =>
  sendBody(res, status, dumpJson(json), JSON_TYPE);

/** `Response(status_code=…)`: no body and no content type. */
export const sendEmpty = (res: ServerResponse, status: number): void => sendBody(res, status, '');

export const sendError = (res: ServerResponse, error: SimError): void =>
  sendJson(res, errorStatus(error), errorJson(error));

/**
 * A 200 response of unknown length (`StreamingResponse`, the Prometheus app). Headers go out with
 * the first write, so an error before any output can still be a plain HTTP error.
 */
export class ChunkedBody extends ChunkedStream {
  constructor(res: ServerResponse, headers: HeaderList) {
    super(res, () => [...uvicornHeaders(), ...headers, ['transfer-encoding', 'chunked']]);
  }
}

/**
 * `create_streaming_error_response`: the envelope through `json.dumps` (hence the spaces). The
 * generator then still sends `[DONE]`.
 */
export const sseError = (error: SimError): string => `data: ${pythonJson(errorJson(error))}\n\n`;
