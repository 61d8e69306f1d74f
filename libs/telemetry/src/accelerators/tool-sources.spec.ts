import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NpuSmiSource } from './npu-smi.source';
import { NvidiaSmiSource } from './nvidia-smi.source';
import { parseNvidiaSmi } from './nvidia-smi.parser';
import { parseNpuSmiInfo } from './npu-smi.parser';
import type { TelemetryError, TelemetryErrorCode } from './telemetry-error';
import { ToolRunner } from './tool-runner';

/*
 * The sources run real executables: small shell scripts named like the vendor tools that
 * print the fixtures, hang, fail or babble. Nothing is mocked.
 */
const FIXTURES = join(__dirname, '../../fixtures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const cat = (name: string) => `exec cat '${join(FIXTURES, name)}'`;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sy-telemetry-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes an executable `name` in a fresh directory; every run appends its arguments to `calls`. */
function tool(name: string, body: string): { bin: string; calls: () => string[] } {
  const dir = mkdtempSync(join(root, 'bin-'));
  const bin = join(dir, name);
  const log = join(dir, 'calls');
  writeFileSync(bin, `#!/bin/sh\necho "$*" >> '${log}'\n${body}\n`, { mode: 0o755 });
  return {
    bin,
    calls: () => {
      try {
        return readFileSync(log, 'utf8').split('\n').slice(0, -1);
      } catch {
        return [];
      }
    },
  };
}

/** An npu-smi that answers `info` and, per NPU id listed, `info -t usages -i <id>`. */
function npuSmi(info: string, usages: Record<string, string> = {}) {
  const cases = Object.entries(usages)
    .map(([id, file]) => `    ${id}) ${cat(file)} ;;`)
    .join('\n');
  return tool(
    'npu-smi',
    [
      `if [ "$*" = "info" ]; then ${cat(info)}; fi`,
      'if [ "$1 $2 $3 $4" = "info -t usages -i" ]; then',
      '  case "$5" in',
      cases,
      '  esac',
      'fi',
      'echo "Error: parameter is invalid" >&2',
      'exit 1',
    ].join('\n'),
  );
}

const failsWith = (code: TelemetryErrorCode, message?: RegExp) =>
  expect.objectContaining({
    code,
    ...(message ? { message: expect.stringMatching(message) as string } : {}),
  }) as TelemetryError;

describe('NvidiaSmiSource', () => {
  it('runs nvidia-smi with the query arguments and parses what it prints', async () => {
    const fake = tool(
      'nvidia-smi',
      `[ "$1 $2" = "${[
        '--query-gpu=index,uuid,name,pci.bus_id,utilization.gpu,memory.used,memory.total,temperature.gpu,power.draw',
        '--format=csv,noheader,nounits',
      ].join(' ')}" ] || exit 2\n${cat('nvidia-smi.csv')}`,
    );
    const devices = await new NvidiaSmiSource({ bin: fake.bin }).read();
    expect(devices).toEqual(parseNvidiaSmi(fixture('nvidia-smi.csv')));
    expect(devices).toHaveLength(2);
  });

  it('kills a hung nvidia-smi at the timeout', async () => {
    const fake = tool('nvidia-smi', 'exec sleep 30');
    const started = Date.now();
    await expect(new NvidiaSmiSource({ bin: fake.bin, timeoutMs: 300 }).read()).rejects.toThrow(
      failsWith('SY_TELEMETRY_TIMEOUT', /nvidia-smi: no answer within 300 ms/),
    );
    expect(Date.now() - started).toBeLessThan(2500);
  });

  it('says why nvidia-smi failed, from the first line it printed', async () => {
    const fake = tool(
      'nvidia-smi',
      'echo "Failed to initialize NVML: Driver/library version mismatch"\nexit 1',
    );
    await expect(new NvidiaSmiSource({ bin: fake.bin }).read()).rejects.toThrow(
      failsWith('SY_TELEMETRY_FAILED', /exit 1: Failed to initialize NVML/),
    );
  });

  it('rejects garbage output as unparseable', async () => {
    const fake = tool('nvidia-smi', 'echo "lorem ipsum dolor"\necho "sit amet"');
    await expect(new NvidiaSmiSource({ bin: fake.bin }).read()).rejects.toThrow(
      failsWith('SY_TELEMETRY_UNPARSEABLE'),
    );
  });

  it('stops reading past the output bound', async () => {
    const fake = tool('nvidia-smi', 'exec yes "0, GPU-x, NVIDIA L4, 0000:01:00.0, 1, 2, 3, 4, 5"');
    await expect(
      new NvidiaSmiSource({ bin: fake.bin, maxOutputBytes: 4096 }).read(),
    ).rejects.toThrow(failsWith('SY_TELEMETRY_OUTPUT_TOO_LARGE'));
  });

  it.each([
    ['a missing binary', () => join(root, 'no-such-dir', 'nvidia-smi')],
    [
      'a file that is not executable',
      () => {
        const file = join(mkdtempSync(join(root, 'bin-')), 'nvidia-smi');
        writeFileSync(file, '#!/bin/sh\n', { mode: 0o644 });
        return file;
      },
    ],
  ])('reports %s as not found', async (_what, bin) => {
    await expect(new NvidiaSmiSource({ bin: bin() }).read()).rejects.toThrow(
      failsWith('SY_TELEMETRY_NOT_FOUND'),
    );
  });
});

describe('ToolRunner', () => {
  it('starts no new run while a killed one has not exited', async () => {
    // The first run ignores the kill and lingers for a second, like nvidia-smi stuck in the
    // driver; SIGKILL cannot be ignored, so the test sends SIGTERM instead.
    const fake = tool(
      'nvidia-smi',
      `if [ -e "$0.ran" ]; then echo ok; exit 0; fi\ntouch "$0.ran"\ntrap '' TERM\nsleep 1`,
    );
    const runner = new ToolRunner('nvidia-smi', {
      bin: fake.bin,
      timeoutMs: 200,
      maxOutputBytes: 1024,
      killSignal: 'SIGTERM',
    });
    await expect(runner.run([])).rejects.toThrow(failsWith('SY_TELEMETRY_TIMEOUT'));
    await expect(runner.run([])).rejects.toThrow(
      failsWith('SY_TELEMETRY_BUSY', /was killed but has not exited/),
    );
    const deadline = Date.now() + 5000;
    let answer: string | undefined;
    while (answer === undefined && Date.now() < deadline) {
      answer = await runner.run([]).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    expect(answer).toBe('ok\n');
    expect(fake.calls()).toHaveLength(2);
  });
});

describe('NpuSmiSource', () => {
  it('reads the table, then refines each NPU whose usages answer and tolerates the rest', async () => {
    const fake = npuSmi('npu-smi-910b.txt', { '0': 'npu-smi-usages-910b.txt' });
    const devices = await new NpuSmiSource({ bin: fake.bin }).read();
    const table = parseNpuSmiInfo(fixture('npu-smi-910b.txt')).devices;
    expect(devices[0]).toEqual({ ...table[0], utilization: 0.52 });
    expect(devices.slice(1)).toEqual(table.slice(1));
    expect(fake.calls().sort()).toEqual(
      ['info', ...[0, 1, 2, 3, 4, 5, 6, 7].map((id) => `info -t usages -i ${id}`)].sort(),
    );
  });

  it('refines both chips of an A3 NPU and asks once per NPU, not per chip', async () => {
    const fake = npuSmi('npu-smi-a3.txt', {
      '0': 'npu-smi-usages-a3.txt',
      '1': 'npu-smi-usages-a3.txt',
    });
    const devices = await new NpuSmiSource({ bin: fake.bin }).read();
    expect(devices.map((d) => [d.index, d.chip, d.utilization])).toEqual([
      [0, 0, 0.19],
      [0, 1, 0.15],
      [1, 0, 0.19],
      [1, 1, 0.15],
    ]);
    expect(fake.calls()).toHaveLength(3);
  });

  it('stops asking for usages when the tool refuses them all', async () => {
    const fake = npuSmi('npu-smi-310p.txt');
    const source = new NpuSmiSource({ bin: fake.bin });
    const table = parseNpuSmiInfo(fixture('npu-smi-310p.txt')).devices;
    expect(await source.read()).toEqual(table);
    expect(await source.read()).toEqual(table);
    expect(fake.calls().filter((c) => c === 'info')).toHaveLength(2);
    expect(fake.calls()).toHaveLength(4);
  });

  it('runs only `info` when usages are off', async () => {
    const fake = npuSmi('npu-smi-910b.txt', { '0': 'npu-smi-usages-910b.txt' });
    await new NpuSmiSource({ bin: fake.bin, usages: false }).read();
    expect(fake.calls()).toEqual(['info']);
  });

  it.each([
    [
      'exits 1',
      'echo "dcmi module initialize failed. ret is -8005"\nexit 1',
      'SY_TELEMETRY_FAILED',
    ],
    ['prints garbage', 'echo "NPU: none of your business"', 'SY_TELEMETRY_UNPARSEABLE'],
  ] as const)('fails typed when `info` %s', async (_what, body, code) => {
    const fake = tool('npu-smi', body);
    await expect(new NpuSmiSource({ bin: fake.bin }).read()).rejects.toThrow(failsWith(code));
  });

  it('kills a hung npu-smi at the timeout', async () => {
    const fake = tool('npu-smi', 'exec sleep 30');
    await expect(new NpuSmiSource({ bin: fake.bin, timeoutMs: 300 }).read()).rejects.toThrow(
      failsWith('SY_TELEMETRY_TIMEOUT', /npu-smi/),
    );
  });
});
