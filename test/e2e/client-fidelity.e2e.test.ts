import Anthropic, { NotFoundError } from '@anthropic-ai/sdk';
import {
  chatCompletion,
  setLogger,
  textGeneration,
  textGenerationStream,
  type TextGenerationStreamOutput,
} from '@huggingface/inference';
import { Ollama } from 'ollama';
import { DEFAULT_SEED, generateTokens, renderChatPrompt } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';

/**
 * What the official SDKs expect and a gateway in front of a fleet used to miss (issue 14
 * "client fidelity", issue 11 "bounded work"): HF's `textGeneration` with only an endpoint
 * URL, Anthropic's `countTokens`, Ollama's `generate` continued through `context`, and one
 * huge embedding batch refused at the door without costing any node its place in the fleet.
 */
const MODEL = 'e2e-tiny';
let fleet: Fleet;
let gw: string;

beforeAll(async () => {
  setLogger({
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: console.error,
    log: () => {},
  });
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 4, decodeMs: 2 },
      { slots: 4, decodeMs: 2 },
    ],
  });
  gw = fleet.gatewayUrl;
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
});

/** What the simulated engine writes for a prompt run as written. */
function completion(prompt: string, maxTokens: number, seed = DEFAULT_SEED): string {
  return generateTokens({ model: MODEL, prompt, seed, maxTokens }).tokens.join('');
}

describe('@huggingface/inference with only endpointUrl', () => {
  const inputs = 'Question: why is the sky blue?';

  it('textGeneration sends the URL as the model and gets the served model’s text', async () => {
    const res = await textGeneration({
      endpointUrl: gw,
      inputs,
      parameters: { max_new_tokens: 12, seed: 5 },
    });
    expect(res.generated_text).toBe(completion(inputs, 12, 5));
  });

  it('chatCompletion answers too', async () => {
    const res = await chatCompletion({
      endpointUrl: gw,
      messages: [{ role: 'user', content: 'Why is the sky blue?' }],
      max_tokens: 8,
    });
    expect(res.model).toBe(MODEL);
    expect(res.choices[0]?.message.content?.length).toBeGreaterThan(0);
  });

  it('textGenerationStream streams the same text', async () => {
    let text = '';
    for await (const chunk of textGenerationStream({
      endpointUrl: gw,
      inputs,
      parameters: { max_new_tokens: 12, seed: 5 },
    })) {
      // The task reads OpenAI completion chunks from <endpointUrl>/v1/completions.
      const c = chunk as TextGenerationStreamOutput & { choices?: { text?: string }[] };
      text += c.choices?.[0]?.text ?? c.token?.text ?? '';
    }
    expect(text).toBe(completion(inputs, 12, 5));
  });
});

describe('Anthropic messages.countTokens', () => {
  const client = () => new Anthropic({ baseURL: gw, apiKey: 'x', maxRetries: 0 });

  it('counts the input tokens of a conversation, more for a longer one', async () => {
    const short = await client().messages.countTokens({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const long = await client().messages.countTokens({
      model: MODEL,
      system: 'You answer in one sentence.',
      messages: [{ role: 'user', content: 'Why is the sky blue? '.repeat(50) }],
    });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens * 10);
  });

  it('an unknown model is the SDK’s NotFoundError', async () => {
    await expect(
      client().messages.countTokens({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('Ollama generate with context', () => {
  const ollama = () => new Ollama({ host: gw });
  const options = { seed: 3, num_predict: 10 };

  it('continues the conversation the returned context stands for', async () => {
    const first = await ollama().generate({
      model: MODEL,
      prompt: 'Why is the sky blue?',
      stream: false,
      options,
    });
    expect(first.context.length).toBeGreaterThan(0);
    expect(first.load_duration).toBeGreaterThan(0);

    const second = await ollama().generate({
      model: MODEL,
      prompt: 'And at sunset?',
      context: first.context,
      stream: false,
      options,
    });
    // The engine saw the whole conversation, templated as a chat of three turns.
    const prompt = renderChatPrompt([
      { role: 'user', content: 'Why is the sky blue?' },
      { role: 'assistant', content: first.response ?? '' },
      { role: 'user', content: 'And at sunset?' },
    ]);
    const { tokens } = generateTokens({ model: MODEL, prompt, seed: 3, maxTokens: 10 });
    expect(second.response).toBe(tokens.join(''));
    expect(second.context.length).toBeGreaterThan(first.context.length);

    // Streamed, the final object carries the context too.
    let last: { done: boolean; context?: number[] } | undefined;
    for await (const part of await ollama().generate({
      model: MODEL,
      prompt: 'And at night?',
      context: second.context,
      stream: true,
      options,
    })) {
      last = part;
    }
    expect(last?.done).toBe(true);
    expect(last?.context?.length).toBeGreaterThan(second.context.length);
  });

  it('refuses token ids it did not issue, by name', async () => {
    const call = ollama().generate({
      model: MODEL,
      prompt: 'x',
      context: [128000, 882, 271],
      stream: false,
    });
    await expect(call).rejects.toMatchObject({
      name: 'ResponseError',
      status_code: 400,
      error: expect.stringMatching(/'context' was not returned by this gateway/) as unknown,
    });
  });
});

describe('/api/v1/models without a catalogue', () => {
  it('describes every model by what serves it (seed 004 shows a description for each)', async () => {
    const res = await fetch(`${gw}/api/v1/models`);
    const { data } = (await res.json()) as { data: { id: string; description?: string }[] };
    expect(data.map((m) => m.id)).toEqual([MODEL]);
    // '; embeddings' follows when the nodes serve embeddings.
    expect(data[0]!.description).toMatch(/^Text model served by llama\.cpp \(2 nodes\)/);
  });
});

describe('one huge embedding batch', () => {
  it('/api/embed with 10,000 inputs is a 400 and no node leaves the fleet', async () => {
    const res = await fetch(`${gw}/api/embed`, {
      method: 'POST',
      body: JSON.stringify({
        model: MODEL,
        input: Array.from({ length: 10_000 }, (_, i) => `document number ${i}`),
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /'input' has 10000 inputs; this gateway accepts at most 2048/,
    );
    // Longer than the 2.5 s a node may go unheard before it is dropped.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    const ready = await fetch(`${gw}/readyz`).then(
      async (r) => ((await r.json()) as { readyNodes: number }).readyNodes,
    );
    expect(ready).toBe(fleet.nodes.length);
    const registered = await fleet.registry();
    expect(registered.filter((s) => s.info.state === 'ready')).toHaveLength(fleet.nodes.length);
  });
});
