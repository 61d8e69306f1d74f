import { performance } from 'node:perf_hooks';
import { DecodeLoop } from './decode-loop';
import { KvBudget } from './kv-budget';
import { PrefixCache, commonPrefixLength } from './prefix-cache';
import type {
  PoolSettings,
  SequenceOutcome,
  SequenceSpec,
  SlotSnapshot,
  SlotTaskView,
  TokenVerdict,
} from './sequence';
import type { SimMetrics } from './sim-metrics';
import {
  type Active,
  type Pending,
  type Slot,
  pickIdleSlot,
  prefillMs,
  reservation,
  sequenceStats,
  slotSnapshot,
} from './slot-state';

/**
 * The cost model: a fixed number of slots, each running one sequence, and a KV cache of
 * `kvCacheTokens` they share. Sequences beyond that wait FIFO: the head of the line starts when
 * a slot is free and its tokens fit in the cache (see {@link KvBudget}). A sequence prefills the
 * part of its prompt not already cached, at a fixed token rate, and its first token comes out of
 * the prefill. Further tokens come from one shared decode loop that steps every busy sequence at
 * once (continuous batching), each step taking `decodeMs * (1 + batchSlowdown * (busySlots - 1))`.
 * Everything runs on timers.
 */

const CANCELLED: SequenceOutcome = { status: 'cancelled' };
/** llama.cpp's default logical batch: a prefill takes one decode call per this many tokens. */
const N_BATCH = 2048;
const PREFIX_CACHE_ENTRIES = 64;

const now = (): number => performance.now();

export class SlotPool {
  private readonly slots: Slot[];
  private readonly waiting: Pending[] = [];
  private readonly decoding: DecodeLoop<Active>;
  private readonly cache = new PrefixCache(PREFIX_CACHE_ENTRIES);
  private readonly kv: KvBudget;
  private nextTaskId = 0;

  constructor(
    private readonly settings: PoolSettings,
    private readonly metrics: SimMetrics,
  ) {
    this.kv = new KvBudget(settings.kvCacheTokens);
    this.decoding = new DecodeLoop(
      () => this.stepMs(),
      (size) => metrics.onDecode(size),
      (active) => this.step(active),
    );
    this.slots = Array.from({ length: settings.slots }, (_, id) => ({
      id,
      kv: [],
      lastUsed: -1,
      active: undefined,
      view: undefined,
    }));
  }

  get busySlots(): number {
    return this.slots.reduce((busy, slot) => busy + (slot.active ? 1 : 0), 0);
  }

  /** Sequences waiting for a slot. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  get kvCacheTokens(): number {
    return this.kv.capacity;
  }

  /** Tokens the running sequences hold in KV cache now: prompts plus tokens decoded so far. */
  get kvUsedTokens(): number {
    return this.slots.reduce((used, { active }) => {
      return active ? used + active.pending.spec.prompt.length + active.step : used;
    }, 0);
  }

  /** KV cache in use, 0..1. */
  get kvUsage(): number {
    return Math.min(1, this.kvUsedTokens / this.kv.capacity);
  }

  /**
   * Whether sequences of these sizes (prompt plus planned output, in tokens) would all start at
   * once rather than wait: enough idle slots, nobody queued ahead, and room in the KV cache.
   */
  canStartNow(sequenceTokens: readonly number[]): boolean {
    const idle = this.slots.length - this.busySlots;
    const tokens = sequenceTokens.reduce((sum, n) => sum + n, 0);
    return this.waiting.length === 0 && idle >= sequenceTokens.length && this.kv.fits(tokens);
  }

  /** Task ids count every task the engine handles, scrapes included, as llama.cpp's do. */
  takeTaskId(): number {
    return this.nextTaskId++;
  }

  snapshot(): SlotSnapshot[] {
    return this.slots.map((slot) => slotSnapshot(slot, this.settings.ctxSize));
  }

  /** Runs one sequence to its end; never rejects. Aborting the signal frees the slot at once. */
  run(spec: SequenceSpec): Promise<SequenceOutcome> {
    if (spec.signal.aborted) return Promise.resolve(CANCELLED);
    return new Promise((resolve) => {
      const onAbort = (): void => this.cancel(pending);
      const pending: Pending = {
        spec,
        taskId: this.takeTaskId(),
        resolve,
        detach: () => spec.signal.removeEventListener('abort', onAbort),
      };
      spec.signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(pending);
      this.dispatch();
    });
  }

  /** Cancels everything (server shutdown). */
  shutdown(): void {
    for (const pending of [...this.waiting]) this.cancel(pending);
    for (const slot of this.slots) if (slot.active) this.cancel(slot.active.pending);
  }

