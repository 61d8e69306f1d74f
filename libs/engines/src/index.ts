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
export type { RecordReader } from './record-reader';
export { createRecordReader } from './record-readers';
export { createSseReader } from './sse-reader';
export { createNdjsonReader } from './ndjson-reader';
export { parsePrometheusText, sampleValue, type PrometheusSample } from './prometheus-text';
