/*
 * Hostile input (issue 11): every inference route of every dialect, under every default
 * mount, gets thousands of malformed or extreme bodies (fast-check). Whatever the body, the
 * gateway answers — no 5xx, no hang — and every error is in the route's dialect shape.
 * Bodies that pass validation reach a fake node that answers them.
 */
import fc from 'fast-check';
import { DIALECTS, mountedPaths } from '@switchyard/dialects';
import type { Script } from './support/scripts';
import { DIALECT_SHAPES, ERROR_SHAPES } from './support/error-shapes';
import { MODEL, useGateway } from './support/gateway-harness';

/** Runs per property: 2 × RUNS + RUNS requests, about 3,000 (FUZZ_RUNS raises it for a longer hunt). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
/** A request unanswered for this long is a hang. */
const HANG_MS = 15_000;

/** What the node answers: vectors for embeddings, a short text otherwise. */
const answerAny: Script = async (ctx) => {
  const req = ctx.job.request;
  if (req.kind === 'embedding') {
    for (let i = 0; i < req.input.length; i++)
      await ctx.emit({ type: 'embedding', index: i, vector: [0.5, -0.5, 0.25] });
  } else {
    for (let i = 0; i < req.sampling.n; i++)
      await ctx.emit({ type: 'delta', index: i, text: 'ok' });
  }
  await ctx.emit({ type: 'usage', promptTokens: 3, completionTokens: 1 });
  await ctx.emit({
    type: 'done',
    choices: Array.from({ length: req.kind === 'embedding' ? 1 : req.sampling.n }, (_, i) => ({
      index: i,
      finishReason: 'stop' as const,
    })),
  });
};

/**
 * Every POST path (inference routes, and API routes that read a body: Anthropic's
 * count_tokens, Ollama's show), parameters filled with the model, with the dialect it belongs to.
 */
const ROUTES = mountedPaths()
  .filter(({ dialect, path }) =>
    [...dialect.routes, ...(dialect.apiRoutes ?? []).filter((r) => r.method === 'POST')].some((r) =>
      path.endsWith(r.path),
    ),
  )
  .map(({ dialect, path }) => ({
    dialect: dialect.id,
    path: path.replace(':name', MODEL).replace(':version', '1'),
  }));

/** The dialect whose error shape the client expects: the shared `/generate` is decided by the body. */
function dialectFor(route: (typeof ROUTES)[number], body: unknown): keyof typeof DIALECTS {
  if (route.path !== '/generate') return route.dialect;
  const claims = DIALECTS.vllm.routes[0]!.claims!(body);
  return claims ? 'vllm' : 'tgi';
}

// ---- Bodies -------------------------------------------------------------------------------

