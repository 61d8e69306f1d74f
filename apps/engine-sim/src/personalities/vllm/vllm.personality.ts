import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Personality, SimContext } from '../../core/personality';
import { answering } from '../../core/personality-http';
import { toSimError } from '../../core/sim-errors';
import { serveDemoGenerate } from './vllm.demo';
import { serveEmbeddings } from './vllm.embeddings';
import { ROUTE_NOT_FOUND } from './vllm.errors';
import { serveGeneration } from './vllm.generation';
import { ChunkedBody, sendEmpty, sendError, sendJson } from './vllm.http';
import { modelsJson, versionJson } from './vllm.info';
import type { VllmRouteKind } from './vllm.request';
import { renderVllmMetrics } from './vllm.metrics';
import { VllmStats } from './vllm.stats';

/**
 * vLLM's OpenAI-compatible server (`vllm serve`, `entrypoints/openai/api_server.py`) over the
 * shared pool, plus the demo server's `/generate` (`entrypoints/api_server.py`) so clients of
 * either can be tested against one process.
 */

type InfoHandler = (ctx: SimContext, stats: VllmStats, res: ServerResponse) => void;

const INFO_ROUTES: readonly (readonly [method: 'GET' | 'POST', path: string, InfoHandler])[] = [
  ['GET', '/health', (_ctx, _stats, res) => sendEmpty(res, 200)],
  // SageMaker's health check, answered as /health is.
  ['GET', '/ping', (_ctx, _stats, res) => sendEmpty(res, 200)],
  ['POST', '/ping', (_ctx, _stats, res) => sendEmpty(res, 200)],
  ['GET', '/version', (_ctx, _stats, res) => sendJson(res, 200, versionJson())],
  ['GET', '/v1/models', (ctx, _stats, res) => sendJson(res, 200, modelsJson(ctx.settings))],
  ['GET', '/metrics', metrics],
];

type BodyHandler = (
  ctx: SimContext,
  stats: VllmStats,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>;

const generation =
  (kind: VllmRouteKind): BodyHandler =>
  (ctx, stats, body, req, res) =>
    serveGeneration(ctx, stats, kind, body, req, res);

const INFERENCE_ROUTES: readonly (readonly [path: string, BodyHandler])[] = [
  ['/v1/chat/completions', generation('chat')],
  ['/v1/completions', generation('completions')],
  ['/v1/embeddings', serveEmbeddings],
  ['/generate', serveDemoGenerate],
];

export const vllmPersonality: Personality = {
  kind: 'vllm',
  register(app: FastifyInstance, ctx: SimContext): void {
    const stats = new VllmStats();

    app.addHook('onRequest', async (_request, reply) => {
      if (!ctx.isLoading()) return;
      // Real vLLM refuses connections until its model is loaded (uvicorn only starts listening
      // then). The simulator's listener must stay up for its control routes, so every engine
      // route answers 503 with an empty body instead, as /health does once the engine died; the
      // worker treats both as not ready.
      answer(reply, () => sendEmpty(reply.raw, 503));
      return reply;
    });

    for (const [method, url, handler] of INFO_ROUTES) {
      app.route({
        method,
        url,
        handler: (_request, reply) => answer(reply, () => handler(ctx, stats, reply.raw)),
      });
    }
    for (const [url, handler] of INFERENCE_ROUTES) {
      app.post(url, async (request, reply) => {
        reply.hijack();
        await handler(ctx, stats, request.body, request.raw, reply.raw);
      });
    }

    app.setNotFoundHandler((_request, reply) =>
      answer(reply, () => sendJson(reply.raw, 404, ROUTE_NOT_FOUND)),
    );
    app.setErrorHandler((error, _request, reply) =>
      answer(reply, () => sendError(reply.raw, toSimError(error))),
    );
  },
};

/** Takes the response away from Fastify and writes it; a throw becomes a vLLM 500. */
const answer = answering(sendError, toSimError);

function metrics(ctx: SimContext, stats: VllmStats, res: ServerResponse): void {
  // prometheus_client's ASGI app sets only its content type, so uvicorn sends the body chunked.
  const body = new ChunkedBody(res, [['Content-Type', 'text/plain; version=0.0.4; charset=utf-8']]);
  body.write(renderVllmMetrics({ ctx, stats }));
  body.end();
}
