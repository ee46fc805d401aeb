import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalSync } from './wal-sync';

/** An fsync held by the test: each call waits until the test lets it go. */
function heldSyncs() {
  const calls: Array<{ fd: number; release(): void; fail(error: Error): void }> = [];
  const fileSync = (fd: number) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ fd, release: resolve, fail: reject });
    });
  return { calls, fileSync };
}

const settled = async <T>(promise: Promise<T>) => {
  let state = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('WalSync: group commit with the fsync off the event loop', () => {
  let dir: string;
  let db: Database.Database;
  let filename: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-wal-sync-'));
    filename = join(dir, 'file.sqlite');
    db = new Database(filename);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a sync only when the fsync of the WAL file is done', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, fileSync);
    const sync = wal.sync();
    await settled(sync);
    expect(calls).toHaveLength(1);
    expect(await settled(sync)).toBe('pending');
    calls[0].release();
    expect(await settled(sync)).toBe('resolved');
    await wal.close();
  });

  it('makes the callers that ask while an fsync runs share the next one (it may have started before their commit)', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, fileSync);
    const first = wal.sync();
    await settled(first);
    const during = [wal.sync(), wal.sync(), wal.sync()];
    expect(calls).toHaveLength(1);
    calls[0].release();
    expect(await settled(first)).toBe('resolved');
    // Not answered by the fsync that was running when they asked: a second one starts for all three.
    expect(await Promise.all(during.map(settled))).toEqual(['pending', 'pending', 'pending']);
    expect(calls).toHaveLength(2);
    calls[1].release();
    expect(await Promise.all(during.map(settled))).toEqual(['resolved', 'resolved', 'resolved']);
    await wal.close();
  });

  it('rejects the callers of an fsync that failed, and the next one starts afresh', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, fileSync);
    const failing = wal.sync();
    await settled(failing);
    calls[0].fail(new Error('EIO'));
    await expect(failing).rejects.toThrow('EIO');
    const next = wal.sync();
    await settled(next);
    calls[1].release();
    await expect(next).resolves.toBeUndefined();
    await wal.close();
  });

  it('syncs the WAL file itself, for real', async () => {
    const wal = new WalSync(filename);
    db.prepare('INSERT INTO t VALUES (1)').run();
    await expect(wal.sync()).resolves.toBeUndefined();
    expect(() => wal.syncNow()).not.toThrow();
    await wal.close();
  });

  it('waits at close for the fsyncs asked for, and answers them', async () => {
    const { calls, fileSync } = heldSyncs();
    const wal = new WalSync(filename, fileSync);
    const running = wal.sync();
    await settled(running);
    const queued = wal.sync();
    const closed = wal.close();
    expect(await settled(closed)).toBe('pending');
    calls[0].release();
    await settled(running);
    calls[1].release();
    await expect(Promise.all([running, queued, closed])).resolves.toBeDefined();
  });

  it('has nothing to sync for a database without a file', () => {
    expect(WalSync.needed(':memory:')).toBe(false);
    expect(WalSync.needed('')).toBe(false);
    expect(WalSync.needed(filename)).toBe(true);
  });
});
