import type { EngineCounters } from '@switchyard/engines';

/**
 * The worker's own bookkeeping of the requests it ran, as cumulative counters in the same
 * shape engines expose: the fallback for figures an engine does not report.
 */
export class OwnCounters {
  private readonly totals: Pick<
    EngineCounters,
    'promptTokensTotal' | 'generationTokensTotal' | 'ttftSecondsSum' | 'ttftCount'
  > = {
    promptTokensTotal: 0,
    generationTokensTotal: 0,
    ttftSecondsSum: 0,
    ttftCount: 0,
  };

  firstToken(secondsSinceStart: number): void {
    this.totals.ttftSecondsSum += secondsSinceStart;
    this.totals.ttftCount += 1;
  }

  usage(promptTokens: number, completionTokens: number): void {
    this.totals.promptTokensTotal += promptTokens;
    this.totals.generationTokensTotal += completionTokens;
  }

  snapshot(): Partial<EngineCounters> {
    return { ...this.totals };
  }
}
