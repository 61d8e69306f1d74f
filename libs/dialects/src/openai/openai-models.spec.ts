import { SwitchyardError } from '@switchyard/contracts';
import type { ModelCatalog, ServedModel } from '../catalog';
import { openaiModelRoutes } from './openai-models';

/** `GET /v1/models` and `GET /v1/models/{model}` from the catalogue (protocols §1.7). */

const vision: ServedModel = {
  id: 'qwen-vl',
  aliases: ['qwen-vl:7b'],
  displayName: 'Qwen VL',
  description: 'sees pictures',
  modalities: ['text', 'image'],
  ownedBy: 'qwen',
  created: 1755952008,
  engines: ['vllm'],
  nodes: 2,
  inFlight: 0,
};
const plain: ServedModel = {
  id: 'tiny',
  aliases: [],
  modalities: ['text'],
  ownedBy: 'switchyard',
  created: 1700000000,
  engines: ['llamacpp'],
  nodes: 1,
  inFlight: 3,
};
const catalog: ModelCatalog = {
  version: '0.1.0',
  served: () => [vision, plain],
  find: (name) => [vision, plain].find((m) => m.id === name || m.aliases.includes(name)),
};

const route = (path: string) => openaiModelRoutes.find((r) => r.path === path)!;
const call = (path: string, params: Record<string, string> = {}) =>
  route(path).handle({ body: undefined, headers: {}, params, catalog });

describe('OpenAI model routes', () => {
  it('lists every served model with OpenAI’s fields and the catalogue’s', () => {
    expect(call('/v1/models')).toEqual({
      body: {
        object: 'list',
        data: [
          {
            id: 'qwen-vl',
            object: 'model',
            created: 1755952008,
            owned_by: 'qwen',
            name: 'Qwen VL',
            description: 'sees pictures',
            support: 'image',
            modalities: ['text', 'image'],
            aliases: ['qwen-vl:7b'],
          },
          {
            id: 'tiny',
            object: 'model',
            created: 1700000000,
            owned_by: 'switchyard',
            name: 'tiny',
            support: 'text',
            modalities: ['text'],
          },
        ],
      },
    });
  });

  it('retrieves one model by name or alias', () => {
    expect(call('/v1/models/:model', { model: 'qwen-vl:7b' }).body).toMatchObject({
      id: 'qwen-vl',
      object: 'model',
    });
  });

  it('answers an unknown model with SY_MODEL_NOT_FOUND naming it', () => {
    let caught: unknown;
    try {
      call('/v1/models/:model', { model: 'nope' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SwitchyardError);
    expect(caught).toMatchObject({ code: 'SY_MODEL_NOT_FOUND', param: 'model', model: 'nope' });
    expect((caught as Error).message).toContain("'nope'");
  });
});
