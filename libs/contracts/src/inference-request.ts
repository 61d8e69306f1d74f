/**
 * The canonical request: every client dialect parses into this shape and every engine
 * adapter builds its engine call from it. Dialect-specific knobs that have no canonical
 * meaning travel in `extra` and are forwarded verbatim only to engines that understand them.
 */

/** One piece of a multimodal message. Images are an http(s) URL or a `data:` URI. */
export type ContentPart =
  { type: 'text'; text: string } | { type: 'image'; url: string; detail?: 'auto' | 'low' | 'high' };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as OpenAI carries it; dialects with object arguments stringify on parse. */
  arguments: string;
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | ContentPart[] | null;
  name?: string;
  /** Assistant turns that called tools. */
  toolCalls?: ToolCall[];
  /** Tool turns: the call this result answers. */
  toolCallId?: string;
  /** Reasoning text of an earlier assistant turn, when the client sends it back. */
  reasoning?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
}

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name?: string; schema?: Record<string, unknown>; strict?: boolean };

export interface SamplingParams {
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  typicalP?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  repetitionPenalty?: number;
  seed?: number;
  /** Upper bound on generated tokens per choice; undefined means the engine's default. */
  maxTokens?: number;
  /** Stop strings; the returned text never contains them. */
  stop: string[];
  /** Number of choices. */
  n: number;
  /** When set, per-token logprobs with this many alternatives (0 = just the chosen token). */
  logprobs?: { top: number };
  logitBias?: Record<string, number>;
  responseFormat?: ResponseFormat;
}

/** The model name that asks the gateway to choose a model (by its configured policy). */
export const AUTO_MODEL = 'auto';

/** Which modalities a request needs the model to accept. */
export type Modality = 'text' | 'image';

interface InferenceRequestBase {
  /** Gateway-assigned id, unique in the cluster; also the BullMQ job id. */
  id: string;
  model: string;
  sampling: SamplingParams;
  /** Whether the client wants a stream; engines are always driven in streaming mode. */
  stream: boolean;
  /** Whether the client asked for usage figures in the stream. */
  includeUsage: boolean;
  /** Priority class 0 … 9 (the gateway's admission sets it); higher runs first when queued. */
  priority: number;
  /** Who sent it (from the API key), for fairness between tenants in a queue. */
  tenant?: string;
  /** Node label constraints (`accelerator=npu`), from configuration or a request header. */
  selectors?: Record<string, string>;
  /** Session affinity key (a header or the API user), when known. */
  sessionKey?: string;
  modalities: Modality[];
  /** Engine-specific fields the dialect passed through unchanged (e.g. llama.cpp `n_probs`). */
  extra?: Record<string, unknown>;
  /** Correlation the engine call carries on: the id the client sees, its W3C trace context. */
  trace?: RequestTrace;
}

export interface RequestTrace {
  /** The `x-request-id` the client sent or got; the engine receives it as `x-request-id`. */
  requestId: string;
  /** The client's W3C `traceparent`, forwarded as is. */
  traceparent?: string;
}

export interface ChatRequest extends InferenceRequestBase {
  kind: 'chat';
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /**
   * The last message is an assistant turn cut short (its node died mid-answer): the engine
   * continues that text instead of starting a new turn, and streams only what it adds.
   */
  continueFinalMessage?: boolean;
}

export interface CompletionRequest extends InferenceRequestBase {
  kind: 'completion';
  prompt: string;
}

/** Embeddings: one vector per input string, in order. Sampling does not apply. */
export interface EmbeddingRequest extends InferenceRequestBase {
  kind: 'embedding';
  input: string[];
  /** Truncate vectors to this many dimensions (OpenAI `dimensions`), when set. */
  dimensions?: number;
  /**
   * How the client wants the vectors written: numbers (the default) or `base64` of
   * little-endian float32 (OpenAI `encoding_format`). Engines are always asked for numbers;
   * only the client dialect encodes.
   */
  encodingFormat?: 'float' | 'base64';
}

/** Requests that generate text (what engine adapters' generation calls take). */
export type GenerationRequest = ChatRequest | CompletionRequest;
export type InferenceRequest = GenerationRequest | EmbeddingRequest;
export type InferenceKind = InferenceRequest['kind'];

/** The flat text a prompt-based consumer (prefix hashing, token estimates) sees. */
export function promptText(req: InferenceRequest): string {
  if (req.kind === 'completion') return req.prompt;
  if (req.kind === 'embedding') return req.input.join('\n');
  return req.messages.map((m) => `${m.role}: ${messageText(m)}`).join('\n');
}

export function messageText(m: ChatMessage): string {
  if (m.content === null) return '';
  if (typeof m.content === 'string') return m.content;
  return m.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
}
