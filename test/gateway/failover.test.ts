import type { ErrorCode } from '@switchyard/contracts';
import { answer, failAfterOutput, failBeforeOutput } from './support/scripts';
import { SseReader, useGateway } from './support/gateway-harness';

/**
 * A node that fails before the first token is replaced by another; after it, the failure
 * reaches the client in-band and nothing is retried. Placement prefers the node reporting
 * the emptier KV cache, which is how each test decides which node is asked first.
 */
const gw = useGateway();

interface OpenAIError {
  error: { type: string; code: string | null; message: string };
}

describe('failover before the first token', () => {
  it.each<ErrorCode>(['SY_ENGINE_ERROR', 'SY_ENGINE_UNAVAILABLE', 'SY_STREAM_INTERRUPTED'])(
    '%s on the first node: the request completes on the second',
    async (code) => {
      const a = await gw.node({ id: 'node-a', script: failBeforeOutput(code) });
      const b = await gw.node({
        id: 'node-b',
        load: { kvCacheUsage: 0.5 },
        script: answer('hello from b', 3),
      });
      await gw.untilReadyNodes(2);

      const res = await gw.chat({ stream: true });

      expect(res.status).toBe(200);
      expect(res.headers.get('x-switchyard-node')).toBe('node-b');
      const frames = await new SseReader(res).rest();
      const text = frames
        .filter((f) => f !== '[DONE]')
        .map((f) => (JSON.parse(f) as { choices: { delta: { content?: string } }[] }).choices)
        .map((c) => c[0]?.delta.content ?? '')
        .join('');
      expect(text).toBe('hello from b');
      expect(frames.at(-1)).toBe('[DONE]');
      expect(a.jobs).toHaveLength(1);
      expect(b.jobs).toHaveLength(1);
      expect(a.requestIds()[0]).toBe(res.headers.get('x-request-id'));
    },
  );

  it('a non-streaming request fails over the same way', async () => {
    const a = await gw.node({ id: 'node-a', script: failBeforeOutput('SY_ENGINE_ERROR') });
    await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 }, script: answer('whole', 2) });
    await gw.untilReadyNodes(2);

    const res = await gw.chat({ stream: false });

    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-node')).toBe('node-b');
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]?.message.content).toBe('whole');
    expect(a.jobs).toHaveLength(1);
  });
});

describe('a failure after the first token', () => {
  it('ends the stream with an in-band error frame and is not retried', async () => {
    const a = await gw.node({ id: 'node-a', script: failAfterOutput('SY_ENGINE_ERROR', 2) });
    const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 } });
    await gw.untilReadyNodes(2);

    const res = await gw.chat({ stream: true });

    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-node')).toBe('node-a');
    const frames = await new SseReader(res).rest();
    const last = JSON.parse(frames.at(-1)!) as OpenAIError;
    expect(last.error).toMatchObject({ type: 'server_error', code: 'engine_error' });
    const content = frames
      .slice(0, -1)
      .map((f) => (JSON.parse(f) as { choices: { delta: { content?: string } }[] }).choices)
      .map((c) => c[0]?.delta.content ?? '')
      .join('');
    expect(content).toBe('partial output');
    expect(frames).not.toContain('[DONE]');
    expect(a.jobs).toHaveLength(1);
    expect(b.jobs).toHaveLength(0);
  });
});

describe('failover gives up', () => {
  it('when no other node serves the model: the client gets the failure', async () => {
    const a = await gw.node({ id: 'node-a', script: failBeforeOutput('SY_ENGINE_UNAVAILABLE') });
    await gw.untilReadyNodes(1);

    const res = await gw.chat({ stream: true });

    expect(res.status).toBe(503);
    const body = (await res.json()) as OpenAIError;
    expect(body.error).toMatchObject({
      type: 'service_unavailable_error',
      code: 'engine_unavailable',
    });
    expect(a.jobs).toHaveLength(1);
  });

  it('after three attempts: the client gets the last failure, the fourth node is never asked', async () => {
    // Placement order follows the reported KV-cache use: a, then b, then c, then d.
    const a = await gw.node({ id: 'node-a', script: failBeforeOutput('SY_ENGINE_ERROR') });
    const b = await gw.node({
      id: 'node-b',
      load: { kvCacheUsage: 0.3 },
      script: failBeforeOutput('SY_ENGINE_ERROR'),
    });
    const c = await gw.node({
      id: 'node-c',
      load: { kvCacheUsage: 0.5 },
      script: failBeforeOutput('SY_ENGINE_UNAVAILABLE'),
    });
    const d = await gw.node({ id: 'node-d', load: { kvCacheUsage: 0.7 }, script: answer('late') });
    await gw.untilReadyNodes(4);

    const res = await gw.chat({ stream: true });

    expect(res.status).toBe(503);
    const body = (await res.json()) as OpenAIError;
    expect(body.error.code).toBe('engine_unavailable');
    expect([a, b, c, d].map((n) => n.jobs.length)).toEqual([1, 1, 1, 0]);
  });
});
