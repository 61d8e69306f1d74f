import { EventEmitter } from 'node:events';
import type { KeySpace, NodeSnapshot } from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';
import { parseRegistryEvent } from './registry-event.schema';
import { isGone, type NodeLiveness, type RegistryRepository } from './registry.repository';

export type NodeDownReason = 'left' | 'stale';

export interface ClusterViewEvents {
  /** A node joined, came back after being dropped, or restarted (new `startedAt`). */
  nodeUp: [snapshot: NodeSnapshot];
  /** Emitted once per departure; the node's requests will get no more events from it. */
  nodeDown: [nodeId: string, reason: NodeDownReason];
  /** A resync or a listener failed; the view keeps running. Only emitted when listened to. */
  error: [err: Error];
}

export interface ClusterViewStoreOptions {
  /**
   * A node is gone once Redis holds no heartbeat of it newer than this (on Redis's clock),
   * or its alive key has expired. This view only *suspects* a node after processing nothing
   * from it for this long on its own clock; Redis confirms.
   */
  staleAfterMs: number;
  /** Full re-read of the registry, on top of the events channel. */
  resyncIntervalMs: number;
  /** How often suspects are checked in Redis (default 250 ms); bounds how late `nodeDown` can be. */
  checkIntervalMs?: number;
  /** The local clock suspicion runs on (tests). */
  now?: () => number;
}

interface Entry {
  snapshot: NodeSnapshot;
  /** Local clock, when this view last processed a sign of life: a new snapshot or activity. */
  lastSeenMs: number;
}

/** What is remembered of a departed node, so a replay of its last snapshot cannot revive it. */
interface Tombstone {
  /** Absent when the node left before this view ever saw it. */
  snapshot?: NodeSnapshot;
  downAtMs: number;
}

type Source = { kind: 'event' } | { kind: 'resync'; startedAtMs: number };

const DEFAULT_CHECK_INTERVAL_MS = 250;
const MIN_TOMBSTONE_MS = 60_000;

/**
 * The gateway's in-memory picture of the fleet, fed by the registry events channel and a
 * periodic resync. `nodes()` is read per request and never touches Redis.
 *
 * Liveness is judged from Redis-side facts, never from when this process got round to an
 * event: a gateway whose event loop stalls (thousands of open streams) must not declare
 * healthy nodes gone and cut their streams. A node leaves the view only when the registry
 * says it left, a resync finds its alive key gone, or a check of a suspect finds its alive
 * key gone or its last heartbeat older than `staleAfterMs` by Redis `TIME`. When Redis does
 * not answer that check, every suspect stays: an unreachable Redis proves nothing about the
 * nodes (and placement fails on the enqueue anyway); the check is retried on the next tick
 * and the failure reported as an `error` event.
 *
 * The subscriber connection is the caller's (it may be shared with other subscribers);
 * `close()` unsubscribes this store's channel but does not quit the connection.
 */
export class ClusterViewStore extends EventEmitter<ClusterViewEvents> {
  /** Event messages that were not a valid RegistryEvent. */
  malformedEvents = 0;

