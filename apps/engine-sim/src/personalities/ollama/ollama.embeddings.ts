import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { watchDisconnect } from '../../core/client-connection';
import { runEmbeddings, type EmbeddingInput } from '../../core/embedding-runner';
import { shortestFloat32 } from '../../core/float32';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import type { Body } from '../../core/request-fields';
import { toSimError } from '../../core/sim-errors';
import { tokenize } from '../../core/tokenizer';
import { badRequest, modelNotFound } from './ollama.errors';
import { sendError, sendJson } from './ollama.http';
import type { Residency } from './ollama.info';
import { keepAlive, parseJsonBody, readField } from './ollama.request';
import { nanoseconds, omitZero, sameModel } from './ollama.wire';

/**
 * `POST /api/embed` (`{model, input}` → `{model, embeddings, total_duration, load_duration,
 * prompt_eval_count}`, float32 vectors) and the legacy `POST /api/embeddings` (`{model,
 * prompt}` → `{embedding}`, the same vector widened to float64), per `server/routes.go`.
 */

export type EmbeddingRoute = 'embed' | 'embeddings';

interface EmbeddingRequest {
  readonly model: string;
  readonly texts: readonly string[];
  readonly truncate: boolean;
  readonly dimensions: number | undefined;
  readonly keepAliveMs: number | undefined;
}

const READERS = {
  embed: (body) => ({ struct: 'EmbedRequest', texts: embedInputs(body.input) }),
  embeddings: (body) => {
    const prompt = readField(body, 'prompt', 'string', 'EmbeddingRequest');
    return { struct: 'EmbeddingRequest', texts: prompt ? [prompt as string] : [] };
  },
} as const satisfies Record<EmbeddingRoute, (body: Body) => { struct: string; texts: string[] }>;

export async function serveEmbeddings(
  ctx: SimContext,
  residency: Residency,
  route: EmbeddingRoute,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedAt = performance.now();
  let request: EmbeddingRequest;
  try {
    request = parseRequest(route, parseJsonBody(rawBody), ctx);
  } catch (error) {
    sendError(res, toSimError(error));
    return;
  }
  if (request.texts.length === 0) {
    sendJson(
      res,
      200,
      route === 'embed' ? { model: request.model, embeddings: [] } : { embedding: [] },
    );
    return;
  }
  const cancel = watchDisconnect(req, res);
  try {
    const inputs = request.texts.map((text) => input(text, ctx, request.truncate));
    const jobStartedAt = performance.now();
    const outcome = await runEmbeddings(ctx, { inputs, slotParams: {}, signal: cancel.signal });
    residency.use(request.keepAliveMs);
    if (outcome.status === 'cancelled') return leaveUnfinished(res, outcome.status);
    const vectors = outcome.results.map((r) => resize(r.embedding, request.dimensions));
    if (route === 'embeddings') {
      // The legacy route widens the model's float32 values to float64.
      sendJson(res, 200, { embedding: (vectors[0] ?? []).map((v) => Math.fround(v)) });
      return;
    }
    sendJson(res, 200, {
      model: request.model,
      embeddings: vectors.map((v) => v.map(shortestFloat32)),
      total_duration: omitZero(nanoseconds(performance.now() - startedAt)),
      load_duration: omitZero(nanoseconds(jobStartedAt - startedAt)),
      prompt_eval_count: omitZero(outcome.results.reduce((n, r) => n + r.promptTokens, 0)),
    });
  } catch (error) {
    sendError(res, toSimError(error));
  } finally {
    cancel.dispose();
  }
}

function parseRequest(route: EmbeddingRoute, body: Body, ctx: SimContext): EmbeddingRequest {
  const { struct, texts } = READERS[route](body);
  const model = readField(body, 'model', 'string', struct);
  if (typeof model !== 'string' || model === '') throw badRequest('model is required');
  if (!sameModel(model, ctx.settings.model)) throw modelNotFound(model);
  const dimensions = readField(body, 'dimensions', 'int', struct) as number | undefined;
  return {
    model,
    texts,
    truncate: body.truncate !== false,
    dimensions,
    keepAliveMs: keepAlive(body.keep_alive),
  };
}

/** `input`: one string or a list of them; an empty string embeds nothing. */
function embedInputs(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  throw badRequest('invalid input type');
}

/** Inputs longer than the context are cut to it unless `truncate` is false. */
function input(text: string, ctx: SimContext, truncate: boolean): EmbeddingInput {
  const tokens = tokenize(text, true);
  if (tokens.length <= ctx.settings.ctxSize) return { text, tokens };
  if (!truncate) throw badRequest('input length exceeds the context length');
  return { text, tokens: tokens.slice(0, ctx.settings.ctxSize) };
}

/** `dimensions` keeps the first N components and normalises them again. */
function resize(vector: readonly number[], dimensions: number | undefined): readonly number[] {
  if (dimensions === undefined || dimensions <= 0 || dimensions >= vector.length) return vector;
  const kept = vector.slice(0, dimensions);
  const norm = Math.hypot(...kept) || 1;
  return kept.map((v) => v / norm);
}
