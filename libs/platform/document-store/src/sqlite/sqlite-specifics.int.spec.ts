import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateDocumentError } from '../document-store.port';
import { SqliteDocumentStore, textWindows } from './sqlite-document-store';

/** What the SQLite adapter promises beyond the shared contract: every commit is one transaction. */
describe('SqliteDocumentStore specifics', () => {
  it('rolls back every write of a commit that fails, the checkpoint included', async () => {
    const store = new SqliteDocumentStore({ filename: ':memory:' });
    await store.commit([{ op: 'insert', collection: 'inbox', doc: { id: 'event-1' } }]);
    await expect(
      store.commit([
        { op: 'upsert', collection: 'clients', doc: { id: 'c1' }, version: 1 },
        { op: 'checkpoint', processor: 'p', position: 1n },
        { op: 'insert', collection: 'inbox', doc: { id: 'event-1' } },
      ]),
    ).rejects.toBeInstanceOf(DuplicateDocumentError);
    expect(await store.collection('clients').get('c1')).toBeNull();
    expect(await store.getCheckpoint('p')).toBeNull();
    await store.close();
  });

  it('answers a commit that cannot be rebuilt (an insert) only once the WAL is fsynced; read-model commits do not wait for it (issue 23)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docstore-sync-'));
    const calls: Array<() => void> = [];
    const store = new SqliteDocumentStore({ filename: join(dir, 'keys.sqlite'), fileSync: () => new Promise<void>((resolve) => calls.push(resolve)) });
    const turns = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    try {
      let answered = false;
      const insert = store.commit([{ op: 'insert', collection: 'keys', doc: { id: 'k1' } }]).then(() => (answered = true));
      await turns();
      expect(calls).toHaveLength(1);
      expect(answered).toBe(false);
      // A read model's commit (rebuildable) is answered without an fsync of its own.
      await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'c1' }, version: 1 }]);
      expect(calls).toHaveLength(1);
      expect(answered).toBe(false);
      calls[0]();
      await insert;
      expect(await store.collection('keys').get('k1')).toEqual({ id: 'k1' });
      // An unversioned delete (a shredded key) waits for the disk too.
      let deleted = false;
      const shred = store.commit([{ op: 'delete', collection: 'keys', id: 'k1' }]).then(() => (deleted = true));
      await turns();
      expect(deleted).toBe(false);
      calls[1]();
      await shred;
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('commits asked for in one turn share one transaction, and one that fails rolls back alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docstore-group-'));
    const file = join(dir, 'read-models.sqlite');
    const store = new SqliteDocumentStore({ filename: file });
    try {
      await store.commit([{ op: 'insert', collection: 'inbox', doc: { id: 'event-1' } }]);
      await store.commit([{ op: 'checkpoint', processor: 'p0', position: 0n }]);
      // Start from an empty write-ahead log, so its frames count this test's transactions.
      store.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      const processors = Array.from({ length: 20 }, (_, i) => `p${i}`);
      const outcomes = await Promise.allSettled([
        ...processors.map((processor, i) =>
          store.commit([
            { op: 'upsert', collection: 'clients', doc: { id: `c${i}` }, version: 1 },
            { op: 'checkpoint', processor, position: 1n },
          ]),
        ),
        store.commit([
          { op: 'upsert', collection: 'clients', doc: { id: 'refused' }, version: 1 },
          { op: 'insert', collection: 'inbox', doc: { id: 'event-1' } },
        ]),
      ]);
      expect(outcomes.slice(0, 20).every((o) => o.status === 'fulfilled')).toBe(true);
      expect(outcomes[20]).toMatchObject({ status: 'rejected', reason: expect.any(DuplicateDocumentError) });
      expect(await store.collection('clients').count()).toBe(20);
      expect(await store.collection('clients').get('refused')).toBeNull();
      expect(await Promise.all(processors.map((p) => store.getCheckpoint(p)))).toEqual(processors.map(() => 1n));
      // Twenty transactions would write the clients and checkpoints pages twenty times each (40+
      // frames); one transaction writes each changed page once.
      const frames = (statSync(`${file}-wal`).size - 32) / (4096 + 24);
      expect(frames).toBeGreaterThan(0);
      expect(frames).toBeLessThan(12);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applies commits still waiting for their turn before a read of what they write, a drop or the close, in the order asked', async () => {
    const store = new SqliteDocumentStore({ filename: ':memory:' });
    // Two processors sharing a collection: the second reads after the first asked for its commit.
    const asked = store.commit([
      { op: 'upsert', collection: 'sessions', doc: { id: 's1', location: 'Garden Lane' }, version: 1 },
      { op: 'checkpoint', processor: 'calendar', position: 7n },
    ]);
    expect(await store.collection('sessions').get('s1')).toMatchObject({ location: 'Garden Lane' });
    expect(await store.collection('sessions').count({ location: 'Garden Lane' })).toBe(1);
    expect(await store.getCheckpoint('calendar')).toBe(7n);
    await asked;
    // A read of another document leaves a queued commit to its group; a read of its own does not.
    const key = store.commit([{ op: 'insert', collection: 'keys', doc: { id: 'k1' } }]);
    expect(await store.collection('keys').get('k2')).toBeNull();
    expect(await store.collection('keys').get('k1')).toEqual({ id: 'k1' });
    await key;
    const first = store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'c1', n: 1 }, version: 1 }]);
    await store.dropCollection('clients');
    await first;
    expect(await store.collection('clients').get('c1')).toBeNull();
    const second = store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'c2' }, version: 1 }]);
    await store.close();
    await expect(second).resolves.toBeUndefined();
  });

  it('refuses collection names that could escape into SQL', () => {
    const store = new SqliteDocumentStore({ filename: ':memory:' });
    expect(() => store.collection('clients"; DROP TABLE x; --')).toThrow('not a valid collection name');
    expect(() => store.collection('Clients')).toThrow('not a valid collection name');
  });

  it('refuses field paths that could escape into SQL', async () => {
    const store = new SqliteDocumentStore({ filename: ':memory:' });
    await expect(store.collection('clients').find({ "a') OR 1=1 --": 'x' })).rejects.toThrow('not a valid field path');
  });

  it('reuses a text match only while nothing changed: own writes, rolled-back batches and other connections all show', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docstore-text-'));
    const file = join(dir, 'read-models.sqlite');
    const store = new SqliteDocumentStore({ filename: file });
    const other = new SqliteDocumentStore({ filename: file });
    try {
      const clients = store.collection('clients');
      await clients.ensureTextIndex(['name']);
      const search = { name: { $contains: 'lovelace' } };
      const names = async () => (await clients.find(search, { sort: [['name', 1]] })).map((d) => d.name);
      await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'a', name: 'Ada Lovelace' } }]);
      expect(await names()).toEqual(['Ada Lovelace']);
      expect(await clients.count(search)).toBe(1);

      await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'b', name: 'Byron Lovelace' } }]);
      expect(await names()).toEqual(['Ada Lovelace', 'Byron Lovelace']);

      await expect(
        store.batch(async () => {
          await store.commit([{ op: 'delete', collection: 'clients', id: 'a', version: 5 }]);
          expect(await names()).toEqual(['Byron Lovelace']);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await names()).toEqual(['Ada Lovelace', 'Byron Lovelace']);

      await other.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'c', name: 'Cleo Lovelace' } }]);
      expect(await names()).toEqual(['Ada Lovelace', 'Byron Lovelace', 'Cleo Lovelace']);
      expect(await clients.count(search)).toBe(3);
    } finally {
      await store.close();
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('re-indexes a document for search only when its indexed text or its tombstone changes, in new and earlier stores alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docstore-text-'));
    const file = join(dir, 'read-models.sqlite');
    let store = new SqliteDocumentStore({ filename: file });
    const raw = new Database(file, { readonly: true });
    // The FTS5 index's own pages: a delete and insert of a row's trigrams writes new segments here.
    const indexPages = () => raw.prepare('SELECT id, hex(block) AS block FROM rm_clients__text_data ORDER BY id').all();
    const names = async () => (await store.collection('clients').find({ name: { $contains: 'lovelace' } })).map((d) => d.name);
    try {
      await store.collection('clients').ensureTextIndex(['name', 'email']);
      await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'a', name: 'Ada Lovelace', email: 'ada@example.com', type: 'offline' }, version: 1 }]);
      const before = indexPages();
      for (let version = 2; version <= 40; version++) {
        const type = version % 2 ? 'offline' : 'full_access';
        await store.commit([
          version % 3
            ? { op: 'upsert', collection: 'clients', doc: { id: 'a', name: 'Ada Lovelace', email: 'ada@example.com', type }, version }
            : { op: 'patch', collection: 'clients', id: 'a', set: { type }, version },
        ]);
      }
      expect(indexPages()).toEqual(before);
      expect(await names()).toEqual(['Ada Lovelace']);

      // A change of an indexed field, a tombstone and its undoing are still seen by the search.
      await store.commit([{ op: 'patch', collection: 'clients', id: 'a', set: { name: 'Ada King' }, version: 41 }]);
      expect(await names()).toEqual([]);
      expect(await store.collection('clients').count({ name: { $contains: 'king' } })).toBe(1);
      await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'a', name: 'Ada Lovelace', email: 'ada@example.com' }, version: 42 }]);
      expect(await names()).toEqual(['Ada Lovelace']);
      await store.commit([{ op: 'delete', collection: 'clients', id: 'a', version: 43 }]);
      expect(await names()).toEqual([]);
      await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'a', name: 'Ada Lovelace', email: 'ada@example.com' }, version: 44 }]);
      expect(await names()).toEqual(['Ada Lovelace']);

      // A store an earlier version made has the trigger that re-indexed on every update: opening it
      // installs this one.
      await store.close();
      const writer = new Database(file);
      writer.exec(`DROP TRIGGER rm_clients__text_au; CREATE TRIGGER rm_clients__text_au AFTER UPDATE ON rm_clients BEGIN
        DELETE FROM rm_clients__text WHERE rowid = old.rowid;
        INSERT INTO rm_clients__text (rowid, body) SELECT new.rowid, coalesce(json_extract(new.doc, '$.name'), '') || ' ' || coalesce(json_extract(new.doc, '$.email'), '') WHERE new.deleted = 0; END`);
      writer.close();
      store = new SqliteDocumentStore({ filename: file });
      await store.collection('clients').ensureTextIndex(['name', 'email']);
      const reopened = indexPages();
      await store.commit([{ op: 'patch', collection: 'clients', id: 'a', set: { type: 'offline' }, version: 45 }]);
      expect(indexPages()).toEqual(reopened);
      expect(await names()).toEqual(['Ada Lovelace']);
    } finally {
      raw.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('searches a long term through its first rare window, the filter still deciding every row, and keeps fewer index segments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docstore-text-'));
    const file = join(dir, 'read-models.sqlite');
    const store = new SqliteDocumentStore({ filename: file });
    try {
      const clients = store.collection('clients');
      await clients.ensureTextIndex(['name', 'email']);
      // Every address shares its domain and its first characters: only the middle tells them apart.
      const docs = Array.from({ length: 150 }, (_, i) => ({ id: `c${i}`, name: `Ada Bench`, email: `bench-${String(i).padStart(3, '0')}-x@example.com` }));
      for (const doc of docs) await store.commit([{ op: 'upsert', collection: 'clients', doc }]);
      const search = (term: string) => ({ $or: [{ name: { $contains: term } }, { email: { $contains: term } }] });
      const rowid = (id: string) => store.prepare<{ rowid: number }>('SELECT rowid FROM rm_clients WHERE id = ?').get(id)!.rowid;

      // The windows overlap by two characters, so together they hold every trigram of the term.
      // "bench-" is in every row; "h-077-" is the first rare window.
      expect(textWindows('bench-077-x@example.com')).toEqual(['bench-', 'h-077-', '7-x@ex', 'exampl', 'ple.co']);
      expect(textWindows('Ada Bench')).toEqual([]);
      expect(JSON.parse(store.textMatches('rm_clients', 'bench-077-x@example.com'))).toEqual([rowid('c77')]);
      expect((await clients.find(search('bench-077-x@example.com'))).map((d) => d.id)).toEqual(['c77']);
      // A window's candidates are a superset: the filter decides (the window matches, the term does not).
      expect(JSON.parse(store.textMatches('rm_clients', 'bench-077-y@example.com'))).toEqual([rowid('c77')]);
      expect(await clients.count(search('bench-077-y@example.com'))).toBe(0);
      // When every window is common, the whole term gives the candidates, as for a short term.
      expect(await clients.count(search('Bench bench-'))).toBe(0);
      expect(await clients.count(search('@example.com'))).toBe(150);
      expect(await clients.count(search('Ada Bench'))).toBe(150);

      // FTS5 merges a level at 2 segments, not 4, in new stores and in stores made earlier.
      const automerge = () => store.prepare<{ v: number }>(`SELECT v FROM rm_clients__text_config WHERE k = 'automerge'`).get()?.v;
      expect(automerge()).toBe(2);
      // A store an earlier version made merges at FTS5's default.
      store.exec(`INSERT INTO rm_clients__text (rm_clients__text, rank) VALUES ('automerge', 4)`);
      expect(automerge()).toBe(4);
      await clients.ensureTextIndex(['name', 'email']);
      expect(automerge()).toBe(2);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
