import { fastify, type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import type { SimContext } from './personality';
import { PERSONALITIES } from './personalities';
import { registerSimControl } from './sim-control';
import { type FaultSettings, SimFaults } from './sim-faults';
import { SimMetrics } from './sim-metrics';
import { type EngineSimOptions, resolveSimSettings, type SimSettings } from './sim-options';
import { SlotPool } from './slot-pool';

export interface RunningSim {
  /** The inference listener. */
  url: string;
  port: number;
  /**
   * Base URL per plane, in the shape the worker takes (`--engine-management-url`,
   * `--engine-metrics-url`); engines with one listener serve every plane on `url`.
   */
  readonly urls: { inference: string; management?: string; metrics?: string };
  /** Cancels everything in flight, closes every connection and stops listening. */
  close(): Promise<void>;
  /**
   * Settles once the engine crashed on purpose (`crashAfterMs`): every connection was cut and
   * the listener is closed. Never settles otherwise. The CLI exits with code 1 on it.
   */
  readonly crashed: Promise<void>;
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
  const faults = new SimFaults(faultSettings(settings));
  const startedAtMs = Date.now();
  const ctx: SimContext = {
    settings,
    pool,
    metrics,
    faults,
    startedAt: Math.floor(startedAtMs / 1000),
    isLoading: () => faults.isLoading(),
    kvUsage: () => pool.kvUsage,
  };
  // Before the personality, so the control routes answer ahead of its hooks.
  registerSimControl(app, ctx);
  PERSONALITIES[settings.engine].register(app, ctx);

  const close = async (): Promise<void> => {
    faults.dispose();
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
  let crashed!: () => void;
  const crashedPromise = new Promise<void>((resolve) => (crashed = resolve));
  faults.onCrash(() => {
    if (closing) return;
    logger.error({ url }, 'engine simulator crashing on purpose (crashAfterMs)');
    // Abruptly, unlike close(): refuse new connections and cut the open ones before anything
    // in flight can write another byte.
    app.server.close();
    app.server.closeAllConnections();
    closing = close().then(crashed);
  });
  return {
    url,
    port: address.port,
    urls: { inference: url },
    close: () => (closing ??= close()),
    crashed: crashedPromise,
  };
}

function faultSettings(settings: SimSettings): FaultSettings {
  const { failRate, failStatus, overloadWhenFull, stallMs, dieAfterTokens } = settings;
  const { crashAfterMs, loadingMs } = settings;
  return {
    failRate,
    failStatus,
    overloadWhenFull,
    stallMs,
    dieAfterTokens,
    crashAfterMs,
    loadingMs,
  };
}
