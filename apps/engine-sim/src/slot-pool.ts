import { performance } from 'node:perf_hooks';
import { PrefixCache, commonPrefixLength } from './prefix-cache';
import type {
  PoolSettings,
  SequenceOutcome,
  SequenceSpec,
  SequenceStats,
  SlotSnapshot,
  SlotTaskView,
  TokenVerdict,
} from './sequence';
import type { SimMetrics } from './sim-metrics';

/**
 * The cost model: a fixed number of slots, each running one sequence. Sequences beyond that
 * wait FIFO. A sequence prefills the part of its prompt not already cached, at a fixed token
 * rate, and its first token comes out of the prefill. Further tokens come from one shared decode
 * loop that steps every busy sequence at once (continuous batching), each step taking
 * `decodeMs * (1 + batchSlowdown * (busySlots - 1))`. Everything runs on timers.
 */

interface Pending {
  readonly spec: SequenceSpec;
  readonly taskId: number;
  readonly resolve: (outcome: SequenceOutcome) => void;
  detach(): void;
}

interface Active {
  readonly pending: Pending;
  readonly slot: Slot;
  readonly view: SlotTaskView;
  readonly cacheN: number;
  readonly promptN: number;
  readonly startedAt: number;
  prefillTimer: NodeJS.Timeout | undefined;
  promptMs: number;
  generationStartedAt: number | undefined;
  step: number;
}

interface Slot {
  readonly id: number;
  kv: readonly number[];
  lastUsed: number;
  active: Active | undefined;
  view: SlotTaskView | undefined;
}

const CANCELLED: SequenceOutcome = { status: 'cancelled' };
/** llama.cpp's default logical batch: a prefill takes one decode call per this many tokens. */
const N_BATCH = 2048;
/** llama.cpp's `--slot-prompt-similarity`: reuse a slot whose cache covers this much of it. */
const SLOT_SIMILARITY = 0.1;
const PREFIX_CACHE_ENTRIES = 64;
/** Engines clamp measured durations to one microsecond so rates stay finite. */
const MIN_MS = 0.001;

const now = (): number => performance.now();

export class SlotPool {
  private readonly slots: Slot[];
  private readonly waiting: Pending[] = [];
  private readonly decoding = new Set<Active>();
  private readonly cache = new PrefixCache(PREFIX_CACHE_ENTRIES);
  private tickTimer: NodeJS.Timeout | undefined;
  private nextTaskId = 0;

  constructor(
    private readonly settings: PoolSettings,
    private readonly metrics: SimMetrics,
  ) {
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

  /** Task ids count every task the engine handles, scrapes included, as llama.cpp's do. */
  takeTaskId(): number {
    return this.nextTaskId++;
  }

  snapshot(): SlotSnapshot[] {
    return this.slots.map((slot) => ({
      id: slot.id,
      nCtx: this.settings.ctxSize,
      isProcessing: slot.active !== undefined,
      task: slot.view && { ...slot.view },
    }));
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
      const slot = this.pickSlot(next.spec.prompt);
      if (!slot) return;
      this.waiting.shift();
      this.start(next, slot);
    }
  }

