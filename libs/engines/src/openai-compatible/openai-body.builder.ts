import type {
  ChatRequest,
  CompletionRequest,
  GenerationRequest,
  ResponseFormat,
  SamplingParams,
} from '@switchyard/contracts';
import type { EngineCall } from '../engine-adapter';
import {
  mapSampling,
  toOpenAiMessages,
  toOpenAiResponseFormat,
  toOpenAiToolChoice,
  toOpenAiTools,
  type SamplingFieldMap,
} from './openai-request.mapper';

/**
 * The one builder of OpenAI chat and text-completion bodies. Every engine driven through
 * OpenAI-compatible routes (llama.cpp, vLLM, MindIE, TGI's chat route, any OpenAI server) states
 * how it departs from the spec as an {@link OpenAiBodyQuirks} row beside its adapter.
 */

type JsonBody = Record<string, unknown>;

/** The body fields a response format becomes on one route; `{}` sends nothing. */
export type ResponseFormatFields = (format: ResponseFormat) => JsonBody;

/**
 * How one engine's OpenAI-compatible request body departs from the OpenAI spec. Only the two
 * overrides (`adjustSampling`, `model`) may be left out; every other quirk has no default, so a
 * new quirk is a compile error until each engine has decided it.
 */
export interface OpenAiBodyQuirks {
  /** The engine's name for each scalar sampling field; `null` leaves the field out. */
  readonly samplingFields: SamplingFieldMap;
  /**
   * The sampling the engine is sent, when it must differ from the client's (values the engine
   * rejects, defaults it lacks). Must keep `stop`, `n`, `logprobs` and `responseFormat`.
   */
  readonly adjustSampling?: (sampling: SamplingParams) => SamplingParams;
  /** A fixed `model` value, for a server that reads the field as something else; default the request's model. */
  readonly model?: string;
  /** Whether `n` is sent (only ever when it is not 1). */
  readonly sendsN: boolean;
  /** Whether `req.extra` is forwarded verbatim; a strict server rejects unknown fields. */
  readonly forwardsExtra: boolean;
  /**
   * How "logprobs of the chosen token only" (0 alternatives) is asked for: as `0` (the spec),
   * as `1` (engines that return no logprobs at all for 0; the stream parser trims the extra
   * alternative), or by leaving `top_logprobs` out (chat route only).
   */
  readonly zeroAlternatives: 'zero' | 'one' | 'unsaid';
  /** A `tool_choice` naming one function: sent as the spec has it, or as `required` over that tool alone. */
  readonly namedToolChoice: 'function' | 'required-over-that-tool';
  /** The fields a response format becomes, per route. */
  readonly responseFormat: {
    readonly chat: ResponseFormatFields;
    readonly completion: ResponseFormatFields;
  };
  /**
   * The fields that make the chat route continue a trailing assistant message rather than
   * answer after it (`{}` when the trailing message alone does); null when it cannot.
   */
  readonly continuation: JsonBody | null;
}

/** The ways of sending a response format that more than one engine uses. */
export const RESPONSE_FORMAT_FIELDS = {
  /** `text` is every server's default and not a field some completion routes know, so it is not sent. */
  openai: (format) =>
    format.type === 'text' ? {} : { response_format: toOpenAiResponseFormat(format) },
  /** As the client gave it, `text` included. */
  verbatim: (format) => ({ response_format: toOpenAiResponseFormat(format) }),
  /** Not sent: the route ignores it. */
  none: () => ({}),
} as const satisfies Record<string, ResponseFormatFields>;

/** The worker always streams (the gateway aggregates for clients that did not ask to) and wants usage. */
const OPENAI_STREAMING = { stream: true, stream_options: { include_usage: true } } as const;

/**
 * The streaming chat or text-completion call for a request. Forwarded extras are merged before
 * the stream flags, so they can add fields but never turn streaming or usage off.
 */
export function buildOpenAiCall(req: GenerationRequest, quirks: OpenAiBodyQuirks): EngineCall {
  const call =
    req.kind === 'chat'
      ? { path: '/v1/chat/completions', body: chatBody(req, quirks) }
      : { path: '/v1/completions', body: completionBody(req, quirks) };
  const extra = quirks.forwardsExtra ? req.extra : undefined;
  return { method: 'POST', path: call.path, body: { ...call.body, ...extra, ...OPENAI_STREAMING } };
}

function chatBody(req: ChatRequest, quirks: OpenAiBodyQuirks): JsonBody {
  const body: JsonBody = {
    ...commonFields(req, quirks),
    messages: toOpenAiMessages(req.messages),
    ...toolFields(req, quirks),
    ...(req.continueFinalMessage === true ? quirks.continuation : undefined),
  };
  const logprobs = req.sampling.logprobs;
  if (logprobs !== undefined) {
    body.logprobs = true;
    const top = alternatives(logprobs.top, quirks);
    if (top !== undefined) body.top_logprobs = top;
  }
  return withResponseFormat(body, req.sampling.responseFormat, quirks.responseFormat.chat);
}

function completionBody(req: CompletionRequest, quirks: OpenAiBodyQuirks): JsonBody {
  const body: JsonBody = { ...commonFields(req, quirks), prompt: req.prompt };
  // Text completions take the number of alternatives itself (0 = just the chosen token).
  const logprobs = req.sampling.logprobs;
  const top = logprobs === undefined ? undefined : alternatives(logprobs.top, quirks);
  if (top !== undefined) body.logprobs = top;
  return withResponseFormat(body, req.sampling.responseFormat, quirks.responseFormat.completion);
}

function commonFields(req: GenerationRequest, quirks: OpenAiBodyQuirks): JsonBody {
  const sampling = quirks.adjustSampling?.(req.sampling) ?? req.sampling;
  const body: JsonBody = {
    model: quirks.model ?? req.model,
    ...mapSampling(sampling, quirks.samplingFields),
  };
  if (sampling.stop.length > 0) body.stop = sampling.stop;
  if (quirks.sendsN && sampling.n !== 1) body.n = sampling.n;
  return body;
}

/** OpenAI-compatible servers reject `tool_choice` without tools, so both go only with tools. */
function toolFields(req: ChatRequest, quirks: OpenAiBodyQuirks): JsonBody {
  const tools = req.tools ?? [];
  const choice = req.toolChoice;
  if (tools.length === 0) return {};
  if (choice === undefined) return { tools: toOpenAiTools(tools) };
  if (typeof choice === 'string' || quirks.namedToolChoice === 'function') {
    return { tools: toOpenAiTools(tools), tool_choice: toOpenAiToolChoice(choice) };
  }
  return {
    tools: toOpenAiTools(tools.filter((t) => t.name === choice.name)),
    tool_choice: 'required',
  };
}

function alternatives(top: number, quirks: OpenAiBodyQuirks): number | undefined {
  if (top > 0 || quirks.zeroAlternatives === 'zero') return top;
  return quirks.zeroAlternatives === 'one' ? 1 : undefined;
}

function withResponseFormat(
  body: JsonBody,
  format: ResponseFormat | undefined,
  fields: ResponseFormatFields,
): JsonBody {
  return format === undefined ? body : { ...body, ...fields(format) };
}
