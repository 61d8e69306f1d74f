import type { GenerationRequest, NodeLoad } from '@switchyard/contracts';
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
  OPENAI_FINISH_REASONS,
  type FinishReasonTable,
} from '../openai-compatible/openai-stream.parser';

/**
 * Any OpenAI-compatible server (SGLang, LM Studio, a hosted API), spoken strictly by the
 * OpenAI spec [OAI-SPEC]: no engine extras, and `req.extra` is not forwarded because a strict
 * server (OpenAI's own) rejects unknown fields. The server exposes no load figures, so the
 * worker derives them from its own bookkeeping.
 *
 * Authentication (a bearer token for a hosted API) is the engine client's concern: adapters
 * are pure and stateless, and the token must reach health and model probes too.
 */

const SAMPLING_FIELDS = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: null,
  minP: null,
  typicalP: null,
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  repetitionPenalty: null,
  seed: 'seed',
  // OpenAI's reasoning models want `max_completion_tokens` and refuse this loudly; LM Studio and
  // older servers know only `max_tokens` and would ignore the newer name silently.
  maxTokens: 'max_tokens',
  logitBias: 'logit_bias',
} as const satisfies SamplingFieldMap;

/** The OpenAI spec itself: the row the other OpenAI-compatible engines depart from. */
const OPENAI_BODY = {
  samplingFields: SAMPLING_FIELDS,
  sendsN: true,
  forwardsExtra: false,
  zeroAlternatives: 'zero',
  namedToolChoice: 'function',
  responseFormat: {
    chat: RESPONSE_FORMAT_FIELDS.openai,
    completion: RESPONSE_FORMAT_FIELDS.openai,
  },
  // OpenAI's chat API has no way to continue an assistant message.
  continuation: null,
} as const satisfies OpenAiBodyQuirks;

/**
 * OpenAI's finish reasons, plus `abort`, which SGLang (`FINISH_ABORT`, an error finish) and
 * vLLM-derived servers send when they drop a request: the answer is cut short, not finished.
 */
export const OPENAI_COMPATIBLE_FINISH_REASONS = {
  ...OPENAI_FINISH_REASONS,
  abort: { fail: 'SY_STREAM_INTERRUPTED', message: 'engine aborted the request' },
} as const satisfies FinishReasonTable;

export const openaiAdapter = {
  kind: 'openai',
  streamFraming: 'sse',
  // No common health route exists; a model list that answers means the server serves.
  health: { plane: 'inference', path: '/v1/models' },
  models: { plane: 'inference', path: '/v1/models' },
  loadSources: {},

  buildRequest(req: GenerationRequest): EngineCall {
    return buildOpenAiCall(req, OPENAI_BODY);
  },

  createStreamParser(req: GenerationRequest) {
    return createOpenAiStreamParser({
      topLogprobs: req.sampling.logprobs?.top,
      mapError: mapOpenAiStreamError,
      finishReasons: OPENAI_COMPATIBLE_FINISH_REASONS,
    });
  },

  parseError: parseOpenAiError,

  interpretHealth(status: number, body: string): HealthVerdict {
    if (status >= 200 && status < 300) return { ready: true };
    return { ready: false, reason: openAiHealthReason(status, body) };
  },

  parseModels: openAiModelIds,
  parseLoad(_bodies: Readonly<Record<string, string | undefined>>): Partial<NodeLoad> {
    return {};
  },
  embeddings: openAiEmbeddings,
  continuesChat: OPENAI_BODY.continuation !== null,
} satisfies EngineAdapter;
