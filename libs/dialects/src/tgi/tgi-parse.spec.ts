import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import type { ParseContext } from '../dialect';
import { parseTgi, type TgiRoute } from './tgi-parse';

const ctx: ParseContext = { requestId: 'r1', headers: {} };
const clock = () => 1000;

/** The canonical request as the job carries it (the dialect's facts are not part of it). */
const wire = (req: InferenceRequest): unknown => JSON.parse(JSON.stringify(req));
const parsed = (route: TgiRoute, body: unknown, c: ParseContext = ctx) =>
  parseTgi(route, body, c, clock);
const parse = (route: TgiRoute, body: unknown, c: ParseContext = ctx) =>
  parsed(route, body, c).request;

function parseError(route: TgiRoute, body: unknown): SwitchyardError {
  try {
    parse(route, body);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

const base = {
  id: 'r1',
  kind: 'completion',
  model: 'auto',
  priority: 0,
  modalities: ['text'],
};

describe('TGI: the seed 003 bodies → canonical', () => {
  it('the documented parameter set on /generate', () => {
    const { request: req, facts } = parsed('generate', {
      inputs: 'My name is Olivier and I',
      parameters: {
        best_of: 1,
        decoder_input_details: false,
        details: true,
        do_sample: true,
        frequency_penalty: 0.1,
        grammar: null,
        max_new_tokens: 20,
        repetition_penalty: 1.03,
        return_full_text: false,
        seed: null,
        stop: ['photographer'],
        temperature: 0.5,
        top_k: 10,
        top_n_tokens: 5,
        top_p: 0.95,
        truncate: null,
        typical_p: 0.95,
        watermark: true,
      },
    });
    expect(wire(req)).toEqual({
      ...base,
      prompt: 'My name is Olivier and I',
      stream: false,
      includeUsage: false,
      sampling: {
        stop: ['photographer'],
        n: 1,
        temperature: 0.5,
        topP: 0.95,
        topK: 10,
        typicalP: 0.95,
        frequencyPenalty: 0.1,
        repetitionPenalty: 1.03,
        maxTokens: 20,
        logprobs: { top: 5 },
      },
      extra: { watermark: true },
    });
    expect(facts).toEqual({
      route: 'generate',
      returnFullText: false,
      details: true,
      decoderInputDetails: false,
      bestOf: 1,
      topN: 5,
      seed: null,
      receivedMs: 1000,
    });
  });

  it('sampling knobs without details on /generate', () => {
    const req = parse('generate', {
      inputs: '如何才能拥有性感的身材?',
      parameters: {
        do_sample: true,
        frequency_penalty: 0.1,
        temperature: 0.5,
        top_k: 10,
        top_n_tokens: 5,
        max_new_tokens: 256,
      },
    });
    // top_n_tokens shows nowhere without details on a whole answer, so no logprobs are asked for.
    expect(wire(req)).toMatchObject({
      stream: false,
      sampling: {
        stop: [],
        n: 1,
        temperature: 0.5,
        topK: 10,
        frequencyPenalty: 0.1,
        maxTokens: 256,
      },
    });
    expect(req.sampling).not.toHaveProperty('logprobs');
  });

  it('max_new_tokens alone on /generate_stream decodes greedily', () => {
    const req = parse('generate_stream', {
      inputs: '如何才能拥有性感的身材?',
      parameters: { max_new_tokens: 50 },
    });
    expect(wire(req)).toEqual({
      ...base,
      prompt: '如何才能拥有性感的身材?',
      stream: true,
      includeUsage: true,
      sampling: { stop: [], n: 1, temperature: 0, maxTokens: 50 },
    });
  });

  it('MindIE’s body: decoder_input_details and watermark, "stream": false on /generate', () => {
    const { request: req, facts } = parsed('generate', {
      inputs: '保持健康的方法',
      parameters: {
        best_of: 1,
        decoder_input_details: true,
        details: true,
        do_sample: true,
        max_new_tokens: 64,
        repetition_penalty: 1.03,
        return_full_text: false,
        seed: null,
        stop: ['photographer'],
        temperature: 0.5,
        top_n_tokens: 5,
        top_p: 0.95,
        truncate: null,
        typical_p: 0.95,
        watermark: true,
      },
      stream: false,
    });
    expect(wire(req)).toMatchObject({
      stream: false,
      sampling: { logprobs: { top: 5 }, maxTokens: 64, stop: ['photographer'] },
      extra: { watermark: true },
    });
    expect(facts).toMatchObject({ details: true, decoderInputDetails: true });
  });
});

describe('TGI parameters → canonical', () => {
  const p = (parameters: Record<string, unknown>, route: TgiRoute = 'generate') =>
    parse(route, { inputs: 'Hi', parameters });

  it('with no parameters object TGI samples at temperature 1 and POST / returns the full text', () => {
    const { request: req, facts } = parsed('compat', { inputs: 'Hi' });
    expect(req.sampling).toEqual({ stop: [], n: 1, temperature: 1 });
    expect(facts).toMatchObject({ route: 'compat', returnFullText: true });
    expect(parse('compat', { inputs: 'Hi', stream: true }).stream).toBe(true);
  });

  it('a parameters object without sampling knobs is greedy; do_sample or a knob samples', () => {
    expect(p({}).sampling.temperature).toBe(0);
    expect(p({ do_sample: false }).sampling.temperature).toBe(0);
    expect(p({ do_sample: true }).sampling.temperature).toBe(1);
    expect(p({ do_sample: false, top_k: 5 }).sampling).toMatchObject({ topK: 5, temperature: 1 });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['frequency_penalty', { frequency_penalty: -1.5 }, { sampling: { frequencyPenalty: -1.5 } }],
    ['max_new_tokens', { max_new_tokens: 7 }, { sampling: { maxTokens: 7 } }],
    ['repetition_penalty', { repetition_penalty: 1.2 }, { sampling: { repetitionPenalty: 1.2 } }],
    ['seed', { seed: 42, do_sample: true }, { sampling: { seed: 42 } }],
    ['stop', { stop: ['a', 'b'] }, { sampling: { stop: ['a', 'b'] } }],
    ['temperature', { temperature: 0.7 }, { sampling: { temperature: 0.7 } }],
    ['top_k', { top_k: 3 }, { sampling: { topK: 3 } }],
    ['top_p', { top_p: 0.5 }, { sampling: { topP: 0.5 } }],
    ['typical_p', { typical_p: 0.5 }, { sampling: { typicalP: 0.5 } }],
    ['truncate (forwarded)', { truncate: 128 }, { extra: { truncate: 128 } }],
    ['watermark (forwarded)', { watermark: true }, { extra: { watermark: true } }],
    ['adapter_id (the model)', { adapter_id: 'my-lora' }, { model: 'my-lora' }],
    [
      'grammar json',
      { grammar: { type: 'json', value: { properties: { a: { type: 'string' } } } } },
      {
        sampling: {
          responseFormat: {
            type: 'json_schema',
            schema: { properties: { a: { type: 'string' } } },
          },
        },
      },
    ],
    [
      'grammar json as a string',
      { grammar: { type: 'json', value: '{"type":"object"}' } },
      { sampling: { responseFormat: { type: 'json_schema', schema: { type: 'object' } } } },
    ],
    [
      'grammar json_object',
      { grammar: { type: 'json_object', value: { type: 'object' } } },
      { sampling: { responseFormat: { type: 'json_schema', schema: { type: 'object' } } } },
    ],
    [
      'grammar json_schema',
      { grammar: { type: 'json_schema', value: { name: 'x', schema: { type: 'object' } } } },
      {
        sampling: {
          responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'object' } },
        },
      },
    ],
    ['best_of', { best_of: 2, do_sample: true }, { sampling: { n: 2, logprobs: { top: 0 } } }],
    ['top_n_tokens on a stream', { top_n_tokens: 3 }, { sampling: { logprobs: { top: 3 } } }],
  ])('honours %s', (_name, parameters, expected) => {
    const route: TgiRoute = 'top_n_tokens' in parameters ? 'generate_stream' : 'generate';
    expect(wire(p(parameters, route))).toMatchObject(expected);
  });

  it('watermark false and null parameters add nothing', () => {
    const req = p({ watermark: false, truncate: null, seed: null, stop: null });
    expect(req).not.toHaveProperty('extra');
    expect(req.sampling).toEqual({ stop: [], n: 1, temperature: 0 });
  });

  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['details', { details: true }, { details: true, decoderInputDetails: false }],
    [
      'decoder_input_details',
      { decoder_input_details: true },
      { details: true, decoderInputDetails: true },
    ],
    ['return_full_text', { return_full_text: true }, { returnFullText: true }],
    ['best_of', { best_of: 2, temperature: 0.5 }, { bestOf: 2 }],
    ['top_n_tokens', { top_n_tokens: 4 }, { topN: 4 }],
    ['seed, reported only when sampling', { seed: 9, top_p: 0.9 }, { seed: 9 }],
    ['seed of a greedy request', { seed: 9 }, { seed: null }],
  ])('keeps %s for the answer', (_name, parameters, facts) => {
    expect(parsed('generate', { inputs: 'Hi', parameters }).facts).toMatchObject(facts);
  });

  it('details asks for logprobs to fill details.tokens', () => {
    expect(p({ details: true }).sampling.logprobs).toEqual({ top: 0 });
    expect(p({ details: true, top_n_tokens: 2 }).sampling.logprobs).toEqual({ top: 2 });
  });
});

