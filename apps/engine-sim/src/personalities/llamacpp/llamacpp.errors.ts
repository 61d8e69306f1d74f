import type { JsonObject } from '../../core/json-writer';
import { SimError, type SimErrorKind } from '../../core/sim-errors';

interface ErrorType {
  readonly code: number;
  readonly type: string;
  /** Wording llama.cpp itself uses for this case, replacing the simulator's. */
  readonly message?: string;
}

/** llama.cpp's `error_type` → status and `type` (`server-common.cpp format_error_response`). */
const ERROR_TYPES = {
  invalid_request: { code: 400, type: 'invalid_request_error' },
  exceed_context: { code: 400, type: 'exceed_context_size_error' },
  not_found: { code: 404, type: 'not_found_error' },
  unavailable: { code: 503, type: 'unavailable_error' },
  // llama.cpp queues rather than refusing; its nearest answer is `/slots?fail_on_no_slot=1`.
  overloaded: { code: 503, type: 'unavailable_error', message: 'no slot available' },
  not_supported: { code: 501, type: 'not_supported_error' },
  server: { code: 500, type: 'server_error' },
} as const satisfies Record<SimErrorKind, ErrorType>;

export function errorStatus(error: SimError): number {
  return ERROR_TYPES[error.kind].code;
}

/** `{"error":{"code":…,"message":…,"type":…}}`, plus any extra fields of the error. */
export function errorBody(error: SimError): JsonObject {
  const row: ErrorType = ERROR_TYPES[error.kind];
  const message = row.message ?? error.message;
  return { error: { code: row.code, message, type: row.type, ...error.details } };
}

/**
 * The error llama.cpp answers for a body that is not JSON: nlohmann::json's parse_error.101,
 * reconstructed from where V8's parser stopped. Exact for the common cases (bad object key,
 * bad literal, truncated input), close for the rest.
 */
export function jsonSyntaxError(text: string): SimError {
  const where = syntaxErrorOffset(text);
  const head = '[json.exception.parse_error.101] parse error at';
  if (where >= text.trimEnd().length) {
    // Reading the end of input counts as one more character read.
    const { line, column } = lineAndColumn(text, text.length);
    return new SimError(
      'server',
      `${head} line ${line}, column ${column + 1}: syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal`,
    );
  }
  const read = readLength(text, where);
  const { line, column, lineStart } = lineAndColumn(text, where + read);
  const lastRead = text.slice(lineStart, where + read);
  const inKey = /[{,]\s*$/.test(text.slice(0, where)) && isInObject(text, where);
  const context = inKey ? 'object key' : 'value';
  const expected = inKey ? '; expected string literal' : '';
  return new SimError(
    'server',
    `${head} line ${line}, column ${column}: syntax error while parsing ${context} - invalid literal; last read: '${lastRead}'${expected}`,
  );
}

function syntaxErrorOffset(text: string): number {
  try {
    JSON.parse(text);
    return text.length;
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    const position = /at position (\d+)/.exec(message)?.[1];
    if (position !== undefined) return Number(position);
    const token = /Unexpected token '(.)'/.exec(message)?.[1];
    return token === undefined ? text.length : Math.max(0, text.indexOf(token));
  }
}

/** How many characters nlohmann's lexer reads at an error: a literal's matching prefix + 1. */
function readLength(text: string, at: number): number {
  const literal = ['true', 'false', 'null'].find((l) => l[0] === text[at]);
  if (!literal) return 1;
  let matched = 1;
  while (matched < literal.length && text[at + matched] === literal[matched]) matched++;
  return Math.min(matched + 1, text.length - at);
}

function lineAndColumn(
  text: string,
  end: number,
): { line: number; column: number; lineStart: number } {
  const before = text.slice(0, end);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: end - lineStart, lineStart };
}

/** Whether the innermost open bracket before `at` is an object's. */
function isInObject(text: string, at: number): boolean {
  const stack: string[] = [];
  let inString = false;
  for (let i = 0; i < at; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c);
    else if (c === '}' || c === ']') stack.pop();
  }
  return stack.at(-1) === '{';
}
