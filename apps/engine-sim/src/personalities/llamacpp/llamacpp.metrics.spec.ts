import { formatStreamDouble } from './llamacpp.metrics';

describe('formatStreamDouble (C++ ostream default)', () => {
  it.each([
    [181, '181'],
    [0.038, '0.038'],
    [181 / 0.038, '4763.16'],
    [1.0076263107721639, '1.00763'],
    [0, '0'],
    [1234567, '1.23457e+06'],
    [0.00001234, '1.234e-05'],
  ])('prints %p as %s', (value, expected) => {
    expect(formatStreamDouble(value)).toBe(expected);
  });
});
