import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import type { EngineSimOptions } from './sim-options';
import { startEngineSim, type RunningSim } from './sim-server';

/**
 * Helpers for personality specs (tests only): the adapters' hand-written fixtures
 * (`libs/engines/fixtures/<engine>`), raw HTTP/1.1 exchanges that keep header names and order
 * as sent, and the shape of a JSON value, to compare what the simulator writes with them.
 */

/** Starts simulators on port 0 for one spec file; each is closed after the test that started it. */
export function simulators(
  base: EngineSimOptions,
): (options?: Partial<EngineSimOptions>) => Promise<RunningSim> {
  const running: RunningSim[] = [];
  afterEach(() => Promise.all(running.splice(0).map((sim) => sim.close())));
  return async (options = {}) => {
    const sim = await startEngineSim({ ...base, ...options });
    running.push(sim);
    return sim;
  };
}

/** An OpenAI-style tool a request can offer, with one required string argument. */
export const weatherTool = (argument: string): object => ({
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: {
      type: 'object',
      properties: { [argument]: { type: 'string' } },
      required: [argument],
    },
  },
});

export interface HttpMessage {
  readonly status: number;
  /** Names as sent, in order. */
  readonly headers: readonly (readonly [name: string, value: string])[];
  /** De-chunked. */
  readonly body: string;
}

const FIXTURES = path.resolve(__dirname, '../../../../libs/engines/fixtures');

export const fixtureText = (engine: string, name: string): string =>
  readFileSync(path.join(FIXTURES, engine, name), 'utf8');

/** A `.http` fixture: status line, headers, a blank line, the body as sent. */
export function fixture(engine: string, name: string): HttpMessage {
  return parseMessage(fixtureText(engine, name), false);
}

export const fixtureJson = (engine: string, name: string): unknown =>
  JSON.parse(fixtureText(engine, name));

export const headerNames = (message: HttpMessage): string[] =>
  message.headers.map(([name]) => name);

export function header(message: HttpMessage, name: string): string | undefined {
  return message.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** Sends one request on a fresh connection (closed after it) and reads the whole answer. */
export function exchange(
  baseUrl: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<HttpMessage> {
  const url = new URL(baseUrl);
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  const head = [`${method} ${route} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
  if (body !== undefined) {
    head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(text)}`);
  }
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(parseMessage(Buffer.concat(chunks).toString('utf8'), true)));
    socket.write(`${head.join('\r\n')}\r\n\r\n${text}`);
  });
}

function parseMessage(raw: string, wire: boolean): HttpMessage {
  const eol = wire ? '\r\n' : '\n';
  const split = raw.indexOf(eol + eol);
  const headText = split < 0 ? raw : raw.slice(0, split);
  const rest = split < 0 ? '' : raw.slice(split + eol.length * 2);
  const [statusLine = '', ...lines] = headText.split(eol);
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const chunked = headers.some(
    ([n, v]) => n.toLowerCase() === 'transfer-encoding' && v === 'chunked',
  );
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: wire && chunked ? dechunk(rest) : rest,
  };
}

function dechunk(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const size = parseInt(bytes.subarray(at, lineEnd).toString(), 16);
    if (!(size > 0)) break;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** SSE `data` payloads in order (with or without the space after the colon). */
export const sseData = (body: string): string[] =>
  body
    .split('\n\n')
    .filter((frame) => frame.startsWith('data:'))
    .map((frame) => frame.replace(/^data: ?/, ''));

/** The JSON objects of an NDJSON body. */
export const ndjson = (body: string): unknown[] =>
  body
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

/**
 * A JSON value's shape: objects keep their keys in order, arrays show their first element,
 * everything else its type. Two values with the same shape have the same keys everywhere.
 */
export function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
}

/** Keys in order, recursively, without the leaf types (where null and a value both occur). */
export function keysOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [keysOf(value[0])];
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, keysOf(v)]));
  }
  return '*';
}
