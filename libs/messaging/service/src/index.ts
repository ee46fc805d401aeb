export * from './messaging.module';
export type { MessagingDeps } from './messaging.deps';
export * from './projections';
