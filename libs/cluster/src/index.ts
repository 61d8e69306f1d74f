/*
 * Everything in Switchyard that talks to Redis. Ownership rule: a class that is handed a
 * connection never closes it; a class that opens one (NodeJobConsumer from a URL, the
 * producer's BullMQ queues) closes it in `close()`. Subscriber classes may share one
 * subscriber connection; each filters its own channel.
 */
export {
  closeRedis,
  connectRedis,
  createRedis,
  duplicateRedis,
  pingRedis,
  reconnectDelayMs,
  redisConnector,
  type ConnectRedisOptions,
  type CreateRedisOptions,
  type RedisClient,
  type RedisConnector,
  type RedisMode,
} from './redis-connection';
export { Backoff, ErrorThrottle } from './error-throttle';
export { parseNodeSnapshot, parseRegistryEvent } from './registry-event.schema';
export {
  RegistryRepository,
  type NodeLiveness,
  type RegistryRepositoryOptions,
} from './registry.repository';
export {
  ClusterViewStore,
  type ClusterViewEvents,
  type ClusterViewStoreOptions,
  type NodeDownReason,
} from './cluster-view.store';
export {
  BULLMQ_LOWEST_PRIORITY,
  JobProducer,
  toBullPriority,
  type DispatchResult,
  type DispatchTicket,
  type EnqueueOptions,
  type JobProducerOptions,
} from './job-producer';
export {
  NodeJobConsumer,
  ShutdownGraceOver,
  type JobProcessor,
  type NodeJobConsumerOptions,
  type RedisSource,
} from './job-consumer';
export { ReplyOutbox, type ReplyOutboxOptions, type Urgency } from './reply-outbox';
export type { RequestEvents } from './ordered-event.stream';
export { ReplyHub, type ReplyHubOptions } from './reply-channel';
export { CancelListener, CancelSender, isCancelled } from './cancel-channel';
export * from './reservations';
export { TenantTurns } from './tenant-turns';
export {
  NodeCommandTimeout,
  NodeControlClient,
  NodeControlServer,
  controlTransportOptions,
} from './node-control';
export { QueueInspector, type SharedQueueSummary } from './queue-inspector';
export { RedisScript } from './redis-script';
