import { type ChatMessage, renderChatPrompt } from '../../core/chat-template';
import type { ReasoningOutput } from '../../core/generation-runner';
import { parseTools } from '../../core/openai-tools';
import { type Body, isRecord } from '../../core/request-fields';
import { SimError } from '../../core/sim-errors';
import type { SimSettings } from '../../core/sim-options';
import { DEFAULT_SEED } from '../../core/text-generator';
import { tokenize } from '../../core/tokenizer';
import { chooseTool, type ToolSpec } from '../../core/tool-call-plan';
import { badRequest, jsonSyntaxError, modelNotFound } from './ollama.errors';
import { readOptions } from './ollama.options';
import { sameModel } from './ollama.wire';

/**
 * `POST /api/chat` and `POST /api/generate` bodies as Ollama reads them (`api/types.go`
 * `ChatRequest`, `GenerateRequest`; `server/routes.go` `ChatHandler`, `GenerateHandler`).
 */

export type OllamaRoute = 'chat' | 'generate';

export interface OllamaTask {
  readonly route: OllamaRoute;
  /** The name as the request gave it; answers echo it. */
  readonly model: string;
  /** Absent `stream` means streaming. */
  readonly stream: boolean;
  /** No prompt (or no messages): the request only loads the model, or unloads it. */
  readonly load: 'load' | 'unload' | undefined;
  readonly promptText: string;
  readonly promptTokens: readonly number[];
  readonly nPredict: number;
  readonly stop: readonly string[];
  readonly seed: number;
  readonly reasoning: ReasoningOutput;
  readonly tool: ToolSpec | undefined;
  /** `/api/generate` returns the token context unless the prompt was sent raw. */
  readonly returnContext: boolean;
  /** Alternatives per token when `logprobs` is on (0 = only the chosen token). */
  readonly topLogprobs: number | undefined;
  /** How long the model stays loaded after this request; undefined = the 5-minute default. */
  readonly keepAliveMs: number | undefined;
}

const THINK_LEVELS: ReadonlySet<unknown> = new Set(['high', 'medium', 'low']);
const MAX_TOP_LOGPROBS = 20;

/** The body as Gin's `ShouldBindJSON` reads it. */
export function parseJsonBody(raw: unknown): Body {
  const text = typeof raw === 'string' ? raw : '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
    throw badRequest(
      `json: cannot unmarshal ${jsonKind(parsed)} into Go value of type api.Request`,
    );
  } catch (error) {
    if (error instanceof SimError) throw error;
    throw jsonSyntaxError(text);
  }
}

export function parseTask(route: OllamaRoute, body: Body, settings: SimSettings): OllamaTask {
  const struct = route === 'chat' ? 'ChatRequest' : 'GenerateRequest';
  const field = (key: string, type: GoType): unknown => readField(body, key, type, struct);
  const model = field('model', 'string');
  if (typeof model !== 'string' || model === '') throw badRequest('model is required');
  const messages = route === 'chat' ? readMessages(field('messages', '[]api.Message')) : [];
  const prompt = (field('prompt', 'string') as string | undefined) ?? '';
  field('images', '[]api.ImageData');
  field('stream', 'bool');
  const topLogprobs = (field('top_logprobs', 'int') as number | undefined) ?? 0;
  if (!sameModel(model, settings.model)) throw modelNotFound(model);
  if (topLogprobs < 0 || topLogprobs > MAX_TOP_LOGPROBS) {
    throw badRequest(`top_logprobs must be between 0 and ${MAX_TOP_LOGPROBS}`);
  }
  const reasoning = thinking(body.think, model, settings);
  const keepAliveMs = keepAlive(body.keep_alive);
  const options = readOptions(field('options', 'map[string]interface {}'));
  checkFormat(body.format);

  const raw = route === 'generate' && body.raw === true;
  const turns: ChatMessage[] =
    route === 'chat' ? messages : generateTurns(prompt, field('system', 'string'));
  const promptText = raw ? prompt : renderChatPrompt(turns);
  const tool =
    route === 'chat'
      ? chooseTool(parseTools(field('tools', 'api.Tools')), 'auto', lastUserText(messages))
      : undefined;
  const empty = route === 'chat' ? messages.length === 0 : prompt === '';
  return {
    route,
    model,
    stream: body.stream !== false,
    load: empty ? (keepAliveMs === 0 ? 'unload' : 'load') : undefined,
    promptText,
    promptTokens: fitContext(tokenize(promptText, true), settings, body.truncate !== false),
    nPredict: options.num_predict ?? -1,
    stop: options.stop ?? [],
    seed: seedOf(options),
    reasoning,
    tool,
    returnContext: route === 'generate' && !raw,
    topLogprobs: body.logprobs === true ? topLogprobs : undefined,
    keepAliveMs,
  };
}

