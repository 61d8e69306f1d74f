import type { SwitchyardError } from '@switchyard/contracts';
import type { RenderedError } from '../dialect';

/**
 * The vLLM demo server has no error shape of its own (a bad argument is an unhandled exception,
 * a bare 500). Switchyard answers `{"error": "<message>"}` — the flat shape of Ollama and
 * Triton, and the first key clients of ad-hoc JSON APIs look at — with the canonical status:
 * 400 for a bad request, 404 for an unknown model, 429/503 with `Retry-After` when busy.
 */
export function vllmErrorBody(err: SwitchyardError): { error: string } {
  return { error: err.message };
}

export function renderVllmError(err: SwitchyardError): RenderedError {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.retryAfterSeconds);
  return { status: err.httpStatus, body: vllmErrorBody(err), headers };
}
