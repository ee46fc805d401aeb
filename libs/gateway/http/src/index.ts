export * from './gateway.module';
export * from './gateway.deps';
