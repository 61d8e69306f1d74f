import { SwitchyardError } from '@switchyard/contracts';
import type { z } from 'zod';

/**
 * Validates a body against a dialect's schema; the first problem becomes a SY_BAD_REQUEST
 * naming the field the way the client wrote it (`messages[0].content`).
 */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SwitchyardError('SY_BAD_REQUEST', 'The request body must be a JSON object.');
  }
  const parsed = schema.safeParse(body, { reportInput: true });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  if (!issue) throw new SwitchyardError('SY_BAD_REQUEST', 'The request body is invalid.');
  const param = fieldPath(issue.path);
  const detail =
    issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  return failWith(param, detail);
}

function failWith(param: string, detail: string): never {
  const message = param
    ? `Invalid value for '${param}': ${detail}`
    : `Invalid request body: ${detail}`;
  throw new SwitchyardError('SY_BAD_REQUEST', message, param ? { param } : {});
}

export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}
