import { chatPrompt, GENERATION_PROMPT } from '../../core/chat-template';
import type { ChoiceSpec, ReasoningOutput } from '../../core/generation-runner';
import { jsonSyntaxError } from './llamacpp.errors';
import { resolveSettings, type SettingValues } from './llamacpp.settings';
import { parseChatMessages } from '../../core/openai-messages';
import { requestedTool } from '../../core/openai-tools';
import { type PromptInput, promptList } from '../../core/prompt-input';
import {
  type Body,
  isRecord,
  readBool,
  readInt,
  readRecord,
  readString,
  readStringOrStrings,
  readStrings,
} from '../../core/request-fields';
import { SimError } from '../../core/sim-errors';
import { DEFAULT_SEED } from '../../core/text-generator';
import type { ToolSpec } from '../../core/tool-call-plan';

/** The three generation routes; they share one task model and differ in these rows. */
export type GenerationRouteKind = 'chat' | 'completions' | 'native';

export interface LlamacppTask {
  readonly choices: readonly ChoiceSpec[];
  readonly nPredict: number;
  readonly stop: readonly string[];
  readonly ignoreEos: boolean;
  readonly cachePrompt: boolean;
  readonly nProbs: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly timingsPerToken: boolean;
  readonly returnTokens: boolean;
  readonly reasoning: ReasoningOutput;
  /** The tool every choice calls; absent for a plain answer. */
  readonly tool: ToolSpec | undefined;
  readonly settings: SettingValues;
}

interface RouteInput {
  readonly prompts: PromptInput[];
  readonly tool?: ToolSpec;
}

interface RouteDialect {
  read(body: Body): RouteInput;
  nProbs(body: Body): number;
  /** How a reasoning model's thoughts come out on this route. */
  reasoning(body: Body): ReasoningOutput;
  stop(body: Body): readonly string[];
  readonly chatFormat: string;
  readonly generationPrompt: string;
}

const ROUTES = {
  chat: {
    read: (body) => {
      const messages = parseChatMessages(body.messages);
      const tool = requestedTool(body, messages);
      // A trailing assistant message is prefilled: the answer continues it.
      return { prompts: [chatPrompt(messages, true)], tool };
    },
    nProbs: (body) => {
      if (body.logprobs === true) {
        if (hasTools(body) && readBool(body, 'stream', false)) {
          throw new SimError('invalid_request', 'logprobs is not supported with tools + stream');
        }
        return readInt(body, 'top_logprobs', 20);
      }
      if (body.top_logprobs !== undefined && body.top_logprobs !== null) {
        throw new SimError('invalid_request', 'top_logprobs requires logprobs to be set to true');
      }
      return readInt(body, 'n_probs', 0);
    },
    stop: (body) => readStringOrStrings(body, 'stop'),
    // `--reasoning-format deepseek`: thoughts go to `reasoning_content` unless the request asks
    // for `none` (raw text) or turns thinking off.
    reasoning: (body) => {
      const kwargs = readRecord(body, 'chat_template_kwargs');
      if (kwargs.enable_thinking === false || body.reasoning_effort === 'none') return 'off';
      return readString(body, 'reasoning_format', 'deepseek') === 'none' ? 'inline' : 'separate';
    },
    chatFormat: 'peg-native',
    generationPrompt: GENERATION_PROMPT,
  },
  completions: {
    read: (body) => {
      rejectUnsupportedCompletionParams(body);
      if (body.prompt === undefined) throw new SimError('invalid_request', '"prompt" is required');
      return { prompts: promptList(body.prompt) };
    },
    nProbs: (body) => readInt(body, 'logprobs', readInt(body, 'n_probs', 0)),
    stop: (body) => readStringOrStrings(body, 'stop'),
    // Raw completion routes run no chat parser: thoughts stay in the text, tags included.
    reasoning: () => 'inline',
    chatFormat: 'Content-only',
    generationPrompt: '',
  },
  native: {
    read: (body) => {
      if (body.prompt === undefined) {
        throw new SimError('server', "[json.exception.out_of_range.403] key 'prompt' not found");
      }
      return { prompts: promptList(body.prompt) };
    },
    nProbs: (body) => readInt(body, 'n_probs', 0),
    stop: (body) => readStrings(body, 'stop', []),
    reasoning: () => 'inline',
    chatFormat: 'Content-only',
    generationPrompt: '',
  },
} as const satisfies Record<GenerationRouteKind, RouteDialect>;

