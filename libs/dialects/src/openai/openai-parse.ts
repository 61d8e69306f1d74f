import {
  type ChatMessage,
  type ChatRequest,
  type CompletionRequest,
  type ContentPart,
  type ResponseFormat,
  type SamplingParams,
  type ToolChoice,
} from '@switchyard/contracts';
import type { ParseContext } from '../dialect';
import { functionTools, modalitiesOf, refuse, stopList } from '../canonical';
import { opt } from '../opt';
import { requestedModel } from '../text-completion';
import { validateBody } from '../validate';
import {
  chatRequestSchema,
  completionRequestSchema,
  type OpenAIChatBody,
  type OpenAICompletionBody,
} from './openai.schema';

type OpenAIMessage = OpenAIChatBody['messages'][number];
type CommonBody = OpenAIChatBody | OpenAICompletionBody;

export function parseChat(body: unknown, ctx: ParseContext): ChatRequest {
  const b = validateBody(chatRequestSchema, body);
  refuseUnsupported(b);
  if (b.top_logprobs != null && !b.logprobs) {
    refuse('top_logprobs', "'top_logprobs' requires 'logprobs' to be true.");
  }
  checkToolChoice(b);
  const messages = b.messages.map(toChatMessage);
  const modalities = modalitiesOf(messages);
  const sampling: SamplingParams = {
    ...commonSampling(b),
    ...opt('maxTokens', b.max_completion_tokens ?? b.max_tokens),
    ...(b.logprobs ? { logprobs: { top: b.top_logprobs ?? 0 } } : {}),
    ...opt('responseFormat', b.response_format ? toResponseFormat(b.response_format) : undefined),
  };
  return {
    ...commonRequest(b, ctx),
    kind: 'chat',
    messages,
    sampling,
    modalities,
    ...opt('tools', functionTools(b.tools)),
    ...opt('toolChoice', b.tool_choice ? toToolChoice(b.tool_choice) : undefined),
  };
}

export function parseCompletion(body: unknown, ctx: ParseContext): CompletionRequest {
  const b = validateBody(completionRequestSchema, body);
  if (b.echo) refuse('echo', "'echo' is not supported.");
  if (b.suffix) refuse('suffix', "'suffix' is not supported.");
  const prompt = typeof b.prompt === 'string' ? b.prompt : b.prompt[0];
  if (typeof prompt !== 'string') {
    refuse('prompt', "Token-id prompts are not supported: send the prompt text in 'prompt'.");
  }
  return {
    ...commonRequest(b, ctx),
    kind: 'completion',
    prompt,
    // OpenAI's completions default is 16 tokens (spec `CreateCompletionRequest.max_tokens`).
    sampling: {
      ...commonSampling(b),
      maxTokens: b.max_tokens ?? 16,
      ...(b.logprobs != null ? { logprobs: { top: b.logprobs } } : {}),
    },
    modalities: ['text'],
  };
}

function commonRequest(b: CommonBody, ctx: ParseContext) {
  return {
    id: ctx.requestId,
    // A URL for a model means "the model this endpoint serves", as behind TGI: what
    // @huggingface/inference sends given only an `endpointUrl` (text-completion.ts).
    model: requestedModel(ctx.headers, b.model),
    stream: b.stream === true,
    includeUsage: b.stream === true && b.stream_options?.include_usage === true,
    priority: 0,
    ...opt('sessionKey', b.prompt_cache_key ?? b.user ?? b.safety_identifier),
    // Engine extensions with no canonical meaning travel as-is to engines that know them.
    ...(b.ignore_eos != null ? { extra: { ignore_eos: b.ignore_eos } } : {}),
  };
}

/**
 * Chat fields that are valid OpenAI but ask for something no engine behind the gateway does;
 * refused by name rather than silently ignored. Each row: the field, and its message.
 */
