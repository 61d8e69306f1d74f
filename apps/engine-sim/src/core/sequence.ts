import type { JsonObject } from './json-writer';

/** What the slot pool runs and reports: one sequence is one choice of one request. */

export interface PoolSettings {
  readonly slots: number;
  readonly ctxSize: number;
  readonly prefillTokensPerSecond: number;
  readonly decodeMs: number;
  readonly batchSlowdown: number;
  /** KV cache shared by all slots, in tokens. */
  readonly kvCacheTokens: number;
}

export interface TokenVerdict {
  /** End the sequence after this token (a stop string matched). */
  readonly stop: boolean;
  /** The text sent for this token holds a line break. */
  readonly newLine: boolean;
}

export interface SequenceSpec {
  readonly prompt: readonly number[];
  /** Planned decode steps as token ids; the sequence ends after the last unless stopped. */
  readonly output: readonly number[];
  /** The request's cap, only for display (-1 = none). */
  readonly nPredict: number;
  readonly cachePrompt: boolean;
  /** Extra delay before the first token (the `stallMs` fault); the slot is held meanwhile. */
  readonly stallMs?: number;
  /** Request parameters shown for the slot while and after it runs. */
  readonly params: JsonObject;
  readonly signal: AbortSignal;
  /** Called for each decoded token, `step` counting from 0. */
  onToken(step: number, stats: () => SequenceStats): TokenVerdict;
}

export interface SequenceStats {
  readonly slotId: number;
  readonly taskId: number;
  readonly promptTokens: number;
  /** Prompt tokens reused from cache. */
  readonly cacheN: number;
  /** Prompt tokens evaluated. */
  readonly promptN: number;
  readonly promptMs: number;
  readonly predictedN: number;
  readonly predictedMs: number;
  /** Tokens left in the slot's KV cache. */
  readonly tokensCached: number;
}

export type SequenceOutcome =
  | { readonly status: 'done'; readonly stats: SequenceStats }
  | { readonly status: 'cancelled' }
  | { readonly status: 'failed'; readonly error: unknown };

export interface SlotTaskView {
  taskId: number;
  nPromptTokens: number;
  nPromptTokensProcessed: number;
  nPromptTokensCache: number;
  params: JsonObject;
  nDecoded: number;
  nPredict: number;
  hasNextToken: boolean;
  hasNewLine: boolean;
}

export interface SlotSnapshot {
  readonly id: number;
  readonly nCtx: number;
  readonly isProcessing: boolean;
  /** The running or last task; absent for a slot never used. */
  readonly task?: Readonly<SlotTaskView>;
}
