import type { AcceleratorDevice } from '@switchyard/contracts';
import { NVIDIA_SMI_ARGS, parseNvidiaSmi } from './nvidia-smi.parser';
import {
  DEFAULT_TOOL_MAX_OUTPUT_BYTES,
  DEFAULT_TOOL_TIMEOUT_MS,
  type TelemetrySource,
  type ToolSourceOptions,
} from './telemetry-source';
import { ToolRunner } from './tool-runner';

/** NVIDIA GPUs, read with one `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` run. */
export class NvidiaSmiSource implements TelemetrySource {
  readonly name = 'nvidia-smi';
  private readonly runner: ToolRunner;

  constructor(opts: ToolSourceOptions = {}) {
    this.runner = new ToolRunner(this.name, {
      bin: opts.bin ?? 'nvidia-smi',
      timeoutMs: opts.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS,
      maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_TOOL_MAX_OUTPUT_BYTES,
      ...(opts.killSignal === undefined ? {} : { killSignal: opts.killSignal }),
    });
  }

  get bin(): string {
    return this.runner.bin;
  }

  async read(): Promise<AcceleratorDevice[]> {
    return parseNvidiaSmi(await this.runner.run(NVIDIA_SMI_ARGS));
  }
}
