import type { RunningSim } from '../../core/sim-server';
import { SimError } from '../../core/sim-errors';
import { sseError } from './vllm.http';
import {
  distinctShapes,
  exchange,
  fixture,
  headerList,
  MODEL,
  shape,
  sseFrames,
  sseJson,
  startVllm,
  stopSims,
} from './vllm.spec-support';

/**
 * The personality against the adapter's hand-written vLLM fixtures: status lines, header order,
 * SSE framing and the key order and types of every JSON shape the adapter reads.
 */

const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'What is 2+2?' }] };
const fixtureRecords = (name: string): Record<string, unknown>[] => sseJson(fixture(name).body);

/** Fixture records with the legacy `top_logprobs` maps dropped: their keys are tokens. */
function withoutTopMaps(records: readonly Record<string, unknown>[]): unknown[] {
  return records.map(
    (record): unknown =>
      JSON.parse(JSON.stringify(record), (key, value: unknown) =>
        key === 'top_logprobs' ? undefined : value,
      ) as unknown,
  );
}

let sim: RunningSim;
let thinker: RunningSim;
beforeAll(async () => {
  sim = await startVllm();
  thinker = await startVllm({ reasoning: true });
});
afterAll(stopSims);

describe('vLLM wire conformance', () => {
  it('answers /health like health-200.http: 200, no body, no content type', async () => {
    const ours = await exchange(sim, 'GET', '/health');
    const theirs = fixture('health-200.http');
    expect(ours.statusLine).toBe(theirs.statusLine);
    expect(headerList(ours)).toEqual(headerList(theirs));
    expect(ours.body).toBe('');
  });

  it('lists its model in the ModelList shape of v1-models.http', async () => {
    const ours = await exchange(sim, 'GET', '/v1/models');
    const theirs = fixture('v1-models.http');
    expect(headerList(ours)).toEqual(headerList(theirs));
    const body = JSON.parse(ours.body) as { data: unknown[] };
    const expected = JSON.parse(theirs.body) as { data: unknown[] };
    expect(body.data).toHaveLength(1);
    expect(shape(body)).toEqual(shape({ ...expected, data: expected.data.slice(0, 1) }));
    expect(body.data[0]).toMatchObject({ id: MODEL, root: MODEL, parent: null, owned_by: 'vllm' });
  });

  it('streams a reasoning chat with exactly the chunk shapes of chat-stream-reasoning.http', async () => {
    const ours = await exchange(thinker, 'POST', '/v1/chat/completions', {
      ...CHAT,
      stream: true,
      stream_options: { include_usage: true },
    });
    const theirs = fixture('chat-stream-reasoning.http');
    expect(ours.statusLine).toBe('HTTP/1.1 200 OK');
    expect(headerList(ours)).toEqual(headerList(theirs));
    const records = sseJson(ours.body);
    expect(distinctShapes(records)).toEqual(distinctShapes(sseJson(theirs.body)));
    // exclude_unset: only the usage chunk has a `usage` key.
    expect(records.filter((r) => 'usage' in r)).toEqual([records.at(-1)]);
    expect(records.at(-1)).toMatchObject({ choices: [] });
  });

  it('puts a tool call in the delta shapes of chat-stream-tool-call.http', async () => {
    const ours = await exchange(sim, 'POST', '/v1/chat/completions', {
      ...CHAT,
      messages: [{ role: 'user', content: 'Weather in Zürich? Use get_weather.' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            parameters: {
              type: 'object',
              properties: { city: { type: 'string' } },
              required: ['city'],
            },
          },
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const records = sseJson(ours.body);
    const toolCall = fixtureRecords('chat-stream-tool-call.http');
    // The fixture carries its last argument fragment on the finish chunk; the simulator's
    // arguments are all out when EOS comes, so its finish chunk has an empty delta (as abort's).
    const known = distinctShapes([...toolCall, ...fixtureRecords('chat-stream-abort.http')]);
    expect(distinctShapes(records).filter((s) => !known.includes(s))).toEqual([]);
    expect(distinctShapes(records)).toEqual(
      expect.arrayContaining(distinctShapes(toolCall.slice(0, 3))),
    );
    const finish = records.at(-2) as { choices: { finish_reason: string }[] };
    expect(finish.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('streams completions with legacy logprobs and `"usage":null` as completion-stream-logprobs.http', async () => {
    const ours = await exchange(sim, 'POST', '/v1/completions', {
      model: MODEL,
      prompt: 'The capital of France is',
      max_tokens: 6,
      logprobs: 2,
      stream: true,
      stream_options: { include_usage: true },
    });
    const theirs = fixture('completion-stream-logprobs.http');
    expect(headerList(ours)).toEqual(headerList(theirs));
    const records = sseJson(ours.body);
    expect(distinctShapes(withoutTopMaps(records))).toEqual(
      distinctShapes(withoutTopMaps(sseJson(theirs.body))),
    );
    for (const record of records.slice(0, -1)) {
      const [choice] = record.choices as { logprobs: { top_logprobs: object[] } }[];
      expect(choice?.logprobs.top_logprobs.map((map) => Object.keys(map).length)).toEqual([2]);
    }
  });

  it('answers embeddings in the shape of embeddings.http', async () => {
    const ours = await exchange(sim, 'POST', '/v1/embeddings', {
      model: MODEL,
      input: ['a', 'b c'],
    });
    const theirs = fixture('embeddings.http');
    expect(headerList(ours)).toEqual(headerList(theirs));
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(theirs.body)));
  });

  it.each([
    ['an unknown model', 'error-404-model.http', { ...CHAT, model: 'gpt-4o' }],
    [
      'a prompt over the context',
      'error-400-context.http',
      { ...CHAT, messages: [{ role: 'user', content: 'word '.repeat(5000) }] },
    ],
  ])('answers %s with the envelope and status of %s', async (_case, name, body) => {
    const ours = await exchange(sim, 'POST', '/v1/chat/completions', body);
    const theirs = fixture(name);
    expect(ours.statusLine).toBe(theirs.statusLine);
    expect(headerList(ours)).toEqual(headerList(theirs));
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(theirs.body)));
    const { error } = JSON.parse(ours.body) as { error: Record<string, unknown> };
    const { error: expected } = JSON.parse(theirs.body) as { error: Record<string, unknown> };
    expect({ ...error, message: '' }).toEqual({ ...expected, message: '' });
  });

  it('names the unknown model as vLLM does', async () => {
    const ours = await exchange(sim, 'POST', '/v1/chat/completions', { ...CHAT, model: 'gpt-4o' });
    expect(ours.body).toBe(fixture('error-404-model.http').body);
  });

  it("answers an unknown route with FastAPI's own body, as error-404-route.http", async () => {
    const ours = await exchange(sim, 'GET', '/v1/nothing-here');
    const theirs = fixture('error-404-route.http');
    expect([ours.statusLine, headerList(ours), ours.body]).toEqual([
      theirs.statusLine,
      headerList(theirs),
      theirs.body,
    ]);
  });

  it('answers the failRate fault with the envelope of error-500.http', async () => {
    const failing = await startVllm({ failRate: 1 });
    const ours = await exchange(failing, 'POST', '/v1/chat/completions', { ...CHAT, stream: true });
    const theirs = fixture('error-500.http');
    expect(ours.statusLine).toBe(theirs.statusLine);
    expect(headerList(ours)).toEqual(headerList(theirs));
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(theirs.body)));
  });

  it('writes an in-band error byte for byte as chat-stream-midstream-error.http does', () => {
    const frames = sseFrames(fixture('chat-stream-midstream-error.http').body);
    const line = sseError(new SimError('server', 'Internal server error'));
    expect(frames.slice(-2)).toEqual([line.slice('data: '.length, -2), '[DONE]']);
  });
});
