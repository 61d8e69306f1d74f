import { AUTO_MODEL, SwitchyardError } from '@switchyard/contracts';
import type { ModelCatalog, ServedModel } from '../catalog';
import type { ApiAnswer, ApiCall, ApiRoute } from '../dialect';
import { requestedModel } from '../text-completion';
import { TGI_LIMITS } from './tgi-validation';

/**
 * TGI's informational routes (router/src/server.rs `get_model_info`, `health`; lib.rs `Info`),
 * answered from the catalogue.
 */

/** What TGI's `/health` answers when it cannot serve (server.rs `health`). */
const UNHEALTHY: ApiAnswer = {
  status: 503,
  body: { error: 'unhealthy', error_type: 'healthcheck' },
};

/**
 * The model a bodyless TGI request would run on: the one a model header names, else the first
 * served model (with one model served, as behind a real TGI, the only one).
 */
function describedModel(call: ApiCall): ServedModel | undefined {
  const named = requestedModel(call.headers);
  if (named === AUTO_MODEL) return call.catalog.served()[0];
  const model = call.catalog.find(named);
  if (!model) {
    throw new SwitchyardError('SY_MODEL_NOT_FOUND', `The model '${named}' is not served`, {
      param: 'model',
      model: named,
    });
  }
  return model;
}

/**
 * lib.rs `Info`, key for key. The limits Switchyard enforces itself are real (`max_best_of`,
 * `max_stop_sequences`; one input per request). The ones that belong to the engines — context
 * sizes, concurrency — vary by node and are not known to the gateway, so they are null rather
 * than invented; each engine still enforces its own and its refusal reaches the client as a 422.
 */
export function tgiInfo(model: ServedModel, catalog: ModelCatalog) {
  return {
    model_id: model.id,
    model_sha: null,
    model_pipeline_tag: 'text-generation',
    max_concurrent_requests: null,
    max_best_of: TGI_LIMITS.maxBestOf,
    max_stop_sequences: TGI_LIMITS.maxStopSequences,
    max_input_tokens: null,
    max_total_tokens: null,
    validation_workers: null,
    max_client_batch_size: 1,
    router: 'switchyard',
    version: catalog.version,
    sha: null,
    docker_label: null,
  };
}

export const tgiApiRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/info',
    handle: (call) => {
      const model = describedModel(call);
      return model ? { body: tgiInfo(model, call.catalog) } : UNHEALTHY;
    },
  },
  {
    method: 'GET',
    path: '/health',
    // 200 with an empty body while some model is served, as TGI once its shards are up.
    handle: ({ catalog }) => (catalog.served().length > 0 ? { body: undefined } : UNHEALTHY),
  },
];
