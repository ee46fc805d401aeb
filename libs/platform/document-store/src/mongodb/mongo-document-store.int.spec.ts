import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { StartedTestContainer } from 'testcontainers';
import { planExternalServer, skipSuite } from '@clientele/platform/testing';
import { documentStoreContract } from '../testing/document-store.contract';
import { MongoDocumentStore } from './mongo-document-store';

/**
 * The document store contract against a real MongoDB: MONGO_URL, or a `mongo:7` container started
 * as a single-node replica set (so that commits run in transactions). The contract runs twice:
 * with transactions when the server has them, and with writes applied one by one.
 */
const plan = planExternalServer('MongoDB', 'MONGO_URL');

if (plan.kind === 'skip') {
  describe('MongoDB adapter', () => skipSuite(plan));
} else {
  const database = `clientele_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let url = plan.kind === 'url' ? plan.url : '';
  let container: StartedTestContainer | undefined;

  beforeAll(async () => {
    if (plan.kind !== 'docker') return;
    const { GenericContainer, Wait } = await import('testcontainers');
    container = await new GenericContainer('mongo:7')
      .withExposedPorts(27017)
      .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
      .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/i))
      .withStartupTimeout(120_000)
      .start();
    const initiated = await container.exec(['mongosh', '--quiet', '--eval', 'rs.initiate()']);
    if (initiated.exitCode !== 0) throw new Error(`rs.initiate() failed: ${initiated.output}`);
    url = `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/?directConnection=true`;
    await waitForWritablePrimary(url);
  }, 180_000);

  afterAll(async () => {
    try {
      if (url) {
        const client = new MongoClient(url);
        try {
          await client.connect();
          await client.db(database).dropDatabase();
        } finally {
          await client.close();
        }
      }
    } finally {
      await container?.stop();
    }
  }, 60_000);

  documentStoreContract('MongoDB', () => MongoDocumentStore.connect({ url, database }));
  documentStoreContract('MongoDB (without transactions)', () => MongoDocumentStore.connect({ url, database, transactions: false }));
}

/** A fresh replica set takes a moment to elect its primary. */
async function waitForWritablePrimary(url: string, timeoutMs = 30_000): Promise<void> {
  const client = new MongoClient(url);
  try {
    await client.connect();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hello = await client.db('admin').command({ hello: 1 });
      if (hello.isWritablePrimary) return;
      if (Date.now() > deadline) throw new Error('the MongoDB replica set elected no primary in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.close();
  }
}
