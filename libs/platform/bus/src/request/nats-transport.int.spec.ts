import { ClientNats, Transport } from '@nestjs/microservices';
import { requestBusContract } from '../testing/request-bus.contract';
import { NamespacedNatsClient, NamespacedNatsServer } from './namespaced-nats';

const servers = [process.env.NATS_URL ?? 'nats://127.0.0.1:4222'];
requestBusContract('NATS', {
  serverOptions: () => ({ transport: Transport.NATS, options: { servers, queue: 'contract-tests' } }),
  client: () => new ClientNats({ servers }),
});

requestBusContract('NATS, namespaced', {
  serverOptions: () => ({ strategy: new NamespacedNatsServer({ servers, queue: 'contract-tests' }, 'contract-ns') }),
  client: () => new NamespacedNatsClient({ servers }, 'contract-ns'),
});
