import { planCompletion, renderChatPrompt } from '@switchyard/engine-sim';

/**
 * The fault-free reference: every request of the suite is a deterministic OpenAI chat stream
 * (its own prompt, seed and length, `ignore_eos` so the length is exact), and the simulated
 * engines are deterministic, so the answer a healthy fleet must give is known before the
 * request is sent. `main.ts` checks a few of these against a sim directly before trusting them.
 */
export const MODEL = 'faults-llama';

export interface ChatCase {
  /** Sequence number within the run; names the prompt. */
  id: number;
  body: {
    model: string;
    messages: { role: 'user'; content: string }[];
    max_tokens: number;
    seed: number;
    ignore_eos: true;
    stream: true;
  };
  expected: { text: string; finishReason: 'length' | 'stop' };
}

const TOPICS = [
  'harbour at dawn',
  'history of the railway',
  'life of a lighthouse keeper',
  'mountain pass in winter',
  'old clockmaker’s shop',
  'river delta',
  'night market',
  'glacier',
] as const;

/** A request of `tokens` generated tokens; `id` makes prompt and seed unique. */
export function chatCase(id: number, tokens: number): ChatCase {
  const content = `Fault suite request ${id}: tell me about the ${TOPICS[id % TOPICS.length]}.`;
  const seed = 1000 + id;
  const plan = planCompletion({
    model: MODEL,
    prompt: renderChatPrompt([{ role: 'user', content }]),
    seed,
    maxTokens: tokens,
    ignoreEos: true,
  });
  return {
    id,
    body: {
      model: MODEL,
      messages: [{ role: 'user', content }],
      max_tokens: tokens,
      seed,
      ignore_eos: true,
      stream: true,
    },
    expected: {
      text: plan.tokens
        .filter((t) => !t.eog)
        .map((t) => t.text)
        .join(''),
      finishReason: plan.finish === 'limit' ? 'length' : 'stop',
    },
  };
}

/** The steady load's length mix: 40 to 119 tokens, spread evenly over the ids. */
export const loadTokens = (id: number): number => 40 + ((id * 37) % 80);
