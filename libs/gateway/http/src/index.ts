export * from './gateway.module';
export * from './gateway.deps';
export * from './web/web-app';
