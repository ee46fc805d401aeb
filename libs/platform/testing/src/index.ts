export * from './external-server';
