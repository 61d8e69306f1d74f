import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from '@switchyard/config';
import { Logger as PinoLogger } from 'nestjs-pino';
import { GatewayModule } from './gateway.module';
import { createDialectLocator } from '@switchyard/dialects';
import { dialectClientErrorHandler, refuseLongUrls } from './http/client-errors';
import { acceptJsonBodies } from './http/json-body';

export interface RunningGateway {
  url: string;
  app: NestFastifyApplication;
  close(): Promise<void>;
}

/** Boots a gateway replica and listens; `close()` drains connections and quits Redis. */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: true,
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
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  return { url: `http://${config.host}:${port}`, app, close: () => app.close() };
}
