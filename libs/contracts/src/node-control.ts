import type { NodeSnapshot, NodeState } from './node';

/**
 * The control plane of one node: what an operator asks of it through the gateway's admin API,
 * carried over Redis (`keys.nodeControl(nodeId)`) to the node's worker-agent, which answers.
 */

/** Operator commands a worker-agent obeys. */
export const NODE_COMMANDS = ['cordon', 'uncordon', 'drain'] as const;
export type NodeCommand = (typeof NODE_COMMANDS)[number];

export function isNodeCommand(value: string): value is NodeCommand {
  return (NODE_COMMANDS as readonly string[]).includes(value);
}

/** The message pattern the worker-agent's control handler is registered under. */
export const NODE_CONTROL_ROUTE = 'node.control';

/** What the gateway sends. */
export interface NodeCommandRequest {
  command: NodeCommand;
}

/** What the worker-agent answers, once the command has taken effect (or was refused). */
export interface NodeCommandReply {
  nodeId: string;
  command: NodeCommand;
  /**
   * Whether the node is now in the state the command asks for: false when it cannot be
   * (uncordon of a node that is not cordoned or drained, anything once it is shutting down).
   */
  accepted: boolean;
  state: NodeState;
  /** The node's record right after the command, as its next heartbeat carries it. */
  snapshot: NodeSnapshot;
}
