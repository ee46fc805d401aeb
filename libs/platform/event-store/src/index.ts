export * from './event-store.port';
export * from './errors';
export * from './sqlite/sqlite-event-store';
export * from './postgres/postgres-event-store';
export * from './postgres/postgres-position';
