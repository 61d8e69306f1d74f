import { commonPrefixLength } from './prefix-cache';
import type {
  SequenceOutcome,
  SequenceSpec,
  SequenceStats,
  SlotSnapshot,
  SlotTaskView,
} from './sequence';

/** What one slot of the pool holds, and how a slot and its sequence are reported. */

export interface Pending {
  readonly spec: SequenceSpec;
  readonly taskId: number;
  readonly resolve: (outcome: SequenceOutcome) => void;
  detach(): void;
}

export interface Active {
  readonly pending: Pending;
  readonly slot: Slot;
  readonly view: SlotTaskView;
  readonly cacheN: number;
  readonly promptN: number;
  /** KV tokens reserved: the prompt plus every planned decode step. */
  readonly reserved: number;
  readonly startedAt: number;
  readonly stallMs: number;
  prefillTimer: NodeJS.Timeout | undefined;
  promptMs: number;
  generationStartedAt: number | undefined;
  step: number;
}

export interface Slot {
  readonly id: number;
  kv: readonly number[];
  lastUsed: number;
  active: Active | undefined;
  view: SlotTaskView | undefined;
}

/** llama.cpp's `--slot-prompt-similarity`: reuse a slot whose cache covers this much of it. */
const SLOT_SIMILARITY = 0.1;
/** Engines clamp measured durations to one microsecond so rates stay finite. */
const MIN_MS = 0.001;

/** The idle slot whose cache best matches the prompt, else the least recently used one. */
export function pickIdleSlot(slots: readonly Slot[], prompt: readonly number[]): Slot | undefined {
  let similar: Slot | undefined;
  let shared = 0;
  let lru: Slot | undefined;
  for (const slot of slots) {
    if (slot.active) continue;
    const common = commonPrefixLength(slot.kv, prompt);
    if (common > shared) [similar, shared] = [slot, common];
    if (!lru || slot.lastUsed <= lru.lastUsed) lru = slot;
  }
  return similar && shared > SLOT_SIMILARITY * prompt.length ? similar : lru;
}

export function slotSnapshot(slot: Slot, nCtx: number): SlotSnapshot {
  return {
    id: slot.id,
    nCtx,
    isProcessing: slot.active !== undefined,
    task: slot.view && { ...slot.view },
  };
}

export function sequenceStats(active: Active, t: number): SequenceStats {
  const started = active.generationStartedAt;
  const promptTokens = active.pending.spec.prompt.length;
  return {
    slotId: active.slot.id,
    taskId: active.pending.taskId,
    promptTokens,
    cacheN: active.cacheN,
    promptN: active.promptN,
    promptMs: active.promptMs,
    predictedN: active.step,
    predictedMs: started === undefined ? 0 : Math.max(MIN_MS, t - started),
    tokensCached: promptTokens + Math.max(0, active.step - 1),
  };
}

/** The promptMs of a prefill that ran from `startedAt` to `t`, less any injected stall. */
export function prefillMs(active: Active, t: number): number {
  return Math.max(MIN_MS, t - active.startedAt - active.stallMs);
}

/** KV tokens a sequence reserves: its prompt plus every planned decode step. */
export function reservation(spec: SequenceSpec): number {
  return spec.prompt.length + spec.output.length;
}
