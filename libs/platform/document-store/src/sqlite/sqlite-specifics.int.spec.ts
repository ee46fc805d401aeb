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
});
