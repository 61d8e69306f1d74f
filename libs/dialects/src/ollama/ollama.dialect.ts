import type { Dialect, InferenceRoute } from '../dialect';
import { createOllamaStreamEncoder, ollamaResponse } from './ollama.encoder';
import { renderOllamaError } from './ollama.errors';
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

export const ollamaDialect: Dialect = {
  id: 'ollama',
  routes: [chatRoute, generateRoute],
  renderError: renderOllamaError,
};
