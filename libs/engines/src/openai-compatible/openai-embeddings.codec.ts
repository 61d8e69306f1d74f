import { SwitchyardError } from '@switchyard/contracts';
import type { EmbeddingCodec, EngineCall } from '../engine-adapter';
import { asArray, asNumber, isObject } from '../shared/json-guards';

/**
 * `POST /v1/embeddings` of OpenAI-compatible servers (OAI-SPEC `CreateEmbeddingRequest` /
 * `CreateEmbeddingResponse`): `{object:"list", data:[{index, embedding}], usage:{prompt_tokens}}`.
 */
export const openAiEmbeddings: EmbeddingCodec = {
  build(model: string, input: readonly string[]): EngineCall {
    // Float is the default, but the official SDKs ask for base64; say it so no server guesses.
    return {
      method: 'POST',
      path: '/v1/embeddings',
      body: { model, input: [...input], encoding_format: 'float' },
    };
  },

  /** Throws SY_ENGINE_ERROR when the body is not an embedding list. */
  parse(body: unknown): { vectors: number[][]; promptTokens: number | null } {
    if (!isObject(body) || !Array.isArray(body.data)) throw unreadable();
    const items = asArray(body.data).map((item, position) => {
      if (!isObject(item)) throw unreadable();
      const vector = toVector(item.embedding);
      if (vector === undefined) throw unreadable();
      return { index: asNumber(item.index) ?? position, vector };
    });
    // The spec does not promise `data` in input order; `index` says which input each answers.
    items.sort((a, b) => a.index - b.index);
    const usage = isObject(body.usage) ? asNumber(body.usage.prompt_tokens) : undefined;
    return { vectors: items.map((i) => i.vector), promptTokens: usage ?? null };
  },
};

function toVector(raw: unknown): number[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const values = raw as unknown[];
  return values.every((v) => asNumber(v) !== undefined) ? (values as number[]) : undefined;
}

function unreadable(): SwitchyardError {
  return new SwitchyardError('SY_ENGINE_ERROR', 'engine sent an unreadable embeddings response');
}
