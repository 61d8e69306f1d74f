import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  CancelListener,
  NodeJobConsumer,
  RegistryRepository,
  type RedisClient,
  type RedisConnector,
} from '@switchyard/cluster';
import {
  emptyLoad,
  errorMessage,
  SWITCHYARD_VERSION,
  type KeySpace,
  type AcceleratorDevice,
  type NodeInfo,
  type NodeLoad,
  type NodeSnapshot,
} from '@switchyard/contracts';
import { parseLabels, type WorkerConfig } from '@switchyard/config';
import type { Logger } from 'pino';
import type { EngineAdapter } from '@switchyard/engines';
import { EngineClient } from '../engine/engine.client';
import { findPlanes } from '../engine/plane-layouts';
import { JobRunner } from '../jobs/job-runner';
import type { WorkerMetrics } from '../worker-metrics';
import {
  ENGINE_ADAPTER,
  KEY_SPACE,
  NODE_ID,
  REDIS_COMMANDS,
  REDIS_CONNECTOR,
  REDIS_SUBSCRIBER,
  WORKER_CONFIG,
  WORKER_LOGGER,
  WORKER_METRICS_SET,
} from '../worker.tokens';
import { Accelerators } from './accelerators';
import { AdaptiveSlots } from './adaptive-slots';
import { NodeCapabilitiesLearner } from './capabilities';
import { exportNodeInfo, exportNodeLoad, exportNodeState } from './node-gauges';
import { NodeLoadTracker } from './node-load';
import { NodeStateMachine, isHeld } from './node-state';
import { warmUp } from './warm-up';

const DEFAULT_SLOTS = 4;
const PROBE_INTERVAL_MS = 1000;
const MODELS_REFRESH_MS = 15_000;

/**
 * One node's worker-agent: registers the engine, keeps its record fresh (heartbeats on a
 * fixed beat that slow engine probes cannot delay), follows engine health through the life
 * cycle, and takes jobs only while ready and only up to its slots.
 *
 * Probing starts with the module (`onModuleInit`); registration waits for `register(url)`,
 * because Nest runs every init hook before the listener binds its port, and the record
 * must carry the agent's URL from the first heartbeat on. The Redis connections are the
 * module's; the agent never closes them.
 */
@Injectable()
export class NodeAgent implements OnModuleInit, BeforeApplicationShutdown {
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
  private readonly adaptive = new AdaptiveSlots();
  /** Engine planes still to be found (an engine with several listeners, given one URL). */
  private planesToFind: boolean;
  private accelerators: Accelerators | undefined;
  private devices: AcceleratorDevice[] = [];
  private readonly loadTracker: NodeLoadTracker;
  private readonly capabilities: NodeCapabilitiesLearner;
  /** Learned since the engine last answered healthy (a restart may change its flags). */
  private capabilitiesFresh = false;
  private stopping: Promise<void> | undefined;

  constructor(
    @Inject(WORKER_CONFIG) private readonly config: WorkerConfig,
    @Inject(NODE_ID) readonly nodeId: string,
    private readonly engine: EngineClient,
    @Inject(ENGINE_ADAPTER) private readonly adapter: EngineAdapter,
    @Inject(WORKER_METRICS_SET) private readonly metrics: WorkerMetrics,
    @Inject(WORKER_LOGGER) private readonly log: Logger,
    @Inject(KEY_SPACE) readonly keys: KeySpace,
    @Inject(REDIS_CONNECTOR) private readonly connector: RedisConnector,
    @Inject(REDIS_COMMANDS) private readonly redis: RedisClient,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisClient,
    private readonly registry: RegistryRepository,
  ) {
    const slots = config.slots ?? DEFAULT_SLOTS;
    this.info = {
      id: nodeId,
      engine: config.engine,
      models: [],
      slots,
      slotsSource: config.slots === undefined ? 'default' : 'configured',
      state: 'joining',
      labels: parseLabels(config.labels),
      embeddings: engine.servesEmbeddings,
      continuesChat: engine.continuesChat,
      startedAt: Date.now(),
      version: SWITCHYARD_VERSION,
    };
    this.planesToFind =
      adapter.planeLayouts !== undefined &&
      config.engineManagementUrl === undefined &&
      config.engineMetricsUrl === undefined;
    this.load = emptyLoad(slots);
    this.loadTracker = new NodeLoadTracker(adapter);
    this.capabilities = new NodeCapabilitiesLearner(adapter, engine, metrics, log);
    // A refusal that proves a capability missing reaches every gateway at once.
    this.capabilities.onChange = () => void this.heartbeat();
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

  /** Starts following the engine: accelerators, the probe beat and a first probe. */
  async onModuleInit(): Promise<void> {
    this.accelerators = await Accelerators.create(
      this.config.telemetry,
      () => (this.consumer?.active() ?? 0) / Math.max(1, this.info.slots),
      this.metrics,
      this.log,
    );
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    await this.probe();
  }

  /**
   * Registers the node with `agentUrl` (where operators find its /metrics, known once the
   * listener is up) and starts the heartbeat beat; resolves after the first heartbeat.
   */
  async register(agentUrl: string): Promise<void> {
    if (this.info.agentUrl !== undefined) throw new Error('NodeAgent already registered');
    this.info.agentUrl = agentUrl;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatMs);
    await this.heartbeat();
  }

