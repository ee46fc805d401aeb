export * from './event-store.port';
export * from './errors';
export * from './sqlite/sqlite-event-store';
