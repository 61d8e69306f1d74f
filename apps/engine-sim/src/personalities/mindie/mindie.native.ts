import { performance } from 'node:perf_hooks';
import type { ChoiceResult, TokenEvent } from '../../core/generation-runner';
import type { JsonObject } from '../../core/json-writer';
import { validationError } from './mindie.errors';
import {
  choicesFor,
  LastTokens,
  type MindieEncoder,
  type MindieRoute,
  type MindieTask,
  readN,
  readSeed,
  readTokenCap,
  type ResponseMeta,
  TASK_DEFAULTS,
} from './mindie.request';
import { textPrompt } from '../../core/prompt-input';
import { type Body, readBool, readRecord, readStringOrStrings } from '../../core/request-fields';
import type { SimSettings } from '../../core/sim-options';
import { EOS_ID } from '../../core/tokenizer';

/**
 * MindIE's simpler inference dialects: TGI (`/generate` with `inputs`, `/generate_stream`, `/`),
 * the vLLM demo server (`/generate` with `prompt`, NUL-delimited per-step deltas) and its own
 * `/infer`. Each serves one sequence except the vLLM demo, which honours `n`.
 */

/** TGI's finish reasons, which MindIE's TGI and native routes share. */
const FINISH_REASONS = {
  eos: 'eos_token',
  limit: 'length',
  word: 'stop_sequence',
} as const satisfies Record<ChoiceResult['stopType'], string>;

/** MindIE's default `max_new_tokens` on its TGI and native routes. */
const DEFAULT_NEW_TOKENS = 20;
/** vLLM's `SamplingParams.max_tokens` default, kept by MindIE's vLLM-demo route. */
const DEFAULT_DEMO_TOKENS = 16;

function inputsPrompt(body: Body): string {
  const inputs = body.inputs;
  if (typeof inputs !== 'string' || inputs === '') {
    throw validationError('Inputs must be necessary and data type must be string');
  }
  return inputs;
}

/** `inputs` plus TGI's `parameters` object, as the TGI and native routes read them. */
function inputsTask(body: Body, settings: SimSettings, stream: boolean): MindieTask {
  const prompt = inputsPrompt(body);
  const params = readRecord(body, 'parameters');
  const seed = readSeed(params);
  return {
    ...TASK_DEFAULTS,
    choices: choicesFor(textPrompt(prompt), 1, seed),
    nPredict: readTokenCap(params, 'max_new_tokens', DEFAULT_NEW_TOKENS),
    stop: readStringOrStrings(params, 'stop'),
    stream,
    reasoning: settings.reasoning ? 'inline' : 'off',
    seed,
    details: readBool(params, 'details', false),
    returnFullText: readBool(params, 'return_full_text', false),
  };
}

/** MindIE joins prompt and answer with a space where it returns the full text. */
const fullText = (result: ChoiceResult, task: MindieTask): string =>
  task.returnFullText ? `${result.promptText} ${result.content}` : result.content;

function details(result: ChoiceResult, task: MindieTask): JsonObject {
  return {
    finish_reason: FINISH_REASONS[result.stopType],
    generated_tokens: result.stats.predictedN,
    seed: task.seed,
  };
}

/** The last record carries the last token (with any withheld text) and the end. */
function lastToken(last: LastTokens, result: ChoiceResult): { id: number; text: string } {
  const token = last.take(result.index);
  return { id: token?.token.id ?? EOS_ID, text: (token?.text ?? '') + result.unsent };
}

function tgiEncoder(meta: ResponseMeta): MindieEncoder {
  const last = new LastTokens();
  const record = (id: number, text: string, end?: ChoiceResult): JsonObject => ({
    token: { id, text, logprob: null, special: null },
    generated_text: end ? fullText(end, meta.task) : null,
    details: end ? { prompt_tokens: end.stats.promptTokens, ...details(end, meta.task) } : null,
  });
  return {
    push(event) {
      if (event.type === 'token') {
        return last.hold(event) ? [] : [record(event.token.id, event.text)];
      }
      const { id, text } = lastToken(last, event.result);
      return [record(id, text, event.result)];
    },
    body([result]) {
      if (!result) return {};
      const generated = fullText(result, meta.task);
      if (!meta.task.details) return { generated_text: generated };
      return { generated_text: generated, details: details(result, meta.task) };
    },
  };
}

