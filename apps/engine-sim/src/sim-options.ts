import { z } from 'zod';

/** Engines the simulator can impersonate; each one is a `*.personality.ts` plus a table row. */
export const SIM_ENGINES = ['llamacpp'] as const;
export type SimEngine = (typeof SIM_ENGINES)[number];

export interface EngineSimOptions {
  engine: SimEngine;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 picks an ephemeral port. */
  port: number;
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
  /** How long after start the engine still reports that it is loading (default 0 ms). */
  loadingMs?: number;
  /** pino level (default `warn`). */
  logLevel?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const settingsSchema = z.object({
  engine: z.enum(SIM_ENGINES),
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  model: z.string().min(1),
  slots: z.number().int().min(1).max(1024).default(4),
  prefillTokensPerSecond: z.number().positive().default(2000),
  decodeMs: z.number().min(0).default(15),
  batchSlowdown: z.number().min(0).default(0.15),
  ctxSize: z.number().int().min(16).default(4096),
  loadingMs: z.number().min(0).default(0),
  logLevel: z.enum(LOG_LEVELS).default('warn'),
});

export type SimSettings = Readonly<z.infer<typeof settingsSchema>>;

/** Applies defaults and rejects bad options at start, listing every problem at once. */
export function resolveSimSettings(opts: EngineSimOptions): SimSettings {
  const parsed = settingsSchema.safeParse(opts);
  if (!parsed.success) {
    throw new Error(`engine-sim: invalid options\n${z.prettifyError(parsed.error)}`);
  }
  return Object.freeze(parsed.data);
}
