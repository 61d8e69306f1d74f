import { MINDIE_FIXED_CAPABILITIES, mindieCapabilities } from './mindie-capabilities';
import type { GenerationRequest, SamplingParams } from '@switchyard/contracts';
import type { EngineAdapter, EngineCall, HealthVerdict } from '../engine-adapter';
import { statusReason } from '../shared/health-reason';
import { asArray, asString, isObject, tryParseJson } from '../shared/json-guards';
import { mapMindieStreamError, mindieErrorMessage, parseMindieError } from './mindie-error';
import {
  MINDIE_LOAD_SOURCES,
  parseMindieCounters,
  parseMindieLoad,
  readMindieInfo,
} from './mindie-load';
import {
  buildOpenAiCall,
  RESPONSE_FORMAT_FIELDS,
  type OpenAiBodyQuirks,
} from '../openai-compatible/openai-body.builder';
import type { SamplingFieldMap } from '../openai-compatible/openai-request.mapper';
import { createOpenAiStreamParser } from '../openai-compatible/openai-stream.parser';

/**
 * Huawei MindIE Server (MindIE-LLM), driven through its OpenAI routes with
 * `openAiSupport: "vllm"`. Reference: Ascend/MindIE-LLM src/server/endpoint/
 * single_req_infer_interface/single_req_vllm_openai{,_completions}_infer_interface.cpp and
 * http_wrapper/http_handler.cpp; hiascend.com MindIE Service API docs.
 *
 * Three listeners: inference on `port` (1025), health and `/info` on `managementPort` (1026,
 * default address 127.0.0.2), Prometheus on `metricsPort` (1027).
 */

const SAMPLING_FIELDS = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  // The vLLM-mode routes do not read min_p, typical_p or logit_bias (SetupInferParams); they go
  // under vLLM's names so a MindIE release that learns them honours them, and are ignored until then.
  minP: 'min_p',
  typicalP: 'typical_p',
  logitBias: 'logit_bias',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  // At most 2.0 on these routes; the engine rejects more with a 422 the client gets to see.
  repetitionPenalty: 'repetition_penalty',
  seed: 'seed',
  maxTokens: 'max_tokens',
} as const satisfies SamplingFieldMap;

const OPENAI_DEFAULT_TEMPERATURE = 1;

const OPENAI_BODY = {
  samplingFields: SAMPLING_FIELDS,
  adjustSampling: samplingForChoices,
  sendsN: true,
  forwardsExtra: true,
  // MindIE reports logprobs only for a positive number of alternatives (0 means none at all), so
  // "the chosen token alone" asks for one; the stream parser keeps only what the client asked for.
  zeroAlternatives: 'one',
  // MindIE reads tool_choice only to filter the tools that came with the request.
  namedToolChoice: 'function',
  // Only the chat route is sent a response format, `text` included.
  responseFormat: {
    chat: RESPONSE_FORMAT_FIELDS.verbatim,
    completion: RESPONSE_FORMAT_FIELDS.none,
  },
  // MindIE's OpenAI route documents no prefill or continue switch.
  continuation: null,
} as const satisfies OpenAiBodyQuirks;

export const mindieAdapter = {
  kind: 'mindie',
  streamFraming: 'sse',
  // MindIE 2.3 marks /health and the Triton /v2/health/* routes "scheduled for deprecation".
  // When /health goes, poll GET /info on the same plane: it answers from the same health flag
  // (503 with an empty body while not ready, 503 "stopped" after /stopService) and is what
  // GPUStack already polls, so interpretHealth reads it unchanged. /v2/health/ready would do
  // too, but shares the deprecation.
  health: { plane: 'management', path: '/health' },
  // Given only the business URL: one listener for everything (the three ports set equal), then
  // MindIE's defaults (business 1025, management 1026, metrics 1027), then GPUStack's way —
  // GET /info on the one port as the readiness signal.
  planeLayouts: [
    { name: 'one listener for every plane', portOffsets: { management: 0, metrics: 0 } },
    {
      name: 'MindIE default ports (management port+1, metrics port+2)',
      portOffsets: { management: 1, metrics: 2 },
    },
    {
      name: 'GET /info on the engine port as readiness (GPUStack)',
      portOffsets: { management: 0, metrics: 0 },
      health: { plane: 'management', path: '/info' },
    },
  ],
  models: { plane: 'inference', path: '/v1/models' },
  loadSources: MINDIE_LOAD_SOURCES,

  buildRequest(req: GenerationRequest): EngineCall {
    // MindIE ignores stream_options and puts usage on each finish chunk; it costs nothing to ask.
    return buildOpenAiCall(req, OPENAI_BODY);
  },

  createStreamParser(req: GenerationRequest) {
    return createOpenAiStreamParser({
      topLogprobs: req.sampling.logprobs?.top,
      mapError: mapMindieStreamError,
      // Each finish chunk carries the usage of its own choice only.
      usageScope: 'choice',
    });
  },

  parseError: parseMindieError,

  interpretHealth(status: number, body: string): HealthVerdict {
    if (status >= 200 && status < 300) return { ready: true };
    if (status === 503 && body.trim() === '') return { ready: false, reason: 'service not ready' };
    const parsed = tryParseJson(body);
    const detail = isObject(parsed) ? mindieErrorMessage(parsed) : undefined;
    if (status === 503 && detail !== undefined && /stopped/i.test(detail))
      return { ready: false, reason: 'service stopped' };
    return { ready: false, reason: statusReason(status, detail) };
  },

  parseModels(body: unknown): string[] {
    const ids = asArray(isObject(body) ? body.data : undefined).flatMap((m) => {
      const id = isObject(m) ? asString(m.id) : undefined;
      return id === undefined || id === '' ? [] : [id];
    });
    // A body in the shape of /info (a proxy, or the management plane) lists `models[].model_id`.
    return ids.length > 0 ? ids : (readMindieInfo(body)?.modelIds ?? []);
  },

  parseLoad: parseMindieLoad,
  parseCounters: parseMindieCounters,
  continuesChat: OPENAI_BODY.continuation !== null,
  fixedCapabilities: MINDIE_FIXED_CAPABILITIES,
  capabilityReader: mindieCapabilities,
} satisfies EngineAdapter;

/**
 * MindIE refuses n > 1 unless it samples, and without `temperature` it decodes greedily
 * (`SetReturnSeqCount`). A client that left the field out asked for its API's default, which
 * samples: OpenAI's is 1. An explicit 0 is sent as it is and refused by the engine.
 */
function samplingForChoices(sampling: SamplingParams): SamplingParams {
  return sampling.n !== 1 && sampling.temperature === undefined
    ? { ...sampling, temperature: OPENAI_DEFAULT_TEMPERATURE }
    : sampling;
}
