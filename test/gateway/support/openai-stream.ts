/** Reading an OpenAI chat stream's frames in tests. */

interface Chunk {
  choices: { delta?: { content?: string }; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  error?: { code: string };
}

/** The content, finish reasons, usage and error of an OpenAI chat stream's frames. */
export function streamed(frames: string[]) {
  const chunks = frames.filter((f) => f !== '[DONE]').map((f) => JSON.parse(f) as Chunk);
  return {
    text: chunks.flatMap((c) => c.choices?.map((ch) => ch.delta?.content ?? '') ?? []).join(''),
    finishes: chunks.flatMap((c) => c.choices?.flatMap((ch) => ch.finish_reason ?? []) ?? []),
    usage: chunks.find((c) => c.usage)?.usage,
    error: chunks.find((c) => c.error)?.error,
    done: frames.at(-1) === '[DONE]',
  };
}
