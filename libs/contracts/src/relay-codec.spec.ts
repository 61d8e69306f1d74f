import { RelayDecodeError, decodeRelay, encodeRelay, type RelayMessage } from './relay-codec';

describe('relay codec', () => {
  const messages: RelayMessage[] = [
    { requestId: 'r1', seq: 0, event: { type: 'start', nodeId: 'n1', model: 'm', created: 1 } },
    {
      requestId: 'r1',
      seq: 1,
      event: { type: 'delta', index: 0, text: 'héllo ✓', reasoning: 'why' },
    },
    {
      requestId: 'r1',
      seq: 2,
      event: {
        type: 'delta',
        index: 1,
        toolCalls: [{ index: 0, id: 'c', name: 'f', arguments: '{"a":' }],
      },
    },
    {
      requestId: 'r1',
      seq: 3,
      event: { type: 'usage', promptTokens: 3, completionTokens: 4, cachedTokens: 1 },
    },
    {
      requestId: 'r1',
      seq: 4,
      event: { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
    },
    {
      requestId: 'r2',
      seq: 9,
      event: {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'boom',
        retryable: true,
        afterOutput: true,
      },
    },
  ];

  it.each(messages)('round-trips $event.type', (msg) => {
    expect(decodeRelay(encodeRelay(msg))).toEqual(msg);
    expect(decodeRelay(Buffer.from(encodeRelay(msg)))).toEqual(msg);
  });

  it('keeps messages small: short keys on the wire', () => {
    expect(encodeRelay(messages[3]!)).toBe(
      '{"r":"r1","s":3,"e":{"type":"usage","promptTokens":3,"completionTokens":4,"cachedTokens":1}}',
    );
  });

  it.each([
    ['not json', 'nope'],
    ['not an object', '42'],
    ['no request id', '{"s":0,"e":{"type":"done","choices":[]}}'],
    ['negative seq', '{"r":"a","s":-1,"e":{"type":"done","choices":[]}}'],
    ['fractional seq', '{"r":"a","s":1.5,"e":{"type":"done","choices":[]}}'],
    ['unknown event type', '{"r":"a","s":0,"e":{"type":"bogus"}}'],
    ['missing event', '{"r":"a","s":0}'],
    [
      'unknown error code',
      '{"r":"a","s":0,"e":{"type":"error","code":"NOPE","message":"x","retryable":false}}',
    ],
  ])('rejects %s', (_why, raw) => {
    expect(() => decodeRelay(raw)).toThrow(RelayDecodeError);
  });
});
