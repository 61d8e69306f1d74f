/*
 * The gateway test tier: the real GatewayModule, in process on port 0, on the real Redis
 * under a random key prefix, with scripted fake nodes in place of worker-agents and engines.
 * `useGateway()` gives each test a fresh gateway (its own circuit breakers, prefix memory
 * and metrics), removes every key under its prefix afterwards and stops what it started.
 */
import { randomBytes } from 'node:crypto';
import { ReservationStore, createRedis } from '@switchyard/cluster';
import { gatewayConfigSchema, type GatewayConfig } from '@switchyard/config';
import { keySpace } from '@switchyard/contracts';
import { cleanupPrefix, randomPrefix, testRedisUrl, waitFor } from '@switchyard/testing';
import type { RedisClient } from '@switchyard/cluster';
import { startGateway, type RunningGateway } from '../../../apps/gateway/src/main';
import { FakeNode, type FakeNodeOptions } from './fake-node';

/** The model every fake node serves unless a test says otherwise. */
export const MODEL = 'fake-model';
/** Small, so a node that stops heartbeating leaves the view within about a second. */
export const STALE_AFTER_MS = 600;

export type GatewayOverrides = Partial<
  Pick<
    GatewayConfig,
    | 'maxQueueWaitMs'
    | 'maxQueuedPerModel'
    | 'placement'
    | 'inactivityTimeoutMs'
    | 'requestTimeoutMs'
    | 'maxResumes'
    | 'drainGraceMs'
    | 'drainAcceptMs'
    | 'models'
    | 'bodyLimitBytes'
    | 'streamBufferBytes'
    | 'maxEmbeddingInputs'
    | 'maxChoices'
    | 'maxTokens'
    | 'maxLogitBias'
    | 'maxStop'
    | 'maxTools'
    | 'tenants'
    | 'adminKey'
    | 'adminCommandTimeoutMs'
    | 'auth'
    | 'anonymousRoutingHeaders'
    | 'keyCacheTtlMs'
  >
>;

export interface ChatOptions {
  stream?: boolean;
  /** Prompt text; unique per request by default, so no prefix affinity ties requests together. */
  prompt?: string;
  headers?: Record<string, string>;
  /** Aborts the request (the client going away). */
  signal?: AbortSignal;
  path?: string;
  body?: Record<string, unknown>;
}

export interface TestGateway {
  url: string;
  prefix: string;
  config: GatewayConfig;
  /** A command connection under the test's prefix, e.g. to hold reservations behind the gateway. */
  redis: RedisClient;
  reservations: ReservationStore;
  /** Starts a fake node on this gateway's Redis and prefix; stopped after the test. */
  node(opts: Omit<FakeNodeOptions, 'models'> & { models?: string[] }): Promise<FakeNode>;
  /** Resolves once the gateway's view holds exactly these ready nodes. */
  untilReadyNodes(count: number): Promise<void>;
  /** POSTs an OpenAI chat completion (or `body` to `path`). */
  chat(opts?: ChatOptions): Promise<Response>;
  /** The gateway's /metrics text. */
  metrics(): Promise<string>;
  /** Stops the gateway as SIGTERM does (drain, then close); the harness then skips its close. */
  stop(): Promise<void>;
}

let counter = 0;

/** A prompt no other request in the run shares a prefix with. */
export function uniquePrompt(): string {
  return `${randomBytes(8).toString('hex')} request ${++counter}`;
}

export interface GatewayScope {
  /**
   * `test` (default): a fresh gateway and key prefix per test — its own circuit breakers,
   * prefix memory and metrics. `file`: one gateway for the file's tests, which must then use
   * node ids of their own per test and read metrics as differences.
   */
  per?: 'test' | 'file';
}

/**
 * A gateway with a random key prefix and `overrides`. After each test its fake nodes stop
 * and every request still open is aborted; the gateway closes and the prefix's keys are
 * deleted after the test or the file, as `scope.per` says.
 */
