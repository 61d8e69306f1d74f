import { createHash } from 'node:crypto';
import type { JsonObject } from '../../core/json-writer';
import type { SimSettings } from '../../core/sim-options';
import { tokenLimits } from './tgi.validation';
import { TGI_LIMITS, TGI_VERSION } from './tgi.wire';

/** Bodies of TGI's informational routes (`router/src/lib.rs` `Info`, `server.rs`). */

/** The TGI commit the simulated router was built from. */
const ROUTER_SHA = 'db931fc';

export function infoJson(settings: SimSettings): JsonObject {
  const { maxInput, maxTotal } = tokenLimits(settings);
  return {
    model_id: settings.model,
    // A hub revision is a commit hash; the simulated one is derived from the model id.
    model_sha: createHash('sha1').update(settings.model).digest('hex'),
    model_pipeline_tag: 'text-generation',
    // TGI admits this many requests, queued or running; the simulator's slots play that part.
    max_concurrent_requests: settings.slots,
    max_best_of: TGI_LIMITS.maxBestOf,
    max_stop_sequences: TGI_LIMITS.maxStopSequences,
    max_input_tokens: maxInput,
    max_total_tokens: maxTotal,
    validation_workers: 2,
    max_client_batch_size: 4,
    router: 'text-generation-router',
    version: TGI_VERSION,
    sha: ROUTER_SHA,
    docker_label: null,
  };
}

export function modelsJson(settings: SimSettings): JsonObject {
  return {
    object: 'list',
    data: [{ id: settings.model, object: 'model', created: 0, owned_by: settings.model }],
  };
}
