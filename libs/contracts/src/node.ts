import type { Modality } from './inference-request';

/**
 * What the registry knows about a node (one engine instance plus its worker-agent).
 * The worker-agent owns its node's record; gateways only read it.
 */

/** Engine kinds a worker-agent can drive. A new engine is one new row here and in libs/engines. */
export const ENGINE_KINDS = ['llamacpp', 'vllm', 'mindie', 'tgi', 'ollama', 'openai'] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

export function isEngineKind(value: string): value is EngineKind {
  return (ENGINE_KINDS as readonly string[]).includes(value);
}

/**
 * Life cycle, owned by the worker-agent: joining → warming → ready ⇄ warming (engine stopped
 * answering) → cordoned → draining → gone. Only `ready` nodes receive new work.
 */
export type NodeState = 'joining' | 'warming' | 'ready' | 'cordoned' | 'draining' | 'gone';

export interface NodeInfo {
  id: string;
  engine: EngineKind;
  /** Models the engine reported serving (learned from the engine, not configured). */
  models: string[];
  /** Concurrent requests the worker takes (its BullMQ concurrency). */
  slots: number;
  state: NodeState;
  /** Why the node is not ready, for operators (`engine unreachable: ECONNREFUSED`). */
  stateReason?: string;
  /** What the served models accept, when the node says; absent leaves it to the model catalogue. */
  modalities?: Modality[];
  /** Selector labels such as `accelerator=npu`, `zone=a`. */
  labels: Record<string, string>;
  /**
   * Whether the engine serves embeddings. Kept for readers that predate `capabilities`; equal
   * to `capabilities.embeddings` when that is known, else whether the adapter has the call.
   */
  embeddings?: boolean;
  /**
   * Whether the engine can continue a cut-short assistant message in a chat (so a stream
   * whose node died can resume here). Absent: it cannot.
   */
  continuesChat?: boolean;
  /** What this node's engine can serve, as learned from it; see NodeCapabilities. */
  capabilities?: NodeCapabilities;
  /** Where `slots` came from, for operators (see SlotsSource). */
  slotsSource?: SlotsSource;
  /** Where the worker-agent serves /metrics; for operators, never shown to API clients. */
  agentUrl?: string;
  /** Unix ms when the worker-agent started. */
  startedAt: number;
  version: string;
}

/**
 * Where a node's slot count came from: `configured` (--slots), `engine` (the engine states its
 * concurrency: llama.cpp /slots, vLLM max_num_seqs), `adaptive` (learned from latency while
 * load grows and shrinks), `default` (nothing known).
 */
export type SlotsSource = 'configured' | 'engine' | 'adaptive' | 'default';

/** The request features a node may or may not serve. */
export const CAPABILITY_NAMES = [
  'embeddings',
  'tools',
  'vision',
  'multipleChoices',
  'maxContextTokens',
] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/**
 * How a capability became known: `engine` (it says so: llama.cpp /props, vLLM /v1/models,
 * TGI /info, Ollama /api/show), `probe` (a tiny request at start-up was served or refused),
 * `refusal` (a real request was refused in a way that holds for every request of its kind),
 * `adapter` (the engine kind never serves it).
 */
export type CapabilitySource = 'engine' | 'probe' | 'refusal' | 'adapter';

/**
 * What one node's engine can serve, learned per node. A missing field means unknown, and
 * placement then lets requests through (a refusal will teach it); `false` keeps requests that
 * need the feature away from the node.
 */
export interface NodeCapabilities {
  embeddings?: boolean;
  /** Requests carrying `tools`. */
  tools?: boolean;
  /** Requests carrying images. */
  vision?: boolean;
  /** Several choices (n > 1) in one request. */
  multipleChoices?: boolean;
  /** The longest context one request may use, tokens. */
  maxContextTokens?: number;
  /**
   * Whether `maxContextTokens` bounds prompt + max_tokens (the engine refuses beyond it, as
   * vLLM and TGI do) rather than the prompt alone (llama.cpp, Ollama cut the output short).
   */
  contextCoversOutput?: boolean;
  /** Where each known capability came from. */
  learnedFrom?: Partial<Record<CapabilityName, CapabilitySource>>;
}

