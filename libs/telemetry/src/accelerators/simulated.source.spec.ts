import type { AcceleratorDevice } from '@switchyard/contracts';
import { SimulatedTelemetrySource, parseSimulatedSpec } from './simulated.source';
import type { TelemetryError } from './telemetry-error';

const GIB = 1024 ** 3;

describe('parseSimulatedSpec', () => {
  it.each([
    ['npu:910B3x8', { kind: 'npu', name: '910B3', count: 8 }],
    ['gpu:NVIDIA H100 80GB HBM3x2', { kind: 'gpu', name: 'NVIDIA H100 80GB HBM3', count: 2 }],
    ['GPU:NVIDIA L4', { kind: 'gpu', name: 'NVIDIA L4', count: 1 }],
    ['  npu : Ascend910 x 16 ', { kind: 'npu', name: 'Ascend910', count: 16 }],
    ['gpu:Foo x2x1', { kind: 'gpu', name: 'Foo x2', count: 1 }],
  ])('%j → %j', (spec, expected) => {
    expect(parseSimulatedSpec(spec)).toEqual(expected);
  });

  it.each([
    ['', /expected <gpu\|npu>:<name>\[x<count>\]/],
    ['910B3x8', /expected <gpu\|npu>:<name>\[x<count>\]/],
    ['tpu:v5ex8', /expected <gpu\|npu>:<name>\[x<count>\]/],
    ['npu:x8', /the name must be 1\.\.64 characters/],
    ['npu:910B3x0', /count must be 1\.\.64, got 0/],
    ['npu:910B3x65', /count must be 1\.\.64, got 65/],
    [`gpu:${'A'.repeat(65)}`, /the name must be 1\.\.64 characters/],
  ])('rejects %j with a clear message', (spec, message) => {
    expect(() => parseSimulatedSpec(spec)).toThrow(
      expect.objectContaining({
        code: 'SY_TELEMETRY_BAD_SPEC',
        message: expect.stringMatching(message) as string,
      }) as TelemetryError,
    );
  });
});

describe('SimulatedTelemetrySource', () => {
  const at = (spec: string, load: number) => new SimulatedTelemetrySource(spec, () => load).read();

  it('builds plausible devices from the spec and the load', async () => {
    const devices = await at('npu:910B3x2', 0.5);
    expect(devices).toEqual<AcceleratorDevice[]>([
      {
        kind: 'npu',
        index: 0,
        chip: 0,
        name: '910B3',
        utilization: 0.5,
        memoryUsedBytes: Math.round(64 * GIB * 0.5),
        memoryTotalBytes: 64 * GIB,
        temperatureCelsius: 58,
        powerWatts: 245,
        health: 'ok',
        busId: '0000:18:00.0',
      },
      {
        kind: 'npu',
        index: 1,
        chip: 0,
        name: '910B3',
        utilization: 0.5,
        memoryUsedBytes: Math.round(64 * GIB * 0.5),
        memoryTotalBytes: 64 * GIB,
        temperatureCelsius: 59,
        powerWatts: 246,
        health: 'ok',
        busId: '0000:19:00.0',
      },
    ]);
  });

  it('takes the memory size from the name when it says one', async () => {
    const [gpu] = await at('gpu:NVIDIA H100 80GB HBM3x2', 0);
    expect(gpu).toMatchObject({
      kind: 'gpu',
      memoryTotalBytes: 80 * GIB,
      busId: '00000000:18:00.0',
    });
  });

  it('is deterministic: the same load gives the same devices', async () => {
    const source = new SimulatedTelemetrySource('gpu:NVIDIA L4x4', () => 0.3);
    expect(await source.read()).toEqual(await source.read());
    expect(await source.read()).toEqual(await at('gpu:NVIDIA L4x4', 0.3));
  });

  it('follows load(): utilisation is the load, and memory, heat and power rise with it', async () => {
    let load = 0;
    const source = new SimulatedTelemetrySource('npu:310P3x1', () => load);
    const readings: AcceleratorDevice[] = [];
    for (load of [0, 0.25, 0.5, 1]) readings.push((await source.read())[0]!);
    expect(readings.map((d) => d.utilization)).toEqual([0, 0.25, 0.5, 1]);
    for (const field of ['memoryUsedBytes', 'temperatureCelsius', 'powerWatts'] as const) {
      const values = readings.map((d) => d[field]!);
      expect([...values].sort((a, b) => a - b)).toEqual(values);
      expect(new Set(values).size).toBe(values.length);
    }
    expect(readings[3]!.memoryUsedBytes).toBeLessThan(readings[3]!.memoryTotalBytes!);
  });

  it.each([
    [-1, 0],
    [7, 1],
    [Number.NaN, 0],
  ])('clamps a load of %p to %p', async (load, utilization) => {
    const [device] = await at('gpu:NVIDIA L4', load);
    expect(device!.utilization).toBe(utilization);
  });
});
