export { cleanupPrefix, randomPrefix, testRedisUrl } from './redis.helper';
export { freePort } from './free-port';
export { startPrivateRedis, type PrivateRedis } from './private-redis';
export { waitFor, type WaitForOptions } from './wait-for';
export { makeInferenceJob, makeNodeSnapshot, type NodeSnapshotOverrides } from './cluster.factory';
export { Teardown } from './teardown';
export {
  fixtureBytes,
  fixtureText,
  httpFixture,
  httpFixtureAt,
  type HttpFixture,
} from './engine-fixtures';
export { parseStreamAtCuts, parseStreamInChunks, type StreamUnderTest } from './engine-stream';
export { chatRequest, completionRequest, type RequestOverrides } from './inference-request.factory';
export {
  REAL_LLAMA_SERVER,
  realLlamaServerMissing,
  startRealLlamaServer,
  type RealLlamaServer,
  type RealLlamaServerOptions,
} from './real-llama-server';
export {
  startRedisCluster,
  startRedisSentinel,
  type RedisProcesses,
  type RedisSentinelSet,
} from './redis-cluster';
