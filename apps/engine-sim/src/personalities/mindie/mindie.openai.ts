import { randomBytes } from 'node:crypto';
import { renderChatPrompt } from '../../core/chat-template';
import type { ChoiceResult, TokenEvent, ToolCallDelta } from '../../core/generation-runner';
import type { JsonObject, JsonValue } from '../../core/json-writer';
import { validationError } from './mindie.errors';
import { chatLogprobs, completionLogprobs } from './mindie.logprobs';
import {
  checkModel,
  choicesFor,
  LastTokens,
  type MindieEncoder,
  type MindieRoute,
  type MindieTask,
  parseMessages,
  readN,
  readSeed,
  readTokenCap,
  type ResponseMeta,
  TASK_DEFAULTS,
} from './mindie.request';
import { type PromptInput, textPrompt, tokenPrompt } from '../../core/prompt-input';
import { requestedTool } from '../../core/openai-tools';
import {
  type Body,
  readBool,
  readInt,
  readRecord,
  readStringOrStrings,
} from '../../core/request-fields';
import type { SimSettings } from '../../core/sim-options';
import { countTokens } from '../../core/tokenizer';

/**
 * `/v1/chat/completions` and `/v1/completions` with `openAiSupport: "vllm"`
 * (`single_req_vllm_openai{,_completions}_infer_interface.cpp`). Streams open with one empty
 * assistant delta per choice (chat only); a choice's last token rides on the chunk that carries
 * its `finish_reason` and that choice's `usage`; `stream_options` is not read; `[DONE]` ends.
 */

/** What every record and body starts with; `created` is taken as each is built. */
const envelope = (meta: ResponseMeta, object: string) => ({
  id: meta.id,
  object,
  created: Math.floor(Date.now() / 1000),
  model: meta.model,
});

/** `call_` and 24 hex digits. */
export const mindieToolCallId = (): string => `call_${randomBytes(12).toString('hex')}`;

function finishReason(result: ChoiceResult): 'stop' | 'length' | 'tool_calls' {
  if (result.stopType === 'limit') return 'length';
  return result.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

/** Usage of some choices: prompt and cache of the first, completions of all. */
function usageJson(results: readonly ChoiceResult[], task: MindieTask): JsonObject {
  const first = results[0];
  const prompt = first?.stats.promptTokens ?? 0;
  const completion = results.reduce((sum, r) => sum + r.stats.predictedN, 0);
  const reasoning = task.reasoning === 'separate' ? countTokens(first?.reasoning ?? '') : undefined;
  return {
    prompt_tokens: prompt,
    prompt_tokens_details: { cached_tokens: first?.stats.cacheN ?? 0 },
    completion_tokens: completion,
    completion_tokens_details:
      reasoning === undefined ? undefined : { reasoning_tokens: reasoning },
    total_tokens: prompt + completion,
  };
}

type Delta = Record<string, JsonValue>;

function toolCallJson(call: ToolCallDelta): JsonObject {
  const { index, arguments: fragment } = call;
  if (!call.first) return { index, function: { arguments: fragment } };
  return { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
}

/** Per choice: whether it has thought and whether its answer has begun. */
interface Progress {
  reasoned: boolean;
  answered: boolean;
}

function chatDelta(event: TokenEvent | undefined, progress: Progress, unsent = ''): Delta {
  const delta: Delta = { role: 'assistant' };
  if (event && event.reasoning !== '') {
    delta.reasoning_content = event.reasoning;
    progress.reasoned = true;
  }
  const text = (event?.text ?? '') + unsent;
  if (text !== '') {
    // The step where the answer begins still reports the (now empty) reasoning.
    if (progress.reasoned && !progress.answered) delta.reasoning_content ??= '';
    delta.content = text;
    progress.answered = true;
  }
  if (event?.toolCall) delta.tool_calls = [toolCallJson(event.toolCall)];
  return delta;
}

const hasPayload = (delta: Delta): boolean =>
  'reasoning_content' in delta || 'content' in delta || 'tool_calls' in delta;

function chatEncoder(meta: ResponseMeta): MindieEncoder {
  const last = new LastTokens();
  const progress = new Map<number, Progress>();
  let opened = false;
  const chunk = (index: number, delta: Delta, logprobs: JsonValue, end?: JsonObject) => ({
    ...envelope(meta, 'chat.completion.chunk'),
    usage: end?.usage,
    choices: [{ index, delta, logprobs, finish_reason: end?.finish ?? null }],
  });
  const progressOf = (index: number): Progress => {
    const known = progress.get(index);
    if (known) return known;
    const fresh = { reasoned: false, answered: false };
    progress.set(index, fresh);
    return fresh;
  };
  return {
    push(event) {
      const records: JsonObject[] = [];
      if (!opened) {
        opened = true;
        for (const { index } of meta.task.choices) {
          records.push(chunk(index, { role: 'assistant', content: '' }, null));
        }
      }
      if (event.type === 'token') {
        if (last.hold(event)) return records;
        const delta = chatDelta(event, progressOf(event.index));
        const probs = event.probs ? [event.probs] : [];
        if (hasPayload(delta)) records.push(chunk(event.index, delta, chatLogprobs(probs)));
        return records;
      }
      const { result } = event;
      const token = last.take(result.index);
      const delta = chatDelta(token, progressOf(result.index), result.unsent);
      if (!hasPayload(delta)) delta.content = '';
      const probs = token?.probs ? [token.probs] : [];
      const end = { finish: finishReason(result), usage: usageJson([result], meta.task) };
      records.push(chunk(result.index, delta, chatLogprobs(probs), end));
      return records;
    },
    body: (results) => ({
      ...envelope(meta, 'chat.completion'),
      choices: results.map((r) => ({
        index: r.index,
        message: {
          role: 'assistant',
          content: r.content,
          reasoning_content: meta.task.reasoning === 'separate' ? r.reasoning : undefined,
          tool_calls: r.toolCalls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
          })),
        },
        logprobs: chatLogprobs(r.probs),
        finish_reason: finishReason(r),
      })),
      usage: usageJson(results, meta.task),
    }),
  };
}

