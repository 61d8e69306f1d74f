import { OLLAMA_FIXED_CAPABILITIES, ollamaCapabilities } from './ollama-capabilities';
import type { ErrorCode, GenerationRequest } from '@switchyard/contracts';
import type {
  EngineAdapter,
  EngineCall,
  EngineStreamParser,
  HealthVerdict,
} from '../engine-adapter';
import { codeForEngineStatus } from '../shared/engine-error';
import { statusReason } from '../shared/health-reason';
import { asArray, asString, isObject, tryParseJson } from '../shared/json-guards';
import { ollamaEmbeddingCodec } from './ollama-embed.codec';
import { OLLAMA_LOAD_SOURCES, parseOllamaLoad } from './ollama-load';
import { ollamaChatCall, ollamaGenerateCall } from './ollama-request.mapper';
import { createOllamaStreamParser } from './ollama-stream.parser';

/**
 * Ollama through its native API (`/api/chat`, `/api/generate`, NDJSON). Ollama answers as soon
 * as the server is up and loads a model on its first request, so health is the server's.
 * Reference: ollama/ollama docs/api.md, docs/api/errors.mdx, server/routes.go.
 */

/**
 * Statuses whose meaning the 4xx/5xx bands get wrong. 499 is Ollama's "request canceled".
 * 429 comes from cloud models' rate limits: this node's upstream is saturated, not the request
 * wrong, so another node may serve it. 404 (`model "x" not found`) stays in the 4xx band,
 * SY_ENGINE_REJECTED: the gateway routes a model only to nodes that listed it, so a 404 means
 * this engine lost it since its last listing; the next model refresh drops it from the node,
 * and the client learns in Ollama's own words which model is missing. SY_MODEL_NOT_FOUND is a
 * cluster-wide verdict that one engine cannot give.
 */
const STATUS_CODES: Readonly<Partial<Record<number, ErrorCode>>> = {
  429: 'SY_ENGINE_UNAVAILABLE',
  499: 'SY_CANCELLED',
};

export const ollamaAdapter = {
  kind: 'ollama',
  streamFraming: 'ndjson',
  health: { plane: 'inference', path: '/api/version' },
  models: { plane: 'inference', path: '/api/tags' },
  loadSources: OLLAMA_LOAD_SOURCES,

  buildRequest(req: GenerationRequest): EngineCall {
    return req.kind === 'chat' ? ollamaChatCall(req) : ollamaGenerateCall(req);
  },

  createStreamParser(req: GenerationRequest): EngineStreamParser {
    return createOllamaStreamParser(req);
  },

  parseError(status: number, body: string): { code: ErrorCode; message: string } {
    return {
      code: STATUS_CODES[status] ?? codeForEngineStatus(status),
      message: errorMessage(body) ?? `engine answered HTTP ${status}`,
    };
  },

  interpretHealth(status: number, body: string): HealthVerdict {
    if (status >= 200 && status < 300) return { ready: true };
    return { ready: false, reason: statusReason(status, errorMessage(body)) };
  },

  parseModels: ollamaModelNames,
  parseLoad: parseOllamaLoad,
  embeddings: ollamaEmbeddingCodec,
  // /api/chat continues a trailing assistant message (Ollama's prefill).
  continuesChat: true,
  fixedCapabilities: OLLAMA_FIXED_CAPABILITIES,
  capabilityReader: ollamaCapabilities,
} satisfies EngineAdapter;

/** The flat `{"error": "<message>"}` every Ollama error carries. */
function errorMessage(body: string): string | undefined {
  const parsed = tryParseJson(body);
  const message = isObject(parsed) ? asString(parsed.error) : undefined;
  return message === undefined || message.trim() === '' ? undefined : message;
}

/**
 * Model names from `/api/tags`. A `name:latest` is also served as plain `name`, the way Ollama
 * resolves a name without a tag, so clients that omit the tag find the node.
 */
function ollamaModelNames(body: unknown): string[] {
  const names = asArray(isObject(body) ? body.models : undefined).flatMap((m) => {
    const name = isObject(m) ? (asString(m.name) ?? asString(m.model)) : undefined;
    return name ? [name] : [];
  });
  const aliases = names.flatMap((n) =>
    n.endsWith(':latest') ? [n.slice(0, -':latest'.length)] : [],
  );
  return [...new Set([...names, ...aliases])];
}
