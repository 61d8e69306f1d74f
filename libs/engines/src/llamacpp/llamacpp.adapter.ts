import {
  messageText,
  type ErrorCode,
  type GenerationRequest,
  type ResponseFormat,
} from '@switchyard/contracts';
import type { EngineAdapter, EngineCall, HealthVerdict } from '../engine-adapter';
import { codeForEngineStatus } from '../shared/engine-error';
import { withoutPrefillEcho } from '../shared/prefill-echo';
import { asArray, asNumber, asString, isObject, tryParseJson } from '../shared/json-guards';
import { parseLlamacppCounters, parseLlamacppLoad } from './llamacpp-load';
import { LLAMACPP_PROBES, llamacppCapabilities, llamacppRefusal } from './llamacpp-capabilities';
import {
  buildOpenAiCall,
  RESPONSE_FORMAT_FIELDS,
  type OpenAiBodyQuirks,
} from '../openai-compatible/openai-body.builder';
import type { SamplingFieldMap } from '../openai-compatible/openai-request.mapper';
import { openAiEmbeddings } from '../openai-compatible/openai-embeddings.codec';
import { createOpenAiStreamParser } from '../openai-compatible/openai-stream.parser';

/**
 * llama.cpp `llama-server`, driven through its OpenAI-compatible routes.
 * Reference: ggml-org/llama.cpp tools/server/README.md and server-common.cpp.
 */

const SAMPLING_FIELDS = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  minP: 'min_p',
  typicalP: 'typical_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  repetitionPenalty: 'repeat_penalty',
  seed: 'seed',
  maxTokens: 'max_tokens',
  logitBias: 'logit_bias',
} as const satisfies SamplingFieldMap;

const OPENAI_BODY = {
  samplingFields: SAMPLING_FIELDS,
  sendsN: true,
  forwardsExtra: true,
  // llama.cpp returns no logprobs at all for 0 alternatives, so ask for one; the parser trims.
  zeroAlternatives: 'one',
  // It reads `tool_choice` only as a string, so a named function becomes `required` over a tool
  // list narrowed to that function.
  namedToolChoice: 'required-over-that-tool',
  // /v1/completions ignores `response_format`; the native `json_schema` field constrains the same way.
  responseFormat: { chat: RESPONSE_FORMAT_FIELDS.verbatim, completion: nativeJsonSchema },
  // A trailing assistant message is prefilled (and echoed back: the parser drops the echo).
  continuation: {},
} as const satisfies OpenAiBodyQuirks;

// server-common.cpp format_error_response: the status each error `type` is sent with.
const ERROR_TYPE_STATUS: Readonly<Record<string, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  exceed_context_size_error: 400,
  server_error: 500,
  not_supported_error: 501,
  unavailable_error: 503,
};

const MAX_REASON_LENGTH = 120;

export const llamacppAdapter = {
  kind: 'llamacpp',
  streamFraming: 'sse',
  health: { plane: 'inference', path: '/health' },
  models: { plane: 'inference', path: '/v1/models' },
  loadSources: {
    metrics: { plane: 'inference', path: '/metrics' },
    slots: { plane: 'inference', path: '/slots' },
  },

  buildRequest(req: GenerationRequest): EngineCall {
    return buildOpenAiCall(req, OPENAI_BODY);
  },

  createStreamParser(req: GenerationRequest) {
    const parser = createOpenAiStreamParser({
      topLogprobs: req.sampling.logprobs?.top,
      mapError: mapStreamError,
      // Each of `n` choices is its own task and ends with its own `choices: []` usage chunk.
      usageScope: 'record',
    });
    // A prefilled assistant message comes back at the head of the stream: drop it.
    return req.kind === 'chat' && req.continueFinalMessage === true
      ? withoutPrefillEcho(parser, messageText(req.messages.at(-1)!))
      : parser;
  },

  parseError(status: number, body: string): { code: ErrorCode; message: string } {
    return {
      code: codeForEngineStatus(status),
      message: errorMessage(body) ?? `engine answered HTTP ${status}`,
    };
  },

  interpretHealth(status: number, body: string): HealthVerdict {
    if (status >= 200 && status < 300) return { ready: true };
    if (status === 503 && /loading model/i.test(body))
      return { ready: false, reason: 'loading model' };
    const detail = errorMessage(body);
    return {
      ready: false,
      reason: detail === undefined ? `HTTP ${status}` : `HTTP ${status}: ${shorten(detail)}`,
    };
  },

  parseModels(body: unknown): string[] {
    // The body also carries an Ollama-style `models` list; `data` is the OpenAI one.
    return asArray(isObject(body) ? body.data : undefined).flatMap((m) => {
      const id = isObject(m) ? asString(m.id) : undefined;
      return id === undefined ? [] : [id];
    });
  },

  parseLoad: parseLlamacppLoad,
  parseCounters: parseLlamacppCounters,
  // `/v1/embeddings` (llama-server started with `--embeddings`; otherwise it answers 501).
  embeddings: openAiEmbeddings,
  continuesChat: OPENAI_BODY.continuation !== null,
  capabilityReader: llamacppCapabilities,
  capabilityProbes: LLAMACPP_PROBES,
  refusedCapability: llamacppRefusal,
} satisfies EngineAdapter;

function nativeJsonSchema(format: ResponseFormat): Record<string, unknown> {
  if (format.type === 'text') return {};
  return { json_schema: format.type === 'json_schema' ? (format.schema ?? {}) : {} };
}

function mapStreamError(error: unknown): { code: ErrorCode; message: string } {
  const status = isObject(error)
    ? (asNumber(error.code) ?? ERROR_TYPE_STATUS[asString(error.type) ?? ''] ?? 500)
    : 500;
  return {
    code: codeForEngineStatus(status),
    message: describeError(error) ?? 'engine reported an error',
  };
}

/** The engine's own message from `{"error": …}`, which is what the client needs to fix its request. */
function errorMessage(body: string): string | undefined {
  const parsed = tryParseJson(body);
  return isObject(parsed) ? describeError(parsed.error) : undefined;
}

function describeError(error: unknown): string | undefined {
  if (typeof error === 'string') return error === '' ? undefined : error;
  if (!isObject(error)) return undefined;
  const message = asString(error.message);
  if (message === undefined || message === '') return undefined;
  const promptTokens = asNumber(error.n_prompt_tokens);
  const contextTokens = asNumber(error.n_ctx);
  return promptTokens === undefined || contextTokens === undefined
    ? message
    : `${message} (prompt: ${promptTokens} tokens, context: ${contextTokens} tokens)`;
}

function shorten(text: string): string {
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}
