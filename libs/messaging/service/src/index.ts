export * from './messaging.module';
export type { MessagingDeps } from './messaging';
export * from './projections';
