import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RecordStream, SSE_DONE, sseRecord } from '../../core/chunked-stream';
import { type HeaderList, writeHead } from '../../core/http-head';
import { dumpJson, type JsonValue } from '../../core/json-writer';
import { errorBody, type MindieError, toMindieError } from './mindie.errors';
import { answering } from '../../core/personality-http';
import { isRecord, readString } from '../../core/request-fields';

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
export const answer = answering(sendError, toMindieError);

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
  sse: sseRecord,
  nul: (json: JsonValue) => `${dumpJson(json)}\0`,
} as const satisfies Record<Framing, (json: JsonValue) => string>;

/** A streamed answer; the status line goes out with the first record. */
export class MindieStream extends RecordStream<JsonValue, MindieError> {
  constructor(res: ServerResponse, framing: Framing) {
    super(
      res,
      () => [
        ['Content-Type', 'text/event-stream'],
        ['Transfer-Encoding', 'chunked'],
      ],
      { frame: FRAMES[framing], done: SSE_DONE, errorRecord: errorBody },
    );
  }
}
