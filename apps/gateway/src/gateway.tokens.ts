/** Injection tokens of values that are not classes. */
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
export const GATEWAY_ID = Symbol('GATEWAY_ID');
export const GATEWAY_METRICS_SET = Symbol('GATEWAY_METRICS_SET');
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
