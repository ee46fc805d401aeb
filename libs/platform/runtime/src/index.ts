export * from './adapters';
export * from './health';
