import { renderChatPrompt } from '../../core/chat-template';
import { parseChatMessages } from '../../core/openai-messages';
import { requestedTool } from '../../core/openai-tools';
import { type Body, isRecord } from '../../core/request-fields';
import { BodyRejection } from './tgi.errors';
import type { ToolSpec } from '../../core/tool-call-plan';

/**
 * Request bodies as TGI's router deserializes them (`router/src/lib.rs` `GenerateRequest`,
 * `GenerateParameters`, `CompatGenerateRequest`, `ChatRequest::try_into_generate`): strictly
 * typed, a wrong type refused by axum before any handler runs.
 */

type RustType = 'f32' | 'u32' | 'u64' | 'usize' | 'i32' | 'bool' | 'strings' | 'string' | 'object';

// prettier-ignore
const PARAMETER_TYPES = {
  best_of: 'usize', temperature: 'f32', repetition_penalty: 'f32', frequency_penalty: 'f32',
  top_k: 'i32', top_p: 'f32', typical_p: 'f32', do_sample: 'bool', max_new_tokens: 'u32',
  return_full_text: 'bool', stop: 'strings', truncate: 'usize', watermark: 'bool', details: 'bool',
  decoder_input_details: 'bool', seed: 'u64', top_n_tokens: 'u32', grammar: 'object',
  adapter_id: 'string',
} as const satisfies Record<string, RustType>;

type ParameterKey = keyof typeof PARAMETER_TYPES;
type ValueOf<T extends RustType> = T extends 'bool'
  ? boolean
  : T extends 'strings'
    ? readonly string[]
    : T extends 'string'
      ? string
      : T extends 'object'
        ? Body
        : number;

/** `GenerateParameters`; an absent or null field is undefined. */
export type TgiParameters = {
  readonly [K in ParameterKey]?: ValueOf<(typeof PARAMETER_TYPES)[K]>;
};

export interface GenerateInput {
  readonly inputs: string;
  readonly parameters: TgiParameters;
  /** Set when the body had no `parameters` at all: TGI then samples by default. */
  readonly defaultParameters: boolean;
  readonly stream: boolean;
}

export interface ChatInput {
  readonly prompt: string;
  readonly parameters: TgiParameters;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly logprobs: boolean;
  readonly tool: ToolSpec | undefined;
}

/** The body as axum's `Json` extractor reads it. */
export function parseJsonBody(raw: unknown): Body {
  const text = typeof raw === 'string' ? raw : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new BodyRejection(400, error instanceof Error ? error.message : 'invalid JSON');
  }
  if (!isRecord(parsed)) throw new BodyRejection(422, `invalid type: ${describe(parsed)}`);
  return parsed;
}

/** `/generate`, `/generate_stream` and the compat `POST /` (which also reads `stream`). */
export function readGenerateInput(body: Body, route: 'native' | 'compat'): GenerateInput {
  const inputs = body.inputs;
  if (inputs === undefined) throw new BodyRejection(422, 'missing field `inputs`');
  if (typeof inputs !== 'string') throw typeError('inputs', inputs, 'string');
  const raw = body.parameters;
  const parameters = raw === undefined || raw === null ? {} : readParameters(raw, 'parameters.');
  const stream = route === 'compat' && readField(body, 'stream', 'bool', '') === true;
  return { inputs, parameters, defaultParameters: raw === undefined, stream };
}

/** `/v1/chat/completions`: messages through the chat template, OpenAI knobs onto parameters. */
export function readChatInput(body: Body): ChatInput {
  const messages = parseChatMessages(body.messages);
  const tool = requestedTool(body, messages);
  const field = <T extends RustType>(key: string, type: T) => readField(body, key, type, '');
  const temperature = field('temperature', 'f32');
  const presence = field('presence_penalty', 'f32');
  const options = isRecord(body.stream_options) ? body.stream_options : {};
  const greedy = temperature === 0;
  const parameters: TgiParameters = {
    // Temperature 0 means greedy on this route; any other request samples.
    do_sample: !greedy,
    temperature: greedy ? undefined : temperature,
    // TGI maps presence_penalty p onto repetition_penalty p + 2.
    repetition_penalty: presence === undefined ? undefined : presence + 2,
    frequency_penalty: field('frequency_penalty', 'f32'),
    top_p: field('top_p', 'f32'),
    max_new_tokens: field('max_tokens', 'u32'),
    stop: readStop(body.stop),
    seed: field('seed', 'u64'),
    top_n_tokens: field('top_logprobs', 'u32'),
    details: true,
  };
  const stream = field('stream', 'bool') === true;
  return {
    prompt: renderChatPrompt(messages),
    parameters: { ...parameters, decoder_input_details: !stream },
    stream,
    includeUsage: readField(options, 'include_usage', 'bool', 'stream_options.') === true,
    logprobs: field('logprobs', 'bool') === true,
    tool,
  };
}

function readParameters(value: unknown, path: string): TgiParameters {
  if (!isRecord(value)) throw typeError(path.slice(0, -1), value, 'object');
  const entries = Object.entries(PARAMETER_TYPES).map(([key, type]) => [
    key,
    readField(value, key, type, path),
  ]);
  return Object.fromEntries(entries) as TgiParameters;
}

function readStop(value: unknown): readonly string[] | undefined {
  // OpenAI clients send one stop string as a string; TGI's `stop` is a list.
  if (typeof value === 'string') throw typeError('stop', value, 'strings');
  return readField({ stop: value }, 'stop', 'strings', '');
}

const INTEGER_LIMITS: Readonly<Partial<Record<RustType, readonly [number, number]>>> = {
  u32: [0, 2 ** 32 - 1],
  u64: [0, Number.MAX_SAFE_INTEGER],
  usize: [0, Number.MAX_SAFE_INTEGER],
  i32: [-(2 ** 31), 2 ** 31 - 1],
};

function readField<T extends RustType>(
  body: Body,
  key: string,
  type: T,
  path: string,
): ValueOf<T> | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!matches(value, type)) throw typeError(`${path}${key}`, value, type);
  const limits = INTEGER_LIMITS[type];
  if (limits && typeof value === 'number' && (value < limits[0] || value > limits[1])) {
    throw new BodyRejection(
      422,
      `${path}${key}: invalid value: integer \`${value}\`, expected ${type}`,
    );
  }
  return value as ValueOf<T>;
}

const MATCHERS = {
  f32: (v) => typeof v === 'number',
  u32: (v) => Number.isInteger(v),
  u64: (v) => Number.isInteger(v),
  usize: (v) => Number.isInteger(v),
  i32: (v) => Number.isInteger(v),
  bool: (v) => typeof v === 'boolean',
  strings: (v) => Array.isArray(v) && v.every((item) => typeof item === 'string'),
  string: (v) => typeof v === 'string',
  object: isRecord,
} as const satisfies Record<RustType, (value: unknown) => boolean>;

const matches = (value: unknown, type: RustType): boolean => MATCHERS[type](value);

const EXPECTED: Readonly<Record<RustType, string>> = {
  f32: 'f32',
  u32: 'u32',
  u64: 'u64',
  usize: 'usize',
  i32: 'i32',
  bool: 'a boolean',
  strings: 'a sequence',
  string: 'a string',
  object: 'a map',
};

function typeError(path: string, value: unknown, type: RustType): BodyRejection {
  return new BodyRejection(
    422,
    `${path}: invalid type: ${describe(value)}, expected ${EXPECTED[type]}`,
  );
}

/** How serde names a JSON value in its errors. */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `boolean \`${value}\``;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
  }
  return Array.isArray(value) ? 'sequence' : 'map';
}
