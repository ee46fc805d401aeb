export * from './new-client';
export * from './client.events';
export * from './client.decider';
export * from './roster.decider';
export * from './session-links.decider';
export * from './measurements.decider';
