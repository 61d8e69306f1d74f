import type { JsonObject } from '../../core/json-writer';
import { MindieError } from './mindie.errors';
import type { SimContext } from '../../core/personality';
import type { SimSettings } from '../../core/sim-options';

/**
 * Bodies of MindIE's informational routes, in the key order its encoders write them
 * (`parse_protocol.cpp`: `HandleGetInfo`, `EncodeOpenAiModels`, `EncodeSlotCount`,
 * `JsonHttpMetrics`).
 */

/** `ScheduleConfig.cacheBlockSize`: KV cache is handed out in blocks of this many tokens. */
export const CACHE_BLOCK_SIZE = 128;
const MODEL_DTYPE = 'float16';
const VERSION = '2.3.0';
const OWNER = 'MindIE Server';

export function modelJson(settings: SimSettings, created: number): JsonObject {
  return { id: settings.model, object: 'model', created, owned_by: OWNER };
}

export function modelsJson(settings: SimSettings, created: number): JsonObject {
  return { object: 'list', data: [modelJson(settings, created)] };
}

/** Routes naming a model in their path answer 404 for any other (`GetRequestModelConfig`). */
export function checkModelPath(settings: SimSettings, model: string): void {
  if (model !== settings.model) throw new MindieError(404, `Model ${model} not found.`);
}

/**
 * TGI-style `/info`. MindIE's `maxBatchSize` is the slot count, `maxPrefillTokens` the tokens one
 * batch holds (here the KV cache), `maxSeqLen` a sequence's context and `maxInputTokenLen` the
 * longest prompt (one token short of the context, which the shared runner enforces).
 */
export function infoJson(settings: SimSettings): JsonObject {
  return {
    docker_label: null,
    max_batch_total_tokens: settings.kvCacheTokens,
    max_best_of: 1,
    max_concurrent_requests: settings.slots,
    max_stop_sequences: null,
    max_waiting_tokens: null,
    sha: null,
    validation_workers: null,
    version: VERSION,
    waiting_served_ratio: null,
    models: [
      {
        model_device_type: 'npu',
        model_dtype: MODEL_DTYPE,
        model_id: settings.model,
        model_pipeline_tag: 'text-generation',
        model_sha: null,
        max_total_tokens: settings.ctxSize,
      },
    ],
    max_input_length: settings.ctxSize - 1,
  };
}

/** Free KV blocks, as the scheduler reports its remaining quota. */
export function remainBlocks(ctx: SimContext): number {
  const free = ctx.pool.kvCacheTokens - ctx.pool.kvUsedTokens;
  return Math.max(0, Math.floor(free / CACHE_BLOCK_SIZE));
}

export function slotCountJson(ctx: SimContext): JsonObject {
  const { slots } = ctx.settings;
  return {
    total_slots: slots,
    free_slots: Math.max(0, slots - ctx.pool.busySlots),
    available_tokens_length: remainBlocks(ctx) * CACHE_BLOCK_SIZE,
  };
}

/** `std::to_string(double)`: fixed notation, six decimals. */
const cppDouble = (value: number): string => value.toFixed(6);

/**
 * `/metrics-json`: Prometheus-API-like vector of the scheduler figures, every value a string.
 * TTFT and TBT are rolling means in milliseconds.
 */
export function metricsJson(
  ctx: SimContext,
  means: { ttftMs: number; tbtMs: number },
  instance: string,
): JsonObject {
  const values: readonly (readonly [name: string, value: string])[] = [
    ['TTFT', cppDouble(means.ttftMs)],
    ['TBT', cppDouble(means.tbtMs)],
    ['waitingInferRequestNum', String(ctx.pool.waitingCount)],
    ['processingInferRequestNum', String(ctx.pool.busySlots)],
    ['remainBlocks', String(remainBlocks(ctx))],
  ];
  return {
    resultType: 'vector',
    result: values.map(([name, value]) => ({
      metric: [{ __name__: name, job: 'node', instance }],
      value,
    })),
  };
}
