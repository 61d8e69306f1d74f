import type { ServerResponse } from 'node:http';
import { type HeaderList, writeHead } from './http-head';
import { dumpJson, type JsonValue } from './json-writer';
import type { SimError } from './sim-errors';
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
export class ChunkedBody {
  private opened = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: HeaderList,
  ) {}

  get started(): boolean {
    return this.opened;
  }

  write(text: string): void {
    this.open();
    // The client may have gone between two timer ticks; cancellation follows on 'close'.
    if (!this.res.destroyed) this.res.write(text);
  }

  end(): void {
    this.open();
    if (!this.res.destroyed) this.res.end();
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    writeHead(this.res, 200, [
      ...uvicornHeaders(),
      ...this.headers,
      ['transfer-encoding', 'chunked'],
    ]);
  }
}

/** One server-sent event of an OpenAI route: chunks are pydantic `model_dump_json` output. */
export const sseData = (json: JsonValue): string => `data: ${dumpJson(json)}\n\n`;

export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * `create_streaming_error_response`: the envelope through `json.dumps` (hence the spaces). The
 * generator then still sends `[DONE]`.
 */
export const sseError = (error: SimError): string => `data: ${pythonJson(errorJson(error))}\n\n`;
