import { type Command, InvalidArgumentError } from 'commander';
import {
  GATEWAY_ENV,
  WORKER_ENV,
  gatewayConfigSchema,
  loadConfig,
  workerConfigSchema,
} from '@switchyard/config';
import { ENGINE_KINDS } from '@switchyard/contracts';
import { SIM_ENGINES, type SimEngine, startEngineSim } from '@switchyard/engine-sim';
import { startGateway } from '../../gateway/src/main';
import { startWorker } from '../../worker-agent/src/main';
import { onShutdown } from './process-signals';

export function intArg(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

function floatArg(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a non-negative number');
  return n;
}

interface ClusterFlags {
  redis?: string;
  config?: string;
  prefix?: string;
  logLevel?: string;
  logFormat?: string;
}

function withClusterFlags(cmd: Command): Command {
  return cmd
    .option('--redis <url>', 'Redis URL (env REDIS_URL; default redis://127.0.0.1:6379)')
    .option('--config <file>', 'JSON configuration file')
    .option(
      '--prefix <prefix>',
      'Redis key prefix shared by the cluster (env SWITCHYARD_PREFIX; default sy:)',
    )
    .option(
      '--log-level <level>',
      'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL; default info)',
    )
    .option(
      '--log-format <format>',
      'json|pretty|auto: pretty on a terminal (env LOG_FORMAT; default auto)',
    );
}

interface GatewayFlags {
  port?: number;
  host?: string;
  gatewayId?: string;
  maxQueueWaitMs?: number;
  inactivityTimeoutMs?: number;
  requestTimeoutMs?: number;
  maxResumes?: number;
  drainGraceMs?: number;
  placement?: string;
  autoModels?: string;
  auth?: string;
}

export function registerGateway(program: Command): void {
  withClusterFlags(
    program
      .command('gateway')
      .description('Run one gateway replica: the HTTP front door and scheduler')
      .option('--port <n>', 'listen port (env PORT; default 8080)', intArg)
      .option('--host <addr>', 'listen address (env SWITCHYARD_HOST; default 127.0.0.1)')
      .option('--gateway-id <id>', 'replica id, names its reply channel (default: random)')
      .option(
        '--max-queue-wait-ms <n>',
        'longest a request waits for a node before a 429 (env SWITCHYARD_MAX_QUEUE_WAIT_MS; default 30000)',
        intArg,
      )
      .option(
        '--inactivity-timeout-ms <n>',
        'a started request with no event from its node this long is resumed elsewhere or ended (env SWITCHYARD_INACTIVITY_TIMEOUT_MS; default 60000)',
        intArg,
      )
      .option(
        '--request-timeout-ms <n>',
        'the longest one request may take in all (env SWITCHYARD_REQUEST_TIMEOUT_MS; default 900000)',
        intArg,
      )
      .option(
        '--max-resumes <n>',
        'times an answer may move to another node mid-stream; 0 = off (env SWITCHYARD_MAX_RESUMES; default 2)',
        intArg,
      )
      .option(
        '--drain-grace-ms <n>',
        'on SIGTERM, how long live requests may finish before exit (env SWITCHYARD_DRAIN_GRACE_MS; default 30000)',
        intArg,
      )
      .option(
        '--placement <policy>',
        'switchyard (default), or the baselines round-robin | random (env SWITCHYARD_PLACEMENT)',
      )
      .option(
        '--auto-models <a,b,…>',
        'models "auto" may pick, in order (env SWITCHYARD_AUTO_MODELS; default every served model)',
      )
      .option(
        '--auth <mode>',
        'required | off | auto: required once any API key is configured or stored (env SWITCHYARD_AUTH; default auto)',
      ),
  ).action(async (opts: ClusterFlags & GatewayFlags) => {
    const config = loadConfig(gatewayConfigSchema, GATEWAY_ENV, {
      ...(opts.config ? { file: opts.config } : {}),
      flags: {
        redisUrl: opts.redis,
        keyPrefix: opts.prefix,
        logLevel: opts.logLevel,
        logFormat: opts.logFormat,
        port: opts.port,
        host: opts.host,
        gatewayId: opts.gatewayId,
        maxQueueWaitMs: opts.maxQueueWaitMs,
        inactivityTimeoutMs: opts.inactivityTimeoutMs,
        requestTimeoutMs: opts.requestTimeoutMs,
        maxResumes: opts.maxResumes,
        drainGraceMs: opts.drainGraceMs,
        placement: opts.placement,
        autoModels: opts.autoModels,
        auth: opts.auth,
      },
    });
    const gateway = await startGateway(config);
    process.stderr.write(`switchyard gateway listening on ${gateway.url}\n`);
    onShutdown(() => gateway.close(), config.drainGraceMs + config.drainAcceptMs);
  });
}

export function registerWorker(program: Command): void {
  withClusterFlags(
    program
      .command('worker')
      .description('Run a worker-agent beside one engine: registers it and runs its jobs')
      .option('--engine <kind>', `engine kind: ${ENGINE_KINDS.join('|')} (env SWITCHYARD_ENGINE)`)
      .option('--engine-url <url>', 'the engine’s base URL (env SWITCHYARD_ENGINE_URL)')
      .option(
        '--engine-management-url <url>',
        'where the engine serves health, if not on --engine-url (MindIE)',
      )
      .option(
        '--engine-metrics-url <url>',
        'where the engine serves metrics, if not on --engine-url (MindIE)',
      )
      .option(
        '--engine-api-key-file <file>',
        'a bearer token for the engine, first line of this file (env SWITCHYARD_ENGINE_API_KEY_FILE, or the key in SWITCHYARD_ENGINE_API_KEY)',
      )
      .option('--node-id <id>', 'node id in the registry (default: <engine>-<host>-<random>)')
      .option(
        '--slots <n>',
        'concurrent requests to take (default: the engine’s own, else 4)',
        intArg,
      )
      .option('--labels <k=v,...>', 'selector labels, e.g. accelerator=npu,zone=a')
      .option(
        '--telemetry <source>',
        'accelerator telemetry: auto | none | simulated spec such as npu:910B3x8 (default auto)',
      )
      .option(
        '--port <n>',
        'the agent’s /metrics and /status port (default: any free port)',
        intArg,
      )
      .option('--host <addr>', 'the agent’s listen address (default 127.0.0.1)')
      .option(
        '--advertise-url <url>',
        'the agent’s URL as Prometheus reaches it (env SWITCHYARD_ADVERTISE_URL; default: the listen address)',
      ),
  ).action(
    async (
      opts: ClusterFlags & {
        engine?: string;
        engineUrl?: string;
        engineManagementUrl?: string;
        engineMetricsUrl?: string;
        engineApiKeyFile?: string;
        nodeId?: string;
        slots?: number;
        labels?: string;
        telemetry?: string;
        port?: number;
        host?: string;
        advertiseUrl?: string;
      },
    ) => {
      const config = loadConfig(workerConfigSchema, WORKER_ENV, {
        ...(opts.config ? { file: opts.config } : {}),
        flags: {
          redisUrl: opts.redis,
          keyPrefix: opts.prefix,
          logLevel: opts.logLevel,
          logFormat: opts.logFormat,
          engine: opts.engine,
          engineUrl: opts.engineUrl,
          engineManagementUrl: opts.engineManagementUrl,
          engineMetricsUrl: opts.engineMetricsUrl,
          engineApiKeyFile: opts.engineApiKeyFile,
          nodeId: opts.nodeId,
          slots: opts.slots,
          labels: opts.labels,
          telemetry: opts.telemetry,
          port: opts.port,
          host: opts.host,
          advertiseUrl: opts.advertiseUrl,
        },
      });
      const worker = await startWorker(config);
      process.stderr.write(`switchyard worker ${worker.nodeId} started (agent ${worker.url})\n`);
      onShutdown(() => worker.drain(), config.drainGraceMs);
    },
  );
}

export function registerSim(program: Command): void {
  type FailStatus = NonNullable<Parameters<typeof startEngineSim>[0]['failStatus']>;
  const failStatuses: Readonly<Record<string, FailStatus>> = { '500': 500, '503': 503 };
  const failStatusArg = (value: string): FailStatus => {
    const status = failStatuses[value];
    if (status === undefined) throw new InvalidArgumentError('must be 500 or 503');
    return status;
  };
  program
    .command('sim')
    .description(
      'Run a simulated inference engine that speaks a real engine’s API (no GPU needed).\n' +
        'Fault knobs can also be changed while it runs: GET/POST /__sim/faults (JSON).',
    )
    .requiredOption('--engine <kind>', `personality: ${SIM_ENGINES.join('|')}`, (v: string) => {
      if (!(SIM_ENGINES as readonly string[]).includes(v))
        throw new InvalidArgumentError(`must be one of ${SIM_ENGINES.join(', ')}`);
      return v as SimEngine;
    })
    .requiredOption('--port <n>', 'listen port (0 = any free port)', intArg)
    .requiredOption('--model <name>', 'model name the engine serves')
    .option(
      '--management-port <n>',
      'port of the management listener, for engines with one (mindie; 0 = any free port)',
      intArg,
    )
    .option(
      '--metrics-port <n>',
      'port of the metrics listener, for engines with one (mindie; 0 = any free port)',
      intArg,
    )
    .option('--host <addr>', 'listen address', '127.0.0.1')
    .option('--slots <n>', 'concurrent sequences (default 4)', intArg)
    .option('--prefill-tps <n>', 'prompt tokens processed per second (default 2000)', floatArg)
    .option(
      '--decode-ms <n>',
      'milliseconds per generated token with one busy slot (default 15)',
      floatArg,
    )
    .option(
      '--batch-slowdown <x>',
      'each extra busy slot slows every decode step by this fraction (default 0.15)',
      floatArg,
    )
    .option('--ctx-size <n>', 'context per slot in tokens (default 4096)', intArg)
    .option(
      '--kv-cache-tokens <n>',
      'KV cache shared by all slots, in tokens; requests that do not fit wait (default slots × ctx-size)',
      intArg,
    )
    .option('--reasoning', 'a reasoning model: every answer starts with a run of thoughts')
    .option('--embedding-dim <n>', 'length of embedding vectors (default 384)', intArg)
    .option('--embeddings', 'llama.cpp: serve embeddings (without it, 501 as the real server)')
    .option('--no-jinja', 'llama.cpp: no jinja templates; a chat with tools is refused (500)')
    .option(
      '--no-vision',
      'llama.cpp: no multimodal projector; a chat with images is refused (500)',
    )
    .option(
      '--loading-ms <n>',
      'answer 503 "loading" for this long after start (default 0)',
      intArg,
    )
    .option('--fail-rate <x>', 'fraction 0..1 of requests that fail before any output', floatArg)
    .option('--fail-status <code>', 'status of those failures: 500 (default) or 503', failStatusArg)
    .option(
      '--overload-when-full',
      'answer the engine’s overload error at once instead of queueing',
    )
    .option('--stall-ms <n>', 'extra delay before the first token (default 0)', floatArg)
    .option(
      '--die-after-tokens <n>',
      'drop the connection after this many streamed tokens of each request',
      intArg,
    )
    .option(
      '--error-after-tokens <n>',
      'fail each stream with the engine’s in-band error after this many tokens',
      intArg,
    )
    .option(
      '--crash-after-ms <n>',
      'stop abruptly this long after start: cut every connection, exit with code 1',
      floatArg,
    )
    .option('--log-level <level>', 'log level (default warn)')
    .action(
      async (opts: {
        engine: SimEngine;
        port: number;
        managementPort?: number;
        metricsPort?: number;
        model: string;
        host: string;
        slots?: number;
        prefillTps?: number;
        decodeMs?: number;
        batchSlowdown?: number;
        ctxSize?: number;
        kvCacheTokens?: number;
        reasoning?: boolean;
        embeddingDim?: number;
        embeddings?: boolean;
        jinja?: boolean;
        vision?: boolean;
        loadingMs?: number;
        failRate?: number;
        failStatus?: FailStatus;
        overloadWhenFull?: boolean;
        stallMs?: number;
        dieAfterTokens?: number;
        errorAfterTokens?: number;
        crashAfterMs?: number;
        logLevel?: string;
      }) => {
        // Flags not given stay undefined, which the simulator reads as "use the default".
        const { prefillTps, ...options } = opts;
        const sim = await startEngineSim({ ...options, prefillTokensPerSecond: prefillTps });
        const planes = Object.entries(sim.urls).filter(([plane]) => plane !== 'inference');
        const also = planes.length > 0 ? ` (${planes.map((p) => p.join(' ')).join(', ')})` : '';
        process.stderr.write(
          `switchyard sim (${opts.engine}, model ${opts.model}) listening on ${sim.url}${also}\n`,
        );
        void sim.crashed.then(() => {
          process.stderr.write('switchyard sim: crashed on purpose (--crash-after-ms)\n');
          process.exit(1);
        });
        onShutdown(() => sim.close());
      },
    );
}
