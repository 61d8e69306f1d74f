import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import { createVllmStreamEncoder, vllmResponse } from './vllm.encoder';
import { renderVllmError } from './vllm.errors';
import { parseVllmGenerate } from './vllm-parse';

const isObject = (body: unknown): body is Record<string, unknown> =>
  typeof body === 'object' && body !== null && !Array.isArray(body);

const generateRoute: InferenceRoute = {
  method: 'POST',
  path: '/generate',
  // Shared with TGI's `/generate`: the demo server's bodies carry `prompt`, TGI's `inputs`
  // (MindIE decides the same way, http_handler.cpp).
  claims: (body) => isObject(body) && 'prompt' in body && !('inputs' in body),
  parse: (body, ctx) => ({ request: parseVllmGenerate(body, ctx), facts: undefined }),
  // vLLM's StreamingResponse sets no media type; the records are newline-delimited JSON.
  streamContentType: 'application/x-ndjson',
  createStreamEncoder: (req) => createVllmStreamEncoder(req),
  respond: (req, result) => vllmResponse(req, result),
};

/** The routes at their own facts type, in table order; `vllmDialect.routes` hides it. */
export const vllmInferenceRoutes: readonly InferenceRoute[] = [generateRoute];

/**
 * vLLM's demo API server (vllm/entrypoints/api_server.py): `POST /generate`. Its `GET /health`
 * (always 200, empty) is the same path and answer as TGI's, which serves it.
 */
export const vllmDialect: Dialect = {
  id: 'vllm',
  routes: vllmInferenceRoutes.map(anyInferenceRoute),
  renderError: renderVllmError,
};
