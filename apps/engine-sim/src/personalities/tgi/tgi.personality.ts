import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { answering } from '../../core/personality-http';
import type { Personality, SimContext } from '../../core/personality';
import { toSimError } from '../../core/sim-errors';
import { serveChat } from './tgi.chat';
import { UNHEALTHY } from './tgi.errors';
import type { TgiState } from './tgi.generation';
import { sendEmpty, sendError, sendJson, sendText } from './tgi.http';
import { infoJson, modelsJson } from './tgi.info';
import { TgiMetrics } from './tgi.metrics';
import { type NativeRoute, serveNative } from './tgi.native';
import { tokenLimits } from './tgi.validation';

/**
 * Hugging Face text-generation-inference: the router's routes (`router/src/server.rs`) over the
 * shared pool. Chat goes through `/v1/chat/completions`, raw prompts through `/generate`,
 * `/generate_stream` and the compat `POST /`.
 */

type Reader = (ctx: SimContext, state: TgiState, res: ServerResponse) => void;

const health: Reader = (_ctx, _state, res) => sendEmpty(res, 200);

const INFO_ROUTES: readonly (readonly [path: string, read: Reader])[] = [
  ['/health', health],
  // `GET /` and SageMaker's `/ping` are the health check too.
  ['/', health],
  ['/ping', health],
  ['/info', (ctx, _state, res) => sendJson(res, 200, infoJson(ctx.settings))],
  ['/v1/models', (ctx, _state, res) => sendJson(res, 200, modelsJson(ctx.settings))],
  ['/metrics', metrics],
];

const NATIVE_ROUTES: readonly (readonly [path: string, route: NativeRoute])[] = [
  ['/generate', 'generate'],
  ['/generate_stream', 'generate_stream'],
  ['/', 'compat'],
];

type Server = (
  ctx: SimContext,
  state: TgiState,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>;

const GENERATION_ROUTES: readonly (readonly [path: string, serve: Server])[] = [
  ...NATIVE_ROUTES.map(([path, route]): readonly [string, Server] => [
    path,
    (ctx, state, body, req, res) => serveNative(ctx, state, route, body, req, res),
  ]),
  ['/v1/chat/completions', serveChat],
];

export const tgiPersonality: Personality = {
  kind: 'tgi',
  register(app: FastifyInstance, ctx: SimContext): void {
    const state: TgiState = { metrics: new TgiMetrics(tokenLimits(ctx.settings)) };

    // Real TGI refuses connections until its shards are loaded and warmed up; the simulator's
    // control routes must stay reachable, so it answers every TGI route 503 instead.
    app.addHook('onRequest', async (_request, reply) => {
      if (!ctx.isLoading()) return;
      answer(reply, () => sendJson(reply.raw, 503, UNHEALTHY));
      return reply;
    });

    for (const [url, read] of INFO_ROUTES) {
      app.get(url, (_request, reply) => answer(reply, () => read(ctx, state, reply.raw)));
    }
    for (const [url, serve] of GENERATION_ROUTES) {
      app.post(url, async (request, reply) => {
        reply.hijack();
        await serve(ctx, state, request.body, request.raw, reply.raw);
      });
    }

    // axum's fallback: a bare 404.
    app.setNotFoundHandler((_request, reply) => answer(reply, () => sendEmpty(reply.raw, 404)));
    app.setErrorHandler((error, _request, reply) =>
      answer(reply, () => sendError(reply.raw, toSimError(error))),
    );
  },
};

const answer = answering(sendError, toSimError);

function metrics(ctx: SimContext, state: TgiState, res: ServerResponse): void {
  sendText(res, 200, state.metrics.render(ctx));
}
