import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  NODE_COMMANDS,
  NODE_CONTROL_ROUTE,
  isNodeCommand,
  type NodeCommand,
  type NodeCommandReply,
} from '@switchyard/contracts';
import { NodeAgent } from '../node/node-agent';

/**
 * The node's control plane: operator commands that reach this worker-agent over Redis (the
 * `@nestjs/microservices` Redis transport, on this node's own channel) from any gateway's
 * admin API. Each answers once the command has taken effect and the heartbeat carrying it
 * has gone out, so the caller may read the new state back from the fleet view at once.
 */
@Controller()
export class NodeControlController {
  private readonly commands: Record<NodeCommand, () => Promise<boolean>>;

  constructor(private readonly agent: NodeAgent) {
    this.commands = {
      cordon: () => agent.cordon(),
      uncordon: () => agent.uncordon(),
      drain: () => agent.drainForOperator(),
    };
  }

  @MessagePattern(NODE_CONTROL_ROUTE)
  async command(@Payload() payload: unknown): Promise<NodeCommandReply> {
    const command = (payload as { command?: unknown } | null)?.command;
    if (typeof command !== 'string' || !isNodeCommand(command)) {
      throw new Error(
        `unknown command ${JSON.stringify(command)}; one of ${NODE_COMMANDS.join(', ')}`,
      );
    }
    const accepted = await this.commands[command]();
    const snapshot = this.agent.snapshot();
    return { nodeId: this.agent.nodeId, command, accepted, state: snapshot.info.state, snapshot };
  }
}
