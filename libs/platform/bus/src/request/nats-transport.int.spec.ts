import { ClientNats, Transport } from '@nestjs/microservices';
import { requestBusContract } from '../testing/request-bus.contract';

const servers = [process.env.NATS_URL ?? 'nats://127.0.0.1:4222'];
requestBusContract('NATS', {
  serverOptions: () => ({ transport: Transport.NATS, options: { servers, queue: 'contract-tests' } }),
  client: () => new ClientNats({ servers }),
});
