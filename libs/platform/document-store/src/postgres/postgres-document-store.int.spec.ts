import { UnavailableError } from '@clientele/platform/core';
import { Client, Pool } from 'pg';
import { createTestDatabase, planPostgres, skipSuite, useTestDatabase } from '@clientele/platform/testing';
import { FencedOffError, type DocumentStore } from '../document-store.port';
import { documentStoreContract } from '../testing/document-store.contract';
import { PostgresDocumentStore } from './postgres-document-store';

/**
 * The document store contract against a real PostgreSQL server, in a database created for the
 * run, then what this adapter promises beyond it: the trigram and btree indexes serve the
 * queries, replicas can open a schema together, a fenced-off commit changes nothing, a swap is
 * atomic for readers, deletions keep no document.
 */
const plan = planPostgres('PostgreSQL document store suite');

if (plan.kind === 'skip') {
  describe('PostgreSQL document store', () => skipSuite(plan));
} else {
  const database = useTestDatabase(plan);

  documentStoreContract('PostgreSQL', () => PostgresDocumentStore.open({ connectionString: database().url, schema: 'contract', poolSize: 4 }));

  describe('PostgresDocumentStore specifics', () => {
    let store: PostgresDocumentStore;
    let sql: Client;
    const schema = 'specifics';

    beforeAll(async () => {
      store = await PostgresDocumentStore.open({ connectionString: database().url, schema, poolSize: 4, applicationName: 'docstore-specifics' });
      sql = new Client({ connectionString: database().url });
      await sql.connect();
    }, 60_000);
    afterAll(async () => {
      await sql?.end();
      await store?.close();
    });

    /** The statements the store sent while `work` ran (through its pool). */
    async function captureQueries(work: () => Promise<unknown>): Promise<Array<{ text: string; values: unknown[] }>> {
      const seen: Array<{ text: string; values: unknown[] }> = [];
      const original = Pool.prototype.query as (...args: unknown[]) => unknown;
      const spy = jest.spyOn(Pool.prototype, 'query').mockImplementation(function (this: Pool, ...args: unknown[]) {
        if (typeof args[0] === 'string') seen.push({ text: args[0], values: (args[1] as unknown[]) ?? [] });
        return original.apply(this, args);
      } as never);
      try {
        await work();
      } finally {
        spy.mockRestore();
      }
      return seen;
    }

    async function explain(statement: { text: string; values: unknown[] }): Promise<string> {
      const { rows } = await sql.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, statement.values);
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    }

    async function seedPeople(collection: string, count: number): Promise<void> {
      const surnames = ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright'];
      for (let from = 0; from < count; from += 1000) {
        await store.commit(
          Array.from({ length: Math.min(1000, count - from) }, (_, k) => {
            const i = from + k;
            const lastName = i === 4242 ? 'Lovelace' : `${surnames[i % surnames.length]}${i}`;
            return {
              op: 'upsert' as const,
              collection,
              doc: { id: `p${i}`, accountId: `acct-${i % 20}`, firstName: `First${i}`, lastName, email: `user${i}@example.com`, rank: i },
              version: 1,
            };
          }),
        );
      }
      // What autovacuum does to a table that grew: statistics, and the GIN index's pending list
      // (rows indexed since it was created wait there, and the planner charges for scanning it)
      // merged into the index proper.
      await sql.query(`VACUUM ANALYZE "${schema}"."rm_${collection}"`);
    }

    it('serves a $contains of 3+ characters from the pg_trgm index, and sorted pages from a btree index', async () => {
      const people = store.collection('people');
      await people.ensureTextIndex(['firstName', 'lastName', 'email']);
      await people.ensureIndexes([{ fields: [['accountId', 1], ['lastName', 1]] }]);
      await seedPeople('people', 20_000);

      const search = { accountId: 'acct-2', $or: ['firstName', 'lastName', 'email'].map((field) => ({ [field]: { $contains: 'LOVELACE' } })) };
      const [find] = await captureQueries(async () => expect((await people.find(search)).map((d) => d.id)).toEqual(['p4242']));
      const plan = await explain(find);
      expect(plan).toMatch(/Bitmap Index Scan on rm_tx_/);
      expect(plan).not.toMatch(/Seq Scan/);

      const [page] = await captureQueries(async () => {
        const docs = await people.find({ accountId: 'acct-3' }, { sort: [['lastName', 1]], limit: 20 });
        expect(docs).toHaveLength(20);
        expect(docs.map((d) => d.lastName)).toEqual([...docs.map((d) => d.lastName as string)].sort());
      });
      const pagePlan = await explain(page);
      expect(pagePlan).toMatch(/Index Scan using rm_ix_/);
      expect(pagePlan).not.toMatch(/Sort|Seq Scan/);
    }, 120_000);

    it('lets replicas open the same schemas at once: every open succeeds and migrations apply once', async () => {
      // A database of its own, so that the pg_trgm extension is created under the race too.
      const fresh = await createTestDatabase(plan.adminUrl);
      const opened: PostgresDocumentStore[] = [];
      try {
        const results = await Promise.allSettled(
          ['one', 'one', 'one', 'two', 'two'].map((name) => PostgresDocumentStore.open({ connectionString: fresh.url, schema: `replicas_${name}`, poolSize: 2 })),
        );
        for (const result of results) if (result.status === 'fulfilled') opened.push(result.value);
        expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
        const client = new Client({ connectionString: fresh.url });
        await client.connect();
        try {
          for (const name of ['one', 'two']) {
            const { rows } = await client.query(`SELECT version FROM "replicas_${name}".rm__migrations ORDER BY version`);
            expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
          }
        } finally {
          await client.end();
        }
        await opened[0].commit([{ op: 'upsert', collection: 'c', doc: { id: 'x' }, version: 1 }]);
        expect(await opened[1].collection('c').get('x')).toEqual({ id: 'x' });
      } finally {
        await Promise.all(opened.map((opened) => opened.close()));
        await fresh.drop();
      }
    }, 120_000);

    it('changes nothing, not even the fencing token, for a commit with a stale fence', async () => {
      const processor = 'fenced';
      await store.commit([
        { op: 'fence', processor, token: 9n },
        { op: 'upsert', collection: 'fenced', doc: { id: 'a', n: 1 }, version: 1 },
        { op: 'checkpoint', processor, position: 1n },
      ]);
      const before = await sql.query(`SELECT id, doc, version::text, deleted FROM "${schema}".rm_checkpoints WHERE id LIKE '%fenced' ORDER BY id`);
      await expect(
        store.commit([
          { op: 'fence', processor, token: 5n },
          { op: 'upsert', collection: 'fenced', doc: { id: 'b' }, version: 2 },
          { op: 'patch', collection: 'fenced', id: 'a', set: { n: 2 }, version: 2 },
          { op: 'insert', collection: 'fenced_inbox', doc: { id: 'event-2' } },
          { op: 'checkpoint', processor, position: 2n },
        ]),
      ).rejects.toBeInstanceOf(FencedOffError);
      expect(await store.collection('fenced').find()).toEqual([{ id: 'a', n: 1 }]);
      expect(await store.collection('fenced_inbox').count()).toBe(0);
      expect(await store.getCheckpoint(processor)).toBe(1n);
      const after = await sql.query(`SELECT id, doc, version::text, deleted FROM "${schema}".rm_checkpoints WHERE id LIKE '%fenced' ORDER BY id`);
      expect(after.rows).toEqual(before.rows);
    });

    it('serializes commits of one processor on its fence: the holder of the higher token wins, the other changes nothing', async () => {
      const other = await PostgresDocumentStore.open({ connectionString: database().url, schema, poolSize: 2 });
      try {
        const processor = 'raced';
        const write = (target: DocumentStore, token: bigint) =>
          target.commit([
            { op: 'fence', processor, token },
            { op: 'upsert', collection: 'raced', doc: { id: 'x', by: token.toString() }, version: token },
            { op: 'checkpoint', processor, position: token },
          ]);
        const results = await Promise.allSettled([write(store, 1n), write(other, 2n)]);
        const winner = (await store.collection('raced').get('x'))?.by;
        // Whichever order they ran in, token 2 has written and its position is the checkpoint.
        expect(winner).toBe('2');
        expect(await store.getCheckpoint(processor)).toBe(2n);
        const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
        for (const failure of failed) expect(failure.reason).toBeInstanceOf(FencedOffError);
      } finally {
        await other.close();
      }
    });

    it('swaps atomically: a reader waiting on the swap sees the new collection, never none', async () => {
      const reader = await PostgresDocumentStore.open({ connectionString: database().url, schema, poolSize: 4 });
      const blocker = new Client({ connectionString: database().url });
      await blocker.connect();
      try {
        await store.commit(Array.from({ length: 300 }, (_, i) => ({ op: 'upsert' as const, collection: 'roster', doc: { id: `r${i}`, gen: 'old', email: `r${i}@old` }, version: 1 })));
        await store.collection('roster').ensureIndexes([{ fields: [['email', 1]], unique: true }]);
        await store.commit(Array.from({ length: 200 }, (_, i) => ({ op: 'upsert' as const, collection: 'roster__rebuild', doc: { id: `r${i}`, gen: 'new', email: `r${i}@new` }, version: 1 })));
        expect(await reader.collection('roster').count()).toBe(300);

        // A reader in the middle of a transaction on the live table holds the swap back...
        await blocker.query('BEGIN');
        await blocker.query(`SELECT count(*) FROM "${schema}".rm_roster`);
        const swapping = store.swapCollections([{ live: 'roster', replacement: 'roster__rebuild' }], { processors: ['roster_live'], position: 10n });
        await waitFor(async () => (await waitingOnLocks()) >= 1);
        // ...and readers arriving now queue behind the swap.
        const counting = reader.collection('roster').count();
        const finding = reader.collection('roster').find({}, { sort: [['id', 1]] });
        await waitFor(async () => (await waitingOnLocks()) >= 3);
        await blocker.query('COMMIT');

        await swapping;
        expect(await counting).toBe(200);
        expect(new Set((await finding).map((doc) => doc.gen))).toEqual(new Set(['new']));
        expect(await reader.getCheckpoint('roster_live')).toBe(10n);
        // The live table's unique index came along, under the live table's own name.
        await expect(store.commit([{ op: 'upsert', collection: 'roster', doc: { id: 'dup', email: 'r1@new' } }])).rejects.toMatchObject({ name: 'DuplicateDocumentError' });
        const { rows } = await sql.query(`SELECT tablename FROM pg_indexes WHERE schemaname = $1 AND tablename LIKE 'rm_roster%' ORDER BY indexname`, [schema]);
        expect(rows.map((row) => row.tablename)).toEqual(['rm_roster', 'rm_roster']);
        expect(await store.collection('roster__rebuild').count()).toBe(0);
      } finally {
        await blocker.end();
        await reader.close();
      }
    }, 60_000);

    it('patches nested fields like SQLite: missing objects are created, a value in the way is left alone', async () => {
      await store.commit([
        { op: 'upsert', collection: 'nested', doc: { id: 'a' } },
        { op: 'upsert', collection: 'nested', doc: { id: 'b', b: 5 } },
        { op: 'upsert', collection: 'nested', doc: { id: 'c', b: { keep: true } } },
      ]);
      await store.commit(['a', 'b', 'c'].map((id) => ({ op: 'patch' as const, collection: 'nested', id, set: { 'b.c.d': 'm', 'b.x': 1, top: 't' } })));
      const nested = store.collection('nested');
      expect(await nested.get('a')).toEqual({ id: 'a', b: { c: { d: 'm' }, x: 1 }, top: 't' });
      expect(await nested.get('b')).toEqual({ id: 'b', b: 5, top: 't' });
      expect(await nested.get('c')).toEqual({ id: 'c', b: { keep: true, c: { d: 'm' }, x: 1 }, top: 't' });
    });

    it('keeps no document in a tombstone, and no row for an unversioned delete', async () => {
      await store.commit([
        { op: 'upsert', collection: 'erased', doc: { id: 'c1', name: 'Hyacinth Quellwater' }, version: 1 },
        { op: 'insert', collection: 'erased', doc: { id: 'k1', key: 'secret' } },
      ]);
      await store.commit([
        { op: 'delete', collection: 'erased', id: 'c1', version: 2 },
        { op: 'delete', collection: 'erased', id: 'k1' },
      ]);
      const { rows } = await sql.query(`SELECT id, doc, version::text AS version, deleted FROM "${schema}".rm_erased ORDER BY id`);
      expect(rows).toEqual([{ id: 'c1', doc: {}, version: '2', deleted: true }]);
    });

    it('keeps a batch to itself until it commits: other callers use other connections meanwhile', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let written!: () => void;
      const inBatch = new Promise<void>((resolve) => (written = resolve));
      const batch = store.batch(async () => {
        await store.commit([{ op: 'upsert', collection: 'batched', doc: { id: 'b1' }, version: 1 }]);
        expect(await store.collection('batched').get('b1')).toEqual({ id: 'b1' });
        written();
        await held;
      });
      await inBatch;
      // Outside the batch's async context: the pool, which does not see the batch yet.
      expect(await store.collection('batched').get('b1')).toBeNull();
      release();
      await batch;
      expect(await store.collection('batched').get('b1')).toEqual({ id: 'b1' });
    });

    it('carries on after the server terminates its connections', async () => {
      await store.ping();
      await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'docstore-specifics'`);
      await waitFor(async () => {
        try {
          await store.commit([{ op: 'upsert', collection: 'survivor', doc: { id: 's' }, version: 1 }]);
          return true;
        } catch {
          return false;
        }
      });
      expect(await store.collection('survivor').get('s')).toEqual({ id: 's' });
    });

    it('answers unavailable (a 503), not the driver\'s own error, when the server ends a connection in use', async () => {
      await expect(
        store.batch(async () => {
          await store.collection('cut').get('x'); // the batch's connection, now idle in its transaction
          await sql.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'docstore-specifics' AND state = 'idle in transaction'`);
          await store.collection('cut').get('x');
        }),
      ).rejects.toBeInstanceOf(UnavailableError);
      expect(await store.collection('cut').get('x')).toBeNull();
    });

    it('refuses names that could escape into SQL', async () => {
      expect(() => store.collection('clients"; DROP TABLE x; --')).toThrow('not a valid collection name');
      await expect(store.collection('clients').find({ "a') OR 1=1 --": 'x' })).rejects.toThrow('not a valid field path');
      await expect(store.collection('clients').find({}, { sort: [["a' DESC; --", 1]] })).rejects.toThrow('not a valid field path');
      await expect(PostgresDocumentStore.open({ connectionString: database().url, schema: 'x"; --' })).rejects.toThrow('not a valid schema name');
    });

    async function waitingOnLocks(): Promise<number> {
      const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return rows[0].n;
    }
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
