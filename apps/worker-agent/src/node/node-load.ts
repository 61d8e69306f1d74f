import { emptyLoad, type DerivedFigure, type NodeLoad } from '@switchyard/contracts';
import type { EngineAdapter } from '@switchyard/engines';
import { LoadWindow } from './load-window';
import { OwnCounters } from './own-counters';

const WINDOW_MS = 30_000;

/**
 * One NodeLoad for every engine: the engine's own figures where it exposes them, otherwise
 * the worker's bookkeeping of the requests it ran — and the record says which are derived.
 */
export class NodeLoadTracker {
  readonly own = new OwnCounters();
  private readonly engineWindow = new LoadWindow(WINDOW_MS);
  private readonly ownWindow = new LoadWindow(WINDOW_MS);
  /** The last speeds measured: reported on while the node idles and measures none. */
  private decodeSpeed: number | null = null;
  private prefillSpeed: number | null = null;
  private meanOutput: number | null = null;

  constructor(private readonly adapter: EngineAdapter) {}

  update(
    bodies: Readonly<Record<string, string | undefined>>,
    bookkeeping: { slots: number; active: number; queued: number },
    now: number,
  ): NodeLoad {
    const engine = this.adapter.parseLoad(bodies);
    this.engineWindow.add(now, this.adapter.parseCounters?.(bodies) ?? {});
    this.ownWindow.add(now, this.own.snapshot());
    const measured = this.engineWindow.rates();
    const ownRates = this.ownWindow.rates();
    const derived: DerivedFigure[] = [];
    // An engine generation counter that moves only as requests finish reads 0 under load:
    // the worker's own relay bookkeeping, which counts tokens as they stream, is better then.
    const engineMeasures = (key: string): boolean =>
      key !== 'generationTokensPerSecond' || measured.generationCountsInFlight;
    const pick = <K extends 'promptTokensPerSecond' | 'generationTokensPerSecond' | 'ttftMs'>(
      key: K,
    ): number | null => {
      if (engine[key] != null) return engine[key] ?? null;
      if (measured[key] !== null && engineMeasures(key)) return measured[key];
      if (ownRates[key] !== null) derived.push(key);
      return ownRates[key];
    };
    // Speeds are the worker's own measurement, engine-neutral (NodeLoad says so).
    this.decodeSpeed = ownRates.decodeTokensPerSecond ?? this.decodeSpeed;
    this.prefillSpeed = ownRates.prefillTokensPerSecond ?? this.prefillSpeed;
    this.meanOutput = ownRates.meanOutputTokens ?? this.meanOutput;
    const running = engine.running ?? (derived.push('running'), bookkeeping.active);
    if (engine.waiting === undefined) derived.push('waiting');
    const { slots } = bookkeeping;
    return {
      ...emptyLoad(slots),
      running,
      // Jobs queued on this node have not reached the engine yet: always ours to add.
      waiting: (engine.waiting ?? 0) + bookkeeping.queued,
      slotsTotal: slots,
      slotsFree: Math.max(0, slots - Math.max(running, bookkeeping.active)),
      kvCacheUsage: engine.kvCacheUsage ?? null,
      prefixCacheHitRate: engine.prefixCacheHitRate ?? measured.prefixCacheHitRate,
      promptTokensPerSecond: pick('promptTokensPerSecond'),
      generationTokensPerSecond: pick('generationTokensPerSecond'),
      ttftMs: pick('ttftMs'),
      ttftP50Ms: this.own.ttftP50Ms(now, WINDOW_MS),
      decodeTokensPerSecond: this.decodeSpeed,
      prefillTokensPerSecond: this.prefillSpeed,
      meanOutputTokens: this.meanOutput,
      ...(derived.length > 0 ? { derived } : {}),
    };
  }
}
