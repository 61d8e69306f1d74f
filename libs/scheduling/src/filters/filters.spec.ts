import type { PlacementRequest } from '../cluster-view';
import { chosenId, node, policy, REQ } from '../node.spec-support';
import { place } from '../place';
import { SCORERS } from '../scorers/scorers';
import { DEFAULT_TUNING } from '../tuning';
import { FILTERS, HARD_FILTERS } from './filters';
import { saturation } from './not-saturated.filter';

const removedBy = (nodes: Parameters<typeof place>[0], req: PlacementRequest) =>
  Object.fromEntries(place(nodes, req, policy()).candidates.map((c) => [c.nodeId, c.removedBy]));

describe('filters', () => {
  it('names every filter and scorer by its key in the table', () => {
    for (const [key, f] of Object.entries(FILTERS)) expect(f.name).toBe(key);
    for (const [key, s] of Object.entries(SCORERS)) expect(s.name).toBe(key);
    expect(HARD_FILTERS.map((f) => f.name)).not.toContain('not-saturated');
  });

  describe('modalities', () => {
    const nodes = [
      node('text-only'),
      node('vision', { modalities: ['text', 'image'] }),
      node('image-only', { modalities: ['image'] }),
    ];

    const nodes2 = [...nodes, node('text-declared', { modalities: ['text'] })];

    it('holds a node that lists its modalities to them', () => {
      const req: PlacementRequest = { ...REQ, modalities: ['text', 'image'] };
      expect(removedBy(nodes2, req)).toEqual({
        'text-only': undefined,
        vision: undefined,
        'image-only': 'modalities',
        'text-declared': 'modalities',
      });
      expect(removedBy(nodes2, REQ)).toEqual({
        'text-only': undefined,
        vision: undefined,
        'image-only': 'modalities',
        'text-declared': undefined,
      });
    });

    it('leaves a node that says nothing to the model catalogue, which vetted the request', () => {
      const imageOnly: PlacementRequest = { ...REQ, modalities: ['image'] };
      expect(removedBy([node('text-only')], imageOnly)).toEqual({ 'text-only': undefined });
    });
  });

  describe('selectors', () => {
    const nodes = [
      node('npu-a', { labels: { accelerator: 'npu', zone: 'a' } }),
      node('npu-b', { labels: { accelerator: 'npu', zone: 'b' } }),
      node('gpu-a', { labels: { accelerator: 'gpu', zone: 'a' } }),
      node('bare'),
    ];

    it('keeps only nodes whose labels equal every selector', () => {
      const req: PlacementRequest = { ...REQ, selectors: { accelerator: 'npu', zone: 'a' } };
      expect(removedBy(nodes, req)).toEqual({
        'npu-a': undefined,
        'npu-b': 'selectors',
        'gpu-a': 'selectors',
        bare: 'selectors',
      });
    });

    it('does not match a label key the node lacks, even against an inherited name', () => {
      const req: PlacementRequest = { ...REQ, selectors: { toString: 'x' } };
      expect(removedBy([node('bare')], req)).toEqual({ bare: 'selectors' });
      const empty: PlacementRequest = { ...REQ, selectors: { zone: '' } };
      expect(removedBy([node('bare')], empty)).toEqual({ bare: 'selectors' });
    });

    it('keeps every node when the request has no selectors', () => {
      expect(Object.values(removedBy(nodes, REQ))).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    });
  });

  it('skips a node whose circuit is open, as no-node rather than saturated', () => {
    const d = place([node('a', { circuitOpen: true }), node('b', { running: 3 })], REQ, policy());
    expect(chosenId(d)).toBe('b');
    expect(d.candidates[0]).toEqual({ nodeId: 'a', removedBy: 'circuit' });
    const only = place([node('a', { circuitOpen: true })], REQ, policy());
    expect(only).toMatchObject({ outcome: 'no-node', saturated: false });
  });

  describe('saturation', () => {
    const t = DEFAULT_TUNING; // 1 queued per slot, KV 0.95, stale after 5 s

    it('says why a node is saturated', () => {
      expect(saturation(node('a', { running: 4, waiting: 3 }), t, undefined)).toBeNull();
      expect(saturation(node('a', { running: 4, waiting: 4 }), t, undefined)).toBe('queue');
      expect(saturation(node('a', { local: 8 }), t, undefined)).toBe('queue');
      expect(saturation(node('a', { local: 7 }), t, undefined)).toBeNull();
      expect(saturation(node('a', { kv: 0.95 }), t, undefined)).toBe('kv-cache');
      expect(saturation(node('a', { kv: 0.94 }), t, undefined)).toBeNull();
      expect(saturation(node('a', { at: 0 }), t, 5_001)).toBe('stale');
      expect(saturation(node('a', { at: 0 }), t, 5_000)).toBeNull();
    });

    it('takes a node with no slots as one slot', () => {
      expect(saturation(node('a', { slots: 0, waiting: 1 }), t, undefined)).toBe('queue');
      expect(saturation(node('a', { slots: 0 }), t, undefined)).toBeNull();
    });
  });
});

describe('the refusal: the filter that removed the last candidate', () => {
  const withEmbeddings = (id: string, embeddings: boolean) => {
    const n = node(id);
    return { ...n, snapshot: { ...n.snapshot, info: { ...n.snapshot.info, embeddings } } };
  };

  it('embeddings go only to engines that compute them, and say so when none does', () => {
    const embed: PlacementRequest = { ...REQ, embedding: true };
    const mixed = [withEmbeddings('text-only', false), withEmbeddings('embedder', true)];
    expect(chosenId(place(mixed, embed, policy()))).toBe('embedder');
    expect(chosenId(place(mixed, REQ, policy()))).not.toBeNull();
    const d = place([withEmbeddings('text-only', false)], embed, policy());
    expect(d).toMatchObject({ outcome: 'no-node', refusedBy: 'embeddings' });
  });

  it('a resumed chat goes only to engines that continue a message', () => {
    const withContinuation = (id: string, continuesChat: boolean) => {
      const n = node(id);
      return { ...n, snapshot: { ...n.snapshot, info: { ...n.snapshot.info, continuesChat } } };
    };
    const resume: PlacementRequest = { ...REQ, continuation: true };
    const mixed = [withContinuation('tgi', false), withContinuation('vllm', true)];
    expect(chosenId(place(mixed, resume, policy()))).toBe('vllm');
    expect(place([mixed[0]!], resume, policy())).toMatchObject({ refusedBy: 'continuation' });
  });

  it('names the latest filter in order that emptied the field', () => {
    const nodes = [
      node('other', { models: ['other-model'] }),
      node('warming', { state: 'warming' }),
    ];
    expect(place(nodes, REQ, policy())).toMatchObject({ outcome: 'no-node', refusedBy: 'ready' });
    expect(place([nodes[0]!], REQ, policy())).toMatchObject({ refusedBy: 'serves-model' });
    expect(place([], REQ, policy())).toMatchObject({ outcome: 'no-node', refusedBy: null });
  });
});
