import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSE_DONE, sseRecord } from '../../core/chunked-stream';
import { watchDisconnect } from '../../core/client-connection';
import {
  runGeneration,
  type ChoiceResult,
  type GenerationEvent,
  type GenerationJob,
  type GenerationOutcome,
  type TokenEvent,
} from '../../core/generation-runner';
import type { JsonObject } from '../../core/json-writer';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import { toSimError } from '../../core/sim-errors';
import { VLLM_ENCODERS, type VllmEncoder } from './vllm.encoders';
import { ChunkedBody, sendError, sendJson, SSE_HEADERS, sseError } from './vllm.http';
import { parseJsonBody, parseTask, type VllmRouteKind, type VllmTask } from './vllm.request';
import { arrivalTime, type RequestTracker, type VllmStats } from './vllm.stats';
import { baseRequestId, toolCallId, unixNow } from './vllm.wire';

/**
 * One OpenAI generation request, top to bottom: parse → watch the connection → run on the slot
 * pool → relay chunks (stream) or answer once. Errors before the first chunk are HTTP errors in
 * vLLM's envelope; later ones are `data: {"error": …}` followed by `data: [DONE]`. A request the
 * `dieAfterTokens` fault kills loses its connection mid-response.
 */

const ID_PREFIXES = {
  chat: 'chatcmpl-',
  completions: 'cmpl-',
} as const satisfies Record<VllmRouteKind, string>;

export async function serveGeneration(
  ctx: SimContext,
  stats: VllmStats,
  kind: VllmRouteKind,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const arrivedAt = arrivalTime();
  let id: string;
  let task: VllmTask;
  try {
    const body = parseJsonBody(rawBody);
    task = parseTask(kind, body, ctx.settings);
    id = ID_PREFIXES[kind] + baseRequestId(body, req);
  } catch (error) {
    sendError(res, toSimError(error));
    return;
  }

  const cancel = watchDisconnect(req, res);
  const encoder = VLLM_ENCODERS[kind]({ id, created: unixNow(), model: ctx.settings.model, task });
  const tracker = stats.track(task.choices.length, arrivedAt);
  const stream = task.stream ? new ChunkedBody(res, SSE_HEADERS) : undefined;
  const send = (chunks: readonly JsonObject[]): void => {
    // Chunks are pydantic `model_dump_json` output: compact, as `dumpJson` writes them.
    for (const chunk of chunks) stream?.write(sseRecord(chunk));
  };
  const relay = stream ? chunkRelay(encoder, send) : () => undefined;

  try {
    const outcome = await runGeneration(ctx, generationJob(ctx, task, cancel.signal), (event) => {
      tracker.observe(event);
      relay(event);
    });
    settle(outcome, res, tracker, (results) => {
      if (!stream) return sendJson(res, 200, encoder.body(results));
      send(encoder.usage(results));
      stream.write(SSE_DONE);
      stream.end();
    });
  } catch (error) {
    const simError = toSimError(error);
    if (!stream?.started) return sendError(res, simError);
    stream.write(sseError(simError));
    stream.write(SSE_DONE);
    stream.end();
  } finally {
    cancel.dispose();
  }
}

/**
 * Turns events into chunks. vLLM reports a choice's finish reason on the chunk of its last token,
 * so that token waits for the choice's final event, which follows in the same turn.
 */
function chunkRelay(
  encoder: VllmEncoder,
  send: (chunks: readonly JsonObject[]) => void,
): (event: GenerationEvent) => void {
  const held = new Map<number, TokenEvent>();
  let begun = false;
  return (event) => {
    if (!begun) {
      begun = true;
      send(encoder.start());
    }
    if (event.type === 'final') {
      send(encoder.finish(event.result, held.get(event.result.index)));
      held.delete(event.result.index);
    } else if (event.last) {
      held.set(event.index, event);
    } else {
      send(encoder.token(event));
    }
  };
}

/** What a generation job needs of a request, whichever route read it. */
export type JobFields = Pick<
  VllmTask,
  'choices' | 'nPredict' | 'stop' | 'ignoreEos' | 'topLogprobs' | 'reasoning' | 'tool'
>;

export function generationJob(
  ctx: SimContext,
  task: JobFields,
  signal: AbortSignal,
): GenerationJob {
  return {
    model: ctx.settings.model,
    choices: task.choices,
    nPredict: task.nPredict,
    stop: task.stop,
    ignoreEos: task.ignoreEos,
    // Automatic prefix caching is on by default in vLLM's V1 engine.
    cachePrompt: true,
    // `top_logprobs: 0` (`logprobs: 0` on completions) still reports the chosen token's logprob.
    nProbs: task.topLogprobs === undefined ? 0 : Math.max(1, task.topLogprobs),
    slotParams: {},
    signal,
    reasoning: task.reasoning,
    tool: task.tool,
    toolCallId,
  };
}

/** Maps an outcome onto the connection; only a finished generation writes the response end. */
export function settle(
  outcome: GenerationOutcome,
  res: ServerResponse,
  tracker: RequestTracker,
  done: (results: readonly ChoiceResult[]) => void,
): void {
  switch (outcome.status) {
    case 'done':
      return done(outcome.results);
    case 'cancelled':
      // The client is gone (vLLM aborts the request), or the simulator is shutting down.
      tracker.abort();
      return leaveUnfinished(res, outcome.status);
    case 'died':
      return leaveUnfinished(res, outcome.status);
  }
}
