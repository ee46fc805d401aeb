export * from './jwt';
export * from './jwt-secret';
