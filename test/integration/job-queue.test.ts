import type { InferenceJob } from '@switchyard/contracts';
import {
  JobProducer,
  NodeJobConsumer,
  toBullPriority,
  type JobProcessor,
} from '@switchyard/cluster';
import { makeInferenceJob, waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise with its resolver, to hold a job open until the test releases it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('direct job dispatch', () => {
  const ctx = useRedisContext();

  function producer(): JobProducer {
    const p = new JobProducer(ctx.connect('producer'), ctx.keys);
    ctx.teardown.add(() => p.close());
    return p;
  }

  function consumer(nodeId: string, concurrency: number, processor: JobProcessor): NodeJobConsumer {
    const errors: Error[] = [];
    const c = new NodeJobConsumer(
      ctx.url,
      ctx.keys,
      nodeId,
      { concurrency, onError: (e) => errors.push(e) },
      processor,
    );
    ctx.teardown.add(() => c.close(1000));
    return c;
  }

  it('maps "higher runs first" onto BullMQ priorities', () => {
    expect(toBullPriority(0)).toBe(2_097_151);
    expect(toBullPriority(10)).toBeLessThan(toBullPriority(1));
    expect(toBullPriority(-5)).toBe(toBullPriority(0));
    expect(toBullPriority(1e12)).toBe(1);
  });

  it('never runs more jobs at once than its concurrency, and runs them all', async () => {
    const jobs = producer();
    let running = 0;
    let maxRunning = 0;
    const done: string[] = [];
    const c = consumer('node-a', 2, async (job) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await sleep(150);
      running--;
      done.push(job.request.id);
    });

    for (let i = 0; i < 6; i++) await jobs.enqueue('node-a', makeInferenceJob(`req-${i}`));

    await waitFor(() => done.length === 6, { timeoutMs: 5000, what: 'all six jobs done' });
    expect(maxRunning).toBe(2);
    expect(done.sort()).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5']);
    expect(c.active()).toBe(0);
    expect(await c.waiting()).toBe(0);
  });

  it('withdraws a waiting job, which then never runs', async () => {
    const jobs = producer();
    await jobs.enqueue('node-a', makeInferenceJob('req-keep'));
    const drop = await jobs.enqueue('node-a', makeInferenceJob('req-drop'));

    expect(await jobs.withdraw(drop)).toBe(true);
    expect(await jobs.withdraw(drop)).toBe(false);
    expect(await jobs.withdraw({ ...drop, member: '{}' })).toBe(false);

    const ran: string[] = [];
    const c = consumer('node-a', 2, async (job) => {
      ran.push(job.request.id);
    });
    await waitFor(() => ran.length === 1, { what: 'the kept job ran' });
    await sleep(300);
    expect(ran).toEqual(['req-keep']);
    expect(await c.waiting()).toBe(0);
  });

  it('does not remove a job that is running', async () => {
    const jobs = producer();
    const hold = gate();
    const ran: string[] = [];
    const c = consumer('node-a', 1, async (job) => {
      ran.push(job.request.id);
      await hold.promise;
    });
    const ticket = await jobs.enqueue('node-a', makeInferenceJob('req-active'));
    await waitFor(() => c.active() === 1, { what: 'job active' });

    expect(await jobs.withdraw(ticket)).toBe(false);

    hold.open();
    await waitFor(() => c.active() === 0, { what: 'job finished' });
    expect(ran).toEqual(['req-active']);
  });

  it('runs queued jobs by priority, higher first, in enqueue order within a priority', async () => {
    const jobs = producer();
    const order: string[] = [];
    const enqueue = (id: string, priority: number) =>
      jobs.enqueue('node-a', makeInferenceJob(id, { priority }));
    await enqueue('p0', 0);
    await enqueue('p5-first', 5);
    await enqueue('p1', 1);
    await enqueue('p5-second', 5);
    await jobs.enqueue('node-a', makeInferenceJob('p9-override', { priority: 0 }), { priority: 9 });

    const c = consumer('node-a', 1, async (job) => {
      order.push(job.request.id);
    });
    expect(await c.waiting()).toBe(5);

    await waitFor(() => order.length === 5, { what: 'all five ran' });
    expect(order).toEqual(['p9-override', 'p5-first', 'p5-second', 'p1', 'p0']);
  });

  it('pause stops taking jobs; resume takes them again', async () => {
    const jobs = producer();
    const ran: string[] = [];
    const c = consumer('node-a', 2, async (job) => {
      ran.push(job.request.id);
    });
    // Let the worker settle into its blocking fetch, so pause has to stop a fetch in flight.
    await sleep(200);
    await c.pause();
    await jobs.enqueue('node-a', makeInferenceJob('req-1'));
    await sleep(300);
    expect(ran).toEqual([]);
    expect(await c.waiting()).toBe(1);

    c.resume();
    await waitFor(() => ran.length === 1, { what: 'job ran after resume' });
  });

  it('close waits for running jobs within the grace, then aborts them', async () => {
    const jobs = producer();
    const finished: string[] = [];
    let abortReason: unknown;
    const processor = async (job: InferenceJob, signal: AbortSignal): Promise<void> => {
      if (job.request.id === 'req-quick') await sleep(100);
      else
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      abortReason = signal.reason;
      finished.push(job.request.id);
    };
    const quick = consumer('node-q', 1, processor);
    const stuck = consumer('node-s', 1, processor);
    await jobs.enqueue('node-q', makeInferenceJob('req-quick'));
    await jobs.enqueue('node-s', makeInferenceJob('req-stuck'));
    await waitFor(() => quick.active() === 1 && stuck.active() === 1, { what: 'both jobs active' });

    await quick.close(2000);
    expect(finished).toEqual(['req-quick']);

    const started = Date.now();
    await stuck.close(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(finished).toEqual(['req-quick', 'req-stuck']);
    expect(abortReason).toBeInstanceOf(Error);
  });

  it('cancel aborts the signal of the running job', async () => {
    const jobs = producer();
    let aborted = false;
    const c = consumer('node-a', 1, async (_job, signal) => {
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      aborted = true;
    });
    await jobs.enqueue('node-a', makeInferenceJob('req-c'));
    await waitFor(() => c.active() === 1, { what: 'job active' });

    expect(c.cancel('req-other')).toBe(false);
    expect(c.cancel('req-c')).toBe(true);
    await waitFor(() => aborted && c.active() === 0, { what: 'job aborted' });
  });

  it('claims a slot and hands over the job in one step, refusing past the limit', async () => {
    const jobs = producer();
    const first = await jobs.dispatch('node-d', makeInferenceJob('req-1'), 2);
    const second = await jobs.dispatch('node-d', makeInferenceJob('req-2'), 2);
    const third = await jobs.dispatch('node-d', makeInferenceJob('req-3'), 2);
    expect([first.granted, second.granted, third.granted]).toEqual([true, true, false]);
    expect(third.held).toBe(2);
    expect(await ctx.redis.zcard(ctx.keys.nodeJobs('node-d'))).toBe(2);

    // Withdrawing a job gives its slot back; releasing a finished one does too.
    if (!first.granted || !second.granted) throw new Error('unreachable');
    expect(await jobs.withdraw(first.ticket)).toBe(true);
    await jobs.release('node-d', 'req-2');
    expect(await ctx.redis.zcard(ctx.keys.reservations('node-d'))).toBe(0);
    expect((await jobs.dispatch('node-d', makeInferenceJob('req-4'), 1)).granted).toBe(true);
  });

  it('a cancel that arrives before its job is popped keeps the job from starting', async () => {
    const jobs = producer();
    const ran: string[] = [];
    const c = consumer('node-x', 1, async (job) => {
      ran.push(job.request.id);
    });
    await c.pause();
    await jobs.enqueue('node-x', makeInferenceJob('req-cancelled'));
    await jobs.enqueue('node-x', makeInferenceJob('req-kept'));
    expect(c.cancel('req-cancelled')).toBe(false);
    c.resume();
    await waitFor(() => ran.length === 1, { what: 'the kept job ran' });
    await sleep(200);
    expect(ran).toEqual(['req-kept']);
  });
});
