import {
  ENGINE_KINDS,
  DEFAULT_KEY_PREFIX,
  isValidNodeId,
  parseRedisUrl,
} from '@switchyard/contracts';
import { z } from 'zod';
import type { EnvNames } from './load-config';

/** One node, cluster seeds (`redis://h1:p1,h2:p2`) or Sentinel (`redis+sentinel://s1:p1/MASTER`). */
const redisUrl = z
  .string()
  .superRefine((url, ctx) => {
    try {
      parseRedisUrl(url);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  })
  .default('redis://127.0.0.1:6379');
// Braces would put every key in one Redis Cluster slot: the key layout places its own hash tags.
const keyPrefix = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[^{}]*$/, 'must not contain { or } (keys carry their own hash tags)')
  .default(DEFAULT_KEY_PREFIX);
const port = z.coerce.number().int().min(0).max(65535);
const ms = z.coerce.number().int().positive();
const count = z.coerce.number().int().positive();
const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Settings every process that talks to the cluster shares. */
const clusterSettings = {
  redisUrl,
  keyPrefix,
  /** A node with no heartbeat for this long is dropped from every gateway's view. */
  staleAfterMs: ms.default(2500),
  logLevel,
  /** `json` (one object per line), `pretty` (pino-pretty), or `auto`: pretty on a terminal. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
};

/** One model as clients see it; the name is the one nodes report. */
export const catalogEntrySchema = z.object({
  name: z.string().min(1),
  /** Other names that reach it: an Ollama tag (`llama3.1:8b`), a hub id. */
  aliases: z.array(z.string().min(1)).default([]),
  displayName: z.string().optional(),
  description: z.string().optional(),
  /** What it accepts; a request with images only goes to a model listing `image`. */
  modalities: z
    .array(z.enum(['text', 'image']))
    .min(1)
    .default(['text']),
  ownedBy: z.string().default('switchyard'),
  /** Context window in tokens; `max_tokens` above it is refused, Ollama's -1 becomes it. */
  contextTokens: z.number().int().positive().optional(),
});
export type CatalogEntry = z.output<typeof catalogEntrySchema>;

/** Which routes of each dialect are served under which path prefixes ('' = at the root). */
const mountPrefix = z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must be "" or like /api');

/** Per-key limits, enforced across every gateway replica (absent = unlimited). */
export const keyLimitsSchema = z.object({
  /** Requests per minute. */
  rpm: z.number().int().positive().optional(),
  /** Tokens (prompt + completion) per minute. */
  tpm: z.number().int().positive().optional(),
  /** Requests running at once. */
  maxConcurrency: z.number().int().positive().optional(),
  /** Tokens per budget period (UTC day or calendar month). */
  budgetTokens: z.number().int().positive().optional(),
  budgetPeriod: z.enum(['day', 'month']).default('month'),
});
export type KeyLimits = z.output<typeof keyLimitsSchema>;

/**
 * An API key the gateway knows: whose it is and how urgent its requests are. The key is
 * hashed at load and never kept in plain text.
 */
export const tenantSchema = keyLimitsSchema.extend({
  apiKey: z.string().min(1),
  name: z.string().min(1),
  /** Models this key may use (names or aliases as clients send them); absent = all. */
  models: z.array(z.string().min(1)).optional(),
  /** Whether its requests may steer routing with `x-switchyard-*` headers (selector, session, explain, priority). */
  routingHeaders: z.boolean().default(false),
  /** Priority class 0 (lowest) … 9 (highest) of this tenant's requests. */
  priority: z.number().int().min(0).max(9).default(5),
  /** Highest class its requests may ask for with `x-switchyard-priority` (default: its own). */
  maxPriority: z.number().int().min(0).max(9).optional(),
  /** Node labels its requests must run on (`{"zone": "eu"}`) unless a request header says. */
  selectors: z.record(z.string(), z.string()).optional(),
});
export type TenantConfig = z.output<typeof tenantSchema>;

/** A JSON value given as text (environment variable) or already parsed (config file). */
function jsonText<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }, schema);
}

