export * from './billing.module';
export * from './billing.deps';
export * from './outbox';
export * from './projections';
export * from './payments';
