import { createNdjsonReader } from './ndjson-reader';

function readAll(chunks: string[]): string[] {
  const reader = createNdjsonReader();
  return [...chunks.flatMap((c) => reader.push(c)), ...reader.end()];
}

describe('createNdjsonReader', () => {
  it.each([
    ['one object per line', '{"a":1}\n{"b":2}\n', ['{"a":1}', '{"b":2}']],
    ['CRLF line ends', '{"a":1}\r\n{"b":2}\r\n', ['{"a":1}', '{"b":2}']],
    ['blank lines', '\n{"a":1}\n\n  \n{"b":2}\n', ['{"a":1}', '{"b":2}']],
    ['a last line without newline', '{"a":1}\n{"done":true}', ['{"a":1}', '{"done":true}']],
    ['an empty body', '', []],
  ])('reads %s', (_name, body, records) => {
    expect(readAll([body])).toEqual(records);
  });

  it('holds a partial line until its newline arrives', () => {
    const reader = createNdjsonReader();
    expect(reader.push('{"a":')).toEqual([]);
    expect(reader.push('1}\n{"b"')).toEqual(['{"a":1}']);
    expect(reader.push(':2}\n')).toEqual(['{"b":2}']);
    expect(reader.end()).toEqual([]);
  });

  it.each([1, 3, 7, 64])('gives the same records when the bytes arrive %p at a time', (size) => {
    const bytes = Buffer.from('{"t":"привет"}\r\n{"t":"日本語 🎉"}\n{"done":true}\n', 'utf8');
    const decoder = new TextDecoder('utf-8');
    const chunks: string[] = [];
    for (let i = 0; i < bytes.length; i += size)
      chunks.push(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
    chunks.push(decoder.decode());
    expect(readAll(chunks)).toEqual(['{"t":"привет"}', '{"t":"日本語 🎉"}', '{"done":true}']);
  });
});
