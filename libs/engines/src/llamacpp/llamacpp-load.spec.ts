import type { NodeLoad } from '@switchyard/contracts';
import { httpFixture } from '@switchyard/testing';
import type { EngineCounters } from '../engine-adapter';
import { llamacppAdapter } from './llamacpp.adapter';
import { llamacppCounters } from './llamacpp-load';

const fixture = (name: string): { body: string } => httpFixture('llamacpp', name);

describe('llamacppAdapter.parseLoad', () => {
  const NO_RATES = {
    prefixCacheHitRate: null,
    promptTokensPerSecond: null,
    generationTokensPerSecond: null,
    ttftMs: null,
  };
  const bodies = (metrics?: string, slots?: string) => ({
    metrics: metrics === undefined ? undefined : fixture(metrics).body,
    slots: slots === undefined ? undefined : fixture(slots).body,
  });

  it.each<[string, Record<string, string | undefined>, Partial<NodeLoad>]>([
    [
      'an idle engine',
      bodies('metrics.prom', 'slots-idle.json'),
      { running: 0, waiting: 0, slotsTotal: 4, slotsFree: 4, kvCacheUsage: 0, ...NO_RATES },
    ],
    // Slot 2 is busy: 28 cached + 1 processed prompt tokens and 11 decoded (its n_prompt_tokens,
    // 39, already counts the output on this build); the others keep stale counts of past tasks.
    [
      'a busy engine',
      bodies('metrics-busy.prom', 'slots-busy.json'),
      { running: 1, waiting: 0, slotsTotal: 4, slotsFree: 3, kvCacheUsage: 40 / 4096, ...NO_RATES },
    ],
    [
      'no /slots (--no-slots)',
      bodies('metrics-busy.prom'),
      { running: 1, waiting: 0, kvCacheUsage: null, ...NO_RATES },
    ],
    [
      'no /metrics (no --metrics)',
      bodies(undefined, 'slots-busy.json'),
      { running: 1, slotsTotal: 4, slotsFree: 3, kvCacheUsage: 40 / 4096, ...NO_RATES },
    ],
    ['nothing', {}, { kvCacheUsage: null, ...NO_RATES }],
    [
      'unreadable bodies',
      { metrics: '<html>', slots: '{"not":"an array"}' },
      { kvCacheUsage: null, ...NO_RATES },
    ],
  ])('reads %s', (_name, input, load) => {
    expect(llamacppAdapter.parseLoad(input)).toEqual(load);
  });

  it('never counts output twice on a build whose n_prompt_tokens includes it', () => {
    // 300 prompt tokens (200 cached) and 120 generated: n_prompt_tokens says 419.
    const slots = JSON.stringify([
      {
        id: 0,
        n_ctx: 1000,
        is_processing: true,
        n_prompt_tokens: 419,
        n_prompt_tokens_cache: 200,
        n_prompt_tokens_processed: 100,
        next_token: [{ n_decoded: 120 }],
      },
    ]);
    expect(llamacppAdapter.parseLoad({ slots }).kvCacheUsage).toBeCloseTo(0.42, 5);
  });

  it('reads an older build whose next_token is an object', () => {
    const slots = JSON.stringify([
      {
        id: 0,
        n_ctx: 100,
        is_processing: true,
        n_prompt_tokens: 10,
        next_token: { n_decoded: 15 },
      },
      { id: 1, n_ctx: 100, is_processing: false },
    ]);
    expect(llamacppAdapter.parseLoad({ slots })).toMatchObject({
      running: 1,
      slotsFree: 1,
      kvCacheUsage: 0.125,
    });
  });
});

describe('llamacppCounters', () => {
  it('reads the raw token and time counters', () => {
    expect(llamacppCounters(fixture('metrics.prom').body)).toEqual({
      promptTokensTotal: 181,
      promptSecondsTotal: 0.038,
      tokensPredictedTotal: 1057,
      tokensPredictedSecondsTotal: 0.969,
    });
  });

  it('returns null for counters the page lacks', () => {
    expect(llamacppCounters('llamacpp:prompt_tokens_total 5\n')).toEqual({
      promptTokensTotal: 5,
      promptSecondsTotal: null,
      tokensPredictedTotal: null,
      tokensPredictedSecondsTotal: null,
    });
  });
});

describe('llamacppAdapter.parseCounters', () => {
  it.each<[string, Record<string, string | undefined>, Partial<EngineCounters>]>([
    [
      'metrics.prom',
      { metrics: fixture('metrics.prom').body },
      { promptTokensTotal: 181, generationTokensTotal: 1057 },
    ],
    [
      'metrics-busy.prom, with /slots beside it',
      { metrics: fixture('metrics-busy.prom').body, slots: fixture('slots-busy.json').body },
      { promptTokensTotal: 181, generationTokensTotal: 62, generationTokensInFlight: 11 },
    ],
    [
      'a page with one counter',
      { metrics: 'llamacpp:prompt_tokens_total 5\n' },
      { promptTokensTotal: 5 },
    ],
    ['no /metrics (no --metrics)', { slots: fixture('slots-idle.json').body }, {}],
    ['an unreadable page', { metrics: '<html>' }, {}],
  ])('reads %s (no prefix-cache or TTFT counters exist)', (_name, bodies, counters) => {
    expect(llamacppAdapter.parseCounters(bodies)).toEqual(counters);
  });
});
