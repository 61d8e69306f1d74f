import type { AcceleratorDevice } from '@switchyard/contracts';
import { CachedTelemetry, detectTelemetrySource } from '@switchyard/telemetry';
import type { Logger } from 'pino';
import type { WorkerMetrics } from '../worker-metrics';

/**
 * The node's accelerators, read in the background so a slow vendor tool never delays a
 * heartbeat. `setting` is `auto`, `none`, or a simulated fleet spec (`npu:910B3x8`).
 */
export class Accelerators {
  private constructor(
    private readonly source: CachedTelemetry | null,
    private readonly metrics: WorkerMetrics,
  ) {}

  static async create(
    setting: string,
    load: () => number,
    metrics: WorkerMetrics,
    log: Logger,
  ): Promise<Accelerators> {
    if (setting === 'none') return new Accelerators(null, metrics);
    const say = (msg: string) => log.info(msg);
    const source = await detectTelemetrySource({
      ...(setting === 'auto' ? {} : { simulated: setting }),
      load,
      log: say,
    });
    return new Accelerators(source ? new CachedTelemetry(source, { log: say }) : null, metrics);
  }

  async read(): Promise<AcceleratorDevice[]> {
    if (!this.source) return [];
    const devices = await this.source.read();
    for (const d of devices) this.export(d);
    return devices;
  }

  private export(d: AcceleratorDevice): void {
    const labels = { kind: d.kind, device: String(d.index), chip: String(d.chip), name: d.name };
    const set = (gauge: { set(l: object, v: number): void }, value: number | null) => {
      if (value !== null) gauge.set(labels, value);
    };
    set(this.metrics.switchyard_accelerator_utilization_ratio, d.utilization);
    set(this.metrics.switchyard_accelerator_memory_used_bytes, d.memoryUsedBytes);
    set(this.metrics.switchyard_accelerator_memory_total_bytes, d.memoryTotalBytes);
    set(this.metrics.switchyard_accelerator_temperature_celsius, d.temperatureCelsius);
    set(this.metrics.switchyard_accelerator_power_watts, d.powerWatts);
    set(this.metrics.switchyard_accelerator_healthy, d.health === 'ok' ? 1 : 0);
  }
}
