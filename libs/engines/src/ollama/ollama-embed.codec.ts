import type { EmbeddingCodec } from '../engine-adapter';
import { asArray, asNumber, isObject } from '../shared/json-guards';

/**
 * Ollama's `POST /api/embed`: `{model, input: string[]}` → `{embeddings: number[][],
 * prompt_eval_count}`. Reference: ollama/ollama docs/api.md "Generate Embeddings".
 */
export const ollamaEmbeddingCodec: EmbeddingCodec = {
  build(model, input) {
    return { method: 'POST', path: '/api/embed', body: { model, input: [...input] } };
  },

  /** Vectors that are not all numbers are dropped, so a count check against the input catches them. */
  parse(body) {
    const record = isObject(body) ? body : {};
    const vectors = asArray(record.embeddings).flatMap((v) => {
      const values = asArray(v);
      return values.length > 0 && values.every((x) => asNumber(x) !== undefined)
        ? [values as number[]]
        : [];
    });
    return { vectors, promptTokens: asNumber(record.prompt_eval_count) ?? null };
  },
};
