import type { IncomingMessage, ServerResponse } from 'node:http';
import { watchDisconnect } from '../../core/client-connection';
import {
  runGeneration,
  type GenerationEvent,
  type GenerationJob,
} from '../../core/generation-runner';
import { inferenceStopped, toMindieError } from './mindie.errors';
import { MindieStream, sendError, sendJson } from './mindie.http';
import { mindieToolCallId } from './mindie.openai';
import { type MindieRoute, type MindieTask, parseJsonBody } from './mindie.request';
import type { MindieState } from './mindie.state';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import type { Body } from '../../core/request-fields';

/**
 * One inference request, top to bottom, in the order MindIE checks (`Process`): parse the body
 * → refuse once stopped → pick the route and validate → run on the slot pool → relay records
 * (stream) or answer once. Errors before the first record are plain HTTP errors; later ones an
 * in-band `{"error","error_type"}` record; a request the `dieAfterTokens` fault kills loses its
 * connection mid-response. Every request is counted for the metrics plane.
 */

/** The route of a request, decided by its body where one path serves several dialects. */
export type RouteChoice = (body: Body) => MindieRoute;

export async function serveGeneration(
  ctx: SimContext,
  state: MindieState,
  choose: RouteChoice,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const tracker = state.stats.track();
  let route: MindieRoute;
  let task: MindieTask;
  try {
    const body = parseJsonBody(rawBody);
    if (state.stopped) throw inferenceStopped();
    route = choose(body);
    task = route.parse(body, ctx.settings);
  } catch (error) {
    tracker.failed();
    sendError(res, toMindieError(error));
    return;
  }
  tracker.admitted(task.choices[0]?.promptTokens.length ?? 0);

  const cancel = watchDisconnect(req, res);
  const encoder = route.encoder({ id: state.nextRequestId(), model: ctx.settings.model, task });
  const stream = task.stream ? new MindieStream(res, route.framing) : undefined;
  const relay = (event: GenerationEvent): void => {
    tracker.onEvent(event);
    if (stream) for (const record of encoder.push(event)) stream.send(record);
  };

  try {
    const outcome = await runGeneration(ctx, toJob(ctx, task, cancel.signal), relay);
    switch (outcome.status) {
      case 'done':
        tracker.succeeded(outcome.results);
        if (!stream) return sendJson(res, 200, encoder.body(outcome.results));
        if (route.doneMarker) stream.sendDone();
        return stream.end();
      case 'cancelled':
        return leaveUnfinished(res, outcome.status);
      case 'died':
        tracker.failed();
        return leaveUnfinished(res, outcome.status);
    }
  } catch (error) {
    tracker.failed();
    const mindieError = toMindieError(error);
    if (stream?.started) stream.fail(mindieError);
    else sendError(res, mindieError);
  } finally {
    cancel.dispose();
  }
}

function toJob(ctx: SimContext, task: MindieTask, signal: AbortSignal): GenerationJob {
  return {
    model: ctx.settings.model,
    choices: task.choices,
    nPredict: task.nPredict,
    stop: task.stop,
    ignoreEos: false,
    cachePrompt: true,
    nProbs: task.nProbs,
    slotParams: { n_predict: task.nPredict, seed: task.seed, stream: task.stream },
    signal,
    reasoning: task.reasoning,
    tool: task.tool,
    toolCallId: mindieToolCallId,
  };
}
