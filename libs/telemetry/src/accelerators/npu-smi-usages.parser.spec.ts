import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AcceleratorDevice } from '@switchyard/contracts';
import { parseNpuSmiInfo } from './npu-smi.parser';
import { applyNpuSmiUsages, parseNpuSmiUsages, type NpuChipUsage } from './npu-smi-usages.parser';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures', name), 'utf8');
const MIB = 1024 * 1024;

const usage = (chip: number, fields: Partial<NpuChipUsage>): NpuChipUsage => ({
  chip,
  hbmCapacityMb: null,
  hbmUsagePercent: null,
  ddrCapacityMb: null,
  ddrUsagePercent: null,
  aicorePercent: null,
  npuUtilizationPercent: null,
  ...fields,
});

const a3Chip = (chip: number, hbm: number, aicore: number, util: number) =>
  usage(chip, {
    hbmCapacityMb: 65536,
    hbmUsagePercent: hbm,
    ddrCapacityMb: 0,
    ddrUsagePercent: 0,
    aicorePercent: aicore,
    npuUtilizationPercent: util,
  });

const usageCases: [string, NpuChipUsage[]][] = [
  [
    'npu-smi-usages-910b.txt',
    [
      usage(0, {
        hbmCapacityMb: 65536,
        hbmUsagePercent: 91,
        ddrCapacityMb: 0,
        ddrUsagePercent: 0,
        aicorePercent: 38,
        npuUtilizationPercent: 52,
      }),
    ],
  ],
  ['npu-smi-usages-a3.txt', [a3Chip(0, 71, 12, 19), a3Chip(1, 70, 9, 15)]],
  [
    'npu-smi-usages-310p.txt',
    [
      usage(0, { ddrCapacityMb: 21534, ddrUsagePercent: 70, aicorePercent: 57 }),
      usage(1, { ddrCapacityMb: 21534, ddrUsagePercent: 40, aicorePercent: 33 }),
    ],
  ],
  [
    'npu-smi-usages-old.txt',
    [usage(0, { ddrCapacityMb: 8192, ddrUsagePercent: 12, aicorePercent: 17 })],
  ],
];

describe('parseNpuSmiUsages', () => {
  it.each(usageCases)('%s → one entry per chip', (name, expected) => {
    expect(parseNpuSmiUsages(fixture(name))).toEqual(expected);
  });

  it('takes output without a Chip ID line as chip 0, whatever the key case', () => {
    expect(parseNpuSmiUsages('NPU ID : 4\nAICore Usage Rate(%) : 9\n')).toEqual([
      usage(0, { aicorePercent: 9 }),
    ]);
  });

  it('reads garbage as no usages', () => {
    expect(parseNpuSmiUsages('Error: -t usages is not supported\n')).toEqual([]);
  });
});

describe('applyNpuSmiUsages', () => {
  const devicesOf = (name: string) => parseNpuSmiInfo(fixture(name)).devices;

  it('prefers NPU Utilization and keeps the table’s exact memory (910B)', () => {
    const devices = devicesOf('npu-smi-910b.txt');
    const refined = applyNpuSmiUsages(
      devices,
      0,
      parseNpuSmiUsages(fixture('npu-smi-usages-910b.txt')),
    );
    expect(refined[0]).toEqual({ ...devices[0], utilization: 0.52 });
    expect(refined.slice(1)).toEqual(devices.slice(1));
  });

  it('refines each chip of a two-chip NPU from its own block (A3)', () => {
    const devices = devicesOf('npu-smi-a3.txt');
    const refined = applyNpuSmiUsages(
      devices,
      0,
      parseNpuSmiUsages(fixture('npu-smi-usages-a3.txt')),
    );
    expect(refined.map((d) => d.utilization)).toEqual([0.19, 0.15, 0, 0]);
  });

  it('falls back to AICore and fills memory the table left unknown (310P)', () => {
    const devices = devicesOf('npu-smi-310p.txt');
    const refined = applyNpuSmiUsages(
      devices,
      2,
      parseNpuSmiUsages(fixture('npu-smi-usages-310p.txt')),
    );
    expect(refined[2]).toEqual({ ...devices[2], utilization: 0.57 });
    expect(refined[3]).toEqual({
      ...devices[3],
      utilization: 0.33,
      memoryUsedBytes: Math.round(21534 * 0.4 * MIB),
    });
  });

  it('fills capacity and use from the older key names when the table has none', () => {
    const bare: AcceleratorDevice = {
      kind: 'npu',
      index: 3,
      chip: 0,
      name: '310',
      utilization: null,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
      temperatureCelsius: 40,
      powerWatts: null,
      health: 'ok',
    };
    const [refined] = applyNpuSmiUsages(
      [bare],
      3,
      parseNpuSmiUsages(fixture('npu-smi-usages-old.txt')),
    );
    expect(refined).toEqual({
      ...bare,
      utilization: 0.17,
      memoryTotalBytes: 8192 * MIB,
      memoryUsedBytes: Math.round(8192 * 0.12 * MIB),
    });
  });
});
