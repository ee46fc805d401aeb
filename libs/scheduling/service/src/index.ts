export * from './scheduling.module';
export type { SchedulingDeps } from './scheduling';
export * from './projections';
