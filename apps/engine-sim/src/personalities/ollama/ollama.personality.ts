import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { answering, pathOf } from '../../core/personality-http';
import type { Personality, SimContext } from '../../core/personality';
import { SimError, toSimError } from '../../core/sim-errors';
import { type EmbeddingRoute, serveEmbeddings } from './ollama.embeddings';
import { badRequest } from './ollama.errors';
import { serveGeneration } from './ollama.generation';
import { sendError, sendJson, sendText } from './ollama.http';
import { psJson, Residency, showJson, tagsJson, versionJson } from './ollama.info';
import { type OllamaRoute, parseJsonBody, readField } from './ollama.request';
import { sameModel } from './ollama.wire';

/**
 * Ollama's native API (`server/routes.go`) over the shared pool, serving one model under the
 * name it was started with. Ollama has no `/metrics`.
 */

interface OllamaState {
  readonly residency: Residency;
  /** When the model was "pulled": the simulator's start. */
  readonly modifiedAt: number;
}

type Reader = (ctx: SimContext, state: OllamaState) => object;

const INFO_ROUTES: readonly (readonly [path: string, read: Reader])[] = [
  ['/api/version', () => versionJson()],
  ['/api/tags', (ctx, state) => tagsJson(ctx.settings, state.modifiedAt)],
  ['/api/ps', (ctx, state) => psJson(ctx.settings, state.residency)],
];

type Server = (
  ctx: SimContext,
  state: OllamaState,
  body: unknown,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>;

const generation =
  (route: OllamaRoute): Server =>
  (ctx, state, body, req, res) =>
    serveGeneration(ctx, state.residency, route, body, req, res);

const embedding =
  (route: EmbeddingRoute): Server =>
  (ctx, state, body, req, res) =>
    serveEmbeddings(ctx, state.residency, route, body, req, res);

const INFERENCE_ROUTES: readonly (readonly [path: string, serve: Server])[] = [
  ['/api/chat', generation('chat')],
  ['/api/generate', generation('generate')],
  ['/api/embed', embedding('embed')],
  ['/api/embeddings', embedding('embeddings')],
];

export const ollamaPersonality: Personality = {
  kind: 'ollama',
  register(app: FastifyInstance, ctx: SimContext): void {
    const modifiedAt = ctx.startedAt * 1000;
    const state: OllamaState = { residency: new Residency(modifiedAt), modifiedAt };

    // The server answers at once and loads models itself; the simulator's loading phase is that
    // load, during which the API refuses work and `GET /` still says the server runs.
    app.addHook('onRequest', async (request, reply) => {
      if (!ctx.isLoading() || !pathOf(request).startsWith('/api/')) return;
      answer(reply, () => sendError(reply.raw, new SimError('unavailable', 'loading model')));
      return reply;
    });

    app.get('/', (_request, reply) =>
      answer(reply, () =>
        sendText(reply.raw, 200, 'text/plain; charset=utf-8', 'Ollama is running'),
      ),
    );
    for (const [url, read] of INFO_ROUTES) {
      app.get(url, (_request, reply) =>
        answer(reply, () => sendJson(reply.raw, 200, read(ctx, state))),
      );
    }
    app.post('/api/show', (request, reply) =>
      answer(reply, () => sendJson(reply.raw, 200, show(ctx, state, request.body))),
    );
    for (const [url, serve] of INFERENCE_ROUTES) {
      app.post(url, async (request, reply) => {
        reply.hijack();
        await serve(ctx, state, request.body, request.raw, reply.raw);
      });
    }

    // Gin's default for an unknown route (and for a known one with another method).
    app.setNotFoundHandler((_request, reply) =>
      answer(reply, () => sendText(reply.raw, 404, 'text/plain', '404 page not found')),
    );
    app.setErrorHandler((error, _request, reply) =>
      answer(reply, () => sendError(reply.raw, toSimError(error))),
    );
  },
};

/** `POST /api/show` `{model}` (older clients send `name`). */
function show(ctx: SimContext, state: OllamaState, rawBody: unknown): object {
  const body = parseJsonBody(rawBody);
  const model =
    readField(body, 'model', 'string', 'ShowRequest') ??
    readField(body, 'name', 'string', 'ShowRequest');
  if (typeof model !== 'string' || model === '') throw badRequest('model is required');
  if (!sameModel(model, ctx.settings.model)) {
    throw new SimError('not_found', `model '${model}' not found`);
  }
  return showJson(ctx.settings, state.modifiedAt);
}

const answer = answering(sendError, toSimError);
