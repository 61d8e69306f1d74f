import { fixtureText } from '@switchyard/testing';
import { parsePrometheusText, sampleValue } from './prometheus-text';

describe('parsePrometheusText', () => {
  it('reads every sample of a llama.cpp /metrics page and skips HELP/TYPE lines', () => {
    const samples = parsePrometheusText(fixtureText('llamacpp', 'metrics.prom'));
    expect(samples).toHaveLength(14);
    expect(samples[0]).toEqual({ name: 'llamacpp:prompt_tokens_total', labels: {}, value: 181 });
    expect(sampleValue(samples, 'llamacpp:prompt_seconds_total')).toBe(0.038);
    expect(sampleValue(samples, 'llamacpp:n_busy_slots_per_decode')).toBe(1.00763);
    expect(sampleValue(samples, 'llamacpp:kv_cache_usage_ratio')).toBeUndefined();
  });

  it.each([
    ['labels', 'm{a="x",b="y"} 1', { name: 'm', labels: { a: 'x', b: 'y' }, value: 1 }],
    [
      'label escapes',
      'm{p="C:\\\\dir",q="say \\"hi\\"",r="a\\nb"} 2',
      { name: 'm', labels: { p: 'C:\\dir', q: 'say "hi"', r: 'a\nb' }, value: 2 },
    ],
    [
      'a comma and a brace inside a label value',
      'm{le="1,}"} 3',
      { name: 'm', labels: { le: '1,}' }, value: 3 },
    ],
    [
      'a trailing comma and spaces',
      'm{ a = "x" , } 4',
      { name: 'm', labels: { a: 'x' }, value: 4 },
    ],
    ['a timestamp', 'm 5 1700000000000', { name: 'm', labels: {}, value: 5 }],
    ['NaN', 'm NaN', { name: 'm', labels: {}, value: Number.NaN }],
    [
      '+Inf',
      'h_bucket{le="+Inf"} +Inf',
      { name: 'h_bucket', labels: { le: '+Inf' }, value: Infinity },
    ],
    ['-Inf', 'm -Inf', { name: 'm', labels: {}, value: -Infinity }],
    ['exponent notation', 'vllm:x_sum 1.5e-3', { name: 'vllm:x_sum', labels: {}, value: 0.0015 }],
  ])('reads %s', (_name, line, sample) => {
    expect(parsePrometheusText(line)).toEqual([sample]);
  });

  it.each([
    ['an unterminated label value', 'm{a="x} 1'],
    ['a missing value', 'm{a="x"}'],
    ['a non-numeric value', 'm abc'],
    ['a label without quotes', 'm{a=x} 1'],
    ['a comment', '# just a comment 1'],
  ])('skips a line with %s and keeps the others', (_name, line) => {
    expect(parsePrometheusText(`ok 1\n${line}\nok 2\r\n`).map((s) => s.value)).toEqual([1, 2]);
  });

  it('finds samples by label subset', () => {
    const samples = parsePrometheusText('h_bucket{le="1"} 3\nh_bucket{le="+Inf"} 7\nh_count 7\n');
    expect(sampleValue(samples, 'h_bucket', { le: '+Inf' })).toBe(7);
    expect(sampleValue(samples, 'h_bucket')).toBe(3);
    expect(sampleValue(samples, 'h_bucket', { le: '9' })).toBeUndefined();
  });
});
