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
  413: 'SY_PAYLOAD_TOO_LARGE',
};

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
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const code = BY_STATUS[exception.getStatus()] ?? 'SY_BAD_REQUEST';
      const message =
        code === 'SY_ROUTE_NOT_FOUND'
          ? `Unknown request URL: ${request.method} ${request.url.split('?')[0]}`
          : exception.message;
      return new SwitchyardError(code, message);
    }
    this.log.error(
      `unexpected error on ${request.method} ${request.url}`,
      (exception as Error)?.stack ?? String(exception),
    );
    return toSwitchyardError(exception);
  }
}

/** The id the pipeline gave the request, or a fresh one for errors raised before it ran. */
function requestIdOf(reply: FastifyReply): string {
  const given = reply.getHeader('x-request-id');
  return typeof given === 'string' ? given : randomUUID().replaceAll('-', '');
}
