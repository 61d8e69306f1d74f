import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import type { TgiFacts } from '../tgi/tgi-parse';
import { renderMindieError } from './mindie.errors';
import { inferRoute } from './mindie-infer';

/** The routes at their own facts type, in table order; `mindieDialect.routes` hides it. */
export const mindieInferenceRoutes: readonly InferenceRoute<TgiFacts>[] = [inferRoute];

/**
 * Huawei MindIE's native text route, `POST /infer`. MindIE's TGI, vLLM-demo, OpenAI and Triton
 * routes are those dialects' own. Its `/infer_token` and the Triton-style
 * `/v2/models/{m}/infer` take and return token ids, which a gateway relaying text across
 * engines and tokenizers cannot honour; they are not served.
 */
export const mindieDialect: Dialect = {
  id: 'mindie',
  routes: mindieInferenceRoutes.map(anyInferenceRoute),
  renderError: renderMindieError,
};
