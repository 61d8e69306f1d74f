/**
 * Engine simulator: impersonates an inference engine's HTTP API byte for byte, over a
 * realistic cost model (slots, FIFO queueing, KV-cache capacity, prefill and batched decode
 * timing, prefix cache), with deterministic output (answers, reasoning, tool calls, embeddings)
 * and fault knobs. Its own control routes live under `/__sim/` (see `core/sim-control.ts`).
 *
 * `core/` holds the cost model and the machinery every engine shares; `personalities/<kind>/`
 * holds one engine's wire: request parsing, encoders, errors, routes, info and metrics.
 * Everything outside this app imports it as `@switchyard/engine-sim`, through this file only.
 */
export { startEngineSim, type RunningSim } from './core/sim-server';
export { SIM_ENGINES, type EngineSimOptions, type SimEngine } from './core/sim-options';
export { SIM_CONTROL_PREFIX } from './core/sim-control';
export { type FailStatus, type FaultSettings } from './core/sim-faults';
export { renderChatPrompt, type ChatMessage } from './core/chat-template';
export { DEFAULT_SEED, generateTokens, planCompletion, planKey } from './core/text-generator';
export { planChoice } from './core/choice-plan';
export { planToolCall, type ToolSpec } from './core/tool-call-plan';
export { embedText } from './core/text-embedder';
export { countTokens } from './core/tokenizer';
