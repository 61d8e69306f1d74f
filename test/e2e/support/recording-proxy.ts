import { createServer, request as httpRequest, type Server } from 'node:http';

/** One request the proxy passed on to the engine. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The JSON body, parsed (undefined when empty or not JSON). */
  body: unknown;
  authorization?: string | undefined;
}

export interface RecordingProxy {
  url: string;
  /** Requests in arrival order (health and metrics probes included). */
  readonly requests: RecordedRequest[];
  /** The JSON bodies of POSTs to `path`, in arrival order. */
  posted(path: string): Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A transparent HTTP proxy in front of an engine that remembers what it was sent, so a test
 * can see exactly which fields reached the engine. Bodies and responses (streams included)
 * pass through unchanged. With `requireBearer` it stands for a hosted API that wants a token.
 */
export async function startRecordingProxy(
  target: string,
  opts: { requireBearer?: string } = {},
): Promise<RecordingProxy> {
  const to = new URL(target);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        body: parse(raw),
        authorization: req.headers.authorization,
      });
      // A hosted API's door: without its token, a 401 like OpenAI's.
      if (
        opts.requireBearer !== undefined &&
        req.headers.authorization !== `Bearer ${opts.requireBearer}`
      ) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { message: 'Incorrect API key', code: 'invalid_api_key' } }),
        );
        return;
      }
      const upstream = httpRequest(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      // The client going away must reach the engine, so it frees the slot.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
      });
      upstream.end(raw);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    posted: (path) =>
      requests
        .filter((r) => r.method === 'POST' && r.path === path)
        .map((r) => r.body as Record<string, unknown>),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parse(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
