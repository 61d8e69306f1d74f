import { chatPrompt } from '../../core/chat-template';
import type { ChoiceSpec, ReasoningOutput } from '../../core/generation-runner';
import { promptList, type PromptInput } from '../../core/prompt-input';
import { parseChatMessages } from '../../core/openai-messages';
import { requestedTool } from '../../core/openai-tools';
import {
  type Body,
  isRecord,
  readBool,
  readInt,
  readRecord,
  readStringOrStrings,
} from '../../core/request-fields';
import type { SimSettings } from '../../core/sim-options';
import { DEFAULT_SEED } from '../../core/text-generator';
import type { ToolSpec } from '../../core/tool-call-plan';
import { checkFields, COMMON_FIELDS, type FieldRule } from './vllm.fields';
import { invalid, modelNotFound, promptTooLong, requestTooLong } from './vllm.errors';

/**
 * `ChatCompletionRequest` and `CompletionRequest` as vLLM reads them: typed fields checked with
 * `SamplingParams`' wording, extras (`top_k`, `ignore_eos`, …) honoured or accepted, unknown
 * fields accepted (`extra="allow"`), the context checked before anything runs.
 */

export type VllmRouteKind = 'chat' | 'completions';

export interface VllmTask {
  readonly choices: readonly ChoiceSpec[];
  /** Prompt tokens for usage: each prompt once, however many choices it has. */
  readonly promptTokens: number;
  /** Cap on decoded tokens per choice; -1 = what the context leaves. */
  readonly nPredict: number;
  readonly stop: readonly string[];
  readonly includeStopStr: boolean;
  readonly ignoreEos: boolean;
  /** Alternatives shown per token; undefined when logprobs were not asked for. */
  readonly topLogprobs: number | undefined;
  readonly stream: boolean;
  /** `stream_options`: a final usage chunk, and usage on every chunk (`continuous_usage_stats`). */
  readonly usage: { readonly final: boolean; readonly continuous: boolean };
  readonly reasoning: ReasoningOutput;
  /** `include_reasoning`: thoughts are generated either way, but only reported when true. */
  readonly showReasoning: boolean;
  readonly tool: ToolSpec | undefined;
}

interface RouteRules {
  readonly fields: Readonly<Record<string, FieldRule>>;
  read(body: Body): { prompts: PromptInput[]; tool?: ToolSpec };
  maxTokens(body: Body): number | undefined;
  topLogprobs(body: Body): number | undefined;
  reasoning(body: Body, settings: SimSettings): ReasoningOutput;
}

/** `max_logprobs`, the server default. */
const MAX_LOGPROBS = 20;

const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

const ROUTES = {
  chat: {
    fields: {
      ...COMMON_FIELDS,
      max_completion_tokens: COMMON_FIELDS.max_tokens,
      logprobs: { type: 'bool' },
      top_logprobs: {
        type: 'int',
        range: (v) =>
          v < 0 ? `top_logprobs must be a non-negative integer, got ${v}.` : undefined,
      },
      include_reasoning: { type: 'bool' },
      chat_template_kwargs: { type: 'object' },
      tools: { type: 'array' },
    },
    read: (body) => {
      const messages = parseChatMessages(body.messages);
      return {
        prompts: [chatPrompt(messages, body.continue_final_message === true)],
        tool: requestedTool(body, messages),
      };
    },
    maxTokens: (body) => num(body.max_completion_tokens) ?? num(body.max_tokens),
    topLogprobs: (body) => {
      const top = readInt(body, 'top_logprobs', 0);
      if (body.logprobs === true) return top;
      if (top > 0) throw invalid('when using `top_logprobs`, `logprobs` must be set to true.');
      return undefined;
    },
    // A reasoning model thinks unless the template is told not to; any model thinks when told to.
    reasoning: (body, settings) => {
      const kwargs = readRecord(body, 'chat_template_kwargs');
      const asked = kwargs.enable_thinking ?? kwargs.thinking;
      return (typeof asked === 'boolean' ? asked : settings.reasoning) ? 'separate' : 'off';
    },
  },
  completions: {
    fields: {
      ...COMMON_FIELDS,
      logprobs: {
        type: 'int',
        range: (v) => (v < 0 ? `logprobs must be non-negative, got ${v}.` : undefined),
      },
    },
    read: (body) => {
      if (body.prompt === undefined || body.prompt === null) {
        throw invalid('Either prompt or prompt_embeds must be provided.');
      }
      if ('suffix' in body && body.suffix !== null) {
        throw invalid('suffix is not currently supported');
      }
      return { prompts: promptList(body.prompt) };
    },
    // `CompletionRequest.max_tokens` defaults to 16, as in OpenAI's API; an explicit null lifts it.
    maxTokens: (body) => (body.max_tokens === undefined ? 16 : num(body.max_tokens)),
    topLogprobs: (body) => num(body.logprobs),
    // No reasoning parser runs on raw completions: thoughts stay in the text, tags included.
    reasoning: (_body, settings) => (settings.reasoning ? 'inline' : 'off'),
  },
} as const satisfies Record<VllmRouteKind, RouteRules>;

