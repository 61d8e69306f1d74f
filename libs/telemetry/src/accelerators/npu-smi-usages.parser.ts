import type { AcceleratorDevice } from '@switchyard/contracts';
import { mibToBytes, outputLines, percentToRatio, readInteger, readNumber } from './vendor-values';

/** One chip's block of `npu-smi info -t usages -i <id>`; a figure the tool did not print is null. */
export interface NpuChipUsage {
  chip: number;
  hbmCapacityMb: number | null;
  hbmUsagePercent: number | null;
  ddrCapacityMb: number | null;
  ddrUsagePercent: number | null;
  aicorePercent: number | null;
  npuUtilizationPercent: number | null;
}

type UsageField = Exclude<keyof NpuChipUsage, 'chip'>;

/** Keys as normalised by {@link usageKey}; older drivers say `Memory …` where newer say `DDR …`. */
const USAGE_KEYS: Readonly<Record<string, UsageField>> = {
  'hbm capacity(mb)': 'hbmCapacityMb',
  'hbm usage rate(%)': 'hbmUsagePercent',
  'ddr capacity(mb)': 'ddrCapacityMb',
  'memory capacity(mb)': 'ddrCapacityMb',
  'ddr usage rate(%)': 'ddrUsagePercent',
  'memory usage rate(%)': 'ddrUsagePercent',
  'aicore usage rate(%)': 'aicorePercent',
  'npu utilization(%)': 'npuUtilizationPercent',
};

function usageKey(key: string): string {
  return key.trim().toLowerCase().replace(/\s+/g, ' ').replace(/\s+\(/g, '(');
}

function emptyUsage(chip: number): NpuChipUsage {
  return {
    chip,
    hbmCapacityMb: null,
    hbmUsagePercent: null,
    ddrCapacityMb: null,
    ddrUsagePercent: null,
    aicorePercent: null,
    npuUtilizationPercent: null,
  };
}

/**
 * Parses `npu-smi info -t usages -i <id>`: `Key : value` lines per chip, each block ended by
 * `Chip ID : <n>`. Output without any `Chip ID` line is taken as chip 0.
 */
export function parseNpuSmiUsages(text: string): NpuChipUsage[] {
  const chips: NpuChipUsage[] = [];
  let current = emptyUsage(0);
  let seen = false;
  for (const line of outputLines(text)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = usageKey(line.slice(0, colon));
    const value = line.slice(colon + 1);
    if (key === 'chip id') {
      const chip = readInteger(value);
      if (chip !== null) chips.push({ ...current, chip });
      current = emptyUsage(0);
      seen = false;
      continue;
    }
    const field = USAGE_KEYS[key];
    if (field === undefined) continue;
    current[field] = readNumber(value);
    seen = true;
  }
  if (seen && chips.length === 0) chips.push(current);
  return chips;
}

/**
 * A device refined by its chip's usages: `NPU Utilization(%)` (whole NPU busy, newer drivers)
 * is preferred to AICore, which misses vector work. The table's exact MB stay; the usages'
 * capacity × rate only fills memory the table left unknown.
 */
export function refineWithUsage(device: AcceleratorDevice, usage: NpuChipUsage): AcceleratorDevice {
  const busy = usage.npuUtilizationPercent ?? usage.aicorePercent;
  const refined: AcceleratorDevice = { ...device };
  if (busy !== null) refined.utilization = percentToRatio(busy);
  // Same preference as the table: HBM when the chip has it, else DDR.
  const hbm = (usage.hbmCapacityMb ?? 0) > 0;
  const capacity = hbm ? usage.hbmCapacityMb : usage.ddrCapacityMb;
  const rate = hbm ? usage.hbmUsagePercent : usage.ddrUsagePercent;
  if (refined.memoryTotalBytes === null && capacity !== null && capacity > 0) {
    refined.memoryTotalBytes = mibToBytes(capacity);
  }
  if (refined.memoryUsedBytes === null && refined.memoryTotalBytes !== null && rate !== null) {
    refined.memoryUsedBytes = Math.round((refined.memoryTotalBytes * rate) / 100);
  }
  return refined;
}

/** Applies the usages of NPU `index` to its chips among `devices`; other devices are unchanged. */
export function applyNpuSmiUsages(
  devices: readonly AcceleratorDevice[],
  index: number,
  usages: readonly NpuChipUsage[],
): AcceleratorDevice[] {
  return devices.map((device) => {
    if (device.index !== index) return device;
    const usage = usages.find((u) => u.chip === device.chip);
    return usage ? refineWithUsage(device, usage) : device;
  });
}
