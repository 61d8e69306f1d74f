import type Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { freePort, waitFor } from '@switchyard/testing';
import { generateTokens, renderChatPrompt } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';
import { launch, type Launched } from './support/processes';

/**
 * The model catalogue, `auto`, aliases, image routing and the `/api` mount — seed 004's
 * requests as written (`/api/v1/models`, `/api/v1/chat/completions` with `"model": "auto"`,
 * `/api/v1/messages`) and seed 000's alias (`llama3.1:8b`), against a real fleet.
 */
const TEXT_MODEL = 'deepseek-chat';
const VISION_MODEL = 'qwen-vl';
const CATALOG = [
  {
    name: TEXT_MODEL,
    aliases: ['llama3.1:8b'],
    displayName: 'DeepSeek V3.1',
    description: 'Suitable for reasoning and writing',
    ownedBy: 'deepseek',
  },
  {
    name: VISION_MODEL,
    displayName: 'Qwen VL',
    description: 'Multimodal graphics and text',
    modalities: ['text', 'image'],
    ownedBy: 'qwen',
  },
];

let fleet: Fleet;
let openai: OpenAI;

beforeAll(async () => {
  fleet = await startFleet({
    model: TEXT_MODEL,
    nodes: [
      { slots: 4, decodeMs: 2 },
      { slots: 4, decodeMs: 2, engine: 'vllm', model: VISION_MODEL },
    ],
    gatewayEnv: {
      SWITCHYARD_MODELS: JSON.stringify(CATALOG),
      SWITCHYARD_AUTO_MODELS: `${TEXT_MODEL},${VISION_MODEL}`,
    },
  });
  openai = new OpenAI({
    baseURL: `${fleet.gatewayUrl}/api/v1`,
    apiKey: 'YOUR_API_KEY',
    maxRetries: 0,
  });
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

const QUESTION = '你是什么模型?';

function expectedText(model: string, maxTokens?: number): string {
  const prompt = renderChatPrompt([{ role: 'user', content: QUESTION }]);
  return generateTokens({ model, prompt, ...(maxTokens ? { maxTokens } : {}) }).tokens.join('');
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${fleet.gatewayUrl}${path}`, {
    method: 'POST',
    headers: {
      Accept: 'application/json',
      Authorization: 'Bearer YOUR_API_KEY',
      'Content-Type': 'application/json',
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

describe('seed 004 against the gateway', () => {
  it('GET /api/v1/models lists every served model with the catalogue fields', async () => {
    const res = await fetch(`${fleet.gatewayUrl}/api/v1/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: Record<string, unknown>[] };
    expect(body.object).toBe('list');
    expect(body.data).toEqual([
      {
        id: TEXT_MODEL,
        object: 'model',
        created: expect.any(Number),
        owned_by: 'deepseek',
        name: 'DeepSeek V3.1',
        description: 'Suitable for reasoning and writing',
        support: 'text',
        modalities: ['text'],
        aliases: ['llama3.1:8b'],
      },
      {
        id: VISION_MODEL,
        object: 'model',
        created: expect.any(Number),
        owned_by: 'qwen',
        name: 'Qwen VL',
        description: 'Multimodal graphics and text',
        support: 'image',
        modalities: ['text', 'image'],
      },
    ]);
  });

  it('streams "model": "auto" and names the model it chose on every chunk', async () => {
    const res = await post('/api/v1/chat/completions', {
      model: 'auto',
      messages: [{ role: 'user', content: QUESTION }],
      stream: true,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const lines = (await res.text()).split('\n').filter((l) => l.startsWith('data: '));
    expect(lines.at(-1)).toBe('data: [DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l.slice(6)) as ChatChunk);
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set([TEXT_MODEL]));
    expect(new Set(chunks.map((c) => c.object))).toEqual(new Set(['chat.completion.chunk']));
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe(expectedText(TEXT_MODEL));
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('answers "model": "auto" whole, as seed 004 shows', async () => {
    const res = await post('/api/v1/chat/completions', {
      model: 'auto',
      messages: [{ role: 'user', content: QUESTION }],
      stream: false,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      model: string;
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      choices: {
        index: number;
        message: { role: string; content: string };
        finish_reason: string;
      }[];
    };
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe(TEXT_MODEL);
    expect(body.choices).toHaveLength(1);
    expect(body.choices[0]).toMatchObject({
      index: 0,
      message: { role: 'assistant', content: expectedText(TEXT_MODEL) },
      finish_reason: 'stop',
    });
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it('serves Anthropic Messages under /api/v1/messages (seed 004 §3)', async () => {
    const res = await post(
      '/api/v1/messages',
      { model: TEXT_MODEL, max_tokens: 1000, messages: [{ role: 'user', content: QUESTION }] },
      { 'x-api-key': 'ANTHROPIC_API_KEY', 'anthropic-version': '2023-06-01' },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Anthropic.Message;
    expect(body.type).toBe('message');
    expect(body.role).toBe('assistant');
    expect(body.model).toBe(TEXT_MODEL);
    expect(body.content).toEqual([{ type: 'text', text: expectedText(TEXT_MODEL) }]);
    expect(body.stop_reason).toBe('end_turn');
    expect(body.stop_sequence).toBeNull();
    expect(body.usage.output_tokens).toBeGreaterThan(0);
  });

  it('Anthropic errors carry the request id in the body and the request-id header', async () => {
    const res = await post(
      '/api/v1/messages',
      { model: TEXT_MODEL, messages: [{ role: 'user', content: QUESTION }] },
      { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      type: string;
      error: { type: string };
      request_id: string;
    };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.headers.get('request-id')).toBe(body.request_id);
  });
});

describe('aliases and modalities through the openai SDK', () => {
  it('an alias reaches its model and the response names the canonical model', async () => {
    // Seed 000's model name, as written.
    const res = await openai.chat.completions.create({
      model: 'llama3.1:8b',
      messages: [{ role: 'user', content: QUESTION }],
    });
    expect(res.model).toBe(TEXT_MODEL);
    expect(res.choices[0]?.message.content).toBe(expectedText(TEXT_MODEL));
  });

  const withImage = (model: string) => ({
    model,
    max_tokens: 8,
    messages: [
      {
        role: 'user' as const,
        content: [
          { type: 'text' as const, text: 'What is in this picture?' },
          { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ],
  });

  it('refuses images for a text-only model with a 400 that says which models take them', async () => {
    const err = await openai.chat.completions
      .create(withImage(TEXT_MODEL))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.param).toBe('model');
    expect(e.message).toContain(`The model '${TEXT_MODEL}' does not accept images`);
    expect(e.message).toContain(VISION_MODEL);
  });

  it('sends images to an image model, and "auto" picks one', async () => {
    const direct = await openai.chat.completions.create(withImage(VISION_MODEL));
    expect(direct.model).toBe(VISION_MODEL);
    expect(direct.choices[0]?.message.content?.length).toBeGreaterThan(0);
    const auto = await openai.chat.completions.create(withImage('auto'));
    expect(auto.model).toBe(VISION_MODEL);
  });

  it('retrieves one model and 404s an unknown one', async () => {
    expect(await openai.models.retrieve('llama3.1:8b')).toMatchObject({ id: TEXT_MODEL });
    const err = await openai.models.retrieve('no-such-model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('mount prefixes are configuration', () => {
  let gateway: Launched | undefined;
  afterAll(async () => {
    await gateway?.stop();
  });

  it('a gateway mounting OpenAI only under /gw serves it there and not at the root', async () => {
    const port = await freePort();
    gateway = launch('gateway-mounts', ['gateway', '--port', String(port)], {
      REDIS_URL: fleet.redisUrl,
      SWITCHYARD_PREFIX: fleet.prefix,
      SWITCHYARD_MOUNTS: JSON.stringify({ openai: ['/gw'] }),
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        const res = await fetch(`${url}/gw/v1/models`).catch(() => undefined);
        return res?.ok === true && ((await res.json()) as { data: unknown[] }).data.length === 2;
      },
      { timeoutMs: 20000, intervalMs: 100, what: 'the second gateway to list models' },
    );
    const root = await fetch(`${url}/v1/models`);
    expect(root.status).toBe(404);
    expect(((await root.json()) as { error: { code: string } }).error.code).toBe('unknown_url');
    // Other dialects keep their default mounts.
    expect((await fetch(`${url}/v1/messages`, { method: 'POST', body: '{}' })).status).toBe(400);
  });
});

interface ChatChunk {
  object: string;
  model: string;
  choices: { delta: { content?: string }; finish_reason: string | null }[];
}
