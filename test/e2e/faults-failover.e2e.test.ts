import OpenAI from 'openai';
import { waitFor } from '@switchyard/testing';
import { exited } from './support/processes';
import { startFleet, type Fleet } from './support/fleet';
import { expectedChat } from './support/sim-expectations';

/**
 * From the fault suite (`npm run faults`, worker-kill-before-first-token): a worker-agent that
 * dies (`kill -9`) while it holds requests that have not sent a token yet loses none of them:
 * the gateway places them again on the other node and every answer arrives whole.
 */
const MODEL = 'e2e-faults-failover';
let fleet: Fleet;
let client: OpenAI;

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 4, decodeMs: 5 },
      { slots: 4, decodeMs: 5 },
    ],
  });
  client = new OpenAI({ baseURL: `${fleet.gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 90000);

afterAll(async () => {
  await fleet?.stop();
});

async function busy(simUrl: string): Promise<number> {
  const state = (await (await fetch(`${simUrl}/__sim/state`)).json()) as {
    busySlots: number;
    waiting: number;
  };
  return state.busySlots + state.waiting;
}

async function streamText(
  content: string,
  seed: number,
): Promise<{ text: string; finish: string }> {
  const stream = await client.chat.completions.create({
    model: MODEL,
    messages: [{ role: 'user', content }],
    max_tokens: 30,
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

it('places requests again when their node dies before their first token', async () => {
  // Node 0 now holds every answer before its first token (set once it is ready: the worker's
  // warm-up check is a generation too).
  const stall = await fetch(`${fleet.nodes[0]!.simUrl}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ stallMs: 600_000 }),
  });
  expect(stall.status).toBe(200);
  const prompts = Array.from({ length: 6 }, (_, i) => `failover question ${i}`);
  const answers = prompts.map((p, i) => streamText(p, 100 + i));
  // Until node 0 holds some of them, the fault would hit nothing.
  await waitFor(async () => (await busy(fleet.nodes[0]!.simUrl)) > 0, {
    timeoutMs: 20000,
    what: 'node 0 to hold a request',
  });
  const held = await busy(fleet.nodes[0]!.simUrl);
  fleet.nodes[0]!.worker.proc.kill('SIGKILL');
  await exited(fleet.nodes[0]!.worker.proc);

  const got = await Promise.all(answers);
  for (const [i, p] of prompts.entries()) {
    const want = expectedChat(MODEL, [{ role: 'user', content: p }], {
      seed: 100 + i,
      maxTokens: 30,
    });
    expect(got[i]).toEqual({ text: want.text, finish: want.finishReason });
  }
  expect(held).toBeGreaterThan(0);
}, 60000);
