import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type { EngineSimOptions } from '../../core/sim-options';
import { startEngineSim, type RunningSim } from '../../core/sim-server';

/**
 * Helpers for the vLLM personality specs (tests only): simulators on port 0, raw HTTP exchanges
 * that keep header order, the adapter's hand-written fixtures, and SSE records.
 */

export const MODEL = 'Qwen/Qwen3-8B';

const FIXTURES = path.resolve(__dirname, '../../../../../libs/engines/fixtures/vllm');

export interface HttpMessage {
  readonly statusLine: string;
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly body: string;
}

/** Simulators started by a spec file; `afterEach(stopSims)` closes them. */
const running: RunningSim[] = [];

export async function startVllm(options: Partial<EngineSimOptions> = {}): Promise<RunningSim> {
  const sim = await startEngineSim({
    engine: 'vllm',
    port: 0,
    model: MODEL,
    decodeMs: 1,
    ...options,
  });
  running.push(sim);
  return sim;
}

export async function stopSims(): Promise<void> {
  await Promise.all(running.splice(0).map((sim) => sim.close()));
}

export function post(
  sim: RunningSim,
  route: string,
  body: unknown,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${sim.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

export async function postJson(sim: RunningSim, route: string, body: unknown): Promise<unknown> {
  const res = await post(sim, route, body);
  if (res.status !== 200) throw new Error(`${route} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** One response as the adapter's fixtures hold it: head as sent, body de-chunked. */
export function fixture(name: string): HttpMessage {
  return parseHttp(readFileSync(path.join(FIXTURES, name), 'utf8'));
}

export const fixtureText = (name: string): string =>
  readFileSync(path.join(FIXTURES, name), 'utf8');

/** Sends one raw HTTP/1.1 request (the connection closes after it) and reads the whole answer. */
export function exchange(
  sim: RunningSim,
  method: string,
  route: string,
  body?: unknown,
): Promise<HttpMessage> {
  const text = body === undefined ? '' : JSON.stringify(body);
  const head = [`${method} ${route} HTTP/1.1`, 'Host: localhost', 'Connection: close'];
  if (body !== undefined) {
    head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`);
  }
  return new Promise((resolve, reject) => {
    const socket = connect(sim.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (data: Buffer) => chunks.push(data));
    socket.on('end', () => {
      const message = parseHttp(Buffer.concat(chunks).toString('utf8'));
      const chunked = message.headers.some(
        ([n, v]) => n === 'transfer-encoding' && v === 'chunked',
      );
      resolve(chunked ? { ...message, body: decodeChunked(message.body) } : message);
    });
    socket.on('error', reject);
    socket.write(`${head.join('\r\n')}\r\n\r\n${text}`);
  });
}

function parseHttp(text: string): HttpMessage {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()] as const;
  });
  return { statusLine, headers, body: text.slice(split + 4) };
}

function decodeChunked(body: string): string {
  let out = '';
  let rest = Buffer.from(body, 'utf8');
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (!size) return out;
    out += rest.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8');
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}

/** Header names in order, with the values that do not change from one response to the next. */
export const headerList = (message: HttpMessage): string[][] =>
  message.headers.map(([name, value]) =>
    name === 'date' || name === 'content-length' ? [name] : [name, value],
  );

/**
 * The `data:` payloads of an SSE body, in order; throws unless every frame is exactly
 * `data: <payload>\n\n`.
 */
export function sseFrames(body: string): string[] {
  if (!body.endsWith('\n\n')) throw new Error(`an SSE body must end with a blank line: ${body}`);
  return body
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      if (!frame.startsWith('data: ') || frame.includes('\n')) {
        throw new Error(`not a single data line: ${JSON.stringify(frame)}`);
      }
      return frame.slice('data: '.length);
    });
}

/** JSON records of an SSE body that ends with `[DONE]`. */
export function sseJson(body: string): Record<string, unknown>[] {
  const frames = sseFrames(body);
  if (frames.at(-1) !== '[DONE]') throw new Error('the stream does not end with data: [DONE]');
  return frames.slice(0, -1).map((frame) => JSON.parse(frame) as Record<string, unknown>);
}

/** Key order at every level, with leaf types; arrays by their first element. */
export function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([key, member]) => [key, shape(member)]);
  }
  return value === null ? 'null' : typeof value;
}

/** Distinct shapes, in first-seen order. */
export function distinctShapes(records: readonly unknown[]): string[] {
  return [...new Set(records.map((r) => JSON.stringify(shape(r))))];
}
