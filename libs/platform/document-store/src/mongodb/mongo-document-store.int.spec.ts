import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { StartedTestContainer } from 'testcontainers';
import { planExternalServer, skipSuite } from '@clientele/platform/testing';
import { documentStoreContract } from '../testing/document-store.contract';
import { MongoDocumentStore } from './mongo-document-store';
import { liveFilter } from './mongo-filter';

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

  describe('MongoDB substring search (trigram indexes)', () => {
    const stores: MongoDocumentStore[] = [];
    const open = async () => {
      const store = await MongoDocumentStore.connect({ url, database });
      stores.push(store);
      return store;
    };
    afterAll(() => Promise.all(stores.map((store) => store.close())));

    const people = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, lastName: i === 7 ? 'Lovelace' : `Person ${i}`, email: `p${i}@example.com` }));
    const search = { $or: ['lastName', 'email'].map((field) => ({ [field]: { $contains: 'LOVEL' } })) };

    /** The names of the indexes the winning plan scans. */
    async function indexesUsed(collection: string): Promise<string[]> {
      const client = new MongoClient(url);
      try {
        await client.connect();
        const plan = await client
          .db(database)
          .collection(collection)
          .find(liveFilter(search, new Set(['lastName', 'email'])))
          .explain('queryPlanner');
        return [...JSON.stringify(plan.queryPlanner.winningPlan).matchAll(/"indexName":"([^"]+)"/g)].map((match) => match[1]);
      } finally {
        await client.close();
      }
    }

    it('answers a search from the trigram indexes, fills in documents written before, and never shows the trigrams', async () => {
      const name = `search_${randomUUID().slice(0, 8)}`;
      const store = await open();
      await store.commit(people('a', 50).map((doc) => ({ op: 'upsert', collection: name, doc, version: 1 })));
      await store.collection(name).ensureTextIndex(['lastName', 'email']);
      expect(await store.collection(name).find(search)).toEqual([{ id: 'a7', lastName: 'Lovelace', email: 'p7@example.com' }]);
      expect(await indexesUsed(name)).toEqual(expect.arrayContaining(['rm_text_lastName', 'rm_text_email']));

      // Another process that never declared the index writes the trigrams all the same.
      const other = await open();
      await other.commit([{ op: 'upsert', collection: name, doc: { id: 'b1', lastName: 'Lovell', email: 'b1@example.com' }, version: 1 }]);
      await other.commit([{ op: 'patch', collection: name, id: 'a7', set: { lastName: 'Byron' }, version: 2 }]);
      expect((await store.collection(name).find(search)).map((doc) => doc.id)).toEqual(['b1']);
    });

    it('keeps the search of a rebuilt collection, written by a replay that never declared the index', async () => {
      const name = `search_${randomUUID().slice(0, 8)}`;
      const replacement = `${name}__rebuild`;
      const live = await open();
      await live.collection(name).ensureTextIndex(['lastName', 'email']);
      await live.commit(people('a', 10).map((doc) => ({ op: 'upsert', collection: name, doc, version: 1 })));
      const replay = await open();
      await replay.commit(people('r', 20).map((doc) => ({ op: 'upsert', collection: replacement, doc, version: 1 })));
      await live.swapCollections([{ live: name, replacement }], { processors: [], position: 0n });
      expect((await live.collection(name).find(search)).map((doc) => doc.id)).toEqual(['r7']);
      expect(await indexesUsed(name)).toEqual(expect.arrayContaining(['rm_text_lastName', 'rm_text_email']));
    });

    it('drops the index and the trigrams of a field no longer declared', async () => {
      const name = `search_${randomUUID().slice(0, 8)}`;
      const store = await open();
      await store.collection(name).ensureTextIndex(['lastName', 'email']);
      await store.commit(people('a', 10).map((doc) => ({ op: 'upsert', collection: name, doc, version: 1 })));
      await store.collection(name).ensureTextIndex(['lastName']);
      const client = new MongoClient(url);
      try {
        await client.connect();
        const collection = client.db(database).collection(name);
        expect((await collection.indexes()).map((index) => index.name)).not.toContain('rm_text_email');
        expect(await collection.countDocuments({ '_text.email': { $exists: true } })).toBe(0);
        expect(await collection.countDocuments({ '_text.lastName': { $exists: true } })).toBe(10);
      } finally {
        await client.close();
      }
      expect((await store.collection(name).find(search)).map((doc) => doc.id)).toEqual(['a7']);
    });
  });
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
