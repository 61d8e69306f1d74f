import { startPrivateRedis, waitFor } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';
import { exited } from './support/processes';

/**
 * Nothing cut: an answer whose node is killed mid-stream is carried on by another node in the
 * same stream; a gateway told to stop lets its streams finish; a stop always ends, even with
 * Redis gone.
 */
const MODEL = 'e2e-resume';
const MAX_TOKENS = 40;

interface Chunk {
  choices?: { delta?: { content?: string } }[];
}

/** Reads an OpenAI chat stream; `onContent` sees the number of content chunks so far. */
async function readStream(
  res: Response,
  onContent?: (count: number) => void,
): Promise<{ pieces: string[]; done: boolean; error: boolean }> {
  const pieces: string[] = [];
  let done = false;
  let error = false;
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const bytes of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(bytes, { stream: true });
    const frames = buffer.split('\n\n');
    buffer = frames.pop()!;
    for (const frame of frames) {
      const data = frame.replace(/^data: ?/, '');
      if (data === '[DONE]') done = true;
      else if (data.includes('"error"')) error = true;
      else {
        const text = (JSON.parse(data) as Chunk).choices?.[0]?.delta?.content;
        if (text) {
          pieces.push(text);
          onContent?.(pieces.length);
        }
      }
    }
  }
  return { pieces, done, error };
}

const chat = (url: string, body: Record<string, unknown>) =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, ...body }),
    signal: AbortSignal.timeout(60_000),
  });

describe('a node killed mid-answer', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      model: MODEL,
      nodes: [
        { slots: 2, decodeMs: 60, engine: 'vllm' },
        { slots: 2, decodeMs: 60, engine: 'vllm' },
      ],
      gatewayArgs: ['--inactivity-timeout-ms', '5000'],
    });
  }, 60_000);
  afterAll(() => fleet?.stop());

  it('its answer is completed by the other node: the prefix sent, then exactly what that engine continues with — the uninterrupted answer', async () => {
    const messages = [{ role: 'user', content: 'Tell me about rivers.' }];
    const res = await chat(fleet.gatewayUrl, { messages, max_tokens: MAX_TOKENS, stream: true });
    expect(res.status).toBe(200);
    const first = fleet.nodes.find((n) => n.nodeId === res.headers.get('x-switchyard-node'))!;
    const other = fleet.nodes.find((n) => n !== first)!;
    let killed = false;
    const out = await readStream(res, (count) => {
      if (count === 5 && !killed) {
        killed = true;
        first.worker.proc.kill('SIGKILL');
        first.sim.proc.kill('SIGKILL');
      }
    });
    expect(killed).toBe(true);
    expect(out.error).toBe(false);
    expect(out.done).toBe(true);
    const text = out.pieces.join('');

    // The simulated engines continue like greedy decoding: the prefix the first node sent,
    // continued by the second, is exactly the answer one node gives uninterrupted.
    const alone = await readStream(
      await chat(other.simUrl, { messages, max_tokens: MAX_TOKENS, stream: true }),
    );
    expect(text).toBe(alone.pieces.join(''));
    expect(out.pieces.length).toBe(alone.pieces.length);
  }, 60_000);
});

describe('a gateway told to stop', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      model: MODEL,
      nodes: [
        { slots: 10, decodeMs: 40 },
        { slots: 10, decodeMs: 40 },
      ],
    });
  }, 60_000);
  afterAll(() => fleet?.stop());

  it('lets all 20 of its streams finish, then exits 0', async () => {
    let started = 0;
    const streams = Array.from({ length: 20 }, (_, i) =>
      chat(fleet.gatewayUrl, {
        messages: [{ role: 'user', content: `stream ${i}` }],
        max_tokens: 30,
        stream: true,
      }).then((res) => readStream(res, (count) => count === 1 && started++)),
    );
    await waitFor(() => started === 20, { timeoutMs: 20_000, what: 'all 20 streams to start' });
    fleet.gateway.proc.kill('SIGTERM');
    const results = await Promise.all(streams);
    expect(results.map((r) => r.done && !r.error)).toEqual(Array(20).fill(true));
    expect(await exited(fleet.gateway.proc)).toBe(0);
  }, 60_000);
});

describe('with Redis gone', () => {
  it('a worker-agent and a gateway given SIGTERM end within their drain grace plus 5 s', async () => {
    const redis = await startPrivateRedis();
    const grace = process.env.SWITCHYARD_DRAIN_GRACE_MS;
    process.env.SWITCHYARD_DRAIN_GRACE_MS = '2000';
    let fleet: Fleet | undefined;
    try {
      fleet = await startFleet({
        model: MODEL,
        redisUrl: redis.url,
        nodes: [{ slots: 1, decodeMs: 1 }],
      });
      redis.kill9();
      await new Promise((r) => setTimeout(r, 500));
      const stopped = Date.now();
      const worker = fleet.nodes[0]!.worker.proc;
      worker.kill('SIGTERM');
      fleet.gateway.proc.kill('SIGTERM');
      await Promise.all([exited(worker), exited(fleet.gateway.proc)]);
      expect(Date.now() - stopped).toBeLessThan(2000 + 5000 + 1000);
    } finally {
      if (grace === undefined) delete process.env.SWITCHYARD_DRAIN_GRACE_MS;
      else process.env.SWITCHYARD_DRAIN_GRACE_MS = grace;
      // Back, so the fleet's own Redis client can clean up and quit.
      await redis.restart();
      await fleet?.stop().catch(() => undefined);
      await redis.stop();
    }
  }, 60_000);
});
