export * from './metric-table';
export * from './logging';
