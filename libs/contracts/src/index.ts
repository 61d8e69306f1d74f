export * from './inference-request';
export * from './stream-event';
export * from './errors';
export * from './node';
export * from './keys';
export * from './job';
export * from './relay-codec';
export * from './version';
