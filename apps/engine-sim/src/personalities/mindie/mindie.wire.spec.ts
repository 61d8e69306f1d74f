import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEngineSim, type RunningSim } from '../../core/sim-server';

/**
 * The MindIE personality against the adapter's hand-written fixtures
 * (`libs/engines/fixtures/mindie`): same status, same header names, same JSON shape (keys in
 * order, value types), same metric families — only values differ.
 */

const FIXTURES = path.resolve(__dirname, '../../../../../libs/engines/fixtures/mindie');
const MODEL = 'qwen3-8b';

interface Recorded {
  status: number;
  headers: string[];
  body: string;
}

/** A `.http` fixture: status line, headers, blank line, (de-chunked) body. */
function fixture(name: string): Recorded {
  const text = readFileSync(path.join(FIXTURES, name), 'utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...headerLines] = text.slice(0, split).split('\r\n');
  return {
    status: Number(statusLine.split(' ')[1]),
    headers: headerLines.map((line) => line.split(':')[0]!.toLowerCase()).sort(),
    body: text.slice(split + 4),
  };
}

async function live(res: Response): Promise<Recorded> {
  return { status: res.status, headers: [...res.headers.keys()].sort(), body: await res.text() };
}

/**
 * Keys in order and value types, arrays by their first element. A legacy `top_logprobs` entry
 * is keyed by token texts, so only its value type counts.
 */
function shape(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0], key)] : [];
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (key === 'top_logprobs' && !('token' in value)) {
      return { '<token>': shape(entries[0]?.[1]) };
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, shape(v, k)]));
  }
  return value === null ? 'null' : typeof value;
}

const sameShape = (ours: unknown, theirs: unknown): void =>
  expect(JSON.stringify(shape(ours))).toBe(JSON.stringify(shape(theirs)));

function expectLike(ours: Recorded, name: string): void {
  const want = fixture(name);
  expect(ours.status).toBe(want.status);
  expect(ours.headers).toEqual(want.headers);
  if (want.body === '') expect(ours.body).toBe('');
  else sameShape(JSON.parse(ours.body), JSON.parse(want.body));
}

type Chunk = { choices: { delta?: Record<string, unknown>; finish_reason: string | null }[] };

/** The JSON records of an SSE body, `[DONE]` left out. */
const records = (body: string): Chunk[] =>
  body
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: ') && frame !== 'data: [DONE]')
    .map((frame) => JSON.parse(frame.slice(6)) as Chunk);

const isFinish = (c: Chunk): boolean => c.choices.some((ch) => ch.finish_reason !== null);
const hasDelta = (key: string) => (c: Chunk) =>
  !isFinish(c) && c.choices.some((ch) => ch.delta?.[key] !== undefined && ch.delta[key] !== '');

let sim: RunningSim;
let thinker: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({ engine: 'mindie', port: 0, model: MODEL, decodeMs: 1 });
  thinker = await startEngineSim({
    engine: 'mindie',
    port: 0,
    model: MODEL,
    decodeMs: 1,
    reasoning: true,
  });
});
afterAll(async () => Promise.all([sim.close(), thinker.close()]));

const post = (base: string, route: string, body: unknown): Promise<Response> =>
  fetch(`${base}${route}`, { method: 'POST', body: JSON.stringify(body) });
const chat = { model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] };

