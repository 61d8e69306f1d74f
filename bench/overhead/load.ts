import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { Pool } from 'undici';

/**
 * The load generator: one undici Pool per target, OpenAI chat bodies that the engine and the
 * gateway both serve, one timed call (plain or streamed), and a closed loop that keeps N calls
 * in flight. Times are performance.now() in the client, so they include the client's own wait
 * for its event loop — the same for every target.
 */
export const CHAT_PATH = '/v1/chat/completions';

export function chatBody(model: string, maxTokens: number, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: 'Say hi.' }],
    max_tokens: maxTokens,
    // The sims stop an answer early unless told not to; every answer has exactly max_tokens.
    ignore_eos: true,
    stream,
  });
}

export function pool(origin: string, connections: number): Pool {
  return new Pool(origin, {
    connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 60_000,
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
}

const HEADERS = { 'content-type': 'application/json' };

/** One non-streaming call: ms to the last byte, or NaN when it failed. */
export async function timedCall(p: Pool, body: string): Promise<number> {
  const t0 = performance.now();
  try {
    const res = await p.request({ method: 'POST', path: CHAT_PATH, headers: HEADERS, body });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes('"choices"')) return NaN;
    return performance.now() - t0;
  } catch {
    return NaN;
  }
}

export type StreamOutcome = 'ok' | 'http' | 'stream-error' | 'network' | 'aborted';

export interface StreamResult {
  outcome: StreamOutcome;
  status?: number;
  detail?: string;
  ttftMs?: number;
  /** Content chunks received. */
  chunks: number;
  /** (last content chunk − first) / (chunks − 1), in ms. */
  meanGapMs?: number;
  e2eMs: number;
}

/** A stream in progress, as the open-streams phase watches it. */
export interface StreamProgress {
  chunks: number;
  lastChunkAt: number;
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  error?: { code?: string | null; type?: string; message?: string };
}

/** One streamed call; never throws. `progress` is updated as chunks arrive. */
export async function timedStream(
  p: Pool,
  body: string,
  opts: { signal?: AbortSignal; progress?: StreamProgress } = {},
): Promise<StreamResult> {
  const t0 = performance.now();
  const result: StreamResult = { outcome: 'ok', chunks: 0, e2eMs: 0 };
  let first: number | undefined;
  let last = 0;
  let done = false;
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === '[DONE]') {
        done = true;
        return;
      }
      const chunk = JSON.parse(data) as Chunk;
      if (chunk.error) {
        result.outcome = 'stream-error';
        result.detail = chunk.error.code ?? chunk.error.type ?? chunk.error.message ?? 'error';
      }
      if (chunk.choices?.[0]?.delta?.content) {
        last = performance.now();
        first ??= last;
        result.chunks++;
        if (opts.progress) {
          opts.progress.chunks++;
          opts.progress.lastChunkAt = last;
        }
      }
    },
  });
  try {
    const res = await p.request({
      method: 'POST',
      path: CHAT_PATH,
      headers: HEADERS,
      body,
      signal: opts.signal,
    });
    result.status = res.statusCode;
    if (res.statusCode !== 200) {
      result.outcome = 'http';
      result.detail = (await res.body.text()).slice(0, 200);
    } else {
      const decoder = new TextDecoder();
      for await (const piece of res.body)
        parser.feed(decoder.decode(piece as Buffer, { stream: true }));
      if (!done && result.outcome === 'ok') {
        result.outcome = 'stream-error';
        result.detail = 'ended without [DONE]';
      }
    }
  } catch (err) {
    result.outcome = opts.signal?.aborted ? 'aborted' : 'network';
    result.detail ??= err instanceof Error ? err.message : String(err);
  }
  result.e2eMs = performance.now() - t0;
  if (first !== undefined) {
    result.ttftMs = first - t0;
    if (result.chunks > 1) result.meanGapMs = (last - first) / (result.chunks - 1);
  }
  return result;
}

/**
 * Keeps `concurrency` calls in flight until `count` calls have started or `deadline`
 * (performance.now() ms) has passed; returns every call's result in start order.
 */
export async function closedLoop<T>(
  concurrency: number,
  limit: { count?: number; deadline?: number },
  call: () => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  let started = 0;
  const more = (): boolean =>
    (limit.count === undefined || started < limit.count) &&
    (limit.deadline === undefined || performance.now() < limit.deadline);
  const lane = async (): Promise<void> => {
    while (more()) {
      const i = started++;
      results[i] = await call();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}
