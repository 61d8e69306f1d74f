import type { NodeLoad } from '@switchyard/contracts';
import type { EngineCounters } from '../engine-adapter';
import { asArray, asNumber, isObject, tryParseJson, type JsonObject } from '../shared/json-guards';
import { parsePrometheusText, sampleValue, type PrometheusSample } from '../shared/prometheus-text';

/**
 * llama.cpp load figures from `/metrics` (needs `--metrics`) and `/slots` (on by default).
 * llama.cpp removed its KV-cache gauges in 2025 (PR #13660), so KV use is derived from `/slots`.
 */

/** Raw counters the worker turns into rates over its own window. Null when not exposed. */
export interface LlamacppCounters {
  promptTokensTotal: number | null;
  promptSecondsTotal: number | null;
  tokensPredictedTotal: number | null;
  tokensPredictedSecondsTotal: number | null;
}

const COUNTER_METRICS = {
  promptTokensTotal: 'llamacpp:prompt_tokens_total',
  promptSecondsTotal: 'llamacpp:prompt_seconds_total',
  tokensPredictedTotal: 'llamacpp:tokens_predicted_total',
  tokensPredictedSecondsTotal: 'llamacpp:tokens_predicted_seconds_total',
} as const satisfies Record<keyof LlamacppCounters, string>;

export function llamacppCounters(metricsText: string): LlamacppCounters {
  const samples = parsePrometheusText(metricsText);
  const read = (name: string): number | null => finite(sampleValue(samples, name)) ?? null;
  return {
    promptTokensTotal: read(COUNTER_METRICS.promptTokensTotal),
    promptSecondsTotal: read(COUNTER_METRICS.promptSecondsTotal),
    tokensPredictedTotal: read(COUNTER_METRICS.tokensPredictedTotal),
    tokensPredictedSecondsTotal: read(COUNTER_METRICS.tokensPredictedSecondsTotal),
  };
}

/**
 * The adapter's counters for windowed rates; llama.cpp has no prefix-cache or TTFT counters.
 * `tokens_predicted_total` advances only when a request finishes, so the tokens busy slots have
 * decoded so far (`/slots` `n_decoded`, which moves while they run) go beside it as in flight.
 */
export function parseLlamacppCounters(
  bodies: Readonly<Record<string, string | undefined>>,
): Partial<EngineCounters> {
  if (bodies.metrics === undefined) return {};
  const raw = llamacppCounters(bodies.metrics);
  const counters: Partial<EngineCounters> = {};
  if (raw.promptTokensTotal !== null) counters.promptTokensTotal = raw.promptTokensTotal;
  if (raw.tokensPredictedTotal !== null) {
    counters.generationTokensTotal = raw.tokensPredictedTotal;
    const slots = bodies.slots === undefined ? undefined : readSlots(bodies.slots);
    if (slots !== undefined)
      counters.generationTokensInFlight = slots.reduce((n, s) => (s.busy ? n + s.decoded : n), 0);
  }
  return counters;
}

interface SlotView {
  busy: boolean;
  nCtx: number;
  /** Tokens this slot's current task has generated. */
  decoded: number;
  /** Prompt plus generated tokens held in the slot's context. */
  tokensInContext: number;
}

export function parseLlamacppLoad(
  bodies: Readonly<Record<string, string | undefined>>,
): Partial<NodeLoad> {
  const samples: PrometheusSample[] =
    bodies.metrics === undefined ? [] : parsePrometheusText(bodies.metrics);
  const slots = bodies.slots === undefined ? undefined : readSlots(bodies.slots);
  const busySlots = slots?.filter((s) => s.busy).length;

  const load: Partial<NodeLoad> = {
    kvCacheUsage: slots === undefined ? null : kvCacheUsage(slots),
    // /slots keeps each slot's last prompt/cache counts, but they are not a windowed hit rate.
    prefixCacheHitRate: null,
    promptTokensPerSecond: null,
    generationTokensPerSecond: null,
    ttftMs: null,
  };
  const running = finite(sampleValue(samples, 'llamacpp:requests_processing')) ?? busySlots;
  const waiting = finite(sampleValue(samples, 'llamacpp:requests_deferred'));
  if (running !== undefined) load.running = running;
  if (waiting !== undefined) load.waiting = waiting;
  if (slots !== undefined && busySlots !== undefined) {
    load.slotsTotal = slots.length;
    load.slotsFree = slots.length - busySlots;
  }
  return load;
}

function readSlots(body: string): SlotView[] | undefined {
  const parsed = tryParseJson(body);
  if (!Array.isArray(parsed)) return undefined;
  return (parsed as unknown[]).filter(isObject).map((slot) => {
    const decoded = decodedTokens(slot);
    return {
      busy: slot.is_processing === true,
      nCtx: asNumber(slot.n_ctx) ?? 0,
      decoded,
      tokensInContext: tokensInContext(slot, decoded),
    };
  });
}

/**
 * Tokens a slot holds, on every build: current llama.cpp counts generated tokens in
 * `n_prompt_tokens` (prompt + output) and splits the prompt into `n_prompt_tokens_cache` +
 * `n_prompt_tokens_processed`; older builds had only the prompt in `n_prompt_tokens`. The
 * larger of the two readings is right on both, and never counts output twice.
 */
function tokensInContext(slot: JsonObject, decoded: number): number {
  const reported = asNumber(slot.n_prompt_tokens) ?? 0;
  const cached = asNumber(slot.n_prompt_tokens_cache);
  const processed = asNumber(slot.n_prompt_tokens_processed);
  const prompt = cached !== undefined && processed !== undefined ? cached + processed : reported;
  return Math.max(reported, prompt + decoded);
}

/** `next_token` is an array in current llama.cpp and an object in older builds. */
function decodedTokens(slot: JsonObject): number {
  const next = Array.isArray(slot.next_token) ? asArray(slot.next_token)[0] : slot.next_token;
  return isObject(next) ? (asNumber(next.n_decoded) ?? 0) : 0;
}

function kvCacheUsage(slots: readonly SlotView[]): number | null {
  const capacity = slots.reduce((sum, s) => sum + s.nCtx, 0);
  if (capacity <= 0) return null;
  const used = slots.reduce((sum, s) => (s.busy ? sum + s.tokensInContext : sum), 0);
  return Math.min(1, used / capacity);
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}
