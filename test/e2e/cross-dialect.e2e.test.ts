import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { generateTokens, renderChatPrompt } from '@switchyard/engine-sim';
import { startFleet, type Fleet, type FleetNodeSpec } from './support/fleet';

/**
 * Any dialect reaches any engine: the same chat, sent through every chat dialect, and the same
 * prompt, sent through every prompt dialect, give the same text on each engine personality —
 * the text the simulated model generates for it, computed here independently. Greedy
 * (temperature 0) everywhere: Ollama and TGI, like the real servers, draw a random seed for a
 * sampled request that names none, and Anthropic's API has no seed.
 */
const MODEL = 'same-everywhere';
const MAX_TOKENS = 24;
const SYSTEM = 'Answer in one sentence.';
const USER = { role: 'user' as const, content: 'Why do trains need switchyards?' };
const MESSAGES = [{ role: 'system' as const, content: SYSTEM }, USER];
const PROMPT = 'A switchyard is a place where';

const ENGINES: { name: string; node: FleetNodeSpec }[] = [
  { name: 'llama.cpp', node: { engine: 'llamacpp', slots: 2, decodeMs: 1 } },
  { name: 'vLLM', node: { engine: 'vllm', slots: 2, decodeMs: 1 } },
  { name: 'MindIE', node: { engine: 'mindie', slots: 2, decodeMs: 1, extraPlanes: true } },
  { name: 'TGI', node: { engine: 'tgi', slots: 2, decodeMs: 1 } },
  { name: 'Ollama', node: { engine: 'ollama', slots: 2, decodeMs: 1 } },
];

function expected(prompt: string): string {
  return generateTokens({ model: MODEL, prompt, maxTokens: MAX_TOKENS }).tokens.join('');
}
const CHAT_TEXT = expected(renderChatPrompt(MESSAGES));
const PROMPT_TEXT = expected(PROMPT);

async function postJson(url: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** Each client dialect's chat, answered whole, as the text it carries. */
const CHAT_DIALECTS: Record<string, (gateway: string) => Promise<string>> = {
  openai: async (gateway) => {
    const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: 'k', maxRetries: 0 });
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: MESSAGES,
      max_tokens: MAX_TOKENS,
      temperature: 0,
    });
    return res.choices[0]?.message.content ?? '';
  },
  anthropic: async (gateway) => {
    const client = new Anthropic({ baseURL: gateway, apiKey: 'k', maxRetries: 0 });
    // The API takes `temperature`; this SDK build's types happen to omit it.
    const params = { model: MODEL, system: SYSTEM, messages: [USER], max_tokens: MAX_TOKENS };
    const res = await client.messages.create({
      ...params,
      temperature: 0,
    } as Anthropic.MessageCreateParamsNonStreaming);
    return res.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
  },
  ollama: async (gateway) => {
    const res = await new Ollama({ host: gateway }).chat({
      model: MODEL,
      messages: MESSAGES,
      options: { num_predict: MAX_TOKENS, temperature: 0 },
      stream: false,
    });
    return res.message.content;
  },
};

/** Each prompt dialect's generation of the raw prompt, as the completion text. */
const PROMPT_DIALECTS: Record<string, (gateway: string) => Promise<string>> = {
  'openai completions': async (gateway) => {
    const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: 'k', maxRetries: 0 });
    const res = await client.completions.create({
      model: MODEL,
      prompt: PROMPT,
      max_tokens: MAX_TOKENS,
      temperature: 0,
    });
    return res.choices[0]?.text ?? '';
  },
  'ollama generate': async (gateway) => {
    const res = await new Ollama({ host: gateway }).generate({
      model: MODEL,
      prompt: PROMPT,
      raw: true,
      options: { num_predict: MAX_TOKENS, temperature: 0 },
      stream: false,
    });
    return res.response ?? '';
  },
  tgi: async (gateway) => {
    const body = await postJson(`${gateway}/generate`, {
      inputs: PROMPT,
      parameters: { max_new_tokens: MAX_TOKENS },
    });
    return body.generated_text as string;
  },
  'vllm demo': async (gateway) => {
    const body = await postJson(`${gateway}/generate`, {
      prompt: PROMPT,
      max_tokens: MAX_TOKENS,
      temperature: 0,
    });
    return (body.text as string[])[0]!.slice(PROMPT.length);
  },
  kserve: async (gateway) => {
    const body = await postJson(`${gateway}/v2/models/${MODEL}/generate`, {
      text_input: PROMPT,
      parameters: { max_tokens: MAX_TOKENS, temperature: 0 },
      exclude_input_in_output: true,
    });
    return body.text_output as string;
  },
  'mindie infer': async (gateway) => {
    const body = await postJson(`${gateway}/infer`, {
      inputs: PROMPT,
      parameters: { max_new_tokens: MAX_TOKENS },
    });
    return body.generated_text as string;
  },
};

describe.each(ENGINES)('on a $name node', ({ node }) => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({ model: MODEL, nodes: [node] });
  }, 60000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it.each(Object.keys(CHAT_DIALECTS))('the chat through %s gives the model’s text', async (d) => {
    expect(await CHAT_DIALECTS[d]!(fleet.gatewayUrl)).toBe(CHAT_TEXT);
  });

  it.each(Object.keys(PROMPT_DIALECTS))(
    'the prompt through %s gives the model’s text',
    async (d) => {
      expect(await PROMPT_DIALECTS[d]!(fleet.gatewayUrl)).toBe(PROMPT_TEXT);
    },
  );
});
