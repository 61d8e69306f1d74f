import { failAfterOutput, hang } from './support/scripts';
import { MODEL, SseReader, uniquePrompt, useGateway } from './support/gateway-harness';
import { streamed } from './support/openai-stream';

/** Resuming switched off, and the deadline of a whole request. */
const streamBody = () => ({
  model: MODEL,
  stream: true,
  max_tokens: 20,
  messages: [{ role: 'user', content: uniquePrompt() }],
});

describe('with resuming off', () => {
  const off = useGateway({ maxResumes: 0 });

  it('a failure mid-answer ends the stream with the error frame', async () => {
    await off.node({
      id: 'node-a',
      continuesChat: true,
      script: failAfterOutput('SY_ENGINE_ERROR'),
    });
    const b = await off.node({ id: 'node-b', continuesChat: true, load: { kvCacheUsage: 0.5 } });
    await off.untilReadyNodes(2);
    const out = streamed(await new SseReader(await off.chat({ body: streamBody() })).rest());
    expect(out.error).toMatchObject({ code: 'engine_error' });
    expect(b.jobs).toHaveLength(0);
  });
});

describe('the request deadline', () => {
  const short = useGateway({ requestTimeoutMs: 1000 });

  it('covers the whole request, not only its wait in the queue', async () => {
    await short.node({ id: 'node-a', script: hang(1) });
    await short.untilReadyNodes(1);
    const started = Date.now();
    const out = streamed(await new SseReader(await short.chat({ body: streamBody() })).rest());
    expect(out.text).toBe('x');
    expect(out.error).toBeDefined();
    expect(out.done).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
