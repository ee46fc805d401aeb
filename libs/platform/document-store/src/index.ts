export * from './document-store.port';
export * from './sqlite/sqlite-document-store';
