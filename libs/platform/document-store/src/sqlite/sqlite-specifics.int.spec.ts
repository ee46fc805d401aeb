import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuplicateDocumentError } from '../document-store.port';
import { SqliteDocumentStore } from './sqlite-document-store';

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
});
