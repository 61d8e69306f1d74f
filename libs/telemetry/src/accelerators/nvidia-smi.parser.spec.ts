import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AcceleratorDevice } from '@switchyard/contracts';
import { NVIDIA_SMI_ARGS, parseNvidiaSmi } from './nvidia-smi.parser';
import type { TelemetryError } from './telemetry-error';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures', name), 'utf8');
const MIB = 1024 * 1024;

const h100 = {
  kind: 'gpu',
  chip: 0,
  name: 'NVIDIA H100 80GB HBM3',
  memoryTotalBytes: 81559 * MIB,
} as const;

const l4 = { kind: 'gpu', chip: 0, name: 'NVIDIA L4', memoryTotalBytes: 23034 * MIB } as const;

const cases: [string, AcceleratorDevice[]][] = [
  [
    'nvidia-smi.csv',
    [
      {
        ...h100,
        index: 0,
        utilization: 0.37,
        memoryUsedBytes: 71263 * MIB,
        temperatureCelsius: 54,
        powerWatts: 312.45,
        health: 'ok',
        busId: '00000000:18:00.0',
      },
      {
        ...h100,
        index: 1,
        utilization: 0,
        memoryUsedBytes: 4 * MIB,
        temperatureCelsius: 31,
        powerWatts: null,
        health: 'ok',
        busId: '00000000:2A:00.0',
      },
    ],
  ],
  [
    'nvidia-smi-troubled.csv',
    [
      {
        ...l4,
        index: 0,
        utilization: 0.12,
        memoryUsedBytes: 2048 * MIB,
        temperatureCelsius: 41,
        powerWatts: 27.8,
        // The infoROM warning names it with a 4-digit PCI domain, the query with 8.
        health: 'warning',
        busId: '00000000:3B:00.0',
      },
      {
        ...l4,
        index: 1,
        utilization: null,
        memoryUsedBytes: 0,
        temperatureCelsius: null,
        powerWatts: null,
        health: 'ok',
        busId: '00000000:5E:00.0',
      },
      {
        kind: 'gpu',
        index: 2,
        chip: 0,
        name: '[GPU is lost]',
        utilization: null,
        memoryUsedBytes: null,
        memoryTotalBytes: null,
        temperatureCelsius: null,
        powerWatts: null,
        health: 'critical',
        busId: '00000000:86:00.0',
      },
    ],
  ],
];

describe('parseNvidiaSmi', () => {
  it.each(cases)('%s → devices', (name, expected) => {
    expect(parseNvidiaSmi(fixture(name))).toEqual(expected);
  });

  it('asks for the fields it parses, without units or header', () => {
    expect(NVIDIA_SMI_ARGS).toEqual([
      '--query-gpu=index,uuid,name,pci.bus_id,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
      '--format=csv,noheader,nounits',
    ]);
  });

  it('reads the same devices whatever the line ends', () => {
    const lf = fixture('nvidia-smi.csv');
    expect(parseNvidiaSmi(lf.replace(/\n/g, '\r\n'))).toEqual(parseNvidiaSmi(lf));
  });

  it('keeps a name that contains a comma', () => {
    const [gpu] = parseNvidiaSmi('3, GPU-x, Acme, Inc. Accel 9000, 0000:01:00.0, 5, 1, 2, 30, 10');
    expect(gpu).toMatchObject({ index: 3, name: 'Acme, Inc. Accel 9000', busId: '0000:01:00.0' });
  });

  it('reads empty output as no GPUs', () => {
    expect(parseNvidiaSmi('\n')).toEqual([]);
  });

  it.each([
    ['an error message', 'NVIDIA-SMI has failed because it could not communicate with the driver'],
    ['a row with too few fields', '0, GPU-x, NVIDIA L4, 00000000:3B:00.0, 12'],
    ['a row without an index', 'GPU, GPU-x, NVIDIA L4, 00000000:3B:00.0, 12, 1, 2, 3, 4'],
  ])('rejects %s as unparseable', (_what, text) => {
    expect(() => parseNvidiaSmi(text)).toThrow(
      expect.objectContaining({ code: 'SY_TELEMETRY_UNPARSEABLE' }) as TelemetryError,
    );
  });
});
