import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SwitchyardError, type ChatRequest, type StreamEvent } from '@switchyard/contracts';
import { llamacppAdapter } from '@switchyard/engines';
import { EngineClient, type EngineClientOptions } from './engine.client';

const FIXTURES = path.resolve(__dirname, '../../../../../shared/fixtures/llamacpp');

/** A recorded response split into status, content type and raw body bytes. */
function recorded(name: string): { status: number; contentType: string; body: Buffer } {
  const raw = readFileSync(path.join(FIXTURES, name));
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, split).toString('latin1').split('\r\n');
  const contentType =
    head
      .find((h) => h.toLowerCase().startsWith('content-type:'))
      ?.slice(13)
      .trim() ?? 'text/plain';
  return { status: Number(head[0]?.split(' ')[1]), contentType, body: raw.subarray(split + 4) };
}

type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: string,
) => void | Promise<void>;
interface SeenRequest {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function startServer(
  handler: Handler,
): Promise<{ url: string; port: number; seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      void handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, seen };
}

/** Replays a recorded response, writing the body in small pieces so records and characters split. */
function replay(name: string, pieceSize = 7): Handler {
  const { status, contentType, body } = recorded(name);
  return async (_req, res) => {
    res.writeHead(status, { 'content-type': contentType });
    for (let i = 0; i < body.length; i += pieceSize) {
      res.write(body.subarray(i, i + pieceSize));
      await new Promise(setImmediate);
    }
    res.end();
  };
}

function client(url: string, opts?: EngineClientOptions): EngineClient {
  const c = new EngineClient(url, llamacppAdapter, opts);
  cleanups.push(() => c.close());
  return c;
}

const chatRequest: ChatRequest = {
  id: 'r1',
  kind: 'chat',
  model: 'tiny-llama',
  messages: [{ role: 'user', content: 'hi' }],
  sampling: { stop: [], n: 1 },
  stream: false,
  includeUsage: false,
  priority: 0,
  modalities: ['text'],
};

