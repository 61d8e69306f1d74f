export type {
  EmbeddingCodec,
  EngineAdapter,
  EngineCall,
  EngineCounters,
  EngineEndpoint,
  EnginePlane,
  EngineStreamParser,
  HealthVerdict,
  StreamFraming,
} from './engine-adapter';
export { ENGINE_ADAPTERS, getEngineAdapter } from './engines';
export { codeForEngineStatus, engineErrorEvent } from './engine-error';
export { llamacppAdapter } from './llamacpp.adapter';
export { llamacppCounters, type LlamacppCounters } from './llamacpp-load';
export { mindieAdapter } from './mindie.adapter';
export { readMindieInfo, type MindieInfo } from './mindie-load';
export { ollamaAdapter } from './ollama.adapter';
export { ollamaLoadedModels } from './ollama-load';
export { openaiAdapter } from './openai.adapter';
export { tgiAdapter } from './tgi.adapter';
export { vllmAdapter } from './vllm.adapter';
export type { RecordReader } from './record-reader';
export { createRecordReader } from './record-readers';
export { createSseReader } from './sse-reader';
export { createNdjsonReader } from './ndjson-reader';
export { parsePrometheusText, sampleValue, type PrometheusSample } from './prometheus-text';
