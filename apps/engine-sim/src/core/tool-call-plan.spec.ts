import { chooseTool, planToolCall, type ToolSpec } from './tool-call-plan';

const tool = (name: string, parameters: unknown = {}): ToolSpec => ({ name, parameters });

describe('chooseTool', () => {
  const tools = [tool('get_weather'), tool('get_time')];

  it.each([
    ['auto', 'what time is it? try GET_TIME', 'get_time'],
    ['auto', 'tell me a story', undefined],
    ['required', 'tell me a story', 'get_weather'],
    ['required', 'use get_time', 'get_time'],
    ['none', 'use get_time', undefined],
  ] as const)('%s with "%s" calls %s', (choice, text, expected) => {
    expect(chooseTool(tools, choice, text)?.name).toBe(expected);
  });

  it('calls a named function whatever the message says', () => {
    expect(chooseTool(tools, { function: 'get_time' }, 'weather!')?.name).toBe('get_time');
  });
});

describe('planToolCall', () => {
  it('fills every required property with a value of its type, deterministically', () => {
    const schema = {
      type: 'object',
      properties: {
        name: { type: 'string' },
        count: { type: 'integer', minimum: 10, maximum: 12 },
        ratio: { type: 'number', minimum: 0, maximum: 1 },
        flag: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } },
        mode: { enum: ['fast', 'slow'] },
        fixed: { const: 42 },
        maybe: { type: ['null', 'integer'] },
        nested: {
          type: 'object',
          properties: { inner: { type: 'boolean' }, skipped: { type: 'string' } },
          required: ['inner'],
        },
        optional: { type: 'string' },
      },
      required: ['name', 'count', 'ratio', 'flag', 'tags', 'mode', 'fixed', 'maybe', 'nested'],
    };
    const call = planToolCall(tool('t', schema), 7);
    expect(call).toEqual(planToolCall(tool('t', schema), 7));
    const args = JSON.parse(call.arguments) as Record<string, unknown>;
    expect(Object.keys(args)).toEqual(schema.required);
    expect(args).toMatchObject({ fixed: 42, nested: { inner: expect.any(Boolean) } });
    expect(typeof args.name).toBe('string');
    expect([10, 11, 12]).toContain(args.count);
    expect(args.ratio).toBeGreaterThanOrEqual(0);
    expect(args.ratio).toBeLessThanOrEqual(1);
    expect(typeof args.flag).toBe('boolean');
    expect(args.tags).toEqual([expect.any(String)]);
    expect(['fast', 'slow']).toContain(args.mode);
    expect(Number.isInteger(args.maybe)).toBe(true);
    expect(call.fragments.join('')).toBe(call.arguments);
    expect(call.fragments.length).toBeGreaterThan(10);
  });

  it('answers {} for a schema without required properties, and survives odd schemas', () => {
    expect(planToolCall(tool('t'), 1).arguments).toBe('{}');
    const recursive = { type: 'object', properties: {}, required: ['self'] };
    expect(
      () => JSON.parse(planToolCall(tool('t', recursive), 1).arguments) as unknown,
    ).not.toThrow();
    expect(planToolCall(tool('t', 'not a schema'), 1).arguments).toBe('{}');
    const untyped = { required: ['x'] };
    expect(planToolCall(tool('t', untyped), 1).arguments).toMatch(/^\{"x":"[a-z]+"\}$/);
  });
});