  private dispatch(): void {
    for (let next = this.waiting[0]; next; next = this.waiting[0]) {
      // FIFO: when the head does not fit in the KV cache, everyone behind it waits too.
      if (!this.kv.fits(reservation(next.spec))) return;
      const slot = pickIdleSlot(this.slots, next.spec.prompt);
      if (!slot) return;
      this.waiting.shift();
      this.start(next, slot);
    }
  }

  private start(pending: Pending, slot: Slot): void {
    const { spec } = pending;
    const reusable = spec.cachePrompt
      ? Math.max(commonPrefixLength(slot.kv, spec.prompt), this.cache.longestPrefix(spec.prompt))
      : 0;
    // The last prompt token is always evaluated: its logits give the first sampled token.
    const cacheN = Math.max(0, Math.min(reusable, spec.prompt.length - 1));
    const promptN = spec.prompt.length - cacheN;
    if (spec.cachePrompt) this.metrics.onPrefixLookup(spec.prompt.length, cacheN);
    const view: SlotTaskView = {
      taskId: pending.taskId,
      nPromptTokens: spec.prompt.length,
      nPromptTokensProcessed: promptN,
      nPromptTokensCache: cacheN,
      params: spec.params,
      nDecoded: 0,
      nPredict: spec.nPredict,
      hasNextToken: true,
      hasNewLine: false,
    };
    const active: Active = {
      pending,
      slot,
      view,
      cacheN,
      promptN,
      reserved: reservation(spec),
      startedAt: now(),
      stallMs: spec.stallMs ?? 0,
      prefillTimer: undefined,
      promptMs: 0,
      generationStartedAt: undefined,
      step: 0,
    };
    slot.active = active;
    slot.view = view;
    this.kv.reserve(active.reserved);
    const delayMs = (promptN / this.settings.prefillTokensPerSecond) * 1000 + active.stallMs;
    active.prefillTimer = setTimeout(() => this.finishPrefill(active), delayMs);
  }

  private finishPrefill(active: Active): void {
    active.prefillTimer = undefined;
    const t = now();
    // A stall delays the first token but is not prompt processing.
    active.promptMs = prefillMs(active, t);
    active.generationStartedAt = t;
    this.metrics.onPromptEvaluated(active.promptN, active.promptMs);
    this.metrics.onDecode(1, Math.max(1, Math.ceil(active.promptN / N_BATCH)));
    if (active.pending.spec.output.length === 0) {
      this.complete(active);
      return;
    }
    if (this.step(active)) this.decoding.add(active);
  }

  /** Emits the next token; returns whether the sequence goes on. */
  private step(active: Active): boolean {
    const { spec } = active.pending;
    const index = active.step++;
    active.view.nDecoded = active.step;
    let verdict: TokenVerdict;
    try {
      verdict = spec.onToken(index, () => sequenceStats(active, now()));
    } catch (error) {
      this.release(active);
      active.pending.resolve({ status: 'failed', error });
      return false;
    }
    // The consumer may have cancelled from inside its callback.
    if (active.slot.active !== active) return false;
    if (verdict.newLine) active.view.hasNewLine = true;
    if (verdict.stop || active.step >= spec.output.length) {
      this.complete(active);
      return false;
    }
    return true;
  }

  private stepMs(): number {
    const busy = Math.max(1, this.busySlots);
    return this.settings.decodeMs * (1 + this.settings.batchSlowdown * (busy - 1));
  }

  private complete(active: Active): void {
    const stats = sequenceStats(active, now());
    // A prefill-only sequence (an embedding) predicts nothing.
    if (stats.predictedN > 0) this.metrics.onPrediction(stats.predictedN, stats.predictedMs);
    this.release(active);
    active.pending.resolve({ status: 'done', stats });
  }

  private cancel(pending: Pending): void {
    const index = this.waiting.indexOf(pending);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      pending.detach();
      pending.resolve(CANCELLED);
      // A head that did not fit in the KV cache may have been holding back smaller sequences.
      if (index === 0) this.dispatch();
      return;
    }
    const active = this.slots.find((slot) => slot.active?.pending === pending)?.active;
    if (!active) return;
    this.release(active);
    pending.resolve(CANCELLED);
  }

  /** Frees the slot, keeps what it computed in cache, and starts whoever waits next. */
  private release(active: Active): void {
    const { slot, pending } = active;
    if (active.prefillTimer) clearTimeout(active.prefillTimer);
    this.decoding.delete(active);
    pending.detach();
    this.kv.release(active.reserved);
    slot.active = undefined;
    slot.lastUsed = now();
    slot.kv = [...pending.spec.prompt, ...pending.spec.output.slice(0, active.step)];
    active.view.hasNextToken = false;
    this.metrics.onSlotTokens(slot.kv.length);
    this.cache.remember(slot.kv);
    this.dispatch();
  }
}
