import type { IncomingMessage, ServerResponse } from 'node:http';
import { dropConnection, watchDisconnect } from '../../core/client-connection';
import { runGeneration, type GenerationEvent } from '../../core/generation-runner';
import type { SimContext } from '../../core/personality';
import { readBool, readInt, readStringOrStrings, type Body } from '../../core/request-fields';
import { SimError, toSimError, type SimErrorKind } from '../../core/sim-errors';
import { DEFAULT_SEED } from '../../core/text-generator';
import { tokenize } from '../../core/tokenizer';
import { checkFields, COMMON_FIELDS } from './vllm.fields';
import { generationJob, settle, type JobFields } from './vllm.generation';
import { ChunkedBody, sendBody, sendJson } from './vllm.http';
import { maxModelLen, parseJsonBody } from './vllm.request';
import { arrivalTime, type VllmStats } from './vllm.stats';
import { pythonJson } from './vllm.wire';

/**
 * The demo server's `POST /generate` (`vllm/entrypoints/api_server.py`): `{prompt, stream, …}`
 * where everything else goes to `SamplingParams(**kwargs)`, answered `{"text": [prompt +
 * completion, …]}`. Streamed as a bare chunked body (no content type), one `json.dumps` line per
 * engine step holding every choice's cumulative text. The handler has no error handling, so any
 * problem is Starlette's bare 500 and a failure mid-stream just cuts the connection.
 */

interface DemoTask extends JobFields {
  readonly prompt: string;
  readonly stream: boolean;
}

/** Keyword arguments `SamplingParams` takes; any other key makes its constructor raise. */
// prettier-ignore
const SAMPLING_PARAMS: ReadonlySet<string> = new Set([
  'n', 'best_of', 'presence_penalty', 'frequency_penalty', 'repetition_penalty', 'temperature',
  'top_p', 'top_k', 'min_p', 'seed', 'stop', 'stop_token_ids', 'bad_words', 'ignore_eos',
  'max_tokens', 'min_tokens', 'logprobs', 'prompt_logprobs', 'detokenize', 'skip_special_tokens',
  'spaces_between_special_tokens', 'logits_processors', 'include_stop_str_in_output',
  'truncate_prompt_tokens', 'output_kind', 'guided_decoding', 'structured_outputs', 'logit_bias',
  'allowed_token_ids', 'extra_args',
]);

/** `SamplingParams.max_tokens` when the request sets none. */
const DEFAULT_MAX_TOKENS = 16;

const STATUS_TEXT = { 500: 'Internal Server Error', 503: 'Service Unavailable' } as const;

/** Only an overloaded or unavailable engine is told apart; everything else is an exception. */
const DEMO_STATUS = {
  invalid_request: 500,
  exceed_context: 500,
  not_found: 500,
  unavailable: 503,
  overloaded: 503,
  not_supported: 500,
  server: 500,
} as const satisfies Record<SimErrorKind, keyof typeof STATUS_TEXT>;

export async function serveDemoGenerate(
  ctx: SimContext,
  stats: VllmStats,
  rawBody: unknown,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const arrivedAt = arrivalTime();
  let task: DemoTask;
  try {
    task = parseDemoTask(parseJsonBody(rawBody), ctx);
  } catch (error) {
    sendDemoError(res, toSimError(error));
    return;
  }
  const cancel = watchDisconnect(req, res);
  const tracker = stats.track(task.choices.length, arrivedAt);
  const texts = task.choices.map(() => task.prompt);
  const stream = task.stream ? new ChunkedBody(res, []) : undefined;
  const sendLine = (): void => stream?.write(`${pythonJson({ text: texts })}\n`);
  const relay = (event: GenerationEvent): void => {
    tracker.observe(event);
    if (event.type === 'final') {
      texts[event.result.index] = task.prompt + event.result.content;
      sendLine();
    } else if (!event.last) {
      // The step that ends a choice is reported with its final event, which knows the whole text.
      texts[event.index] += event.text;
      sendLine();
    }
  };

  try {
    const outcome = await runGeneration(ctx, generationJob(ctx, task, cancel.signal), relay);
    settle(outcome, res, tracker, (results) => {
      if (stream) return stream.end();
      sendJson(res, 200, { text: results.map((r) => task.prompt + r.content) });
    });
  } catch (error) {
    if (stream?.started) dropConnection(res);
    else sendDemoError(res, toSimError(error));
  } finally {
    cancel.dispose();
  }
}

function parseDemoTask(body: Body, ctx: SimContext): DemoTask {
  const { prompt, stream, ...params } = body;
  if (typeof prompt !== 'string') throw new SimError('server', "KeyError: 'prompt'");
  const unknown = Object.keys(params).find((key) => !SAMPLING_PARAMS.has(key));
  if (unknown !== undefined) {
    throw new SimError('server', `unexpected keyword argument '${unknown}'`);
  }
  checkFields(params, COMMON_FIELDS);
  const tokens = tokenize(prompt, true);
  const limit = maxModelLen(ctx.settings);
  // An explicit null lifts the default cap: the context bounds the answer.
  const maxTokens =
    params.max_tokens === null
      ? limit - tokens.length
      : readInt(params, 'max_tokens', DEFAULT_MAX_TOKENS);
  if (tokens.length + maxTokens > limit) {
    throw new SimError('server', `prompt plus max_tokens exceed ${limit} tokens`);
  }
  const n = readInt(params, 'n', 1);
  const seed = readInt(params, 'seed', DEFAULT_SEED) >>> 0;
  return {
    prompt,
    stream: stream === true,
    choices: Array.from({ length: n }, (_, index) => ({
      index,
      promptText: prompt,
      promptTokens: tokens,
      seed: seed + index,
    })),
    nPredict: maxTokens,
    stop: readStringOrStrings(params, 'stop'),
    ignoreEos: readBool(params, 'ignore_eos', false),
    // The demo answers text only; logprobs are computed but never shown.
    topLogprobs: undefined,
    // No chat template and no reasoning parser: a reasoning model's thoughts stay in the text.
    reasoning: ctx.settings.reasoning ? 'inline' : 'off',
    tool: undefined,
  };
}

function sendDemoError(res: ServerResponse, error: SimError): void {
  const status = DEMO_STATUS[error.kind];
  sendBody(res, status, STATUS_TEXT[status], 'text/plain; charset=utf-8');
}
