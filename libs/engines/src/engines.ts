import type { EngineKind } from '@switchyard/contracts';
import type { EngineAdapter } from './engine-adapter';
import { llamacppAdapter } from './llamacpp/llamacpp.adapter';
import { mindieAdapter } from './mindie/mindie.adapter';
import { ollamaAdapter } from './ollama/ollama.adapter';
import { openaiAdapter } from './openai/openai.adapter';
import { tgiAdapter } from './tgi/tgi.adapter';
import { vllmAdapter } from './vllm/vllm.adapter';

/** Every engine the worker-agent can drive. A new engine is one adapter file plus one row. */
export const ENGINE_ADAPTERS = {
  llamacpp: llamacppAdapter,
  mindie: mindieAdapter,
  ollama: ollamaAdapter,
  openai: openaiAdapter,
  tgi: tgiAdapter,
  vllm: vllmAdapter,
} satisfies { [K in EngineKind]?: EngineAdapter & { readonly kind: K } };

/** The adapter for a configured engine kind; throws at boot for a kind without one. */
export function getEngineAdapter(kind: string): EngineAdapter {
  const adapter = Object.hasOwn(ENGINE_ADAPTERS, kind)
    ? (ENGINE_ADAPTERS as Partial<Record<string, EngineAdapter>>)[kind]
    : undefined;
  if (adapter === undefined) {
    const supported = Object.keys(ENGINE_ADAPTERS).join(', ');
    throw new Error(`engine kind "${kind}" has no adapter; supported engine kinds: ${supported}`);
  }
  return adapter;
}