/**
 * Load, normalised across engines. A figure the engine does not expose and the worker
 * cannot derive is null, never a made-up number.
 */
export interface NodeLoad {
  /** Requests the engine is generating for. */
  running: number;
  /** Requests waiting: in the engine's queue plus in the node's job queue. */
  waiting: number;
  slotsTotal: number;
  slotsFree: number;
  /** KV-cache use, 0..1. */
  kvCacheUsage: number | null;
  /** Prefix-cache hit rate over the recent window, 0..1. */
  prefixCacheHitRate: number | null;
  /** Throughput over a recent window, tokens per second: how much work the node did. */
  promptTokensPerSecond: number | null;
  generationTokensPerSecond: number | null;
  /**
   * Speed, not throughput: tokens per second one sequence decodes at while it generates, at
   * the batch sizes the node ran recently — its per-slot capacity. Measured by the worker on
   * the requests it relays; kept while the node idles (hardware does not slow down unused);
   * absent or null until the node has generated.
   */
  decodeTokensPerSecond?: number | null;
  /**
   * Uncached prompt tokens the node processes per second of time to first token, on the
   * requests it ran recently; absent or null until measured. Kept while idle, as above.
   */
  prefillTokensPerSecond?: number | null;
  /**
   * Mean output tokens of the requests the node finished recently: the size placement gives
   * the work queued on it. Kept while idle; absent or null until measured.
   */
  meanOutputTokens?: number | null;
  /** Recent mean time to first token, ms. */
  ttftMs: number | null;
  /**
   * Median time to first token of the requests the worker relayed over the recent window
   * (from job start on the node), ms; absent or null when it relayed none.
   */
  ttftP50Ms?: number | null;
  /**
   * Figures the engine does not expose that the worker derived from its own bookkeeping
   * (the requests it ran), so an operator knows which numbers came from where.
   */
  derived?: DerivedFigure[];
}

export type DerivedFigure =
  | 'running'
  | 'waiting'
  | 'slotsTotal'
  | 'promptTokensPerSecond'
  | 'generationTokensPerSecond'
  | 'ttftMs';

/** One accelerator as the node's telemetry source reads it; unknown figures are null. */
export interface AcceleratorDevice {
  kind: 'gpu' | 'npu';
  /** Index as the vendor tool numbers it (nvidia-smi index; npu-smi NPU id). */
  index: number;
  /** Chip within the device (Ascend cards carry several); 0 when there is one. */
  chip: number;
  /** Model name, e.g. `NVIDIA H100 80GB HBM3`, `910B3`. */
  name: string;
  /** Compute utilisation 0..1 (nvidia-smi utilization.gpu, npu-smi AICore). */
  utilization: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  temperatureCelsius: number | null;
  powerWatts: number | null;
  /** Vendor health word normalised: OK → ok; Warning/Alarm → warning; Critical/Fault → critical. */
  health: 'ok' | 'warning' | 'critical' | 'unknown';
  busId?: string;
}

/** One heartbeat: the whole record, published on the events channel and stored in the hash. */
export interface NodeSnapshot {
  info: NodeInfo;
  load: NodeLoad;
  /** The node's accelerators; empty when it has none or no telemetry tool answers. */
  devices?: AcceleratorDevice[];
  /** Unix ms when the worker produced this snapshot. */
  at: number;
}

export function emptyLoad(slots: number): NodeLoad {
  return {
    running: 0,
    waiting: 0,
    slotsTotal: slots,
    slotsFree: slots,
    kvCacheUsage: null,
    prefixCacheHitRate: null,
    promptTokensPerSecond: null,
    generationTokensPerSecond: null,
    ttftMs: null,
  };
}

/** Messages on the registry events channel. */
export type RegistryEvent =
  | {
      type: 'heartbeat';
      snapshot: NodeSnapshot;
      /**
       * Unix ms on Redis's clock (`TIME`) when Redis stored this heartbeat: the same clock
       * every gateway's liveness check reads, unlike `snapshot.at` (the worker's clock).
       * Absent from workers that predate it.
       */
      heartbeatAt?: number;
    }
  | { type: 'left'; nodeId: string };
