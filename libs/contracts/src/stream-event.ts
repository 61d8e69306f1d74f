import type { ErrorCode } from './errors';

/**
 * Canonical stream events, published by the worker-agent on the job's reply channel and
 * encoded by the gateway into the client's dialect.
 *
 * An implementer must guarantee: per request, `seq` starts at 0 and grows by one; exactly
 * one terminal event (`done` or `error`) ends the stream and nothing follows it; `start`
 * comes first when the engine accepted the request.
 */

/** Why one choice stopped. `tool_calls` when the model ended its turn by calling tools. */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top: { token: string; logprob: number; bytes: number[] | null }[];
}

export interface ToolCallDelta {
  /** Position of this call among the choice's tool calls. */
  index: number;
  /** Present on the first fragment of a call. */
  id?: string;
  name?: string;
  /** A fragment of the JSON arguments; fragments concatenate. */
  arguments?: string;
}

export interface StartEvent {
  type: 'start';
  nodeId: string;
  /** The model name the engine answered with (may differ from the request, e.g. an alias). */
  model: string;
  /** Unix seconds. */
  created: number;
}

export interface DeltaEvent {
  type: 'delta';
  /** Choice index (0 when n = 1). */
  index: number;
  text?: string;
  reasoning?: string;
  toolCalls?: ToolCallDelta[];
  logprobs?: TokenLogprob[];
}

/** One embedding vector (for `embedding` requests, in place of deltas). */
export interface EmbeddingEvent {
  type: 'embedding';
  /** Position of the input this vector embeds. */
  index: number;
  vector: number[];
}

export interface UsageEvent {
  type: 'usage';
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

export interface DoneEvent {
  type: 'done';
  /** One entry per choice, in index order. */
  choices: { index: number; finishReason: FinishReason; stopSequence?: string }[];
}

export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  retryable: boolean;
  /** Whether any delta reached the client before this error (the request cannot be retried). */
  afterOutput?: boolean;
}

export type StreamEvent =
  StartEvent | DeltaEvent | EmbeddingEvent | UsageEvent | DoneEvent | ErrorEvent;
export type StreamEventType = StreamEvent['type'];
export type TerminalEvent = DoneEvent | ErrorEvent;

export function isTerminal(e: StreamEvent): e is TerminalEvent {
  return e.type === 'done' || e.type === 'error';
}
