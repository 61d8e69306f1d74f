import type { ServerResponse } from 'node:http';
import { type HeaderList, writeHead } from './http-head';
import type { SimError } from './sim-errors';
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
 * out with the first line, so a failure before any output is still a plain HTTP error.
 */
export class NdjsonStream {
  private opened = false;

  constructor(private readonly res: ServerResponse) {}

  get started(): boolean {
    return this.opened;
  }

  send(json: unknown): void {
    this.open();
    // The client may have gone between two timer ticks; cancellation follows on 'close'.
    if (!this.res.destroyed) this.res.write(`${goJson(json)}\n`);
  }

  /** A failure after output: a last `{"error"}` line, the status staying 200, no `done` line. */
  fail(error: SimError): void {
    this.send({ error: errorMessage(error) });
    this.end();
  }

  end(): void {
    this.open();
    if (!this.res.destroyed) this.res.end();
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    const headers: HeaderList = [
      ['Content-Type', 'application/x-ndjson'],
      date(),
      ['Transfer-Encoding', 'chunked'],
    ];
    writeHead(this.res, 200, headers);
  }
}
