import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import { createKserveStreamEncoder, kserveResponse } from './kserve.encoder';
import { renderKserveError } from './kserve.errors';
import { kserveApiRoutes } from './kserve-metadata';
import { parseKserveGenerate, type GenerateEndpoint, type KserveFacts } from './kserve-parse';

function generateRoute(endpoint: GenerateEndpoint, path: string): InferenceRoute<KserveFacts> {
  return {
    method: 'POST',
    path,
    parse: (body, ctx) => parseKserveGenerate(endpoint, body, ctx),
    streamContentType: 'text/event-stream; charset=utf-8',
    limitParams: { maxStop: 'stop_words' },
    createStreamEncoder: (_req, meta, facts) => createKserveStreamEncoder(meta, facts),
    respond: (req, result, meta, facts) => kserveResponse(req, result, meta, facts),
  };
}

/** The routes at their own facts type, in table order; `kserveDialect.routes` hides it. */
export const kserveInferenceRoutes: readonly InferenceRoute<KserveFacts>[] = [
  generateRoute('generate', '/v2/models/:name/generate'),
  generateRoute('generate_stream', '/v2/models/:name/generate_stream'),
  generateRoute('generate', '/v2/models/:name/versions/:version/generate'),
  generateRoute('generate_stream', '/v2/models/:name/versions/:version/generate_stream'),
];

/**
 * The KServe v2 inference protocol's health and metadata routes and Triton's generate
 * extension, with and without a model version in the path.
 */
export const kserveDialect: Dialect = {
  id: 'kserve',
  routes: kserveInferenceRoutes.map(anyInferenceRoute),
  apiRoutes: kserveApiRoutes,
  renderError: renderKserveError,
};
