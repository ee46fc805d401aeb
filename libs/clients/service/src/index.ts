export * from './clients.module';
export * from './clients.deps';
export type { ClientsContext } from './clients.context';
export * from './projections';
export { ClientEventCodec, ERASED } from './personal-data';
