import { startEngineSim, type RunningSim } from '..';
import type { SequenceOutcome, SequenceSpec } from './sequence';
import { SimMetrics } from './sim-metrics';
import { SlotPool } from './slot-pool';
import { tokenize } from './tokenizer';

/** KV-cache capacity and prefix-cache counters: through the pool itself and over HTTP. */

const poolSettings = {
  slots: 4,
  ctxSize: 256,
  prefillTokensPerSecond: 100_000,
  decodeMs: 2,
  batchSlowdown: 0,
  kvCacheTokens: 100,
};

function sequence(prompt: string, outputLength: number, signal: AbortSignal): SequenceSpec {
  return {
    prompt: tokenize(prompt, true),
    output: Array.from({ length: outputLength }, () => 3),
    nPredict: outputLength,
    cachePrompt: true,
    params: {},
    signal,
    onToken: () => ({ stop: false, newLine: false }),
  };
}

describe('KV capacity', () => {
  it('makes a sequence wait while a slot is free, and reports usage as tokens decode', async () => {
    const pool = new SlotPool(poolSettings, new SimMetrics());
    const first = new AbortController();
    const second = new AbortController();
    const running = pool.run(sequence('one two three', 60, first.signal));
    let secondDone: SequenceOutcome | undefined;
    const waiting = pool.run(sequence('four five six', 60, second.signal)).then((outcome) => {
      secondDone = outcome;
      return outcome;
    });
    expect(pool.busySlots).toBe(1);
    expect(pool.waitingCount).toBe(1);
    expect(pool.canStartNow([10])).toBe(false);

    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(pool.kvUsedTokens).toBeGreaterThan(4);
    expect(pool.kvUsage).toBeGreaterThan(0);
    expect(pool.kvUsage).toBeLessThan(1);
    expect(secondDone).toBeUndefined();

    expect(await running).toMatchObject({ status: 'done' });
    expect(pool.busySlots).toBe(1);
    expect(await waiting).toMatchObject({ status: 'done' });
    expect(pool.kvUsedTokens).toBe(0);
    expect(pool.kvUsage).toBe(0);
  });

  it('lets smaller sequences start once a blocked head of the line is cancelled', async () => {
    const pool = new SlotPool(poolSettings, new SimMetrics());
    const holder = new AbortController();
    const head = new AbortController();
    const holding = pool.run(sequence('hold', 60, holder.signal));
    const blocked = pool.run(sequence('big', 80, head.signal));
    const small = pool.run(sequence('small', 5, new AbortController().signal));
    expect(pool.waitingCount).toBe(2);
    head.abort();
    expect(await blocked).toEqual({ status: 'cancelled' });
    expect(pool.waitingCount).toBe(0);
    expect(await small).toMatchObject({ status: 'done' });
    holder.abort();
    await holding;
  });

  it('holds a chat request back over HTTP although three slots are free', async () => {
    const sim: RunningSim = await startEngineSim({
      engine: 'llamacpp',
      port: 0,
      model: 'tiny-llama',
      decodeMs: 3,
      kvCacheTokens: 150,
    });
    try {
      const body = (text: string) =>
        JSON.stringify({
          messages: [{ role: 'user', content: text }],
          ignore_eos: true,
          max_tokens: 100,
        });
      const post = (text: string) =>
        fetch(`${sim.url}/v1/chat/completions`, { method: 'POST', body: body(text) });
      const first = post('first in line');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const second = post('second in line');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const state = (await (await fetch(`${sim.url}/__sim/state`)).json()) as {
        busySlots: number;
        waiting: number;
        kvUsage: number;
      };
      expect(state).toMatchObject({ busySlots: 1, waiting: 1 });
      expect(state.kvUsage).toBeGreaterThan(0);
      const metrics = await (await fetch(`${sim.url}/metrics`)).text();
      expect(metrics).toMatch(/^llamacpp:requests_deferred 1$/m);
      expect(metrics).not.toMatch(/kv_cache/);
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('refuses a prompt larger than the whole KV cache as exceeding the context', async () => {
    const sim = await startEngineSim({
      engine: 'llamacpp',
      port: 0,
      model: 'tiny-llama',
      kvCacheTokens: 64,
    });
    try {
      const res = await fetch(`${sim.url}/completion`, {
        method: 'POST',
        body: JSON.stringify({ prompt: ' word'.repeat(100) }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        error: { type: 'exceed_context_size_error', n_ctx: 64 },
      });
    } finally {
      await sim.close();
    }
  });
});

describe('prefix cache counters', () => {
  it('counts lookups and hits in tokens and in sequences', async () => {
    const metrics = new SimMetrics();
    const pool = new SlotPool({ ...poolSettings, kvCacheTokens: 1000 }, metrics);
    const signal = new AbortController().signal;
    const prompt = 'a prompt that will be seen twice';
    const n = tokenize(prompt, true).length;
    await pool.run(sequence(prompt, 2, signal));
    expect(metrics.prefixCache).toEqual({ queryTokens: n, hitTokens: 0, queries: 1, hits: 0 });
    await pool.run(sequence(prompt, 2, signal));
    expect(metrics.prefixCache).toEqual({
      queryTokens: 2 * n,
      hitTokens: n - 1,
      queries: 2,
      hits: 1,
    });
    await pool.run({ ...sequence(prompt, 2, signal), cachePrompt: false });
    expect(metrics.prefixCache.queries).toBe(2);
  });
});
