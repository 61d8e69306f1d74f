import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ClusterViewStore, JobProducer, ReplyHub } from '@switchyard/cluster';
import type Redis from 'ioredis';
import { REDIS, REGISTRY_SUBSCRIBER, REPLY_CHANNEL, REPLY_SUBSCRIBER } from './cluster.providers';

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
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REGISTRY_SUBSCRIBER) private readonly registrySubscriber: Redis,
    @Inject(REPLY_SUBSCRIBER) private readonly replySubscriber: Redis,
    @Inject(REPLY_CHANNEL) private readonly replyChannel: string,
  ) {}

  async onModuleInit(): Promise<void> {
    await Promise.all([this.view.start(), this.replies.start()]);
    this.log.log(
      `cluster view started with ${this.view.nodes().length} node(s); replies on ${this.replyChannel}`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([this.view.close(), this.replies.close(), this.jobs.close()]);
    const connections = [this.redis, this.registrySubscriber, this.replySubscriber];
    await Promise.allSettled(connections.map((r) => r.quit()));
  }

  async redisReachable(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}
