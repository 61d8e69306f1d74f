import type { NodeLoad } from '@switchyard/contracts';
import { fixtureText } from '@switchyard/testing';
import type { EngineCounters } from '../engine-adapter';
import { vllmAdapter } from './vllm.adapter';

const metrics = (name: string) => ({ metrics: fixtureText('vllm', name) });

const LABELS = '{engine="0",model_name="m"}';

describe('vllmAdapter.loadSources', () => {
  it('scrapes /metrics on the inference address', () => {
    expect(vllmAdapter.loadSources).toEqual({
      metrics: { plane: 'inference', path: '/metrics' },
    });
  });
});

describe('vllmAdapter.parseLoad', () => {
  it.each<[string, Record<string, string | undefined>, Partial<NodeLoad>]>([
    ['metrics.prom', metrics('metrics.prom'), { running: 3, waiting: 1, kvCacheUsage: 0.4231 }],
    // Two data-parallel ranks: requests add up, the cache ratio is their mean.
    [
      'metrics-dp2.prom',
      metrics('metrics-dp2.prom'),
      { running: 7, waiting: 3, kvCacheUsage: 0.375 },
    ],
    [
      'metrics-deprecated.prom (gpu_* names)',
      metrics('metrics-deprecated.prom'),
      { running: 2, waiting: 0, kvCacheUsage: 0.0875 },
    ],
    [
      'both cache names (hidden metrics shown): the current one wins',
      {
        metrics: `vllm:gpu_cache_usage_perc${LABELS} 0.9\nvllm:kv_cache_usage_perc${LABELS} 0.25\n`,
      },
      { kvCacheUsage: 0.25 },
    ],
    [
      'a ratio outside 0..1',
      { metrics: `vllm:kv_cache_usage_perc${LABELS} 1.0000001\n` },
      { kvCacheUsage: 1 },
    ],
    ['NaN gauges', { metrics: `vllm:num_requests_running${LABELS} NaN\n` }, {}],
    // --disable-log-stats: only process and HTTP metrics remain.
    ['no vllm: series', { metrics: 'process_resident_memory_bytes 3.1e+09\n' }, {}],
    ['no body (scrape failed)', { metrics: undefined }, {}],
    ['nothing at all', {}, {}],
    ['an unreadable body', { metrics: '<html>502 Bad Gateway</html>' }, {}],
  ])('reads %s', (_name, bodies, load) => {
    expect(vllmAdapter.parseLoad(bodies)).toEqual(load);
  });

  it('leaves slots and windowed rates to the worker', () => {
    const load = vllmAdapter.parseLoad(metrics('metrics.prom'));
    for (const key of [
      'slotsTotal',
      'slotsFree',
      'prefixCacheHitRate',
      'promptTokensPerSecond',
      'generationTokensPerSecond',
      'ttftMs',
    ]) {
      expect(load).not.toHaveProperty(key);
    }
  });
});

describe('vllmAdapter.parseCounters', () => {
  it.each<[string, Record<string, string | undefined>, Partial<EngineCounters>]>([
    [
      'metrics.prom',
      metrics('metrics.prom'),
      {
        promptTokensTotal: 612352,
        generationTokensTotal: 198411,
        generationTokensInFlight: 0,
        prefixCacheQueriesTotal: 528640,
        prefixCacheHitsTotal: 301568,
        ttftSecondsSum: 38.91,
        ttftCount: 412,
      },
    ],
    [
      'metrics-dp2.prom (summed over ranks)',
      metrics('metrics-dp2.prom'),
      {
        promptTokensTotal: 612352,
        generationTokensTotal: 198411,
        generationTokensInFlight: 0,
        prefixCacheQueriesTotal: 528640,
        prefixCacheHitsTotal: 301568,
        ttftSecondsSum: 38.75,
        ttftCount: 412,
      },
    ],
    [
      'metrics-deprecated.prom (gpu_prefix_cache_*_total)',
      metrics('metrics-deprecated.prom'),
      {
        promptTokensTotal: 40960,
        generationTokensTotal: 12288,
        generationTokensInFlight: 0,
        prefixCacheQueriesTotal: 20480,
        prefixCacheHitsTotal: 8192,
        ttftSecondsSum: 4.2,
        ttftCount: 80,
      },
    ],
    [
      'deprecated names without _total',
      {
        metrics: `vllm:gpu_prefix_cache_queries${LABELS} 100\nvllm:gpu_prefix_cache_hits${LABELS} 40\n`,
      },
      { prefixCacheQueriesTotal: 100, prefixCacheHitsTotal: 40 },
    ],
    [
      'current and deprecated names side by side: counted once',
      {
        metrics: [
          `vllm:prefix_cache_queries_total${LABELS} 500`,
          `vllm:gpu_prefix_cache_queries_total${LABELS} 500`,
          `vllm:prefix_cache_hits_total${LABELS} 200`,
          `vllm:gpu_prefix_cache_hits_total${LABELS} 200`,
        ].join('\n'),
      },
      { prefixCacheQueriesTotal: 500, prefixCacheHitsTotal: 200 },
    ],
    ['no body', { metrics: undefined }, {}],
    ['an unreadable body', { metrics: 'not prometheus' }, {}],
  ])('reads %s', (_name, bodies, counters) => {
    expect(vllmAdapter.parseCounters(bodies)).toEqual(counters);
  });
});

describe('vLLM max_num_seqs', () => {
  it('takes the slot count from a config-info gauge that carries it, summed over ranks', () => {
    const metrics = [
      'vllm:scheduler_config_info{engine="0",max_num_seqs="256",model_name="m"} 1.0',
      'vllm:scheduler_config_info{engine="1",max_num_seqs="256",model_name="m"} 1.0',
      'vllm:cache_config_info{block_size="16",engine="0",num_gpu_blocks="27521"} 1.0',
    ].join('\n');
    expect(vllmAdapter.parseLoad({ metrics }).slotsTotal).toBe(512);
  });

  it('leaves it out when no gauge states it (the usual case)', () => {
    const metrics = 'vllm:cache_config_info{block_size="16",engine="0",num_gpu_blocks="9"} 1.0\n';
    expect(vllmAdapter.parseLoad({ metrics }).slotsTotal).toBeUndefined();
  });
});
