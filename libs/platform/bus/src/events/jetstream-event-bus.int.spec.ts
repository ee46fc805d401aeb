import { eventBusContract } from '../testing/event-bus.contract';
import { JetStreamEventBus } from './jetstream-event-bus';

eventBusContract('NATS JetStream', {
  open: () => JetStreamEventBus.connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', connectionName: 'contract-tests' }),
  cleanup: (bus, service) => (bus as JetStreamEventBus).deleteStream(service),
});

eventBusContract('NATS JetStream, namespaced', {
  open: () =>
    JetStreamEventBus.connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', connectionName: 'contract-tests', namespace: 'contract-ns' }),
  cleanup: (bus, service) => (bus as JetStreamEventBus).deleteStream(service),
});