  /** The idle slot whose cache best matches the prompt, else the least recently used one. */
  private pickSlot(prompt: readonly number[]): Slot | undefined {
    let similar: Slot | undefined;
    let shared = 0;
    let lru: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.active) continue;
      const common = commonPrefixLength(slot.kv, prompt);
      if (common > shared) [similar, shared] = [slot, common];
      if (!lru || slot.lastUsed <= lru.lastUsed) lru = slot;
    }
    return similar && shared > SLOT_SIMILARITY * prompt.length ? similar : lru;
  }

  private start(pending: Pending, slot: Slot): void {
    const { spec } = pending;
    const reusable = spec.cachePrompt
      ? Math.max(commonPrefixLength(slot.kv, spec.prompt), this.cache.longestPrefix(spec.prompt))
      : 0;
    // The last prompt token is always evaluated: its logits give the first sampled token.
    const cacheN = Math.max(0, Math.min(reusable, spec.prompt.length - 1));
    const promptN = spec.prompt.length - cacheN;
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
      startedAt: now(),
      prefillTimer: undefined,
      promptMs: 0,
      generationStartedAt: undefined,
      step: 0,
    };
    slot.active = active;
    slot.view = view;
    const prefillMs = (promptN / this.settings.prefillTokensPerSecond) * 1000;
    active.prefillTimer = setTimeout(() => this.finishPrefill(active), prefillMs);
  }

  private finishPrefill(active: Active): void {
    active.prefillTimer = undefined;
    const t = now();
    active.promptMs = Math.max(MIN_MS, t - active.startedAt);
    active.generationStartedAt = t;
    this.metrics.onPromptEvaluated(active.promptN, active.promptMs);
    this.metrics.onDecode(1, Math.max(1, Math.ceil(active.promptN / N_BATCH)));
    if (active.pending.spec.output.length === 0) {
      this.complete(active);
      return;
    }
    if (this.step(active)) {
      this.decoding.add(active);
      if (this.tickTimer === undefined) this.scheduleTick(now());
    }
  }

  /** Emits the next token; returns whether the sequence goes on. */
  private step(active: Active): boolean {
    const { spec } = active.pending;
    const index = active.step++;
    active.view.nDecoded = active.step;
    let verdict: TokenVerdict;
    try {
      verdict = spec.onToken(index, () => this.stats(active, now()));
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

  private scheduleTick(from: number): void {
    const due = from + this.stepMs();
    this.tickTimer = setTimeout(() => this.tick(due), Math.max(0, due - now()));
  }

  private tick(due: number): void {
    this.tickTimer = undefined;
    const batch = [...this.decoding];
    this.metrics.onDecode(batch.length);
    for (const active of batch) {
      if (this.decoding.has(active)) this.step(active);
    }
    if (this.decoding.size === 0) return;
    const t = now();
    // Keep the cadence exact, but after a stalled event loop resume from now instead of
    // bursting out a backlog of steps.
    this.scheduleTick(t - due > this.stepMs() ? t : due);
  }

  private stepMs(): number {
    const busy = Math.max(1, this.busySlots);
    return this.settings.decodeMs * (1 + this.settings.batchSlowdown * (busy - 1));
  }

  private complete(active: Active): void {
    const stats = this.stats(active, now());
    this.metrics.onPrediction(stats.predictedN, stats.predictedMs);
    this.release(active);
    active.pending.resolve({ status: 'done', stats });
  }

  private cancel(pending: Pending): void {
    const index = this.waiting.indexOf(pending);
    if (index >= 0) {
      this.waiting.splice(index, 1);
      pending.detach();
      pending.resolve(CANCELLED);
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
    if (this.decoding.size === 0 && this.tickTimer) {
      clearTimeout(this.tickTimer);
      this.tickTimer = undefined;
    }
    pending.detach();
    slot.active = undefined;
    slot.lastUsed = now();
    slot.kv = [...pending.spec.prompt, ...pending.spec.output.slice(0, active.step)];
    active.view.hasNextToken = false;
    this.metrics.onSlotTokens(slot.kv.length);
    this.cache.remember(slot.kv);
    this.dispatch();
  }

  private stats(active: Active, t: number): SequenceStats {
    const started = active.generationStartedAt;
    return {
      slotId: active.slot.id,
      taskId: active.pending.taskId,
      promptTokens: active.pending.spec.prompt.length,
      cacheN: active.cacheN,
      promptN: active.promptN,
      promptMs: active.promptMs,
      predictedN: active.step,
      predictedMs: started === undefined ? 0 : Math.max(MIN_MS, t - started),
      tokensCached: active.pending.spec.prompt.length + Math.max(0, active.step - 1),
    };
  }
}
