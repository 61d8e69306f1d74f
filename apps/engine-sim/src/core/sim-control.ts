import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { SimContext } from './personality';
import { FaultPatchError, type SimFaults } from './sim-faults';

/**
 * The simulator's own control plane, under a prefix no real engine uses, served before any
 * personality sees the request (so it answers even while the engine "loads"):
 *
 * - `GET  /__sim/faults` → the live fault knobs as JSON.
 * - `POST /__sim/faults` with a JSON object holding any of `failRate`, `failStatus`,
 *   `overloadWhenFull`, `stallMs`, `dieAfterTokens`, `crashAfterMs`, `loadingMs` → applies them
 *   and answers the new knobs; `null` turns `dieAfterTokens` / `crashAfterMs` off, a new
 *   `loadingMs` / `crashAfterMs` counts from now, setting `failRate` restarts its pattern.
 *   Unknown keys or bad values → 400 `{"error": "..."}` and nothing changes.
 * - `GET  /__sim/state` → what the cost model holds now (slots, queue, KV cache, prefix cache).
 */
export const SIM_CONTROL_PREFIX = '/__sim/';

type Method = 'GET' | 'POST';
type ControlHandler = (ctx: SimContext, body: string) => ControlAnswer;
interface ControlAnswer {
  readonly status: number;
  readonly json: unknown;
}

const ROUTES: Readonly<Record<string, Partial<Record<Method, ControlHandler>>>> = {
  '/__sim/faults': {
    GET: (ctx) => ({ status: 200, json: ctx.faults.current }),
    POST: (ctx, body) => updateFaults(ctx.faults, body),
  },
  '/__sim/state': {
    GET: (ctx) => ({ status: 200, json: simState(ctx) }),
  },
};

/** Control bodies are a handful of knobs; anything larger is a mistake. */
const MAX_BODY_BYTES = 64 * 1024;

export function registerSimControl(app: FastifyInstance, ctx: SimContext): void {
  // An onRequest hook rather than routes: it runs before the personality's own hooks (a loading
  // engine answers 503 to everything) and never meets its not-found or error handlers.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!path.startsWith(SIM_CONTROL_PREFIX)) return;
    reply.hijack();
    await serve(ctx, path, request.raw, reply.raw);
    return reply;
  });
}

async function serve(
  ctx: SimContext,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const route = ROUTES[path];
  const method: Method | undefined =
    req.method === 'GET' || req.method === 'POST' ? req.method : undefined;
  const handler = method && route?.[method];
  let answer: ControlAnswer;
  if (!route) answer = { status: 404, json: { error: `no simulator route ${path}` } };
  else if (!handler) answer = { status: 405, json: { error: `${req.method} not allowed` } };
  else {
    const body = await readBody(req);
    answer =
      body === undefined ? { status: 413, json: { error: 'body too large' } } : handler(ctx, body);
  }
  const text = JSON.stringify(answer.json);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function simState(ctx: SimContext): unknown {
  const { settings, pool, metrics } = ctx;
  return {
    engine: settings.engine,
    model: settings.model,
    loading: ctx.isLoading(),
    slots: settings.slots,
    busySlots: pool.busySlots,
    waiting: pool.waitingCount,
    kvCacheTokens: pool.kvCacheTokens,
    kvUsedTokens: pool.kvUsedTokens,
    kvUsage: pool.kvUsage,
    prefixCache: { ...metrics.prefixCache },
  };
}

function updateFaults(faults: SimFaults, body: string): ControlAnswer {
  let patch: unknown;
  try {
    patch = JSON.parse(body);
  } catch {
    return { status: 400, json: { error: 'body must be a JSON object of fault knobs' } };
  }
  try {
    return { status: 200, json: faults.update(patch) };
  } catch (error) {
    if (error instanceof FaultPatchError) return { status: 400, json: { error: error.message } };
    throw error;
  }
}

/** The whole body as text, or undefined when it is too large (it is still read to the end). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks).toString('utf8');
}
