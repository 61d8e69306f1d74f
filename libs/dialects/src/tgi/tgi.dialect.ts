import type { InferenceRequest } from '@switchyard/contracts';
import type { Dialect, InferenceRoute } from '../dialect';
import { renderTgiError } from './tgi.errors';
import { tgiApiRoutes } from './tgi-info';
import { parseTgi, tgiFacts, type TgiFacts, type TgiRoute } from './tgi-parse';
import { tgiResponse, tgiResponseHeaders } from './tgi-response';
import { createTgiStreamEncoder } from './tgi-stream.encoder';

/**
 * Hugging Face text-generation-inference's native API (router/src/server.rs): `/generate`,
 * `/generate_stream`, the compat `POST /`, `/info` and `/health`. TGI's SSE content type is
 * axum's `text/event-stream`.
 */

function factsOf(req: InferenceRequest): TgiFacts {
  const facts = tgiFacts.read(req);
  if (!facts) throw new Error('a TGI route was handed a request its parser did not produce');
  return facts;
}

function tgiRoute(route: TgiRoute, path: string): InferenceRoute {
  return {
    method: 'POST',
    path,
    // TGI's and the vLLM demo's `/generate` share a path; TGI's bodies carry `inputs`.
    claims: (body) => typeof body === 'object' && body !== null && 'inputs' in body,
    parse: (body, ctx) => parseTgi(route, body, ctx),
    streamContentType: 'text/event-stream',
    createStreamEncoder: (req) => createTgiStreamEncoder(req, factsOf(req)),
    respond: (req, result) => tgiResponse(req, result, factsOf(req)),
    responseHeaders: (req, result) =>
      tgiResponseHeaders(req, result, factsOf(req), performance.now()),
  };
}

export const tgiDialect: Dialect = {
  id: 'tgi',
  routes: [
    tgiRoute('generate', '/generate'),
    tgiRoute('generate_stream', '/generate_stream'),
    tgiRoute('compat', '/'),
  ],
  apiRoutes: tgiApiRoutes,
  renderError: renderTgiError,
};