export const gatewayConfigSchema = z.object({
  ...clusterSettings,
  host: z.string().default('127.0.0.1'),
  port: port.default(8080),
  /** Unique per replica; names its reply channel. Random when not set. */
  gatewayId: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .optional(),
  /** How long a request may wait for a node before it is refused. */
  maxQueueWaitMs: ms.default(30_000),
  /**
   * How long a started request may go without an event from its node before it is treated
   * as cut (resumed elsewhere, or ended with an error frame). Well above any engine's gap
   * between tokens; prompt processing happens before `start`, so it does not count here.
   */
  inactivityTimeoutMs: ms.default(60_000),
  /** The longest a whole request may take, queue, failovers and resumes included. */
  requestTimeoutMs: ms.default(900_000),
  /**
   * Times one answer may move to another node after its node failed mid-answer, carrying on
   * from the text already sent. 0 turns resuming off: such a stream ends with an error frame.
   */
  maxResumes: z.coerce.number().int().min(0).max(10).default(2),
  /** On SIGTERM, how long live requests may take to finish before the gateway exits anyway. */
  drainGraceMs: ms.default(30_000),
  /**
   * On SIGTERM, how long requests that still arrive are served (readiness already red) before
   * new ones are refused: the time a load balancer takes to stop sending. 0: refuse at once.
   */
  drainAcceptMs: z.coerce.number().int().min(0).default(1000),
  /** Registry resync period, on top of the event channel. */
  resyncIntervalMs: ms.default(5000),
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(16 * 1024 * 1024),
  /** What clients see of each model; a served model missing here is text-only under its own name. */
  models: jsonText(z.array(catalogEntrySchema)).default([]),
  /**
   * `"model": "auto"` takes the first model in this list that some ready node serves, that
   * accepts the request's modalities, and that has a free slot — else the first that is served.
   * Empty: every served model, in catalogue order then by name.
   */
  autoModels: z
    .union([z.array(z.string().min(1)), z.string().transform((v) => v.split(',').filter(Boolean))])
    .default([]),
  /**
   * Placement policy: `switchyard` (inference-aware), or the baselines `round-robin` and
   * `random` (for comparison in benchmarks).
   */
  placement: z.enum(['switchyard', 'round-robin', 'random']).default('switchyard'),
  /** Requests that may wait in one model's shared queue; beyond it, new ones are refused. */
  maxQueuedPerModel: z.coerce.number().int().min(0).default(1000),
  /** Static API keys with their tenant name, priority class and limits (more live in Redis). */
  tenants: jsonText(z.array(tenantSchema)).default([]),
  /**
   * `required`: every request needs a valid key. `off`: unknown or missing keys are one
   * `anonymous` tenant. `auto`: required when any key is configured or stored, else off.
   */
  auth: z.enum(['auto', 'required', 'off']).default('auto'),
  /** Whether anonymous requests may steer routing with `x-switchyard-*` headers. */
  anonymousRoutingHeaders: z
    .union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])
    .default(false),
  /** How long a gateway trusts its cached copy of a key record (revocations also push). */
  keyCacheTtlMs: ms.default(5000),
  /** Priority class of requests from unknown or missing API keys (0 … 9). */
  defaultPriority: z.coerce.number().int().min(0).max(9).default(5),
  /** Path prefixes per dialect, e.g. `{"openai": ["", "/api/v1"]}`; missing dialects keep the default. */
  mounts: jsonText(z.record(z.string(), z.array(mountPrefix).min(1))).default({}),
  // Bounded work per request (libs/dialects limits.ts): above a cap, a 400 naming it.
  /** Inputs of one embedding request, in every dialect (OpenAI's own limit). */
  maxEmbeddingInputs: count.default(2048),
  /** Choices of one request (`n`, TGI `best_of`). */
  maxChoices: count.default(16),
  /** Generated tokens per choice; a model's catalogued `contextTokens` lowers it. */
  maxTokens: count.default(131_072),
  /** Entries of `logit_bias` (OpenAI's own limit). */
  maxLogitBias: count.default(300),
  /** Stop strings of one request. */
  maxStop: count.default(16),
  /** Tool definitions of one request (OpenAI's own limit). */
  maxTools: count.default(128),
  /**
   * Bytes a stream may hold for a client that reads slower than the engine writes; past it
   * the engine request is cancelled and the stream ends with an error frame.
   */
  streamBufferBytes: count.default(1024 * 1024),
  /**
   * Bearer credential of the admin API (`/admin/v1/…`, `/ui`). Unset: the admin API answers
   * loopback clients only.
   */
  adminKey: z.string().min(16, 'must be at least 16 characters').optional(),
  /** How long the admin API waits for a node to answer a command (cordon, drain) before a 504. */
  adminCommandTimeoutMs: ms.default(3000),
});
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export const GATEWAY_ENV: EnvNames<z.input<typeof gatewayConfigSchema>> = {
  redisUrl: 'REDIS_URL',
  keyPrefix: 'SWITCHYARD_PREFIX',
  staleAfterMs: 'SWITCHYARD_STALE_AFTER_MS',
  logLevel: 'LOG_LEVEL',
  logFormat: 'LOG_FORMAT',
  host: 'SWITCHYARD_HOST',
  port: 'PORT',
  gatewayId: 'SWITCHYARD_GATEWAY_ID',
  maxQueueWaitMs: 'SWITCHYARD_MAX_QUEUE_WAIT_MS',
  inactivityTimeoutMs: 'SWITCHYARD_INACTIVITY_TIMEOUT_MS',
  requestTimeoutMs: 'SWITCHYARD_REQUEST_TIMEOUT_MS',
  maxResumes: 'SWITCHYARD_MAX_RESUMES',
  drainGraceMs: 'SWITCHYARD_DRAIN_GRACE_MS',
  drainAcceptMs: 'SWITCHYARD_DRAIN_ACCEPT_MS',
  resyncIntervalMs: 'SWITCHYARD_RESYNC_INTERVAL_MS',
  bodyLimitBytes: 'SWITCHYARD_BODY_LIMIT_BYTES',
  models: 'SWITCHYARD_MODELS',
  autoModels: 'SWITCHYARD_AUTO_MODELS',
  mounts: 'SWITCHYARD_MOUNTS',
  placement: 'SWITCHYARD_PLACEMENT',
  maxQueuedPerModel: 'SWITCHYARD_MAX_QUEUED_PER_MODEL',
  tenants: 'SWITCHYARD_TENANTS',
  auth: 'SWITCHYARD_AUTH',
  adminKey: 'SWITCHYARD_ADMIN_KEY',
  anonymousRoutingHeaders: 'SWITCHYARD_ANONYMOUS_ROUTING_HEADERS',
  keyCacheTtlMs: 'SWITCHYARD_KEY_CACHE_TTL_MS',
  defaultPriority: 'SWITCHYARD_DEFAULT_PRIORITY',
  maxEmbeddingInputs: 'SWITCHYARD_MAX_EMBEDDING_INPUTS',
  maxChoices: 'SWITCHYARD_MAX_CHOICES',
  maxTokens: 'SWITCHYARD_MAX_TOKENS',
  maxLogitBias: 'SWITCHYARD_MAX_LOGIT_BIAS',
  maxStop: 'SWITCHYARD_MAX_STOP',
  maxTools: 'SWITCHYARD_MAX_TOOLS',
  streamBufferBytes: 'SWITCHYARD_STREAM_BUFFER_BYTES',
  adminCommandTimeoutMs: 'SWITCHYARD_ADMIN_COMMAND_TIMEOUT_MS',
};

