import type { IncomingMessage, ServerResponse } from 'node:http';
import { watchDisconnect } from '../../core/client-connection';
import { runEmbeddings, type EmbeddingResult } from '../../core/embedding-runner';
import { f32, type JsonObject, type JsonValue } from '../../core/json-writer';
import { sendError, sendJson } from './llamacpp.http';
import { DEFAULT_SETTINGS } from './llamacpp.info';
import { parseJsonBody } from './llamacpp.request';
import { settingsJson } from './llamacpp.settings';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import { promptList } from '../../core/prompt-input';
import { readString, type Body } from '../../core/request-fields';
import { SimError, toSimError } from '../../core/sim-errors';

/**
 * llama.cpp's embedding routes (`handle_embeddings_impl`): `/embedding` and `/embeddings` answer
 * `[{index, embedding: [[…]]}]` (one pooled vector per input), `/v1/embeddings` the OpenAI list
 * with `usage` — unless the body uses `content` instead of `input`, which is never OpenAI.
 */

export type EmbeddingRouteKind = 'native' | 'openai';

interface EmbeddingRequest {
  readonly openai: boolean;
  readonly base64: boolean;
  readonly inputs: { readonly text: string; readonly tokens: readonly number[] }[];
}

const SLOT_PARAMS = settingsJson(DEFAULT_SETTINGS, 'slot');

export async function serveEmbeddings(
  ctx: SimContext,
  kind: EmbeddingRouteKind,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!ctx.settings.embeddings) {
    // Before the body is read, as llama-server does without `--embeddings`.
    const hint = 'This server does not support embeddings. Start it with `--embeddings`';
    sendError(res, new SimError('not_supported', hint));
    return;
  }
  let body: Body;
  let request: EmbeddingRequest;
  try {
    body = parseJsonBody(rawBody);
    request = parseEmbeddingRequest(kind, body);
  } catch (error) {
    sendError(res, toSimError(error));
    return;
  }
  const cancel = watchDisconnect(req, res);
  try {
    const job = { inputs: request.inputs, slotParams: SLOT_PARAMS, signal: cancel.signal };
    const outcome = await runEmbeddings(ctx, job);
    if (outcome.status === 'cancelled') return leaveUnfinished(res, outcome.status);
    const model = readString(body, 'model', ctx.settings.model);
    sendJson(res, 200, responseJson(request, outcome.results, model));
  } catch (error) {
    sendError(res, toSimError(error));
  } finally {
    cancel.dispose();
  }
}

function parseEmbeddingRequest(kind: EmbeddingRouteKind, body: Body): EmbeddingRequest {
  if (!('input' in body) && !('content' in body)) {
    throw new SimError('invalid_request', '"input" or "content" must be provided');
  }
  const prompt = 'input' in body ? body.input : body.content;
  let base64 = false;
  if ('encoding_format' in body) {
    base64 = body.encoding_format === 'base64';
    if (!base64 && body.encoding_format !== 'float') {
      throw new SimError(
        'invalid_request',
        'The format to return the embeddings in. Can be either float or base64',
      );
    }
  }
  const openai = kind === 'openai' && 'input' in body;
  return { openai, base64, inputs: promptList(prompt) };
}

function responseJson(
  request: EmbeddingRequest,
  results: readonly EmbeddingResult[],
  model: string,
): JsonValue {
  if (!request.openai) {
    return results.map((r) => ({ index: r.index, embedding: [r.embedding.map(f32)] }));
  }
  const promptTokens = results.reduce((sum, r) => sum + r.promptTokens, 0);
  const data = results.map((r, i): JsonObject => {
    if (!request.base64) return { embedding: r.embedding.map(f32), index: i, object: 'embedding' };
    const bytes = Buffer.from(new Float32Array(r.embedding).buffer);
    return {
      embedding: bytes.toString('base64'),
      index: i,
      object: 'embedding',
      encoding_format: 'base64',
    };
  });
  return {
    model,
    object: 'list',
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    data,
  };
}
