import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  ClusterViewStore,
  JobProducer,
  ReplyHub,
  closeRedis,
  type RedisClient,
  type RedisConnector,
} from '@switchyard/cluster';
import {
  REDIS,
  REDIS_CONNECTOR,
  REGISTRY_SUBSCRIBER,
  REPLY_CHANNEL,
  REPLY_SUBSCRIBER,
} from './cluster.providers';

/**
 * Starts the cluster clients when the gateway boots (the view loaded, the reply channel
 * subscribed: a request may not arrive before either) and closes them, then their
 * connections, when it stops. Also answers whether Redis is reachable right now.
 */
@Injectable()
export class ClusterLifecycle implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ClusterLifecycle.name);

  constructor(
    private readonly view: ClusterViewStore,
    private readonly replies: ReplyHub,
    private readonly jobs: JobProducer,
    @Inject(REDIS_CONNECTOR) private readonly connector: RedisConnector,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REGISTRY_SUBSCRIBER) private readonly registrySubscriber: RedisClient,
    @Inject(REPLY_SUBSCRIBER) private readonly replySubscriber: RedisClient,
    @Inject(REPLY_CHANNEL) private readonly replyChannel: string,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([this.view.start(), this.replies.start()]);
    this.log.log(
      `cluster view started with ${this.view.nodes().length} node(s); replies on ${this.replyChannel}; redis ${this.redisTopology()}`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([this.view.close(), this.replies.close(), this.jobs.close()]);
    const connections = [this.redis, this.registrySubscriber, this.replySubscriber];
    await Promise.allSettled(connections.map((r) => closeRedis(r)));
  }

  /** The Redis mode and what it is connected to now, e.g. `cluster (3 masters, seeds …)`. */
  redisTopology(): string {
    return this.connector.describe(this.redis);
  }

  get redisMode(): RedisConnector['mode'] {
    return this.connector.mode;
  }

  async redisReachable(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}
