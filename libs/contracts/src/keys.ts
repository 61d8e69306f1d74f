/**
 * Every Redis key, channel and queue name in one place. Nothing else in the code base
 * builds a key by hand. All names live under a configurable prefix (default `sy:`), so
 * tests and several clusters can share one Redis.
 *
 * Redis Cluster layout (docs/redis.md): every key one request touches carries a hash tag
 * of its own scope — `{n:<node>}` for a node's record, alive key, reservations and job
 * queue (one single-slot script claims a slot and hands over the job), `{q.<model>}` for a
 * model's BullMQ queue (all of one queue's keys in one slot, queues spread over shards).
 * Only the node set (`{reg}`) is one key for the fleet; no request touches it.
 */
export interface KeySpace {
  readonly prefix: string;
  /** Hash: the node's latest snapshot (`snapshot` field, JSON). Tagged by node. */
  node(nodeId: string): string;
  /** String with a TTL, refreshed by each heartbeat: the node is alive while it exists. Tagged by node. */
  nodeAlive(nodeId: string): string;
  /**
   * Set of registered node ids: the one fleet-wide key. Written by heartbeats (SADD) and read
   * by resyncs (SMEMBERS, every few seconds per gateway); never on a request.
   */
  readonly nodes: string;
  /** Pub/sub channel of RegistryEvent messages. */
  readonly registryEvents: string;
  /** Pub/sub channel a gateway replica receives its requests' stream events on. */
  replyChannel(gatewayId: string): string;
  /** Pub/sub channel of cancel messages (request ids) for one node. */
  cancelChannel(nodeId: string): string;
  /** String with a TTL: the request was cancelled (closes the race with a job just taken). */
  cancelled(requestId: string): string;
  /** BullMQ key prefix (BullMQ appends `:<queue>:<suffix>`); no hash tag, the queue name has it. */
  readonly bullPrefix: string;
  /**
   * BullMQ queue name of one model's shared overflow queue (any node serving it pulls).
   * Hash-tagged (`{q.<model>}`), so BullMQ's multi-key scripts stay in one cluster slot.
   */
  modelQueue(model: string): string;
  /**
   * Sorted set of the requests reserved on one node (member: request id, score: unix ms
   * when the reservation lapses). Tagged by node, beside `nodeJobs`, so claiming a slot and
   * handing the job over is one single-slot script, and no shard holds every node's.
   */
  reservations(nodeId: string): string;
  /**
   * Sorted set of the jobs dispatched straight to one node and not yet taken (member: the
   * encoded job, score: priority then arrival). The node pops them atomically.
   */
  nodeJobs(nodeId: string): string;
  /** Counter with a TTL: a tenant's recent requests queued for a model in one priority class. */
  tenantTurns(model: string, priorityClass: number, tenant: string): string;
  /**
   * Pub/sub channel of one node's control plane (cordon, uncordon, drain): the request
   * channel of the worker-agent's `@nestjs/microservices` Redis server; replies go to the
   * same name plus `.reply`.
   */
  nodeControl(nodeId: string): string;
  /**
   * String (JSON): one API key's record, by key id (a digest of the key, never the key).
   * Everything about one key shares the `{k:<id>}` hash tag, so its limit script is single-slot.
   */
  apiKey(keyId: string): string;
  /** Set of every stored key id (listing, and "is any key stored" at boot). */
  readonly apiKeys: string;
  /** Pub/sub channel of key ids whose record changed (created, revoked, rotated). */
  readonly apiKeyEvents: string;
  /**
   * One limit's state of an API key (`subject` = `k:<id>`) or of its whole tenant
   * (`subject` = `tenant`): `rpm` and `tpm` (GCRA theoretical arrival time), `conc` (sorted
   * set of running requests), `budget:<period>`. Tagged by tenant, so a key's limits and its
   * tenant's are checked by one single-slot script.
   */
  limitState(tenant: string, subject: string, limit: string): string;
  /** String (JSON): a tenant's own limits, shared by all its keys. */
  tenantLimits(tenant: string): string;
  /** Hash of one tenant's usage counters for one UTC day (`YYYY-MM-DD`). */
  usage(tenant: string, day: string): string;
  /** Set of tenants that have usage recorded. */
  readonly usageTenants: string;
}

export const DEFAULT_KEY_PREFIX = 'sy:';

export function keySpace(prefix: string = DEFAULT_KEY_PREFIX): KeySpace {
  return {
    prefix,
    node: (nodeId) => `${prefix}{n:${nodeId}}:node`,
    nodeAlive: (nodeId) => `${prefix}{n:${nodeId}}:alive`,
    nodes: `${prefix}{reg}:nodes`,
    registryEvents: `${prefix}events:registry`,
    replyChannel: (gatewayId) => `${prefix}reply:${gatewayId}`,
    cancelChannel: (nodeId) => `${prefix}cancel:${nodeId}`,
    cancelled: (requestId) => `${prefix}cancelled:${requestId}`,
    bullPrefix: `${prefix}bull`,
    // BullMQ forbids ':' in queue names; model names may hold ':', '/' and braces
    // (`llama3.1:8b`, `Qwen/Qwen2.5`): encoded (encodeURIComponent) to stay legal and keep the tag intact.
    modelQueue: (model) => `{q.${encodeURIComponent(model)}}`,
    reservations: (nodeId) => `${prefix}{n:${nodeId}}:resv`,
    nodeJobs: (nodeId) => `${prefix}{n:${nodeId}}:jobs`,
    tenantTurns: (model, priorityClass, tenant) =>
      `${prefix}turns:${encodeURIComponent(model)}:${priorityClass}:${tenant}`,
    nodeControl: (nodeId) => `${prefix}control:${nodeId}`,
    apiKey: (keyId) => `${prefix}{k:${keyId}}:key`,
    apiKeys: `${prefix}keys`,
    apiKeyEvents: `${prefix}events:keys`,
    limitState: (tenant, subject, limit) =>
      `${prefix}{t:${encodeURIComponent(tenant)}}:lim:${subject}:${limit}`,
    tenantLimits: (tenant) => `${prefix}tenant:${encodeURIComponent(tenant)}:limits`,
    usage: (tenant, day) => `${prefix}usage:{t:${encodeURIComponent(tenant)}}:${day}`,
    usageTenants: `${prefix}usage:tenants`,
  };
}

const NODE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function isValidNodeId(id: string): boolean {
  return NODE_ID.test(id);
}