/** The request body as llama.cpp sees it: malformed JSON fails, a non-object counts as `{}`. */
export function parseJsonBody(raw: unknown): Body {
  const text = typeof raw === 'string' ? raw : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw jsonSyntaxError(text);
  }
  return isRecord(parsed) ? parsed : {};
}

/** What the engine was started with that shapes a task. */
export interface EngineTraits {
  /** A reasoning model (`SimSettings.reasoning`). */
  readonly reasoning: boolean;
  /** `--jinja` (`SimSettings.jinja`); without it a chat with tools is refused. */
  readonly jinja?: boolean;
  /** `--mmproj` (`SimSettings.vision`); without it a chat with images is refused. */
  readonly vision?: boolean;
}

export function parseTask(
  route: GenerationRouteKind,
  body: Body,
  traits: EngineTraits,
): LlamacppTask {
  const dialect: RouteDialect = ROUTES[route];
  // server-common.cpp oaicompat_chat_params_parse: checked before anything else is read.
  if (route === 'chat' && traits.jinja === false && hasTools(body)) {
    throw new SimError('server', 'tools param requires --jinja flag');
  }
  if (route === 'chat' && traits.vision === false && hasImages(body)) {
    throw new SimError(
      'server',
      'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj',
    );
  }
  const { prompts, tool } = dialect.read(body);
  const n = Math.max(1, readInt(body, 'n_cmpl', readInt(body, 'n', 1)));
  const seed = readInt(body, 'seed', DEFAULT_SEED) >>> 0;
  const nPredict = readInt(
    body,
    'n_predict',
    readInt(body, 'max_completion_tokens', readInt(body, 'max_tokens', -1)),
  );
  const stop = dialect.stop(body);
  const stream = readBool(body, 'stream', false);
  const nProbs = Math.max(0, dialect.nProbs(body));
  const choices = prompts.flatMap((prompt, p) =>
    Array.from({ length: n }, (_, i) => ({
      index: p * n + i,
      promptText: prompt.text,
      promptTokens: prompt.tokens,
      seed: seed + i,
      ...(prompt.continues ? { continues: prompt.continues } : {}),
    })),
  );
  return {
    choices,
    nPredict,
    stop,
    ignoreEos: readBool(body, 'ignore_eos', false),
    cachePrompt: readBool(body, 'cache_prompt', true),
    nProbs,
    stream,
    includeUsage: readBool(readRecord(body, 'stream_options'), 'include_usage', false),
    timingsPerToken: readBool(body, 'timings_per_token', false),
    returnTokens: readBool(body, 'return_tokens', false),
    reasoning: traits.reasoning ? dialect.reasoning(body) : 'off',
    tool,
    settings: resolveSettings(body, {
      seed,
      stop,
      nPredict,
      stream,
      nProbs,
      chatFormat: dialect.chatFormat,
      reasoningFormat: 'deepseek',
      generationPrompt: dialect.generationPrompt,
    }),
  };
}

const hasTools = (body: Body): boolean => Array.isArray(body.tools) && body.tools.length > 0;

const hasImages = (body: Body): boolean =>
  Array.isArray(body.messages) &&
  (body.messages as unknown[]).some(
    (m) =>
      isRecord(m) &&
      Array.isArray(m.content) &&
      (m.content as unknown[]).some((p) => isRecord(p) && p.type === 'image_url'),
  );

function rejectUnsupportedCompletionParams(body: Body): void {
  if (readBool(body, 'echo', false)) {
    throw new SimError('invalid_request', 'Only no echo is supported');
  }
  for (const param of ['best_of', 'suffix']) {
    if (param in body) throw new SimError('invalid_request', `Unsupported param: ${param}`);
  }
}
