import type { NodeCapabilities } from '@switchyard/contracts';
import type { CapabilityReader } from '../engine-adapter';
import { asNumber, asString, isObject, tryParseJson } from '../shared/json-guards';

/**
 * TGI's `/info` states `max_total_tokens` (prompt + output; beyond it TGI answers 422) and the
 * model's pipeline tag, which says whether it reads images. It generates one sequence per
 * request (no `n`) and computes no embeddings (that is TEI), whatever its configuration.
 */
export const TGI_FIXED_CAPABILITIES: NodeCapabilities = {
  embeddings: false,
  multipleChoices: false,
};

const VISION_PIPELINES: ReadonlySet<string> = new Set(['image-text-to-text', 'image-to-text']);

export const tgiCapabilities: CapabilityReader = {
  sources: () => ({ info: { method: 'GET', path: '/info' } }),
  parse(bodies) {
    const info = tryParseJson(bodies.info ?? '');
    if (!isObject(info)) return {};
    const caps: NodeCapabilities = {};
    const total = asNumber(info.max_total_tokens);
    if (total !== undefined && total > 0) {
      caps.maxContextTokens = total;
      caps.contextCoversOutput = true;
    }
    const pipeline = asString(info.model_pipeline_tag);
    if (pipeline !== undefined) caps.vision = VISION_PIPELINES.has(pipeline);
    return caps;
  },
};
