export * from './errors';
export * from './decider';
export * from './client-type';
export * from './actor';
export * from './page';
export * from './password-policy';
export * from './text';
export * from './currencies';
