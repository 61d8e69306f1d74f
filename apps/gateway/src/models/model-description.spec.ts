import type { AcceleratorDevice, NodeSnapshot } from '@switchyard/contracts';
import { catalogEntrySchema } from '@switchyard/config';
import { makeNodeSnapshot } from '@switchyard/testing';
import { CatalogSnapshot } from './model-catalog';

function device(kind: 'gpu' | 'npu', name: string, index: number): AcceleratorDevice {
  return {
    kind,
    index,
    chip: 0,
    name,
    utilization: null,
    memoryUsedBytes: null,
    memoryTotalBytes: null,
    temperatureCelsius: null,
    powerWatts: null,
    health: 'ok',
  };
}

function node(
  id: string,
  engine: NodeSnapshot['info']['engine'],
  devices: AcceleratorDevice[],
  embeddings = false,
): NodeSnapshot {
  const n = makeNodeSnapshot(id, { models: ['qwen'] });
  return { ...n, info: { ...n.info, engine, embeddings }, devices };
}

describe('model descriptions', () => {
  it('describes an uncatalogued model by what serves it (seed 004 shows one for every model)', () => {
    const h100 = [0, 1].map((i) => device('gpu', 'NVIDIA H100 80GB HBM3', i));
    const npus = Array.from({ length: 8 }, (_, i) => device('npu', '910B3', i));
    const catalog = new CatalogSnapshot(
      [],
      [node('a', 'vllm', h100), node('b', 'mindie', npus, true), node('c', 'llamacpp', [])],
    );
    expect(catalog.find('qwen')?.description).toBe(
      'Text model served by vLLM on 2× NVIDIA H100 80GB HBM3, MindIE on 8× Ascend 910B3 and ' +
        'llama.cpp (3 nodes); embeddings',
    );
  });

  it("keeps the catalogue's own description", () => {
    const entry = catalogEntrySchema.parse({ name: 'qwen', description: 'Strong language skills' });
    const catalog = new CatalogSnapshot([entry], [node('a', 'vllm', [])]);
    expect(catalog.find('qwen')?.description).toBe('Strong language skills');
  });

  it('states the catalogued context as the bound for max_tokens', () => {
    const entry = catalogEntrySchema.parse({ name: 'qwen', contextTokens: 8192 });
    const catalog = new CatalogSnapshot([entry], [node('a', 'vllm', [])]);
    expect(catalog.bounds('qwen')).toEqual({ contextTokens: 8192 });
    expect(catalog.bounds('other')).toEqual({});
  });
});