  /**
   * Nest shutdown: a signal (when the app enables shutdown hooks) drains as SIGTERM does;
   * a plain `close()` of the app stops at once. Either is a no-op once the agent stopped.
   */
  beforeApplicationShutdown(signal?: string): Promise<void> {
    return signal === undefined ? this.close() : this.drain();
  }

  snapshot(): NodeSnapshot {
    const capabilities = this.capabilities.current;
    return {
      info: {
        ...this.info,
        state: this.lifecycle.state,
        ...reason(this.lifecycle.reason),
        capabilities,
        embeddings: capabilities.embeddings ?? this.info.embeddings,
      },
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

  /**
   * Operator decision, before maintenance: take no new work, not even from the shared queues;
   * what runs or is already queued here finishes; the node stays registered, `draining`, until
   * uncordoned (unlike a shutdown's drain, which ends the process). Returns false once the
   * node is shutting down.
   */
  async drainForOperator(): Promise<boolean> {
    if (this.stopping) return false;
    const moved = this.lifecycle.moveTo('draining', 'drain requested by operator');
    if (moved) {
      this.consumer?.pullShared([]);
      this.log.info({ running: this.consumer?.active() ?? 0 }, 'node draining (operator)');
      this.exportState();
      await this.heartbeat();
    }
    return this.lifecycle.state === 'draining';
  }

  /**
   * Back into service from a cordon or an operator's drain: through warming, so the next
   * probe's test generation decides. Never out of a shutdown.
   */
  async uncordon(): Promise<boolean> {
    if (this.stopping || !this.lifecycle.release('uncordoned; checking the engine')) return false;
    this.log.info('node uncordoned');
    this.exportState();
    await this.heartbeat();
    return true;
  }

  /** SIGTERM: stop taking jobs, tell the gateways, finish what runs (bounded), deregister. */
  drain(): Promise<void> {
    this.stopping ??= this.drainThenStop();
    return this.stopping;
  }

  /** Immediate stop: deregister without waiting for running jobs. */
  close(): Promise<void> {
    this.stopping ??= this.stop();
    return this.stopping;
  }

  private async drainThenStop(): Promise<void> {
    this.lifecycle.moveTo('draining', 'shutting down');
    this.exportState();
    await this.heartbeat();
    this.log.info({ running: this.consumer?.active() ?? 0 }, 'draining');
    await this.consumer?.close(this.config.drainGraceMs);
    await this.stop();
  }

  private async stop(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.probeTimer);
    this.lifecycle.moveTo('gone');
    this.runner.stopRetrying();
    await this.consumer?.close(0);
    await this.cancels?.close();
    await this.registry
      .deregister(this.nodeId)
      .catch((err: unknown) => this.log.warn({ err: errorMessage(err) }, 'deregister failed'));
  }

  private async heartbeat(): Promise<void> {
    // Not before register(): a record without its agent URL would be announced.
    if (this.lifecycle.state === 'gone' || this.info.agentUrl === undefined) return;
    try {
      await this.registry.heartbeat(this.snapshot());
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'heartbeat failed');
    }
  }

