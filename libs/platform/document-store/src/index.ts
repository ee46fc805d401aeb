export * from './document-store.port';
export * from './sqlite/sqlite-document-store';
export * from './postgres/postgres-document-store';
