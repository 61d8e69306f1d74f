import type { AcceleratorDevice } from '@switchyard/contracts';
import { parseNpuSmiInfo } from './npu-smi.parser';
import { applyNpuSmiUsages, parseNpuSmiUsages } from './npu-smi-usages.parser';
import { isTelemetryError } from './telemetry-error';
import {
  DEFAULT_TOOL_MAX_OUTPUT_BYTES,
  DEFAULT_TOOL_TIMEOUT_MS,
  type TelemetrySource,
  type ToolSourceOptions,
} from './telemetry-source';
import { ToolRunner } from './tool-runner';

export interface NpuSmiSourceOptions extends ToolSourceOptions {
  /** Also run `npu-smi info -t usages -i <id>` per NPU to refine utilisation; default true. */
  usages?: boolean;
}

/**
 * Ascend NPUs: `npu-smi info` for the table, then `info -t usages -i N` for each NPU in
 * parallel. A failing usages run only loses that refinement; when every usages run of a read
 * exits non-zero (a tool without `-t usages`), later reads stop asking.
 */
export class NpuSmiSource implements TelemetrySource {
  readonly name = 'npu-smi';
  private readonly runner: ToolRunner;
  private usages: boolean;

  constructor(opts: NpuSmiSourceOptions = {}) {
    this.runner = new ToolRunner(this.name, {
      bin: opts.bin ?? 'npu-smi',
      timeoutMs: opts.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
      maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_TOOL_MAX_OUTPUT_BYTES,
      ...(opts.killSignal === undefined ? {} : { killSignal: opts.killSignal }),
    });
    this.usages = opts.usages ?? true;
  }

  get bin(): string {
    return this.runner.bin;
  }

  async read(): Promise<AcceleratorDevice[]> {
    const { devices } = parseNpuSmiInfo(await this.runner.run(['info']));
    if (!this.usages || devices.length === 0) return devices;
    const ids = [...new Set(devices.map((d) => d.index))];
    const runs = await Promise.allSettled(
      ids.map((id) => this.runner.run(['info', '-t', 'usages', '-i', String(id)])),
    );
    const unsupported = runs.every(
      (r) =>
        r.status === 'rejected' &&
        isTelemetryError(r.reason) &&
        r.reason.code === 'SY_TELEMETRY_FAILED',
    );
    if (unsupported) this.usages = false;
    let refined = devices;
    runs.forEach((run, i) => {
      if (run.status !== 'fulfilled') return;
      refined = applyNpuSmiUsages(refined, ids[i]!, parseNpuSmiUsages(run.value));
    });
    return refined;
  }
}
