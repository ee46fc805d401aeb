export * from './process-metrics';
export * from './http-metrics';
