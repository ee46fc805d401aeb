import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordedEvent } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

/** What the SQLite adapter promises beyond the shared contract: durability settings and several connections on one file. */
describe('SqliteEventStore specifics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clientele-es-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens its file in WAL mode with synchronous=FULL, a busy timeout and a bounded WAL', async () => {
    const filename = join(dir, 'events.sqlite');
    const store = new SqliteEventStore({ filename, busyTimeoutMs: 4321, walSizeLimitBytes: 1_000_000 });
    const db = (store as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(4321);
    expect(db.pragma('journal_size_limit', { simple: true })).toBe(1_000_000);
    await store.close();
  });

  it('keeps appended events across a reopen of the file', async () => {
    const filename = join(dir, 'events.sqlite');
    const first = new SqliteEventStore({ filename });
    await first.appendToStream('client-1', [{ id: randomUUID(), type: 'ClientAdded', data: { n: 1 } }], { expectedRevision: 'no_stream' });
    await first.close();
    const reopened = new SqliteEventStore({ filename });
    expect((await reopened.readStream('client-1')).map((e) => e.data)).toEqual([{ n: 1 }]);
    await reopened.close();
  });

  it('lets a subscriber on another connection see appends made through this one, and enforces revisions across both', async () => {
    const filename = join(dir, 'events.sqlite');
    const writer = new SqliteEventStore({ filename });
    const other = new SqliteEventStore({ filename, pollIntervalMs: 20 });
    const seen: RecordedEvent[] = [];
    const subscription = other.subscribeToAll((e) => void seen.push(e));
    try {
      await writer.appendToStream('client-1', [{ id: randomUUID(), type: 'A', data: {} }], { expectedRevision: 'no_stream' });
      await expect(
        other.appendToStream('client-1', [{ id: randomUUID(), type: 'B', data: {} }], { expectedRevision: 'no_stream' }),
      ).rejects.toMatchObject({ code: 'concurrency_conflict' });
      const deadline = Date.now() + 3000;
      while (seen.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen.map((e) => e.type)).toEqual(['A']);
    } finally {
      await subscription.stop();
      await writer.close();
      await other.close();
    }
  });
});
