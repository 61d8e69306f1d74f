import {
  countTokens,
  generateTokens,
  planChoice,
  planCompletion,
  planKey,
  planToolCall,
  renderChatPrompt,
  type ToolSpec,
} from '@switchyard/engine-sim';

/**
 * What the simulated engine answers, computed from its deterministic generator — so end-to-end
 * tests assert exact text, finish reasons and token counts rather than "something came back".
 * Chat prompts are the ChatML rendering of the messages' text (the sim ignores images).
 */

export interface SimMessage {
  role: string;
  content: string;
}

export interface Expected {
  text: string;
  /** The OpenAI finish reason: `stop` at the model's end, `length` at the cap. */
  finishReason: 'stop' | 'length';
  /** Decode steps, the end-of-generation token included (what engines report as completion tokens). */
  completionTokens: number;
  /** The generated pieces, in order (EOS excluded). */
  tokens: string[];
  /** The prompt's tokens, BOS included, as llama.cpp and vLLM count them. */
  promptTokens: number;
}

/** Tokens of a text the engine reads, BOS included (embedding inputs count this way too). */
export const promptTokens = (text: string): number => countTokens(text) + 1;

export interface GenerationOptions {
  seed: number;
  maxTokens?: number;
}

export function expectedCompletion(model: string, prompt: string, o: GenerationOptions): Expected {
  const input = { model, prompt, seed: o.seed, ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}) };
  const { tokens, finish } = generateTokens(input);
  return {
    text: tokens.join(''),
    finishReason: finish === 'limit' ? 'length' : 'stop',
    completionTokens: planCompletion(input).tokens.length,
    tokens,
    promptTokens: promptTokens(prompt),
  };
}

export function expectedChat(
  model: string,
  messages: readonly SimMessage[],
  o: GenerationOptions,
): Expected {
  return expectedCompletion(model, renderChatPrompt(messages), o);
}

/** The choices of an `n` request: choice i runs with seed + i (llama.cpp and vLLM alike). */
export function expectedChoices(
  model: string,
  messages: readonly SimMessage[],
  o: GenerationOptions & { n: number },
): Expected[] {
  return Array.from({ length: o.n }, (_, i) =>
    expectedChat(model, messages, { ...o, seed: o.seed + i }),
  );
}

/** A reasoning model's thoughts and answer for a chat. */
export function expectedReasoningChat(
  model: string,
  messages: readonly SimMessage[],
  o: GenerationOptions,
): { reasoning: string; text: string } {
  const plan = planChoice({
    model,
    prompt: renderChatPrompt(messages),
    seed: o.seed,
    reasoning: true,
    ...(o.maxTokens ? { maxTokens: o.maxTokens } : {}),
  });
  const of = (channel: string) =>
    plan.steps
      .filter((s) => s.channel === channel && !s.token.eog)
      .map((s) => s.token.text)
      .join('');
  return { reasoning: of('reasoning'), text: of('content') };
}

/** The call a chat makes to `tool`: its name and JSON arguments. */
export function expectedToolCall(
  model: string,
  messages: readonly SimMessage[],
  seed: number,
  tool: ToolSpec,
): { name: string; arguments: string } {
  const call = planToolCall(tool, planKey({ model, prompt: renderChatPrompt(messages), seed }));
  return { name: call.name, arguments: call.arguments };
}
