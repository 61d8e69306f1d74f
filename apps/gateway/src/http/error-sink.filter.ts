import { randomUUID } from 'node:crypto';
import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { SwitchyardError, toSwitchyardError, type ErrorCode } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InferenceRouter } from '../inference/inference.router';

/** HTTP exceptions Nest or Fastify raise on their own (routing, body size), by status. */
const BY_STATUS: Record<number, ErrorCode> = {
  404: 'SY_ROUTE_NOT_FOUND',
  408: 'SY_REQUEST_TIMEOUT',
  413: 'SY_PAYLOAD_TOO_LARGE',
  414: 'SY_URI_TOO_LONG',
  415: 'SY_UNSUPPORTED_MEDIA_TYPE',
  431: 'SY_HEADERS_TOO_LARGE',
};

/** How much of a refused URL an error message repeats. */
const URL_ECHO_CHARS = 200;

/**
 * The one error sink of the gateway: every error thrown before a response started ends
 * here and is rendered in the dialect of the route. Unexpected errors are logged with their
 * stack and reach the client only as a generic message.
 */
@Catch()
export class ErrorSinkFilter implements ExceptionFilter {
  private readonly log = new Logger('ErrorSink');

  constructor(private readonly router: InferenceRouter) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const err = this.canonical(exception, request);
    if (reply.sent || reply.raw.headersSent) {
      this.log.warn(
        `error after the response started on ${request.method} ${request.url}: ${err.message}`,
      );
      return;
    }
    const requestId = requestIdOf(reply);
    const rendered = this.router.dialectOf(request).renderError(err, requestId);
    void reply
      .status(rendered.status)
      .headers({ ...rendered.headers, 'x-request-id': requestId, 'request-id': requestId })
      .send(rendered.body);
  }

  private canonical(exception: unknown, request: FastifyRequest): SwitchyardError {
    if (exception instanceof SwitchyardError) return exception;
    const status = clientStatusOf(exception);
    if (status !== undefined) {
      const code = BY_STATUS[status] ?? 'SY_BAD_REQUEST';
      const path = request.url.split('?')[0] ?? '';
      const message =
        code === 'SY_ROUTE_NOT_FOUND'
          ? `Unknown request URL: ${request.method} ${path.slice(0, URL_ECHO_CHARS)}${path.length > URL_ECHO_CHARS ? '…' : ''}`
          : (exception as Error).message;
      return new SwitchyardError(code, message);
    }
    this.log.error(
      `unexpected error on ${request.method} ${request.url}`,
      (exception as Error)?.stack ?? String(exception),
    );
    return toSwitchyardError(exception);
  }
}

/**
 * The 4xx status of an error Nest (HttpException) or Fastify itself (`FST_ERR_*` errors carry
 * `statusCode`: body too large, bad content length, unsupported media type, …) raised.
 */
function clientStatusOf(exception: unknown): number | undefined {
  const status =
    exception instanceof HttpException
      ? exception.getStatus()
      : (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** The id the pipeline gave the request, or a fresh one for errors raised before it ran. */
function requestIdOf(reply: FastifyReply): string {
  const given = reply.getHeader('x-request-id');
  return typeof given === 'string' ? given : randomUUID().replaceAll('-', '');
}
