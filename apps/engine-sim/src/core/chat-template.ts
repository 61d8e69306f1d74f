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
