export * from './lease.port';
export * from './nats-kv-leases';