const tgiRoute = (stream: (body: Body) => boolean): MindieRoute => ({
  framing: 'sse',
  doneMarker: false,
  parse: (body, settings) => inputsTask(body, settings, stream(body)),
  encoder: tgiEncoder,
});

/** `/generate` with `inputs`: never streams. */
export const TGI_GENERATE_ROUTE = tgiRoute(() => false);
export const TGI_STREAM_ROUTE = tgiRoute(() => true);
/** TGI's compatibility route `/`: streams when the body says so. */
export const TGI_COMPAT_ROUTE = tgiRoute((body) => readBool(body, 'stream', false));

export const VLLM_DEMO_ROUTE: MindieRoute = {
  framing: 'nul',
  doneMarker: false,
  parse(body, settings) {
    const prompt = body.prompt;
    if (typeof prompt !== 'string' || prompt === '') {
      throw validationError('Prompt must be necessary and data type must be string');
    }
    const seed = readSeed(body);
    return {
      ...TASK_DEFAULTS,
      choices: choicesFor(textPrompt(prompt), readN(body), seed),
      nPredict: readTokenCap(body, 'max_tokens', DEFAULT_DEMO_TOKENS),
      stop: readStringOrStrings(body, 'stop'),
      stream: readBool(body, 'stream', false),
      reasoning: settings.reasoning ? 'inline' : 'off',
      seed,
      returnFullText: true,
    };
  },
  encoder(meta) {
    // One message per step of a sequence: its delta in its slot, '' in every other one.
    const message = (index: number, text: string): JsonObject => ({
      text: meta.task.choices.map((c) => (c.index === index ? text : '')),
    });
    return {
      push(event) {
        const text = event.type === 'token' ? event.text : event.result.unsent;
        const index = event.type === 'token' ? event.index : event.result.index;
        return text === '' ? [] : [message(index, text)];
      },
      body: (results) => ({ text: results.map((r) => fullText(r, meta.task)) }),
    };
  },
};

function inferEncoder(meta: ResponseMeta): MindieEncoder {
  const last = new LastTokens();
  const start = performance.now();
  const previous = new Map<number, number>();
  const timings = new Map<TokenEvent, JsonObject>();
  // The first token reports the prefill time, later ones the decode step, in milliseconds.
  const timing = (event: TokenEvent): JsonObject => {
    const now = performance.now();
    const before = previous.get(event.index);
    previous.set(event.index, now);
    const ms = Math.round(now - (before ?? start));
    return before === undefined
      ? { prefill_time: ms, decode_time: null }
      : { prefill_time: null, decode_time: ms };
  };
  return {
    push(event) {
      if (event.type === 'token') {
        const time = timing(event);
        if (!last.hold(event))
          return [{ ...time, token: { id: event.token.id, text: event.text } }];
        timings.set(event, time);
        return [];
      }
      const held = last.take(event.result.index);
      const time = (held && timings.get(held)) ?? { prefill_time: null, decode_time: null };
      const token = {
        id: held?.token.id ?? EOS_ID,
        text: (held?.text ?? '') + event.result.unsent,
      };
      return [
        {
          ...time,
          token,
          generated_text: event.result.content,
          details: details(event.result, meta.task),
        },
      ];
    },
    body: ([result]) =>
      result
        ? { generated_text: result.content, details: details(result, meta.task) }
        : { generated_text: '' },
  };
}

/** MindIE's own text route: `inputs`, top-level `stream`, TGI-like `parameters`. */
export const INFER_ROUTE: MindieRoute = {
  framing: 'sse',
  doneMarker: false,
  parse: (body, settings) => inputsTask(body, settings, readBool(body, 'stream', false)),
  encoder: inferEncoder,
};
