/** Injection tokens of values that are not classes. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const NODE_ID = Symbol('NODE_ID');
export const WORKER_METRICS_SET = Symbol('WORKER_METRICS_SET');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
/** The worker's pino logger (its JSON lines are the worker's log). */
export const WORKER_LOGGER = Symbol('WORKER_LOGGER');
/** The EngineAdapter of the configured engine kind. */
export const ENGINE_ADAPTER = Symbol('ENGINE_ADAPTER');
export const KEY_SPACE = Symbol('KEY_SPACE');
/** The process's Redis connection factory, in the mode (single, cluster, sentinel) found at boot. */
export const REDIS_CONNECTOR = Symbol('REDIS_CONNECTOR');
/** Redis connection for commands (registry, jobs' replies, reservations); never subscribed. */
export const REDIS_COMMANDS = Symbol('REDIS_COMMANDS');
/** Redis connection in subscriber mode (cancel messages). */
export const REDIS_SUBSCRIBER = Symbol('REDIS_SUBSCRIBER');
