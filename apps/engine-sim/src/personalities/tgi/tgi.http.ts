import type { ServerResponse } from 'node:http';
import { ChunkedStream } from '../../core/chunked-stream';
import { type HeaderList, writeHead } from '../../core/http-head';
import { dumpJson, type JsonValue } from '../../core/json-writer';
import type { SimError } from '../../core/sim-errors';
import { type BodyRejection, errorBody, errorStatus } from './tgi.errors';
import { COMPUTE_TYPE } from './tgi.wire';

/**
 * Response framing as TGI's router (axum on hyper) writes it: lower-case headers, JSON bodies
 * with a length, event streams chunked with `data:` and no space after the colon.
 */

/** axum's `KeepAlive::default()`: a comment line after this much silence. */
export const KEEP_ALIVE_MS = 15_000;

export function sendJson(
  res: ServerResponse,
  status: number,
  json: JsonValue,
  extraHeaders: HeaderList = [],
): void {
  const body = dumpJson(json);
  writeHead(res, status, [
    ['content-type', 'application/json'],
    ...extraHeaders,
    ['content-length', String(Buffer.byteLength(body))],
  ]);
  res.end(body);
}

export const sendError = (res: ServerResponse, error: SimError): void =>
  sendJson(res, errorStatus(error), errorBody(error));

/** A `String` answer, as axum types it. */
export function sendText(res: ServerResponse, status: number, text: string): void {
  writeHead(res, status, [
    ['content-type', 'text/plain; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(text))],
  ]);
  res.end(text);
}

/** axum's extractor rejections are plain text. */
export const sendRejection = (res: ServerResponse, rejection: BodyRejection): void =>
  sendText(res, rejection.status, rejection.message);

/** axum's fallback: a bare status, no body. */
export function sendEmpty(res: ServerResponse, status: number): void {
  writeHead(res, status, [['content-length', '0']]);
  res.end();
}

/**
 * `text/event-stream` as axum's `Sse` writes it. The head goes out with the first event (or the
 * first keep-alive), so a failure before any output can still be a plain HTTP error.
 */
export class TgiEventStream extends ChunkedStream {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    res: ServerResponse,
    headers: HeaderList,
    private readonly keepAliveMs = KEEP_ALIVE_MS,
  ) {
    super(res, () => [
      ['content-type', 'text/event-stream'],
      ...headers,
      ['x-accel-buffering', 'no'],
      ['transfer-encoding', 'chunked'],
    ]);
    this.armKeepAlive();
  }

  send(json: JsonValue): void {
    this.write(`data:${dumpJson(json)}\n\n`);
  }

  /** The OpenAI routes' end marker. */
  sendDone(): void {
    this.write('data:[DONE]\n\n');
  }

  override write(text: string): void {
    if (this.put(text)) this.armKeepAlive();
    else this.stop();
  }

  override end(): void {
    this.stop();
    super.end();
  }

  /** Stops the keep-alives without ending (the connection is dropped or already gone). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected override writable(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  private armKeepAlive(): void {
    this.stop();
    this.timer = setTimeout(() => this.write(':\n\n'), this.keepAliveMs).unref();
  }
}

/** Headers every streamed response carries before `x-accel-buffering`. */
export const streamHeaders = (computeCharacters?: number): HeaderList => [
  ['x-compute-type', COMPUTE_TYPE],
  ...(computeCharacters === undefined
    ? []
    : [['x-compute-characters', String(computeCharacters)] as const]),
];
