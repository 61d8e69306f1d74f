import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { watchDisconnect } from '../../core/client-connection';
import { fakeTokenProbs } from '../../core/fake-logprobs';
import type { ChoiceResult } from '../../core/generation-runner';
import type { HeaderList } from '../../core/http-head';
import type { JsonObject, JsonValue } from '../../core/json-writer';
import type { SimContext } from '../../core/personality';
import { fnv1a } from '../../core/prng';
import { toSimError } from '../../core/sim-errors';
import { BodyRejection, errorBody, failureLabel, generationError } from './tgi.errors';
import { runTgiJob, settle, type StreamToken, type TgiState } from './tgi.generation';
import { sendError, sendJson, sendRejection, streamHeaders, TgiEventStream } from './tgi.http';
import type { RequestTiming } from './tgi.metrics';
import { type GenerateInput, parseJsonBody, readGenerateInput } from './tgi.request';
import { type TgiTask, validateParameters } from './tgi.validation';
import {
  COMPUTE_TYPE,
  finishReason,
  generatedText,
  logprobJson,
  tokenJson,
  topTokensJson,
} from './tgi.wire';
import { BOS_PIECE, splitPieces } from '../../core/tokenizer';

/**
 * TGI's native routes (`server.rs` `generate`, `generate_stream`, `compat_generate`), top to
 * bottom: read the body → validate → run → one `GenerateResponse` or a `StreamResponse` per
 * token. On a stream a validation error is an event (TGI answers 200 before it validates); a
 * failure before any token is a plain HTTP error, one after it a `generation` error event.
 */

export type NativeRoute = 'generate' | 'generate_stream' | 'compat';

export async function serveNative(
  ctx: SimContext,
  state: TgiState,
  route: NativeRoute,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedAt = performance.now();
  let input: GenerateInput;
  try {
    input = readGenerateInput(parseJsonBody(rawBody), route === 'compat' ? 'compat' : 'native');
  } catch (error) {
    if (error instanceof BodyRejection) sendRejection(res, error);
    else sendError(res, toSimError(error));
    return;
  }
  state.metrics.onRequest();
  const stream = route === 'generate_stream' || input.stream;
  const characters = [...input.inputs].length;
  const events = stream ? new TgiEventStream(res, streamHeaders(characters)) : undefined;
  let task: TgiTask;
  try {
    task = validateParameters(input.inputs, input.parameters, {
      settings: ctx.settings,
      stream,
      addSpecialTokens: true,
      sampleByDefault: input.defaultParameters,
      // `compat_generate` defaults it from the model's pipeline tag, `text-generation` here.
      fullTextByDefault: route === 'compat',
    });
  } catch (error) {
    const simError = toSimError(error);
    state.metrics.onFailure(failureLabel(simError));
    if (!events) return sendError(res, simError);
    events.send(errorBody(simError));
    return events.end();
  }

  const cancel = watchDisconnect(req, res);
  try {
    const job = { task, promptText: task.inputs, signal: cancel.signal, startedAt };
    const outcome = await runTgiJob(ctx, state, job, (token) =>
      events?.send(streamResponseJson(token, task)),
    );
    settle(outcome, res, {
      done: (results, timing) => {
        if (events) return events.end();
        const body = responseJson(best(results), results, task);
        const headers = responseHeaders(characters, task, best(results), timing);
        sendJson(res, 200, route === 'compat' ? [body] : body, headers);
      },
      fail: (error) => {
        if (!events?.started) return sendError(res, error);
        events.send(generationError(error));
        events.end();
      },
    });
  } finally {
    events?.stop();
    cancel.dispose();
  }
}

function streamResponseJson({ index, event, end }: StreamToken, task: TgiTask): JsonObject {
  return {
    index,
    token: tokenJson(event.token, event.probs),
    top_tokens: topTokensJson(event.probs, task.topN),
    generated_text: end ? fullText(end, task) : null,
    details:
      end && task.details
        ? {
            finish_reason: finishReason(end),
            generated_tokens: end.tokens.length,
            input_length: task.promptTokens.length,
            seed: task.reportedSeed,
          }
        : null,
  };
}

const fullText = (result: ChoiceResult, task: TgiTask): string =>
  (task.returnFullText ? task.inputs : '') + generatedText(result.tokens);

/** `best_of`: the sequence with the highest mean token logprob wins. */
function best(results: readonly ChoiceResult[]): ChoiceResult {
  const score = (r: ChoiceResult): number =>
    r.probs.reduce((sum, p) => sum + p.chosen.logprob, 0) / Math.max(1, r.probs.length);
  const winner = results.reduce<ChoiceResult | undefined>(
    (top, r) => (top === undefined || score(r) > score(top) ? r : top),
    undefined,
  );
  if (!winner) throw new RangeError('a response needs at least one sequence');
  return winner;
}

function responseJson(
  winner: ChoiceResult,
  results: readonly ChoiceResult[],
  task: TgiTask,
): JsonObject {
  if (!task.details) return { generated_text: fullText(winner, task) };
  const others = results.filter((r) => r !== winner);
  return {
    generated_text: fullText(winner, task),
    details: {
      ...sequenceDetails(winner, task),
      best_of_sequences:
        others.length === 0
          ? undefined
          : others.map((r) => ({ generated_text: fullText(r, task), ...sequenceDetails(r, task) })),
    },
  };
}

function sequenceDetails(result: ChoiceResult, task: TgiTask): JsonObject {
  const topTokens = result.probs.map((p) => topTokensJson(p, task.topN));
  return {
    finish_reason: finishReason(result),
    generated_tokens: result.tokens.length,
    seed: task.seeds.length > 1 ? (task.seeds[result.index] ?? null) : task.reportedSeed,
    prefill: task.decoderInputDetails ? prefillJson(task) : [],
    tokens: result.tokens.map((token, i) => tokenJson(token, result.probs[i])),
    top_tokens: task.topN > 0 ? topTokens : undefined,
  };
}

/** `decoder_input_details`: the prompt tokens with their logprobs, the first having none. */
function prefillJson(task: TgiTask): JsonValue {
  const pieces = [BOS_PIECE, ...splitPieces(task.inputs)].slice(-task.promptTokens.length);
  const key = fnv1a(task.inputs);
  return task.promptTokens.map((id, i) => {
    const text = pieces[i] ?? '';
    const { chosen } = fakeTokenProbs(key, i, { id, text, eog: false }, 1);
    return { id, text, logprob: i === 0 ? null : logprobJson(chosen.logprob) };
  });
}

/** The timing headers `generate_internal` adds (times in ms, `x-compute-time` in seconds). */
export function responseHeaders(
  characters: number,
  task: TgiTask,
  result: ChoiceResult,
  timing: RequestTiming,
): HeaderList {
  const ms = (seconds: number): string => String(Math.floor(seconds * 1e3));
  const perToken = timing.inference / Math.max(1, result.tokens.length);
  return [
    ['x-compute-type', COMPUTE_TYPE],
    ['x-compute-time', String(timing.total)],
    ['x-compute-characters', String(characters)],
    ['x-total-time', ms(timing.total)],
    ['x-validation-time', ms(timing.validation)],
    ['x-queue-time', ms(timing.queue)],
    ['x-inference-time', ms(timing.inference)],
    ['x-time-per-token', ms(perToken)],
    ['x-prompt-tokens', String(task.promptTokens.length)],
    ['x-generated-tokens', String(result.tokens.length)],
  ];
}
