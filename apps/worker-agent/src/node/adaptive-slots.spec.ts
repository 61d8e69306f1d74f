import type { EngineCounters } from '@switchyard/engines';
import { AdaptiveSlots } from './adaptive-slots';

/** Own counters after `n` more finished requests with this TTFT and inter-token latency. */
class Counters {
  private c: Partial<EngineCounters> = {
    ttftCount: 0,
    ttftSecondsSum: 0,
    decodeTokensTotal: 0,
    decodeSecondsSum: 0,
  };
  finish(n: number, ttft: number, itl: number): Partial<EngineCounters> {
    this.c = {
      ttftCount: this.c.ttftCount! + n,
      ttftSecondsSum: this.c.ttftSecondsSum! + n * ttft,
      decodeTokensTotal: this.c.decodeTokensTotal! + n * 10,
      decodeSecondsSum: this.c.decodeSecondsSum! + n * 10 * itl,
    };
    return this.c;
  }
}

describe('AdaptiveSlots', () => {
  it('grows while every slot is busy and latency stays flat, up to its bound', () => {
    const slots = new AdaptiveSlots({ initial: 4, min: 1, max: 256, tolerance: 2.5 });
    const own = new Counters();
    slots.step({ active: 0, own: own.finish(0, 0, 0) });
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      seen.push(slots.step({ active: slots.slots, own: own.finish(4, 0.05, 0.02) }));
    }
    expect(seen.slice(0, 4)).toEqual([6, 9, 14, 21]);
    expect(slots.slots).toBe(256);
  });

  it('holds while slots are idle: no demand, no growth', () => {
    const slots = new AdaptiveSlots({ initial: 8, min: 1, max: 256, tolerance: 2.5 });
    const own = new Counters();
    slots.step({ active: 0, own: own.finish(0, 0, 0) });
    for (let i = 0; i < 5; i++) slots.step({ active: 2, own: own.finish(2, 0.05, 0.02) });
    expect(slots.slots).toBe(8);
  });

  it('shrinks when TTFT or inter-token latency climbs past the tolerance', () => {
    const slots = new AdaptiveSlots({ initial: 64, min: 1, max: 256, tolerance: 2.5 });
    const own = new Counters();
    slots.step({ active: 0, own: own.finish(0, 0, 0) });
    slots.step({ active: 10, own: own.finish(4, 0.05, 0.02) });
    expect(slots.step({ active: 64, own: own.finish(4, 0.5, 0.02) })).toBe(44);
    expect(slots.step({ active: 44, own: own.finish(4, 0.05, 0.2) })).toBe(30);
  });

  it('takes the engine’s running count when the engine queues requests itself', () => {
    const slots = new AdaptiveSlots({ initial: 64, min: 1, max: 256, tolerance: 2.5 });
    const own = new Counters();
    expect(
      slots.step({ active: 64, engineRunning: 48, engineWaiting: 16, own: own.finish(0, 0, 0) }),
    ).toBe(48);
  });
});

describe('AdaptiveSlots after the engine queued', () => {
  it('does not grow past what the engine ran when it queued', () => {
    const slots = new AdaptiveSlots({ initial: 300, min: 1, max: 1024, tolerance: 2.5 });
    const own = new Counters();
    slots.step({ active: 300, engineRunning: 256, engineWaiting: 44, own: own.finish(0, 0, 0) });
    for (let i = 0; i < 10; i++) {
      slots.step({
        active: slots.slots,
        engineRunning: 256,
        engineWaiting: 0,
        own: own.finish(8, 0.05, 0.02),
      });
    }
    expect(slots.slots).toBe(256);
  });
});
