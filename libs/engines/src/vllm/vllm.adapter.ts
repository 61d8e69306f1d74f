import { vllmCapabilities, vllmRefusal } from './vllm-capabilities';
import type { GenerationRequest } from '@switchyard/contracts';
import type { EngineAdapter, EngineCall, HealthVerdict } from '../engine-adapter';
import { openAiEmbeddings } from '../openai-compatible/openai-embeddings.codec';
import {
  buildOpenAiCall,
  RESPONSE_FORMAT_FIELDS,
  type OpenAiBodyQuirks,
} from '../openai-compatible/openai-body.builder';
import type { SamplingFieldMap } from '../openai-compatible/openai-request.mapper';
import {
  mapOpenAiStreamError,
  openAiHealthReason,
  openAiModelIds,
  parseOpenAiError,
} from '../openai-compatible/openai-response.mapper';
import {
  createOpenAiStreamParser,
  type FinishReasonTable,
} from '../openai-compatible/openai-stream.parser';
import { parseVllmCounters, parseVllmLoad, VLLM_LOAD_SOURCES } from './vllm-load';

/**
 * vLLM's OpenAI-compatible server (`vllm serve`). Reference: vllm-project/vllm
 * `vllm/entrypoints/openai/` (protocol, chat and completion serving),
 * `entrypoints/serve/instrumentator/health.py`, `v1/engine/__init__.py`, `v1/metrics/loggers.py`.
 *
 * Not sent: `priority`. vLLM answers 400 to any non-zero priority unless it was started with
 * `--scheduling-policy priority`, and orders it the other way round (lower runs first); the
 * worker takes jobs only while it has free slots, so queue order is decided before vLLM sees them.
 */

const SAMPLING_FIELDS = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  minP: 'min_p',
  // vLLM has no typical sampling; it would log the field as ignored and sample without it.
  typicalP: null,
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  repetitionPenalty: 'repetition_penalty',
  seed: 'seed',
  // `max_completion_tokens` is the newer chat name; `max_tokens` works on every route and version.
  maxTokens: 'max_tokens',
  logitBias: 'logit_bias',
} as const satisfies SamplingFieldMap;

const OPENAI_BODY = {
  samplingFields: SAMPLING_FIELDS,
  sendsN: true,
  // Extras (`ignore_eos`, …) go through verbatim: vLLM reads its own and logs the rest as ignored.
  forwardsExtra: true,
  zeroAlternatives: 'zero',
  namedToolChoice: 'function',
  responseFormat: {
    chat: RESPONSE_FORMAT_FIELDS.openai,
    completion: RESPONSE_FORMAT_FIELDS.openai,
  },
  continuation: { continue_final_message: true, add_generation_prompt: false },
} as const satisfies OpenAiBodyQuirks;

/**
 * vLLM's finish reasons: `FINISH_REASON_STRINGS` and the `FinishReason` docstring in
 * `vllm/v1/engine/__init__.py`, plus `tool_calls` from chat serving.
 */
export const VLLM_FINISH_REASONS = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  // "aborted by client", or by the server (pause in abort mode, shutdown). The worker's own
  // cancel never reaches here (it stops reading), so the answer was cut short under the client.
  abort: { fail: 'SY_STREAM_INTERRUPTED', message: 'engine aborted the request' },
  // A retryable request-level internal error (KV load failure); current servers send an
  // in-band 500 instead, older ones let the reason through.
  error: { fail: 'SY_ENGINE_ERROR', message: 'engine failed while generating' },
  // The engine cut off a repetitive token pattern: its own stop condition, not a token
  // budget, so `length` would invite a retry with more tokens that repeats the loop.
  repetition: 'stop',
} as const satisfies FinishReasonTable;

export const vllmAdapter = {
  kind: 'vllm',
  streamFraming: 'sse',
  // 200 with an empty body while the engine lives; no answer at all while loading.
  health: { plane: 'inference', path: '/health' },
  models: { plane: 'inference', path: '/v1/models' },
  loadSources: VLLM_LOAD_SOURCES,

  buildRequest(req: GenerationRequest): EngineCall {
    return buildOpenAiCall(req, OPENAI_BODY);
  },

  createStreamParser(req: GenerationRequest) {
    return createOpenAiStreamParser({
      topLogprobs: req.sampling.logprobs?.top,
      mapError: mapOpenAiStreamError,
      finishReasons: VLLM_FINISH_REASONS,
    });
  },

  parseError: parseOpenAiError,

  interpretHealth(status: number, body: string): HealthVerdict {
    if (status >= 200 && status < 300) return { ready: true };
    // health.py answers 503 only on EngineDeadError; the process does not recover by itself.
    if (status === 503) return { ready: false, reason: 'engine dead (HTTP 503)' };
    return { ready: false, reason: openAiHealthReason(status, body) };
  },

  // LoRA adapters are listed beside the base model (with `parent` set); both are servable names.
  parseModels: openAiModelIds,
  parseLoad: parseVllmLoad,
  parseCounters: parseVllmCounters,
  embeddings: openAiEmbeddings,
  continuesChat: OPENAI_BODY.continuation !== null,
  capabilityReader: vllmCapabilities,
  refusedCapability: vllmRefusal,
} satisfies EngineAdapter;
