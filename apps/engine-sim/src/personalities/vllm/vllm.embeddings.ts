import type { IncomingMessage, ServerResponse } from 'node:http';
import { watchDisconnect } from '../../core/client-connection';
import {
  runEmbeddings,
  type EmbeddingInput,
  type EmbeddingResult,
} from '../../core/embedding-runner';
import { f32, type JsonObject } from '../../core/json-writer';
import { promptList } from '../../core/prompt-input';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import type { Body } from '../../core/request-fields';
import type { SimSettings } from '../../core/sim-options';
import { toSimError } from '../../core/sim-errors';
import { embeddingInputTooLong, invalid } from './vllm.errors';
import { checkFields, type FieldRule } from './vllm.fields';
import { sendError, sendJson } from './vllm.http';
import { checkModel, maxModelLen, parseJsonBody } from './vllm.request';
import { arrivalTime, type VllmStats } from './vllm.stats';
import { baseRequestId, fullUsageJson, unixNow } from './vllm.wire';

/**
 * `POST /v1/embeddings` (`serving_embedding.py`): OpenAI's request, answered as an
 * `EmbeddingResponse` with vLLM's extras (`id`, `created`, full `usage`). Vectors are float32
 * values printed as Python prints them, or base64 of their little-endian bytes.
 */

const FIELDS: Readonly<Record<string, FieldRule>> = {
  model: { type: 'string' },
  encoding_format: { type: 'string' },
  dimensions: { type: 'int' },
};

interface EmbeddingRequest {
  readonly base64: boolean;
  readonly inputs: readonly EmbeddingInput[];
}

export async function serveEmbeddings(
  ctx: SimContext,
  stats: VllmStats,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const arrivedAt = arrivalTime();
  let body: Body;
  let request: EmbeddingRequest;
  try {
    body = parseJsonBody(rawBody);
    request = parseEmbeddingRequest(body, ctx.settings);
  } catch (error) {
    sendError(res, toSimError(error));
    return;
  }
  const cancel = watchDisconnect(req, res);
  try {
    const job = { inputs: request.inputs, slotParams: {}, signal: cancel.signal };
    const outcome = await runEmbeddings(ctx, job);
    if (outcome.status === 'cancelled') return leaveUnfinished(res, outcome.status);
    stats.recordEmbeddings(
      outcome.results.map((r) => r.promptTokens),
      arrivedAt,
    );
    const id = `embd-${baseRequestId(body, req)}`;
    sendJson(res, 200, responseJson(id, ctx.settings.model, request, outcome.results));
  } catch (error) {
    sendError(res, toSimError(error));
  } finally {
    cancel.dispose();
  }
}

function parseEmbeddingRequest(body: Body, settings: SimSettings): EmbeddingRequest {
  checkFields(body, FIELDS);
  checkModel(body, settings);
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    throw invalid("encoding_format: Input should be 'float' or 'base64'");
  }
  if (typeof body.dimensions === 'number' && body.dimensions !== settings.embeddingDim) {
    throw invalid(
      `Model "${settings.model}" does not support matryoshka representation, changing output dimensions will lead to poor results.`,
    );
  }
  if (body.input === undefined || body.input === null) throw invalid('input: Field required');
  const inputs = promptList(body.input);
  const limit = maxModelLen(settings);
  for (const { tokens } of inputs) {
    if (tokens.length > limit) throw embeddingInputTooLong(limit, tokens.length);
  }
  return { base64: format === 'base64', inputs };
}

function responseJson(
  id: string,
  model: string,
  request: EmbeddingRequest,
  results: readonly EmbeddingResult[],
): JsonObject {
  const promptTokens = results.reduce((sum, r) => sum + r.promptTokens, 0);
  return {
    id,
    object: 'list',
    created: unixNow(),
    model,
    data: results.map((r) => ({
      index: r.index,
      object: 'embedding',
      embedding: request.base64
        ? Buffer.from(new Float32Array(r.embedding).buffer).toString('base64')
        : r.embedding.map(f32),
    })),
    usage: fullUsageJson(promptTokens, 0),
  };
}
