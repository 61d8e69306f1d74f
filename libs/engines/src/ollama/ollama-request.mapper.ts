import {
  messageText,
  type ChatMessage,
  type ChatRequest,
  type CompletionRequest,
  type GenerationRequest,
  type ResponseFormat,
  type ToolDefinition,
} from '@switchyard/contracts';
import type { EngineCall } from '../engine-adapter';
import { isObject, tryParseJson } from '../shared/json-guards';
import {
  mapSampling,
  toOpenAiTools,
  type OpenAiTool,
  type SamplingFieldMap,
} from '../openai-compatible/openai-request.mapper';

/**
 * Request bodies for Ollama's native API (`/api/chat`, `/api/generate`), always streaming NDJSON.
 * Reference: ollama/ollama docs/api.md, api/types.go `ChatRequest`, `GenerateRequest`,
 * `Message`, `ToolCall`, `Options`.
 */

// api/types.go Options: every canonical knob has an option except logit bias.
const OPTION_FIELDS = {
  temperature: 'temperature',
  topP: 'top_p',
  topK: 'top_k',
  minP: 'min_p',
  typicalP: 'typical_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  repetitionPenalty: 'repeat_penalty',
  seed: 'seed',
  maxTokens: 'num_predict',
  logitBias: null,
} as const satisfies SamplingFieldMap;

interface OllamaToolCall {
  id?: string;
  /** A JSON object, where OpenAI carries a JSON string. */
  function: { name: string; arguments: unknown };
}

interface OllamaMessage {
  role: ChatMessage['role'];
  content: string;
  /** Bare base64, without the `data:…;base64,` prefix. */
  images?: string[];
  thinking?: string;
  tool_calls?: OllamaToolCall[];
  tool_name?: string;
  tool_call_id?: string;
}

type JsonBody = Record<string, unknown>;

export function ollamaChatCall(req: ChatRequest): EngineCall {
  const body: JsonBody = {
    model: req.model,
    messages: toOllamaMessages(req.messages),
    ...commonFields(req),
  };
  const tools = offeredTools(req);
  if (tools.length > 0) body.tools = tools;
  return { method: 'POST', path: '/api/chat', body: withExtra(body, req.extra) };
}

/**
 * A canonical completion is text to continue as it stands (OpenAI completions, llama.cpp
 * `/completion`), so it goes raw: without `raw`, Ollama would wrap it in the model's chat
 * template and answer something else than every other engine.
 */
export function ollamaGenerateCall(req: CompletionRequest): EngineCall {
  const body: JsonBody = {
    model: req.model,
    prompt: req.prompt,
    raw: true,
    ...commonFields(req),
  };
  return { method: 'POST', path: '/api/generate', body: withExtra(body, req.extra) };
}

function toOllamaMessages(messages: readonly ChatMessage[]): OllamaMessage[] {
  const toolNames = new Map<string, string>();
  return messages.map((m) => {
    const out: OllamaMessage = { role: m.role, content: messageText(m) };
    const images = typeof m.content === 'string' || m.content === null ? [] : imagesOf(m.content);
    if (images.length > 0) out.images = images;
    if (m.reasoning !== undefined) out.thinking = m.reasoning;
    if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
      out.tool_calls = m.toolCalls.map((c) => {
        toolNames.set(c.id, c.name);
        return { id: c.id, function: { name: c.name, arguments: toolArguments(c.arguments) } };
      });
    }
    if (m.toolCallId !== undefined) {
      out.tool_call_id = m.toolCallId;
      // Chat templates name the tool a result came from; the call it answers says which.
      const name = toolNames.get(m.toolCallId);
      if (name !== undefined) out.tool_name = name;
    }
    return out;
  });
}

/**
 * Ollama takes images only inline, as bare base64. An http(s) URL cannot be sent (an adapter
 * does no I/O, and Ollama would reject the string as bad base64), so such images are left out;
 * see the report of issue 3 for the choice between this and refusing the request upstream.
 */
function imagesOf(parts: Exclude<ChatMessage['content'], string | null>): string[] {
  return parts.flatMap((p) => {
    if (p.type !== 'image') return [];
    const match = /^data:[^,]*;base64,(.*)$/s.exec(p.url);
    return match?.[1] === undefined ? [] : [match[1]];
  });
}

/** Canonical arguments are JSON text; Ollama wants the object. Text that is not one is sent as is. */
function toolArguments(text: string): unknown {
  const parsed = tryParseJson(text);
  return isObject(parsed) ? parsed : text;
}

/**
 * Ollama has no `tool_choice`: `none` is honoured by not offering tools, a named function by
 * offering only that one; `required` cannot be forced and offers them all.
 */
function offeredTools(req: ChatRequest): OpenAiTool[] {
  const tools: readonly ToolDefinition[] = req.tools ?? [];
  const choice = req.toolChoice;
  if (choice === 'none') return [];
  if (typeof choice === 'object') return toOpenAiTools(tools.filter((t) => t.name === choice.name));
  return toOpenAiTools(tools);
}

function commonFields(req: GenerationRequest): JsonBody {
  const body: JsonBody = {};
  const options: JsonBody = mapSampling(req.sampling, OPTION_FIELDS);
  if (req.sampling.stop.length > 0) options.stop = req.sampling.stop;
  if (Object.keys(options).length > 0) body.options = options;
  const format = toOllamaFormat(req.sampling.responseFormat);
  if (format !== undefined) body.format = format;
  const logprobs = req.sampling.logprobs;
  if (logprobs !== undefined) {
    body.logprobs = true;
    if (logprobs.top > 0) body.top_logprobs = logprobs.top;
  }
  return body;
}

/** `format`: `"json"` for JSON mode, or the JSON Schema itself for structured output. */
function toOllamaFormat(format: ResponseFormat | undefined): unknown {
  if (format === undefined || format.type === 'text') return undefined;
  return format.type === 'json_schema' ? (format.schema ?? 'json') : 'json';
}

/**
 * Engine-specific fields (`think`, `keep_alive`, `raw`, `system`, more `options` such as
 * `num_ctx`) join the body; their `options` merge into the mapped ones. Streaming stays on.
 */
function withExtra(body: JsonBody, extra: Readonly<Record<string, unknown>> | undefined): JsonBody {
  if (extra === undefined) return { ...body, stream: true };
  const { options: extraOptions, ...rest } = extra;
  const merged: JsonBody = { ...body, ...rest, stream: true };
  if (isObject(extraOptions))
    merged.options = { ...(isObject(body.options) ? body.options : {}), ...extraOptions };
  return merged;
}
