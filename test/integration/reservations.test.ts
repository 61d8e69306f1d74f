import { JobProducer, ReservationStore } from '@switchyard/cluster';
import { makeInferenceJob } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The slot claims every gateway replica shares, made by the dispatch script. */
describe('cluster-wide reservations', () => {
  const ctx = useRedisContext();
  const producer = (name: string, reservationTtlMs = 60_000) => {
    const p = new JobProducer(ctx.connect(name), ctx.keys, { reservationTtlMs });
    ctx.teardown.add(() => p.close());
    return p;
  };
  const jobs = async (nodeId: string) => ctx.redis.zcard(ctx.keys.nodeJobs(nodeId));

  it('two replicas racing a burst never grant more than a node’s limit', async () => {
    const replicas = [producer('gw1'), producer('gw2')];
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        replicas[i % 2]!.dispatch(
          i < 20 ? 'n1' : 'n2',
          makeInferenceJob(`burst-${i}`),
          i < 20 ? 3 : 5,
        ),
      ),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(8);
    expect([await jobs('n1'), await jobs('n2')]).toEqual([3, 5]);
    // A refused dispatch reports the node full, and wrote nothing.
    expect(Math.max(...results.map((r) => r.held))).toBe(5);
  });

  it('release frees the slot; a node’s own hold counts against its limit', async () => {
    const p = producer('a');
    const holds = new ReservationStore(ctx.redis, ctx.keys);
    expect((await p.dispatch('n', makeInferenceJob('r1'), 2)).granted).toBe(true);
    await holds.hold('n', 'pulled-1');
    expect((await p.dispatch('n', makeInferenceJob('r2'), 2)).granted).toBe(false);
    await p.release('n', 'r1');
    const again = await p.dispatch('n', makeInferenceJob('r2'), 2);
    expect(again).toMatchObject({ granted: true, held: 2 });
  });

  it('a reservation its holder never releases lapses after the TTL', async () => {
    const p = producer('short', 150);
    expect((await p.dispatch('n', makeInferenceJob('orphan'), 1)).granted).toBe(true);
    expect((await p.dispatch('n', makeInferenceJob('next'), 1)).granted).toBe(false);
    await sleep(250);
    expect((await p.dispatch('n', makeInferenceJob('next'), 1)).granted).toBe(true);
  });
});
