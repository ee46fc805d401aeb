export * from './bus.port';
export * from './subjects';
export * from './request/in-process-transport';
export * from './request/request-client';
export * from './request/rpc-error.filter';
export * from './events/embedded-event-bus';
export * from './events/jetstream-event-bus';
