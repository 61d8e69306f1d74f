import { DEFAULT_SEED } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';
import { OPENAI_SEED_REQUESTS, type SeedRequest } from './support/openai-seed-requests';
import { expectedChoices, type SimMessage } from './support/sim-expectations';

/**
 * The user's own OpenAI requests (seeds 000 and 003), sent as they wrote them — Chinese text,
 * system messages, content-part arrays, `n: 10`, `logprobs: true`, `top_p`, a `stop` string —
 * with only the model name swapped for the fleet's. Each must answer 200 in the shape the seeds
 * show, with the text the engine generated.
 */
const LLAMA = 'e2e-seed';
const MINDIE = 'e2e-seed-mindie';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({
    model: LLAMA,
    nodes: [
      { slots: 4, decodeMs: 1 },
      { engine: 'mindie', model: MINDIE, slots: 4, decodeMs: 1, extraPlanes: true },
    ],
  });
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

interface Choice {
  index: number;
  message: { role: string; content: string };
  logprobs: { content: { token: string; logprob: number }[] } | null;
  finish_reason: string;
}
interface ChatCompletion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: Choice[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}
interface Chunk {
  id: string;
  object: string;
  model: string;
  choices: {
    index: number;
    delta: { role?: string; content?: string };
    finish_reason: string | null;
  }[];
}

/** The messages as the engine reads them: text only. */
function simMessages(body: SeedRequest['body']): SimMessage[] {
  const messages = body.messages as { role: string; content: string | { text: string }[] }[];
  return messages.map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
  }));
}

function expected(model: string, body: SeedRequest['body']) {
  const n = (body.n as number | undefined) ?? 1;
  const maxTokens = body.max_tokens as number | undefined;
  const want = expectedChoices(model, simMessages(body), {
    seed: DEFAULT_SEED,
    n,
    ...(maxTokens ? { maxTokens } : {}),
  });
  // The seeds' stop string is ChatML's end marker, which the generated words never hold.
  const stop = body.stop as string | undefined;
  if (stop) for (const w of want) expect(w.text).not.toContain(stop);
  return want;
}

function send(seed: SeedRequest, model: string): Promise<Response> {
  return fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: seed.headers,
    body: JSON.stringify({ ...seed.body, model }),
  });
}

const whole = OPENAI_SEED_REQUESTS.filter((s) => s.body.stream !== true);
const streamed = OPENAI_SEED_REQUESTS.filter((s) => s.body.stream === true);

describe.each([LLAMA, MINDIE])('seed requests on %s', (model) => {
  it.each(whole.map((s) => [`${s.seed}: ${s.title}`, s] as const))('%s', async (_title, seed) => {
    const res = await send(seed, model);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as ChatCompletion;
    const want = expected(model, seed.body);
    expect(body).toMatchObject({ object: 'chat.completion', model });
    expect(body.id).toMatch(/\S/);
    expect(Number.isInteger(body.created)).toBe(true);
    expect(body.choices).toHaveLength(want.length);
    for (const [i, choice] of body.choices.entries()) {
      expect(choice.index).toBe(i);
      expect(choice.message.role).toBe('assistant');
      expect(choice.message.content).toBe(want[i]!.text);
      expect(choice.finish_reason).toBe(want[i]!.finishReason);
      if (seed.body.logprobs === true) {
        expect(choice.logprobs!.content.map((t) => t.token).join('')).toBe(want[i]!.text);
      } else {
        expect(choice.logprobs).toBeNull();
      }
    }
    const completion = want.reduce((sum, w) => sum + w.completionTokens, 0);
    expect(body.usage).toMatchObject({
      prompt_tokens: want[0]!.promptTokens,
      completion_tokens: completion,
      total_tokens: want[0]!.promptTokens + completion,
    });
  });

  it.each(streamed.map((s) => [`${s.seed}: ${s.title}`, s] as const))(
    '%s',
    async (_title, seed) => {
      const res = await send(seed, model);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
      expect(frames.every((f) => f.startsWith('data: '))).toBe(true);
      expect(frames.at(-1)).toBe('data: [DONE]');
      const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice(6)) as Chunk);
      const [want] = expected(model, seed.body);
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === model)).toBe(
        true,
      );
      expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(want!.text);
      expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual([
        want!.finishReason,
      ]);
    },
  );
});

it('answers seed 003’s GET /v1/models with the fleet’s models', async () => {
  const res = await fetch(`${fleet.gatewayUrl}/v1/models`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
  expect(body.object).toBe('list');
  expect(body.data.map((m) => [m.id, m.object])).toEqual([
    [LLAMA, 'model'],
    [MINDIE, 'model'],
  ]);
});
