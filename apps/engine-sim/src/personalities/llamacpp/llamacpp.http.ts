import type { ServerResponse } from 'node:http';
import { RecordStream, SSE_DONE, sseRecord } from '../../core/chunked-stream';
import { type HeaderList, writeHead } from '../../core/http-head';
import { dumpJson, type JsonValue } from '../../core/json-writer';
import { errorBody, errorStatus } from './llamacpp.errors';
import type { SimError } from '../../core/sim-errors';

/**
 * Response framing exactly as llama-server (cpp-httplib) writes it: header order and spelling,
 * an empty CORS header, `Keep-Alive` on success and `Connection: close` on errors.
 */

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const KEEP_ALIVE = 'timeout=5, max=100';

const BASE_HEADERS: HeaderList = [
  ['Server', 'llama.cpp'],
  ['Access-Control-Allow-Origin', ''],
];

/** cpp-httplib closes after errors and when the client asked to; otherwise it keeps alive. */
function connectionHeader(res: ServerResponse, status: number): readonly [string, string] {
  const clientCloses = /(?:^|,)\s*close\s*(?:,|$)/i.test(res.req.headers.connection ?? '');
  return status >= 400 || clientCloses ? ['Connection', 'close'] : ['Keep-Alive', KEEP_ALIVE];
}

export function sendText(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  extraHeaders: HeaderList = [],
): void {
  writeHead(res, status, [
    ...BASE_HEADERS,
    ...extraHeaders,
    ['Content-Type', contentType],
    ['Content-Length', String(Buffer.byteLength(body))],
    connectionHeader(res, status),
  ]);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, json: JsonValue): void {
  sendText(res, status, JSON_CONTENT_TYPE, dumpJson(json));
}

export function sendError(res: ServerResponse, error: SimError): void {
  sendJson(res, errorStatus(error), errorBody(error));
}

/**
 * `text/event-stream` with `data: <json>\n\n` records. Headers go out with the first record,
 * as llama-server only answers once the first result exists.
 */
export class SseStream extends RecordStream<JsonValue, SimError> {
  constructor(res: ServerResponse) {
    super(
      res,
      () => [
        ...BASE_HEADERS,
        ['X-Accel-Buffering', 'no'],
        ['Content-Type', 'text/event-stream'],
        ['Transfer-Encoding', 'chunked'],
        connectionHeader(res, 200),
      ],
      { frame: sseRecord, done: SSE_DONE, errorRecord: errorBody },
    );
  }
}
