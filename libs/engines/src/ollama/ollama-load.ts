import type { NodeLoad } from '@switchyard/contracts';
import type { EngineEndpoint } from '../engine-adapter';
import { asArray, asString, isObject, tryParseJson } from '../shared/json-guards';

/**
 * Ollama load. Ollama exports no queue or batch figures (no `/metrics`), so running and waiting
 * are omitted and the worker counts its own jobs; `/api/ps` only says which models sit in memory
 * (`size_vram` and `context_length` describe the model, not the load).
 * Reference: ollama/ollama docs/api.md "List Running Models", api/types.go `ProcessResponse`.
 */

export const OLLAMA_LOAD_SOURCES = {
  ps: { plane: 'inference', path: '/api/ps' },
} as const satisfies Record<string, EngineEndpoint>;

export function parseOllamaLoad(
  _bodies: Readonly<Record<string, string | undefined>>,
): Partial<NodeLoad> {
  return {
    kvCacheUsage: null,
    prefixCacheHitRate: null,
    promptTokensPerSecond: null,
    generationTokensPerSecond: null,
    ttftMs: null,
  };
}

/**
 * Models resident in memory per `/api/ps` (a request for any other one waits for a load first),
 * for a scheduler that prefers warm nodes; empty when the body is missing or unreadable.
 */
export function ollamaLoadedModels(psBody: string | undefined): string[] {
  const parsed = psBody === undefined ? undefined : tryParseJson(psBody);
  return asArray(isObject(parsed) ? parsed.models : undefined).flatMap((m) => {
    const name = isObject(m) ? (asString(m.name) ?? asString(m.model)) : undefined;
    return name ? [name] : [];
  });
}
