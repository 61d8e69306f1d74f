import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { SwitchyardError, type ErrorCode } from '@switchyard/contracts';
import type { Dialect } from '@switchyard/dialects';
import type { FastifyInstance } from 'fastify';

/** Longer request URLs are refused with 414 before routing (Node's own limit is the 16 KiB of headers). */
export const MAX_URL_LENGTH = 8192;

/**
 * Node's HTTP parser errors that reach a client, by the parser's code. Anything else the
 * parser refuses (a bad Content-Length, a malformed request line) is a 400.
 */
const PARSER_ERRORS: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  HPE_HEADER_OVERFLOW: {
    code: 'SY_HEADERS_TOO_LARGE',
    message: 'The request headers (with the URL) are larger than this server reads (16 KiB).',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'SY_REQUEST_TIMEOUT',
    message: 'The request was not received in time.',
  },
};

/** Node's `clientError` error: `rawPacket` holds the bytes the parser saw (a Buffer). */
interface ClientError extends Error {
  code?: string;
  reason?: string;
  rawPacket?: unknown;
}

/**
 * Errors the HTTP server answers before any route runs — headers too large (431), request
 * timeouts (408), malformed requests (400) — in the error shape of the dialect the URL
 * belongs to, instead of Fastify's generic JSON. The path comes from the request line in the
 * bytes the parser saw, when it got that far.
 */
export function dialectClientErrorHandler(
  locate: (path: string) => Dialect,
): (err: ClientError, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    const known = err.code !== undefined ? PARSER_ERRORS[err.code] : undefined;
    const canonical = known
      ? new SwitchyardError(known.code, known.message)
      : new SwitchyardError(
          'SY_BAD_REQUEST',
          `Malformed HTTP request${err.reason ? `: ${err.reason}` : ''}.`,
        );
    const requestId = randomUUID().replaceAll('-', '');
    const rendered = locate(requestPath(err.rawPacket)).renderError(canonical, requestId);
    const body = JSON.stringify(rendered.body);
    const headers = {
      ...rendered.headers,
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      'x-request-id': requestId,
      'request-id': requestId,
      connection: 'close',
    };
    const head = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const status = rendered.status;
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${head}\r\n${body}`);
  };
}

/** `POST /api/chat HTTP/1.1` → `/api/chat`; '' when the request line never arrived whole. */
function requestPath(raw: unknown): string {
  if (!Buffer.isBuffer(raw)) return '';
  const line = raw.subarray(0, Math.min(raw.length, MAX_URL_LENGTH + 64)).toString('latin1');
  const match = /^[A-Z]+ (\/\S*)/.exec(line);
  return match?.[1] ?? '';
}

/** Refuses over-long URLs with 414 before routing, in the dialect's shape (via the error sink). */
export function refuseLongUrls(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.url.length <= MAX_URL_LENGTH) {
      done();
      return;
    }
    done(
      new SwitchyardError(
        'SY_URI_TOO_LONG',
        `The request URL is ${request.url.length} characters long; this server reads at most ${MAX_URL_LENGTH}.`,
      ),
    );
  });
}
