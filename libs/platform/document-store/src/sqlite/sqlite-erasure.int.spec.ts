import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDocumentStore } from './sqlite-document-store';

/**
 * A deleted document must be gone from the disk, not only from the answers: from the database
 * file (secure_delete) and from its WAL (truncated after the deletion), while the store stays open.
 */
describe('SqliteDocumentStore erasure (a real file)', () => {
  let dir: string;
  let filename: string;
  let store: SqliteDocumentStore;
  const onDisk = (needle: string) =>
    [filename, `${filename}-wal`].filter((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(needle)));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-erasure-store-'));
    filename = join(dir, 'keys.sqlite');
    store = new SqliteDocumentStore({ filename, textPurgeDelayMs: 20 });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('zeroes a deleted row in the file and empties the WAL once the deletion commits', async () => {
    const secret = 'k3y-bytes-that-must-vanish-7Q9';
    await store.commit([{ op: 'insert', collection: 'subject_keys', doc: { id: 'client-1', key: secret } }]);
    await store.commit([{ op: 'insert', collection: 'subject_keys', doc: { id: 'client-2', key: 'another-key' } }]);
    expect(onDisk(secret).length).toBeGreaterThan(0);

    await store.commit([{ op: 'delete', collection: 'subject_keys', id: 'client-1' }]);

    expect(onDisk(secret)).toEqual([]);
    expect(statSync(`${filename}-wal`).size).toBe(0);
    await expect(store.collection('subject_keys').get('client-2')).resolves.toMatchObject({ key: 'another-key' });
  });

  it('zeroes a tombstoned document (a versioned delete inside a batch) too', async () => {
    await store.commit([
      { op: 'upsert', collection: 'clients', doc: { id: 'c0', name: 'Ada Lovelace' }, version: 1 },
      { op: 'upsert', collection: 'clients', doc: { id: 'c1', name: 'Hyacinth Quellwater' }, version: 1 },
      { op: 'upsert', collection: 'clients', doc: { id: 'c2', name: 'Bob Stone' }, version: 1 },
    ]);
    // The document's page reaches the file first (as an automatic checkpoint would take it there).
    store.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    expect(onDisk('Hyacinth Quellwater')).toEqual([filename]);
    await store.batch(async () => {
      await store.commit([{ op: 'delete', collection: 'clients', id: 'c1', version: 2 }]);
    });
    expect(onDisk('Hyacinth Quellwater')).toEqual([]);
  });

  it("purges a deleted document's entries from the text index's segments", async () => {
    const clients = store.collection('clients');
    await clients.ensureTextIndex(['name']);
    await store.commit([
      { op: 'upsert', collection: 'clients', doc: { id: 'c1', name: 'Hyacinth Quellwater' }, version: 1 },
      { op: 'upsert', collection: 'clients', doc: { id: 'c2', name: 'Ada Lovelace' }, version: 1 },
    ]);
    const segments = () => store.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM rm_clients__text_idx').get()!.n;
    await store.commit([{ op: 'upsert', collection: 'clients', doc: { id: 'c3', name: 'Bob Quellwater' }, version: 1 }]);
    await store.commit([{ op: 'delete', collection: 'clients', id: 'c1', version: 2 }]);
    await store.commit([{ op: 'delete', collection: 'clients', id: 'c3', version: 2 }]);
    // Before the purge the deletions are only markers, on top of the segments holding the trigrams.
    expect(segments()).toBeGreaterThan(1);
    const deadline = Date.now() + 5000;
    while (segments() > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // One segment, rewritten from the live documents only: no entry and no marker of the deleted ones.
    expect(segments()).toBe(1);
    await expect(clients.find({ name: { $contains: 'Lovelace' } })).resolves.toHaveLength(1);
    expect(statSync(`${filename}-wal`).size).toBe(0);
  });

  it('creates its file and WAL owner-only (0600), whatever the umask', async () => {
    await store.commit([{ op: 'insert', collection: 'subject_keys', doc: { id: 'x', key: 'y' } }]);
    for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
  });
});
