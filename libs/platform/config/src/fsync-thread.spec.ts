import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, open, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsyncThread } from './fsync-thread';
import { WalSync } from './wal-sync';

describe('FsyncThread: fsync on a thread of its own', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'clientele-fsync-thread-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('syncs a file the main thread opened, and reports a descriptor it cannot sync', async () => {
    const thread = new FsyncThread();
    thread.acquire();
    const fd = openSync(join(dir, 'file'), 'w');
    try {
      await expect(thread.fsync(fd)).resolves.toBeUndefined();
      await expect(thread.fsync(987_654)).rejects.toMatchObject({ code: 'EBADF' });
      await expect(thread.fsync(fd)).resolves.toBeUndefined();
    } finally {
      closeSync(fd);
      thread.release();
    }
  });

  it("answers while every thread of libuv's pool is blocked (a WAL's fsync does not wait behind DNS, scrypt or file reads)", async () => {
    // Opening a FIFO for reading blocks a pool thread until someone opens it for writing.
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const blocked = Array.from({ length: 16 }, () => new Promise<number>((resolve, reject) => open(fifo, 'r', (error, fd) => (error ? reject(error) : resolve(fd)))));
    const database = join(dir, 'events.sqlite');
    const db = new Database(database);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
    const wal = new WalSync(database, { inlineSync: null });
    try {
      const synced = await Promise.race([wal.sync().then(() => 'synced'), new Promise((resolve) => setTimeout(() => resolve('still waiting after 10 s'), 10_000))]);
      expect(synced).toBe('synced');
    } finally {
      // A writer lets the blocked readers through.
      const writer = openSync(fifo, 'w');
      for (const fd of await Promise.all(blocked)) closeSync(fd);
      closeSync(writer);
      await wal.close();
      db.close();
    }
  }, 30_000);
});
