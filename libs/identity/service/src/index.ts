export * from './identity.module';
export * from './identity.deps';
export * from './projections';