async function collect(events: AsyncIterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const sse = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
const delta = (content: string): string =>
  sse({ choices: [{ index: 0, delta: { content }, finish_reason: null }] });
const noSignal = (): AbortSignal => new AbortController().signal;

function expectOneTerminalLast(events: StreamEvent[]): StreamEvent {
  const terminals = events.filter((e) => e.type === 'done' || e.type === 'error');
  expect(terminals).toHaveLength(1);
  expect(events.at(-1)).toBe(terminals[0]);
  return terminals[0]!;
}

describe('EngineClient.stream', () => {
  it('streams a recorded llama.cpp response into canonical events', async () => {
    const server = await startServer(replay('chat-stream-usage.http'));
    const events = await collect(client(server.url).stream(chatRequest, noSignal()));

    expect(events).toEqual([
      ...['mittel', 'су', ' polity', ' polity', ' polity', ' polity'].map((text) => ({
        type: 'delta',
        index: 0,
        text,
      })),
      { type: 'usage', promptTokens: 33, completionTokens: 6, cachedTokens: 10 },
      { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
    ]);
    expect(server.seen).toHaveLength(1);
    expect(server.seen[0]).toMatchObject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { 'content-type': 'application/json' },
    });
    expect(JSON.parse(server.seen[0]!.body)).toMatchObject({
      model: 'tiny-llama',
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('ends with the engine in-band error after the text it produced', async () => {
    const server = await startServer(replay('chat-stream-midstream-error.http', 64));
    const events = await collect(client(server.url).stream(chatRequest, noSignal()));
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(37);
    expect(expectOneTerminalLast(events)).toEqual({
      type: 'error',
      code: 'SY_ENGINE_ERROR',
      message: 'The model produced output that does not match the expected Content-only format',
      retryable: true,
      afterOutput: true,
    });
  });

  it('yields one error from the engine error body on a non-2xx answer', async () => {
    const server = await startServer(replay('error-bad-messages.http'));
    const events = await collect(client(server.url).stream(chatRequest, noSignal()));
    expect(events).toEqual([
      {
        type: 'error',
        code: 'SY_ENGINE_REJECTED',
        message: "Expected 'messages' to be an array",
        retryable: false,
        afterOutput: false,
      },
    ]);
  });

  it.each([
    [
      'drops the connection',
      (res: http.ServerResponse) => setTimeout(() => res.socket?.destroy(), 20),
      'engine connection broke mid-stream',
    ],
    [
      'ends the body without [DONE]',
      (res: http.ServerResponse) => setTimeout(() => res.end(), 20),
      'engine closed the stream before it finished',
    ],
  ])('reports SY_STREAM_INTERRUPTED when the engine %s', async (_name, cut, message) => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta('Hel') + delta('lo'));
      cut(res);
    });
    const events = await collect(client(server.url).stream(chatRequest, noSignal()));
    expect(events.slice(0, 2)).toEqual([
      { type: 'delta', index: 0, text: 'Hel' },
      { type: 'delta', index: 0, text: 'lo' },
    ]);
    expect(expectOneTerminalLast(events)).toEqual({
      type: 'error',
      code: 'SY_STREAM_INTERRUPTED',
      message,
      retryable: false,
      afterOutput: true,
    });
  });

  it('times out when the engine sends no headers', async () => {
    const server = await startServer(() => undefined);
    const events = await collect(
      client(server.url, { headersTimeoutMs: 150 }).stream(chatRequest, noSignal()),
    );
    expect(events).toEqual([
      {
        type: 'error',
        code: 'SY_ENGINE_TIMEOUT',
        message: 'engine sent no response within 150 ms',
        retryable: true,
        afterOutput: false,
      },
    ]);
  });

  it('times out when the engine goes silent mid-stream', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta('Hel'));
    });
    const events = await collect(
      client(server.url, { bodyTimeoutMs: 150 }).stream(chatRequest, noSignal()),
    );
    expect(events).toEqual([
      { type: 'delta', index: 0, text: 'Hel' },
      {
        type: 'error',
        code: 'SY_ENGINE_TIMEOUT',
        message: 'engine sent nothing for 150 ms',
        retryable: true,
        afterOutput: true,
      },
    ]);
  });

  it('reports an unreachable engine without naming its address', async () => {
    const { url, port } = await closedPort();
    const events = await collect(client(url).stream(chatRequest, noSignal()));
    expect(events).toEqual([
      {
        type: 'error',
        code: 'SY_ENGINE_UNAVAILABLE',
        message: 'engine unreachable: ECONNREFUSED',
        retryable: true,
        afterOutput: false,
      },
    ]);
    expect(JSON.stringify(events)).not.toContain(String(port));
  });

  it("carries the client's request id and trace context to the engine", async () => {
    const server = await startServer(replay('chat-stream-usage.http', 4096));
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const traced = { ...chatRequest, trace: { requestId: 'client-req-7', traceparent } };
    await collect(client(server.url).stream(traced, noSignal()));
    expect(server.seen[0]?.headers['x-request-id']).toBe('client-req-7');
    expect(server.seen[0]?.headers.traceparent).toBe(traceparent);
  });

  it('sends requests under the base URL path', async () => {
    const server = await startServer(replay('chat-stream-usage.http', 4096));
    await collect(client(`${server.url}/llama/`).stream(chatRequest, noSignal()));
    expect(server.seen[0]?.url).toBe('/llama/v1/chat/completions');
  });
});

describe('EngineClient credentials', () => {
  it('sends the API key as a bearer token on inference and probes, never in events', async () => {
    const server = await startServer(async (req, res, body) => {
      if (req.headers.authorization !== 'Bearer sk-engine-secret') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'bad key' } }));
        return;
      }
      if (req.url === '/health') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
        return;
      }
      await replay('chat-stream-usage.http', 4096)(req, res, body);
    });
    const keyed = client(server.url, { apiKey: 'sk-engine-secret' });
    const events = await collect(keyed.stream(chatRequest, noSignal()));
    expect(events.at(-1)).toMatchObject({ type: 'done' });
    await keyed.health();
    expect(server.seen.map((r) => r.headers.authorization)).toEqual([
      'Bearer sk-engine-secret',
      'Bearer sk-engine-secret',
    ]);
    const refused = await collect(client(server.url).stream(chatRequest, noSignal()));
    expect(refused).toEqual([expect.objectContaining({ type: 'error' })]);
    expect(JSON.stringify([events, refused])).not.toContain('sk-engine-secret');
  });
});

