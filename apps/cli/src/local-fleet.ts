import { readFileSync } from 'node:fs';
import { isValidNodeId } from '@switchyard/contracts';
import { SIM_ENGINES } from '@switchyard/engine-sim';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The fleet `switchyard up` runs: simulated engines, each with a worker-agent. By default one
 * of each main kind, all serving the same model so one request can land on any of them, each
 * on the accelerators such an engine typically runs on (simulated telemetry); `up --fleet
 * FILE` describes another one.
 */
export interface LocalNode {
  engine: (typeof SIM_ENGINES)[number];
  model: string;
  slots: number;
  decodeMs: number;
  /** Prompt tokens per second the simulator prefills (its default when absent). */
  prefillTps?: number;
  /** `--telemetry` spec for the worker (simulated accelerators), or `none`. */
  telemetry: string;
  labels?: Record<string, string>;
  /** Node id (default `<engine>-<index>`). */
  id?: string;
}

export const DEFAULT_FLEET: readonly LocalNode[] = [
  {
    engine: 'llamacpp',
    model: 'tiny-llama',
    slots: 4,
    decodeMs: 25,
    telemetry: 'gpu:NVIDIA GeForce RTX 4090x1',
  },
  {
    engine: 'vllm',
    model: 'tiny-llama',
    slots: 8,
    decodeMs: 12,
    telemetry: 'gpu:NVIDIA H100 80GB HBM3x2',
  },
  {
    engine: 'mindie',
    model: 'tiny-llama',
    slots: 8,
    decodeMs: 18,
    telemetry: 'npu:910B3x8',
  },
];

const label = /^[A-Za-z0-9_.-]+$/;

/** One entry of a fleet file; `count` repeats it. */
const fleetNodeSchema = z
  .object({
    engine: z.enum(SIM_ENGINES),
    model: z.string().min(1),
    slots: z.number().int().positive().max(4096).default(4),
    decodeMs: z.number().positive().default(15),
    prefillTps: z.number().positive().optional(),
    telemetry: z.string().min(1).default('none'),
    labels: z.record(z.string().regex(label), z.string().regex(/^[A-Za-z0-9_.-]*$/)).optional(),
    id: z.string().refine(isValidNodeId, 'letters, digits, ".", "_" or "-"').optional(),
    count: z.number().int().positive().max(64).default(1),
  })
  .strict();

const fleetListSchema = z.array(fleetNodeSchema).min(1);
const fleetObjectSchema = z.object({ nodes: fleetListSchema }).strict();

/**
 * Reads a fleet file: YAML or JSON, a list of nodes (or `{nodes: [...]}`), each with
 * `engine`, `model` and optionally `slots`, `decodeMs`, `prefillTps`, `telemetry`, `labels`,
 * `id`, `count`. Every problem is reported at once, with where it is.
 */
export function loadFleetFile(path: string): LocalNode[] {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8')); // YAML is a superset of JSON
  } catch (err) {
    throw new Error(`fleet file ${path}: ${(err as Error).message}`);
  }
  // Either shape, parsed by its own schema so every problem keeps its path.
  const parsed = Array.isArray(raw)
    ? fleetListSchema.safeParse(raw)
    : fleetObjectSchema.transform((f) => f.nodes).safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `  ${i.path.length > 0 ? i.path.join('.') : '(file)'}: ${i.message}`,
    );
    throw new Error(`fleet file ${path} is not a list of nodes:\n${problems.join('\n')}`);
  }
  const nodes = parsed.data.flatMap(({ count, id, ...node }) =>
    Array.from({ length: count }, (_, k) => ({
      ...node,
      ...(id !== undefined ? { id: count > 1 ? `${id}-${k}` : id } : {}),
    })),
  );
  const ids = nodes.map((n, i) => nodeId(n, i));
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length > 0)
    throw new Error(`fleet file ${path}: node ids used twice: ${twice.join(', ')}`);
  return nodes;
}

export function nodeId(node: LocalNode, index: number): string {
  return node.id ?? `${node.engine}-${index}`;
}

export interface NodePorts {
  inference: number;
  management: number;
  metrics: number;
}

/** MindIE serves health and metrics on listeners of their own. */
function hasExtraPlanes(node: LocalNode): boolean {
  return node.engine === 'mindie';
}

/** The `switchyard sim` and `switchyard worker` arguments that run one node. */
export function nodeCommands(
  node: LocalNode,
  index: number,
  ports: NodePorts,
): { sim: string[]; worker: string[] } {
  const url = (port: number) => `http://127.0.0.1:${port}`;
  const planes = hasExtraPlanes(node);
  const labels = Object.entries(node.labels ?? {});
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
      ...(node.prefillTps !== undefined ? ['--prefill-tps', String(node.prefillTps)] : []),
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
      nodeId(node, index),
      '--slots',
      String(node.slots),
      '--telemetry',
      node.telemetry,
      ...(labels.length > 0 ? ['--labels', labels.map(([k, v]) => `${k}=${v}`).join(',')] : []),
    ],
  };
}
