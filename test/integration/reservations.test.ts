import { ReservationStore } from '@switchyard/cluster';
import { useRedisContext } from './redis-context';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('cluster-wide reservations', () => {
  const ctx = useRedisContext();
  const store = (name: string, ttlMs = 60_000) =>
    new ReservationStore(ctx.connect(name), ctx.keys, ttlMs);

  it('grants the first offered node with room and reports every node’s count', async () => {
    const s = store('a');
    const offers = [
      { nodeId: 'fast', limit: 2 },
      { nodeId: 'slow', limit: 1 },
    ];
    const granted: (string | null)[] = [];
    for (let i = 0; i < 4; i++) granted.push((await s.reserve(`r${i}`, offers)).nodeId);
    expect(granted).toEqual(['fast', 'fast', 'slow', null]);
    const last = await s.reserve('r9', offers);
    expect(last.held).toEqual(
      new Map([
        ['fast', 2],
        ['slow', 1],
      ]),
    );
  });

  it('two replicas racing a burst never grant more than the nodes’ limits', async () => {
    const replicas = [store('gw1'), store('gw2')];
    const offers = [
      { nodeId: 'n1', limit: 3 },
      { nodeId: 'n2', limit: 5 },
    ];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => replicas[i % 2]!.reserve(`burst-${i}`, offers)),
    );
    const per = new Map<string, number>();
    for (const r of results) if (r.nodeId) per.set(r.nodeId, (per.get(r.nodeId) ?? 0) + 1);
    expect(per).toEqual(
      new Map([
        ['n1', 3],
        ['n2', 5],
      ]),
    );
    expect(results.filter((r) => r.nodeId === null)).toHaveLength(32);
    expect(await replicas[0]!.counts(['n1', 'n2', 'n3'])).toEqual(
      new Map([
        ['n1', 3],
        ['n2', 5],
        ['n3', 0],
      ]),
    );
  });

  it('release frees the slot; a node’s own hold counts against its limit', async () => {
    const s = store('a');
    const offers = [{ nodeId: 'n', limit: 2 }];
    expect((await s.reserve('r1', offers)).nodeId).toBe('n');
    await s.hold('n', 'pulled-1');
    expect((await s.reserve('r2', offers)).nodeId).toBeNull();
    await s.release('n', 'r1');
    expect((await s.reserve('r2', offers)).nodeId).toBe('n');
    expect(await s.counts(['n'])).toEqual(new Map([['n', 2]]));
  });

  it('a reservation its holder never releases lapses after the TTL', async () => {
    const s = store('short', 150);
    const offers = [{ nodeId: 'n', limit: 1 }];
    expect((await s.reserve('orphan', offers)).nodeId).toBe('n');
    expect((await s.reserve('next', offers)).nodeId).toBeNull();
    await sleep(250);
    expect(await s.counts(['n'])).toEqual(new Map([['n', 0]]));
    expect((await s.reserve('next', offers)).nodeId).toBe('n');
  });
});
