/**
 * Engine simulator: impersonates an inference engine's HTTP API byte for byte, over a
 * realistic cost model (slots, FIFO queueing, prefill and batched decode timing, prefix cache),
 * with deterministic output. Used by tests, the local demo and benchmarks.
 */
export { startEngineSim, type RunningSim } from './sim-server';
export { SIM_ENGINES, type EngineSimOptions, type SimEngine } from './sim-options';
export { renderChatPrompt, type ChatMessage } from './chat-template';
export { generateTokens } from './text-generator';
export { countTokens } from './tokenizer';
