import type { NodeCapabilities } from '@switchyard/contracts';
import type { CapabilityReader } from '../engine-adapter';
import { asArray, asNumber, isObject, tryParseJson } from '../shared/json-guards';

/**
 * MindIE's management `/info` states each model's `max_total_tokens` (maxSeqLen: prompt +
 * output). It serves no embeddings route.
 */
export const MINDIE_FIXED_CAPABILITIES: NodeCapabilities = { embeddings: false };

export const mindieCapabilities: CapabilityReader = {
  sources: () => ({ info: { method: 'GET', path: '/info', plane: 'management' } }),
  parse(bodies) {
    const info = tryParseJson(bodies.info ?? '');
    if (!isObject(info)) return {};
    const totals = asArray(info.models).flatMap((m) => {
      const total = isObject(m) ? asNumber(m.max_total_tokens) : undefined;
      return total !== undefined && total > 0 ? [total] : [];
    });
    return totals.length > 0
      ? { maxContextTokens: Math.min(...totals), contextCoversOutput: true }
      : {};
  },
};
