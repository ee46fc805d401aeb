export * from './billing.module';
export * from './billing.deps';
export * from './projections';
