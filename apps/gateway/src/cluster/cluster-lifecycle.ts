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

/** How long closing may wait on Redis before connections are dropped. */
const CLOSE_BOUND_MS = 2000;

async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

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

  /**
   * Closes the clients, then the connections — within a bound: with Redis unreachable their
   * commands would wait for a reconnect that may never come, and a stopping gateway must end.
   */
  async onModuleDestroy(): Promise<void> {
    const clients = Promise.allSettled([
      this.view.close(),
      this.replies.close(),
      this.jobs.close(),
    ]);
    if (!(await settlesWithin(clients, CLOSE_BOUND_MS)))
      this.log.warn(`cluster clients did not close within ${CLOSE_BOUND_MS} ms; disconnecting`);
    const connections = [this.redis, this.registrySubscriber, this.replySubscriber];
    // Bounded too: closeRedis drops a connection whose QUIT is not answered in time.
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
