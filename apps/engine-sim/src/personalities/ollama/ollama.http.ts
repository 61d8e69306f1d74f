import type { ServerResponse } from 'node:http';
import { RecordStream } from '../../core/chunked-stream';
import { writeHead } from '../../core/http-head';
import type { SimError } from '../../core/sim-errors';
import { errorMessage, errorStatus } from './ollama.errors';
import { goJson } from './ollama.wire';

/**
 * Response framing as Ollama's Gin server (Go `net/http`) writes it: `Content-Type`, `Date`,
 * then `Content-Length`, or `Transfer-Encoding: chunked` for NDJSON streams.
 */

const JSON_TYPE = 'application/json; charset=utf-8';

const date = (): readonly [string, string] => ['Date', new Date().toUTCString()];

export function sendText(res: ServerResponse, status: number, type: string, body: string): void {
  writeHead(res, status, [
    ['Content-Type', type],
    date(),
    ['Content-Length', String(Buffer.byteLength(body))],
  ]);
  res.end(body);
}

/** Gin's `c.JSON`: the body without a trailing newline. */
export const sendJson = (res: ServerResponse, status: number, json: unknown): void =>
  sendText(res, status, JSON_TYPE, goJson(json));

export const sendError = (res: ServerResponse, error: SimError): void =>
  sendJson(res, errorStatus(error), { error: errorMessage(error) });

/**
 * `application/x-ndjson`, one JSON object per line (`routes.go` `streamResponse`). The head goes
 * out with the first line, so a failure before any output is still a plain HTTP error. A failure
 * after output is a last `{"error"}` line, the status staying 200, no `done` line.
 */
export class NdjsonStream extends RecordStream<unknown, SimError> {
  constructor(res: ServerResponse) {
    super(
      res,
      () => [['Content-Type', 'application/x-ndjson'], date(), ['Transfer-Encoding', 'chunked']],
      {
        frame: (json) => `${goJson(json)}\n`,
        errorRecord: (error) => ({ error: errorMessage(error) }),
      },
    );
  }
}
