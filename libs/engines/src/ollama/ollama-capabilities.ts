import type { NodeCapabilities } from '@switchyard/contracts';
import type { CapabilityReader } from '../engine-adapter';
import { asArray, isObject, tryParseJson } from '../shared/json-guards';

/**
 * Ollama lists a model's capabilities in `POST /api/show` (`completion`, `tools`, `vision`,
 * `embedding`, `thinking`, …) and refuses tools or images for a model without them. It has
 * no `n`: one sequence per request.
 */
export const OLLAMA_FIXED_CAPABILITIES: NodeCapabilities = { multipleChoices: false };

export const ollamaCapabilities: CapabilityReader = {
  sources: (model) => ({ show: { method: 'POST', path: '/api/show', body: { model } } }),
  parse(bodies) {
    const show = tryParseJson(bodies.show ?? '');
    if (!isObject(show) || !Array.isArray(show.capabilities)) return {};
    const listed = new Set(asArray(show.capabilities).filter((c) => typeof c === 'string'));
    const caps: NodeCapabilities = {
      tools: listed.has('tools'),
      vision: listed.has('vision'),
    };
    // Older servers embed with generation models too: only a listed `embedding` is settled.
    if (listed.has('embedding')) caps.embeddings = true;
    return caps;
  },
};
