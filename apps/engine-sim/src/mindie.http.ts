import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type HeaderList, writeHead } from './http-head';
import { dumpJson, type JsonValue } from './json-writer';
import { errorBody, type MindieError, toMindieError } from './mindie.errors';
import { isRecord, readString } from './request-fields';

/**
 * Response framing as MindIE's cpp-httplib server writes it: plain answers carry
 * `Connection: close`, a length and (when they have a body) a type; streams are chunked.
 */

export function sendBody(
  res: ServerResponse,
  status: number,
  contentType: string | undefined,
  body: string,
): void {
  const type: HeaderList = contentType === undefined ? [] : [['Content-Type', contentType]];
  writeHead(res, status, [
    ['Connection', 'close'],
    ...type,
    ['Content-Length', String(Buffer.byteLength(body))],
  ]);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, json: JsonValue): void {
  sendBody(res, status, 'application/json', dumpJson(json));
}

/** `HttpRestResource::ResponseNobody`: what MindIE answers when healthy (200) or not (503). */
export function sendEmpty(res: ServerResponse, status: number): void {
  sendBody(res, status, undefined, '');
}

export function sendError(res: ServerResponse, error: MindieError): void {
  sendJson(res, error.status, errorBody(error));
}

/** Takes the response away from Fastify and writes it; a throw becomes a MindIE error. */
export function answer(reply: FastifyReply, write: () => void): void {
  reply.hijack();
  try {
    write();
  } catch (error) {
    if (!reply.raw.headersSent) sendError(reply.raw, toMindieError(error));
  }
}

/** What every listener answers off its routes: an empty 404, and errors in MindIE's shape. */
export function registerFallbacks(app: FastifyInstance): void {
  app.setNotFoundHandler((_request, reply) => answer(reply, () => sendEmpty(reply.raw, 404)));
  app.setErrorHandler((error, _request, reply) =>
    answer(reply, () => sendError(reply.raw, toMindieError(error))),
  );
}

/** The `{model}` segment of routes such as `/v1/models/{model}`. */
export function modelParam(request: FastifyRequest): string {
  return isRecord(request.params) ? readString(request.params, 'model', '') : '';
}

/** How records are delimited: SSE `data: ` events, or the vLLM-demo NUL terminator. */
export type Framing = 'sse' | 'nul';

const FRAMES = {
  sse: (json: string) => `data: ${json}\n\n`,
  nul: (json: string) => `${json}\0`,
} as const satisfies Record<Framing, (json: string) => string>;

/** A streamed answer; the status line goes out with the first record. */
export class MindieStream {
  private opened = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly framing: Framing,
  ) {}

  get started(): boolean {
    return this.opened;
  }

  send(json: JsonValue): void {
    this.write(FRAMES[this.framing](dumpJson(json)));
  }

  /** The OpenAI routes' end marker. */
  sendDone(): void {
    this.write('data: [DONE]\n\n');
  }

  /** An in-band error record in the flat error shape; the stream then ends. */
  fail(error: MindieError): void {
    this.send(errorBody(error));
    this.end();
  }

  end(): void {
    this.open();
    if (!this.res.destroyed) this.res.end();
  }

  private write(text: string): void {
    this.open();
    // The client may have gone between two timer ticks; cancellation follows on 'close'.
    if (!this.res.destroyed) this.res.write(text);
  }

  private open(): void {
    if (this.opened) return;
    this.opened = true;
    writeHead(this.res, 200, [
      ['Content-Type', 'text/event-stream'],
      ['Transfer-Encoding', 'chunked'],
    ]);
  }
}
