import { SwitchyardError } from '@switchyard/contracts';
import type { ServedModel } from '../catalog';
import type { ApiRoute } from '../dialect';

/**
 * `GET /v1/models` and `GET /v1/models/{model}` (openai-openapi `ListModelsResponse`,
 * `Model`). Beyond OpenAI's four fields each entry carries what the catalogue knows — display
 * name, description, modalities — in the shape gateways such as seed 004's already use
 * (`name`, `description`, `support`).
 */
export function openaiModel(m: ServedModel) {
  return {
    id: m.id,
    object: 'model',
    created: m.created,
    owned_by: m.ownedBy,
    name: m.displayName ?? m.id,
    ...(m.description !== undefined ? { description: m.description } : {}),
    support: m.modalities.includes('image') ? 'image' : 'text',
    modalities: m.modalities,
    ...(m.aliases.length > 0 ? { aliases: m.aliases } : {}),
  };
}

export const openaiModelRoutes: readonly ApiRoute[] = [
  {
    method: 'GET',
    path: '/v1/models',
    handle: ({ catalog }) => ({
      body: { object: 'list', data: catalog.served().map(openaiModel) },
    }),
  },
  {
    method: 'GET',
    path: '/v1/models/:model',
    handle: ({ catalog, params }) => {
      const name = params.model ?? '';
      const model = catalog.find(name);
      if (!model) {
        throw new SwitchyardError('SY_MODEL_NOT_FOUND', `The model '${name}' does not exist`, {
          param: 'model',
          model: name,
        });
      }
      return { body: openaiModel(model) };
    },
  },
];
