import { requestBusContract } from '../testing/request-bus.contract';
import { InProcessBroker, InProcessClient, InProcessServer } from './in-process-transport';

const broker = new InProcessBroker();
requestBusContract('in-process', {
  serverOptions: () => ({ strategy: new InProcessServer(broker) }),
  client: () => new InProcessClient(broker),
});
