import {
  CancelListener,
  NodeJobConsumer,
  RegistryRepository,
  createRedis,
} from '@switchyard/cluster';
import {
  emptyLoad,
  errorMessage,
  keySpace,
  SWITCHYARD_VERSION,
  type KeySpace,
  type AcceleratorDevice,
  type NodeInfo,
  type NodeLoad,
  type NodeSnapshot,
} from '@switchyard/contracts';
import { parseLabels, type WorkerConfig } from '@switchyard/config';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { EngineAdapter } from '@switchyard/engines';
import type { EngineClient } from '../engine/engine.client';
import { JobRunner } from '../jobs/job-runner';
import type { WorkerMetrics } from '../worker-metrics';
import { Accelerators } from './accelerators';
import { NodeLoadTracker } from './node-load';
import { NodeStateMachine } from './node-state';
import { warmUp } from './warm-up';

const DEFAULT_SLOTS = 4;
const PROBE_INTERVAL_MS = 1000;
const MODELS_REFRESH_MS = 15_000;

/**
 * One node's worker-agent: registers the engine, keeps its record fresh (heartbeats on a
 * fixed beat that slow engine probes cannot delay), follows engine health through the life
 * cycle, and takes jobs only while ready and only up to its slots.
 */
export class NodeAgent {
  readonly keys: KeySpace;
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly registry: RegistryRepository;
  private readonly lifecycle = new NodeStateMachine();
  private readonly info: NodeInfo;
  private load: NodeLoad;
  private consumer: NodeJobConsumer | undefined;
  private cancels: CancelListener | undefined;
  private runner: JobRunner;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private modelsFetchedAt = 0;
  private probing = false;
  private slotsDerived = false;
  private accelerators: Accelerators | undefined;
  private devices: AcceleratorDevice[] = [];
  private readonly loadTracker: NodeLoadTracker;

  constructor(
    private readonly config: WorkerConfig,
    readonly nodeId: string,
    private readonly engine: EngineClient,
    private readonly adapter: EngineAdapter,
    private readonly metrics: WorkerMetrics,
    private readonly log: Logger,
  ) {
    this.keys = keySpace(config.keyPrefix);
    this.redis = createRedis(config.redisUrl, { name: `${nodeId}:commands` });
    this.subscriber = createRedis(config.redisUrl, { name: `${nodeId}:cancels`, subscriber: true });
    for (const connection of [this.redis, this.subscriber]) {
      connection.on('error', (err: Error) =>
        log.warn({ err: err.message }, 'redis connection error'),
      );
    }
    this.registry = new RegistryRepository(this.redis, this.keys, {
      aliveTtlMs: config.aliveTtlMs,
    });
    const slots = config.slots ?? DEFAULT_SLOTS;
    this.info = {
      id: nodeId,
      engine: config.engine,
      models: [],
      slots,
      state: 'joining',
      labels: parseLabels(config.labels),
      embeddings: engine.servesEmbeddings,
      startedAt: Date.now(),
      version: SWITCHYARD_VERSION,
    };
    this.load = emptyLoad(slots);
    this.loadTracker = new NodeLoadTracker(adapter);
    this.runner = new JobRunner(
      this.redis,
      this.keys,
      nodeId,
      engine,
      this.loadTracker.own,
      metrics,
      log,
    );
  }

  /** Where operators find this agent's /metrics; known once its listener is up. */
  setAgentUrl(url: string): void {
    this.info.agentUrl = url;
  }

