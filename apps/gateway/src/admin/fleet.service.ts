import {
  GatewayTimeoutException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  type OnModuleDestroy,
} from '@nestjs/common';
import {
  ClusterViewStore,
  NodeCommandTimeout,
  NodeControlClient,
  QueueInspector,
  RegistryRepository,
  type SharedQueueSummary,
} from '@switchyard/cluster';
import type { GatewayConfig } from '@switchyard/config';
import type {
  AdminCommandResult,
  AdminModel,
  AdminNode,
  AdminQueue,
  NodeCommand,
} from '@switchyard/contracts';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { adminModels, adminNode, adminQueues, byId } from './fleet-view';

/**
 * What the admin API reads and does: the fleet from this gateway's cluster view (no Redis
 * round trip per node), heartbeat ages and queues from Redis, and node commands sent over
 * the control plane to the node's worker-agent.
 */
@Injectable()
export class FleetService implements OnModuleDestroy {
  private readonly log = new Logger('AdminApi');

  constructor(
    private readonly view: ClusterViewStore,
    private readonly registry: RegistryRepository,
    private readonly queueInspector: QueueInspector,
    private readonly control: NodeControlClient,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async nodes(): Promise<AdminNode[]> {
    const snapshots = this.view.nodes();
    const ages = await this.registry
      .liveness(snapshots.map((s) => s.info.id))
      // The nodes' figures are this gateway's own; only their ages need Redis, so say "unknown".
      .catch(() => new Map<string, { heartbeatAgeMs: number | null }>());
    return byId(snapshots.map((s) => adminNode(s, ages.get(s.info.id)?.heartbeatAgeMs ?? null)));
  }

  async node(id: string): Promise<AdminNode> {
    const found = (await this.nodes()).find((n) => n.id === id);
    if (!found) throw unknownNode(id);
    return found;
  }

  async queues(): Promise<AdminQueue[]> {
    const [nodes, queues] = await Promise.all([this.nodes(), this.sharedQueues()]);
    return adminQueues(nodes, queues);
  }

  async models(): Promise<AdminModel[]> {
    const [nodes, queues] = await Promise.all([this.nodes(), this.sharedQueues()]);
    return adminModels(nodes, queues, this.view.knownModels());
  }

  /**
   * Sends the command to the node's worker-agent and returns its answer: 404 when this
   * gateway knows no such node (never registered, or gone), 504 when it does not answer in
   * time (`SWITCHYARD_ADMIN_COMMAND_TIMEOUT_MS`).
   */
  async command(id: string, command: NodeCommand): Promise<AdminCommandResult> {
    if (!this.view.node(id)) throw unknownNode(id);
    try {
      const reply = await this.control.send(id, command, this.config.adminCommandTimeoutMs);
      this.log.log(`node ${id}: ${command} → ${reply.state} (accepted: ${reply.accepted})`);
      return {
        node: id,
        command,
        accepted: reply.accepted,
        state: reply.state,
        after: adminNode(reply.snapshot, 0),
      };
    } catch (err) {
      if (err instanceof NodeCommandTimeout) throw new GatewayTimeoutException(err.message);
      throw err;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([this.control.close(), this.queueInspector.close()]);
  }

  /** Every model known to this gateway, with what waits in its shared queue (503 without Redis). */
  private async sharedQueues(): Promise<Map<string, SharedQueueSummary>> {
    const models = [...this.view.knownModels()];
    try {
      const summaries = await Promise.all(models.map((m) => this.queueInspector.summary(m)));
      return new Map(models.map((m, i) => [m, summaries[i]!]));
    } catch (err) {
      throw new ServiceUnavailableException(
        `cannot read the queues: Redis did not answer (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
}

function unknownNode(id: string): NotFoundException {
  return new NotFoundException(`no node ${JSON.stringify(id)} in the fleet (unknown, or gone)`);
}
