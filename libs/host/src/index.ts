export * from './bootstrap';
export * from './platform';
export * from './host.module';
export * from './projections';
export * from './personal-data-readers';
export * from './run-process';