function generateTurns(prompt: string, system: unknown): ChatMessage[] {
  const turns = [{ role: 'user', content: prompt }];
  return typeof system === 'string' && system !== ''
    ? [{ role: 'system', content: system }, ...turns]
    : turns;
}

function readMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  return value.map((message: unknown) => {
    const m = isRecord(message) ? message : {};
    const role = readField(m, 'role', 'string', 'ChatRequest.messages') as string | undefined;
    const content = readField(m, 'content', 'string', 'ChatRequest.messages') as string | undefined;
    readField(m, 'images', '[]api.ImageData', 'ChatRequest.messages');
    return { role: role ?? '', content: content ?? '' };
  });
}

const lastUserText = (messages: readonly ChatMessage[]): string =>
  messages.findLast((m) => m.role === 'user')?.content ?? '';

/** `think`: a boolean or a level; a model that cannot think refuses to. */
function thinking(think: unknown, model: string, settings: SimSettings): ReasoningOutput {
  if (think === undefined || think === null) return settings.reasoning ? 'separate' : 'off';
  if (typeof think !== 'boolean' && !THINK_LEVELS.has(think)) {
    throw badRequest(
      `invalid think value: ${JSON.stringify(think)} (must be "high", "medium", "low", true, or false)`,
    );
  }
  if (think === false) return 'off';
  if (!settings.reasoning) throw badRequest(`${JSON.stringify(model)} does not support thinking`);
  return 'separate';
}

/** `format`: `"json"`, a JSON Schema object, or nothing; the simulator honours none of them. */
function checkFormat(format: unknown): void {
  if (format === undefined || format === null || format === '' || format === 'json') return;
  if (isRecord(format)) return;
  throw new SimError(
    'server',
    `invalid format: ${JSON.stringify(JSON.stringify(format))}; expected "json" or a valid JSON Schema object`,
  );
}

/** `keep_alive` (`api.Duration`): seconds as a number, a Go duration string; negative = forever. */
export function keepAlive(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : goDurationMs(value);
  return ms < 0 ? Number.POSITIVE_INFINITY : ms;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 60e3,
  h: 3600e3,
};

function goDurationMs(value: unknown): number {
  const text = typeof value === 'string' ? value : '';
  const match = /^([-+]?)((?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(text);
  if (!match) throw badRequest(`time: invalid duration ${JSON.stringify(text)}`);
  const parts = [...(match[2] ?? '').matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h)/g)];
  const ms = parts.reduce(
    (sum, [, n, unit]) => sum + Number(n) * (DURATION_UNITS[unit ?? ''] ?? 0),
    0,
  );
  return match[1] === '-' ? -ms : ms;
}

/** Seed -1 (the default) draws a random one; greedy decoding needs none. */
function seedOf(options: { seed?: number; temperature?: number }): number {
  if (options.seed !== undefined && options.seed >= 0) return options.seed;
  return options.temperature === 0 ? DEFAULT_SEED : Math.floor(Math.random() * 2 ** 31);
}

/** A prompt longer than the context is cut to its last half context unless `truncate` is false. */
function fitContext(tokens: number[], settings: SimSettings, truncate: boolean): number[] {
  if (tokens.length < settings.ctxSize) return tokens;
  if (!truncate) throw badRequest('input length exceeds the context length');
  return tokens.slice(-Math.floor(settings.ctxSize / 2));
}

export type GoType =
  | 'string'
  | 'bool'
  | 'int'
  | '[]api.Message'
  | '[]api.ImageData'
  | 'api.Tools'
  | 'map[string]interface {}';

const GO_TYPES = {
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  int: (v) => Number.isInteger(v),
  '[]api.Message': (v) => Array.isArray(v) && v.every((m) => isRecord(m)),
  // Images are base64 text that Go decodes into bytes.
  '[]api.ImageData': (v) =>
    Array.isArray(v) && v.every((i) => typeof i === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(i)),
  'api.Tools': (v) => Array.isArray(v),
  'map[string]interface {}': isRecord,
} as const satisfies Record<GoType, (value: unknown) => boolean>;

/** A field as `encoding/json` decodes it: null leaves it unset, a wrong type is refused. */
export function readField(body: Body, key: string, type: GoType, struct: string): unknown {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (GO_TYPES[type](value)) return value;
  throw badRequest(
    `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${struct}.${key} of type ${type}`,
  );
}

/** How Go names a JSON value in an unmarshal error. */
function jsonKind(value: unknown): string {
  if (typeof value === 'number') return Number.isInteger(value) ? 'number' : `number ${value}`;
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'string' ? 'string' : 'object';
}
