import { SimError, type SimErrorKind } from '../../core/sim-errors';

/**
 * Ollama's errors (`docs/api/errors.mdx`, `server/routes.go`, `server/sched.go`): a flat
 * `{"error": message}` with the status of what went wrong.
 */

interface ErrorRow {
  readonly status: number;
  /** Ollama's own wording, replacing the simulator's. */
  readonly message?: string;
}

const ERROR_TYPES = {
  invalid_request: { status: 400 },
  exceed_context: { status: 400 },
  not_found: { status: 404 },
  unavailable: { status: 503 },
  // The scheduler's bound on pending requests (OLLAMA_MAX_QUEUE) was hit.
  overloaded: {
    status: 503,
    message: 'server busy, please try again.  maximum pending requests exceeded',
  },
  not_supported: { status: 400 },
  server: { status: 500 },
} as const satisfies Record<SimErrorKind, ErrorRow>;

export const errorStatus = (error: SimError): number => ERROR_TYPES[error.kind].status;

export function errorMessage(error: SimError): string {
  const row: ErrorRow = ERROR_TYPES[error.kind];
  return row.message ?? error.message;
}

export const badRequest = (message: string): SimError => new SimError('invalid_request', message);

export const modelNotFound = (model: string): SimError =>
  new SimError('not_found', `model ${JSON.stringify(model)} not found, try pulling it first`);

/**
 * What Go's `encoding/json` says about a body it cannot read as JSON, reconstructed from where
 * V8's parser stopped (exact for the common cases: a bad key, a bad value, a cut-off body).
 */
export function jsonSyntaxError(text: string): SimError {
  if (text.trim() === '') return badRequest('missing request body');
  let at = text.length;
  try {
    JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = /at position (\d+)/.exec(message)?.[1];
    const token = /Unexpected token '(.)'/.exec(message)?.[1];
    if (position !== undefined) at = Number(position);
    else if (token !== undefined) at = Math.max(0, text.indexOf(token));
  }
  const char = text[at];
  if (char === undefined) return badRequest('unexpected EOF');
  const before = text.slice(0, at).trimEnd();
  const context =
    /[{,]$/.test(before) && insideObject(before)
      ? 'looking for beginning of object key string'
      : /:$/.test(before) || /[[,]$/.test(before) || before === ''
        ? 'looking for beginning of value'
        : 'after object key:value pair';
  return badRequest(`invalid character ${goQuote(char)} ${context}`);
}

function insideObject(text: string): boolean {
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '}' || c === ']') depth++;
    else if (c === '{' || c === '[') {
      if (depth === 0) return c === '{';
      depth--;
    }
  }
  return false;
}

/** Go's `quoteChar`: `'x'`, with `'\''` and `'"'` spelled as Go does. */
const goQuote = (char: string): string => (char === "'" ? `'\\''` : `'${char}'`);
