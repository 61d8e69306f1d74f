import type { ChatMessage } from '../../core/chat-template';
import type {
  ChoiceResult,
  ChoiceSpec,
  GenerationEvent,
  ReasoningOutput,
  TokenEvent,
} from '../../core/generation-runner';
import type { JsonValue } from '../../core/json-writer';
import { MindieError, validationError } from './mindie.errors';
import type { Framing } from './mindie.http';
import { type Body, isRecord, readInt, readNumber } from '../../core/request-fields';
import type { SimSettings } from '../../core/sim-options';
import { DEFAULT_SEED } from '../../core/text-generator';
import type { PromptInput } from '../../core/prompt-input';
import type { ToolSpec } from '../../core/tool-call-plan';

/**
 * What every MindIE inference route shares: the parsed task, the per-request encoder and the
 * route row, plus the parameter checks several routes apply with MindIE's wording
 * (`single_req_*_infer_interface.cpp`, `parse_protocol.cpp`).
 */

export interface MindieTask {
  readonly choices: readonly ChoiceSpec[];
  /** Cap on decoded tokens per choice; negative means none (the context still caps). */
  readonly nPredict: number;
  readonly stop: readonly string[];
  readonly stream: boolean;
  readonly reasoning: ReasoningOutput;
  readonly tool: ToolSpec | undefined;
  /** Alternatives reported per token; 0 = no logprobs. */
  readonly nProbs: number;
  readonly seed: number;
  /** TGI `parameters.details`. */
  readonly details: boolean;
  /** TGI `parameters.return_full_text`: the prompt is prepended to the answer. */
  readonly returnFullText: boolean;
}

export interface ResponseMeta {
  readonly id: string;
  readonly model: string;
  readonly task: MindieTask;
}

/** Made per request, so it may keep state across a stream. */
export interface MindieEncoder {
  /** Stream records for one generation event (possibly none). */
  push(event: GenerationEvent): JsonValue[];
  /** The whole answer of a request that does not stream. */
  body(results: readonly ChoiceResult[]): JsonValue;
}

export interface MindieRoute {
  readonly framing: Framing;
  /** Whether a stream ends with `data: [DONE]` (otherwise the connection just ends). */
  readonly doneMarker: boolean;
  parse(body: Body, settings: SimSettings): MindieTask;
  encoder(meta: ResponseMeta): MindieEncoder;
}

/**
 * MindIE reports a choice's end on the record of its last token, so a token that ends its choice
 * waits for the choice's `final` event (which follows at once, see `TokenEvent.last`).
 */
export class LastTokens {
  private readonly held = new Map<number, TokenEvent>();

  /** True when the token must wait for its choice's end. */
  hold(event: TokenEvent): boolean {
    if (event.last) this.held.set(event.index, event);
    return event.last;
  }

  take(index: number): TokenEvent | undefined {
    const event = this.held.get(index);
    this.held.delete(index);
    return event;
  }
}

/** What a route leaves at MindIE's defaults unless its dialect has the field. */
export const TASK_DEFAULTS = {
  stop: [],
  stream: false,
  reasoning: 'off',
  tool: undefined,
  nProbs: 0,
  details: false,
  returnFullText: false,
} as const satisfies Partial<MindieTask>;

/** The body as MindIE reads it before any route-specific check. */
export function parseJsonBody(raw: unknown): Body {
  const text = typeof raw === 'string' ? raw : '';
  if (text.trim() === '') throw new MindieError(400, 'Request body is empty');
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Reported below, in MindIE's words.
  }
  throw validationError('Failed to parse request context to json');
}

/** One choice per sequence, all on the same prompt, each with its own seed. */
export function choicesFor(prompt: PromptInput, n: number, seed: number): ChoiceSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    promptText: prompt.text,
    promptTokens: prompt.tokens,
    seed: seed + i,
  }));
}

/** `seed` when given, else the fixed default that keeps the simulator reproducible. */
export const readSeed = (body: Body): number => readInt(body, 'seed', DEFAULT_SEED) >>> 0;

/** A positive integer cap, or `fallback` when absent. */
export function readTokenCap(body: Body, key: string, fallback: number): number {
  const value = body[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw validationError(`${key} must be an integer greater than 0.`);
  }
  return value;
}

/** `model` must name the served model; `notFound` is the route's own wording. */
export function checkModel(body: Body, settings: SimSettings, notFound: string): void {
  const model = body.model;
  if (model === undefined || model === null) {
    throw validationError('Request contains not model or model null');
  }
  if (typeof model !== 'string') throw validationError('Request param model must be string');
  if (model === '') throw validationError('Request param model must be not empty');
  if (model !== settings.model) throw validationError(notFound);
}

/**
 * `n` sequences; like vLLM without beam search, more than one needs sampling
 * (`SetReturnSeqCount`).
 */
export function readN(body: Body): number {
  const n = readInt(body, 'n', 1);
  if (n < 1) throw validationError('n must be an integer greater than 0.');
  if (n > 1 && !(readNumber(body, 'temperature', 0) > 0)) {
    throw validationError(
      'best_of/n can not greater than 1 without using beam search when temperature is 0 or ' +
        `not set, but best_of is None, n is ${n}.`,
    );
  }
  return n;
}

/**
 * OpenAI `messages` as role and text (`ParseTextInput`): text parts are joined, media parts
 * are ignored by this text-only model.
 */
export function parseMessages(value: unknown): ChatMessage[] {
  if (value === undefined || value === null) {
    throw validationError('Request param contains not messages or messages null');
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw validationError('Request param messages not arr or arr is empty');
  }
  return value.map((message: unknown) => {
    if (!isRecord(message) || typeof message.role !== 'string') {
      throw validationError('Request param contains not role or role null');
    }
    const { role, content } = message;
    const callsTools = role === 'assistant' && Array.isArray(message.tool_calls);
    if ((content === undefined || content === null) && !callsTools) {
      throw validationError('Request param contains not content or content null');
    }
    return { role, content: contentText(content) };
  });
}

function contentText(content: unknown): string {
  if (content === undefined || content === null || typeof content === 'string') {
    return content ?? '';
  }
  if (!Array.isArray(content)) throw validationError('The type of inputs is abnormal');
  if (content.length === 0) throw validationError('Inputs arr is empty');
  return content
    .map((part: unknown) =>
      isRecord(part) && part.type === 'text' && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}
