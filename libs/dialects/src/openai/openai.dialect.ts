import type { InferenceRequest } from '@switchyard/contracts';
import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import { chatResponse, createChatStreamEncoder } from './openai-chat.encoder';
import { completionResponse, createCompletionStreamEncoder } from './openai-completion.encoder';
import { embeddingsResponse, parseEmbeddings } from './openai-embeddings';
import { renderOpenAIError } from './openai.errors';
import { openaiModelRoutes } from './openai-models';
import { parseChat, parseCompletion } from './openai-parse';
import { openaiSseEncoder } from './openai-wire';

/** Narrows a request that this route's own parser produced. */
function as<K extends InferenceRequest['kind']>(
  kind: K,
  req: InferenceRequest,
): Extract<InferenceRequest, { kind: K }> {
  if (req.kind !== kind) throw new Error(`route expected a ${kind} request, got ${req.kind}`);
  return req as Extract<InferenceRequest, { kind: K }>;
}

const chatRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/chat/completions',
  parse: (body, ctx) => ({ request: parseChat(body, ctx), facts: undefined }),
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: (req, meta) => createChatStreamEncoder(as('chat', req), meta),
  respond: (_req, result, meta) => chatResponse(result, meta),
};

const completionRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/completions',
  parse: (body, ctx) => ({ request: parseCompletion(body, ctx), facts: undefined }),
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: (req, meta) => createCompletionStreamEncoder(as('completion', req), meta),
  respond: (_req, result, meta) => completionResponse(result, meta),
};

const embeddingsRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/embeddings',
  parse: (body, ctx) => ({ request: parseEmbeddings(body, ctx), facts: undefined }),
  // Embeddings are never streamed; the encoder only exists for the in-band error frame.
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: () => openaiSseEncoder(() => ''),
  respond: (req, result, meta) => embeddingsResponse(as('embedding', req), result, meta),
};

/** The routes at their own facts type, in table order; `openaiDialect.routes` hides it. */
export const openaiInferenceRoutes: readonly InferenceRoute[] = [
  chatRoute,
  completionRoute,
  embeddingsRoute,
];

export const openaiDialect: Dialect = {
  id: 'openai',
  routes: openaiInferenceRoutes.map(anyInferenceRoute),
  apiRoutes: openaiModelRoutes,
  renderError: renderOpenAIError,
};
