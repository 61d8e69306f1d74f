/**
 * The simulated fleet the scheduling benchmark runs on: six nodes of four engine kinds that
 * differ in slots, decode speed, batching penalty and prefill speed, like a real mixed fleet.
 * Every node serves the same model, so every request may land anywhere and placement alone
 * decides how fast it is served. Speeds are chosen against the SLOs in `slo.ts`: an idle or
 * lightly loaded node meets them (except a long uncached prompt on a slow-prefill node), a
 * saturated slow node does not.
 */
export type BenchEngine = 'vllm' | 'llamacpp' | 'mindie' | 'tgi';

export interface BenchNode {
  /** Short name used in reports, e.g. `h100-vllm`. */
  name: string;
  engine: BenchEngine;
  /** What the node stands for, for the docs. */
  hardware: string;
  /** Concurrent sequences (`--slots` of both the sim and its worker). */
  slots: number;
  /** Milliseconds per decode step with one busy slot. */
  decodeMs: number;
  /** Each extra busy slot slows every decode step by this fraction. */
  batchSlowdown: number;
  /** Prompt tokens prefilled per second. */
  prefillTps: number;
  ctxSize: number;
  kvCacheTokens: number;
  /** The worker's simulated accelerator telemetry. */
  telemetry: string;
}

export const BENCH_MODEL = 'bench-llm';

export const BENCH_FLEET: readonly BenchNode[] = [
  {
    name: 'h100-vllm',
    engine: 'vllm',
    hardware: 'datacentre GPU (H100-like): many slots, fast decode, fast prefill',
    slots: 10,
    decodeMs: 14,
    batchSlowdown: 0.05,
    prefillTps: 8000,
    ctxSize: 8192,
    kvCacheTokens: 81920,
    telemetry: 'gpu:NVIDIA H100 80GB HBM3x1',
  },
  {
    name: 'a100-vllm',
    engine: 'vllm',
    hardware: 'previous-generation datacentre GPU (A100-like)',
    slots: 6,
    decodeMs: 20,
    batchSlowdown: 0.06,
    prefillTps: 4000,
    ctxSize: 8192,
    kvCacheTokens: 49152,
    telemetry: 'gpu:NVIDIA A100-SXM4-80GBx1',
  },
  {
    name: 'rtx4090-llamacpp',
    engine: 'llamacpp',
    hardware: 'consumer GPU (RTX 4090) running llama.cpp with 4 parallel slots',
    slots: 4,
    decodeMs: 22,
    batchSlowdown: 0.12,
    prefillTps: 2500,
    ctxSize: 4096,
    kvCacheTokens: 16384,
    telemetry: 'gpu:NVIDIA GeForce RTX 4090x1',
  },
  {
    name: 'rtx3060-llamacpp',
    engine: 'llamacpp',
    hardware: 'small consumer GPU (RTX 3060) running llama.cpp with 2 slots, slow prefill',
    slots: 2,
    decodeMs: 38,
    batchSlowdown: 0.15,
    prefillTps: 800,
    ctxSize: 4096,
    kvCacheTokens: 8192,
    telemetry: 'gpu:NVIDIA GeForce RTX 3060x1',
  },
  {
    name: '910b-mindie',
    engine: 'mindie',
    hardware: 'Ascend 910B NPU server (MindIE): many slots, slow decode',
    slots: 16,
    decodeMs: 36,
    batchSlowdown: 0.02,
    prefillTps: 2000,
    ctxSize: 8192,
    kvCacheTokens: 131072,
    telemetry: 'npu:910B3x8',
  },
  {
    name: 't4-tgi',
    engine: 'tgi',
    hardware: 'old inference GPU (T4) running TGI: few slots, slow decode and prefill',
    slots: 4,
    decodeMs: 40,
    batchSlowdown: 0.1,
    prefillTps: 1200,
    ctxSize: 4096,
    kvCacheTokens: 16384,
    telemetry: 'gpu:Tesla T4x1',
  },
];

/** Milliseconds per decode step with `busy` slots busy (the sim's cost model). */
export function stepMs(node: BenchNode, busy: number): number {
  return node.decodeMs * (1 + node.batchSlowdown * (Math.max(1, busy) - 1));
}

/** `switchyard sim` flags for a node (the fleet helper adds engine, port, model, slots, decode). */
export function simArgs(node: BenchNode): string[] {
  return [
    '--prefill-tps',
    String(node.prefillTps),
    '--batch-slowdown',
    String(node.batchSlowdown),
    '--ctx-size',
    String(node.ctxSize),
    '--kv-cache-tokens',
    String(node.kvCacheTokens),
  ];
}

/** `switchyard worker` flags: take as many jobs as the engine has slots, report telemetry. */
export function workerArgs(node: BenchNode): string[] {
  return ['--slots', String(node.slots), '--telemetry', node.telemetry];
}
