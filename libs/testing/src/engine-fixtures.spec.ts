import { fixtureText, httpFixture, httpFixtureAt } from './engine-fixtures';

describe('httpFixture', () => {
  it('splits a CRLF response into status, lower-cased headers and body', () => {
    expect(httpFixture('mindie', 'health-200.http')).toEqual({
      status: 200,
      headers: { connection: 'close', 'content-length': '0' },
      body: '',
      bytes: Buffer.alloc(0),
    });
  });

  it('splits a bare-LF response the same way', () => {
    const { status, headers, body } = httpFixture('tgi', 'health-ok.http');
    expect({ status, headers, body }).toEqual({
      status: 200,
      headers: { 'content-length': '0' },
      body: '',
    });
  });

  it('keeps the body bytes exactly, blank lines inside it included', () => {
    const raw = fixtureText('vllm', 'chat-stream-reasoning.http');
    const fixture = httpFixture('vllm', 'chat-stream-reasoning.http');
    expect(fixture.body).toContain('\n\n');
    expect(raw.endsWith(fixture.body)).toBe(true);
    expect(fixture.bytes.toString('utf8')).toBe(fixture.body);
  });

  it('reads any other file as a 200 whose body is the whole file', () => {
    expect(httpFixture('tgi', 'info.json')).toMatchObject({
      status: 200,
      headers: {},
      body: fixtureText('tgi', 'info.json'),
    });
  });
});

describe('httpFixtureAt', () => {
  it('resolves engine/file references', () => {
    expect(httpFixtureAt('vllm/error-500.http')).toEqual(httpFixture('vllm', 'error-500.http'));
  });

  it.each(['error-500.http', 'sglang/error-500.http'])('refuses %p', (ref) => {
    expect(() => httpFixtureAt(ref)).toThrow(`not an engine/file fixture: ${ref}`);
  });
});
