import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import { createOllamaStreamEncoder, ollamaResponse } from './ollama.encoder';
import { renderOllamaError } from './ollama.errors';
import {
  embedStreamEncoder,
  ollamaEmbeddingsResponse,
  ollamaEmbedResponse,
  parseOllamaEmbed,
  parseOllamaEmbeddings,
} from './ollama-embed';
import { ollamaModelRoutes } from './ollama-models';
import { parseOllamaChat, parseOllamaGenerate, type OllamaFacts } from './ollama-parse';

/** Ollama's native API (ollama/ollama docs/api.md): NDJSON streams, streaming by default. */
const NDJSON = 'application/x-ndjson';

/** Where Ollama's bodies carry the fields the request caps look at. */
const LIMIT_PARAMS = { maxTokens: 'options.num_predict', maxStop: 'options.stop' } as const;

const chatRoute: InferenceRoute<OllamaFacts> = {
  method: 'POST',
  path: '/api/chat',
  parse: (body, ctx) => parseOllamaChat(body, ctx),
  streamContentType: NDJSON,
  limitParams: LIMIT_PARAMS,
  createStreamEncoder: (_req, meta, facts) => createOllamaStreamEncoder('chat', meta, facts),
  respond: (_req, result, meta, facts) => ollamaResponse('chat', result, meta, facts),
};

const generateRoute: InferenceRoute<OllamaFacts> = {
  method: 'POST',
  path: '/api/generate',
  parse: (body, ctx) => parseOllamaGenerate(body, ctx),
  streamContentType: NDJSON,
  limitParams: LIMIT_PARAMS,
  createStreamEncoder: (_req, meta, facts) => createOllamaStreamEncoder('generate', meta, facts),
  respond: (_req, result, meta, facts) => ollamaResponse('generate', result, meta, facts),
};

/** Embedding routes answer one JSON object; their requests never ask for a stream. */
const embedRoute: InferenceRoute<OllamaFacts> = {
  method: 'POST',
  path: '/api/embed',
  parse: (body, ctx) => parseOllamaEmbed(body, ctx),
  streamContentType: NDJSON,
  createStreamEncoder: embedStreamEncoder,
  respond: (_req, result, meta, facts) => ollamaEmbedResponse(result, meta, facts),
};

const embeddingsRoute: InferenceRoute<OllamaFacts> = {
  method: 'POST',
  path: '/api/embeddings',
  parse: (body, ctx) => parseOllamaEmbeddings(body, ctx),
  streamContentType: NDJSON,
  createStreamEncoder: embedStreamEncoder,
  respond: (_req, result, _meta, facts) => ollamaEmbeddingsResponse(result, facts),
};

/** The routes at their own facts type, in table order; `ollamaDialect.routes` hides it. */
export const ollamaInferenceRoutes: readonly InferenceRoute<OllamaFacts>[] = [
  chatRoute,
  generateRoute,
  embedRoute,
  embeddingsRoute,
];

export const ollamaDialect: Dialect = {
  id: 'ollama',
  routes: ollamaInferenceRoutes.map(anyInferenceRoute),
  apiRoutes: ollamaModelRoutes,
  renderError: renderOllamaError,
};