const extremeNumber = fc.oneof(
  fc.constantFrom(0, -1, -2, 1, 1e9, -1e9, 1e308, -1e308, 2 ** 53, 0.5, -0.0, 128, 4096),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const extremeString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '__proto__', 'constructor', MODEL, 'auto'),
  fc.integer({ min: 1, max: 200_000 }).map((n) => 'x'.repeat(n)),
);
const extremeValue: fc.Arbitrary<unknown> = fc.oneof(
  extremeNumber,
  extremeString,
  fc.boolean(),
  fc.constant(null),
  fc.array(extremeString, { maxLength: 40 }),
  fc.array(extremeNumber, { maxLength: 40 }),
  fc.integer({ min: 0, max: 5000 }).map((n) => Array.from({ length: n }, (_, i) => `s${i}`)),
  fc.dictionary(extremeString, extremeNumber, { maxKeys: 20 }),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Field names the dialects read; mutating them exercises validation, not just the "not an object" check. */
const FIELDS = [
  'model',
  'messages',
  'prompt',
  'inputs',
  'input',
  'stream',
  'n',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'tools',
  'tool_choice',
  'response_format',
  'seed',
  'user',
  'system',
  'stop_sequences',
  'options',
  'format',
  'images',
  'context',
  'raw',
  'keep_alive',
  'think',
  'parameters',
  'text_input',
  'max_new_tokens',
  'best_of',
  'details',
  'encoding_format',
  'dimensions',
  'stream_options',
  'suffix',
  'echo',
  'thinking',
  'metadata',
  'id',
];

const message = fc.record(
  {
    role: fc.oneof(
      fc.constantFrom('user', 'assistant', 'system', 'tool', 'developer'),
      extremeString,
    ),
    content: fc.oneof(
      extremeString,
      fc.constant(null),
      fc.array(
        fc.record({
          type: fc.constantFrom('text', 'image_url', 'image', 'refusal', 'tool_use', 'x'),
          text: extremeString,
          image_url: fc.record({ url: extremeString }),
        }),
        { maxLength: 4 },
      ),
    ),
  },
  { requiredKeys: [] },
);

/** A body that is plausible for some dialect, then has some fields replaced by extremes. */
const plausibleBody = fc
  .tuple(
    fc.record(
      {
        model: fc.oneof(fc.constant(MODEL), extremeString),
        messages: fc.array(message, { maxLength: 5 }),
        prompt: extremeString,
        inputs: extremeString,
        input: fc.oneof(extremeString, fc.array(extremeString, { maxLength: 20 })),
        text_input: extremeString,
        stream: fc.boolean(),
        max_tokens: fc.integer({ min: 1, max: 32 }),
      },
      { requiredKeys: ['model'] },
    ),
    fc.dictionary(fc.constantFrom(...FIELDS), extremeValue, { maxKeys: 4 }),
  )
  .map(([base, mutations]) => ({ ...base, ...mutations }));

const anyBody = fc.oneof(
  { weight: 3, arbitrary: plausibleBody.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 3000 })
      .map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '{"__proto__":{"polluted":1},"model":"fake-model"}',
      '{"constructor":{"prototype":{"polluted":1}}}',
      `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"n":1e400}`,
    ),
  },
);

// ---- The property -------------------------------------------------------------------------

describe('every dialect endpoint against malformed and extreme bodies', () => {
  const gw = useGateway({ maxQueueWaitMs: 5000 }, { per: 'file' });
  const seen = new Map<number, number>();

  // The harness stops a file's nodes after each test.
  let runs = 0;
  beforeEach(async () => {
    await gw.node({ id: `fuzz-${++runs}`, slots: 16, script: answerAny });
    await gw.untilReadyNodes(1);
  });

  afterAll(() => {
    // Which statuses the run produced, for whoever reads the log of a failure.
    if (process.env.FUZZ_VERBOSE) console.log(Object.fromEntries(seen));
  });

  async function check(route: (typeof ROUTES)[number], body: string, stream: boolean) {
    const res = await fetch(`${gw.url}${route.path}`, {
      method: 'POST',
      headers: { 'content-type': stream ? 'application/json' : 'text/plain' },
      body,
      signal: AbortSignal.timeout(HANG_MS),
    });
    const text = await res.text(); // the whole answer, streamed or not: no hang
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    if (res.status >= 500) {
      throw new Error(`${route.path} answered ${res.status} to ${body.slice(0, 300)}: ${text}`);
    }
    if (res.status >= 400) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${route.path} answered ${res.status} with a non-JSON body: ${text}`);
      }
      let value: unknown;
      try {
        value = JSON.parse(body);
      } catch {
        value = undefined;
      }
      const shape = DIALECT_SHAPES[dialectFor(route, value)];
      if (!ERROR_SHAPES[shape](parsed)) {
        throw new Error(`${route.path} answered ${res.status} outside the ${shape} shape: ${text}`);
      }
    }
  }

  const route = fc.constantFrom(...ROUTES);

  it('lists the routes it fuzzes', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(15);
  });

  it('never answers 5xx, never hangs, always errs in the dialect shape', async () => {
    await fc.assert(
      fc.asyncProperty(route, anyBody, fc.boolean(), (r, body, stream) => check(r, body, stream)),
      { numRuns: RUNS * 2 },
    );
  }, 240_000);

  it('the same for plausible bodies that ask for a stream', async () => {
    await fc.assert(
      fc.asyncProperty(route, plausibleBody, (r, body) =>
        check(r, JSON.stringify({ ...body, stream: true }), true),
      ),
      { numRuns: RUNS },
    );
  }, 240_000);
});