describe('TGI: which model', () => {
  const body = { inputs: 'Hi' };
  it.each<[string, ParseContext['headers'], Record<string, unknown>, string]>([
    ['auto when nothing names one', {}, body, 'auto'],
    ['x-switchyard-model', { 'x-switchyard-model': 'm1' }, body, 'm1'],
    ['x-model', { 'x-model': 'm2' }, body, 'm2'],
    ['the body’s model before a header', { 'x-model': 'm2' }, { ...body, model: 'm3' }, 'm3'],
  ])('%s', (_name, headers, b, model) => {
    expect(parse('generate', b, { requestId: 'r1', headers }).model).toBe(model);
  });

  it('adapter_id must agree with a named model', () => {
    const err = parseError('generate', {
      inputs: 'Hi',
      model: 'base',
      parameters: { adapter_id: 'lora' },
    });
    expect(err.param).toBe('parameters.adapter_id');
  });
});

describe('TGI validation (validation.rs, in its words)', () => {
  it.each<[string, Record<string, unknown>, boolean, string, string]>([
    [
      'best_of on a stream',
      { best_of: 2, do_sample: true },
      true,
      'best_of',
      '`best_of` != 1 is not supported when streaming tokens',
    ],
    [
      'decoder_input_details on a stream',
      { decoder_input_details: true },
      true,
      'decoder_input_details',
      '`decoder_input_details` == true is not supported when streaming tokens',
    ],
    [
      'best_of above the limit',
      { best_of: 3, do_sample: true },
      false,
      'best_of',
      '`best_of` must be > 0 and <= 2. Given: 3',
    ],
    ['best_of 0', { best_of: 0 }, false, 'best_of', '`best_of` must be > 0 and <= 2. Given: 0'],
    [
      'best_of without sampling',
      { best_of: 2 },
      false,
      'best_of',
      'you must use sampling when `best_of` is > 1',
    ],
    [
      'temperature 0',
      { temperature: 0 },
      false,
      'temperature',
      '`temperature` must be strictly positive',
    ],
    [
      'repetition_penalty 0',
      { repetition_penalty: 0 },
      false,
      'repetition_penalty',
      '`repetition_penalty` must be strictly positive',
    ],
    [
      'frequency_penalty 2.5',
      { frequency_penalty: 2.5 },
      false,
      'frequency_penalty',
      '`frequency_penalty` must be >= -2.0 and <= 2.0',
    ],
    ['top_p 1', { top_p: 1 }, false, 'top_p', '`top_p` must be > 0.0 and < 1.0'],
    ['top_p 0', { top_p: 0 }, false, 'top_p', '`top_p` must be > 0.0 and < 1.0'],
    ['typical_p 1', { typical_p: 1 }, false, 'typical_p', '`typical_p` must be > 0.0 and < 1.0'],
    ['top_k 0', { top_k: 0 }, false, 'top_k', '`top_k` must be strictly positive'],
    [
      'max_new_tokens 0',
      { max_new_tokens: 0 },
      false,
      'max_new_tokens',
      '`max_new_tokens` must be strictly positive',
    ],
    [
      'five stop sequences',
      { stop: ['a', 'b', 'c', 'd', 'e'] },
      false,
      'stop',
      '`stop` supports up to 4 stop sequences. Given: 5',
    ],
    [
      'seed with best_of',
      { best_of: 2, do_sample: true, seed: 1 },
      false,
      'seed',
      '`seed` must not be set when `best_of` > 1',
    ],
    [
      'top_n_tokens 6',
      { top_n_tokens: 6 },
      false,
      'top_n_tokens',
      '`top_n_tokens` must be >= 0 and <= 5. Given: 6',
    ],
    [
      'truncate 0',
      { truncate: 0 },
      false,
      'truncate',
      '`truncate` must be strictly positive. Given: 0',
    ],
  ])('refuses %s', (_name, parameters, stream, param, message) => {
    const err = parseError(stream ? 'generate_stream' : 'generate', { inputs: 'Hi', parameters });
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(`parameters.${param}`);
    expect(err.message).toBe(message);
  });

  it('refuses empty inputs, a missing inputs and regex grammars by name', () => {
    expect(parseError('generate', { inputs: '' })).toMatchObject({
      param: 'inputs',
      message: '`inputs` cannot be empty',
    });
    expect(parseError('generate', { parameters: {} })).toMatchObject({ param: 'inputs' });
    const regex = parseError('generate', {
      inputs: 'Hi',
      parameters: { grammar: { type: 'regex', value: '[a-z]+' } },
    });
    expect(regex.param).toBe('parameters.grammar');
    expect(regex.message).toContain('`regex` is not supported');
    expect(
      parseError('generate', {
        inputs: 'Hi',
        parameters: { grammar: { type: 'json', value: '{not json' } },
      }).message,
    ).toMatch(/^grammar is not valid: /);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ stop: 'photographer' }, 'parameters.stop'],
    [{ max_new_tokens: -1 }, 'parameters.max_new_tokens'],
    [{ top_k: 1.5 }, 'parameters.top_k'],
    [{ details: 'yes' }, 'parameters.details'],
    [{ grammar: { type: 'ebnf', value: 'x' } }, 'parameters.grammar.type'],
  ])('refuses a mistyped %j naming it', (parameters, param) => {
    const err = parseError('generate', { inputs: 'Hi', parameters });
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
  });
});
