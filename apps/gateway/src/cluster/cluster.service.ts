import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import {
  CancelSender,
  ClusterViewStore,
  JobProducer,
  RegistryRepository,
  ReplyHub,
  createRedis,
} from '@switchyard/cluster';
import { keySpace, type KeySpace } from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import type Redis from 'ioredis';
import { GATEWAY_CONFIG, GATEWAY_ID } from '../gateway.tokens';

/**
 * The gateway's connections to the cluster: the registry view it schedules from, the job
 * producer, its own reply channel (subscribed once, at start) and the cancel sender.
 */
@Injectable()
export class ClusterService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ClusterService.name);
  readonly keys: KeySpace;
  readonly redis: Redis;
  readonly view: ClusterViewStore;
  readonly jobs: JobProducer;
  readonly replies: ReplyHub;
  readonly cancels: CancelSender;
  readonly replyChannel: string;
  private readonly subscribers: Redis[];

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    @Inject(GATEWAY_ID) gatewayId: string,
  ) {
    this.keys = keySpace(config.keyPrefix);
    this.redis = createRedis(config.redisUrl, { name: `${gatewayId}:commands` });
    const viewSubscriber = createRedis(config.redisUrl, {
      name: `${gatewayId}:registry`,
      subscriber: true,
    });
    const replySubscriber = createRedis(config.redisUrl, {
      name: `${gatewayId}:replies`,
      subscriber: true,
    });
    this.subscribers = [viewSubscriber, replySubscriber];
    for (const connection of [this.redis, ...this.subscribers]) {
      connection.on('error', (err: Error) => this.log.warn(`redis: ${err.message}`));
    }

    const repo = new RegistryRepository(this.redis, this.keys, { aliveTtlMs: config.staleAfterMs });
    this.view = new ClusterViewStore(viewSubscriber, repo, this.keys, {
      staleAfterMs: config.staleAfterMs,
      resyncIntervalMs: config.resyncIntervalMs,
    });
    this.jobs = new JobProducer(this.redis, this.keys);
    this.replyChannel = this.keys.replyChannel(gatewayId);
    this.replies = new ReplyHub(replySubscriber, this.replyChannel);
    this.cancels = new CancelSender(this.redis, this.keys);
  }

  async onModuleInit(): Promise<void> {
    await Promise.all([this.view.start(), this.replies.start()]);
    this.log.log(
      `cluster view started with ${this.view.nodes().length} node(s); replies on ${this.replyChannel}`,
    );
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([this.view.close(), this.replies.close(), this.jobs.close()]);
    await Promise.allSettled([this.redis, ...this.subscribers].map((r) => r.quit()));
  }

  async redisReachable(): Promise<boolean> {
    try {
      return (await this.redis.ping()) === 'PONG';
    } catch {
      return false;
    }
  }
}
