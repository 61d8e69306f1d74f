export { cleanupPrefix, randomPrefix, testRedisUrl } from './redis.helper';
export { freePort } from './free-port';
export { startPrivateRedis, type PrivateRedis } from './private-redis';
export { waitFor, type WaitForOptions } from './wait-for';
export { makeInferenceJob, makeNodeSnapshot, type NodeSnapshotOverrides } from './cluster.factory';
export { Teardown } from './teardown';