const UNSUPPORTED_CHAT_FIELDS = [
  ['functions', "'functions' is deprecated and not supported; send 'tools' instead."],
  ['function_call', "'function_call' is deprecated and not supported; send 'tool_choice' instead."],
  ['audio', 'Audio output is not supported.'],
] as const satisfies readonly (readonly [keyof OpenAIChatBody, string])[];

function refuseUnsupported(b: OpenAIChatBody): void {
  for (const [field, message] of UNSUPPORTED_CHAT_FIELDS) {
    if (b[field] != null) refuse(field, message);
  }
  if (b.modalities?.some((m) => m !== 'text')) {
    refuse('modalities', "Only the 'text' output modality is supported.");
  }
}

/** A choice the engine cannot honour: forcing a tool when none is offered, or one not offered. */
function checkToolChoice(b: OpenAIChatBody): void {
  const choice = b.tool_choice;
  if (choice == null || choice === 'none' || choice === 'auto') return;
  const names = (b.tools ?? []).map((t) => t.function.name);
  if (names.length === 0) {
    refuse('tool_choice', "'tool_choice' requires 'tools' when it asks for a tool call.");
  }
  if (typeof choice === 'object' && !names.includes(choice.function.name)) {
    refuse(
      'tool_choice',
      `'tool_choice' names the function '${choice.function.name}', which is not in 'tools'.`,
    );
  }
}

function commonSampling(b: CommonBody): SamplingParams {
  return {
    stop: stopList(b.stop),
    n: b.n ?? 1,
    ...opt('temperature', b.temperature),
    ...opt('topP', b.top_p),
    ...opt('topK', b.top_k),
    ...opt('minP', b.min_p),
    ...opt('typicalP', b.typical_p),
    ...opt('frequencyPenalty', b.frequency_penalty),
    ...opt('presencePenalty', b.presence_penalty),
    ...opt('repetitionPenalty', b.repetition_penalty),
    ...opt('seed', b.seed),
    ...opt('logitBias', b.logit_bias ?? undefined),
  };
}

function toChatMessage(m: OpenAIMessage): ChatMessage {
  switch (m.role) {
    case 'system':
    case 'developer':
      return { role: 'system', content: textOf(m.content), ...opt('name', m.name) };
    case 'user':
      return { role: 'user', content: userContent(m.content), ...opt('name', m.name) };
    case 'assistant':
      return {
        role: 'assistant',
        content: m.content == null ? null : assistantText(m.content),
        ...opt('name', m.name),
        ...opt('reasoning', m.reasoning_content),
        ...opt(
          'toolCalls',
          m.tool_calls?.map((c) => ({
            id: c.id,
            name: c.function.name,
            arguments: c.function.arguments,
          })),
        ),
      };
    case 'tool':
      return { role: 'tool', content: textOf(m.content), toolCallId: m.tool_call_id };
  }
}

function textOf(content: string | { text: string }[]): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('');
}

function assistantText(
  content: string | ({ type: 'text'; text: string } | { type: 'refusal'; refusal: string })[],
): string {
  if (typeof content === 'string') return content;
  return content.map((p) => (p.type === 'text' ? p.text : p.refusal)).join('');
}

function userContent(
  content: Extract<OpenAIMessage, { role: 'user' }>['content'],
): string | ContentPart[] {
  if (typeof content === 'string') return content;
  return content.map((p): ContentPart =>
    p.type === 'text'
      ? { type: 'text', text: p.text }
      : { type: 'image', url: p.image_url.url, ...opt('detail', p.image_url.detail) },
  );
}

function toResponseFormat(f: NonNullable<OpenAIChatBody['response_format']>): ResponseFormat {
  if (f.type !== 'json_schema') return { type: f.type };
  return {
    type: 'json_schema',
    name: f.json_schema.name,
    ...opt('schema', f.json_schema.schema),
    ...opt('strict', f.json_schema.strict ?? undefined),
  };
}

function toToolChoice(c: NonNullable<OpenAIChatBody['tool_choice']>): ToolChoice {
  return typeof c === 'string' ? c : { name: c.function.name };
}
