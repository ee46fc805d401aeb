import { planExternalServer, skipSuite } from '@clientele/platform/testing';
import { EventStoreDBClient } from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
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

  // EventStoreDB recognises a retry with `any` only from its cache of recent writes.
  eventStoreContract('EventStoreDB', () => EsdbEventStore.open({ connectionString }), { idempotenceWithAny: 'best-effort' });

  describe('EventStoreDB specifics', () => {
    it('finds the head behind more system events than one read of $all holds', async () => {
      const store = await EsdbEventStore.open({ connectionString });
      const client = EventStoreDBClient.connectionString(connectionString);
      try {
        const name = `head${randomUUID().replace(/-/g, '')}-1`;
        const appended = await store.appendToStream(name, [{ id: randomUUID(), type: 'HeadEvent', data: {} }], { expectedRevision: 'no_stream' });
        // Each metadata write is a system event ($metadata in $$<stream>) at the end of $all.
        for (let i = 0; i < 120; i++) await client.setStreamMetadata(name, { custom: { i } });
        // At least ours: writers from other suites on a shared server may have come after it.
        const head = await store.headPosition();
        expect(head).not.toBeNull();
        expect(head! >= appended.position).toBe(true);
      } finally {
        await client.dispose();
        await store.close();
      }
    }, 60_000);
  });
}
