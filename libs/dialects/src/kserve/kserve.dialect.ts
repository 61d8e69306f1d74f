import type { InferenceRequest } from '@switchyard/contracts';
import type { Dialect, InferenceRoute } from '../dialect';
import { createKserveStreamEncoder, kserveResponse } from './kserve.encoder';
import { renderKserveError } from './kserve.errors';
import { kserveApiRoutes } from './kserve-metadata';
import {
  kserveFacts,
  parseKserveGenerate,
  type GenerateEndpoint,
  type KserveFacts,
} from './kserve-parse';

function factsOf(req: InferenceRequest): KserveFacts {
  const facts = kserveFacts.read(req);
  if (!facts) throw new Error('a KServe route was handed a request its parser did not produce');
  return facts;
}

function generateRoute(endpoint: GenerateEndpoint, path: string): InferenceRoute {
  return {
    method: 'POST',
    path,
    parse: (body, ctx) => parseKserveGenerate(endpoint, body, ctx),
    streamContentType: 'text/event-stream; charset=utf-8',
    createStreamEncoder: (req, meta) => createKserveStreamEncoder(meta, factsOf(req)),
    respond: (req, result, meta) => kserveResponse(req, result, meta, factsOf(req)),
  };
}

/**
 * The KServe v2 inference protocol's health and metadata routes and Triton's generate
 * extension, with and without a model version in the path.
 */
export const kserveDialect: Dialect = {
  id: 'kserve',
  routes: [
    generateRoute('generate', '/v2/models/:name/generate'),
    generateRoute('generate_stream', '/v2/models/:name/generate_stream'),
    generateRoute('generate', '/v2/models/:name/versions/:version/generate'),
    generateRoute('generate_stream', '/v2/models/:name/versions/:version/generate_stream'),
  ],
  apiRoutes: kserveApiRoutes,
  renderError: renderKserveError,
};
