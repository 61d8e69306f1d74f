import type { ChatRequest, CompletionRequest } from '@switchyard/contracts';
import { answer, failAfterOutput, hang } from './support/scripts';
import { MODEL, SseReader, uniquePrompt, useGateway } from './support/gateway-harness';
import { streamed } from './support/openai-stream';

/**
 * A node that fails, leaves or goes quiet after the first token hands the answer to another
 * node, which carries it on from the text already sent: the client sees one answer.
 */
const gw = useGateway({ inactivityTimeoutMs: 1500 });

const streamBody = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  stream: true,
  stream_options: { include_usage: true },
  max_tokens: 20,
  messages: [{ role: 'user', content: uniquePrompt() }],
  ...extra,
});

it('a node that leaves mid-answer: another node continues it in the same stream', async () => {
  const a = await gw.node({ id: 'node-a', continuesChat: true, script: hang(2) });
  const b = await gw.node({
    id: 'node-b',
    continuesChat: true,
    load: { kvCacheUsage: 0.5 },
    script: answer(' and the rest', 3),
  });
  await gw.untilReadyNodes(2);
  const res = await gw.chat({ body: streamBody() });
  expect(res.headers.get('x-switchyard-node')).toBe('node-a');
  const stream = new SseReader(res);
  await stream.until((f) => f.includes('"content":"x"'));

  await a.stopHeartbeating();

  const out = streamed(await stream.rest());
  expect(out.text).toBe('xx and the rest');
  expect(out.error).toBeUndefined();
  expect(out.done).toBe(true);
  expect(out.finishes).toEqual(['stop']);
  // Usage is the answer's: the continuation's prompt held the two tokens already sent.
  expect(out.usage).toEqual(expect.objectContaining({ prompt_tokens: 1, completion_tokens: 5 }));
  const resumed = b.jobs[0]!.job.request as ChatRequest;
  expect(resumed.continueFinalMessage).toBe(true);
  expect(resumed.messages.at(-1)).toEqual({ role: 'assistant', content: 'xx' });
  expect(resumed.sampling.maxTokens).toBe(18);
});

it('an engine failure mid-answer is resumed, and a whole response says it moved', async () => {
  await gw.node({
    id: 'node-a',
    continuesChat: true,
    script: failAfterOutput('SY_ENGINE_ERROR', 2),
  });
  await gw.node({
    id: 'node-b',
    continuesChat: true,
    load: { kvCacheUsage: 0.5 },
    script: answer(' finished', 1),
  });
  await gw.untilReadyNodes(2);
  const res = await gw.chat({ stream: false });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-node')).toBe('node-b');
  expect(res.headers.get('x-switchyard-resumed')).toBe('1');
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  expect(body.choices[0]!.message.content).toBe('partial output finished');
});

it('a node that goes quiet after the first token is cut after the inactivity deadline and resumed', async () => {
  const a = await gw.node({ id: 'node-a', continuesChat: true, script: hang(1) });
  await gw.node({
    id: 'node-b',
    continuesChat: true,
    load: { kvCacheUsage: 0.5 },
    script: answer('y', 1),
  });
  await gw.untilReadyNodes(2);
  const started = Date.now();
  const out = streamed(await new SseReader(await gw.chat({ body: streamBody() })).rest());
  expect(out.text).toBe('xy');
  expect(out.done).toBe(true);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
  // The quiet node is told to stop working on it.
  expect(a.cancels).toEqual(a.requestIds());
});

it('a text completion resumes with the text appended to its prompt', async () => {
  await gw.node({
    id: 'node-a',
    continuesChat: true,
    script: failAfterOutput('SY_STREAM_INTERRUPTED', 2),
  });
  const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 }, script: answer(' end') });
  await gw.untilReadyNodes(2);
  const res = await gw.chat({
    path: '/v1/completions',
    body: { model: MODEL, prompt: 'Once', max_tokens: 10 },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { choices: { text: string }[] };
  expect(body.choices[0]!.text).toBe('partial output end');
  // A completion continues on any engine: no continuation switch is needed.
  const resumed = b.jobs[0]!.job.request as CompletionRequest;
  expect(resumed.prompt).toBe('Oncepartial output');
  expect(resumed.sampling.maxTokens).toBe(8);
});

describe.each([
  ['several choices', { n: 2 }],
  ['logprobs', { logprobs: true }],
])('an answer that cannot be carried on faithfully (%s)', (_name, extra) => {
  it('ends with an error frame, as before', async () => {
    await gw.node({
      id: 'node-a',
      continuesChat: true,
      script: failAfterOutput('SY_ENGINE_ERROR', 2),
    });
    const b = await gw.node({ id: 'node-b', continuesChat: true, load: { kvCacheUsage: 0.5 } });
    await gw.untilReadyNodes(2);
    const out = streamed(await new SseReader(await gw.chat({ body: streamBody(extra) })).rest());
    expect(out.error).toMatchObject({ code: 'engine_error' });
    expect(out.done).toBe(false);
    expect(b.jobs).toHaveLength(0);
  });
});

it('no node that can continue a chat: the stream ends with the error frame', async () => {
  await gw.node({ id: 'node-a', continuesChat: true, script: failAfterOutput('SY_ENGINE_ERROR') });
  const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 } });
  await gw.untilReadyNodes(2);
  const out = streamed(await new SseReader(await gw.chat({ body: streamBody() })).rest());
  expect(out.text).toBe('partial output');
  expect(out.error).toMatchObject({ code: 'engine_error' });
  expect(b.jobs).toHaveLength(0);
});