/** The request body as FastAPI reads it: JSON, and an object. */
export function parseJsonBody(raw: unknown): Body {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === 'string' ? raw : '');
  } catch {
    throw invalid('JSON decode error');
  }
  if (!isRecord(parsed)) throw invalid('Input should be a valid dictionary or object');
  return parsed;
}

/** The longest sequence one request may hold: the context, or the whole KV cache if smaller. */
export const maxModelLen = (settings: SimSettings): number =>
  Math.min(settings.ctxSize, settings.kvCacheTokens);

/** An unknown `model` is a 404; an absent one means the served model. */
export function checkModel(body: Body, settings: SimSettings): void {
  const model = body.model;
  if (typeof model === 'string' && model !== '' && model !== settings.model) {
    throw modelNotFound(model);
  }
}

export function parseTask(kind: VllmRouteKind, body: Body, settings: SimSettings): VllmTask {
  const rules: RouteRules = ROUTES[kind];
  checkFields(body, rules.fields);
  checkModel(body, settings);
  const stream = readBool(body, 'stream', false);
  const options = body.stream_options;
  if (isRecord(options) && !stream) {
    throw invalid('Stream options can only be defined when `stream=True`.');
  }
  const topLogprobs = rules.topLogprobs(body);
  if (topLogprobs !== undefined && topLogprobs > MAX_LOGPROBS) {
    throw invalid(
      `Requested sample logprobs of ${topLogprobs}, which is greater than max allowed: ${MAX_LOGPROBS}`,
    );
  }
  const { prompts, tool } = rules.read(body);
  const maxTokens = rules.maxTokens(body);
  checkContext(prompts, maxTokens, maxModelLen(settings));

  const n = readInt(body, 'n', 1);
  const seed = readInt(body, 'seed', DEFAULT_SEED) >>> 0;
  const includeUsage = isRecord(options) && options.include_usage !== false;
  return {
    choices: prompts.flatMap((prompt, p) =>
      Array.from({ length: n }, (_, i) => ({
        index: p * n + i,
        promptText: prompt.text,
        promptTokens: prompt.tokens,
        seed: seed + i,
        ...(prompt.continues ? { continues: prompt.continues } : {}),
      })),
    ),
    promptTokens: prompts.reduce((sum, prompt) => sum + prompt.tokens.length, 0),
    nPredict: maxTokens ?? -1,
    stop: readStringOrStrings(body, 'stop'),
    includeStopStr: readBool(body, 'include_stop_str_in_output', false),
    ignoreEos: readBool(body, 'ignore_eos', false),
    topLogprobs,
    stream,
    usage: {
      final: includeUsage,
      continuous:
        includeUsage &&
        readBool(readRecord(body, 'stream_options'), 'continuous_usage_stats', false),
    },
    reasoning: rules.reasoning(body, settings),
    showReasoning: readBool(body, 'include_reasoning', true),
    tool,
  };
}

function checkContext(
  prompts: readonly PromptInput[],
  maxTokens: number | undefined,
  limit: number,
): void {
  for (const { tokens } of prompts) {
    if (maxTokens === undefined && tokens.length >= limit)
      throw promptTooLong(limit, tokens.length);
    if (maxTokens !== undefined && tokens.length + maxTokens > limit) {
      throw requestTooLong(limit, tokens.length, maxTokens);
    }
  }
}