  /** Checks engine health and load; moves between warming and ready; never overlaps itself. */
  private async probe(): Promise<void> {
    if (this.probing || this.stopping || this.lifecycle.state === 'gone') return;
    this.probing = true;
    try {
      this.devices = (await this.accelerators?.read()) ?? [];
      if (isHeld(this.lifecycle.state)) {
        // Cordoned or drained by the operator: load and devices stay fresh for the fleet view.
        await this.refreshLoad();
        return;
      }
      if (this.planesToFind && !(await this.findPlanes())) return;
      const health = await this.engine.health();
      if (!health.ready) {
        this.capabilitiesFresh = false;
        this.notReady(health.reason ?? 'engine not ready');
        return;
      }
      if (this.info.models.length === 0 || Date.now() - this.modelsFetchedAt > MODELS_REFRESH_MS) {
        this.info.models = await this.engine.models();
        this.modelsFetchedAt = Date.now();
        exportNodeInfo(this.metrics, this.info.models, this.info.version);
      }
      if (this.info.models.length === 0) {
        this.notReady('engine reports no models');
        return;
      }
      await this.refreshLoad();
      if (this.lifecycle.state !== 'ready') {
        // Before any traffic: a node must not be offered requests its engine will refuse.
        if (!this.capabilitiesFresh) {
          this.lifecycle.moveTo('warming', 'learning what the engine serves');
          await this.capabilities.learn(this.info.models);
          this.capabilitiesFresh = true;
        }
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

  /** Tries the engine's plane layouts; says once which it uses, or why the node waits. */
  private async findPlanes(): Promise<boolean> {
    const found = await findPlanes(this.engine, this.adapter, this.config.engineUrl);
    if (!found) {
      const tried = (this.adapter.planeLayouts ?? []).map((l) => l.name).join('; ');
      this.notReady(`engine planes not found: no known port layout answers (tried: ${tried})`);
      return false;
    }
    this.engine.retarget(found.urls, found.layout.health);
    this.planesToFind = false;
    this.log.info(
      { layout: found.layout.name, management: found.urls.management, metrics: found.urls.metrics },
      'engine planes found (no management or metrics URL was given)',
    );
    return true;
  }

  private async becomeReady(): Promise<void> {
    // Cordoned or drained while this probe ran: the operator's decision stands.
    if (isHeld(this.lifecycle.state)) return;
    if (!this.consumer) {
      this.consumer = new NodeJobConsumer(
        () => this.connector.create({ name: `${this.nodeId}:jobs`, forBullmq: true }),
        this.keys,
        this.nodeId,
        {
          concurrency: this.info.slots,
          onError: (err, suppressed) =>
            this.log.warn({ err: err.message, suppressed }, 'job queue error'),
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
    this.metrics.switchyard_engine_up.set(0);
    // Cordoned or drained while this probe ran: the operator's decision stands.
    if (isHeld(this.lifecycle.state)) return;
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
    this.metrics.switchyard_engine_up.set(1);
    const bodies = await this.engine.scrape();
    const engineLoad = this.adapter.parseLoad(bodies);
    // Without a configured slot count: the engine's own (llama.cpp --parallel, MindIE
    // maxBatchSize), taken once; else learned from latency while the node runs.
    if (!this.consumer && this.config.slots === undefined) {
      const engineSlots = engineLoad.slotsTotal;
      this.slotsDerived = !engineSlots;
      this.info.slotsSource = engineSlots ? 'engine' : 'adaptive';
      this.info.slots = engineSlots || this.adaptive.slots;
    } else if (this.consumer && this.info.slotsSource === 'adaptive') {
      this.adaptSlots(engineLoad, this.consumer);
    }
    const active = this.consumer?.active() ?? 0;
    const queued = (await this.consumer?.waiting().catch(() => 0)) ?? 0;
    const slots = this.info.slots;
    const load = this.loadTracker.update(bodies, { slots, active, queued }, Date.now());
    this.load = this.slotsDerived
      ? { ...load, derived: [...(load.derived ?? []), 'slotsTotal'] }
      : load;
    exportNodeLoad(this.metrics, this.load, slots);
  }

  /** One step of the adaptive slot count; the consumer takes the new figure at once. */
  private adaptSlots(engineLoad: Partial<NodeLoad>, consumer: NodeJobConsumer): void {
    const before = this.info.slots;
    const after = this.adaptive.step({
      active: consumer.active(),
      ...(engineLoad.running !== undefined ? { engineRunning: engineLoad.running } : {}),
      ...(engineLoad.waiting !== undefined ? { engineWaiting: engineLoad.waiting } : {}),
      own: this.loadTracker.own.snapshot(),
    });
    if (after === before) return;
    this.info.slots = after;
    consumer.setConcurrency(after);
    this.log.debug({ from: before, to: after }, 'adaptive slots changed');
  }

  private exportState(): void {
    exportNodeState(this.metrics, this.lifecycle.state);
  }
}

function reason(why: string | undefined): { stateReason?: string } {
  return why === undefined ? {} : { stateReason: why };
}
