import type { IncomingMessage, ServerResponse } from 'node:http';
import { runGeneration, type GenerationEvent, type GenerationJob } from './generation-runner';
import { LLAMACPP_ENCODERS, type ResponseMeta } from './llamacpp.encoders';
import { sendError, sendJson, SseStream } from './llamacpp.http';
import {
  parseJsonBody,
  parseTask,
  type GenerationRouteKind,
  type LlamacppTask,
} from './llamacpp.request';
import { settingsJson } from './llamacpp.settings';
import { completionId } from './llamacpp.wire';
import type { SimContext } from './personality';
import { toSimError } from './sim-errors';

/**
 * One generation request, top to bottom: parse → watch the connection → run on the slot pool
 * → relay records (stream) or answer once (non-stream). Errors before the first record are
 * plain HTTP errors; later ones are an in-band `data: {"error":…}` record without `[DONE]`.
 */
export async function serveGeneration(
  ctx: SimContext,
  kind: GenerationRouteKind,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let task: LlamacppTask;
  try {
    task = parseTask(kind, parseJsonBody(rawBody));
  } catch (error) {
    sendError(res, toSimError(error));
    return;
  }

  const cancel = watchDisconnect(req, res);
  const encoder = LLAMACPP_ENCODERS[kind];
  const meta: ResponseMeta = { id: completionId(), model: ctx.settings.model, task };
  const stream = task.stream ? new SseStream(res) : undefined;
  const relay = (event: GenerationEvent): void => {
    if (!stream) return;
    const records =
      event.type === 'token' ? encoder.partial(event, meta) : encoder.final(event.result, meta);
    for (const record of records) stream.send(record);
  };

  try {
    const results = await runGeneration(
      ctx.pool,
      ctx.settings.ctxSize,
      toJob(ctx, task, cancel.signal),
      relay,
    );
    if (results === null) {
      // Cancelled: the client is gone, or the simulator is shutting down.
      if (!res.writableEnded) res.destroy();
    } else if (stream) {
      if (encoder.doneMarker) stream.sendDone();
      stream.end();
    } else {
      sendJson(res, 200, encoder.body(results, meta));
    }
  } catch (error) {
    const simError = toSimError(error);
    if (stream?.started) stream.fail(simError);
    else sendError(res, simError);
  } finally {
    cancel.dispose();
  }
}

function toJob(ctx: SimContext, task: LlamacppTask, signal: AbortSignal): GenerationJob {
  return {
    model: ctx.settings.model,
    choices: task.choices,
    nPredict: task.nPredict,
    stop: task.stop,
    ignoreEos: task.ignoreEos,
    cachePrompt: task.cachePrompt,
    nProbs: task.nProbs,
    slotParams: settingsJson(task.settings, 'slot'),
    signal,
  };
}

/** Aborts when the client closes the connection before the response is complete. */
function watchDisconnect(
  req: IncomingMessage,
  res: ServerResponse,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  if (req.socket.destroyed) controller.abort();
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}
