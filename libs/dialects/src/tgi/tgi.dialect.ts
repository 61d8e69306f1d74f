import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import { renderTgiError } from './tgi.errors';
import { tgiApiRoutes } from './tgi-info';
import { parseTgi, type TgiFacts, type TgiRoute } from './tgi-parse';
import { tgiResponse, tgiResponseHeaders } from './tgi-response';
import { createTgiStreamEncoder } from './tgi-stream.encoder';

/**
 * Hugging Face text-generation-inference's native API (router/src/server.rs): `/generate`,
 * `/generate_stream`, the compat `POST /`, `/info` and `/health`. TGI's SSE content type is
 * axum's `text/event-stream`.
 */

function tgiRoute(route: TgiRoute, path: string): InferenceRoute<TgiFacts> {
  return {
    method: 'POST',
    path,
    // TGI's and the vLLM demo's `/generate` share a path; TGI's bodies carry `inputs`.
    claims: (body) => typeof body === 'object' && body !== null && 'inputs' in body,
    parse: (body, ctx) => parseTgi(route, body, ctx),
    streamContentType: 'text/event-stream',
    limitParams: {
      maxChoices: 'parameters.best_of',
      maxTokens: 'parameters.max_new_tokens',
      maxStop: 'parameters.stop',
    },
    createStreamEncoder: (req, _meta, facts) => createTgiStreamEncoder(req, facts),
    respond: (req, result, _meta, facts) => tgiResponse(req, result, facts),
    responseHeaders: (req, result, _meta, facts) =>
      tgiResponseHeaders(req, result, facts, performance.now()),
  };
}

/** The routes at their own facts type, in table order; `tgiDialect.routes` hides it. */
export const tgiInferenceRoutes: readonly InferenceRoute<TgiFacts>[] = [
  tgiRoute('generate', '/generate'),
  tgiRoute('generate_stream', '/generate_stream'),
  tgiRoute('compat', '/'),
];

export const tgiDialect: Dialect = {
  id: 'tgi',
  routes: tgiInferenceRoutes.map(anyInferenceRoute),
  apiRoutes: tgiApiRoutes,
  renderError: renderTgiError,
};
