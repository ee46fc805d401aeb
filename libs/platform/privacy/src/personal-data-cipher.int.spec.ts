import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore, SHRED_BOUND_MS } from './key-store';
import { PersonalDataCipher, isSealed } from './personal-data-cipher';

describe('PersonalDataCipher (keys in a real SQLite document store)', () => {
  let documents: SqliteDocumentStore;
  let cipher: PersonalDataCipher;
  beforeEach(() => {
    documents = new SqliteDocumentStore({ filename: ':memory:' });
    cipher = new PersonalDataCipher(new KeyStore(documents));
  });
  afterEach(() => documents.close());

  it('seals personal data so that none of it can be read in the stored value, and opens it again', async () => {
    const sealed = await cipher.seal('client-1', { email: 'ada@example.com', firstName: 'Ada' });
    expect(isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('ada');
    await expect(cipher.open('client-1', sealed)).resolves.toEqual({ email: 'ada@example.com', firstName: 'Ada' });
  });

  it('cannot open a value once the key is shredded, also from a fresh process (no cache)', async () => {
    const sealed = await cipher.seal('client-1', { email: 'ada@example.com' });
    await cipher.shred('client-1');
    await expect(cipher.open('client-1', sealed)).resolves.toBeNull();
    await expect(new PersonalDataCipher(new KeyStore(documents)).open('client-1', sealed)).resolves.toBeNull();
  });

  it("refuses a value moved to another subject's id", async () => {
    const sealed = await cipher.seal('client-1', { email: 'ada@example.com' });
    await cipher.seal('client-2', { email: 'x@example.com' });
    await expect(cipher.open('client-2', sealed)).rejects.toThrow();
  });

  it('agrees on one key when it is created concurrently', async () => {
    const keys = new KeyStore(documents);
    const other = new KeyStore(documents);
    const [a, b] = await Promise.all([keys.keyFor('s'), other.keyFor('s')]);
    expect(a.equals(b)).toBe(true);
  });

  it('does not hand out a new key before its commit is on disk, even to a reader that finds its row (issue 23)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clientele-keys-sync-'));
    const calls: Array<() => void> = [];
    const file = new SqliteDocumentStore({ filename: join(dir, 'keys.sqlite'), fileSync: () => new Promise<void>((resolve) => calls.push(resolve)) });
    try {
      const keys = new KeyStore(file);
      const created = keys.keyFor('account-1');
      while (calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
      // Committed (the row is in the file) while its WAL waits for the disk: a find must wait too,
      // or a value sealed with it could outlive the key after a power cut.
      let found: Buffer | null | undefined;
      const finding = keys.find('account-1').then((key) => (found = key));
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(found).toBeUndefined();
      calls[0]();
      const [key] = await Promise.all([created, finding]);
      expect(found?.equals(key)).toBe(true);
    } finally {
      await file.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the keys asked for together in one commit, and falls back to one at a time when one exists already', async () => {
    const keys = new KeyStore(documents);
    const commits: number[] = [];
    const commit = documents.commit.bind(documents);
    documents.commit = (ops) => {
      commits.push(ops.length);
      return commit(ops);
    };
    const together = await Promise.all(['k1', 'k2', 'k3', 'k1'].map((id) => keys.keyFor(id)));
    expect(commits).toEqual([3]);
    expect(together[0].equals(together[3])).toBe(true);
    const fresh = new KeyStore(documents);
    for (const [index, id] of ['k1', 'k2', 'k3'].entries()) expect((await fresh.find(id))!.equals(together[index])).toBe(true);

    // Another replica writes k5's key just before this group commits: the group fails, each is written alone, and k5 keeps the other key.
    const theirs = Buffer.alloc(32, 7);
    documents.commit = async (ops) => {
      commits.push(ops.length);
      if (ops.length === 2) await commit([{ op: 'insert', collection: 'subject_keys', doc: { id: 'k5', key: theirs.toString('base64'), createdAt: new Date().toISOString() } }]);
      return commit(ops);
    };
    commits.length = 0;
    const [k4, k5] = await Promise.all(['k4', 'k5'].map((id) => keys.keyFor(id)));
    expect(commits).toEqual([2, 1, 1]);
    expect(k5.equals(theirs)).toBe(true);
    expect((await new KeyStore(documents).find('k4'))!.equals(k4)).toBe(true);
  });

  it('prepares many keys in one write, keeping keys that already exist', async () => {
    const keys = new KeyStore(documents);
    const existing = await keys.keyFor('s1');
    await keys.prepare(['s1', 's2', 's3']);
    const fresh = new KeyStore(documents);
    expect((await fresh.find('s1'))!.equals(existing)).toBe(true);
    expect(await fresh.find('s2')).not.toBeNull();
    expect(await fresh.find('s3')).not.toBeNull();
  });

  it('gives a stable blind index per scope that does not contain the value', async () => {
    const a = await cipher.blindIndex('account-1', 'ada@example.com');
    expect(await cipher.blindIndex('account-1', 'ada@example.com')).toBe(a);
    expect(await cipher.blindIndex('account-2', 'ada@example.com')).not.toBe(a);
    expect(a).not.toContain('ada');
  });

  it('shares one cache between the key stores of a process: a key shredded through one is gone from all at once', async () => {
    // A service builds several (its commands' and its projections'), over the same document store.
    const sealed = await cipher.seal('client-1', { email: 'ada@example.com' });
    const projections = new PersonalDataCipher(new KeyStore(documents));
    await expect(projections.open('client-1', sealed)).resolves.toEqual({ email: 'ada@example.com' });
    await cipher.shred('client-1');
    await expect(projections.open('client-1', sealed)).resolves.toBeNull();
  });
});

describe('KeyStore: two processes over one keys.sqlite (replicas sharing the embedded stores)', () => {
  let folder: string;
  const stores: SqliteDocumentStore[] = [];
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'clientele-keys-'));
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    rmSync(folder, { recursive: true, force: true });
  });
  const open = () => {
    const store = new SqliteDocumentStore({ filename: join(folder, 'keys.sqlite') });
    stores.push(store);
    return store;
  };

  it('never uses a cached key once the bound has passed since another process shredded it', async () => {
    let at = 0;
    const a = new PersonalDataCipher(new KeyStore(open(), { now: () => at }));
    const b = new PersonalDataCipher(new KeyStore(open()));
    const sealed = await b.seal('client-1', { email: 'ada@example.com' });
    for (let i = 0; i < 3; i++) await expect(a.open('client-1', sealed)).resolves.toEqual({ email: 'ada@example.com' });
    await b.shred('client-1');
    at += SHRED_BOUND_MS;
    await expect(a.open('client-1', sealed)).resolves.toBeNull();
  });
});
