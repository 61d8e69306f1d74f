import type {
  ChatRequest,
  CompletionRequest,
  ResponseFormat,
  SamplingParams,
} from '@switchyard/contracts';
import type { EngineCall } from '../engine-adapter';
import {
  buildOpenAiCall,
  RESPONSE_FORMAT_FIELDS,
  type OpenAiBodyQuirks,
} from '../openai-compatible/openai-body.builder';
import { mapSampling, type SamplingFieldMap } from '../openai-compatible/openai-request.mapper';

/**
 * Request bodies for TGI. Chat goes to the OpenAI route (TGI applies the model's chat template
 * and tool grammar there); completion goes to the native `/generate_stream`, the only route with
 * every sampling knob and with `details` (finish reason and token counts) in the stream.
 * Reference: huggingface/text-generation-inference router/src/lib.rs `ChatRequest`,
 * `GenerateParameters`, router/src/validation.rs.
 */

// lib.rs ChatRequest::try_into_generate reads only these.
const CHAT_FIELDS = {
  // TGI itself maps 0 to greedy on this route, so 0 is sent as it is.
  temperature: 'temperature',
  topP: 'top_p',
  topK: null,
  minP: null,
  typicalP: null,
  frequencyPenalty: 'frequency_penalty',
  // TGI sends presence_penalty p on as repetition_penalty p + 2, so even a 0 would crush the output.
  presencePenalty: null,
  repetitionPenalty: null,
  seed: 'seed',
  maxTokens: 'max_tokens',
  // Read as a list of floats, and unused.
  logitBias: null,
} as const satisfies SamplingFieldMap;

const GENERATE_FIELDS = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  minP: null,
  typicalP: 'typical_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: null,
  repetitionPenalty: 'repetition_penalty',
  seed: 'seed',
  maxTokens: 'max_new_tokens',
  logitBias: null,
} as const satisfies SamplingFieldMap;

type NumericKnob = 'temperature' | 'topP' | 'topK' | 'typicalP' | 'seed';

/**
 * Values that mean "off". validation.rs rejects them (`top_p` must be < 1, `top_k` > 0, the
 * seed is a u64) although OpenAI clients send `top_p: 1` routinely, so they are left out,
 * which is what they mean anyway.
 */
const NEUTRAL_VALUES: Readonly<Partial<Record<NumericKnob, (value: number) => boolean>>> = {
  topP: (v) => v >= 1,
  topK: (v) => v <= 0,
  typicalP: (v) => v >= 1,
  seed: (v) => v < 0,
};

/** Knobs that switch TGI's sampler on (its `has_warpers`); penalties apply to greedy decoding too. */
const SAMPLING_KNOBS: readonly NumericKnob[] = ['temperature', 'topP', 'topK', 'typicalP'];

type JsonBody = Record<string, unknown>;

const CHAT_BODY = {
  samplingFields: CHAT_FIELDS,
  adjustSampling: (sampling) => effectiveSampling(sampling, 'chat'),
  // Any other value is taken as a LoRA adapter id; TGI serves one model, the one /info names.
  model: 'tgi',
  // Not among the fields try_into_generate reads.
  sendsN: false,
  forwardsExtra: true,
  zeroAlternatives: 'unsaid',
  namedToolChoice: 'function',
  // Completion goes to the native route (tgiGenerateCall), never through this row.
  responseFormat: { chat: grammarResponseFormat, completion: RESPONSE_FORMAT_FIELDS.none },
  // TGI's chat template always opens a new assistant turn.
  continuation: null,
} as const satisfies OpenAiBodyQuirks;

export function tgiChatCall(req: ChatRequest): EngineCall {
  return buildOpenAiCall(req, CHAT_BODY);
}

export function tgiGenerateCall(req: CompletionRequest): EngineCall {
  const sampling = effectiveSampling(req.sampling, 'generate');
  const parameters: JsonBody = {
    ...mapSampling(sampling, GENERATE_FIELDS),
    // With a `parameters` object TGI defaults to greedy; sampling must be asked for.
    do_sample: SAMPLING_KNOBS.some((knob) => sampling[knob] !== undefined),
  };
  if (req.sampling.stop.length > 0) parameters.stop = req.sampling.stop;
  const top = req.sampling.logprobs?.top ?? 0;
  if (top > 0) parameters.top_n_tokens = top;
  const grammar = toTgiGrammar(req.sampling.responseFormat);
  if (grammar !== undefined) parameters.grammar = grammar;
  return {
    method: 'POST',
    path: '/generate_stream',
    // `details` carries the finish reason and the token counts; the parser needs it.
    body: { inputs: req.prompt, parameters: { ...parameters, ...req.extra, details: true } },
  };
}

/**
 * The knobs worth sending. Temperature 0 means greedy: TGI rejects 0 on the native route, so it
 * is dropped there (do_sample stays off), and top-p/k/typical are dropped on both routes because
 * any of them turns TGI's sampler back on.
 */
function effectiveSampling(sampling: SamplingParams, route: 'chat' | 'generate'): SamplingParams {
  const kept: SamplingParams = { ...sampling };
  for (const [knob, isNeutral] of Object.entries(NEUTRAL_VALUES) as [
    NumericKnob,
    (value: number) => boolean,
  ][]) {
    const value = kept[knob];
    if (value !== undefined && isNeutral(value)) delete kept[knob];
  }
  if (kept.temperature === 0) {
    if (route === 'generate') delete kept.temperature;
    delete kept.topP;
    delete kept.topK;
    delete kept.typicalP;
  }
  return kept;
}

function grammarResponseFormat(format: ResponseFormat): JsonBody {
  const grammar = toTgiGrammar(format);
  return grammar === undefined ? {} : { response_format: grammar };
}

/**
 * TGI's grammar (`{type, value}`, lib.rs `GrammarType`), used by both `response_format` on the
 * chat route and `parameters.grammar`: `json` takes a JSON Schema and exists in every release
 * since 1.4.3, unlike the later `json_object` alias and `json_schema` variant.
 */
function toTgiGrammar(
  format: ResponseFormat | undefined,
): { type: 'json'; value: Record<string, unknown> } | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  const anyObject = { type: 'object' };
  return {
    type: 'json',
    value: format.type === 'json_schema' ? (format.schema ?? anyObject) : anyObject,
  };
}
