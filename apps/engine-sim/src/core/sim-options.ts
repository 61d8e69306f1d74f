import { z } from 'zod';
import { FAULT_DEFAULTS, FAULT_SHAPE, type FailStatus } from './sim-faults';

/** Engines the simulator can impersonate; each one is a `*.personality.ts` plus a table row. */
export const SIM_ENGINES = ['llamacpp', 'vllm', 'mindie', 'tgi', 'ollama'] as const;
export type SimEngine = (typeof SIM_ENGINES)[number];

export interface EngineSimOptions {
  engine: SimEngine;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks an ephemeral port. */
  port: number;
  /**
   * Port of the management listener, for engines that have one (MindIE); 0 = ephemeral. Default:
   * MindIE's own layout, the inference port + 1 (1025 → 1026).
   */
  managementPort?: number;
  /** Port of the metrics listener (MindIE); 0 = ephemeral. Default: the inference port + 2. */
  metricsPort?: number;
  /** Served model alias, e.g. `tiny-llama`. */
  model: string;
  /** Concurrent sequences (default 4); requests beyond wait FIFO. */
  slots?: number;
  /** Prompt processing speed (default 2000 tokens/s). */
  prefillTokensPerSecond?: number;
  /** Per-token delay with one busy slot (default 15 ms). */
  decodeMs?: number;
  /** Each extra busy slot adds this fraction to `decodeMs` (default 0.15). */
  batchSlowdown?: number;
  /** Per-slot context in tokens (default 4096). */
  ctxSize?: number;
  /**
   * KV cache shared by all slots, in tokens (default slots × ctxSize). A sequence holds its prompt
   * plus what it may still decode; one that does not fit waits in line even if a slot is free.
   */
  kvCacheTokens?: number;
  /** A reasoning model: every choice thinks (a run of reasoning tokens) before it answers. */
  reasoning?: boolean;
  /** Length of embedding vectors (default 384). */
  embeddingDim?: number;
  /**
   * llama.cpp `--embeddings`: serve embeddings; without it llama.cpp answers 501 (default off,
   * as the real server). Other engines always serve them.
   */
  embeddings?: boolean;
  /** llama.cpp `--jinja` (default on, as the real server); off answers 500 to any `tools`. */
  jinja?: boolean;
  /**
   * llama.cpp with a multimodal projector (`--mmproj`): `/props` says vision and images are
   * read (default on); off answers 500 to images, as a text-only llama-server does.
   */
  vision?: boolean;
  /** How long after start the engine still reports that it is loading (default 0 ms). */
  loadingMs?: number;
  /** Fraction 0..1 of inference requests that fail before any output (default 0). */
  failRate?: number;
  /** Status of those failures: 500 (default) or 503. */
  failStatus?: FailStatus;
  /** Refuse at once with the engine's overload error instead of queueing (default false). */
  overloadWhenFull?: boolean;
  /** Extra delay before the first token (default 0 ms). */
  stallMs?: number;
  /** Drop the connection after this many streamed tokens of a request (default never). */
  dieAfterTokens?: number | null;
  /** Fail a stream with the engine's in-band error after this many tokens (default never). */
  errorAfterTokens?: number | null;
  /** Stop the whole engine abruptly this long after start (default never). */
  crashAfterMs?: number | null;
  /** pino level (default `warn`). */
  logLevel?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const settingsSchema = z.object({
  engine: z.enum(SIM_ENGINES),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  managementPort: z.number().int().min(0).max(65535).optional(),
  metricsPort: z.number().int().min(0).max(65535).optional(),
  model: z.string().min(1),
  slots: z.number().int().min(1).max(1024).default(4),
  prefillTokensPerSecond: z.number().positive().default(2000),
  decodeMs: z.number().min(0).default(15),
  batchSlowdown: z.number().min(0).default(0.15),
  ctxSize: z.number().int().min(16).default(4096),
  kvCacheTokens: z.number().int().min(16).optional(),
  reasoning: z.boolean().default(false),
  embeddingDim: z.number().int().min(1).max(65536).default(384),
  embeddings: z.boolean().default(false),
  jinja: z.boolean().default(true),
  vision: z.boolean().default(true),
  loadingMs: FAULT_SHAPE.loadingMs.default(FAULT_DEFAULTS.loadingMs),
  failRate: FAULT_SHAPE.failRate.default(FAULT_DEFAULTS.failRate),
  failStatus: FAULT_SHAPE.failStatus.default(FAULT_DEFAULTS.failStatus),
  overloadWhenFull: FAULT_SHAPE.overloadWhenFull.default(FAULT_DEFAULTS.overloadWhenFull),
  stallMs: FAULT_SHAPE.stallMs.default(FAULT_DEFAULTS.stallMs),
  dieAfterTokens: FAULT_SHAPE.dieAfterTokens.default(FAULT_DEFAULTS.dieAfterTokens),
  errorAfterTokens: FAULT_SHAPE.errorAfterTokens.default(FAULT_DEFAULTS.errorAfterTokens),
  crashAfterMs: FAULT_SHAPE.crashAfterMs.default(FAULT_DEFAULTS.crashAfterMs),
  logLevel: z.enum(LOG_LEVELS).default('warn'),
});

type ParsedSettings = z.infer<typeof settingsSchema>;

/**
 * Validated options with every default applied. The fault knobs here are the values at start;
 * the live ones are `SimContext.faults`, which `POST /__sim/faults` may change.
 */
export type SimSettings = Readonly<
  Omit<ParsedSettings, 'kvCacheTokens'> & { kvCacheTokens: number }
>;

/** Applies defaults and rejects bad options at start, listing every problem at once. */
export function resolveSimSettings(opts: EngineSimOptions): SimSettings {
  const parsed = settingsSchema.safeParse(opts);
  if (!parsed.success) {
    throw new Error(`engine-sim: invalid options\n${z.prettifyError(parsed.error)}`);
  }
  const { kvCacheTokens, slots, ctxSize } = parsed.data;
  return Object.freeze({ ...parsed.data, kvCacheTokens: kvCacheTokens ?? slots * ctxSize });
}
