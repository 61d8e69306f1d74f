import {
  type ChatMessage,
  type ChatRequest,
  type CompletionRequest,
  type InferenceRequest,
  type ResponseFormat,
  type SamplingParams,
} from '@switchyard/contracts';
import type { ParseContext, ParsedRequest } from '../dialect';
import { functionTools, modalitiesOf, refuse, stopList } from '../canonical';
import { ENGINE_LIMIT_TOKENS } from '../limits';
import { opt } from '../opt';
import { validateBody } from '../validate';
import { decodeContext } from './ollama-context';
import { toChatMessages, withImages } from './ollama-messages';
import {
  ollamaChatSchema,
  ollamaGenerateSchema,
  type OllamaCommonBody,
  type OllamaGenerateBody,
} from './ollama.schema';
import { systemClock, type OllamaClock } from './ollama-wire';

/**
 * What the Ollama wire needs about a request that the canonical request does not carry.
 *
 * - `receivedNs`: when the body was parsed, so a non-streamed answer can report
 *   `total_duration` (`respond()` sees no timings).
 * - `load`: Ollama answers an empty prompt / empty `messages` / empty embedding `input` by
 *   loading the model (`done_reason:"load"`, or `"unload"` with `keep_alive: 0`; `/api/embed`
 *   answers `{"embeddings":[]}`) without generating. The dialect contract has no short answer,
 *   so such a request runs as a tiny probe (it still proves a node serves the model, or fails
 *   with the 404/503 a real load would) and the route renders the load answer instead of the
 *   probe's output.
 */
export interface OllamaFacts {
  receivedNs: bigint;
  load?: LoadAnswer;
  /**
   * `/api/generate` (not raw): the conversation up to this turn's prompt — the turns of the
   * `context` sent back, then the prompt — which the answer's `context` extends.
   */
  history?: ChatMessage[];
}

export type LoadAnswer = 'load' | 'unload';

/** An Ollama request with its facts. */
export type ParsedOllama<R extends InferenceRequest = InferenceRequest> = ParsedRequest<
  OllamaFacts,
  R
>;

/**
 * Ollama bodies → canonical requests. Accepted and ignored, because the engine owns them:
 * `template` (the node's engine applies the model's own chat template),
 * `keep_alive` (nodes keep their models loaded; only `0` on a load request is answered as
 * `unload`), `truncate` and `shift` (the engine's context policy applies).
 */

export function parseOllamaChat(
  body: unknown,
  ctx: ParseContext,
  clock: OllamaClock = systemClock,
): ParsedOllama {
  const receivedNs = clock.monoNs();
  const b = validateBody(ollamaChatSchema, body);
  const messages = toChatMessages(b.messages ?? []);
  if (messages.length === 0) return loadProbe(b, ctx, receivedNs);
  const request: ChatRequest = {
    ...chatRequest(b, ctx, messages),
    ...opt('tools', functionTools(b.tools)),
  };
  return { request, facts: { receivedNs } };
}

/**
 * `/api/generate` runs as a chat turn (`system` + the prompt as the user message, with its
 * images) so the engine applies the model's template, as Ollama does; with `raw: true` the
 * prompt is already templated and runs as a completion exactly as written.
 */
export function parseOllamaGenerate(
  body: unknown,
  ctx: ParseContext,
  clock: OllamaClock = systemClock,
): ParsedOllama {
  const receivedNs = clock.monoNs();
  const b = validateBody(ollamaGenerateSchema, body);
  if (b.suffix) refuse('suffix', "'suffix' (fill-in-the-middle) is not supported.");
  const prompt = b.prompt ?? '';
  const images = b.images ?? [];
  if (prompt === '' && images.length === 0) return loadProbe(b, ctx, receivedNs);
  if (b.raw) {
    // Ollama's own refusal (server/routes.go GenerateHandler), in its words.
    if (b.template || b.system || (b.context ?? []).length > 0) {
      refuse('raw', 'raw mode does not support template, system, or context');
    }
    if (images.length > 0) refuse('images', "'images' cannot be combined with 'raw'.");
    const request: CompletionRequest = {
      ...commonRequest(b, ctx),
      ...thinking(b),
      kind: 'completion',
      prompt,
      modalities: ['text'],
    };
    return { request, facts: { receivedNs } };
  }
  // `context` carries the earlier turns (ollama-context.ts): the request runs as that chat.
  const history = [...decodeContext(b.context), userTurn(b)];
  const messages: ChatMessage[] = b.system
    ? [{ role: 'system', content: b.system }, ...history]
    : history;
  return { request: chatRequest(b, ctx, messages), facts: { receivedNs, history } };
}

