export * from './thread.decider';
