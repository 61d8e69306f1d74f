export * from './dialect';
export * from './dialects';
export * from './collect';
export * from './catalog';
export * from './limits';
