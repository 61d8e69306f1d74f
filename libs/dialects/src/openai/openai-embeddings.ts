import type { EmbeddingRequest } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { ParseContext, ResponseMeta } from '../dialect';
import { refuse } from '../canonical';
import { opt } from '../opt';
import { validateBody } from '../validate';
import { embeddingRequestSchema } from './openai.schema';

/**
 * `POST /v1/embeddings` (openai-openapi `CreateEmbeddingRequest` / `CreateEmbeddingResponse`,
 * protocols §1.8). Never streamed. The official SDKs ask for `base64` unless told otherwise
 * and decode it as little-endian float32, so both encodings must be exact.
 */

export function parseEmbeddings(body: unknown, ctx: ParseContext): EmbeddingRequest {
  const b = validateBody(embeddingRequestSchema, body);
  const input = typeof b.input === 'string' ? [b.input] : b.input;
  if (!input.every((item): item is string => typeof item === 'string')) {
    refuse(
      'input',
      "Token-id inputs are not supported: send the text to embed as a string or an array of strings in 'input'.",
    );
  }
  return {
    id: ctx.requestId,
    kind: 'embedding',
    model: b.model,
    input,
    ...opt('dimensions', b.dimensions),
    encodingFormat: b.encoding_format ?? 'float',
    // Sampling does not apply; one "choice" carries the vectors.
    sampling: { stop: [], n: 1 },
    stream: false,
    includeUsage: false,
    priority: 0,
    modalities: ['text'],
    ...opt('sessionKey', b.user),
  };
}

export function embeddingsResponse(
  req: EmbeddingRequest,
  result: CollectedResult,
  meta: ResponseMeta,
) {
  const encode = req.encodingFormat === 'base64' ? float32Base64 : (v: number[]) => v;
  const promptTokens = result.usage?.promptTokens ?? 0;
  return {
    object: 'list',
    data: result.embeddings.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: encode(vector),
    })),
    model: meta.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** The vector as float32 little-endian bytes in base64, whatever the host's byte order. */
export function float32Base64(vector: readonly number[]): string {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((value, i) => view.setFloat32(i * 4, value, true));
  return Buffer.from(view.buffer).toString('base64');
}
