import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_TELEMETRY_MESSAGE, detectTelemetrySource, onPath } from './detect-telemetry-source';
import { NpuSmiSource } from './npu-smi.source';
import { NvidiaSmiSource } from './nvidia-smi.source';
import { SimulatedTelemetrySource } from './simulated.source';
import type { TelemetryError } from './telemetry-error';

const FIXTURES = join(__dirname, '../../fixtures');

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sy-detect-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A real executable `name` in a fresh directory, running `body` under /bin/sh. */
function tool(name: string, body: string): string {
  const bin = join(mkdtempSync(join(root, 'bin-')), name);
  writeFileSync(bin, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return bin;
}
const printing = (name: string, fixture: string) =>
  tool(
    name,
    `[ "$*" = "info" ] || [ "$1" != "info" ] || exit 1\nexec cat '${join(FIXTURES, fixture)}'`,
  );
const failing = (name: string) => tool(name, 'echo "driver not loaded"\nexit 1');
const missing = (name: string) => join(root, 'absent', name);

describe('detectTelemetrySource', () => {
  let logs: string[];
  const log = (msg: string) => logs.push(msg);
  beforeEach(() => {
    logs = [];
  });

  it('lets a simulated spec win without probing any tool', async () => {
    const probed: string[] = [];
    const source = await detectTelemetrySource({
      simulated: 'npu:910B3x8',
      load: () => 0.5,
      log,
      which: async (bin) => {
        probed.push(bin);
        return true;
      },
    });
    expect(source).toBeInstanceOf(SimulatedTelemetrySource);
    expect(await source!.read()).toHaveLength(8);
    expect(probed).toEqual([]);
    expect(logs).toEqual(['accelerator telemetry: simulated, 8 × npu 910B3']);
  });

  it('rejects a malformed simulated spec at boot', async () => {
    await expect(detectTelemetrySource({ simulated: 'tpu:v5x8', log })).rejects.toThrow(
      expect.objectContaining({ code: 'SY_TELEMETRY_BAD_SPEC' }) as TelemetryError,
    );
  });

  it('picks nvidia-smi when it runs, even with npu-smi installed too', async () => {
    const source = await detectTelemetrySource({
      log,
      nvidiaSmiBin: printing('nvidia-smi', 'nvidia-smi.csv'),
      npuSmiBin: printing('npu-smi', 'npu-smi-910b.txt'),
    });
    expect(source).toBeInstanceOf(NvidiaSmiSource);
    expect(logs).toEqual(['accelerator telemetry: nvidia-smi, 2 device(s)']);
  });

  it.each([
    ['absent', missing],
    ['installed but failing', failing],
  ])('picks npu-smi when nvidia-smi is %s', async (_how, nvidiaSmi) => {
    const source = await detectTelemetrySource({
      log,
      nvidiaSmiBin: nvidiaSmi('nvidia-smi'),
      npuSmiBin: printing('npu-smi', 'npu-smi-a3.txt'),
    });
    expect(source).toBeInstanceOf(NpuSmiSource);
    expect(logs).toEqual(['accelerator telemetry: npu-smi, 4 device(s)']);
  });

  it('keeps an installed tool that fails when nothing else works, and says so once', async () => {
    const source = await detectTelemetrySource({
      log,
      nvidiaSmiBin: failing('nvidia-smi'),
      npuSmiBin: missing('npu-smi'),
    });
    expect(source).toBeInstanceOf(NvidiaSmiSource);
    expect(logs).toEqual([
      'accelerator telemetry: nvidia-smi is installed but failing ' +
        '(nvidia-smi: exit 1: driver not loaded); will keep trying',
    ]);
  });

  it('returns null and logs "none" exactly once when neither tool is installed', async () => {
    const source = await detectTelemetrySource({
      log,
      nvidiaSmiBin: missing('nvidia-smi'),
      npuSmiBin: missing('npu-smi'),
    });
    expect(source).toBeNull();
    expect(logs).toEqual([NO_TELEMETRY_MESSAGE]);
    expect(NO_TELEMETRY_MESSAGE).toBe(
      'no accelerator telemetry: neither nvidia-smi nor npu-smi found',
    );
  });

  it('asks the injected `which` about the default binary names', async () => {
    const asked: string[] = [];
    const source = await detectTelemetrySource({
      log,
      which: async (bin) => {
        asked.push(bin);
        return false;
      },
    });
    expect(source).toBeNull();
    expect(asked).toEqual(['nvidia-smi', 'npu-smi']);
    expect(logs).toEqual([NO_TELEMETRY_MESSAGE]);
  });
});

describe('onPath', () => {
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });

  it('finds an executable by name on PATH or by its path, and nothing else', async () => {
    const bin = tool('npu-smi', 'exit 0');
    process.env.PATH = [missing(''), join(bin, '..')].join(':');
    expect(await onPath('npu-smi')).toBe(true);
    expect(await onPath('nvidia-smi')).toBe(false);
    expect(await onPath(bin)).toBe(true);
    expect(await onPath(missing('npu-smi'))).toBe(false);
  });
});
