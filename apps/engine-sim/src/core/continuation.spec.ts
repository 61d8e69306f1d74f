import { startEngineSim, type RunningSim } from './sim-server';

/**
 * A chat continued from part of its answer (llama.cpp prefill, vLLM continue_final_message)
 * gets the rest of that same answer, as a greedy engine would: an answer cut short on one
 * engine and continued on another reads as the one answer.
 */
const MODEL = 'continue-model';
let sims: RunningSim[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function chat(sim: RunningSim, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${sim.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, max_tokens: 30, ...body }),
  });
  expect(res.status).toBe(200);
  const json = (await res.json()) as { choices: { message: { content: string } }[] };
  return json.choices[0]!.message.content;
}

const question = [{ role: 'user', content: 'Tell me about rivers.' }];

it.each([
  ['llamacpp', {}],
  ['vllm', { continue_final_message: true, add_generation_prompt: false }],
] as const)('%s continues a cut-short answer with the rest of it', async (engine, flags) => {
  const sim = await startEngineSim({ engine, port: 0, model: MODEL, decodeMs: 0 });
  sims.push(sim);
  const whole = await chat(sim, { messages: question, max_tokens: 200 });
  const prefix = whole.slice(0, whole.indexOf(' ', 12));
  const rest = await chat(sim, {
    messages: [...question, { role: 'assistant', content: prefix }],
    ...flags,
  });
  expect(prefix + rest).toBe(whole.slice(0, prefix.length + rest.length));
  expect(rest.length).toBeGreaterThan(0);
});

it('vLLM without continue_final_message answers after the assistant turn instead', async () => {
  const sim = await startEngineSim({ engine: 'vllm', port: 0, model: MODEL, decodeMs: 0 });
  sims.push(sim);
  const whole = await chat(sim, { messages: question, max_tokens: 200 });
  const prefix = whole.slice(0, whole.indexOf(' ', 12));
  const after = await chat(sim, {
    messages: [...question, { role: 'assistant', content: prefix }],
  });
  expect(prefix + after).not.toBe(whole.slice(0, prefix.length + after.length));
});
