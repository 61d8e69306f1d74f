import type { AcceleratorDevice } from '@switchyard/contracts';
import { TelemetryError } from './telemetry-error';
import {
  isAbsent,
  mibToBytes,
  outputLines,
  percentToRatio,
  readInteger,
  readNumber,
} from './vendor-values';

/**
 * The fields we ask nvidia-smi for, in the order it prints them back (protocols.md §7.1).
 * `uuid` is read but not reported: `AcceleratorDevice` has no field for it yet.
 */
export const NVIDIA_SMI_FIELDS = [
  'index',
  'uuid',
  'name',
  'pci.bus_id',
  'utilization.gpu',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
] as const;

export const NVIDIA_SMI_ARGS: readonly string[] = [
  `--query-gpu=${NVIDIA_SMI_FIELDS.join(',')}`,
  '--format=csv,noheader,nounits',
];

/**
 * Values nvidia-smi prints in place of a reading when the device itself is in trouble; any
 * other bracketed value (`[N/A]`, `[Not Supported]`) only means "no figure".
 */
const TROUBLE_VALUES: Readonly<Record<string, AcceleratorDevice['health']>> = {
  '[gpu is lost]': 'critical',
  '[gpu requires reset]': 'critical',
  '[unknown error]': 'unknown',
};

/** nvidia-smi prints this on stdout even in query mode; the GPU still works but needs service. */
const INFOROM_WARNING = /^WARNING:\s*infoROM is corrupted at gpu\s+(\S+)/i;

const HEALTH_RANK: Readonly<Record<AcceleratorDevice['health'], number>> = {
  ok: 0,
  unknown: 1,
  warning: 2,
  critical: 3,
};

function worse(
  a: AcceleratorDevice['health'],
  b: AcceleratorDevice['health'],
): AcceleratorDevice['health'] {
  return HEALTH_RANK[b] > HEALTH_RANK[a] ? b : a;
}

/** `00000000:18:00.0` and `0000:18:00.0` name the same device; compare without domain padding. */
function busKey(busId: string): string {
  const match = /^([0-9a-f]+):([0-9a-f]+:[0-9a-f]+\.[0-9a-f]+)$/i.exec(busId.trim());
  if (!match) return busId.trim().toLowerCase();
  return `${parseInt(match[1]!, 16)}:${match[2]!.toLowerCase()}`;
}

function parseRow(line: string): AcceleratorDevice | null {
  const cells = line.split(',').map((cell) => cell.trim());
  // The name is the only free-text field; anything beyond the expected count belongs to it.
  const extra = cells.length - NVIDIA_SMI_FIELDS.length;
  if (extra < 0) return null;
  const index = readInteger(cells[0]);
  if (index === null) return null;
  const name = cells.slice(2, 3 + extra).join(', ');
  const [busId, util, used, total, temp, power] = cells.slice(3 + extra);
  let health: AcceleratorDevice['health'] = 'ok';
  for (const cell of cells) health = worse(health, TROUBLE_VALUES[cell.toLowerCase()] ?? 'ok');
  const device: AcceleratorDevice = {
    kind: 'gpu',
    index,
    chip: 0,
    name,
    utilization: percentToRatio(readNumber(util)),
    memoryUsedBytes: mibToBytes(readNumber(used)),
    memoryTotalBytes: mibToBytes(readNumber(total)),
    temperatureCelsius: readNumber(temp),
    powerWatts: readNumber(power),
    health,
  };
  if (busId !== undefined && !isAbsent(busId)) device.busId = busId;
  return device;
}

/**
 * Parses the output of `nvidia-smi` run with {@link NVIDIA_SMI_ARGS}: one CSV line per GPU.
 * Lines that are not rows are skipped (the tool prints warnings on stdout); output with text
 * but no row at all is an error, empty output is "no GPUs".
 */
export function parseNvidiaSmi(text: string): AcceleratorDevice[] {
  const devices: AcceleratorDevice[] = [];
  const warnedBuses = new Set<string>();
  const strays: string[] = [];
  for (const line of outputLines(text)) {
    if (line === '') continue;
    const warning = INFOROM_WARNING.exec(line);
    if (warning) {
      warnedBuses.add(busKey(warning[1]!));
      continue;
    }
    const device = parseRow(line);
    if (device) devices.push(device);
    else strays.push(line);
  }
  if (devices.length === 0 && strays.length > 0) {
    throw new TelemetryError(
      'SY_TELEMETRY_UNPARSEABLE',
      `nvidia-smi printed no GPU row: ${JSON.stringify(strays[0]!.slice(0, 80))}`,
    );
  }
  for (const device of devices) {
    if (device.busId !== undefined && warnedBuses.has(busKey(device.busId))) {
      device.health = worse(device.health, 'warning');
    }
  }
  return devices;
}
