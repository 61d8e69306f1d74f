import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { startEngineSim, type RunningSim } from '../../core/sim-server';

/**
 * Byte-level conformance with the recorded llama-server transcripts: status lines, header
 * order and spelling, SSE framing, and the key order of every JSON shape.
 */

const FIXTURES = path.resolve(__dirname, '../../../../../../shared/fixtures/llamacpp');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');

interface HttpMessage {
  statusLine: string;
  headers: [string, string][];
  body: string;
}

function parseHttp(text: string): HttpMessage {
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  return { statusLine, headers, body: text.slice(split + 4) };
}

function decodeChunked(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!size) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Sends a raw HTTP/1.1 request and returns the response exactly as it came off the wire. */
function exchange(port: number, method: string, url: string, body?: string): Promise<HttpMessage> {
  const head = [`${method} ${url} HTTP/1.1`, 'Host: localhost'];
  if (body !== undefined)
    head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let raw = Buffer.alloc(0);
    const finish = (): void => {
      socket.destroy();
      const message = parseHttp(raw.toString('utf8'));
      const chunked = message.headers.some(
        ([n, v]) => n === 'Transfer-Encoding' && v === 'chunked',
      );
      resolve(chunked ? { ...message, body: decodeChunked(message.body) } : message);
    };
    socket.on('data', (data: Buffer) => {
      raw = Buffer.concat([raw, data]);
      const text = raw.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return;
      const length = /\r\nContent-Length: (\d+)\r\n/.exec(text.slice(0, split + 2))?.[1];
      const bodyBytes = raw.length - Buffer.byteLength(text.slice(0, split + 4));
      if (length !== undefined ? bodyBytes >= Number(length) : text.endsWith('\r\n0\r\n\r\n'))
        finish();
    });
    socket.on('error', reject);
    socket.write(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`);
  });
}

/** Key order at every level, with leaf types; arrays by their first element. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [shape(value[0])] : [];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).map(([key, member]) => [key, shape(member)]);
  }
  return value === null ? 'null' : typeof value;
}

const sseRecords = (body: string): string[] => {
  expect(body.endsWith('\n\n')).toBe(true);
  return body
    .slice(0, -2)
    .split('\n\n')
    .map((frame) => {
      expect(frame.startsWith('data: ')).toBe(true);
      return frame.slice(6);
    });
};
const jsonRecords = (body: string): unknown[] =>
  sseRecords(body)
    .filter((r) => r !== '[DONE]')
    .map((r) => JSON.parse(r) as unknown);

const headersWithoutLength = (m: HttpMessage): [string, string][] =>
  m.headers.map(([n, v]) => [n, n === 'Content-Length' ? '*' : v]);

const CHAT = {
  model: 'tiny-llama',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: '你好，请介绍一下你自己。' },
  ],
  max_tokens: 6,
};

let sim: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({ engine: 'llamacpp', port: 0, model: 'tiny-llama', decodeMs: 1 });
});
afterAll(() => sim.close());

describe('llama.cpp wire conformance', () => {
  it('answers /health with exactly the recorded bytes', async () => {
    const ours = await exchange(sim.port, 'GET', '/health');
    expect(ours).toEqual(parseHttp(fixture('health.http')));
  });

  it('frames a JSON answer like the recording', async () => {
    const ours = await exchange(sim.port, 'POST', '/v1/chat/completions', JSON.stringify(CHAT));
    const recorded = parseHttp(fixture('chat-nonstream.http'));
    expect(ours.statusLine).toBe(recorded.statusLine);
    expect(headersWithoutLength(ours)).toEqual(headersWithoutLength(recorded));
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(recorded.body)));
  });

  it('frames a chat stream like the recording, chunk by chunk', async () => {
    const body = { ...CHAT, stream: true, stream_options: { include_usage: true } };
    const ours = await exchange(sim.port, 'POST', '/v1/chat/completions', JSON.stringify(body));
    const recorded = parseHttp(fixture('chat-stream-usage.http'));
    expect(ours.headers).toEqual(recorded.headers);
    expect(sseRecords(ours.body).at(-1)).toBe('[DONE]');
    const [oRole, oContent, ...oRest] = jsonRecords(ours.body);
    const [rRole, rContent, ...rRest] = jsonRecords(recorded.body);
    expect(shape(oRole)).toEqual(shape(rRole));
    expect(oRole).toMatchObject({ choices: [{ delta: { role: 'assistant', content: null } }] });
    expect(shape(oContent)).toEqual(shape(rContent));
    expect(shape(oRest.slice(-2))).toEqual(shape(rRest.slice(-2)));
  });

  it('attaches logprobs and final timings like the recording', async () => {
    const body = { ...CHAT, stream: true, logprobs: true, top_logprobs: 2, max_tokens: 4 };
    const ours = jsonRecords(
      (await exchange(sim.port, 'POST', '/v1/chat/completions', JSON.stringify(body))).body,
    );
    const recorded = jsonRecords(parseHttp(fixture('chat-stream-logprobs.http')).body);
    expect(shape(ours[1])).toEqual(shape(recorded[1]));
    expect(shape(ours.at(-1))).toEqual(shape(recorded.at(-1)));
  });

  it('returns n choices in one body like the recording', async () => {
    const ours = await exchange(
      sim.port,
      'POST',
      '/v1/chat/completions',
      JSON.stringify({ ...CHAT, n: 3 }),
    );
    const recorded = JSON.parse(parseHttp(fixture('chat-n3.http')).body) as { choices: unknown[] };
    const parsed = JSON.parse(ours.body) as { choices: { index: number }[] };
    expect(parsed.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(shape(parsed)).toEqual(shape(recorded));
  });

  it('shapes /v1/completions like the recording', async () => {
    const body = { model: 'tiny-llama', prompt: 'Why is the sky blue?', max_tokens: 6 };
    const ours = await exchange(sim.port, 'POST', '/v1/completions', JSON.stringify(body));
    const recorded = parseHttp(fixture('completions.http'));
    expect(headersWithoutLength(ours)).toEqual(headersWithoutLength(recorded));
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(recorded.body)));
  });

  it('shapes native /completion, plain and streamed, like the recordings', async () => {
    const body = { prompt: 'Why is the sky blue?', n_predict: 5, seed: 7, n_probs: 2 };
    const plain = await exchange(sim.port, 'POST', '/completion', JSON.stringify(body));
    expect(shape(JSON.parse(plain.body))).toEqual(
      shape(JSON.parse(parseHttp(fixture('native-completion.http')).body)),
    );

    const streamed = await exchange(
      sim.port,
      'POST',
      '/completion',
      JSON.stringify({ ...body, n_probs: 0, stream: true }),
    );
    const recorded = parseHttp(fixture('native-completion-stream.http'));
    expect(streamed.headers).toEqual(recorded.headers);
    const ours = jsonRecords(streamed.body);
    const theirs = jsonRecords(recorded.body);
    expect(sseRecords(streamed.body)).not.toContain('[DONE]');
    expect(shape(ours[0])).toEqual(shape(theirs[0]));
    expect(shape(ours.at(-1))).toEqual(shape(theirs.at(-1)));
    expect(ours.at(-1)).toMatchObject({
      stop: true,
      stop_type: 'limit',
      content: '',
      prompt: '<s> Why is the sky blue?',
    });
  });

  it.each([
    ['GET', '/v1/models', 'v1-models.json'],
    ['GET', '/props', 'props.json'],
  ])('shapes %s %s like the recording', async (method, url, file) => {
    const ours = await exchange(sim.port, method, url);
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(fixture(file))));
  });

  it('shapes /slots like the recording, for never-used and used slots', async () => {
    const slots = JSON.parse((await exchange(sim.port, 'GET', '/slots')).body) as unknown[];
    const recorded = JSON.parse(fixture('slots-idle.json')) as unknown[];
    const used = slots.filter((s) => (s as { id_task?: number }).id_task !== undefined);
    const unused = slots.filter((s) => (s as { id_task?: number }).id_task === undefined);
    expect(used.length).toBeGreaterThan(0);
    expect(shape(used[0])).toEqual(shape(recorded[3]));
    if (unused.length > 0) expect(shape(unused[0])).toEqual(shape(recorded[0]));
  });

  it('tokenizes like the recording', async () => {
    const ours = await exchange(
      sim.port,
      'POST',
      '/tokenize',
      JSON.stringify({ content: 'hello world' }),
    );
    const recorded = parseHttp(fixture('tokenize.http'));
    expect(headersWithoutLength(ours)).toEqual(headersWithoutLength(recorded));
    expect(shape(JSON.parse(ours.body))).toEqual(shape(JSON.parse(recorded.body)));
    expect((JSON.parse(ours.body) as { tokens: number[] }).tokens).toHaveLength(2);
  });

  it('exposes exactly the recorded metric names, HELP and TYPE lines', async () => {
    const ours = await exchange(sim.port, 'GET', '/metrics');
    const names = (text: string): string[] =>
      text.split('\n').map((l) => (l.startsWith('#') ? l : (l.split(' ')[0] ?? '')));
    expect(names(ours.body)).toEqual(names(fixture('metrics.prom')));
    expect(ours.body).not.toMatch(/kv_cache/);
  });

  it.each([
    ['error-bad-json.http', '{no'],
    ['error-bad-messages.http', JSON.stringify({ model: 'tiny-llama', messages: 'hello' })],
  ])('answers %s with the recorded status, headers and body', async (file, body) => {
    const ours = await exchange(sim.port, 'POST', '/v1/chat/completions', body);
    expect(ours).toEqual(parseHttp(fixture(file)));
  });

  it('answers unknown routes with a llama.cpp 404', async () => {
    const ours = await exchange(sim.port, 'GET', '/nope');
    expect(ours.statusLine).toBe('HTTP/1.1 404 Not Found');
    expect(JSON.parse(ours.body)).toEqual({
      error: { code: 404, message: 'File Not Found', type: 'not_found_error' },
    });
  });
});
