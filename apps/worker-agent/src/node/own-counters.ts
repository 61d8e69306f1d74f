import type { EngineCounters } from '@switchyard/engines';

/** What the worker saw of one finished request, for its speed bookkeeping. */
export interface RequestTiming {
  /** Seconds from the job's start to its first token. */
  ttftSeconds: number;
  /** Seconds from the first token to the last. */
  decodeSeconds: number;
  promptTokens: number;
  /** Prompt tokens the engine reported as served from its prefix cache, when it says. */
  cachedTokens?: number;
  /** Output tokens over all choices. */
  completionTokens: number;
  /** Sequences the request generated in parallel (n). */
  choices: number;
}

type OwnTotals = Pick<
  EngineCounters,
  | 'promptTokensTotal'
  | 'generationTokensTotal'
  | 'ttftSecondsSum'
  | 'ttftCount'
  | 'completedRequestsTotal'
  | 'decodeTokensTotal'
  | 'decodeSecondsSum'
  | 'prefillCount'
  | 'prefillTokensTotal'
  | 'prefillSecondsSum'
  | 'prefillTokensSquaredSum'
  | 'prefillTokenSecondsSum'
  | 'generationTokensInFlight'
>;

/**
 * The worker's own bookkeeping of the requests it ran, as cumulative counters in the same
 * shape engines expose: the fallback for figures an engine does not report, and the only
 * source of per-sequence speeds (decode and prefill), which every engine gets alike.
 */
/** First tokens remembered for the median; beyond it the window keeps the most recent. */
const MAX_TTFT_SAMPLES = 4096;

export class OwnCounters {
  private readonly firstTokens: { at: number; seconds: number }[] = [];
  private readonly totals: OwnTotals = {
    promptTokensTotal: 0,
    generationTokensTotal: 0,
    ttftSecondsSum: 0,
    ttftCount: 0,
    completedRequestsTotal: 0,
    decodeTokensTotal: 0,
    decodeSecondsSum: 0,
    prefillCount: 0,
    prefillTokensTotal: 0,
    prefillSecondsSum: 0,
    prefillTokensSquaredSum: 0,
    prefillTokenSecondsSum: 0,
    generationTokensInFlight: 0,
  };

  /** Tokens relayed from a request still running (they count as in flight until it ends). */
  streamed(tokens: number): void {
    this.totals.generationTokensInFlight += tokens;
  }

  /**
   * A request's streamed tokens leave the in-flight gauge: into the total when no usage report
   * counted them (an error or cancel), else just dropped (`usage` counted the exact figure).
   */
  settled(streamedTokens: number, countedByUsage: boolean): void {
    this.totals.generationTokensInFlight -= streamedTokens;
    if (!countedByUsage) this.totals.generationTokensTotal += streamedTokens;
  }

  firstToken(secondsSinceStart: number, now = Date.now()): void {
    this.totals.ttftSecondsSum += secondsSinceStart;
    this.totals.ttftCount += 1;
    this.firstTokens.push({ at: now, seconds: secondsSinceStart });
    if (this.firstTokens.length > MAX_TTFT_SAMPLES) this.firstTokens.shift();
  }

  /** Median time to first token, ms, of the requests whose first token came in the window. */
  ttftP50Ms(now: number, windowMs: number): number | null {
    while (this.firstTokens.length > 0 && this.firstTokens[0]!.at <= now - windowMs) {
      this.firstTokens.shift();
    }
    const sorted = this.firstTokens.map((t) => t.seconds).sort((a, b) => a - b);
    if (sorted.length === 0) return null;
    const mid = sorted.length >> 1;
    const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
    return median * 1000;
  }

  usage(promptTokens: number, completionTokens: number): void {
    this.totals.promptTokensTotal += promptTokens;
    this.totals.generationTokensTotal += completionTokens;
    this.totals.completedRequestsTotal += 1;
  }

  /** A request that streamed to its end: how fast its prompt and its sequences went. */
  finished(t: RequestTiming): void {
    const uncached = t.promptTokens - Math.min(t.cachedTokens ?? 0, t.promptTokens);
    if (uncached > 0 && t.ttftSeconds > 0) {
      this.totals.prefillCount += 1;
      this.totals.prefillTokensTotal += uncached;
      this.totals.prefillSecondsSum += t.ttftSeconds;
      this.totals.prefillTokensSquaredSum += uncached * uncached;
      this.totals.prefillTokenSecondsSum += uncached * t.ttftSeconds;
    }
    // Sequences decode side by side: the speed of one is its own tokens over the span.
    const perSequence = t.completionTokens / Math.max(1, t.choices) - 1;
    if (perSequence >= 1 && t.decodeSeconds > 0) {
      this.totals.decodeTokensTotal += perSequence;
      this.totals.decodeSecondsSum += t.decodeSeconds;
    }
  }

  snapshot(): Partial<EngineCounters> {
    return { ...this.totals };
  }
}
