import type { EngineKind, NodeSnapshot } from '@switchyard/contracts';
import type { ServedModel } from '@switchyard/dialects';

/** The ready nodes serving one model, as the catalogue snapshot saw them. */
export interface ServingFacts {
  nodes: NodeSnapshot[];
}

/** How each engine kind is named to people. */
const ENGINE_NAMES = {
  llamacpp: 'llama.cpp',
  vllm: 'vLLM',
  mindie: 'MindIE',
  tgi: 'TGI',
  ollama: 'Ollama',
  openai: 'an OpenAI-compatible server',
} as const satisfies Record<EngineKind, string>;

/**
 * A one-line description of a model the catalogue does not describe, from what serves it:
 * engines with their accelerators, what it accepts, embeddings. E.g. "Text model served by
 * vLLM on 2× NVIDIA H100 80GB HBM3 and MindIE on 8× Ascend 910B3 (2 nodes); embeddings".
 */
export function generatedDescription(
  model: Pick<ServedModel, 'modalities'>,
  serving: ServingFacts,
): string {
  const kind = model.modalities.includes('image') ? 'Text and image model' : 'Text model';
  const backends = [...new Set(serving.nodes.map(backendOf))];
  const count = serving.nodes.length;
  const where = backends.length > 0 ? ` served by ${joinAnd(backends)}` : '';
  const nodes = count > 1 ? ` (${count} nodes)` : '';
  const embeds = serving.nodes.some((n) => n.info.embeddings === true) ? '; embeddings' : '';
  return `${kind}${where}${nodes}${embeds}`;
}

/** "vLLM on 2× NVIDIA H100 80GB HBM3", "llama.cpp on CPU" when the node reports no devices. */
function backendOf(node: NodeSnapshot): string {
  const engine = ENGINE_NAMES[node.info.engine];
  const devices = node.devices ?? [];
  if (devices.length === 0) return engine;
  const byName = new Map<string, number>();
  for (const d of devices) {
    const name = d.kind === 'npu' && !/ascend/i.test(d.name) ? `Ascend ${d.name}` : d.name;
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  const parts = [...byName].map(([name, n]) => (n > 1 ? `${n}× ${name}` : name));
  return `${engine} on ${parts.join(' + ')}`;
}

function joinAnd(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items.at(-1)!}`;
}
