import type { FastifyInstance } from 'fastify';
import { generateKindError } from './mindie.errors';
import { type RouteChoice, serveGeneration } from './mindie.generation';
import {
  answer,
  modelParam,
  registerFallbacks,
  sendBody,
  sendEmpty,
  sendJson,
} from './mindie.http';
import { checkModelPath, modelJson, modelsJson } from './mindie.info';
import { registerManagement } from './mindie.management';
import { renderMindieMetrics } from './mindie.metrics';
import {
  INFER_ROUTE,
  TGI_COMPAT_ROUTE,
  TGI_GENERATE_ROUTE,
  TGI_STREAM_ROUTE,
  VLLM_DEMO_ROUTE,
} from './mindie.native';
import { CHAT_ROUTE, COMPLETIONS_ROUTE } from './mindie.openai';
import type { MindieRoute } from './mindie.request';
import { MindieState } from './mindie.state';
import type { Personality, SimContext } from '../../core/personality';
import type { Body } from '../../core/request-fields';

/**
 * Huawei MindIE Server (MindIE-LLM) with `openAiSupport: "vllm"`, on its three listeners: the
 * business plane (inference and model listing, `port`), the management plane (health, info,
 * stop; see `mindie.management.ts`) and the metrics plane (Prometheus, `metricsPort`).
 */

/** `HandlePostGenerate`: `prompt` makes it the vLLM demo, else `inputs` makes it TGI. */
function generateRoute(body: Body): MindieRoute {
  if (body.prompt !== undefined && body.prompt !== null) return VLLM_DEMO_ROUTE;
  if (body.inputs !== undefined && body.inputs !== null) return TGI_GENERATE_ROUTE;
  throw generateKindError();
}

const GENERATION_ROUTES: readonly (readonly [path: string, choose: RouteChoice])[] = [
  ['/v1/chat/completions', () => CHAT_ROUTE],
  ['/v1/completions', () => COMPLETIONS_ROUTE],
  ['/generate', generateRoute],
  ['/generate_stream', () => TGI_STREAM_ROUTE],
  ['/infer', () => INFER_ROUTE],
  ['/', () => TGI_COMPAT_ROUTE],
];

export const mindiePersonality: Personality = {
  kind: 'mindie',
  planes: ['management', 'metrics'],
  register(app, ctx, { management, metrics }): void {
    if (!management || !metrics) {
      throw new Error('engine-sim: MindIE needs its management and metrics listeners');
    }
    const state = new MindieState();
    registerBusiness(app, ctx, state);
    registerManagement(management, ctx, state);
    registerMetrics(metrics, ctx, state);
  },
};

function registerBusiness(app: FastifyInstance, ctx: SimContext, state: MindieState): void {
  // Not healthy yet: MindIE answers like its health routes, 503 without a body.
  app.addHook('onRequest', async (_request, reply) => {
    if (!ctx.isLoading()) return;
    answer(reply, () => sendEmpty(reply.raw, 503));
    return reply;
  });
  for (const [url, choose] of GENERATION_ROUTES) {
    app.post(url, async (request, reply) => {
      reply.hijack();
      await serveGeneration(ctx, state, choose, request.body, request.raw, reply.raw);
    });
  }
  app.get('/v1/models', (_request, reply) =>
    answer(reply, () => sendJson(reply.raw, 200, modelsJson(ctx.settings, ctx.startedAt))),
  );
  app.get('/v1/models/:model', (request, reply) =>
    answer(reply, () => {
      checkModelPath(ctx.settings, modelParam(request));
      sendJson(reply.raw, 200, modelJson(ctx.settings, ctx.startedAt));
    }),
  );
  registerFallbacks(app);
}

function registerMetrics(app: FastifyInstance, ctx: SimContext, state: MindieState): void {
  app.get('/metrics', (_request, reply) =>
    answer(reply, () => {
      const text = renderMindieMetrics({
        ctx,
        stats: state.stats,
        bucket: ctx.metrics.takeBucket(),
      });
      // Sic: `GetPrometheusMetrics` labels the Prometheus text as JSON.
      sendBody(reply.raw, 200, 'application/json', text);
    }),
  );
  registerFallbacks(app);
}
