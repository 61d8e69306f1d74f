import { textPrompt, type PromptInput } from './prompt-input';

/** ChatML, as llama.cpp's `/props` reports it for a model served with `--chat-template chatml`. */
export const CHATML_TEMPLATE =
  "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}" +
  '{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}';

/** What the template appends so the model answers as the assistant. */
export const GENERATION_PROMPT = '<|im_start|>assistant\n';

export interface ChatMessage {
  role: string;
  content: string;
}

/** Renders messages with {@link CHATML_TEMPLATE}, including the assistant generation prompt. */
export function renderChatPrompt(messages: readonly ChatMessage[]): string {
  const turns = messages.map((m) => `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`);
  return turns.join('') + GENERATION_PROMPT;
}

/**
 * The prompt of a chat. When `continueFinal` and the last message is the assistant's, the
 * engine continues that message (llama.cpp's prefill, vLLM's `continue_final_message`): the
 * turn is left open, its text ending the prompt. Planning then finds the answer the
 * conversation before it would get and carries on past the text already there — as a greedy
 * engine does, so an answer cut short and continued elsewhere reads as one answer.
 */
export function chatPrompt(messages: readonly ChatMessage[], continueFinal: boolean): PromptInput {
  const last = messages.at(-1);
  if (!continueFinal || last?.role !== 'assistant') return textPrompt(renderChatPrompt(messages));
  const basePrompt = renderChatPrompt(messages.slice(0, -1));
  return {
    ...textPrompt(basePrompt + last.content),
    continues: { basePrompt, prefix: last.content },
  };
}
