export * from './config';
export * from './private-files';
