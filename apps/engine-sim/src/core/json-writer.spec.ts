import { dumpJson, f32, f64, formatDouble } from './json-writer';

describe('dumpJson (nlohmann::json dump)', () => {
  it.each([
    [1000000, '1000000.0'],
    [0.026245283018867926, '0.026245283018867926'],
    [38102.084831056796, '38102.084831056796'],
    [1, '1.0'],
    [0, '0.0'],
    [-1, '-1.0'],
    [1.75, '1.75'],
    [0.00001, '1e-05'],
    [0.0001234, '0.0001234'],
    [1e16, '1e+16'],
    [123456789012345, '123456789012345.0'],
    [-9.747248649597168, '-9.747248649597168'],
    [Infinity, 'null'],
  ])('prints the double %p as %s', (value, expected) => {
    expect(formatDouble(value)).toBe(expected);
  });

  it('rounds float fields to float32 like the C++ struct does', () => {
    expect(dumpJson(f32(0.8))).toBe('0.800000011920929');
    expect(dumpJson(f32(0.1))).toBe('0.10000000149011612');
    expect(dumpJson(f32(5))).toBe('5.0');
  });

  it('keeps key order, drops undefined members, prints integers bare', () => {
    const value = { b: 1, a: [true, null, 'x\n"é'], skipped: undefined, c: { d: f64(2) } };
    expect(dumpJson(value)).toBe('{"b":1,"a":[true,null,"x\\n\\"é"],"c":{"d":2.0}}');
  });
});
