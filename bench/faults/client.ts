import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createParser } from 'eventsource-parser';
import { request } from 'undici';
import type { ChatCase } from './reference';

/**
 * One OpenAI chat stream, read to its end and judged against its reference. Each request has
 * a connection of its own (`reset`), so a gateway restart meets no stale keep-alive socket and
 * the front door spreads requests one by one.
 */
export const OUTCOMES = ['ok', 'failed-cleanly', 'lost', 'hung', 'corrupt', 'leaked'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface RequestRecord {
  id: number;
  /** Which part of the scenario sent it: the steady load, a burst, a disconnecting client… */
  kind: string;
  outcome: Outcome;
  /** ms since the scenario's load started. */
  startMs: number;
  endMs: number;
  status?: number;
  /** Error code or reason, for the notes. */
  detail?: string;
  receivedChars: number;
  expectedChars: number;
}

export interface StreamOptions {
  /** Past this many ms from the start the request is aborted and counted hung. */
  deadlineMs: number;
  /** The scenario's clock origin (performance.now()). */
  t0: number;
  kind: string;
  /** Abort after this many content chunks (a disconnecting client); the outcome is then `ok`. */
  abortAfterChunks?: number;
  /** Read at most this many bytes per second (a slow reader). */
  readBytesPerS?: number;
  /** Stop reading (abort) after this many ms (slow readers). */
  holdMs?: number;
}

interface Chunk {
  choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
  error?: { code?: string | null; type?: string; message?: string };
}

interface Seen {
  text: string;
  chunks: number;
  finishReason?: string;
  done: boolean;
  errorCode?: string;
  malformed?: string;
}

export async function streamChat(
  base: string,
  c: ChatCase,
  o: StreamOptions,
): Promise<RequestRecord> {
  const startMs = performance.now() - o.t0;
  const seen: Seen = { text: '', chunks: 0, done: false };
  const deadline = new AbortController();
  const stop = new AbortController();
  const timer = setTimeout(() => deadline.abort(), o.deadlineMs);
  const holdTimer = o.holdMs ? setTimeout(() => stop.abort(), o.holdMs) : undefined;
  const signal = AbortSignal.any([deadline.signal, stop.signal]);
  const record = (outcome: Outcome, extra: Partial<RequestRecord> = {}): RequestRecord => ({
    id: c.id,
    kind: o.kind,
    outcome,
    startMs,
    endMs: performance.now() - o.t0,
    receivedChars: seen.text.length,
    expectedChars: c.expected.text.length,
    ...extra,
  });
  const parser = createParser({
    onEvent: ({ data }) => {
      if (data === '[DONE]') {
        seen.done = true;
        return;
      }
      let chunk: Chunk;
      try {
        chunk = JSON.parse(data) as Chunk;
      } catch {
        seen.malformed ??= data.slice(0, 80);
        return;
      }
      if (chunk.error) seen.errorCode ??= chunk.error.code ?? chunk.error.type ?? 'error';
      const choice = chunk.choices?.[0];
      if (choice?.delta?.content) {
        seen.text += choice.delta.content;
        seen.chunks++;
        if (o.abortAfterChunks !== undefined && seen.chunks >= o.abortAfterChunks) stop.abort();
      }
      if (choice?.finish_reason) seen.finishReason = choice.finish_reason;
    },
  });
  let status: number | undefined;
  try {
    const res = await request(base + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(c.body),
      signal,
      reset: true,
      headersTimeout: o.deadlineMs,
      bodyTimeout: o.deadlineMs,
    });
    status = res.statusCode;
    if (status !== 200) {
      const body = await res.body.text();
      return record(errorBodyOutcome(body), { status, detail: `${status} ${body.slice(0, 100)}` });
    }
    const decoder = new TextDecoder();
    for await (const piece of res.body) {
      parser.feed(decoder.decode(piece as Buffer, { stream: true }));
      if (o.readBytesPerS) {
        await sleep(((piece as Buffer).length / o.readBytesPerS) * 1000, undefined, { signal });
      }
    }
    return judge(c, seen, record, status);
  } catch (err) {
    if (stop.signal.aborted) return record('ok', { status, detail: 'client went away' });
    if (deadline.signal.aborted) {
      const where =
        seen.text.length > 0
          ? 'mid-answer'
          : status
            ? 'before the first token'
            : 'before any answer';
      return record('hung', { status, detail: `open ${where}${seen.done ? ' after [DONE]' : ''}` });
    }
    const reason = err instanceof Error ? ((err as { code?: string }).code ?? err.message) : '';
    // Text received before the connection broke must still be a prefix of the answer.
    if (!c.expected.text.startsWith(seen.text))
      return record('corrupt', { status, detail: reason });
    return record('lost', { status, detail: `${reason} after ${describe(seen)}` });
  } finally {
    clearTimeout(timer);
    if (holdTimer) clearTimeout(holdTimer);
  }
}

/** A non-200 answer is clean only in the dialect's error shape. */
function errorBodyOutcome(body: string): Outcome {
  try {
    const json = JSON.parse(body) as { error?: { message?: unknown; type?: unknown } };
    if (typeof json.error?.message === 'string' && typeof json.error.type === 'string') {
      return 'failed-cleanly';
    }
  } catch {
    // not JSON
  }
  return 'lost';
}

function judge(
  c: ChatCase,
  seen: Seen,
  record: (o: Outcome, extra?: Partial<RequestRecord>) => RequestRecord,
  status: number,
): RequestRecord {
  const prefix = c.expected.text.startsWith(seen.text);
  if (seen.malformed) return record('corrupt', { status, detail: `bad frame ${seen.malformed}` });
  if (seen.errorCode) {
    return record(prefix ? 'failed-cleanly' : 'corrupt', { status, detail: seen.errorCode });
  }
  if (seen.done && seen.finishReason) {
    const same = seen.text === c.expected.text && seen.finishReason === c.expected.finishReason;
    return same
      ? record('ok', { status })
      : record('corrupt', { status, detail: `differs: ${describe(seen)}` });
  }
  // The stream ended with neither an end nor an error: the answer was cut.
  return record(prefix ? 'lost' : 'corrupt', { status, detail: `cut: ${describe(seen)}` });
}

function describe(seen: Seen): string {
  return `${seen.text.length} chars, ${seen.chunks} chunks${seen.done ? ', [DONE]' : ''}${
    seen.finishReason ? `, finish ${seen.finishReason}` : ''
  }`;
}
