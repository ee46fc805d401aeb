import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { KeyStore, SUBJECT_KEYS, moveKeysApart } from './key-store';
import { PersonalDataCipher } from './personal-data-cipher';

/** An upgrade: keys an earlier version kept in the read models move to the key store, once. */
describe('moveKeysApart (real SQLite stores)', () => {
  let readModels: SqliteDocumentStore;
  let keys: SqliteDocumentStore;
  beforeEach(() => {
    readModels = new SqliteDocumentStore({ filename: ':memory:' });
    keys = new SqliteDocumentStore({ filename: ':memory:' });
  });
  afterEach(async () => {
    await readModels.close();
    await keys.close();
  });

  it('moves every key, leaves none in the read models, and values sealed before still open', async () => {
    const before = new PersonalDataCipher(new KeyStore(readModels));
    const sealed = await Promise.all(Array.from({ length: 7 }, (_, i) => before.seal(`client-${i}`, { name: `Client ${i}` })));

    expect(await moveKeysApart(readModels, keys, 3)).toBe(7);

    expect(await readModels.collection(SUBJECT_KEYS).count()).toBe(0);
    const after = new PersonalDataCipher(new KeyStore(keys));
    for (let i = 0; i < 7; i++) await expect(after.open(`client-${i}`, sealed[i])).resolves.toEqual({ name: `Client ${i}` });
    // Once done, it finds nothing more to move.
    expect(await moveKeysApart(readModels, keys)).toBe(0);
  });

  it("finishes a move that was interrupted after copying, keeping the key store's key", async () => {
    const old = new KeyStore(readModels);
    const key = await old.keyFor('client-1');
    await old.keyFor('client-2');
    await keys.commit([{ op: 'insert', collection: SUBJECT_KEYS, doc: { id: 'client-1', key: key.toString('base64'), createdAt: 'x' } }]);

    expect(await moveKeysApart(readModels, keys)).toBe(2);

    const moved = new KeyStore(keys);
    expect((await moved.find('client-1'))!.equals(key)).toBe(true);
    expect(await moved.find('client-2')).not.toBeNull();
    expect(await readModels.collection(SUBJECT_KEYS).count()).toBe(0);
  });
});
