import type { Dialect, InferenceRoute } from '../dialect';
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
import { parseOllamaChat, parseOllamaGenerate } from './ollama-parse';

/** Ollama's native API (ollama/ollama docs/api.md): NDJSON streams, streaming by default. */
const NDJSON = 'application/x-ndjson';

const chatRoute: InferenceRoute = {
  method: 'POST',
  path: '/api/chat',
  parse: (body, ctx) => parseOllamaChat(body, ctx),
  streamContentType: NDJSON,
  createStreamEncoder: (req, meta) => createOllamaStreamEncoder('chat', req, meta),
  respond: (req, result, meta) => ollamaResponse('chat', req, result, meta),
};

const generateRoute: InferenceRoute = {
  method: 'POST',
  path: '/api/generate',
  parse: (body, ctx) => parseOllamaGenerate(body, ctx),
  streamContentType: NDJSON,
  createStreamEncoder: (req, meta) => createOllamaStreamEncoder('generate', req, meta),
  respond: (req, result, meta) => ollamaResponse('generate', req, result, meta),
};

/** Embedding routes answer one JSON object; their requests never ask for a stream. */
const embedRoute: InferenceRoute = {
  method: 'POST',
  path: '/api/embed',
  parse: (body, ctx) => parseOllamaEmbed(body, ctx),
  streamContentType: NDJSON,
  createStreamEncoder: embedStreamEncoder,
  respond: (req, result, meta) => ollamaEmbedResponse(req, result, meta),
};

const embeddingsRoute: InferenceRoute = {
  method: 'POST',
  path: '/api/embeddings',
  parse: (body, ctx) => parseOllamaEmbeddings(body, ctx),
  streamContentType: NDJSON,
  createStreamEncoder: embedStreamEncoder,
  respond: (req, result) => ollamaEmbeddingsResponse(req, result),
};

export const ollamaDialect: Dialect = {
  id: 'ollama',
  routes: [chatRoute, generateRoute, embedRoute, embeddingsRoute],
  apiRoutes: ollamaModelRoutes,
  renderError: renderOllamaError,
};
