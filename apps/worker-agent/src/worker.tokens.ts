/** Injection tokens of values that are not classes. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
export const NODE_ID = Symbol('NODE_ID');
export const WORKER_METRICS_SET = Symbol('WORKER_METRICS_SET');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const ENGINE_CLIENT = Symbol('ENGINE_CLIENT');
