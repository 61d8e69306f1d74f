import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AcceleratorDevice } from '@switchyard/contracts';
import { npuHealth, parseNpuSmiInfo, type NpuSmiInfo } from './npu-smi.parser';
import type { TelemetryError } from './telemetry-error';

const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures', name), 'utf8');
const MIB = 1024 * 1024;

type Row = [
  index: number,
  chip: number,
  health: AcceleratorDevice['health'],
  power: number | null,
  temp: number,
  busId: string,
  aicore: number | null,
  used: number | null,
  total: number,
];

const npu =
  (name: string) =>
  ([index, chip, health, power, temp, busId, aicore, used, total]: Row): AcceleratorDevice => ({
    kind: 'npu',
    index,
    chip,
    name,
    utilization: aicore === null ? null : aicore / 100,
    memoryUsedBytes: used === null ? null : used * MIB,
    memoryTotalBytes: total * MIB,
    temperatureCelsius: temp,
    powerWatts: power,
    health,
    busId,
  });

const infoCases: [string, NpuSmiInfo][] = [
  [
    'npu-smi-910b.txt',
    {
      version: '24.1.rc2',
      devices: (
        [
          [0, 0, 'ok', 168.4, 47, '0000:C1:00.0', 38, 59356, 65536],
          [1, 0, 'ok', 96.5, 44, '0000:C2:00.0', 0, 3378, 65536],
          [2, 0, 'warning', 101.2, 52, '0000:81:00.0', 0, 3380, 65536],
          [3, 0, 'ok', 94.8, 45, '0000:82:00.0', 0, 3379, 65536],
          [4, 0, 'ok', 97.0, 43, '0000:01:00.0', 0, 3381, 65536],
          [5, 0, 'ok', null, 44, '0000:02:00.0', 0, 3314, 65536],
          [6, 0, 'ok', 99.7, 44, '0000:41:00.0', 0, 3314, 65536],
          [7, 0, 'ok', 103.8, 45, '0000:42:00.0', 0, 3315, 65536],
        ] satisfies Row[]
      ).map(npu('910B3')),
    },
  ],
  [
    'npu-smi-310p.txt',
    {
      version: '24.1.rc2',
      devices: (
        [
          [1, 0, 'ok', null, 42, '0000:82:00.0', 3, 1074, 21534],
          [1, 1, 'ok', null, 43, '0000:82:00.0', 0, 1070, 21534],
          [2, 0, 'warning', null, 58, '0000:89:00.0', 57, 15230, 21534],
          [2, 1, 'ok', null, 57, '0000:89:00.0', null, null, 21534],
        ] satisfies Row[]
      ).map(npu('310P3')),
    },
  ],
  [
    'npu-smi-a3.txt',
    {
      version: '25.2.1',
      devices: (
        [
          [0, 0, 'ok', 165.3, 36, '0000:9D:00.0', 12, 46536, 65536],
          [0, 1, 'ok', null, 36, '0000:9F:00.0', 9, 46084, 65536],
          [1, 0, 'ok', 163.6, 35, '0000:99:00.0', 0, 3141, 65536],
          [1, 1, 'ok', null, 35, '0000:9B:00.0', 0, 2887, 65536],
        ] satisfies Row[]
      ).map(npu('Ascend910')),
    },
  ],
];

const unparseable = expect.objectContaining({
  code: 'SY_TELEMETRY_UNPARSEABLE',
}) as TelemetryError;

describe('parseNpuSmiInfo', () => {
  it.each(infoCases)('%s → version and one device per chip', (name, expected) => {
    expect(parseNpuSmiInfo(fixture(name))).toEqual(expected);
  });

  it('reads CRLF output the same', () => {
    const text = fixture('npu-smi-a3.txt');
    expect(parseNpuSmiInfo(text.replace(/\n/g, '\r\n'))).toEqual(parseNpuSmiInfo(text));
  });

  it('needs no version line', () => {
    const text = fixture('npu-smi-910b.txt').replace(/^.*Version:.*$/m, '');
    expect(parseNpuSmiInfo(text)).toMatchObject({ version: null });
  });

  it.each([
    ['garbage', 'dcmi module initialize failed. ret is -8005'],
    ['an empty answer', ''],
    [
      'an unknown second header row',
      '| NPU ID | Name | Health | Power(W) Temp(C) Hugepages-Usage(page) |\n' +
        '|        |      | Bus-Id | NPU Util(%) Memory-Usage(MB) HBM-Usage(MB) |',
    ],
    [
      'device rows it cannot pair',
      '| NPU Name | Health | Power(W) Temp(C) |\n| Chip | Bus-Id | AICore(%) |\n| 0 | 0000:C1:00.0 | 1 |',
    ],
    [
      'rows with an unexpected number of cells',
      '| NPU Name | Health | Power(W) |\n| Chip | Bus-Id | AICore(%) |\n| 0 910B3 | OK | 1 | 2 |',
    ],
  ])('rejects %s as unparseable', (_what, text) => {
    expect(() => parseNpuSmiInfo(text)).toThrow(unparseable);
  });
});

describe('npuHealth', () => {
  it.each([
    ['OK', 'ok'],
    ['Warning', 'warning'],
    ['Alarm', 'warning'],
    ['Critical', 'critical'],
    ['Fault', 'critical'],
    ['Abnormal', 'critical'],
    ['UNKNOWN', 'unknown'],
    ['NA', 'unknown'],
    ['Sparkling', 'unknown'],
  ] as const)('%s → %s', (word, health) => {
    expect(npuHealth(word)).toBe(health);
  });
});
