import type { JsonObject } from '../../core/json-writer';
import type { SimSettings } from '../../core/sim-options';
import { maxModelLen } from './vllm.request';
import { randomHex, unixNow, VLLM_VERSION } from './vllm.wire';

/** Bodies of vLLM's informational routes (`ModelList` / `ModelCard` / `ModelPermission`). */

export function modelsJson(settings: SimSettings): JsonObject {
  const created = unixNow();
  return {
    object: 'list',
    data: [
      {
        id: settings.model,
        object: 'model',
        created,
        owned_by: 'vllm',
        // The model path; the simulator serves its model under the path's own name.
        root: settings.model,
        parent: null,
        max_model_len: maxModelLen(settings),
        permission: [
          {
            id: `modelperm-${randomHex()}`,
            object: 'model_permission',
            created,
            allow_create_engine: false,
            allow_sampling: true,
            allow_logprobs: true,
            allow_search_indices: false,
            allow_view: true,
            allow_fine_tuning: false,
            organization: '*',
            group: null,
            is_blocking: false,
          },
        ],
      },
    ],
  };
}

export const versionJson = (): JsonObject => ({ version: VLLM_VERSION });
