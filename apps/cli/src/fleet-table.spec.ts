import type { AdminNode } from '@switchyard/contracts';
import { accelerators, age, nodesTable, plain, queuesTable } from './fleet-table';

function node(id: string, over: Partial<AdminNode> = {}): AdminNode {
  return {
    id,
    state: 'ready',
    stateReason: null,
    engine: 'vllm',
    models: ['m'],
    labels: {},
    slots: { total: 8, free: 5, used: 3 },
    running: 3,
    waiting: 1,
    kvCacheUsage: 0.374,
    prefixCacheHitRate: null,
    prefillTokensPerSecond: null,
    decodeTokensPerSecond: 40,
    promptTokensPerSecond: 10,
    generationTokensPerSecond: 123.4,
    ttftMs: 200,
    ttftP50Ms: 180,
    derived: [],
    accelerators: [],
    heartbeatAgeMs: 100,
    startedAt: 0,
    agentUrl: null,
    version: 't',
    ...over,
  };
}

describe('nodesTable', () => {
  it('aligns columns under their headers, plain when not on a terminal', () => {
    const text = nodesTable(
      [
        node('vllm-1'),
        node('mindie-long-name', {
          state: 'cordoned',
          engine: 'mindie',
          kvCacheUsage: null,
          ttftP50Ms: 1500,
        }),
      ],
      90_000,
      { colour: false },
    );
    const [header, a, b] = text.split('\n');
    expect(header).toBe(
      'NODE              STATE     ENGINE  MODELS  SLOTS  QUEUE  KV   TOK/S  TTFT P50  ACCELERATORS  AGE',
    );
    expect(a).toBe(
      'vllm-1            ready     vllm    m       3/8    1      37%  123    180ms     -             90s',
    );
    expect(b).toBe(
      'mindie-long-name  cordoned  mindie  m       3/8    1      -    123    1.5s      -             90s',
    );
  });

  it('colours the state on a terminal without moving the columns', () => {
    const coloured = nodesTable([node('a'), node('b', { state: 'draining' })], 0, { colour: true });
    expect(coloured).toContain('\x1b[32mready   \x1b[0m');
    expect(coloured).toContain('\x1b[33mdraining\x1b[0m');
    expect(plain(coloured)).toBe(
      nodesTable([node('a'), node('b', { state: 'draining' })], 0, { colour: false }),
    );
  });

  it('says so when the fleet is empty', () => {
    expect(nodesTable([], 0, { colour: false })).toBe('No nodes in the fleet.');
  });
});

describe('queuesTable', () => {
  it('lists priority classes highest first', () => {
    const text = queuesTable(
      [
        {
          model: 'm',
          shared: 4,
          byPriorityClass: { '3': 1, '9': 3 },
          oldestWaitMs: 2500,
          onNodes: 2,
        },
      ],
      { colour: false },
    );
    expect(text.split('\n')[1]).toBe('m      4             9:3 3:1            2.5s         2');
  });
});

describe('accelerators and age', () => {
  it('groups devices by name with their mean utilisation, and flags unhealthy ones', () => {
    const gpu = (utilization: number, health: 'ok' | 'warning' = 'ok') => ({
      kind: 'gpu' as const,
      index: 0,
      chip: 0,
      name: 'NVIDIA H100 80GB HBM3',
      utilization,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
      temperatureCelsius: null,
      powerWatts: null,
      health,
    });
    expect(accelerators([gpu(0.2), gpu(0.4)])).toBe('2×H100 80GB HBM3 30%');
    expect(accelerators([gpu(0.2), gpu(0.4, 'warning')])).toBe('2×H100 80GB HBM3 30% !');
    expect(accelerators([])).toBe('-');
  });

  it('reads like kubectl', () => {
    expect([age(5_000), age(600_000), age(4 * 3600_000), age(3 * 86_400_000)]).toEqual([
      '5s',
      '10m',
      '4h',
      '3d',
    ]);
  });
});
