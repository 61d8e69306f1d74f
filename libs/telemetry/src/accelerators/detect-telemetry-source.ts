import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { NpuSmiSource } from './npu-smi.source';
import { NvidiaSmiSource } from './nvidia-smi.source';
import { SimulatedTelemetrySource } from './simulated.source';
import { telemetryFailureReason } from './telemetry-error';
import type { TelemetrySource } from './telemetry-source';

export interface DetectTelemetryOptions {
  /** A simulated spec (`npu:910B3x8`); when set it wins and no tool is probed. */
  simulated?: string;
  /** The worker's load 0..1, which simulated devices follow; default always 0. */
  load?: () => number;
  /** Told once what was chosen, or that nothing was. */
  log: (msg: string) => void;
  /** Whether a binary (name on PATH, or path) exists and is executable; default looks on PATH. */
  which?: (bin: string) => Promise<boolean>;
  /** Binary paths, for installs outside PATH and for tests. */
  nvidiaSmiBin?: string;
  npuSmiBin?: string;
  /** Per tool run; default 3000 ms. */
  timeoutMs?: number;
}

export const NO_TELEMETRY_MESSAGE =
  'no accelerator telemetry: neither nvidia-smi nor npu-smi found';

/** Looks `bin` up the way execFile will: as a path if it has a slash, else on PATH. */
export async function onPath(bin: string): Promise<boolean> {
  const executable = (file: string) =>
    access(file, constants.X_OK).then(
      () => true,
      () => false,
    );
  if (bin.includes('/')) return executable(bin);
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const dir of dirs) if (await executable(join(dir, bin))) return true;
  return false;
}

/**
 * Picks the node's telemetry source once, at boot: the simulated spec if given (a malformed
 * spec throws, so the worker fails at boot); else nvidia-smi if it is installed and reads;
 * else npu-smi likewise; else — if a tool is installed but failing (driver still loading) —
 * that tool, so the cache keeps trying; else null. Exactly one line goes to `log`.
 */
export async function detectTelemetrySource(
  opts: DetectTelemetryOptions,
): Promise<TelemetrySource | null> {
  if (opts.simulated !== undefined && opts.simulated.trim() !== '') {
    const source = new SimulatedTelemetrySource(opts.simulated, opts.load ?? (() => 0));
    const { kind, name, count } = source.spec;
    opts.log(`accelerator telemetry: simulated, ${count} × ${kind} ${name}`);
    return source;
  }
  const which = opts.which ?? onPath;
  const limits = opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs };
  const candidates = [
    new NvidiaSmiSource({ ...limits, ...(opts.nvidiaSmiBin ? { bin: opts.nvidiaSmiBin } : {}) }),
    new NpuSmiSource({ ...limits, ...(opts.npuSmiBin ? { bin: opts.npuSmiBin } : {}) }),
  ];
  let failing: { source: TelemetrySource; reason: string } | null = null;
  for (const source of candidates) {
    if (!(await which(source.bin))) continue;
    try {
      const devices = await source.read();
      opts.log(`accelerator telemetry: ${source.name}, ${devices.length} device(s)`);
      return source;
    } catch (err) {
      failing ??= { source, reason: telemetryFailureReason(err) };
    }
  }
  if (failing) {
    opts.log(
      `accelerator telemetry: ${failing.source.name} is installed but failing ` +
        `(${failing.reason}); will keep trying`,
    );
    return failing.source;
  }
  opts.log(NO_TELEMETRY_MESSAGE);
  return null;
}
