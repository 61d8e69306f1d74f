import type { NodeCapabilities } from '@switchyard/contracts';
import type { CallKind, CapabilityReader } from '../engine-adapter';
import { asArray, asNumber, isObject, tryParseJson } from '../shared/json-guards';

/**
 * vLLM states its context per model in `/v1/models` (`max_model_len`, which bounds prompt +
 * max_tokens: beyond it vLLM answers 400). Embeddings and tool calling depend on the model's
 * task and on `--enable-auto-tool-choice`; nothing states them, so they are learned from refusals.
 */
export const vllmCapabilities: CapabilityReader = {
  sources: () => ({ models: { method: 'GET', path: '/v1/models' } }),
  parse(bodies) {
    const parsed = tryParseJson(bodies.models ?? '');
    const lengths = asArray(isObject(parsed) ? parsed.data : undefined).flatMap((m) => {
      const len = isObject(m) ? asNumber(m.max_model_len) : undefined;
      return len !== undefined && len > 0 ? [len] : [];
    });
    const caps: NodeCapabilities = {};
    if (lengths.length > 0) {
      caps.maxContextTokens = Math.min(...lengths);
      caps.contextCoversOutput = true;
    }
    return caps;
  },
};

/**
 * A generation model answers embeddings with "does not support" (400/404 by version); without
 * `--enable-auto-tool-choice` an automatic tool choice is a 400 naming that flag.
 */
export function vllmRefusal(status: number, body: string, call: CallKind) {
  if (call === 'embedding' && (status === 400 || status === 404) && /support/i.test(body))
    return 'embeddings' as const;
  if (call === 'generation' && status === 400 && /enable-auto-tool-choice/.test(body))
    return 'tools' as const;
  return undefined;
}