describe('MindIE personality on the wire, against the adapter fixtures', () => {
  it('streams chat like chat-stream-n2: role chunks, content chunks, usage on each finish chunk', async () => {
    const res = await post(sim.url, '/v1/chat/completions', {
      ...chat,
      n: 2,
      temperature: 0.7,
      max_tokens: 8,
      stream: true,
    });
    const ours = await live(res);
    const want = fixture('chat-stream-n2.http');
    expect(ours.headers).toEqual(want.headers);
    expect(ours.body.endsWith('data: [DONE]\n\n')).toBe(true);
    const [mine, theirs] = [records(ours.body), records(want.body)];
    sameShape(mine[0], theirs[0]);
    sameShape(mine.find(hasDelta('content')), theirs.find(hasDelta('content')));
    sameShape(mine.find(isFinish), theirs.find(isFinish));
    expect(mine.filter(isFinish)).toHaveLength(2);
  });

  it('streams reasoning like chat-stream-reasoning (full_text is off by default)', async () => {
    const res = await post(thinker.url, '/v1/chat/completions', { ...chat, stream: true });
    const [mine, theirs] = [
      records((await live(res)).body),
      records(fixture('chat-stream-reasoning.http').body),
    ];
    const answerStart = (c: Chunk) => c.choices.some((ch) => ch.delta?.reasoning_content === '');
    sameShape(mine.find(hasDelta('reasoning_content')), theirs.find(hasDelta('reasoning_content')));
    sameShape(mine.find(answerStart), theirs.find(answerStart));
    const { full_text: _fullText, ...finish } = theirs.find(isFinish) as Chunk & {
      full_text: string;
    };
    sameShape(mine.find(isFinish), finish);
  });

  it.each([
    ['completion-stream.http', {}],
    ['completion-stream-logprobs.http', { logprobs: 2 }],
  ])('streams completions like %s', async (name, extra) => {
    const body = { model: MODEL, prompt: 'The capital of France', max_tokens: 4, stream: true };
    const ours = await live(await post(sim.url, '/v1/completions', { ...body, ...extra }));
    const want = fixture(name);
    expect(ours.headers).toEqual(want.headers);
    const [mine, theirs] = [records(ours.body), records(want.body)];
    sameShape(mine[0], theirs[0]);
    sameShape(mine.find(isFinish), theirs.find(isFinish));
  });

  it('lists its model like v1-models and names it like info (a superset of the fixture)', async () => {
    expectLike(await live(await fetch(`${sim.url}/v1/models`)), 'v1-models.http');
    const info = await live(await fetch(`${sim.urls.management}/info`));
    const want = fixture('info.http');
    expect([info.status, info.headers]).toEqual([want.status, want.headers]);
    expect(shape(JSON.parse(info.body))).toMatchObject(shape(JSON.parse(want.body)) as object);
  });

  it('answers health like health-200', async () => {
    expectLike(await live(await fetch(`${sim.urls.management}/health`)), 'health-200.http');
  });

  it.each([
    ['error-400-bad-request.http', '/v1/chat/completions', ''],
    ['error-422-validation.http', '/v1/completions', { model: 'other', prompt: 'x' }],
    ['error-422-nested.http', '/generate', { parameters: {} }],
    ['error-422-nested.http', '/v1/chat/completions', { ...chat, n: 2 }],
  ])('answers errors like %s (%s)', async (name, route, body) => {
    const res = await fetch(`${sim.url}${route}`, {
      method: 'POST',
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    expectLike(await live(res), name);
  });

  it('answers an unknown model path like error-404-not-found', async () => {
    const res = await fetch(`${sim.urls.management}/v2/models/other/getSlotCount`);
    expectLike(await live(res), 'error-404-not-found.http');
  });

  it('answers an injected 500 like error-500-incomplete', async () => {
    await post(sim.url, '/__sim/faults', { failRate: 1, failStatus: 500 });
    try {
      expectLike(
        await live(await post(sim.url, '/v1/chat/completions', chat)),
        'error-500-incomplete.http',
      );
    } finally {
      await post(sim.url, '/__sim/faults', { failRate: 0 });
    }
  });

  it('renders /metrics like metrics-busy.prom: same families, order, help, labels', async () => {
    const text = await (await fetch(`${sim.urls.metrics}/metrics`)).text();
    // Values differ; everything up to the value must not.
    const skeleton = (prom: string) => prom.split('\n').map((line) => line.replace(/ [^ ]+$/, ''));
    const want = readFileSync(path.join(FIXTURES, 'metrics-busy.prom'), 'utf8');
    expect(skeleton(text)).toEqual(skeleton(want));
    const older = readFileSync(path.join(FIXTURES, 'metrics-idle-no-radix.prom'), 'utf8');
    expect(skeleton(text).slice(0, skeleton(older).length - 1)).toEqual(
      skeleton(older).slice(0, -1),
    );
  });
});

describe('MindIE personality while loading and after stopService, against the fixtures', () => {
  it('answers 503 with an empty body while loading, on health and inference alike', async () => {
    const loading = await startEngineSim({
      engine: 'mindie',
      port: 0,
      model: MODEL,
      loadingMs: 60_000,
    });
    try {
      expectLike(
        await live(await fetch(`${loading.urls.management}/health`)),
        'health-503-not-ready.http',
      );
      expectLike(
        await live(await post(loading.url, '/v1/chat/completions', chat)),
        'error-503-empty.http',
      );
    } finally {
      await loading.close();
    }
  });

  it('answers the stopped bodies after /stopService', async () => {
    const stopped = await startEngineSim({ engine: 'mindie', port: 0, model: MODEL });
    try {
      expect((await fetch(`${stopped.urls.management}/stopService`)).status).toBe(200);
      const health = await live(await fetch(`${stopped.urls.management}/health`));
      expectLike(health, 'health-503-stopped.http');
      expect(health.body).toBe(fixture('health-503-stopped.http').body);
      const inference = await live(await post(stopped.url, '/v1/chat/completions', chat));
      expectLike(inference, 'error-503-stopped.http');
      expect(inference.body).toBe(fixture('error-503-stopped.http').body);
    } finally {
      await stopped.close();
    }
  });
});
