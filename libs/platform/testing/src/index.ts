export * from './external-server';
export * from './decider-spec';
export * from './projection-spec';
export * from './postgres-server';
export * from './use-case-harness';