function completionEncoder(meta: ResponseMeta): MindieEncoder {
  const last = new LastTokens();
  const offsets = meta.task.choices.map(() => 0);
  const chunk = (index: number, text: string, logprobs: JsonValue, end?: JsonObject) => ({
    ...envelope(meta, 'text_completion'),
    choices: [{ index, text, logprobs, stop_reason: null, finish_reason: end?.finish ?? null }],
    usage: end?.usage,
  });
  const logprobsOf = (event: TokenEvent | undefined): JsonValue => {
    if (!event?.probs) return null;
    const json = completionLogprobs([event.probs], offsets[event.index] ?? 0);
    offsets[event.index] = (offsets[event.index] ?? 0) + Buffer.byteLength(event.token.text);
    return json;
  };
  return {
    push(event) {
      if (event.type === 'token') {
        if (last.hold(event) || event.text === '') return [];
        return [chunk(event.index, event.text, logprobsOf(event))];
      }
      const { result } = event;
      const token = last.take(result.index);
      const end = { finish: finishReason(result), usage: usageJson([result], meta.task) };
      return [chunk(result.index, (token?.text ?? '') + result.unsent, logprobsOf(token), end)];
    },
    body: (results) => ({
      ...envelope(meta, 'text_completion'),
      choices: results.map((r) => ({
        index: r.index,
        text: r.content,
        logprobs: completionLogprobs(r.probs, 0),
        stop_reason: null,
        finish_reason: finishReason(r),
      })),
      usage: usageJson(results, meta.task),
    }),
  };
}

/** Sampling fields both routes read the same way. */
function commonTask(
  body: Body,
  prompt: PromptInput,
): Omit<MindieTask, 'reasoning' | 'tool' | 'nProbs'> {
  const seed = readSeed(body);
  return {
    ...TASK_DEFAULTS,
    choices: choicesFor(prompt, readN(body), seed),
    nPredict: readTokenCap(body, 'max_tokens', -1),
    stop: readStringOrStrings(body, 'stop'),
    stream: readBool(body, 'stream', false),
    seed,
  };
}

export const CHAT_ROUTE: MindieRoute = {
  framing: 'sse',
  doneMarker: true,
  parse(body: Body, settings: SimSettings): MindieTask {
    checkModel(body, settings, 'Model not found');
    const messages = parseMessages(body.messages);
    const thinks = readRecord(body, 'chat_template_kwargs').enable_thinking !== false;
    const top = readInt(body, 'top_logprobs', 0);
    return {
      ...commonTask(body, textPrompt(renderChatPrompt(messages))),
      reasoning: settings.reasoning && thinks ? 'separate' : 'off',
      tool: requestedTool(body, messages),
      nProbs: body.logprobs === true ? Math.max(0, top) : 0,
    };
  },
  encoder: chatEncoder,
};

export const COMPLETIONS_ROUTE: MindieRoute = {
  framing: 'sse',
  doneMarker: true,
  parse(body: Body, settings: SimSettings): MindieTask {
    checkModel(body, settings, 'Not found given model, please check modelName in config file.');
    return {
      ...commonTask(body, completionPrompt(body.prompt, settings)),
      // No reasoning parser on raw completions: thoughts stay in the text.
      reasoning: settings.reasoning ? 'inline' : 'off',
      tool: undefined,
      nProbs: Math.max(0, readInt(body, 'logprobs', 0)),
    };
  },
  encoder: completionEncoder,
};

/** `AssignPrompt`: a non-empty string or a non-empty list of token ids. */
function completionPrompt(prompt: unknown, settings: SimSettings): PromptInput {
  if (prompt === undefined || prompt === null) {
    throw validationError('Contains not prompt or prompt null');
  }
  if (typeof prompt === 'string') {
    if (prompt === '') {
      throw validationError(
        'Length of Prompt text should be greater than 0 and less than or equal to ' +
          `${settings.ctxSize - 1}, but got 0`,
      );
    }
    return textPrompt(prompt);
  }
  if (!Array.isArray(prompt)) {
    throw validationError('The type of prompt is abnormal,prompt must be str or integer list.');
  }
  if (prompt.length === 0) throw validationError('Prompt array cannot be empty.');
  if (!prompt.every((t): t is number => Number.isInteger(t))) {
    throw validationError('All elements of the prompt array must be integers.');
  }
  return tokenPrompt(prompt);
}
