import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_FLEET, loadFleetFile, nodeCommands } from './local-fleet';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sy-fleet-')), name);
  writeFileSync(path, text);
  return path;
}

describe('loadFleetFile', () => {
  it('reads YAML with defaults, counts and labels', () => {
    const nodes = loadFleetFile(
      file(
        'f.yaml',
        'nodes:\n  - engine: tgi\n    model: m\n    count: 2\n    id: t\n    labels: { zone: a }\n',
      ),
    );
    expect(nodes).toEqual([
      {
        engine: 'tgi',
        model: 'm',
        slots: 4,
        decodeMs: 15,
        telemetry: 'none',
        labels: { zone: 'a' },
        id: 't-0',
      },
      {
        engine: 'tgi',
        model: 'm',
        slots: 4,
        decodeMs: 15,
        telemetry: 'none',
        labels: { zone: 'a' },
        id: 't-1',
      },
    ]);
  });

  it('reads a JSON list', () => {
    const nodes = loadFleetFile(
      file('f.json', JSON.stringify([{ engine: 'mindie', model: 'm', slots: 2 }])),
    );
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ engine: 'mindie', slots: 2 });
  });

  it('names every problem with its place in the file', () => {
    expect(() =>
      loadFleetFile(
        file(
          'f.json',
          JSON.stringify([
            { engine: 'tpu', model: 'm' },
            { model: 'x', speed: 1 },
          ]),
        ),
      ),
    ).toThrow(/0\.engine[\s\S]*1\.engine[\s\S]*speed/);
  });

  it('refuses two nodes with one id', () => {
    expect(() =>
      loadFleetFile(
        file(
          'f.yaml',
          '- { engine: vllm, model: m, id: a }\n- { engine: vllm, model: m, id: a }\n',
        ),
      ),
    ).toThrow(/node ids used twice: a/);
  });
});

describe('nodeCommands', () => {
  it('gives MindIE its extra listeners and the worker the fleet’s slots, labels and telemetry', () => {
    const { sim, worker } = nodeCommands({ ...DEFAULT_FLEET[2]!, labels: { zone: 'b' } }, 2, {
      inference: 1,
      management: 2,
      metrics: 3,
    });
    expect(sim).toEqual(expect.arrayContaining(['--management-port', '2', '--metrics-port', '3']));
    expect(worker.join(' ')).toContain(
      '--node-id mindie-2 --slots 8 --telemetry npu:910B3x8 --labels zone=b',
    );
  });
});
