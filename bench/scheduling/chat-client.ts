import { performance } from 'node:perf_hooks';
import { createParser } from 'eventsource-parser';
import { Agent, request } from 'undici';

/**
 * One streamed OpenAI chat completion against the gateway, timed the way a user feels it:
 * TTFT is the first chunk with content, inter-token latency the gaps between content chunks,
 * end-to-end the last byte. Never throws: every outcome becomes a result.
 */
export interface ChatCall {
  url: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/** `http` is a status the gateway answered; the others are failures before or during the body. */
export type Outcome = 'ok' | 'http' | 'stream-error' | 'network' | 'aborted';

export interface ChatResult {
  outcome: Outcome;
  status?: number;
  /** The error's code or type, from the body or the in-band error frame. */
  errorCode?: string;
  node?: string;
  queueMs?: number;
  ttftMs?: number;
  meanItlMs?: number;
  maxItlMs?: number;
  e2eMs: number;
  /** Usage's completion_tokens when the stream reported usage, else content chunks. */
  outputTokens: number;
  promptTokens?: number;
  cachedTokens?: number;
  text: string;
}

interface Usage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number };
}

interface Chunk {
  choices?: { delta?: { content?: string | null } }[];
  usage?: Usage | null;
  error?: { code?: string | null; type?: string };
}

/** Plenty of connections: the client must never be the queue. */
export const clientAgent = new Agent({
  connections: null,
  pipelining: 0,
  keepAliveTimeout: 30_000,
});

export async function streamChat(call: ChatCall): Promise<ChatResult> {
  const started = performance.now();
  const tokenTimes: number[] = [];
  const result: ChatResult = { outcome: 'ok', e2eMs: 0, outputTokens: 0, text: '' };
  let usage: Usage | undefined;
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
        result.errorCode = chunk.error.code ?? chunk.error.type ?? 'error';
      }
      const content = chunk.choices?.[0]?.delta?.content;
      if (content) {
        tokenTimes.push(performance.now());
        result.text += content;
      }
      if (chunk.usage) usage = chunk.usage;
    },
  });
  try {
    const res = await request(call.url, {
      method: 'POST',
      dispatcher: clientAgent,
      headers: { 'content-type': 'application/json', ...call.headers },
      body: JSON.stringify(call.body),
      signal: call.signal,
    });
    result.status = res.statusCode;
    result.node = header(res.headers['x-switchyard-node']);
    const queueMs = header(res.headers['x-switchyard-queue-ms']);
    if (queueMs !== undefined) result.queueMs = Number(queueMs);
    if (res.statusCode !== 200) {
      result.outcome = 'http';
      result.errorCode = errorCodeOf(await res.body.text());
    } else {
      const decoder = new TextDecoder();
      for await (const piece of res.body)
        parser.feed(decoder.decode(piece as Buffer, { stream: true }));
      if (!done && result.outcome === 'ok') {
        result.outcome = 'stream-error';
        result.errorCode = 'stream ended without [DONE]';
      }
    }
  } catch (err) {
    result.outcome = call.signal.aborted ? 'aborted' : 'network';
    result.errorCode ??= err instanceof Error ? err.message : String(err);
  }
  result.e2eMs = performance.now() - started;
  const [first] = tokenTimes;
  if (first !== undefined) result.ttftMs = first - started;
  if (tokenTimes.length > 1) {
    const gaps = tokenTimes.slice(1).map((t, i) => t - tokenTimes[i]!);
    result.meanItlMs = (tokenTimes.at(-1)! - first!) / gaps.length;
    result.maxItlMs = Math.max(...gaps);
  }
  result.outputTokens = usage?.completion_tokens ?? tokenTimes.length;
  result.promptTokens = usage?.prompt_tokens;
  result.cachedTokens = usage?.prompt_tokens_details?.cached_tokens;
  return result;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function errorCodeOf(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string | null; type?: string } };
    return parsed.error?.code ?? parsed.error?.type ?? body.slice(0, 80);
  } catch {
    return body.slice(0, 80);
  }
}
