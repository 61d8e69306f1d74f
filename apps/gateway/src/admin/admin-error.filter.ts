import {
  Catch,
  HttpException,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { SwitchyardError } from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Errors of the admin API, as JSON an operator's script can branch on:
 * `{"error": {"status": 404, "message": "…"}}` with that HTTP status. The admin API speaks
 * no client dialect, so the gateway's dialect-rendering error sink does not apply here.
 */
@Catch()
export class AdminErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('AdminApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    let status = 500;
    let message = 'internal error';
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      message = exception.message;
    } else if (exception instanceof SwitchyardError) {
      status = exception.httpStatus;
      message = exception.message;
    } else {
      this.log.error(
        `unexpected error on ${request.method} ${request.url}`,
        (exception as Error)?.stack ?? String(exception),
      );
    }
    if (reply.sent) return;
    void reply.status(status).send({ error: { status, message } });
  }
}
