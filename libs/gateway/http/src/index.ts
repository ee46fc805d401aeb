export * from './gateway.module';
export * from './gateway.deps';
export * from './web/web-app';
export { clientErrorHandler } from './http/json-body';