  async start(): Promise<void> {
    this.accelerators = await Accelerators.create(
      this.config.telemetry,
      () => (this.consumer?.active() ?? 0) / Math.max(1, this.info.slots),
      this.metrics,
      this.log,
    );
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatMs);
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    await this.probe();
    await this.heartbeat();
  }

  snapshot(): NodeSnapshot {
    return {
      info: { ...this.info, state: this.lifecycle.state, ...reason(this.lifecycle.reason) },
      load: this.load,
      devices: this.devices,
      at: Date.now(),
    };
  }

  /**
   * Operator decision: take no new work (running and already queued jobs finish), keep
   * heartbeating. Returns false when the node is draining or gone.
   */
  async cordon(): Promise<boolean> {
    const moved = this.lifecycle.moveTo('cordoned', 'cordoned by operator');
    if (moved) {
      this.consumer?.pullShared([]);
      this.log.info('node cordoned');
      this.exportState();
      await this.heartbeat();
    }
    return this.lifecycle.state === 'cordoned';
  }

  /** Back into service: through warming, so the next probe's test generation decides. */
  async uncordon(): Promise<boolean> {
    if (this.lifecycle.state !== 'cordoned') return false;
    this.lifecycle.moveTo('warming', 'uncordoned; checking the engine');
    this.log.info('node uncordoned');
    this.exportState();
    await this.heartbeat();
    return true;
  }

  /** SIGTERM: stop taking jobs, tell the gateways, finish what runs (bounded), deregister. */
  async drain(): Promise<void> {
    this.lifecycle.moveTo('draining', 'shutting down');
    this.exportState();
    await this.heartbeat();
    this.log.info({ running: this.consumer?.active() ?? 0 }, 'draining');
    await this.consumer?.close(this.config.drainGraceMs);
    await this.close();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.probeTimer);
    this.lifecycle.moveTo('gone');
    await this.consumer?.close(0);
    await this.cancels?.close();
    await this.registry
      .deregister(this.nodeId)
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'deregister failed'));
    await Promise.allSettled([this.redis.quit(), this.subscriber.quit()]);
  }

  private async heartbeat(): Promise<void> {
    if (this.lifecycle.state === 'gone') return;
    try {
      await this.registry.heartbeat(this.snapshot());
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'heartbeat failed');
    }
  }

  /** Checks engine health and load; moves between warming and ready; never overlaps itself. */
  private async probe(): Promise<void> {
    if (this.probing || this.lifecycle.state === 'draining' || this.lifecycle.state === 'gone')
      return;
    this.probing = true;
    try {
      this.devices = (await this.accelerators?.read()) ?? [];
      if (this.lifecycle.state === 'cordoned') {
        await this.refreshLoad();
        return;
      }
      const health = await this.engine.health();
      if (!health.ready) {
        this.notReady(health.reason ?? 'engine not ready');
        return;
      }
      if (this.info.models.length === 0 || Date.now() - this.modelsFetchedAt > MODELS_REFRESH_MS) {
        this.info.models = await this.engine.models();
        this.modelsFetchedAt = Date.now();
      }
      if (this.info.models.length === 0) {
        this.notReady('engine reports no models');
        return;
      }
      await this.refreshLoad();
      if (this.lifecycle.state !== 'ready') {
        this.lifecycle.moveTo('warming', 'running a test generation');
        const failed = await warmUp(this.engine, this.info.models[0]!);
        if (failed !== null) {
          this.notReady(failed);
          return;
        }
      }
      await this.becomeReady();
    } catch (err) {
      this.notReady(`probe failed: ${errorMessage(err)}`);
    } finally {
      this.probing = false;
    }
  }

  private async becomeReady(): Promise<void> {
    if (!this.consumer) {
      this.consumer = new NodeJobConsumer(
        this.config.redisUrl,
        this.keys,
        this.nodeId,
        {
          concurrency: this.info.slots,
          onError: (err) => this.log.warn({ err: err.message }, 'job queue error'),
        },
        this.runner.run,
      );
      this.cancels = new CancelListener(this.subscriber, this.keys, this.nodeId, (id) =>
        this.consumer?.cancel(id),
      );
      await this.cancels.start();
    } else if (this.lifecycle.state !== 'ready') {
      this.consumer.resume();
    }
    // Late binding: also take queued requests for these models whenever a slot is free.
    this.consumer.pullShared(this.info.models);
    if (this.lifecycle.moveTo('ready')) {
      this.log.info({ models: this.info.models, slots: this.info.slots }, 'node ready');
      this.exportState();
      await this.heartbeat();
    }
  }

  private notReady(why: string): void {
    this.metrics.switchyard_engine_health_failures_total.inc({ reason: why.split(':')[0] ?? why });
    this.metrics.switchyard_engine_up.set({ engine: this.config.engine }, 0);
    const wasReady = this.lifecycle.state === 'ready';
    const previousReason = this.lifecycle.reason;
    this.lifecycle.moveTo('warming', why);
    if (wasReady) {
      this.log.warn({ reason: why }, 'engine not ready; node back to warming');
      void this.consumer?.pause();
      void this.heartbeat();
    } else if (previousReason !== why) {
      // Once per distinct reason, not on every probe.
      this.log.warn({ reason: why }, 'node not ready');
    }
    this.exportState();
  }

  private async refreshLoad(): Promise<void> {
    this.metrics.switchyard_engine_up.set({ engine: this.config.engine }, 1);
    const bodies = await this.engine.scrape();
    // Without a configured slot count, take the engine's own (llama.cpp --parallel), once.
    if (!this.consumer && this.config.slots === undefined) {
      const engineSlots = this.adapter.parseLoad(bodies).slotsTotal;
      this.slotsDerived = !engineSlots;
      this.info.slots = engineSlots || DEFAULT_SLOTS;
    }
    const active = this.consumer?.active() ?? 0;
    const queued = (await this.consumer?.waiting().catch(() => 0)) ?? 0;
    const slots = this.info.slots;
    const load = this.loadTracker.update(bodies, { slots, active, queued }, Date.now());
    this.load = this.slotsDerived
      ? { ...load, derived: [...(load.derived ?? []), 'slotsTotal'] }
      : load;
    this.metrics.switchyard_node_running_requests.set(this.load.running);
    this.metrics.switchyard_node_waiting_requests.set(this.load.waiting);
    this.metrics.switchyard_node_slots.set({ kind: 'total' }, slots);
    this.metrics.switchyard_node_slots.set({ kind: 'free' }, this.load.slotsFree);
    if (this.load.kvCacheUsage !== null)
      this.metrics.switchyard_node_kv_cache_usage_ratio.set(this.load.kvCacheUsage);
  }

  private exportState(): void {
    for (const s of ['joining', 'warming', 'ready', 'cordoned', 'draining', 'gone'] as const) {
      this.metrics.switchyard_node_state.set({ state: s }, s === this.lifecycle.state ? 1 : 0);
    }
  }
}

function reason(why: string | undefined): { stateReason?: string } {
  return why === undefined ? {} : { stateReason: why };
}
