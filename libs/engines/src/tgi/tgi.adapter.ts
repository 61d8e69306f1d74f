import { TGI_FIXED_CAPABILITIES, tgiCapabilities } from './tgi-capabilities';
import type { GenerationRequest } from '@switchyard/contracts';
import type {
  EngineAdapter,
  EngineCall,
  EngineStreamParser,
  HealthVerdict,
} from '../engine-adapter';
import { statusReason } from '../shared/health-reason';
import { isObject, tryParseJson } from '../shared/json-guards';
import { createTgiChatStreamParser } from './tgi-chat-stream.parser';
import { parseTgiError, tgiErrorMessage } from './tgi-error';
import { createTgiGenerateStreamParser } from './tgi-generate-stream.parser';
import { parseTgiCounters, parseTgiLoad, TGI_LOAD_SOURCES, tgiModelId } from './tgi-load';
import { tgiChatCall, tgiGenerateCall } from './tgi-request.mapper';

/**
 * Hugging Face text-generation-inference (TGI): chat through its OpenAI route, completion
 * through the native `/generate_stream`. Generation only; embeddings are a different server (TEI).
 * TGI refuses connections until the model is loaded and warmed up, which the engine client
 * reports as unreachable. Reference: huggingface/text-generation-inference router/src/server.rs.
 */
export const tgiAdapter = {
  kind: 'tgi',
  streamFraming: 'sse',
  health: { plane: 'inference', path: '/health' },
  models: { plane: 'inference', path: '/info' },
  loadSources: TGI_LOAD_SOURCES,

  buildRequest(req: GenerationRequest): EngineCall {
    return req.kind === 'chat' ? tgiChatCall(req) : tgiGenerateCall(req);
  },

  createStreamParser(req: GenerationRequest): EngineStreamParser {
    return req.kind === 'chat'
      ? createTgiChatStreamParser(req)
      : createTgiGenerateStreamParser(req);
  },

  parseError: parseTgiError,

  /** 200 with an empty body is healthy; 503 `{"error":"unhealthy","error_type":"healthcheck"}` is not. */
  interpretHealth(status: number, body: string): HealthVerdict {
    if (status >= 200 && status < 300) return { ready: true };
    const parsed = tryParseJson(body);
    return {
      ready: false,
      reason: statusReason(status, isObject(parsed) ? tgiErrorMessage(parsed) : undefined),
    };
  },

  parseModels(body: unknown): string[] {
    const id = tgiModelId(body);
    return id === undefined ? [] : [id];
  },

  parseLoad: parseTgiLoad,
  parseCounters: parseTgiCounters,
  // Its chat route always opens a new assistant turn.
  continuesChat: false,
  fixedCapabilities: TGI_FIXED_CAPABILITIES,
  capabilityReader: tgiCapabilities,
} satisfies EngineAdapter;
