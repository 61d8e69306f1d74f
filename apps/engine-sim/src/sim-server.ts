import { fastify, type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { SimContext } from './personality';
import { PERSONALITIES } from './personalities';
import { SimMetrics } from './sim-metrics';
import { type EngineSimOptions, resolveSimSettings } from './sim-options';
import { SlotPool } from './slot-pool';

export interface RunningSim {
  url: string;
  port: number;
  /** Cancels everything in flight, closes every connection and stops listening. */
  close(): Promise<void>;
}

// Engines take prompts of any practical size; Fastify's 1 MiB default would answer in its own
// format instead of the engine's.
const BODY_LIMIT_BYTES = 256 * 1024 * 1024;
// cpp-httplib's keep-alive timeout, which the engine also announces in `Keep-Alive`.
const KEEP_ALIVE_TIMEOUT_MS = 5000;

/** Starts one simulated engine on its own port. */
export async function startEngineSim(opts: EngineSimOptions): Promise<RunningSim> {
  const settings = resolveSimSettings(opts);
  const logger: FastifyBaseLogger = pino({ name: 'engine-sim', level: settings.logLevel });
  const app = fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    forceCloseConnections: true,
  });
  // Engines read the body whatever its Content-Type; personalities parse it themselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  const metrics = new SimMetrics();
  const pool = new SlotPool(settings, metrics);
  const startedAtMs = Date.now();
  const ctx: SimContext = {
    settings,
    pool,
    metrics,
    startedAt: Math.floor(startedAtMs / 1000),
    isLoading: () => Date.now() - startedAtMs < settings.loadingMs,
  };
  PERSONALITIES[settings.engine].register(app, ctx);

  const close = async (): Promise<void> => {
    pool.shutdown();
    await app.close();
  };
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await close();
    throw error;
  }
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    await close();
    throw new Error('engine-sim: the server is not listening on a TCP port');
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info(
    { url, engine: settings.engine, model: settings.model, slots: settings.slots },
    'engine simulator listening',
  );

  let closing: Promise<void> | undefined;
  return { url, port: address.port, close: () => (closing ??= close()) };
}
