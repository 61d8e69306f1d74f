import type { AcceleratorDevice } from '@switchyard/contracts';
import { TelemetryError } from './telemetry-error';
import type { TelemetrySource } from './telemetry-source';
import { MIB } from './vendor-values';

/**
 * A parsed simulated-telemetry spec. Grammar (whitespace around the parts is ignored):
 *
 *     spec  = kind ":" name [ "x" count ]
 *     kind  = "gpu" | "npu"                      (any case)
 *     name  = the device model as the vendor tool prints it, 1..64 characters
 *     count = 1..64, default 1
 *
 * The count is the last `x<digits>` of the spec, so `npu:910B3x8` is eight `910B3` and
 * `gpu:NVIDIA H100 80GB HBM3x2` two `NVIDIA H100 80GB HBM3`; a name that itself ends in
 * `x<digits>` needs an explicit count (`gpu:Foo x2x1`).
 */
export interface SimulatedSpec {
  kind: AcceleratorDevice['kind'];
  name: string;
  count: number;
}

export const MAX_SIMULATED_DEVICES = 64;
const SPEC = /^\s*(gpu|npu)\s*:\s*(.*?)\s*(?:x\s*(\d+))?\s*$/i;
const KINDS: Readonly<Record<string, SimulatedSpec['kind']>> = { gpu: 'gpu', npu: 'npu' };
const SPEC_HELP = 'expected <gpu|npu>:<name>[x<count>], e.g. npu:910B3x8 or gpu:NVIDIA L4x2';

export function parseSimulatedSpec(spec: string): SimulatedSpec {
  const bad = (why: string) =>
    new TelemetryError(
      'SY_TELEMETRY_BAD_SPEC',
      `simulated telemetry ${JSON.stringify(spec)}: ${why}`,
    );
  const match = SPEC.exec(spec);
  if (!match) throw bad(SPEC_HELP);
  const name = match[2]!;
  if (name === '' || name.length > 64) throw bad(`the name must be 1..64 characters; ${SPEC_HELP}`);
  const count = match[3] === undefined ? 1 : Number(match[3]);
  if (count < 1 || count > MAX_SIMULATED_DEVICES) {
    throw bad(`count must be 1..${MAX_SIMULATED_DEVICES}, got ${match[3]}`);
  }
  return { kind: KINDS[match[1]!.toLowerCase()]!, name, count };
}

/** How a simulated model behaves between idle and full load. */
interface Profile {
  memoryGiB: number;
  idleWatts: number;
  maxWatts: number;
}

/** Rough public figures; the first match wins, then the kind's default. */
const PROFILES: readonly (Profile & { match: RegExp })[] = [
  { match: /H100|H200|H800|H20\b/i, memoryGiB: 80, idleWatts: 70, maxWatts: 700 },
  { match: /A100|A800/i, memoryGiB: 80, idleWatts: 50, maxWatts: 400 },
  { match: /L40/i, memoryGiB: 48, idleWatts: 35, maxWatts: 300 },
  { match: /\bL4\b/i, memoryGiB: 24, idleWatts: 16, maxWatts: 72 },
  { match: /\bT4\b/i, memoryGiB: 16, idleWatts: 10, maxWatts: 70 },
  { match: /910B4/i, memoryGiB: 32, idleWatts: 80, maxWatts: 310 },
  { match: /910/i, memoryGiB: 64, idleWatts: 90, maxWatts: 400 },
  { match: /310P/i, memoryGiB: 24, idleWatts: 15, maxWatts: 70 },
];

const DEFAULT_PROFILES: Readonly<Record<AcceleratorDevice['kind'], Profile>> = {
  gpu: { memoryGiB: 24, idleWatts: 30, maxWatts: 300 },
  npu: { memoryGiB: 64, idleWatts: 90, maxWatts: 350 },
};

function profileFor(spec: SimulatedSpec): Profile {
  const known = PROFILES.find((p) => p.match.test(spec.name)) ?? DEFAULT_PROFILES[spec.kind];
  // A size in the name (`80GB`) beats the table: it is what the operator asked for.
  const sized = /(\d+)\s*GB\b/i.exec(spec.name);
  return sized ? { ...known, memoryGiB: Number(sized[1]) } : known;
}

function clamp01(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * Devices for the simulator, so the whole telemetry path runs without hardware. Utilisation
 * is `load()` (clamped to 0..1) on every device; memory, temperature and power rise with it
 * the way a serving engine's do (weights and KV cache resident, so memory never drops to 0).
 * The same load always gives the same devices.
 */
export class SimulatedTelemetrySource implements TelemetrySource {
  readonly name = 'simulated';
  readonly spec: SimulatedSpec;
  private readonly profile: Profile;

  constructor(
    spec: string,
    private readonly load: () => number,
  ) {
    this.spec = parseSimulatedSpec(spec);
    this.profile = profileFor(this.spec);
  }

  async read(): Promise<AcceleratorDevice[]> {
    const u = clamp01(this.load());
    const { kind, name, count } = this.spec;
    const { memoryGiB, idleWatts, maxWatts } = this.profile;
    const total = memoryGiB * 1024 * MIB;
    return Array.from({ length: count }, (_, index) => {
      // A small fixed spread per slot so a fleet dashboard does not show identical lines.
      const spread = index % 4;
      const device: AcceleratorDevice = {
        kind,
        index,
        chip: 0,
        name,
        utilization: round(u, 4),
        memoryUsedBytes: Math.round(total * (0.1 + 0.8 * u)),
        memoryTotalBytes: total,
        temperatureCelsius: Math.round(35 + 45 * u + spread),
        powerWatts: round(idleWatts + (maxWatts - idleWatts) * u + spread, 1),
        health: 'ok',
        busId: simulatedBusId(kind, index),
      };
      return device;
    });
  }
}

function simulatedBusId(kind: AcceleratorDevice['kind'], index: number): string {
  const bus = (0x18 + index).toString(16).toUpperCase().padStart(2, '0');
  return kind === 'gpu' ? `00000000:${bus}:00.0` : `0000:${bus}:00.0`;
}