function userTurn(b: OllamaGenerateBody): ChatMessage {
  return { role: 'user', content: withImages(b.prompt ?? '', b.images ?? []) };
}

function chatRequest(b: OllamaCommonBody, ctx: ParseContext, messages: ChatMessage[]): ChatRequest {
  return {
    ...commonRequest(b, ctx),
    ...thinking(b),
    kind: 'chat',
    messages,
    modalities: modalitiesOf(messages),
  };
}

function commonRequest(b: OllamaCommonBody, ctx: ParseContext) {
  const stream = b.stream ?? true;
  return {
    id: ctx.requestId,
    model: b.model,
    sampling: sampling(b),
    stream,
    // Ollama always reports counts on the final object.
    includeUsage: stream,
    priority: 0,
  };
}

/** `think` has no canonical field; Ollama-native engines take it as is, others ignore it. */
function thinking(b: OllamaCommonBody) {
  return b.think != null ? { extra: { think: b.think } } : {};
}

function loadProbe(b: OllamaCommonBody, ctx: ParseContext, receivedNs: bigint): ParsedOllama {
  const load: LoadAnswer = isUnload(b.keep_alive) ? 'unload' : 'load';
  const request: ChatRequest = {
    ...commonRequest(b, ctx),
    kind: 'chat',
    messages: [{ role: 'user', content: '' }],
    modalities: ['text'],
    sampling: { stop: [], n: 1, maxTokens: 1 },
  };
  return { request, facts: { receivedNs, load } };
}

/** `keep_alive` of 0 (a number, or a zero Go duration such as "0", "0s", "0m") unloads. */
function isUnload(keepAlive: number | string | null | undefined): boolean {
  if (typeof keepAlive === 'number') return keepAlive === 0;
  return typeof keepAlive === 'string' && /^0+(\.0*)?([a-zµ]+)?$/i.test(keepAlive.trim());
}

function sampling(b: OllamaCommonBody): SamplingParams {
  const o = b.options ?? {};
  const wantsLogprobs = b.logprobs === true || (b.top_logprobs ?? 0) > 0;
  return {
    stop: stopList(o.stop),
    n: 1,
    // Ollama's -1 (unlimited) and -2 (fill the context) both become the engine's limit (the
    // model's context, else the gateway's ceiling; see limits.ts), never an unbounded run.
    ...opt('maxTokens', numPredict(o.num_predict)),
    ...opt('temperature', o.temperature),
    ...opt('topP', o.top_p),
    ...opt('topK', o.top_k),
    ...opt('minP', o.min_p),
    ...opt('typicalP', o.typical_p),
    ...opt('repetitionPenalty', o.repeat_penalty),
    ...opt('presencePenalty', o.presence_penalty),
    ...opt('frequencyPenalty', o.frequency_penalty),
    // Ollama's seed -1 means "random", which is what no seed means to every engine.
    ...opt('seed', o.seed !== undefined && o.seed >= 0 ? o.seed : undefined),
    ...(wantsLogprobs ? { logprobs: { top: b.top_logprobs ?? 0 } } : {}),
    ...opt('responseFormat', toResponseFormat(b.format)),
  };
}

/** Ollama's runner stops at `num_predict` only when it is not negative: any negative is -1. */
function numPredict(n: number | undefined): number | undefined {
  if (n === undefined || n === 0) return undefined;
  return n < 0 ? ENGINE_LIMIT_TOKENS : n;
}

function toResponseFormat(format: OllamaCommonBody['format']): ResponseFormat | undefined {
  if (format == null || format === '') return undefined;
  if (format === 'json') return { type: 'json_object' };
  return { type: 'json_schema', schema: format };
}