export const workerConfigSchema = z.object({
  ...clusterSettings,
  engine: z.enum(ENGINE_KINDS),
  engineUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  /** Where the engine serves health when not on engineUrl (MindIE's management port). */
  engineManagementUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  /** Where the engine serves metrics when not on engineUrl (MindIE's metrics port). */
  engineMetricsUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  /**
   * A bearer token the worker sends its engine (a hosted OpenAI-compatible API, a vLLM behind
   * auth). Prefer `engineApiKeyFile`: environment variables leak into process listings.
   */
  engineApiKey: z.string().min(1).optional(),
  /** A file holding that token (its first line), read once at start. */
  engineApiKeyFile: z.string().min(1).optional(),
  nodeId: z
    .string()
    .refine(isValidNodeId, 'must be 1-128 characters of letters, digits, ".", "_" or "-"')
    .optional(),
  /** Concurrent requests taken; defaults to what the engine reports, else 4. */
  slots: z.coerce.number().int().positive().max(4096).optional(),
  /** Selector labels, `key=value,key=value`. */
  labels: z
    .string()
    .regex(
      /^([A-Za-z0-9_.-]+=[A-Za-z0-9_.-]*)(,[A-Za-z0-9_.-]+=[A-Za-z0-9_.-]*)*$/,
      'must be key=value[,key=value]',
    )
    .optional(),
  /**
   * Accelerator telemetry: `auto` (nvidia-smi, else npu-smi, else none), `none`, or a
   * simulated fleet such as `npu:910B3x8` / `gpu:NVIDIA H100 80GB HBM3x2` (for the simulator).
   */
  telemetry: z.string().min(1).default('auto'),
  heartbeatMs: ms.default(1000),
  /** How long a registration outlives the last heartbeat in Redis. */
  aliveTtlMs: ms.default(3000),
  /** On SIGTERM, how long running requests may take to finish. */
  drainGraceMs: ms.default(30_000),
  /** The agent's own /metrics and /healthz listener. */
  host: z.string().default('127.0.0.1'),
  port: port.default(0),
  /**
   * The agent's URL as Prometheus and operators reach it (its registry `agentUrl`, listed by
   * the gateway's HTTP-SD targets); default: the listen address, or this host's name when it
   * listens on every interface.
   */
  advertiseUrl: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
});
export type WorkerConfig = z.output<typeof workerConfigSchema>;
export const WORKER_ENV: EnvNames<z.input<typeof workerConfigSchema>> = {
  redisUrl: 'REDIS_URL',
  keyPrefix: 'SWITCHYARD_PREFIX',
  staleAfterMs: 'SWITCHYARD_STALE_AFTER_MS',
  logLevel: 'LOG_LEVEL',
  logFormat: 'LOG_FORMAT',
  engine: 'SWITCHYARD_ENGINE',
  engineUrl: 'SWITCHYARD_ENGINE_URL',
  engineManagementUrl: 'SWITCHYARD_ENGINE_MANAGEMENT_URL',
  engineMetricsUrl: 'SWITCHYARD_ENGINE_METRICS_URL',
  engineApiKey: 'SWITCHYARD_ENGINE_API_KEY',
  engineApiKeyFile: 'SWITCHYARD_ENGINE_API_KEY_FILE',
  nodeId: 'SWITCHYARD_NODE_ID',
  slots: 'SWITCHYARD_SLOTS',
  labels: 'SWITCHYARD_LABELS',
  telemetry: 'SWITCHYARD_TELEMETRY',
  heartbeatMs: 'SWITCHYARD_HEARTBEAT_MS',
  aliveTtlMs: 'SWITCHYARD_ALIVE_TTL_MS',
  drainGraceMs: 'SWITCHYARD_DRAIN_GRACE_MS',
  host: 'SWITCHYARD_AGENT_HOST',
  port: 'SWITCHYARD_AGENT_PORT',
  advertiseUrl: 'SWITCHYARD_ADVERTISE_URL',
};

export function parseLabels(labels: string | undefined): Record<string, string> {
  if (!labels) return {};
  return Object.fromEntries(
    labels.split(',').map((pair) => pair.split('=', 2) as [string, string]),
  );
}
