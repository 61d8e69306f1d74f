import type { ChatRequest, CompletionRequest, GenerationRequest } from '@switchyard/contracts';
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
  mapSampling,
  toOpenAiMessages,
  toOpenAiResponseFormat,
  toOpenAiToolChoice,
  toOpenAiTools,
  type SamplingFieldMap,
} from '../openai-compatible/openai-request.mapper';
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

export const mindieAdapter = {
  kind: 'mindie',
  streamFraming: 'sse',
  // MindIE 2.3 marks /health and the Triton /v2/health/* routes "scheduled for deprecation".
  // When /health goes, poll GET /info on the same plane: it answers from the same health flag
  // (503 with an empty body while not ready, 503 "stopped" after /stopService) and is what
  // GPUStack already polls, so interpretHealth reads it unchanged. /v2/health/ready would do
  // too, but shares the deprecation.
  health: { plane: 'management', path: '/health' },
  models: { plane: 'inference', path: '/v1/models' },
  loadSources: MINDIE_LOAD_SOURCES,

  buildRequest(req: GenerationRequest): EngineCall {
    const call = req.kind === 'chat' ? chatCall(req) : completionCall(req);
    // MindIE ignores stream_options and puts usage on each finish chunk; it costs nothing to ask.
    return {
      ...call,
      body: { ...call.body, ...req.extra, stream: true, stream_options: { include_usage: true } },
    };
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
} satisfies EngineAdapter;

type JsonBody = Record<string, unknown>;

function chatCall(req: ChatRequest): EngineCall & { body: JsonBody } {
  const body: JsonBody = { ...commonFields(req), messages: toOpenAiMessages(req.messages) };
  const tools = req.tools ?? [];
  // MindIE reads tool_choice only to filter the tools that came with the request.
  if (tools.length > 0) {
    body.tools = toOpenAiTools(tools);
    if (req.toolChoice !== undefined) body.tool_choice = toOpenAiToolChoice(req.toolChoice);
  }
  const logprobs = req.sampling.logprobs;
  if (logprobs !== undefined) {
    body.logprobs = true;
    body.top_logprobs = engineTopLogprobs(logprobs.top);
  }
  if (req.sampling.responseFormat !== undefined) {
    body.response_format = toOpenAiResponseFormat(req.sampling.responseFormat);
  }
  return { method: 'POST', path: '/v1/chat/completions', body };
}

function completionCall(req: CompletionRequest): EngineCall & { body: JsonBody } {
  const body: JsonBody = { ...commonFields(req), prompt: req.prompt };
  // Legacy completions take the number of alternatives (0..5) in `logprobs` itself.
  const logprobs = req.sampling.logprobs;
  if (logprobs !== undefined) body.logprobs = engineTopLogprobs(logprobs.top);
  return { method: 'POST', path: '/v1/completions', body };
}

function commonFields(req: GenerationRequest): JsonBody {
  const body: JsonBody = { model: req.model, ...mapSampling(req.sampling, SAMPLING_FIELDS) };
  if (req.sampling.stop.length > 0) body.stop = req.sampling.stop;
  if (req.sampling.n !== 1) {
    body.n = req.sampling.n;
    // MindIE refuses n > 1 unless it samples, and without `temperature` it decodes greedily
    // (`SetReturnSeqCount`). A client that left the field out asked for its API's default,
    // which samples: OpenAI's is 1. An explicit 0 is sent as it is and refused by the engine.
    body.temperature ??= OPENAI_DEFAULT_TEMPERATURE;
  }
  return body;
}

const OPENAI_DEFAULT_TEMPERATURE = 1;

/**
 * MindIE reports logprobs only for a positive number of alternatives (0 means none at all), so
 * "the chosen token alone" asks for one; the stream parser keeps only what the client asked for.
 */
function engineTopLogprobs(top: number): number {
  return Math.max(1, top);
}
