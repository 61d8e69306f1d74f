import { createSseReader } from './sse-reader';

function readAll(chunks: string[]): string[] {
  const reader = createSseReader();
  return [...chunks.flatMap((c) => reader.push(c)), ...reader.end()];
}

/** Encodes text, cuts the bytes every `size` bytes and decodes them as a client would. */
function decodedChunks(text: string, size: number): string[] {
  const bytes = Buffer.from(text, 'utf8');
  const decoder = new TextDecoder('utf-8');
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += size)
    out.push(decoder.decode(bytes.subarray(i, i + size), { stream: true }));
  out.push(decoder.decode());
  return out;
}

describe('createSseReader', () => {
  it.each([
    ['data with a space', 'data: {"a":1}\n\n', ['{"a":1}']],
    ['data without a space', 'data:{"a":1}\n\n', ['{"a":1}']],
    ['CRLF line ends', 'data: one\r\n\r\ndata: two\r\n\r\n', ['one', 'two']],
    ['comments and pings', ': ping\n\n:\n\ndata: x\n\n', ['x']],
    ['multi-line data', 'data: a\ndata: b\n\n', ['a\nb']],
    ['event, id and retry fields', 'event: message\nid: 7\nretry: 10\ndata: x\n\n', ['x']],
    ['the terminator record', 'data: [DONE]\n\n', ['[DONE]']],
    ['an event cut off before its blank line', 'data: a\n\ndata: {"b"', ['a']],
    ['a last event missing only its blank line', 'data: a\n\ndata: b\n', ['a']],
  ])('reads %s', (_name, body, records) => {
    expect(readAll([body])).toEqual(records);
  });

  it('returns records as soon as they are complete', () => {
    const reader = createSseReader();
    expect(reader.push('data: a\n')).toEqual([]);
    expect(reader.push('\ndata: b')).toEqual(['a']);
    expect(reader.push('\n\n')).toEqual(['b']);
    expect(reader.end()).toEqual([]);
  });

  it.each([1, 2, 3, 5, 7, 64])(
    'gives the same records when the bytes arrive %p at a time',
    (size) => {
      // Multibyte characters (2, 3 and 4 bytes) and CRLF pairs get cut at every possible offset.
      const body =
        'data: {"t":"привет"}\r\n\r\n: ping\n\ndata: {"t":"日本語 🎉"}\n\ndata: [DONE]\r\n\r\n';
      expect(readAll(decodedChunks(body, size))).toEqual([
        '{"t":"привет"}',
        '{"t":"日本語 🎉"}',
        '[DONE]',
      ]);
    },
  );
});
