export * from './lease.port';
export * from './nats-kv-leases';
export * from './shared-records.port';
export * from './in-memory-records';
export * from './nats-kv-records';
export * from './resilient-records';
export * from './fixed-window-throttler-storage';
