import { planExternalServer, skipSuite } from '@clientele/platform/testing';
import type { StartedTestContainer } from 'testcontainers';
import { eventStoreContract } from '../testing/event-store.contract';
import { EsdbEventStore } from './esdb-event-store';

/**
 * The contract suite against a real EventStoreDB: the one EVENTSTORE_URL points at (a connection
 * string such as `esdb://localhost:2113?tls=false`), else a throw-away container.
 */
const plan = planExternalServer('EventStoreDB', 'EVENTSTORE_URL');

if (plan.kind === 'skip') {
  describe('EventStoreDB adapter', () => skipSuite(plan));
} else {
  let connectionString = plan.kind === 'url' ? plan.url : '';
  let container: StartedTestContainer | undefined;

  if (plan.kind === 'docker') {
    // Pulling the image can take a while on a cold machine: longer than the default hook timeout.
    beforeAll(async () => {
      const { GenericContainer, Wait } = await import('testcontainers');
      container = await new GenericContainer('eventstore/eventstore:24.10')
        .withEnvironment({
          EVENTSTORE_INSECURE: 'true',
          EVENTSTORE_MEM_DB: 'true',
          EVENTSTORE_RUN_PROJECTIONS: 'None',
        })
        .withExposedPorts(2113)
        // /health/live answers 204 once the node accepts requests.
        .withWaitStrategy(Wait.forHttp('/health/live', 2113).forStatusCodeMatching((status) => status >= 200 && status < 300))
        .withStartupTimeout(120_000)
        .start();
      connectionString = `esdb://${container.getHost()}:${container.getMappedPort(2113)}?tls=false`;
    }, 180_000);

    afterAll(async () => {
      await container?.stop();
    }, 60_000);
  }

  eventStoreContract('EventStoreDB', async () => {
    const store = new EsdbEventStore({ connectionString });
    await store.ping();
    return store;
  });
}
