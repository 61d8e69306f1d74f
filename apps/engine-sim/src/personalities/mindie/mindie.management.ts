import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JsonValue } from '../../core/json-writer';
import { serviceStopped } from './mindie.errors';
import {
  answer,
  modelParam,
  registerFallbacks,
  sendEmpty,
  sendError,
  sendJson,
} from './mindie.http';
import { checkModelPath, infoJson, metricsJson, slotCountJson } from './mindie.info';
import type { MindieState } from './mindie.state';
import type { SimContext } from '../../core/personality';
import { isRecord, readString } from '../../core/request-fields';

/**
 * The management listener (`managementPort`, 1026 by default): health, `/info`, slot and
 * scheduler figures, `/stopService` (`http_handler.cpp` `InitializeServiceStatusResource`).
 * Every route but `/stopService` first answers 503 with the "stopped" body once the service
 * was stopped, and 503 with an empty body while the engine is not healthy (loading).
 */

/** A healthy route's body; undefined answers 200 with an empty body. */
type Handler = (
  ctx: SimContext,
  state: MindieState,
  request: FastifyRequest,
) => JsonValue | undefined;

const ROUTES: readonly (readonly [path: string, handler: Handler])[] = [
  ['/health', () => undefined],
  ['/v2/health/live', () => undefined],
  ['/v2/health/ready', () => undefined],
  [
    '/v2/models/:model/ready',
    (ctx, _state, request) => {
      checkModelPath(ctx.settings, modelParam(request));
      return undefined;
    },
  ],
  ['/info', (ctx) => infoJson(ctx.settings)],
  [
    '/v2/models/:model/getSlotCount',
    (ctx, _state, request) => {
      checkModelPath(ctx.settings, modelParam(request));
      return slotCountJson(ctx);
    },
  ],
  [
    '/metrics-json',
    (ctx, { stats }, request) =>
      metricsJson(ctx, { ttftMs: stats.ttftMs.mean, tbtMs: stats.tbtMs.mean }, instanceOf(request)),
  ],
];

/** `mode=Force` kills the whole process group this long after answering. */
const FORCE_STOP_DELAY_MS = 5000;
/** How often a graceful stop looks whether the last request has finished. */
const DRAIN_POLL_MS = 100;

export function registerManagement(
  app: FastifyInstance,
  ctx: SimContext,
  state: MindieState,
): void {
  for (const [url, handler] of ROUTES) {
    app.get(url, (request, reply) =>
      answer(reply, () => {
        if (state.stopped) return sendError(reply.raw, serviceStopped());
        if (ctx.isLoading()) return sendEmpty(reply.raw, 503);
        const json = handler(ctx, state, request);
        if (json === undefined) sendEmpty(reply.raw, 200);
        else sendJson(reply.raw, 200, json);
      }),
    );
  }
  app.get('/stopService', async (request, reply) => {
    reply.hijack();
    await stopService(ctx, state, request, reply.raw);
  });
  registerFallbacks(app);
}

/**
 * Refuses new inference from now on. Gracefully, it answers once nothing runs or waits; with
 * `mode=Force` it answers at once and the engine dies shortly after. A second call is a 500.
 */
async function stopService(
  ctx: SimContext,
  state: MindieState,
  request: FastifyRequest,
  res: ServerResponse,
): Promise<void> {
  if (state.stopped) return sendEmpty(res, 500);
  state.stopped = true;
  const query = isRecord(request.query) ? request.query : {};
  if (readString(query, 'mode', '') === 'Force') {
    ctx.faults.update({ crashAfterMs: FORCE_STOP_DELAY_MS });
    return sendEmpty(res, 200);
  }
  while ((ctx.pool.busySlots > 0 || ctx.pool.waitingCount > 0) && !res.destroyed) {
    await sleep(DRAIN_POLL_MS);
  }
  if (!res.destroyed) sendEmpty(res, 200);
}

/** `managementIpAddress:managementPort`, which MindIE labels every figure with. */
function instanceOf(request: FastifyRequest): string {
  const { localAddress, localPort } = request.socket;
  return `${localAddress ?? ''}:${localPort ?? ''}`;
}
