/**
 * Engine simulator: impersonates an inference engine's HTTP API byte for byte, over a
 * realistic cost model (slots, FIFO queueing, KV-cache capacity, prefill and batched decode
 * timing, prefix cache), with deterministic output (answers, reasoning, tool calls, embeddings)
 * and fault knobs. Its own control routes live under `/__sim/` (see `sim-control.ts`).
 */
export { startEngineSim, type RunningSim } from './sim-server';
export { SIM_ENGINES, type EngineSimOptions, type SimEngine } from './sim-options';
export { SIM_CONTROL_PREFIX } from './sim-control';
export { type FailStatus, type FaultSettings } from './sim-faults';
export { renderChatPrompt, type ChatMessage } from './chat-template';
export { generateTokens } from './text-generator';
export { embedText } from './text-embedder';
export { countTokens } from './tokenizer';