describe('EngineClient.stream cancellation', () => {
  async function openStream(): Promise<{ url: string; socketClosed: Promise<void> }> {
    const closed = deferred();
    const server = await startServer((req, res) => {
      req.socket.once('close', closed.resolve);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(delta('Hel') + delta('lo'));
    });
    return { url: server.url, socketClosed: closed.promise };
  }

  it('closes the engine connection as soon as the signal aborts, and yields nothing more', async () => {
    const { url, socketClosed } = await openStream();
    const abort = new AbortController();
    const events = client(url).stream(chatRequest, abort.signal);
    expect((await events.next()).value).toEqual({ type: 'delta', index: 0, text: 'Hel' });

    abort.abort();
    await socketClosed; // without the consumer pulling again
    expect(await events.next()).toEqual({ done: true, value: undefined });
  });

  it('returns a pending read without a terminal event when aborted while waiting', async () => {
    const { url, socketClosed } = await openStream();
    const abort = new AbortController();
    const events = client(url).stream(chatRequest, abort.signal);
    await events.next();
    await events.next();
    const pending = events.next();
    abort.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await socketClosed;
  });

  it('abandons a request still waiting for headers', async () => {
    const closed = deferred();
    const server = await startServer((req) => void req.socket.once('close', closed.resolve));
    const abort = new AbortController();
    const pending = client(server.url).stream(chatRequest, abort.signal).next();
    await new Promise((resolve) => setTimeout(resolve, 30));
    abort.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await closed.promise;
  });

  it('sends nothing when the signal is already aborted', async () => {
    const server = await startServer(replay('chat-stream-usage.http'));
    expect(await collect(client(server.url).stream(chatRequest, AbortSignal.abort()))).toEqual([]);
    expect(server.seen).toHaveLength(0);
  });
});

describe('EngineClient probes', () => {
  const routes =
    (table: Record<string, Handler>): Handler =>
    (req, res, body) =>
      (table[req.url ?? ''] ?? ((_q, r) => void r.writeHead(404).end()))(req, res, body);
  const text =
    (status: number, body: string): Handler =>
    (_req, res) =>
      void res.writeHead(status).end(body);
  const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

  it('reads health, models and load sources', async () => {
    const server = await startServer(
      routes({
        '/health': replay('health.http'),
        '/v1/models': text(200, fixture('v1-models.json')),
        '/metrics': text(200, fixture('metrics.prom')),
        '/slots': text(
          501,
          '{"error":{"code":501,"message":"This server does not support slots endpoint.","type":"not_supported_error"}}',
        ),
      }),
    );
    const engine = client(server.url);
    expect(await engine.health()).toEqual({ ready: true });
    expect(await engine.models()).toEqual(['tiny-llama']);
    expect(await engine.scrape()).toEqual({ metrics: fixture('metrics.prom'), slots: undefined });
  });

  it('reports a loading engine', async () => {
    const loading = '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}';
    const server = await startServer(text(503, loading));
    const engine = client(server.url);
    expect(await engine.health()).toEqual({ ready: false, reason: 'loading model' });
    await expect(engine.models()).rejects.toMatchObject({
      code: 'SY_ENGINE_UNAVAILABLE',
      message: 'Loading model',
    });
  });

  it('rejects a model list that is not JSON', async () => {
    const server = await startServer(text(200, '<html>'));
    await expect(client(server.url).models()).rejects.toMatchObject({ code: 'SY_ENGINE_ERROR' });
  });

  it('reports an unreachable engine by error code only', async () => {
    const { url, port } = await closedPort();
    const engine = client(url);
    expect(await engine.health()).toEqual({
      ready: false,
      reason: 'engine unreachable: ECONNREFUSED',
    });
    expect(await engine.scrape()).toEqual({ metrics: undefined, slots: undefined });
    const err = await engine.models().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchyardError);
    expect(err).toMatchObject({
      code: 'SY_ENGINE_UNAVAILABLE',
      message: 'engine unreachable: ECONNREFUSED',
    });
    expect((err as Error).message).not.toContain(String(port));
  });

  it('gives up on a probe that takes too long', async () => {
    const server = await startServer(() => undefined);
    expect(await client(server.url, { probeTimeoutMs: 150 }).health()).toEqual({
      ready: false,
      reason: 'engine timeout: no answer within 150 ms',
    });
  });
});

/** A local port nobody listens on. */
async function closedPort(): Promise<{ url: string; port: number }> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return { url: `http://127.0.0.1:${port}`, port };
}
