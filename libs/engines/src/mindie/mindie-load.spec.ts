import type { NodeLoad } from '@switchyard/contracts';
import { httpFixture } from '@switchyard/testing';
import type { EngineCounters } from '../engine-adapter';
import { mindieAdapter } from './mindie.adapter';

/** A fixture's body: a `.prom` file whole, an `.http` file after its headers. */
const body = (name: string): string => httpFixture('mindie', name).body;

const BUSY = 'metrics-busy.prom';
const IDLE = 'metrics-idle-no-radix.prom';
const INFO = 'info.http';
const bodies = (metrics?: string, info?: string): Record<string, string | undefined> => ({
  metrics: metrics === undefined ? undefined : body(metrics),
  info: info === undefined ? undefined : body(info),
});

/** Every nullable figure unknown: what a node without MIES_SERVICE_MONITOR_MODE=1 reports. */
const NO_METRICS = {
  kvCacheUsage: null,
  prefixCacheHitRate: null,
  promptTokensPerSecond: null,
  generationTokensPerSecond: null,
  ttftMs: null,
};

describe('mindieAdapter.parseLoad', () => {
  it.each<[string, Record<string, string | undefined>, Partial<NodeLoad>]>([
    [
      'a busy engine with its info',
      bodies(BUSY, INFO),
      {
        running: 12,
        waiting: 3,
        slotsTotal: 200,
        slotsFree: 188,
        kvCacheUsage: 0.4375,
        // The float gauge as MindIE prints it; a since-start ratio (see mindie-load.ts).
        prefixCacheHitRate: 0.6200000047683716,
        promptTokensPerSecond: 2048.5,
        generationTokensPerSecond: 512.25,
        ttftMs: null,
      },
    ],
    [
      'an idle older build (no radix gauges)',
      bodies(IDLE, INFO),
      {
        running: 0,
        waiting: 0,
        slotsTotal: 200,
        slotsFree: 200,
        kvCacheUsage: 0,
        prefixCacheHitRate: 0,
        promptTokensPerSecond: 0,
        generationTokensPerSecond: 0,
        ttftMs: null,
      },
    ],
    [
      'metrics without /info (management plane unreachable)',
      bodies(BUSY),
      {
        running: 12,
        waiting: 3,
        kvCacheUsage: 0.4375,
        prefixCacheHitRate: 0.6200000047683716,
        promptTokensPerSecond: 2048.5,
        generationTokensPerSecond: 512.25,
        ttftMs: null,
      },
    ],
    // Without monitor mode the metrics port serves nothing: figures stay null, never zero.
    ['/info without metrics', bodies(undefined, INFO), { slotsTotal: 200, ...NO_METRICS }],
    ['an empty metrics body', { metrics: '', info: undefined }, NO_METRICS],
    ['nothing', {}, NO_METRICS],
    [
      'unreadable bodies',
      { metrics: '<html>503</html>', info: '{"max_concurrent_requests":"lots"}' },
      NO_METRICS,
    ],
    [
      'NaN gauges and a zero slot count',
      {
        metrics: 'npu_cache_usage_perc{model_name="m"} NaN\nnum_requests_running 2\n',
        info: '{"max_concurrent_requests":0}',
      },
      { running: 2, ...NO_METRICS },
    ],
    [
      'more running than slots',
      { metrics: 'num_requests_running 9\n', info: '{"max_concurrent_requests":8}' },
      { running: 9, slotsTotal: 8, slotsFree: 0, ...NO_METRICS },
    ],
  ])('reads %s', (_name, input, load) => {
    expect(mindieAdapter.parseLoad(input)).toStrictEqual(load);
  });
});

describe('mindieAdapter.parseCounters', () => {
  it.each<[string, Record<string, string | undefined>, Partial<EngineCounters>]>([
    [
      'a busy engine',
      bodies(BUSY, INFO),
      {
        promptTokensTotal: 547310,
        generationTokensTotal: 402811,
        prefixCacheQueriesTotal: 1500000,
        prefixCacheHitsTotal: 930000,
        ttftSecondsSum: 131.84,
        ttftCount: 1520,
      },
    ],
    [
      'an older build without radix gauges',
      bodies(IDLE),
      { promptTokensTotal: 0, generationTokensTotal: 0, ttftSecondsSum: 0, ttftCount: 0 },
    ],
    ['no metrics body', bodies(undefined, INFO), {}],
  ])('reads %s', (_name, input, counters) => {
    expect(mindieAdapter.parseCounters(input)).toStrictEqual(counters);
  });
});