export function useGateway(
  overrides: GatewayOverrides = {},
  { per = 'test' }: GatewayScope = {},
): TestGateway {
  const ctx = {} as TestGateway;
  let gateway: RunningGateway | undefined;
  let nodes: FakeNode[] = [];
  let clients: AbortController[] = [];

  const start = async (): Promise<void> => {
    const prefix = randomPrefix();
    const config = gatewayConfigSchema.parse({
      redisUrl: testRedisUrl(),
      keyPrefix: prefix,
      port: 0,
      host: '127.0.0.1',
      staleAfterMs: STALE_AFTER_MS,
      resyncIntervalMs: 1000,
      logLevel: 'silent',
      maxQueueWaitMs: 20_000,
      // Tests stop gateways often; the window for a load balancer to notice is not needed.
      drainAcceptMs: 0,
      ...overrides,
    });
    ctx.prefix = prefix;
    ctx.config = config;
    ctx.redis = createRedis(config.redisUrl, { name: 'gateway-test:commands' });
    ctx.reservations = new ReservationStore(ctx.redis, keySpace(prefix));
    gateway = await startGateway(config);
    ctx.url = gateway.url;
    const env = { redisUrl: config.redisUrl, keyPrefix: prefix, staleAfterMs: STALE_AFTER_MS };
    ctx.node = async (opts) => {
      const node = await FakeNode.start(env, { models: [MODEL], ...opts });
      nodes.push(node);
      return node;
    };
    ctx.untilReadyNodes = (count) =>
      waitFor(
        async () => {
          const res = await fetch(`${ctx.url}/readyz`);
          const body = (await res.json()) as { readyNodes: number };
          return body.readyNodes === count;
        },
        { what: `the gateway to see ${count} ready node(s)` },
      );
    ctx.chat = (opts = {}) => {
      const client = new AbortController();
      clients.push(client);
      const signal = opts.signal ? AbortSignal.any([opts.signal, client.signal]) : client.signal;
      return fetch(`${ctx.url}${opts.path ?? '/v1/chat/completions'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers },
        body: JSON.stringify(
          opts.body ?? {
            model: MODEL,
            stream: opts.stream ?? false,
            messages: [{ role: 'user', content: opts.prompt ?? uniquePrompt() }],
          },
        ),
        signal,
      });
    };
    ctx.metrics = async () => (await fetch(`${ctx.url}/metrics`)).text();
    ctx.stop = async () => {
      const running = gateway;
      gateway = undefined;
      await running?.close();
    };
  };

  const stopTest = async (): Promise<void> => {
    for (const c of clients) c.abort();
    clients = [];
    const stopping = nodes;
    nodes = [];
    await Promise.all(stopping.map((n) => n.close()));
  };

  const closeGateway = async (): Promise<void> => {
    if (!gateway) return;
    // Every client of the test is gone: drop their connections and stop listening first.
    // Left to app.close(), a connection whose client aborted while its request waited in the
    // shared queue held the close for Fastify's keep-alive timeout (72 s).
    const server = gateway.app.getHttpServer();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.close();
    gateway = undefined;
  };

  const cleanup = async (): Promise<void> => {
    await cleanupPrefix(ctx.redis, ctx.prefix);
    await ctx.redis.quit().catch(() => ctx.redis.disconnect());
  };

  if (per === 'file') {
    beforeAll(start);
    afterEach(stopTest);
    afterAll(async () => {
      try {
        await closeGateway();
      } finally {
        await cleanup();
      }
    });
  } else {
    beforeEach(start);
    afterEach(async () => {
      // Clients first, so the gateway does not close while holding their requests.
      for (const c of clients) c.abort();
      try {
        await closeGateway();
        await stopTest();
      } finally {
        await cleanup();
      }
    });
  }

  return ctx;
}

/** The `data:` payloads of an SSE body, in order (`[DONE]` included as is). */
export function sseData(body: string): string[] {
  return body
    .split(/\r?\n\r?\n/)
    .flatMap((frame) => frame.split(/\r?\n/).filter((l) => l.startsWith('data:')))
    .map((l) => l.slice('data:'.length).trim());
}

/** Reads an SSE response frame by frame, so a test can act in the middle of a stream. */
export class SseReader {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = '';
  /** Every `data:` payload read so far. */
  readonly frames: string[] = [];
  private done = false;

  constructor(res: Response) {
    if (!res.body) throw new Error('response has no body');
    this.reader = res.body.getReader();
  }

  /** Reads until a frame matches (returns it) or the stream ends (returns undefined). */
  async until(match: (data: string) => boolean): Promise<string | undefined> {
    for (;;) {
      const hit = this.frames.find(match);
      if (hit !== undefined) return hit;
      if (this.done) return undefined;
      await this.readMore();
    }
  }

  /** Reads to the end of the stream and returns every frame. */
  async rest(): Promise<string[]> {
    while (!this.done) await this.readMore();
    return this.frames;
  }

  private async readMore(): Promise<void> {
    const { done, value } = await this.reader.read();
    if (done) {
      this.done = true;
      this.buffer += this.decoder.decode();
    } else {
      this.buffer += this.decoder.decode(value, { stream: true });
    }
    const parts = this.buffer.split(/\r?\n\r?\n/);
    this.buffer = this.done ? '' : (parts.pop() ?? '');
    for (const p of parts) this.frames.push(...sseData(`${p}\n\n`));
  }
}

/** The value of one `switchyard_requests_total` series, 0 when absent. */
export function requestsTotal(metrics: string, outcome: string, model = MODEL): number {
  return counterValue(metrics, 'switchyard_requests_total', { dialect: 'openai', model, outcome });
}

/** Outcome label → count of `switchyard_requests_total` for the model. */
export function requestOutcomes(metrics: string, model = MODEL): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('switchyard_requests_total{')) continue;
    const labels = parseLabels(line);
    if (labels['model'] !== model) continue;
    out[labels['outcome'] ?? ''] = Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

/** A series' value from Prometheus text, matching these labels exactly; 0 when absent. */
export function counterValue(
  metrics: string,
  name: string,
  labels: Record<string, string>,
): number {
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const got = parseLabels(line);
    const want = Object.entries(labels);
    if (want.length === Object.keys(got).length && want.every(([k, v]) => got[k] === v)) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return 0;
}

function parseLabels(line: string): Record<string, string> {
  const inner = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
  const out: Record<string, string> = {};
  for (const m of inner.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}
