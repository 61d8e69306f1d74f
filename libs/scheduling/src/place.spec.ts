import { emptyLoad, type NodeSnapshot, type NodeState } from '@switchyard/contracts';
import { type CandidateNode } from './cluster-view';
import { DEFAULT_POLICY, place, type PlacementPolicy } from './place';

function node(
  id: string,
  opts: {
    slots?: number;
    running?: number;
    waiting?: number;
    state?: NodeState;
    models?: string[];
    local?: number;
  } = {},
): CandidateNode {
  const slots = opts.slots ?? 4;
  const snapshot: NodeSnapshot = {
    info: {
      id,
      engine: 'llamacpp',
      models: opts.models ?? ['m'],
      slots,
      state: opts.state ?? 'ready',
      labels: {},
      startedAt: 0,
      version: 'test',
    },
    load: { ...emptyLoad(slots), running: opts.running ?? 0, waiting: opts.waiting ?? 0 },
    at: 0,
  };
  return { snapshot, localInFlight: opts.local ?? 0 };
}

const req = { model: 'm', modalities: ['text'] };
const firstOfTies: PlacementPolicy = { ...DEFAULT_POLICY, random: () => 0.99 };

describe('place', () => {
  it('removes nodes that are not ready or do not serve the model, and says which filter did', () => {
    const d = place(
      [node('a', { state: 'warming' }), node('b', { models: ['other'] }), node('c')],
      req,
      firstOfTies,
    );
    expect(d.chosen?.snapshot.info.id).toBe('c');
    expect(d.candidates).toEqual([
      { nodeId: 'a', removedBy: 'ready' },
      { nodeId: 'b', removedBy: 'serves-model' },
      { nodeId: 'c', scores: { 'free-slots': 1 }, total: 1 },
    ]);
  });

  it('returns no node when none passes the filters', () => {
    const d = place([node('a', { state: 'draining' })], req);
    expect(d.chosen).toBeNull();
  });

  it('prefers the node with the larger share of free slots', () => {
    const d = place([node('busy', { running: 3 }), node('idle', { running: 1 })], req, firstOfTies);
    expect(d.chosen?.snapshot.info.id).toBe('idle');
  });

  it('counts this gateway’s own reservations the heartbeat has not reported yet', () => {
    const d = place([node('a', { local: 3 }), node('b', { running: 1 })], req, firstOfTies);
    expect(d.chosen?.snapshot.info.id).toBe('b');
  });

  it('spreads a burst across equal nodes when the caller charges each choice', () => {
    const nodes = [node('a'), node('b')];
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 8; i++) {
      const chosen = place(nodes, req).chosen!;
      chosen.localInFlight += 1;
      counts[chosen.snapshot.info.id]! += 1;
    }
    expect(counts).toEqual({ a: 4, b: 4 });
  });

  it('still places on the least committed node when every node is full', () => {
    const d = place(
      [node('a', { running: 4, waiting: 3 }), node('b', { running: 4, waiting: 1 })],
      req,
    );
    expect(d.chosen?.snapshot.info.id).toBe('b');
  });

  it('breaks exact ties at random so replicas with the same view do not pile onto one node', () => {
    const seen = new Set<string>();
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const d = place([node('a'), node('b')], req, { ...DEFAULT_POLICY, random: () => r });
      seen.add(d.chosen!.snapshot.info.id);
    }
    expect(seen).toEqual(new Set(['a', 'b']));
  });
});
