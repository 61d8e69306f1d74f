import type { FinishReason, TokenLogprob, ToolCall, UsageEvent } from '@switchyard/contracts';
import { opt } from '../opt';

/**
 * Pieces of Ollama's response objects (ollama/ollama api/types.go `ChatResponse`,
 * `GenerateResponse`, `Metrics`, `ToolCall`, `Logprob`; docs/api.md).
 */

export interface OllamaClock {
  /** Monotonic nanoseconds, for durations. */
  monoNs(): bigint;
  /** Wall-clock nanoseconds since the epoch, for `created_at`. */
  wallNs(): bigint;
}

export const systemClock: OllamaClock = {
  monoNs: () => process.hrtime.bigint(),
  // Date has millisecond resolution; the sub-millisecond digits come from the monotonic
  // clock so consecutive lines carry distinct, Go-like nanosecond timestamps.
  wallNs: () => BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n),
};

/** RFC 3339 with nine fraction digits, as Go's `time.RFC3339Nano` prints a UTC time. */
export function rfc3339Nano(wallNs: bigint): string {
  const seconds = new Date(Number(wallNs / 1_000_000n)).toISOString().slice(0, 19);
  const fraction = (wallNs % 1_000_000_000n).toString().padStart(9, '0');
  return `${seconds}.${fraction}Z`;
}

/**
 * `done_reason` values (ollama llm/server.go: the runner reports only `stop` and `length`;
 * a turn that ended in tool calls is `stop` there too).
 */
export const DONE_REASONS = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'stop',
  content_filter: 'stop',
} as const satisfies Record<FinishReason, 'stop' | 'length'>;

export interface OllamaToolCall {
  id?: string;
  function: { index: number; name: string; arguments: unknown };
}

/** Canonical calls carry JSON text; Ollama's carry the object itself. */
export function ollamaToolCalls(calls: readonly ToolCall[]): OllamaToolCall[] {
  return calls.map((c, index) => ({
    ...opt('id', c.id === '' ? undefined : c.id),
    function: { index, name: c.name, arguments: argumentsObject(c.arguments) },
  }));
}

function argumentsObject(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A model that wrote broken JSON: show the client what it wrote rather than dropping it.
    return text;
  }
}

/** api/types.go `Logprob`: `bytes` and `top_logprobs` are `omitempty`. */
export function ollamaLogprobs(lps: readonly TokenLogprob[]) {
  return lps.map((lp) => ({
    token: lp.token,
    logprob: lp.logprob,
    ...(lp.bytes && lp.bytes.length > 0 ? { bytes: lp.bytes } : {}),
    ...(lp.top.length > 0
      ? {
          top_logprobs: lp.top.map((t) => ({
            token: t.token,
            logprob: t.logprob,
            ...(t.bytes && t.bytes.length > 0 ? { bytes: t.bytes } : {}),
          })),
        }
      : {}),
  }));
}

export interface Timings {
  totalNs: bigint;
  /** Until a node took the request: behind the gateway, nodes keep their models loaded. */
  loadNs?: bigint;
  promptEvalNs?: bigint;
  evalNs?: bigint;
}

/**
 * The `Metrics` fields of the final object, in nanoseconds. Every one is `omitempty` in
 * Ollama, so zeros are left out. `load_duration` is the time until a node took the request
 * (the queue wait): nodes keep their models loaded, so that wait is what a client waits
 * before its prompt is read, where Ollama would load the model.
 */
export function finalMetrics(usage: UsageEvent | null, t: Timings) {
  return {
    ...nonZero('total_duration', t.totalNs),
    ...nonZero('load_duration', t.loadNs),
    ...nonZero('prompt_eval_count', usage?.promptTokens),
    ...nonZero('prompt_eval_duration', t.promptEvalNs),
    ...nonZero('eval_count', usage?.completionTokens),
    ...nonZero('eval_duration', t.evalNs),
  };
}

/** An `omitempty` number: left out when zero (or unknown). */
export function nonZero<K extends string>(key: K, value: number | bigint | undefined) {
  return value === undefined || value <= 0 ? {} : opt(key, Number(value));
}

/** What one line says, before the route puts it in its own place. */
export interface Piece {
  content: string;
  thinking?: string;
  toolCalls?: OllamaToolCall[];
}

export type OllamaShape = 'chat' | 'generate';

/** Chat puts the output in `message`; generate puts it at the top level as `response`. */
export const SHAPES = {
  chat: (p: Piece) => ({
    message: {
      role: 'assistant',
      content: p.content,
      ...opt('thinking', p.thinking),
      ...opt('tool_calls', p.toolCalls),
    },
  }),
  generate: (p: Piece) => ({
    response: p.content,
    ...opt('thinking', p.thinking),
    ...opt('tool_calls', p.toolCalls),
  }),
} as const satisfies Record<OllamaShape, (p: Piece) => object>;
