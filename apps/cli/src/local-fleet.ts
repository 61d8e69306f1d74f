/**
 * The fleet `switchyard up` runs by default: one simulated engine of each main kind, all
 * serving the same model so one request can land on any of them, each on the accelerators
 * such an engine typically runs on (simulated telemetry).
 */
export interface LocalNode {
  engine: 'llamacpp' | 'vllm' | 'mindie';
  model: string;
  slots: number;
  decodeMs: number;
  /** `--telemetry` spec for the worker (simulated accelerators). */
  telemetry: string;
  /** MindIE serves health and metrics on listeners of their own. */
  extraPlanes: boolean;
}

export const DEFAULT_FLEET: readonly LocalNode[] = [
  {
    engine: 'llamacpp',
    model: 'tiny-llama',
    slots: 4,
    decodeMs: 25,
    telemetry: 'gpu:NVIDIA GeForce RTX 4090x1',
    extraPlanes: false,
  },
  {
    engine: 'vllm',
    model: 'tiny-llama',
    slots: 8,
    decodeMs: 12,
    telemetry: 'gpu:NVIDIA H100 80GB HBM3x2',
    extraPlanes: false,
  },
  {
    engine: 'mindie',
    model: 'tiny-llama',
    slots: 8,
    decodeMs: 18,
    telemetry: 'npu:910B3x8',
    extraPlanes: true,
  },
];

export interface NodePorts {
  inference: number;
  management: number;
  metrics: number;
}

/** The `switchyard sim` and `switchyard worker` arguments that run one node. */
export function nodeCommands(
  node: LocalNode,
  index: number,
  ports: NodePorts,
): { sim: string[]; worker: string[] } {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const planes = node.extraPlanes;
  return {
    sim: [
      'sim',
      '--engine',
      node.engine,
      '--port',
      String(ports.inference),
      '--model',
      node.model,
      '--slots',
      String(node.slots),
      '--decode-ms',
      String(node.decodeMs),
      ...(planes
        ? ['--management-port', String(ports.management), '--metrics-port', String(ports.metrics)]
        : []),
      // The demo's llama.cpp embeds, as a llama-server started with `--embeddings` does.
      ...(node.engine === 'llamacpp' ? ['--embeddings'] : []),
    ],
    worker: [
      'worker',
      '--engine',
      node.engine,
      '--engine-url',
      url(ports.inference),
      ...(planes
        ? [
            '--engine-management-url',
            url(ports.management),
            '--engine-metrics-url',
            url(ports.metrics),
          ]
        : []),
      '--node-id',
      `${node.engine}-${index}`,
      '--telemetry',
      node.telemetry,
    ],
  };
}
