import type { EmbeddingRequest, SwitchyardError } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { ParseContext, ResponseMeta, StreamEncoder } from '../dialect';
import { opt } from '../opt';
import { validateBody } from '../validate';
import { ollamaErrorBody } from './ollama.errors';
import type { OllamaFacts, ParsedOllama } from './ollama-parse';
import { ollamaEmbeddingsSchema, ollamaEmbedSchema } from './ollama.schema';
import { nonZero, systemClock, type OllamaClock } from './ollama-wire';

/**
 * Ollama's embedding routes (server/routes.go `EmbedHandler`, `EmbeddingsHandler`; api/types.go
 * `EmbedRequest`/`EmbedResponse`, `EmbeddingRequest`/`EmbeddingResponse`) as canonical
 * `embedding` requests. Never streamed. An empty `input` (or `prompt`) loads the model and
 * answers no vectors, as Ollama does; here that is a one-input probe whose vector is dropped.
 */

/** What a load probe embeds; its vector is never shown. */
const PROBE_INPUT = ['load'];

export function parseOllamaEmbed(
  body: unknown,
  ctx: ParseContext,
  clock: OllamaClock = systemClock,
): ParsedOllama<EmbeddingRequest> {
  const receivedNs = clock.monoNs();
  const b = validateBody(ollamaEmbedSchema, body);
  // A string is one input (an empty one none); a list is embedded as given, in order.
  const input = typeof b.input === 'string' ? [b.input].filter((s) => s !== '') : (b.input ?? []);
  if (input.length === 0) return loadProbe(b.model, ctx, receivedNs);
  // Ollama ignores a `dimensions` that is not positive or not shorter than the vector.
  const dimensions = b.dimensions != null && b.dimensions > 0 ? b.dimensions : undefined;
  const request = { ...embeddingRequest(b.model, ctx, input), ...opt('dimensions', dimensions) };
  return { request, facts: { receivedNs } };
}

export function parseOllamaEmbeddings(
  body: unknown,
  ctx: ParseContext,
  clock: OllamaClock = systemClock,
): ParsedOllama<EmbeddingRequest> {
  const receivedNs = clock.monoNs();
  const b = validateBody(ollamaEmbeddingsSchema, body);
  const prompt = b.prompt ?? '';
  if (prompt === '') return loadProbe(b.model, ctx, receivedNs);
  return { request: embeddingRequest(b.model, ctx, [prompt]), facts: { receivedNs } };
}

function loadProbe(
  model: string,
  ctx: ParseContext,
  receivedNs: bigint,
): ParsedOllama<EmbeddingRequest> {
  return {
    request: embeddingRequest(model, ctx, PROBE_INPUT),
    facts: { receivedNs, load: 'load' },
  };
}

function embeddingRequest(model: string, ctx: ParseContext, input: string[]): EmbeddingRequest {
  return {
    id: ctx.requestId,
    kind: 'embedding',
    model,
    input,
    sampling: { stop: [], n: 1 },
    stream: false,
    includeUsage: false,
    priority: 0,
    modalities: ['text'],
  };
}

/**
 * `{model, embeddings, total_duration, load_duration, prompt_eval_count}`. Ollama L2-normalises
 * every vector it returns (again after cutting it to `dimensions`), so this does too. The
 * duration and count fields are `omitempty`; `load_duration` is always zero here (nodes keep
 * their models loaded) and so never appears.
 */
export function ollamaEmbedResponse(
  result: CollectedResult,
  meta: ResponseMeta,
  facts: OllamaFacts,
  clock: OllamaClock = systemClock,
) {
  if (facts.load) return { model: meta.model, embeddings: [] };
  const totalNs = clock.monoNs() - facts.receivedNs;
  return {
    model: meta.model,
    embeddings: result.embeddings.map(unitVector),
    ...nonZero('total_duration', totalNs),
    ...nonZero('prompt_eval_count', result.usage?.promptTokens),
  };
}

/** `{embedding}`: the legacy route returns the engine's vector as it is, not normalised. */
export function ollamaEmbeddingsResponse(result: CollectedResult, facts: OllamaFacts) {
  if (facts.load) return { embedding: [] };
  return { embedding: result.embeddings[0] ?? [] };
}

/** server/routes.go `normalize`: divides by the L2 norm (at least 1e-12). */
function unitVector(vector: readonly number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  return vector.map((v) => v / norm);
}

/** Embedding routes never stream; a failure after the answer started is one error line. */
export function embedStreamEncoder(): StreamEncoder {
  return {
    event: () => '',
    error: (err: SwitchyardError) => `${JSON.stringify(ollamaErrorBody(err))}\n`,
    end: () => '',
  };
}
