import type { NodeCommand } from './node-control';
import type { AcceleratorDevice, DerivedFigure, EngineKind, NodeState } from './node';

/**
 * The gateway's admin API (`/admin/v1/…`) as its clients read it: `switchyard status`,
 * `switchyard queues`, the `/ui` page and any script. Figures are the nodes' own, as their
 * last heartbeat carried them; null where the node does not know one.
 */

/** `GET /admin/v1/nodes` items and `GET /admin/v1/nodes/{id}`. */
export interface AdminNode {
  id: string;
  state: NodeState;
  stateReason: string | null;
  engine: EngineKind;
  models: string[];
  labels: Record<string, string>;
  slots: { total: number; free: number; used: number };
  running: number;
  /** Waiting on the node: in the engine's queue plus dispatched to the node and not taken yet. */
  waiting: number;
  /** KV-cache use, 0..1. */
  kvCacheUsage: number | null;
  prefixCacheHitRate: number | null;
  /** Measured per-sequence speeds (tokens/s), kept while the node idles. */
  prefillTokensPerSecond: number | null;
  decodeTokensPerSecond: number | null;
  /** Throughput over the last 30 s (tokens/s). */
  promptTokensPerSecond: number | null;
  generationTokensPerSecond: number | null;
  /** Mean time to first token over the last 30 s, ms (the engine's figure where it has one). */
  ttftMs: number | null;
  /** Median time to first token of the requests the node ran in the last 30 s, ms. */
  ttftP50Ms: number | null;
  /** Figures the worker derived from its own bookkeeping rather than read from the engine. */
  derived: DerivedFigure[];
  accelerators: AcceleratorDevice[];
  /** Age of the last heartbeat on Redis's clock, ms; null when Redis has no stamp for it. */
  heartbeatAgeMs: number | null;
  /** Unix ms when the worker-agent started. */
  startedAt: number;
  /** Where the worker-agent serves /status and /metrics. */
  agentUrl: string | null;
  version: string;
}

/** `GET /admin/v1/queues` items: what waits for each model. */
export interface AdminQueue {
  model: string;
  /** Requests in the model's shared queue, waiting for any node to free a slot. */
  shared: number;
  /** Shared-queue requests per priority class (0 lowest … 9 highest). */
  byPriorityClass: Record<string, number>;
  /** The longest wait in the shared queue, ms; null when none waits. */
  oldestWaitMs: number | null;
  /** Requests waiting on the nodes that serve the model (engine queues, dispatched jobs). */
  onNodes: number;
}

/** `GET /admin/v1/models` items: who serves a model, what they can do, what is asked of them. */
export interface AdminModel {
  model: string;
  servedBy: { node: string; state: NodeState }[];
  readyNodes: number;
  capacity: {
    /** Slots of the ready nodes serving the model. */
    slots: number;
    /**
     * Tokens per second the ready nodes can generate with every slot busy: slots times each
     * node's measured per-sequence decode speed; null until a node has measured one. A node
     * serving several models counts for each.
     */
    generationTokensPerSecond: number | null;
  };
  demand: {
    running: number;
    /** Waiting on the nodes plus in the shared queue. */
    waiting: number;
    /** Tokens per second the nodes generate now (last 30 s). */
    generationTokensPerSecond: number | null;
    promptTokensPerSecond: number | null;
  };
  /** Generation now over capacity, 0..1; null while either is unknown. */
  utilization: number | null;
}

/** `POST /admin/v1/nodes/{id}/{command}`: the node's answer. */
export interface AdminCommandResult {
  node: string;
  command: NodeCommand;
  accepted: boolean;
  state: NodeState;
  /** The node's record right after the command. */
  after: AdminNode;
}
