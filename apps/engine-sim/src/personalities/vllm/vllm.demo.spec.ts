import type { RunningSim } from '../../core/sim-server';
import { exchange, headerList, post, startVllm, stopSims } from './vllm.spec-support';

/** The demo server's `POST /generate`, whole and streamed, over real HTTP. */

interface Generated {
  text: string[];
}

const PROMPT = 'Once upon a time';

let sim: RunningSim;
beforeAll(async () => {
  sim = await startVllm();
});
afterAll(stopSims);

/** The stream's lines: each a `json.dumps` object, each ended by a newline. */
function lines(body: string): Generated[] {
  expect(body.endsWith('\n')).toBe(true);
  return body
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      expect(line.startsWith('{"text": [')).toBe(true);
      return JSON.parse(line) as Generated;
    });
}

describe('vLLM demo /generate', () => {
  it('answers the prompt plus each completion, 16 tokens at most by default', async () => {
    const res = await post(sim, '/generate', { prompt: PROMPT, n: 2, temperature: 0.7 });
    expect(res.status).toBe(200);
    const { text } = (await res.json()) as Generated;
    expect(text).toHaveLength(2);
    for (const t of text) expect(t.startsWith(PROMPT) && t.length > PROMPT.length).toBe(true);
    expect(text[0]).not.toBe(text[1]);
  });

  it('streams cumulative JSON lines without a content type, ending on the whole answer', async () => {
    const body = { prompt: PROMPT, n: 2, max_tokens: 8, stop: ['.'] };
    const streamed = await exchange(sim, 'POST', '/generate', { ...body, stream: true });
    expect(headerList(streamed)).toEqual([
      ['date'],
      ['server', 'uvicorn'],
      ['transfer-encoding', 'chunked'],
    ]);
    const records = lines(streamed.body);
    for (const [i, record] of records.slice(1).entries()) {
      const before = records[i]?.text ?? [];
      record.text.forEach((t, choice) => expect(t.startsWith(before[choice] ?? '')).toBe(true));
    }
    const whole = (await (await post(sim, '/generate', body)).json()) as Generated;
    expect(records.at(-1)).toEqual(whole);
  });

  it('escapes non-ASCII in stream lines as json.dumps does', async () => {
    const streamed = await exchange(sim, 'POST', '/generate', {
      prompt: 'Zürich',
      max_tokens: 2,
      stream: true,
    });
    expect(streamed.body).toContain('"Z\\u00fcrich');
  });

  it.each([
    ['an unknown SamplingParams field', { prompt: PROMPT, frobnicate: true }],
    ['no prompt', { max_tokens: 4 }],
    ['a field out of range', { prompt: PROMPT, max_tokens: 0 }],
  ])("answers %s with Starlette's bare 500", async (_case, body) => {
    const res = await exchange(sim, 'POST', '/generate', body);
    expect([res.statusLine, res.body]).toEqual([
      'HTTP/1.1 500 Internal Server Error',
      'Internal Server Error',
    ]);
    expect(headerList(res).at(-1)).toEqual(['content-type', 'text/plain; charset=utf-8']);
  });

  it('cuts the connection when the engine dies mid-stream', async () => {
    const dying = await startVllm({ dieAfterTokens: 2 });
    const res = await post(dying, '/generate', { prompt: PROMPT, max_tokens: 20, stream: true });
    await expect(res.text()).rejects.toThrow();
  });
});
