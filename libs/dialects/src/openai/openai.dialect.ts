import type { InferenceRequest } from '@switchyard/contracts';
import type { Dialect, InferenceRoute } from '../dialect';
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
  parse: parseChat,
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: (req, meta) => createChatStreamEncoder(as('chat', req), meta),
  respond: (_req, result, meta) => chatResponse(result, meta),
};

const completionRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/completions',
  parse: parseCompletion,
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: (req, meta) => createCompletionStreamEncoder(as('completion', req), meta),
  respond: (_req, result, meta) => completionResponse(result, meta),
};

const embeddingsRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/embeddings',
  parse: parseEmbeddings,
  // Embeddings are never streamed; the encoder only exists for the in-band error frame.
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: () => openaiSseEncoder(() => ''),
  respond: (req, result, meta) => embeddingsResponse(as('embedding', req), result, meta),
};

export const openaiDialect: Dialect = {
  id: 'openai',
  routes: [chatRoute, completionRoute, embeddingsRoute],
  apiRoutes: openaiModelRoutes,
  renderError: renderOpenAIError,
};
