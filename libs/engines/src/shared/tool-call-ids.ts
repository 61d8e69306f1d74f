/**
 * An id for a tool call the engine sent without one (Ollama before ids, TGI's empty `id`).
 * Deterministic, so a replayed stream yields the same ids, and unique per request, so a
 * client can answer several calls of one turn; limited to `[A-Za-z0-9_-]`, which every client
 * dialect accepts (Anthropic's `tool_use.id` is the strictest).
 */
export function generatedToolCallId(requestId: string, choice: number, call: number): string {
  const safe = requestId.replace(/[^A-Za-z0-9_-]/g, '_');
  return choice === 0 ? `call_${safe}_${call}` : `call_${safe}_${choice}_${call}`;
}
