import {
  ERROR_CODES,
  SwitchyardError,
  type ErrorCode,
  type StreamEvent,
} from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { mindieDialect, mindieInferenceRoutes } from './mindie.dialect';

const infer = mindieInferenceRoutes[0]!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'm', created: 1 };

const events: StreamEvent[] = [
  { type: 'start', nodeId: 'n', model: 'm', created: 1 },
  { type: 'delta', index: 0, text: 'Deep' },
  { type: 'delta', index: 0, text: ' learning' },
  { type: 'usage', promptTokens: 4, completionTokens: 2 },
  { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
];

describe('MindIE POST /infer', () => {
  it("parses TGI's body: inputs, top-level stream, parameters", () => {
    const { request, facts } = infer.parse(
      {
        inputs: 'What is DL?',
        stream: true,
        parameters: { max_new_tokens: 2, seed: 7, do_sample: true },
      },
      ctx,
    );
    expect(request).toMatchObject({
      kind: 'completion',
      prompt: 'What is DL?',
      stream: true,
      model: 'auto',
      sampling: { maxTokens: 2, seed: 7 },
    });
    expect(facts.seed).toBe(7);
  });

  it('answers whole: generated_text and details', () => {
    const { request, facts } = infer.parse(
      { inputs: 'x', parameters: { seed: 7, do_sample: true } },
      ctx,
    );
    const collector = new ResultCollector(1);
    for (const e of events) collector.add(e);
    expect(infer.respond(request, collector.result(), meta, facts)).toEqual({
      generated_text: 'Deep learning',
      details: { finish_reason: 'length', generated_tokens: 2, seed: 7 },
    });
  });

  it('streams token events with prefill then decode times, the last with the whole text', () => {
    const { request, facts } = infer.parse({ inputs: 'x', stream: true }, ctx);
    const enc = infer.createStreamEncoder(request, meta, facts);
    const frames = events
      .map((e) => enc.event(e))
      .join('')
      .split('\n\n')
      .filter(Boolean)
      .map((f) => {
        expect(f.startsWith('data: ')).toBe(true);
        return JSON.parse(f.slice('data: '.length)) as Record<string, unknown>;
      });
    expect(frames).toHaveLength(3);
    expect(frames[0]).toMatchObject({ decode_time: null, token: { id: 0, text: 'Deep' } });
    expect(typeof frames[0]!.prefill_time).toBe('number');
    expect(frames[1]).toMatchObject({ prefill_time: null, token: { text: ' learning' } });
    expect(typeof frames[1]!.decode_time).toBe('number');
    expect(frames[2]).toMatchObject({
      generated_text: 'Deep learning',
      details: { finish_reason: 'length', generated_tokens: 2, seed: null },
    });
  });

  it("renders every error as MindIE's {error, error_type}", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const r = mindieDialect.renderError(new SwitchyardError(code, 'boom'));
      expect(r.body).toEqual({ error: 'boom', error_type: expect.any(String) as unknown });
      expect(r.status).toBeGreaterThanOrEqual(400);
    }
    expect(mindieDialect.renderError(new SwitchyardError('SY_BAD_REQUEST', 'x'))).toMatchObject({
      status: 422,
      body: { error_type: 'Input Validation Error' },
    });
  });
});
