import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { watchDisconnect } from '../../core/client-connection';
import type { TokenProbs } from '../../core/fake-logprobs';
import type { ChoiceResult } from '../../core/generation-runner';
import type { JsonObject, JsonValue } from '../../core/json-writer';
import type { SimContext } from '../../core/personality';
import type { PlannedToken } from '../../core/text-generator';
import { toSimError } from '../../core/sim-errors';
import {
  BodyRejection,
  errorBody,
  failureLabel,
  generationError,
  openaiErrorEvent,
} from './tgi.errors';
import { runTgiJob, settle, type StreamToken, type TgiState } from './tgi.generation';
import { sendError, sendJson, sendRejection, streamHeaders, TgiEventStream } from './tgi.http';
import { responseHeaders } from './tgi.native';
import { type ChatInput, parseJsonBody, readChatInput } from './tgi.request';
import { type TgiTask, validateParameters } from './tgi.validation';
import {
  finishReason,
  generatedText,
  logprobJson,
  openaiFinishReason,
  SYSTEM_FINGERPRINT,
  tokenText,
  unixNow,
} from './tgi.wire';

/**
 * TGI's `/v1/chat/completions` (`server.rs` `chat_completions`, `chat.rs` `ChatState`): one
 * chunk per token with `role` on every delta and an empty `id`, the stop string kept in the
 * text and reported as `stop_sequence`, a separate usage chunk with `choices: []`, then
 * `data:[DONE]`. Errors inside a stream are `{"error":{"message","http_status_code":422}}`
 * followed by `data:[DONE]`.
 */
export async function serveChat(
  ctx: SimContext,
  state: TgiState,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedAt = performance.now();
  let input: ChatInput;
  try {
    input = readChatInput(parseJsonBody(rawBody));
  } catch (error) {
    if (error instanceof BodyRejection) sendRejection(res, error);
    else sendError(res, toSimError(error));
    return;
  }
  state.metrics.onRequest();
  const events = input.stream ? new TgiEventStream(res, streamHeaders()) : undefined;
  const failInBand = (body: JsonObject): void => {
    events?.send(openaiErrorEvent(body));
    events?.sendDone();
    events?.end();
  };
  let task: TgiTask;
  try {
    task = validateParameters(input.prompt, input.parameters, {
      settings: ctx.settings,
      stream: input.stream,
      addSpecialTokens: false,
      sampleByDefault: false,
      fullTextByDefault: false,
    });
  } catch (error) {
    const simError = toSimError(error);
    state.metrics.onFailure(failureLabel(simError));
    return events ? failInBand(errorBody(simError)) : sendError(res, simError);
  }

  const cancel = watchDisconnect(req, res);
  const model = ctx.settings.model;
  try {
    const job = {
      task,
      promptText: input.prompt,
      tool: input.tool,
      signal: cancel.signal,
      startedAt,
    };
    const chunks = chatChunker(input, task, model);
    const outcome = await runTgiJob(ctx, state, job, (token) => {
      for (const record of chunks(token)) events?.send(record);
    });
    settle(outcome, res, {
      done: (results, timing) => {
        if (events) {
          events.sendDone();
          return events.end();
        }
        const [result] = results;
        if (!result) throw new RangeError('a response needs at least one choice');
        const headers = responseHeaders([...input.prompt].length, task, result, timing);
        sendJson(res, 200, completionJson(result, input, task, model), headers);
      },
      fail: (error) => {
        if (events?.started) failInBand(generationError(error));
        else sendError(res, error);
      },
    });
  } finally {
    events?.stop();
    cancel.dispose();
  }
}

const chunk = (model: string, choices: JsonValue[], usage: JsonValue = null): JsonObject => ({
  object: 'chat.completion.chunk',
  id: '',
  created: unixNow(),
  model,
  system_fingerprint: SYSTEM_FINGERPRINT,
  choices,
  usage,
});

function usageJson(result: ChoiceResult, task: TgiTask): JsonObject {
  const prompt = task.promptTokens.length;
  const completion = result.tokens.length;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
  };
}

/**
 * The chunks of each token. While the model writes a tool call only its argument fragments go
 * out, the first naming the function; everything else of that turn (the closing EOS included)
 * produces no chunk, so such a stream ends without a finish reason.
 */
function chatChunker(
  input: ChatInput,
  task: TgiTask,
  model: string,
): (token: StreamToken) => JsonObject[] {
  let pendingName: string | null = null;
  const deltaOf = (event: StreamToken['event']): JsonObject | undefined => {
    if (!input.tool) return { role: 'assistant', content: event.token.eog ? '' : event.token.text };
    const call = event.toolCall;
    if (!call) return undefined;
    if (call.first) {
      pendingName = call.name;
      return undefined;
    }
    const fn = { name: pendingName, arguments: call.arguments };
    pendingName = null;
    return {
      role: 'assistant',
      tool_calls: [{ index: 0, id: '', type: 'function', function: fn }],
    };
  };
  return ({ event, end }) => {
    const records: JsonObject[] = [];
    const delta = deltaOf(event);
    if (delta) {
      const logprobs =
        input.logprobs && event.probs
          ? logprobsJson([[event.token, event.probs]], task.topN)
          : null;
      const finish = end ? openaiFinishReason(finishReason(end)) : null;
      records.push(chunk(model, [{ index: 0, delta, logprobs, finish_reason: finish }]));
    }
    if (end && input.includeUsage) records.push(chunk(model, [], usageJson(end, task)));
    return records;
  };
}

/** `ChatCompletionLogprobs::from((tokens, top_tokens))`. */
function logprobsJson(
  tokens: readonly (readonly [PlannedToken, TokenProbs | undefined])[],
  topN: number,
): JsonObject {
  const content = tokens.map(([token, probs]) => ({
    token: tokenText(token),
    logprob: logprobJson(probs?.chosen.logprob ?? 0),
    top_logprobs: (probs?.top ?? []).slice(0, topN).map((alt) => ({
      token: alt.id === token.id ? tokenText(token) : alt.text,
      logprob: logprobJson(alt.logprob),
    })),
  }));
  return { content };
}

function completionJson(
  result: ChoiceResult,
  input: ChatInput,
  task: TgiTask,
  model: string,
): JsonObject {
  const message: JsonObject = input.tool
    ? {
        role: 'assistant',
        tool_calls: result.toolCalls.map((call) => ({
          id: '0',
          type: 'function',
          function: { description: null, name: call.name, arguments: call.arguments },
        })),
      }
    : { role: 'assistant', content: generatedText(result.tokens) };
  const pairs = result.tokens.map((token, i) => [token, result.probs[i]] as const);
  return {
    object: 'chat.completion',
    id: '',
    created: unixNow(),
    model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      {
        index: 0,
        message,
        logprobs: input.logprobs ? logprobsJson(pairs, task.topN) : null,
        finish_reason: openaiFinishReason(finishReason(result)),
      },
    ],
    usage: usageJson(result, task),
  };
}
