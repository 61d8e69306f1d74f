import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { watchDisconnect } from '../../core/client-connection';
import {
  runGeneration,
  type GenerationEvent,
  type GenerationJob,
} from '../../core/generation-runner';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import { toSimError } from '../../core/sim-errors';
import { answerBody, finalLines, loadJson, type ResponseMeta, tokenLine } from './ollama.encoders';
import { NdjsonStream, sendError, sendJson } from './ollama.http';
import type { Residency } from './ollama.info';
import { type OllamaRoute, type OllamaTask, parseJsonBody, parseTask } from './ollama.request';

/**
 * `/api/chat` and `/api/generate`, top to bottom: parse → (no prompt: load and answer) → run on
 * the pool → an NDJSON line per token and a `done` line, or one object with `stream: false`.
 * A failure before the first line is a plain HTTP error; after it, a last `{"error"}` line.
 */
export async function serveGeneration(
  ctx: SimContext,
  residency: Residency,
  route: OllamaRoute,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedAt = performance.now();
  let task: OllamaTask;
  try {
    task = parseTask(route, parseJsonBody(rawBody), ctx.settings);
  } catch (error) {
    sendError(res, toSimError(error));
    return;
  }
  if (task.load) {
    residency.use(task.load === 'unload' ? 0 : task.keepAliveMs);
    // An answer of its own (`c.JSON`), streaming requested or not.
    sendJson(res, 200, loadJson(task, task.load));
    return;
  }

  const cancel = watchDisconnect(req, res);
  const stream = task.stream ? new NdjsonStream(res) : undefined;
  const meta: ResponseMeta = { task, startedAt, jobStartedAt: performance.now() };
  const relay = (event: GenerationEvent): void => {
    if (!stream) return;
    const lines =
      event.type === 'token' ? [tokenLine(event, meta)] : finalLines(event.result, meta);
    for (const line of lines) if (line) stream.send(line);
  };
  try {
    const outcome = await runGeneration(ctx, toJob(ctx, task, cancel.signal), relay);
    residency.use(task.keepAliveMs);
    if (outcome.status !== 'done') return leaveUnfinished(res, outcome.status);
    const [result] = outcome.results;
    if (stream) stream.end();
    else if (result) sendJson(res, 200, answerBody(result, meta));
  } catch (error) {
    const simError = toSimError(error);
    if (stream?.started) stream.fail(simError);
    else sendError(res, simError);
  } finally {
    cancel.dispose();
  }
}

function toJob(ctx: SimContext, task: OllamaTask, signal: AbortSignal): GenerationJob {
  return {
    model: ctx.settings.model,
    choices: [
      { index: 0, promptText: task.promptText, promptTokens: task.promptTokens, seed: task.seed },
    ],
    nPredict: task.nPredict,
    stop: task.stop,
    ignoreEos: false,
    // Ollama's runner keeps each slot's KV cache and reuses the longest shared prefix.
    cachePrompt: true,
    nProbs: task.topLogprobs === undefined ? 0 : Math.max(1, task.topLogprobs),
    slotParams: {},
    signal,
    reasoning: task.reasoning,
    tool: task.tool,
  };
}
