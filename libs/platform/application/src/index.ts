export * from './deterministic-id';
export * from './command-handler';
export * from './event-processor';
export * from './processor-runner';
export * from './outbox-relay';
export * from './inbox';
export * from './stream-state-cache';
export * from './concurrency';
