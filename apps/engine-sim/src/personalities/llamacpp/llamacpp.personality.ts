import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderChatPrompt } from '../../core/chat-template';
import type { JsonValue } from '../../core/json-writer';
import { serveEmbeddings, type EmbeddingRouteKind } from './llamacpp.embeddings';
import { serveGeneration } from './llamacpp.generation';
import { sendError, sendJson, sendText } from './llamacpp.http';
import { healthJson, modelsJson, propsJson, slotsJson } from './llamacpp.info';
import { renderLlamacppMetrics } from './llamacpp.metrics';
import { parseJsonBody, type GenerationRouteKind } from './llamacpp.request';
import { randomAlphanumeric } from './llamacpp.wire';
import { parseChatMessages } from '../../core/openai-messages';
import type { Personality, SimContext } from '../../core/personality';
import { answering, pathOf } from '../../core/personality-http';
import { isRecord, readBool, readString } from '../../core/request-fields';
import { SimError, toSimError } from '../../core/sim-errors';
import { BOS_ID, BOS_PIECE, pieceId, splitPieces } from '../../core/tokenizer';

/** llama.cpp's `llama-server`: its routes (`tools/server/server.cpp`) over the shared pool. */

const GENERATION_ROUTES: readonly (readonly [path: string, kind: GenerationRouteKind])[] = [
  ['/completion', 'native'],
  ['/completions', 'native'],
  ['/v1/completions', 'completions'],
  ['/chat/completions', 'chat'],
  ['/v1/chat/completions', 'chat'],
  // No `/api/chat`: the real build of August 2026 answers it 404.
];

const EMBEDDING_ROUTES: readonly (readonly [path: string, kind: EmbeddingRouteKind])[] = [
  ['/embedding', 'native'],
  ['/embeddings', 'native'],
  ['/v1/embeddings', 'openai'],
];

type Handler = (ctx: SimContext, request: FastifyRequest, res: ServerResponse) => void;

const INFO_ROUTES: readonly (readonly [method: 'GET' | 'POST', path: string, handler: Handler])[] =
  [
    ['GET', '/health', (_ctx, _request, res) => sendJson(res, 200, healthJson())],
    ['GET', '/v1/health', (_ctx, _request, res) => sendJson(res, 200, healthJson())],
    ['GET', '/models', (ctx, _request, res) => sendJson(res, 200, modelsJson(ctx.settings))],
    ['GET', '/v1/models', (ctx, _request, res) => sendJson(res, 200, modelsJson(ctx.settings))],
    ['GET', '/slots', slots],
    ['GET', '/metrics', metrics],
    ['POST', '/tokenize', tokenize],
    ['POST', '/apply-template', applyTemplate],
  ];

/** Paths that answer while the model loads; everything else gets 503 "Loading model". */
const OPEN_WHILE_LOADING: ReadonlySet<string> = new Set(['/models', '/v1/models', '/api/tags']);

export const llamacppPersonality: Personality = {
  kind: 'llamacpp',
  register(app: FastifyInstance, ctx: SimContext): void {
    const mediaMarker = `<__media_${randomAlphanumeric(32)}__>`;

    app.addHook('onRequest', async (request, reply) => {
      if (!ctx.isLoading() || OPEN_WHILE_LOADING.has(pathOf(request))) return;
      answer(reply, () => sendError(reply.raw, new SimError('unavailable', 'Loading model')));
      return reply;
    });

    for (const [method, url, handler] of INFO_ROUTES) {
      app.route({
        method,
        url,
        handler: (request, reply) => answer(reply, () => handler(ctx, request, reply.raw)),
      });
    }
    app.get('/props', (_request, reply) =>
      answer(reply, () => sendJson(reply.raw, 200, propsJson(ctx.settings, mediaMarker))),
    );
    for (const [url, kind] of GENERATION_ROUTES) {
      app.post(url, async (request, reply) => {
        reply.hijack();
        await serveGeneration(ctx, kind, request.body, request.raw, reply.raw);
      });
    }
    for (const [url, kind] of EMBEDDING_ROUTES) {
      app.post(url, async (request, reply) => {
        reply.hijack();
        await serveEmbeddings(ctx, kind, request.body, request.raw, reply.raw);
      });
    }

    app.setNotFoundHandler((_request, reply) =>
      answer(reply, () => sendError(reply.raw, new SimError('not_found', 'File Not Found'))),
    );
    app.setErrorHandler((error, _request, reply) =>
      answer(reply, () => sendError(reply.raw, toSimError(error))),
    );
  },
};

/** Takes the response away from Fastify and writes it; a throw becomes a llama.cpp error. */
const answer = answering(sendError, toSimError);

function slots(ctx: SimContext, request: FastifyRequest, res: ServerResponse): void {
  ctx.pool.takeTaskId();
  const snapshot = ctx.pool.snapshot();
  const query = isRecord(request.query) ? request.query : {};
  const failOnNoSlot = ['1', 'true'].includes(readString(query, 'fail_on_no_slot', ''));
  if (failOnNoSlot && snapshot.every((slot) => slot.isProcessing)) {
    sendError(res, new SimError('unavailable', 'no slot available'));
    return;
  }
  sendJson(res, 200, slotsJson(snapshot));
}

function metrics(ctx: SimContext, _request: FastifyRequest, res: ServerResponse): void {
  ctx.pool.takeTaskId();
  const text = renderLlamacppMetrics({
    metrics: ctx.metrics,
    bucket: ctx.metrics.takeBucket(),
    busySlots: ctx.pool.busySlots,
    waiting: ctx.pool.waitingCount,
  });
  sendText(res, 200, 'text/plain; version=0.0.4', text, [
    ['Process-Start-Time-Unix', String(ctx.startedAt)],
  ]);
}

function tokenize(_ctx: SimContext, request: FastifyRequest, res: ServerResponse): void {
  const body = parseJsonBody(request.body);
  const pieces = splitPieces(readString(body, 'content', ''));
  const bos = readBool(body, 'add_special', false);
  const tokens: JsonValue = readBool(body, 'with_pieces', false)
    ? [
        ...(bos ? [{ id: BOS_ID, piece: BOS_PIECE }] : []),
        ...pieces.map((piece) => ({ id: pieceId(piece), piece })),
      ]
    : [...(bos ? [BOS_ID] : []), ...pieces.map(pieceId)];
  sendJson(res, 200, { tokens });
}

function applyTemplate(_ctx: SimContext, request: FastifyRequest, res: ServerResponse): void {
  const body = parseJsonBody(request.body);
  sendJson(res, 200, { prompt: renderChatPrompt(parseChatMessages(body.messages)) });
}
