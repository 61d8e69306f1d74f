import type { EngineKind } from '@switchyard/contracts';
import type { EngineAdapter } from './engine-adapter';
import { llamacppAdapter } from './llamacpp/llamacpp.adapter';
import { mindieAdapter } from './mindie/mindie.adapter';
import { ollamaAdapter } from './ollama/ollama.adapter';
import { openaiAdapter } from './openai/openai.adapter';
import { tgiAdapter } from './tgi/tgi.adapter';
import { vllmAdapter } from './vllm/vllm.adapter';

/**
 * Every engine the worker-agent can drive, one row per `EngineKind`: a kind without a row, or a
 * row holding another kind's adapter, is a compile error. A new engine is one folder plus one row.
 */
export const ENGINE_ADAPTERS = {
  llamacpp: llamacppAdapter,
  mindie: mindieAdapter,
  ollama: ollamaAdapter,
  openai: openaiAdapter,
  tgi: tgiAdapter,
  vllm: vllmAdapter,
} as const satisfies { readonly [K in EngineKind]: EngineAdapter & { readonly kind: K } };

const ADAPTERS: Readonly<Record<EngineKind, EngineAdapter>> = ENGINE_ADAPTERS;

/** The adapter for a configured engine kind; throws at boot for a kind without one. */
export function getEngineAdapter(kind: string): EngineAdapter {
  // Own keys only, so `toString` and friends are refused like any other unknown name.
  if (Object.hasOwn(ADAPTERS, kind)) return ADAPTERS[kind as EngineKind];
  const supported = Object.keys(ADAPTERS).join(', ');
  throw new Error(`engine kind "${kind}" has no adapter; supported engine kinds: ${supported}`);
}
