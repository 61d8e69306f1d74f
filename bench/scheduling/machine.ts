import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';

/** What the numbers were measured on; the load average says how busy the machine was. */
export interface MachineFacts {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  os: string;
  loadBefore: string;
  loadAfter: string;
}

export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export function machineFacts(): MachineFacts {
  return {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: `${type()} ${release()}`,
    loadBefore: loadAverage(),
    loadAfter: '',
  };
}
