import { ERROR_CODES, type ErrorCode, type ErrorOutcome } from '@switchyard/contracts';
import { waitFor } from '@switchyard/testing';
import { failBeforeOutput } from './support/scripts';
import { requestOutcomes, useGateway } from './support/gateway-harness';

/**
 * What each error code means to a client when a node returns it before any output: the HTTP
 * status, whether Retry-After comes with it, whether the gateway tried another node
 * (`retried`), and the outcome it counted in `switchyard_requests_total`. Both nodes fail
 * with the code, so a retried request still ends in it (the second node's failure).
 *
 * One row per code: a code added to ERROR_CODES without a row here fails to compile, and the
 * first test checks the keys at run time too. Rows marked "looks wrong" pin today's behaviour.
 */
interface Meaning {
  status: number;
  retryAfter: boolean;
  retried: boolean;
  outcome: ErrorOutcome;
}

const MEANINGS: Record<ErrorCode, Meaning> = {
  SY_INVALID_JSON: { status: 400, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_BAD_REQUEST: { status: 400, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_ROUTE_NOT_FOUND: { status: 404, retryAfter: false, retried: false, outcome: 'client_error' },
  // Looks wrong: a node saying it lacks the model ends the request; the other node serving it
  // is not asked.
  SY_MODEL_NOT_FOUND: { status: 404, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_UNAUTHENTICATED: { status: 401, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_MODEL_NOT_ALLOWED: { status: 403, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_RATE_LIMITED: { status: 429, retryAfter: true, retried: false, outcome: 'rejected' },
  SY_PAYLOAD_TOO_LARGE: { status: 413, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_HEADERS_TOO_LARGE: { status: 431, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_URI_TOO_LONG: { status: 414, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_REQUEST_TIMEOUT: { status: 408, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retryAfter: false,
    retried: false,
    outcome: 'client_error',
  },
  SY_CLIENT_TOO_SLOW: { status: 408, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_OVERLOADED: { status: 429, retryAfter: true, retried: false, outcome: 'rejected' },
  SY_NO_CAPACITY: { status: 503, retryAfter: true, retried: false, outcome: 'rejected' },
  SY_CLUSTER_UNAVAILABLE: { status: 503, retryAfter: true, retried: false, outcome: 'failed' },
  SY_SHUTTING_DOWN: { status: 503, retryAfter: true, retried: false, outcome: 'rejected' },
  SY_ENGINE_REJECTED: { status: 400, retryAfter: false, retried: false, outcome: 'client_error' },
  SY_ENGINE_ERROR: { status: 502, retryAfter: false, retried: true, outcome: 'failed' },
  SY_ENGINE_UNAVAILABLE: { status: 503, retryAfter: false, retried: true, outcome: 'failed' },
  // Looks wrong: a timeout before any output is `retryable` in ERROR_CODES, yet not tried on
  // another node (RETRY_ELSEWHERE leaves it out).
  SY_ENGINE_TIMEOUT: { status: 504, retryAfter: false, retried: false, outcome: 'failed' },
  SY_STREAM_INTERRUPTED: { status: 502, retryAfter: false, retried: true, outcome: 'failed' },
  // Looks wrong: a node that cancels on its own (e.g. its shutdown grace ran out) reaches a
  // client that is still there as 499 (counted as cancelled), where another node could run it.
  SY_CANCELLED: { status: 499, retryAfter: false, retried: false, outcome: 'cancelled' },
  SY_INTERNAL: { status: 500, retryAfter: false, retried: false, outcome: 'failed' },
};

it('has one row per error code', () => {
  expect(Object.keys(MEANINGS).sort()).toEqual(Object.keys(ERROR_CODES).sort());
});

describe('every error code', () => {
  // One gateway for every row; each row has nodes of its own (circuit breakers are per node).
  const gw = useGateway({}, { per: 'file' });

  it.each(Object.entries(MEANINGS) as [ErrorCode, Meaning][])(
    '%s from a node before output',
    async (code, meaning) => {
      const slug = code.slice('SY_'.length).toLowerCase().replaceAll('_', '-');
      const a = await gw.node({ id: `a-${slug}`, script: failBeforeOutput(code) });
      const b = await gw.node({
        id: `b-${slug}`,
        load: { kvCacheUsage: 0.5 },
        script: failBeforeOutput(code),
      });
      await gw.untilReadyNodes(2);
      const before = requestOutcomes(await gw.metrics());

      const res = await gw.chat({ stream: true });

      const body = (await res.json()) as { error?: { type?: unknown; message?: unknown } };
      expect({
        status: res.status,
        retryAfter: res.headers.has('retry-after'),
        retried: b.jobs.length === 1,
      }).toEqual({
        status: meaning.status,
        retryAfter: meaning.retryAfter,
        retried: meaning.retried,
      });
      expect(typeof body.error?.type).toBe('string');
      expect(a.jobs).toHaveLength(1);
      let counted: Record<string, number> = {};
      await waitFor(
        async () => {
          counted = difference(requestOutcomes(await gw.metrics()), before);
          return Object.keys(counted).length > 0;
        },
        { what: 'the request to be counted' },
      );
      expect(counted).toEqual({ [meaning.outcome]: 1 });
    },
  );
});

/** Per outcome, how much the count grew; outcomes that did not grow are left out. */
function difference(
  after: Record<string, number>,
  before: Record<string, number>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [outcome, n] of Object.entries(after)) {
    const grown = n - (before[outcome] ?? 0);
    if (grown !== 0) out[outcome] = grown;
  }
  return out;
}
