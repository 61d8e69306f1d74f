import type { AcceleratorDevice } from '@switchyard/contracts';
import { CachedTelemetry } from './cached-telemetry';
import { TelemetryError } from './telemetry-error';
import type { TelemetrySource } from './telemetry-source';

const gpu = (utilization: number): AcceleratorDevice => ({
  kind: 'gpu',
  index: 0,
  chip: 0,
  name: 'NVIDIA L4',
  utilization,
  memoryUsedBytes: 1,
  memoryTotalBytes: 2,
  temperatureCelsius: 40,
  powerWatts: 30,
  health: 'ok',
});

/** A source whose next answers are scripted: a number is a reading, an error is a failure. */
class ScriptedSource implements TelemetrySource {
  readonly name = 'scripted';
  calls = 0;
  constructor(private readonly answers: (number | TelemetryError)[]) {}
  async read(): Promise<AcceleratorDevice[]> {
    const answer = this.answers[Math.min(this.calls, this.answers.length - 1)]!;
    this.calls += 1;
    if (answer instanceof TelemetryError) throw answer;
    return [gpu(answer)];
  }
}

const timeout = new TelemetryError('SY_TELEMETRY_TIMEOUT', 'scripted: no answer within 3000 ms');

describe('CachedTelemetry', () => {
  let now: number;
  let logs: string[];
  const make = (source: TelemetrySource) =>
    new CachedTelemetry(source, {
      minIntervalMs: 1000,
      staleAfterMs: 10_000,
      log: (msg) => logs.push(msg),
      now: () => now,
    });
  const utilisation = async (cached: CachedTelemetry) => {
    const devices = await cached.read();
    await cached.whenIdle();
    return devices.map((d) => d.utilization);
  };

  beforeEach(() => {
    now = 0;
    logs = [];
  });

  it('waits for the first reading, then asks the source at most once per interval', async () => {
    const source = new ScriptedSource([0.1, 0.2, 0.3]);
    const cached = make(source);
    expect(await utilisation(cached)).toEqual([0.1]);
    now = 999;
    expect(await utilisation(cached)).toEqual([0.1]);
    expect(source.calls).toBe(1);
    now = 1000;
    // Due: the refresh runs in the background and this heartbeat gets the cached reading.
    expect(await utilisation(cached)).toEqual([0.1]);
    expect(source.calls).toBe(2);
    expect(await utilisation(cached)).toEqual([0.2]);
  });

  it('asks once however many heartbeats read at the same time', async () => {
    const source = new ScriptedSource([0.5]);
    const cached = make(source);
    const all = await Promise.all([cached.read(), cached.read(), cached.read()]);
    expect(all.map((d) => d[0]!.utilization)).toEqual([0.5, 0.5, 0.5]);
    expect(source.calls).toBe(1);
  });

  it('keeps the last good reading, logs a failing source once and its recovery once', async () => {
    const cached = make(new ScriptedSource([0.4, timeout, timeout, timeout, 0.6]));
    expect(await utilisation(cached)).toEqual([0.4]);
    for (let i = 1; i <= 3; i++) {
      now = i * 1000;
      expect(await utilisation(cached)).toEqual([0.4]);
    }
    expect(logs).toEqual([
      'accelerator telemetry (scripted) failing: scripted: no answer within 3000 ms; ' +
        'reporting the last good reading until it recovers',
    ]);
    now = 4000;
    await utilisation(cached);
    expect(await utilisation(cached)).toEqual([0.6]);
    expect(logs).toHaveLength(2);
    expect(logs[1]).toBe('accelerator telemetry (scripted) recovered');
  });

  it('never rejects: a source that never answered gives no devices', async () => {
    const cached = make(new ScriptedSource([timeout]));
    expect(await cached.read()).toEqual([]);
    now = 1000;
    expect(await cached.read()).toEqual([]);
    expect(logs).toHaveLength(1);
  });

  it('blanks the live figures of a reading older than staleAfterMs', async () => {
    const cached = make(new ScriptedSource([0.4, timeout]));
    await utilisation(cached);
    now = 10_001;
    await cached.read();
    await cached.whenIdle();
    expect(await cached.read()).toEqual([
      {
        ...gpu(0.4),
        utilization: null,
        memoryUsedBytes: null,
        temperatureCelsius: null,
        powerWatts: null,
        health: 'unknown',
      },
    ]);
  });

  it('hands out copies, so a caller cannot change the cache', async () => {
    const cached = make(new ScriptedSource([0.4]));
    const [first] = await cached.read();
    first!.utilization = 0.99;
    expect((await cached.read())[0]!.utilization).toBe(0.4);
  });
});
