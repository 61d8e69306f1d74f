import type { AcceleratorDevice } from '@switchyard/contracts';
import { telemetryFailureReason } from './telemetry-error';
import type { TelemetrySource } from './telemetry-source';

export interface CachedTelemetryOptions {
  /** Ask the source at most this often; default 5000 ms. */
  minIntervalMs?: number;
  /**
   * With no good reading for this long, the last devices are still reported (the scheduler
   * keeps seeing what the node has) but with every live figure null and health `unknown`;
   * default 60000 ms.
   */
  staleAfterMs?: number;
  log: (msg: string) => void;
  /** Clock, injectable for tests; default `Date.now`. */
  now?: () => number;
}

/** Live figures blanked once a reading is stale; total memory does not change while a node runs. */
function staleCopy(device: AcceleratorDevice): AcceleratorDevice {
  return {
    ...device,
    utilization: null,
    memoryUsedBytes: null,
    temperatureCelsius: null,
    powerWatts: null,
    health: 'unknown',
  };
}

/**
 * What the worker-agent puts in its heartbeat: reads the source at most every
 * `minIntervalMs` in the background, keeps the last good reading, and logs a failing source
 * once (and once more when it recovers), not on every heartbeat. `read()` never rejects and
 * only waits for the source on the very first call, so a hung tool never delays a heartbeat.
 */
export class CachedTelemetry implements TelemetrySource {
  readonly name: string;
  private readonly minIntervalMs: number;
  private readonly staleAfterMs: number;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private devices: AcceleratorDevice[] = [];
  private goodAt: number | null = null;
  private attemptAt: number | null = null;
  private inFlight: Promise<void> | null = null;
  private failing = false;

  constructor(
    private readonly source: TelemetrySource,
    opts: CachedTelemetryOptions,
  ) {
    this.name = source.name;
    this.minIntervalMs = opts.minIntervalMs ?? 5000;
    this.staleAfterMs = opts.staleAfterMs ?? 60_000;
    this.log = opts.log;
    this.now = opts.now ?? Date.now;
  }

  async read(): Promise<AcceleratorDevice[]> {
    const due = this.attemptAt === null || this.now() - this.attemptAt >= this.minIntervalMs;
    if (due && this.inFlight === null) {
      this.attemptAt = this.now();
      this.inFlight = this.refresh().finally(() => {
        this.inFlight = null;
      });
    }
    if (this.goodAt === null && this.inFlight !== null && !this.failing) await this.inFlight;
    return this.current();
  }

  /** Resolves when no read of the source is under way (for shutdown and tests). */
  async whenIdle(): Promise<void> {
    await this.inFlight;
  }

  private async refresh(): Promise<void> {
    try {
      this.devices = await this.source.read();
      this.goodAt = this.now();
      if (this.failing) {
        this.failing = false;
        this.log(`accelerator telemetry (${this.name}) recovered`);
      }
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        this.log(
          `accelerator telemetry (${this.name}) failing: ${telemetryFailureReason(err)}; ` +
            'reporting the last good reading until it recovers',
        );
      }
    }
  }

  private current(): AcceleratorDevice[] {
    if (this.goodAt !== null && this.now() - this.goodAt > this.staleAfterMs) {
      return this.devices.map(staleCopy);
    }
    return this.devices.map((device) => ({ ...device }));
  }
}
