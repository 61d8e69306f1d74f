export type {
  CallKind,
  CapabilityProbe,
  CapabilityReader,
  EmbeddingCodec,
  EngineAdapter,
  EngineCall,
  EngineCounters,
  EngineEndpoint,
  EnginePlane,
  EngineStreamParser,
  HealthVerdict,
  PlaneCall,
  PlaneLayout,
  StreamFraming,
} from './engine-adapter';
export { GAUGE_COUNTERS } from './engine-adapter';
export { ENGINE_ADAPTERS, getEngineAdapter } from './engines';
export { codeForEngineStatus, engineErrorEvent } from './shared/engine-error';
export { llamacppAdapter } from './llamacpp/llamacpp.adapter';
export { llamacppCounters, type LlamacppCounters } from './llamacpp/llamacpp-load';
export { mindieAdapter } from './mindie/mindie.adapter';
export { readMindieInfo, type MindieInfo } from './mindie/mindie-load';
export { ollamaAdapter } from './ollama/ollama.adapter';
export { ollamaLoadedModels } from './ollama/ollama-load';
export { openaiAdapter } from './openai/openai.adapter';
export { tgiAdapter } from './tgi/tgi.adapter';
export { vllmAdapter } from './vllm/vllm.adapter';
export type { RecordReader } from './shared/record-reader';
export { createRecordReader } from './shared/record-readers';
export { createSseReader } from './shared/sse-reader';
export { createNdjsonReader } from './shared/ndjson-reader';
export { parsePrometheusText, sampleValue, type PrometheusSample } from './shared/prometheus-text';
