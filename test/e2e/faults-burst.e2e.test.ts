import OpenAI from 'openai';
import { startFleet, type Fleet } from './support/fleet';
import { expectedChat } from './support/sim-expectations';

/**
 * From the fault suite (`npm run faults`, burst-10x): ten times the fleet's slots arriving at
 * once all queue and are answered whole — none lost, none cut, none mixed up with another.
 */
const MODEL = 'e2e-faults-burst';
const SLOTS = 2;
const NODES = 2;
let fleet: Fleet;
let client: OpenAI;

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: Array.from({ length: NODES }, () => ({ slots: SLOTS, decodeMs: 5 })),
  });
  client = new OpenAI({ baseURL: `${fleet.gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 90000);

afterAll(async () => {
  await fleet?.stop();
});

async function streamText(
  content: string,
  seed: number,
): Promise<{ text: string; finish: string }> {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content }],
    max_tokens: 24,
    seed,
    stream: true,
  });
  let text = '';
  let finish = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  return { text, finish };
}

it('answers a burst of ten times its slots, every answer whole and its own', async () => {
  const prompts = Array.from({ length: 10 * SLOTS * NODES }, (_, i) => `burst question ${i}`);
  const got = await Promise.all(prompts.map((p, i) => streamText(p, 500 + i)));
  const want = prompts.map((p, i) => {
    const e = expectedChat(MODEL, [{ role: 'user', content: p }], { seed: 500 + i, maxTokens: 24 });
    return { text: e.text, finish: e.finishReason };
  });
  expect(got).toEqual(want);
}, 60000);
