import type { SharedQueueSummary } from '@switchyard/cluster';
import { emptyLoad, type NodeLoad, type NodeSnapshot, type NodeState } from '@switchyard/contracts';
import { adminModels, adminNode, adminQueues } from './fleet-view';

function snapshot(
  id: string,
  models: string[],
  state: NodeState,
  load: Partial<NodeLoad> = {},
): NodeSnapshot {
  return {
    info: {
      id,
      engine: 'vllm',
      models,
      slots: 4,
      state,
      labels: {},
      startedAt: 1000,
      version: 't',
    },
    load: { ...emptyLoad(4), ...load },
    at: 2000,
  };
}

const queue = (
  depth: number,
  byPriorityClass: Record<string, number> = {},
): SharedQueueSummary => ({
  depth,
  byPriorityClass,
  oldestWaitMs: depth > 0 ? 1500 : null,
  complete: true,
});

describe('adminNode', () => {
  it('reports slots used from the node’s free slots, and nulls where the node knows nothing', () => {
    const n = adminNode(snapshot('a', ['m'], 'ready', { slotsFree: 1, running: 3 }), 42);
    expect(n).toMatchObject({
      slots: { total: 4, free: 1, used: 3 },
      running: 3,
      decodeTokensPerSecond: null,
      ttftP50Ms: null,
      accelerators: [],
      heartbeatAgeMs: 42,
      agentUrl: null,
      stateReason: null,
    });
  });
});

describe('adminModels', () => {
  const nodes = [
    adminNode(
      snapshot('a', ['m'], 'ready', {
        decodeTokensPerSecond: 50,
        generationTokensPerSecond: 80,
        running: 2,
        waiting: 1,
      }),
      0,
    ),
    adminNode(
      snapshot('b', ['m', 'n'], 'ready', {
        decodeTokensPerSecond: null,
        generationTokensPerSecond: 20,
      }),
      0,
    ),
    adminNode(snapshot('c', ['m'], 'cordoned', { decodeTokensPerSecond: 100 }), 0),
  ];

  it('counts capacity on ready nodes only, from measured speeds, and demand on every node', () => {
    const [m] = adminModels(nodes, new Map([['m', queue(5)]]), ['m']);
    expect(m).toEqual({
      model: 'm',
      servedBy: [
        { node: 'a', state: 'ready' },
        { node: 'b', state: 'ready' },
        { node: 'c', state: 'cordoned' },
      ],
      readyNodes: 2,
      capacity: { slots: 8, generationTokensPerSecond: 200 }, // a: 4 × 50; b unmeasured; c cordoned
      demand: {
        running: 2,
        waiting: 6,
        generationTokensPerSecond: 100,
        promptTokensPerSecond: null,
      },
      utilization: 0.5,
    });
  });

  it('leaves capacity and utilisation unknown until some ready node has measured its speed', () => {
    const [n] = adminModels(nodes, new Map(), ['n']);
    expect(n!.capacity.generationTokensPerSecond).toBeNull();
    expect(n!.utilization).toBeNull();
  });

  it('lists a model whose nodes are all gone, with no capacity', () => {
    const [gone] = adminModels([], new Map([['gone', queue(2)]]), ['gone']);
    expect(gone).toMatchObject({ readyNodes: 0, servedBy: [], demand: { waiting: 2 } });
  });
});

describe('adminQueues', () => {
  it('adds what waits on the nodes serving the model to its shared queue', () => {
    const nodes = [adminNode(snapshot('a', ['m'], 'ready', { waiting: 3 }), 0)];
    expect(adminQueues(nodes, new Map([['m', queue(4, { '5': 3, '9': 1 })]]))).toEqual([
      {
        model: 'm',
        shared: 4,
        byPriorityClass: { '5': 3, '9': 1 },
        oldestWaitMs: 1500,
        onNodes: 3,
      },
    ]);
  });
});
