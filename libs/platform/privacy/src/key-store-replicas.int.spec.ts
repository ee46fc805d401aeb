import { DocumentStore, PostgresDocumentStore } from '@clientele/platform/document-store';
import { createHash } from 'node:crypto';
import { planPostgres, skipSuite, useTestDatabase } from '@clientele/platform/testing';
import { KEY_SHREDS, KeyStore, SHRED_BOUND_MS, SUBJECT_KEYS } from './key-store';
import { PersonalDataCipher } from './personal-data-cipher';

/**
 * Issue 24, item 5: a shredded key dies in every replica. Replicas of a service share its key store
 * (on PostgreSQL, the schema `<service>_keys`), and each caches keys in memory. Here each "replica"
 * is a KeyStore over a connection of its own to the same schema of a real PostgreSQL database.
 */
const plan = planPostgres('Key store replicas suite');

if (plan.kind === 'skip') {
  describe('KeyStore replicas over PostgreSQL', () => skipSuite(plan));
} else {
  const database = useTestDatabase(plan);

  describe('KeyStore replicas over PostgreSQL', () => {
    const opened: DocumentStore[] = [];
    /** A replica's connection to the shared key store (a document store of its own, as each process opens). */
    async function replicaStore(): Promise<PostgresDocumentStore> {
      const store = await PostgresDocumentStore.open({ connectionString: database().url, schema: 'clients_keys', poolSize: 2, applicationName: 'key-store-replica' });
      opened.push(store);
      return store;
    }
    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
    });

    /** A clock moved by hand, so that "after the bound" is a fact of the test, not a race. */
    function manualClock(): { now: () => number; advance(ms: number): void } {
      let at = 1_000_000;
      return { now: () => at, advance: (ms) => (at += ms) };
    }

    async function poll<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await probe();
        if (done(value)) return value;
        if (Date.now() > deadline) throw new Error(`${what}: still not the case after ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    it('a client shredded by one replica cannot be opened by another that cached its key, soon after (real clock)', async () => {
      const a = new PersonalDataCipher(new KeyStore(await replicaStore()));
      const b = new PersonalDataCipher(new KeyStore(await replicaStore()));
      const sealed = await b.seal('client-1', { email: 'ada@example.com' });
      // A reads the client's data: its key is now in A's cache.
      await expect(a.open('client-1', sealed)).resolves.toEqual({ email: 'ada@example.com' });
      await expect(a.open('client-1', sealed)).resolves.toEqual({ email: 'ada@example.com' });

      await b.shred('client-1');
      // In the replica that shredded: at once.
      await expect(b.open('client-1', sealed)).resolves.toBeNull();
      // In the other: within the bound (waited for, with a deadline far beyond it).
      await poll('replica A still opens the shredded client', () => a.open('client-1', sealed), (value) => value === null);
      // And for good: the key is neither in A's cache nor in the store.
      for (let i = 0; i < 5; i++) await expect(a.open('client-1', sealed)).resolves.toBeNull();
    }, 30_000);

    it('never uses a cached key once the bound has passed since the shredding, and costs no query per use within it', async () => {
      const clock = manualClock();
      const storeA = await replicaStore();
      const a = new PersonalDataCipher(new KeyStore(storeA, { now: clock.now }));
      const b = new PersonalDataCipher(new KeyStore(await replicaStore()));
      const sealed = await b.seal('client-2', { email: 'bob@example.com' });
      // The first use reads the key, the second checks the log for the first time (which empties the cache) and reads it again.
      for (let i = 0; i < 2; i++) await expect(a.open('client-2', sealed)).resolves.toEqual({ email: 'bob@example.com' });

      // Within the bound, a cached key is used without asking the store anything.
      const asked = jest.spyOn(storeA, 'collection');
      for (let i = 0; i < 50; i++) await expect(a.open('client-2', sealed)).resolves.toEqual({ email: 'bob@example.com' });
      expect(asked).not.toHaveBeenCalled();
      asked.mockRestore();

      await b.shred('client-2');
      // The bound passes on A's clock: the very next use must not open the data.
      clock.advance(SHRED_BOUND_MS);
      await expect(a.open('client-2', sealed)).resolves.toBeNull();
      await expect(a.open('client-2', sealed)).resolves.toBeNull();
    });

    it('applies shreddings that replicas commit at the same time, each with an entry of its own in the log', async () => {
      const clock = manualClock();
      const reader = new PersonalDataCipher(new KeyStore(await replicaStore(), { now: clock.now }));
      const a = new PersonalDataCipher(new KeyStore(await replicaStore()));
      const b = new PersonalDataCipher(new KeyStore(await replicaStore()));
      const subjects = Array.from({ length: 8 }, (_, i) => `together-${i}`);
      const sealed = await Promise.all(subjects.map((id) => a.seal(id, { name: id })));
      for (const [i, id] of subjects.entries()) await expect(reader.open(id, sealed[i])).resolves.toEqual({ name: id });
      const logBefore = await (await replicaStore()).collection(KEY_SHREDS).count();

      // Half through A, half through B, all at once: the two race for the log's next numbers.
      await Promise.all(subjects.map((id, i) => (i % 2 === 0 ? a : b).shred(id)));

      clock.advance(SHRED_BOUND_MS);
      for (const [i, id] of subjects.entries()) await expect(reader.open(id, sealed[i])).resolves.toBeNull();
      const store = await replicaStore();
      expect(await store.collection(SUBJECT_KEYS).count({ id: { $in: subjects } })).toBe(0);
      const log = await store.collection<{ id: string; subjects: string[] }>(KEY_SHREDS).find({}, { sort: [['id', 1]] });
      // The log names them by digest: the key store keeps no trace of a shredded subject's id.
      const digest = (id: string) => createHash('sha256').update(id).digest('base64url');
      expect(log.flatMap((entry) => entry.subjects).filter((named) => subjects.some((id) => digest(id) === named)).length).toBe(subjects.length);
      expect(JSON.stringify(log)).not.toContain('together-');
      // Numbered without gaps: every entry's number is the one after the previous entry's.
      expect(log.map((entry) => Number(BigInt(`0x${entry.id}`)))).toEqual(log.map((_, i) => i + 1));
      expect(log.length).toBeGreaterThan(logBefore);
    });

    it('does not cache a key read from the store just before another replica shredded it', async () => {
      const clock = manualClock();
      const storeA = await replicaStore();
      const a = new PersonalDataCipher(new KeyStore(storeA, { now: clock.now }));
      const b = new PersonalDataCipher(new KeyStore(await replicaStore()));
      const [early, late] = [await b.seal('early', { n: 1 }), await b.seal('late', { n: 2 })];
      for (let i = 0; i < 2; i++) await expect(a.open('early', early)).resolves.toEqual({ n: 1 });

      // A reads the key of "late" from the store, and that read answers only after B shredded the
      // key and A's next check of the log saw it.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let read!: () => void;
      const readDone = new Promise<void>((resolve) => (read = resolve));
      const collection = storeA.collection.bind(storeA);
      const spy = jest.spyOn(storeA, 'collection');
      spy.mockImplementation(((name: string) => {
        const real = collection(name);
        if (name !== SUBJECT_KEYS) return real;
        return {
          get: async (id: string) => {
            if (id !== 'late') return real.get(id);
            const row = await real.get(id);
            read();
            await gate;
            return row;
          },
        } as never;
      }) as never);
      const racing = a.open('late', late);
      await readDone;
      await b.shred('late');
      clock.advance(SHRED_BOUND_MS);
      await expect(a.open('early', early)).resolves.toEqual({ n: 1 }); // A checks the log first, and sees the shredding of "late"
      release();
      // Read before the shredding: that one use still opens it; what matters is that nothing keeps the key.
      await expect(racing).resolves.toEqual({ n: 2 });
      spy.mockRestore();
      await expect(a.open('late', late)).resolves.toBeNull();
    });
  });
}
