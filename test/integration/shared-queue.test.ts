import { JobProducer, NodeJobConsumer, TenantTurns, type JobProcessor } from '@switchyard/cluster';
import { queuePriority } from '../../apps/gateway/src/inference/admission-policy';
import { makeInferenceJob, waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const MODEL = 'llama3.1:8b';

/** Late binding: requests wait in their model's shared queue until some node has a free slot. */
describe('shared model queues', () => {
  const ctx = useRedisContext();

  function producer(): JobProducer {
    const p = new JobProducer(ctx.connect('producer'), ctx.keys);
    ctx.teardown.add(() => p.close());
    return p;
  }

  function node(nodeId: string, slots: number, processor: JobProcessor): NodeJobConsumer {
    const c = new NodeJobConsumer(ctx.url, ctx.keys, nodeId, { concurrency: slots }, processor);
    c.pullShared([MODEL]);
    ctx.teardown.add(() => c.close(1000));
    return c;
  }

  it('each request goes to whichever node frees a slot first, never beyond its slots', async () => {
    const jobs = producer();
    const ranOn = new Map<string, string>();
    const active = { fast: 0, slow: 0 };
    const peak = { fast: 0, slow: 0 };
    const processor =
      (name: 'fast' | 'slow', ms: number): JobProcessor =>
      async (job) => {
        active[name]++;
        peak[name] = Math.max(peak[name], active[name]);
        ranOn.set(job.request.id, name);
        await sleep(ms);
        active[name]--;
      };
    for (let i = 0; i < 10; i++) await jobs.enqueueShared(MODEL, makeInferenceJob(`q${i}`));
    node('fast', 1, processor('fast', 40));
    node('slow', 1, processor('slow', 400));

    await waitFor(() => ranOn.size === 10, { timeoutMs: 10000, what: 'all ten requests ran' });
    const onFast = [...ranOn.values()].filter((n) => n === 'fast').length;
    // The fast node frees ten times as often, so it takes most of the queue.
    expect(onFast).toBeGreaterThanOrEqual(7);
    expect(peak).toEqual({ fast: 1, slow: 1 });
    expect(await jobs.sharedDepth(MODEL)).toBe(0);
  });

  it('serves the queue by priority once a slot frees', async () => {
    const jobs = producer();
    const order: string[] = [];
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    node('only', 1, async (job) => {
      order.push(job.request.id);
      if (job.request.id === 'blocker') await busy;
    });
    await jobs.enqueueShared(MODEL, makeInferenceJob('blocker'));
    await waitFor(() => order.length === 1, { what: 'the blocker to start' });
    await jobs.enqueueShared(MODEL, makeInferenceJob('low', { priority: 0 }));
    await jobs.enqueueShared(MODEL, makeInferenceJob('high', { priority: 9 }));
    await jobs.enqueueShared(MODEL, makeInferenceJob('mid', { priority: 3 }));
    await sleep(200);
    expect(order).toEqual(['blocker']);
    expect(await jobs.sharedDepth(MODEL)).toBe(3);
    release();
    await waitFor(() => order.length === 4, { what: 'the queue to drain' });
    expect(order).toEqual(['blocker', 'high', 'mid', 'low']);
  });

  it('within a class, tenants take turns: a burst does not hold back another tenant', async () => {
    const jobs = producer();
    const order: string[] = [];
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    node('fair', 1, async (job) => {
      order.push(job.request.id);
      if (job.request.id === 'blocker') await busy;
    });
    await jobs.enqueueShared(MODEL, makeInferenceJob('blocker'));
    await waitFor(() => order.length === 1, { what: 'the blocker to start' });
    const enqueue = async (id: string, tenant: string) => {
      const turn = await new TenantTurns(ctx.redis, ctx.keys).next(MODEL, 5, tenant);
      await jobs.enqueueShared(MODEL, makeInferenceJob(id), { priority: queuePriority(5, turn) });
    };
    for (let i = 1; i <= 4; i++) await enqueue(`burst-${i}`, 'batch-team');
    await enqueue('single', 'chat-team');
    release();
    await waitFor(() => order.length === 6, { what: 'the queue to drain' });
    expect(order).toEqual(['blocker', 'burst-1', 'single', 'burst-2', 'burst-3', 'burst-4']);
  });

  it('a paused node does not pull; a waiting request can be withdrawn', async () => {
    const jobs = producer();
    const ran: string[] = [];
    const c = node('paused', 2, async (job) => {
      ran.push(job.request.id);
    });
    await c.pause();
    await jobs.enqueueShared(MODEL, makeInferenceJob('kept'));
    await jobs.enqueueShared(MODEL, makeInferenceJob('withdrawn'));
    await sleep(300);
    expect(ran).toEqual([]);
    expect(await jobs.removeShared(MODEL, 'withdrawn')).toBe(true);
    c.resume();
    await waitFor(() => ran.length === 1, { what: 'the kept request to run' });
    await sleep(200);
    expect(ran).toEqual(['kept']);
    expect(await jobs.removeShared(MODEL, 'kept')).toBe(false);
  });
});
