import { fastify, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Personality, SimContext, SimPlane } from './personality';
import { PERSONALITIES } from '../personalities/personalities';
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
  /** Cancels everything in flight, closes every connection and stops every listener. */
  close(): Promise<void>;
  /**
   * Settles once the engine crashed on purpose (`crashAfterMs`): every connection was cut and
   * every listener is closed. Never settles otherwise. The CLI exits with code 1 on it.
   */
  readonly crashed: Promise<void>;
}

// Engines take prompts of any practical size; Fastify's 1 MiB default would answer in its own
// format instead of the engine's.
const BODY_LIMIT_BYTES = 256 * 1024 * 1024;
// cpp-httplib's keep-alive timeout, which the engine also announces in `Keep-Alive`.
const KEEP_ALIVE_TIMEOUT_MS = 5000;

/** Starts one simulated engine: its inference listener plus any planes its personality declares. */
export async function startEngineSim(opts: EngineSimOptions): Promise<RunningSim> {
  // An ephemeral port's neighbours, where default planes go, may be taken: draw another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (error) {
      const taken = (error as { code?: unknown }).code === 'EADDRINUSE';
      if (!taken || opts.port !== 0 || attempt >= 5) throw error;
    }
  }
}

async function startOnce(opts: EngineSimOptions): Promise<RunningSim> {
  const settings = resolveSimSettings(opts);
  const logger: FastifyBaseLogger = pino({ name: 'engine-sim', level: settings.logLevel });
  const app = createApp(logger);

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
  const personality: Personality = PERSONALITIES[settings.engine];
  const planes: [SimPlane, FastifyInstance][] = (personality.planes ?? []).map((plane) => [
    plane,
    createApp(logger),
  ]);
  personality.register(app, ctx, Object.fromEntries(planes));
  const apps = [app, ...planes.map(([, planeApp]) => planeApp)];

  const close = async (): Promise<void> => {
    faults.dispose();
    pool.shutdown();
    await Promise.all(apps.map((a) => a.close()));
  };
  let url: string;
  const urls: Partial<Record<SimPlane, string>> = {};
  try {
    url = await listen(app, settings.host, settings.port);
    for (const [plane, planeApp] of planes) {
      const port = Number(new URL(url).port);
      // Unless told otherwise, the engine's own default layout: MindIE's 1025 / 1026 / 1027.
      const planePort = settings[PLANE_PORTS[plane]] ?? port + DEFAULT_PLANE_OFFSETS[plane];
      urls[plane] = await listen(planeApp, settings.host, planePort);
    }
  } catch (error) {
    await close();
    throw error;
  }
  logger.info(
    { url, ...urls, engine: settings.engine, model: settings.model, slots: settings.slots },
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
    for (const a of apps) {
      a.server.close();
      a.server.closeAllConnections();
    }
    closing = close().then(crashed);
  });
  return {
    url,
    port: Number(new URL(url).port),
    urls: { inference: url, ...urls },
    close: () => (closing ??= close()),
    crashed: crashedPromise,
  };
}

/** Where a plane listens when its port is not given: MindIE's business, management, metrics. */
const DEFAULT_PLANE_OFFSETS = { management: 1, metrics: 2 } as const satisfies Record<
  SimPlane,
  number
>;

/** The option holding each plane's port. */
const PLANE_PORTS = {
  management: 'managementPort',
  metrics: 'metricsPort',
} as const satisfies Record<SimPlane, keyof SimSettings>;

function createApp(logger: FastifyBaseLogger): FastifyInstance {
  const app = fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    forceCloseConnections: true,
  });
  // Engines read the body whatever its Content-Type; personalities parse it themselves.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  return app;
}

/** Listens and returns the base URL. */
async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('engine-sim: the server is not listening on a TCP port');
  }
  const name = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${name}:${address.port}`;
}

function faultSettings(settings: SimSettings): FaultSettings {
  const { failRate, failStatus, overloadWhenFull, stallMs, dieAfterTokens } = settings;
  const { errorAfterTokens, crashAfterMs, loadingMs } = settings;
  return {
    failRate,
    failStatus,
    overloadWhenFull,
    stallMs,
    dieAfterTokens,
    errorAfterTokens,
    crashAfterMs,
    loadingMs,
  };
}
