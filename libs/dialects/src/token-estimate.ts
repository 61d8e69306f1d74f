import { messageText, type ChatRequest } from '@switchyard/contracts';

/**
 * A token count without the model's tokenizer, for routes that must answer one from the
 * gateway (Anthropic `count_tokens`). BPE tokenizers of current open models (Llama 3, Qwen,
 * Mistral) average about four bytes of English per token; each message adds the few tokens
 * of its chat-template framing; an image counts as Anthropic's figure for a ~1.15-megapixel
 * image. An estimate, typically within ±20 % for prose and worse for code or CJK text — it is
 * documented as such (docs/dialects.md), and the engines' own tokenizers are the exact answer
 * once the cluster can route a tokenize call.
 */
export const BYTES_PER_TOKEN = 4;
/** Chat-template tokens around each message (role header, separators). */
export const TOKENS_PER_MESSAGE = 4;
/** Anthropic's (width × height) / 750 for a 1092 × 1092 image. */
export const TOKENS_PER_IMAGE = 1600;

export function estimateTokens(req: ChatRequest): number {
  let tokens = 0;
  for (const m of req.messages) {
    tokens += TOKENS_PER_MESSAGE + textTokens(messageText(m));
    if (Array.isArray(m.content)) {
      tokens += m.content.filter((p) => p.type === 'image').length * TOKENS_PER_IMAGE;
    }
    for (const call of m.toolCalls ?? []) tokens += textTokens(call.name + call.arguments);
  }
  for (const tool of req.tools ?? []) tokens += textTokens(JSON.stringify(tool));
  return tokens;
}

function textTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN);
}
