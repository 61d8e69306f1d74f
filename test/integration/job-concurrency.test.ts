import { JobProducer, NodeJobConsumer } from '@switchyard/cluster';
import { makeInferenceJob, waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

/** A node whose slot count is learned while it runs takes the new figure at once. */
describe('NodeJobConsumer.setConcurrency', () => {
  const ctx = useRedisContext();

  it('takes more jobs at once as soon as its concurrency grows, and fewer after it shrinks', async () => {
    const jobs = new JobProducer(ctx.connect('producer'), ctx.keys);
    ctx.teardown.add(() => jobs.close());
    const gates: (() => void)[] = [];
    let running = 0;
    let maxRunning = 0;
    const c = new NodeJobConsumer(ctx.url, ctx.keys, 'node-c', { concurrency: 1 }, async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
    });
    ctx.teardown.add(() => c.close(1000));
    for (let i = 0; i < 8; i++) await jobs.enqueue('node-c', makeInferenceJob(`req-${i}`));

    await waitFor(() => running === 1, { what: 'one job running' });
    c.setConcurrency(4);
    await waitFor(() => running === 4, { what: 'four jobs running after growing' });
    c.setConcurrency(2);
    // Running jobs finish; no new one starts until fewer than two run.
    for (const open of gates.splice(0)) open();
    await waitFor(() => running === 2, { what: 'two jobs running after shrinking' });
    await new Promise((r) => setTimeout(r, 200));
    expect(running).toBe(2);
    expect(maxRunning).toBe(4);
    expect(() => c.setConcurrency(0)).toThrow(RangeError);
    for (;;) {
      for (const open of gates.splice(0)) open();
      if ((await c.waiting()) === 0 && running === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});
