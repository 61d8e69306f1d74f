import type { NodeLoad } from '@switchyard/contracts';
import { fixtureText } from '@switchyard/testing';
import type { EngineCounters } from '../engine-adapter';
import { tgiAdapter } from './tgi.adapter';

const read = (name: string): string => fixtureText('tgi', name);

const NOT_EXPOSED = {
  kvCacheUsage: null,
  prefixCacheHitRate: null,
  promptTokensPerSecond: null,
  generationTokensPerSecond: null,
  ttftMs: null,
};

const bodies = (metrics?: string, info?: string): Record<string, string | undefined> => ({
  metrics: metrics === undefined ? undefined : read(metrics),
  info: info === undefined ? undefined : read(info),
});

describe('tgiAdapter.parseLoad', () => {
  it.each<[string, Record<string, string | undefined>, Partial<NodeLoad>]>([
    [
      'an idle engine',
      bodies('metrics.prom', 'info.json'),
      { running: 0, waiting: 0, slotsTotal: 128, slotsFree: 128, ...NOT_EXPOSED },
    ],
    // 12 in the batch and 5 queued hold 17 of the 128 concurrency permits.
    [
      'a busy engine',
      bodies('metrics-busy.prom', 'info.json'),
      { running: 12, waiting: 5, slotsTotal: 128, slotsFree: 111, ...NOT_EXPOSED },
    ],
    ['no /info', bodies('metrics-busy.prom'), { running: 12, waiting: 5, ...NOT_EXPOSED }],
    ['no /metrics', bodies(undefined, 'info.json'), { slotsTotal: 128, ...NOT_EXPOSED }],
    ['nothing scraped', bodies(), NOT_EXPOSED],
    [
      'unreadable bodies',
      { metrics: 'tgi_queue_size NaN\n<html>', info: '{"max_concurrent_requests":"many"}' },
      NOT_EXPOSED,
    ],
  ])('reads %s', (_name, scraped, load) => {
    expect(tgiAdapter.parseLoad(scraped)).toEqual(load);
  });
});

describe('tgiAdapter.parseCounters', () => {
  it.each<[string, Record<string, string | undefined>, Partial<EngineCounters>]>([
    [
      'an idle engine',
      bodies('metrics.prom'),
      { promptTokensTotal: 20480, generationTokensTotal: 8675 },
    ],
    [
      'a busy engine',
      bodies('metrics-busy.prom'),
      { promptTokensTotal: 96512, generationTokensTotal: 30210 },
    ],
    ['no /metrics', bodies(undefined, 'info.json'), {}],
  ])('reads the token histogram sums of %s', (_name, scraped, counters) => {
    expect(tgiAdapter.parseCounters(scraped)).toEqual(counters);
  });
});
