/*
 * What a fake node's engine does with a job: scripted answers, failures before and after
 * output, hangs and slow streams. Scripts only emit canonical events; the fake node numbers
 * and publishes them.
 */
import {
  ERROR_CODES,
  type ErrorCode,
  type InferenceJob,
  type StreamEvent,
} from '@switchyard/contracts';

/** What a script may do with the job it runs. */
export interface ScriptContext {
  readonly job: InferenceJob;
  /** Aborts when the gateway cancels the request (or the node closes). */
  readonly signal: AbortSignal;
  /** Publishes one event, numbered in order; the `start` event was already sent. */
  emit(event: StreamEvent): Promise<void>;
}

/**
 * The engine's behaviour for one job. It must end with a terminal event unless its signal
 * aborted; the node then sends SY_CANCELLED, as the worker does.
 */
export type Script = (ctx: ScriptContext) => Promise<void>;

/** An error event for `code`, with the code's own retryable flag. */
export function failure(code: ErrorCode, message = `scripted ${code}`): StreamEvent {
  return { type: 'error', code, message, retryable: ERROR_CODES[code].retryable };
}

/** The text split into `tokens` deltas of about equal length. */
function pieces(text: string, tokens: number): string[] {
  const n = Math.max(1, Math.min(tokens, text.length));
  const size = Math.ceil(text.length / n);
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

async function emitTokens(
  ctx: ScriptContext,
  text: string,
  tokens: number,
  msPerToken = 0,
): Promise<boolean> {
  for (const piece of pieces(text, tokens)) {
    if (msPerToken > 0 && !(await pause(msPerToken, ctx.signal))) return false;
    if (ctx.signal.aborted) return false;
    await ctx.emit({ type: 'delta', index: 0, text: piece });
  }
  return true;
}

async function finish(ctx: ScriptContext, tokens: number): Promise<void> {
  await ctx.emit({ type: 'usage', promptTokens: 3, completionTokens: tokens });
  await ctx.emit({ type: 'done', choices: [{ index: 0, finishReason: 'stop' }] });
}

/** Answers `text` in `tokens` deltas, then usage and done. */
export function answer(text: string, tokens = 1): Script {
  return async (ctx) => {
    if (await emitTokens(ctx, text, tokens)) await finish(ctx, tokens);
  };
}

/** Answers like `answer`, waiting `msPerToken` before each token. */
export function slow(msPerToken: number, text = 'slow answer', tokens = 4): Script {
  return async (ctx) => {
    if (await emitTokens(ctx, text, tokens, msPerToken)) await finish(ctx, tokens);
  };
}

/** Fails with `code` before any output. */
export function failBeforeOutput(code: ErrorCode): Script {
  return (ctx) => ctx.emit(failure(code));
}

/** Sends `tokens` deltas of output, then fails with `code`. */
export function failAfterOutput(code: ErrorCode, tokens = 2): Script {
  return async (ctx) => {
    if (await emitTokens(ctx, 'partial output', tokens)) await ctx.emit(failure(code));
  };
}

/** Sends `tokens` deltas (default none), then never ends unless the request is cancelled. */
export function hang(tokens = 0): Script {
  return async (ctx) => {
    if (tokens > 0 && !(await emitTokens(ctx, 'x'.repeat(tokens), tokens))) return;
    await aborted(ctx.signal);
  };
}

/** Waits for the gate to open (or a cancel), then answers `text`. */
export function answerWhenOpen(gate: Gate, text: string): Script {
  return async (ctx) => {
    await Promise.race([gate.opened, aborted(ctx.signal)]);
    if (!ctx.signal.aborted) await answer(text)(ctx);
  };
}

/** A latch a test opens to let gated scripts go on. */
export class Gate {
  open!: () => void;
  readonly opened = new Promise<void>((resolve) => {
    this.open = resolve;
  });
}

function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

/** Waits `ms`; false when the signal aborted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
