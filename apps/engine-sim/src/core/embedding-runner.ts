import type { JsonObject } from './json-writer';
import type { SimContext } from './personality';
import { exceedContextError, SimError } from './sim-errors';
import { embedText } from './text-embedder';

/**
 * Engine-neutral embeddings: each input holds a slot for its prefill only, then yields a
 * deterministic unit vector of `embeddingDim` components. Injected failures and
 * `overloadWhenFull` apply as they do to generation.
 */

export interface EmbeddingInput {
  /** What the vector is derived from. */
  readonly text: string;
  /** The tokens the engine evaluates (with BOS where the engine adds it). */
  readonly tokens: readonly number[];
}

export interface EmbeddingJob {
  readonly inputs: readonly EmbeddingInput[];
  readonly slotParams: JsonObject;
  readonly signal: AbortSignal;
}

export interface EmbeddingResult {
  /** Position of the input in the request. */
  readonly index: number;
  readonly embedding: readonly number[];
  readonly promptTokens: number;
}

export type EmbeddingOutcome =
  | { readonly status: 'done'; readonly results: EmbeddingResult[] }
  | { readonly status: 'cancelled' };

/** Runs every input concurrently; results come back in input order. */
export async function runEmbeddings(ctx: SimContext, job: EmbeddingJob): Promise<EmbeddingOutcome> {
  const ctxSize = Math.min(ctx.settings.ctxSize, ctx.pool.kvCacheTokens);
  for (const { tokens } of job.inputs) {
    if (tokens.length > ctxSize) throw exceedContextError(tokens.length, ctxSize);
  }
  const failure = ctx.faults.nextFailure();
  if (failure) throw failure;
  const sizes = job.inputs.map((input) => input.tokens.length);
  if (ctx.faults.current.overloadWhenFull && !ctx.pool.canStartNow(sizes)) {
    throw new SimError('overloaded', 'engine-sim: every slot is busy');
  }

  const outcomes = await Promise.all(
    job.inputs.map((input) =>
      ctx.pool.run({
        prompt: input.tokens,
        output: [],
        nPredict: 0,
        cachePrompt: false,
        params: job.slotParams,
        signal: job.signal,
        onToken: () => ({ stop: true, newLine: false }),
      }),
    ),
  );
  const results: EmbeddingResult[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'cancelled') return { status: 'cancelled' };
    if (outcome.status === 'failed') throw outcome.error;
    const input = job.inputs[index];
    if (!input) continue;
    const embedding = embedText(ctx.settings.model, input.text, ctx.settings.embeddingDim);
    results.push({ index, embedding, promptTokens: input.tokens.length });
  }
  return { status: 'done', results };
}
