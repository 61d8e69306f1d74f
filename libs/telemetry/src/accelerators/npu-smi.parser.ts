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

type Health = AcceleratorDevice['health'];

/** What `npu-smi info` says: the tool/driver version from its first line, and one device per chip. */
export interface NpuSmiInfo {
  version: string | null;
  devices: AcceleratorDevice[];
}

/**
 * npu-smi health words (lower-cased). The tool itself prints OK, Warning, Alarm, Critical and
 * UNKNOWN; the rest appear in Huawei's health/fault documentation and other tooling.
 */
const HEALTH_WORDS: Readonly<Record<string, Health>> = {
  ok: 'ok',
  normal: 'ok',
  warning: 'warning',
  alarm: 'warning',
  minor: 'warning',
  critical: 'critical',
  major: 'critical',
  fault: 'critical',
  abnormal: 'critical',
  error: 'critical',
  unknown: 'unknown',
};

export function npuHealth(word: string): Health {
  return HEALTH_WORDS[word.trim().toLowerCase()] ?? 'unknown';
}

const VERSION_LINE = /npu-smi\s+\S+\s+Version:\s*(\S+)/i;

/** The cells of a `| a | b | c |` table line, or null for borders and anything else. */
function cellsOf(line: string): string[] | null {
  if (!line.startsWith('|')) return null;
  const inner = line.endsWith('|') && line.length > 1 ? line.slice(1, -1) : line.slice(1);
  return inner.split('|').map((cell) => cell.trim());
}

/**
 * The blank-separated values of a stats cell, each `used / total` pair joined into one token:
 * the tool pads `%-5d/`, so a wide number loses the space before the slash (`59356/ 65536`).
 */
function statTokens(cell: string): string[] {
  return cell
    .replace(/\s*\/\s*/g, '/')
    .split(/\s+/)
    .filter((token) => token !== '');
}

interface UsedTotal {
  used: number | null;
  total: number | null;
}

function usedTotal(token: string | undefined): UsedTotal | null {
  if (token === undefined || !token.includes('/')) return null;
  const [used, total] = token.split('/');
  return { used: readNumber(used), total: readNumber(total) };
}

/** First row of a chip: `| 0     910B3 | OK | 101.8  43  0 / 0 |`. */
interface ChipHead {
  index: number;
  name: string;
  health: Health;
  powerWatts: number | null;
  temperatureCelsius: number | null;
}

function readChipHead(cells: readonly string[]): ChipHead | null {
  // The second row starts with numbers only (`0`, `0  0`, `1  3`); the first with id and name.
  const match = /^(\d+)\s+(.*\S)$/.exec(cells[0] ?? '');
  if (!match || /^\d+$/.test(match[2]!)) return null;
  const [power, temp] = statTokens(cells[2] ?? '');
  return {
    index: Number(match[1]),
    name: match[2]!,
    health: npuHealth(cells[1] ?? ''),
    powerWatts: readNumber(power),
    temperatureCelsius: readNumber(temp),
  };
}

/** Second row: `| chip [device|phy-id] | bus-id | AICore  ddr-used / total  [hbm-used / total] |`. */
function toDevice(head: ChipHead, cells: readonly string[]): AcceleratorDevice {
  const [aicore, ddr, hbm] = statTokens(cells[2] ?? '');
  // HBM is where the model lives when the chip has it (910 family); 310P only has DDR.
  const memory = [usedTotal(hbm), usedTotal(ddr)].find((m) => m !== null && (m.total ?? 0) > 0);
  const device: AcceleratorDevice = {
    kind: 'npu',
    index: head.index,
    chip: readInteger(/^\d+/.exec(cells[0] ?? '')?.[0]) ?? 0,
    name: head.name,
    utilization: percentToRatio(readNumber(aicore)),
    memoryUsedBytes: mibToBytes(memory?.used ?? null),
    memoryTotalBytes: mibToBytes(memory?.total ?? null),
    temperatureCelsius: head.temperatureCelsius,
    powerWatts: head.powerWatts,
    health: head.health,
  };
  const busId = cells[1];
  if (busId !== undefined && !isAbsent(busId)) device.busId = busId;
  return device;
}

function unparseable(message: string): TelemetryError {
  return new TelemetryError('SY_TELEMETRY_UNPARSEABLE', `npu-smi info: ${message}`);
}

/**
 * Parses the box table of `npu-smi info` (protocols.md §7.3): 910B/A2 (HBM column), 310P
 * (`Chip Device`, DDR only, a pair of rows per chip) and Atlas A3 (`Chip Phy-ID`, two chips
 * per NPU, power `-` on the second). Each chip is one device; the process table is ignored.
 */
export function parseNpuSmiInfo(text: string): NpuSmiInfo {
  let version: string | null = null;
  let header: 'none' | 'first' | 'done' = 'none';
  let head: ChipHead | null = null;
  let rows = 0;
  const devices: AcceleratorDevice[] = [];
  for (const line of outputLines(text)) {
    const versionMatch = VERSION_LINE.exec(line);
    if (versionMatch) {
      version = versionMatch[1]!;
      continue;
    }
    const cells = cellsOf(line);
    if (!cells) continue;
    if (cells.some((cell) => cell.startsWith('Process id'))) break;
    if (header === 'none') {
      if (/^NPU\b/.test(cells[0] ?? '') && cells.some((c) => c.startsWith('Health'))) {
        header = 'first';
      }
      continue;
    }
    if (header === 'first') {
      if (!/^Chip\b/.test(cells[0] ?? '')) {
        throw unparseable(`unknown table layout (header ${JSON.stringify(line.slice(0, 60))})`);
      }
      header = 'done';
      continue;
    }
    rows += 1;
    if (cells.length !== 3) continue;
    const chipHead = readChipHead(cells);
    if (chipHead) head = chipHead;
    else if (head) {
      devices.push(toDevice(head, cells));
      head = null;
    }
  }
  if (header !== 'done') throw unparseable('no device table found');
  if (rows > 0 && devices.length === 0) throw unparseable('device rows in an unknown layout');
  return { version, devices };
}