  private readonly entries = new Map<string, Entry>();
  /** `nodes()` as last built; dropped whenever an entry changes. */
  private listed: readonly NodeSnapshot[] | undefined;
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly departedModels = new Set<string>();
  private readonly now: () => number;
  private readonly checkIntervalMs: number;
  private resyncTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;
  private confirming: Promise<void> | undefined;
  private started = false;
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    private readonly repo: RegistryRepository,
    private readonly keys: KeySpace,
    private readonly opts: ClusterViewStoreOptions,
  ) {
    super();
    this.now = opts.now ?? Date.now;
    this.checkIntervalMs = opts.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  }

  /** Subscribes, loads the registry once (throws if that fails) and starts the timers. */
  async start(): Promise<void> {
    if (this.started) throw new Error('ClusterViewStore already started');
    this.started = true;
    this.subscriber.on('message', this.onMessage);
    // ioredis resubscribes by itself after a reconnect; what was missed meanwhile comes from a resync.
    this.subscriber.on('ready', this.onReady);
    await this.subscriber.subscribe(this.keys.registryEvents);
    await this.resync();
    if (this.closed) return;
    this.resyncTimer = setInterval(this.onResyncTick, this.opts.resyncIntervalMs);
    this.resyncTimer.unref();
    this.checkTimer = setInterval(this.onCheckTick, this.checkIntervalMs);
    this.checkTimer.unref();
  }

  /**
   * Every node not known to be gone, in any state; filtering by state is the scheduler's
   * job. A suspect stays listed until Redis confirms it gone, so a late event loop does
   * not make placement flap.
   */
  nodes(): readonly NodeSnapshot[] {
    // Read twice per request (catalogue, placement) and changed once per heartbeat: built once
    // per change, not per read (a thousand-node copy per request is garbage the GC notices).
    this.listed ??= [...this.entries.values()].map((e) => e.snapshot);
    return this.listed;
  }

  /**
   * Proof of life from outside the registry: the caller saw `nodeId` act just now (a reply
   * event from it arrived). Clears any suspicion of the node, as a processed heartbeat
   * would. Does not bring back a node already down or add one this view does not hold.
   */
  sawActivity(nodeId: string): void {
    const entry = this.entries.get(nodeId);
    if (entry) entry.lastSeenMs = Math.max(entry.lastSeenMs, this.now());
  }

  node(nodeId: string): NodeSnapshot | undefined {
    return this.entries.get(nodeId)?.snapshot;
  }

  /**
   * Models served by any node in the view (any state), plus those of nodes that departed
   * since start: a model whose only node just died is "no capacity" (503), not unknown (404).
   */
  knownModels(): Set<string> {
    const models = new Set(this.departedModels);
    for (const e of this.entries.values()) for (const m of e.snapshot.info.models) models.add(m);
    return models;
  }

  /** Re-reads the registry now; concurrent calls share one read. */
  resync(): Promise<void> {
    this.resyncing ??= this.doResync().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.resyncTimer);
    clearInterval(this.checkTimer);
    this.subscriber.off('message', this.onMessage);
    this.subscriber.off('ready', this.onReady);
    await this.resyncing?.catch(() => undefined);
    if (this.started && this.subscriber.status === 'ready') {
      await this.subscriber.unsubscribe(this.keys.registryEvents).catch(() => undefined);
    }
  }

  stop(): Promise<void> {
    return this.close();
  }

  private async doResync(): Promise<void> {
    const startedAtMs = this.now();
    const snapshots = await this.repo.listAlive();
    if (this.closed) return;
    const present = new Set<string>();
    for (const s of snapshots) {
      present.add(s.info.id);
      this.applySnapshot(s, { kind: 'resync', startedAtMs });
    }
    // Absent from the registry means its alive key expired: dead, unless heard from since the read began.
    for (const [id, e] of this.entries) {
      if (!present.has(id) && e.lastSeenMs < startedAtMs) this.markDown(id, 'stale');
    }
  }

  private applySnapshot(s: NodeSnapshot, source: Source): void {
    const id = s.info.id;
    const held = this.entries.get(id);
    if (held) {
      const prev = held.snapshot;
      if (s.info.startedAt < prev.info.startedAt) return;
      if (s.info.startedAt > prev.info.startedAt) {
        // A new process under the same id: whatever the old one was running is lost.
        this.markDown(id, 'stale');
        this.addNode(s);
        return;
      }
      if (s.at < prev.at || (source.kind === 'resync' && s.at === prev.at)) return;
      held.snapshot = s;
      held.lastSeenMs = this.now();
      this.listed = undefined;
      return;
    }
    const tomb = this.tombstones.get(id);
    if (tomb) {
      // The read may predate the departure, so it proves nothing about the node being back.
      if (source.kind === 'resync' && tomb.downAtMs >= source.startedAtMs) return;
      const last = tomb.snapshot;
      if (last && s.info.startedAt < last.info.startedAt) return;
      if (last && s.info.startedAt === last.info.startedAt && s.at <= last.at) return;
    }
    this.addNode(s);
  }

  private addNode(s: NodeSnapshot): void {
    this.tombstones.delete(s.info.id);
    this.entries.set(s.info.id, { snapshot: s, lastSeenMs: this.now() });
    this.listed = undefined;
    this.emitSafely(() => this.emit('nodeUp', s));
  }

  private markDown(nodeId: string, reason: NodeDownReason): void {
    const entry = this.entries.get(nodeId);
    if (!entry) {
      if (reason === 'left') this.tombstones.set(nodeId, { downAtMs: this.now() });
      return;
    }
    this.entries.delete(nodeId);
    this.listed = undefined;
    this.tombstones.set(nodeId, { snapshot: entry.snapshot, downAtMs: this.now() });
    for (const m of entry.snapshot.info.models) this.departedModels.add(m);
    this.emitSafely(() => this.emit('nodeDown', nodeId, reason));
  }

  private checkStale(): void {
    const now = this.now();
    const suspects = new Map<string, Entry>();
    for (const [id, e] of this.entries) {
      if (now - e.lastSeenMs > this.opts.staleAfterMs) suspects.set(id, e);
    }
    if (suspects.size > 0 && this.confirming === undefined) {
      this.confirming = this.confirmStale(suspects, now).finally(() => {
        this.confirming = undefined;
      });
    }
    const tombstoneTtl = Math.max(MIN_TOMBSTONE_MS, 10 * this.opts.staleAfterMs);
    for (const [id, t] of this.tombstones) {
      if (now - t.downAtMs > tombstoneTtl) this.tombstones.delete(id);
    }
  }

  /** Asks Redis about the suspects in one round trip; only its answer sends a node down. */
  private async confirmStale(suspects: Map<string, Entry>, askedAtMs: number): Promise<void> {
    let facts: Map<string, NodeLiveness>;
    try {
      facts = await this.repo.liveness([...suspects.keys()]);
    } catch (err) {
      this.reportError(err);
      return;
    }
    if (this.closed) return;
    for (const [id, suspect] of suspects) {
      const fact = facts.get(id);
      const gone = fact !== undefined && isGone(fact, this.opts.staleAfterMs);
      // Heard from while Redis was asked, or replaced meanwhile: the answer is out of date.
      const unchanged = this.entries.get(id) === suspect && suspect.lastSeenMs <= askedAtMs;
      if (gone && unchanged) this.markDown(id, 'stale');
    }
  }

  /** A throwing listener must not break the subscriber's message loop or a timer. */
  private emitSafely(emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.reportError(err);
    }
  }

  private reportError(err: unknown): void {
    if (this.listenerCount('error') === 0) return;
    this.emit('error', err instanceof Error ? err : new Error(String(err)));
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.keys.registryEvents || this.closed) return;
    const event = parseRegistryEvent(message);
    if (event === undefined) {
      this.malformedEvents++;
      return;
    }
    switch (event.type) {
      case 'heartbeat':
        this.applySnapshot(event.snapshot, { kind: 'event' });
        break;
      case 'left':
        this.markDown(event.nodeId, 'left');
        break;
    }
  };

  private readonly onReady = (): void => {
    if (this.started && !this.closed) this.onResyncTick();
  };

  private readonly onResyncTick = (): void => {
    this.resync().catch((err: unknown) => this.reportError(err));
  };

  private readonly onCheckTick = (): void => {
    this.checkStale();
  };
}
