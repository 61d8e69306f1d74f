import Anthropic from '@anthropic-ai/sdk';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The Anthropic dialect through the official `@anthropic-ai/sdk` against a real fleet: one
 * gateway, a llama.cpp-personality simulated engine and its worker-agent.
 */
const MODEL = 'e2e-anthropic';
let fleet: Fleet;
let client: Anthropic;

beforeAll(async () => {
  fleet = await startFleet({ model: MODEL, nodes: [{ slots: 4, decodeMs: 2 }] });
  client = new Anthropic({ baseURL: fleet.gatewayUrl, apiKey: 'x', maxRetries: 0 });
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

const params = {
  model: MODEL,
  max_tokens: 32,
  system: 'Answer briefly.',
  messages: [{ role: 'user', content: 'Why is the sky blue?' }],
} satisfies Anthropic.MessageCreateParamsNonStreaming;

function textOf(message: Anthropic.Message): string {
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

describe('Anthropic Messages through the official SDK', () => {
  it('messages.create returns a whole Message', async () => {
    const { data: message, response } = await client.messages.create(params).withResponse();
    expect(response.status).toBe(200);
    expect(message.type).toBe('message');
    expect(message.role).toBe('assistant');
    expect(message.id).toMatch(/^msg_/);
    expect(message.model).toBe(MODEL);
    expect(textOf(message).length).toBeGreaterThan(0);
    expect(['end_turn', 'max_tokens']).toContain(message.stop_reason);
    expect(message.stop_sequence).toBeNull();
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeLessThanOrEqual(32);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  it('messages.stream delivers text events that add up to the final message', async () => {
    const stream = client.messages.stream(params);
    let streamed = '';
    stream.on('text', (delta) => {
      streamed += delta;
    });
    const message = await stream.finalMessage();
    expect(streamed.length).toBeGreaterThan(0);
    expect(textOf(message)).toBe(streamed);
    expect(['end_turn', 'max_tokens']).toContain(message.stop_reason);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    // message_start says 0; the totals arrive in message_delta and the SDK keeps them.
    expect(message.usage.input_tokens).toBeGreaterThan(0);
  });

  it('gives the same answer under the /api/v1 prefix', async () => {
    const prefixed = new Anthropic({
      baseURL: `${fleet.gatewayUrl}/api`,
      apiKey: 'x',
      maxRetries: 0,
    });
    const message = await prefixed.messages.create(params);
    expect(textOf(message).length).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(0);
  });

  it('surfaces an unknown model as the SDK’s NotFoundError', async () => {
    const err: unknown = await client.messages.create({ ...params, model: 'no-such-model' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const notFound = err as InstanceType<typeof Anthropic.NotFoundError>;
    expect(notFound.status).toBe(404);
    expect(notFound.type).toBe('not_found_error');
  });

  it('refuses max_tokens 0 as the SDK’s BadRequestError', async () => {
    await expect(client.messages.create({ ...params, max_tokens: 0 })).rejects.toBeInstanceOf(
      Anthropic.BadRequestError,
    );
  });
});
