import { waitFor } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * From the fault suite (`npm run faults`, client-disconnect): clients that go away mid-stream
 * leave nothing running — each engine request is cancelled and every slot comes free.
 */
const MODEL = 'e2e-faults-gone';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ model: MODEL, nodes: [{ slots: 4, decodeMs: 20 }] });
}, 90000);

afterAll(async () => {
  await fleet?.stop();
});

async function engineBusy(): Promise<number> {
  const res = await fetch(`${fleet.nodes[0]!.simUrl}/__sim/state`);
  const state = (await res.json()) as { busySlots: number; waiting: number };
  return state.busySlots + state.waiting;
}

/** Starts a long stream, reads a few frames, then goes away. */
async function leaveMidStream(i: number): Promise<void> {
  const abort = new AbortController();
  const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: `a long story ${i}` }],
      max_tokens: 3000,
      ignore_eos: true,
      stream: true,
    }),
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  for (let frames = 0; frames < 3; frames++) await reader.read();
  abort.abort();
  await reader.cancel().catch(() => undefined);
}

it('cancels the engine request of every client that goes away mid-stream', async () => {
  await Promise.all([0, 1, 2, 3].map(leaveMidStream));
  // 3,000 tokens at 20 ms would hold the slots for a minute; cancelled, they come free at once.
  await waitFor(async () => (await engineBusy()) === 0, {
    timeoutMs: 10000,
    intervalMs: 100,
    what: 'the engine to have no request left',
  });
}, 60000);
