import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from '@switchyard/config';
import { Logger as PinoLogger } from 'nestjs-pino';
import { GatewayModule } from './gateway.module';
import { createDialectLocator } from '@switchyard/dialects';
import { dialectClientErrorHandler, refuseLongUrls } from './http/client-errors';
import { GatewayDrain } from './http/gateway-drain';
import { acceptJsonBodies } from './http/json-body';

export interface RunningGateway {
  url: string;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/**
 * Boots a gateway replica and listens. `close()` drains: readiness turns red and new requests
 * are refused at once, running ones may finish within the drain grace; then the server and
 * Redis close.
 */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
    // Every response carries an x-request-id: the client's own when it sent a usable one.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // Errors before any route runs (431, 408, malformed HTTP) in the dialect's shape too.
    clientErrorHandler: dialectClientErrorHandler(createDialectLocator(config.mounts)),
  });
  acceptJsonBodies(adapter.getInstance());
  refuseLongUrls(adapter.getInstance());
  const app = await NestFactory.create<NestFastifyApplication>(
    GatewayModule.forConfig(config),
    adapter,
    { bufferLogs: true, abortOnError: false, bodyParser: false },
  );
  app.useLogger(app.get(PinoLogger));
  // No enableShutdownHooks(): signals belong to the caller, whose stop drains through close();
  // Nest's own hook would close the app at once and cut the streams a drain lets finish.
  const drain = app.get(GatewayDrain);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      void reply.header('x-request-id', request.id);
      done();
    });
  // While draining, every response closes its connection: a client's next request then opens a
  // new one, which its load balancer sends to a replica that is not stopping.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (_req, reply, done) => {
      if (drain.isDraining) void reply.header('connection', 'close');
      done();
    });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const close = async (): Promise<void> => {
    // Idle keep-alive connections stay open until the end: closing one under a client that is
    // sending on it would lose that request. A request that arrives gets its 503 and
    // `connection: close` instead.
    await drain.drain(config.drainGraceMs, config.drainAcceptMs);
    await app.close();
  };
  return { url: `http://${config.host}:${port}`, app, close };
}

/** A client's `x-request-id` worth keeping (short, printable, no spaces), else a fresh one. */
const CLIENT_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

function requestIdOf(raw: IncomingMessage): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given)
    ? given
    : randomUUID().replaceAll('-', '');
}
