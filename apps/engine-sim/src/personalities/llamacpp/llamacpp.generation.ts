import type { IncomingMessage, ServerResponse } from 'node:http';
import { watchDisconnect } from '../../core/client-connection';
import {
  runGeneration,
  type GenerationEvent,
  type GenerationJob,
  type GenerationOutcome,
} from '../../core/generation-runner';
import { LLAMACPP_ENCODERS, type ResponseMeta } from './llamacpp.encoders';
import { sendError, sendJson, SseStream } from './llamacpp.http';
import {
  parseJsonBody,
  parseTask,
  type GenerationRouteKind,
  type LlamacppTask,
} from './llamacpp.request';
import { settingsJson } from './llamacpp.settings';
import { completionId, toolCallId } from './llamacpp.wire';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import { toSimError } from '../../core/sim-errors';

/**
 * One generation request, top to bottom: parse → watch the connection → run on the slot pool
 * → relay records (stream) or answer once (non-stream). Errors before the first record are
 * plain HTTP errors; later ones are an in-band `data: {"error":…}` record without `[DONE]`.
 * A request the `dieAfterTokens` fault kills loses its connection mid-response.
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
    task = parseTask(kind, parseJsonBody(rawBody), ctx.settings);
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
    const outcome = await runGeneration(ctx, toJob(ctx, task, cancel.signal), relay);
    finish(outcome, res, (results) => {
      if (!stream) return sendJson(res, 200, encoder.body(results, meta));
      if (encoder.doneMarker) stream.sendDone();
      stream.end();
    });
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
    reasoning: task.reasoning,
    tool: task.tool,
    toolCallId,
  };
}

type Results = Extract<GenerationOutcome, { status: 'done' }>['results'];

function finish(outcome: GenerationOutcome, res: ServerResponse, done: (r: Results) => void): void {
  switch (outcome.status) {
    case 'done':
      return done(outcome.results);
    case 'cancelled':
    case 'died':
      return leaveUnfinished(res, outcome.status);
  }
}
