import type { AcceleratorDevice } from '@switchyard/contracts';

/**
 * Where a node's accelerator readings come from (a vendor tool, or the simulator).
 *
 * An implementer must guarantee that `read()` settles in bounded time (a hung tool is
 * killed), returns one entry per chip with unknown figures as null, and rejects with a
 * `TelemetryError` whose `code` says why when it cannot read at all.
 */
export interface TelemetrySource {
  /** Short name for logs: `nvidia-smi`, `npu-smi`, `simulated`. */
  readonly name: string;
  read(): Promise<AcceleratorDevice[]>;
}

/** Limits every tool-backed source applies to each run of its binary. */
export interface ToolSourceOptions {
  /** Binary path or name on PATH; injectable so tests (and odd installs) can point elsewhere. */
  bin?: string;
  /** Per run; default {@link DEFAULT_TOOL_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Per run, stdout and stderr each; default {@link DEFAULT_TOOL_MAX_OUTPUT_BYTES}. */
  maxOutputBytes?: number;
  /** Signal sent to a run past its timeout; default SIGKILL. */
  killSignal?: NodeJS.Signals;
}

export const DEFAULT_TOOL_TIMEOUT_MS = 3000;
/** A 16-chip npu-smi table with a long process list is ~20 KB; 1 MiB is far beyond any real run. */
export const DEFAULT_TOOL_MAX_OUTPUT_BYTES = 1024 * 1024;
