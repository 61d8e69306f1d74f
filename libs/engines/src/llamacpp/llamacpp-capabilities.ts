import type { NodeCapabilities } from '@switchyard/contracts';
import type { CallKind, CapabilityProbe, CapabilityReader } from '../engine-adapter';
import { asNumber, isObject, tryParseJson } from '../shared/json-guards';

/**
 * What a llama.cpp server can serve. `/props` states vision (`modalities`), the context one
 * request gets (`default_generation_settings.n_ctx`, per slot) and — only when the chat
 * template mentions tools — tool support. It says nothing of `--embeddings`, and a `--no-jinja`
 * server looks the same as a `--jinja` one whose template has no tools, so those two are probed.
 */
export const llamacppCapabilities: CapabilityReader = {
  sources: () => ({ props: { method: 'GET', path: '/props' } }),
  parse(bodies) {
    const props = tryParseJson(bodies.props ?? '');
    if (!isObject(props)) return {};
    const caps: NodeCapabilities = {};
    const modalities = props.modalities;
    if (isObject(modalities) && typeof modalities.vision === 'boolean')
      caps.vision = modalities.vision;
    const settings = props.default_generation_settings;
    const nCtx = asNumber(isObject(settings) ? settings.n_ctx : undefined) ?? asNumber(props.n_ctx);
    if (nCtx !== undefined && nCtx > 0) {
      caps.maxContextTokens = nCtx;
      // A prompt that fits is served; the output stops at the context's end.
      caps.contextCoversOutput = false;
    }
    const template = props.chat_template_caps;
    if (isObject(template) && template.supports_tools === true) caps.tools = true;
    return caps;
  },
};

const PROBE_TOOL = {
  type: 'function',
  function: { name: 'probe', parameters: { type: 'object', properties: {} } },
};

export const LLAMACPP_PROBES: readonly CapabilityProbe[] = [
  {
    capability: 'embeddings',
    build: (model) => ({ method: 'POST', path: '/v1/embeddings', body: { model, input: 'probe' } }),
  },
  {
    capability: 'tools',
    build: (model) => ({
      method: 'POST',
      path: '/v1/chat/completions',
      body: {
        model,
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 1,
        tools: [PROBE_TOOL],
      },
    }),
  },
];

/**
 * Refusals that hold for every request of their kind: 501 to embeddings (no `--embeddings`), 400
 * "Pooling type 'none' is not OAI compatible" (embeddings on without pooling), and the 500
 * "tools param requires --jinja flag" of a `--no-jinja` server, and the 500 "image input is not
 * supported" of a server without a projector (server-common.cpp).
 */
export function llamacppRefusal(status: number, body: string, call: CallKind) {
  if (call === 'embedding' && (status === 501 || (status === 400 && /pooling type/i.test(body))))
    return 'embeddings' as const;
  if (call === 'generation' && status === 500 && /requires --jinja/i.test(body))
    return 'tools' as const;
  if (call === 'generation' && status === 500 && /image input is not supported/i.test(body))
    return 'vision' as const;
  return undefined;
}
